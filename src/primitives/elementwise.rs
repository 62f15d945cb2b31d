//! Elementwise maps `y_i = f(x_i)`, fused with their derivative.
//!
//! Every elementwise primitive is one [`ElemFn`]: the values, and the
//! values with their derivatives in one pass (`sin` computes `sin_cos`
//! once), over a whole slice. The derivative is diagonal: `J = diag(f'(x))`,
//! which is its own transpose, so `apply` and `transpose` are the same
//! multiply. The functions of the table (`crate::elementary`) and
//! [`ScalarFn`](crate::ScalarFn)s run through [`MapFn`], whose slice paths
//! are [`Real::map_slice`] / [`Real::map_deriv_slice`] (vectorised for
//! `f64`); [`Map`] lifts a closure written over [`Dual`] numbers,
//! differentiated per element by one dual evaluation.

use crate::dual::{Dual, DualN};
use crate::graph::{Ctx, IndexMap, Op};
use crate::{Error, Real};

/// A scalar function with its derivative, over slices.
pub(crate) trait ElemFn<S: Real>: Send + Sync + 'static {
    fn name(&self) -> &'static str;
    /// `out(i, f(x[i]))` for every `i`, in order.
    fn values(&self, x: &[S], out: impl FnMut(usize, S));
    /// `out(i, f(x[i]), f'(x[i]))` for every `i`, in order.
    fn values_derivs(&self, x: &[S], out: impl FnMut(usize, S, S));
}

/// The elementwise primitive of an [`ElemFn`].
pub(crate) struct Elementwise<F>(pub(crate) F);

impl<S: Real, F: ElemFn<S>> Op<S> for Elementwise<F> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Elementwise
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
        let x = &x[0][..y.len()];
        self.0.values(x, |i, v| y[i] = v);
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        saved.resize(y.len(), S::zero());
        let x = &x[0][..y.len()];
        self.0.values_derivs(x, |i, v, d| {
            y[i] = v;
            saved[i] = d;
        });
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

/// Any scalar function written over dual numbers: one dual evaluation per
/// element gives the value and the derivative together.
pub(crate) struct Map<F>(pub(crate) F);

impl<S: Real, F> ElemFn<S> for Map<F>
where
    F: Fn(Dual<S>) -> Dual<S> + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        "map"
    }
    #[inline(always)]
    fn values(&self, x: &[S], mut out: impl FnMut(usize, S)) {
        for (i, &x) in x.iter().enumerate() {
            out(i, (self.0)(Dual::constant(x)).re);
        }
    }
    #[inline(always)]
    fn values_derivs(&self, x: &[S], mut out: impl FnMut(usize, S, S)) {
        for (i, &x) in x.iter().enumerate() {
            let d = (self.0)(Dual::new(x, S::one()));
            out(i, d.re, d.eps[0]);
        }
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
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Elementwise
    }
    fn affine_in(&self, _: &[bool]) -> bool {
        true
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
    fn name(&self) -> &'static str;
    /// `out(i, f(a[i], b[i]))` for every `i < a.len()`, in order.
    fn values(&self, a: &[S], b: &[S], out: impl FnMut(usize, S));
    /// `out(i, f, ∂a f, ∂b f)` at `(a[i], b[i])`, in order.
    fn values_grads(&self, a: &[S], b: &[S], out: impl FnMut(usize, S, S, S));
}

/// A fused binary elementwise map `y_i = f(a_i, b_i)`: one evaluation per
/// element gives the value and both partials (saved as `[∂a f, ∂b f]`).
/// Fusing a chain of elementwise operations into one such map saves a pass
/// over memory per operation, forward and backward.
pub(crate) struct ZipWith<F>(pub(crate) F);

impl<S: Real, F: BinaryFn<S>> Op<S> for ZipWith<F> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Elementwise
    }
    fn arity(&self) -> usize {
        2
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if lens[0] != lens[1] {
            return Err(crate::graph::mismatch(self.0.name(), lens[0], lens[1]));
        }
        Ok(lens[0])
    }
    fn saved_len(&self, _: &[usize], out: usize) -> usize {
        2 * out
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let (a, b) = (&x[0][..y.len()], &x[1][..y.len()]);
        self.0.values(a, b, |i, v| y[i] = v);
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        saved.resize(2 * y.len(), S::zero());
        let (a, b) = (&x[0][..y.len()], &x[1][..y.len()]);
        let d = &mut saved[..2 * y.len()];
        self.0.values_grads(a, b, |i, v, da, db| {
            y[i] = v;
            d[2 * i] = da;
            d[2 * i + 1] = db;
        });
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
    fn name(&self) -> &'static str {
        "zip_map"
    }
    #[inline(always)]
    fn values(&self, a: &[S], b: &[S], mut out: impl FnMut(usize, S)) {
        for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
            out(i, (self.0)(DualN::constant(a), DualN::constant(b)).re);
        }
    }
    #[inline(always)]
    fn values_grads(&self, a: &[S], b: &[S], mut out: impl FnMut(usize, S, S, S)) {
        for (i, (&a, &b)) in a.iter().zip(b).enumerate() {
            let r = (self.0)(DualN::variable(a, 0), DualN::variable(b, 1));
            out(i, r.re, r.eps[0], r.eps[1]);
        }
    }
}

/// The fused reduction `Σ f(x_i)` (a scalar), saving `f'(x_i)`: one pass
/// instead of a map and a sum, and no output vector.
pub(crate) struct SumMap<F>(pub(crate) F);

impl<S: Real, F: ElemFn<S>> Op<S> for SumMap<F> {
    fn name(&self) -> &'static str {
        "sum_map"
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Reduce { width: 1 }
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
        // Four partial sums: independent additions pipeline.
        let mut acc = [S::zero(); 4];
        self.0.values(x[0], |i, v| acc[i & 3] += v);
        y[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        saved.resize(x[0].len(), S::zero());
        let mut acc = [S::zero(); 4];
        let d = &mut saved[..x[0].len()];
        self.0.values_derivs(x[0], |i, v, dv| {
            acc[i & 3] += v;
            d[i] = dv;
        });
        y[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        dy[0] += crate::primitives::reduce::dot(c.saved, dx);
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
/// derivative comes from [`Real::value_and_deriv`], which dual scalars
/// evaluate at their component level (cheap in Hessian sweeps).
pub(crate) struct MapFn<F>(pub(crate) F);

impl<S: Real, F: crate::ScalarFn> ElemFn<S> for MapFn<F> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    #[inline(always)]
    fn values(&self, x: &[S], out: impl FnMut(usize, S)) {
        S::map_slice(&self.0, x, out);
    }
    #[inline(always)]
    fn values_derivs(&self, x: &[S], out: impl FnMut(usize, S, S)) {
        S::map_deriv_slice(&self.0, x, out);
    }
}

/// A [`ScalarFn2`](crate::ScalarFn2): partials from
/// [`Real::value_and_grad2`], which dual scalars evaluate at their component
/// level (cheap in Hessian sweeps).
pub(crate) struct ZipMapFn<F>(pub(crate) F);

impl<S: Real, F: crate::ScalarFn2> BinaryFn<S> for ZipMapFn<F> {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    #[inline(always)]
    fn values(&self, a: &[S], b: &[S], out: impl FnMut(usize, S)) {
        S::zip_slice(&self.0, a, b, out);
    }
    #[inline(always)]
    fn values_grads(&self, a: &[S], b: &[S], out: impl FnMut(usize, S, S, S)) {
        S::zip_grad_slice(&self.0, a, b, out);
    }
}

/// The fused reduction `Σᵢ f(x_i, x_{i+1})` over adjacent pairs (a
/// scalar): one pass over `x`, no trimmed copies, no output vector; saves
/// `[∂a f, ∂b f]` per pair.
pub(crate) struct SumAdjacent<F>(pub(crate) F);

impl<S: Real, F: BinaryFn<S>> Op<S> for SumAdjacent<F> {
    fn name(&self) -> &'static str {
        "sum_adjacent"
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Reduce { width: 2 }
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, _: &[usize]) -> Result<usize, Error> {
        Ok(1)
    }
    fn saved_len(&self, lens: &[usize], _: usize) -> usize {
        2 * lens[0].saturating_sub(1)
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let x = x[0];
        let m = x.len().saturating_sub(1);
        let mut acc = [S::zero(); 4];
        if m > 0 {
            self.0.values(&x[..m], &x[1..], |i, v| acc[i & 3] += v);
        }
        y[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        let x = x[0];
        let m = x.len().saturating_sub(1);
        saved.resize(2 * m, S::zero());
        let d = &mut saved[..2 * m];
        let mut acc = [S::zero(); 4];
        if m > 0 {
            self.0.values_grads(&x[..m], &x[1..], |i, v, da, db| {
                acc[i & 3] += v;
                d[2 * i] = da;
                d[2 * i + 1] = db;
            });
        }
        y[0] = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        let mut s = S::zero();
        for (i, d) in c.saved.chunks_exact(2).enumerate() {
            s += d[0] * dx[i] + d[1] * dx[i + 1];
        }
        dy[0] += s;
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let g = dy[0];
        for (i, d) in c.saved.chunks_exact(2).enumerate() {
            dx[i] += d[0] * g;
            dx[i + 1] += d[1] * g;
        }
    }
}
