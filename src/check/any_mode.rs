//! One definition of a map, every mode: what the checks take.

use crate::graph::{Inputs, Output};
use crate::mode::{Dense, Forward, Mode, Reverse};
use crate::{DFun, Expr, Real, Space, jacobian_dense, jacobian_fwd, jacobian_rev};
use nalgebra::DMatrix;
use std::marker::PhantomData;

/// A differentiable map written once for every mode, as an [`Objective`]
/// is written once for every scalar: the checks build it in forward,
/// reverse and dense mode and compare them.
///
/// ```
/// use lensdiff::check::{AnyMode, check_map};
/// use lensdiff::{ops, DFun, Mode};
/// use nalgebra::{dvector, DVector};
///
/// /// x ↦ Σ sin(x)²
/// struct SinSquares;
/// impl AnyMode for SinSquares {
///     type In = DVector<f64>;
///     type Out = f64;
///     fn build<M: Mode>(&self) -> DFun<DVector<f64>, f64, M> {
///         ops::sin().then(&ops::square()).then(&ops::sum())
///     }
/// }
/// assert!(check_map(&SinSquares, &dvector![0.3, -1.2]).passed());
/// ```
///
/// [`Objective`]: crate::Objective
pub trait AnyMode: Send + Sync {
    /// The domain.
    type In: Space;
    /// The codomain.
    type Out: Space<Scalar = <Self::In as Space>::Scalar>;
    /// The map in mode `M`.
    fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M>;
}

impl<F: AnyMode + ?Sized> AnyMode for &F {
    type In = F::In;
    type Out = F::Out;
    fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> {
        (**self).build()
    }
}

/// An expression compiled from `A` to `B`, as a map in every mode.
///
/// ```
/// use lensdiff::check::{Compiled, check_map};
/// use lensdiff::Expr;
/// use nalgebra::{dvector, DVector};
/// let x = Expr::<f64>::var();
/// let f = Compiled::<DVector<f64>, f64>::new((x.diff().sin() * x.shift(1)).sum());
/// check_map(&f, &dvector![0.1, 0.5, -0.4]).assert_ok();
/// ```
pub struct Compiled<A, B: Space> {
    expr: Expr<B::Scalar>,
    _p: PhantomData<fn(A) -> B>,
}

impl<A, B: Space> Clone for Compiled<A, B> {
    fn clone(&self) -> Self {
        Compiled::new(self.expr.clone())
    }
}

impl<A, B: Space> std::fmt::Debug for Compiled<A, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Compiled({:?})", self.expr)
    }
}

impl<A, B: Space> Compiled<A, B> {
    /// Wraps an expression (compiled anew in each mode it is asked for).
    ///
    /// ```
    /// use lensdiff::check::{AnyMode, Compiled};
    /// use lensdiff::{Expr, Forward};
    /// let f = Compiled::<f64, f64>::new(Expr::var().square());
    /// assert_eq!(f.build::<Forward>().linearize(&3.0).1.apply(&1.0), 6.0);
    /// ```
    pub fn new(expr: Expr<B::Scalar>) -> Self {
        Compiled {
            expr,
            _p: PhantomData,
        }
    }
}

impl<S: Real, A: Inputs<Scalar = S>, B: Output<Scalar = S>> AnyMode for Compiled<A, B> {
    type In = A;
    type Out = B;
    fn build<M: Mode>(&self) -> DFun<A, B, M> {
        self.expr.compile()
    }
}

/// The Jacobian computed in a mode's own way: forward by pushforwards of
/// unit vectors, reverse by pullbacks, dense from the composed matrix.
///
/// ```
/// use lensdiff::check::Jacobian;
/// use lensdiff::{ops, DFun, Forward, Reverse};
/// use nalgebra::dvector;
/// let x = dvector![1.0, 2.0];
/// let f: DFun<_, _, Forward> = ops::square();
/// let g: DFun<_, _, Reverse> = ops::square();
/// assert_eq!(Forward::jacobian(&f, &x), Reverse::jacobian(&g, &x));
/// ```
pub trait Jacobian: Mode {
    /// The Jacobian of `f` at `x`.
    fn jacobian<A: Space, B: Space<Scalar = A::Scalar>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<A::Scalar>;
}

impl Jacobian for Forward {
    fn jacobian<A: Space, B: Space<Scalar = A::Scalar>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<A::Scalar> {
        jacobian_fwd(f, x)
    }
}

impl Jacobian for Reverse {
    fn jacobian<A: Space, B: Space<Scalar = A::Scalar>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<A::Scalar> {
        jacobian_rev(f, x)
    }
}

impl Jacobian for Dense {
    fn jacobian<A: Space, B: Space<Scalar = A::Scalar>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<A::Scalar> {
        jacobian_dense(f, x)
    }
}
