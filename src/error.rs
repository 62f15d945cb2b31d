//! The crate's one error type.
//!
//! Programmer errors that can only be caught while a closure runs (for
//! example evaluating a lens at a vector of the wrong length) panic with a
//! message naming the combinator and both sizes; every recoverable failure
//! (numerical breakdown, bad input data, a check that did not pass) is a
//! variant of [`Error`].

use crate::Real;
use std::fmt;

/// Everything that can go wrong in `lensdiff` and be recovered from.
///
/// Each message names what was wrong and the sizes or values involved.
///
/// ```
/// use lensdiff::Error;
/// let e = Error::DimensionMismatch { op: "compose", expected: 3, found: 4 };
/// assert_eq!(e.to_string(), "compose: dimension mismatch: expected 3, found 4");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// Two sizes that must agree do not.
    DimensionMismatch {
        /// The combinator, primitive or routine that found the mismatch.
        op: &'static str,
        /// The size it needed.
        expected: usize,
        /// The size it was given.
        found: usize,
    },
    /// Two lengths that must agree in an expression do not: the
    /// [`DimensionMismatch`](Error::DimensionMismatch) of the primitive
    /// `op`, with the place in the caller's code where that sub-expression
    /// was built.
    ///
    /// ```
    /// use lensdiff::{Error, Expr};
    /// let x = Expr::<f64>::var();
    /// let bad = x.diff() + x.clone(); // lengths n − 1 and n
    /// let Err(Error::LengthAt { op, expected, found, at }) = bad.check(&[5]) else { panic!() };
    /// assert_eq!((op, expected, found, at.line()), ("add", 4, 5, line!() - 2));
    /// ```
    LengthAt {
        /// The primitive that found the mismatch.
        op: &'static str,
        /// The length it needed.
        expected: usize,
        /// The length it was given.
        found: usize,
        /// Where the sub-expression was built (`#[track_caller]`).
        at: &'static std::panic::Location<'static>,
    },
    /// A Cholesky factorisation met a pivot that is not positive.
    NotPositiveDefinite {
        /// The index (0-based) of the failing pivot.
        pivot: usize,
        /// The value of the pivot before the square root.
        value: f64,
    },
    /// An LU factorisation found an exactly singular column.
    Singular {
        /// The index (0-based) of the column with no usable pivot.
        column: usize,
    },
    /// An input, a function value or a derivative is NaN or infinite.
    NonFinite {
        /// What was not finite ("x", "f(x)", "gradient", "matrix", ...).
        what: &'static str,
        /// The first offending index, where there is one.
        index: Option<usize>,
    },
    /// A banded Hessian was extracted with a half-bandwidth that is too
    /// small: a verification product disagreed with the extracted band.
    BandwidthTooSmall {
        /// The half-bandwidth that was tried.
        k: usize,
        /// The largest row residual of the probe: row `i` of
        /// `H_band r − H r` against `|(H r)_i| + Σ_j |H_band,ij| |r_j|`.
        residual: f64,
        /// The half-bandwidth of the Hessian pattern the sparsity tracer
        /// finds at the same point (`None` when detection failed).
        detected: Option<usize>,
    },
    /// A sparse Hessian or Jacobian was recovered on a pattern that misses
    /// nonzeros: a verification product disagreed with the recovered
    /// matrix (the
    /// pattern was detected at another point, or a value-dependent branch
    /// changed it).
    PatternMismatch {
        /// The number of structural nonzeros of the pattern used.
        nnz: usize,
        /// The largest row residual of the probe: row `i` of
        /// `A_sparse r − A r` against `|(A r)_i| + Σ_j |A_sparse,ij| |r_j|`.
        residual: f64,
    },
    /// The Hessian's sparsity pattern has more nonzeros than the caller
    /// can use, so detection stopped early (a dense Hessian: a nonlinear
    /// function of a sum over many variables couples every pair).
    ///
    /// ```
    /// use lensdiff::{Error, Expr, Objective, Real, sparsity::hessian_pattern_within};
    /// struct SquaredSum; // (Σ x)²: every pair couples
    /// impl Objective for SquaredSum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum().square() }
    /// }
    /// let x = nalgebra::DVector::from_element(1000, 0.5);
    /// let e = hessian_pattern_within(&SquaredSum, &x, 5000).unwrap_err();
    /// assert!(matches!(e, Error::HessianTooDense { n: 1000, limit: 5000, .. }));
    /// ```
    HessianTooDense {
        /// The number of variables.
        n: usize,
        /// The most nonzeros the caller could use.
        limit: usize,
        /// Nonzeros found before detection stopped (a lower bound).
        found: usize,
        /// The most nonzeros found in one row (a lower bound).
        widest_row: usize,
    },
    /// A banded Hessian's storage, `n (k + 1)` entries, is above the
    /// limit of [`crate::hessian::BandOptions::max_entries`]: a wide band
    /// (a dense Hessian has `k = n − 1`) would not fit in memory.
    ///
    /// ```
    /// use lensdiff::{Error, Expr, Objective, Real, hessian::{hessian_banded_auto, BandOptions}};
    /// struct SquaredSum; // (Σ x)²: k = n − 1
    /// impl Objective for SquaredSum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum().square() }
    /// }
    /// let x = nalgebra::DVector::from_element(1000, 0.5);
    /// let opts = BandOptions { max_entries: 100_000, ..BandOptions::default() };
    /// let e = hessian_banded_auto(&SquaredSum, &x, &opts).unwrap_err();
    /// assert_eq!(e, Error::BandTooLarge { n: 1000, k: 999, entries: 1_000_000, limit: 100_000 });
    /// ```
    BandTooLarge {
        /// The number of variables.
        n: usize,
        /// The half-bandwidth asked for (or detected).
        k: usize,
        /// The band's entries, `n (k + 1)`.
        entries: usize,
        /// The most entries allowed.
        limit: usize,
    },
    /// A line search could not decrease the objective.
    LineSearchFailed {
        /// The optimiser iteration at which it failed.
        iteration: usize,
        /// The last step length tried.
        step: f64,
    },
    /// An optimiser's iterates ran off to `f → −∞` (or `‖x‖∞` beyond
    /// `1e20`): the objective is unbounded below along them.
    Unbounded {
        /// The last value of `f`.
        f: f64,
        /// The iteration at which it was noticed.
        iteration: usize,
    },
    /// A regularised factorisation did not succeed for any shift tried.
    ShiftFailed {
        /// The last shift tried.
        tau: f64,
    },
    /// An argument is outside the range the routine accepts.
    InvalidArgument {
        /// The routine.
        op: &'static str,
        /// What was wrong, with the values involved.
        reason: String,
    },
    /// An input of a compiled lens has a length the lens cannot take.
    InputLength {
        /// The input slot (0 for a lens on one vector).
        input: usize,
        /// Its length.
        found: usize,
        /// The length the lens was built for, when it can tell.
        expected: Option<usize>,
        /// What fixes the length (a constant), and the mismatch when the
        /// expected length is not known.
        detail: String,
    },
    /// A constrained problem has more equality constraints than variables
    /// (at most `n` of them can be independent).
    TooManyConstraints {
        /// The number of constraints.
        m: usize,
        /// The number of variables.
        n: usize,
    },
    /// The constraints cannot be satisfied near the iterate: `‖c‖∞ > 0`
    /// but `Jᵀc = 0`, a stationary point of the violation.
    InconsistentConstraints {
        /// The optimiser iteration.
        iteration: usize,
        /// `‖c(x)‖∞` there.
        violation: f64,
        /// The rows in conflict: those violated by at least half of
        /// `violation`, worst first (at most 10).
        rows: Vec<usize>,
    },
    /// The constraint Jacobian is rank deficient and the regularised step
    /// still leaves the linearised constraints unsatisfied.
    SingularJacobian {
        /// The optimiser iteration.
        iteration: usize,
        /// `‖J d + c‖∞ / ‖c‖∞` of the regularised step.
        residual: f64,
        /// The rows whose linearisations conflict: those left at least
        /// half of the largest residual by the step, worst first (at most
        /// 10).
        rows: Vec<usize>,
    },
    /// A lower bound above its upper bound (or a bound that is NaN).
    InvalidBounds {
        /// Whose bounds: `"variable"` or `"constraint row"`.
        what: &'static str,
        /// Its index (0-based).
        index: usize,
        /// The lower bound.
        lower: f64,
        /// The upper bound.
        upper: f64,
    },
    /// The constraints (with their bounds) cannot be satisfied: the
    /// iterates reached a point where the violation is not zero and no
    /// step reduces it.
    Infeasible {
        /// The optimiser iteration.
        iteration: usize,
        /// The violated constraint rows, worst first (at most 10).
        rows: Vec<usize>,
        /// The largest violation.
        violation: f64,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::DimensionMismatch {
                op,
                expected,
                found,
            } => write!(
                f,
                "{op}: dimension mismatch: expected {expected}, found {found}"
            ),
            Error::LengthAt {
                op,
                expected,
                found,
                at,
            } => write!(
                f,
                "{op}: dimension mismatch: expected {expected}, found {found} (the `{op}` built at {at})"
            ),
            Error::NotPositiveDefinite { pivot, value } => write!(
                f,
                "matrix is not positive definite: pivot {pivot} is {value:e}"
            ),
            Error::Singular { column } => {
                write!(f, "matrix is singular: no nonzero pivot in column {column}")
            }
            Error::NonFinite { what, index } => match index {
                Some(i) => write!(f, "{what} is not finite (first at index {i})"),
                None => write!(f, "{what} is not finite"),
            },
            Error::BandwidthTooSmall {
                k,
                residual,
                detected,
            } => {
                write!(
                    f,
                    "half-bandwidth {k} is too small: verification residual {residual:.2e}"
                )?;
                match detected {
                    Some(d) if d > k => write!(
                        f,
                        "; the sparsity tracer finds half-bandwidth {d} (extract with k = {d}, \
                         or use the sparse path, Newton::minimize_sparse / minimize_auto, \
                         when that band is wide)"
                    ),
                    Some(d) => write!(
                        f,
                        "; the sparsity tracer finds half-bandwidth {d} at this point, so the \
                         residual comes from rounding or a value-dependent branch (raise tol, \
                         or use the sparse path, Newton::minimize_sparse)"
                    ),
                    None => write!(
                        f,
                        "; the sparse path (Newton::minimize_sparse) needs no bandwidth"
                    ),
                }
            }
            Error::PatternMismatch { nnz, residual } => write!(
                f,
                "the derivative has nonzeros outside the sparsity pattern used ({nnz} nonzeros): verification residual {residual:.2e}"
            ),
            Error::HessianTooDense {
                n,
                limit,
                found,
                widest_row,
            } => write!(
                f,
                "the Hessian is too dense for this path: with n = {n} variables its pattern has at \
                 least {found} nonzeros ({widest_row} in one row), above the limit of {limit}, so \
                 sparsity detection stopped there; a dense Hessian needs n² = {:.1e} entries \
                 (for small n use hessian::hessian, or Newton::minimize with k = n − 1; a \
                 nonlinear function of a sum over all of x couples every pair of variables; \
                 the sparse path's limit is SparseOptions::max_nnz)",
                (*n as f64) * (*n as f64)
            ),
            Error::BandTooLarge {
                n,
                k,
                entries,
                limit,
            } => write!(
                f,
                "a banded Hessian with half-bandwidth k = {k} at n = {n} needs n (k + 1) = \
                 {entries} entries, above the limit of {limit} (BandOptions::max_entries): a band \
                 this wide is better taken by the sparse path (hessian_sparse, \
                 Newton::minimize_sparse) or, for a dense Hessian at small n, by hessian::hessian"
            ),
            Error::LineSearchFailed { iteration, step } => write!(
                f,
                "line search failed to decrease the objective at iteration {iteration} (last step {step:e})"
            ),
            Error::Unbounded {
                f: value,
                iteration,
            } => write!(
                f,
                "the objective is unbounded below: f = {value:.3e} at iteration {iteration}, \
                 and still falling"
            ),
            Error::ShiftFailed { tau } => write!(
                f,
                "regularised factorisation failed for every shift up to {tau:e}"
            ),
            Error::InvalidArgument { op, reason } => write!(f, "{op}: invalid argument: {reason}"),
            Error::InputLength {
                input,
                found,
                expected: Some(e),
                detail,
            } => write!(
                f,
                "input {input} has length {found}; this lens was built for {e} ({detail})"
            ),
            Error::InputLength {
                input,
                found,
                expected: None,
                detail,
            } => write!(
                f,
                "input {input} has length {found}, which this lens cannot take ({detail})"
            ),
            Error::TooManyConstraints { m, n } => write!(
                f,
                "{m} equality constraints on {n} variables: at most {n} can be independent"
            ),
            Error::InconsistentConstraints {
                iteration,
                violation,
                rows,
            } => write!(
                f,
                "constraints inconsistent at iteration {iteration}: rows {rows:?} are violated by up to {violation:e} and no step reduces that (J^T c = 0)"
            ),
            Error::SingularJacobian {
                iteration,
                residual,
                rows,
            } => write!(
                f,
                "constraint Jacobian singular at iteration {iteration}: the linearisations of rows {rows:?} conflict (no step meets them; relative residual {residual:e})"
            ),
            Error::InvalidBounds {
                what,
                index,
                lower,
                upper,
            } => write!(
                f,
                "{what} {index}: lower bound {lower:e} is not at most its upper bound {upper:e}"
            ),
            Error::Infeasible {
                iteration,
                rows,
                violation,
            } => write!(
                f,
                "infeasible at iteration {iteration}: rows {rows:?} violated by up to {violation:e}, and no step reduces the violation"
            ),
        }
    }
}

impl std::error::Error for Error {}

/// `Result` with [`Error`] as its error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `Err(NonFinite)` naming the first non-finite entry.
pub(crate) fn check_finite<S: Real>(what: &'static str, v: &[S]) -> Result<(), Error> {
    match v.iter().position(|x| !x.is_finite_all()) {
        Some(i) => Err(Error::NonFinite {
            what,
            index: Some(i),
        }),
        None => Ok(()),
    }
}

/// `Ok` when `found == expected`, else [`Error::DimensionMismatch`] naming
/// `op` and both lengths (the `Result` counterpart of the panicking
/// `crate::space` check).
pub(crate) fn ensure_len(op: &'static str, expected: usize, found: usize) -> Result<(), Error> {
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
