//! Regularised Cholesky for Newton methods: factor `A + τ I = L Lᵀ` with
//! the smallest `τ` of a geometric sequence that makes it positive definite.
//!
//! The sequence is `τ₀` (plain `A` when `τ₀ = 0`), then
//! `τ₁ = max(growth · τ₀, min_shift · s)` with `s = max_j |A[j][j]|` (or the largest
//! band entry, or 1, when that is zero), then `τ_{t+1} = growth · τ_t`, for
//! at most `max_tries` factorisations. Each try costs one `O(n k²)`
//! factorisation in a reused buffer (for `k = 1` read straight from `A`, so
//! a try that fails at pivot `j` costs `O(j)`). NaN or infinity in `A` is
//! an error up front, never a loop.

use super::cholesky::BandedCholesky;
use super::storage_sym::SymBanded;
use crate::{Error, Real, Result};

/// Tuning knobs of [`SymBanded::cholesky_shifted_with`].
///
/// ```
/// use lensdiff::banded::ShiftParams;
/// let p = ShiftParams::default();
/// assert_eq!((p.min_shift, p.growth, p.max_tries), (1e-8, 10.0, 40));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShiftParams {
    /// First nonzero shift, relative to the largest diagonal magnitude.
    pub min_shift: f64,
    /// Factor by which the shift grows after each failure (`> 1`).
    pub growth: f64,
    /// Maximum number of factorisations tried (`>= 1`).
    pub max_tries: usize,
}

impl Default for ShiftParams {
    fn default() -> Self {
        ShiftParams {
            min_shift: 1e-8,
            growth: 10.0,
            max_tries: 40,
        }
    }
}

impl<T: Real> SymBanded<T> {
    /// Factors `A + τ I` for the first `τ` of the sequence `τ₀`, then
    /// `max(growth · τ₀, min_shift · max_j |A[j][j]|)` growing by `growth`
    /// (default [`ShiftParams`]) that makes it positive definite; returns
    /// the factor and the `τ` used.
    ///
    /// # Errors
    /// [`Error::NonFinite`] if `A` holds NaN or infinity;
    /// [`Error::InvalidArgument`] if `tau0` is negative or not finite;
    /// [`Error::ShiftFailed`] with the last `τ` after `max_tries` failures.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// use nalgebra::dvector;
    /// // Indefinite: eigenvalues of [1 2; 2 1] are 3 and −1.
    /// let a = SymBanded::from_fn(2, 1, |i, j| if i == j { 1.0_f64 } else { 2.0 });
    /// assert!(a.cholesky().is_err());
    /// let (chol, tau) = a.cholesky_shifted(0.0).unwrap();
    /// assert!(tau > 1.0);
    /// assert!(a.shifted(tau).cholesky().is_ok());
    /// let x = chol.solve(&dvector![1.0, 1.0]).unwrap();
    /// assert!((x[0] - 1.0 / (3.0 + tau)).abs() < 1e-12);
    /// ```
    pub fn cholesky_shifted(&self, tau0: T) -> Result<(BandedCholesky<T>, T)> {
        self.cholesky_shifted_with(tau0, ShiftParams::default())
    }

    /// [`cholesky_shifted`](Self::cholesky_shifted) with explicit knobs.
    ///
    /// # Errors
    /// As [`cholesky_shifted`](Self::cholesky_shifted), plus
    /// [`Error::InvalidArgument`] for `growth <= 1`, `min_shift <= 0` or
    /// `max_tries == 0`.
    ///
    /// ```
    /// use lensdiff::{banded::{ShiftParams, SymBanded}, Error};
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { -5.0 } else { 0.0 });
    /// let p = ShiftParams { min_shift: 1e-3, growth: 10.0, max_tries: 3 };
    /// // Tries 0, 0.005, 0.05: all fail, the last one is reported.
    /// match a.cholesky_shifted_with(0.0, p) {
    ///     Err(Error::ShiftFailed { tau }) => assert!((tau - 0.05).abs() < 1e-15),
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn cholesky_shifted_with(
        &self,
        tau0: T,
        params: ShiftParams,
    ) -> Result<(BandedCholesky<T>, T)> {
        let op = "SymBanded::cholesky_shifted";
        if !(params.growth > 1.0 && params.min_shift > 0.0 && params.max_tries > 0) {
            return Err(Error::InvalidArgument {
                op,
                reason: format!("bad parameters {params:?}"),
            });
        }
        if !(tau0 >= T::zero() && tau0.is_finite_all()) {
            return Err(Error::InvalidArgument {
                op,
                reason: format!("tau0 = {tau0} must be finite and >= 0"),
            });
        }
        let mut scale = match max_abs_diagonal(self.as_slice(), self.k()) {
            Some(s) => s,
            None => {
                return Err(Error::NonFinite {
                    what: "matrix",
                    index: self.first_non_finite(),
                });
            }
        };
        let max_abs = |entries: &mut dyn Iterator<Item = T>| {
            entries.fold(T::zero(), |m, v| if v.abs() > m { v.abs() } else { m })
        };
        if scale == T::zero() {
            scale = max_abs(&mut self.as_slice().iter().copied());
        }
        if scale == T::zero() {
            scale = T::one();
        }
        let first = scale * T::from_f64(params.min_shift);
        let growth = T::from_f64(params.growth);
        let mut chol = BandedCholesky::empty();
        let mut tau = tau0;
        for t in 0..params.max_tries {
            if t == 1 {
                let grown = tau0 * growth;
                tau = if grown > first { grown } else { first };
            } else if t > 1 {
                tau *= growth;
            }
            match self.cholesky_shifted_into(tau, &mut chol) {
                Ok(()) => return Ok((chol, tau)),
                Err(Error::NotPositiveDefinite { .. }) | Err(Error::NonFinite { .. }) => {}
                Err(e) => return Err(e),
            }
            if !tau.is_finite_all() {
                break;
            }
        }
        Err(Error::ShiftFailed {
            tau: tau.value_f64(),
        })
    }
}

/// `max_j |A[j][j]|` of a band array with half-bandwidth `k`, or `None` if
/// an entry is not finite: one pass for both checks.
fn max_abs_diagonal<T: Real>(ab: &[T], k: usize) -> Option<T> {
    let mut finite = true;
    let mut max = T::zero();
    for col in ab.chunks_exact(k + 1) {
        finite &= col.iter().fold(true, |f, v| f & v.is_finite_all());
        let d = col[k].abs();
        if d > max {
            max = d;
        }
    }
    finite.then_some(max)
}
