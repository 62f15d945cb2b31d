//! The one shift policy: which shifts `τ` a regularised factorisation of
//! `A + τI` tries, used by [`SymBanded::cholesky_shifted_with`] and by
//! Newton's Levenberg tries on banded and envelope Hessians.
//!
//! The sequence is an optional first try `τ₀` (plain `A` when `τ₀ = 0`),
//! then the first nonzero shift
//!
//! ```text
//! τ₁ = max(at_least, τ_prev / 4)          after a shift that worked (τ_prev > 0)
//! τ₁ = max(at_least, min_shift · unit)    otherwise
//! ```
//!
//! then `τ_{t+1} = growth · τ_t`, for at most `max_tries` factorisations
//! in all, ending early at a non-finite shift. `at_least` is what the
//! caller knows the matrix needs (`growth · τ₀`; Newton: enough to lift
//! the smallest diagonal entry to `β`); `unit` is what `min_shift` is
//! measured in: the largest diagonal magnitude for `cholesky_shifted` (so
//! `min_shift = 1e-8` sits near `√ε ≈ 1.5e-8` relative to the matrix,
//! far above the rounding of its entries), 1 for Newton, whose `β` is absolute as in Nocedal & Wright.
//! Each try costs one factorisation in a reused buffer (for a band with
//! `k = 1` read straight from `A`, so a try that fails at pivot `j` costs
//! `O(j)`). NaN or infinity in `A` is an error up front, never a loop.

use super::cholesky::BandedCholesky;
use super::storage_sym::SymBanded;
use crate::{Error, Real, Result};

/// The knobs of the shift policy ([`SymBanded::cholesky_shifted_with`],
/// and Newton's Levenberg shift with `min_shift = tau_beta`, `growth = 2`).
///
/// ```
/// use lensdiff::banded::ShiftParams;
/// let p = ShiftParams::default();
/// assert_eq!((p.min_shift, p.growth, p.max_tries), (1e-8, 10.0, 40));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShiftParams {
    /// First nonzero shift, relative to the policy's unit (the largest
    /// diagonal magnitude for [`SymBanded::cholesky_shifted_with`]).
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

impl ShiftParams {
    /// Newton's Levenberg policy (Nocedal & Wright, Algorithm 3.3):
    /// absolute first shift `beta`, doubled after each failure.
    pub(crate) fn levenberg(beta: f64) -> Self {
        ShiftParams {
            min_shift: beta,
            growth: 2.0,
            max_tries: 200,
        }
    }

    /// [`Error::InvalidArgument`] (naming `op`) unless `growth > 1`,
    /// `min_shift > 0` and `max_tries >= 1`.
    pub(crate) fn validate(&self, op: &'static str) -> Result<()> {
        if self.growth > 1.0 && self.min_shift > 0.0 && self.max_tries > 0 {
            Ok(())
        } else {
            Err(Error::InvalidArgument {
                op,
                reason: format!("bad parameters {self:?}"),
            })
        }
    }

    /// The shifts to try, in order (see the module documentation).
    pub(crate) fn shifts<T: Real>(&self, start: ShiftStart<T>) -> Shifts<T> {
        let base = match start.previous {
            Some(tau) if tau > T::zero() => tau * T::from_f64(RESTART_FRACTION),
            _ => start.unit * T::from_f64(self.min_shift),
        };
        Shifts {
            first: start.first,
            next: if base > start.at_least {
                base
            } else {
                start.at_least
            },
            growth: T::from_f64(self.growth),
            left: self.max_tries,
        }
    }
}

/// A sequence that follows a successful shift (Newton's last iteration)
/// restarts from this fraction of it: the next Hessian usually needs
/// less, and starting below lets the shift decay to zero over iterations
/// (measured: restarting at `max(τ_prev/4, β)` instead took robot2d at
/// n = 10⁵ from 28 Newton iterations to the 100-iteration cap).
const RESTART_FRACTION: f64 = 0.25;

/// What the caller knows when a shifted factorisation starts.
pub(crate) struct ShiftStart<T> {
    /// Tried first as it is (`None`: go straight to a nonzero shift).
    pub(crate) first: Option<T>,
    /// The shift that worked last time, if any.
    pub(crate) previous: Option<T>,
    /// The first nonzero shift is at least this.
    pub(crate) at_least: T,
    /// What `min_shift` is measured in.
    pub(crate) unit: T,
}

/// The sequence of [`ShiftParams::shifts`].
pub(crate) struct Shifts<T> {
    first: Option<T>,
    next: T,
    growth: T,
    left: usize,
}

impl<T: Real> Iterator for Shifts<T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        if let Some(tau) = self.first.take() {
            return Some(tau);
        }
        let tau = self.next;
        self.next = tau * self.growth;
        tau.is_finite_all().then_some(tau)
    }
}

/// Tries `factor(τ)` along `shifts` until one is positive definite and
/// returns that `τ`. [`Error::NotPositiveDefinite`] moves on to the next
/// shift; any other error ends the search and is returned;
/// [`Error::ShiftFailed`] with the last shift tried when none worked.
pub(crate) fn first_that_factors<T: Real>(
    shifts: Shifts<T>,
    mut factor: impl FnMut(T) -> Result<()>,
) -> Result<T> {
    let mut last = T::zero();
    for tau in shifts {
        last = tau;
        match factor(tau) {
            Ok(()) => return Ok(tau),
            Err(Error::NotPositiveDefinite { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Err(Error::ShiftFailed {
        tau: last.value_f64(),
    })
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
        params.validate(op)?;
        if !(tau0 >= T::zero() && tau0.is_finite_all()) {
            return Err(Error::InvalidArgument {
                op,
                reason: format!("tau0 = {tau0} must be finite and >= 0"),
            });
        }
        let upper = self.upper();
        let a = &*upper;
        let Some(diag_max) = max_abs_diagonal(a.as_slice(), a.k()) else {
            return Err(Error::NonFinite {
                what: "matrix",
                index: self.first_non_finite(),
            });
        };
        // The unit of min_shift: the diagonal's size, else the band's, else 1.
        let mut unit = diag_max;
        if unit == T::zero() {
            unit = a.as_slice().iter().fold(T::zero(), |m, v| m.max(v.abs()));
        }
        if unit == T::zero() {
            unit = T::one();
        }
        let shifts = params.shifts(ShiftStart {
            first: Some(tau0),
            previous: None,
            at_least: tau0 * T::from_f64(params.growth),
            unit,
        });
        let mut chol = BandedCholesky::empty();
        let tau = first_that_factors(shifts, |tau| {
            match a.cholesky_shifted_into(tau, &mut chol) {
                // The matrix is finite: A + τI overflowed, and larger
                // shifts would too.
                Err(Error::NonFinite { .. }) => Err(Error::ShiftFailed {
                    tau: tau.value_f64(),
                }),
                other => other,
            }
        })?;
        Ok((chol, tau))
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
