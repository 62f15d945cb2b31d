//! Constrained optimisation on banded KKT systems: `min f(x)` subject to
//! `c(x) = 0` by SQP ([`Sqp`]), and subject to bounds and inequalities
//! `cl ≤ c(x) ≤ cu`, `lb ≤ x ≤ ub` by a primal-dual interior-point method
//! ([`Ipm`]).
//!
//! The constraints are a [`crate::Objective`]: a vector
//! expression written once over any scalar, so the same definition runs
//! over `f64` (values), `DualN` (Jacobians by comb seeds, Lagrangian
//! Hessians by nested lenses) and the sparsity tracer (the structure).
//!
//! * [`jacobian_banded`]: the constraint Jacobian on its row spans, from
//!   `w` comb products plus a probe in one forward sweep ([`JacobianSpans`]
//!   detects the spans).
//! * [`Lagrangian`]: `f + λᵀc` as an objective with `λ` a changing
//!   constant, so its banded Hessian comes from
//!   [`crate::hessian::hessian_banded_with`].
//! * [`Sqp`]: Newton on the KKT conditions, the KKT matrix ordered by
//!   stage so that it is banded, inertia correction, ℓ1 merit line search
//!   with a second-order correction.
//! * [`Ipm`]: Ipopt's interior-point method: a barrier on the bounds
//!   ([`Bounds`], per variable or per stage), slacks for the inequality
//!   rows, both eliminated into the diagonal of the same banded KKT
//!   matrix; [`Stack`] writes equalities and inequalities apart.
//!
//! The KKT ordering, the merit function and measured figures are in
//! `notes/constrained.md`.

mod banded_jacobian;
mod bounds;
mod boxed;
mod derivatives;
mod ipm;
mod ipm_report;
mod kkt;
mod lagrangian;
mod line_search;
mod polish;
mod report;
mod restoration;
mod sqp;

pub use banded_jacobian::{BandedJacobian, JacobianSpans, jacobian_banded};
pub use bounds::{Bounds, Stack};
pub use ipm::{Ipm, IpmOptions};
pub use ipm_report::{IpmIteration, IpmResult};
pub use lagrangian::Lagrangian;
pub use line_search::Globalization;
pub use report::{SqpIteration, SqpResult, SqpStatus};
pub use sqp::{Sqp, SqpOptions};

/// The checks both solvers make before they start: `x0` finite and not
/// empty, `f` built for its length; returns `(n, m)`, the variables and the
/// constraint rows.
pub(crate) fn problem_sizes<O, C>(
    op: &'static str,
    f: &O,
    c: &C,
    x0: &nalgebra::DVector<f64>,
) -> Result<(usize, usize), crate::Error>
where
    O: crate::Objective + ?Sized,
    C: crate::Objective + ?Sized,
{
    let n = x0.len();
    crate::error::check_finite("x0", x0.as_slice())?;
    if n == 0 {
        return Err(crate::Error::InvalidArgument {
            op,
            reason: "x0 has no variables".to_string(),
        });
    }
    crate::objective::check_dimension(op, f, n)?;
    // The diagnosing check: a start of the wrong length is `InputLength`,
    // naming what fixes the length, from the caller's side.
    let program = crate::objective::program_of::<f64, C>(c);
    let m = program.check_inputs(&[n])?[program.output];
    Ok((n, m))
}

/// The rows with `|v_i|` above `threshold`, largest first, at most 10
/// (what an error names).
pub(crate) fn rows_worst_first(v: &[f64], threshold: f64) -> Vec<usize> {
    let mut rows: Vec<usize> = (0..v.len()).filter(|&i| v[i].abs() > threshold).collect();
    rows.sort_by(|&a, &b| v[b].abs().total_cmp(&v[a].abs()));
    rows.truncate(10);
    rows
}
