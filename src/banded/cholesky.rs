//! Banded Cholesky factorisation: `A = Uᵀ U = L Lᵀ` (LAPACK `pbtrf`/`pbtrs`).
//!
//! `A` is symmetric positive definite with half-bandwidth `k`; its factor
//! `U = Lᵀ` is upper triangular with the same bandwidth and overwrites the
//! upper band array of a [`SymBanded`]. Column `j` of that array holds
//! `U[j−k..=j][j]`, which is row `j` of `L`, so the up-looking (row
//! Cholesky–Crout) recurrence
//!
//! ```text
//! L[j][i] = (A[j][i] − Σ_{p=j−k}^{i−1} L[j][p] L[i][p]) / L[i][i]     j−k <= i < j
//! L[j][j] = √(A[j][j] − Σ_{p=j−k}^{j−1} L[j][p]²)
//! ```
//!
//! reads and writes only contiguous slices. Time `O(n k²)`, memory
//! `O(n k)`, never an `n × n` allocation. For `k = 1` the factor is kept as
//! `L D Lᵀ` (see the `tridiagonal` kernels), which has no square
//! roots, no division on the pivots' dependency chain and a cheaper solve;
//! the API is the same.
//!
//! A pivot `A[j][j] − Σ …` that is not positive (or not finite) is reported
//! as [`Error::NotPositiveDefinite`] naming `j`; a NaN or infinite entry as
//! [`Error::NonFinite`]. The factorisation never returns NaN.

use nalgebra::{DMatrix, DVector};

use super::checks::{check_finite, ensure_len, finite_solution};
use super::storage_general::Banded;
use super::storage_sym::{SymBanded, Triangle};
use super::tridiagonal::{ldlt_factor, ldlt_factor_into, ldlt_solve, ldlt_solve_from};
use crate::{Error, Real, Result};

/// The Cholesky factor of a symmetric positive definite banded matrix.
///
/// Factor once, solve many right-hand sides.
///
/// ```
/// use lensdiff::banded::SymBanded;
/// use nalgebra::dvector;
/// // 1-D Laplacian with n = 3: [2 −1 0; −1 2 −1; 0 −1 2].
/// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
/// let chol = a.cholesky().unwrap();
/// let x = chol.solve(&dvector![1.0, 0.0, 1.0]).unwrap();
/// assert!((x - dvector![1.0, 1.0, 1.0]).norm() < 1e-14);
/// assert!((chol.log_determinant() - 4f64.ln()).abs() < 1e-14);
/// ```
#[derive(Clone, Debug)]
pub struct BandedCholesky<T> {
    n: usize,
    k: usize,
    /// `k = 1`: `[l[j−1], d[j]]` per column (`L D Lᵀ`); otherwise `U = Lᵀ`.
    ab: Vec<T>,
    /// `1 / L[j][j]` (empty for the `L D Lᵀ` form).
    inv_diag: Vec<T>,
}

impl<T: Real> SymBanded<T> {
    /// Factors `A = L Lᵀ`, leaving `self` untouched (the factor is a new
    /// band array; for `k = 1` computed straight from `self`'s, for
    /// `k >= 2` from a copy of it).
    ///
    /// # Errors
    /// [`Error::NotPositiveDefinite`] with the failing pivot,
    /// [`Error::NonFinite`] (`what = "matrix"`, `index` into
    /// [`as_slice`](SymBanded::as_slice)) for a NaN or infinite entry.
    ///
    /// ```
    /// use lensdiff::{banded::SymBanded, Error};
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 1.0 } else { 2.0 });
    /// match a.cholesky() {
    ///     Err(Error::NotPositiveDefinite { pivot, value }) => {
    ///         assert_eq!(pivot, 1);
    ///         assert_eq!(value, -3.0); // 1 − 2²/1
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn cholesky(&self) -> Result<BandedCholesky<T>> {
        self.cholesky_of_shifted(T::zero())
    }

    /// Factors `A + τI = L Lᵀ` without forming `A + τI` first. For
    /// `k = 1`, `τ` is added to each diagonal entry as its column is read,
    /// so nothing is copied and a failure at pivot `j` has cost `O(j)` (a
    /// Levenberg loop's failed tries are cheap); for `k >= 2` the band is
    /// copied into the factor's storage, shifted and factored there. Same
    /// numbers as `self.shifted(tau).cholesky()`.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `tau` is not finite; otherwise as
    /// [`cholesky`](Self::cholesky), for `A + τI`.
    ///
    /// ```
    /// use lensdiff::{banded::SymBanded, Error};
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 1.0 } else { 2.0 });
    /// assert!(matches!(a.cholesky_of_shifted(1.0), Err(Error::NotPositiveDefinite { pivot: 1, .. })));
    /// let c = a.cholesky_of_shifted(4.0).unwrap();
    /// assert_eq!(c.pivots(), a.shifted(4.0).cholesky().unwrap().pivots());
    /// ```
    pub fn cholesky_of_shifted(&self, tau: T) -> Result<BandedCholesky<T>> {
        if !tau.is_finite_all() {
            return Err(Error::InvalidArgument {
                op: "SymBanded::cholesky_of_shifted",
                reason: format!("tau = {tau} must be finite"),
            });
        }
        let mut chol = BandedCholesky::empty();
        self.cholesky_shifted_into(tau, &mut chol)?;
        Ok(chol)
    }

    /// Factors `A = L Lᵀ` in the storage of `self` (no copy).
    ///
    /// # Errors
    /// As [`cholesky`](Self::cholesky).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(4, 2, |i, j| if i == j { 4.0 } else { 1.0 });
    /// let chol = a.into_cholesky().unwrap();
    /// assert_eq!((chol.n(), chol.k()), (4, 2));
    /// ```
    pub fn into_cholesky(self) -> Result<BandedCholesky<T>> {
        let (n, k) = (self.n(), self.k());
        let upper = match self.triangle() {
            Triangle::Upper => self,
            Triangle::Lower => self.to_triangle(Triangle::Upper),
        };
        let mut ab = upper.into_vec();
        let mut inv_diag = Vec::new();
        if k == 1 {
            ldlt_factor(&mut ab)?;
        } else {
            inv_diag = vec![T::zero(); n];
            llt_factor(k, &mut ab, &mut inv_diag)?;
        }
        Ok(BandedCholesky { n, k, ab, inv_diag })
    }

    /// Refactors `A + τ I` into `chol`, reusing its storage. For `k = 1`
    /// the factor is read from the band as it goes (no copy of it first),
    /// so a try that fails at pivot `j` costs `O(j)`; for `k >= 2` the band
    /// is copied and factored in place (measured 5 % faster at k = 5 than
    /// reading it in chunks of columns).
    pub(crate) fn cholesky_shifted_into(&self, tau: T, chol: &mut BandedCholesky<T>) -> Result<()> {
        let upper = self.upper();
        let a = &*upper;
        chol.n = a.n();
        chol.k = a.k();
        if a.k() == 1 {
            chol.inv_diag.clear();
            return ldlt_factor_into(a.as_slice(), tau, &mut chol.ab);
        }
        chol.ab.clear();
        chol.ab.extend_from_slice(a.as_slice());
        if tau != T::zero() {
            let k = a.k();
            for col in chol.ab.chunks_exact_mut(k + 1) {
                col[k] += tau;
            }
        }
        if chol.inv_diag.capacity() < a.n() {
            // Fresh zeroed memory (no pass of its own) for a first factor.
            chol.inv_diag = vec![T::zero(); a.n()];
        } else {
            chol.inv_diag.clear();
            chol.inv_diag.resize(a.n(), T::zero());
        }
        llt_factor(a.k(), &mut chol.ab, &mut chol.inv_diag)
    }
}

impl<T: Real> BandedCholesky<T> {
    /// Solves in place; `false` when the solution is known not to be
    /// finite (`k = 1` checks as it goes, otherwise the caller checks).
    fn solve_unchecked(&self, b: &mut [T]) -> bool {
        if self.k == 1 {
            ldlt_solve(&self.ab, b)
        } else {
            llt_solve(self.k, &self.ab, &self.inv_diag, b);
            true
        }
    }

    pub(crate) fn empty() -> Self {
        BandedCholesky {
            n: 0,
            k: 0,
            ab: Vec::new(),
            inv_diag: Vec::new(),
        }
    }

    /// Order of the factored matrix.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let c = SymBanded::from_fn(5, 0, |_, _| 2.0).cholesky().unwrap();
    /// assert_eq!(c.n(), 5);
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Half-bandwidth of the factored matrix.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let c = SymBanded::from_fn(5, 3, |i, j| if i == j { 9.0 } else { 1.0 }).cholesky().unwrap();
    /// assert_eq!(c.k(), 3);
    /// ```
    pub fn k(&self) -> usize {
        self.k
    }

    /// Solves `A x = b` in place (`b` is overwritten by `x`).
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `b.len() != n`; [`Error::NonFinite`]
    /// with `what = "rhs"` if `b` holds NaN or infinity, `what = "solution"`
    /// if the solution overflowed (then `b` holds garbage).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(2, 1, |i, j| if i == j { 2.0_f64 } else { 1.0 });
    /// let mut b = [3.0, 3.0];
    /// a.cholesky().unwrap().solve_mut(&mut b).unwrap();
    /// assert!((b[0] - 1.0).abs() < 1e-15 && (b[1] - 1.0).abs() < 1e-15);
    /// ```
    pub fn solve_mut(&self, b: &mut [T]) -> Result<()> {
        ensure_len("BandedCholesky::solve", self.n, b.len())?;
        check_finite("rhs", b)?;
        if self.solve_unchecked(b) && self.k == 1 {
            return Ok(());
        }
        check_finite("solution", b)
    }

    /// Solves `A x = b`.
    ///
    /// # Errors
    /// As [`solve_mut`](Self::solve_mut).
    ///
    /// ```
    /// use lensdiff::{banded::SymBanded, Error};
    /// use nalgebra::dvector;
    /// let chol = SymBanded::from_fn(2, 0, |_, _| 4.0).cholesky().unwrap();
    /// assert_eq!(chol.solve(&dvector![4.0, 8.0]).unwrap(), dvector![1.0, 2.0]);
    /// assert!(matches!(
    ///     chol.solve(&dvector![1.0]),
    ///     Err(Error::DimensionMismatch { expected: 2, found: 1, .. })
    /// ));
    /// ```
    pub fn solve(&self, b: &DVector<T>) -> Result<DVector<T>> {
        ensure_len("BandedCholesky::solve", self.n, b.len())?;
        if self.k == 1 {
            // The forward pass reads b (no copy first); the backward pass
            // checks finiteness as it goes.
            let (x, finite) = ldlt_solve_from(&self.ab, b.as_slice());
            let x = DVector::from_vec(x);
            return if finite {
                Ok(x)
            } else {
                finite_solution(b.as_slice(), x)
            };
        }
        // One finiteness pass over the result instead of two: a non-finite
        // rhs entry always reaches the solution.
        let mut x = b.clone();
        self.solve_unchecked(x.as_mut_slice());
        finite_solution(b.as_slice(), x)
    }

    /// Solves `A X = B` column by column.
    ///
    /// # Errors
    /// As [`solve_mut`](Self::solve_mut), with `B.nrows()`
    /// checked against `n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// use nalgebra::DMatrix;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// let x = a.cholesky().unwrap().solve_matrix(&DMatrix::identity(3, 3)).unwrap();
    /// assert!((a.to_dmatrix() * x - DMatrix::identity(3, 3)).norm() < 1e-14);
    /// ```
    pub fn solve_matrix(&self, b: &DMatrix<T>) -> Result<DMatrix<T>> {
        ensure_len("BandedCholesky::solve_matrix", self.n, b.nrows())?;
        let mut x = b.clone();
        for mut col in x.column_iter_mut() {
            self.solve_mut(col.as_mut_slice())?;
        }
        Ok(x)
    }

    /// `ln det A = 2 Σ ln L[j][j]` (zero for `n = 0`).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let c = SymBanded::from_fn(3, 2, |i, j| if i == j { 2.0 } else { 0.0 }).cholesky().unwrap();
    /// assert!((c.log_determinant() - 8f64.ln()).abs() < 1e-14);
    /// ```
    pub fn log_determinant(&self) -> T {
        let k = self.k;
        let s = self
            .ab
            .chunks_exact(k + 1)
            .fold(T::zero(), |s, col| s + col[k].ln());
        if k == 1 { s } else { s + s }
    }

    /// The factor `U = Lᵀ` of `A = Uᵀ U` as an upper triangular band
    /// matrix (`kl = 0`, `ku = k`), in the layout of
    /// [`SymBanded`] (LAPACK `pbtrf` with `UPLO = 'U'`).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 4.0 } else { 2.0 });
    /// let u = a.cholesky().unwrap().factor_u().to_dmatrix();
    /// assert!((u.transpose() * &u - a.to_dmatrix()).amax() < 1e-14);
    /// assert_eq!(u[(1, 0)], 0.0);
    /// ```
    pub fn factor_u(&self) -> Banded<T> {
        let k = self.k;
        let mut ab = self.ab.clone();
        if k == 1 {
            // [l[j-1], d[j]] -> [U[j-1][j], U[j][j]] = [l[j-1] √d[j-1], √d[j]].
            let mut prev = T::zero();
            for col in ab.chunks_exact_mut(2) {
                let s = col[1].sqrt();
                col[0] *= prev;
                col[1] = s;
                prev = s;
            }
        }
        match Banded::from_ab(self.n, 0, k, ab) {
            Ok(u) => u,
            Err(e) => unreachable!("factor band has (k+1)·n entries: {e}"),
        }
    }

    /// The diagonal of `D` in `A = L D Lᵀ` with `L` unit lower triangular
    /// (the squared Cholesky pivots `L[j][j]²`); all positive.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(2, 1, |i, j| if i == j { 2.0_f64 } else { 1.0 });
    /// let d = a.cholesky().unwrap().pivots();
    /// assert!((d[0] - 2.0).abs() < 1e-15 && (d[1] - 1.5).abs() < 1e-15);
    /// ```
    pub fn pivots(&self) -> Vec<T> {
        let k = self.k;
        self.ab
            .chunks_exact(k + 1)
            .map(|col| if k == 1 { col[k] } else { col[k] * col[k] })
            .collect()
    }
}

/// Dot product of two equally long slices.
#[inline(always)]
fn dot<T: Real>(a: &[T], b: &[T]) -> T {
    a.iter()
        .zip(b.iter())
        .fold(T::zero(), |s, (x, y)| s + *x * *y)
}

/// `A = L Lᵀ` in place on the column-major upper band array `ab`
/// (`ab.len() == (k+1) n`); `inv_diag[j] = 1 / L[j][j]`.
pub(crate) fn llt_factor<T: Real>(k: usize, ab: &mut [T], inv_diag: &mut [T]) -> Result<()> {
    let ld = k + 1;
    for j in 0..inv_diag.len() {
        let m = j.min(k);
        let r0 = k - m;
        let (done, rest) = ab.split_at_mut(j * ld);
        let cj = &mut rest[..ld];
        if let Some(r) = cj[r0..].iter().position(|v| !v.is_finite_all()) {
            return Err(Error::NonFinite {
                what: "matrix",
                index: Some(j * ld + r0 + r),
            });
        }
        // Off-diagonal entries of row j of L, left to right.
        for t in 0..m {
            let i = j - m + t;
            let ci = &done[i * ld..i * ld + k];
            let (head, tail) = cj.split_at_mut(r0 + t);
            let s = dot(&head[r0..], &ci[k - t..]);
            tail[0] = (tail[0] - s) * inv_diag[i];
        }
        let d = cj[k] - dot(&cj[r0..k], &cj[r0..k]);
        if !(d > T::zero() && d.is_finite_all()) {
            return Err(Error::NotPositiveDefinite {
                pivot: j,
                value: d.value_f64(),
            });
        }
        let l = d.sqrt();
        cj[k] = l;
        inv_diag[j] = T::one() / l;
    }
    Ok(())
}

/// Solves `L Lᵀ x = b` in place with the factor of [`llt_factor`].
pub(crate) fn llt_solve<T: Real>(k: usize, ab: &[T], inv_diag: &[T], x: &mut [T]) {
    let ld = k + 1;
    // L y = b (row j of L is column j of ab).
    for (j, (col, inv)) in ab.chunks_exact(ld).zip(inv_diag.iter()).enumerate() {
        let m = j.min(k);
        let s = dot(&col[k - m..k], &x[j - m..j]);
        x[j] = (x[j] - s) * *inv;
    }
    // Lᵀ x = y, column-oriented: finish x[j], then remove it from the rows above.
    for (j, (col, inv)) in ab.chunks_exact(ld).zip(inv_diag.iter()).enumerate().rev() {
        let m = j.min(k);
        let xj = x[j] * *inv;
        x[j] = xj;
        for (a, xi) in col[k - m..k].iter().zip(x[j - m..j].iter_mut()) {
            *xi -= *a * xj;
        }
    }
}
