//! Equality-constrained optimisation: `min f(x)` subject to `c(x) = 0`,
//! by SQP on banded KKT systems.
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
//!
//! The KKT ordering, the merit function and measured figures are in
//! `notes/constrained.md`.

mod banded_jacobian;
mod kkt;
mod lagrangian;
mod line_search;
mod report;
mod sqp;

pub use banded_jacobian::{BandedJacobian, JacobianSpans, jacobian_banded};
pub use lagrangian::Lagrangian;
pub use line_search::Globalization;
pub use report::{SqpIteration, SqpResult, SqpStatus};
pub use sqp::{Sqp, SqpOptions};
