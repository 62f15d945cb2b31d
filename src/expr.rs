//! Expressions that read like maths, compiled into one lens.
//!
//! An [`Expr`] is a node of a DAG of primitives over input variables.
//! Operators (`+ − × ÷`, with numbers and with other expressions) and
//! methods (`sin`, `diff`, `sum`, …) build the DAG; [`Expr::compile`] turns it
//! into a [`DFun`] in any mode. A sub-expression bound to a variable and
//! used twice is one node: it is evaluated once per call, forward and
//! backward (the compiled program is the let-form of the DAG, see
//! [`crate::graph::Program`]).
//!
//! Slots are flat vectors; a scalar (an [`Expr::scalar`], a reduction such
//! as [`Expr::sum`], an entry [`Expr::at`], a scalar input, and arithmetic
//! on scalars) is a slot of length one whose *kind* is scalar. Only a
//! scalar broadcasts in elementwise arithmetic, so `(x * s)` scales a
//! vector by a scalar expression, while two vectors of different lengths
//! are a dimension error even when one has length one (`x * x.shift(1)` at
//! n = 2). Lengths are checked when the lens is evaluated, before any
//! kernel runs: a mismatch panics at the caller's line with a message
//! naming the primitive (or the input and the constant that fixed its
//! length) and both lengths ([`Expr::check`] and [`DFun::try_eval`] return
//! it as an [`Error`] instead).
//!
//! ```
//! use lensdiff::{grad, Expr, DFun, c};
//! use nalgebra::{dvector, DVector};
//! let x = Expr::<f64>::var();
//! // f(x) = Σ ½ (x[i+1] − x[i])² + Σ (x⁴/4 − x²/2)
//! let f = (x.diff().square() * 0.5).sum()
//!     + x.map(|t| t.powi(4) * c(0.25) - t * t * c(0.5)).sum();
//! let f: DFun<DVector<f64>, f64> = f.compile();
//! let g = grad(&f, &dvector![0.0, 1.0]);
//! assert_eq!(g, dvector![-1.0, 1.0]);
//! ```

use crate::dfun::DFun;
use crate::dual::{Dual, DualN};
use crate::graph::{IndexMap, Inputs, Node, Op, Output, Program};
use crate::mode::Mode;
use crate::primitives::arith::{BinKind, Binary};
use crate::primitives::elementwise::{
    Affine, ElemFn, Elementwise, Map, MapFn, SumAdjacent, SumMap, ZipMap, ZipMapFn, ZipWith,
};
use crate::primitives::matrix::Bilinear;
use crate::primitives::reduce::{Reduce, Reduction};
use crate::primitives::shift::{Concat, Constant, Interleave, LinearStencil, Range, Slice, Stride};
use crate::primitives::stencil::Windows;
use crate::{Error, Real};
use nalgebra::{DVector, Dim, Matrix, RawStorage};
use std::collections::HashMap;
use std::ops::{Add, Div, Mul, Neg, Sub};
use std::panic::Location;
use std::sync::Arc;

enum ExprNode<S: Real> {
    Input(usize),
    /// A primitive, its arguments, and where the node was built.
    Apply(Arc<dyn Op<S>>, Vec<Expr<S>>, &'static Location<'static>),
}

/// A node of an expression graph over scalars `S` (cheap to clone: a
/// shared pointer).
///
/// ```
/// use lensdiff::{Expr, DFun};
/// use nalgebra::{dvector, DVector};
/// let x = Expr::<f64>::var();
/// let f: DFun<DVector<f64>, f64> = (x.clone() * x).sum().compile();
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), 5.0);
/// ```
pub struct Expr<S: Real>(Arc<ExprNode<S>>);

impl<S: Real> Clone for Expr<S> {
    fn clone(&self) -> Self {
        Expr(self.0.clone())
    }
}

impl<S: Real> std::fmt::Debug for Expr<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.0 {
            ExprNode::Input(i) => write!(f, "input{i}"),
            ExprNode::Apply(op, args, _) => {
                write!(f, "{}(", op.name())?;
                for (k, a) in args.iter().enumerate() {
                    if k > 0 {
                        write!(f, ", ")?;
                    }
                    write!(f, "{a:?}")?;
                }
                write!(f, ")")
            }
        }
    }
}

impl<S: Real> Expr<S> {
    /// The input variable (input slot 0).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().compile();
    /// assert_eq!(f.eval(&dvector![1.0]), dvector![1.0]);
    /// ```
    pub fn var() -> Self {
        Self::input(0)
    }

    /// Input slot `i` (for lenses on pairs: `(DVector, DVector)` has slots 0, 1).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<(DVector<f64>, DVector<f64>), f64> =
    ///     Expr::input(0).dot(&Expr::input(1)).compile();
    /// assert_eq!(f.eval(&(dvector![1.0, 2.0], dvector![3.0, 4.0])), 11.0);
    /// ```
    pub fn input(i: usize) -> Self {
        Expr(Arc::new(ExprNode::Input(i)))
    }

    /// A constant vector.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let k = Expr::constant(dvector![1.0, 1.0]);
    /// let f: DFun<DVector<f64>, f64> = (Expr::var() - k).norm_squared().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 3.0]), 4.0);
    /// ```
    #[track_caller]
    pub fn constant(v: DVector<S>) -> Self {
        Self::constant_named("constant", v)
    }

    /// A constant vector with a name, which messages about lengths use:
    /// an input that does not fit it is reported as "input 0 has length
    /// 999; this lens was built for 1000 (constant `target`)".
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let target = Expr::constant_named("target", dvector![1.0, 1.0]);
    /// let f: DFun<DVector<f64>, f64> = (Expr::var() - target).norm_squared().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 3.0]), 4.0);
    /// assert!(f.try_eval(&dvector![1.0]).unwrap_err().to_string().contains("`target`"));
    /// ```
    #[track_caller]
    pub fn constant_named(name: &'static str, v: DVector<S>) -> Self {
        Self::op(
            Constant {
                values: Arc::new(v.as_slice().to_vec()),
                name,
                scalar: false,
            },
            vec![],
        )
    }

    /// A constant scalar (broadcasts in arithmetic; a constant vector of
    /// length one does not).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = (Expr::var() * Expr::scalar(2.0)).sum().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 3.0]), 8.0);
    /// let one = Expr::constant(dvector![2.0]);
    /// assert!((Expr::var() * one).check(&[2]).is_err());
    /// ```
    #[track_caller]
    pub fn scalar(s: S) -> Self {
        Self::op(
            Constant {
                values: Arc::new(vec![s]),
                name: "constant",
                scalar: true,
            },
            vec![],
        )
    }

    #[track_caller]
    pub(crate) fn op(op: impl Op<S>, args: Vec<Expr<S>>) -> Self {
        Expr(Arc::new(ExprNode::Apply(
            Arc::new(op),
            args,
            Location::caller(),
        )))
    }

    /// The parts a concatenation joins, in order, nested concatenations
    /// flattened (`[a; b; c]` gives `a, b, c`); `self` alone when it is not
    /// one. A primitive counts as a concatenation when it declares
    /// [`IndexMap::Concat`](crate::graph::IndexMap::Concat), the promise
    /// that its output is its two arguments one after the other.
    pub(crate) fn concat_parts(&self) -> Vec<Expr<S>> {
        let mut parts = Vec::new();
        let mut stack = vec![self.clone()];
        while let Some(e) = stack.pop() {
            match &*e.0 {
                ExprNode::Apply(op, args, _)
                    if args.len() == 2 && op.index_map(&[1, 1]) == IndexMap::Concat =>
                {
                    stack.push(args[1].clone());
                    stack.push(args[0].clone());
                }
                _ => parts.push(e),
            }
        }
        parts
    }

    /// The output length of `self` for one input of length `n`.
    pub(crate) fn output_len_at(&self, n: usize) -> Result<usize, Error> {
        let prog = self.program(1);
        let lens = prog.check_inputs(&[n])?;
        Ok(lens[prog.output])
    }

    #[track_caller]
    fn unary(&self, op: impl Op<S>) -> Self {
        Self::op(op, vec![self.clone()])
    }

    #[track_caller]
    pub(crate) fn elem<F: ElemFn<S>>(&self, f: F) -> Self {
        self.unary(Elementwise(f))
    }

    /// Applies a primitive of your own to `self` and `others` (in that
    /// order); see [`Op`] for an example.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let x = Expr::<f64>::var();
    /// let f: DFun<DVector<f64>, f64> = x.apply_op(std::sync::Arc::new(MyOp), &[]).sum().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 3.0); // MyOp is the identity
    /// # struct MyOp;
    /// # impl lensdiff::graph::Op<f64> for MyOp {
    /// #   fn name(&self) -> &'static str { "my" } fn arity(&self) -> usize { 1 }
    /// #   fn output_len(&self, l: &[usize]) -> Result<usize, lensdiff::Error> { Ok(l[0]) }
    /// #   fn eval(&self, x: &[&[f64]], y: &mut [f64]) { y.copy_from_slice(x[0]) }
    /// #   fn jvp_add(&self, _: usize, _: &lensdiff::graph::Ctx<'_, f64>, _: &[f64], _: &mut [f64]) {}
    /// #   fn vjp_add(&self, _: usize, _: &lensdiff::graph::Ctx<'_, f64>, _: &[f64], _: &mut [f64]) {}
    /// # }
    /// ```
    #[track_caller]
    pub fn apply_op(&self, op: Arc<dyn Op<S>>, others: &[Expr<S>]) -> Self {
        assert_eq!(
            op.arity(),
            1 + others.len(),
            "apply_op: {} takes {} arguments, given {}",
            op.name(),
            op.arity(),
            1 + others.len()
        );
        let mut args = vec![self.clone()];
        args.extend_from_slice(others);
        Expr(Arc::new(ExprNode::Apply(op, args, Location::caller())))
    }

    /// Any scalar function, written over dual numbers, applied elementwise
    /// (value and derivative in one pass). Constants: [`crate::c`].
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, c, grad};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> =
    ///     Expr::var().map(|t| t.powi(3) * c(2.0)).sum().compile();
    /// assert_eq!(grad(&f, &dvector![1.0]), dvector![6.0]);
    /// ```
    #[track_caller]
    pub fn map<F>(&self, f: F) -> Self
    where
        F: Fn(Dual<S>) -> Dual<S> + Send + Sync + 'static,
    {
        self.elem(Map(f))
    }

    /// `Σ f(xᵢ)` in one fused pass (no intermediate vector): the same as
    /// `self.map(f).sum()`, faster.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, c, grad};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().sum_map(|t| t * t * c(0.5)).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 2.5);
    /// assert_eq!(grad(&f, &dvector![1.0, 2.0]), dvector![1.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn sum_map<F>(&self, f: F) -> Self
    where
        F: Fn(Dual<S>) -> Dual<S> + Send + Sync + 'static,
    {
        self.unary(SumMap(Map(f)))
    }

    /// A fused binary elementwise map `yᵢ = f(selfᵢ, otherᵢ)`, `f` written
    /// over two-tangent duals (value and both partials in one evaluation).
    /// Fuses a chain of elementwise operations into one pass.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, c, grad};
    /// use nalgebra::{dvector, DVector};
    /// let x = Expr::<f64>::var();
    /// // Σ (x_even − ½)² · x_odd
    /// let f: DFun<DVector<f64>, f64> = x.even()
    ///     .zip_map(&x.odd(), |u, v| (u - c(0.5)) * (u - c(0.5)) * v)
    ///     .sum()
    ///     .compile();
    /// assert_eq!(grad(&f, &dvector![1.5, 2.0]), dvector![4.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn zip_map<F>(&self, other: &Expr<S>, f: F) -> Self
    where
        F: Fn(DualN<S, 2>, DualN<S, 2>) -> DualN<S, 2> + Send + Sync + 'static,
    {
        Self::op(ZipWith(ZipMap(f)), vec![self.clone(), other.clone()])
    }

    /// A [`ScalarFn`](crate::ScalarFn) elementwise. Same result as
    /// [`map`](Self::map); in Hessian sweeps its second derivative is
    /// computed once per element at `f64` level instead of on nested
    /// multi-tangent duals, which makes banded Hessians markedly cheaper.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, Real, ScalarFn, c};
    /// use nalgebra::{dvector, DVector};
    /// struct Half;
    /// impl ScalarFn for Half { fn eval<T: Real>(&self, x: T) -> T { x * c(0.5) } }
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().map_fn(Half).compile();
    /// assert_eq!(f.eval(&dvector![3.0]), dvector![1.5]);
    /// ```
    #[track_caller]
    pub fn map_fn<F: crate::ScalarFn>(&self, f: F) -> Self {
        self.elem(MapFn(f))
    }

    /// `Σ f(xᵢ)` for a [`ScalarFn`](crate::ScalarFn), fused (see
    /// [`sum_map`](Self::sum_map) and [`map_fn`](Self::map_fn)).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, Real, ScalarFn, grad};
    /// use nalgebra::{dvector, DVector};
    /// struct Sq;
    /// impl ScalarFn for Sq { fn eval<T: Real>(&self, x: T) -> T { x * x } }
    /// let f: DFun<DVector<f64>, f64> = Expr::var().sum_map_fn(Sq).compile();
    /// assert_eq!(grad(&f, &dvector![1.0, 2.0]), dvector![2.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn sum_map_fn<F: crate::ScalarFn>(&self, f: F) -> Self {
        self.unary(SumMap(MapFn(f)))
    }

    /// A fused binary elementwise map of a [`ScalarFn2`](crate::ScalarFn2)
    /// (see [`zip_map`](Self::zip_map) and [`map_fn`](Self::map_fn)).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, Real, ScalarFn2, grad};
    /// use nalgebra::{dvector, DVector};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * b } }
    /// let x = Expr::<f64>::var();
    /// let f: DFun<DVector<f64>, f64> = x.trim(0, 1).zip_map_fn(&x.trim(1, 0), Prod).sum().compile();
    /// assert_eq!(grad(&f, &dvector![1.0, 2.0, 3.0]), dvector![2.0, 4.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn zip_map_fn<F: crate::ScalarFn2>(&self, other: &Expr<S>, f: F) -> Self {
        Self::op(ZipWith(ZipMapFn(f)), vec![self.clone(), other.clone()])
    }

    /// `Σᵢ f(xᵢ, xᵢ₊₁)` over adjacent pairs, for a
    /// [`ScalarFn2`](crate::ScalarFn2), in one fused pass: the same as
    /// `self.trim(0, 1).zip_map_fn(&self.trim(1, 0), f).sum()` without the
    /// two trimmed copies and the vector of terms.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, Real, ScalarFn2, grad};
    /// use nalgebra::{dvector, DVector};
    /// struct Prod;
    /// impl ScalarFn2 for Prod { fn eval<T: Real>(&self, a: T, b: T) -> T { a * b } }
    /// let f: DFun<DVector<f64>, f64> = Expr::var().sum_adjacent_fn(Prod).compile();
    /// let x = dvector![1.0, 2.0, 3.0];
    /// assert_eq!(f.eval(&x), 8.0);
    /// assert_eq!(grad(&f, &x), dvector![2.0, 4.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn sum_adjacent_fn<F: crate::ScalarFn2>(&self, f: F) -> Self {
        self.unary(SumAdjacent(ZipMapFn(f)))
    }

    /// `a·x + b` elementwise, for numbers `a`, `b`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().affine(2.0, 1.0).compile();
    /// assert_eq!(f.eval(&dvector![3.0]), dvector![7.0]);
    /// ```
    #[track_caller]
    pub fn affine(&self, a: f64, b: f64) -> Self {
        self.unary(Affine {
            a: S::from_f64(a),
            b: S::from_f64(b),
        })
    }

    /// `Σ xᵢ` (a scalar).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().sum().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 3.0);
    /// ```
    #[track_caller]
    pub fn sum(&self) -> Self {
        self.unary(Reduce(Reduction::Sum))
    }
    /// `Σ aᵢ bᵢ` (a scalar).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let x = Expr::var();
    /// let f: DFun<DVector<f64>, f64> = x.dot(&x).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 5.0);
    /// ```
    #[track_caller]
    pub fn dot(&self, other: &Expr<S>) -> Self {
        Self::op(Reduce(Reduction::Dot), vec![self.clone(), other.clone()])
    }
    /// `Σ xᵢ²` (a scalar).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().norm_squared().compile();
    /// assert_eq!(f.eval(&dvector![3.0, 4.0]), 25.0);
    /// ```
    #[track_caller]
    pub fn norm_squared(&self) -> Self {
        self.unary(Reduce(Reduction::NormSquared))
    }
    /// The number of entries of `x`, as a scalar whose derivative is zero.
    /// A program is built once and run at any length, so an objective that
    /// needs `n` (a mean, a step `1/n`) reads it here rather than storing
    /// the `n` of one call, which would silently compute another function
    /// at another length.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, grad};
    /// use nalgebra::{dvector, DVector};
    /// let x = Expr::var();
    /// // Σ xᵢ² / n, the same program at every length.
    /// let f: DFun<DVector<f64>, f64> = (x.norm_squared() / x.length()).compile();
    /// assert_eq!(f.eval(&dvector![3.0, 4.0]), 12.5);
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 2.0, 1.0]), 2.5);
    /// assert_eq!(grad(&f, &dvector![3.0, 4.0]), dvector![3.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn length(&self) -> Self {
        self.unary(Reduce(Reduction::Count))
    }
    /// The mean `Σ xᵢ / n` (a scalar), with `n` the length at which the
    /// program runs (see [`Expr::length`]). Of an empty vector it is
    /// `0 / 0`, NaN, as the mean of nothing has no value.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, grad};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().mean().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 6.0]), 3.0);
    /// assert_eq!(grad(&f, &dvector![1.0, 2.0, 6.0, 7.0]), dvector![0.25, 0.25, 0.25, 0.25]);
    /// ```
    #[track_caller]
    pub fn mean(&self) -> Self {
        self.sum() / self.length()
    }

    /// `x[start .. start + len]`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().slice(1, 2).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn slice(&self, start: usize, len: usize) -> Self {
        self.unary(Slice(Range::Fixed { start, len }))
    }
    /// `x[i]` as a scalar.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().at(1).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 2.0);
    /// ```
    #[track_caller]
    pub fn at(&self, i: usize) -> Self {
        self.slice(i, 1)
    }
    /// The last entry, as a scalar.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().last().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 2.0);
    /// ```
    #[track_caller]
    pub fn last(&self) -> Self {
        self.at_from_end(0)
    }
    /// `x[n − 1 − i]` as a scalar.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = Expr::var().at_from_end(1).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), 2.0);
    /// ```
    #[track_caller]
    pub fn at_from_end(&self, i: usize) -> Self {
        self.trim(0, i).trim_front_to_last()
    }
    #[track_caller]
    fn trim_front_to_last(&self) -> Self {
        // The last entry of whatever length: a stencil of width n would need
        // n; a reversed trim is the shape-polymorphic way.
        self.unary(LastEntry)
    }
    /// `x[front .. n − back]` for any length `n ≥ front + back`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().trim(1, 1).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![2.0]);
    /// ```
    #[track_caller]
    pub fn trim(&self, front: usize, back: usize) -> Self {
        self.unary(Slice(Range::Trim { front, back }))
    }
    /// `y_i = x_{i+k}` for `i < n − k` (the input shifted left by `k`).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().shift(1).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn shift(&self, k: usize) -> Self {
        self.trim(k, 0)
    }
    /// First difference `x[i+1] − x[i]` (length `n − 1`).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().diff().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 4.0, 9.0]), dvector![3.0, 5.0]);
    /// ```
    #[track_caller]
    pub fn diff(&self) -> Self {
        self.linear_stencil("diff", &[-1.0, 1.0])
    }
    /// Second difference `x[i+2] − 2x[i+1] + x[i]` (length `n − 2`).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().diff2().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 4.0, 9.0]), dvector![2.0]);
    /// ```
    #[track_caller]
    pub fn diff2(&self) -> Self {
        self.linear_stencil("diff2", &[1.0, -2.0, 1.0])
    }
    /// `y_i = Σ_j c_j x[i + j]` (length `n − c.len() + 1`).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> =
    ///     Expr::var().linear_stencil("avg", &[0.5, 0.5]).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 3.0]), dvector![2.0]);
    /// ```
    #[track_caller]
    pub fn linear_stencil(&self, name: &'static str, coeffs: &[f64]) -> Self {
        assert!(!coeffs.is_empty(), "linear_stencil: no coefficients");
        self.unary(LinearStencil {
            name,
            coeffs: coeffs.iter().map(|&c| S::from_f64(c)).collect(),
        })
    }
    /// A nonlinear stencil: `y_i = f(x[i .. i + width])` for each window
    /// (length `n − width + 1`), `f` written over dual numbers. A symmetric
    /// stencil of half-width `k` has `width = 2k + 1`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, c, grad};
    /// use nalgebra::{dvector, DVector};
    /// // Σ ½ (x[i+1] − x[i])² written as a stencil of width 2.
    /// let f: DFun<DVector<f64>, f64> = Expr::var()
    ///     .stencil(2, |w| (w[1] - w[0]) * (w[1] - w[0]) * c(0.5))
    ///     .sum()
    ///     .compile();
    /// assert_eq!(grad(&f, &dvector![0.0, 1.0]), dvector![-1.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn stencil<F>(&self, width: usize, f: F) -> Self
    where
        F: Fn(&[Dual<S>]) -> Dual<S> + Send + Sync + 'static,
    {
        assert!(width > 0, "stencil: window width must be at least 1");
        self.unary(Windows { width, f })
    }
    /// `x[offset], x[offset + step], …`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().stride(1, 2).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0, 4.0]), dvector![2.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn stride(&self, offset: usize, step: usize) -> Self {
        assert!(step > 0, "stride: step must be at least 1");
        self.unary(Stride { offset, step })
    }
    /// Entries at even indices (x coordinates of interleaved 2-D points).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().even().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0, 4.0]), dvector![1.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn even(&self) -> Self {
        self.stride(0, 2)
    }
    /// Entries at odd indices (y coordinates of interleaved 2-D points).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().odd().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0, 4.0]), dvector![2.0, 4.0]);
    /// ```
    #[track_caller]
    pub fn odd(&self) -> Self {
        self.stride(1, 2)
    }
    /// `[self; other]`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let x = Expr::var();
    /// let f: DFun<DVector<f64>, DVector<f64>> = x.concat(&x.sum()).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), dvector![1.0, 2.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn concat(&self, other: &Expr<S>) -> Self {
        Self::op(Concat, vec![self.clone(), other.clone()])
    }
    /// `(a₀, b₀, a₁, b₁, …)`.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let x = Expr::var();
    /// let f: DFun<DVector<f64>, DVector<f64>> = x.odd().interleave(&x.even()).compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0, 4.0]), dvector![2.0, 1.0, 4.0, 3.0]);
    /// ```
    #[track_caller]
    pub fn interleave(&self, other: &Expr<S>) -> Self {
        Self::op(Interleave, vec![self.clone(), other.clone()])
    }

    /// `W·x` for a constant matrix `W` (a `DMatrix`, an `SMatrix` or a
    /// view; `self` is `x`, of length `W.ncols()`, and the result has
    /// length `W.nrows()`). The matrix is a constant named `matrix` in
    /// length messages.
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, grad};
    /// use nalgebra::{dmatrix, dvector, DVector};
    /// let w = dmatrix![1.0, 2.0; 3.0, 4.0; 5.0, 6.0];
    /// let f: DFun<DVector<f64>, f64> = Expr::var().matvec(&w).sum().compile();
    /// let x = dvector![1.0, -1.0];
    /// assert_eq!(f.eval(&x), (&w * &x).sum());
    /// assert_eq!(grad(&f, &x), dvector![9.0, 12.0]); // Wᵀ 1
    /// ```
    #[track_caller]
    pub fn matvec<R: Dim, C: Dim, St: RawStorage<S, R, C>>(&self, w: &Matrix<S, R, C, St>) -> Self {
        let entries = DVector::from_iterator(w.len(), w.iter().copied());
        Expr::constant_named("matrix", entries).matvec_flat(w.nrows(), self)
    }

    /// `W·x` for a matrix `W` that is itself an expression: `self` holds
    /// its entries column by column (nalgebra's layout,
    /// `DMatrix::as_slice`), with `rows` rows and `x.len()` columns.
    /// Bilinear: the derivative reaches both the weights
    /// (`dW ↦ dW x`, transposed `dy xᵀ`) and the vector (`W dx`,
    /// transposed `Wᵀ dy`).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, Reverse};
    /// use nalgebra::{dmatrix, dvector, DVector};
    /// // (w, x) ↦ ½‖W x‖², W of 2 rows stored flat.
    /// let (w, x) = (Expr::<f64>::input(0), Expr::input(1));
    /// let f: DFun<(DVector<f64>, DVector<f64>), f64, Reverse> =
    ///     (w.matvec_flat(2, &x).norm_squared() * 0.5).compile();
    /// let m = dmatrix![1.0, 0.0; 0.0, 2.0];
    /// let (wf, xv) = (DVector::from_column_slice(m.as_slice()), dvector![3.0, 1.0]);
    /// let (y, back) = f.linearize(&(wf, xv.clone()));
    /// let r = &m * &xv; // (3, 2)
    /// assert_eq!(y, 0.5 * r.norm_squared());
    /// let (gw, gx) = back.pull(&1.0);
    /// assert_eq!(gw, DVector::from_column_slice((&r * xv.transpose()).as_slice())); // r xᵀ
    /// assert_eq!(gx, m.tr_mul(&r)); // Wᵀ r
    /// ```
    #[track_caller]
    pub fn matvec_flat(&self, rows: usize, x: &Expr<S>) -> Self {
        Self::op(Bilinear::MatVec { rows }, vec![self.clone(), x.clone()])
    }

    /// The outer product `self · otherᵀ`, flat and column by column
    /// (`self.len()` rows, `other.len()` columns, as
    /// [`matvec_flat`](Self::matvec_flat) reads a matrix).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<(DVector<f64>, DVector<f64>), DVector<f64>> =
    ///     Expr::input(0).outer(&Expr::input(1)).compile();
    /// let (a, b) = (dvector![1.0, 2.0], dvector![3.0, 4.0, 5.0]);
    /// assert_eq!(f.eval(&(a.clone(), b.clone())).as_slice(), (&a * b.transpose()).as_slice());
    /// ```
    #[track_caller]
    pub fn outer(&self, other: &Expr<S>) -> Self {
        Self::op(Bilinear::Outer, vec![self.clone(), other.clone()])
    }

    /// Compiles the DAG into its let-form program: a node shared by
    /// several parents (`s.clone() * s`) becomes one slot, computed once.
    pub(crate) fn program(&self, n_inputs: usize) -> Program<S> {
        self.program_with(&vec![false; n_inputs])
    }

    /// The let-form program over input slots of the given kinds (`true`:
    /// a scalar input).
    fn program_with(&self, input_scalar: &[bool]) -> Program<S> {
        let n_inputs = input_scalar.len();
        let mut slot_of: HashMap<*const ExprNode<S>, usize> = HashMap::new();
        let mut nodes: Vec<Node<S>> = Vec::new();
        // Iterative post-order DFS (deep expressions must not overflow the stack).
        let mut stack: Vec<(Expr<S>, bool)> = vec![(self.clone(), false)];
        while let Some((e, expanded)) = stack.pop() {
            let key = Arc::as_ptr(&e.0);
            if slot_of.contains_key(&key) {
                continue;
            }
            match &*e.0 {
                ExprNode::Input(i) => {
                    assert!(
                        *i < n_inputs,
                        "compile: the expression reads input {i}, but the lens has {n_inputs} input slot(s)"
                    );
                    slot_of.insert(key, *i);
                }
                ExprNode::Apply(op, args, at) => {
                    if expanded {
                        let args = args.iter().map(|a| slot_of[&Arc::as_ptr(&a.0)]).collect();
                        slot_of.insert(key, n_inputs + nodes.len());
                        nodes.push(Node {
                            op: op.clone(),
                            args,
                            at: Some(*at),
                        });
                    } else {
                        stack.push((e.clone(), true));
                        for a in args.iter().rev() {
                            if !slot_of.contains_key(&Arc::as_ptr(&a.0)) {
                                stack.push((a.clone(), false));
                            }
                        }
                    }
                }
            }
        }
        let output = slot_of[&Arc::as_ptr(&self.0)];
        Program::new(input_scalar, nodes, output)
    }

    /// Checks the lengths of every node for the given input lengths (every
    /// input a vector); returns the output length, or the first mismatch
    /// naming the primitive, both sizes and the line of your code that
    /// built that node ([`Error::LengthAt`]).
    ///
    /// ```
    /// use lensdiff::{Expr, Error};
    /// let x = Expr::<f64>::var();
    /// let bad = x.diff() + x.clone();
    /// let err = bad.check(&[5]).unwrap_err();
    /// assert!(matches!(err, Error::LengthAt { op: "add", expected: 4, found: 5, at } if at.line() == line!() - 2));
    /// assert_eq!(x.diff().check(&[5]), Ok(4));
    /// ```
    pub fn check(&self, input_lens: &[usize]) -> Result<usize, Error> {
        let p = self.program(input_lens.len());
        p.lengths(input_lens).map(|l| l[p.output])
    }

    /// Compiles into a lens in any mode, from the input space `A` (a
    /// `DVector`, a scalar, or a tuple of them: one slot each) to the output
    /// space `B` (a scalar or a `DVector`).
    ///
    /// ```
    /// use lensdiff::{Expr, DFun, Forward, Reverse};
    /// use nalgebra::{dvector, DVector};
    /// let e = Expr::var().square().sum();
    /// let f: DFun<DVector<f64>, f64, Forward> = e.compile();
    /// let r: DFun<DVector<f64>, f64, Reverse> = e.compile();
    /// let x = dvector![1.0, 2.0];
    /// assert_eq!(f.linearize(&x).1.apply(&dvector![1.0, 0.0]), 2.0);
    /// assert_eq!(r.linearize(&x).1.pull(&1.0), dvector![2.0, 4.0]);
    /// ```
    pub fn compile<A, B, M>(&self) -> DFun<A, B, M>
    where
        A: Inputs<Scalar = S>,
        B: Output<Scalar = S>,
        M: Mode,
    {
        let mut input_scalar = Vec::with_capacity(A::COUNT);
        A::scalar_slots(&mut input_scalar);
        program_lens(Arc::new(self.program_with(&input_scalar)))
    }
}

/// The lens of a compiled program (the program's input count must match `A`).
pub(crate) fn program_lens<S, A, B, M>(prog: Arc<Program<S>>) -> DFun<A, B, M>
where
    S: Real,
    A: Inputs<Scalar = S>,
    B: Output<Scalar = S>,
    M: Mode,
{
    let (p2, p3) = (prog.clone(), prog.clone());
    DFun::from_parts(
        move |x: &A| B::from_slot(&prog.eval(&x.slices())),
        move |x: &A| {
            let tape = p2.linearize(&x.slices());
            crate::graph::GraphLin::<A, B>::new(tape, x)
        },
    )
    .with_shape(move |shape: &A::Shape| {
        let mut lens = Vec::with_capacity(A::COUNT);
        A::slot_lens(shape, &mut lens);
        let lens = p3.check_inputs(&lens)?;
        B::shape_of_slot(lens[p3.output]).map(Some)
    })
}

/// The last entry of a vector of any length (≥ 1).
struct LastEntry;

impl<S: Real> Op<S> for LastEntry {
    fn name(&self) -> &'static str {
        "last"
    }
    fn index_map(&self, lens: &[usize]) -> crate::graph::IndexMap {
        crate::graph::IndexMap::Slice {
            offset: lens[0].saturating_sub(1),
        }
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if lens[0] == 0 {
            return Err(crate::graph::mismatch("last", 1, 0));
        }
        Ok(1)
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        true
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        y[0] = x[0][x[0].len() - 1];
    }
    fn jvp_add(&self, _: usize, _: &crate::graph::Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        dy[0] += dx[dx.len() - 1];
    }
    fn vjp_add(&self, _: usize, _: &crate::graph::Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let n = dx.len();
        dx[n - 1] += dy[0];
    }
}

// ------------------------------------------------------------- operators

macro_rules! bin_ops {
    ($tr:ident, $m:ident, $kind:expr) => {
        impl<S: Real> $tr<Expr<S>> for Expr<S> {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, o: Expr<S>) -> Expr<S> {
                Expr::op(Binary($kind), vec![self, o])
            }
        }
        impl<S: Real> $tr<&Expr<S>> for Expr<S> {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, o: &Expr<S>) -> Expr<S> {
                Expr::op(Binary($kind), vec![self, o.clone()])
            }
        }
        impl<S: Real> $tr<Expr<S>> for &Expr<S> {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, o: Expr<S>) -> Expr<S> {
                Expr::op(Binary($kind), vec![self.clone(), o])
            }
        }
        impl<S: Real> $tr<&Expr<S>> for &Expr<S> {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, o: &Expr<S>) -> Expr<S> {
                Expr::op(Binary($kind), vec![self.clone(), o.clone()])
            }
        }
    };
}
bin_ops!(Add, add, BinKind::Add);
bin_ops!(Sub, sub, BinKind::Sub);
bin_ops!(Mul, mul, BinKind::Mul);
bin_ops!(Div, div, BinKind::Div);

macro_rules! num_ops {
    ($tr:ident, $m:ident, |$e:ident, $a:ident| $body:expr, |$a2:ident, $e2:ident| $rbody:expr) => {
        impl<S: Real> $tr<f64> for Expr<S> {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, $a: f64) -> Expr<S> {
                let $e = &self;
                $body
            }
        }
        impl<S: Real> $tr<f64> for &Expr<S> {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, $a: f64) -> Expr<S> {
                let $e = self;
                $body
            }
        }
        impl<S: Real> $tr<Expr<S>> for f64 {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, $e2: Expr<S>) -> Expr<S> {
                let $a2 = self;
                let $e2 = &$e2;
                $rbody
            }
        }
        impl<S: Real> $tr<&Expr<S>> for f64 {
            type Output = Expr<S>;
            #[track_caller]
            fn $m(self, $e2: &Expr<S>) -> Expr<S> {
                let $a2 = self;
                $rbody
            }
        }
    };
}
num_ops!(Add, add, |e, a| e.affine(1.0, a), |a, e| e.affine(1.0, a));
num_ops!(Sub, sub, |e, a| e.affine(1.0, -a), |a, e| e.affine(-1.0, a));
num_ops!(Mul, mul, |e, a| e.affine(a, 0.0), |a, e| e.affine(a, 0.0));
num_ops!(Div, div, |e, a| e.affine(1.0 / a, 0.0), |a, e| e
    .recip()
    .affine(a, 0.0));

impl<S: Real> Neg for Expr<S> {
    type Output = Expr<S>;
    #[track_caller]
    fn neg(self) -> Expr<S> {
        self.affine(-1.0, 0.0)
    }
}

impl<S: Real> Neg for &Expr<S> {
    type Output = Expr<S>;
    #[track_caller]
    fn neg(self) -> Expr<S> {
        self.affine(-1.0, 0.0)
    }
}
