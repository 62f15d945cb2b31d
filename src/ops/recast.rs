//! Typed spaces at the boundary: the same flat numbers read as another
//! vector type (`SVector<S, N>` ↔ `DVector<S>` ↔ a scalar), so the
//! primitives (written on `DVector`s) run on static vectors, where the
//! type tells Rⁿ and Rᵐ apart.

use crate::graph::Output;
use crate::linear::LinearMap;
use crate::{DFun, Mode, Space};

/// The identity on flat numbers from `A`'s vector type to `B`'s.
struct Recast<A: Space, B: Space> {
    dom: A::Shape,
    cod: B::Shape,
}

impl<A: Output, B: Output<Scalar = A::Scalar>> LinearMap<A, B> for Recast<A, B> {
    fn apply(&self, dx: &A) -> B {
        B::from_slot(dx.slot())
    }
    fn transpose_add(&self, dy: &B, dx: &mut A) {
        dx.accumulate(&A::from_slot(dy.slot()));
    }
    fn dom_shape(&self) -> A::Shape {
        self.dom.clone()
    }
    fn cod_shape(&self) -> B::Shape {
        self.cod.clone()
    }
}

/// The lens `A → B` that keeps the numbers and changes the vector type:
/// `SVector<S, N>` to `DVector<S>` and back (a length that is not `N`
/// panics naming both lengths), a length-one vector to a scalar.
///
/// ```
/// use lensdiff::{ops, DFun, Reverse};
/// use nalgebra::{dvector, vector, DVector, SVector};
/// let to_dynamic: DFun<SVector<f64, 2>, DVector<f64>, Reverse> = ops::recast();
/// assert_eq!(to_dynamic.eval(&vector![1.0, 2.0]), dvector![1.0, 2.0]);
/// let (_, back) = to_dynamic.linearize(&vector![1.0, 2.0]);
/// assert_eq!(back.pull(&dvector![3.0, 4.0]), vector![3.0, 4.0]);
/// ```
pub fn recast<A, B, M>() -> DFun<A, B, M>
where
    A: Output,
    B: Output<Scalar = A::Scalar>,
    M: Mode,
{
    DFun::from_parts(
        |x: &A| B::from_slot(x.slot()),
        |x: &A| {
            let y = B::from_slot(x.slot());
            let l = Recast {
                dom: x.shape(),
                cod: y.shape(),
            };
            (y, l)
        },
    )
}

/// `f` between other vector types of the same lengths: `recast ; f ;
/// recast`. The way a primitive, or any lens on `DVector`s, runs on
/// `SVector`s.
///
/// ```
/// use lensdiff::{ops, DFun, Forward, Reverse, Mode, jacobian_fwd, jacobian_rev};
/// use nalgebra::{vector, SVector};
/// /// R³ → R²: the differences of sin(x), typed.
/// fn f<M: Mode>() -> DFun<SVector<f64, 3>, SVector<f64, 2>, M> {
///     ops::retype(&ops::sin().then(&ops::diff()))
/// }
/// let x = vector![0.1, 0.5, 0.9];
/// assert_eq!(jacobian_fwd(&f::<Forward>(), &x), jacobian_rev(&f::<Reverse>(), &x));
/// assert!((f::<Reverse>().eval(&x)[0] - (0.5f64.sin() - 0.1f64.sin())).abs() < 1e-15);
/// ```
pub fn retype<A, B, C, D, M>(f: &DFun<A, B, M>) -> DFun<C, D, M>
where
    A: Output,
    B: Output<Scalar = A::Scalar>,
    C: Output<Scalar = A::Scalar>,
    D: Output<Scalar = A::Scalar>,
    M: Mode,
{
    recast::<C, A, M>().then(f).then(&recast())
}
