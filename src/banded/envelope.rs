//! Envelope (profile, "skyline") Cholesky of a sparse symmetric matrix
//! after a fill-limiting ordering: the sparse solve path of Newton's
//! method when the Hessian is not banded.
//!
//! Row `i` of the permuted factor is stored densely from its first nonzero
//! column `first_i` to the diagonal. Cholesky creates fill only inside
//! this envelope, so the symbolic work is one pass over the pattern and the
//! factor is refilled in place for every new matrix or shift. Entry
//! `L[i][j] = (A[i][j] − Σ_p L[i][p] L[j][p]) / L[j][j]`, the sum running
//! over `p ≥ max(first_i, first_j)`: contiguous dot products.
//!
//! Cost: memory is the envelope size; time is `Σ_i Σ_{j in row i}
//! (row j's width)`, i.e. O(n·k²) on a band of half-width `k` and O(n·k)
//! more for each dense row ordered last.

use super::ordering::{envelope_ordering, first_column, inverse};
use crate::Error;
use crate::sparsity::{CscMatrix, Pattern};
use nalgebra::DVector;

/// Refuses envelopes above this many entries (8 GB of `f64`): the pattern
/// is then too far from banded for this solver.
const MAX_ENVELOPE: usize = 1 << 30;

/// A symbolic envelope factorisation (ordering and row extents) of a
/// symmetric pattern, and the numeric factor of the last matrix given to
/// [`factor`](Self::factor).
///
/// ```
/// use lensdiff::{banded::EnvelopeCholesky, sparsity::{CscMatrix, Pattern}};
/// use nalgebra::dvector;
/// // [[4, 1, 1], [1, 3, 0], [1, 0, 2]]: a small arrowhead.
/// let a = CscMatrix {
///     nrows: 3, ncols: 3,
///     col_ptr: vec![0, 3, 5, 7],
///     row_idx: vec![0, 1, 2, 0, 1, 0, 2],
///     values: vec![4.0, 1.0, 1.0, 1.0, 3.0, 1.0, 2.0],
/// };
/// let mut chol = EnvelopeCholesky::analyze(&a.pattern()).unwrap();
/// chol.factor(&a, 0.0).unwrap();
/// let b = dvector![6.0, 4.0, 3.0];
/// let x = chol.solve(&b).unwrap();
/// assert!((a.to_dmatrix() * x - b).amax() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct EnvelopeCholesky {
    /// `perm[i]`: the original index at position `i`.
    perm: Vec<usize>,
    inv: Vec<usize>,
    /// First stored column of each permuted row.
    first: Vec<usize>,
    /// Offsets of the permuted rows in `l` (`n + 1`); the diagonal is the
    /// last entry of each row.
    row_ptr: Vec<usize>,
    l: Vec<f64>,
    factored: bool,
}

impl EnvelopeCholesky {
    /// Orders the symmetric pattern ([`super::envelope_ordering`]) and
    /// lays out the envelope. Errors if the pattern is not square or the
    /// envelope exceeds 2³⁰ entries.
    ///
    /// ```
    /// use lensdiff::{banded::EnvelopeCholesky, sparsity::Pattern};
    /// let n = 100;
    /// // A periodic tridiagonal pattern: RCM makes it a band of width 2.
    /// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(i, i), (i, (i + 1) % n), ((i + 1) % n, i)]));
    /// let chol = EnvelopeCholesky::analyze(&p).unwrap();
    /// assert!(chol.envelope_size() <= 3 * n);
    /// ```
    pub fn analyze(pattern: &Pattern) -> Result<Self, Error> {
        let n = pattern.nrows();
        if pattern.ncols() != n {
            return Err(Error::DimensionMismatch {
                op: "EnvelopeCholesky::analyze (square pattern)",
                expected: n,
                found: pattern.ncols(),
            });
        }
        let perm = envelope_ordering(pattern);
        let inv = inverse(&perm);
        let first: Vec<usize> = (0..n)
            .map(|i| first_column(pattern, &perm, &inv, i))
            .collect();
        let mut row_ptr = Vec::with_capacity(n + 1);
        row_ptr.push(0usize);
        for i in 0..n {
            let next = row_ptr[i] + (i - first[i] + 1);
            if next > MAX_ENVELOPE {
                return Err(Error::InvalidArgument {
                    op: "EnvelopeCholesky::analyze",
                    reason: format!(
                        "the envelope of this {n}×{n} pattern ({} nonzeros) exceeds {MAX_ENVELOPE} entries after reordering; it is too far from banded for an envelope factorisation",
                        pattern.nnz()
                    ),
                });
            }
            row_ptr.push(next);
        }
        Ok(EnvelopeCholesky {
            l: Vec::new(),
            perm,
            inv,
            first,
            row_ptr,
            factored: false,
        })
    }

    /// The order of the matrix.
    ///
    /// ```
    /// use lensdiff::{banded::EnvelopeCholesky, sparsity::Pattern};
    /// let p = Pattern::from_entries(3, 3, [(0, 0), (1, 1), (2, 2)]);
    /// assert_eq!(EnvelopeCholesky::analyze(&p).unwrap().n(), 3);
    /// ```
    pub fn n(&self) -> usize {
        self.perm.len()
    }

    /// The number of stored factor entries (the envelope, diagonal
    /// included).
    ///
    /// ```
    /// use lensdiff::{banded::EnvelopeCholesky, sparsity::Pattern};
    /// let p = Pattern::from_entries(3, 3, [(0, 0), (1, 1), (2, 2)]);
    /// assert_eq!(EnvelopeCholesky::analyze(&p).unwrap().envelope_size(), 3);
    /// ```
    pub fn envelope_size(&self) -> usize {
        self.row_ptr[self.n()]
    }

    /// The ordering used: position `i` of the factor is original index
    /// `permutation()[i]`.
    ///
    /// ```
    /// use lensdiff::{banded::EnvelopeCholesky, sparsity::Pattern};
    /// let p = Pattern::from_entries(2, 2, [(0, 0), (1, 1)]);
    /// assert_eq!(EnvelopeCholesky::analyze(&p).unwrap().permutation(), &[0, 1]);
    /// ```
    pub fn permutation(&self) -> &[usize] {
        &self.perm
    }

    /// Factors `A + shift·I`, where `A` is symmetric (both triangles
    /// stored) with its entries on the analysed pattern. Errors with
    /// [`Error::NotPositiveDefinite`] (the pivot's original index) when a
    /// pivot is not positive, and when `A` does not match the pattern.
    ///
    /// ```
    /// use lensdiff::{Error, banded::EnvelopeCholesky, sparsity::CscMatrix};
    /// // [[1, 2], [2, 1]] is indefinite; shifted by 2 it factors.
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 2, 4],
    ///     row_idx: vec![0, 1, 0, 1], values: vec![1.0, 2.0, 2.0, 1.0] };
    /// let mut chol = EnvelopeCholesky::analyze(&a.pattern()).unwrap();
    /// assert!(matches!(chol.factor(&a, 0.0), Err(Error::NotPositiveDefinite { .. })));
    /// assert!(chol.factor(&a, 2.0).is_ok());
    /// ```
    pub fn factor(&mut self, a: &CscMatrix, shift: f64) -> Result<(), Error> {
        let n = self.n();
        self.factored = false;
        if a.nrows != n || a.ncols != n {
            return Err(Error::DimensionMismatch {
                op: "EnvelopeCholesky::factor",
                expected: n,
                found: if a.nrows != n { a.nrows } else { a.ncols },
            });
        }
        self.l.clear();
        self.l.resize(self.envelope_size(), 0.0);
        for c in 0..n {
            let j = self.inv[c];
            for p in a.col_ptr[c]..a.col_ptr[c + 1] {
                let i = self.inv[a.row_idx[p]];
                if j > i {
                    continue; // upper triangle: its mirror is stored
                }
                if j < self.first[i] {
                    return Err(Error::InvalidArgument {
                        op: "EnvelopeCholesky::factor",
                        reason: format!(
                            "entry ({}, {c}) is outside the analysed pattern",
                            a.row_idx[p]
                        ),
                    });
                }
                self.l[self.row_ptr[i] + (j - self.first[i])] = a.values[p];
            }
        }
        for i in 0..n {
            let (fi, ri) = (self.first[i], self.row_ptr[i]);
            for j in fi..i {
                let (fj, rj) = (self.first[j], self.row_ptr[j]);
                let s = fi.max(fj);
                let dot: f64 = self.l[ri + (s - fi)..ri + (j - fi)]
                    .iter()
                    .zip(&self.l[rj + (s - fj)..rj + (j - fj)])
                    .map(|(a, b)| a * b)
                    .sum();
                let diag = self.l[self.row_ptr[j + 1] - 1];
                self.l[ri + (j - fi)] = (self.l[ri + (j - fi)] - dot) / diag;
            }
            let row = &self.l[ri..ri + (i - fi)];
            let d = self.l[ri + (i - fi)] + shift - row.iter().map(|v| v * v).sum::<f64>();
            if !(d > 0.0 && d.is_finite()) {
                return Err(Error::NotPositiveDefinite {
                    pivot: self.perm[i],
                    value: d,
                });
            }
            self.l[ri + (i - fi)] = d.sqrt();
        }
        self.factored = true;
        Ok(())
    }

    /// Solves `(A + shift·I) x = b` with the last successful factorisation.
    /// Errors if there is none or `b` has the wrong length.
    ///
    /// ```
    /// use lensdiff::{banded::EnvelopeCholesky, sparsity::CscMatrix};
    /// use nalgebra::dvector;
    /// let a = CscMatrix { nrows: 2, ncols: 2, col_ptr: vec![0, 1, 2],
    ///     row_idx: vec![0, 1], values: vec![4.0, 16.0] };
    /// let mut chol = EnvelopeCholesky::analyze(&a.pattern()).unwrap();
    /// chol.factor(&a, 0.0).unwrap();
    /// assert_eq!(chol.solve(&dvector![1.0, 1.0]).unwrap(), dvector![0.25, 0.0625]);
    /// ```
    pub fn solve(&self, b: &DVector<f64>) -> Result<DVector<f64>, Error> {
        let n = self.n();
        if b.len() != n {
            return Err(Error::DimensionMismatch {
                op: "EnvelopeCholesky::solve",
                expected: n,
                found: b.len(),
            });
        }
        if !self.factored {
            return Err(Error::InvalidArgument {
                op: "EnvelopeCholesky::solve",
                reason: "no successful factorisation to solve with".into(),
            });
        }
        let mut z: Vec<f64> = self.perm.iter().map(|&v| b[v]).collect();
        // L z = P b, row by row.
        for i in 0..n {
            let (fi, ri) = (self.first[i], self.row_ptr[i]);
            let dot: f64 = self.l[ri..ri + (i - fi)]
                .iter()
                .zip(&z[fi..i])
                .map(|(a, b)| a * b)
                .sum();
            z[i] = (z[i] - dot) / self.l[ri + (i - fi)];
        }
        // Lᵀ w = z, column by column (rows of L are columns of Lᵀ).
        for i in (0..n).rev() {
            let (fi, ri) = (self.first[i], self.row_ptr[i]);
            z[i] /= self.l[ri + (i - fi)];
            let wi = z[i];
            for (zp, l) in z[fi..i].iter_mut().zip(&self.l[ri..ri + (i - fi)]) {
                *zp -= l * wi;
            }
        }
        let mut x = DVector::zeros(n);
        for (i, &v) in self.perm.iter().enumerate() {
            x[v] = z[i];
        }
        Ok(x)
    }
}
