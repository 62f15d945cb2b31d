//! Scalar functions written once for every scalar type.
//!
//! A closure in Rust has one argument type, so a closure over dual numbers
//! can only be differentiated by running it on duals of that exact type.
//! A [`ScalarFn`] (or [`ScalarFn2`] for two arguments) is generic: it can be
//! run at any [`Real`], which lets a primitive evaluate it at the level where
//! it is cheapest. Inside a Hessian sweep over `DualN<f64, K>` an elementwise
//! map needs `f`, `f'` and `f''` at `f64` only — one second-order evaluation
//! per element whatever `K` — instead of running the function on nested
//! `K`-tangent duals ([`Real::value_and_deriv`]).
//!
//! For `f64` the slice paths evaluate `eval` on four lanes at once, inside
//! a function compiled for the widest instruction set the CPU has
//! (`engine::SimdLevel`). Only code inlined there runs at that level, so
//! mark `eval` `#[inline(always)]` when it is more than a few operations:
//! the library's own functions are, and LLVM may otherwise keep a long
//! `eval` as a separate function compiled for the baseline (same results,
//! about half the speed at AVX2).

use crate::Real;

/// `f: R → R`, written once over any [`Real`].
///
/// ```
/// use lensdiff::{ScalarFn, Real, c, Expr, DFun, grad};
/// use nalgebra::{dvector, DVector};
/// struct Quartic;
/// impl ScalarFn for Quartic {
///     fn eval<T: Real>(&self, x: T) -> T { x.powi(4) * c(0.25) }
/// }
/// let f: DFun<DVector<f64>, f64> = Expr::var().sum_map_fn(Quartic).compile();
/// assert_eq!(grad(&f, &dvector![2.0]), dvector![8.0]);
/// ```
pub trait ScalarFn: Send + Sync + 'static {
    /// `f(x)`.
    fn eval<T: Real>(&self, x: T) -> T;

    /// The primitive's name in graph dumps and error messages.
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn};
    /// struct Id;
    /// impl ScalarFn for Id { fn eval<T: Real>(&self, x: T) -> T { x } }
    /// assert_eq!(Id.name(), "map_fn");
    /// ```
    fn name(&self) -> &'static str {
        "map_fn"
    }
}

/// `f: R² → R`, written once over any [`Real`].
///
/// ```
/// use lensdiff::{ScalarFn2, Real, Expr, DFun, grad};
/// use nalgebra::{dvector, DVector};
/// struct Product;
/// impl ScalarFn2 for Product {
///     fn eval<T: Real>(&self, a: T, b: T) -> T { a * b }
/// }
/// let x = Expr::<f64>::var();
/// let f: DFun<DVector<f64>, f64> = x.even().zip_map_fn(&x.odd(), Product).sum().compile();
/// assert_eq!(grad(&f, &dvector![2.0, 3.0]), dvector![3.0, 2.0]);
/// ```
pub trait ScalarFn2: Send + Sync + 'static {
    /// `f(a, b)`.
    fn eval<T: Real>(&self, a: T, b: T) -> T;

    /// The primitive's name in graph dumps and error messages.
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn2};
    /// struct Sum;
    /// impl ScalarFn2 for Sum { fn eval<T: Real>(&self, a: T, b: T) -> T { a + b } }
    /// assert_eq!(Sum.name(), "zip_map_fn");
    /// ```
    fn name(&self) -> &'static str {
        "zip_map_fn"
    }
}
