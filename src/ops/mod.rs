//! Primitives as lenses on `DVector`s, for building maps with the
//! combinators (`then`, `fanout`, `par`, …) instead of expressions.
//!
//! Each function returns a [`DFun`] in any mode; each is the one-node
//! compilation of the same primitive [`crate::Expr`] uses, so the two
//! styles share every kernel (the primitives themselves are written once,
//! as [`crate::graph::Op`]s, in the crate's `primitives` files).
//! [`recast`] and [`retype`] run them on `SVector`s (static lengths, told
//! apart by type). [`matvec`], [`matvec_flat`] and [`outer`] are the
//! matrix maps; [`Custom`] makes a primitive of your own from a value
//! function and its derivative.

mod custom;
mod recast;

pub use custom::Custom;
pub use recast::{recast, retype};

use crate::dual::Dual;
use crate::elementary::{binary_lenses, unary_lenses};
use crate::{DFun, Expr, Mode, Real};
use nalgebra::{DVector, Dim, Matrix, RawStorage};

type Vector<S> = DVector<S>;

macro_rules! unary_lens {
    ($(#[$doc:meta])* $name:ident, |$x:ident| $body:expr) => {
        $(#[$doc])*
        #[track_caller]
        pub fn $name<S: Real, M: Mode>() -> DFun<Vector<S>, Vector<S>, M> {
            let $x = Expr::<S>::var();
            ($body).compile()
        }
    };
}

// The elementwise functions, one lens per row of the table.
crate::elementary::unary_table!(unary_lenses);
crate::elementary::binary_table!(binary_lenses);

unary_lens!(
    /// `−x`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::neg();
    /// assert_eq!(f.eval(&dvector![2.0]), dvector![-2.0]);
    /// ```
    neg, |x| -x);
unary_lens!(
    /// First difference `x[i+1] − x[i]`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::diff();
    /// assert_eq!(f.eval(&dvector![1.0, 3.0]), dvector![2.0]);
    /// ```
    diff, |x| x.diff());
unary_lens!(
    /// Second difference `x[i+2] − 2x[i+1] + x[i]`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::diff2();
    /// assert_eq!(f.eval(&dvector![1.0, 3.0, 4.0]), dvector![-1.0]);
    /// ```
    diff2, |x| x.diff2());
unary_lens!(
    /// Entries at even indices.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::even();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![1.0, 3.0]);
    /// ```
    even, |x| x.even());
unary_lens!(
    /// Entries at odd indices.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::odd();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![2.0]);
    /// ```
    odd, |x| x.odd());

/// `a·x` for a number `a`.
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::scale(2.0);
/// assert_eq!(f.eval(&dvector![2.0]), dvector![4.0]);
/// ```
#[track_caller]
pub fn scale<S: Real, M: Mode>(a: f64) -> DFun<Vector<S>, Vector<S>, M> {
    Expr::<S>::var().affine(a, 0.0).compile()
}

/// `x + b` for a number `b`.
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::offset(1.0);
/// assert_eq!(f.eval(&dvector![2.0]), dvector![3.0]);
/// ```
#[track_caller]
pub fn offset<S: Real, M: Mode>(b: f64) -> DFun<Vector<S>, Vector<S>, M> {
    Expr::<S>::var().affine(1.0, b).compile()
}

/// Any scalar function over dual numbers, elementwise.
///
/// ```
/// use lensdiff::{ops, DFun, c};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::map(|t| t * t * c(3.0));
/// assert_eq!(f.eval(&dvector![2.0]), dvector![12.0]);
/// ```
#[track_caller]
pub fn map<S: Real, M: Mode, F>(f: F) -> DFun<Vector<S>, Vector<S>, M>
where
    F: Fn(Dual<S>) -> Dual<S> + Send + Sync + 'static,
{
    Expr::<S>::var().map(f).compile()
}

/// A nonlinear stencil of window `width`; see [`Expr::stencil`].
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::stencil(2, |w| w[0] * w[1]);
/// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![2.0, 6.0]);
/// ```
#[track_caller]
pub fn stencil<S: Real, M: Mode, F>(width: usize, f: F) -> DFun<Vector<S>, Vector<S>, M>
where
    F: Fn(&[Dual<S>]) -> Dual<S> + Send + Sync + 'static,
{
    Expr::<S>::var().stencil(width, f).compile()
}

/// `x[start .. start + len]`.
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::slice(1, 1);
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), dvector![2.0]);
/// ```
#[track_caller]
pub fn slice<S: Real, M: Mode>(start: usize, len: usize) -> DFun<Vector<S>, Vector<S>, M> {
    Expr::<S>::var().slice(start, len).compile()
}

/// `y_i = x_{i+k}` (drops the first `k` entries).
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::shift(1);
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), dvector![2.0]);
/// ```
#[track_caller]
pub fn shift<S: Real, M: Mode>(k: usize) -> DFun<Vector<S>, Vector<S>, M> {
    Expr::<S>::var().shift(k).compile()
}

/// `x[offset], x[offset + step], …`.
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::stride(0, 3);
/// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0, 4.0]), dvector![1.0, 4.0]);
/// ```
#[track_caller]
pub fn stride<S: Real, M: Mode>(offset: usize, step: usize) -> DFun<Vector<S>, Vector<S>, M> {
    Expr::<S>::var().stride(offset, step).compile()
}

/// `Σ xᵢ`.
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::sum();
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), 3.0);
/// ```
#[track_caller]
pub fn sum<S: Real, M: Mode>() -> DFun<Vector<S>, S, M> {
    Expr::<S>::var().sum().compile()
}

/// `Σ xᵢ²`.
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::norm_squared();
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), 5.0);
/// ```
#[track_caller]
pub fn norm_squared<S: Real, M: Mode>() -> DFun<Vector<S>, S, M> {
    Expr::<S>::var().norm_squared().compile()
}

macro_rules! binary_lens {
    ($(#[$doc:meta])* $name:ident, $out:ty, |$a:ident, $b:ident| $body:expr) => {
        $(#[$doc])*
        #[track_caller]
        pub fn $name<S: Real, M: Mode>() -> DFun<(Vector<S>, Vector<S>), $out, M> {
            let ($a, $b) = (Expr::<S>::input(0), Expr::<S>::input(1));
            ($body).compile()
        }
    };
}

binary_lens!(
    /// `a + b` for vectors of one length. A `DVector` of length one is a
    /// vector and does not broadcast; for a scalar side, compile
    /// `Expr::input(0) + Expr::input(1)` on `(DVector<S>, S)`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun, Error, Expr};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<_, _> = ops::add();
    /// assert_eq!(f.eval(&(dvector![1.0], dvector![2.0])), dvector![3.0]);
    /// let Err(Error::LengthAt { op, expected, found, at }) = f.try_eval(&(dvector![1.0, 2.0], dvector![2.0]))
    /// else { panic!() };
    /// assert_eq!((op, expected, found), ("add", 2, 1));
    /// assert_eq!(at.line(), line!() - 5); // where the lens was made
    /// assert!(f.try_eval(&(dvector![1.0, 2.0], dvector![2.0])).unwrap_err().to_string()
    ///     .starts_with("add: dimension mismatch: expected 2, found 1 (the `add` built at "));
    /// let g: DFun<(DVector<f64>, f64), DVector<f64>> = (Expr::input(0) + Expr::input(1)).compile();
    /// assert_eq!(g.eval(&(dvector![1.0, 2.0], 2.0)), dvector![3.0, 4.0]);
    /// ```
    add, Vector<S>, |a, b| a + b);
binary_lens!(
    /// `a − b` for vectors of one length (see [`add`] for a scalar side).
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::sub();
    /// assert_eq!(f.eval(&(dvector![1.0], dvector![2.0])), dvector![-1.0]);
    /// ```
    sub, Vector<S>, |a, b| a - b);
binary_lens!(
    /// `a ⊙ b` elementwise, for vectors of one length (see [`add`]).
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::mul();
    /// assert_eq!(f.eval(&(dvector![3.0], dvector![2.0])), dvector![6.0]);
    /// ```
    mul, Vector<S>, |a, b| a * b);
binary_lens!(
    /// `a ⊘ b` elementwise, for vectors of one length (see [`add`]).
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::div();
    /// assert_eq!(f.eval(&(dvector![3.0], dvector![2.0])), dvector![1.5]);
    /// ```
    div, Vector<S>, |a, b| a / b);
binary_lens!(
    /// `⟨a, b⟩`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::dot();
    /// assert_eq!(f.eval(&(dvector![3.0, 1.0], dvector![2.0, 1.0])), 7.0);
    /// ```
    dot, S, |a, b| a.dot(&b));
binary_lens!(
    /// `[a; b]`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::concat();
    /// assert_eq!(f.eval(&(dvector![3.0], dvector![2.0])), dvector![3.0, 2.0]);
    /// ```
    concat, Vector<S>, |a, b| a.concat(&b));
binary_lens!(
    /// `(a₀, b₀, a₁, b₁, …)`.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::interleave();
    /// assert_eq!(f.eval(&(dvector![1.0, 3.0], dvector![2.0, 4.0])), dvector![1.0, 2.0, 3.0, 4.0]);
    /// ```
    interleave, Vector<S>, |a, b| a.interleave(&b));

/// `x ↦ W·x` for a constant matrix `W` (`DMatrix`, `SMatrix` or a view);
/// see [`Expr::matvec`].
///
/// ```
/// use lensdiff::{ops, DFun, Forward, jacobian_fwd};
/// use nalgebra::{dmatrix, dvector, DVector};
/// let w = dmatrix![1.0, 2.0, 0.0; 0.0, 1.0, -1.0];
/// let f: DFun<DVector<f64>, DVector<f64>, Forward> = ops::matvec(&w);
/// assert_eq!(f.eval(&dvector![1.0, 1.0, 1.0]), dvector![3.0, 0.0]);
/// assert_eq!(jacobian_fwd(&f, &dvector![0.0, 0.0, 0.0]), w);
/// ```
#[track_caller]
pub fn matvec<S: Real, M: Mode, R: Dim, C: Dim, St: RawStorage<S, R, C>>(
    w: &Matrix<S, R, C, St>,
) -> DFun<Vector<S>, Vector<S>, M> {
    Expr::<S>::var().matvec(w).compile()
}

/// `(W, x) ↦ W·x` for a matrix of `rows` rows given column by column
/// (nalgebra's layout): bilinear, with derivatives in both; see
/// [`Expr::matvec_flat`].
///
/// ```
/// use lensdiff::{ops, DFun, Reverse};
/// use nalgebra::{dvector, DVector};
/// let f: DFun<(DVector<f64>, DVector<f64>), DVector<f64>, Reverse> = ops::matvec_flat(1);
/// let (y, back) = f.linearize(&(dvector![2.0, 3.0], dvector![1.0, -1.0]));
/// assert_eq!(y, dvector![-1.0]);
/// assert_eq!(back.pull(&dvector![1.0]), (dvector![1.0, -1.0], dvector![2.0, 3.0]));
/// ```
#[track_caller]
pub fn matvec_flat<S: Real, M: Mode>(rows: usize) -> DFun<(Vector<S>, Vector<S>), Vector<S>, M> {
    Expr::<S>::input(0)
        .matvec_flat(rows, &Expr::input(1))
        .compile()
}

/// `(a, b) ↦ a bᵀ`, flat and column by column; see [`Expr::outer`].
///
/// ```
/// use lensdiff::{ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::outer();
/// assert_eq!(f.eval(&(dvector![1.0, 2.0], dvector![3.0])), dvector![3.0, 6.0]);
/// ```
#[track_caller]
pub fn outer<S: Real, M: Mode>() -> DFun<(Vector<S>, Vector<S>), Vector<S>, M> {
    Expr::<S>::input(0).outer(&Expr::input(1)).compile()
}
