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
//! assert!((band.mul_vec(&x) - hv).amax() < 1e-12);
//! let r = Newton::default().minimize(&Tridiagonal, &x, 1).unwrap();
//! assert!(r.grad_inf < 1e-8 * r.grad0_inf.max(1.0));
//! ```
//!
//! ## 4. Checking derivatives
//!
//! [`check`] compares a map of your own, written once over the mode,
//! across every mode and against central finite differences, with the
//! adjointness test `⟨J t, c⟩ = ⟨t, Jᵀ c⟩`; objectives to order 2
//! (Hessian-vector products by nesting against differences of the
//! gradient, Hessian symmetry); and the category laws with your map inside
//! compositions. Each check returns a [`check::Report`] (largest error of
//! each comparison, with the input and direction) or, in the `assert_`
//! forms, panics with it. With the `proptest` feature,
//! `check::strategies` puts your primitive into random compositions of the
//! library's.
//!
//! ```
//! use lensdiff::check::{AnyMode, assert_map, assert_objective, laws};
//! use lensdiff::{ops, DFun, Mode, Objective, Expr, Real};
//! use nalgebra::{dvector, DVector};
//!
//! struct Mine;
//! impl AnyMode for Mine {
//!     type In = DVector<f64>;
//!     type Out = DVector<f64>;
//!     fn build<M: Mode>(&self) -> DFun<DVector<f64>, DVector<f64>, M> {
//!         &ops::tanh() >> &ops::diff() // `>>` is `then`: tanh, then differences
//!     }
//! }
//! let x = dvector![0.3, -0.8, 1.1];
//! assert_map(&Mine, &x);          // forward = reverse = dense = differences, adjointness
//! laws::assert_laws(&Mine, &x);   // identity, associativity, projections, par, chain rule
//!
//! struct Bowl;
//! impl Objective for Bowl {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.map(|t| t.cosh()).sum() + x.diff().norm_squared() }
//! }
//! assert_objective(&Bowl, &x);    // + HVP by nesting vs differences of the gradient, symmetry
//! ```
//!
//! ## 5. Writing your own primitive
//!
//! The short way: [`ops::Custom`] takes a value function and its
//! derivative as closures (elementwise `f` and `f'`; a vector map and its
//! JVP, the VJP optional; a map to a scalar and its gradient), and
//! [`check::assert_map`] takes the result as it is.
//!
//! ```
//! use lensdiff::{ops::Custom, check::assert_map, Expr, DFun, grad};
//! use lensdiff::nalgebra::{dvector, DVector};
//! // x ↦ (x₀², x₀x₁, x₁x₂, …): a vector map from its value and its JVP.
//! let f = Custom::vector(
//!     "prev_prod",
//!     |x: &DVector<f64>| DVector::from_fn(x.len(), |i, _| x[i] * x[i.saturating_sub(1)]),
//!     |x, dx| DVector::from_fn(x.len(), |i, _| {
//!         let j = i.saturating_sub(1);
//!         dx[i] * x[j] + x[i] * dx[j]
//!     }),
//! );
//! assert_map(&f, &dvector![0.5, -1.0, 2.0]); // reverse mode transposes the JVP
//! let g: DFun<DVector<f64>, f64> = Expr::var().custom(&f).sum().compile();
//! assert_eq!(grad(&g, &dvector![1.0, 2.0]), dvector![4.0, 1.0]);
//! ```
//!
//! The general way: a primitive is its value and its derivative as a
//! linear map given once, with both directions; it then runs in every
//! mode. On lenses, implement
//! [`linear::LinearMap`] and enter through [`DFun::from_linear_map`]; in
//! expressions, implement [`graph::Op`] (on flat slices, with whatever it
//! saves for the derivative) and enter through [`Expr::apply_op`]. Check
//! it alone first ([`check::check_linear_map`], [`check::check_op`]), then
//! in every mode.
//!
//! ```
//! use lensdiff::check::{AnyMode, Options, assert_map, check_linear_map};
//! use lensdiff::linear::LinearMap;
//! use lensdiff::{DFun, Mode};
//! use nalgebra::{dvector, DVector};
//!
//! /// The derivative of x ↦ (Σ xᵢ)² at a point: dx ↦ 2s·Σ dxᵢ, with s = Σ xᵢ.
//! struct SumSquaredLin { s: f64, n: usize }
//! impl LinearMap<DVector<f64>, f64> for SumSquaredLin {
//!     fn apply(&self, dx: &DVector<f64>) -> f64 { 2.0 * self.s * dx.sum() }
//!     fn transpose_add(&self, dy: &f64, dx: &mut DVector<f64>) {
//!         dx.add_scalar_mut(2.0 * self.s * dy)
//!     }
//!     fn dom_shape(&self) -> usize { self.n }
//!     fn cod_shape(&self) {}
//! }
//! struct SumSquared;
//! impl AnyMode for SumSquared {
//!     type In = DVector<f64>;
//!     type Out = f64;
//!     fn build<M: Mode>(&self) -> DFun<DVector<f64>, f64, M> {
//!         DFun::from_linear_map(|x: &DVector<f64>| {
//!             let s = x.sum();
//!             (s * s, SumSquaredLin { s, n: x.len() })
//!         })
//!     }
//! }
//! check_linear_map(&SumSquaredLin { s: 0.7, n: 3 }, &Options::for_scalar::<f64>()).assert_ok();
//! assert_map(&SumSquared, &dvector![0.5, 1.0, -2.0]);
//! ```
//!
//! ## 6. Typed spaces
//!
//! Where lengths are static, `SVector<S, N>` tells Rⁿ from Rᵐ by type:
//! expressions compile from and to it (and tuples of it), the combinators
//! take it like any [`Space`], and [`ops::retype`] runs the `DVector`
//! primitives on it.
//!
//! ```
//! use lensdiff::{ops, DFun, Expr, Forward, Reverse, Mode, jacobian_fwd, jacobian_rev};
//! use nalgebra::{vector, SVector};
//! /// R³ → R²: (x₀ x₁, sin x₂)
//! fn f<M: Mode>() -> DFun<SVector<f64, 3>, SVector<f64, 2>, M> {
//!     let x = Expr::var();
//!     (x.at(0) * x.at(1)).concat(&x.at(2).sin()).compile()
//! }
//! let x = vector![1.0, 2.0, 0.5];
//! assert_eq!(jacobian_fwd(&f::<Forward>(), &x), jacobian_rev(&f::<Reverse>(), &x));
//! let g: DFun<SVector<f64, 3>, SVector<f64, 2>, Reverse> = ops::retype(&ops::diff());
//! assert_eq!(g.eval(&x), vector![1.0, -1.5]);
//! ```
//!
//! ## 7. The sparse path
//!
//! When the Hessian is sparse but not banded (a periodic loop, a parameter
//! shared by every point), a tracer scalar run through the same objective
//! detects the pattern ([`sparsity::hessian_pattern`]), a colouring
//! compresses it, and [`optim::Newton::minimize_sparse`] recovers the
//! Hessian from one product per colour (verified by a random probe) and
//! factors it with an envelope Cholesky after reverse Cuthill–McKee.
//!
//! ```
//! use lensdiff::{Objective, Expr, Real, optim::Newton, sparsity::hessian_pattern};
//! use nalgebra::DVector;
//! /// A closed chain: Σ (x[i+1] − x[i])² including x[n−1] → x[0], plus quartics.
//! struct Ring;
//! impl Objective for Ring {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
//!         let wrap = x.at(0) - x.last();
//!         x.diff().norm_squared() + wrap.square().sum() + x.map(|t| t.powi(4) - t).sum()
//!     }
//! }
//! let x0 = DVector::from_fn(40, |i, _| (0.3 * i as f64).cos());
//! let p = hessian_pattern(&Ring, &x0).unwrap();
//! assert!(p.contains(0, 39) && !p.contains(0, 2)); // the wrap-around, not a band
//! let r = Newton::default().minimize_sparse(&Ring, &x0).unwrap();
//! assert!(r.grad_inf < 1e-8 * r.grad0_inf.max(1.0));
//! ```
//!
//! ## Naming legend
//!
//! `try_` returns a [`Result`] instead of panicking (the form without it
//! panics with a message naming the sizes); `_mut` works in place, `_into`
//! writes into a buffer the caller passes; `value_and_` also returns the
//! value; `_fwd` / `_rev` name the mode that builds a Jacobian; `_with`
//! takes the settings the plain form defaults (an options struct, or the
//! one choice there is).
//!
//! ## Where things are
//!
//! The lens, its combinators and drivers, the modes, the scalar traits,
//! expressions, objectives and the error type are at the crate root;
//! [`prelude`] brings what a first program needs in one `use`. Each topic
//! is a module: [`ops`] (primitives as lenses), [`linear`] (linear maps),
//! [`graph`] (writing a primitive for expressions), [`hessian`],
//! [`sparsity`], [`banded`] (storage and solvers), [`optim`],
//! [`constrained`], [`check`], [`engine`] (tiling and threads),
//! [`kernels`] (SIMD slices). `notes/architecture.md` maps the files.
//!
//! ## Errors
//!
//! Programmer errors (a point, tangent or cotangent of the wrong length)
//! are caught on entry, before any kernel runs, and panic at the caller's
//! line with a message naming the map (or the input) and both sizes; the
//! `try_` forms ([`DFun::try_eval`], [`try_jvp`], [`try_vjp`],
//! [`hessian::try_hvp`]) and [`Expr::check`] return them as an [`Error`]
//! instead. Only scalars broadcast in arithmetic. Numerical
//! failures (not positive definite, non-finite values, a bandwidth too
//! small, a line search that cannot decrease) are [`Error`] values.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

// The core: lenses, modes, scalars, expressions. Their items are public at
// the crate root (one path each); the files are private.
mod derivatives;
mod dfun;
mod dual;
mod elementary;
mod erased;
mod error;
mod expr;
mod float;
mod mode;
mod objective;
mod primitives;
mod probe;
mod real;
mod scalar_fn;
mod scratch;
mod space;

// The topics, each a public module with its own page.
pub mod banded;
pub mod check;
pub mod constrained;
pub mod engine;
pub mod graph;
pub mod hessian;
pub mod kernels;
pub mod linear;
pub mod ops;
pub mod optim;
pub mod prelude;
pub mod sparsity;

pub use derivatives::{
    grad, jacobian_dense, jacobian_fwd, jacobian_rev, jvp, try_jvp, try_value_and_grad, try_vjp,
    value_and_grad, vjp,
};
pub use dfun::{
    DFun, compose, constant, dup, fanout, fst, id, inl, inr, jam, join, par, snd, try_compose_at,
};
pub use dual::{Dual, DualN};
pub use error::{Error, Result};
pub use expr::Expr;
pub use mode::{Dense, DenseLin, Forward, Mode, Pullback, Pushforward, Reverse};
pub use objective::{CompiledObjective, Objective, ProgramCache};
pub use real::{Real, c};
pub use scalar_fn::{ScalarFn, ScalarFn2};
pub use space::Space;

/// The nalgebra this crate is built with (vectors, matrices): use it as
/// `lensdiff::nalgebra` rather than a separate dependency, whose version
/// may differ.
///
/// ```
/// use lensdiff::nalgebra::dvector;
/// use lensdiff::{ops, DFun};
/// let f: DFun<_, _> = ops::sum();
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), 3.0);
/// ```
pub use nalgebra;

#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
