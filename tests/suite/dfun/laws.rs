//! The laws of the lens category, as properties over *random compositions*
//! of primitives, checked in every mode, through the public checker
//! (`lensdiff::check`) and its strategies (`check::strategies`, feature
//! `proptest`, switched on for this crate's own tests by its
//! dev-dependency on itself).
//!
//! Oracles: the other modes, central finite differences (the checker's
//! five-point stencil with a Richardson error estimate), and
//! hand-assembled block Jacobians.

use lensdiff::check::strategies::{self, Composition, NoPrimitive, library_compositions, points};
use lensdiff::check::{Compiled, Jacobian, Options, Report, check_map_with, laws};
use lensdiff::fst;
use lensdiff::{
    DFun, Dense, Expr, Forward, Reverse, c, compose, dup, inl, inr, jam, join, ops, par, snd,
};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

type V = DVector<f64>;
type C = Composition<NoPrimitive>;
type Checked = Result<(), TestCaseError>;

fn opts() -> Options {
    Options::for_scalar::<f64>()
}

// ------------------------------------------------------------ cocartesian

fn cocartesian_law<M: Jacobian>(a: &C, b: &C, x: &(V, V)) -> Checked {
    let o = opts();
    let (fa, ga) = (a.at(x.0.len()), b.at(x.1.len()));
    let (p, q) = (fa.output_len(), ga.output_len());
    let f: DFun<V, V, M> = lensdiff::check::AnyMode::build(&fa);
    let g: DFun<V, V, M> = lensdiff::check::AnyMode::build(&ga);
    let g = if p == q {
        g
    } else {
        g.then(&strategies::resize(q, p))
    };
    let j = join(&f, &g);
    let mut r = Report::new("laws");
    r.merge(laws::same_lens(
        "join = jam ∘ par",
        &j,
        &compose(&jam(), &par(&f, &g)),
        x,
        &o,
    ));
    // Injections: fst ∘ inl = id, snd ∘ inr = id, jam ∘ inl = id,
    // jam ∘ dup = 2·id.
    let fi = f.then(&inl::<V, V, M>(p));
    r.merge(laws::same_lens(
        "fst ∘ inl = id",
        &fi.then(&fst()),
        &f,
        &x.0,
        &o,
    ));
    r.merge(laws::same_lens(
        "jam ∘ inl = id",
        &fi.then(&jam()),
        &f,
        &x.0,
        &o,
    ));
    let gi = g.then(&inr::<V, V, M>(p));
    r.merge(laws::same_lens(
        "snd ∘ inr = id",
        &gi.then(&snd()),
        &g,
        &x.1,
        &o,
    ));
    let twice = f.then(&dup()).then(&jam());
    r.merge(laws::same_lens(
        "jam ∘ dup = 2·id",
        &twice,
        &f.then(&ops::scale(2.0)),
        &x.0,
        &o,
    ));
    let skipped = r.is_skipped();
    r.into_test_case()?;
    if skipped {
        return Ok(());
    }
    // Independent: join(f, g)(a, b) = f(a) + g(b), J = [J_f  J_g];
    // snd ∘ inl = 0.
    let sum = f.eval(&x.0) + g.eval(&x.1);
    let jv = j.eval(x);
    prop_assert!(
        (&jv - &sum).amax() <= 1e-15 * (1.0 + sum.amax()),
        "join value"
    );
    let (jf, jg) = (M::jacobian(&f, &x.0), M::jacobian(&g, &x.1));
    let mut blocks = DMatrix::zeros(p, x.0.len() + x.1.len());
    blocks.columns_mut(0, x.0.len()).copy_from(&jf);
    blocks.columns_mut(x.0.len(), x.1.len()).copy_from(&jg);
    prop_assert_eq!(M::jacobian(&j, x), blocks, "J_join = [J_f J_g]");
    let zero = fi.then(&snd());
    prop_assert!(zero.eval(&x.0).iter().all(|v| *v == 0.0));
    prop_assert!(M::jacobian(&zero, &x.0).iter().all(|v| *v == 0.0));
    Ok(())
}

// ---------------------------------------------------------- Expr trees

/// A random expression over the input with sharing: `Let` binds a
/// sub-expression that `Var` may read several times, `Twice` uses one node
/// twice directly.
#[derive(Clone, Debug)]
enum ETree {
    Var(usize),
    Unary(u8, Box<ETree>),
    Affine(f64, f64, Box<ETree>),
    Bin(u8, Box<ETree>, Box<ETree>),
    Broadcast(bool, Box<ETree>, Box<ETree>),
    Let(Box<ETree>, Box<ETree>),
    Twice(Box<ETree>),
    Rotate(Box<ETree>),
    DiffPad(Box<ETree>),
    StencilPad(Box<ETree>),
}

fn expr(t: &ETree, env: &mut Vec<Expr<f64>>) -> Expr<f64> {
    match t {
        ETree::Var(k) => env[k % env.len()].clone(),
        ETree::Unary(k, a) => {
            let a = expr(a, env);
            match k % 10 {
                0 => a.sin(),
                1 => a.cos(),
                2 => a.tanh(),
                3 => a.tanh().exp(),
                4 => a.square(),
                5 => (a.square() + 1.0).sqrt(),
                6 => (a.square() + 1.0).recip(),
                7 => a.ln_1p_square(),
                8 => a.tanh().powi(3),
                _ => a.map(|t| t * t * c(0.25) - t.sin()),
            }
        }
        ETree::Affine(p, q, a) => expr(a, env).affine(*p, *q),
        ETree::Bin(k, a, b) => {
            let (a, b) = (expr(a, env), expr(b, env));
            match k % 4 {
                0 => a + b,
                1 => a - b,
                2 => a * b,
                _ => a / (b.square() + 1.0),
            }
        }
        ETree::Broadcast(first, a, b) => {
            let (a, b) = (expr(a, env), expr(b, env));
            if *first {
                a * b.at(0)
            } else {
                b.sum().tanh() + a
            }
        }
        ETree::Let(a, b) => {
            let s = expr(a, env);
            env.push(s);
            let r = expr(b, env);
            env.pop();
            r
        }
        ETree::Twice(a) => {
            let s = expr(a, env);
            s.clone() * s.sin()
        }
        ETree::Rotate(a) => {
            let a = expr(a, env);
            a.shift(1).concat(&a.at(0))
        }
        ETree::DiffPad(a) => {
            let a = expr(a, env);
            a.diff().concat(&a.last())
        }
        ETree::StencilPad(a) => {
            let a = expr(a, env);
            a.stencil(3, |w| w[0] * w[2] - (w[1] - w[2]).tanh())
                .concat(&a.slice(0, 2))
        }
    }
}

fn reduce(k: u8, e: &Expr<f64>) -> Expr<f64> {
    match k % 5 {
        0 => e.sum(),
        1 => e.norm_squared(),
        2 => e.dot(&e.sin()),
        3 => e.last() * e.at(0),
        _ => e.sum().tanh() * e.norm_squared(),
    }
}

fn arb_etree() -> impl Strategy<Value = ETree> {
    (0..3usize)
        .prop_map(ETree::Var)
        .prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                3 => (any::<u8>(), inner.clone()).prop_map(|(k, a)| ETree::Unary(k, Box::new(a))),
                1 => (-1.5..1.5f64, -0.5..0.5f64, inner.clone())
                    .prop_map(|(p, q, a)| ETree::Affine(p, q, Box::new(a))),
                2 => (any::<u8>(), inner.clone(), inner.clone())
                    .prop_map(|(k, a, b)| ETree::Bin(k, Box::new(a), Box::new(b))),
                1 => (any::<bool>(), inner.clone(), inner.clone())
                    .prop_map(|(f, a, b)| ETree::Broadcast(f, Box::new(a), Box::new(b))),
                2 => (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ETree::Let(Box::new(a), Box::new(b))),
                1 => inner.clone().prop_map(|a| ETree::Twice(Box::new(a))),
                1 => inner.clone().prop_map(|a| ETree::Rotate(Box::new(a))),
                1 => inner.clone().prop_map(|a| ETree::DiffPad(Box::new(a))),
                1 => inner.prop_map(|a| ETree::StencilPad(Box::new(a))),
            ]
        })
}

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// 1. `f.then(id) = f = id.then(f)`, values and Jacobians, every mode.
    #[test]
    fn category_identity(t in library_compositions(), x in points(8)) {
        laws::identity(&t.endo(x.len()), &x, &opts()).into_test_case()?;
    }

    /// 2. `(f;g);h = f;(g;h)`, values and Jacobians, every mode.
    #[test]
    fn category_associativity(
        f in library_compositions(), g in library_compositions(), h in library_compositions(),
        x in points(8)
    ) {
        let n = x.len();
        laws::associativity(&f.endo(n), &g.endo(n), &h.endo(n), &x, &opts()).into_test_case()?;
    }

    /// 3. `fst ∘ fanout(f, g) = f`, `snd ∘ fanout(f, g) = g`.
    #[test]
    fn cartesian_projections(f in library_compositions(), g in library_compositions(), x in points(8)) {
        let n = x.len();
        laws::projections(&f.at(n), &g.at(n), &x, &opts()).into_test_case()?;
    }

    /// 4. `par(f, g) = fanout(f ∘ fst, g ∘ snd)` on pairs.
    #[test]
    fn cartesian_par(
        f in library_compositions(), g in library_compositions(), a in points(8), b in points(8)
    ) {
        let (f, g) = (f.at(a.len()), g.at(b.len()));
        laws::par_as_fanout(&f, &g, &(a, b), &opts()).into_test_case()?;
    }

    /// 5. The chain rule: the Jacobian of `g ∘ f` equals central
    /// differences of its value, and equals `J_g(f(x)) · J_f(x)`.
    #[test]
    fn chain_rule(f in library_compositions(), g in library_compositions(), x in points(8)) {
        let f = f.at(x.len());
        let g = g.at(f.output_len());
        laws::chain_rule(&f, &g, &x, &opts()).into_test_case()?;
    }

    /// 6. Forward Jacobian = reverse Jacobian = dense-mode Jacobian =
    /// differences; adjointness `⟨J v, w⟩ = ⟨v, Jᵀ w⟩` with random
    /// directions; the dense map applied to `v` is the pushforward;
    /// pullbacks accumulate.
    #[test]
    fn modes_agree_and_adjointness(t in library_compositions(), x in points(8), o in strategies::options()) {
        check_map_with(&t.at(x.len()), &x, &o).into_test_case()?;
    }

    /// 7. Cocartesian structure: `join(f, g) = jam ∘ par(f, g)`, the
    /// injections and `jam ∘ dup`.
    #[test]
    fn cocartesian(
        f in library_compositions(), g in library_compositions(), a in points(8), b in points(8)
    ) {
        let x = (a, b);
        cocartesian_law::<Forward>(&f, &g, &x)?;
        cocartesian_law::<Reverse>(&f, &g, &x)?;
        cocartesian_law::<Dense>(&f, &g, &x)?;
    }

    /// Expression trees with shared sub-expressions, reduced to a scalar:
    /// the reverse gradient equals central differences and the forward
    /// Jacobian row (every check of `check_map`).
    #[test]
    fn expr_grad_matches_finite_differences(
        t in arb_etree(),
        k in any::<u8>(),
        x in (2..=8usize).prop_flat_map(strategies::points_of_len),
        o in strategies::options(),
    ) {
        let x0 = Expr::var();
        let mut env = vec![x0.clone(), x0.sin(), x0.square()];
        let e = reduce(k, &expr(&t, &mut env));
        let f = Compiled::<V, f64>::new(e);
        let r = check_map_with(&f, &x, &Options { skip_above: 1e6, ..o });
        r.into_test_case()?;
    }
}
