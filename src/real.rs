//! The scalar trait.
//!
//! [`Real`] is what every lens, vector space and solver in the crate is
//! generic over. It is implemented by `f32`, `f64` and by the dual numbers
//! of [`crate::dual`] over any `Real`, so that derivatives nest: the
//! reverse-mode gradient computed over `Dual<f64>` carries a
//! Hessian-vector product in its tangent.

use crate::dual::{Dual, DualN};
use crate::scalar_fn::{ScalarFn, ScalarFn2};
use std::fmt::{Debug, Display};
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

/// A real scalar: `f32`, `f64`, or a dual number over a `Real`.
///
/// The bounds are the ones nalgebra's vector arithmetic and the elementary
/// functions of [`num_traits::Float`] need; nothing more.
///
/// ```
/// use lensdiff::Real;
/// fn quartic<T: Real>(x: T) -> T {
///     x.powi(4) * T::from_f64(0.25) - x * x * T::from_f64(0.5)
/// }
/// assert_eq!(quartic(2.0_f64), 2.0);
/// assert_eq!(quartic(2.0_f32), 2.0);
/// ```
pub trait Real:
    num_traits::Float
    + nalgebra::Scalar
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Send
    + Sync
    + Copy
    + Debug
    + Display
    + Default
    + 'static
{
    /// Converts an `f64` constant (a dual gets a zero tangent).
    fn from_f64(x: f64) -> Self;

    /// The primal value as an `f64` (a dual drops its tangents).
    fn value_f64(self) -> f64;

    /// `true` when the value and every tangent are finite.
    fn is_finite_all(self) -> bool;

    /// `(f(x), f'(x))` for a [`ScalarFn`]. The default runs `f` once on a
    /// one-tangent dual; dual numbers override it to evaluate `f` to second
    /// order at their component type and spread the result over their
    /// tangents, at a cost independent of the tangent count.
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn, DualN};
    /// struct Cube;
    /// impl ScalarFn for Cube { fn eval<T: Real>(&self, x: T) -> T { x * x * x } }
    /// assert_eq!(2.0_f64.value_deriv_of(&Cube), (8.0, 12.0));
    /// // Over a dual: the derivative carries f''(x)·ε.
    /// let (v, d) = DualN::<f64, 1>::variable(2.0, 0).value_deriv_of(&Cube);
    /// assert_eq!((v.re, v.eps[0], d.re, d.eps[0]), (8.0, 12.0, 12.0, 12.0));
    /// ```
    fn value_deriv_of<F: ScalarFn>(self, f: &F) -> (Self, Self) {
        let d = f.eval(Dual::new(self, Self::one()));
        (d.re, d.eps[0])
    }

    /// `(f(a, b), ∂f/∂a, ∂f/∂b)` for a [`ScalarFn2`] (see
    /// [`value_deriv_of`](Real::value_deriv_of) for how duals override it).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn2};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * a * b } }
    /// assert_eq!(f64::value_grad2_of(2.0, 3.0, &Prod), (12.0, 12.0, 4.0));
    /// ```
    fn value_grad2_of<F: ScalarFn2>(a: Self, b: Self, f: &F) -> (Self, Self, Self) {
        let r = f.eval(DualN::<Self, 2>::variable(a, 0), DualN::variable(b, 1));
        (r.re, r.eps[0], r.eps[1])
    }
}

impl Real for f64 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn value_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn is_finite_all(self) -> bool {
        self.is_finite()
    }
}

impl Real for f32 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn value_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn is_finite_all(self) -> bool {
        self.is_finite()
    }
}

/// A constant of any [`Real`] type, inferred from context.
///
/// Reads better than `T::from_f64(0.5)` inside scalar-generic functions.
///
/// ```
/// use lensdiff::{c, Real};
/// fn half_square<T: Real>(x: T) -> T {
///     x * x * c(0.5)
/// }
/// assert_eq!(half_square(3.0_f64), 4.5);
/// ```
#[inline(always)]
pub fn c<T: Real>(x: f64) -> T {
    T::from_f64(x)
}
