//! Symmetric banded storage, lower triangle, LAPACK layout.
//!
//! The twin of [`SymBanded`]: the lower band of a symmetric
//! matrix with half-bandwidth `k`,
//!
//! ```text
//! ab[i − j][j] = A[i][j]      for j <= i <= min(n − 1, j + k)
//! ```
//!
//! (LAPACK `UPLO = 'L'`, `scipy.linalg.solveh_banded(..., lower=True)`),
//! column-major with leading dimension `k + 1`: column `j` holds
//! `A[j..=j+k][j]` contiguously, the diagonal first. The unused slots in the
//! bottom-right corner are kept at zero. The factorisations work on the
//! upper layout; convert with [`to_upper`](SymBandedLower::to_upper).

use nalgebra::{DMatrix, DVector};

use super::storage_sym::{SymBanded, check_len};
use crate::Real;

/// A symmetric banded matrix in LAPACK lower band storage.
///
/// ```
/// use lensdiff::banded::SymBandedLower;
/// let a = SymBandedLower::from_fn(4, 1, |i, j| if i == j { 2.0 } else { -1.0 });
/// assert_eq!(a.ab(1, 0), -1.0); // A[1][0]
/// assert_eq!(a.ab(0, 3), 2.0);  // row 0 holds the diagonal
/// assert_eq!(a.get(0, 1), -1.0);
/// ```
#[derive(Clone, PartialEq)]
pub struct SymBandedLower<T> {
    n: usize,
    k: usize,
    ab: Vec<T>,
}

impl<T: Real> SymBandedLower<T> {
    /// Builds the matrix from `f(i, j)`, called for each stored entry
    /// (`i >= j`, `i − j <= k`).
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// let a = SymBandedLower::from_fn(3, 1, |i, j| (10 * i + j) as f64);
    /// assert_eq!((a.get(1, 0), a.get(0, 1)), (10.0, 10.0));
    /// ```
    pub fn from_fn(n: usize, k: usize, mut f: impl FnMut(usize, usize) -> T) -> Self {
        let mut ab = vec![T::zero(); (k + 1) * n];
        for j in 0..n {
            for i in j..n.min(j + k + 1) {
                ab[j * (k + 1) + i - j] = f(i, j);
            }
        }
        SymBandedLower { n, k, ab }
    }

    /// Copies the band of a dense matrix, reading its lower triangle.
    ///
    /// # Panics
    /// If `m` is not square.
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// use nalgebra::dmatrix;
    /// let m = dmatrix![2.0, -1.0; -1.0, 2.0];
    /// assert_eq!(SymBandedLower::from_dmatrix(&m, 1).to_dmatrix(), m);
    /// ```
    pub fn from_dmatrix(m: &DMatrix<T>, k: usize) -> Self {
        assert!(
            m.is_square(),
            "SymBandedLower::from_dmatrix: matrix is {}x{}, not square",
            m.nrows(),
            m.ncols()
        );
        Self::from_fn(m.nrows(), k, |i, j| m[(i, j)])
    }

    /// The dense symmetric matrix (`n × n`: for tests and small problems).
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// let m = SymBandedLower::from_fn(3, 1, |i, j| (i + j) as f64).to_dmatrix();
    /// assert_eq!(m, m.transpose());
    /// ```
    pub fn to_dmatrix(&self) -> DMatrix<T> {
        let mut m = DMatrix::zeros(self.n, self.n);
        for j in 0..self.n {
            for i in j..self.n.min(j + self.k + 1) {
                let v = self.ab[j * (self.k + 1) + i - j];
                m[(i, j)] = v;
                m[(j, i)] = v;
            }
        }
        m
    }

    /// The same matrix in upper storage (what the factorisations take).
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// let l = SymBandedLower::from_fn(5, 2, |i, j| (i * j) as f64 + 1.0);
    /// assert_eq!(l.to_upper().to_dmatrix(), l.to_dmatrix());
    /// ```
    pub fn to_upper(&self) -> SymBanded<T> {
        SymBanded::from_fn(self.n, self.k, |i, j| self.get(i, j))
    }

    /// Order of the matrix.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::SymBandedLower::from_fn(3, 1, |_, _| 1.0).n(), 3);
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// Half-bandwidth.
    ///
    /// ```
    /// assert_eq!(lensdiff::banded::SymBandedLower::from_fn(3, 1, |_, _| 1.0).k(), 1);
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
    /// use lensdiff::banded::SymBandedLower;
    /// let a = SymBandedLower::from_fn(3, 1, |_, _| 1.0);
    /// assert_eq!((a.get(0, 1), a.get(0, 2)), (1.0, 0.0));
    /// ```
    pub fn get(&self, i: usize, j: usize) -> T {
        assert!(
            i < self.n && j < self.n,
            "SymBandedLower::get: ({i}, {j}) out of range for n = {}",
            self.n
        );
        let (i, j) = if i >= j { (i, j) } else { (j, i) };
        if i - j > self.k {
            T::zero()
        } else {
            self.ab[j * (self.k + 1) + i - j]
        }
    }

    /// Sets `A[i][j]` and, by symmetry, `A[j][i]`.
    ///
    /// # Panics
    /// If `(i, j)` is outside the matrix or the band.
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// let mut a = SymBandedLower::from_fn(3, 1, |_, _| 0.0);
    /// a.set(0, 1, 4.0);
    /// assert_eq!(a.get(1, 0), 4.0);
    /// ```
    pub fn set(&mut self, i: usize, j: usize, v: T) {
        let (i, j) = if i >= j { (i, j) } else { (j, i) };
        assert!(
            i < self.n && i - j <= self.k,
            "SymBandedLower::set: ({i}, {j}) outside the matrix or the band"
        );
        self.ab[j * (self.k + 1) + i - j] = v;
    }

    /// Entry `ab[row][col]` of the LAPACK `(k+1) × n` lower array.
    ///
    /// # Panics
    /// If `row > k` or `col >= n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// let a = SymBandedLower::from_fn(2, 1, |i, j| (i + j) as f64);
    /// assert_eq!(a.ab(1, 0), 1.0);
    /// ```
    pub fn ab(&self, row: usize, col: usize) -> T {
        assert!(
            row <= self.k && col < self.n,
            "SymBandedLower::ab: out of range"
        );
        self.ab[col * (self.k + 1) + row]
    }

    /// The column-major band array (length `(k+1)·n`).
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// let a = SymBandedLower::from_fn(2, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    /// assert_eq!(a.as_slice(), &[2.0, -1.0, 2.0, 0.0]);
    /// ```
    pub fn as_slice(&self) -> &[T] {
        &self.ab
    }

    /// `A x` as a new vector.
    ///
    /// # Errors
    /// [`crate::Error::DimensionMismatch`] if `x.len() != n`.
    ///
    /// ```
    /// use lensdiff::banded::SymBandedLower;
    /// use nalgebra::dvector;
    /// let a = SymBandedLower::from_fn(2, 1, |i, j| (i + j + 1) as f64);
    /// assert_eq!(a.mul_vec(&dvector![1.0, 0.0]).unwrap(), dvector![1.0, 2.0]);
    /// ```
    pub fn mul_vec(&self, x: &DVector<T>) -> crate::Result<DVector<T>> {
        check_len("SymBandedLower::mul_vec", self.n, x.len())?;
        let mut y = DVector::zeros(self.n);
        let k = self.k;
        for (j, col) in self.ab.chunks_exact(k + 1).enumerate() {
            let end = self.n.min(j + k + 1);
            let xj = x[j];
            let mut acc = col[0] * xj;
            for i in j + 1..end {
                let a = col[i - j];
                y[i] += a * xj;
                acc += a * x[i];
            }
            y[j] += acc;
        }
        Ok(y)
    }
}

impl<T: Real> std::fmt::Debug for SymBandedLower<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::debug_band(
            f,
            "SymBandedLower",
            &format!("n = {}, k = {} (lower storage)", self.n, self.k),
            self.n,
            |i, j| (i.abs_diff(j) <= self.k).then(|| self.get(i, j)),
        )
    }
}
