//! The tiled engine against the whole-vector engine: random expression
//! DAGs (shifts, strides, stencils, concatenation, interleaving, scalar
//! stages, shared sub-expressions, a primitive without an index map) at
//! lengths around and across tile boundaries; value, gradient, HVP and
//! Hessian to 1e-13 relative; bitwise equal results for 1, 2 and 3 threads.

use crate::common::Cube;
use lensdiff::engine::{Engine, tiles};

use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::hessian::{
    BandMethod, BandOptions, hessian, hessian_banded, hessian_banded_with, hvp,
};
use lensdiff::{Expr, Objective, Real, ScalarFn2, c, grad};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use std::sync::Arc;

/// `(b − a)² / 2 + sin(a b) / 10` on neighbouring pairs.
struct Pair;
impl ScalarFn2 for Pair {
    fn eval<T: Real>(&self, a: T, b: T) -> T {
        (b - a) * (b - a) * c(0.5) + (a * b).sin() * c(0.1)
    }
}

/// One step of a random program: picks operands from the pool built so far.
#[derive(Debug, Clone)]
enum Step {
    Sin(usize),
    Tanh(usize),
    Affine(usize, f64, f64),
    Add(usize, usize, bool),
    Mul(usize, usize, bool),
    Trim(usize, usize, usize),
    Stride(usize, usize, usize),
    Stencil(usize, Vec<f64>),
    Nonlinear(usize),
    Concat(usize, usize),
    Interleave(usize, usize),
    Opaque(usize),
    /// A vector scaled by a reduction of another (a second stage).
    Weighted(usize, usize),
    At(usize, usize),
}

/// How the pool ends in one scalar.
#[derive(Debug, Clone, Copy)]
enum Tail {
    /// `Σ w_j r_j`: affine in the reductions.
    Linear,
    /// `tanh(r₀) + r₁ r₂`: not affine.
    Nonlinear,
}

#[derive(Debug, Clone)]
struct Recipe {
    steps: Vec<Step>,
    tail: Tail,
}

/// A pool entry: the expression and its length.
type Entry<S> = (Expr<S>, usize);

/// The two entries, the longer trimmed to the shorter (from the front or
/// the back).
fn matched<S: Real>(a: &Entry<S>, b: &Entry<S>, front: bool) -> (Expr<S>, Expr<S>, usize) {
    let n = a.1.min(b.1);
    let cut = |e: &Entry<S>| {
        let d = e.1 - n;
        if d == 0 {
            e.0.clone()
        } else if front {
            e.0.trim(d, 0)
        } else {
            e.0.trim(0, d)
        }
    };
    (cut(a), cut(b), n)
}

impl Recipe {
    fn pool<S: Real>(&self, x: Expr<S>, n: usize) -> Vec<Entry<S>> {
        let mut pool: Vec<Entry<S>> = vec![(x, n)];
        for step in &self.steps {
            let pick = |i: usize| pool[i % pool.len()].clone();
            let next: Option<Entry<S>> = match step {
                Step::Sin(i) => Some((pick(*i).0.sin(), pick(*i).1)),
                Step::Tanh(i) => Some((pick(*i).0.tanh(), pick(*i).1)),
                Step::Affine(i, a, b) => Some((pick(*i).0.affine(*a, *b), pick(*i).1)),
                Step::Add(i, j, f) => {
                    let (a, b, m) = matched(&pick(*i), &pick(*j), *f);
                    Some((a + b, m))
                }
                Step::Mul(i, j, f) => {
                    let (a, b, m) = matched(&pick(*i), &pick(*j), *f);
                    Some((a * b, m))
                }
                Step::Trim(i, f, b) => {
                    let (e, m) = pick(*i);
                    (f + b < m).then(|| (e.trim(*f, *b), m - f - b))
                }
                Step::Stride(i, o, s) => {
                    let (e, m) = pick(*i);
                    (*o < m).then(|| (e.stride(*o, *s), (m - o).div_ceil(*s)))
                }
                Step::Stencil(i, coeffs) => {
                    let (e, m) = pick(*i);
                    (m >= coeffs.len())
                        .then(|| (e.linear_stencil("random", coeffs), m + 1 - coeffs.len()))
                }
                Step::Nonlinear(i) => {
                    let (e, m) = pick(*i);
                    (m >= 3).then(|| {
                        let st = e.stencil(3, |w| w[0] * w[2].sin() + w[1] * w[1] * c(0.5));
                        (st, m - 2)
                    })
                }
                Step::Concat(i, j) => {
                    let (a, b) = (pick(*i), pick(*j));
                    Some((a.0.concat(&b.0), a.1 + b.1))
                }
                Step::Interleave(i, j) => {
                    let (a, b, m) = matched(&pick(*i), &pick(*j), true);
                    Some((a.interleave(&b), 2 * m))
                }
                Step::Opaque(i) => {
                    let (e, m) = pick(*i);
                    // `Cube` has no index map: its program must run whole-vector.
                    Some((e.apply_op(Arc::new(Cube { factor: 3.0 }), &[]), m))
                }
                Step::Weighted(i, j) => {
                    let (e, m) = pick(*i);
                    let w = pick(*j).0.sum().tanh();
                    Some((e * w, m))
                }
                Step::At(i, k) => {
                    let (e, m) = pick(*i);
                    (m > 0).then(|| (e.at(k % m), 1))
                }
            };
            if let Some(e) = next
                && e.1 > 0
            {
                pool.push(e);
            }
        }
        pool
    }
}

/// A recipe with its problem size: an objective of `x ∈ ℝⁿ`.
#[derive(Debug, Clone)]
struct Random {
    recipe: Recipe,
    n: usize,
}

impl Objective for Random {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let pool = self.recipe.pool(x, self.n);
        // A reduction of every entry, shared sub-expressions and all.
        let reds: Vec<Expr<S>> = pool
            .iter()
            .enumerate()
            .map(|(j, (e, m))| match j % 3 {
                0 => e.norm_squared(),
                1 if *m >= 2 => e.sum_adjacent_fn(Pair),
                _ => e.sum(),
            })
            .collect();
        match self.recipe.tail {
            Tail::Linear => {
                let mut f = reds[0].clone() * 0.5;
                for (j, r) in reds.iter().enumerate().skip(1) {
                    f = f + r.clone() * (0.3 + 0.1 * j as f64);
                }
                f
            }
            Tail::Nonlinear => {
                let last = reds.len() - 1;
                reds[0].tanh() + reds[last / 2].clone() * reds[last].clone()
            }
        }
    }
}

fn step() -> impl Strategy<Value = Step> {
    let i = 0usize..64;
    prop_oneof![
        i.clone().prop_map(Step::Sin),
        i.clone().prop_map(Step::Tanh),
        (i.clone(), -1.5f64..1.5, -0.5f64..0.5).prop_map(|(i, a, b)| Step::Affine(i, a, b)),
        (i.clone(), i.clone(), any::<bool>()).prop_map(|(i, j, f)| Step::Add(i, j, f)),
        (i.clone(), i.clone(), any::<bool>()).prop_map(|(i, j, f)| Step::Mul(i, j, f)),
        (i.clone(), 0usize..3, 0usize..3).prop_map(|(i, f, b)| Step::Trim(i, f, b)),
        (i.clone(), 0usize..2, 1usize..4).prop_map(|(i, o, s)| Step::Stride(i, o, s)),
        (i.clone(), prop::collection::vec(-1.0f64..1.0, 2..6))
            .prop_map(|(i, c)| Step::Stencil(i, c)),
        i.clone().prop_map(Step::Nonlinear),
        (i.clone(), i.clone()).prop_map(|(i, j)| Step::Concat(i, j)),
        (i.clone(), i.clone()).prop_map(|(i, j)| Step::Interleave(i, j)),
        i.clone().prop_map(Step::Opaque),
        (i.clone(), i.clone()).prop_map(|(i, j)| Step::Weighted(i, j)),
        (i.clone(), 0usize..100).prop_map(|(i, k)| Step::At(i, k)),
    ]
}

/// Programs that usually tile: the steps a tile plan covers.
fn tileable_step() -> impl Strategy<Value = Step> {
    step().prop_filter("index-mapped steps", |s| {
        !matches!(s, Step::Opaque(_) | Step::Weighted(..))
    })
}

fn recipe(steps: impl Strategy<Value = Step>) -> impl Strategy<Value = Recipe> {
    (
        prop::collection::vec(steps, 1..8),
        prop_oneof![Just(Tail::Linear), Just(Tail::Nonlinear)],
    )
        .prop_map(|(steps, tail)| Recipe { steps, tail })
}

const TILE: usize = 8;

/// Lengths around and across tile boundaries.
fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(1),
        Just(TILE - 1),
        Just(TILE),
        Just(TILE + 1),
        Just(2 * TILE + 3),
        (3 * TILE..6 * TILE)
    ]
}

fn tiled(threads: usize) -> Engine {
    Engine {
        tiled: true,
        threads: Some(threads),
        tile: Some(TILE),
    }
}

fn point(n: usize, seed: u64) -> DVector<f64> {
    DVector::from_fn(n, |i, _| 0.8 * ((i as f64 + 1.0) * 0.7 + seed as f64).sin())
}

/// Everything the engine computes for an objective at a point.
#[derive(Debug, PartialEq)]
struct Results {
    value: f64,
    grad: DVector<f64>,
    hvp: DVector<f64>,
    hessian: DMatrix<f64>,
}

fn results<O: Objective>(f: &O, x: &DVector<f64>, engine: Engine) -> Results {
    engine.scope(|| {
        let v = DVector::from_fn(x.len(), |i, _| 1.0 - 0.3 * i as f64 / x.len() as f64);
        Results {
            value: f.lens::<f64>().eval(x),
            grad: grad(&f.lens::<f64>(), x),
            hvp: hvp(f, x, &v),
            hessian: hessian(f, x).expect("a Hessian"),
        }
    })
}

fn close(a: &Results, b: &Results, tol: f64) -> Result<(), String> {
    let rel = |p: &DVector<f64>, q: &DVector<f64>| (p - q).amax() / q.amax().max(1.0);
    let checks = [
        ("value", (a.value - b.value).abs() / b.value.abs().max(1.0)),
        ("gradient", rel(&a.grad, &b.grad)),
        ("hvp", rel(&a.hvp, &b.hvp)),
        (
            "hessian",
            (&a.hessian - &b.hessian).amax() / b.hessian.amax().max(1.0),
        ),
    ];
    for (what, err) in checks {
        if err.is_nan() || err > tol {
            return Err(format!("{what}: relative difference {err:e}"));
        }
    }
    Ok(())
}

fn finite(r: &Results) -> bool {
    r.value.is_finite() && r.grad.iter().chain(r.hessian.iter()).all(|v| v.is_finite())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn tiled_equals_whole_vector(recipe in recipe(step()), n in length(), seed in 0u64..1000) {
        let f = Random { recipe, n };
        let x = point(n, seed);
        let whole = results(&f, &x, Engine::whole_vector());
        prop_assume!(finite(&whole));
        let one = results(&f, &x, tiled(1));
        prop_assert!(close(&one, &whole, 1e-13).is_ok(), "{:?}", close(&one, &whole, 1e-13));
        for threads in [2, 3] {
            prop_assert_eq!(&results(&f, &x, tiled(threads)), &one);
        }
    }

    #[test]
    fn index_mapped_programs_tile_and_agree(recipe in recipe(tileable_step()), n in 3 * TILE..8 * TILE, seed in 0u64..1000) {
        let f = Random { recipe, n };
        let x = point(n, seed);
        let whole = results(&f, &x, Engine::whole_vector());
        prop_assume!(finite(&whole));
        // Index-mapped steps only: the program must tile (several tiles).
        prop_assert!(tiled(1).scope(|| tiles(&f, n)).is_some_and(|t| t >= 3));
        let one = results(&f, &x, tiled(1));
        prop_assert!(close(&one, &whole, 1e-13).is_ok(), "{:?}", close(&one, &whole, 1e-13));
        prop_assert_eq!(&results(&f, &x, tiled(3)), &one);
    }
}

/// The BENCH objectives: the band, value and gradient at lengths across
/// tile boundaries, tiled against whole-vector.
#[test]
fn bench_objectives_agree_across_tile_boundaries() {
    for n in [TILE, TILE + 1, 5 * TILE - 1, 64, 203] {
        let problems: Vec<Box<Run>> = vec![
            Box::new(move |e| run(&Chain1::new(n), e, 1)),
            Box::new(move |e| run(&Accel2::new(n), e, 2)),
            Box::new(move |e| run(&Robot2d::new(n.div_ceil(2).max(3)), e, 4)),
        ];
        for p in &problems {
            let (vw, gw, bw) = p(Engine::whole_vector());
            let (v1, g1, b1) = p(tiled(1));
            assert!(
                (v1 - vw).abs() <= 1e-13 * vw.abs().max(1.0),
                "n = {n}: {v1} vs {vw}"
            );
            assert!((&g1 - &gw).amax() <= 1e-13 * gw.amax().max(1.0), "n = {n}");
            assert!((&b1 - &bw).amax() <= 1e-12 * bw.amax().max(1.0), "n = {n}");
            assert_eq!(p(tiled(2)), (v1, g1, b1), "n = {n}: two threads differ");
        }
    }
}

/// Value, gradient and band of one objective under an engine.
type Run = dyn Fn(Engine) -> (f64, DVector<f64>, DMatrix<f64>);

fn run<P: Problem>(p: &P, e: Engine, k: usize) -> (f64, DVector<f64>, DMatrix<f64>) {
    let x = p.x0().map(|v| v + 0.1);
    if e.tiled && p.n() > 2 * TILE {
        assert!(
            e.scope(|| tiles(p, p.n())).is_some(),
            "{} does not tile",
            p.name()
        );
    }
    e.scope(|| {
        let f = p.lens::<f64>();
        let band = hessian_banded(p, &x, k).expect("the band");
        // CPR writes its products straight into the band on the tiled engine.
        let cpr = BandOptions {
            method: BandMethod::Cpr,
            ..BandOptions::default()
        };
        let direct = hessian_banded_with(p, &x, k, &cpr).expect("the CPR band");
        assert!(
            (direct.band.to_dmatrix() - band.to_dmatrix()).amax()
                <= 1e-10 * band.to_dmatrix().amax()
        );
        let g = grad(&f, &x);
        assert!((&direct.gradient - &g).amax() <= 1e-13 * g.amax().max(1.0));
        (f.eval(&x), grad(&f, &x), direct.band.to_dmatrix())
    })
}

/// robot2d at a size the default engine cuts into more than four tiles, and
/// a point off its start.
fn robot2d_in_many_tiles() -> (Robot2d, DVector<f64>) {
    let p = Robot2d::new(20_000);
    assert!(tiles(&p, 40_000).is_some_and(|t| t > 4));
    let x = p.x0().map(|v| v + 0.05);
    (p, x)
}

/// The default engine at a size with many default-sized tiles.
#[test]
fn default_tiles_agree_with_whole_vector_at_scale() {
    let (p, x) = robot2d_in_many_tiles();
    let f = p.lens::<f64>();
    let g = grad(&f, &x);
    let gw = Engine::whole_vector().scope(|| grad(&f, &x));
    assert!((&g - &gw).amax() <= 1e-13 * gw.amax());
    let b = hessian_banded(&p, &x, 4).unwrap();
    let bw = Engine::whole_vector().scope(|| hessian_banded(&p, &x, 4).unwrap());
    let scale = bw.as_slice().iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = b
        .as_slice()
        .iter()
        .zip(bw.as_slice())
        .fold(0.0f64, |m, (p, q)| m.max((p - q).abs()));
    assert!(diff <= 1e-12 * scale, "{diff:e} against {scale:e}");
}

/// A tiled gradient's pullback (one scaled copy of the gradient the tiled
/// pass computed) scales, accumulates and composes as the chain rule says.
#[test]
fn a_tiled_gradients_pullback_scales_accumulates_and_composes() {
    let (p, x) = robot2d_in_many_tiles();
    let f = p.lens::<f64>();
    let (_, d) = f.linearize(&x);
    let g = d.pull(&1.0);
    let gw = Engine::whole_vector().scope(|| grad(&f, &x));
    assert!((&g - &gw).amax() <= 1e-13 * gw.amax());
    // Linear in the cotangent, bit for bit.
    assert_eq!(d.pull(&2.5), &g * 2.5);
    assert_eq!(d.pull(&0.0), DVector::zeros(x.len()));
    // Into an accumulator: added, not overwritten.
    let mut acc = DVector::from_element(x.len(), 1.0);
    d.pull_add(&2.5, &mut acc);
    assert_eq!(acc, g.map(|v| 1.0 + 2.5 * v));
    // Through a composition: ∇(f ∘ 2x)(x) = 2 ∇f(2x).
    let h = lensdiff::ops::scale::<f64, lensdiff::Reverse>(2.0).then(&f);
    let x2 = &x * 2.0;
    assert_eq!(grad(&h, &x), grad(&f, &x2) * 2.0);
}
