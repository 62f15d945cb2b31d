//! Tridiagonal kernels (half-bandwidth 1).
//!
//! Symmetric positive definite: `A = L D Lᵀ` with `L` unit lower bidiagonal
//! and `D` diagonal (LAPACK `pttrf`/`pttrs`). No square roots, and the solve
//! has no division on its critical path, which is why
//! [`SymBanded::cholesky`](super::SymBanded::cholesky) uses it for `k = 1`.
//!
//! The kernels read the upper band array of a
//! [`SymBanded`](super::SymBanded) with `k = 1`
//! (column `j` is `[A[j−1][j], A[j][j]]`), either in place or from a source
//! band into a new factor (no copy of the band first, so a shifted try
//! that fails at pivot `j` costs `O(j)`); the factor holds `[l[j−1], d[j]]`
//! in column `j`, where `l[j−1] = L[j][j−1]`, and `0` in the unused corner.
//!
//! The pivots obey `d[j] = a[j] − e[j]² / d[j−1]`, a division on the
//! dependency chain of every column. Written with the leading minors
//! `p[j] = a[j] p[j−1] − e[j]² p[j−2]`, so that `d[j] = p[j] / p[j−1]` and
//! `l[j−1] = e[j] p[j−2] / p[j−1]`, the chain is one multiply-subtract per
//! column and the divisions (one reciprocal per column) run off the chain.
//! Each block of [`BLOCK`] columns restarts the minors at `(1, d[s−1])`, so
//! they hold products of at most `BLOCK + 1` pivots; a block whose minors
//! leave `[√MIN_POSITIVE, √MAX]`, or with a pivot that is not positive, or
//! with a non-finite entry, is redone with the plain recurrence, which
//! reports the failing pivot or entry exactly. The computed ratios are the
//! exact pivots of a matrix whose entries differ from `A`'s by a few
//! rounding errors, the same backward error as the plain recurrence.
//!
//! General tridiagonal: `A = P L U` with partial pivoting (LAPACK
//! `gttrf`/`gttrs`), where `U` has two super-diagonals (fill from the row
//! swaps). The kernels work on the `4 × n` factor array of
//! [`BandedLu`](super::BandedLu) with `kl = ku = 1`: column `j` is
//! `[U[j−2][j], U[j−1][j], U[j][j], L[j+1][j]]`, and keep the current row
//! in registers instead of looping over one- and two-element slices.

use super::checks::LuFail;
use crate::{Error, Real, Result};

/// Columns per block of the minors recurrence: long enough to hide the
/// restart (one division and one multiply on the chain per block), short
/// enough that the minors of reasonably scaled pivots stay in range.
const BLOCK: usize = 16;

/// Where the columns of `A + τI` are read and the factor's columns written.
trait Columns<T> {
    /// The band columns `s..s + len` (two entries each).
    fn input(&self, s: usize, len: usize) -> &[T];
    /// Stores the factor columns starting at `s` (called in order of `s`).
    fn output(&mut self, s: usize, cols: &[T]);
}

/// Factor over the band itself.
struct InPlace<'a, T>(&'a mut [T]);

impl<T: Copy> Columns<T> for InPlace<'_, T> {
    fn input(&self, s: usize, len: usize) -> &[T] {
        &self.0[2 * s..2 * (s + len)]
    }
    fn output(&mut self, s: usize, cols: &[T]) {
        self.0[2 * s..2 * s + cols.len()].copy_from_slice(cols);
    }
}

/// Factor read from one band and appended to a (cleared) vector.
struct Copied<'a, T> {
    src: &'a [T],
    dst: &'a mut Vec<T>,
}

impl<T: Copy> Columns<T> for Copied<'_, T> {
    fn input(&self, s: usize, len: usize) -> &[T] {
        &self.src[2 * s..2 * (s + len)]
    }
    fn output(&mut self, _s: usize, cols: &[T]) {
        self.dst.extend_from_slice(cols);
    }
}

/// `A = L D Lᵀ` in place on an upper band array with `k = 1`
/// (`ab.len() == 2 n`).
pub(crate) fn ldlt_factor<T: Real>(ab: &mut [T]) -> Result<()> {
    debug_assert!(ab.len().is_multiple_of(2));
    let n = ab.len() / 2;
    ldlt_columns(n, T::zero(), InPlace(ab))
}

/// `A + τI = L D Lᵀ` read from the band `src` (`k = 1`) into `dst`, which
/// is cleared first and holds `src.len()` entries on success.
pub(crate) fn ldlt_factor_into<T: Real>(src: &[T], tau: T, dst: &mut Vec<T>) -> Result<()> {
    debug_assert!(src.len().is_multiple_of(2));
    dst.clear();
    dst.reserve(src.len());
    ldlt_columns(src.len() / 2, tau, Copied { src, dst })
}

fn ldlt_columns<T: Real>(n: usize, tau: T, mut cols: impl Columns<T>) -> Result<()> {
    if n == 0 {
        return Ok(());
    }
    // Column 0: only its diagonal is used; the corner of the factor is 0.
    let a0 = cols.input(0, 1)[1] + tau;
    if !a0.is_finite_all() {
        return Err(non_finite(1));
    }
    if a0 <= T::zero() {
        return Err(not_pd(0, a0));
    }
    cols.output(0, &[T::zero(), a0]);
    let range = (
        T::min_positive_value().sqrt(),
        T::max_value().sqrt(),
        T::max_value(),
    );
    let mut d = a0;
    let mut buf = [T::zero(); 2 * BLOCK];
    let mut s = 1;
    while s < n {
        let len = BLOCK.min(n - s);
        let out = &mut buf[..2 * len];
        let input = cols.input(s, len);
        d = match minors_block(input, tau, d, range, out) {
            Some(last) => last,
            None => plain_block(input, tau, d, s, out)?,
        };
        cols.output(s, out);
        s += len;
    }
    Ok(())
}

/// One block by the minors recurrence; `None` when it must be redone by
/// [`plain_block`] (minors out of range, a pivot not positive, an entry or
/// multiplier not finite). Returns the block's last pivot.
#[inline(always)]
fn minors_block<T: Real>(
    input: &[T],
    tau: T,
    d_prev: T,
    (lo, hi, max): (T, T, T),
    out: &mut [T],
) -> Option<T> {
    let (mut p2, mut p1) = (T::one(), d_prev);
    let mut ok = true;
    let mut d = d_prev;
    for (col, fac) in input.chunks_exact(2).zip(out.chunks_exact_mut(2)) {
        let (e, a) = (col[0], col[1] + tau);
        let p = a * p1 - e * e * p2;
        let q = T::one() / p1;
        let l = e * p2 * q;
        d = p * q;
        fac[0] = l;
        fac[1] = d;
        let m = p.abs();
        ok &= (m >= lo) & (m <= hi) & (d > T::zero()) & (l.abs() <= max);
        (p2, p1) = (p1, p);
    }
    ok.then_some(d)
}

/// One block by `d[j] = a[j] − e[j]² / d[j−1]`, checking every entry and
/// pivot (`s` is the block's first column). Returns the last pivot.
fn plain_block<T: Real>(input: &[T], tau: T, d_prev: T, s: usize, out: &mut [T]) -> Result<T> {
    let mut d = d_prev;
    for (t, (col, fac)) in input
        .chunks_exact(2)
        .zip(out.chunks_exact_mut(2))
        .enumerate()
    {
        let j = s + t;
        let (e, a) = (col[0], col[1] + tau);
        if !(e.is_finite_all() && a.is_finite_all()) {
            let r = if e.is_finite_all() { 1 } else { 0 };
            return Err(non_finite(2 * j + r));
        }
        let l = e / d;
        let dj = a - l * e;
        if !(dj > T::zero() && dj.is_finite_all()) {
            return Err(not_pd(j, dj));
        }
        fac[0] = l;
        fac[1] = dj;
        d = dj;
    }
    Ok(d)
}

/// Solves `L D Lᵀ x = b` in place, `ab` from [`ldlt_factor`]; `false` if
/// the solution is not finite.
pub(crate) fn ldlt_solve<T: Real>(ab: &[T], x: &mut [T]) -> bool {
    debug_assert_eq!(ab.len(), 2 * x.len());
    // L y = b (the factor's corner is 0, so y[0] = b[0]).
    let mut y = T::zero();
    for (xj, col) in x.iter_mut().zip(ab.chunks_exact(2)) {
        y = *xj - col[0] * y;
        *xj = y;
    }
    ldlt_back(ab, x)
}

/// `L D Lᵀ x = b` into a new vector (the forward pass reads `b`, so `b` is
/// not copied first); `false` if the solution is not finite.
pub(crate) fn ldlt_solve_from<T: Real>(ab: &[T], b: &[T]) -> (Vec<T>, bool) {
    debug_assert_eq!(ab.len(), 2 * b.len());
    let mut y = T::zero();
    let mut x: Vec<T> = b
        .iter()
        .zip(ab.chunks_exact(2))
        .map(|(bj, col)| {
            y = *bj - col[0] * y;
            y
        })
        .collect();
    let finite = ldlt_back(ab, &mut x);
    (x, finite)
}

/// `D Lᵀ x = y` in place: `x[j] = y[j] / d[j] − l[j] x[j+1]` (the division
/// is off the chain); `false` if some `x[j]` is not finite.
fn ldlt_back<T: Real>(ab: &[T], x: &mut [T]) -> bool {
    let (mut next, mut l_next) = (T::zero(), T::zero());
    let mut finite = true;
    for (xj, col) in x.iter_mut().zip(ab.chunks_exact(2)).rev() {
        let v = *xj / col[1] - l_next * next;
        *xj = v;
        finite &= v.is_finite_all();
        (next, l_next) = (v, col[0]);
    }
    finite
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
