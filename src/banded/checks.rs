//! The checks every banded solver shares: lengths, finite right-hand
//! sides and solutions, and the LU kernels' failure before it becomes an
//! [`Error`]. Kept apart so the kernel files depend on this one and not on
//! each other.

use nalgebra::DVector;

use crate::{Real, Result};

pub(crate) use crate::error::{check_finite, ensure_len};

/// Checks a solution `x` computed from `b`: `Ok(x)` when finite, else
/// [`Error::NonFinite`] naming the rhs entry to blame, or the solution's
/// first non-finite entry when `b` was finite (overflow).
pub(crate) fn finite_solution<T: Real>(b: &[T], x: DVector<T>) -> Result<DVector<T>> {
    if x.iter().all(|v| v.is_finite_all()) {
        return Ok(x);
    }
    check_finite("rhs", b)?;
    check_finite("solution", x.as_slice())?;
    Ok(x)
}

/// How an LU kernel failed, before the factorisation maps it to an
/// [`Error`] (it knows whether the matrix or the elimination was to
/// blame).
pub(crate) enum LuFail {
    /// An exactly zero pivot in this column.
    Singular(usize),
    /// A NaN or infinity met in this column.
    NonFinite(usize),
}
