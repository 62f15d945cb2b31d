//! Reductions to a scalar (a slot of length one): sum, dot, squared norm,
//! and the length itself.
//!
//! `sum` has `J = 1ᵀ` (transpose: broadcast); `dot(a, b)` has partials
//! `bᵀ` and `aᵀ`; `‖x‖²` has `2xᵀ`; the length (a sum of ones, so that a
//! tiled run adds the tiles' counts) has `J = 0`.

use crate::graph::{Ctx, IndexMap, Op, mismatch};
use crate::{Error, Real};

/// Which reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reduction {
    Sum,
    Dot,
    NormSquared,
    /// The number of entries, as a scalar: lets an objective use the length
    /// it is evaluated at (a mean) instead of one stored beside it.
    Count,
}

pub(crate) struct Reduce(pub(crate) Reduction);

fn sum<S: Real>(x: &[S]) -> S {
    // Four accumulators: shorter dependency chains, and a pairwise-ish
    // summation that loses less to rounding than one running sum.
    let mut acc = [S::zero(); 4];
    let chunks = x.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        acc[0] += c[0];
        acc[1] += c[1];
        acc[2] += c[2];
        acc[3] += c[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for &r in rest {
        s += r;
    }
    s
}

pub(crate) fn dot<S: Real>(a: &[S], b: &[S]) -> S {
    let mut acc = [S::zero(); 4];
    let ca = a.chunks_exact(4);
    let cb = b.chunks_exact(4);
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        acc[0] += x[0] * y[0];
        acc[1] += x[1] * y[1];
        acc[2] += x[2] * y[2];
        acc[3] += x[3] * y[3];
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (&x, &y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

impl<S: Real> Op<S> for Reduce {
    fn name(&self) -> &'static str {
        match self.0 {
            Reduction::Sum => "sum",
            Reduction::Dot => "dot",
            Reduction::NormSquared => "norm_squared",
            Reduction::Count => "length",
        }
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Reduce { width: 1 }
    }
    fn affine_in(&self, args: &[bool]) -> bool {
        match self.0 {
            Reduction::Sum | Reduction::Count => true,
            Reduction::Dot => !(args[0] && args[1]),
            Reduction::NormSquared => !args[0],
        }
    }
    fn arity(&self) -> usize {
        if self.0 == Reduction::Dot { 2 } else { 1 }
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if self.0 == Reduction::Dot && lens[0] != lens[1] {
            return Err(mismatch("dot", lens[0], lens[1]));
        }
        Ok(1)
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        true
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        y[0] = match self.0 {
            Reduction::Sum => sum(x[0]),
            Reduction::Dot => dot(x[0], x[1]),
            Reduction::NormSquared => dot(x[0], x[0]),
            Reduction::Count => S::from_f64(x[0].len() as f64),
        };
    }
    fn jvp_add(&self, i: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        dy[0] += match self.0 {
            Reduction::Sum => sum(dx),
            Reduction::Dot => dot(c.inputs[1 - i], dx),
            Reduction::NormSquared => dot(c.inputs[0], dx) * S::from_f64(2.0),
            Reduction::Count => S::zero(),
        };
    }
    fn vjp_add(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let g = dy[0];
        match self.0 {
            Reduction::Sum => {
                for dx in dx.iter_mut() {
                    *dx += g;
                }
            }
            Reduction::Dot => {
                for (dx, &o) in dx.iter_mut().zip(c.inputs[1 - i]) {
                    *dx += g * o;
                }
            }
            Reduction::NormSquared => {
                let g2 = g + g;
                for (dx, &x) in dx.iter_mut().zip(c.inputs[0]) {
                    *dx += g2 * x;
                }
            }
            Reduction::Count => {}
        }
    }
    fn vjp_set(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let g = dy[0];
        match self.0 {
            Reduction::Sum => dx.fill(g),
            Reduction::Dot => {
                for (dx, &o) in dx.iter_mut().zip(c.inputs[1 - i]) {
                    *dx = g * o;
                }
            }
            Reduction::NormSquared => {
                let g2 = g + g;
                for (dx, &x) in dx.iter_mut().zip(c.inputs[0]) {
                    *dx = g2 * x;
                }
            }
            Reduction::Count => dx.fill(S::zero()),
        }
    }
}
