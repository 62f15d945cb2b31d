//! Elementwise maps `y_i = f(x_i)` (`src/ops/elementwise.rs`).

use super::{check, diag, pos, xs};
use crate::common::map_v;

use lensdiff::{Expr, c, ops};

use nalgebra::{DMatrix, DVector};

type V = DVector<f64>;

#[test]
fn elementwise_primitives() {
    let x = xs();
    check(
        "sin",
        &ops::sin(),
        &ops::sin(),
        &x,
        &map_v(&x, f64::sin),
        &diag(map_v(&x, f64::cos)),
    );
    check(
        "cos",
        &ops::cos(),
        &ops::cos(),
        &x,
        &map_v(&x, f64::cos),
        &diag(map_v(&x, |t| -t.sin())),
    );
    check(
        "exp",
        &ops::exp(),
        &ops::exp(),
        &x,
        &map_v(&x, f64::exp),
        &diag(map_v(&x, f64::exp)),
    );
    check(
        "tanh",
        &ops::tanh(),
        &ops::tanh(),
        &x,
        &map_v(&x, f64::tanh),
        &diag(map_v(&x, |t| 1.0 / t.cosh().powi(2))),
    );
    check(
        "square",
        &ops::square(),
        &ops::square(),
        &x,
        &map_v(&x, |t| t * t),
        &diag(map_v(&x, |t| 2.0 * t)),
    );
    check(
        "powi(3)",
        &ops::powi(3),
        &ops::powi(3),
        &x,
        &map_v(&x, |t| t * t * t),
        &diag(map_v(&x, |t| 3.0 * t * t)),
    );
    check(
        "powi(0)",
        &ops::powi(0),
        &ops::powi(0),
        &x,
        &map_v(&x, |_| 1.0),
        &DMatrix::zeros(5, 5),
    );
    check(
        "neg",
        &ops::neg(),
        &ops::neg(),
        &x,
        &map_v(&x, |t| -t),
        &(-DMatrix::identity(5, 5)),
    );
    check(
        "scale",
        &ops::scale(-2.5),
        &ops::scale(-2.5),
        &x,
        &map_v(&x, |t| -2.5 * t),
        &(DMatrix::identity(5, 5) * -2.5),
    );
    check(
        "offset",
        &ops::offset(0.75),
        &ops::offset(0.75),
        &x,
        &map_v(&x, |t| t + 0.75),
        &DMatrix::identity(5, 5),
    );
    let affine = |e: Expr<f64>| e.affine(3.0, -1.0);
    check::<V, V>(
        "affine",
        &affine(Expr::var()).compile(),
        &affine(Expr::var()).compile(),
        &x,
        &map_v(&x, |t| 3.0 * t - 1.0),
        &(DMatrix::identity(5, 5) * 3.0),
    );
    check(
        "map",
        &ops::map(|t| t.powi(3) - t * c(2.0) + t.sin()),
        &ops::map(|t| t.powi(3) - t * c(2.0) + t.sin()),
        &x,
        &map_v(&x, |t| t.powi(3) - 2.0 * t + t.sin()),
        &diag(map_v(&x, |t| 3.0 * t * t - 2.0 + t.cos())),
    );
    let lp = |e: Expr<f64>| e.ln_1p_square();
    check::<V, V>(
        "ln_1p_square",
        &lp(Expr::var()).compile(),
        &lp(Expr::var()).compile(),
        &x,
        &map_v(&x, |t| (1.0 + t * t).ln()),
        &diag(map_v(&x, |t| 2.0 * t / (1.0 + t * t))),
    );
}

#[test]
fn elementwise_primitives_on_positive_domain() {
    let x = pos();
    check(
        "ln",
        &ops::ln(),
        &ops::ln(),
        &x,
        &map_v(&x, f64::ln),
        &diag(map_v(&x, |t| 1.0 / t)),
    );
    check(
        "sqrt",
        &ops::sqrt(),
        &ops::sqrt(),
        &x,
        &map_v(&x, f64::sqrt),
        &diag(map_v(&x, |t| 0.5 / t.sqrt())),
    );
    check(
        "recip",
        &ops::recip(),
        &ops::recip(),
        &x,
        &map_v(&x, |t| 1.0 / t),
        &diag(map_v(&x, |t| -1.0 / (t * t))),
    );
    check(
        "powi(-2)",
        &ops::powi(-2),
        &ops::powi(-2),
        &x,
        &map_v(&x, |t| 1.0 / (t * t)),
        &diag(map_v(&x, |t| -2.0 / (t * t * t))),
    );
}
