//! Banded LU with partial pivoting: `A = P L U` (LAPACK `gbtrf`/`gbtrs`).
//!
//! `A` has `kl` sub- and `ku` super-diagonals. Row interchanges let `U` fill
//! up to `kl + ku` super-diagonals, so the factor lives in a
//! `(2 kl + ku + 1) × n` column-major array with `kv = kl + ku`:
//!
//! ```text
//! fac[kv + i − j][j] = U[i][j]      for max(0, j − kv) <= i <= j
//! fac[kv + i − j][j] = L[i][j]      for j < i <= min(n − 1, j + kl)   (multipliers)
//! ```
//!
//! `L` is unit lower triangular with `kl` sub-diagonals, applied as the
//! product `L₀ P₀ L₁ P₁ …` with the row swaps `ipiv[j]` of LAPACK. Time
//! `O(n kl (kl + ku))`, memory `O(n (2kl + ku))`. An exactly zero pivot is
//! [`Error::Singular`] naming its column; NaN or infinity is
//! [`Error::NonFinite`]. Tridiagonal matrices (`kl = ku = 1`) take a
//! specialised kernel with the same storage and pivots (LAPACK `gttrf`).

use nalgebra::DVector;

use super::checks::{LuFail, check_finite, ensure_len, finite_solution};
use super::storage_general::Banded;
use super::tridiagonal::{lu3_factor, lu3_solve};
use crate::kernels::level::vectorized;
use crate::{Error, Real, Result};

/// The LU factorisation of a general banded matrix.
///
/// ```
/// use lensdiff::banded::Banded;
/// use nalgebra::dvector;
/// // Needs pivoting: A[0][0] = 0.
/// let a = Banded::from_fn(3, 1, 1, |i, j| if i == j { (i as f64) } else { 1.0 });
/// let lu = a.lu().unwrap();
/// let x = dvector![1.0, 2.0, 3.0];
/// let b = a.mul_vec(&x);
/// assert!((lu.solve(&b).unwrap() - &x).norm() < 1e-14);
/// let bt = a.transpose().mul_vec(&x);
/// assert!((lu.solve_transposed(&bt).unwrap() - x).norm() < 1e-14);
/// ```
#[derive(Clone, Debug)]
pub struct BandedLu<T> {
    n: usize,
    kl: usize,
    ku: usize,
    fac: Vec<T>,
    ipiv: Vec<usize>,
    /// `sign det A`, recorded by the factorisation.
    det_sign: T,
}

impl<T: Real> Banded<T> {
    /// Factors `A = P L U`, leaving `self` untouched.
    ///
    /// # Errors
    /// [`Error::Singular`] with the first column whose pivot candidates are
    /// all exactly zero; [`Error::NonFinite`] with `what = "matrix"` and the
    /// index into [`as_slice`](Banded::as_slice) of a NaN or infinite entry
    /// (`what = "factor"` and the column if the elimination overflowed).
    ///
    /// ```
    /// use lensdiff::{banded::Banded, Error};
    /// // Column 1 is zero after eliminating column 0.
    /// let a = Banded::from_fn(3, 1, 1, |i, j| match (i, j) {
    ///     (2, 2) => 1.0,
    ///     (2, 1) => 0.0,
    ///     _ => 1.0,
    /// });
    /// assert_eq!(a.lu().unwrap_err(), Error::Singular { column: 1 });
    /// ```
    pub fn lu(&self) -> Result<BandedLu<T>> {
        let mut lu = BandedLu::empty();
        lu.refactor(self)?;
        Ok(lu)
    }
}

impl<T: Real> BandedLu<T> {
    /// Factors `a` into `self`, reusing its buffers: repeated
    /// factorisations of the same size (an optimiser's iterations)
    /// allocate nothing. Errors as [`Banded::lu`]; after an error `self`
    /// holds no usable factorisation.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// use nalgebra::dvector;
    /// let a = Banded::from_fn(3, 1, 1, |i, j| if i == j { 4.0 } else { 1.0 });
    /// let mut lu = a.lu().unwrap();
    /// let b = a.shifted(1.0);
    /// lu.refactor(&b).unwrap();
    /// let x = dvector![1.0, 2.0, 3.0];
    /// assert!((lu.solve(&b.mul_vec(&x)).unwrap() - x).amax() < 1e-14);
    /// ```
    pub fn refactor(&mut self, a: &Banded<T>) -> Result<()> {
        self.refactor_with(a, &mut [], false)
    }

    /// An empty factorisation, for [`refactor_forward`](Self::refactor_forward).
    pub(crate) fn empty() -> Self {
        BandedLu {
            n: 0,
            kl: 0,
            ku: 0,
            fac: Vec::new(),
            ipiv: Vec::new(),
            det_sign: T::zero(),
        }
    }

    /// [`refactor`](Self::refactor), applying the row swaps and `L⁻¹` of
    /// each elimination step to every right-hand side of `rhs` while the
    /// step's column is in cache: what is left of a solve is
    /// [`solve_upper_pair_mut`](Self::solve_upper_pair_mut), one pass over
    /// the factor instead of two. The bits are those of `refactor` and
    /// [`solve_mut`](Self::solve_mut), the same operations in the same
    /// order, except for `kl = ku = 1`, which `refactor` gives to a
    /// tridiagonal kernel (equal there to rounding). After an error the
    /// right-hand sides are void.
    pub(crate) fn refactor_forward(&mut self, a: &Banded<T>, rhs: &mut [&mut [T]]) -> Result<()> {
        for r in rhs.iter() {
            ensure_len("BandedLu::refactor_forward", a.n(), r.len())?;
        }
        self.refactor_with(a, rhs, true)
    }

    /// The factorisation; `general` takes the general kernel for every
    /// band (the tridiagonal kernel applies no right-hand side).
    fn refactor_with(&mut self, a: &Banded<T>, rhs: &mut [&mut [T]], general: bool) -> Result<()> {
        let (n, kl, ku) = (a.n(), a.kl(), a.ku());
        let ld = 2 * kl + ku + 1;
        (self.n, self.kl, self.ku) = (n, kl, ku);
        self.det_sign = T::zero();
        self.fac.resize(ld * n, T::zero());
        self.ipiv.resize(n, 0);
        let res = if (kl, ku) == (1, 1) && !general {
            for (dst, src) in self
                .fac
                .chunks_exact_mut(4)
                .zip(a.as_slice().chunks_exact(3))
            {
                dst[0] = T::zero();
                dst[1..].copy_from_slice(src);
            }
            lu3_factor(&mut self.fac, &mut self.ipiv)
                .map(|()| sign_of_factor(1, 1, &self.fac, &self.ipiv))
        } else {
            // At the widest instruction set the CPU has (no contraction
            // into FMA: the same roundings at every level).
            vectorized(|| lu_factor(kl, ku, a.as_slice(), &mut self.fac, &mut self.ipiv, rhs))
        };
        match res {
            Ok(sign) => {
                self.det_sign = sign;
                Ok(())
            }
            Err(LuFail::Singular(column)) => Err(Error::Singular { column }),
            Err(LuFail::NonFinite(j)) => Err(match a.first_non_finite() {
                Some(i) => Error::NonFinite {
                    what: "matrix",
                    index: Some(i),
                },
                None => Error::NonFinite {
                    what: "factor",
                    index: Some(j),
                },
            }),
        }
    }

    /// Order of the factored matrix.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// assert_eq!(Banded::from_fn(3, 1, 0, |_, _| 1.0).lu().unwrap().n(), 3);
    /// ```
    pub fn n(&self) -> usize {
        self.n
    }

    /// `(kl, ku)` of the factored matrix.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let lu = Banded::from_fn(3, 1, 2, |i, j| if i == j { 4.0 } else { 1.0 }).lu().unwrap();
    /// assert_eq!(lu.bandwidths(), (1, 2));
    /// ```
    pub fn bandwidths(&self) -> (usize, usize) {
        (self.kl, self.ku)
    }

    /// Solves `A x = b` in place.
    ///
    /// # Errors
    /// [`Error::DimensionMismatch`] if `b.len() != n`; [`Error::NonFinite`]
    /// (`what = "rhs"` or `"solution"`) for NaN/infinity in `b` or an
    /// overflowed solution.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(2, 1, 1, |i, j| if i == j { 0.0 } else { 2.0 });
    /// let mut b = [2.0, 4.0];
    /// a.lu().unwrap().solve_mut(&mut b).unwrap();
    /// assert_eq!(b, [2.0, 1.0]);
    /// ```
    pub fn solve_mut(&self, b: &mut [T]) -> Result<()> {
        self.check_rhs("BandedLu::solve", b)?;
        self.solve_unchecked(b);
        check_finite("solution", b)
    }

    /// Solves `A x = b` and `A y = c` in place in one pass over the
    /// factors: the same results as two [`solve_mut`](Self::solve_mut)
    /// calls, at about the memory traffic of one, the two substitutions'
    /// chains of dependent operations interleaved.
    ///
    /// # Errors
    /// As [`solve_mut`](Self::solve_mut) for either right-hand side
    /// (`b` first); after an error both may be partly solved.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(3, 2, 1, |i, j| if i == j { 0.5 } else { (i + 2 * j) as f64 });
    /// let lu = a.lu().unwrap();
    /// let (mut b, mut c) = ([1.0, 2.0, 3.0], [-1.0, 0.5, 4.0]);
    /// let (mut b1, mut c1) = (b, c);
    /// lu.solve_pair_mut(&mut b, &mut c).unwrap();
    /// lu.solve_mut(&mut b1).unwrap();
    /// lu.solve_mut(&mut c1).unwrap();
    /// assert_eq!((b, c), (b1, c1));
    /// ```
    pub fn solve_pair_mut(&self, b: &mut [T], c: &mut [T]) -> Result<()> {
        self.check_rhs("BandedLu::solve_pair", b)?;
        self.check_rhs("BandedLu::solve_pair", c)?;
        if (self.kl, self.ku) == (1, 1) {
            lu3_solve(&self.fac, &self.ipiv, b);
            lu3_solve(&self.fac, &self.ipiv, c);
        } else {
            vectorized(|| lu_solve_pair(self.kl, self.ku, &self.fac, &self.ipiv, b, c));
        }
        check_finite("solution", b)?;
        check_finite("solution", c)
    }

    /// The rest of two solves after
    /// [`refactor_forward`](Self::refactor_forward) carried both
    /// right-hand sides through `P` and `L⁻¹`: the back substitutions
    /// `U x = b`, `U y = c` in one pass over the factor. Errors as
    /// [`solve_pair_mut`](Self::solve_pair_mut).
    pub(crate) fn solve_upper_pair_mut(&self, b: &mut [T], c: &mut [T]) -> Result<()> {
        ensure_len("BandedLu::solve_upper_pair", self.n, b.len())?;
        ensure_len("BandedLu::solve_upper_pair", self.n, c.len())?;
        vectorized(|| lu_back_pair(self.kl, self.ku, &self.fac, b, c));
        check_finite("solution", b)?;
        check_finite("solution", c)
    }

    /// Solves `A x = b`.
    ///
    /// # Errors
    /// As [`solve_mut`](Self::solve_mut).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// use nalgebra::dvector;
    /// let a = Banded::from_fn(2, 0, 1, |_, _| 1.0); // [1 1; 0 1]
    /// assert_eq!(a.lu().unwrap().solve(&dvector![3.0, 1.0]).unwrap(), dvector![2.0, 1.0]);
    /// ```
    pub fn solve(&self, b: &DVector<T>) -> Result<DVector<T>> {
        ensure_len("BandedLu::solve", self.n, b.len())?;
        let mut x = b.clone();
        self.solve_unchecked(x.as_mut_slice());
        finite_solution(b.as_slice(), x)
    }

    /// Solves `Aᵀ x = b` in place.
    ///
    /// # Errors
    /// As [`solve_mut`](Self::solve_mut).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(2, 0, 1, |_, _| 1.0); // Aᵀ = [1 0; 1 1]
    /// let mut b = [1.0, 3.0];
    /// a.lu().unwrap().solve_transposed_mut(&mut b).unwrap();
    /// assert_eq!(b, [1.0, 2.0]);
    /// ```
    pub fn solve_transposed_mut(&self, b: &mut [T]) -> Result<()> {
        self.check_rhs("BandedLu::solve_transposed", b)?;
        lu_solve_transposed(self.kl, self.ku, &self.fac, &self.ipiv, b);
        check_finite("solution", b)
    }

    /// Solves `Aᵀ x = b`.
    ///
    /// # Errors
    /// As [`solve_mut`](Self::solve_mut).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// use nalgebra::dvector;
    /// let a = Banded::from_fn(2, 0, 1, |_, _| 1.0);
    /// let x = a.lu().unwrap().solve_transposed(&dvector![1.0, 3.0]).unwrap();
    /// assert_eq!(x, dvector![1.0, 2.0]);
    /// ```
    pub fn solve_transposed(&self, b: &DVector<T>) -> Result<DVector<T>> {
        let mut x = b.clone();
        self.solve_transposed_mut(x.as_mut_slice())?;
        Ok(x)
    }

    /// The sign of `det A`, recorded while factoring (`0` after a
    /// failed [`refactor`](Self::refactor)): the inertia test of a KKT
    /// matrix needs only this, without a pass over the pivots.
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// // [[0, 1], [1, 0]]: det = −1.
    /// let lu = Banded::from_fn(2, 1, 1, |i, j| if i == j { 0.0 } else { 1.0 }).lu().unwrap();
    /// assert_eq!(lu.determinant_sign(), -1.0);
    /// assert_eq!(lu.determinant_sign(), lu.log_abs_determinant().1);
    /// ```
    pub fn determinant_sign(&self) -> T {
        self.det_sign
    }

    /// `ln |det A|` and the sign of `det A` (`±1`).
    ///
    /// ```
    /// use lensdiff::banded::Banded;
    /// let a = Banded::from_fn(2, 1, 1, |i, j| if i == j { 0.0 } else { 2.0 });
    /// let (log_abs, sign) = a.lu().unwrap().log_abs_determinant();
    /// assert!((log_abs - 4f64.ln()).abs() < 1e-15);
    /// assert_eq!(sign, -1.0);
    /// ```
    pub fn log_abs_determinant(&self) -> (T, T) {
        let kv = self.kl + self.ku;
        let ld = kv + self.kl + 1;
        let mut sign = T::one();
        let mut s = T::zero();
        for (j, col) in self.fac.chunks_exact(ld).enumerate() {
            let u = col[kv];
            if u < T::zero() {
                sign = -sign;
            }
            if self.ipiv[j] != j {
                sign = -sign;
            }
            s += u.abs().ln();
        }
        (s, sign)
    }

    fn solve_unchecked(&self, b: &mut [T]) {
        if (self.kl, self.ku) == (1, 1) {
            lu3_solve(&self.fac, &self.ipiv, b);
        } else {
            vectorized(|| lu_solve(self.kl, self.ku, &self.fac, &self.ipiv, b));
        }
    }

    fn check_rhs(&self, op: &'static str, b: &[T]) -> Result<()> {
        ensure_len(op, self.n, b.len())?;
        check_finite("rhs", b)
    }
}

/// `sign det A` from a factor (`0` for an exact zero pivot), for the
/// tridiagonal kernel; [`lu_factor`] records it as it goes.
fn sign_of_factor<T: Real>(kl: usize, ku: usize, fac: &[T], ipiv: &[usize]) -> T {
    let kv = kl + ku;
    let mut negative = false;
    for (j, col) in fac.chunks_exact(kv + kl + 1).enumerate() {
        let u = col[kv];
        if u == T::zero() {
            return T::zero();
        }
        negative ^= (u < T::zero()) != (ipiv[j] != j);
    }
    if negative { -T::one() } else { T::one() }
}

/// `y[i] −= x[i] a` for `i < K`, one rounding each as the plain loop:
/// with the length known the loop compiles to straight-line vector code.
#[inline(always)]
fn sub_scaled_fixed<T: Real, const K: usize>(y: &mut [T], x: &[T], a: T) {
    let y: &mut [T; K] = (&mut y[..K]).try_into().expect("K entries");
    let x: &[T; K] = (&x[..K]).try_into().expect("K entries");
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi -= *xi * a;
    }
}

/// `y[i] −= x[i] a` (equal lengths), by [`sub_scaled_fixed`] for the
/// lengths of small bands (a predictable jump per call).
#[inline(always)]
fn sub_scaled<T: Real>(y: &mut [T], x: &[T], a: T) {
    debug_assert_eq!(y.len(), x.len());
    macro_rules! fixed {
        ($($k:literal)*) => {
            match y.len() {
                $($k => sub_scaled_fixed::<T, $k>(y, x, a),)*
                _ => {
                    for (yi, xi) in y.iter_mut().zip(x) {
                        *yi -= *xi * a;
                    }
                }
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

/// One elimination step on the `ncols` columns right of the pivot, for
/// `K = km` multipliers `l`: swap rows `0` and `p` of each column's
/// segment (rows `j..=j+K`, one per `stride`-long chunk of `right`), then
/// subtract `l u` unless `u`, the pivot row's entry, is zero.
#[inline(always)]
fn eliminate<T: Real, const K: usize>(
    right: &mut [T],
    stride: usize,
    ncols: usize,
    l: &[T],
    p: usize,
) {
    let l: [T; K] = std::array::from_fn(|i| l[i]);
    for cc in right.chunks_mut(stride).take(ncols) {
        let cc: &mut [T] = &mut cc[..=K];
        cc.swap(0, p);
        let u = cc[0];
        if u != T::zero() {
            let y: &mut [T; K] = (&mut cc[1..]).try_into().expect("K entries");
            for (yi, li) in y.iter_mut().zip(&l) {
                *yi -= *li * u;
            }
        }
    }
}

/// [`eliminate`] for any `km`.
fn eliminate_any<T: Real>(right: &mut [T], stride: usize, ncols: usize, l: &[T], p: usize) {
    let km = l.len();
    for cc in right.chunks_mut(stride).take(ncols) {
        let cc = &mut cc[..=km];
        cc.swap(0, p);
        let u = cc[0];
        if u != T::zero() {
            for (yi, li) in cc[1..].iter_mut().zip(l) {
                *yi -= *li * u;
            }
        }
    }
}

/// `A = P L U` into the `(2kl+ku+1) × n` array `fac` from `A`'s
/// `(kl+ku+1) × n` band array `ab`; returns `sign det A`.
///
/// Column `c` is copied in (under `kl` zero rows) at step `c − kv`, the
/// first that can touch it, so each column is written once while it is in
/// cache rather than in a separate pass over the whole array.
#[inline(always)]
fn lu_factor<T: Real>(
    kl: usize,
    ku: usize,
    ab: &[T],
    fac: &mut [T],
    ipiv: &mut [usize],
    rhs: &mut [&mut [T]],
) -> std::result::Result<T, LuFail> {
    let kv = kl + ku;
    let (ld0, ld) = (kv + 1, kv + kl + 1);
    let n = ipiv.len();
    debug_assert_eq!((ab.len(), fac.len()), (ld0 * n, ld * n));
    let load = |fac: &mut [T], c: usize| {
        let dst = &mut fac[c * ld..(c + 1) * ld];
        dst[..kl].fill(T::zero());
        dst[kl..].copy_from_slice(&ab[c * ld0..(c + 1) * ld0]);
    };
    for c in 0..n.min(kv) {
        load(fac, c);
    }
    let mut negative = false;
    let mut ju = 0;
    for j in 0..n {
        if j + kv < n {
            load(fac, j + kv);
        }
        let (left, right) = fac.split_at_mut((j + 1) * ld);
        let col = &mut left[j * ld..];
        // No short cut: the whole column in one vectorisable pass.
        if !col.iter().fold(true, |ok, v| ok & v.is_finite_all()) {
            return Err(LuFail::NonFinite(j));
        }
        let km = kl.min(n - 1 - j);
        // Pivot: largest magnitude among A[j..=j+km][j] (first on ties).
        let cand = &col[kv..=kv + km];
        let mut p = 0;
        let mut best = cand[0].abs();
        for (t, v) in cand.iter().enumerate().skip(1) {
            if v.abs() > best {
                best = v.abs();
                p = t;
            }
        }
        ipiv[j] = j + p;
        if best == T::zero() {
            return Err(LuFail::Singular(j));
        }
        if km == 0 {
            // The last column (or kl = 0): no multipliers, no swap.
            negative ^= col[kv] < T::zero();
            continue;
        }
        ju = ju.max((j + ku + p).min(n - 1));
        col.swap(kv, kv + p);
        negative ^= (col[kv] < T::zero()) != (p != 0);
        let inv = T::one() / col[kv];
        let l = &mut col[kv + 1..=kv + km];
        for v in l.iter_mut() {
            *v *= inv;
        }
        let l = &*l;
        // The forward substitution's step j on each right-hand side, as
        // `lu_solve` takes it.
        for r in rhs.iter_mut() {
            r.swap(j, j + p);
            let (head, tail) = r.split_at_mut(j + 1);
            sub_scaled(&mut tail[..km], l, head[j]);
        }
        // Rows j..=j+km of column c start at (c − j − 1)(ld − 1) + kv − 1
        // in `right`: one chunk of length ld − 1 per column.
        let (right, ncols) = (&mut right[kv - 1..], ju - j);
        // The multipliers in registers for the band widths of small kl.
        match km {
            1 => eliminate::<T, 1>(right, ld - 1, ncols, l, p),
            2 => eliminate::<T, 2>(right, ld - 1, ncols, l, p),
            3 => eliminate::<T, 3>(right, ld - 1, ncols, l, p),
            4 => eliminate::<T, 4>(right, ld - 1, ncols, l, p),
            5 => eliminate::<T, 5>(right, ld - 1, ncols, l, p),
            6 => eliminate::<T, 6>(right, ld - 1, ncols, l, p),
            7 => eliminate::<T, 7>(right, ld - 1, ncols, l, p),
            8 => eliminate::<T, 8>(right, ld - 1, ncols, l, p),
            _ => eliminate_any(right, ld - 1, ncols, l, p),
        }
    }
    Ok(if negative { -T::one() } else { T::one() })
}

/// Solves `A x = b` in place with the factor of [`lu_factor`].
#[inline(always)]
fn lu_solve<T: Real>(kl: usize, ku: usize, fac: &[T], ipiv: &[usize], x: &mut [T]) {
    let kv = kl + ku;
    let ld = kv + kl + 1;
    let n = x.len();
    if kl > 0 {
        for (j, col) in fac.chunks_exact(ld).enumerate().take(n.saturating_sub(1)) {
            let km = kl.min(n - 1 - j);
            x.swap(j, ipiv[j]);
            let (head, tail) = x.split_at_mut(j + 1);
            sub_scaled(&mut tail[..km], &col[kv + 1..=kv + km], head[j]);
        }
    }
    lu_back(kl, ku, fac, x);
}

/// The back substitution `U x = b` of [`lu_solve`], in place.
#[inline(always)]
fn lu_back<T: Real>(kl: usize, ku: usize, fac: &[T], x: &mut [T]) {
    let kv = kl + ku;
    let ld = kv + kl + 1;
    for (j, col) in fac.chunks_exact(ld).enumerate().rev() {
        let (head, tail) = x.split_at_mut(j);
        let xj = tail[0] / col[kv];
        tail[0] = xj;
        let m = j.min(kv);
        sub_scaled(&mut head[j - m..], &col[kv - m..kv], xj);
    }
}

/// [`lu_solve`] for two right-hand sides at once (each the same
/// operations in the same order).
#[inline(always)]
fn lu_solve_pair<T: Real>(
    kl: usize,
    ku: usize,
    fac: &[T],
    ipiv: &[usize],
    x: &mut [T],
    y: &mut [T],
) {
    let kv = kl + ku;
    let ld = kv + kl + 1;
    let n = x.len();
    debug_assert_eq!(y.len(), n);
    if kl > 0 {
        for (j, col) in fac.chunks_exact(ld).enumerate().take(n.saturating_sub(1)) {
            let km = kl.min(n - 1 - j);
            let l = &col[kv + 1..=kv + km];
            x.swap(j, ipiv[j]);
            y.swap(j, ipiv[j]);
            let (xh, xt) = x.split_at_mut(j + 1);
            let (yh, yt) = y.split_at_mut(j + 1);
            sub_scaled(&mut xt[..km], l, xh[j]);
            sub_scaled(&mut yt[..km], l, yh[j]);
        }
    }
    lu_back_pair(kl, ku, fac, x, y);
}

/// [`lu_back`] for two right-hand sides at once.
#[inline(always)]
fn lu_back_pair<T: Real>(kl: usize, ku: usize, fac: &[T], x: &mut [T], y: &mut [T]) {
    let kv = kl + ku;
    let ld = kv + kl + 1;
    for (j, col) in fac.chunks_exact(ld).enumerate().rev() {
        let (xh, xt) = x.split_at_mut(j);
        let (yh, yt) = y.split_at_mut(j);
        let (xj, yj) = (xt[0] / col[kv], yt[0] / col[kv]);
        (xt[0], yt[0]) = (xj, yj);
        let m = j.min(kv);
        let u = &col[kv - m..kv];
        sub_scaled(&mut xh[j - m..], u, xj);
        sub_scaled(&mut yh[j - m..], u, yj);
    }
}

/// Solves `Aᵀ x = b` in place with the factor of [`lu_factor`].
fn lu_solve_transposed<T: Real>(kl: usize, ku: usize, fac: &[T], ipiv: &[usize], x: &mut [T]) {
    let kv = kl + ku;
    let ld = kv + kl + 1;
    let n = x.len();
    // Uᵀ y = b.
    for (j, col) in fac.chunks_exact(ld).enumerate() {
        let m = j.min(kv);
        let s = x[j - m..j]
            .iter()
            .zip(&col[kv - m..kv])
            .fold(T::zero(), |s, (xi, u)| s + *xi * *u);
        x[j] = (x[j] - s) / col[kv];
    }
    // Lᵀ Pᵀ: undo the elimination steps in reverse.
    if kl > 0 {
        for (j, col) in fac
            .chunks_exact(ld)
            .enumerate()
            .take(n.saturating_sub(1))
            .rev()
        {
            let km = kl.min(n - 1 - j);
            let s = x[j + 1..=j + km]
                .iter()
                .zip(&col[kv + 1..=kv + km])
                .fold(T::zero(), |s, (xi, l)| s + *xi * *l);
            x[j] -= s;
            let p = ipiv[j];
            if p != j {
                x.swap(j, p);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A band with every entry distinct and rows that need pivoting.
    fn band(n: usize, kl: usize, ku: usize) -> Banded<f64> {
        Banded::from_fn(n, kl, ku, |i, j| {
            let t = (i * 7 + j * 13) % 17;
            if i == j {
                0.1 * t as f64 + 0.05
            } else {
                t as f64 - 8.5
            }
        })
    }

    #[test]
    fn the_forward_substitution_inside_the_factorisation_gives_the_solves_bits() {
        let n = 40;
        for (kl, ku) in [(0, 2), (2, 0), (1, 2), (3, 3), (8, 8), (9, 4), (1, 1)] {
            let a = band(n, kl, ku);
            let b: Vec<f64> = (0..n).map(|i| (i as f64 * 0.37).sin()).collect();
            let c: Vec<f64> = (0..n).map(|i| 1.0 / (1.0 + i as f64)).collect();
            let lu = a.lu().unwrap();
            let (mut b_ref, mut c_ref) = (b.clone(), c.clone());
            lu.solve_mut(&mut b_ref).unwrap();
            lu.solve_mut(&mut c_ref).unwrap();
            let mut fused = BandedLu::empty();
            let (mut b2, mut c2) = (b.clone(), c.clone());
            fused.refactor_forward(&a, &mut [&mut b2, &mut c2]).unwrap();
            fused.solve_upper_pair_mut(&mut b2, &mut c2).unwrap();
            assert_eq!(fused.determinant_sign(), lu.determinant_sign());
            if (kl, ku) == (1, 1) {
                for (x, y) in b2.iter().chain(&c2).zip(b_ref.iter().chain(&c_ref)) {
                    assert!((x - y).abs() <= 1e-12 * (1.0 + y.abs()), "({kl}, {ku})");
                }
            } else {
                assert_eq!((&b2, &c2), (&b_ref, &c_ref), "({kl}, {ku})");
            }
            // The solution solves A x = b to rounding (backward error).
            let x = nalgebra::DVector::from_vec(b2.clone());
            let r = a.mul_vec(&x);
            let scale = 8.5 * (kl + ku + 1) as f64 * x.amax();
            for (ri, bi) in r.iter().zip(&b) {
                assert!((ri - bi).abs() <= 1e-13 * scale, "({kl}, {ku}) residual");
            }
        }
    }

    #[test]
    fn a_right_hand_side_of_another_length_is_an_error() {
        let a = band(5, 1, 2);
        let mut lu = BandedLu::empty();
        let mut short = vec![1.0; 4];
        assert!(matches!(
            lu.refactor_forward(&a, &mut [&mut short]),
            Err(Error::DimensionMismatch {
                expected: 5,
                found: 4,
                ..
            })
        ));
    }
}
