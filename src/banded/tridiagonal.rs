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
//! General tridiagonal: `A = P L U` with partial pivoting (LAPACK
//! `gttrf`/`gttrs`), where `U` has two super-diagonals (fill from the row
//! swaps). The kernels work on the `4 × n` factor array of
//! [`BandedLu`](super::BandedLu) with `kl = ku = 1`: column `j` is
//! `[U[j−2][j], U[j−1][j], U[j][j], L[j+1][j]]`, and keep the current row
//! in registers instead of looping over one- and two-element slices.

use super::lu::LuFail;
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

/// `A = P L U` for `kl = ku = 1` in place on the `4 × n` factor array
/// (matrix in rows 1..4 on entry, row 0 zero).
pub(crate) fn lu3_factor<T: Real>(
    fac: &mut [T],
    ipiv: &mut [usize],
) -> std::result::Result<(), LuFail> {
    let n = ipiv.len();
    debug_assert_eq!(fac.len(), 4 * n);
    if n == 0 {
        return Ok(());
    }
    let zero = T::zero();
    // The current row j: d = (j, j), u = (j, j+1); nothing beyond j+1.
    let mut d = fac[2];
    let mut u = if n > 1 { fac[5] } else { zero };
    for j in 0..n - 1 {
        let b = fac[4 * j + 3]; // (j+1, j)
        let v1 = fac[4 * j + 6]; // (j+1, j+1)
        let v2 = if j + 2 < n { fac[4 * j + 9] } else { zero }; // (j+1, j+2)
        if !(d.is_finite_all() && b.is_finite_all()) {
            return Err(LuFail::NonFinite(j));
        }
        if b.abs() > d.abs() {
            // Swap rows j and j+1; the pivot row brings the fill (j, j+2).
            let l = d / b;
            fac[4 * j + 2] = b;
            fac[4 * j + 3] = l;
            fac[4 * j + 5] = v1;
            if j + 2 < n {
                fac[4 * j + 8] = v2;
            }
            ipiv[j] = j + 1;
            d = u - l * v1;
            u = -(l * v2);
        } else {
            if d == zero {
                return Err(LuFail::Singular(j));
            }
            let l = b / d;
            fac[4 * j + 2] = d;
            fac[4 * j + 3] = l;
            fac[4 * j + 5] = u;
            ipiv[j] = j;
            d = v1 - l * u;
            u = v2;
        }
    }
    if !d.is_finite_all() {
        return Err(LuFail::NonFinite(n - 1));
    }
    if d == zero {
        return Err(LuFail::Singular(n - 1));
    }
    fac[4 * n - 2] = d;
    ipiv[n - 1] = n - 1;
    Ok(())
}

/// Solves `A x = b` in place with the factor of [`lu3_factor`].
pub(crate) fn lu3_solve<T: Real>(fac: &[T], ipiv: &[usize], x: &mut [T]) {
    let n = x.len();
    if n == 0 {
        return;
    }
    // L: apply the swap, then eliminate; the lower row stays in a register.
    let mut cur = x[0];
    for j in 0..n - 1 {
        let next = x[j + 1];
        let (top, bot) = if ipiv[j] != j {
            (next, cur)
        } else {
            (cur, next)
        };
        x[j] = top;
        cur = bot - fac[4 * j + 3] * top;
    }
    x[n - 1] = cur;
    // U: two super-diagonals.
    let (mut x1, mut x2) = (T::zero(), T::zero()); // x[j+1], x[j+2]
    for (j, col) in fac.chunks_exact(4).enumerate().rev() {
        let u1 = if j + 1 < n { fac[4 * j + 5] } else { T::zero() };
        let u2 = if j + 2 < n { fac[4 * j + 8] } else { T::zero() };
        let v = (x[j] - u1 * x1 - u2 * x2) / col[2];
        x[j] = v;
        x2 = x1;
        x1 = v;
    }
}
