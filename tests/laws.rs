//! The laws of the lens category, as properties over *random compositions*
//! of primitives, checked in every mode.
//!
//! A [`Tree`] describes a map `DVector(n) -> DVector(m)` built from
//! elementwise primitives, shape-changing linear maps, nonlinear stencils,
//! composition, and binary combinations through `fanout` (`add`, `sub`,
//! `mul`, `concat`, `interleave`). [`build`] instantiates the same tree as a
//! `DFun` in any mode `M`, tracking lengths; [`endo`] closes it into a map
//! `R^n -> R^n` with a fixed test-side linear map when the lengths differ.
//!
//! Oracles: the other modes, central finite differences (a five-point
//! Richardson stencil on `eval`), and hand-assembled block Jacobians.

use lensdiff::linear::LinearMap;
use lensdiff::{
    DFun, Dense, Dual, Expr, Forward, Mode, Reverse, Space, c, compose, constant, dup, fanout, fst,
    grad, id, inl, inr, jacobian_dense, jacobian_fwd, jacobian_rev, jam, join, ops, par, snd,
};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use std::sync::Arc;

type V = DVector<f64>;
type F<M> = DFun<V, V, M>;
type Checked = Result<(), TestCaseError>;

/// Longest intermediate vector; longer results are folded back by a
/// linear map.
const MAX_LEN: usize = 10;

// ------------------------------------------------------------------ trees

/// Elementwise primitives (length-preserving), chosen so that values stay
/// moderate: `exp` only of `tanh` or of a small multiple, `ln`, `sqrt` and
/// `recip` only of `1 + x²`.
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

#[derive(Clone, Copy, Debug)]
enum Bin {
    Add,
    Sub,
    Mul,
}

/// A random composition of primitives.
#[derive(Clone, Debug)]
enum Tree {
    Elem(Elem),
    Shape(Shape),
    Win(Win),
    Then(Box<Tree>, Box<Tree>),
    /// `fanout(f, g).then(op)`; a length-one side broadcasts, otherwise `g`
    /// is folded to `f`'s length.
    Bin(Bin, Box<Tree>, Box<Tree>),
    Concat(Box<Tree>, Box<Tree>),
    Interleave(Box<Tree>, Box<Tree>),
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

/// A fixed linear map from length `from` to length `to`.
fn resize<M: Mode>(from: usize, to: usize) -> F<M> {
    matrix_map(weights(0xC0FFEE, to, from))
}

fn fit<M: Mode>(f: F<M>, len: usize) -> (F<M>, usize) {
    if len > MAX_LEN {
        (f.then(&resize(len, MAX_LEN)), MAX_LEN)
    } else {
        (f, len)
    }
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

/// `a ∘ b` on vectors of lengths `p` and `q`; a side of length one against
/// a longer one is read as a scalar (`at(0)`) so that it broadcasts (a
/// vector of length one does not).
fn broadcast_op<M: Mode>(op: &Bin, p: usize, q: usize) -> DFun<(V, V), V, M> {
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

/// The tree as a lens in mode `M` on inputs of length `n`, with its output
/// length.
fn build<M: Mode>(t: &Tree, n: usize) -> (F<M>, usize) {
    match t {
        Tree::Elem(e) => (elem(e), n),
        Tree::Shape(s) => shape(s, n),
        Tree::Win(w) => window(w, n),
        Tree::Then(a, b) => {
            let (f, m) = build::<M>(a, n);
            let (g, k) = build::<M>(b, m);
            (f.then(&g), k)
        }
        Tree::Bin(op, a, b) => {
            let (f, p) = build::<M>(a, n);
            let (g, q) = build::<M>(b, n);
            let (g, q) = if p == q || p == 1 || q == 1 {
                (g, q)
            } else {
                (g.then(&resize(q, p)), p)
            };
            (fanout(&f, &g).then(&broadcast_op(op, p, q)), p.max(q))
        }
        Tree::Concat(a, b) => {
            let (f, p) = build::<M>(a, n);
            let (g, q) = build::<M>(b, n);
            fit(fanout(&f, &g).then(&ops::concat()), p + q)
        }
        Tree::Interleave(a, b) => {
            let (f, p) = build::<M>(a, n);
            let (g, q) = build::<M>(b, n);
            let g = if p == q { g } else { g.then(&resize(q, p)) };
            fit(fanout(&f, &g).then(&ops::interleave()), 2 * p)
        }
    }
}

/// The tree as a map `R^n -> R^n`.
fn endo<M: Mode>(t: &Tree, n: usize) -> F<M> {
    let (f, m) = build::<M>(t, n);
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

fn arb_tree() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        4 => arb_elem().prop_map(Tree::Elem),
        3 => arb_shape().prop_map(Tree::Shape),
        1 => prop_oneof![Just(Win::Prod2), Just(Win::Smooth3)].prop_map(Tree::Win),
    ];
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
}

/// A point in `[-1, 1]^n`, `n` in `1..=8`.
fn arb_point() -> impl Strategy<Value = V> {
    (1..=8usize).prop_flat_map(|n| prop::collection::vec(-1.0..1.0f64, n).prop_map(V::from_vec))
}

/// Spare random numbers, truncated to whatever length a law needs.
fn arb_spare() -> impl Strategy<Value = Vec<f64>> {
    prop::collection::vec(-1.0..1.0f64, 2 * MAX_LEN + 2)
}

fn take(spare: &[f64], n: usize) -> V {
    V::from_column_slice(&spare[..n])
}

// ---------------------------------------------------------------- oracles

/// The Jacobian in a mode's own way: forward by pushforwards, reverse by
/// pullbacks, dense from the composed matrix.
trait JacMode: Mode {
    fn jac<A: Space<Scalar = f64>, B: Space<Scalar = f64>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<f64>;
}

impl JacMode for Forward {
    fn jac<A: Space<Scalar = f64>, B: Space<Scalar = f64>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<f64> {
        jacobian_fwd(f, x)
    }
}

impl JacMode for Reverse {
    fn jac<A: Space<Scalar = f64>, B: Space<Scalar = f64>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<f64> {
        jacobian_rev(f, x)
    }
}

impl JacMode for Dense {
    fn jac<A: Space<Scalar = f64>, B: Space<Scalar = f64>>(
        f: &DFun<A, B, Self>,
        x: &A,
    ) -> DMatrix<f64> {
        jacobian_dense(f, x)
    }
}

fn amax(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// `max |a − b| ≤ tol · (1 + max(|a|, |b|))`.
fn close(a: &[f64], b: &[f64], tol: f64, what: &str) -> Checked {
    prop_assert_eq!(a.len(), b.len(), "{}: lengths differ", what);
    prop_assert!(
        a.iter().chain(b).all(|v| v.is_finite()),
        "{}: not finite",
        what
    );
    let scale = 1.0 + amax(a).max(amax(b));
    let err = a
        .iter()
        .zip(b)
        .fold(0.0f64, |m, (x, y)| m.max((x - y).abs()));
    prop_assert!(
        err <= tol * scale,
        "{}: max difference {:e} > {:e}\n a = {:?}\n b = {:?}",
        what,
        err,
        tol * scale,
        a,
        b
    );
    Ok(())
}

fn close_mat(a: &DMatrix<f64>, b: &DMatrix<f64>, tol: f64, what: &str) -> Checked {
    prop_assert_eq!(a.shape(), b.shape(), "{}: Jacobian shapes differ", what);
    close(a.as_slice(), b.as_slice(), tol, what)
}

/// Two lenses agree at `x`: value-only path, linearised value, Jacobian.
fn same_lens<A, B, M>(f: &DFun<A, B, M>, g: &DFun<A, B, M>, x: &A, tol: f64, what: &str) -> Checked
where
    A: Space<Scalar = f64>,
    B: Space<Scalar = f64>,
    M: JacMode,
{
    let (fy, gy) = (f.eval(x), g.eval(x));
    // Random compositions can overflow (exp of a large product); such a
    // case says nothing about the law and is discarded.
    prop_assume!(fy.to_flat().iter().all(|v| v.is_finite() && v.abs() < 1e8));
    close(
        &fy.to_flat(),
        &gy.to_flat(),
        tol,
        &format!("{what} [{}] value", M::NAME),
    )?;
    close(
        &f.linearize(x).0.to_flat(),
        &fy.to_flat(),
        0.0,
        &format!("{what} [{}] linearize value = eval", M::NAME),
    )?;
    close_mat(
        &M::jac(f, x),
        &M::jac(g, x),
        tol,
        &format!("{what} [{}] Jacobian", M::NAME),
    )
}

/// Central differences, five-point (error O(h⁴)).
fn fd_jacobian<A: Space<Scalar = f64>, B: Space<Scalar = f64>>(
    f: impl Fn(&A) -> B,
    x: &A,
    h: f64,
) -> DMatrix<f64> {
    let shape = x.shape();
    let x0 = x.to_flat();
    let m = f(x).dim();
    let mut j = DMatrix::zeros(m, x0.len());
    for k in 0..x0.len() {
        let at = |d: f64| {
            let mut z = x0.clone();
            z[k] += d;
            f(&A::read_flat(&shape, &z)).to_flat()
        };
        let (p1, m1, p2, m2) = (at(h), at(-h), at(2.0 * h), at(-2.0 * h));
        for i in 0..m {
            j[(i, k)] = (8.0 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12.0 * h);
        }
    }
    j
}

/// Jacobian against finite differences. The differences are taken at `h`
/// and `h/2`; their disagreement estimates the truncation error (O(h⁴)) of
/// the finer one and widens the tolerance, so a rapidly varying composite
/// does not fail for the oracle's sake, while a wrong derivative (an O(1)
/// relative error) still does.
fn check_fd<A: Space<Scalar = f64>, B: Space<Scalar = f64>>(
    j: &DMatrix<f64>,
    f: impl Fn(&A) -> B,
    x: &A,
    what: &str,
) -> Checked {
    // The step shrinks when the map varies fast (a large Jacobian), so
    // that `h · |J|` stays small; round-off grows like ε |f| / h.
    let h = 1e-3 / (1.0 + j.amax() / 10.0);
    let coarse = fd_jacobian(&f, x, h);
    let fine = fd_jacobian(&f, x, h / 2.0);
    prop_assert_eq!(j.shape(), fine.shape());
    let fmax = amax(&f(x).to_flat());
    let err = (j - &fine).amax();
    let spread = (&coarse - &fine).amax();
    let roundoff = 100.0 * f64::EPSILON * (1.0 + fmax) / h;
    let tol = 1e-6 * (1.0 + j.amax()) + roundoff + 2.0 * spread;
    prop_assert!(
        err <= tol,
        "{}: |J − J_fd| = {:e} > {:e}\nJ = {}\nJ_fd = {}",
        what,
        err,
        tol,
        j,
        fine
    );
    Ok(())
}

// ------------------------------------------------------------------- laws

fn identity_law<M: JacMode>(t: &Tree, x: &V) -> Checked {
    let f = endo::<M>(t, x.len());
    same_lens(&f.then(&id()), &f, x, 0.0, "f.then(id) = f")?;
    same_lens(&id().then(&f), &f, x, 0.0, "id.then(f) = f")?;
    same_lens(&compose(&f, &id()), &f, x, 0.0, "f ∘ id = f")
}

fn assoc_law<M: JacMode>(t: (&Tree, &Tree, &Tree), x: &V) -> Checked {
    let n = x.len();
    let (f, g, h) = (endo::<M>(t.0, n), endo::<M>(t.1, n), endo::<M>(t.2, n));
    same_lens(
        &f.then(&g).then(&h),
        &f.then(&g.then(&h)),
        x,
        1e-13,
        "(f;g);h = f;(g;h)",
    )
}

fn projection_law<M: JacMode>(a: &Tree, b: &Tree, x: &V) -> Checked {
    let n = x.len();
    let (f, _) = build::<M>(a, n);
    let (g, _) = build::<M>(b, n);
    let fg = fanout(&f, &g);
    same_lens(&fg.then(&fst()), &f, x, 0.0, "fst ∘ fanout(f, g) = f")?;
    same_lens(&fg.then(&snd()), &g, x, 0.0, "snd ∘ fanout(f, g) = g")
}

fn par_law<M: JacMode>(a: &Tree, b: &Tree, x: &(V, V)) -> Checked {
    let (f, _) = build::<M>(a, x.0.len());
    let (g, _) = build::<M>(b, x.1.len());
    let lhs = par(&f, &g);
    let rhs = fanout(&fst().then(&f), &snd().then(&g));
    same_lens(&lhs, &rhs, x, 0.0, "par(f, g) = fanout(f ∘ fst, g ∘ snd)")
}

fn cocartesian_law<M: JacMode>(a: &Tree, b: &Tree, x: &(V, V)) -> Checked {
    let (f, p) = build::<M>(a, x.0.len());
    let (g, q) = build::<M>(b, x.1.len());
    let g = if p == q { g } else { g.then(&resize(q, p)) };
    let j = join(&f, &g);
    same_lens(
        &j,
        &compose(&jam(), &par(&f, &g)),
        x,
        0.0,
        "join = jam ∘ par",
    )?;
    // Independent: join(f, g)(a, b) = f(a) + g(b), J = [J_f  J_g].
    close(
        j.eval(x).as_slice(),
        (f.eval(&x.0) + g.eval(&x.1)).as_slice(),
        1e-15,
        "join value",
    )?;
    let (jf, jg) = (M::jac(&f, &x.0), M::jac(&g, &x.1));
    let mut blocks = DMatrix::zeros(p, x.0.len() + x.1.len());
    blocks.columns_mut(0, x.0.len()).copy_from(&jf);
    blocks.columns_mut(x.0.len(), x.1.len()).copy_from(&jg);
    close_mat(&M::jac(&j, x), &blocks, 0.0, "J_join = [J_f J_g]")?;
    // Injections: fst ∘ inl = id, snd ∘ inr = id, jam ∘ inl = id,
    // snd ∘ inl = 0, jam ∘ dup = 2·id.

    let fi = f.then(&inl::<V, V, M>(p));
    same_lens(&fi.then(&fst()), &f, &x.0, 0.0, "fst ∘ inl = id")?;
    same_lens(&fi.then(&jam()), &f, &x.0, 0.0, "jam ∘ inl = id")?;
    let zero = fi.then(&snd());
    prop_assert!(zero.eval(&x.0).iter().all(|v| *v == 0.0));
    prop_assert!(M::jac(&zero, &x.0).iter().all(|v| *v == 0.0));
    let gi = g.then(&inr::<V, V, M>(p));
    same_lens(&gi.then(&snd()), &g, &x.1, 0.0, "snd ∘ inr = id")?;
    let twice = f.then(&dup()).then(&jam());
    same_lens(
        &twice,
        &f.then(&ops::scale(2.0)),
        &x.0,
        1e-15,
        "jam ∘ dup = 2·id",
    )
}

// ---------------------------------------------------------- Expr trees

/// A random expression over the input with sharing: `Let` binds a
/// sub-expression that `Var` may read several times, `Twice` uses one node
/// twice directly.
#[derive(Clone, Debug)]
enum ETree {
    Var(usize),
    Unary(u8, Box<ETree>),
    Affine(f64, f64, Box<ETree>),
    Bin(u8, Box<ETree>, Box<ETree>),
    Broadcast(bool, Box<ETree>, Box<ETree>),
    Let(Box<ETree>, Box<ETree>),
    Twice(Box<ETree>),
    Rotate(Box<ETree>),
    DiffPad(Box<ETree>),
    StencilPad(Box<ETree>),
}

fn expr(t: &ETree, env: &mut Vec<Expr<f64>>) -> Expr<f64> {
    match t {
        ETree::Var(k) => env[k % env.len()].clone(),
        ETree::Unary(k, a) => {
            let a = expr(a, env);
            match k % 10 {
                0 => a.sin(),
                1 => a.cos(),
                2 => a.tanh(),
                3 => a.tanh().exp(),
                4 => a.square(),
                5 => (a.square() + 1.0).sqrt(),
                6 => (a.square() + 1.0).recip(),
                7 => a.ln_1p_square(),
                8 => a.tanh().powi(3),
                _ => a.map(|t| t * t * c(0.25) - t.sin()),
            }
        }
        ETree::Affine(p, q, a) => expr(a, env).affine(*p, *q),
        ETree::Bin(k, a, b) => {
            let (a, b) = (expr(a, env), expr(b, env));
            match k % 4 {
                0 => a + b,
                1 => a - b,
                2 => a * b,
                _ => a / (b.square() + 1.0),
            }
        }
        ETree::Broadcast(first, a, b) => {
            let (a, b) = (expr(a, env), expr(b, env));
            if *first {
                a * b.at(0)
            } else {
                b.sum().tanh() + a
            }
        }
        ETree::Let(a, b) => {
            let s = expr(a, env);
            env.push(s);
            let r = expr(b, env);
            env.pop();
            r
        }
        ETree::Twice(a) => {
            let s = expr(a, env);
            s.clone() * s.sin()
        }
        ETree::Rotate(a) => {
            let a = expr(a, env);
            a.shift(1).concat(&a.at(0))
        }
        ETree::DiffPad(a) => {
            let a = expr(a, env);
            a.diff().concat(&a.last())
        }
        ETree::StencilPad(a) => {
            let a = expr(a, env);
            a.stencil(3, |w| w[0] * w[2] - (w[1] - w[2]).tanh())
                .concat(&a.slice(0, 2))
        }
    }
}

fn reduce(k: u8, e: &Expr<f64>) -> Expr<f64> {
    match k % 5 {
        0 => e.sum(),
        1 => e.norm_squared(),
        2 => e.dot(&e.sin()),
        3 => e.last() * e.at(0),
        _ => e.sum().tanh() * e.norm_squared(),
    }
}

fn arb_etree() -> impl Strategy<Value = ETree> {
    (0..3usize)
        .prop_map(ETree::Var)
        .prop_recursive(5, 32, 2, |inner| {
            prop_oneof![
                3 => (any::<u8>(), inner.clone()).prop_map(|(k, a)| ETree::Unary(k, Box::new(a))),
                1 => (-1.5..1.5f64, -0.5..0.5f64, inner.clone())
                    .prop_map(|(p, q, a)| ETree::Affine(p, q, Box::new(a))),
                2 => (any::<u8>(), inner.clone(), inner.clone())
                    .prop_map(|(k, a, b)| ETree::Bin(k, Box::new(a), Box::new(b))),
                1 => (any::<bool>(), inner.clone(), inner.clone())
                    .prop_map(|(f, a, b)| ETree::Broadcast(f, Box::new(a), Box::new(b))),
                2 => (inner.clone(), inner.clone())
                    .prop_map(|(a, b)| ETree::Let(Box::new(a), Box::new(b))),
                1 => inner.clone().prop_map(|a| ETree::Twice(Box::new(a))),
                1 => inner.clone().prop_map(|a| ETree::Rotate(Box::new(a))),
                1 => inner.clone().prop_map(|a| ETree::DiffPad(Box::new(a))),
                1 => inner.prop_map(|a| ETree::StencilPad(Box::new(a))),
            ]
        })
}

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// 1. `f.then(id) = f = id.then(f)`, values and Jacobians, every mode.
    #[test]
    fn category_identity(t in arb_tree(), x in arb_point()) {
        identity_law::<Forward>(&t, &x)?;
        identity_law::<Reverse>(&t, &x)?;
        identity_law::<Dense>(&t, &x)?;
    }

    /// 2. `(f;g);h = f;(g;h)`, values and Jacobians, every mode.
    #[test]
    fn category_associativity(
        f in arb_tree(), g in arb_tree(), h in arb_tree(), x in arb_point()
    ) {
        assoc_law::<Forward>((&f, &g, &h), &x)?;
        assoc_law::<Reverse>((&f, &g, &h), &x)?;
        assoc_law::<Dense>((&f, &g, &h), &x)?;
    }

    /// 3. `fst ∘ fanout(f, g) = f`, `snd ∘ fanout(f, g) = g`.
    #[test]
    fn cartesian_projections(f in arb_tree(), g in arb_tree(), x in arb_point()) {
        projection_law::<Forward>(&f, &g, &x)?;
        projection_law::<Reverse>(&f, &g, &x)?;
        projection_law::<Dense>(&f, &g, &x)?;
    }

    /// 4. `par(f, g) = fanout(f ∘ fst, g ∘ snd)` on pairs.
    #[test]
    fn cartesian_par(f in arb_tree(), g in arb_tree(), a in arb_point(), b in arb_point()) {
        let x = (a, b);
        par_law::<Forward>(&f, &g, &x)?;
        par_law::<Reverse>(&f, &g, &x)?;
        par_law::<Dense>(&f, &g, &x)?;
    }

    /// 5. The chain rule: the Jacobian of `g ∘ f` equals central
    /// differences of its value, and equals `J_g(f(x)) · J_f(x)`.
    #[test]
    fn chain_rule(f in arb_tree(), g in arb_tree(), x in arb_point()) {
        let n = x.len();
        let (fr, m) = build::<Reverse>(&f, n);
        let (gr, _) = build::<Reverse>(&g, m);
        let h = fr.then(&gr);
        let y = h.eval(&x);
        let jh = jacobian_rev(&h, &x);
        prop_assume!(amax(y.as_slice()) < 1e6 && jh.amax() < 1e6);
        check_fd(&jh, |z: &V| h.eval(z), &x, "J_{g∘f} vs finite differences")?;
        let (ff, _) = build::<Forward>(&f, n);
        let (gf, _) = build::<Forward>(&g, m);
        let product = jacobian_fwd(&gf, &ff.eval(&x)) * jacobian_fwd(&ff, &x);
        close_mat(&jh, &product, 1e-12, "J_{g∘f} = J_g J_f")?;
    }

    /// 6. Forward Jacobian = reverse Jacobian = dense-mode Jacobian.
    #[test]
    fn modes_agree(t in arb_tree(), x in arb_point()) {
        let n = x.len();
        let jf = jacobian_fwd(&build::<Forward>(&t, n).0, &x);
        let jr = jacobian_rev(&build::<Reverse>(&t, n).0, &x);
        let jd = jacobian_dense(&build::<Dense>(&t, n).0, &x);
        close_mat(&jf, &jr, 1e-13, "forward = reverse")?;
        close_mat(&jf, &jd, 1e-13, "forward = dense")?;
        let (y, d) = build::<Dense>(&t, n).0.linearize(&x);
        let v = V::from_fn(n, |i, _| (i as f64 + 0.5).sin());
        close(
            d.apply(&v).as_slice(),
            (&jd * &v).as_slice(),
            1e-13,
            "DenseLin::apply = J v",
        )?;
        prop_assert_eq!(y, build::<Forward>(&t, n).0.eval(&x));
    }

    /// 7. Adjointness `⟨J v, w⟩ = ⟨v, Jᵀ w⟩` (pushforward against pullback).
    #[test]
    fn adjointness(t in arb_tree(), x in arb_point(), spare in arb_spare()) {
        let n = x.len();
        let (ff, m) = build::<Forward>(&t, n);
        let (fr, _) = build::<Reverse>(&t, n);
        let (v, w) = (take(&spare, n), take(&spare[MAX_LEN + 1..], m));
        let jv = ff.linearize(&x).1.apply(&v);
        let jtw = fr.linearize(&x).1.pull(&w);
        let (lhs, rhs) = (jv.dot(&w), v.dot(&jtw));
        let scale = 1.0 + jv.norm() * w.norm() + v.norm() * jtw.norm();
        prop_assert!(
            (lhs - rhs).abs() <= 1e-13 * scale,
            "⟨Jv, w⟩ = {lhs:e}, ⟨v, Jᵀw⟩ = {rhs:e}"
        );
        // Pullbacks accumulate: pull_add onto a nonzero start adds Jᵀ w.
        let mut acc = v.clone();
        fr.linearize(&x).1.pull_add(&w, &mut acc);
        close(acc.as_slice(), (&v + &jtw).as_slice(), 1e-15, "pull_add accumulates")?;
    }

    /// 8. Cocartesian structure: `join(f, g) = jam ∘ par(f, g)`, the
    /// injections and `jam ∘ dup`.
    #[test]
    fn cocartesian(f in arb_tree(), g in arb_tree(), a in arb_point(), b in arb_point()) {
        let x = (a, b);
        cocartesian_law::<Forward>(&f, &g, &x)?;
        cocartesian_law::<Reverse>(&f, &g, &x)?;
        cocartesian_law::<Dense>(&f, &g, &x)?;
    }

    /// Expression trees with shared sub-expressions, reduced to a scalar:
    /// the reverse gradient equals central differences and the forward
    /// Jacobian row.
    #[test]
    fn expr_grad_matches_finite_differences(
        t in arb_etree(),
        k in any::<u8>(),
        x in (2..=8usize).prop_flat_map(|n| {
            prop::collection::vec(-1.0..1.0f64, n).prop_map(V::from_vec)
        }),
    ) {
        let x0 = Expr::var();
        let mut env = vec![x0.clone(), x0.sin(), x0.square()];
        let e = reduce(k, &expr(&t, &mut env));
        let f: DFun<V, f64, Reverse> = e.compile();
        let y = f.eval(&x);
        let g = grad(&f, &x);
        prop_assume!(y.abs() < 1e6 && g.amax() < 1e6);
        let row = DMatrix::from_row_slice(1, x.len(), g.as_slice());
        check_fd(&row, |z: &V| f.eval(z), &x, "grad vs finite differences")?;
        let ff: DFun<V, f64, Forward> = e.compile();
        close(jacobian_fwd(&ff, &x).as_slice(), g.as_slice(), 1e-13, "forward row = grad")?;
    }
}
