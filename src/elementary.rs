//! The table of elementwise functions: each function is one row, declared
//! once.
//!
//! A row gives the function's name, its value (for the functions that are
//! not [`num_traits::Float`] methods: the default body of the [`Real`]
//! method), its value and first derivative in one call (`sin` gives
//! `sin_cos`), and its class for the sparsity tracer. The second
//! derivative is not written: the first-derivative rule is generic over
//! [`Real`], so running it on a dual number gives `f''` (this is how Hessian
//! sweeps get it). From the rows come, by the generator macros below:
//!
//! * the [`Real`] methods of the functions `Float` lacks (`erf`, `logistic`,
//!   `softplus`, `smooth_abs`), with their default bodies;
//! * the `Float`/`Real` methods of [`DualN`](crate::DualN) (the chain rule
//!   through the row's derivative) and of the sparsity
//!   [`Tracer`](crate::sparsity::Tracer) (the row's class);
//! * the graph primitive (the row is a [`ScalarFn`], run by the fused
//!   elementwise primitives of `ops::elementwise`), the [`Expr`] method and
//!   the lens in [`crate::ops`].
//!
//! The vector kernel of a row is the same code run on `f64` lanes: the
//! `f64` paths of [`Real::map_slice`] / [`Real::map_deriv_slice`] evaluate
//! the row four entries at a time, where `sin`, `cos`, `sin_cos`, `exp`,
//! `ln` and `tanh` are the SIMD [`kernels`](crate::kernels), so `sin` with
//! its derivative is one `sin_cos` kernel call.
//!
//! Adding a function is one row here plus its tests (`tests/suite/elementary.rs`).

use crate::primitives::elementwise::{MapFn, ZipMapFn, ZipWith};
use crate::{Expr, Real, ScalarFn, ScalarFn2, c};

/// How a function propagates dependencies in the sparsity tracer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// `f(a)` couples every pair of `a`'s inputs (`deps(a)²`).
    Nonlinear,
    /// Linear or piecewise linear: the dependencies pass through, no pairs.
    Linear,
}

/// A row of the unary table: a [`ScalarFn`] with its derivative rule.
pub(crate) trait Unary: ScalarFn + Copy {
    /// Its class for the sparsity tracer.
    const CLASS: Class;
    /// `(f(x), f'(x))` in one call, at any [`Real`].
    fn value_deriv<T: Real>(self, x: T) -> (T, T);
}

/// A row of the binary table: a [`ScalarFn2`] with its partials.
pub(crate) trait Binary: ScalarFn2 + Copy {
    /// `(f(a, b), ∂f/∂a, ∂f/∂b)` in one call, at any [`Real`].
    fn value_grad<T: Real>(self, a: T, b: T) -> (T, T, T);
}

/// The unary table. Each row:
/// `kind Row method(params) Class, |x| value, |x| (f, f'), "doc", x0 => f(x0);`
/// where `kind` is `float` (a [`num_traits::Float`] method), `real` (a
/// [`Real`] method with `value` as its default body) or `expr` (only a
/// primitive: `value` is its definition). `x0 => f(x0)` is the doc example
/// (values from an independent implementation, Python's `math`).
macro_rules! unary_table {
    ($gen:ident) => {
        $gen! {
            float Sin sin() Nonlinear, |x| x.sin(), |x| x.sin_cos(),
                "Sine.", 0.5 => 0.479425538604203;
            float Cos cos() Nonlinear, |x| x.cos(), |x| { let (s, c) = x.sin_cos(); (c, -s) },
                "Cosine.", 0.5 => 0.8775825618903728;
            float Tan tan() Nonlinear, |x| x.tan(), |x| { let t = x.tan(); (t, T::one() + t * t) },
                "Tangent.", 0.5 => 0.5463024898437905;
            float Asin asin() Nonlinear, |x| x.asin(),
                |x| (x.asin(), (T::one() - x * x).sqrt().recip()),
                "Arcsine.", 0.5 => 0.5235987755982989;
            float Acos acos() Nonlinear, |x| x.acos(),
                |x| (x.acos(), -(T::one() - x * x).sqrt().recip()),
                "Arccosine.", 0.5 => 1.0471975511965979;
            float Atan atan() Nonlinear, |x| x.atan(), |x| (x.atan(), (T::one() + x * x).recip()),
                "Arctangent.", 0.5 => 0.4636476090008061;
            float Exp exp() Nonlinear, |x| x.exp(), |x| { let e = x.exp(); (e, e) },
                "Exponential.", 0.5 => 1.6487212707001282;
            float Exp2 exp2() Nonlinear, |x| x.exp2(),
                |x| { let e = x.exp2(); (e, e * c(std::f64::consts::LN_2)) },
                "`2ˣ`.", 0.5 => 1.4142135623730951;
            float ExpM1 exp_m1() Nonlinear, |x| x.exp_m1(), |x| (x.exp_m1(), x.exp()),
                "`eˣ − 1`, accurate near 0.", 0.5 => 0.6487212707001282;
            float Ln ln() Nonlinear, |x| x.ln(), |x| (x.ln(), x.recip()),
                "Natural logarithm.", 0.5 => -0.6931471805599453;
            float Log2 log2() Nonlinear, |x| x.log2(),
                |x| (x.log2(), (x * c(std::f64::consts::LN_2)).recip()),
                "Base-2 logarithm.", 0.5 => -1.0;
            float Log10 log10() Nonlinear, |x| x.log10(),
                |x| (x.log10(), (x * c(std::f64::consts::LN_10)).recip()),
                "Base-10 logarithm.", 0.5 => -0.3010299956639812;
            float Ln1p ln_1p() Nonlinear, |x| x.ln_1p(), |x| (x.ln_1p(), (T::one() + x).recip()),
                "`ln(1 + x)`, accurate near 0.", 0.5 => 0.4054651081081644;
            float Sqrt sqrt() Nonlinear, |x| x.sqrt(), |x| { let s = x.sqrt(); (s, (s + s).recip()) },
                "Square root.", 0.5 => 0.7071067811865476;
            float Cbrt cbrt() Nonlinear, |x| x.cbrt(),
                |x| { let r = x.cbrt(); (r, (r * r * c(3.0)).recip()) },
                "Cube root.", 0.5 => 0.7937005259840998;
            float Recip recip() Nonlinear, |x| x.recip(), |x| { let r = x.recip(); (r, -r * r) },
                "`1/x`.", 0.5 => 2.0;
            float Sinh sinh() Nonlinear, |x| x.sinh(), |x| (x.sinh(), x.cosh()),
                "Hyperbolic sine.", 0.5 => 0.5210953054937474;
            float Cosh cosh() Nonlinear, |x| x.cosh(), |x| (x.cosh(), x.sinh()),
                "Hyperbolic cosine.", 0.5 => 1.1276259652063807;
            float Tanh tanh() Nonlinear, |x| x.tanh(), |x| { let t = x.tanh(); (t, T::one() - t * t) },
                "Hyperbolic tangent.", 0.5 => 0.46211715726000974;
            float Asinh asinh() Nonlinear, |x| x.asinh(),
                |x| (x.asinh(), (x * x + T::one()).sqrt().recip()),
                "Inverse hyperbolic sine.", 0.5 => 0.48121182505960347;
            float Acosh acosh() Nonlinear, |x| x.acosh(),
                |x| (x.acosh(), (x * x - T::one()).sqrt().recip()),
                "Inverse hyperbolic cosine.", 1.5 => 0.9624236501192069;
            float Atanh atanh() Nonlinear, |x| x.atanh(),
                |x| (x.atanh(), (T::one() - x * x).recip()),
                "Inverse hyperbolic tangent.", 0.5 => 0.5493061443340548;
            float Abs abs() Linear, |x| x.abs(),
                |x| (x.abs(), if x < T::zero() { -T::one() } else { T::one() }),
                "Absolute value (derivative `sign(x)`, +1 at 0).", -0.5 => 0.5;
            float ToDegrees to_degrees() Linear, |x| x.to_degrees(),
                |x| (x.to_degrees(), c(180.0 / std::f64::consts::PI)),
                "Radians to degrees.", 0.5 => 28.64788975654116;
            float ToRadians to_radians() Linear, |x| x.to_radians(),
                |x| (x.to_radians(), c(std::f64::consts::PI / 180.0)),
                "Degrees to radians.", 0.5 => 0.008726646259971648;
            real Erf erf() Nonlinear, |x| crate::elementary::erf_by_series(x),
                |x| (x.erf(), (-(x * x)).exp() * c(std::f64::consts::FRAC_2_SQRT_PI)),
                "The error function `erf x = 2/√π ∫₀ˣ e^(−t²) dt`.", 0.5 => 0.5204998778130465;
            real Logistic logistic() Nonlinear, |x| (T::one() + (-x).exp()).recip(),
                |x| { let s = x.logistic(); (s, s * (T::one() - s)) },
                "The logistic sigmoid `1/(1 + e^(−x))`.", 0.5 => 0.6224593312018546;
            real Softplus softplus() Nonlinear, |x| x.max(T::zero()) + (-x.abs()).exp().ln_1p(),
                |x| (x.softplus(), x.logistic()),
                "`ln(1 + eˣ)`, without overflow for large `x`.", 0.5 => 0.9740769841801067;
            real SmoothAbs smooth_abs(eps: f64 = 0.1) Nonlinear, |x| (x * x + c(eps * eps)).sqrt(),
                |x| { let r = x.smooth_abs(eps); (r, x / r) },
                "A smooth `|x|`: `√(x² + ε²)` for a given `ε`.", 0.5 => 0.5099019513592785;
            expr Square square() Nonlinear, |x| x * x, |x| (x * x, x + x),
                "`x²`.", 0.5 => 0.25;
            expr Ln1pSquare ln_1p_square() Nonlinear, |x| (x * x).ln_1p(),
                |x| { let q = x * x; (q.ln_1p(), (x + x) / (T::one() + q)) },
                "`ln(1 + x²)` (a smooth robust penalty).", 0.5 => 0.22314355131420976;
            expr PowI powi(n: i32 = 3) Nonlinear, |x| x.powi(n),
                |x| match n {
                    0 => (T::one(), T::zero()),
                    n => { let p = x.powi(n - 1); (p * x, p * c(n as f64)) }
                },
                "`xⁿ` for an integer `n`.", 0.5 => 0.125;
            expr PowF powf(p: f64 = 2.5) Nonlinear, |x| x.powf(c(p)),
                |x| { let q = x.powf(c(p - 1.0)); (q * x, q * c(p)) },
                "`xᵖ` for a constant `p`.", 0.5 => 0.1767766952966369;
        }
    };
}

/// The binary table. Each row:
/// `Row method, |a, b| value, |a, b| (f, ∂f/∂a, ∂f/∂b), "doc", (a0, b0) => f(a0, b0);`
/// (all are [`num_traits::Float`] methods and nonlinear).
macro_rules! binary_table {
    ($gen:ident) => {
        $gen! {
            Hypot hypot, |a, b| a.hypot(b), |a, b| { let h = a.hypot(b); (h, a / h, b / h) },
                "`√(a² + b²)` without overflow.", (0.5, 1.5) => 1.5811388300841898;
            Atan2 atan2, |a, b| a.atan2(b),
                |a, b| { let r = (a * a + b * b).recip(); (a.atan2(b), b * r, -a * r) },
                "The angle of the point `(b, a)`: `atan2(a, b)`.", (0.5, 1.5) => 0.3217505543966422;
        }
    };
}

pub(crate) use {binary_table, unary_table};

// ------------------------------------------------------------ generators

/// The row types, their [`ScalarFn`] / [`Unary`] impls and the [`Expr`]
/// methods.
macro_rules! rows {
    ($($kind:ident $row:ident $m:ident ($($p:ident : $pt:ty = $pv:literal),*) $class:ident,
        |$x:ident| $value:expr, |$xd:ident| $vd:expr, $doc:literal, $x0:literal => $y0:literal;)*) => {
        $(
            #[doc = concat!("`", stringify!($m), "` as a table row.")]
            #[derive(Clone, Copy, Debug)]
            pub(crate) struct $row { $(pub(crate) $p: $pt),* }

            impl ScalarFn for $row {
                #[inline(always)]
                #[allow(unused_variables)]
                fn eval<T: Real>(&self, $x: T) -> T {
                    let $row { $($p),* } = *self;
                    row_eval!($kind, $x, $m, ($($p),*), $value)
                }
                fn name(&self) -> &'static str {
                    stringify!($m)
                }
            }

            impl Unary for $row {
                const CLASS: Class = Class::$class;
                #[inline(always)]
                fn value_deriv<T: Real>(self, $xd: T) -> (T, T) {
                    let $row { $($p),* } = self;
                    $vd
                }
            }

            impl<S: Real> Expr<S> {
                #[doc = concat!($doc, " Elementwise.")]
                ///
                /// ```
                /// use lensdiff::{Expr, DFun};
                /// use nalgebra::{dvector, DVector};
                #[doc = concat!("let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().",
                    stringify!($m), "(", $(stringify!($pv), ",",)* ").compile();")]
                #[doc = concat!("let y = f.eval(&dvector![", stringify!($x0), "])[0];")]
                #[doc = concat!("assert!((y - ", stringify!($y0), ").abs() <= 1e-15 * y.abs().max(1.0));")]
                /// ```
                #[track_caller]
                pub fn $m(&self, $($p: $pt),*) -> Self {
                    self.elem(MapFn($row { $($p),* }))
                }
            }
        )*
    };
}

/// The value of a row at any `Real`: the method for `float` and `real`
/// rows, the definition for `expr` rows.
macro_rules! row_eval {
    (expr, $x:ident, $m:ident, ($($p:ident),*), $value:expr) => {
        $value
    };
    ($kind:ident, $x:ident, $m:ident, ($($p:ident),*), $value:expr) => {
        $x.$m($($p),*)
    };
}

/// The [`Real`] methods of the `real` rows (invoked inside `trait Real`).
macro_rules! real_methods {
    ($($kind:ident $row:ident $m:ident ($($p:ident : $pt:ty = $pv:literal),*) $class:ident,
        |$x:ident| $value:expr, |$xd:ident| $vd:expr, $doc:literal, $x0:literal => $y0:literal;)*) => {
        $( $crate::elementary::real_method!($kind, $m, ($($p: $pt = $pv),*), |$x| $value, $doc, $x0 => $y0); )*
    };
}

macro_rules! real_method {
    (real, $m:ident, ($($p:ident : $pt:ty = $pv:literal),*), |$x:ident| $value:expr, $doc:literal,
        $x0:literal => $y0:literal) => {
        #[doc = $doc]
        ///
        /// The default body suits any scalar type; dual numbers and the
        /// sparsity tracer override it from the elementwise table.
        ///
        /// ```
        /// use lensdiff::Real;
        #[doc = concat!("let y = Real::", stringify!($m), "(", stringify!($x0), "_f64",
            $(", ", stringify!($pv),)* ");")]
        #[doc = concat!("assert!((y - ", stringify!($y0), ").abs() <= 1e-15);")]
        /// ```
        #[allow(clippy::wrong_self_convention)]
        fn $m(self, $($p: $pt),*) -> Self {
            fn body<T: Real>($x: T, $($p: $pt),*) -> T {
                $value
            }
            body(self, $($p),*)
        }
    };
    ($kind:ident, $($rest:tt)*) => {};
}

/// The `Float` methods of the `float` rows through `self.lift(row)`
/// (invoked inside `impl Float` of a scalar type with a `lift`).
macro_rules! float_lifts {
    ($($kind:ident $row:ident $m:ident ($($p:ident : $pt:ty = $pv:literal),*) $class:ident,
        |$x:ident| $value:expr, |$xd:ident| $vd:expr, $doc:literal, $x0:literal => $y0:literal;)*) => {
        $( $crate::elementary::float_lift!($kind, $row, $m); )*
    };
}

macro_rules! float_lift {
    (float, $row:ident, $m:ident) => {
        // Always inlined: a dual over SIMD lanes (`Dual<Lanes>` in the
        // gradient's and the HVP's slice paths) runs at the instruction set
        // of the function it is inlined into; left out of line, `ln_1p` of a
        // user's `ScalarFn` ran at the baseline, 27 % of accel2's sweeps.
        #[inline(always)]
        fn $m(self) -> Self {
            self.lift($row {})
        }
    };
    ($kind:ident, $row:ident, $m:ident) => {};
}

/// The `Real` methods of the `real` rows through `self.lift(row)`
/// (invoked inside `impl Real` of a scalar type with a `lift`).
macro_rules! real_lifts {
    ($($kind:ident $row:ident $m:ident ($($p:ident : $pt:ty = $pv:literal),*) $class:ident,
        |$x:ident| $value:expr, |$xd:ident| $vd:expr, $doc:literal, $x0:literal => $y0:literal;)*) => {
        $( $crate::elementary::real_lift!($kind, $row, $m, ($($p: $pt),*)); )*
    };
}

macro_rules! real_lift {
    (real, $row:ident, $m:ident, ($($p:ident : $pt:ty),*)) => {
        #[inline(always)]
        fn $m(self, $($p: $pt),*) -> Self {
            self.lift($row { $($p),* })
        }
    };
    ($kind:ident, $($rest:tt)*) => {};
}

/// The lenses of [`crate::ops`] (invoked there).
macro_rules! unary_lenses {
    ($($kind:ident $row:ident $m:ident ($($p:ident : $pt:ty = $pv:literal),*) $class:ident,
        |$x:ident| $value:expr, |$xd:ident| $vd:expr, $doc:literal, $x0:literal => $y0:literal;)*) => {
        $(
            #[doc = concat!($doc, " Elementwise.")]
            ///
            /// ```
            /// use lensdiff::{ops, DFun};
            /// use nalgebra::dvector;
            #[doc = concat!("let f: DFun<_, _> = ops::", stringify!($m), "(",
                $(stringify!($pv), ",",)* ");")]
            #[doc = concat!("let y: f64 = f.eval(&dvector![", stringify!($x0), "])[0];")]
            #[doc = concat!("assert!((y - ", stringify!($y0), ").abs() <= 1e-15 * y.abs().max(1.0));")]
            /// ```
            #[track_caller]
            pub fn $m<S: Real, M: Mode>($($p: $pt),*) -> DFun<Vector<S>, Vector<S>, M> {
                Expr::<S>::var().$m($($p),*).compile()
            }
        )*
    };
}

/// The binary row types, their impls and the [`Expr`] methods.
macro_rules! binary_rows {
    ($($row:ident $m:ident, |$a:ident, $b:ident| $value:expr, |$ad:ident, $bd:ident| $vg:expr,
        $doc:literal, ($a0:literal, $b0:literal) => $y0:literal;)*) => {
        $(
            #[doc = concat!("`", stringify!($m), "` as a table row.")]
            #[derive(Clone, Copy, Debug)]
            pub(crate) struct $row {}

            impl ScalarFn2 for $row {
                #[inline(always)]
                fn eval<T: Real>(&self, $a: T, $b: T) -> T {
                    $value
                }
            }

            impl Binary for $row {
                #[inline(always)]
                fn value_grad<T: Real>(self, $ad: T, $bd: T) -> (T, T, T) {
                    $vg
                }
            }

            impl<S: Real> Expr<S> {
                #[doc = concat!($doc, " Elementwise, of `self` and `other` (equal lengths).")]
                ///
                /// ```
                /// use lensdiff::{Expr, DFun};
                /// use nalgebra::{dvector, DVector};
                #[doc = concat!("let f: DFun<(DVector<f64>, DVector<f64>), DVector<f64>> = ",
                    "Expr::input(0).", stringify!($m), "(&Expr::input(1)).compile();")]
                #[doc = concat!("let y = f.eval(&(dvector![", stringify!($a0), "], dvector![",
                    stringify!($b0), "]))[0];")]
                #[doc = concat!("assert!((y - ", stringify!($y0), ").abs() <= 1e-15);")]
                /// ```
                #[track_caller]
                pub fn $m(&self, other: &Expr<S>) -> Self {
                    Self::op(ZipWith(ZipMapFn($row {})), vec![self.clone(), other.clone()])
                }
            }
        )*
    };
}

/// The `Float` methods of the binary rows through `self.lift2(row, o)`.
macro_rules! binary_lifts {
    ($($row:ident $m:ident, |$a:ident, $b:ident| $value:expr, |$ad:ident, $bd:ident| $vg:expr,
        $doc:literal, ($a0:literal, $b0:literal) => $y0:literal;)*) => {
        $(
            #[inline(always)]
            fn $m(self, o: Self) -> Self {
                self.lift2($row {}, o)
            }
        )*
    };
}

/// The binary lenses of [`crate::ops`] (on pairs of vectors).
macro_rules! binary_lenses {
    ($($row:ident $m:ident, |$a:ident, $b:ident| $value:expr, |$ad:ident, $bd:ident| $vg:expr,
        $doc:literal, ($a0:literal, $b0:literal) => $y0:literal;)*) => {
        $(
            #[doc = concat!($doc, " Elementwise, on a pair of vectors of equal length.")]
            ///
            /// ```
            /// use lensdiff::{ops, DFun};
            /// use nalgebra::dvector;
            #[doc = concat!("let f: DFun<_, _> = ops::", stringify!($m), "();")]
            #[doc = concat!("let y: f64 = f.eval(&(dvector![", stringify!($a0), "], dvector![",
                stringify!($b0), "]))[0];")]
            #[doc = concat!("assert!((y - ", stringify!($y0), ").abs() <= 1e-15);")]
            /// ```
            #[track_caller]
            pub fn $m<S: Real, M: Mode>() -> DFun<(Vector<S>, Vector<S>), Vector<S>, M> {
                Expr::<S>::input(0).$m(&Expr::input(1)).compile()
            }
        )*
    };
}

pub(crate) use {
    binary_lenses, binary_lifts, float_lift, float_lifts, real_lift, real_lifts, real_method,
    real_methods, unary_lenses,
};

unary_table!(rows);
binary_table!(binary_rows);

// ------------------------------------------------------------ erf

/// `erf x` from series (|x| < 2.5) or the continued fraction of `erfc`
/// (|x| ≥ 2.5), in `Float` operations only, so it serves every scalar type
/// (the default body of [`Real::erf`]); within about 4 ulp for `f64`.
///
/// Below 1: `erf a = 2/√π Σₙ (−1)ⁿ a^(2n+1) / (n! (2n+1))`. Up to 2.5:
/// `erf a = 2/√π · e^(−a²) · Σₙ 2ⁿ a^(2n+1) / (1·3·…·(2n+1))`
/// (positive terms, no cancellation). Continued fraction:
/// `erfc a = e^(−a²)/√π · 1/(a + (1/2)/(a + (2/2)/(a + (3/2)/(a + …))))`.
pub(crate) fn erf_by_series<T: Real>(x: T) -> T {
    if x.is_nan() {
        return x;
    }
    let a = x.abs();
    let two_over_sqrt_pi = c::<T>(std::f64::consts::FRAC_2_SQRT_PI);
    let r = if a < T::one() {
        // Alternating Maclaurin series; below 1 its terms only decrease.
        let a2 = a * a;
        let (mut power, mut sum) = (a, a);
        for n in 1..60 {
            power = -power * a2 / c(n as f64);
            let term = power / c(2.0 * n as f64 + 1.0);
            sum += term;
            if term.abs() <= sum * c(1e-17) {
                break;
            }
        }
        two_over_sqrt_pi * sum
    } else if a < c(2.5) {
        let a2 = a * a;
        let (mut term, mut sum) = (a, a);
        for n in 1..200 {
            term = term * (a2 + a2) / c(2.0 * n as f64 + 1.0);
            sum += term;
            if term <= sum * c(1e-17) {
                break;
            }
        }
        two_over_sqrt_pi * (-a2).exp() * sum
    } else if a < c(6.0) {
        let mut f = a;
        for n in (1..=80).rev() {
            f = a + c::<T>(n as f64 * 0.5) / f;
        }
        T::one() - two_over_sqrt_pi * c(0.5) * (-(a * a)).exp() / f
    } else {
        T::one()
    };
    r.copysign(x)
}
