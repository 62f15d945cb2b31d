//! The public checker as a user meets it: a primitive of one's own (a
//! `LinearMap` through `DFun::from_linear_map`, an `Op` through
//! `Expr::apply_op`) checked alone, in every mode, in random compositions
//! (proptest strategies), and a wrong derivative caught with a report that
//! says where. Typed spaces: maps on `SVector`s and on tuples of them.

use crate::common::Cube;
use lensdiff::check::strategies::{self, Primitive, compositions, points};
use lensdiff::check::{
    AnyMode, Compiled, Options, ScalarMap, assert_map, check_linear_map, check_map, check_op,
    check_scalar_map, laws,
};

use lensdiff::linear::LinearMap;
use lensdiff::{
    DFun, Dense, Expr, Forward, Mode, Pullback, Pushforward, Real, Reverse, fanout, jacobian_fwd,
    jacobian_rev, ops, par,
};
use nalgebra::{DMatrix, DVector, SVector, dvector, vector};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestError, TestRng, TestRunner};
use std::sync::Arc;

type V = DVector<f64>;

// ------------------------------------------------- a LinearMap primitive

/// The user's derivative: y_i = x_i + x_{i-1}/2 (x_{-1} = 0), with its
/// transpose. `broken` forgets the coupling in the transpose.
#[derive(Clone, Debug)]
struct Smooth {
    n: usize,
    broken: bool,
}

impl LinearMap<V, V> for Smooth {
    fn apply(&self, dx: &V) -> V {
        V::from_fn(self.n, |i, _| {
            dx[i] + if i > 0 { 0.5 * dx[i - 1] } else { 0.0 }
        })
    }
    fn transpose_add(&self, dy: &V, dx: &mut V) {
        for i in 0..self.n {
            dx[i] += dy[i];
            if i + 1 < self.n && !self.broken {
                dx[i] += 0.5 * dy[i + 1];
            }
        }
    }
    fn dom_shape(&self) -> usize {
        self.n
    }
    fn cod_shape(&self) -> usize {
        self.n
    }
}

/// The user's primitive: x ↦ Smooth(x) followed by nothing else (linear).
#[derive(Clone, Debug)]
struct Smoothing {
    broken: bool,
}

impl AnyMode for Smoothing {
    type In = V;
    type Out = V;
    fn build<M: Mode>(&self) -> DFun<V, V, M> {
        let broken = self.broken;
        DFun::from_linear_map(move |x: &V| {
            let l = Smooth { n: x.len(), broken };
            (l.apply(x), l)
        })
    }
}

impl Primitive for Smoothing {
    fn output_len(&self, n: usize) -> Option<usize> {
        Some(n)
    }
    fn build<M: Mode>(&self, _n: usize) -> DFun<V, V, M> {
        AnyMode::build(self)
    }
}

#[test]
fn a_linear_map_checked_alone_and_in_every_mode() {
    let o = Options::for_scalar::<f64>();
    let good = check_linear_map(
        &Smooth {
            n: 6,
            broken: false,
        },
        &o,
    );
    assert!(good.passed(), "{good}");
    let bad = check_linear_map(&Smooth { n: 6, broken: true }, &o);
    assert!(!bad.passed());
    let text = bad.to_string();
    assert!(text.contains("FAIL adjointness"), "{text}");
    assert!(text.contains("FAIL matrix of apply"), "{text}");

    let x = dvector![0.3, -0.2, 0.9, 0.1];
    assert_map(&Smoothing { broken: false }, &x);
    let r = check_map(&Smoothing { broken: true }, &x);
    assert!(!r.passed());
    // The report names the failing comparison, its size and the input.
    let worst = r
        .failures()
        .find(|c| c.name == "forward = reverse Jacobian");
    let worst = worst.expect("the broken transpose shows in the Jacobians");
    assert!((worst.error - 0.5).abs() < 1e-15, "{r}");
    assert!(worst.input.contains("3.000000e-1"), "{}", worst.input);
}

#[test]
#[should_panic(expected = "FAIL adjointness")]
fn assert_map_panics_with_the_report() {
    assert_map(&Smoothing { broken: true }, &dvector![0.1, 0.2]);
}

#[test]
fn an_op_checked_alone_and_inside_an_expression() {
    let o = Options::for_scalar::<f64>();
    let x = [0.5, -1.5, 2.0];
    check_op(&Cube { factor: 3.0 }, &[&x[..]], &o)
        .unwrap()
        .assert_ok();
    let wrong = check_op(&Cube { factor: 2.0 }, &[&x[..]], &o).unwrap();
    let fd = wrong
        .failures()
        .find(|c| c.name.starts_with("jvp_add = differences"));
    assert!(fd.is_some(), "{wrong}");
    // Consistent jvp and vjp: adjointness holds although both are wrong.
    assert!(wrong.failures().all(|c| !c.name.starts_with("adjointness")));

    let e = |factor| {
        let x = Expr::<f64>::var();
        (x.apply_op(Arc::new(Cube { factor }), &[]).sin() * x.clone()).sum()
    };
    let xv = dvector![0.5, -0.3, 0.8];
    lensdiff::check::assert_map(&Compiled::<V, f64>::new(e(3.0)), &xv);
    let r = check_map(&Compiled::<V, f64>::new(e(2.0)), &xv);
    assert!(
        r.failures()
            .any(|c| c.name == "Jacobian = finite differences"),
        "{r}"
    );
}

// --------------------------------------------------------- second order

/// The derivative of (Σx)² at a point: dx ↦ 2s·Σdx.
struct SumSquaredLin<S> {
    two_s: S,
    n: usize,
}

impl<S: Real> LinearMap<DVector<S>, S> for SumSquaredLin<S> {
    fn apply(&self, dx: &DVector<S>) -> S {
        dx.iter().fold(S::zero(), |a, v| a + *v) * self.two_s
    }
    fn transpose_add(&self, dy: &S, dx: &mut DVector<S>) {
        for v in dx.iter_mut() {
            *v += self.two_s * *dy;
        }
    }
    fn dom_shape(&self) -> usize {
        self.n
    }
    fn cod_shape(&self) {}
}

/// (Σx)², its derivative built from `s` kept whole (`frozen = false`) or
/// from `s` rounded to its `f64` value (`frozen = true`): right to first
/// order over every scalar, but over dual numbers the frozen one drops
/// the tangent of `s`, so the Hessian 2·11ᵀ is lost by nesting.
struct SumSquared {
    frozen: bool,
}

impl ScalarMap for SumSquared {
    fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M> {
        let frozen = self.frozen;
        DFun::from_linear_map(move |x: &DVector<S>| {
            let s = x.iter().fold(S::zero(), |a, v| a + *v);
            let two_s = if frozen {
                S::from_f64(2.0 * s.value_f64())
            } else {
                s + s
            };
            (s * s, SumSquaredLin { two_s, n: x.len() })
        })
    }
}

#[test]
fn second_order_by_nesting_catches_a_derivative_that_drops_tangents() {
    let x = dvector![0.3, -0.1, 0.6];
    check_scalar_map(&SumSquared { frozen: false }, &x).assert_ok();
    let r = check_scalar_map(&SumSquared { frozen: true }, &x);
    let failed: Vec<&str> = r.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(
        failed,
        ["HVP by nesting = differences of the gradient"],
        "{r}"
    );
    // The report says along which direction.
    let c = r.failures().next().unwrap();
    assert!(c.direction.starts_with("u = ["), "{}", c.direction);
}

// ----------------------------------------------- random compositions

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The user's primitive inside random compositions: every law, every
    /// mode.
    #[test]
    fn laws_hold_around_the_users_primitive(
        f in compositions(Smoothing { broken: false }),
        g in compositions(Smoothing { broken: false }),
        h in compositions(Smoothing { broken: false }),
        x in points(6),
    ) {
        strategies::laws_hold(&f, &g, &h, &x)?;
    }
}

/// A broken primitive inside compositions is caught by the same property
/// (run by hand here, since proptest would report it as a failure).
#[test]
fn a_broken_primitive_fails_the_laws_in_compositions() {
    use proptest::strategy::ValueTree;
    let strategy = compositions(Smoothing { broken: true });
    let mut runner = TestRunner::deterministic();
    let x = dvector![0.4, -0.1, 0.7, 0.2];
    let failed = (0..40).any(|_| {
        let f = strategy.new_tree(&mut runner).unwrap().current();
        let g = strategy.new_tree(&mut runner).unwrap().current();
        let h = strategy.new_tree(&mut runner).unwrap().current();
        matches!(
            strategies::laws_hold(&f, &g, &h, &x),
            Err(proptest::test_runner::TestCaseError::Fail(_))
        )
    });
    assert!(failed, "no composition exposed the broken transpose");
}

// ---------------------------------------------------------- typed spaces

/// R³ → R²: (x₀x₁ + sin x₂, x₂² − x₀), compiled on `SVector`s.
fn typed<M: Mode>() -> DFun<SVector<f64, 3>, SVector<f64, 2>, M> {
    let x = Expr::<f64>::var();
    let first = x.at(0) * x.at(1) + x.at(2).sin();
    let second = x.at(2).square() - x.at(0);
    first.concat(&second).compile()
}

#[test]
fn a_map_from_r3_to_r2_on_static_vectors() {
    let x = vector![0.3, -1.2, 0.7];
    let jf = jacobian_fwd(&typed::<Forward>(), &x);
    let jr = jacobian_rev(&typed::<Reverse>(), &x);
    let hand = DMatrix::from_row_slice(2, 3, &[-1.2, 0.3, 0.7f64.cos(), -1.0, 0.0, 1.4]);
    assert!((&jf - &hand).amax() < 1e-15, "{jf}");
    assert!((&jr - &hand).amax() < 1e-15, "{jr}");
    let y: SVector<f64, 2> = typed::<Reverse>().eval(&x);
    assert!((y[0] - (-0.36 + 0.7f64.sin())).abs() < 1e-15);
    // Pullbacks land in the typed domain.
    let g: SVector<f64, 3> = typed::<Reverse>().linearize(&x).1.pull(&vector![1.0, 0.0]);
    // cos runs through the lane kernels: within 2 ulp of std's.
    assert!((g - vector![-1.2, 0.3, 0.7f64.cos()]).amax() < 1e-15, "{g}");

    struct Typed;
    impl AnyMode for Typed {
        type In = SVector<f64, 3>;
        type Out = SVector<f64, 2>;
        fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> {
            typed()
        }
    }
    assert_map(&Typed, &x);
    laws::assert_laws(&Typed, &x);
}

#[test]
fn primitives_and_combinators_on_static_vectors() {
    // The DVector primitives through `retype`, combined by `fanout`/`par`.
    fn f<M: Mode>() -> DFun<SVector<f64, 3>, (SVector<f64, 2>, f64), M> {
        let d: DFun<SVector<f64, 3>, SVector<f64, 2>, M> =
            ops::retype(&(&ops::tanh() >> &ops::diff()));
        let s: DFun<SVector<f64, 3>, f64, M> = ops::retype(&ops::norm_squared());
        fanout(&d, &s)
    }
    let x = vector![0.2, 0.9, -0.4];
    let (y, n) = f::<Reverse>().eval(&x);
    assert!((y[1] - ((-0.4f64).tanh() - 0.9f64.tanh())).abs() < 1e-15);
    assert!((n - x.norm_squared()).abs() < 1e-15);
    assert_eq!(
        jacobian_fwd(&f::<Forward>(), &x),
        jacobian_rev(&f::<Reverse>(), &x)
    );
    let p: DFun<(SVector<f64, 3>, SVector<f64, 3>), _, Reverse> = par(&f(), &f());
    let (a, b) = p.eval(&(x, 2.0 * x));
    assert_eq!(a, f::<Reverse>().eval(&x));
    assert_eq!(b, f::<Reverse>().eval(&(2.0 * x)));
}

/// A map on the tuple `(SVector<_, 3>, SVector<_, 2>)`: ⟨a, a⟩·b₀ + b₁·Σa.
#[test]
fn a_map_on_a_tuple_of_static_vectors() {
    type X = (SVector<f64, 3>, SVector<f64, 2>);
    let (a, b) = (Expr::<f64>::input(0), Expr::<f64>::input(1));
    let e = a.norm_squared() * b.at(0) + b.at(1) * a.sum();
    let f = Compiled::<X, f64>::new(e);
    let x: X = (vector![0.5, -0.2, 1.0], vector![2.0, -3.0]);
    let g: X = lensdiff::grad(&AnyMode::build::<Reverse>(&f), &x);
    // ∂/∂a = 2a·b₀ + b₁, ∂/∂b = (⟨a, a⟩, Σa).
    assert_eq!(g.0, x.0 * 4.0 + SVector::<f64, 3>::repeat(-3.0));
    assert!((g.1[0] - x.0.norm_squared()).abs() < 1e-15 && (g.1[1] - 1.3).abs() < 1e-15);
    assert_map(&f, &x);
    let fwd = jacobian_fwd(&AnyMode::build::<Forward>(&f), &x);
    assert_eq!(fwd.shape(), (1, 5));
}

#[test]
fn a_static_output_of_the_wrong_length_panics_naming_both() {
    let f: DFun<V, SVector<f64, 2>, Reverse> = Expr::var().diff().compile();
    let err =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f.eval(&dvector![1.0, 2.0])))
            .unwrap_err();
    let msg = err.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(msg.contains("expected 2, found 1"), "{msg}");
}

// ------------------------------------------------- a lens in one mode

/// x ↦ (x₀ x₁, sin x₁) in reverse mode only, its pullback by hand:
/// `wrong` scales the pullback of sin (1 is right), `overwrite` assigns
/// where a pullback must add.
fn reverse_by_hand(wrong: f64, overwrite: bool) -> DFun<V, V, Reverse> {
    DFun::new(
        |x: &V| dvector![x[0] * x[1], x[1].sin()],
        move |x: &V| {
            let (a, b) = (x[0], x[1]);
            let pullback = Pullback::new(
                move |dy: &V, dx: &mut V| {
                    let g = dvector![dy[0] * b, dy[0] * a + wrong * dy[1] * b.cos()];
                    if overwrite {
                        *dx = g;
                    } else {
                        *dx += g;
                    }
                },
                2,
                2,
            );
            (dvector![a * b, b.sin()], pullback)
        },
    )
}

#[test]
fn a_reverse_only_lens_is_checked_in_its_own_mode() {
    let x = dvector![0.7, -0.4];
    let right = check_map(&reverse_by_hand(1.0, false), &x);
    assert!(right.passed(), "{right}");
    // Every comparison ran in reverse mode, the differences among them.
    assert!(
        right.checks().iter().all(|c| c.mode == Some("reverse")),
        "{right:#}"
    );
    let names: Vec<&str> = right.checks().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "eval = linearize value",
            "Jacobian = finite differences",
            "pullback = Jᵀ c",
            "pull_add accumulates"
        ]
    );

    // A wrong pullback: the differences catch it, and the report says so
    // on its first line after the heading.
    let wrong = check_map(&reverse_by_hand(2.0, false), &x);
    let failed: Vec<&str> = wrong.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["Jacobian = finite differences"], "{wrong:#}");
    let text = wrong.to_string();
    let first = text.lines().nth(1).unwrap_or_default();
    assert!(
        first.starts_with("  FAIL Jacobian = finite differences [reverse]"),
        "{text}"
    );
    // The worst entry is ∂y₁/∂x₁: 2 cos(−0.4) against cos(−0.4).
    let c = wrong.failures().next().unwrap();
    assert!((c.error - 0.4f64.cos()).abs() < 1e-6, "{c:?}");
    assert!(c.direction.starts_with("entry (1, 1)"), "{}", c.direction);

    // A pullback that overwrites: right alone, wrong inside a sum.
    let overwriting = check_map(&reverse_by_hand(1.0, true), &x);
    let failed: Vec<&str> = overwriting.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["pull_add accumulates"], "{overwriting:#}");
}

#[test]
fn forward_and_dense_lenses_are_checked_in_their_own_modes() {
    let x = dvector![0.3, -1.1, 0.5];
    let f: DFun<V, V, Forward> = ops::tanh().then(&ops::diff());
    let r = check_map(&f, &x);
    assert!(r.passed(), "{r}");
    assert!(
        r.checks().iter().any(|c| c.name == "pushforward = J t"),
        "{r:#}"
    );
    // A pushforward off by a factor fails against the differences.
    let doubled: DFun<V, V, Forward> = DFun::new(
        |x: &V| x.map(f64::sin),
        |x: &V| {
            let cos = x.map(f64::cos);
            let n = x.len();
            (
                x.map(f64::sin),
                Pushforward::new(move |dx: &V| 2.0 * dx.component_mul(&cos), n, n),
            )
        },
    );
    let r = check_map(&doubled, &x);
    let failed: Vec<&str> = r.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["Jacobian = finite differences"], "{r:#}");

    // Dense mode: right, and a value 2x whose derivative is `Smooth`.
    let d: DFun<V, V, Dense> = ops::tanh().then(&ops::diff());
    let r = check_map(&d, &x);
    assert!(
        r.passed() && r.checks().iter().all(|c| c.mode == Some("dense")),
        "{r:#}"
    );
    let wrong: DFun<V, V, Dense> = DFun::from_linear_map(|x: &V| {
        let l = Smooth {
            n: x.len(),
            broken: false,
        };
        (x * 2.0, l)
    });
    let r = check_map(&wrong, &x);
    let failed: Vec<&str> = r.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, ["Jacobian = finite differences"], "{r:#}");
}

// ------------------------------------------------------------ shrinking

/// A planted bug: `sin` whose derivative is `1.5·cos` (every mode agrees,
/// only finite differences see it).
fn wrong_sin() -> strategies::LengthPreserving<lensdiff::ops::Custom<f64>> {
    let wrong = lensdiff::ops::Custom::elementwise("wrong_sin", f64::sin, |x| 1.5 * x.cos());
    strategies::LengthPreserving(wrong)
}

/// Proptest's runner as a user's `proptest!` runs it (its default shrink
/// budget: four runs per case), from a fixed seed, persisting nothing.
fn seeded_runner(cases: u32, seed: u8) -> TestRunner {
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    TestRunner::new_with_rng(
        config,
        TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]),
    )
}

/// A failing law check shrinks to the smallest compositions that still
/// fail, from three seeds.
#[test]
fn a_planted_bug_shrinks_to_a_handful_of_nodes() {
    for seed in [1u8, 2, 3] {
        let mut runner = seeded_runner(32, seed);
        let c = || compositions(wrong_sin());
        let result = runner.run(&(c(), c(), c(), points(6)), |(f, g, h, x)| {
            strategies::laws_hold(&f, &g, &h, &x)
        });
        let Err(TestError::Fail(why, (f, g, h, x))) = result else {
            panic!("seed {seed}: the planted bug was not found: {result:?}");
        };
        let sizes = [f.size(), g.size(), h.size()];
        eprintln!("seed {seed}: shrunk to sizes {sizes:?} at n = {}", x.len());
        assert!(
            sizes.iter().all(|&s| s <= 4),
            "seed {seed}: sizes {sizes:?}\nf = {f:?}\ng = {g:?}\nh = {h:?}"
        );
        // The bug is still in what is reported, and the report says so.
        let shown = format!("{f:?} {g:?} {h:?}");
        assert!(shown.contains("wrong_sin"), "{shown}");
        assert!(why.message().contains("FAIL"), "{}", why.message());
    }
}

/// Shrinking reaches the smallest failing size: a property that fails on
/// every composition of five nodes or more shrinks to one of exactly five
/// (a combinator over two leaves can always give way to a leaf).
#[test]
fn shrinking_stops_at_the_smallest_failing_size() {
    let mut runner = seeded_runner(256, 7);
    let result = runner.run(&strategies::library_compositions(), |c| {
        prop_assert!(c.size() < 5);
        Ok(())
    });
    let Err(TestError::Fail(_, c)) = result else {
        panic!("no composition of five nodes or more was drawn: {result:?}");
    };
    assert_eq!(c.size(), 5, "{c:?}");
}
