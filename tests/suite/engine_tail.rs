//! Nonlinear scalar tails over several reductions (`tanh(r₁)·r₂`, …): the
//! tiled engine runs a value pass, then the gradient pass seeded with the
//! tail's cotangents, over `f64` and over the multi-tangent duals of the
//! Hessian sweeps. Value, gradient and `H v_c` (several seeds in one sweep)
//! against the whole-vector engine, the products also against central
//! differences of the gradient (an oracle that shares no second-order
//! code), and bitwise equal for 1, 2 and 3 threads.

use lensdiff::engine::{Engine, tiles};
use lensdiff::hessian::value_and_grad_hvps;
use lensdiff::{Expr, Objective, Real, grad};
use nalgebra::DVector;
use proptest::prelude::*;

/// A vector computed from `x` in the tiles.
#[derive(Debug, Clone, Copy)]
enum Vector {
    X,
    Sin,
    Diff,
    TanhTimesX,
    Stencil,
}

/// A reduction of one of those vectors: a root of the tail.
#[derive(Debug, Clone, Copy)]
enum Reduce {
    Sum,
    NormSquared,
    SumMap,
}

/// One step of the scalar tail, over the roots and the steps before.
#[derive(Debug, Clone, Copy)]
enum Scalar {
    Tanh(usize),
    Sin(usize),
    Square(usize),
    Affine(usize, f64, f64),
    Add(usize, usize),
    Mul(usize, usize),
}

#[derive(Debug, Clone)]
struct Tail {
    roots: Vec<(Vector, Reduce)>,
    steps: Vec<Scalar>,
    n: usize,
}

impl Objective for Tail {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let mut pool: Vec<Expr<S>> = self
            .roots
            .iter()
            .map(|&(v, r)| {
                let v = match v {
                    Vector::X => x.clone(),
                    Vector::Sin => x.sin(),
                    Vector::Diff => x.diff(),
                    Vector::TanhTimesX => x.tanh() * x.clone(),
                    Vector::Stencil => x.stencil(3, |w| w[0] * w[2] + w[1].sin()),
                };
                // Scaled so that the tanh of a sum is not flat.
                let r = match r {
                    Reduce::Sum => v.sum(),
                    Reduce::NormSquared => v.norm_squared(),
                    Reduce::SumMap => v.map(|t| t.cos()).sum(),
                };
                r * (3.0 / self.n as f64)
            })
            .collect();
        for &s in &self.steps {
            let at = |i: usize| pool[i % pool.len()].clone();
            let next = match s {
                Scalar::Tanh(i) => at(i).tanh(),
                Scalar::Sin(i) => at(i).sin(),
                Scalar::Square(i) => at(i) * at(i),
                Scalar::Affine(i, a, b) => at(i).affine(a, b),
                Scalar::Add(i, j) => at(i) + at(j),
                Scalar::Mul(i, j) => at(i) * at(j),
            };
            pool.push(next);
        }
        // Always nonlinear in two reductions: tanh(r₀)·r₁, and the last step.
        let last = pool.last().expect("a root").clone();
        pool[0].tanh() * pool[1].clone() + last * 0.5
    }
}

fn vector() -> impl Strategy<Value = Vector> {
    prop_oneof![
        Just(Vector::X),
        Just(Vector::Sin),
        Just(Vector::Diff),
        Just(Vector::TanhTimesX),
        Just(Vector::Stencil)
    ]
}

fn reduce() -> impl Strategy<Value = Reduce> {
    prop_oneof![
        Just(Reduce::Sum),
        Just(Reduce::NormSquared),
        Just(Reduce::SumMap)
    ]
}

fn scalar() -> impl Strategy<Value = Scalar> {
    let i = 0usize..16;
    prop_oneof![
        i.clone().prop_map(Scalar::Tanh),
        i.clone().prop_map(Scalar::Sin),
        i.clone().prop_map(Scalar::Square),
        (i.clone(), -1.5f64..1.5, -0.5f64..0.5).prop_map(|(i, a, b)| Scalar::Affine(i, a, b)),
        (i.clone(), i.clone()).prop_map(|(i, j)| Scalar::Add(i, j)),
        (i.clone(), i.clone()).prop_map(|(i, j)| Scalar::Mul(i, j)),
    ]
}

const TILE: usize = 8;

fn tail() -> impl Strategy<Value = Tail> {
    (
        prop::collection::vec((vector(), reduce()), 2..5),
        prop::collection::vec(scalar(), 0..6),
        3 * TILE..8 * TILE,
    )
        .prop_map(|(roots, steps, n)| Tail { roots, steps, n })
}

fn tiled(threads: usize) -> Engine {
    Engine {
        tiled: true,
        threads: Some(threads),
        tile: Some(TILE),
    }
}

/// Value, gradient and the products of one multi-tangent sweep.
type Sweep = (f64, DVector<f64>, Vec<DVector<f64>>);

fn sweep(f: &Tail, x: &DVector<f64>, vs: &[DVector<f64>], e: Engine) -> (f64, DVector<f64>, Sweep) {
    e.scope(|| {
        let l = f.lens::<f64>();
        let hv = value_and_grad_hvps(f, x, vs).expect("finite products");
        (l.eval(x), grad(&l, x), hv)
    })
}

fn rel(a: &DVector<f64>, b: &DVector<f64>) -> f64 {
    (a - b).amax() / b.amax().max(1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn nonlinear_tails_tile_and_agree(t in tail(), seed in 0u64..1000, m in 1usize..7) {
        let n = t.n;
        let x = DVector::from_fn(n, |i, _| 0.8 * ((i as f64 + 1.0) * 0.7 + seed as f64).sin());
        let vs: Vec<DVector<f64>> = (0..m)
            .map(|c| DVector::from_fn(n, |i, _| ((i * (c + 2) + c) % 5) as f64 * 0.5 - 1.0))
            .collect();
        prop_assert!(tiled(1).scope(|| tiles(&t, n)).is_some_and(|k| k >= 3), "it must tile");
        let whole = sweep(&t, &x, &vs, Engine::whole_vector());
        let one = sweep(&t, &x, &vs, tiled(1));
        let scale = whole.0.abs().max(1.0);
        prop_assert!((one.0 - whole.0).abs() <= 1e-13 * scale, "value {} vs {}", one.0, whole.0);
        prop_assert!(rel(&one.1, &whole.1) <= 1e-13, "gradient {:e}", rel(&one.1, &whole.1));
        let (sv, sg, sp) = (&one.2, &whole.2, &whole.2.2);
        prop_assert!((sv.0 - sg.0).abs() <= 1e-13 * scale);
        prop_assert!(rel(&sv.1, &sg.1) <= 1e-13);
        prop_assert!(rel(&sv.1, &whole.1) <= 1e-13, "the sweep's gradient");
        for (c, (p, q)) in sv.2.iter().zip(sp).enumerate() {
            prop_assert!(rel(p, q) <= 1e-12, "product {c}: {:e}", rel(p, q));
        }
        // Central differences of the whole-vector gradient along each seed.
        let l = t.lens::<f64>();
        let h = 1e-5;
        for (c, (v, p)) in vs.iter().zip(&sv.2).enumerate() {
            let g = |s: f64| Engine::whole_vector().scope(|| grad(&l, &(&x + v * s)));
            let fd = (g(h) - g(-h)) / (2.0 * h);
            prop_assert!(rel(p, &fd) <= 1e-6, "product {c} against differences: {:e}", rel(p, &fd));
        }
        for threads in [2, 3] {
            prop_assert_eq!(&sweep(&t, &x, &vs, tiled(threads)), &one, "{} threads", threads);
        }
    }
}
