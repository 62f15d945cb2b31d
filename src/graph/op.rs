//! The primitive interface of the expression graph.
//!
//! An [`Op`] is a primitive on flat slices: its value, and its derivative as
//! a linear map given once with both directions (`jvp_add` is `apply`,
//! `vjp_add` is `transpose`), per input so that an input used twice (`x·x`)
//! never aliases. Whatever the derivative needs beyond the inputs and the
//! output (for `sin`, the cosines) is computed during [`Op::linearize`] and
//! kept in a `saved` buffer, so no primitive captures copies of its inputs.
//!
//! Forward, reverse and dense modes all run these same two functions; no
//! primitive is written per mode.

use super::IndexMap;
use crate::{Error, Real};

/// What a primitive's linear map sees at the point it was linearised at.
///
/// ```
/// use lensdiff::graph::Ctx;
/// let x = [1.0, 2.0];
/// let ctx = Ctx { inputs: &[&x[..]], output: &[3.0], saved: &[] };
/// assert_eq!(ctx.inputs[0][1], 2.0);
/// ```
#[derive(Clone, Copy)]
pub struct Ctx<'a, S> {
    /// The input values, one slice per argument.
    pub inputs: &'a [&'a [S]],
    /// The output value.
    pub output: &'a [S],
    /// Whatever [`Op::linearize`] saved.
    pub saved: &'a [S],
}

/// A differentiable primitive on flat vectors (a scalar is a slot of length
/// one whose kind is scalar, see [`Op::scalar_output`]).
///
/// Implement it to add a primitive of your own; [`crate::Expr::apply_op`]
/// puts it in an expression, where it runs in every mode.
///
/// ```
/// use lensdiff::graph::{Ctx, Op};
/// use lensdiff::{Expr, Error, grad, Real, DFun};
/// use nalgebra::{dvector, DVector};
/// use std::sync::Arc;
///
/// /// y_i = 3 x_i (a linear primitive).
/// struct Triple;
/// impl<S: Real> Op<S> for Triple {
///     fn name(&self) -> &'static str { "triple" }
///     fn arity(&self) -> usize { 1 }
///     fn output_len(&self, lens: &[usize]) -> Result<usize, Error> { Ok(lens[0]) }
///     fn eval(&self, x: &[&[S]], y: &mut [S]) {
///         for (y, x) in y.iter_mut().zip(x[0]) { *y = *x * S::from_f64(3.0); }
///     }
///     fn jvp_add(&self, _i: usize, _c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
///         for (y, x) in dy.iter_mut().zip(dx) { *y += *x * S::from_f64(3.0); }
///     }
///     fn vjp_add(&self, _i: usize, _c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
///         for (x, y) in dx.iter_mut().zip(dy) { *x += *y * S::from_f64(3.0); }
///     }
/// }
/// let f: DFun<DVector<f64>, f64> = Expr::var().apply_op(Arc::new(Triple), &[]).sum().compile();
/// assert_eq!(grad(&f, &dvector![1.0, 2.0]), dvector![3.0, 3.0]);
/// ```
pub trait Op<S: Real>: Send + Sync + 'static {
    /// The primitive's name, for error messages.
    fn name(&self) -> &'static str;
    /// The number of arguments.
    fn arity(&self) -> usize;
    /// The output length for the given argument lengths, or a
    /// [`Error::DimensionMismatch`] naming this primitive.
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error>;
    /// Whether the output is a scalar (a value that broadcasts against
    /// vectors in arithmetic) rather than a vector, given which arguments
    /// are scalars. A slot counts as a scalar only when it also has length
    /// one; a vector of length one never broadcasts. The default: an
    /// operation on scalars alone gives a scalar (an elementwise function of
    /// a scalar), anything else a vector. Reductions answer `true`.
    fn scalar_output(&self, scalar_args: &[bool]) -> bool {
        !scalar_args.is_empty() && scalar_args.iter().all(|&s| s)
    }
    /// Whether a scalar argument broadcasts against the other arguments
    /// (default `false`). For such a primitive, [`output_len`](Op::output_len)
    /// sees a scalar argument with the length of the first vector argument,
    /// and its kernels see the scalar as a slice of length one.
    fn broadcasts_scalars(&self) -> bool {
        false
    }
    /// The values of a primitive with no arguments whose output never
    /// changes (a constant): the whole-vector engine then reads them in
    /// place instead of copying them into a slot on every evaluation (a
    /// constant matrix is n² entries). Default `None`.
    fn constant_values(&self) -> Option<&[S]> {
        None
    }
    /// Whether the output can change between evaluations with the same
    /// arguments: the primitive reads a value that changes between passes,
    /// as the multipliers a solver sets before every Hessian (default
    /// `false`). The tiled engine computes the slots no input reaches
    /// (constants, and what is computed from them alone) once per plan;
    /// when one of a program's primitives varies, it computes them again
    /// before every pass.
    ///
    /// ```
    /// use lensdiff::graph::{Ctx, Op};
    /// use lensdiff::{DFun, Error, Expr, Real};
    /// use nalgebra::{dvector, DVector};
    /// use std::sync::{Arc, atomic::{AtomicU64, Ordering}};
    /// /// Its argument times a factor read from a cell at every evaluation.
    /// struct Knob(Arc<AtomicU64>);
    /// impl Knob {
    ///     fn factor(&self) -> f64 { f64::from_bits(self.0.load(Ordering::Relaxed)) }
    /// }
    /// impl<S: Real> Op<S> for Knob {
    ///     fn name(&self) -> &'static str { "knob" }
    ///     fn arity(&self) -> usize { 1 }
    ///     fn output_len(&self, lens: &[usize]) -> Result<usize, Error> { Ok(lens[0]) }
    ///     fn varies(&self) -> bool { true }
    ///     fn eval(&self, x: &[&[S]], y: &mut [S]) {
    ///         for (y, x) in y.iter_mut().zip(x[0]) { *y = *x * S::from_f64(self.factor()); }
    ///     }
    ///     fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
    ///         for (y, x) in dy.iter_mut().zip(dx) { *y += *x * S::from_f64(self.factor()); }
    ///     }
    ///     fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
    ///         for (x, y) in dx.iter_mut().zip(dy) { *x += *y * S::from_f64(self.factor()); }
    ///     }
    /// }
    /// let cell = Arc::new(AtomicU64::new(2.0f64.to_bits()));
    /// // Weights (1, 2) times the knob: a constant that changes.
    /// let w = Expr::constant(dvector![1.0, 2.0]).apply_op(Arc::new(Knob(cell.clone())), &[]);
    /// let f: DFun<DVector<f64>, f64> = Expr::var().dot(&w).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 1.0]), 6.0);
    /// cell.store(3.0f64.to_bits(), Ordering::Relaxed);
    /// assert_eq!(f.eval(&dvector![1.0, 1.0]), 9.0);
    /// ```
    fn varies(&self) -> bool {
        false
    }
    /// Writes the value into `y` (every entry must be overwritten).
    fn eval(&self, x: &[&[S]], y: &mut [S]);
    /// How many numbers [`linearize`](Op::linearize) saves for arguments
    /// of lengths `lens` and an output of length `out` (default 0). The
    /// `saved` buffer handed to `linearize` has this length already, so a
    /// primitive that declares it never reallocates.
    fn saved_len(&self, lens: &[usize], out: usize) -> usize {
        let _ = (lens, out);
        0
    }
    /// Writes the value into `y` and fills `saved` with what the derivative
    /// needs besides inputs and output (it arrives with length
    /// [`saved_len`](Op::saved_len), contents unspecified; resize it if you
    /// need another length). The default saves nothing.
    fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
        let _ = saved;
        self.eval(x, y)
    }
    /// `dy += J_i dx` for argument `i` (forward direction).
    fn jvp_add(&self, i: usize, ctx: &Ctx<'_, S>, dx: &[S], dy: &mut [S]);
    /// `dx += J_iᵀ dy` for argument `i` (reverse direction).
    fn vjp_add(&self, i: usize, ctx: &Ctx<'_, S>, dy: &[S], dx: &mut [S]);
    /// Which argument entries each output entry reads, for arguments of
    /// lengths `lens` (default [`IndexMap::Opaque`]: none declared, and a
    /// program holding this primitive runs whole-vector). Declaring a map
    /// promises that the kernels, run on the argument windows the map
    /// names, compute exactly that window of the output (see
    /// [`IndexMap`]); the engine then runs the program tile by tile.
    fn index_map(&self, lens: &[usize]) -> IndexMap {
        let _ = lens;
        IndexMap::Opaque
    }
    /// Whether the output is affine, jointly, in the arguments marked
    /// `true` while the others are held fixed, so that its derivatives in
    /// them do not depend on them (default `false`; `a + b` is affine in
    /// both, `a · b` in either one alone). A scalar tail that is affine in
    /// the reductions it combines lets value and gradient come out of one
    /// tiled pass.
    fn affine_in(&self, args: &[bool]) -> bool {
        let _ = args;
        false
    }
    /// `dx = J_iᵀ dy`, overwriting whatever `dx` held. The default clears
    /// `dx` and calls [`vjp_add`](Op::vjp_add); primitives whose transpose
    /// writes every entry override it to save the clearing pass.
    fn vjp_set(&self, i: usize, ctx: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        dx.fill(S::zero());
        self.vjp_add(i, ctx, dy, dx);
    }
}

/// A dimension mismatch error for primitive `op`.
pub(crate) fn mismatch(op: &'static str, expected: usize, found: usize) -> Error {
    Error::DimensionMismatch {
        op,
        expected,
        found,
    }
}
