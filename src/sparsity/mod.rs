//! Sparsity: detect the Hessian (or Jacobian) pattern of a scalar-generic
//! objective (or vector map) by running it over a tracer scalar, colour the
//! pattern, and recover a sparse Hessian from one Hessian-vector product
//! per colour, or a sparse Jacobian from one pushforward or pullback per
//! colour.
//!
//! * [`Tracer`]: the scalar that records dependencies and nonlinear pairs;
//! * [`hessian_pattern`], [`jacobian_pattern`]: the detected [`Pattern`];
//!   [`hessian_pattern_within`] stops at a number of nonzeros
//!   ([`crate::Error::HessianTooDense`]), [`hessian_bandwidth`] finds the
//!   half-bandwidth alone, in the memory of one traced evaluation;
//! * [`column_coloring`] (distance-2, Jacobians; [`column_coloring_with`]
//!   picks the [`ColumnOrder`]), [`star_coloring`] (symmetric, direct
//!   recovery), [`acyclic_coloring`] (symmetric, recovery by
//!   substitution): the [`Coloring`];
//! * [`CscMatrix`]: the compressed sparse columns the sparse Hessians of
//!   [`crate::hessian::hessian_sparse`] and
//!   [`crate::hessian::SparseHessianPlan`] come in (those live in
//!   [`crate::hessian`], which builds on the detection and colourings
//!   here; so does [`crate::hessian::hessian_banded_auto`]);
//! * [`jacobian_sparse`], [`jacobian_sparse_with`]: the same for the
//!   Jacobian of a vector-valued [`crate::Objective`], with forward seeds (column colouring) or
//!   reverse seeds (row colouring), whichever needs fewer products
//!   ([`SeedMode`], [`JacobianMode`], [`SparseJacobian`]);
//!   [`SparseJacobianPlan`] keeps the pattern and colouring for many
//!   points and verifies each Jacobian with a probe;
//!
//! The sparse solve Newton's method uses when the Hessian is not banded
//! ([`crate::banded::EnvelopeCholesky`] after
//! [`crate::banded::envelope_ordering`]) lives with the banded solvers.
//!
//! ```
//! use lensdiff::{Objective, Expr, Real, hessian::hessian};
//! use lensdiff::sparsity::{hessian_pattern, star_coloring};
//! use lensdiff::hessian::hessian_sparse;
//! use nalgebra::DVector;
//! // An arrowhead: x₀ couples to every other variable.
//! struct Arrow;
//! impl Objective for Arrow {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
//!         x.at(0) * x.slice(1, 9).sin().sum() + x.square().sum()
//!     }
//! }
//! let x = DVector::from_fn(10, |i, _| 0.1 * i as f64);
//! let p = hessian_pattern(&Arrow, &x).unwrap();
//! assert_eq!(p.max_row_nnz(), 10); // row 0 is dense
//! assert!(star_coloring(&p).n_colors() < 10);
//! let h = hessian_sparse(&Arrow, &x).unwrap();
//! assert!((h.hessian.to_dmatrix() - hessian(&Arrow, &x).unwrap()).amax() < 1e-12);
//! ```

mod acyclic;
mod arena;
mod coloring;
mod csc;
mod deps;
mod detect;
mod pairs;
mod pattern;
mod repeat_filter;
mod sparse_jacobian;
mod tracer;

pub use acyclic::acyclic_coloring;
pub use coloring::{Coloring, ColumnOrder, column_coloring, column_coloring_with, star_coloring};
pub use csc::CscMatrix;
pub(crate) use detect::hessian_bandwidth_once;
pub use detect::{hessian_bandwidth, hessian_pattern, hessian_pattern_within, jacobian_pattern};
pub use pattern::Pattern;
pub use sparse_jacobian::{
    JacobianMode, SeedMode, SparseJacobian, SparseJacobianPlan, jacobian_sparse,
    jacobian_sparse_with,
};
pub use tracer::Tracer;

pub(crate) use csc::check_probe;

/// Degree above which a vertex counts as dense (coloured apart, ordered
/// last by [`crate::banded::reverse_cuthill_mckee`]): `max(16, 10 √n)`
/// (the threshold minimum-degree codes use).
pub(crate) fn dense_threshold(n: usize) -> usize {
    16usize.max((10.0 * (n as f64).sqrt()) as usize)
}
