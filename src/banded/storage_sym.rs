//! Symmetric banded storage, upper triangle, LAPACK layout.
//!
//! A symmetric `n × n` matrix `A` with half-bandwidth `k`
//! (`A[i][j] = 0` for `|i − j| > k`) is stored as its upper band
//!
//! ```text
//! ab[k + i − j][j] = A[i][j]      for max(0, j − k) <= i <= j
//! ```
//!
//! which is the `(k+1) × n` array `scipy.linalg.solveh_banded` takes and
//! LAPACK's `UPLO = 'U'` band layout. In memory the array is column-major
//! with leading dimension `k + 1` (exactly LAPACK's Fortran array), so the
//! `k + 1` band entries of column `j` are contiguous:
//! `as_slice()[j * (k + 1) + row] = ab[row][j]`. The `k·(k+1)/2` slots in the
//! top-left corner that lie outside the matrix are kept at zero.

use approx::{AbsDiffEq, RelativeEq};
use nalgebra::{DMatrix, DVector};

use super::storage_sym_lower::SymBandedLower;
use crate::{Error, Real, Result};

/// A symmetric banded matrix in LAPACK upper band storage.
///
/// The layout is `ab[k + i − j][j] = A[i][j]` for `max(0, j − k) ≤ i ≤ j`
/// (`scipy.linalg.solveh_banded`'s, LAPACK's `UPLO = 'U'`), column-major
/// with leading dimension `k + 1`. `get(i, j)` and `set(i, j, v)` accept
/// either triangle and map it to the stored one.
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
    n: usize,
    k: usize,
    ab: Vec<T>,
}

impl<T: Real> SymBanded<T> {
    /// The zero matrix of order `n` and half-bandwidth `k`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::<f64>::zeros(5, 2);
    /// assert_eq!((a.n(), a.k(), a.as_slice().len()), (5, 2, 15));
    /// ```
    pub fn zeros(n: usize, k: usize) -> Self {
        SymBanded {
            n,
            k,
            ab: vec![T::zero(); (k + 1) * n],
        }
    }

    /// Builds the matrix from `f(i, j)`, called once for each stored entry
    /// (`i <= j`, `j − i <= k`).
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| (10 * i + j) as f64);
    /// assert_eq!(a.get(0, 1), 1.0);
    /// assert_eq!(a.get(1, 0), 1.0); // symmetric: read from the upper triangle
    /// ```
    pub fn from_fn(n: usize, k: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut a = Self::zeros(n, k);
        for j in 0..n {
            for i in j.saturating_sub(k)..=j {
                a.ab[j * (k + 1) + k + i - j] = f(i, j);
            }
        }
        a
    }

    /// Wraps a column-major LAPACK upper band array (`ab[row + j·(k+1)]`,
    /// see the module documentation). The unused top-left corner is zeroed.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// // n = 3, k = 1: columns (·, 4), (1, 4), (1, 4).
    /// let a = SymBanded::from_ab(3, 1, vec![9.0, 4.0, 1.0, 4.0, 1.0, 4.0]).unwrap();
    /// assert_eq!(a.get(1, 2), 1.0);
    /// assert_eq!(a.ab(0, 0), 0.0);
    /// ```
    pub fn from_ab(n: usize, k: usize, mut ab: Vec<T>) -> Result<Self> {
        if ab.len() != (k + 1) * n {
            return Err(Error::DimensionMismatch {
                op: "SymBanded::from_ab",
                expected: (k + 1) * n,
                found: ab.len(),
            });
        }
        for j in 0..n.min(k) {
            for r in 0..k - j {
                ab[j * (k + 1) + r] = T::zero();
            }
        }
        Ok(SymBanded { n, k, ab })
    }

    /// Copies the band of a dense matrix, reading its upper triangle;
    /// entries outside the band are ignored (see
    /// [`from_dmatrix_checked`](Self::from_dmatrix_checked)).
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
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// use nalgebra::dmatrix;
    /// let m = dmatrix![4.0, 1.0, 7.0; 1.0, 4.0, 1.0; 7.0, 1.0, 4.0];
    /// assert!(SymBanded::from_dmatrix_checked(&m, 1).is_err());
    /// assert!(SymBanded::from_dmatrix_checked(&m, 2).is_ok());
    /// ```
    pub fn from_dmatrix_checked(m: &DMatrix<T>, k: usize) -> Result<Self> {
        let op = "SymBanded::from_dmatrix_checked";
        if !m.is_square() {
            return Err(Error::DimensionMismatch {
                op,
                expected: m.nrows(),
                found: m.ncols(),
            });
        }
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
        let mut m = DMatrix::zeros(self.n, self.n);
        for j in 0..self.n {
            for i in j.saturating_sub(self.k)..=j {
                let v = self.ab[j * (self.k + 1) + self.k + i - j];
                m[(i, j)] = v;
                m[(j, i)] = v;
            }
        }
        m
    }

    /// The same matrix in lower band storage.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(4, 2, |i, j| (i + 2 * j) as f64);
    /// let l = a.to_lower();
    /// assert_eq!(l.get(3, 1), a.get(1, 3));
    /// assert_eq!(l.to_upper(), a);
    /// ```
    pub fn to_lower(&self) -> SymBandedLower<T> {
        SymBandedLower::from_fn(self.n, self.k, |i, j| self.get(i, j))
    }

    /// Order of the matrix.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::SymBanded::<f64>::zeros(7, 2).n(), 7);
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Half-bandwidth (number of super-diagonals stored).
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::SymBanded::<f64>::zeros(7, 2).k(), 2);
    /// ```
    pub fn k(&self) -> usize {
        self.k
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
        assert!(
            i < self.n && j < self.n,
            "SymBanded::get: ({i}, {j}) out of range for n = {}",
            self.n
        );
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        if j - i > self.k {
            T::zero()
        } else {
            self.ab[j * (self.k + 1) + self.k + i - j]
        }
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
        let (i, j) = if i <= j { (i, j) } else { (j, i) };
        assert!(
            j < self.n && j - i <= self.k,
            "SymBanded::set: ({i}, {j}) outside the matrix or the band (n = {}, k = {})",
            self.n,
            self.k
        );
        self.ab[j * (self.k + 1) + self.k + i - j] = v;
    }

    /// Entry `ab[row][col]` of the LAPACK `(k+1) × n` array
    /// (`ab[k + i − j][j] = A[i][j]`).
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
        assert!(row <= self.k && col < self.n, "SymBanded::ab: out of range");
        self.ab[col * (self.k + 1) + row]
    }

    /// The column-major band array (length `(k+1)·n`): column `j` is
    /// `as_slice()[j*(k+1)..(j+1)*(k+1)]`, holding `A[j−k..=j][j]`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// assert_eq!(a.as_slice(), &[0.0, 2.0, -1.0, 2.0, -1.0, 2.0]);
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.ab
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
        &mut self.ab
    }

    /// Consumes the matrix, returning the band array.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// let v = SymBanded::from_fn(2, 0, |_, _| 3.0).into_vec();
    /// assert_eq!(v, vec![3.0, 3.0]);
    /// ```
    pub fn into_vec(self) -> Vec<T> {
        self.ab
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
        let k = self.k;
        for col in self.ab.chunks_exact_mut(k + 1) {
            col[k] += tau;
        }
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
        self.ab.iter().position(|v| !v.is_finite_all())
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
    /// a.mul_vec_into(&[1.0, 1.0, 1.0], &mut y).unwrap();
    /// assert_eq!(y, [1.0, 0.0, 1.0]);
    /// ```
    pub fn mul_vec_into(&self, x: &[T], y: &mut [T]) -> Result<()> {
        let op = "SymBanded::mul_vec";
        check_len(op, self.n, x.len())?;
        check_len(op, self.n, y.len())?;
        y.fill(T::zero());
        let k = self.k;
        for (j, col) in self.ab.chunks_exact(k + 1).enumerate() {
            let m = j.min(k);
            let off = &col[k - m..k];
            let xj = x[j];
            let mut acc = col[k] * xj;
            for ((a, yi), xi) in off
                .iter()
                .zip(y[j - m..j].iter_mut())
                .zip(x[j - m..j].iter())
            {
                *yi += *a * xj;
                acc += *a * *xi;
            }
            y[j] += acc;
        }
        Ok(())
    }

    /// `A x` as a new vector.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `x.len() != n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// use nalgebra::dvector;
    /// let a = SymBanded::from_fn(2, 1, |i, j| (i + j + 1) as f64);
    /// assert_eq!(a.mul_vec(&dvector![1.0, 0.0]).unwrap(), dvector![1.0, 2.0]);
    /// ```
    pub fn mul_vec(&self, x: &DVector<T>) -> Result<DVector<T>> {
        let mut y = DVector::zeros(self.n);
        self.mul_vec_into(x.as_slice(), y.as_mut_slice())?;
        Ok(y)
    }
}

pub(crate) fn check_len(op: &'static str, expected: usize, found: usize) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(Error::DimensionMismatch {
            op,
            expected,
            found,
        })
    }
}

impl<T: Real> std::fmt::Debug for SymBanded<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::debug_band(
            f,
            "SymBanded",
            &format!("n = {}, k = {} (upper storage)", self.n, self.k),
            self.n,
            |i, j| (i.abs_diff(j) <= self.k).then(|| self.get(i, j)),
        )
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
        let k = self.k.max(other.k);
        self.n == other.n
            && (0..self.n).all(|j| {
                (j.saturating_sub(k)..=j)
                    .all(|i| self.get(i, j).abs_diff_eq(&other.get(i, j), epsilon))
            })
    }
}

impl<T: Real + RelativeEq<Epsilon = T>> RelativeEq for SymBanded<T> {
    fn default_max_relative() -> T {
        T::default_max_relative()
    }
    fn relative_eq(&self, other: &Self, epsilon: T, max_relative: T) -> bool {
        let k = self.k.max(other.k);
        self.n == other.n
            && (0..self.n).all(|j| {
                (j.saturating_sub(k)..=j).all(|i| {
                    self.get(i, j)
                        .relative_eq(&other.get(i, j), epsilon, max_relative)
                })
            })
    }
}
