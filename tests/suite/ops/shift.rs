//! Slices, shifts, strides, finite differences and linear stencils,
//! concatenation and interleaving, constants (`src/ops/shift.rs`).

use super::{check, diag, select, xs};
use crate::common::map_v;

use lensdiff::{Expr, ops};

use nalgebra::{DMatrix, DVector, dvector};

type V = DVector<f64>;

#[test]
fn index_maps() {
    let x = xs();
    let n = x.len();
    let v = |idx: &[usize]| idx.iter().map(|&i| x[i]).collect::<Vec<_>>();
    check(
        "slice",
        &ops::slice(1, 3),
        &ops::slice(1, 3),
        &x,
        &v(&[1, 2, 3]),
        &select(n, &[1, 2, 3]),
    );
    check(
        "shift",
        &ops::shift(2),
        &ops::shift(2),
        &x,
        &v(&[2, 3, 4]),
        &select(n, &[2, 3, 4]),
    );
    check(
        "stride",
        &ops::stride(1, 3),
        &ops::stride(1, 3),
        &x,
        &v(&[1, 4]),
        &select(n, &[1, 4]),
    );
    check(
        "even",
        &ops::even(),
        &ops::even(),
        &x,
        &v(&[0, 2, 4]),
        &select(n, &[0, 2, 4]),
    );
    check(
        "odd",
        &ops::odd(),
        &ops::odd(),
        &x,
        &v(&[1, 3]),
        &select(n, &[1, 3]),
    );
    let trim = |e: Expr<f64>| e.trim(1, 2);
    check::<V, V>(
        "trim",
        &trim(Expr::var()).compile(),
        &trim(Expr::var()).compile(),
        &x,
        &v(&[1, 2]),
        &select(n, &[1, 2]),
    );
    let at = |e: Expr<f64>| e.at(3);
    check::<V, f64>(
        "at",
        &at(Expr::var()).compile(),
        &at(Expr::var()).compile(),
        &x,
        &v(&[3]),
        &select(n, &[3]),
    );
    let last = |e: Expr<f64>| e.last();
    check::<V, f64>(
        "last",
        &last(Expr::var()).compile(),
        &last(Expr::var()).compile(),
        &x,
        &v(&[4]),
        &select(n, &[4]),
    );
    let from_end = |e: Expr<f64>| e.at_from_end(1);
    check::<V, f64>(
        "at_from_end",
        &from_end(Expr::var()).compile(),
        &from_end(Expr::var()).compile(),
        &x,
        &v(&[3]),
        &select(n, &[3]),
    );
}

/// The banded matrix of a linear stencil `y_i = Σ_j c_j x_{i+j}`.
fn stencil_matrix(n: usize, c: &[f64]) -> DMatrix<f64> {
    let m = n + 1 - c.len();
    DMatrix::from_fn(m, n, |i, k| {
        if k >= i && k - i < c.len() {
            c[k - i]
        } else {
            0.0
        }
    })
}

#[test]
fn differences_and_linear_stencils() {
    let x = xs();
    let d1: Vec<f64> = (0..4).map(|i| x[i + 1] - x[i]).collect();
    check(
        "diff",
        &ops::diff(),
        &ops::diff(),
        &x,
        &d1,
        &stencil_matrix(5, &[-1.0, 1.0]),
    );
    let d2: Vec<f64> = (0..3).map(|i| x[i + 2] - 2.0 * x[i + 1] + x[i]).collect();
    check(
        "diff2",
        &ops::diff2(),
        &ops::diff2(),
        &x,
        &d2,
        &stencil_matrix(5, &[1.0, -2.0, 1.0]),
    );
    let cs = [0.25, -1.5, 0.5, 2.0];
    let ls: Vec<f64> = (0..2)
        .map(|i| (0..4).map(|j| cs[j] * x[i + j]).sum())
        .collect();
    let e = |x: Expr<f64>| x.linear_stencil("mine", &cs);
    check::<V, V>(
        "linear_stencil",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &x,
        &ls,
        &stencil_matrix(5, &cs),
    );
}

#[test]
fn concat_interleave_constant() {
    let (a, b) = (dvector![0.3, -1.2, 2.0], dvector![1.5, 0.4]);
    let x = (a.clone(), b.clone());
    check(
        "concat",
        &ops::concat(),
        &ops::concat(),
        &x,
        &[0.3, -1.2, 2.0, 1.5, 0.4],
        &DMatrix::identity(5, 5),
    );
    let b3 = dvector![1.5, 0.4, -0.8];
    let x = (a.clone(), b3.clone());
    check(
        "interleave",
        &ops::interleave(),
        &ops::interleave(),
        &x,
        &[0.3, 1.5, -1.2, 0.4, 2.0, -0.8],
        &select(6, &[0, 3, 1, 4, 2, 5]),
    );
    let k = dvector![4.0, -1.0];
    check(
        "constant",
        &lensdiff::constant(k.clone()),
        &lensdiff::constant(k.clone()),
        &a,
        k.as_slice(),
        &DMatrix::zeros(2, 3),
    );
    let e = |x: Expr<f64>| x.square() + Expr::constant(dvector![1.0, 2.0, 3.0]);
    check::<V, V>(
        "Expr::constant",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &a,
        &[0.09 + 1.0, 1.44 + 2.0, 4.0 + 3.0],
        &diag(map_v(&a, |t| 2.0 * t)),
    );
}
