//! # lensdiff
//!
//! Differentiable programming in the categorical, lens style: a
//! differentiable map is a value ([`DFun`]) that, at a point, returns its
//! value and the linear map of its derivative; the representation of that
//! linear map is the AD mode ([`Forward`], [`Reverse`], [`Dense`]). Maps
//! compose with category combinators written once for every mode; nesting
//! forward over reverse gives Hessian-vector products, from which banded
//! Hessians are extracted with a handful of comb seeds and fed to Newton's
//! method with banded Cholesky solves.
//!
//! ## 1. Lenses and combinators
//!
//! ```
//! use lensdiff::{ops, fanout, DFun, Forward, Reverse, Mode, jacobian_fwd, jacobian_rev};
//! use nalgebra::{dvector, DVector};
//!
//! // One definition, every mode: x ↦ (Σ sin(x)², ‖x‖²).
//! fn f<M: Mode>() -> DFun<DVector<f64>, (f64, f64), M> {
//!     let a = ops::sin().then(&ops::square()).then(&ops::sum());
//!     fanout(&a, &ops::norm_squared())
//! }
//! let x = dvector![0.3, -1.2, 2.0];
//! // Reverse mode: pull a cotangent back (a lens's setter).
//! let (y, pullback) = f::<Reverse>().linearize(&x);
//! let g = pullback.pull(&(1.0, 0.0));
//! // Forward mode: push a tangent forward.
//! let (_, pushforward) = f::<Forward>().linearize(&x);
//! let t = pushforward.apply(&dvector![1.0, 0.0, 0.0]);
//! assert!((t.0 - g[0]).abs() < 1e-15);
//! assert!((y.1 - x.norm_squared()).abs() < 1e-15);
//! ```
//!
//! ## 2. Expressions
//!
//! [`Expr`] builds the same lenses from formulas; shared sub-expressions
//! are computed once per call, forward and backward.
//!
//! ```
//! use lensdiff::{Expr, DFun, grad, c};
//! use nalgebra::{dvector, DVector};
//! let x = Expr::<f64>::var();
//! let d = x.diff(); // used twice below, computed once
//! let e = (d.square() * 0.5).sum() + (d.clone() * d).sum() + x.map(|t| t.powi(4) * c(0.25)).sum();
//! let f: DFun<DVector<f64>, f64> = e.compile();
//! let gr = grad(&f, &dvector![0.0, 1.0]);
//! assert_eq!(gr, dvector![-3.0, 4.0]);
//! ```
//!
//! ## 3. Objectives, Hessians, Newton
//!
//! An [`Objective`] is written once over any [`Real`] scalar, so it runs
//! over `f64`, over dual numbers (second derivatives) and over any later
//! scalar type.
//!
//! ```
//! use lensdiff::{Objective, Expr, Real, hessian::{hessian, hessian_banded, hvp}, optim::Newton};
//! use nalgebra::DVector;
//! struct Tridiagonal;
//! impl Objective for Tridiagonal {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
//!         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
//!     }
//! }
//! let x = DVector::from_fn(50, |i, _| (i as f64).sin());
//! let band = hessian_banded(&Tridiagonal, &x, 1).unwrap(); // 2 products + 1 check
//! let dense = hessian(&Tridiagonal, &x).unwrap();
//! assert!((band.to_dmatrix() - dense).amax() < 1e-12);
//! let hv = hvp(&Tridiagonal, &x, &x);
//! assert!((band.mul_vec(&x).unwrap() - hv).amax() < 1e-12);
//! let r = Newton::default().minimize(&Tridiagonal, &x, 1).unwrap();
//! assert!(r.grad_inf < 1e-8 * r.grad0_inf.max(1.0));
//! ```
//!
//! ## Naming legend
//!
//! `try_` returns a [`Result`] instead of panicking; `_mut` works in place;
//! `value_and_` also returns the value; `_fwd` / `_rev` name the mode that
//! builds a Jacobian; `_with` takes an options struct.
//!
//! ## Errors
//!
//! Programmer errors found while a lens runs (a vector of the wrong length)
//! panic with a message naming the primitive and both sizes
//! ([`Expr::check`] reports them as an [`Error`] beforehand); numerical
//! failures (not positive definite, non-finite values, a bandwidth too
//! small, a line search that cannot decrease) are [`Error`] values.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod banded;
pub mod derive;
pub mod dfun;
pub mod dual;
mod elementary;
pub mod error;
pub mod expr;
pub mod graph;
pub mod hessian;
pub mod kernels;
pub mod linear;
pub mod mode;
pub mod objective;
pub mod ops;
pub mod optim;
pub mod problems;
pub mod real;
pub mod scalar_fn;
pub mod space;
pub mod sparsity;

pub use derive::{
    grad, jacobian_dense, jacobian_fwd, jacobian_rev, jvp, try_value_and_grad, value_and_grad, vjp,
};
pub use dfun::{
    DFun, compose, constant, dup, fanout, fst, id, inl, inr, jam, join, par, snd, try_compose_at,
};
pub use dual::{Dual, DualN};
pub use error::{Error, Result};
pub use expr::Expr;
pub use mode::{Dense, Forward, Mode, Reverse};
pub use objective::Objective;
pub use real::{Real, c};
pub use scalar_fn::{ScalarFn, ScalarFn2};
pub use space::Space;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
