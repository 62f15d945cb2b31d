//! Tridiagonal kernels (half-bandwidth 1).
//!
//! Symmetric positive definite: `A = L D Lᵀ` with `L` unit lower bidiagonal
//! and `D` diagonal (LAPACK `pttrf`/`pttrs`). No square roots, and the solve
//! has no division on its critical path, which is why
//! [`SymBanded::cholesky`](super::SymBanded::cholesky) uses it for `k = 1`.
//!
//! The kernels work in place on the upper band array of a
//! [`SymBanded`](super::SymBanded) with `k = 1`
//! (column `j` is `[A[j−1][j], A[j][j]]`); after factoring, column `j`
//! holds `[l[j−1], d[j]]` where `l[j−1] = L[j][j−1]`.
//!
//! General tridiagonal matrices are factored by the banded LU of
//! [`lu`](super::lu) with `kl = ku = 1`, whose loops are already
//! specialised by their bounds (see `notes/banded.md`).

use crate::{Error, Real, Result};

/// `A = L D Lᵀ` in place on an upper band array with `k = 1`
/// (`ab.len() == 2 n`).
pub(crate) fn ldlt_factor<T: Real>(ab: &mut [T]) -> Result<()> {
    debug_assert!(ab.len() % 2 == 0);
    let n = ab.len() / 2;
    if n == 0 {
        return Ok(());
    }
    // Column 0: only its diagonal is used; the corner stays zero.
    let mut d = ab[1];
    if !ab[1].is_finite_all() {
        return Err(non_finite(1));
    }
    for j in 1..n {
        if !(d > T::zero() && d.is_finite_all()) {
            return Err(not_pd(j - 1, d));
        }
        let col = &mut ab[2 * j..2 * j + 2];
        let (e, a) = (col[0], col[1]);
        if !(e.is_finite_all() && a.is_finite_all()) {
            let r = if e.is_finite_all() { 1 } else { 0 };
            return Err(non_finite(2 * j + r));
        }
        let l = e / d;
        let dj = a - l * e;
        col[0] = l;
        col[1] = dj;
        d = dj;
    }
    if !(d > T::zero() && d.is_finite_all()) {
        return Err(not_pd(n - 1, d));
    }
    Ok(())
}

/// Solves `L D Lᵀ x = b` in place, `ab` from [`ldlt_factor`].
pub(crate) fn ldlt_solve<T: Real>(ab: &[T], x: &mut [T]) {
    let n = x.len();
    debug_assert_eq!(ab.len(), 2 * n);
    if n == 0 {
        return;
    }
    // L y = b
    let mut prev = x[0];
    for (xi, col) in x[1..].iter_mut().zip(ab[2..].chunks_exact(2)) {
        prev = *xi - col[0] * prev;
        *xi = prev;
    }
    // D Lᵀ x = y: x[j] = y[j] / d[j] − l[j] x[j+1]
    let mut next = x[n - 1] / ab[2 * n - 1];
    x[n - 1] = next;
    for j in (0..n - 1).rev() {
        let v = x[j] / ab[2 * j + 1] - ab[2 * j + 2] * next;
        x[j] = v;
        next = v;
    }
}

fn not_pd<T: Real>(pivot: usize, value: T) -> Error {
    Error::NotPositiveDefinite {
        pivot,
        value: value.value_f64(),
    }
}

fn non_finite(index: usize) -> Error {
    Error::NonFinite {
        what: "matrix",
        index: Some(index),
    }
}
