//! Forward mode: a derivative is a pushforward closure `dx ↦ J dx`.

use super::Mode;
use crate::linear::{LinearMap, expect_shape, shape_check};
use crate::{Error, Space};
use std::sync::Arc;

/// The name wrong-length tangents are reported under.
const TANGENT: &str = "pushforward (tangent)";

/// Forward mode (Jacobian-vector products).
///
/// ```
/// use lensdiff::{DFun, Forward, ops};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Forward> = ops::sin::<f64, Forward>();
/// let (y, d) = f.linearize(&dvector![0.0, 1.0]);
/// assert_eq!(d.apply(&dvector![1.0, 1.0])[0], 1.0); // cos(0)
/// assert_eq!(y[0], 0.0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Forward;

/// A pushforward `A ⊸ B`: the forward-mode representation of a derivative.
///
/// ```
/// use lensdiff::{Forward, Mode};
/// use lensdiff::linear::Jam;
/// let p = Forward::lift(Jam::<f64>::new(()));
/// assert_eq!(p.apply(&(1.0, 2.0)), 3.0);
/// ```
pub struct Pushforward<A: Space, B: Space> {
    f: Arc<dyn Fn(&A) -> B + Send + Sync>,
    dom: A::Shape,
    cod: B::Shape,
}

impl<A: Space, B: Space> Clone for Pushforward<A, B> {
    fn clone(&self) -> Self {
        Pushforward {
            f: self.f.clone(),
            dom: self.dom.clone(),
            cod: self.cod.clone(),
        }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Pushforward<A, B> {
    /// A pushforward from a closure and the shapes it maps between.
    ///
    /// ```
    /// use lensdiff::Pushforward;
    /// let p = Pushforward::<f64, f64>::new(|dx| 2.0 * dx, (), ());
    /// assert_eq!(p.apply(&1.5), 3.0);
    /// ```
    pub fn new(f: impl Fn(&A) -> B + Send + Sync + 'static, dom: A::Shape, cod: B::Shape) -> Self {
        Pushforward {
            f: Arc::new(f),
            dom,
            cod,
        }
    }

    /// `J dx`. Panics at the caller's line, naming both lengths, when `dx`
    /// is not of the domain's shape ([`try_apply`](Self::try_apply) returns
    /// the error instead).
    ///
    /// ```
    /// use lensdiff::Pushforward;
    /// let p = Pushforward::<f64, f64>::new(|dx| -dx, (), ());
    /// assert_eq!(p.apply(&1.0), -1.0);
    /// ```
    #[track_caller]
    pub fn apply(&self, dx: &A) -> B {
        expect_shape::<A>(TANGENT, &self.dom, &dx.shape());
        (self.f)(dx)
    }

    /// `J dx`, or [`Error::DimensionMismatch`] when `dx` is not of the
    /// domain's shape.
    ///
    /// ```
    /// use lensdiff::{ops, DFun, Error, Forward};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _, Forward> = ops::square();
    /// let (_, d) = f.linearize(&dvector![1.0, 2.0, 3.0]);
    /// assert_eq!(d.try_apply(&dvector![1.0, 0.0, 0.0]), Ok(dvector![2.0, 0.0, 0.0]));
    /// assert_eq!(
    ///     d.try_apply(&dvector![1.0, 0.0]).unwrap_err().to_string(),
    ///     "pushforward (tangent): dimension mismatch: expected 3, found 2"
    /// );
    /// ```
    pub fn try_apply(&self, dx: &A) -> Result<B, Error> {
        shape_check::<A>(TANGENT, &self.dom, &dx.shape())?;
        Ok((self.f)(dx))
    }

    /// The domain's shape.
    ///
    /// ```
    /// use lensdiff::Pushforward;
    /// use nalgebra::DVector;
    /// let p = Pushforward::<DVector<f64>, f64>::new(|dx| dx.sum(), 3, ());
    /// assert_eq!(p.dom_shape(), 3);
    /// ```
    pub fn dom_shape(&self) -> A::Shape {
        self.dom.clone()
    }

    /// The codomain's shape.
    ///
    /// ```
    /// use lensdiff::Pushforward;
    /// use nalgebra::DVector;
    /// let p = Pushforward::<f64, DVector<f64>>::new(|dx| DVector::from_element(2, *dx), (), 2);
    /// assert_eq!(p.cod_shape(), 2);
    /// ```
    pub fn cod_shape(&self) -> B::Shape {
        self.cod.clone()
    }
}

impl Mode for Forward {
    type Lin<A: Space, B: Space<Scalar = A::Scalar>> = Pushforward<A, B>;
    const NAME: &'static str = "forward";

    fn lift<A, B, L>(l: L) -> Pushforward<A, B>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        L: LinearMap<A, B>,
    {
        let (dom, cod) = (l.dom_shape(), l.cod_shape());
        Pushforward::new(move |dx| l.apply(dx), dom, cod)
    }

    fn compose<A, B, C>(g: Pushforward<B, C>, f: Pushforward<A, B>) -> Pushforward<A, C>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
    {
        let (dom, cod) = (f.dom.clone(), g.cod.clone());
        Pushforward::new(move |dx| (g.f)(&(f.f)(dx)), dom, cod)
    }

    fn fanout<A, B, C>(f: Pushforward<A, B>, g: Pushforward<A, C>) -> Pushforward<A, (B, C)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
    {
        let (dom, cod) = (f.dom.clone(), (f.cod.clone(), g.cod.clone()));
        Pushforward::new(move |dx| ((f.f)(dx), (g.f)(dx)), dom, cod)
    }

    fn par<A, B, C, D>(f: Pushforward<A, C>, g: Pushforward<B, D>) -> Pushforward<(A, B), (C, D)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
        D: Space<Scalar = A::Scalar>,
    {
        let dom = (f.dom.clone(), g.dom.clone());
        let cod = (f.cod.clone(), g.cod.clone());
        Pushforward::new(move |dx: &(A, B)| ((f.f)(&dx.0), (g.f)(&dx.1)), dom, cod)
    }
}
