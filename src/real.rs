//! The scalar trait.
//!
//! [`Real`] is what every lens, vector space and solver in the crate is
//! generic over. It is implemented by `f32`, `f64` and by the dual numbers
//! of [`crate::dual`] over any `Real`, so that derivatives nest: the
//! reverse-mode gradient computed over `Dual<f64>` carries a
//! Hessian-vector product in its tangent.

/// `NumCast` and `FromPrimitive` for a scalar type that wraps one `f64`
/// value: every number becomes the constant `$constant(n as f64)` (the
/// sparsity tracer and the four-lane `f64` share this).
macro_rules! casts_from_f64 {
    ($t:ty, $constant:path) => {
        impl num_traits::NumCast for $t {
            fn from<T: num_traits::ToPrimitive>(n: T) -> Option<Self> {
                n.to_f64().map($constant)
            }
        }

        impl num_traits::FromPrimitive for $t {
            fn from_i64(n: i64) -> Option<Self> {
                Some($constant(n as f64))
            }
            fn from_u64(n: u64) -> Option<Self> {
                Some($constant(n as f64))
            }
            fn from_f64(n: f64) -> Option<Self> {
                Some($constant(n))
            }
        }
    };
}
pub(crate) use casts_from_f64;

use crate::dual::{Dual, DualN, second1, second2};
use crate::elementary::real_methods;
use crate::graph::{Program, Tape};
use crate::scalar_fn::{ScalarFn, ScalarFn2};
use std::sync::Arc;

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
    /// assert_eq!(2.0_f64.value_and_deriv(&Cube), (8.0, 12.0));
    /// // Over a dual: the derivative carries f''(x)·ε.
    /// let (v, d) = DualN::<f64, 1>::variable(2.0, 0).value_and_deriv(&Cube);
    /// assert_eq!((v.re, v.eps[0], d.re, d.eps[0]), (8.0, 12.0, 12.0, 12.0));
    /// ```
    fn value_and_deriv<F: ScalarFn>(self, f: &F) -> (Self, Self) {
        let d = f.eval(Dual::new(self, Self::one()));
        (d.re, d.eps[0])
    }

    /// `(f(a, b), ∂f/∂a, ∂f/∂b)` for a [`ScalarFn2`] (see
    /// [`value_and_deriv`](Real::value_and_deriv) for how duals override it).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn2};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * a * b } }
    /// assert_eq!(f64::value_and_grad2(2.0, 3.0, &Prod), (12.0, 12.0, 4.0));
    /// ```
    fn value_and_grad2<F: ScalarFn2>(a: Self, b: Self, f: &F) -> (Self, Self, Self) {
        let r = f.eval(DualN::<Self, 2>::variable(a, 0), DualN::variable(b, 1));
        (r.re, r.eps[0], r.eps[1])
    }

    /// `out(i, f(x[i]))` for every entry of `x`, in order: the value path of
    /// the elementwise primitives. The default is a loop; `f64` runs `f`
    /// four entries at a time on SIMD lanes, where `sin`, `cos`, `exp`,
    /// `ln` and `tanh` are the vectorised [`kernels`](crate::kernels).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn};
    /// struct Sin;
    /// impl ScalarFn for Sin { fn eval<T: Real>(&self, x: T) -> T { x.sin() } }
    /// let x = [0.0, 0.5, 1.0, 1.5, 2.0];
    /// let mut y = [0.0; 5];
    /// f64::map_slice(&Sin, &x, |i, v| y[i] = v);
    /// for i in 0..5 { assert!((y[i] - x[i].sin()).abs() < 1e-15); }
    /// ```
    fn map_slice<F: ScalarFn>(f: &F, x: &[Self], mut out: impl FnMut(usize, Self)) {
        for (i, &v) in x.iter().enumerate() {
            out(i, f.eval(v));
        }
    }

    /// `out(i, f(x[i]), f'(x[i]))` for every entry, in order (the
    /// linearisation path; see [`map_slice`](Real::map_slice)).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn};
    /// struct Exp;
    /// impl ScalarFn for Exp { fn eval<T: Real>(&self, x: T) -> T { x.exp() } }
    /// let mut d = [0.0; 3];
    /// f64::map_deriv_slice(&Exp, &[0.0, 1.0, 2.0], |i, _, dv| d[i] = dv);
    /// assert!((d[2] - 2.0_f64.exp()).abs() < 1e-14);
    /// ```
    fn map_deriv_slice<F: ScalarFn>(f: &F, x: &[Self], mut out: impl FnMut(usize, Self, Self)) {
        for (i, &v) in x.iter().enumerate() {
            let (y, d) = v.value_and_deriv(f);
            out(i, y, d);
        }
    }

    /// `out(i, f(a[i], b[i]))` for every `i < a.len()`, in order (`b` at
    /// least as long; see [`map_slice`](Real::map_slice)).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn2};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * b } }
    /// let mut y = [0.0; 2];
    /// f64::zip_slice(&Prod, &[2.0, 3.0], &[4.0, 5.0], |i, v| y[i] = v);
    /// assert_eq!(y, [8.0, 15.0]);
    /// ```
    fn zip_slice<F: ScalarFn2>(f: &F, a: &[Self], b: &[Self], mut out: impl FnMut(usize, Self)) {
        for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
            out(i, f.eval(a, b));
        }
    }

    /// `out(i, f, ∂f/∂a, ∂f/∂b)` at `(a[i], b[i])` for every `i`, in order
    /// (see [`zip_slice`](Real::zip_slice)).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn2};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * b } }
    /// let mut g = [(0.0, 0.0); 2];
    /// f64::zip_grad_slice(&Prod, &[2.0, 3.0], &[4.0, 5.0], |i, _, da, db| g[i] = (da, db));
    /// assert_eq!(g, [(4.0, 2.0), (5.0, 3.0)]);
    /// ```
    fn zip_grad_slice<F: ScalarFn2>(
        f: &F,
        a: &[Self],
        b: &[Self],
        mut out: impl FnMut(usize, Self, Self, Self),
    ) {
        for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
            let (v, da, db) = Self::value_and_grad2(a, b, f);
            out(i, v, da, db);
        }
    }

    /// `out(i, f, f', f'')` at every `x[i]`, in order: second order at this
    /// scalar level, which dual numbers over `Self` use in Hessian sweeps
    /// (see [`map_slice`](Real::map_slice) for the `f64` lanes).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn};
    /// struct Cube;
    /// impl ScalarFn for Cube { fn eval<T: Real>(&self, x: T) -> T { x * x * x } }
    /// let mut r = [(0.0, 0.0, 0.0); 2];
    /// f64::map_second_slice(&Cube, &[1.0, 2.0], |i, v, d1, d2| r[i] = (v, d1, d2));
    /// assert_eq!(r, [(1.0, 3.0, 6.0), (8.0, 12.0, 12.0)]);
    /// ```
    fn map_second_slice<F: ScalarFn>(
        f: &F,
        x: &[Self],
        mut out: impl FnMut(usize, Self, Self, Self),
    ) {
        for (i, &v) in x.iter().enumerate() {
            let (y, d1, d2) = second1(f, v);
            out(i, y, d1, d2);
        }
    }

    /// `out(i, [f, ∂a f, ∂b f], [∂aa f, ∂ab f, ∂bb f])` at every
    /// `(a[i], b[i])`, in order (see
    /// [`map_second_slice`](Real::map_second_slice)).
    ///
    /// ```
    /// use lensdiff::{Real, ScalarFn2};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * a * b } }
    /// let mut r = [([0.0; 3], [0.0; 3]); 1];
    /// f64::zip_second_slice(&Prod, &[2.0], &[3.0], |i, g, h| r[i] = (g, h));
    /// assert_eq!(r[0], ([12.0, 12.0, 4.0], [6.0, 4.0, 0.0]));
    /// ```
    fn zip_second_slice<F: ScalarFn2>(
        f: &F,
        a: &[Self],
        b: &[Self],
        mut out: impl FnMut(usize, [Self; 3], [Self; 3]),
    ) {
        for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
            let (g, h) = second2(f, a, b);
            out(i, g, h);
        }
    }

    // The elementwise functions `Float` lacks, from the table.
    crate::elementary::unary_table!(real_methods);

    // The engine's entry points (not for users: see `graph/entry.rs`).
    // Their defaults run the generic engine; the concrete scalars of this
    // crate override them so that the engine over them is compiled once.

    /// The value of a compiled program (internal).
    #[doc(hidden)]
    fn program_eval(prog: &Program<Self>, inputs: &[&[Self]]) -> Vec<Self> {
        prog.eval_here(inputs)
    }

    /// The linearisation of a compiled program (internal).
    #[doc(hidden)]
    fn program_linearize(prog: &Arc<Program<Self>>, inputs: &[&[Self]]) -> Tape<Self> {
        prog.linearize_here(inputs)
    }

    /// A tape's tangent sweep (internal).
    #[doc(hidden)]
    fn tape_apply(tape: &Tape<Self>, dx: &[&[Self]]) -> Vec<Self> {
        tape.apply_here(dx)
    }

    /// A tape's cotangent sweep (internal).
    #[doc(hidden)]
    fn tape_transpose_add(tape: &Tape<Self>, dy: &[Self], dx: &mut [&mut [Self]]) {
        tape.transpose_add_here(dy, dx)
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
