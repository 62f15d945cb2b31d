//! Elementwise binary arithmetic with scalar broadcasting.
//!
//! `a ∘ b` for `∘ ∈ {+, −, ×, ÷}` on vectors of equal length, or with a
//! scalar side (a `scalar`, a reduction, `at`) broadcast over the other, so
//! a scalar expression can scale a vector. Only scalars broadcast: two
//! vectors of different lengths are a dimension error even when one of them
//! has length one (the program resolves this from the slots' kinds, see
//! [`Op::broadcasts_scalars`]). The derivative is `dy = ∂₀ ⊙ da + ∂₁ ⊙ db`;
//! the transpose of a broadcast argument sums over the broadcast axis.

use crate::graph::{Ctx, IndexMap, Op, mismatch};
use crate::{Error, Real};

/// Which arithmetic operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinKind {
    Add,
    Sub,
    Mul,
    Div,
}

/// An elementwise binary operation.
pub(crate) struct Binary(pub(crate) BinKind);

impl Binary {
    #[inline(always)]
    fn value<S: Real>(&self, a: S, b: S) -> S {
        match self.0 {
            BinKind::Add => a + b,
            BinKind::Sub => a - b,
            BinKind::Mul => a * b,
            BinKind::Div => a / b,
        }
    }

    /// ∂y/∂(argument i) at (a, b), with y = a ∘ b.
    #[inline(always)]
    fn partial<S: Real>(&self, i: usize, a: S, b: S, y: S) -> S {
        match (self.0, i) {
            (BinKind::Add, _) => S::one(),
            (BinKind::Sub, 0) => S::one(),
            (BinKind::Sub, _) => -S::one(),
            (BinKind::Mul, 0) => b,
            (BinKind::Mul, _) => a,
            (BinKind::Div, 0) => b.recip(),
            (BinKind::Div, _) => -y / b,
        }
    }
}

/// Element `j` of an argument, a scalar (length one) broadcast.
#[inline(always)]
fn at<S: Copy>(v: &[S], j: usize) -> S {
    if v.len() == 1 { v[0] } else { v[j] }
}

impl<S: Real> Op<S> for Binary {
    fn name(&self) -> &'static str {
        match self.0 {
            BinKind::Add => "add",
            BinKind::Sub => "sub",
            BinKind::Mul => "mul",
            BinKind::Div => "div",
        }
    }
    fn arity(&self) -> usize {
        2
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        // A scalar argument arrives here with the other side's length.
        let (a, b) = (lens[0], lens[1]);
        if a == b {
            Ok(a)
        } else {
            Err(mismatch(<Self as Op<S>>::name(self), a, b))
        }
    }
    fn broadcasts_scalars(&self) -> bool {
        true
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Elementwise
    }
    fn affine_in(&self, args: &[bool]) -> bool {
        match self.0 {
            BinKind::Add | BinKind::Sub => true,
            // Bilinear: affine in one argument at a time.
            BinKind::Mul => !(args[0] && args[1]),
            BinKind::Div => !args[1],
        }
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let (a, b) = (x[0], x[1]);
        if a.len() == y.len() && b.len() == y.len() {
            for ((y, &a), &b) in y.iter_mut().zip(a).zip(b) {
                *y = self.value(a, b);
            }
        } else {
            for (j, y) in y.iter_mut().enumerate() {
                *y = self.value(at(a, j), at(b, j));
            }
        }
    }
    fn jvp_add(&self, i: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        let (a, b, y) = (c.inputs[0], c.inputs[1], c.output);
        if self.0 == BinKind::Add || (self.0 == BinKind::Sub && i == 0) {
            if dx.len() == dy.len() {
                for (dy, &dx) in dy.iter_mut().zip(dx) {
                    *dy += dx;
                }
            } else {
                for dy in dy.iter_mut() {
                    *dy += dx[0];
                }
            }
            return;
        }
        for (j, dy) in dy.iter_mut().enumerate() {
            *dy += self.partial(i, at(a, j), at(b, j), y[j]) * at(dx, j);
        }
    }
    fn vjp_add(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let (a, b, y) = (c.inputs[0], c.inputs[1], c.output);
        let n = dy.len();
        if dx.len() == n {
            if a.len() == n && b.len() == n {
                match (self.0, i) {
                    (BinKind::Add, _) | (BinKind::Sub, 0) => {
                        for (dx, &dy) in dx.iter_mut().zip(dy) {
                            *dx += dy;
                        }
                    }
                    (BinKind::Sub, _) => {
                        for (dx, &dy) in dx.iter_mut().zip(dy) {
                            *dx -= dy;
                        }
                    }
                    (BinKind::Mul, _) => {
                        let other = if i == 0 { b } else { a };
                        for ((dx, &dy), &o) in dx.iter_mut().zip(dy).zip(other) {
                            *dx += dy * o;
                        }
                    }
                    (BinKind::Div, _) => {
                        for (j, dx) in dx.iter_mut().enumerate() {
                            *dx += self.partial(i, a[j], b[j], y[j]) * dy[j];
                        }
                    }
                }
            } else {
                for (j, dx) in dx.iter_mut().enumerate() {
                    *dx += self.partial(i, at(a, j), at(b, j), y[j]) * dy[j];
                }
            }
        } else {
            // A broadcast scalar argument: sum over the broadcast axis.
            let mut acc = S::zero();
            for (j, &dy) in dy.iter().enumerate() {
                acc += self.partial(i, at(a, j), at(b, j), y[j]) * dy;
            }
            dx[0] += acc;
        }
    }
}
