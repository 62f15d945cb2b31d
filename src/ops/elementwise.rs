//! Elementwise maps `y_i = f(x_i)`, fused with their derivative.
//!
//! Every elementwise primitive is one [`ElemFn`]: the value, and the value
//! with its derivative in one pass (`sin` computes `sin_cos` once). The
//! derivative is diagonal: `J = diag(f'(x))`, which is its own transpose,
//! so `apply` and `transpose` are the same multiply. [`Map`] lifts any
//! scalar function written over [`Dual`] numbers, differentiated per
//! element by one dual evaluation.

use crate::dual::{Dual, DualN};
use crate::graph::{Ctx, Op};
use crate::{Error, Real};

/// A scalar function with its derivative: one row of the elementwise table.
pub(crate) trait ElemFn<S: Real>: Send + Sync + 'static {
    const NAME: &'static str;
    fn value(&self, x: S) -> S;
    fn value_deriv(&self, x: S) -> (S, S);
}

/// The elementwise primitive of an [`ElemFn`].
pub(crate) struct Elementwise<F>(pub(crate) F);

impl<S: Real, F: ElemFn<S>> Op<S> for Elementwise<F> {
    fn name(&self) -> &'static str {
        F::NAME
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn saved_len(&self, _: &[usize], out: usize) -> usize {
        out
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        for (y, &x) in y.iter_mut().zip(x[0]) {
            *y = self.0.value(x);
        }
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        saved.resize(y.len(), S::zero());
        for ((y, d), &x) in y.iter_mut().zip(saved.iter_mut()).zip(x[0]) {
            let (v, dv) = self.0.value_deriv(x);
            *y = v;
            *d = dv;
        }
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for ((dy, &d), &dx) in dy.iter_mut().zip(c.saved).zip(dx) {
            *dy += d * dx;
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for ((dx, &d), &dy) in dx.iter_mut().zip(c.saved).zip(dy) {
            *dx += d * dy;
        }
    }
    fn vjp_set(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for ((dx, &d), &dy) in dx.iter_mut().zip(c.saved).zip(dy) {
            *dx = d * dy;
        }
    }
}

macro_rules! elem_fn {
    ($ty:ident, $name:literal, |$x:ident| $val:expr, |$x2:ident| $valder:expr) => {
        pub(crate) struct $ty;
        impl<S: Real> ElemFn<S> for $ty {
            const NAME: &'static str = $name;
            #[inline(always)]
            fn value(&self, $x: S) -> S {
                $val
            }
            #[inline(always)]
            fn value_deriv(&self, $x2: S) -> (S, S) {
                $valder
            }
        }
    };
}

elem_fn!(Sin, "sin", |x| x.sin(), |x| x.sin_cos());
elem_fn!(Cos, "cos", |x| x.cos(), |x| {
    let (s, c) = x.sin_cos();
    (c, -s)
});
elem_fn!(Exp, "exp", |x| x.exp(), |x| {
    let e = x.exp();
    (e, e)
});
elem_fn!(Ln, "ln", |x| x.ln(), |x| (x.ln(), x.recip()));
elem_fn!(Tanh, "tanh", |x| x.tanh(), |x| {
    let t = x.tanh();
    (t, S::one() - t * t)
});
elem_fn!(Sqrt, "sqrt", |x| x.sqrt(), |x| {
    let s = x.sqrt();
    (s, S::from_f64(0.5) / s)
});
elem_fn!(Square, "square", |x| x * x, |x| (x * x, x + x));
elem_fn!(Recip, "recip", |x| x.recip(), |x| {
    let r = x.recip();
    (r, -r * r)
});
elem_fn!(Ln1pSquare, "ln_1p_square", |x| (x * x).ln_1p(), |x| {
    let q = x * x;
    (q.ln_1p(), (x + x) / (S::one() + q))
});

/// `x^n` for an integer `n`.
pub(crate) struct PowI(pub(crate) i32);

impl<S: Real> ElemFn<S> for PowI {
    const NAME: &'static str = "powi";
    #[inline(always)]
    fn value(&self, x: S) -> S {
        x.powi(self.0)
    }
    #[inline(always)]
    fn value_deriv(&self, x: S) -> (S, S) {
        match self.0 {
            0 => (S::one(), S::zero()),
            n => {
                let p = x.powi(n - 1);
                (p * x, S::from_f64(n as f64) * p)
            }
        }
    }
}

/// Any scalar function written over dual numbers: one dual evaluation per
/// element gives the value and the derivative together.
pub(crate) struct Map<F>(pub(crate) F);

impl<S: Real, F> ElemFn<S> for Map<F>
where
    F: Fn(Dual<S>) -> Dual<S> + Send + Sync + 'static,
{
    const NAME: &'static str = "map";
    #[inline(always)]
    fn value(&self, x: S) -> S {
        (self.0)(Dual::constant(x)).re
    }
    #[inline(always)]
    fn value_deriv(&self, x: S) -> (S, S) {
        let d = (self.0)(Dual::new(x, S::one()));
        (d.re, d.eps[0])
    }
}

/// `y = a·x + b` elementwise (scale, shift, negation): linear, nothing saved.
pub(crate) struct Affine<S> {
    pub(crate) a: S,
    pub(crate) b: S,
}

impl<S: Real> Op<S> for Affine<S> {
    fn name(&self) -> &'static str {
        "affine"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        for (y, &x) in y.iter_mut().zip(x[0]) {
            *y = self.a * x + self.b;
        }
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for (dy, &dx) in dy.iter_mut().zip(dx) {
            *dy += self.a * dx;
        }
    }
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for (dx, &dy) in dx.iter_mut().zip(dy) {
            *dx += self.a * dy;
        }
    }
    fn vjp_set(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for (dx, &dy) in dx.iter_mut().zip(dy) {
            *dx = self.a * dy;
        }
    }
}

/// A scalar function of two arguments with its partials: one row of the
/// binary elementwise table (as [`ElemFn`] is for one argument).
pub(crate) trait BinaryFn<S: Real>: Send + Sync + 'static {
    const NAME: &'static str;
    fn value(&self, a: S, b: S) -> S;
    /// `(f, ∂a f, ∂b f)`.
    fn value_grad(&self, a: S, b: S) -> (S, S, S);
}

/// A fused binary elementwise map `y_i = f(a_i, b_i)`: one evaluation per
/// element gives the value and both partials (saved as `[∂a f, ∂b f]`).
/// Fusing a chain of elementwise operations into one such map saves a pass
/// over memory per operation, forward and backward.
pub(crate) struct ZipWith<F>(pub(crate) F);

impl<S: Real, F: BinaryFn<S>> Op<S> for ZipWith<F> {
    fn name(&self) -> &'static str {
        F::NAME
    }
    fn arity(&self) -> usize {
        2
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if lens[0] != lens[1] {
            return Err(crate::graph::mismatch(F::NAME, lens[0], lens[1]));
        }
        Ok(lens[0])
    }
    fn saved_len(&self, _: &[usize], out: usize) -> usize {
        2 * out
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        for ((y, &a), &b) in y.iter_mut().zip(x[0]).zip(x[1]) {
            *y = self.0.value(a, b);
        }
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        saved.resize(2 * y.len(), S::zero());
        for (((y, d), &a), &b) in y
            .iter_mut()
            .zip(saved.chunks_exact_mut(2))
            .zip(x[0])
            .zip(x[1])
        {
            let (v, da, db) = self.0.value_grad(a, b);
            *y = v;
            d[0] = da;
            d[1] = db;
        }
    }
    fn jvp_add(&self, i: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for ((dy, d), &dx) in dy.iter_mut().zip(c.saved.chunks_exact(2)).zip(dx) {
            *dy += d[i] * dx;
        }
    }
    fn vjp_add(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for ((dx, d), &dy) in dx.iter_mut().zip(c.saved.chunks_exact(2)).zip(dy) {
            *dx += d[i] * dy;
        }
    }
    fn vjp_set(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for ((dx, d), &dy) in dx.iter_mut().zip(c.saved.chunks_exact(2)).zip(dy) {
            *dx = d[i] * dy;
        }
    }
}

/// A closure over two-tangent duals: partials from one dual evaluation.
pub(crate) struct ZipMap<F>(pub(crate) F);

impl<S: Real, F> BinaryFn<S> for ZipMap<F>
where
    F: Fn(DualN<S, 2>, DualN<S, 2>) -> DualN<S, 2> + Send + Sync + 'static,
{
    const NAME: &'static str = "zip_map";
    #[inline(always)]
    fn value(&self, a: S, b: S) -> S {
        (self.0)(DualN::constant(a), DualN::constant(b)).re
    }
    #[inline(always)]
    fn value_grad(&self, a: S, b: S) -> (S, S, S) {
        let r = (self.0)(DualN::variable(a, 0), DualN::variable(b, 1));
        (r.re, r.eps[0], r.eps[1])
    }
}

/// The fused reduction `Σ f(x_i)` (a scalar), saving `f'(x_i)`: one pass
/// instead of a map and a sum, and no output vector.
pub(crate) struct SumMap<F>(pub(crate) F);

impl<S: Real, F: ElemFn<S>> Op<S> for SumMap<F> {
    fn name(&self) -> &'static str {
        "sum_map"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, _: &[usize]) -> Result<usize, Error> {
        Ok(1)
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        true
    }
    fn saved_len(&self, lens: &[usize], _: usize) -> usize {
        lens[0]
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let mut acc = [S::zero(); 4];
        let chunks = x[0].chunks_exact(4);
        let rest = chunks.remainder();
        for c in chunks {
            for (a, &v) in acc.iter_mut().zip(c) {
                *a += self.0.value(v);
            }
        }
        let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for &v in rest {
            s += self.0.value(v);
        }
        y[0] = s;
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        saved.resize(x[0].len(), S::zero());
        let mut s = S::zero();
        for (d, &v) in saved.iter_mut().zip(x[0]) {
            let (f, df) = self.0.value_deriv(v);
            s += f;
            *d = df;
        }
        y[0] = s;
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        dy[0] += crate::ops::reduce::dot(c.saved, dx);
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let g = dy[0];
        for (dx, &d) in dx.iter_mut().zip(c.saved) {
            *dx += d * g;
        }
    }
    fn vjp_set(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let g = dy[0];
        for (dx, &d) in dx.iter_mut().zip(c.saved) {
            *dx = d * g;
        }
    }
}

/// A [`ScalarFn`](crate::ScalarFn) elementwise: like [`Map`], but the
/// derivative comes from [`Real::value_deriv_of`], which dual scalars
/// evaluate at their component level (cheap in Hessian sweeps).
pub(crate) struct MapFn<F>(pub(crate) F);

impl<S: Real, F: crate::ScalarFn> ElemFn<S> for MapFn<F> {
    const NAME: &'static str = "map_fn";
    #[inline(always)]
    fn value(&self, x: S) -> S {
        self.0.eval(x)
    }
    #[inline(always)]
    fn value_deriv(&self, x: S) -> (S, S) {
        x.value_deriv_of(&self.0)
    }
}

/// A [`ScalarFn2`](crate::ScalarFn2): partials from
/// [`Real::value_grad2_of`], which dual scalars evaluate at their component
/// level (cheap in Hessian sweeps).
pub(crate) struct ZipMapFn<F>(pub(crate) F);

impl<S: Real, F: crate::ScalarFn2> BinaryFn<S> for ZipMapFn<F> {
    const NAME: &'static str = "zip_map_fn";
    #[inline(always)]
    fn value(&self, a: S, b: S) -> S {
        self.0.eval(a, b)
    }
    #[inline(always)]
    fn value_grad(&self, a: S, b: S) -> (S, S, S) {
        S::value_grad2_of(a, b, &self.0)
    }
}
