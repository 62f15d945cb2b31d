//! The primitives of `ops` (and their `Expr` forms), each against a
//! hand-written derivative in forward and reverse mode, with central
//! differences as a check on the hand formula. The finite differences are
//! the public checker's (`lensdiff::check::fd_jacobian`). The modules
//! mirror `src/ops/`.

mod arith;
mod custom;
mod elementwise;
mod matrix;
mod reduce;
mod shift;
mod stencil;

use crate::common::assert_close;
use lensdiff::check::fd_jacobian;
use lensdiff::{DFun, Forward, Reverse, Space, jacobian_fwd, jacobian_rev};
use nalgebra::{DMatrix, DVector, dvector};

type V = DVector<f64>;

fn assert_mat(a: &DMatrix<f64>, b: &DMatrix<f64>, tol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    assert_close(a.as_slice(), b.as_slice(), tol, what);
}

/// A primitive, given in forward and reverse mode, has the hand-written
/// value and Jacobian at `x`; central differences agree with the hand
/// Jacobian too (so a wrong formula in the test would show).
fn check<A, B>(
    what: &str,
    fwd: &DFun<A, B, Forward>,
    rev: &DFun<A, B, Reverse>,
    x: &A,
    value: &[f64],
    jac: &DMatrix<f64>,
) where
    A: Space<Scalar = f64>,
    B: Space<Scalar = f64>,
{
    assert_close(
        &fwd.eval(x).to_flat(),
        value,
        1e-14,
        &format!("{what}: eval"),
    );
    assert_close(
        &rev.linearize(x).0.to_flat(),
        value,
        1e-14,
        &format!("{what}: linearize value"),
    );
    assert_mat(
        &jacobian_fwd(fwd, x),
        jac,
        1e-13,
        &format!("{what}: forward"),
    );
    assert_mat(
        &jacobian_rev(rev, x),
        jac,
        1e-13,
        &format!("{what}: reverse"),
    );
    let fd = fd_jacobian(|z: &A| fwd.eval(z), x, 1e-4);
    assert_mat(
        &fd,
        jac,
        1e-8,
        &format!("{what}: hand formula vs differences"),
    );
}

fn diag(d: impl IntoIterator<Item = f64>) -> DMatrix<f64> {
    DMatrix::from_diagonal(&V::from_vec(d.into_iter().collect()))
}

/// The selection matrix with rows `e_{idx[r]}ᵀ` over `n` columns.
fn select(n: usize, idx: &[usize]) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(idx.len(), n);
    for (r, &i) in idx.iter().enumerate() {
        m[(r, i)] = 1.0;
    }
    m
}

/// `[a | b]`.
fn hcat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(a.nrows(), a.ncols() + b.ncols());
    m.columns_mut(0, a.ncols()).copy_from(a);
    m.columns_mut(a.ncols(), b.ncols()).copy_from(b);
    m
}

fn xs() -> V {
    dvector![0.3, -0.7, 1.1, 0.5, -0.2]
}

fn pos() -> V {
    dvector![0.4, 1.3, 2.0, 0.7]
}
