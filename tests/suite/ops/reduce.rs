//! Reductions: `sum`, `norm_squared`, `dot` (`src/ops/reduce.rs`).

use super::{check, xs};
use crate::common::map_v;

use lensdiff::{Expr, ops};

use nalgebra::{DMatrix, DVector, dvector};

type V = DVector<f64>;

#[test]
fn reductions() {
    let x = xs();
    let row = |v: Vec<f64>| DMatrix::from_row_slice(1, v.len(), &v);
    check(
        "sum",
        &ops::sum(),
        &ops::sum(),
        &x,
        &[x.iter().sum()],
        &row(vec![1.0; 5]),
    );
    check(
        "norm_squared",
        &ops::norm_squared(),
        &ops::norm_squared(),
        &x,
        &[x.iter().map(|t| t * t).sum()],
        &row(map_v(&x, |t| 2.0 * t)),
    );
    let (a, b) = (dvector![0.3, -1.2, 2.0], dvector![1.5, 0.4, -0.8]);
    let mut jd = a.as_slice().to_vec();
    jd.splice(0..0, b.iter().copied());
    check(
        "dot",
        &ops::dot(),
        &ops::dot(),
        &(a.clone(), b.clone()),
        &[0.3 * 1.5 - 1.2 * 0.4 - 2.0 * 0.8],
        &row(jd),
    );
    // x · x: one argument used twice gets both partials.
    let e = |x: Expr<f64>| x.dot(&x);
    check::<V, f64>(
        "dot(x, x)",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &x,
        &[x.norm_squared()],
        &row(map_v(&x, |t| 2.0 * t)),
    );
}

/// `Σ xᵢ²/n + Σ xᵢ/n` through `length` and `mean`: one objective value, no
/// stored `n`, evaluated at several lengths, whole-vector and in tiles.
struct MeanSquare;
impl lensdiff::Objective for MeanSquare {
    fn build<S: lensdiff::Real>(&self, x: Expr<S>) -> Expr<S> {
        x.norm_squared() / x.length() + x.mean()
    }
}

#[test]
fn the_length_is_the_one_each_call_runs_at() {
    use lensdiff::engine::Engine;
    use lensdiff::hessian::hessian_banded;
    use lensdiff::{Objective, grad};
    let tiled = Engine {
        tiled: true,
        threads: Some(2),
        tile: Some(64),
    };
    for engine in [Engine::whole_vector(), tiled] {
        for n in [1, 3, 64, 1000] {
            let x = DVector::from_fn(n, |i, _| (0.37 * i as f64).sin() + 0.5);
            let nf = n as f64;
            let (value, g, h) = engine.scope(|| {
                let lens = MeanSquare.lens::<f64>();
                (
                    lens.eval(&x),
                    grad(&lens, &x),
                    hessian_banded(&MeanSquare, &x, 0).unwrap(),
                )
            });
            let expected = x.iter().map(|t| t * t + t).sum::<f64>() / nf;
            assert!(
                (value - expected).abs() <= 1e-14 * expected.abs().max(1.0),
                "n = {n}: {value} vs {expected}"
            );
            for i in 0..n {
                let gi = (2.0 * x[i] + 1.0) / nf;
                assert!(
                    (g[i] - gi).abs() <= 1e-15,
                    "n = {n}, ∂f/∂x{i}: {} vs {gi}",
                    g[i]
                );
                assert!(
                    (h.get(i, i) - 2.0 / nf).abs() <= 1e-15,
                    "n = {n}, H{i}{i} = {}",
                    h.get(i, i)
                );
            }
        }
    }
}
