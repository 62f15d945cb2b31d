//! Nonlinear stencils: `y_i = f(x[i], …, x[i + w − 1])` for every window.
//!
//! The window function is written over dual numbers; its gradient on each
//! window (`w` numbers) is computed by `w` dual evaluations during
//! linearisation and saved, so the derivative is a banded matrix with `w`
//! diagonals: `apply` is a windowed dot product, `transpose` a scatter-add.

use crate::dual::Dual;
use crate::graph::{Ctx, IndexMap, Op, mismatch};
use crate::{Error, Real};

pub(crate) struct Windows<F> {
    pub(crate) width: usize,
    pub(crate) f: F,
}

impl<S: Real, F> Op<S> for Windows<F>
where
    F: Fn(&[Dual<S>]) -> Dual<S> + Send + Sync + 'static,
{
    fn name(&self) -> &'static str {
        "stencil"
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Window { width: self.width }
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if lens[0] + 1 < self.width {
            return Err(mismatch("stencil", self.width - 1, lens[0]));
        }
        Ok(lens[0] + 1 - self.width)
    }
    fn saved_len(&self, _: &[usize], out: usize) -> usize {
        out * self.width
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let mut buf = vec![Dual::constant(S::zero()); self.width];
        for (y, win) in y.iter_mut().zip(x[0].windows(self.width)) {
            for (b, &v) in buf.iter_mut().zip(win) {
                *b = Dual::constant(v);
            }
            *y = (self.f)(&buf).re;
        }
    }
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        let w = self.width;
        saved.resize(y.len() * w, S::zero());
        let mut buf = vec![Dual::constant(S::zero()); w];
        for ((y, win), g) in y
            .iter_mut()
            .zip(x[0].windows(w))
            .zip(saved.chunks_exact_mut(w))
        {
            for (b, &v) in buf.iter_mut().zip(win) {
                *b = Dual::constant(v);
            }
            for j in 0..w {
                buf[j].eps[0] = S::one();
                let d = (self.f)(&buf);
                buf[j].eps[0] = S::zero();
                g[j] = d.eps[0];
                *y = d.re;
            }
        }
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        let w = self.width;
        for ((dy, win), g) in dy
            .iter_mut()
            .zip(dx.windows(w))
            .zip(c.saved.chunks_exact(w))
        {
            let mut acc = S::zero();
            for (&gj, &v) in g.iter().zip(win) {
                acc += gj * v;
            }
            *dy += acc;
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let w = self.width;
        for (i, (&dy, g)) in dy.iter().zip(c.saved.chunks_exact(w)).enumerate() {
            for (dx, &gj) in dx[i..i + w].iter_mut().zip(g) {
                *dx += gj * dy;
            }
        }
    }
}
