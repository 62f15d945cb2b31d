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
