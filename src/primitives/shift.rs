//! Linear index maps: slices, strided selection, concatenation,
//! interleaving, and linear stencils (finite differences).
//!
//! These are linear, so their derivative is themselves (apply) and their
//! transpose (scatter-add, or correlation for a stencil); nothing is saved.

use crate::graph::{Ctx, IndexMap, Op, mismatch};
use crate::{Error, Real};

/// Which part of the input to keep.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Range {
    /// `x[start .. start + len]` (needs `start + len ≤ n`).
    Fixed { start: usize, len: usize },
    /// `x[front .. n − back]` (needs `front + back ≤ n`).
    Trim { front: usize, back: usize },
}

/// A contiguous slice of the input.
pub(crate) struct Slice(pub(crate) Range);

impl Slice {
    fn bounds(&self, n: usize) -> Result<(usize, usize), Error> {
        match self.0 {
            Range::Fixed { start, len } => {
                if start + len > n {
                    Err(mismatch("slice", start + len, n))
                } else {
                    Ok((start, len))
                }
            }
            Range::Trim { front, back } => {
                if front + back > n {
                    Err(mismatch("trim", front + back, n))
                } else {
                    Ok((front, n - front - back))
                }
            }
        }
    }
}

impl<S: Real> Op<S> for Slice {
    fn name(&self) -> &'static str {
        match self.0 {
            Range::Fixed { .. } => "slice",
            Range::Trim { .. } => "trim",
        }
    }
    fn index_map(&self, lens: &[usize]) -> IndexMap {
        match self.bounds(lens[0]) {
            Ok((offset, _)) => IndexMap::Slice { offset },
            Err(_) => IndexMap::Opaque,
        }
    }
    fn affine_in(&self, _: &[bool]) -> bool {
        true
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        self.bounds(lens[0]).map(|b| b.1)
    }
    fn scalar_output(&self, scalar_args: &[bool]) -> bool {
        // `x.at(i)` is a scalar; a trim whose length happens to be one is not.
        matches!(self.0, Range::Fixed { len: 1, .. }) || scalar_args[0]
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let (s, l) = self.bounds(x[0].len()).expect("checked");
        y.copy_from_slice(&x[0][s..s + l]);
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        let (s, l) = self.bounds(dx.len()).expect("checked");
        for (dy, &dx) in dy.iter_mut().zip(&dx[s..s + l]) {
            *dy += dx;
        }
    }
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let (s, l) = self.bounds(dx.len()).expect("checked");
        for (dx, &dy) in dx[s..s + l].iter_mut().zip(dy) {
            *dx += dy;
        }
    }
}

/// `y_i = x[offset + i·step]` for every index inside `x`.
pub(crate) struct Stride {
    pub(crate) offset: usize,
    pub(crate) step: usize,
}

impl Stride {
    fn len(&self, n: usize) -> usize {
        if n > self.offset {
            (n - self.offset).div_ceil(self.step)
        } else {
            0
        }
    }
}

impl<S: Real> Op<S> for Stride {
    fn name(&self) -> &'static str {
        "stride"
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Stride {
            offset: self.offset,
            step: self.step,
        }
    }
    fn affine_in(&self, _: &[bool]) -> bool {
        true
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(self.len(lens[0]))
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        for (y, &x) in y
            .iter_mut()
            .zip(x[0].iter().skip(self.offset).step_by(self.step))
        {
            *y = x;
        }
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for (dy, &dx) in dy
            .iter_mut()
            .zip(dx.iter().skip(self.offset).step_by(self.step))
        {
            *dy += dx;
        }
    }
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for (dx, &dy) in dx.iter_mut().skip(self.offset).step_by(self.step).zip(dy) {
            *dx += dy;
        }
    }
}

/// `[a; b]`.
pub(crate) struct Concat;

impl<S: Real> Op<S> for Concat {
    fn name(&self) -> &'static str {
        "concat"
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Concat
    }
    fn affine_in(&self, _: &[bool]) -> bool {
        true
    }
    fn arity(&self) -> usize {
        2
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0] + lens[1])
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let (l, r) = y.split_at_mut(x[0].len());
        l.copy_from_slice(x[0]);
        r.copy_from_slice(x[1]);
    }
    fn jvp_add(&self, i: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        let off = if i == 0 { 0 } else { c.inputs[0].len() };
        for (dy, &dx) in dy[off..].iter_mut().zip(dx) {
            *dy += dx;
        }
    }
    fn vjp_add(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let off = if i == 0 { 0 } else { c.inputs[0].len() };
        for (dx, &dy) in dx.iter_mut().zip(&dy[off..]) {
            *dx += dy;
        }
    }
}

/// `y = (a₀, b₀, a₁, b₁, …)`: the inverse of taking even and odd entries.
pub(crate) struct Interleave;

impl<S: Real> Op<S> for Interleave {
    fn name(&self) -> &'static str {
        "interleave"
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Interleave
    }
    fn affine_in(&self, _: &[bool]) -> bool {
        true
    }
    fn arity(&self) -> usize {
        2
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if lens[0] != lens[1] {
            return Err(mismatch("interleave", lens[0], lens[1]));
        }
        Ok(2 * lens[0])
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        for ((p, &a), &b) in y.chunks_exact_mut(2).zip(x[0]).zip(x[1]) {
            p[0] = a;
            p[1] = b;
        }
    }
    fn jvp_add(&self, i: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for (p, &d) in dy.chunks_exact_mut(2).zip(dx) {
            p[i] += d;
        }
    }
    fn vjp_add(&self, i: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for (d, p) in dx.iter_mut().zip(dy.chunks_exact(2)) {
            *d += p[i];
        }
    }
}

/// `y_i = Σ_j c_j x[i + j]`, `i = 0 .. n − w` (a linear stencil of width
/// `w = c.len()`): first difference `c = [−1, 1]`, second `[1, −2, 1]`.
pub(crate) struct LinearStencil<S> {
    pub(crate) name: &'static str,
    pub(crate) coeffs: Vec<S>,
}

impl<S: Real> Op<S> for LinearStencil<S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Window {
            width: self.coeffs.len(),
        }
    }
    fn affine_in(&self, _: &[bool]) -> bool {
        true
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        let w = self.coeffs.len();
        if lens[0] + 1 < w {
            return Err(mismatch(self.name, w - 1, lens[0]));
        }
        Ok(lens[0] + 1 - w)
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        // The first nonzero coefficient writes, the others accumulate.
        let m = y.len();
        match self.coeffs.iter().position(|&c| c != S::zero()) {
            None => y.fill(S::zero()),
            Some(j0) => {
                let c0 = self.coeffs[j0];
                for (y, &x) in y.iter_mut().zip(&x[0][j0..j0 + m]) {
                    *y = c0 * x;
                }
                stencil_add(&self.coeffs[j0 + 1..], &x[0][j0 + 1..], y);
            }
        }
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        stencil_add(&self.coeffs, dx, dy);
    }
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        // Scatter each output's cotangent over its window, one coefficient
        // (a shifted axpy) at a time: contiguous and vectorisable.
        let m = dy.len();
        for (j, &c) in self.coeffs.iter().enumerate() {
            if c == S::zero() {
                continue; // e.g. the zeros of an interleaved 2-D stencil
            }
            for (dx, &dy) in dx[j..j + m].iter_mut().zip(dy) {
                *dx += c * dy;
            }
        }
    }
}

/// `y_i += Σ_j c_j x[i + j]`, one shifted axpy per nonzero coefficient:
/// contiguous, vectorisable, and the zeros of an interleaved stencil cost
/// nothing.
fn stencil_add<S: Real>(coeffs: &[S], x: &[S], y: &mut [S]) {
    let m = y.len();
    for (j, &c) in coeffs.iter().enumerate() {
        if c == S::zero() {
            continue;
        }
        for (y, &x) in y.iter_mut().zip(&x[j..j + m]) {
            *y += c * x;
        }
    }
}

/// A constant vector or scalar (no arguments, zero derivative), with the
/// name messages give it.
pub(crate) struct Constant<S> {
    pub(crate) values: std::sync::Arc<Vec<S>>,
    pub(crate) name: &'static str,
    pub(crate) scalar: bool,
}

impl<S: Real> Op<S> for Constant<S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn arity(&self) -> usize {
        0
    }
    fn output_len(&self, _: &[usize]) -> Result<usize, Error> {
        Ok(self.values.len())
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        self.scalar
    }
    fn eval(&self, _: &[&[S]], y: &mut [S]) {
        y.copy_from_slice(&self.values);
    }
    fn constant_values(&self) -> Option<&[S]> {
        Some(&self.values)
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, _: &[S], _: &mut [S]) {}
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, _: &[S], _: &mut [S]) {}
}
