//! Nonlinear stencils over windows of the input (`src/ops/stencil.rs`).

use super::{check, diag, xs};
use crate::common::map_v;

use lensdiff::{Dual, ops};

use nalgebra::DMatrix;

#[test]
fn nonlinear_stencils() {
    let x = xs();
    // width 2: y_i = x_i · x_{i+1}
    let mut j = DMatrix::zeros(4, 5);
    for i in 0..4 {
        j[(i, i)] = x[i + 1];
        j[(i, i + 1)] = x[i];
    }
    let prod: Vec<f64> = (0..4).map(|i| x[i] * x[i + 1]).collect();
    check(
        "stencil(2)",
        &ops::stencil(2, |w| w[0] * w[1]),
        &ops::stencil(2, |w| w[0] * w[1]),
        &x,
        &prod,
        &j,
    );
    // width 3: y_i = sin(x_i)·x_{i+2} + x_{i+1}²
    let f = |w: &[Dual<f64>]| w[0].sin() * w[2] + w[1] * w[1];
    let mut j = DMatrix::zeros(3, 5);
    let mut val = vec![];
    for i in 0..3 {
        j[(i, i)] = x[i].cos() * x[i + 2];
        j[(i, i + 1)] = 2.0 * x[i + 1];
        j[(i, i + 2)] = x[i].sin();
        val.push(x[i].sin() * x[i + 2] + x[i + 1] * x[i + 1]);
    }
    check(
        "stencil(3)",
        &ops::stencil(3, f),
        &ops::stencil(3, f),
        &x,
        &val,
        &j,
    );
    // width 1 is an elementwise map.
    check(
        "stencil(1)",
        &ops::stencil(1, |w| w[0].exp()),
        &ops::stencil(1, |w| w[0].exp()),
        &x,
        &map_v(&x, f64::exp),
        &diag(map_v(&x, f64::exp)),
    );
}
