//! Checking derivatives: a user's maps, primitives and objectives against
//! independent oracles, in every mode, with one call.
//!
//! JAX has `check_grads`, PyTorch `gradcheck`, ChainRulesTestUtils
//! `test_rrule`; this module is lensdiff's, and since maps here are values
//! built by category combinators it also checks the *laws* with a user's
//! map placed inside compositions (and, with the `proptest` feature,
//! inside random compositions of the library's primitives).
//!
//! ## 1. A map in every mode
//!
//! Write the map once, generic over the mode ([`AnyMode`]); [`check_map`]
//! builds it in forward, reverse and dense mode and compares: the value
//! path with the linearised one, the three Jacobians with each other and
//! with central finite differences, and pushforward with pullback through
//! the inner-product test `⟨J t, c⟩ = ⟨t, Jᵀ c⟩` for seeded random `t`,
//! `c`.
//!
//! ```
//! use lensdiff::check::{AnyMode, check_map};
//! use lensdiff::{ops, fanout, DFun, Mode};
//! use nalgebra::{dvector, DVector};
//!
//! /// x ↦ (‖x‖², tanh(Δx))
//! struct Mine;
//! impl AnyMode for Mine {
//!     type In = DVector<f64>;
//!     type Out = (f64, DVector<f64>);
//!     fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> {
//!         fanout(&ops::norm_squared(), &ops::diff().then(&ops::tanh()))
//!     }
//! }
//! let report = check_map(&Mine, &dvector![0.5, -1.0, 2.0]);
//! assert!(report.passed(), "{report}"); // `Display`: failures first, then the rest
//! ```
//!
//! [`assert_map`] panics with the report instead, for use in tests. The
//! report keeps, for each comparison, the largest error, its tolerance,
//! and the input and direction where it occurred ([`Report`], [`Check`]).
//!
//! A lens written in one mode only (a [`DFun`](crate::DFun) from
//! [`DFun::new`](crate::DFun::new), say reverse-only) goes to the same
//! [`check_map`], which checks it in its own mode: its Jacobian against
//! finite differences, its pullback (or pushforward) at random directions
//! against that Jacobian, and that pullbacks accumulate ([`Checkable`]).
//!
//! ## 2. Second order
//!
//! A scalar-valued map written over every scalar type too ([`ScalarMap`]),
//! or an [`Objective`](crate::Objective), is checked to order 2:
//! Hessian-vector products by nesting (the reverse gradient over dual
//! numbers) against central differences of the gradient, and Hessian
//! symmetry `⟨H u, v⟩ = ⟨u, H v⟩` ([`check_scalar_map`],
//! [`check_objective`]).
//!
//! ```
//! use lensdiff::check::assert_objective;
//! use lensdiff::{Objective, Expr, Real};
//! use nalgebra::dvector;
//! struct Rosenbrock;
//! impl Objective for Rosenbrock {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
//!         let (a, b) = (x.slice(0, 2), x.slice(1, 2));
//!         ((b - a.square()).square() * 100.0).sum() + (x.slice(0, 2) - 1.0).square().sum()
//!     }
//! }
//! assert_objective(&Rosenbrock, &dvector![-1.2, 1.0, 0.5]);
//! ```
//!
//! ## 3. A primitive on its own
//!
//! Before placing a primitive in compositions, check it alone:
//! [`check_linear_map`] tests a [`LinearMap`](crate::linear::LinearMap)'s
//! `apply` against its `transpose_add`; [`check_op`] tests an expression
//! [`Op`](crate::graph::Op) (value, `jvp_add` against differences,
//! `jvp_add` against `vjp_add`, accumulation).
//!
//! ## 4. The laws around a primitive
//!
//! [`laws`] checks identity, associativity, the projections of `fanout`,
//! `par` as `fanout` of projections and the chain rule, each in every mode,
//! with the user's map inside compositions ([`laws::check_laws`] runs them
//! all). With the `proptest` feature, `check::strategies` generates
//! random compositions of library primitives with the user's primitive
//! inserted at random places, and runs the laws as ready properties; a
//! failing case shrinks to the few primitives that still fail.
//!
//! ## Tolerances
//!
//! [`Options::for_scalar`] chooses step sizes and tolerances from the
//! scalar type's epsilon: a few hundred ε (scaled by magnitudes and
//! `√dimension`) where two computations differ only by rounding; a
//! five-point stencil at `h = ε^{1/5}` with a Richardson error estimate
//! where finite differences are the oracle. A value that is not finite (or
//! above [`Options::skip_above`]) is reported as skipped, never as passed.

mod any_mode;
mod finite_diff;
pub mod laws;
mod map;
mod options;
mod primitive;
mod report;
mod second_order;
#[cfg(feature = "proptest")]
pub mod strategies;
mod util;

pub use any_mode::{AnyMode, Compiled, Jacobian};
pub use finite_diff::fd_jacobian;
pub use map::{Checkable, assert_map, check_map, check_map_with};
pub use options::Options;
pub use primitive::{check_linear_map, check_op};
pub use report::{Check, Report};
pub use second_order::{
    ObjectiveMap, ScalarMap, assert_objective, assert_scalar_map, check_objective,
    check_scalar_map, check_scalar_map_with,
};
