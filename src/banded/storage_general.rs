//! General banded storage, LAPACK layout.
//!
//! An `n × n` matrix with `kl` sub-diagonals and `ku` super-diagonals
//! (`A[i][j] = 0` for `i − j > kl` or `j − i > ku`) is stored as
//!
//! ```text
//! ab[ku + i − j][j] = A[i][j]      for max(0, j − ku) <= i <= min(n − 1, j + kl)
//! ```
//!
//! the `(kl + ku + 1) × n` array `scipy.linalg.solve_banded((kl, ku), ab, b)`
//! takes (LAPACK `gbmv`/`gbsv` layout without the `kl` rows of LU fill).
//! In memory it is column-major with leading dimension `kl + ku + 1`, so
//! column `j`'s band `A[j−ku..=j+kl][j]` is contiguous. Slots outside the
//! matrix (top-left and bottom-right corners) are kept at zero.

use approx::{AbsDiffEq, RelativeEq};
use nalgebra::{DMatrix, DVector};

use super::band_array::BandArray;
use super::checks::ensure_len;
use crate::{Error, Real, Result};

/// A general square banded matrix in LAPACK band storage.
///
/// ```
/// use lensdiff::banded::Banded;
/// // Upwind difference: 1 on the diagonal, −1 below it.
/// let a = Banded::from_fn(4, 1, 0, |i, j| if i == j { 1.0 } else { -1.0 });
/// assert_eq!((a.get(2, 1), a.get(1, 2)), (-1.0, 0.0));
/// assert_eq!(a.ab(1, 0), -1.0); // ab[ku + 1 − 0][0] = A[1][0]
/// ```
#[derive(Clone, PartialEq)]
pub struct Banded<T> {
    band: BandArray<T>,
}

impl<T: Real> Banded<T> {
    /// The zero matrix.
    ///
    /// ```
    /// let a = lensdiff::banded::Banded::<f64>::zeros(5, 1, 2);
    /// assert_eq!(a.as_slice().len(), 4 * 5);
    /// ```
    pub fn zeros(n: usize, kl: usize, ku: usize) -> Self {
        Banded {
            band: BandArray::zeros(n, kl, ku),
        }
    }

    /// Builds the matrix from `f(i, j)`, called once per band entry.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(3, 1, 1, |i, j| (10 * i + j) as f64);
    /// assert_eq!((a.get(2, 1), a.get(0, 2)), (21.0, 0.0));
    /// ```
    pub fn from_fn(n: usize, kl: usize, ku: usize, f: impl FnMut(usize, usize) -> T) -> Self {
        Banded {
            band: BandArray::from_fn(n, kl, ku, f),
        }
    }

    /// Wraps a column-major LAPACK band array (`ab[row + j·(kl+ku+1)]`);
    /// slots outside the matrix are zeroed.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `ab.len() != (kl+ku+1)·n`.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_ab(2, 1, 0, vec![1.0, 2.0, 3.0, 9.0]).unwrap();
    /// assert_eq!(a.get(1, 0), 2.0);
    /// assert_eq!(a.ab(1, 1), 0.0); // below the last row: zeroed
    /// ```
    pub fn from_ab(n: usize, kl: usize, ku: usize, ab: Vec<T>) -> Result<Self> {
        let band = BandArray::from_ab("Banded::from_ab", n, kl, ku, ab)?;
        Ok(Banded { band })
    }

    /// Copies the band of a dense square matrix; entries outside the band
    /// are ignored (see [`try_from_dmatrix`](Self::try_from_dmatrix)).
    ///
    /// # Panics
    /// If `m` is not square.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// use nalgebra::dmatrix;
    /// let m = dmatrix![1.0, 2.0, 3.0; 4.0, 5.0, 6.0; 7.0, 8.0, 9.0];
    /// let a = Banded::from_dmatrix(&m, 1, 0);
    /// assert_eq!(a.to_dmatrix(), dmatrix![1.0, 0.0, 0.0; 4.0, 5.0, 0.0; 0.0, 8.0, 9.0]);
    /// ```
    pub fn from_dmatrix(m: &DMatrix<T>, kl: usize, ku: usize) -> Self {
        assert!(
            m.is_square(),
            "Banded::from_dmatrix: matrix is {}x{}, not square",
            m.nrows(),
            m.ncols()
        );
        Self::from_fn(m.nrows(), kl, ku, |i, j| m[(i, j)])
    }

    /// Like [`from_dmatrix`](Self::from_dmatrix) but checks that `m` is
    /// square and zero outside the band.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if not square, [`Error::InvalidArgument`]
    /// naming the first nonzero entry outside the band.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// use nalgebra::dmatrix;
    /// let m = dmatrix![1.0, 2.0; 0.0, 5.0];
    /// assert!(Banded::try_from_dmatrix(&m, 0, 1).is_ok());
    /// assert!(Banded::try_from_dmatrix(&m, 1, 0).is_err());
    /// ```
    pub fn try_from_dmatrix(m: &DMatrix<T>, kl: usize, ku: usize) -> Result<Self> {
        let op = "Banded::try_from_dmatrix";
        ensure_len(op, m.nrows(), m.ncols())?;
        for j in 0..m.ncols() {
            for i in 0..m.nrows() {
                let outside = i > j + kl || j > i + ku;
                if outside && m[(i, j)] != T::zero() {
                    return Err(Error::InvalidArgument {
                        op,
                        reason: format!(
                            "entry ({i}, {j}) = {} lies outside the band (kl = {kl}, ku = {ku})",
                            m[(i, j)]
                        ),
                    });
                }
            }
        }
        Ok(Self::from_dmatrix(m, kl, ku))
    }

    /// The dense matrix (`n × n`: for tests and small problems).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let m = Banded::from_fn(3, 0, 1, |_, _| 1.0).to_dmatrix();
    /// assert_eq!((m[(0, 1)], m[(1, 0)]), (1.0, 0.0));
    /// ```
    pub fn to_dmatrix(&self) -> DMatrix<T> {
        self.band.to_dmatrix(false)
    }

    /// Order of the matrix.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::Banded::<f64>::zeros(4, 1, 1).n(), 4);
    /// ```
    pub fn n(&self) -> usize {
        self.band.n
    }

    /// Number of sub-diagonals.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::Banded::<f64>::zeros(4, 2, 1).kl(), 2);
    /// ```
    pub fn kl(&self) -> usize {
        self.band.kl
    }

    /// Number of super-diagonals.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::Banded::<f64>::zeros(4, 2, 1).ku(), 1);
    /// ```
    pub fn ku(&self) -> usize {
        self.band.ku
    }

    /// `A[i][j]`, zero outside the band.
    ///
    /// # Panics
    /// If `i` or `j` is not below `n`.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(3, 1, 0, |i, j| (i + j) as f64);
    /// assert_eq!((a.get(1, 0), a.get(0, 1)), (1.0, 0.0));
    /// ```
    pub fn get(&self, i: usize, j: usize) -> T {
        self.band.get("Banded::get", i, j)
    }

    /// Sets `A[i][j]`.
    ///
    /// # Panics
    /// If `(i, j)` is outside the matrix or the band.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let mut a = Banded::<f64>::zeros(3, 1, 0);
    /// a.set(2, 1, 7.0);
    /// assert_eq!(a.get(2, 1), 7.0);
    /// ```
    pub fn set(&mut self, i: usize, j: usize, v: T) {
        self.band.set("Banded::set", i, j, v);
    }

    /// Entry `ab[row][col]` of the LAPACK `(kl+ku+1) × n` array.
    ///
    /// # Panics
    /// If `row > kl + ku` or `col >= n`.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(3, 1, 1, |i, j| (10 * i + j) as f64);
    /// assert_eq!((a.ab(0, 1), a.ab(1, 1), a.ab(2, 1)), (1.0, 11.0, 21.0));
    /// ```
    pub fn ab(&self, row: usize, col: usize) -> T {
        self.band.ab("Banded::ab", row, col)
    }

    /// The column-major band array: column `j` is
    /// `as_slice()[j*(kl+ku+1)..(j+1)*(kl+ku+1)]`.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(2, 1, 0, |i, j| (1 + i + j) as f64);
    /// assert_eq!(a.as_slice(), &[1.0, 2.0, 3.0, 0.0]);
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.band.ab
    }

    /// The band array, writable (same layout as [`as_slice`](Self::as_slice);
    /// keep the corner slots outside the matrix at zero).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let mut a = Banded::<f64>::zeros(2, 0, 0);
    /// a.as_mut_slice()[1] = 3.0;
    /// assert_eq!(a.get(1, 1), 3.0);
    /// ```
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        &mut self.band.ab
    }

    /// Adds `tau` to every diagonal entry, in place.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let mut a = Banded::from_fn(2, 1, 1, |_, _| 1.0);
    /// a.add_diagonal(1.0);
    /// assert_eq!((a.get(0, 0), a.get(0, 1)), (2.0, 1.0));
    /// ```
    pub fn add_diagonal(&mut self, tau: T) {
        self.band.add_diagonal(tau);
    }

    /// `A + τ I` as a new matrix.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(2, 0, 0, |_, _| 1.0);
    /// assert_eq!(a.shifted(2.0).get(1, 1), 3.0);
    /// ```
    pub fn shifted(&self, tau: T) -> Self {
        let mut s = self.clone();
        s.add_diagonal(tau);
        s
    }

    /// `Aᵀ`, which has `kl` and `ku` swapped.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(3, 1, 0, |i, j| (10 * i + j) as f64);
    /// assert_eq!(a.transpose().to_dmatrix(), a.to_dmatrix().transpose());
    /// ```
    pub fn transpose(&self) -> Self {
        Self::from_fn(self.n(), self.ku(), self.kl(), |i, j| self.get(j, i))
    }

    /// The first stored entry that is NaN or infinite (index into
    /// [`as_slice`](Self::as_slice)).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let mut a = Banded::from_fn(2, 0, 0, |_, _| 1.0);
    /// a.set(1, 1, f64::INFINITY);
    /// assert_eq!(a.first_non_finite(), Some(1));
    /// ```
    pub fn first_non_finite(&self) -> Option<usize> {
        self.band.first_non_finite()
    }

    /// `y = A x` row by row, the two halves of the rows side by side on
    /// the worker pool (`x`, `y` of length `n`). Each row's entries lie in
    /// consecutive columns of the band storage, so the rows reuse the same
    /// few cache lines as they advance; for a band too large for the cache
    /// the product is memory-bound, and two cores read faster than one.
    /// The sums run in another order than [`try_mul_vec_into`](Self::try_mul_vec_into)'s.
    pub(crate) fn mul_vec_by_rows_into(&self, x: &[T], y: &mut [T]) {
        let (n, kl, ku) = (self.n(), self.kl(), self.ku());
        debug_assert_eq!((x.len(), y.len()), (n, n));
        let (ab, ld) = (self.as_slice(), kl + ku + 1);
        let rows = |from: usize, y: &mut [T]| {
            for (i, yi) in (from..).zip(y.iter_mut()) {
                let cols = i.saturating_sub(kl)..(i + ku + 1).min(n);
                *yi = cols.fold(T::zero(), |acc, j| acc + ab[j * ld + ku + i - j] * x[j]);
            }
        };
        let (top, bottom) = y.split_at_mut(n / 2);
        crate::engine::join(|| rows(0, top), || rows(n / 2, bottom));
    }

    /// `y = A x` into a caller-owned slice.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `x` or `y` does not have length `n`.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(3, 1, 0, |i, j| if i == j { 1.0 } else { -1.0 });
    /// let mut y = [0.0; 3];
    /// a.try_mul_vec_into(&[1.0, 2.0, 4.0], &mut y).unwrap();
    /// assert_eq!(y, [1.0, 1.0, 2.0]);
    /// assert!(a.try_mul_vec_into(&[1.0, 2.0], &mut y).is_err());
    /// ```
    pub fn try_mul_vec_into(&self, x: &[T], y: &mut [T]) -> Result<()> {
        let op = "Banded::mul_vec";
        ensure_len(op, self.n(), x.len())?;
        ensure_len(op, self.n(), y.len())?;
        y.fill(T::zero());
        let a = &self.band;
        for (j, col) in a.ab.chunks_exact(a.ld()).enumerate() {
            let rows = a.rows(j);
            let xj = x[j];
            let r0 = a.ku + rows.start - j;
            for (v, yi) in col[r0..].iter().zip(y[rows].iter_mut()) {
                *yi += *v * xj;
            }
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
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(2, 0, 1, |_, _| 1.0);
    /// let mut y = [0.0; 2];
    /// a.mul_vec_into(&[1.0, 2.0], &mut y);
    /// assert_eq!(y, [3.0, 2.0]);
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
    /// use lensdiff::{banded::Banded, Error};
    /// use nalgebra::dvector;
    /// let a = Banded::from_fn(2, 0, 1, |_, _| 1.0);
    /// assert_eq!(a.try_mul_vec(&dvector![1.0, 2.0]).unwrap(), dvector![3.0, 2.0]);
    /// assert!(matches!(
    ///     a.try_mul_vec(&dvector![1.0]),
    ///     Err(Error::DimensionMismatch { expected: 2, found: 1, .. })
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
    /// use lensdiff::banded::Banded;
    /// use nalgebra::dvector;
    /// let a = Banded::from_fn(2, 0, 1, |_, _| 1.0);
    /// assert_eq!(a.mul_vec(&dvector![1.0, 2.0]), dvector![3.0, 2.0]);
    /// ```
    pub fn mul_vec(&self, x: &DVector<T>) -> DVector<T> {
        self.try_mul_vec(x).unwrap_or_else(|e| panic!("{e}"))
    }
}

impl<T: Real> std::fmt::Debug for Banded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = &self.band;
        let summary = format!("n = {}, kl = {}, ku = {}", a.n, a.kl, a.ku);
        a.debug(f, "Banded", &summary, |i, j| {
            a.in_band(i, j).then(|| self.get(i, j))
        })
    }
}

impl<T: Real + AbsDiffEq<Epsilon = T>> AbsDiffEq for Banded<T> {
    type Epsilon = T;
    fn default_epsilon() -> T {
        T::default_epsilon()
    }
    /// Same order and every entry of the union of both bands within
    /// `epsilon`.
    fn abs_diff_eq(&self, other: &Self, epsilon: T) -> bool {
        let entry = |a: &BandArray<T>, i, j| a.get("Banded", i, j);
        self.band
            .all_in_union(&other.band, entry, |a, b| a.abs_diff_eq(&b, epsilon))
    }
}

impl<T: Real + RelativeEq<Epsilon = T>> RelativeEq for Banded<T> {
    fn default_max_relative() -> T {
        T::default_max_relative()
    }
    fn relative_eq(&self, other: &Self, epsilon: T, max_relative: T) -> bool {
        let entry = |a: &BandArray<T>, i, j| a.get("Banded", i, j);
        self.band.all_in_union(&other.band, entry, |a, b| {
            a.relative_eq(&b, epsilon, max_relative)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_row_by_row_product_is_the_bands_product() {
        for (n, kl, ku) in [
            (1, 0, 0),
            (2, 1, 1),
            (7, 2, 3),
            (40, 8, 8),
            (41, 3, 0),
            (33, 0, 4),
        ] {
            let k = Banded::from_fn(n, kl, ku, |i, j| ((i * 7 + j * 3) % 11) as f64 - 5.0);
            let x: Vec<f64> = (0..n).map(|j| (j as f64 * 0.7).cos()).collect();
            let mut y = vec![f64::NAN; n];
            k.mul_vec_by_rows_into(&x, &mut y);
            let want = k.mul_vec(&nalgebra::DVector::from_vec(x.clone()));
            for (i, (a, b)) in y.iter().zip(want.iter()).enumerate() {
                assert!(
                    (a - b).abs() <= 1e-12 * (1.0 + b.abs()),
                    "({n}, {kl}, {ku}) row {i}"
                );
            }
        }
    }
}
