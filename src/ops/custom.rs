//! Primitives of your own in a few lines: a value function and its
//! derivative as closures, run in every mode.
//!
//! [`Custom`] turns closures into a primitive ([`crate::graph::Op`]) that
//! [`Expr::custom`] puts into expressions and [`Custom::lens`] compiles
//! into a one-node lens, forward, reverse and dense alike:
//!
//! * [`Custom::elementwise`]: `yᵢ = f(xᵢ)` from `f` and `f'` (runs tiled,
//!   like the built-in elementwise functions);
//! * [`Custom::vector`]: `y = f(x)` from `f` and its JVP `(x, dx) ↦ J dx`;
//!   the VJP `(x, dy) ↦ Jᵀ dy` is optional ([`Custom::with_vjp`]):
//!   without it, the JVP, being linear in `dx`, is transposed
//!   automatically, one JVP per input entry;
//! * [`Custom::scalar`]: `y = f(x)` to a scalar from `f` and its gradient
//!   (the JVP of a map to a scalar is `⟨∇f(x), dx⟩`; the gradient serves
//!   both directions).

use crate::check::AnyMode;
use crate::graph::{Ctx, Op, Output, mismatch};
use crate::primitives::elementwise::{ElemFn, Elementwise};
use crate::{DFun, Error, Expr, Mode, Real};
use nalgebra::DVector;
use std::marker::PhantomData;
use std::sync::Arc;

type VecFn<S> = dyn Fn(&DVector<S>) -> DVector<S> + Send + Sync;
type VecFn2<S> = dyn Fn(&DVector<S>, &DVector<S>) -> DVector<S> + Send + Sync;
type ScalarFnBox<S> = dyn Fn(S) -> S + Send + Sync;

/// A primitive given by closures: its value and its derivative.
///
/// ```
/// use lensdiff::{check::assert_map, ops::Custom, Expr, DFun, grad};
/// use nalgebra::{dvector, DVector};
/// // softplus(x) = ln(1 + eˣ), derivative the logistic function.
/// let softplus = Custom::elementwise("softplus", |x: f64| x.exp().ln_1p(), |x| 1.0 / (1.0 + (-x).exp()));
/// let f: DFun<DVector<f64>, f64> = Expr::var().custom(&softplus).sum().compile();
/// let g = grad(&f, &dvector![0.0, 1.0]);
/// assert!((g[0] - 0.5).abs() < 1e-15);
/// assert_map(&softplus, &dvector![0.3, -2.0, 1.5]); // every mode, and finite differences
/// ```
///
/// The output type `B` is `DVector<S>` for elementwise and vector maps,
/// `S` for [`Custom::scalar`]; a `Custom` is an [`AnyMode`] map, so the
/// checks of [`crate::check`] take it as it is.
pub struct Custom<S: Real, B = DVector<S>> {
    name: &'static str,
    kind: Kind<S>,
    _out: PhantomData<fn() -> B>,
}

impl<S: Real, B> Clone for Custom<S, B> {
    fn clone(&self) -> Self {
        Custom {
            name: self.name,
            kind: self.kind.clone(),
            _out: PhantomData,
        }
    }
}

impl<S: Real, B> std::fmt::Debug for Custom<S, B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Custom({})", self.name)
    }
}

enum Kind<S: Real> {
    Elementwise {
        f: Arc<ScalarFnBox<S>>,
        df: Arc<ScalarFnBox<S>>,
    },
    Vector(Arc<VectorMap<S>>),
}

impl<S: Real> Clone for Kind<S> {
    fn clone(&self) -> Self {
        match self {
            Kind::Elementwise { f, df } => Kind::Elementwise {
                f: f.clone(),
                df: df.clone(),
            },
            Kind::Vector(v) => Kind::Vector(v.clone()),
        }
    }
}

/// A vector-to-vector (or, with `scalar`, vector-to-scalar) primitive.
struct VectorMap<S: Real> {
    name: &'static str,
    f: Arc<VecFn<S>>,
    /// `(x, dx) ↦ J dx`.
    jvp: Arc<VecFn2<S>>,
    /// `(x, dy) ↦ Jᵀ dy`, when given.
    vjp: Option<Arc<VecFn2<S>>>,
    out_len: Arc<dyn Fn(usize) -> usize + Send + Sync>,
    scalar: bool,
}

impl<S: Real> Clone for VectorMap<S> {
    fn clone(&self) -> Self {
        VectorMap {
            name: self.name,
            f: self.f.clone(),
            jvp: self.jvp.clone(),
            vjp: self.vjp.clone(),
            out_len: self.out_len.clone(),
            scalar: self.scalar,
        }
    }
}

impl<S: Real> Custom<S> {
    /// `yᵢ = f(xᵢ)`, from `f` and its derivative `df = f'`.
    ///
    /// ```
    /// use lensdiff::{ops::Custom, DFun, Forward};
    /// use nalgebra::{dvector, DVector};
    /// let cube = Custom::elementwise("cube", |x: f64| x * x * x, |x| 3.0 * x * x);
    /// let f: DFun<DVector<f64>, DVector<f64>, Forward> = cube.lens();
    /// assert_eq!(f.linearize(&dvector![2.0]).1.apply(&dvector![1.0]), dvector![12.0]);
    /// ```
    pub fn elementwise(
        name: &'static str,
        f: impl Fn(S) -> S + Send + Sync + 'static,
        df: impl Fn(S) -> S + Send + Sync + 'static,
    ) -> Self {
        Custom {
            name,
            kind: Kind::Elementwise {
                f: Arc::new(f),
                df: Arc::new(df),
            },
            _out: PhantomData,
        }
    }

    /// `y = f(x)`, a vector of the same length (see
    /// [`with_output_len`](Self::with_output_len) for another), from `f`
    /// and its JVP `jvp(x, dx) = J(x) dx`. Reverse mode transposes the JVP
    /// (one call per entry of `x`) unless [`with_vjp`](Self::with_vjp)
    /// gives the VJP.
    ///
    /// ```
    /// use lensdiff::{ops::Custom, DFun, Reverse};
    /// use nalgebra::{dvector, DVector};
    /// // Cumulative sum: linear, so the JVP is the map itself.
    /// let cumsum = Custom::vector(
    ///     "cumsum",
    ///     |x: &DVector<f64>| DVector::from_iterator(x.len(), x.iter().scan(0.0, |s, v| { *s += v; Some(*s) })),
    ///     |_x, dx| DVector::from_iterator(dx.len(), dx.iter().scan(0.0, |s, v| { *s += v; Some(*s) })),
    /// );
    /// let f: DFun<DVector<f64>, DVector<f64>, Reverse> = cumsum.lens();
    /// assert_eq!(f.linearize(&dvector![1.0, 2.0, 3.0]).1.pull(&dvector![1.0, 0.0, 1.0]), dvector![2.0, 1.0, 1.0]);
    /// ```
    pub fn vector(
        name: &'static str,
        f: impl Fn(&DVector<S>) -> DVector<S> + Send + Sync + 'static,
        jvp: impl Fn(&DVector<S>, &DVector<S>) -> DVector<S> + Send + Sync + 'static,
    ) -> Self {
        Custom {
            name,
            kind: Kind::Vector(Arc::new(VectorMap {
                name,
                f: Arc::new(f),
                jvp: Arc::new(jvp),
                vjp: None,
                out_len: Arc::new(|n| n),
                scalar: false,
            })),
            _out: PhantomData,
        }
    }

    /// The same vector map with its VJP `vjp(x, dy) = J(x)ᵀ dy` given
    /// (instead of transposing the JVP, one call per input entry). An
    /// elementwise map has its own already and ignores it.
    ///
    /// ```
    /// use lensdiff::{ops::Custom, check::assert_map};
    /// use nalgebra::{dvector, DVector};
    /// // y = (x₀ x₁, x₁ x₂, …, x_{n−1} x₀): a cyclic product.
    /// let n = |x: &DVector<f64>| x.len();
    /// let cyc = Custom::vector(
    ///     "cyclic",
    ///     move |x: &DVector<f64>| DVector::from_fn(n(x), |i, _| x[i] * x[(i + 1) % n(x)]),
    ///     move |x, dx| DVector::from_fn(n(x), |i, _| dx[i] * x[(i + 1) % n(x)] + x[i] * dx[(i + 1) % n(x)]),
    /// )
    /// .with_vjp(move |x, dy| {
    ///     let m = n(x);
    ///     DVector::from_fn(m, |j, _| dy[j] * x[(j + 1) % m] + dy[(j + m - 1) % m] * x[(j + m - 1) % m])
    /// });
    /// assert_map(&cyc, &dvector![0.5, -1.0, 2.0]);
    /// ```
    pub fn with_vjp(
        self,
        vjp: impl Fn(&DVector<S>, &DVector<S>) -> DVector<S> + Send + Sync + 'static,
    ) -> Self {
        self.map_vector(|v| v.vjp = Some(Arc::new(vjp)))
    }

    /// The same vector map with its output length for an input of length
    /// `n` (the default: `n`), so that lengths are checked before any
    /// closure runs. An elementwise map ignores it.
    ///
    /// ```
    /// use lensdiff::{ops::Custom, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let pairs = Custom::vector(
    ///     "pair_sums",
    ///     |x: &DVector<f64>| DVector::from_fn(x.len() / 2, |i, _| x[2 * i] + x[2 * i + 1]),
    ///     |_, dx| DVector::from_fn(dx.len() / 2, |i, _| dx[2 * i] + dx[2 * i + 1]),
    /// )
    /// .with_output_len(|n| n / 2);
    /// let f: DFun<DVector<f64>, DVector<f64>> = pairs.lens();
    /// assert_eq!(f.linearize(&dvector![1.0, 2.0, 3.0, 4.0]).1.pull(&dvector![1.0, 2.0]), dvector![1.0, 1.0, 2.0, 2.0]);
    /// ```
    pub fn with_output_len(self, len: impl Fn(usize) -> usize + Send + Sync + 'static) -> Self {
        self.map_vector(|v| v.out_len = Arc::new(len))
    }

    fn map_vector(mut self, edit: impl FnOnce(&mut VectorMap<S>)) -> Self {
        if let Kind::Vector(v) = &self.kind {
            let mut v = VectorMap::clone(v);
            edit(&mut v);
            self.kind = Kind::Vector(Arc::new(v));
        }
        self
    }
}

impl<S: Real> Custom<S, S> {
    /// `y = f(x)`, a scalar, from `f` and its gradient `grad(x) = ∇f(x)`
    /// (the JVP is `⟨∇f(x), dx⟩`, the VJP `dy ∇f(x)`).
    ///
    /// ```
    /// use lensdiff::{ops::Custom, DFun, grad};
    /// use nalgebra::{dvector, DVector};
    /// // log-sum-exp, whose gradient is the softmax.
    /// let lse = Custom::scalar(
    ///     "logsumexp",
    ///     |x: &DVector<f64>| x.map(f64::exp).sum().ln(),
    ///     |x| { let e = x.map(f64::exp); &e / e.sum() },
    /// );
    /// let f: DFun<DVector<f64>, f64> = lse.lens();
    /// assert!((grad(&f, &dvector![0.0, 0.0])[0] - 0.5).abs() < 1e-15);
    /// ```
    pub fn scalar(
        name: &'static str,
        f: impl Fn(&DVector<S>) -> S + Send + Sync + 'static,
        grad: impl Fn(&DVector<S>) -> DVector<S> + Send + Sync + 'static,
    ) -> Self {
        let grad = Arc::new(grad);
        let g2 = grad.clone();
        Custom {
            name,
            kind: Kind::Vector(Arc::new(VectorMap {
                name,
                f: Arc::new(move |x| DVector::from_element(1, f(x))),
                jvp: Arc::new(move |x, dx| DVector::from_element(1, grad(x).dot(dx))),
                vjp: Some(Arc::new(move |x, dy| g2(x) * dy[0])),
                out_len: Arc::new(|_| 1),
                scalar: true,
            })),
            _out: PhantomData,
        }
    }
}

impl<S: Real, B: Output<Scalar = S>> Custom<S, B> {
    /// The primitive applied to `x` in an expression (also
    /// [`Expr::custom`]).
    ///
    /// ```
    /// use lensdiff::{ops::Custom, Expr, DFun};
    /// use nalgebra::{dvector, DVector};
    /// let sq = Custom::elementwise("sq", |x: f64| x * x, |x| 2.0 * x);
    /// let f: DFun<DVector<f64>, f64> = sq.apply(&Expr::var()).sum().compile();
    /// assert_eq!(f.eval(&dvector![1.0, 2.0]), 5.0);
    /// ```
    #[track_caller]
    pub fn apply(&self, x: &Expr<S>) -> Expr<S> {
        x.apply_op(self.op(), &[])
    }

    /// The primitive itself, for [`Expr::apply_op`] or
    /// [`check_op`](crate::check::check_op) (value, JVP against
    /// differences, JVP against VJP, on slices).
    ///
    /// ```
    /// use lensdiff::{ops::Custom, check::{check_op, Options}};
    /// let sq = Custom::elementwise("sq", |x: f64| x * x, |x| 2.0 * x);
    /// let r = check_op(&*sq.op(), &[&[0.5, -1.0][..]], &Options::for_scalar::<f64>()).unwrap();
    /// assert!(r.passed(), "{r}");
    /// ```
    pub fn op(&self) -> Arc<dyn Op<S>> {
        match &self.kind {
            Kind::Elementwise { f, df } => Arc::new(Elementwise(Closures {
                name: self.name,
                f: f.clone(),
                df: df.clone(),
            })),
            Kind::Vector(v) => Arc::new(VectorOp(v.clone())),
        }
    }

    /// The primitive as a one-node lens in any mode, to a `DVector` (or,
    /// for [`Custom::scalar`], to a scalar).
    ///
    /// ```
    /// use lensdiff::{ops::{self, Custom}, DFun, Forward};
    /// use nalgebra::{dvector, DVector};
    /// let sq = Custom::elementwise("sq", |x: f64| x * x, |x| 2.0 * x);
    /// let f: DFun<DVector<f64>, f64, Forward> = sq.lens().then(&ops::sum());
    /// assert_eq!(f.linearize(&dvector![1.0, 2.0]).1.apply(&dvector![1.0, 1.0]), 6.0);
    /// ```
    #[track_caller]
    pub fn lens<M: Mode>(&self) -> DFun<DVector<S>, B, M> {
        self.apply(&Expr::var()).compile()
    }
}

/// An elementwise primitive's closures, as the table's functions are.
struct Closures<S: Real> {
    name: &'static str,
    f: Arc<ScalarFnBox<S>>,
    df: Arc<ScalarFnBox<S>>,
}

impl<S: Real> ElemFn<S> for Closures<S> {
    fn name(&self) -> &'static str {
        self.name
    }
    fn values(&self, x: &[S], mut out: impl FnMut(usize, S)) {
        for (i, &x) in x.iter().enumerate() {
            out(i, (self.f)(x));
        }
    }
    fn values_derivs(&self, x: &[S], mut out: impl FnMut(usize, S, S)) {
        for (i, &x) in x.iter().enumerate() {
            out(i, (self.f)(x), (self.df)(x));
        }
    }
}

/// A vector map's closures as a primitive on slices.
struct VectorOp<S: Real>(Arc<VectorMap<S>>);

fn vector<S: Real>(x: &[S]) -> DVector<S> {
    DVector::from_column_slice(x)
}

impl<S: Real> VectorOp<S> {
    /// `r`, checked against the length the primitive declared.
    fn fits(&self, what: &str, r: DVector<S>, len: usize) -> DVector<S> {
        assert_eq!(
            r.len(),
            len,
            "custom primitive `{}`: its {what} returned length {}, expected {len}",
            self.0.name,
            r.len(),
        );
        r
    }
}

impl<S: Real> Op<S> for VectorOp<S> {
    fn name(&self) -> &'static str {
        self.0.name
    }
    fn arity(&self) -> usize {
        1
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        self.0.scalar
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        let out = (self.0.out_len)(lens[0]);
        if self.0.scalar && lens[0] == 0 {
            return Err(mismatch(self.0.name, 1, 0));
        }
        Ok(out)
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        let r = self.fits("value", (self.0.f)(&vector(x[0])), y.len());
        y.copy_from_slice(r.as_slice());
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        let r = (self.0.jvp)(&vector(c.inputs[0]), &vector(dx));
        let r = self.fits("JVP", r, dy.len());
        for (d, r) in dy.iter_mut().zip(r.iter()) {
            *d += *r;
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        let x = vector(c.inputs[0]);
        if let Some(vjp) = &self.0.vjp {
            let r = self.fits("VJP", vjp(&x, &vector(dy)), dx.len());
            for (d, r) in dx.iter_mut().zip(r.iter()) {
                *d += *r;
            }
            return;
        }
        // The transpose of the JVP, column by column: (Jᵀ dy)_j = ⟨dy, J e_j⟩.
        let mut e = DVector::zeros(x.len());
        for (j, d) in dx.iter_mut().enumerate() {
            e[j] = S::one();
            let col = self.fits("JVP", (self.0.jvp)(&x, &e), dy.len());
            e[j] = S::zero();
            *d += col.iter().zip(dy).fold(S::zero(), |s, (a, b)| s + *a * *b);
        }
    }
}

impl<S: Real> Expr<S> {
    /// A primitive of your own ([`Custom`]) applied to `self`.
    ///
    /// ```
    /// use lensdiff::{ops::Custom, Expr, DFun, grad};
    /// use nalgebra::{dvector, DVector};
    /// let cube = Custom::elementwise("cube", |x: f64| x * x * x, |x| 3.0 * x * x);
    /// let f: DFun<DVector<f64>, f64> = Expr::var().custom(&cube).sum().compile();
    /// assert_eq!(grad(&f, &dvector![1.0, 2.0]), dvector![3.0, 12.0]);
    /// ```
    #[track_caller]
    pub fn custom<B: Output<Scalar = S>>(&self, c: &Custom<S, B>) -> Expr<S> {
        c.apply(self)
    }
}

impl<S: Real, B: Output<Scalar = S>> AnyMode for Custom<S, B> {
    type In = DVector<S>;
    type Out = B;
    fn build<M: Mode>(&self) -> DFun<DVector<S>, B, M> {
        self.lens()
    }
}
