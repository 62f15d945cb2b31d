//! The lens: a differentiable map `A -> B` as a value.
//!
//! `DFun<A, B, M>` is Elliott's `D_k a b = a -> (b, a ⊸_k b)`: evaluated at
//! a point it returns the value and the derivative there, represented in the
//! mode `M` (forward pushforward, reverse pullback, dense matrix). In reverse
//! mode the pair (value, pullback) is a lens: the getter runs forward, the
//! setter carries a change of the output back to a change of the input, and
//! [`DFun::then`] composes getters forward and setters backward.
//!
//! The category (`compose`, `id`), cartesian (`fanout`, `par`, `dup`, `fst`,
//! `snd`) and cocartesian (`inl`, `inr`, `jam`, `join`) structure is
//! implemented here once for every mode: the forward function is composed
//! the obvious way and the derivatives with the mode's own operations.
//!
//! A `DFun` also keeps a value-only path, so [`DFun::eval`] never builds a
//! derivative it will not use, and a shape rule (the output shape for an
//! input shape, or the mismatch), so that [`DFun::eval`] and
//! [`DFun::linearize`] check the input once, at the caller's line, before
//! any kernel runs ([`DFun::try_eval`] returns the error instead).

use crate::linear::{Dup, Fst, Identity, Inl, Inr, Jam, LinearMap, Snd, Zero};
use crate::mode::{Mode, Reverse};
use crate::{Error, Space};
use std::sync::Arc;

type EvalFn<A, B> = dyn Fn(&A) -> B + Send + Sync;
type LinFn<A, B, M> = dyn Fn(&A) -> (B, <M as Mode>::Lin<A, B>) + Send + Sync;
/// The output shape for an input shape (`None`: not known, for a lens built
/// from closures), or the mismatch.
type ShapeFn<A, B> =
    dyn Fn(&<A as Space>::Shape) -> Result<Option<<B as Space>::Shape>, Error> + Send + Sync;

/// A differentiable map from `A` to `B` whose derivative is represented in
/// mode `M` (reverse by default).
///
/// ```
/// use lensdiff::{DFun, Reverse, ops};
/// use nalgebra::dvector;
/// // f(x) = Σ sin(x_i)²
/// let f: DFun<_, _, Reverse> = ops::sin().then(&ops::square()).then(&ops::sum());
/// let x = dvector![0.3, 1.2];
/// let (y, pullback) = f.linearize(&x);
/// let g = pullback.pull(&1.0);
/// assert!((y - (0.3f64.sin().powi(2) + 1.2f64.sin().powi(2))).abs() < 1e-15);
/// assert!((g[0] - 2.0 * 0.3f64.sin() * 0.3f64.cos()).abs() < 1e-15);
/// ```
pub struct DFun<A: Space, B: Space<Scalar = A::Scalar>, M: Mode = Reverse> {
    eval: Arc<EvalFn<A, B>>,
    lin: Arc<LinFn<A, B, M>>,
    shape: Arc<ShapeFn<A, B>>,
}

impl<A: Space, B: Space<Scalar = A::Scalar>, M: Mode> Clone for DFun<A, B, M> {
    fn clone(&self) -> Self {
        DFun {
            eval: self.eval.clone(),
            lin: self.lin.clone(),
            shape: self.shape.clone(),
        }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>, M: Mode> std::fmt::Debug for DFun<A, B, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DFun<{}>", M::NAME)
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>, M: Mode> DFun<A, B, M> {
    /// A lens from a value-only function and a linearising function (which
    /// must return the same value).
    ///
    /// ```
    /// use lensdiff::{DFun, Reverse, Mode};
    /// use lensdiff::Pullback;
    /// // f(x) = 3x, written directly in reverse mode.
    /// let f = DFun::<f64, f64, Reverse>::new(
    ///     |x| 3.0 * x,
    ///     |x| (3.0 * x, Pullback::new(|dy, dx| *dx += 3.0 * dy, (), ())),
    /// );
    /// assert_eq!(f.linearize(&2.0).1.pull(&1.0), 3.0);
    /// ```
    pub fn new(
        eval: impl Fn(&A) -> B + Send + Sync + 'static,
        linearize: impl Fn(&A) -> (B, M::Lin<A, B>) + Send + Sync + 'static,
    ) -> Self {
        DFun {
            eval: Arc::new(eval),
            lin: Arc::new(linearize),
            shape: Arc::new(|_| Ok(None)),
        }
    }

    /// The same lens with a shape rule: the output shape for an input
    /// shape, or the mismatch (checked by `eval` and `linearize`).
    pub(crate) fn with_shape(
        mut self,
        shape: impl Fn(&A::Shape) -> Result<Option<B::Shape>, Error> + Send + Sync + 'static,
    ) -> Self {
        self.shape = Arc::new(shape);
        self
    }

    /// The same lens, declared to take points of shape `input` only and to
    /// return shape `output`: [`eval`](Self::eval) and
    /// [`linearize`](Self::linearize) then reject another input at the
    /// caller's line, naming both sizes, before your closures run, and the
    /// combinators check what follows against `output`. For lenses made
    /// with [`new`](Self::new), [`from_linear_map`](Self::from_linear_map)
    /// or [`from_parts`](Self::from_parts), which cannot know their shapes
    /// (a `DVector`'s shape is its length, a pair's the pair of shapes).
    ///
    /// ```
    /// use lensdiff::{DFun, Error};
    /// use lensdiff::linear::Identity;
    /// use nalgebra::{dvector, DVector};
    /// let f = DFun::<DVector<f64>, DVector<f64>>::from_linear_map(|x: &DVector<f64>| {
    ///     (x.clone(), Identity::new(x.len()))
    /// })
    /// .with_shapes(3, 3);
    /// assert_eq!(f.eval(&dvector![1.0, 2.0, 3.0]), dvector![1.0, 2.0, 3.0]);
    /// let err = f.try_eval(&dvector![1.0, 2.0]).unwrap_err();
    /// assert_eq!(err.to_string(), "input 0 has length 2; this lens was built for 3 (declared by `with_shapes`)");
    /// ```
    pub fn with_shapes(self, input: A::Shape, output: B::Shape) -> Self {
        self.with_shape(move |shape: &A::Shape| {
            if *shape == input {
                return Ok(Some(output.clone()));
            }
            let detail = if A::dim_of(shape) == A::dim_of(&input) {
                format!("declared by `with_shapes` as {input:?}, given {shape:?}")
            } else {
                "declared by `with_shapes`".to_string()
            };
            Err(Error::InputLength {
                input: 0,
                found: A::dim_of(shape),
                expected: Some(A::dim_of(&input)),
                detail,
            })
        })
    }

    /// `Ok` when the lens can take `x` (as far as its shape rule knows).
    fn check_input(&self, x: &A) -> Result<(), Error> {
        (self.shape)(&x.shape()).map(|_| ())
    }

    /// A lens from a function returning its value and its derivative as a
    /// [`LinearMap`] (given once, with apply and transpose): the way every
    /// primitive enters every mode.
    ///
    /// ```
    /// use lensdiff::{DFun, Forward, Reverse, Mode};
    /// use lensdiff::linear::Dup;
    /// fn dup<M: Mode>() -> DFun<f64, (f64, f64), M> {
    ///     DFun::from_linear_map(|x: &f64| ((*x, *x), Dup::new(())))
    /// }
    /// assert_eq!(dup::<Forward>().linearize(&1.0).1.apply(&2.0), (2.0, 2.0));
    /// assert_eq!(dup::<Reverse>().linearize(&1.0).1.pull(&(1.0, 2.0)), 3.0);
    /// ```
    pub fn from_linear_map<L: LinearMap<A, B>>(
        f: impl Fn(&A) -> (B, L) + Send + Sync + 'static,
    ) -> Self {
        let f = Arc::new(f);
        let g = f.clone();
        DFun::new(
            move |x| f(x).0,
            move |x| {
                let (y, l) = g(x);
                (y, M::lift(l))
            },
        )
    }

    /// Like [`from_linear_map`](Self::from_linear_map) with a separate,
    /// cheaper value-only function.
    ///
    /// ```
    /// use lensdiff::{DFun, Reverse};
    /// use lensdiff::linear::Identity;
    /// let id = DFun::<f64, f64, Reverse>::from_parts(|x| *x, |x| (*x, Identity::new(())));
    /// assert_eq!(id.eval(&4.0), 4.0);
    /// ```
    pub fn from_parts<L: LinearMap<A, B>>(
        eval: impl Fn(&A) -> B + Send + Sync + 'static,
        linearize: impl Fn(&A) -> (B, L) + Send + Sync + 'static,
    ) -> Self {
        DFun::new(eval, move |x| {
            let (y, l) = linearize(x);
            (y, M::lift(l))
        })
    }

    /// The value `f(x)`, without building any derivative. An input the
    /// lens cannot take panics here, at the caller's line, with a message
    /// naming the input and both lengths.
    ///
    /// ```
    /// use lensdiff::{DFun, ops};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _> = ops::sum();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 3.0);
    /// ```
    #[track_caller]
    pub fn eval(&self, x: &A) -> B {
        if let Err(e) = self.check_input(x) {
            panic!("{e}");
        }
        (self.eval)(x)
    }

    /// The value and the derivative at `x` (panics like [`eval`](Self::eval)).
    ///
    /// ```
    /// use lensdiff::{DFun, Forward, ops};
    /// use nalgebra::dvector;
    /// let f: DFun<_, _, Forward> = ops::square();
    /// let (y, d) = f.linearize(&dvector![3.0]);
    /// assert_eq!((y[0], d.apply(&dvector![1.0])[0]), (9.0, 6.0));
    /// ```
    #[track_caller]
    pub fn linearize(&self, x: &A) -> (B, M::Lin<A, B>) {
        if let Err(e) = self.check_input(x) {
            panic!("{e}");
        }
        (self.lin)(x)
    }

    /// [`eval`](Self::eval), with an error instead of a panic when the lens
    /// cannot take `x`.
    ///
    /// ```
    /// use lensdiff::{DFun, Expr, Error};
    /// use nalgebra::{dvector, DVector};
    /// let target = Expr::constant_named("target", dvector![1.0, 2.0, 3.0]);
    /// let f: DFun<DVector<f64>, f64> = (Expr::var() - target).norm_squared().compile();
    /// assert_eq!(f.try_eval(&dvector![1.0, 2.0, 3.0]), Ok(0.0));
    /// let err = f.try_eval(&dvector![1.0, 2.0]).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "input 0 has length 2; this lens was built for 3 (constant `target`)"
    /// );
    /// ```
    pub fn try_eval(&self, x: &A) -> Result<B, Error> {
        self.check_input(x)?;
        Ok((self.eval)(x))
    }

    /// [`linearize`](Self::linearize), with an error instead of a panic
    /// when the lens cannot take `x`.
    ///
    /// ```
    /// use lensdiff::{DFun, Expr, Error};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, DVector<f64>> = (Expr::var().diff() + Expr::var()).compile();
    /// let err = f.try_linearize(&dvector![1.0, 2.0]).map(|_| ()).unwrap_err();
    /// assert!(matches!(err, Error::LengthAt { op: "add", expected: 1, found: 2, .. }));
    /// ```
    pub fn try_linearize(&self, x: &A) -> Result<(B, M::Lin<A, B>), Error> {
        self.check_input(x)?;
        Ok((self.lin)(x))
    }

    /// `self` followed by `g`: `g ∘ self` (the chain rule). Also written
    /// `&self >> &g`, composition in reading order (the `>>>` of Haskell's
    /// arrows; [`compose`] is the other order, `∘`).
    ///
    /// ```
    /// use lensdiff::{DFun, ops};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64> = ops::exp().then(&ops::sum());
    /// assert!((f.eval(&dvector![0.0, 0.0]) - 2.0).abs() < 1e-15);
    /// ```
    pub fn then<C: Space<Scalar = A::Scalar>>(&self, g: &DFun<B, C, M>) -> DFun<A, C, M> {
        compose(g, self)
    }
}

/// `g ∘ f`: run `f`, then `g`; derivatives compose by the chain rule.
/// In reading order it is `f.then(&g)`, or the operator `&f >> &g`.
///
/// ```
/// use lensdiff::{compose, DFun, ops};
/// use nalgebra::{dvector, DVector};
/// let (f, g): (DFun<DVector<f64>, DVector<f64>>, DFun<DVector<f64>, f64>) = (ops::square(), ops::sum());
/// let h = &f >> &g; // the same map as compose(&g, &f)
/// let x = dvector![1.0, 2.0];
/// assert_eq!(h.linearize(&x).1.pull(&1.0), compose(&g, &f).linearize(&x).1.pull(&1.0));
/// ```
///
/// ```
/// use lensdiff::{compose, DFun, ops};
/// use nalgebra::dvector;
/// let h: DFun<_, _> = compose(&ops::sum(), &ops::square());
/// assert_eq!(h.eval(&dvector![1.0, 2.0]), 5.0);
/// ```
#[doc(alias = ".")]
#[doc(alias = "∘")]
#[doc(alias = ">>")]
pub fn compose<A, B, C, M>(g: &DFun<B, C, M>, f: &DFun<A, B, M>) -> DFun<A, C, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let (fe, ge) = (f.eval.clone(), g.eval.clone());
    let (fl, gl) = (f.lin.clone(), g.lin.clone());
    let (fs, gs) = (f.shape.clone(), g.shape.clone());
    DFun::new(
        move |x| ge(&fe(x)),
        move |x| {
            let (y, df) = fl(x);
            let (z, dg) = gl(&y);
            (z, M::compose(dg, df))
        },
    )
    .with_shape(move |a| match fs(a)? {
        Some(b) => gs(&b).map_err(|e| seen_from("compose", e)),
        None => Ok(None),
    })
}

/// `&f >> &g` is `f.then(&g)`: `f`, then `g` (the chain rule).
///
/// ```
/// use lensdiff::{DFun, ops};
/// use nalgebra::{dvector, DVector};
/// let f: DFun<DVector<f64>, f64> = &(&ops::sin() >> &ops::square()) >> &ops::sum();
/// let x = dvector![0.3, 1.2];
/// assert!((f.eval(&x) - x.map(|t| t.sin().powi(2)).sum()).abs() < 1e-15);
/// ```
impl<A, B, C, M> std::ops::Shr<&DFun<B, C, M>> for &DFun<A, B, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    M: Mode,
{
    type Output = DFun<A, C, M>;
    fn shr(self, g: &DFun<B, C, M>) -> DFun<A, C, M> {
        compose(g, self)
    }
}

/// `f >> g` on owned lenses: `f.then(&g)`.
///
/// ```
/// use lensdiff::{DFun, Forward, ops};
/// use nalgebra::{dvector, DVector};
/// let f: DFun<DVector<f64>, f64, Forward> = ops::exp() >> ops::sum();
/// assert_eq!(f.linearize(&dvector![0.0, 0.0]).1.apply(&dvector![1.0, 2.0]), 3.0);
/// ```
impl<A, B, C, M> std::ops::Shr<DFun<B, C, M>> for DFun<A, B, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    M: Mode,
{
    type Output = DFun<A, C, M>;
    fn shr(self, g: DFun<B, C, M>) -> DFun<A, C, M> {
        compose(&g, &self)
    }
}

/// An inner map's input error as a combinator reports it: the inner map's
/// "input 0" is not the caller's input, so a length it was built for
/// becomes a mismatch of the combinator.
fn seen_from(op: &'static str, e: Error) -> Error {
    match e {
        Error::InputLength {
            found,
            expected: Some(expected),
            ..
        } => Error::DimensionMismatch {
            op,
            expected,
            found,
        },
        e => e,
    }
}

/// Like [`compose`], but first checks that `f`'s output at `x` has the
/// shape `g` expects at `y_shape`, returning an error that names both sizes.
///
/// ```
/// use lensdiff::{try_compose_at, DFun, ops};
/// use nalgebra::{dvector, DVector};
/// let f: DFun<DVector<f64>, DVector<f64>> = ops::diff();
/// let g: DFun<DVector<f64>, f64> = ops::sum();
/// let err = try_compose_at(&g, 3, &f, &dvector![1.0, 2.0, 3.0]).unwrap_err();
/// assert_eq!(err.to_string(), "compose: dimension mismatch: expected 3, found 2");
/// ```
pub fn try_compose_at<A, B, C, M>(
    g: &DFun<B, C, M>,
    g_input: B::Shape,
    f: &DFun<A, B, M>,
    x: &A,
) -> Result<DFun<A, C, M>, Error>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let y_shape = f.eval(x).shape();
    if y_shape != g_input {
        return Err(Error::DimensionMismatch {
            op: "compose",
            expected: B::dim_of(&g_input),
            found: B::dim_of(&y_shape),
        });
    }
    Ok(compose(g, f))
}

/// The identity lens.
///
/// ```
/// use lensdiff::{id, DFun, Reverse};
/// let f: DFun<f64, f64, Reverse> = id();
/// assert_eq!(f.linearize(&2.0).1.pull(&5.0), 5.0);
/// ```
pub fn id<A: Space, M: Mode>() -> DFun<A, A, M> {
    DFun::from_parts(
        |x: &A| x.clone(),
        |x: &A| (x.clone(), Identity::new(x.shape())),
    )
    .with_shape(|a| Ok(Some(a.clone())))
}

/// `f △ g` (Haskell's `&&&`): `x ↦ (f x, g x)`.
///
/// ```
/// use lensdiff::{fanout, DFun, ops};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = fanout(&ops::sum(), &ops::norm_squared());
/// assert_eq!(f.eval(&dvector![1.0, 2.0]), (3.0, 5.0));
/// ```
#[doc(alias = "&&&")]
#[doc(alias = "△")]
pub fn fanout<A, B, C, M>(f: &DFun<A, B, M>, g: &DFun<A, C, M>) -> DFun<A, (B, C), M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let (fe, ge) = (f.eval.clone(), g.eval.clone());
    let (fl, gl) = (f.lin.clone(), g.lin.clone());
    let (fs, gs) = (f.shape.clone(), g.shape.clone());
    DFun::new(
        move |x| (fe(x), ge(x)),
        move |x| {
            let (y, df) = fl(x);
            let (z, dg) = gl(x);
            ((y, z), M::fanout(df, dg))
        },
    )
    .with_shape(move |a| Ok(fs(a)?.zip(gs(a)?)))
}

/// `f × g` (Haskell's `***`): `(a, b) ↦ (f a, g b)`.
///
/// ```
/// use lensdiff::{par, DFun, ops};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = par(&ops::sum(), &ops::norm_squared());
/// assert_eq!(f.eval(&(dvector![1.0, 2.0], dvector![3.0])), (3.0, 9.0));
/// ```
#[doc(alias = "***")]
#[doc(alias = "×")]
pub fn par<A, B, C, D, M>(f: &DFun<A, C, M>, g: &DFun<B, D, M>) -> DFun<(A, B), (C, D), M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    D: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let (fe, ge) = (f.eval.clone(), g.eval.clone());
    let (fl, gl) = (f.lin.clone(), g.lin.clone());
    let (fs, gs) = (f.shape.clone(), g.shape.clone());
    DFun::new(
        move |x: &(A, B)| (fe(&x.0), ge(&x.1)),
        move |x: &(A, B)| {
            let (c, df) = fl(&x.0);
            let (d, dg) = gl(&x.1);
            ((c, d), M::par(df, dg))
        },
    )
    .with_shape(move |ab: &(A::Shape, B::Shape)| {
        let c = fs(&ab.0)?;
        let d = gs(&ab.1).map_err(|e| seen_from("par (second input)", e))?;
        Ok(c.zip(d))
    })
}

/// Duplication `x ↦ (x, x)`.
///
/// ```
/// use lensdiff::{dup, DFun, Reverse};
/// let d: DFun<f64, (f64, f64), Reverse> = dup();
/// assert_eq!(d.linearize(&1.0).1.pull(&(2.0, 3.0)), 5.0);
/// ```
#[doc(alias = "Δ")]
pub fn dup<A: Space, M: Mode>() -> DFun<A, (A, A), M> {
    DFun::from_parts(
        |x: &A| (x.clone(), x.clone()),
        |x: &A| ((x.clone(), x.clone()), Dup::new(x.shape())),
    )
    .with_shape(|a| Ok(Some((a.clone(), a.clone()))))
}

/// The first projection `(a, b) ↦ a`.
///
/// ```
/// use lensdiff::{fst, DFun, Reverse};
/// let p: DFun<(f64, f64), f64, Reverse> = fst();
/// assert_eq!(p.linearize(&(1.0, 2.0)).1.pull(&1.0), (1.0, 0.0));
/// ```
#[doc(alias = "exl")]
pub fn fst<A, B, M>() -> DFun<(A, B), A, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    M: Mode,
{
    DFun::from_parts(
        |x: &(A, B)| x.0.clone(),
        |x: &(A, B)| (x.0.clone(), Fst::new(x.shape())),
    )
    .with_shape(|ab| Ok(Some(ab.0.clone())))
}

/// The second projection `(a, b) ↦ b`.
///
/// ```
/// use lensdiff::{snd, DFun, Forward};
/// let p: DFun<(f64, f64), f64, Forward> = snd();
/// assert_eq!(p.linearize(&(1.0, 2.0)).1.apply(&(3.0, 4.0)), 4.0);
/// ```
#[doc(alias = "exr")]
pub fn snd<A, B, M>() -> DFun<(A, B), B, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    M: Mode,
{
    DFun::from_parts(
        |x: &(A, B)| x.1.clone(),
        |x: &(A, B)| (x.1.clone(), Snd::new(x.shape())),
    )
    .with_shape(|ab| Ok(Some(ab.1.clone())))
}

/// The first injection `a ↦ (a, 0)`, with the shape of the zero.
///
/// ```
/// use lensdiff::{inl, DFun, Reverse};
/// use nalgebra::{dvector, DVector};
/// let i: DFun<f64, (f64, DVector<f64>), Reverse> = inl(2);
/// assert_eq!(i.eval(&1.0), (1.0, dvector![0.0, 0.0]));
/// ```
pub fn inl<A, B, M>(b_shape: B::Shape) -> DFun<A, (A, B), M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let (s1, s2) = (b_shape.clone(), b_shape.clone());
    DFun::from_parts(
        move |x: &A| (x.clone(), B::zeros_of(&s1)),
        move |x: &A| {
            (
                (x.clone(), B::zeros_of(&b_shape)),
                Inl::new((x.shape(), b_shape.clone())),
            )
        },
    )
    .with_shape(move |a| Ok(Some((a.clone(), s2.clone()))))
}

/// The second injection `b ↦ (0, b)`, with the shape of the zero.
///
/// ```
/// use lensdiff::{inr, DFun, Reverse};
/// let i: DFun<f64, (f64, f64), Reverse> = inr(());
/// assert_eq!(i.eval(&1.0), (0.0, 1.0));
/// ```
pub fn inr<A, B, M>(a_shape: A::Shape) -> DFun<B, (A, B), M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let (s1, s2) = (a_shape.clone(), a_shape.clone());
    DFun::from_parts(
        move |x: &B| (A::zeros_of(&s1), x.clone()),
        move |x: &B| {
            (
                (A::zeros_of(&a_shape), x.clone()),
                Inr::new((a_shape.clone(), x.shape())),
            )
        },
    )
    .with_shape(move |b| Ok(Some((s2.clone(), b.clone()))))
}

/// Addition `(a, b) ↦ a + b`, the codiagonal of the cocartesian structure.
///
/// ```
/// use lensdiff::{jam, DFun, Reverse};
/// let j: DFun<(f64, f64), f64, Reverse> = jam();
/// assert_eq!(j.linearize(&(1.0, 2.0)).1.pull(&1.0), (1.0, 1.0));
/// ```
#[doc(alias = "∇")]
pub fn jam<A: Space, M: Mode>() -> DFun<(A, A), A, M> {
    let add = |x: &(A, A)| {
        let mut y = x.0.clone();
        y.accumulate(&x.1);
        y
    };
    DFun::from_parts(add, move |x: &(A, A)| (add(x), Jam::new(x.0.shape()))).with_shape(
        |ab: &(A::Shape, A::Shape)| {
            crate::linear::shape_check::<A>("jam", &ab.0, &ab.1)?;
            Ok(Some(ab.0.clone()))
        },
    )
}

/// `f ▽ g` (Haskell's `|||`): `(a, b) ↦ f a + g b`, i.e. `jam ∘ (f × g)`.
///
/// ```
/// use lensdiff::{join, DFun, ops};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = join(&ops::sum(), &ops::norm_squared());
/// assert_eq!(f.eval(&(dvector![1.0, 2.0], dvector![3.0])), 12.0);
/// ```
#[doc(alias = "|||")]
#[doc(alias = "▽")]
pub fn join<A, B, C, M>(f: &DFun<A, C, M>, g: &DFun<B, C, M>) -> DFun<(A, B), C, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    C: Space<Scalar = A::Scalar>,
    M: Mode,
{
    compose(&jam(), &par(f, g))
}

/// A constant lens `x ↦ value` (its derivative is zero).
///
/// ```
/// use lensdiff::{constant, DFun, Reverse};
/// let k: DFun<f64, f64, Reverse> = constant(7.0);
/// assert_eq!(k.linearize(&1.0).1.pull(&1.0), 0.0);
/// ```
pub fn constant<A, B, M>(value: B) -> DFun<A, B, M>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    M: Mode,
{
    let (v1, out) = (value.clone(), value.shape());
    DFun::from_parts(
        move |_: &A| v1.clone(),
        move |x: &A| (value.clone(), Zero::new(x.shape(), value.shape())),
    )
    .with_shape(move |_| Ok(Some(out.clone())))
}
