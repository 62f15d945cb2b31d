//! Sparsity patterns in compressed-row form: for each row, the sorted
//! column indices of its structural nonzeros.

/// A sparsity pattern (compressed rows): row `i` holds the sorted columns
/// `cols[row_ptr[i] .. row_ptr[i + 1]]`. A Hessian pattern is symmetric
/// and includes a diagonal entry `(i, i)` when `x_i` enters nonlinearly.
///
/// ```
/// use lensdiff::sparsity::Pattern;
/// // The tridiagonal pattern of size 4.
/// let p = Pattern::from_entries(4, 4, (0..4).flat_map(|i| [(i, i), (i, i + 1), (i + 1, i)])
///     .filter(|&(i, j)| i < 4 && j < 4));
/// assert_eq!(p.nnz(), 10);
/// assert_eq!(p.bandwidth(), 1);
/// assert_eq!(p.max_row_nnz(), 3);
/// assert_eq!(p.row(0), &[0, 1]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    nrows: usize,
    ncols: usize,
    row_ptr: Vec<usize>,
    cols: Vec<usize>,
}

impl Pattern {
    /// The pattern with the given `(row, column)` entries (duplicates are
    /// merged). Panics if an entry is out of range.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// let p = Pattern::from_entries(2, 3, [(1, 2), (0, 0), (1, 2)]);
    /// assert_eq!(p.nnz(), 2);
    /// assert!(p.contains(1, 2) && !p.contains(2, 1));
    /// ```
    pub fn from_entries(
        nrows: usize,
        ncols: usize,
        entries: impl IntoIterator<Item = (usize, usize)>,
    ) -> Self {
        let mut e: Vec<(usize, usize)> = entries.into_iter().collect();
        for &(i, j) in &e {
            assert!(
                i < nrows && j < ncols,
                "Pattern::from_entries: entry ({i}, {j}) outside {nrows}×{ncols}"
            );
        }
        e.sort_unstable();
        e.dedup();
        let mut row_ptr = vec![0; nrows + 1];
        for &(i, _) in &e {
            row_ptr[i + 1] += 1;
        }
        for i in 0..nrows {
            row_ptr[i + 1] += row_ptr[i];
        }
        Pattern {
            nrows,
            ncols,
            row_ptr,
            cols: e.into_iter().map(|(_, j)| j).collect(),
        }
    }

    /// The symmetric pattern with `(r, r)` where `diagonal(r)`, and both
    /// `(i, j)` and `(j, i)` for each of the pairs `off` (`i ≠ j`, in any
    /// order, repeats allowed); `counts[r]` (`n + 1` entries) is the number
    /// of pairs with `r` as either index.
    pub(crate) fn symmetric_from_pairs<I>(
        n: usize,
        diagonal: impl Fn(usize) -> bool,
        off: I,
        counts: Vec<usize>,
    ) -> Self
    where
        I: Iterator<Item = (usize, usize)> + Clone,
    {
        debug_assert!(
            counts.len() == n + 1 && {
                let mut c = vec![0; n + 1];
                for (i, j) in off.clone() {
                    c[i] += 1;
                    c[j] += 1;
                }
                c == counts
            }
        );
        // Counting sort by row: `row_ptr[r]` counts row r, becomes its
        // start, and is the fill position while scattering.
        let mut row_ptr = counts;
        let mut total = 0;
        for (r, p) in row_ptr.iter_mut().enumerate() {
            let count = *p + usize::from(r < n && diagonal(r));
            *p = total;
            total += count;
        }
        let mut cols = vec![0usize; total];
        // Forward, in recording order: rows come out nearly sorted (a
        // pass over the variables records increasing indices), which is
        // what the insertion sort below is fast on.
        for (i, j) in off {
            cols[row_ptr[i]] = j;
            row_ptr[i] += 1;
            cols[row_ptr[j]] = i;
            row_ptr[j] += 1;
        }
        for r in (0..n).filter(|&r| diagonal(r)) {
            cols[row_ptr[r]] = r;
            row_ptr[r] += 1;
        }
        // Each `row_ptr[r]` is now the end of row r, the start of row r + 1.
        row_ptr.copy_within(0..n, 1);
        row_ptr[0] = 0;
        // Sort each row and drop repeats, compacting in place: the write
        // position never passes the row being read.
        let mut out = 0;
        for r in 0..n {
            let (start, end) = (row_ptr[r], row_ptr[r + 1]);
            row_ptr[r] = out;
            sort_row(&mut cols[start..end]);
            for q in start..end {
                if q == start || cols[q] != cols[q - 1] {
                    cols[out] = cols[q];
                    out += 1;
                }
            }
        }
        row_ptr[n] = out;
        cols.truncate(out);
        Pattern {
            nrows: n,
            ncols: n,
            row_ptr,
            cols,
        }
    }

    /// A pattern from sorted, unique rows.
    pub(crate) fn from_rows(ncols: usize, rows: Vec<Vec<usize>>) -> Self {
        let mut row_ptr = Vec::with_capacity(rows.len() + 1);
        row_ptr.push(0);
        let mut cols = Vec::new();
        for r in &rows {
            cols.extend_from_slice(r);
            row_ptr.push(cols.len());
        }
        Pattern {
            nrows: rows.len(),
            ncols,
            row_ptr,
            cols,
        }
    }

    /// The number of rows.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// assert_eq!(Pattern::from_entries(3, 2, []).nrows(), 3);
    /// ```
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// The number of columns.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// assert_eq!(Pattern::from_entries(3, 2, []).ncols(), 2);
    /// ```
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// The number of structural nonzeros.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// assert_eq!(Pattern::from_entries(3, 3, [(0, 0), (2, 1)]).nnz(), 2);
    /// ```
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }

    /// The sorted columns of row `i`.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// let p = Pattern::from_entries(2, 3, [(0, 2), (0, 0)]);
    /// assert_eq!(p.row(0), &[0, 2]);
    /// assert!(p.row(1).is_empty());
    /// ```
    pub fn row(&self, i: usize) -> &[usize] {
        &self.cols[self.row_ptr[i]..self.row_ptr[i + 1]]
    }

    /// Whether `(i, j)` is a structural nonzero.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// let p = Pattern::from_entries(2, 2, [(0, 1)]);
    /// assert!(p.contains(0, 1) && !p.contains(1, 0));
    /// ```
    pub fn contains(&self, i: usize, j: usize) -> bool {
        i < self.nrows && self.row(i).binary_search(&j).is_ok()
    }

    /// The half-bandwidth `max |i − j|` over the nonzeros (0 if none).
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// assert_eq!(Pattern::from_entries(5, 5, [(0, 3), (4, 4)]).bandwidth(), 3);
    /// ```
    pub fn bandwidth(&self) -> usize {
        (0..self.nrows)
            .filter_map(|i| {
                let r = self.row(i);
                let lo = r.first()?;
                let hi = r.last()?;
                Some(i.abs_diff(*lo).max(i.abs_diff(*hi)))
            })
            .max()
            .unwrap_or(0)
    }

    /// The largest number of nonzeros in a row: a lower bound on the
    /// number of colours of any column colouring.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// assert_eq!(Pattern::from_entries(2, 3, [(0, 0), (1, 0), (1, 2)]).max_row_nnz(), 2);
    /// ```
    pub fn max_row_nnz(&self) -> usize {
        (0..self.nrows)
            .map(|i| self.row_ptr[i + 1] - self.row_ptr[i])
            .max()
            .unwrap_or(0)
    }

    /// The transposed pattern (compressed columns of `self`).
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// let p = Pattern::from_entries(2, 3, [(0, 2), (1, 0)]);
    /// assert_eq!(p.transpose(), Pattern::from_entries(3, 2, [(2, 0), (0, 1)]));
    /// ```
    pub fn transpose(&self) -> Pattern {
        let mut row_ptr = vec![0usize; self.ncols + 1];
        for &j in &self.cols {
            row_ptr[j + 1] += 1;
        }
        for j in 0..self.ncols {
            row_ptr[j + 1] += row_ptr[j];
        }
        let mut next = row_ptr.clone();
        let mut cols = vec![0usize; self.cols.len()];
        // Rows in increasing order: each transposed row comes out sorted.
        for i in 0..self.nrows {
            for &j in self.row(i) {
                cols[next[j]] = i;
                next[j] += 1;
            }
        }
        Pattern {
            nrows: self.ncols,
            ncols: self.nrows,
            row_ptr,
            cols,
        }
    }

    /// The row pointers (`nrows + 1` offsets into the column indices).
    pub(crate) fn row_ptr(&self) -> &[usize] {
        &self.row_ptr
    }
}

/// Sorts a row: by insertion when short (most rows of a sparse Hessian,
/// and nearly sorted already), else by the standard sort.
fn sort_row(row: &mut [usize]) {
    if row.len() > 16 {
        row.sort_unstable();
        return;
    }
    for k in 1..row.len() {
        let v = row[k];
        let mut m = k;
        while m > 0 && row[m - 1] > v {
            row[m] = row[m - 1];
            m -= 1;
        }
        row[m] = v;
    }
}
