//! Proptest strategies (feature `proptest`): points of a space, random
//! compositions of the library's primitives with a user's primitive
//! inserted at random places, and the laws as ready properties.
//!
//! A user's test file property-tests its own primitive in a few lines:
//!
//! ```
//! use lensdiff::check::strategies::{self, LengthPreserving, compositions, points};
//! use lensdiff::check::strategies::proptest::prelude::*; // no proptest dependency of your own
//! use lensdiff::check::AnyMode;
//! use lensdiff::nalgebra::DVector;
//! use lensdiff::{ops, DFun, Mode};
//!
//! /// The user's primitive: x ↦ x·tanh(x), elementwise.
//! #[derive(Clone, Debug)]
//! struct XTanhX;
//! impl AnyMode for XTanhX {
//!     type In = DVector<f64>;
//!     type Out = DVector<f64>;
//!     fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> {
//!         lensdiff::fanout(&lensdiff::id(), &ops::tanh()).then(&ops::mul())
//!     }
//! }
//!
//! proptest!(ProptestConfig::with_cases(8), |(
//!     f in compositions(LengthPreserving(XTanhX)),
//!     g in compositions(LengthPreserving(XTanhX)),
//!     h in compositions(LengthPreserving(XTanhX)),
//!     x in points(6),
//! )| {
//!     strategies::laws_hold(&f, &g, &h, &x)?;
//! });
//! ```
//!
//! The compositions are those of the library's own law tests: elementwise
//! functions (values kept moderate), differences, slices, strides, shifts,
//! linear and nonlinear stencils, dense matrices, reductions, constants,
//! `then`, `fanout` followed by `+ − ×`, concatenation, interleaving.
//! Intermediate vectors are kept at most [`MAX_LEN`] long (longer ones are
//! folded back by a fixed linear map).

/// The proptest the strategies are built with, for `proptest!` and the
/// prelude without a dependency of your own (see the module example).
pub use proptest;

use super::any_mode::AnyMode;
use super::{Options, Report, check_map_with, laws};
use crate::linear::LinearMap;
use crate::{DFun, Dual, Expr, Mode, Space, c, constant, fanout, id, ops};
use ::proptest::prelude::*;
use ::proptest::strategy::{NewTree, ValueTree};
use ::proptest::test_runner::{TestCaseError, TestRunner};
use nalgebra::{DMatrix, DVector};
use std::fmt::Debug;
use std::sync::Arc;

type V = DVector<f64>;
type F<M> = DFun<V, V, M>;

/// Longest intermediate vector; longer results are folded back by a
/// linear map.
pub const MAX_LEN: usize = 10;

// ------------------------------------------------------------------ trees

/// Elementwise primitives (length-preserving), chosen so that values stay
/// moderate: `exp` only of `tanh` or of a small multiple, `ln`, `sqrt` and
/// `recip` only of `1 + x²`.
/// Elementwise primitives (length-preserving).
#[derive(Clone, Debug)]
enum Elem {
    Sin,
    Cos,
    Tanh,
    ExpTanh,
    ExpScaled(f64),
    Square,
    CubeTanh,
    Poly([f64; 4]),
    Scale(f64),
    Offset(f64),
    Neg,
    SqrtPos,
    RecipPos,
    LnPos,
    Id,
}

/// Leaves that may change the length (mostly linear).
#[derive(Clone, Debug)]
enum Shape {
    Diff,
    Diff2,
    Even,
    Odd,
    Slice(usize, usize),
    Shift(usize),
    Stride(usize, usize),
    Stencil(Vec<f64>),
    Matrix(u64, usize),
    Mean,
    MeanSquare,
    Last,
    AppendMean,
    Const(u64),
}

/// Nonlinear stencils (windows of width 2 and 3).
#[derive(Clone, Debug)]
enum Win {
    Prod2,
    Smooth3,
}

/// Binary elementwise operations.
#[derive(Clone, Copy, Debug)]
enum Bin {
    Add,
    Sub,
    Mul,
}

/// A random composition of primitives, with a user's primitive `P` at
/// some leaves.
#[derive(Clone, Debug)]
enum Tree<P> {
    User(P),
    Elem(Elem),
    Shape(Shape),
    Win(Win),
    Then(Box<Tree<P>>, Box<Tree<P>>),
    /// `fanout(f, g).then(op)`; a length-one side broadcasts, otherwise `g`
    /// is folded to `f`'s length.
    Bin(Bin, Box<Tree<P>>, Box<Tree<P>>),
    Concat(Box<Tree<P>>, Box<Tree<P>>),
    Interleave(Box<Tree<P>>, Box<Tree<P>>),
}

/// Deterministic weights in `[-1, 1] / cols` (each row averages: the map is
/// a contraction in the max norm, so values stay in range).
fn weights(seed: u64, rows: usize, cols: usize) -> DMatrix<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (((rows as u64) << 32) | cols as u64);
    DMatrix::from_fn(rows, cols, |_, _| {
        s = s
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let u = (s >> 11) as f64 / (1u64 << 53) as f64;
        (2.0 * u - 1.0) / cols as f64
    })
}

/// A dense matrix as a test-side `LinearMap` (apply and transpose written
/// with nalgebra, independently of the crate's primitives).
struct MatMap(Arc<DMatrix<f64>>);

impl LinearMap<V, V> for MatMap {
    fn apply(&self, dx: &V) -> V {
        &*self.0 * dx
    }
    fn transpose_add(&self, dy: &V, dx: &mut V) {
        *dx += self.0.tr_mul(dy);
    }
    fn dom_shape(&self) -> usize {
        self.0.ncols()
    }
    fn cod_shape(&self) -> usize {
        self.0.nrows()
    }
}

fn matrix_map<M: Mode>(m: DMatrix<f64>) -> F<M> {
    let m = Arc::new(m);
    DFun::from_linear_map(move |x: &V| (&*m * x, MatMap(m.clone())))
}

/// A fixed linear map from length `from` to length `to` (dense weights
/// in `[-1, 1]/from`, so a contraction in the max norm): how compositions
/// fold lengths together.
///
/// ```
/// use lensdiff::check::strategies::resize;
/// use lensdiff::{DFun, Reverse};
/// use nalgebra::DVector;
/// let f: DFun<DVector<f64>, DVector<f64>, Reverse> = resize(3, 2);
/// let y = f.eval(&DVector::from_element(3, 1.0));
/// assert!(y.len() == 2 && y.amax() <= 1.0);
/// ```
pub fn resize<M: Mode>(from: usize, to: usize) -> F<M> {
    matrix_map(weights(0xC0FFEE, to, from))
}

fn fit<M: Mode>(f: F<M>, len: usize) -> (F<M>, usize) {
    if len > MAX_LEN {
        (f.then(&resize(len, MAX_LEN)), MAX_LEN)
    } else {
        (f, len)
    }
}

/// `a ∘ b` on vectors of lengths `p` and `q`; a side of length one against
/// a longer one is read as a scalar (`at(0)`) so that it broadcasts (a
/// vector of length one does not).
fn broadcast_op<M: Mode>(
    op: &Bin,
    p: usize,
    q: usize,
) -> DFun<(DVector<f64>, DVector<f64>), DVector<f64>, M> {
    let side = |e: Expr<f64>, len: usize, other: usize| {
        if len == 1 && other != 1 { e.at(0) } else { e }
    };
    let (a, b) = (side(Expr::input(0), p, q), side(Expr::input(1), q, p));
    match op {
        Bin::Add => a + b,
        Bin::Sub => a - b,
        Bin::Mul => a * b,
    }
    .compile()
}

fn elem<M: Mode>(e: &Elem) -> F<M> {
    let pos = || ops::square::<f64, M>().then(&ops::offset(1.0));
    match *e {
        Elem::Sin => ops::sin(),
        Elem::Cos => ops::cos(),
        Elem::Tanh => ops::tanh(),
        Elem::ExpTanh => ops::tanh::<f64, M>().then(&ops::exp()),
        Elem::ExpScaled(a) => ops::scale::<f64, M>(a).then(&ops::exp()),
        Elem::Square => ops::square(),
        Elem::CubeTanh => ops::tanh::<f64, M>().then(&ops::powi(3)),
        Elem::Poly(p) => ops::map(move |t: Dual<f64>| {
            c::<Dual<f64>>(p[0]) + t * c(p[1]) + t * t * c(p[2]) + t * t * t * c(p[3])
        }),
        Elem::Scale(a) => ops::scale(a),
        Elem::Offset(b) => ops::offset(b),
        Elem::Neg => ops::neg(),
        Elem::SqrtPos => pos().then(&ops::sqrt()),
        Elem::RecipPos => pos().then(&ops::recip()),
        Elem::LnPos => pos().then(&ops::ln()),
        Elem::Id => id(),
    }
}

fn shape<M: Mode>(s: &Shape, n: usize) -> (F<M>, usize) {
    match *s {
        Shape::Diff if n >= 2 => (ops::diff(), n - 1),
        Shape::Diff2 if n >= 3 => (ops::diff2(), n - 2),
        Shape::Even => (ops::even(), n.div_ceil(2)),
        Shape::Odd if n >= 2 => (ops::odd(), n / 2),
        Shape::Slice(s, l) => {
            let start = s % n;
            let len = 1 + l % (n - start);
            (ops::slice(start, len), len)
        }
        Shape::Shift(k) => {
            let k = k % n;
            (ops::shift(k), n - k)
        }
        Shape::Stride(o, step) => {
            let o = o % n;
            (ops::stride(o, step), (n - o).div_ceil(step))
        }
        Shape::Stencil(ref cs) if n >= cs.len() => (
            Expr::var().linear_stencil("law_stencil", cs).compile(),
            n + 1 - cs.len(),
        ),
        Shape::Matrix(seed, m) => (matrix_map(weights(seed, m, n)), m),
        Shape::Mean => (Expr::var().sum().affine(1.0 / n as f64, 0.0).compile(), 1),
        Shape::MeanSquare => ((Expr::var().norm_squared() * (1.0 / n as f64)).compile(), 1),
        Shape::Last => (Expr::var().last().compile(), 1),
        Shape::AppendMean => {
            let x = Expr::var();
            fit(x.concat(&(x.sum() * (1.0 / n as f64))).compile(), n + 1)
        }
        Shape::Const(seed) => (constant(weights(seed, n, 1).column(0).into_owned()), n),
        _ => (id(), n),
    }
}

fn window<M: Mode>(w: &Win, n: usize) -> (F<M>, usize) {
    match w {
        Win::Prod2 if n >= 2 => (
            ops::stencil(2, |w: &[Dual<f64>]| w[0] * w[1] + w[1].sin()),
            n - 1,
        ),
        Win::Smooth3 if n >= 3 => (
            ops::stencil(3, |w: &[Dual<f64>]| {
                (w[2] - w[0]).tanh() * w[1] + (w[1] - w[0]) * (w[1] - w[0]) * c(0.5)
            }),
            n - 2,
        ),
        _ => (id(), n),
    }
}

/// The tree as a lens in mode `M` on inputs of length `n`, with its output
/// length.
fn build<M: Mode, P: Primitive>(t: &Tree<P>, n: usize) -> (F<M>, usize) {
    match t {
        Tree::User(p) => match p.output_len(n) {
            Some(m) => fit(p.build(n), m),
            None => (id(), n),
        },
        Tree::Elem(e) => (elem(e), n),
        Tree::Shape(s) => shape(s, n),
        Tree::Win(w) => window(w, n),
        Tree::Then(a, b) => {
            let (f, m) = build::<M, P>(a, n);
            let (g, k) = build::<M, P>(b, m);
            (f.then(&g), k)
        }
        Tree::Bin(op, a, b) => {
            let (f, p) = build::<M, P>(a, n);
            let (g, q) = build::<M, P>(b, n);
            let (g, q) = if p == q || p == 1 || q == 1 {
                (g, q)
            } else {
                (g.then(&resize(q, p)), p)
            };
            (fanout(&f, &g).then(&broadcast_op(op, p, q)), p.max(q))
        }
        Tree::Concat(a, b) => {
            let (f, p) = build::<M, P>(a, n);
            let (g, q) = build::<M, P>(b, n);
            fit(fanout(&f, &g).then(&ops::concat()), p + q)
        }
        Tree::Interleave(a, b) => {
            let (f, p) = build::<M, P>(a, n);
            let (g, q) = build::<M, P>(b, n);
            let g = if p == q { g } else { g.then(&resize(q, p)) };
            fit(fanout(&f, &g).then(&ops::interleave()), 2 * p)
        }
    }
}

/// The tree as a map `R^n -> R^n`.
fn endo<M: Mode, P: Primitive>(t: &Tree<P>, n: usize) -> F<M> {
    let (f, m) = build::<M, P>(t, n);
    if m == n { f } else { f.then(&resize(m, n)) }
}

fn arb_elem() -> impl Strategy<Value = Elem> {
    prop_oneof![
        Just(Elem::Sin),
        Just(Elem::Cos),
        Just(Elem::Tanh),
        Just(Elem::ExpTanh),
        (-0.5..0.5f64).prop_map(Elem::ExpScaled),
        Just(Elem::Square),
        Just(Elem::CubeTanh),
        prop::array::uniform4(-0.5..0.5f64).prop_map(Elem::Poly),
        (-1.5..1.5f64).prop_map(Elem::Scale),
        (-0.5..0.5f64).prop_map(Elem::Offset),
        Just(Elem::Neg),
        Just(Elem::SqrtPos),
        Just(Elem::RecipPos),
        Just(Elem::LnPos),
        Just(Elem::Id),
    ]
}

fn arb_shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Diff),
        Just(Shape::Diff2),
        Just(Shape::Even),
        Just(Shape::Odd),
        (0..8usize, 0..8usize).prop_map(|(s, l)| Shape::Slice(s, l)),
        (0..4usize).prop_map(Shape::Shift),
        (0..3usize, 1..4usize).prop_map(|(o, s)| Shape::Stride(o, s)),
        prop::collection::vec(-1.0..1.0f64, 1..4).prop_map(Shape::Stencil),
        (any::<u64>(), 1..=8usize).prop_map(|(s, m)| Shape::Matrix(s, m)),
        Just(Shape::Mean),
        Just(Shape::MeanSquare),
        Just(Shape::Last),
        Just(Shape::AppendMean),
        any::<u64>().prop_map(Shape::Const),
    ]
}

fn arb_tree<P: Primitive>(user: Option<P>) -> BoxedStrategy<Tree<P>> {
    let library = prop_oneof![
        4 => arb_elem().prop_map(Tree::Elem),
        3 => arb_shape().prop_map(Tree::Shape),
        1 => prop_oneof![Just(Win::Prod2), Just(Win::Smooth3)].prop_map(Tree::Win),
    ];
    let leaf = match user {
        Some(p) => prop_oneof![3 => library, 2 => Just(Tree::User(p))].boxed(),
        None => library.boxed(),
    };
    leaf.prop_recursive(4, 24, 2, |inner| {
        let bin = prop_oneof![Just(Bin::Add), Just(Bin::Sub), Just(Bin::Mul)];
        prop_oneof![
            3 => (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Tree::Then(Box::new(a), Box::new(b))),
            2 => (bin, inner.clone(), inner.clone())
                .prop_map(|(op, a, b)| Tree::Bin(op, Box::new(a), Box::new(b))),
            1 => (inner.clone(), inner.clone())
                .prop_map(|(a, b)| Tree::Concat(Box::new(a), Box::new(b))),
            1 => (inner.clone(), inner)
                .prop_map(|(a, b)| Tree::Interleave(Box::new(a), Box::new(b))),
        ]
    })
    .boxed()
}

/// A user's primitive on `DVector<f64>`, as the compositions place it:
/// which input lengths it accepts (and the output length), and the lens
/// at a length, in any mode.
///
/// ```
/// use lensdiff::check::strategies::Primitive;
/// use lensdiff::{ops, DFun, Mode};
/// use nalgebra::{dvector, DVector};
/// /// Pairwise products x_i x_{i+1} (needs two entries).
/// #[derive(Clone, Debug)]
/// struct Pairs;
/// impl Primitive for Pairs {
///     fn output_len(&self, n: usize) -> Option<usize> { (n >= 2).then(|| n - 1) }
///     fn build<M: Mode>(&self, _n: usize) -> DFun<DVector<f64>, DVector<f64>, M> {
///         ops::stencil(2, |w| w[0] * w[1])
///     }
/// }
/// assert_eq!(Pairs.output_len(1), None);
/// assert_eq!(Pairs.build::<lensdiff::Reverse>(3).eval(&dvector![1.0, 2.0, 3.0]), dvector![2.0, 6.0]);
/// ```
pub trait Primitive: Clone + Debug + Send + Sync + 'static {
    /// The output length for inputs of length `n`, or `None` where the
    /// primitive does not apply (the composition then skips it).
    fn output_len(&self, n: usize) -> Option<usize>;
    /// The primitive on inputs of length `n`, in mode `M`.
    fn build<M: Mode>(&self, n: usize) -> DFun<V, V, M>;
}

/// A length-preserving map (written once over the mode) as a
/// [`Primitive`] that applies at every length.
///
/// ```
/// use lensdiff::check::strategies::{LengthPreserving, Primitive};
/// use lensdiff::check::Compiled;
/// use lensdiff::Expr;
/// use nalgebra::DVector;
/// let p = LengthPreserving(Compiled::<DVector<f64>, DVector<f64>>::new(Expr::var().sin()));
/// assert_eq!(p.output_len(4), Some(4));
/// ```
#[derive(Clone, Debug)]
pub struct LengthPreserving<F>(pub F);

impl<F> Primitive for LengthPreserving<F>
where
    F: AnyMode<In = V, Out = V> + Clone + Debug + 'static,
{
    fn output_len(&self, n: usize) -> Option<usize> {
        Some(n)
    }
    fn build<M: Mode>(&self, _n: usize) -> DFun<V, V, M> {
        self.0.build()
    }
}

/// No user primitive: compositions of the library's primitives only.
///
/// ```
/// use lensdiff::check::strategies::{NoPrimitive, Primitive};
/// assert_eq!(NoPrimitive.output_len(3), None);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct NoPrimitive;

impl Primitive for NoPrimitive {
    fn output_len(&self, _n: usize) -> Option<usize> {
        None
    }
    fn build<M: Mode>(&self, _n: usize) -> DFun<V, V, M> {
        id()
    }
}

/// A random composition of primitives (a tree of `then`, `fanout`,
/// concatenation, interleaving over primitive leaves), built at any input
/// length in any mode.
///
/// ```
/// use lensdiff::check::strategies::{library_compositions, Composition, NoPrimitive};
/// use lensdiff::check::check_map;
/// use proptest::strategy::{Strategy, ValueTree};
/// use proptest::test_runner::TestRunner;
/// let mut runner = TestRunner::deterministic();
/// let c: Composition<NoPrimitive> = library_compositions().new_tree(&mut runner).unwrap().current();
/// let x = nalgebra::DVector::from_element(4, 0.25);
/// let r = check_map(&c.endo(4), &x);
/// assert!(r.passed() || r.is_skipped(), "{r}");
/// ```
#[derive(Clone, Debug)]
pub struct Composition<P>(Tree<P>);

impl<P> Tree<P> {
    /// The two sub-trees of a combinator (`None` for a leaf).
    fn children(&self) -> Option<(&Tree<P>, &Tree<P>)> {
        match self {
            Tree::User(_) | Tree::Elem(_) | Tree::Shape(_) | Tree::Win(_) => None,
            Tree::Then(a, b) | Tree::Bin(_, a, b) | Tree::Concat(a, b) | Tree::Interleave(a, b) => {
                Some((a, b))
            }
        }
    }

    /// The number of nodes: primitives and combinators.
    fn size(&self) -> usize {
        self.children().map_or(1, |(a, b)| 1 + a.size() + b.size())
    }

    /// Whether the user's primitive is one of the leaves.
    fn has_user(&self) -> bool {
        match self.children() {
            Some((a, b)) => a.has_user() || b.has_user(),
            None => matches!(self, Tree::User(_)),
        }
    }

    /// Every node, the tree itself first (preorder).
    fn nodes(&self) -> Vec<&Tree<P>> {
        let mut out = vec![self];
        if let Some((a, b)) = self.children() {
            out.extend(a.nodes());
            out.extend(b.nodes());
        }
        out
    }

    /// The node at preorder index `k` (`0` is the tree itself).
    fn node_mut(&mut self, k: usize) -> &mut Tree<P> {
        if k == 0 {
            return self;
        }
        match self {
            Tree::Then(a, b) | Tree::Bin(_, a, b) | Tree::Concat(a, b) | Tree::Interleave(a, b) => {
                let left = a.size();
                if k <= left {
                    a.node_mut(k - 1)
                } else {
                    b.node_mut(k - 1 - left)
                }
            }
            _ => unreachable!("preorder index {k} past a leaf"),
        }
    }
}

impl<P: Clone> Tree<P> {
    /// The one-step simplifications of the tree, most promising first:
    /// the tree with one node replaced by one of its own sub-trees (the
    /// rest of that node dropped), at the root first, sub-trees holding
    /// the user's primitive first and smaller ones first; then a library
    /// leaf replaced by the identity.
    fn simplifications(&self) -> Vec<Tree<P>> {
        let nodes = self.nodes();
        let mut out = Vec::new();
        for (k, node) in nodes.iter().enumerate() {
            let mut inner = node.nodes().split_off(1);
            inner.sort_by_key(|s| (!s.has_user(), s.size()));
            for s in inner {
                let mut t = self.clone();
                *t.node_mut(k) = s.clone();
                out.push(t);
            }
        }
        for (k, node) in nodes.iter().enumerate() {
            let library_leaf = matches!(node, Tree::Elem(_) | Tree::Shape(_) | Tree::Win(_));
            if library_leaf && !matches!(node, Tree::Elem(Elem::Id)) {
                let mut t = self.clone();
                *t.node_mut(k) = Tree::Elem(Elem::Id);
                out.push(t);
            }
        }
        out
    }
}

impl<P> Composition<P> {
    /// The number of nodes: primitives (the user's and the library's) and
    /// the combinators joining them. What shrinking makes small.
    ///
    /// ```
    /// use lensdiff::check::strategies::{library_compositions, Composition, NoPrimitive};
    /// use proptest::strategy::{Strategy, ValueTree};
    /// let mut runner = proptest::test_runner::TestRunner::deterministic();
    /// let c: Composition<NoPrimitive> = library_compositions().new_tree(&mut runner).unwrap().current();
    /// assert!(c.size() >= 1 && c.size() % 2 == 1); // binary combinators over leaves
    /// ```
    pub fn size(&self) -> usize {
        self.0.size()
    }
}

impl<P: Primitive> Composition<P> {
    /// The composition on inputs of length `n`, closed into a map
    /// `Rⁿ → Rⁿ` by a fixed linear map where the output length differs
    /// (so that compositions of these compose).
    ///
    /// ```
    /// # use lensdiff::check::strategies::{library_compositions, NoPrimitive, Composition};
    /// # use proptest::strategy::{Strategy, ValueTree};
    /// # let mut runner = proptest::test_runner::TestRunner::deterministic();
    /// # let c: Composition<NoPrimitive> = library_compositions().new_tree(&mut runner).unwrap().current();
    /// use lensdiff::check::AnyMode;
    /// let f = c.endo(5).build::<lensdiff::Reverse>();
    /// assert_eq!(f.eval(&nalgebra::DVector::zeros(5)).len(), 5);
    /// ```
    pub fn endo(&self, n: usize) -> Built<P> {
        let m = n;
        Built {
            tree: self.0.clone(),
            n,
            endo: true,
            out: m,
        }
    }

    /// The composition on inputs of length `n`, with the output length it
    /// has.
    ///
    /// ```
    /// # use lensdiff::check::strategies::{library_compositions, NoPrimitive, Composition};
    /// # use proptest::strategy::{Strategy, ValueTree};
    /// # let mut runner = proptest::test_runner::TestRunner::deterministic();
    /// # let c: Composition<NoPrimitive> = library_compositions().new_tree(&mut runner).unwrap().current();
    /// use lensdiff::check::AnyMode;
    /// let f = c.at(3);
    /// assert_eq!(f.build::<lensdiff::Forward>().eval(&nalgebra::DVector::zeros(3)).len(), f.output_len());
    /// ```
    pub fn at(&self, n: usize) -> Built<P> {
        let out = build::<crate::Reverse, P>(&self.0, n).1;
        Built {
            tree: self.0.clone(),
            n,
            endo: false,
            out,
        }
    }
}

/// A [`Composition`] at an input length: a map in every mode.
#[derive(Clone, Debug)]
pub struct Built<P> {
    tree: Tree<P>,
    n: usize,
    endo: bool,
    out: usize,
}

impl<P: Primitive> Built<P> {
    /// The input length.
    ///
    /// ```
    /// # use lensdiff::check::strategies::{library_compositions, NoPrimitive, Composition};
    /// # use proptest::strategy::{Strategy, ValueTree};
    /// # let mut runner = proptest::test_runner::TestRunner::deterministic();
    /// # let c: Composition<NoPrimitive> = library_compositions().new_tree(&mut runner).unwrap().current();
    /// assert_eq!(c.endo(4).input_len(), 4);
    /// ```
    pub fn input_len(&self) -> usize {
        self.n
    }
    /// The output length.
    ///
    /// ```
    /// # use lensdiff::check::strategies::{library_compositions, NoPrimitive, Composition};
    /// # use proptest::strategy::{Strategy, ValueTree};
    /// # let mut runner = proptest::test_runner::TestRunner::deterministic();
    /// # let c: Composition<NoPrimitive> = library_compositions().new_tree(&mut runner).unwrap().current();
    /// assert_eq!(c.endo(4).output_len(), 4);
    /// ```
    pub fn output_len(&self) -> usize {
        self.out
    }
}

impl<P: Primitive> AnyMode for Built<P> {
    type In = V;
    type Out = V;
    fn build<M: Mode>(&self) -> DFun<V, V, M> {
        if self.endo {
            endo::<M, P>(&self.tree, self.n)
        } else {
            build::<M, P>(&self.tree, self.n).0
        }
    }
}

/// Draws a composition with `trees`, then shrinks it by dropping nodes
/// ([`Shrinking`]).
///
/// Proptest's own shrinking of the recursive strategy (`prop_recursive`
/// over `prop_map`s of pairs) cannot drop a node: a `Then(a, b)` shrinks
/// `a` and `b` in place, and the union at each level can only trade a
/// sub-tree for a freshly drawn leaf, which rarely holds the user's
/// primitive, so such steps pass and are undone while the budget of
/// shrinking runs (four per case) goes on the leaves' parameters. A
/// failing law check stopped at about ten nodes per composition. Here a
/// node is replaced by one of its own sub-trees, which keeps what fails
/// (the suite's planted bug: from 11, 11 and 9 nodes to one each).
#[derive(Debug)]
struct Compositions<P> {
    trees: BoxedStrategy<Tree<P>>,
}

impl<P: Primitive> Strategy for Compositions<P> {
    type Tree = Shrinking<P>;
    type Value = Composition<P>;
    fn new_tree(&self, runner: &mut TestRunner) -> NewTree<Self> {
        Ok(Shrinking::new(self.trees.new_tree(runner)?.current()))
    }
}

/// A composition's value tree. Proptest calls `simplify` after a failing
/// case and `complicate` after a passing one: a failing candidate becomes
/// the composition to shrink further (its own simplifications are tried
/// next), a passing one is dropped for the next simplification of the
/// last failing composition.
#[derive(Clone, Debug)]
struct Shrinking<P> {
    /// The last composition known to fail (at first, the one drawn).
    failing: Tree<P>,
    /// Simplifications of `failing` not tried yet, the next one last
    /// (listed at the first shrinking step: a passing case needs none).
    untried: Option<Vec<Tree<P>>>,
    /// The simplification under test.
    candidate: Option<Tree<P>>,
}

impl<P: Clone> Shrinking<P> {
    fn new(tree: Tree<P>) -> Self {
        Shrinking {
            failing: tree,
            untried: None,
            candidate: None,
        }
    }

    /// The next simplification of `failing` not tried yet.
    fn next_untried(&mut self) -> Option<Tree<P>> {
        let failing = &self.failing;
        let untried = self.untried.get_or_insert_with(|| {
            let mut all = failing.simplifications();
            all.reverse();
            all
        });
        untried.pop()
    }
}

impl<P: Primitive> ValueTree for Shrinking<P> {
    type Value = Composition<P>;

    fn current(&self) -> Composition<P> {
        Composition(self.candidate.as_ref().unwrap_or(&self.failing).clone())
    }

    fn simplify(&mut self) -> bool {
        if let Some(t) = self.candidate.take() {
            *self = Shrinking::new(t);
        }
        self.candidate = self.next_untried();
        self.candidate.is_some()
    }

    fn complicate(&mut self) -> bool {
        if self.candidate.take().is_none() {
            return false;
        }
        // The next simplification; with none left, back to the last failing
        // composition (run once more, after which `simplify` says it is
        // done, so that the other values of a tuple shrink in turn: a tuple
        // stops shrinking altogether when one value cannot complicate).
        self.candidate = self.next_untried();
        true
    }
}

/// Random compositions of the library's primitives with `p` inserted at
/// random leaves (about two leaves in five). A failing case shrinks by
/// dropping nodes, toward the few that still fail.
///
/// ```
/// use lensdiff::check::strategies::{compositions, LengthPreserving};
/// use lensdiff::check::Compiled;
/// use lensdiff::Expr;
/// use nalgebra::DVector;
/// use proptest::strategy::{Strategy, ValueTree};
/// let p = LengthPreserving(Compiled::<DVector<f64>, DVector<f64>>::new(Expr::var().cos()));
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// let c = compositions(p).new_tree(&mut runner).unwrap().current();
/// // Each drawn composition is a map in every mode: check it like your own.
/// lensdiff::check::assert_map(&c.endo(4), &DVector::from_vec(vec![0.3, -0.2, 0.5, 0.1]));
/// ```
pub fn compositions<P: Primitive>(p: P) -> impl Strategy<Value = Composition<P>> {
    Compositions {
        trees: arb_tree(Some(p)),
    }
}

/// Random compositions of the library's primitives alone.
///
/// ```
/// use lensdiff::check::strategies::library_compositions;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// let c = library_compositions().new_tree(&mut runner).unwrap().current();
/// lensdiff::check::assert_map(&c.endo(3), &nalgebra::DVector::from_vec(vec![0.3, -0.2, 0.5]));
/// ```
pub fn library_compositions() -> impl Strategy<Value = Composition<NoPrimitive>> {
    Compositions {
        trees: arb_tree::<NoPrimitive>(None),
    }
}

/// Points of `[-1, 1]ⁿ` with `n` in `1..=max_len`.
///
/// ```
/// use lensdiff::check::strategies::points;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// let x = points(5).new_tree(&mut runner).unwrap().current();
/// assert!((1..=5).contains(&x.len()) && x.amax() <= 1.0);
/// ```
pub fn points(max_len: usize) -> impl Strategy<Value = V> {
    (1..=max_len.max(1)).prop_flat_map(points_of_len)
}

/// Points of `[-1, 1]ⁿ` for one `n`.
///
/// ```
/// use lensdiff::check::strategies::points_of_len;
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// assert_eq!(points_of_len(3).new_tree(&mut runner).unwrap().current().len(), 3);
/// ```
pub fn points_of_len(n: usize) -> impl Strategy<Value = V> {
    prop::collection::vec(-1.0..1.0f64, n).prop_map(V::from_vec)
}

/// Points of any space of `f64` scalars with the given shape (flat
/// entries in `[-1, 1]`).
///
/// ```
/// use lensdiff::check::strategies::points_in;
/// use nalgebra::{DVector, SVector};
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// type X = (SVector<f64, 3>, DVector<f64>);
/// let x: X = points_in::<X>(((), 2)).new_tree(&mut runner).unwrap().current();
/// assert_eq!(x.1.len(), 2);
/// ```
pub fn points_in<X: Space<Scalar = f64>>(shape: X::Shape) -> impl Strategy<Value = X> {
    let n = X::dim_of(&shape);
    prop::collection::vec(-1.0..1.0f64, n).prop_map(move |v| X::read_flat(&shape, &v))
}

/// Check settings for `f64` with a random seed (random directions per case).
///
/// ```
/// use lensdiff::check::{strategies::options, Options};
/// use proptest::strategy::{Strategy, ValueTree};
/// let mut runner = proptest::test_runner::TestRunner::deterministic();
/// let o = options().new_tree(&mut runner).unwrap().current();
/// // The tolerances for f64; only the seed of the random directions varies.
/// assert_eq!(o.fd_tol, Options::for_scalar::<f64>().fd_tol);
/// ```
pub fn options() -> impl Strategy<Value = Options> {
    any::<u64>().prop_map(|s| Options::for_scalar::<f64>().with_seed(s))
}

impl Report {
    /// As a proptest case: a skipped case (a value not finite or too
    /// large, which says nothing about a law) is rejected, a failed one
    /// fails with the report.
    ///
    /// ```
    /// use lensdiff::check::Report;
    /// let mut r = Report::new("f");
    /// r.skip("overflow");
    /// assert!(matches!(r.into_test_case(), Err(proptest::test_runner::TestCaseError::Reject(_))));
    /// ```
    pub fn into_test_case(self) -> Result<(), TestCaseError> {
        if self.failures().next().is_some() {
            Err(TestCaseError::fail(self.to_string()))
        } else if self.is_skipped() {
            Err(TestCaseError::reject(self.skipped().join("; ")))
        } else {
            Ok(())
        }
    }
}

/// Every law for three random compositions at `x` (all closed into maps
/// `Rⁿ → Rⁿ` where needed), every mode: identity, associativity of
/// `f ; g ; h`, the projections of `fanout(f, g)`, `par(f, g)` at
/// `(x, x)`, the chain rule of `f ; g`, and [`check_map`](super::check_map)
/// of `f` (modes, finite differences, adjointness).
pub fn laws_hold<P: Primitive>(
    f: &Composition<P>,
    g: &Composition<P>,
    h: &Composition<P>,
    x: &V,
) -> Result<(), TestCaseError> {
    let opts = Options::for_scalar::<f64>();
    let n = x.len();
    let (fe, ge, he) = (f.endo(n), g.endo(n), h.endo(n));
    let (fo, go) = (f.at(n), g.at(n));
    let mut r = Report::new(laws::LAWS);
    r.merge(laws::identity(&fo, x, &opts));
    r.merge(laws::associativity(&fe, &ge, &he, x, &opts));
    r.merge(laws::projections(&fo, &go, x, &opts));
    r.merge(laws::par_as_fanout(
        &fo,
        &go,
        &(x.clone(), x.clone()),
        &opts,
    ));
    r.merge(laws::chain_rule(&fo, &g.at(fo.output_len()), x, &opts));
    let mut modes = check_map_with(&fo, x, &opts);
    modes.subject = laws::LAWS.to_string();
    r.merge(modes);
    r.into_test_case()
}
