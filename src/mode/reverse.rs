//! Reverse mode: a derivative is a pullback `dy ↦ Jᵀ dy`, accumulated in
//! place (`dx += Jᵀ dy`), so that a cotangent reaching a value along several
//! paths is summed without temporaries.

use super::Mode;
use crate::linear::{LinearMap, expect_shape, shape_check};
use crate::{Error, Space};
use std::sync::Arc;

/// The names wrong-length cotangents and accumulators are reported under.
const COTANGENT: &str = "pullback (cotangent)";
const ACCUMULATOR: &str = "pullback (accumulator dx)";

type PullFn<A, B> = dyn Fn(&B, &mut A) + Send + Sync;
type FreshFn<A, B> = dyn Fn(&B) -> A + Send + Sync;

/// Reverse mode (vector-Jacobian products, gradients).
///
/// ```
/// use lensdiff::{DFun, Reverse, ops};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Reverse> = ops::sum::<f64, Reverse>();
/// let (y, d) = f.linearize(&dvector![1.0, 2.0]);
/// assert_eq!(y, 3.0);
/// assert_eq!(d.pull(&1.0), dvector![1.0, 1.0]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Reverse;

/// A pullback `B ⊸ A`: the reverse-mode representation of a derivative
/// `A ⊸ B`. It keeps alive every intermediate value it needs, so memory is
/// that of the values saved by the forward pass.
///
/// ```
/// use lensdiff::{Reverse, Mode};
/// use lensdiff::linear::Jam;
/// let p = Reverse::lift(Jam::<f64>::new(()));
/// assert_eq!(p.pull(&2.0), (2.0, 2.0));
/// ```
pub struct Pullback<A: Space, B: Space> {
    f: Arc<PullFn<A, B>>,
    /// `Jᵀ dy` into a new value, where the map can do better than zeros
    /// plus an accumulation (a compiled gradient: one scaled copy).
    fresh: Option<Arc<FreshFn<A, B>>>,
    dom: A::Shape,
    cod: B::Shape,
}

impl<A: Space, B: Space> Clone for Pullback<A, B> {
    fn clone(&self) -> Self {
        Pullback {
            f: self.f.clone(),
            fresh: self.fresh.clone(),
            dom: self.dom.clone(),
            cod: self.cod.clone(),
        }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Pullback<A, B> {
    /// A pullback from an accumulating closure `(dy, dx) ↦ dx += Jᵀ dy`.
    ///
    /// ```
    /// use lensdiff::Pullback;
    /// let p = Pullback::<f64, f64>::new(|dy, dx| *dx += 2.0 * dy, (), ());
    /// assert_eq!(p.pull(&1.0), 2.0);
    /// ```
    pub fn new(
        f: impl Fn(&B, &mut A) + Send + Sync + 'static,
        dom: A::Shape,
        cod: B::Shape,
    ) -> Self {
        Pullback {
            f: Arc::new(f),
            fresh: None,
            dom,
            cod,
        }
    }

    /// `dx += Jᵀ dy`. Panics at the caller's line, naming both lengths,
    /// when `dy` is not of the codomain's shape or `dx` not of the
    /// domain's.
    ///
    /// ```
    /// use lensdiff::Pullback;
    /// let p = Pullback::<f64, f64>::new(|dy, dx| *dx += 3.0 * dy, (), ());
    /// let mut dx = 1.0;
    /// p.pull_add(&1.0, &mut dx);
    /// assert_eq!(dx, 4.0);
    /// ```
    #[track_caller]
    pub fn pull_add(&self, dy: &B, dx: &mut A) {
        expect_shape::<B>(COTANGENT, &self.cod, &dy.shape());
        expect_shape::<A>(ACCUMULATOR, &self.dom, &dx.shape());
        (self.f)(dy, dx)
    }

    /// `Jᵀ dy` into a fresh zero. Panics at the caller's line, naming both
    /// lengths, when `dy` is not of the codomain's shape
    /// ([`try_pull`](Self::try_pull) returns the error instead).
    ///
    /// ```
    /// use lensdiff::Pullback;
    /// let p = Pullback::<f64, f64>::new(|dy, dx| *dx += -dy, (), ());
    /// assert_eq!(p.pull(&1.0), -1.0);
    /// ```
    #[track_caller]
    pub fn pull(&self, dy: &B) -> A {
        expect_shape::<B>(COTANGENT, &self.cod, &dy.shape());
        self.pull_unchecked(dy)
    }

    /// `Jᵀ dy`, or [`Error::DimensionMismatch`] when `dy` is not of the
    /// codomain's shape.
    ///
    /// ```
    /// use lensdiff::{ops, DFun};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::diff();
    /// let (_, d) = f.linearize(&dvector![1.0, 2.0, 4.0]);
    /// assert_eq!(d.try_pull(&dvector![1.0, 0.0]), Ok(dvector![-1.0, 1.0, 0.0]));
    /// assert_eq!(
    ///     d.try_pull(&dvector![1.0, 0.0, 0.0]).unwrap_err().to_string(),
    ///     "pullback (cotangent): dimension mismatch: expected 2, found 3"
    /// );
    /// ```
    pub fn try_pull(&self, dy: &B) -> Result<A, Error> {
        shape_check::<B>(COTANGENT, &self.cod, &dy.shape())?;
        Ok(self.pull_unchecked(dy))
    }

    fn pull_unchecked(&self, dy: &B) -> A {
        if let Some(fresh) = &self.fresh {
            return fresh(dy);
        }
        let mut dx = A::zeros_of(&self.dom);
        (self.f)(dy, &mut dx);
        dx
    }

    /// The domain's shape (where cotangents are pulled back to).
    ///
    /// ```
    /// use lensdiff::Pullback;
    /// assert_eq!(Pullback::<f64, f64>::new(|_, _| {}, (), ()).dom_shape(), ());
    /// ```
    pub fn dom_shape(&self) -> A::Shape {
        self.dom.clone()
    }

    /// The codomain's shape (where cotangents come from).
    ///
    /// ```
    /// use lensdiff::Pullback;
    /// assert_eq!(Pullback::<f64, f64>::new(|_, _| {}, (), ()).cod_shape(), ());
    /// ```
    pub fn cod_shape(&self) -> B::Shape {
        self.cod.clone()
    }
}

impl Mode for Reverse {
    type Lin<A: Space, B: Space<Scalar = A::Scalar>> = Pullback<A, B>;
    const NAME: &'static str = "reverse";

    fn lift<A, B, L>(l: L) -> Pullback<A, B>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        L: LinearMap<A, B>,
    {
        let (dom, cod) = (l.dom_shape(), l.cod_shape());
        let l = Arc::new(l);
        let fresh = l.clone();
        Pullback {
            f: Arc::new(move |dy, dx| l.transpose_add(dy, dx)),
            fresh: Some(Arc::new(move |dy| fresh.transpose(dy))),
            dom,
            cod,
        }
    }

    fn compose<A, B, C>(g: Pullback<B, C>, f: Pullback<A, B>) -> Pullback<A, C>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
    {
        let (dom, cod) = (f.dom.clone(), g.cod.clone());
        // A fresh result through f's own fresh path, where it has one.
        let fresh = f.fresh.clone().map(|f_fresh| {
            let g = g.clone();
            Arc::new(move |dc: &C| f_fresh(&g.pull_unchecked(dc))) as Arc<FreshFn<A, C>>
        });
        // The lens setter: pull back through g first, then through f.
        Pullback {
            f: Arc::new(move |dc, da| {
                let db = g.pull_unchecked(dc);
                (f.f)(&db, da);
            }),
            fresh,
            dom,
            cod,
        }
    }

    fn fanout<A, B, C>(f: Pullback<A, B>, g: Pullback<A, C>) -> Pullback<A, (B, C)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
    {
        let (dom, cod) = (f.dom.clone(), (f.cod.clone(), g.cod.clone()));
        Pullback::new(
            move |dbc: &(B, C), da| {
                (f.f)(&dbc.0, da);
                (g.f)(&dbc.1, da);
            },
            dom,
            cod,
        )
    }

    fn par<A, B, C, D>(f: Pullback<A, C>, g: Pullback<B, D>) -> Pullback<(A, B), (C, D)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
        D: Space<Scalar = A::Scalar>,
    {
        let dom = (f.dom.clone(), g.dom.clone());
        let cod = (f.cod.clone(), g.cod.clone());
        Pullback::new(
            move |dcd: &(C, D), dab: &mut (A, B)| {
                (f.f)(&dcd.0, &mut dab.0);
                (g.f)(&dcd.1, &mut dab.1);
            },
            dom,
            cod,
        )
    }
}
