//! Dual numbers: a value and `K` tangents, generic over any [`Real`].
//!
//! `DualN<S, K>` represents `re + Σ_j eps[j]·ε_j` with `ε_i ε_j = 0`. Every
//! elementary function is implemented once through its value and
//! derivative (`f(a + ε da) = f(a) + ε f'(a) da`), for all `K` at once.
//! Because the component type is itself any `Real`, duals nest: a
//! `Dual<Dual<f64>>` carries second derivatives, and running a reverse-mode
//! gradient over `DualN<f64, K>` computes `K` Hessian-vector products in one
//! sweep (see [`crate::hessian`]).
//!
//! Comparisons (`<`, `max`, `min`) look at the value only; equality (`==`)
//! is structural (value *and* tangents), so that a test for zero never
//! drops a tangent.

use crate::Real;
use crate::elementary::*;
use crate::scalar_fn::{ScalarFn, ScalarFn2};
use num_traits::{Float, FromPrimitive, Num, NumCast, One, ToPrimitive, Zero};
use std::cmp::Ordering;
use std::fmt;
use std::num::FpCategory;
use std::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

/// A dual number with `K` tangent components.
///
/// ```
/// use lensdiff::DualN;
/// // f(x, y) = x·y at (3, 4), seeded with both unit tangents.
/// let x = DualN::<f64, 2>::variable(3.0, 0);
/// let y = DualN::<f64, 2>::variable(4.0, 1);
/// let f = x * y;
/// assert_eq!(f.re, 12.0);
/// assert_eq!(f.eps, [4.0, 3.0]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DualN<S, const K: usize> {
    /// The value (primal part).
    pub re: S,
    /// The tangents: `eps[j]` is the derivative along the `j`-th direction.
    pub eps: [S; K],
}

/// A dual number with one tangent: forward-mode derivative of a scalar path.
///
/// ```
/// use lensdiff::Dual;
/// use num_traits::Float;
/// let x = Dual::new(0.5_f64, 1.0); // the point 0.5, moving at speed 1
/// let y = x.sin() * x;
/// assert!((y.eps[0] - (0.5_f64.cos() * 0.5 + 0.5_f64.sin())).abs() < 1e-15);
/// ```
pub type Dual<S> = DualN<S, 1>;

impl<S: Real> Dual<S> {
    /// A one-tangent dual `re + ε·eps`.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// let d = Dual::new(2.0_f64, 1.0);
    /// assert_eq!((d * d).eps[0], 4.0);
    /// ```
    #[inline(always)]
    pub fn new(re: S, eps: S) -> Self {
        DualN { re, eps: [eps] }
    }

    /// The single tangent.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(2.0_f64, 3.0).tangent(), 3.0);
    /// ```
    #[inline(always)]
    pub fn tangent(self) -> S {
        self.eps[0]
    }
}

impl<S: Real, const K: usize> DualN<S, K> {
    /// A constant: all tangents zero.
    ///
    /// ```
    /// use lensdiff::DualN;
    /// let c = DualN::<f64, 3>::constant(1.5);
    /// assert_eq!(c.eps, [0.0; 3]);
    /// ```
    #[inline(always)]
    pub fn constant(re: S) -> Self {
        DualN {
            re,
            eps: [S::zero(); K],
        }
    }

    /// The `j`-th input variable: tangent `e_j`.
    ///
    /// ```
    /// use lensdiff::DualN;
    /// let x = DualN::<f64, 2>::variable(1.0, 1);
    /// assert_eq!(x.eps, [0.0, 1.0]);
    /// ```
    #[inline(always)]
    pub fn variable(re: S, j: usize) -> Self {
        let mut d = Self::constant(re);
        d.eps[j] = S::one();
        d
    }

    /// A dual from a value and its tangents.
    ///
    /// ```
    /// use lensdiff::DualN;
    /// let d = DualN::from_parts(1.0_f64, [2.0, 3.0]);
    /// assert_eq!(d.eps[1], 3.0);
    /// ```
    #[inline(always)]
    pub fn from_parts(re: S, eps: [S; K]) -> Self {
        DualN { re, eps }
    }

    /// Applies a function with value `f` and derivative `df` at `self.re`
    /// (the chain rule, written once for every elementary function).
    #[inline(always)]
    fn chain(self, f: S, df: S) -> Self {
        let mut eps = self.eps;
        for e in eps.iter_mut() {
            *e *= df;
        }
        DualN { re: f, eps }
    }

    /// A row of the elementwise table: its value and derivative at the
    /// component level, then the chain rule.
    #[inline(always)]
    fn lift<R: Unary>(self, r: R) -> Self {
        let (f, df) = r.value_deriv(self.re);
        self.chain(f, df)
    }

    /// A row of the binary table: `d f = ∂a f · da + ∂b f · db`.
    #[inline(always)]
    fn lift2<R: Binary>(self, r: R, o: Self) -> Self {
        let (f, fa, fb) = r.value_grad(self.re, o.re);
        let mut eps = self.eps;
        for (a, b) in eps.iter_mut().zip(o.eps) {
            *a = fa * *a + fb * b;
        }
        DualN { re: f, eps }
    }
}

/// Entries per tile in the tiled Hessian-sweep paths (two tiles of
/// components stay in L1).
const TILE: usize = 64;

// The components' paths of a tile into a buffer, in functions generic over
// the component scalar and the function only: the vectorised `f64` paths
// (two instruction sets each) are then compiled once per function, not
// once per tangent width, and the spreading over the tangents, which is
// per width, stays a plain loop (build time).

/// `(f, f')` at each component.
fn deriv_tile<S: Real, F: ScalarFn>(f: &F, x: &[S], buf: &mut [(S, S)]) {
    S::map_deriv_slice(f, x, |j, v, d| buf[j] = (v, d));
}

/// `(f, ∂f/∂a, ∂f/∂b)` at each component pair.
fn grad2_tile<S: Real, F: ScalarFn2>(f: &F, a: &[S], b: &[S], buf: &mut [(S, S, S)]) {
    S::zip_grad_slice(f, a, b, |j, v, fa, fb| buf[j] = (v, fa, fb));
}

/// `(f, f', f'')` at each component.
fn second1_tile<S: Real, F: ScalarFn>(f: &F, x: &[S], buf: &mut [(S, S, S)]) {
    S::map_second_slice(f, x, |j, v, d1, d2| buf[j] = (v, d1, d2));
}

/// The gradient and Hessian ([`second2`]'s layout) at each component pair.
fn second2_tile<S: Real, F: ScalarFn2>(f: &F, a: &[S], b: &[S], buf: &mut [([S; 3], [S; 3])]) {
    S::zip_second_slice(f, a, b, |j, g, h| buf[j] = (g, h));
}

/// `(f, f', f'')` at `x` by one evaluation over nested one-tangent duals.
#[inline(always)]
pub(crate) fn second1<S: Real, F: ScalarFn>(f: &F, x: S) -> (S, S, S) {
    let one = S::one();
    let r = f.eval(Dual::new(Dual::new(x, one), Dual::new(one, S::zero())));
    (r.re.re, r.re.eps[0], r.eps[0].eps[0])
}

/// `([f, ∂a f, ∂b f], [∂aa f, ∂ab f, ∂bb f])` at `(a, b)` by one
/// evaluation over two-by-two nested duals.
#[inline(always)]
pub(crate) fn second2<S: Real, F: ScalarFn2>(f: &F, a: S, b: S) -> ([S; 3], [S; 3]) {
    let (o, z) = (S::one(), S::zero());
    let ad = DualN {
        re: DualN::<S, 2>::variable(a, 0),
        eps: [DualN::from_parts(o, [z, z]), DualN::from_parts(z, [z, z])],
    };
    let bd = DualN {
        re: DualN::<S, 2>::variable(b, 1),
        eps: [DualN::from_parts(z, [z, z]), DualN::from_parts(o, [z, z])],
    };
    let r = f.eval(ad, bd);
    (
        [r.re.re, r.re.eps[0], r.re.eps[1]],
        [r.eps[0].eps[0], r.eps[0].eps[1], r.eps[1].eps[1]],
    )
}

impl<S: Real, const K: usize> DualN<S, K> {
    /// `f(x) = f + f'·ε`, `f'(x) = f' + f''·ε` from component-level
    /// `f, f', f''`.
    #[inline(always)]
    fn spread1(self, v: S, d1: S, d2: S) -> (Self, Self) {
        (self.chain(v, d1), self.chain(d1, d2))
    }

    /// Value and both partials of a two-argument function at `(a, b)` from
    /// its component-level gradient `g` and Hessian `h`.
    #[inline(always)]
    fn spread2(a: Self, b: Self, g: [S; 3], h: [S; 3]) -> (Self, Self, Self) {
        let [v, fa, fb] = g;
        let [faa, fab, fbb] = h;
        let z = S::zero();
        let (mut ev, mut ea, mut eb) = ([z; K], [z; K], [z; K]);
        for j in 0..K {
            let (da, db) = (a.eps[j], b.eps[j]);
            ev[j] = fa * da + fb * db;
            ea[j] = faa * da + fab * db;
            eb[j] = fab * da + fbb * db;
        }
        (
            DualN { re: v, eps: ev },
            DualN { re: fa, eps: ea },
            DualN { re: fb, eps: eb },
        )
    }
}

macro_rules! inherent {
    ($($(#[$doc:meta])* $name:ident($($arg:ident: $t:ty),*);)*) => {
        /// The elementary functions as inherent methods, so that closures
        /// over duals need no trait import (they delegate to [`Float`]).
        impl<S: Real, const K: usize> DualN<S, K> {
            $(
                $(#[$doc])*
                #[inline(always)]
                pub fn $name(self $(, $arg: $t)*) -> Self {
                    <Self as Float>::$name(self $(, $arg)*)
                }
            )*
        }
    };
}

inherent! {
    /// `xⁿ`.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(2.0_f64, 1.0).powi(3).eps[0], 12.0);
    /// ```
    powi(n: i32);
    /// `xʸ`.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(4.0_f64, 1.0).powf(Dual::constant(0.5)).re, 2.0);
    /// ```
    powf(n: Self);
    /// Square root.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(4.0_f64, 1.0).sqrt().eps[0], 0.25);
    /// ```
    sqrt();
    /// Exponential.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).exp().eps[0], 1.0);
    /// ```
    exp();
    /// Natural logarithm.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(2.0_f64, 1.0).ln().eps[0], 0.5);
    /// ```
    ln();
    /// `ln(1 + x)`.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).ln_1p().eps[0], 1.0);
    /// ```
    ln_1p();
    /// Sine.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).sin().eps[0], 1.0);
    /// ```
    sin();
    /// Cosine.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).cos().eps[0], 0.0);
    /// ```
    cos();
    /// Tangent.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).tan().eps[0], 1.0);
    /// ```
    tan();
    /// Hyperbolic tangent.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).tanh().eps[0], 1.0);
    /// ```
    tanh();
    /// Arctangent.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(0.0_f64, 1.0).atan().eps[0], 1.0);
    /// ```
    atan();
    /// Absolute value (derivative `sign(x)`).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(-2.0_f64, 1.0).abs().eps[0], -1.0);
    /// ```
    abs();
    /// Reciprocal.
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert_eq!(Dual::new(2.0_f64, 1.0).recip().eps[0], -0.25);
    /// ```
    recip();
    /// `cosh` (see [`Float::cosh`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).cosh().eps[0] - 0.0).abs() < 1e-15);
    /// ```
    cosh();
    /// `sinh` (see [`Float::sinh`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).sinh().eps[0] - 1.0).abs() < 1e-15);
    /// ```
    sinh();
    /// `asin` (see [`Float::asin`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).asin().eps[0] - 1.0).abs() < 1e-15);
    /// ```
    asin();
    /// `acos` (see [`Float::acos`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).acos().eps[0] - -1.0).abs() < 1e-15);
    /// ```
    acos();
    /// `asinh` (see [`Float::asinh`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).asinh().eps[0] - 1.0).abs() < 1e-15);
    /// ```
    asinh();
    /// `atanh` (see [`Float::atanh`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).atanh().eps[0] - 1.0).abs() < 1e-15);
    /// ```
    atanh();
    /// `exp2` (see [`Float::exp2`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).exp2().eps[0] - std::f64::consts::LN_2).abs() < 1e-15);
    /// ```
    exp2();
    /// `exp_m1` (see [`Float::exp_m1`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(0.0_f64, 1.0).exp_m1().eps[0] - 1.0).abs() < 1e-15);
    /// ```
    exp_m1();
    /// `log2` (see [`Float::log2`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(1.0_f64, 1.0).log2().eps[0] - 1.0 / std::f64::consts::LN_2).abs() < 1e-15);
    /// ```
    log2();
    /// `log10` (see [`Float::log10`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(1.0_f64, 1.0).log10().eps[0] - 1.0 / std::f64::consts::LN_10).abs() < 1e-15);
    /// ```
    log10();
    /// `cbrt` (see [`Float::cbrt`]).
    ///
    /// ```
    /// use lensdiff::Dual;
    /// assert!((Dual::new(8.0_f64, 1.0).cbrt().eps[0] - 1.0 / 12.0).abs() < 1e-15);
    /// ```
    cbrt();
}

// ---------------------------------------------------------------- arithmetic

impl<S: Real, const K: usize> Add for DualN<S, K> {
    type Output = Self;
    #[inline(always)]
    fn add(mut self, o: Self) -> Self {
        self.re += o.re;
        for (a, b) in self.eps.iter_mut().zip(o.eps) {
            *a += b;
        }
        self
    }
}

impl<S: Real, const K: usize> Sub for DualN<S, K> {
    type Output = Self;
    #[inline(always)]
    fn sub(mut self, o: Self) -> Self {
        self.re -= o.re;
        for (a, b) in self.eps.iter_mut().zip(o.eps) {
            *a -= b;
        }
        self
    }
}

impl<S: Real, const K: usize> Mul for DualN<S, K> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let mut eps = self.eps;
        for (a, b) in eps.iter_mut().zip(o.eps) {
            *a = *a * o.re + self.re * b;
        }
        DualN {
            re: self.re * o.re,
            eps,
        }
    }
}

impl<S: Real, const K: usize> Div for DualN<S, K> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let inv = S::one() / o.re;
        let q = self.re * inv;
        let mut eps = self.eps;
        for (a, b) in eps.iter_mut().zip(o.eps) {
            *a = (*a - q * b) * inv;
        }
        DualN { re: q, eps }
    }
}

impl<S: Real, const K: usize> Rem for DualN<S, K> {
    type Output = Self;
    /// `a % b = a - b·trunc(a/b)`; the truncation is locally constant.
    #[inline(always)]
    fn rem(self, o: Self) -> Self {
        let t = (self.re / o.re).trunc();
        self - o * Self::constant(t)
    }
}

impl<S: Real, const K: usize> Neg for DualN<S, K> {
    type Output = Self;
    #[inline(always)]
    fn neg(mut self) -> Self {
        self.re = -self.re;
        for a in self.eps.iter_mut() {
            *a = -*a;
        }
        self
    }
}

macro_rules! assign_op {
    ($tr:ident, $m:ident, $op:ident) => {
        impl<S: Real, const K: usize> $tr for DualN<S, K> {
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

impl<S: Real, const K: usize> std::iter::Sum for DualN<S, K> {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::zero(), |a, b| a + b)
    }
}

// ------------------------------------------------------------ comparisons

impl<S: Real, const K: usize> PartialEq for DualN<S, K> {
    fn eq(&self, o: &Self) -> bool {
        self.re == o.re && self.eps == o.eps
    }
}

impl<S: Real, const K: usize> PartialOrd for DualN<S, K> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        self.re.partial_cmp(&o.re)
    }
}

impl<S: Real, const K: usize> Default for DualN<S, K> {
    fn default() -> Self {
        Self::zero()
    }
}

impl<S: Real, const K: usize> fmt::Display for DualN<S, K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.re)?;
        for (j, e) in self.eps.iter().enumerate() {
            write!(f, " + {e}ε{j}")?;
        }
        Ok(())
    }
}

// ------------------------------------------------------------ num-traits

impl<S: Real, const K: usize> Zero for DualN<S, K> {
    #[inline(always)]
    fn zero() -> Self {
        Self::constant(S::zero())
    }
    fn is_zero(&self) -> bool {
        self.re.is_zero() && self.eps.iter().all(|e| e.is_zero())
    }
}

impl<S: Real, const K: usize> One for DualN<S, K> {
    #[inline(always)]
    fn one() -> Self {
        Self::constant(S::one())
    }
}

impl<S: Real, const K: usize> Num for DualN<S, K> {
    type FromStrRadixErr = <S as Num>::FromStrRadixErr;
    fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
        S::from_str_radix(s, radix).map(Self::constant)
    }
}

impl<S: Real, const K: usize> ToPrimitive for DualN<S, K> {
    fn to_i64(&self) -> Option<i64> {
        self.re.to_i64()
    }
    fn to_u64(&self) -> Option<u64> {
        self.re.to_u64()
    }
    fn to_f64(&self) -> Option<f64> {
        self.re.to_f64()
    }
    fn to_f32(&self) -> Option<f32> {
        self.re.to_f32()
    }
}

impl<S: Real, const K: usize> NumCast for DualN<S, K> {
    fn from<T: ToPrimitive>(n: T) -> Option<Self> {
        <S as NumCast>::from(n).map(Self::constant)
    }
}

impl<S: Real, const K: usize> FromPrimitive for DualN<S, K> {
    fn from_i64(n: i64) -> Option<Self> {
        <S as NumCast>::from(n).map(Self::constant)
    }
    fn from_u64(n: u64) -> Option<Self> {
        <S as NumCast>::from(n).map(Self::constant)
    }
    fn from_f64(n: f64) -> Option<Self> {
        Some(Self::constant(<S as Real>::from_f64(n)))
    }
}

impl<S: Real, const K: usize> Float for DualN<S, K> {
    // The elementwise functions: the chain rule through each table row.
    crate::elementary::unary_table!(float_lifts);
    crate::elementary::binary_table!(binary_lifts);

    fn nan() -> Self {
        Self::constant(S::nan())
    }
    fn infinity() -> Self {
        Self::constant(S::infinity())
    }
    fn neg_infinity() -> Self {
        Self::constant(S::neg_infinity())
    }
    fn neg_zero() -> Self {
        Self::constant(S::neg_zero())
    }
    fn min_value() -> Self {
        Self::constant(S::min_value())
    }
    fn min_positive_value() -> Self {
        Self::constant(S::min_positive_value())
    }
    fn max_value() -> Self {
        Self::constant(S::max_value())
    }
    fn epsilon() -> Self {
        Self::constant(S::epsilon())
    }
    fn is_nan(self) -> bool {
        self.re.is_nan() || self.eps.iter().any(|e| e.is_nan())
    }
    fn is_infinite(self) -> bool {
        self.re.is_infinite() || self.eps.iter().any(|e| e.is_infinite())
    }
    fn is_finite(self) -> bool {
        self.re.is_finite() && self.eps.iter().all(|e| e.is_finite())
    }
    fn is_normal(self) -> bool {
        self.re.is_normal()
    }
    fn classify(self) -> FpCategory {
        self.re.classify()
    }
    // Piecewise-constant functions: zero derivative almost everywhere.
    fn floor(self) -> Self {
        Self::constant(self.re.floor())
    }
    fn ceil(self) -> Self {
        Self::constant(self.re.ceil())
    }
    fn round(self) -> Self {
        Self::constant(self.re.round())
    }
    fn trunc(self) -> Self {
        Self::constant(self.re.trunc())
    }
    fn fract(self) -> Self {
        self.chain(self.re.fract(), S::one())
    }
    fn signum(self) -> Self {
        Self::constant(self.re.signum())
    }
    fn is_sign_positive(self) -> bool {
        self.re.is_sign_positive()
    }
    fn is_sign_negative(self) -> bool {
        self.re.is_sign_negative()
    }
    #[inline(always)]
    fn mul_add(self, a: Self, b: Self) -> Self {
        self * a + b
    }
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        match n {
            0 => Self::one(),
            1 => self,
            2 => self * self,
            _ => {
                let pm1 = self.re.powi(n - 1);
                self.chain(pm1 * self.re, <S as Real>::from_f64(n as f64) * pm1)
            }
        }
    }
    #[inline(always)]
    fn powf(self, n: Self) -> Self {
        // x^y = exp(y ln x), written out so that a constant exponent on a
        // negative base still works when the exponent has no tangent.
        if n.eps.iter().all(|e| e.is_zero()) {
            let pm1 = self.re.powf(n.re - S::one());
            return self.chain(pm1 * self.re, n.re * pm1);
        }
        (n * self.ln()).exp()
    }
    #[inline(always)]
    fn log(self, base: Self) -> Self {
        self.ln() / base.ln()
    }
    #[inline(always)]
    fn max(self, o: Self) -> Self {
        if o.re > self.re || self.re.is_nan() {
            o
        } else {
            self
        }
    }
    #[inline(always)]
    fn min(self, o: Self) -> Self {
        if o.re < self.re || self.re.is_nan() {
            o
        } else {
            self
        }
    }
    #[allow(deprecated)]
    fn abs_sub(self, o: Self) -> Self {
        if self.re > o.re {
            self - o
        } else {
            Self::zero()
        }
    }
    #[inline(always)]
    fn sin_cos(self) -> (Self, Self) {
        let (s, c) = self.re.sin_cos();
        (self.chain(s, c), self.chain(c, -s))
    }
    fn integer_decode(self) -> (u64, i16, i8) {
        self.re.integer_decode()
    }
    #[inline(always)]
    fn copysign(self, sign: Self) -> Self {
        if self.re.is_sign_negative() == sign.re.is_sign_negative() {
            self
        } else {
            -self
        }
    }
}

impl<S: Real, const K: usize> Real for DualN<S, K> {
    crate::elementary::unary_table!(real_lifts);

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        Self::constant(S::from_f64(x))
    }
    #[inline(always)]
    fn value_f64(self) -> f64 {
        self.re.value_f64()
    }
    fn is_finite_all(self) -> bool {
        self.re.is_finite_all() && self.eps.iter().all(|e| e.is_finite_all())
    }

    /// `f`, `f'`, `f''` at the component level (one second-order
    /// evaluation), then `f(x) = f + f'·ε`, `f'(x) = f' + f''·ε`.
    fn value_and_deriv<F: ScalarFn>(self, f: &F) -> (Self, Self) {
        let (v, d1, d2) = second1(f, self.re);
        self.spread1(v, d1, d2)
    }

    /// Value, gradient and Hessian of `f` at the component level (one
    /// evaluation over two-by-two nested duals), spread over the tangents.
    fn value_and_grad2<F: ScalarFn2>(a: Self, b: Self, f: &F) -> (Self, Self, Self) {
        let (g, h) = second2(f, a.re, b.re);
        Self::spread2(a, b, g, h)
    }

    /// Values through the components' first-order path (SIMD lanes for
    /// `f64`): `f(x) = f + f'·ε`, a tile at a time.
    fn map_slice<F: ScalarFn>(f: &F, x: &[Self], mut out: impl FnMut(usize, Self)) {
        let mut re = [S::zero(); TILE];
        for (t, tile) in x.chunks(TILE).enumerate() {
            for (r, d) in re.iter_mut().zip(tile) {
                *r = d.re;
            }
            let mut buf = [(S::zero(), S::zero()); TILE];
            deriv_tile(f, &re[..tile.len()], &mut buf);
            for (j, &(v, d)) in buf[..tile.len()].iter().enumerate() {
                out(t * TILE + j, tile[j].chain(v, d));
            }
        }
    }

    /// As [`map_slice`](Real::map_slice), for two arguments.
    fn zip_slice<F: ScalarFn2>(f: &F, a: &[Self], b: &[Self], mut out: impl FnMut(usize, Self)) {
        let (mut ra, mut rb) = ([S::zero(); TILE], [S::zero(); TILE]);
        for (t, (ta, tb)) in a.chunks(TILE).zip(b.chunks(TILE)).enumerate() {
            for ((ra, rb), (a, b)) in ra.iter_mut().zip(rb.iter_mut()).zip(ta.iter().zip(tb)) {
                (*ra, *rb) = (a.re, b.re);
            }
            let n = ta.len();
            let mut buf = [(S::zero(), S::zero(), S::zero()); TILE];
            grad2_tile(f, &ra[..n], &rb[..n], &mut buf);
            for (j, &(v, fa, fb)) in buf[..n].iter().enumerate() {
                let (x, y) = (ta[j], tb[j]);
                let mut eps = x.eps;
                for (e, d) in eps.iter_mut().zip(y.eps) {
                    *e = fa * *e + fb * d;
                }
                out(t * TILE + j, DualN { re: v, eps });
            }
        }
    }

    /// The Hessian sweeps' path: the components of a tile go through
    /// [`Real::map_second_slice`] at once (SIMD lanes for `f64`), then each
    /// result is spread over its tangents.
    fn map_deriv_slice<F: ScalarFn>(f: &F, x: &[Self], mut out: impl FnMut(usize, Self, Self)) {
        let mut re = [S::zero(); TILE];
        for (t, tile) in x.chunks(TILE).enumerate() {
            for (r, d) in re.iter_mut().zip(tile) {
                *r = d.re;
            }
            let mut buf = [(S::zero(), S::zero(), S::zero()); TILE];
            second1_tile(f, &re[..tile.len()], &mut buf);
            for (j, &(v, d1, d2)) in buf[..tile.len()].iter().enumerate() {
                let (y, d) = tile[j].spread1(v, d1, d2);
                out(t * TILE + j, y, d);
            }
        }
    }

    /// As [`map_deriv_slice`](Real::map_deriv_slice), for two arguments.
    fn zip_grad_slice<F: ScalarFn2>(
        f: &F,
        a: &[Self],
        b: &[Self],
        mut out: impl FnMut(usize, Self, Self, Self),
    ) {
        let (mut ra, mut rb) = ([S::zero(); TILE], [S::zero(); TILE]);
        for (t, (ta, tb)) in a.chunks(TILE).zip(b.chunks(TILE)).enumerate() {
            for ((ra, rb), (a, b)) in ra.iter_mut().zip(rb.iter_mut()).zip(ta.iter().zip(tb)) {
                (*ra, *rb) = (a.re, b.re);
            }
            let n = ta.len();
            let mut buf = [([S::zero(); 3], [S::zero(); 3]); TILE];
            second2_tile(f, &ra[..n], &rb[..n], &mut buf);
            for (j, &(g, h)) in buf[..n].iter().enumerate() {
                let (v, da, db) = Self::spread2(ta[j], tb[j], g, h);
                out(t * TILE + j, v, da, db);
            }
        }
    }
}
