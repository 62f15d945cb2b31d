//! A minimal compressed-sparse-column matrix: the output format of
//! [`super::hessian_sparse`] and [`super::jacobian_sparse`].
//!
//! A small own struct (column pointers, row indices, values) keeps the
//! default dependencies to nalgebra and num-traits; the `nalgebra-sparse`
//! feature adds `From<CscMatrix> for nalgebra_sparse::CscMatrix<f64>` (the
//! vectors move, no copy) for users of nalgebra's sparse types.

use super::Pattern;
use crate::Error;
use crate::error::ensure_len;
use crate::probe::row_residual;
use nalgebra::{DMatrix, DVector};

/// A sparse matrix in compressed-column form: column `j` holds the rows
/// `row_idx[col_ptr[j] .. col_ptr[j + 1]]` (sorted) with their `values`.
///
/// ```
/// use lensdiff::sparsity::CscMatrix;
/// // [[1, 0], [2, 3]]
/// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
/// assert_eq!(a.to_dmatrix(), nalgebra::dmatrix![1.0, 0.0; 2.0, 3.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct CscMatrix {
    /// The number of rows.
    pub nrows: usize,
    /// The number of columns.
    pub ncols: usize,
    /// `ncols + 1` offsets into `row_idx` and `values`.
    pub col_ptr: Vec<usize>,
    /// The row of each stored entry, sorted within each column.
    pub row_idx: Vec<usize>,
    /// The value of each stored entry.
    pub values: Vec<f64>,
}

impl CscMatrix {
    /// The dense matrix (small matrices only).
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// let a = CscMatrix { nrows: 1, ncols: 2, col_ptr: vec![0, 0, 1], row_idx: vec![0], values: vec![5.0] };
    /// assert_eq!(a.to_dmatrix()[(0, 1)], 5.0);
    /// ```
    pub fn to_dmatrix(&self) -> DMatrix<f64> {
        let mut m = DMatrix::zeros(self.nrows, self.ncols);
        for j in 0..self.ncols {
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                m[(self.row_idx[p], j)] = self.values[p];
            }
        }
        m
    }

    /// The entry `(i, j)` (zero when not stored).
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// let a = CscMatrix { nrows: 2, ncols: 1, col_ptr: vec![0, 1], row_idx: vec![1], values: vec![4.0] };
    /// assert_eq!((a.get(0, 0), a.get(1, 0)), (0.0, 4.0));
    /// ```
    pub fn get(&self, i: usize, j: usize) -> f64 {
        let rows = &self.row_idx[self.col_ptr[j]..self.col_ptr[j + 1]];
        match rows.binary_search(&i) {
            Ok(p) => self.values[self.col_ptr[j] + p],
            Err(_) => 0.0,
        }
    }

    /// The matrix whose column `j` holds the rows `cols.row(j)` (a pattern
    /// stored by columns, e.g. a transposed row pattern) with `values` in
    /// that order.
    pub(crate) fn from_columns(cols: &Pattern, values: Vec<f64>) -> Self {
        CscMatrix {
            nrows: cols.ncols(),
            ncols: cols.nrows(),
            col_ptr: cols.row_ptr().to_vec(),
            row_idx: (0..cols.nrows())
                .flat_map(|j| cols.row(j).iter().copied())
                .collect(),
            values,
        }
    }

    /// The number of stored entries.
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// let a = CscMatrix { nrows: 2, ncols: 1, col_ptr: vec![0, 1], row_idx: vec![1], values: vec![4.0] };
    /// assert_eq!(a.nnz(), 1);
    /// ```
    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    /// The sparsity pattern of the stored entries (row `i`: the columns
    /// stored in row `i`).
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// // [[1, 0], [2, 3]]
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
    /// assert_eq!(a.pattern().row(1), &[0, 1]);
    /// ```
    pub fn pattern(&self) -> Pattern {
        let columns = (0..self.ncols)
            .map(|j| self.row_idx[self.col_ptr[j]..self.col_ptr[j + 1]].to_vec())
            .collect();
        Pattern::from_rows(self.nrows, columns).transpose()
    }

    /// `A r` as a new vector.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `r.len() != ncols`.
    ///
    /// ```
    /// use lensdiff::{sparsity::CscMatrix, Error};
    /// use nalgebra::dvector;
    /// // [[1, 0], [2, 3]]
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
    /// assert_eq!(a.try_mul_vec(&dvector![1.0, 1.0]).unwrap(), dvector![1.0, 5.0]);
    /// assert!(matches!(
    ///     a.try_mul_vec(&dvector![1.0]),
    ///     Err(Error::DimensionMismatch { expected: 2, found: 1, .. })
    /// ));
    /// ```
    pub fn try_mul_vec(&self, r: &DVector<f64>) -> Result<DVector<f64>, Error> {
        ensure_len("CscMatrix::mul_vec", self.ncols, r.len())?;
        Ok(DVector::from_vec(self.product(r.as_slice(), false)))
    }

    /// `A r` as a new vector.
    ///
    /// # Panics
    /// If `r.len() != ncols` (the message names both lengths);
    /// [`try_mul_vec`](Self::try_mul_vec) returns the error instead.
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// use nalgebra::dvector;
    /// // [[1, 0], [2, 3]]
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
    /// assert_eq!(a.mul_vec(&dvector![1.0, 1.0]), dvector![1.0, 5.0]);
    /// ```
    pub fn mul_vec(&self, r: &DVector<f64>) -> DVector<f64> {
        self.try_mul_vec(r).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `Aᵀ r` as a new vector.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `r.len() != nrows`.
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// use nalgebra::dvector;
    /// // [[1, 0], [2, 3]]
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
    /// assert_eq!(a.try_transpose_mul_vec(&dvector![1.0, 1.0]).unwrap(), dvector![3.0, 3.0]);
    /// assert!(a.try_transpose_mul_vec(&dvector![1.0, 1.0, 1.0]).is_err());
    /// ```
    pub fn try_transpose_mul_vec(&self, r: &DVector<f64>) -> Result<DVector<f64>, Error> {
        ensure_len("CscMatrix::transpose_mul_vec", self.nrows, r.len())?;
        Ok(DVector::from_vec(self.product(r.as_slice(), true)))
    }

    /// `Aᵀ r` as a new vector.
    ///
    /// # Panics
    /// If `r.len() != nrows` (the message names both lengths);
    /// [`try_transpose_mul_vec`](Self::try_transpose_mul_vec) returns the
    /// error instead.
    ///
    /// ```
    /// use lensdiff::sparsity::CscMatrix;
    /// use nalgebra::dvector;
    /// // [[1, 0], [2, 3]]
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
    /// assert_eq!(a.transpose_mul_vec(&dvector![1.0, 1.0]), dvector![3.0, 3.0]);
    /// ```
    pub fn transpose_mul_vec(&self, r: &DVector<f64>) -> DVector<f64> {
        self.try_transpose_mul_vec(r)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `A r` (or `Aᵀ r` when `transposed`); `r` has the matching length.
    pub(crate) fn product(&self, r: &[f64], transposed: bool) -> Vec<f64> {
        let mut out = vec![0.0; if transposed { self.ncols } else { self.nrows }];
        for j in 0..self.ncols {
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                let (i, v) = (self.row_idx[p], self.values[p]);
                if transposed {
                    out[j] += v * r[i];
                } else {
                    out[i] += v * r[j];
                }
            }
        }
        out
    }

    /// `|A| |r|` (or `|A|ᵀ |r|` when `transposed`): the scale of each row
    /// of `A r` for the probe check.
    pub(crate) fn abs_mul(&self, r: &[f64], transposed: bool) -> Vec<f64> {
        let mut out = vec![0.0; if transposed { self.ncols } else { self.nrows }];
        for j in 0..self.ncols {
            for p in self.col_ptr[j]..self.col_ptr[j + 1] {
                let (i, v) = (self.row_idx[p], self.values[p].abs());
                if transposed {
                    out[j] += v * r[i].abs();
                } else {
                    out[i] += v * r[j].abs();
                }
            }
        }
        out
    }
}

/// The probe check shared by sparse Hessians and Jacobians: `a_r` is the
/// recovered matrix applied to the probe `r` (`Aᵀ r` when `transposed`),
/// `exact` the product the derivative gave. Rows are compared with their
/// own magnitudes (`crate::probe::row_residual`). Returns the largest
/// row residual, or [`Error::PatternMismatch`] when it is NaN or above
/// `tol`.
pub(crate) fn check_probe(
    a: &CscMatrix,
    a_r: &[f64],
    exact: &[f64],
    r: &[f64],
    transposed: bool,
    tol: f64,
) -> Result<f64, Error> {
    let abs_a_r = a.abs_mul(r, transposed);
    let residual = row_residual(a_r, exact, &abs_a_r);
    if residual.is_nan() || residual > tol {
        return Err(Error::PatternMismatch {
            nnz: a.nnz(),
            residual,
        });
    }
    Ok(residual)
}

/// Into `nalgebra_sparse::CscMatrix` (with the `nalgebra-sparse` feature):
/// the three vectors move, no copy. Panics only if the matrix breaks the
/// CSC invariants, which the library's own outputs never do.
///
/// ```
/// # #[cfg(feature = "nalgebra-sparse")] {
/// use lensdiff::sparsity::CscMatrix;
/// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 3], row_idx: vec![0, 1, 1], values: vec![1.0, 2.0, 3.0] };
/// let b: nalgebra_sparse::CscMatrix<f64> = a.into();
/// assert_eq!(b.nnz(), 3);
/// # }
/// ```
#[cfg(feature = "nalgebra-sparse")]
impl From<CscMatrix> for nalgebra_sparse::CscMatrix<f64> {
    fn from(a: CscMatrix) -> Self {
        nalgebra_sparse::CscMatrix::try_from_csc_data(
            a.nrows, a.ncols, a.col_ptr, a.row_idx, a.values,
        )
        .expect("a CscMatrix from lensdiff has sorted, in-range row indices")
    }
}
