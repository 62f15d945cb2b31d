//! [`Lanes`]: four `f64` values as one [`Real`], so that a scalar function
//! written once over `Real` (a [`ScalarFn`](crate::ScalarFn), a row of the
//! elementwise table) runs four elements at a time and reaches the SIMD
//! kernels (`sin`, `cos`, `sin_cos`, `exp`, `ln`, `tanh`) through the same
//! code that runs it on `f64`.
//!
//! Arithmetic and every function returning a scalar are lanewise. What
//! returns something else (a comparison, `is_nan`, `to_i64`, …) is only
//! meaningful when all four lanes agree; when they do not, the answer of
//! lane 0 is returned and the evaluation is marked *diverged*, and the
//! caller (see [`agreed`]) recomputes those four elements one by one
//! on `f64`. So a function that branches on its argument is never given a
//! wrong branch: vector speed where the lanes agree, scalar answers where
//! they do not.

use super::level::vectorized;
use super::simd4::F64x4;
use super::{LANES, exp_lanes, ln_1p_lanes, ln_lanes, sin_cos_lanes, tanh_lanes};
use crate::Real;
use num_traits::{Float, Num, One, ToPrimitive, Zero};
use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;
use std::num::FpCategory;
use std::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

thread_local! {
    /// Set when a non-lanewise question got different answers per lane.
    static DIVERGED: Cell<bool> = const { Cell::new(false) };
}

/// Four `f64` lanes as one scalar (see the module docs).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Lanes(pub(crate) F64x4);

impl Lanes {
    #[inline(always)]
    fn splat(v: f64) -> Self {
        Lanes(F64x4::splat(v))
    }

    #[inline(always)]
    fn map(self, f: impl Fn(f64) -> f64) -> Self {
        Lanes(self.0.map(f))
    }

    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        Lanes(self.0.zip(o.0, f))
    }

    /// The common answer of the four lanes to a non-lanewise question.
    #[inline(always)]
    fn uniform<T: PartialEq + Copy>(self, f: impl Fn(f64) -> T) -> T {
        agree(self.0.to_array().map(f))
    }

    /// The lanes as an array.
    #[inline(always)]
    pub(crate) fn to_array(self) -> [f64; LANES] {
        self.0.to_array()
    }
}

/// Lanes `i .. i + LANES` of `x` (past the end, copies of `x[i]`, so that
/// padding never makes lanes disagree), and how many are real.
#[inline(always)]
pub(crate) fn load(x: &[f64], i: usize) -> (Lanes, usize) {
    if let Some(c) = x.get(i..i + LANES) {
        return (Lanes(F64x4([c[0], c[1], c[2], c[3]])), LANES);
    }
    let len = x.len() - i;
    let mut a = [x[i]; LANES];
    a[..len].copy_from_slice(&x[i..]);
    (Lanes(F64x4(a)), len)
}

/// Runs `f` with the divergence mark cleared: its result, and whether every
/// non-lanewise question `f` asked had one answer for all lanes.
#[inline(always)]
pub(crate) fn agreed<R>(f: impl FnOnce() -> R) -> (R, bool) {
    set_diverged(false);
    let r = f();
    (r, !diverged())
}

// The thread-local's accessors are not generic, so they are compiled once
// rather than once per kernel (a closure inside a generic function is a
// new type, and a new copy of `LocalKey::with`, in every instance).
#[inline]
fn set_diverged(v: bool) {
    DIVERGED.with(|d| d.set(v));
}

#[inline]
fn diverged() -> bool {
    DIVERGED.with(|d| d.get())
}

/// The common value of four answers, marking divergence when they differ.
#[inline(always)]
fn agree<T: PartialEq + Copy>(a: [T; LANES]) -> T {
    if a[1..].iter().any(|v| *v != a[0]) {
        set_diverged(true);
    }
    a[0]
}

// ---------------------------------------------------------------- arithmetic

macro_rules! lanewise_op {
    ($tr:ident, $m:ident, $atr:ident, $am:ident, |$a:ident, $b:ident| $e:expr) => {
        impl $tr for Lanes {
            type Output = Self;
            #[inline(always)]
            fn $m(self, o: Self) -> Self {
                let ($a, $b) = (self.0, o.0);
                Lanes($e)
            }
        }
        impl $atr for Lanes {
            #[inline(always)]
            fn $am(&mut self, o: Self) {
                *self = (*self).$m(o);
            }
        }
    };
}
lanewise_op!(Add, add, AddAssign, add_assign, |a, b| a + b);
lanewise_op!(Sub, sub, SubAssign, sub_assign, |a, b| a - b);
lanewise_op!(Mul, mul, MulAssign, mul_assign, |a, b| a * b);
lanewise_op!(Div, div, DivAssign, div_assign, |a, b| a / b);
lanewise_op!(Rem, rem, RemAssign, rem_assign, |a, b| Lanes(a)
    .zip(Lanes(b), |x, y| x % y)
    .0);

impl Neg for Lanes {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Lanes(-self.0)
    }
}

impl PartialEq for Lanes {
    #[inline(always)]
    fn eq(&self, o: &Self) -> bool {
        let (a, b) = (self.0.to_array(), o.0.to_array());
        agree([a[0] == b[0], a[1] == b[1], a[2] == b[2], a[3] == b[3]])
    }
}

impl PartialOrd for Lanes {
    #[inline(always)]
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        let (a, b) = (self.0.to_array(), o.0.to_array());
        agree([
            a[0].partial_cmp(&b[0]),
            a[1].partial_cmp(&b[1]),
            a[2].partial_cmp(&b[2]),
            a[3].partial_cmp(&b[3]),
        ])
    }
}

impl fmt::Display for Lanes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.to_array())
    }
}

// ------------------------------------------------------------ num-traits

impl Zero for Lanes {
    #[inline(always)]
    fn zero() -> Self {
        Lanes::splat(0.0)
    }
    fn is_zero(&self) -> bool {
        self.uniform(|v| v == 0.0)
    }
}

impl One for Lanes {
    #[inline(always)]
    fn one() -> Self {
        Lanes::splat(1.0)
    }
}

impl Num for Lanes {
    type FromStrRadixErr = <f64 as Num>::FromStrRadixErr;
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
        f64::from_str_radix(s, radix).map(Lanes::splat)
    }
}

impl ToPrimitive for Lanes {
    fn to_i64(&self) -> Option<i64> {
        self.uniform(|v| v.to_i64())
    }
    fn to_u64(&self) -> Option<u64> {
        self.uniform(|v| v.to_u64())
    }
    fn to_f64(&self) -> Option<f64> {
        Some(self.value_f64())
    }
}

crate::real::casts_from_f64!(Lanes, Lanes::splat);

macro_rules! constants {
    ($($name:ident),*) => {
        $(fn $name() -> Self { Lanes::splat(f64::$name()) })*
    };
}

macro_rules! per_lane {
    ($($name:ident),*) => {
        $(#[inline(always)] fn $name(self) -> Self { self.map(f64::$name) })*
    };
}

macro_rules! per_lane2 {
    ($($name:ident),*) => {
        $(#[inline(always)] fn $name(self, o: Self) -> Self { self.zip(o, f64::$name) })*
    };
}

macro_rules! uniform {
    ($($name:ident -> $t:ty),*) => {
        $(fn $name(self) -> $t { self.uniform(f64::$name) })*
    };
}

impl Float for Lanes {
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
    per_lane!(
        floor, ceil, round, trunc, fract, signum, exp2, log2, log10, cbrt, tan, asin, acos, atan,
        exp_m1, sinh, cosh, asinh, acosh, atanh, to_degrees, to_radians
    );
    per_lane2!(powf, log, max, min, hypot, atan2, copysign);
    uniform!(
        is_nan -> bool,
        is_infinite -> bool,
        is_finite -> bool,
        is_normal -> bool,
        classify -> FpCategory,
        is_sign_positive -> bool,
        is_sign_negative -> bool,
        integer_decode -> (u64, i16, i8)
    );
    #[allow(deprecated)]
    fn abs_sub(self, o: Self) -> Self {
        self.zip(o, |a, b| (a - b).max(0.0))
    }
    #[inline(always)]
    fn abs(self) -> Self {
        Lanes(self.0.abs())
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        self * a + b
    }
    #[inline(always)]
    fn recip(self) -> Self {
        Lanes(F64x4::ONE / self.0)
    }
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        // Binary powering, as f64::powi does it; lanewise multiplies.
        let mut base = if n < 0 { self.recip() } else { self };
        let mut e = n.unsigned_abs();
        let mut acc = Lanes::one();
        while e > 0 {
            if e & 1 == 1 {
                acc *= base;
            }
            base *= base;
            e >>= 1;
        }
        acc
    }
    #[inline(always)]
    fn sqrt(self) -> Self {
        Lanes(self.0.sqrt())
    }
    #[inline(always)]
    fn exp(self) -> Self {
        Lanes(exp_lanes(self.0))
    }
    #[inline(always)]
    fn ln(self) -> Self {
        Lanes(ln_lanes(self.0))
    }
    #[inline(always)]
    fn sin(self) -> Self {
        Lanes(sin_cos_lanes(self.0).0)
    }
    #[inline(always)]
    fn cos(self) -> Self {
        Lanes(sin_cos_lanes(self.0).1)
    }
    #[inline(always)]
    fn sin_cos(self) -> (Self, Self) {
        let (s, c) = sin_cos_lanes(self.0);
        (Lanes(s), Lanes(c))
    }
    #[inline(always)]
    fn ln_1p(self) -> Self {
        Lanes(ln_1p_lanes(self.0))
    }
    #[inline(always)]
    fn tanh(self) -> Self {
        Lanes(tanh_lanes(self.0))
    }
}

impl Real for Lanes {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        Lanes::splat(x)
    }
    fn value_f64(self) -> f64 {
        f64::from_bits(self.uniform(f64::to_bits))
    }
    fn is_finite_all(self) -> bool {
        self.uniform(f64::is_finite)
    }
}

/// Hands `out(i, r_i)` for `i in 0..n`, in order: four at a time from
/// `lanes(i)` (results, how many are real, whether the lanes agreed), and
/// from `scalar(i)` one by one for a chunk whose lanes diverged. The loop
/// runs at the instruction set in force ([`vectorized`]); callers pass
/// `lanes` as an `#[inline(always)]` closure so that it is compiled there
/// too.
#[inline(always)]
pub(crate) fn drive<R: Copy>(
    n: usize,
    lanes: impl Fn(usize) -> ([R; LANES], usize, bool),
    scalar: impl Fn(usize) -> R,
    mut out: impl FnMut(usize, R),
) {
    vectorized(
        #[inline(always)]
        || {
            for i in (0..n).step_by(LANES) {
                let (r, len, ok) = lanes(i);
                for (j, &r) in r.iter().enumerate().take(len) {
                    out(i + j, if ok { r } else { scalar(i + j) });
                }
            }
        },
    )
}

/// Lanewise tuples of two lane vectors.
#[inline(always)]
pub(crate) fn pairs(a: Lanes, b: Lanes) -> [(f64, f64); LANES] {
    let (a, b) = (a.to_array(), b.to_array());
    // Written out: `array::map` can stay an out-of-line call in the lanes'
    // hot loops.
    [(a[0], b[0]), (a[1], b[1]), (a[2], b[2]), (a[3], b[3])]
}

/// Lanewise triples of three lane vectors.
#[inline(always)]
pub(crate) fn triples(a: Lanes, b: Lanes, c: Lanes) -> [(f64, f64, f64); LANES] {
    let (a, b, c) = (a.to_array(), b.to_array(), c.to_array());
    [
        (a[0], b[0], c[0]),
        (a[1], b[1], c[1]),
        (a[2], b[2], c[2]),
        (a[3], b[3], c[3]),
    ]
}
