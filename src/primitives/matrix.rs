//! Matrix maps on flat slots: `W·x` (bilinear in the matrix and the
//! vector) and the outer product `a bᵀ`.
//!
//! A matrix is a slot holding its entries column by column (nalgebra's
//! layout, `DMatrix::as_slice`), with its row count fixed in the
//! primitive. `y = W x` has partials `dy = dW x` (in `W`) and `dy = W dx`
//! (in `x`), whose transposes are `dW += dy xᵀ` and `dx += Wᵀ dy`; the
//! outer product `Y = a bᵀ` has `dY = da bᵀ + a dbᵀ`, transposed
//! `da += dY b`, `db += dYᵀ a`. A constant matrix is a constant slot: the
//! program never differentiates what no input reaches.

use super::reduce::dot;
use crate::graph::{Ctx, Op, mismatch};
use crate::{Error, Real};

/// `y += W x` for `W` with `rows` rows, column-major.
fn gemv_add<S: Real>(w: &[S], rows: usize, x: &[S], y: &mut [S]) {
    if rows == 0 {
        return;
    }
    for (col, &xj) in w.chunks_exact(rows).zip(x) {
        for (yi, &wij) in y.iter_mut().zip(col) {
            *yi += wij * xj;
        }
    }
}

/// `x += Wᵀ y` for `W` with `rows` rows, column-major.
fn gemv_t_add<S: Real>(w: &[S], rows: usize, y: &[S], x: &mut [S]) {
    if rows == 0 {
        return;
    }
    for (col, xj) in w.chunks_exact(rows).zip(x) {
        *xj += dot(col, y);
    }
}

/// `Y += a bᵀ`, `Y` column-major with `a.len()` rows.
fn outer_add<S: Real>(a: &[S], b: &[S], y: &mut [S]) {
    if a.is_empty() {
        return;
    }
    for (col, &bj) in y.chunks_exact_mut(a.len()).zip(b) {
        for (yi, &ai) in col.iter_mut().zip(a) {
            *yi += ai * bj;
        }
    }
}

/// A bilinear map `y = B(a, b)`: its partial derivatives are `B(da, b)`
/// and `B(a, db)`, so one kernel serves the value and the forward
/// direction; the transposes are per argument.
pub(crate) enum Bilinear {
    /// `y = W x`: `a` is `W` (`rows` rows, column-major), `b` is `x`.
    MatVec { rows: usize },
    /// `Y = a bᵀ`, flat and column-major (`a.len()` rows).
    Outer,
}

impl Bilinear {
    /// `y += B(a, b)`.
    fn apply_add<S: Real>(&self, a: &[S], b: &[S], y: &mut [S]) {
        match *self {
            Bilinear::MatVec { rows } => gemv_add(a, rows, b, y),
            Bilinear::Outer => outer_add(a, b, y),
        }
    }
}

impl<S: Real> Op<S> for Bilinear {
    fn name(&self) -> &'static str {
        match self {
            Bilinear::MatVec { .. } => "matvec",
            Bilinear::Outer => "outer",
        }
    }
    fn arity(&self) -> usize {
        2
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        false
    }
    fn affine_in(&self, args: &[bool]) -> bool {
        !(args[0] && args[1])
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        let (a, b) = (lens[0], lens[1]);
        match *self {
            Bilinear::Outer => Ok(a * b),
            Bilinear::MatVec { rows: 0 } if a == 0 => Ok(0),
            Bilinear::MatVec { rows: 0 } => Err(mismatch("matvec", 0, a)),
            // Not a matrix with this many rows at all.
            Bilinear::MatVec { rows } if a % rows != 0 => Err(mismatch("matvec", rows * b, a)),
            // The matrix has a / rows columns: the vector must have as many.
            Bilinear::MatVec { rows } if a / rows != b => Err(mismatch("matvec", a / rows, b)),
            Bilinear::MatVec { rows } => Ok(rows),
        }
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        y.fill(S::zero());
        self.apply_add(x[0], x[1], y);
    }
    fn jvp_add(&self, i: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        match i {
            0 => self.apply_add(dx, c.inputs[1], dy),
            _ => self.apply_add(c.inputs[0], dx, dy),
        }
    }
    fn vjp_add(&self, i: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let (a, b) = (c.inputs[0], c.inputs[1]);
        match (self, i) {
            // dW += dy xᵀ, dx += Wᵀ dy.
            (Bilinear::MatVec { .. }, 0) => outer_add(dy, b, dx),
            (&Bilinear::MatVec { rows }, _) => gemv_t_add(a, rows, dy, dx),
            // da += dY b, db += dYᵀ a.
            (Bilinear::Outer, 0) => gemv_add(dy, a.len(), b, dx),
            (Bilinear::Outer, _) => gemv_t_add(dy, a.len(), a, dx),
        }
    }
}
