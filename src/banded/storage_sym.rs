//! Symmetric banded storage, either triangle, LAPACK layout.
//!
//! A symmetric `n × n` matrix `A` with half-bandwidth `k`
//! (`A[i][j] = 0` for `|i − j| > k`) is stored as one triangle of its band:
//!
//! ```text
//! upper:  ab[k + i − j][j] = A[i][j]      for max(0, j − k) <= i <= j
//! lower:  ab[i − j][j]     = A[i][j]      for j <= i <= min(n − 1, j + k)
//! ```
//!
//! The upper one is the `(k+1) × n` array `scipy.linalg.solveh_banded`
//! takes and LAPACK's `UPLO = 'U'` band layout; the lower one is
//! `UPLO = 'L'` (`solveh_banded(..., lower=True)`). In memory the array is
//! column-major with leading dimension `k + 1` (exactly LAPACK's Fortran
//! array), so the `k + 1` band entries of column `j` are contiguous:
//! `as_slice()[j * (k + 1) + row] = ab[row][j]`. The slots that lie
//! outside the matrix (the top-left corner of the upper array, the
//! bottom-right one of the lower) are kept at zero.
//!
//! Both are the general band array of [`super::Banded`] with
//! `(kl, ku) = (0, k)` or `(k, 0)`, so the accessors are written once (in
//! `band_array.rs`) with no branch on the triangle. The Hessian
//! extraction writes the upper storage and the factorisations read it; a
//! lower matrix is converted (one `O(nk)` copy) when factored.

use std::borrow::Cow;

use approx::{AbsDiffEq, RelativeEq};
use nalgebra::{DMatrix, DVector};

use super::band_array::BandArray;
use super::checks::ensure_len;
use crate::{Error, Real, Result};

/// Which triangle of a symmetric band a [`SymBanded`] stores.
///
/// ```
/// use lensdiff::banded::{SymBanded, Triangle};
/// let a = SymBanded::from_fn(3, 1, |i, j| (i + j) as f64);
/// assert_eq!(a.triangle(), Triangle::Upper);
/// assert_eq!(a.to_triangle(Triangle::Lower).triangle(), Triangle::Lower);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Triangle {
    /// `ab[k + i − j][j] = A[i][j]` for `i <= j` (LAPACK `UPLO = 'U'`).
    #[default]
    Upper,
    /// `ab[i − j][j] = A[i][j]` for `i >= j` (LAPACK `UPLO = 'L'`).
    Lower,
}

/// A symmetric banded matrix in LAPACK band storage of one triangle
/// (upper unless built with [`from_fn_in`](Self::from_fn_in),
/// [`from_ab_in`](Self::from_ab_in) or converted with
/// [`to_triangle`](Self::to_triangle)).
///
/// The upper layout is `ab[k + i − j][j] = A[i][j]` for
/// `max(0, j − k) ≤ i ≤ j` (`scipy.linalg.solveh_banded`'s, LAPACK's
/// `UPLO = 'U'`), column-major with leading dimension `k + 1`. `get(i, j)`
/// and `set(i, j, v)` accept either triangle and map it to the stored one.
/// `==` compares the storage: the same matrix in the other triangle is not
/// `==` (the approx traits compare entries).
///
/// ```
/// use lensdiff::banded::SymBanded;
/// // The 1-D Laplacian (2 on the diagonal, −1 beside it), n = 4, k = 1.
/// let a = SymBanded::from_fn(4, 1, |i, j| if i == j { 2.0 } else { -1.0 });
/// assert_eq!(a.get(2, 1), -1.0);
/// assert_eq!(a.get(0, 3), 0.0);
/// assert_eq!(a.ab(1, 0), 2.0); // row k holds the diagonal
/// ```
#[derive(Clone, PartialEq)]
pub struct SymBanded<T> {
    triangle: Triangle,
    band: BandArray<T>,
}

/// The band array's `(kl, ku)` for one triangle of half-bandwidth `k`.
fn bandwidths(triangle: Triangle, k: usize) -> (usize, usize) {
    match triangle {
        Triangle::Upper => (0, k),
        Triangle::Lower => (k, 0),
    }
}

impl<T: Real> SymBanded<T> {
    /// The zero matrix of order `n` and half-bandwidth `k` (upper storage).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::<f64>::zeros(5, 2);
    /// assert_eq!((a.n(), a.k(), a.as_slice().len()), (5, 2, 15));
    /// ```
    pub fn zeros(n: usize, k: usize) -> Self {
        SymBanded {
            triangle: Triangle::Upper,
            band: BandArray::zeros(n, 0, k),
        }
    }

    /// Builds the matrix in upper storage from `f(i, j)`, called once for
    /// each stored entry (`i <= j`, `j − i <= k`).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| (10 * i + j) as f64);
    /// assert_eq!(a.get(0, 1), 1.0);
    /// assert_eq!(a.get(1, 0), 1.0); // symmetric: read from the upper triangle
    /// ```
    pub fn from_fn(n: usize, k: usize, f: impl FnMut(usize, usize) -> T) -> Self {
        Self::from_fn_in(Triangle::Upper, n, k, f)
    }

    /// Builds the matrix in the storage of `triangle` from `f(i, j)`,
    /// called once for each stored entry (`i <= j` for the upper triangle,
    /// `i >= j` for the lower, `|i − j| <= k`).
    ///
    /// ```
    /// use lensdiff::banded::{SymBanded, Triangle};
    /// let a = SymBanded::from_fn_in(Triangle::Lower, 4, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// assert_eq!(a.ab(1, 0), -1.0); // A[1][0]
    /// assert_eq!(a.ab(0, 3), 2.0);  // row 0 holds the diagonal
    /// assert_eq!(a.get(0, 1), -1.0);
    /// ```
    pub fn from_fn_in(
        triangle: Triangle,
        n: usize,
        k: usize,
        f: impl FnMut(usize, usize) -> T,
    ) -> Self {
        let (kl, ku) = bandwidths(triangle, k);
        SymBanded {
            triangle,
            band: BandArray::from_fn(n, kl, ku, f),
        }
    }

    /// Wraps a column-major LAPACK upper band array (`ab[row + j·(k+1)]`,
    /// see the module documentation). The unused top-left corner is zeroed.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `ab.len() != (k+1)·n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// // n = 3, k = 1: columns (·, 4), (1, 4), (1, 4).
    /// let a = SymBanded::from_ab(3, 1, vec![9.0, 4.0, 1.0, 4.0, 1.0, 4.0]).unwrap();
    /// assert_eq!(a.get(1, 2), 1.0);
    /// assert_eq!(a.ab(0, 0), 0.0);
    /// ```
    pub fn from_ab(n: usize, k: usize, ab: Vec<T>) -> Result<Self> {
        Self::from_ab_in(Triangle::Upper, n, k, ab)
    }

    /// Wraps a column-major LAPACK band array of `triangle`; the unused
    /// corner is zeroed.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `ab.len() != (k+1)·n`.
    ///
    /// ```
    /// use lensdiff::banded::{SymBanded, Triangle};
    /// // n = 3, k = 1, lower: columns (4, 1), (4, 1), (4, ·).
    /// let a = SymBanded::from_ab_in(Triangle::Lower, 3, 1, vec![4.0, 1.0, 4.0, 1.0, 4.0, 9.0]).unwrap();
    /// assert_eq!(a.get(1, 2), 1.0);
    /// assert_eq!(a.ab(1, 2), 0.0);
    /// ```
    pub fn from_ab_in(triangle: Triangle, n: usize, k: usize, ab: Vec<T>) -> Result<Self> {
        let (kl, ku) = bandwidths(triangle, k);
        let band = BandArray::from_ab("SymBanded::from_ab", n, kl, ku, ab)?;
        Ok(SymBanded { triangle, band })
    }

    /// Copies the band of a dense matrix into upper storage, reading its
    /// upper triangle; entries outside the band are ignored (see
    /// [`try_from_dmatrix`](Self::try_from_dmatrix)).
    ///
    /// # Panics
    /// If `m` is not square.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// use nalgebra::dmatrix;
    /// let m = dmatrix![4.0, 1.0, 7.0; 1.0, 4.0, 1.0; 7.0, 1.0, 4.0];
    /// let a = SymBanded::from_dmatrix(&m, 1);
    /// assert_eq!(a.get(0, 2), 0.0); // outside the band: dropped
    /// ```
    pub fn from_dmatrix(m: &DMatrix<T>, k: usize) -> Self {
        assert!(
            m.is_square(),
            "SymBanded::from_dmatrix: matrix is {}x{}, not square",
            m.nrows(),
            m.ncols()
        );
        Self::from_fn(m.nrows(), k, |i, j| m[(i, j)])
    }

    /// Like [`from_dmatrix`](Self::from_dmatrix) but checks that `m` is
    /// square, symmetric and zero outside the band.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if not square, [`Error::InvalidArgument`]
    /// naming the first entry outside the band or pair that differs.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// use nalgebra::dmatrix;
    /// let m = dmatrix![4.0, 1.0, 7.0; 1.0, 4.0, 1.0; 7.0, 1.0, 4.0];
    /// assert!(SymBanded::try_from_dmatrix(&m, 1).is_err());
    /// assert!(SymBanded::try_from_dmatrix(&m, 2).is_ok());
    /// ```
    pub fn try_from_dmatrix(m: &DMatrix<T>, k: usize) -> Result<Self> {
        let op = "SymBanded::try_from_dmatrix";
        ensure_len(op, m.nrows(), m.ncols())?;
        let n = m.nrows();
        for j in 0..n {
            for i in 0..n {
                let v = m[(i, j)];
                if i.abs_diff(j) > k && v != T::zero() {
                    return Err(Error::InvalidArgument {
                        op,
                        reason: format!("entry ({i}, {j}) = {v} lies outside half-bandwidth {k}"),
                    });
                }
                if i < j && v != m[(j, i)] {
                    return Err(Error::InvalidArgument {
                        op,
                        reason: format!("entries ({i}, {j}) and ({j}, {i}) differ"),
                    });
                }
            }
        }
        Ok(Self::from_dmatrix(m, k))
    }

    /// The dense symmetric matrix (an `n × n` allocation: for tests and
    /// small problems).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// let m = a.to_dmatrix();
    /// assert_eq!(m[(2, 1)], -1.0);
    /// assert_eq!(m, m.transpose());
    /// ```
    pub fn to_dmatrix(&self) -> DMatrix<T> {
        self.band.to_dmatrix(true)
    }

    /// The stored triangle.
    ///
    /// ```
    /// use lensdiff::banded::{SymBanded, Triangle};
    /// assert_eq!(SymBanded::<f64>::zeros(3, 1).triangle(), Triangle::Upper);
    /// ```
    pub fn triangle(&self) -> Triangle {
        self.triangle
    }

    /// The same matrix stored in `triangle` (a copy, also when it is the
    /// stored one).
    ///
    /// ```
    /// use lensdiff::banded::{SymBanded, Triangle};
    /// let a = SymBanded::from_fn(4, 2, |i, j| (i + 2 * j) as f64);
    /// let l = a.to_triangle(Triangle::Lower);
    /// assert_eq!(l.get(3, 1), a.get(1, 3));
    /// assert_eq!(l.ab(2, 1), a.get(3, 1)); // ab[i − j][j] = A[i][j]
    /// assert_eq!(l.to_triangle(Triangle::Upper), a);
    /// ```
    pub fn to_triangle(&self, triangle: Triangle) -> Self {
        Self::from_fn_in(triangle, self.n(), self.k(), |i, j| self.get(i, j))
    }

    /// The matrix in upper storage: borrowed when it is stored so, else
    /// converted (what the factorisations read).
    pub(crate) fn upper(&self) -> Cow<'_, Self> {
        match self.triangle {
            Triangle::Upper => Cow::Borrowed(self),
            Triangle::Lower => Cow::Owned(self.to_triangle(Triangle::Upper)),
        }
    }

    /// Order of the matrix.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::SymBanded::<f64>::zeros(7, 2).n(), 7);
    /// ```
    pub fn n(&self) -> usize {
        self.band.n
    }

    /// Half-bandwidth (number of off-diagonals stored).
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::SymBanded::<f64>::zeros(7, 2).k(), 2);
    /// ```
    pub fn k(&self) -> usize {
        self.band.kl + self.band.ku
    }

    /// `(i, j)` moved into the stored triangle.
    #[inline]
    fn stored(&self, i: usize, j: usize) -> (usize, usize) {
        let upper = self.triangle == Triangle::Upper;
        if (i <= j) == upper { (i, j) } else { (j, i) }
    }

    /// `A[i][j]` (either triangle), zero outside the band.
    ///
    /// # Panics
    /// If `i` or `j` is not below `n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| (i + j) as f64 + 1.0);
    /// assert_eq!((a.get(1, 2), a.get(2, 1), a.get(0, 2)), (4.0, 4.0, 0.0));
    /// ```
    pub fn get(&self, i: usize, j: usize) -> T {
        let (i, j) = self.stored(i, j);
        self.band.get("SymBanded::get", i, j)
    }

    /// Sets `A[i][j]` and, by symmetry, `A[j][i]`.
    ///
    /// # Panics
    /// If `(i, j)` is outside the matrix or outside the band.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let mut a = SymBanded::<f64>::zeros(3, 1);
    /// a.set(2, 1, 5.0);
    /// assert_eq!(a.get(1, 2), 5.0);
    /// ```
    pub fn set(&mut self, i: usize, j: usize, v: T) {
        let (i, j) = self.stored(i, j);
        self.band.set("SymBanded::set", i, j, v);
    }

    /// Entry `ab[row][col]` of the LAPACK `(k+1) × n` array
    /// (`ab[k + i − j][j] = A[i][j]` upper, `ab[i − j][j]` lower).
    ///
    /// # Panics
    /// If `row > k` or `col >= n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// assert_eq!((a.ab(0, 1), a.ab(1, 1)), (-1.0, 2.0));
    /// ```
    pub fn ab(&self, row: usize, col: usize) -> T {
        self.band.ab("SymBanded::ab", row, col)
    }

    /// The column-major band array (length `(k+1)·n`): column `j` is
    /// `as_slice()[j*(k+1)..(j+1)*(k+1)]`, holding `A[j−k..=j][j]` (upper)
    /// or `A[j..=j+k][j]` (lower).
    ///
    /// ```
    /// use lensdiff::banded::{SymBanded, Triangle};
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// assert_eq!(a.as_slice(), &[0.0, 2.0, -1.0, 2.0, -1.0, 2.0]);
    /// let l = a.to_triangle(Triangle::Lower);
    /// assert_eq!(l.as_slice(), &[2.0, -1.0, 2.0, -1.0, 2.0, 0.0]);
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.band.ab
    }

    /// Mutable band array; keep the unused corner at zero.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let mut a = SymBanded::<f64>::zeros(2, 1);
    /// a.as_mut_slice()[3] = 1.0; // ab[1][1] = A[1][1]
    /// assert_eq!(a.get(1, 1), 1.0);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.band.ab
    }

    /// Consumes the matrix, returning the band array.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let v = SymBanded::from_fn(2, 0, |_, _| 3.0).into_vec();
    /// assert_eq!(v, vec![3.0, 3.0]);
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.band.ab
    }

    /// Adds `tau` to every diagonal entry, in place (`A ← A + τI`).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let mut a = SymBanded::from_fn(3, 1, |_, _| 1.0);
    /// a.add_diagonal(2.0);
    /// assert_eq!((a.get(1, 1), a.get(0, 1)), (3.0, 1.0));
    /// ```
    pub fn add_diagonal(&mut self, tau: T) {
        self.band.add_diagonal(tau);
    }

    /// `A + τI` as a new matrix.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(2, 1, |_, _| 1.0);
    /// assert_eq!(a.shifted(1.0).get(0, 0), 2.0);
    /// assert_eq!(a.get(0, 0), 1.0);
    /// ```
    pub fn shifted(&self, tau: T) -> Self {
        let mut s = self.clone();
        s.add_diagonal(tau);
        s
    }

    /// The first stored entry that is NaN or infinite, as an index into
    /// [`as_slice`](Self::as_slice).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let mut a = SymBanded::from_fn(3, 1, |_, _| 1.0);
    /// assert_eq!(a.first_non_finite(), None);
    /// a.set(1, 2, f64::NAN);
    /// assert_eq!(a.first_non_finite(), Some(4));
    /// ```
    pub fn first_non_finite(&self) -> Option<usize> {
        self.band.first_non_finite()
    }

    /// `‖A‖∞ = maxᵢ Σⱼ |A_ij|`, the largest absolute row sum: a bound on
    /// every eigenvalue's magnitude (Gershgorin). `O(n·k)`, no allocation
    /// beyond one vector of row sums.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// assert_eq!(a.norm_inf(), 4.0);
    /// ```
    pub fn norm_inf(&self) -> T {
        let a = &self.band;
        let mut rows = vec![T::zero(); self.n()];
        for (j, col) in a.ab.chunks_exact(a.ld()).enumerate() {
            for i in a.rows(j) {
                let v = col[a.ku + i - j].abs();
                rows[i] += v;
                if i != j {
                    rows[j] += v;
                }
            }
        }
        rows.into_iter()
            .fold(T::zero(), |m, v| if v > m { v } else { m })
    }

    /// `A ← S A S` for the diagonal `S = diag(s)`: entry `(i, j)` times
    /// `s[i]·s[j]` (a symmetric scaling, such as Jacobi's `s = 1/√|Aᵢᵢ|`).
    ///
    /// # Panics
    /// If `s.len() != n` (the message names both lengths).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let mut a = SymBanded::from_fn(2, 1, |i, j| if i == j { 4.0 } else { 2.0 });
    /// a.scale_symmetric(&[0.5, 2.0]);
    /// assert_eq!((a.get(0, 0), a.get(0, 1), a.get(1, 1)), (1.0, 2.0, 16.0));
    /// ```
    pub fn scale_symmetric(&mut self, s: &[T]) {
        assert_eq!(
            s.len(),
            self.n(),
            "SymBanded::scale_symmetric: {} scales for a matrix of order {}",
            s.len(),
            self.n()
        );
        let a = &mut self.band;
        let (ld, ku) = (a.ld(), a.ku);
        for j in 0..s.len() {
            let rows = a.rows(j);
            let col = &mut a.ab[j * ld..(j + 1) * ld];
            for i in rows {
                col[ku + i - j] *= s[i] * s[j];
            }
        }
    }

    /// `y = A x` into a caller-owned slice.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `x` or `y` does not have length `n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// let mut y = [0.0; 3];
    /// a.try_mul_vec_into(&[1.0, 1.0, 1.0], &mut y).unwrap();
    /// assert_eq!(y, [1.0, 0.0, 1.0]);
    /// assert!(a.try_mul_vec_into(&[1.0], &mut y).is_err());
    /// ```
    pub fn try_mul_vec_into(&self, x: &[T], y: &mut [T]) -> Result<()> {
        let op = "SymBanded::mul_vec";
        ensure_len(op, self.n(), x.len())?;
        ensure_len(op, self.n(), y.len())?;
        y.fill(T::zero());
        let a = &self.band;
        for (j, col) in a.ab.chunks_exact(a.ld()).enumerate() {
            // The stored rows of column j: those above the diagonal (upper
            // storage) or below it (lower), one of the two ranges empty.
            let rows = a.rows(j);
            let at = |i: usize| a.ku + i - j;
            let xj = x[j];
            let mut acc = col[a.ku] * xj;
            let above = rows.start..j;
            let below = j + 1..rows.end;
            for r in [above, below] {
                let off = &col[at(r.start)..at(r.start) + r.len()];
                for ((v, yi), xi) in off.iter().zip(y[r.clone()].iter_mut()).zip(&x[r]) {
                    *yi += *v * xj;
                    acc += *v * *xi;
                }
            }
            y[j] += acc;
        }
        Ok(())
    }

    /// `y = A x` into a caller-owned slice.
    ///
    /// # Panics
    /// If `x` or `y` does not have length `n` (the message names both
    /// lengths); [`try_mul_vec_into`](Self::try_mul_vec_into) returns the
    /// error instead.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(2, 1, |i, j| (i + j + 1) as f64);
    /// let mut y = [0.0; 2];
    /// a.mul_vec_into(&[1.0, 0.0], &mut y);
    /// assert_eq!(y, [1.0, 2.0]);
    /// ```
    pub fn mul_vec_into(&self, x: &[T], y: &mut [T]) {
        self.try_mul_vec_into(x, y)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// `A x` as a new vector.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `x.len() != n`.
    ///
    /// ```
    /// use lensdiff::{banded::SymBanded, Error};
    /// use nalgebra::dvector;
    /// let a = SymBanded::from_fn(2, 1, |i, j| (i + j + 1) as f64);
    /// assert_eq!(a.try_mul_vec(&dvector![1.0, 0.0]).unwrap(), dvector![1.0, 2.0]);
    /// assert!(matches!(
    ///     a.try_mul_vec(&dvector![1.0, 0.0, 0.0]),
    ///     Err(Error::DimensionMismatch { expected: 2, found: 3, .. })
    /// ));
    /// ```
    pub fn try_mul_vec(&self, x: &DVector<T>) -> Result<DVector<T>> {
        let mut y = DVector::zeros(self.n());
        self.try_mul_vec_into(x.as_slice(), y.as_mut_slice())?;
        Ok(y)
    }

    /// `A x` as a new vector.
    ///
    /// # Panics
    /// If `x.len() != n` (the message names both lengths);
    /// [`try_mul_vec`](Self::try_mul_vec) returns the error instead.
    ///
    /// ```
    /// use lensdiff::banded::{SymBanded, Triangle};
    /// use nalgebra::dvector;
    /// let a = SymBanded::from_fn(2, 1, |i, j| (i + j + 1) as f64);
    /// assert_eq!(a.mul_vec(&dvector![1.0, 0.0]), dvector![1.0, 2.0]);
    /// let l = a.to_triangle(Triangle::Lower);
    /// assert_eq!(l.mul_vec(&dvector![1.0, 0.0]), dvector![1.0, 2.0]);
    /// ```
    pub fn mul_vec(&self, x: &DVector<T>) -> DVector<T> {
        self.try_mul_vec(x).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl<T: Real> std::fmt::Debug for SymBanded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let storage = match self.triangle {
            Triangle::Upper => "upper",
            Triangle::Lower => "lower",
        };
        let summary = format!("n = {}, k = {} ({storage} storage)", self.n(), self.k());
        self.band.debug(f, "SymBanded", &summary, |i, j| {
            (i.abs_diff(j) <= self.k()).then(|| self.get(i, j))
        })
    }
}

impl<T: Real> SymBanded<T> {
    /// Whether `eq` holds for every entry of the union of both bands (a
    /// missing diagonal counts as zero when the bandwidths differ), in
    /// either storage.
    fn all_entries(&self, other: &Self, eq: impl Fn(T, T) -> bool) -> bool {
        let k = self.k().max(other.k());
        self.n() == other.n()
            && (0..self.n())
                .all(|j| (j.saturating_sub(k)..=j).all(|i| eq(self.get(i, j), other.get(i, j))))
    }
}

impl<T: Real + AbsDiffEq<Epsilon = T>> AbsDiffEq for SymBanded<T> {
    type Epsilon = T;
    fn default_epsilon() -> T {
        T::default_epsilon()
    }
    /// Same order and every band entry within `epsilon` (a missing
    /// diagonal counts as zero when the bandwidths differ).
    fn abs_diff_eq(&self, other: &Self, epsilon: T) -> bool {
        self.all_entries(other, |a, b| a.abs_diff_eq(&b, epsilon))
    }
}

impl<T: Real + RelativeEq<Epsilon = T>> RelativeEq for SymBanded<T> {
    fn default_max_relative() -> T {
        T::default_max_relative()
    }
    fn relative_eq(&self, other: &Self, epsilon: T, max_relative: T) -> bool {
        self.all_entries(other, |a, b| a.relative_eq(&b, epsilon, max_relative))
    }
}
