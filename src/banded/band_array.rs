//! The LAPACK band array under every banded type: the accessors written
//! once.
//!
//! An `n × n` band with `kl` sub- and `ku` super-diagonals is stored
//! column-major with leading dimension `kl + ku + 1`:
//! `ab[ku + i − j][j] = A[i][j]`. A general matrix ([`super::Banded`])
//! keeps both sides; a symmetric one ([`super::SymBanded`]) keeps one
//! triangle, which is the same array with `(kl, ku) = (0, k)` (upper) or
//! `(k, 0)` (lower). The slot of `(i, j)` is therefore one formula with no
//! branch on the triangle. Slots outside the matrix (the corners) are kept
//! at zero.

use nalgebra::DMatrix;

use super::checks::ensure_len;
use crate::{Real, Result};

/// `n`, the two bandwidths and the column-major band array.
#[derive(Clone, PartialEq)]
pub(crate) struct BandArray<T> {
    pub(crate) n: usize,
    pub(crate) kl: usize,
    pub(crate) ku: usize,
    pub(crate) ab: Vec<T>,
}

impl<T: Real> BandArray<T> {
    pub(crate) fn zeros(n: usize, kl: usize, ku: usize) -> Self {
        BandArray {
            n,
            kl,
            ku,
            ab: vec![T::zero(); (kl + ku + 1) * n],
        }
    }

    /// Calls `f(i, j)` once for each slot inside the matrix.
    pub(crate) fn from_fn(
        n: usize,
        kl: usize,
        ku: usize,
        mut f: impl FnMut(usize, usize) -> T,
    ) -> Self {
        let mut a = Self::zeros(n, kl, ku);
        let ld = a.ld();
        for j in 0..n {
            for i in a.rows(j) {
                a.ab[j * ld + ku + i - j] = f(i, j);
            }
        }
        a
    }

    /// Wraps a band array of length `(kl + ku + 1)·n`, zeroing the slots
    /// outside the matrix.
    pub(crate) fn from_ab(
        op: &'static str,
        n: usize,
        kl: usize,
        ku: usize,
        ab: Vec<T>,
    ) -> Result<Self> {
        let ld = kl + ku + 1;
        ensure_len(op, ld * n, ab.len())?;
        let mut a = BandArray { n, kl, ku, ab };
        for j in 0..n {
            let rows = a.rows(j);
            let (r0, r1) = (ku + rows.start - j, ku + rows.end - j);
            let col = &mut a.ab[j * ld..(j + 1) * ld];
            col[..r0].fill(T::zero());
            col[r1..].fill(T::zero());
        }
        Ok(a)
    }

    /// The leading dimension `kl + ku + 1`.
    #[inline]
    pub(crate) fn ld(&self) -> usize {
        self.kl + self.ku + 1
    }

    /// The rows of column `j` inside both the band and the matrix.
    #[inline]
    pub(crate) fn rows(&self, j: usize) -> std::ops::Range<usize> {
        j.saturating_sub(self.ku)..self.n.min(j + self.kl + 1)
    }

    /// Whether `(i, j)` (both below `n`) lies in the band.
    #[inline]
    pub(crate) fn in_band(&self, i: usize, j: usize) -> bool {
        i <= j + self.kl && j <= i + self.ku
    }

    /// The index of `(i, j)` in `ab`; `(i, j)` must lie in the band.
    #[inline]
    pub(crate) fn slot(&self, i: usize, j: usize) -> usize {
        j * self.ld() + self.ku + i - j
    }

    /// `A[i][j]`, zero outside the band; panics (naming `op`) outside the
    /// matrix.
    pub(crate) fn get(&self, op: &str, i: usize, j: usize) -> T {
        assert!(
            i < self.n && j < self.n,
            "{op}: ({i}, {j}) out of range for n = {}",
            self.n
        );
        if self.in_band(i, j) {
            self.ab[self.slot(i, j)]
        } else {
            T::zero()
        }
    }

    /// Sets `A[i][j]`; panics (naming `op`) outside the matrix or the band.
    pub(crate) fn set(&mut self, op: &str, i: usize, j: usize, v: T) {
        assert!(
            i < self.n && j < self.n && self.in_band(i, j),
            "{op}: ({i}, {j}) outside the matrix or the band (n = {}, kl = {}, ku = {})",
            self.n,
            self.kl,
            self.ku
        );
        let s = self.slot(i, j);
        self.ab[s] = v;
    }

    /// `ab[row][col]`; panics (naming `op`) outside the array.
    pub(crate) fn ab(&self, op: &str, row: usize, col: usize) -> T {
        assert!(
            row < self.ld() && col < self.n,
            "{op}: ab[{row}][{col}] out of range for a {} × {} band array",
            self.ld(),
            self.n
        );
        self.ab[col * self.ld() + row]
    }

    /// `A ← A + τI`.
    pub(crate) fn add_diagonal(&mut self, tau: T) {
        let (ku, ld) = (self.ku, self.ld());
        for col in self.ab.chunks_exact_mut(ld) {
            col[ku] += tau;
        }
    }

    /// The first stored entry that is NaN or infinite.
    pub(crate) fn first_non_finite(&self) -> Option<usize> {
        self.ab.iter().position(|v| !v.is_finite_all())
    }

    /// The dense matrix of the stored band; with `mirror`, each stored
    /// entry is also written at its transposed place (one stored triangle
    /// of a symmetric matrix).
    pub(crate) fn to_dmatrix(&self, mirror: bool) -> DMatrix<T> {
        let mut m = DMatrix::zeros(self.n, self.n);
        for j in 0..self.n {
            for i in self.rows(j) {
                let v = self.ab[self.slot(i, j)];
                m[(i, j)] = v;
                if mirror {
                    m[(j, i)] = v;
                }
            }
        }
        m
    }

    /// Whether `entry(i, j)` of `self` and `other` satisfy `eq` over the
    /// union of both bands (`entry` reads either triangle).
    pub(crate) fn all_in_union(
        &self,
        other: &Self,
        entry: impl Fn(&Self, usize, usize) -> T,
        eq: impl Fn(T, T) -> bool,
    ) -> bool {
        let (kl, ku) = (self.kl.max(other.kl), self.ku.max(other.ku));
        self.n == other.n
            && (0..self.n).all(|j| {
                (j.saturating_sub(ku)..self.n.min(j + kl + 1))
                    .all(|i| eq(entry(self, i, j), entry(other, i, j)))
            })
    }

    /// `Debug` body: dense-looking rows for `n <= 12` (`.` outside the
    /// band), a one-line summary otherwise.
    pub(crate) fn debug(
        &self,
        f: &mut std::fmt::Formatter<'_>,
        name: &str,
        summary: &str,
        entry: impl Fn(usize, usize) -> Option<T>,
    ) -> std::fmt::Result {
        if self.n > 12 {
            return write!(f, "{name} {{ {summary} }}");
        }
        writeln!(f, "{name} {{ {summary}")?;
        for i in 0..self.n {
            write!(f, "  [")?;
            for j in 0..self.n {
                match entry(i, j) {
                    Some(v) => write!(f, " {:>9}", format!("{:.4}", v))?,
                    None => write!(f, " {:>9}", ".")?,
                }
            }
            writeln!(f, " ]")?;
        }
        write!(f, "}}")
    }
}

/// The slot of `(i, j)`, `j − k ≤ i ≤ j`, in an upper band array of
/// half-bandwidth `k` (the layout of [`super::SymBanded::as_slice`]):
/// column `j`, row `k + i − j`.
#[inline(always)]
pub(crate) fn upper_slot(k: usize, i: usize, j: usize) -> usize {
    j * (k + 1) + k + i - j
}

/// Row `i` of the symmetric matrix whose upper band array (order `n`,
/// half-bandwidth `k`) is `ab`: `f(j, A_ij)` for `j` from `i − k` to
/// `i + k` inside the matrix, in increasing order. The left part is column
/// `i`, the right part one entry of each of the next `k` columns.
#[inline(always)]
pub(crate) fn upper_row<T: Copy>(
    ab: &[T],
    n: usize,
    k: usize,
    i: usize,
    mut f: impl FnMut(usize, T),
) {
    let lo = i.saturating_sub(k);
    let col = &ab[i * (k + 1)..(i + 1) * (k + 1)];
    for (j, &v) in (lo..=i).zip(&col[k + lo - i..]) {
        f(j, v);
    }
    for j in i + 1..n.min(i + k + 1) {
        f(j, ab[upper_slot(k, i, j)]);
    }
}
