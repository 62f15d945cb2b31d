//! The sparsity tracer: a [`Real`] scalar that carries, next to its value,
//! the set of inputs it depends on.
//!
//! A [`Tracer`] is a small `Copy` handle `{ value, deps }`: `deps` holds a
//! set of at most two inputs inline, or the id of a larger index set in a
//! thread-local arena (see `deps.rs` and `arena.rs`); constants have the
//! empty set. Running an objective over `Tracer` computes
//!
//! * first order: `deps(y)` for every value (the Jacobian pattern), and
//! * second order: a global set of input pairs that meet in a nonlinear
//!   operation (the Hessian pattern):
//!   - `a + b`, `a − b`, `−a`, `c·a` (a constant `c`): linear, no pairs;
//!     `0·a` and `0/a` (a constant zero) are the constant zero;
//!   - `a · b`: `deps(a) × deps(b)` (so `a · a` gives `deps(a)²`);
//!   - `a / b`: as `a · (1/b)`: `deps(a) × deps(b)` and `deps(b)²`;
//!   - a nonlinear `f(a)` (`sin`, `exp`, `powi`, `sqrt`, `ln`, `recip`, …):
//!     `deps(a)²`; a nonlinear `f(a, b)` (`powf`, `atan2`, `hypot`):
//!     `(deps(a) ∪ deps(b))²`;
//!   - piecewise-linear functions (`abs`, `max`, `min`, `copysign`,
//!     `fract`, `%`): the union of the sets, no pairs; piecewise-constant
//!     ones (`floor`, `signum`, …): a constant.
//!
//! This is conservative: it never misses a nonzero of the Hessian. The pair
//! rule for a product records `∇a ∇bᵀ`; the curvature of `a` and `b`
//! themselves was recorded when they were computed.
//!
//! **Branches.** The tracer carries the real value, and comparisons
//! (`<`, `max`, the sign test of `abs`) look at the value only, so an
//! objective that branches on a traced value takes the branch of the point
//! `x` it is traced at: the pattern is that of the branch taken (exact at
//! `x`, not a bound over every `x`). Equality is structural (value *and*
//! set), so that a test for zero never drops a dependency.

use super::arena;
use super::deps::Deps;
use crate::Real;
use crate::elementary::*;
use num_traits::{Float, Num, One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;
use std::num::FpCategory;
use std::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

/// A scalar that records which inputs it depends on, and which pairs of
/// inputs interact nonlinearly (see the module docs).
///
/// Tracers with dependencies exist only inside a trace (started by
/// [`super::hessian_pattern`] or [`super::jacobian_pattern`]); outside
/// one, a `Tracer` is a constant and behaves as its `f64` value.
///
/// ```
/// use lensdiff::sparsity::{hessian_pattern, Tracer};
/// use lensdiff::{Expr, Objective, Real};
/// use nalgebra::dvector;
/// // A constant tracer is a plain number.
/// let t = Tracer::from_f64(2.0) * Tracer::from_f64(3.0);
/// assert_eq!(t.value_f64(), 6.0);
/// // f = x₀·x₁ + sin(x₂): pairs (0,1), (1,0) and (2,2).
/// struct F;
/// impl Objective for F {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.at(0) * x.at(1) + x.at(2).sin()
///     }
/// }
/// let p = hessian_pattern(&F, &dvector![1.0, 2.0, 3.0]).unwrap();
/// assert_eq!(p.nnz(), 3);
/// assert!(p.contains(0, 1) && p.contains(1, 0) && p.contains(2, 2));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Tracer {
    value: f64,
    deps: Deps,
}

impl Tracer {
    #[inline(always)]
    fn constant(value: f64) -> Self {
        Tracer {
            value,
            deps: Deps::EMPTY,
        }
    }

    /// Input `i` of the current trace (its set is `{i}`).
    #[inline]
    pub(crate) fn input(value: f64, i: usize) -> Self {
        Tracer {
            value,
            deps: Deps::input(i as u32),
        }
    }

    /// The dependency set.
    #[inline]
    pub(crate) fn deps(self) -> Deps {
        self.deps
    }

    /// Same dependencies, new value (a linear or piecewise-linear map).
    #[inline(always)]
    fn with_value(self, value: f64) -> Self {
        Tracer {
            value,
            deps: self.deps,
        }
    }

    /// A nonlinear function of `self`: records `deps(self)²`.
    #[inline]
    fn nonlinear(self, value: f64) -> Self {
        if !self.deps.is_empty() {
            arena::with(|a| a.cross(self.deps, self.deps));
        }
        self.with_value(value)
    }

    /// A nonlinear function of `self` and `o`: records `(deps ∪ deps)²`.
    #[inline]
    fn nonlinear2(self, o: Self, value: f64) -> Self {
        if self.deps.is_empty() && o.deps.is_empty() {
            return Tracer::constant(value);
        }
        let deps = arena::with(|a| {
            let d = a.union(self.deps, o.deps);
            a.cross(d, d);
            d
        });
        Tracer { value, deps }
    }

    /// A row of the elementwise table, by its class.
    #[inline]
    fn lift<R: Unary>(self, r: R) -> Self {
        let value = r.eval(self.value);
        match R::CLASS {
            Class::Nonlinear => self.nonlinear(value),
            Class::Linear => self.with_value(value),
        }
    }

    /// A row of the binary table (all nonlinear).
    #[inline]
    fn lift2<R: Binary>(self, r: R, o: Self) -> Self {
        self.nonlinear2(o, r.eval(self.value, o.value))
    }

    /// A linear combination of `self` and `o`: the union, no pairs.
    #[inline(always)]
    fn linear2(self, o: Self, value: f64) -> Self {
        let deps = match self.deps.union_inline(o.deps) {
            Some(d) => d,
            None => arena::with(|a| a.union(self.deps, o.deps)),
        };
        Tracer { value, deps }
    }
}

// ---------------------------------------------------------------- arithmetic

impl Add for Tracer {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.linear2(o, self.value + o.value)
    }
}

impl Sub for Tracer {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.linear2(o, self.value - o.value)
    }
}

impl Mul for Tracer {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let value = self.value * o.value;
        if self.deps.is_empty() || o.deps.is_empty() {
            // A constant zero times anything is the constant zero (the
            // zero tangents of `Dual<Tracer>` closures stay constants).
            if self.is_zero() || o.is_zero() {
                return Tracer::constant(value);
            }
            return self.linear2(o, value);
        }
        let deps = arena::with(|a| {
            a.cross(self.deps, o.deps);
            a.union(self.deps, o.deps)
        });
        Tracer { value, deps }
    }
}

impl Div for Tracer {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let value = self.value / o.value;
        if self.is_zero() {
            return Tracer::constant(value);
        }
        if o.deps.is_empty() {
            return self.with_value(value);
        }
        let deps = arena::with(|a| {
            a.cross(o.deps, o.deps);
            a.cross(self.deps, o.deps);
            a.union(self.deps, o.deps)
        });
        Tracer { value, deps }
    }
}

impl Rem for Tracer {
    type Output = Self;
    /// `a % b = a − b·trunc(a/b)`: piecewise linear.
    #[inline(always)]
    fn rem(self, o: Self) -> Self {
        self.linear2(o, self.value % o.value)
    }
}

impl Neg for Tracer {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        self.with_value(-self.value)
    }
}

macro_rules! assign_op {
    ($tr:ident, $m:ident, $op:ident) => {
        impl $tr for Tracer {
            #[inline(always)]
            fn $m(&mut self, o: Self) {
                *self = (*self).$op(o);
            }
        }
    };
}
assign_op!(AddAssign, add_assign, add);
assign_op!(SubAssign, sub_assign, sub);
assign_op!(MulAssign, mul_assign, mul);
assign_op!(DivAssign, div_assign, div);
assign_op!(RemAssign, rem_assign, rem);

// ------------------------------------------------------------ comparisons

impl PartialEq for Tracer {
    fn eq(&self, o: &Self) -> bool {
        self.value == o.value && self.deps == o.deps
    }
}

impl PartialOrd for Tracer {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        self.value.partial_cmp(&o.value)
    }
}

impl fmt::Display for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.value)?;
        if !self.deps.is_empty() {
            write!(f, " (traced)")?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------ num-traits

impl Zero for Tracer {
    #[inline(always)]
    fn zero() -> Self {
        Tracer::constant(0.0)
    }
    fn is_zero(&self) -> bool {
        self.value == 0.0 && self.deps.is_empty()
    }
}

impl One for Tracer {
    #[inline(always)]
    fn one() -> Self {
        Tracer::constant(1.0)
    }
}

impl Num for Tracer {
    type FromStrRadixErr = <f64 as Num>::FromStrRadixErr;
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
        f64::from_str_radix(s, radix).map(Tracer::constant)
    }
}

impl ToPrimitive for Tracer {
    fn to_i64(&self) -> Option<i64> {
        self.value.to_i64()
    }
    fn to_u64(&self) -> Option<u64> {
        self.value.to_u64()
    }
    fn to_f64(&self) -> Option<f64> {
        Some(self.value)
    }
    fn to_f32(&self) -> Option<f32> {
        self.value.to_f32()
    }
}

crate::real::casts_from_f64!(Tracer, Tracer::constant);

macro_rules! constants {
    ($($name:ident),*) => {
        $(fn $name() -> Self { Tracer::constant(f64::$name()) })*
    };
}

macro_rules! piecewise_constant {
    ($($name:ident),*) => {
        $(fn $name(self) -> Self { Tracer::constant(self.value.$name()) })*
    };
}

macro_rules! linear {
    ($($name:ident),*) => {
        $(fn $name(self) -> Self { self.with_value(self.value.$name()) })*
    };
}

impl Float for Tracer {
    constants!(
        nan,
        infinity,
        neg_infinity,
        neg_zero,
        min_value,
        min_positive_value,
        max_value,
        epsilon
    );
    // The elementwise functions: each table row's class.
    crate::elementary::unary_table!(float_lifts);
    crate::elementary::binary_table!(binary_lifts);
    piecewise_constant!(floor, ceil, round, trunc, signum);
    linear!(fract);
    fn is_nan(self) -> bool {
        self.value.is_nan()
    }
    fn is_infinite(self) -> bool {
        self.value.is_infinite()
    }
    fn is_finite(self) -> bool {
        self.value.is_finite()
    }
    fn is_normal(self) -> bool {
        self.value.is_normal()
    }
    fn classify(self) -> FpCategory {
        self.value.classify()
    }
    fn is_sign_positive(self) -> bool {
        self.value.is_sign_positive()
    }
    fn is_sign_negative(self) -> bool {
        self.value.is_sign_negative()
    }
    fn mul_add(self, a: Self, b: Self) -> Self {
        self * a + b
    }
    fn powi(self, n: i32) -> Self {
        match n {
            0 => Tracer::one(),
            1 => self,
            _ => self.nonlinear(self.value.powi(n)),
        }
    }
    fn powf(self, n: Self) -> Self {
        self.nonlinear2(n, self.value.powf(n.value))
    }
    fn log(self, base: Self) -> Self {
        self.nonlinear2(base, self.value.log(base.value))
    }
    fn max(self, o: Self) -> Self {
        self.linear2(o, self.value.max(o.value))
    }
    fn min(self, o: Self) -> Self {
        self.linear2(o, self.value.min(o.value))
    }
    #[allow(deprecated)]
    fn abs_sub(self, o: Self) -> Self {
        self.linear2(o, self.value.abs_sub(o.value))
    }
    fn sin_cos(self) -> (Self, Self) {
        let (s, c) = self.value.sin_cos();
        (self.nonlinear(s), self.with_value(c))
    }
    fn integer_decode(self) -> (u64, i16, i8) {
        self.value.integer_decode()
    }
    fn copysign(self, sign: Self) -> Self {
        self.with_value(self.value.copysign(sign.value))
    }
}

impl Real for Tracer {
    crate::elementary::unary_table!(real_lifts);
    crate::graph::engine_entry_points!();

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        Tracer::constant(x)
    }
    #[inline(always)]
    fn value_f64(self) -> f64 {
        self.value
    }
    fn is_finite_all(self) -> bool {
        self.value.is_finite()
    }
}
