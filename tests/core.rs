//! Literal tests of the lens core: every primitive of `ops` against a
//! hand-written derivative (and central differences as a check on the hand
//! formula) in forward and reverse mode; dual numbers against central
//! differences; evaluation counts for shared sub-expressions; error
//! messages; the `Space` implementations. The finite differences are the
//! public checker's (`lensdiff::check::fd_jacobian`).

use lensdiff::check::fd_jacobian;
use lensdiff::graph::{Ctx, Op};
use lensdiff::{
    DFun, Dual, DualN, Error, Expr, Forward, Reverse, Space, c, grad, jacobian_fwd, jacobian_rev,
    ops, try_compose_at, try_value_and_grad, value_and_grad,
};
use nalgebra::{DMatrix, DVector, SVector, dvector};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

type V = DVector<f64>;

// ---------------------------------------------------------------- helpers

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let scale = 1.0 + a.iter().chain(b).fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}: entry {i}: {x:e} vs {y:e}\n a = {a:?}\n b = {b:?}"
        );
    }
}

fn assert_mat(a: &DMatrix<f64>, b: &DMatrix<f64>, tol: f64, what: &str) {
    assert_eq!(a.shape(), b.shape(), "{what}: shapes differ");
    assert_close(a.as_slice(), b.as_slice(), tol, what);
}

/// A primitive, given in forward and reverse mode, has the hand-written
/// value and Jacobian at `x`; central differences agree with the hand
/// Jacobian too (so a wrong formula in the test would show).
fn check<A, B>(
    what: &str,
    fwd: &DFun<A, B, Forward>,
    rev: &DFun<A, B, Reverse>,
    x: &A,
    value: &[f64],
    jac: &DMatrix<f64>,
) where
    A: Space<Scalar = f64>,
    B: Space<Scalar = f64>,
{
    assert_close(
        &fwd.eval(x).to_flat(),
        value,
        1e-14,
        &format!("{what}: eval"),
    );
    assert_close(
        &rev.linearize(x).0.to_flat(),
        value,
        1e-14,
        &format!("{what}: linearize value"),
    );
    assert_mat(
        &jacobian_fwd(fwd, x),
        jac,
        1e-13,
        &format!("{what}: forward"),
    );
    assert_mat(
        &jacobian_rev(rev, x),
        jac,
        1e-13,
        &format!("{what}: reverse"),
    );
    let fd = fd_jacobian(|z: &A| fwd.eval(z), x, 1e-4);
    assert_mat(
        &fd,
        jac,
        1e-8,
        &format!("{what}: hand formula vs differences"),
    );
}

fn diag(d: impl IntoIterator<Item = f64>) -> DMatrix<f64> {
    DMatrix::from_diagonal(&V::from_vec(d.into_iter().collect()))
}

/// The selection matrix with rows `e_{idx[r]}ᵀ` over `n` columns.
fn select(n: usize, idx: &[usize]) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(idx.len(), n);
    for (r, &i) in idx.iter().enumerate() {
        m[(r, i)] = 1.0;
    }
    m
}

/// `[a | b]`.
fn hcat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<f64> {
    let mut m = DMatrix::zeros(a.nrows(), a.ncols() + b.ncols());
    m.columns_mut(0, a.ncols()).copy_from(a);
    m.columns_mut(a.ncols(), b.ncols()).copy_from(b);
    m
}

fn xs() -> V {
    dvector![0.3, -0.7, 1.1, 0.5, -0.2]
}

fn pos() -> V {
    dvector![0.4, 1.3, 2.0, 0.7]
}

fn map_v(x: &V, f: impl Fn(f64) -> f64) -> Vec<f64> {
    x.iter().map(|&t| f(t)).collect()
}

// ------------------------------------------------------------ elementwise

#[test]
fn elementwise_primitives() {
    let x = xs();
    check(
        "sin",
        &ops::sin(),
        &ops::sin(),
        &x,
        &map_v(&x, f64::sin),
        &diag(map_v(&x, f64::cos)),
    );
    check(
        "cos",
        &ops::cos(),
        &ops::cos(),
        &x,
        &map_v(&x, f64::cos),
        &diag(map_v(&x, |t| -t.sin())),
    );
    check(
        "exp",
        &ops::exp(),
        &ops::exp(),
        &x,
        &map_v(&x, f64::exp),
        &diag(map_v(&x, f64::exp)),
    );
    check(
        "tanh",
        &ops::tanh(),
        &ops::tanh(),
        &x,
        &map_v(&x, f64::tanh),
        &diag(map_v(&x, |t| 1.0 / t.cosh().powi(2))),
    );
    check(
        "square",
        &ops::square(),
        &ops::square(),
        &x,
        &map_v(&x, |t| t * t),
        &diag(map_v(&x, |t| 2.0 * t)),
    );
    check(
        "powi(3)",
        &ops::powi(3),
        &ops::powi(3),
        &x,
        &map_v(&x, |t| t * t * t),
        &diag(map_v(&x, |t| 3.0 * t * t)),
    );
    check(
        "powi(0)",
        &ops::powi(0),
        &ops::powi(0),
        &x,
        &map_v(&x, |_| 1.0),
        &DMatrix::zeros(5, 5),
    );
    check(
        "neg",
        &ops::neg(),
        &ops::neg(),
        &x,
        &map_v(&x, |t| -t),
        &(-DMatrix::identity(5, 5)),
    );
    check(
        "scale",
        &ops::scale(-2.5),
        &ops::scale(-2.5),
        &x,
        &map_v(&x, |t| -2.5 * t),
        &(DMatrix::identity(5, 5) * -2.5),
    );
    check(
        "offset",
        &ops::offset(0.75),
        &ops::offset(0.75),
        &x,
        &map_v(&x, |t| t + 0.75),
        &DMatrix::identity(5, 5),
    );
    let affine = |e: Expr<f64>| e.affine(3.0, -1.0);
    check::<V, V>(
        "affine",
        &affine(Expr::var()).compile(),
        &affine(Expr::var()).compile(),
        &x,
        &map_v(&x, |t| 3.0 * t - 1.0),
        &(DMatrix::identity(5, 5) * 3.0),
    );
    check(
        "map",
        &ops::map(|t| t.powi(3) - t * c(2.0) + t.sin()),
        &ops::map(|t| t.powi(3) - t * c(2.0) + t.sin()),
        &x,
        &map_v(&x, |t| t.powi(3) - 2.0 * t + t.sin()),
        &diag(map_v(&x, |t| 3.0 * t * t - 2.0 + t.cos())),
    );
    let lp = |e: Expr<f64>| e.ln_1p_square();
    check::<V, V>(
        "ln_1p_square",
        &lp(Expr::var()).compile(),
        &lp(Expr::var()).compile(),
        &x,
        &map_v(&x, |t| (1.0 + t * t).ln()),
        &diag(map_v(&x, |t| 2.0 * t / (1.0 + t * t))),
    );
}

#[test]
fn elementwise_primitives_on_positive_domain() {
    let x = pos();
    check(
        "ln",
        &ops::ln(),
        &ops::ln(),
        &x,
        &map_v(&x, f64::ln),
        &diag(map_v(&x, |t| 1.0 / t)),
    );
    check(
        "sqrt",
        &ops::sqrt(),
        &ops::sqrt(),
        &x,
        &map_v(&x, f64::sqrt),
        &diag(map_v(&x, |t| 0.5 / t.sqrt())),
    );
    check(
        "recip",
        &ops::recip(),
        &ops::recip(),
        &x,
        &map_v(&x, |t| 1.0 / t),
        &diag(map_v(&x, |t| -1.0 / (t * t))),
    );
    check(
        "powi(-2)",
        &ops::powi(-2),
        &ops::powi(-2),
        &x,
        &map_v(&x, |t| 1.0 / (t * t)),
        &diag(map_v(&x, |t| -2.0 / (t * t * t))),
    );
}

// ------------------------------------------------------------- arithmetic

#[test]
fn binary_arithmetic_same_length() {
    let (a, b) = (dvector![0.3, -1.2, 2.0], dvector![1.5, 0.4, -0.8]);
    let x = (a.clone(), b.clone());
    let i = DMatrix::identity(3, 3);
    check(
        "add",
        &ops::add(),
        &ops::add(),
        &x,
        (&a + &b).as_slice(),
        &hcat(&i, &i),
    );
    check(
        "sub",
        &ops::sub(),
        &ops::sub(),
        &x,
        (&a - &b).as_slice(),
        &hcat(&i, &(-&i)),
    );
    check(
        "mul",
        &ops::mul(),
        &ops::mul(),
        &x,
        a.component_mul(&b).as_slice(),
        &hcat(&diag(b.iter().copied()), &diag(a.iter().copied())),
    );
    let q: Vec<f64> = a.iter().zip(&b).map(|(p, q)| p / q).collect();
    check(
        "div",
        &ops::div(),
        &ops::div(),
        &x,
        &q,
        &hcat(
            &diag(b.iter().map(|q| 1.0 / q)),
            &diag(a.iter().zip(&b).map(|(p, q)| -p / (q * q))),
        ),
    );
}

/// `a ∘ b` on two input slots, compiled for inputs `A` (a scalar slot, `f64`,
/// broadcasts; a `DVector` of length one would not).
fn binary<A, M>(f: impl Fn(Expr<f64>, Expr<f64>) -> Expr<f64>) -> DFun<A, V, M>
where
    A: lensdiff::graph::Inputs<Scalar = f64>,
    M: lensdiff::Mode,
{
    f(Expr::input(0), Expr::input(1)).compile()
}

#[test]
fn binary_arithmetic_broadcasts_a_scalar() {
    let (a, s) = (dvector![0.3, -1.2, 2.0], 1.7);
    let col = |v: f64| DMatrix::from_element(3, 1, v);
    let i = DMatrix::identity(3, 3);
    // vector ∘ scalar
    let x = (a.clone(), s);
    check(
        "add (broadcast right)",
        &binary(|a, b| a + b),
        &binary(|a, b| a + b),
        &x,
        &map_v(&a, |t| t + s),
        &hcat(&i, &col(1.0)),
    );
    check(
        "sub (broadcast right)",
        &binary(|a, b| a - b),
        &binary(|a, b| a - b),
        &x,
        &map_v(&a, |t| t - s),
        &hcat(&i, &col(-1.0)),
    );
    check(
        "mul (broadcast right)",
        &binary(|a, b| a * b),
        &binary(|a, b| a * b),
        &x,
        &map_v(&a, |t| t * s),
        &hcat(&(&i * s), &DMatrix::from_column_slice(3, 1, a.as_slice())),
    );
    check(
        "div (broadcast right)",
        &binary(|a, b| a / b),
        &binary(|a, b| a / b),
        &x,
        &map_v(&a, |t| t / s),
        &hcat(
            &(&i / s),
            &DMatrix::from_vec(3, 1, map_v(&a, |t| -t / (s * s))),
        ),
    );
    // scalar ∘ vector
    let x = (s, a.clone());
    check(
        "sub (broadcast left)",
        &binary(|a, b| a - b),
        &binary(|a, b| a - b),
        &x,
        &map_v(&a, |t| s - t),
        &hcat(&col(1.0), &(-&i)),
    );
    check(
        "mul (broadcast left)",
        &binary(|a, b| a * b),
        &binary(|a, b| a * b),
        &x,
        &map_v(&a, |t| s * t),
        &hcat(&DMatrix::from_column_slice(3, 1, a.as_slice()), &(&i * s)),
    );
    check(
        "div (broadcast left)",
        &binary(|a, b| a / b),
        &binary(|a, b| a / b),
        &x,
        &map_v(&a, |t| s / t),
        &hcat(
            &DMatrix::from_vec(3, 1, map_v(&a, |t| 1.0 / t)),
            &diag(map_v(&a, |t| -s / (t * t))),
        ),
    );
    // Through the expression layer: x · (scalar expression).
    let e = |x: Expr<f64>| x.clone() * x.sum();
    let x = a.clone();
    let total: f64 = a.sum();
    let mut j = DMatrix::identity(3, 3) * total;
    for r in 0..3 {
        for k in 0..3 {
            j[(r, k)] += a[r];
        }
    }
    check::<V, V>(
        "x * sum(x)",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &x,
        &map_v(&a, |t| t * total),
        &j,
    );
}

// ------------------------------------------------------------- reductions

#[test]
fn reductions() {
    let x = xs();
    let row = |v: Vec<f64>| DMatrix::from_row_slice(1, v.len(), &v);
    check(
        "sum",
        &ops::sum(),
        &ops::sum(),
        &x,
        &[x.iter().sum()],
        &row(vec![1.0; 5]),
    );
    check(
        "norm_squared",
        &ops::norm_squared(),
        &ops::norm_squared(),
        &x,
        &[x.iter().map(|t| t * t).sum()],
        &row(map_v(&x, |t| 2.0 * t)),
    );
    let (a, b) = (dvector![0.3, -1.2, 2.0], dvector![1.5, 0.4, -0.8]);
    let mut jd = a.as_slice().to_vec();
    jd.splice(0..0, b.iter().copied());
    check(
        "dot",
        &ops::dot(),
        &ops::dot(),
        &(a.clone(), b.clone()),
        &[0.3 * 1.5 - 1.2 * 0.4 - 2.0 * 0.8],
        &row(jd),
    );
    // x · x: one argument used twice gets both partials.
    let e = |x: Expr<f64>| x.dot(&x);
    check::<V, f64>(
        "dot(x, x)",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &x,
        &[x.norm_squared()],
        &row(map_v(&x, |t| 2.0 * t)),
    );
}

// ------------------------------------------- slices, shifts, differences

#[test]
fn index_maps() {
    let x = xs();
    let n = x.len();
    let v = |idx: &[usize]| idx.iter().map(|&i| x[i]).collect::<Vec<_>>();
    check(
        "slice",
        &ops::slice(1, 3),
        &ops::slice(1, 3),
        &x,
        &v(&[1, 2, 3]),
        &select(n, &[1, 2, 3]),
    );
    check(
        "shift",
        &ops::shift(2),
        &ops::shift(2),
        &x,
        &v(&[2, 3, 4]),
        &select(n, &[2, 3, 4]),
    );
    check(
        "stride",
        &ops::stride(1, 3),
        &ops::stride(1, 3),
        &x,
        &v(&[1, 4]),
        &select(n, &[1, 4]),
    );
    check(
        "even",
        &ops::even(),
        &ops::even(),
        &x,
        &v(&[0, 2, 4]),
        &select(n, &[0, 2, 4]),
    );
    check(
        "odd",
        &ops::odd(),
        &ops::odd(),
        &x,
        &v(&[1, 3]),
        &select(n, &[1, 3]),
    );
    let trim = |e: Expr<f64>| e.trim(1, 2);
    check::<V, V>(
        "trim",
        &trim(Expr::var()).compile(),
        &trim(Expr::var()).compile(),
        &x,
        &v(&[1, 2]),
        &select(n, &[1, 2]),
    );
    let at = |e: Expr<f64>| e.at(3);
    check::<V, f64>(
        "at",
        &at(Expr::var()).compile(),
        &at(Expr::var()).compile(),
        &x,
        &v(&[3]),
        &select(n, &[3]),
    );
    let last = |e: Expr<f64>| e.last();
    check::<V, f64>(
        "last",
        &last(Expr::var()).compile(),
        &last(Expr::var()).compile(),
        &x,
        &v(&[4]),
        &select(n, &[4]),
    );
    let from_end = |e: Expr<f64>| e.at_from_end(1);
    check::<V, f64>(
        "at_from_end",
        &from_end(Expr::var()).compile(),
        &from_end(Expr::var()).compile(),
        &x,
        &v(&[3]),
        &select(n, &[3]),
    );
}

/// The banded matrix of a linear stencil `y_i = Σ_j c_j x_{i+j}`.
fn stencil_matrix(n: usize, c: &[f64]) -> DMatrix<f64> {
    let m = n + 1 - c.len();
    DMatrix::from_fn(m, n, |i, k| {
        if k >= i && k - i < c.len() {
            c[k - i]
        } else {
            0.0
        }
    })
}

#[test]
fn differences_and_linear_stencils() {
    let x = xs();
    let d1: Vec<f64> = (0..4).map(|i| x[i + 1] - x[i]).collect();
    check(
        "diff",
        &ops::diff(),
        &ops::diff(),
        &x,
        &d1,
        &stencil_matrix(5, &[-1.0, 1.0]),
    );
    let d2: Vec<f64> = (0..3).map(|i| x[i + 2] - 2.0 * x[i + 1] + x[i]).collect();
    check(
        "diff2",
        &ops::diff2(),
        &ops::diff2(),
        &x,
        &d2,
        &stencil_matrix(5, &[1.0, -2.0, 1.0]),
    );
    let cs = [0.25, -1.5, 0.5, 2.0];
    let ls: Vec<f64> = (0..2)
        .map(|i| (0..4).map(|j| cs[j] * x[i + j]).sum())
        .collect();
    let e = |x: Expr<f64>| x.linear_stencil("mine", &cs);
    check::<V, V>(
        "linear_stencil",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &x,
        &ls,
        &stencil_matrix(5, &cs),
    );
}

#[test]
fn nonlinear_stencils() {
    let x = xs();
    // width 2: y_i = x_i · x_{i+1}
    let mut j = DMatrix::zeros(4, 5);
    for i in 0..4 {
        j[(i, i)] = x[i + 1];
        j[(i, i + 1)] = x[i];
    }
    let prod: Vec<f64> = (0..4).map(|i| x[i] * x[i + 1]).collect();
    check(
        "stencil(2)",
        &ops::stencil(2, |w| w[0] * w[1]),
        &ops::stencil(2, |w| w[0] * w[1]),
        &x,
        &prod,
        &j,
    );
    // width 3: y_i = sin(x_i)·x_{i+2} + x_{i+1}²
    let f = |w: &[Dual<f64>]| w[0].sin() * w[2] + w[1] * w[1];
    let mut j = DMatrix::zeros(3, 5);
    let mut val = vec![];
    for i in 0..3 {
        j[(i, i)] = x[i].cos() * x[i + 2];
        j[(i, i + 1)] = 2.0 * x[i + 1];
        j[(i, i + 2)] = x[i].sin();
        val.push(x[i].sin() * x[i + 2] + x[i + 1] * x[i + 1]);
    }
    check(
        "stencil(3)",
        &ops::stencil(3, f),
        &ops::stencil(3, f),
        &x,
        &val,
        &j,
    );
    // width 1 is an elementwise map.
    check(
        "stencil(1)",
        &ops::stencil(1, |w| w[0].exp()),
        &ops::stencil(1, |w| w[0].exp()),
        &x,
        &map_v(&x, f64::exp),
        &diag(map_v(&x, f64::exp)),
    );
}

#[test]
fn concat_interleave_constant() {
    let (a, b) = (dvector![0.3, -1.2, 2.0], dvector![1.5, 0.4]);
    let x = (a.clone(), b.clone());
    check(
        "concat",
        &ops::concat(),
        &ops::concat(),
        &x,
        &[0.3, -1.2, 2.0, 1.5, 0.4],
        &DMatrix::identity(5, 5),
    );
    let b3 = dvector![1.5, 0.4, -0.8];
    let x = (a.clone(), b3.clone());
    check(
        "interleave",
        &ops::interleave(),
        &ops::interleave(),
        &x,
        &[0.3, 1.5, -1.2, 0.4, 2.0, -0.8],
        &select(6, &[0, 3, 1, 4, 2, 5]),
    );
    let k = dvector![4.0, -1.0];
    check(
        "constant",
        &lensdiff::constant(k.clone()),
        &lensdiff::constant(k.clone()),
        &a,
        k.as_slice(),
        &DMatrix::zeros(2, 3),
    );
    let e = |x: Expr<f64>| x.square() + Expr::constant(dvector![1.0, 2.0, 3.0]);
    check::<V, V>(
        "Expr::constant",
        &e(Expr::var()).compile(),
        &e(Expr::var()).compile(),
        &a,
        &[0.09 + 1.0, 1.44 + 2.0, 4.0 + 3.0],
        &diag(map_v(&a, |t| 2.0 * t)),
    );
}

// ---------------------------------------------------------------- duals

/// The derivative of a scalar function by the checker's central differences.
fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    fd_jacobian(|t: &f64| f(*t), &x, 1e-5)[(0, 0)]
}

fn close1(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs())),
        "{what}: {a:e} vs {b:e}"
    );
}

/// (name, the function over duals, the same over `f64`, the point).
type DualCase = (
    &'static str,
    fn(Dual<f64>) -> Dual<f64>,
    fn(f64) -> f64,
    f64,
);

/// (name, the function over nested duals, over `f64`, its second derivative).
type NestedCase = (
    &'static str,
    fn(Dual<Dual<f64>>) -> Dual<Dual<f64>>,
    fn(f64) -> f64,
    fn(f64) -> f64,
);

#[test]
fn dual_elementary_functions_match_central_differences() {
    use num_traits::Float;
    type D = Dual<f64>;
    let unary: Vec<DualCase> = vec![
        ("sin", |x| x.sin(), f64::sin, 0.7),
        ("cos", |x| x.cos(), f64::cos, 0.7),
        ("tan", |x| x.tan(), f64::tan, 0.7),
        ("asin", |x| Float::asin(x), f64::asin, 0.4),
        ("acos", |x| Float::acos(x), f64::acos, 0.4),
        ("atan", |x| x.atan(), f64::atan, 0.7),
        ("sinh", |x| Float::sinh(x), f64::sinh, 0.7),
        ("cosh", |x| Float::cosh(x), f64::cosh, 0.7),
        ("tanh", |x| x.tanh(), f64::tanh, 0.7),
        ("asinh", |x| Float::asinh(x), f64::asinh, 0.7),
        ("acosh", |x| Float::acosh(x), f64::acosh, 1.7),
        ("atanh", |x| Float::atanh(x), f64::atanh, 0.4),
        ("exp", |x| x.exp(), f64::exp, 0.7),
        ("exp2", |x| Float::exp2(x), f64::exp2, 0.7),
        ("exp_m1", |x| Float::exp_m1(x), f64::exp_m1, 0.7),
        ("ln", |x| x.ln(), f64::ln, 0.7),
        ("ln_1p", |x| x.ln_1p(), f64::ln_1p, 0.7),
        ("log2", |x| Float::log2(x), f64::log2, 0.7),
        ("log10", |x| Float::log10(x), f64::log10, 0.7),
        (
            "log(3)",
            |x| Float::log(x, D::constant(3.0)),
            |x| x.log(3.0),
            0.7,
        ),
        ("sqrt", |x| x.sqrt(), f64::sqrt, 0.7),
        ("cbrt", |x| Float::cbrt(x), f64::cbrt, 0.7),
        ("recip", |x| x.recip(), f64::recip, 0.7),
        ("abs (x < 0)", |x| x.abs(), f64::abs, -0.7),
        ("abs (x > 0)", |x| x.abs(), f64::abs, 0.7),
        ("powi(0)", |x| x.powi(0), |x| x.powi(0), 0.7),
        ("powi(1)", |x| x.powi(1), |x| x.powi(1), 0.7),
        ("powi(2)", |x| x.powi(2), |x| x.powi(2), 0.7),
        ("powi(5)", |x| x.powi(5), |x| x.powi(5), 0.7),
        ("powi(-3)", |x| x.powi(-3), |x| x.powi(-3), 0.7),
        (
            "powf(const 2.5)",
            |x| x.powf(D::constant(2.5)),
            |x| x.powf(2.5),
            0.7,
        ),
        (
            "powf(const 3) of negative base",
            |x| x.powf(D::constant(3.0)),
            |x| x.powf(3.0),
            -0.7,
        ),
        ("x^x (variable exponent)", |x| x.powf(x), |x| x.powf(x), 0.7),
        (
            "hypot",
            |x| Float::hypot(x, D::constant(0.3)),
            |x| x.hypot(0.3),
            0.7,
        ),
        (
            "atan2(x, 0.3)",
            |x| Float::atan2(x, D::constant(0.3)),
            |x| x.atan2(0.3),
            0.7,
        ),
        (
            "atan2(0.3, x)",
            |x| Float::atan2(D::constant(0.3), x),
            |x| 0.3f64.atan2(x),
            -0.7,
        ),
        (
            "mul_add",
            |x| Float::mul_add(x, x, D::constant(2.0)),
            |x| x * x + 2.0,
            0.7,
        ),
        ("to_degrees", |x| Float::to_degrees(x), f64::to_degrees, 0.7),
        ("to_radians", |x| Float::to_radians(x), f64::to_radians, 0.7),
        ("fract", |x| Float::fract(x), f64::fract, 2.7),
        ("sin_cos().0", |x| Float::sin_cos(x).0, f64::sin, 0.7),
        ("sin_cos().1", |x| Float::sin_cos(x).1, f64::cos, 0.7),
        (
            "max",
            |x| Float::max(x, D::constant(0.1)),
            |x| x.max(0.1),
            0.7,
        ),
        (
            "min",
            |x| Float::min(x, D::constant(0.1)),
            |x| x.min(0.1),
            0.7,
        ),
        (
            "x / (1 + x²)",
            |x| x / (x * x + D::constant(1.0)),
            |x| x / (x * x + 1.0),
            0.7,
        ),
        ("x − 3x", |x| x - x * D::constant(3.0), |x| x - 3.0 * x, 0.7),
        ("−x", |x| -x, |x| -x, 0.7),
        ("x % 0.5", |x| x % D::constant(0.5), |x| x % 0.5, 0.7),
        (
            "copysign(−1)",
            |x| Float::copysign(x, D::constant(-1.0)),
            |x| x.copysign(-1.0),
            0.7,
        ),
    ];
    for (name, f, g, x) in unary {
        let d = f(Dual::new(x, 1.0));
        close1(d.re, g(x), 1e-15, &format!("{name}: value"));
        close1(d.tangent(), fd(g, x), 1e-9, &format!("{name}: derivative"));
        // Linearity in the seed: a tangent of 2.5 scales the derivative.
        close1(
            f(Dual::new(x, 2.5)).eps[0],
            2.5 * d.tangent(),
            1e-15,
            &format!("{name}: seed scaling"),
        );
    }
}

#[test]
fn dual_n_gives_a_gradient() {
    // f(x, y, z) = x·y·sin(z) + exp(x/y), partials by central differences.
    type D3 = DualN<f64, 3>;
    let f = |x: D3, y: D3, z: D3| x * y * z.sin() + (x / y).exp();
    let p = [0.4, 1.3, -0.6];
    let d = f(
        D3::variable(p[0], 0),
        D3::variable(p[1], 1),
        D3::variable(p[2], 2),
    );
    let fr = |q: [f64; 3]| q[0] * q[1] * q[2].sin() + (q[0] / q[1]).exp();
    for k in 0..3 {
        let gk = fd(
            |t| {
                let mut q = p;
                q[k] = t;
                fr(q)
            },
            p[k],
        );
        close1(d.eps[k], gk, 1e-9, &format!("∂f/∂x{k}"));
    }
    close1(d.re, fr(p), 1e-15, "value");
}

#[test]
fn nested_duals_give_second_derivatives() {
    use num_traits::One;
    type DD = Dual<Dual<f64>>;
    // x = a + ε₁ + ε₂ (the inner and outer tangents both seeded):
    // f(x).eps[0].eps[0] = f''(a).
    let seed = |a: f64| DD::new(Dual::new(a, 1.0), Dual::new(1.0, 0.0));
    let cases: Vec<NestedCase> = vec![
        ("sin", |x| x.sin(), f64::sin, |a| -a.sin()),
        ("exp", |x| x.exp(), f64::exp, f64::exp),
        ("x³", |x| x * x * x, |a| a.powi(3), |a| 6.0 * a),
        ("ln", |x| x.ln(), f64::ln, |a| -1.0 / (a * a)),
        (
            "tanh",
            |x| x.tanh(),
            f64::tanh,
            |a| {
                let t = a.tanh();
                -2.0 * t * (1.0 - t * t)
            },
        ),
        ("sqrt", |x| x.sqrt(), f64::sqrt, |a| -0.25 * a.powf(-1.5)),
        (
            "atan",
            |x| x.atan(),
            f64::atan,
            |a| -2.0 * a / (1.0 + a * a).powi(2),
        ),
        ("powi(4)", |x| x.powi(4), |a| a.powi(4), |a| 12.0 * a * a),
        (
            "1/(1+x²)",
            |x| (x * x + DD::one()).recip(),
            |a| 1.0 / (1.0 + a * a),
            |a| (6.0 * a * a - 2.0) / (1.0 + a * a).powi(3),
        ),
    ];
    for (name, f, g, g2) in cases {
        for a in [0.3, 0.9, 1.6] {
            let d = f(seed(a));
            close1(d.re.re, g(a), 1e-15, &format!("{name}({a}): value"));
            close1(d.re.eps[0], fd(g, a), 1e-9, &format!("{name}({a}): f'"));
            close1(
                d.eps[0].re,
                fd(g, a),
                1e-9,
                &format!("{name}({a}): f' (outer)"),
            );
            close1(
                d.eps[0].eps[0],
                g2(a),
                1e-12,
                &format!("{name}({a}): f'' hand"),
            );
            // f'' by central differences of f' (from the one-level dual).
            let f1 = |t: f64| f(DD::new(Dual::new(t, 1.0), Dual::constant(0.0))).re.eps[0];
            close1(
                d.eps[0].eps[0],
                fd(f1, a),
                1e-8,
                &format!("{name}({a}): f'' fd"),
            );
        }
    }
}

// ------------------------------------------------- sharing: count calls

#[derive(Default)]
struct Counts {
    eval: AtomicUsize,
    linearize: AtomicUsize,
    jvp: AtomicUsize,
    vjp: AtomicUsize,
}

impl Counts {
    fn get(&self) -> [usize; 4] {
        [
            self.eval.load(Ordering::SeqCst),
            self.linearize.load(Ordering::SeqCst),
            self.jvp.load(Ordering::SeqCst),
            self.vjp.load(Ordering::SeqCst),
        ]
    }
}

/// `y = x³` elementwise, counting every call.
struct Cube(Arc<Counts>);

impl Op<f64> for Cube {
    fn name(&self) -> &'static str {
        "cube"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn eval(&self, x: &[&[f64]], y: &mut [f64]) {
        self.0.eval.fetch_add(1, Ordering::SeqCst);
        for (y, &x) in y.iter_mut().zip(x[0]) {
            *y = x * x * x;
        }
    }
    fn linearize(&self, x: &[&[f64]], y: &mut [f64], saved: &mut Vec<f64>) {
        self.0.linearize.fetch_add(1, Ordering::SeqCst);
        saved.clear();
        for (y, &x) in y.iter_mut().zip(x[0]) {
            *y = x * x * x;
            saved.push(3.0 * x * x);
        }
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, f64>, dx: &[f64], dy: &mut [f64]) {
        self.0.jvp.fetch_add(1, Ordering::SeqCst);
        for ((dy, &d), &dx) in dy.iter_mut().zip(c.saved).zip(dx) {
            *dy += d * dx;
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, f64>, dy: &[f64], dx: &mut [f64]) {
        self.0.vjp.fetch_add(1, Ordering::SeqCst);
        for ((dx, &d), &dy) in dx.iter_mut().zip(c.saved).zip(dy) {
            *dx += d * dy;
        }
    }
}

#[test]
fn a_shared_subexpression_is_evaluated_once_per_call() {
    let counts = Arc::new(Counts::default());
    let x = Expr::<f64>::var();
    let s = x.apply_op(Arc::new(Cube(counts.clone())), &[]);
    let e = s.clone() * s.sin(); // s used twice
    let fwd: DFun<V, V, Forward> = e.compile();
    let rev: DFun<V, V, Reverse> = e.compile();
    let p = dvector![0.5, -0.8, 1.1];
    assert_eq!(counts.get(), [0, 0, 0, 0], "building runs nothing");

    // Value: s³ sin(s³).
    let y = fwd.eval(&p);
    assert_eq!(counts.get(), [1, 0, 0, 0], "eval: one evaluation");
    assert_close(
        y.as_slice(),
        &map_v(&p, |t| t.powi(3) * t.powi(3).sin()),
        1e-15,
        "value",
    );
    let _ = rev.eval(&p);
    assert_eq!(counts.get(), [2, 0, 0, 0]);

    // Reverse: one linearisation, one vjp per pullback.
    let (_, pb) = rev.linearize(&p);
    assert_eq!(counts.get(), [2, 1, 0, 0], "linearize: once, no eval");
    let g = pb.pull(&dvector![1.0, 1.0, 1.0]);
    assert_eq!(counts.get(), [2, 1, 0, 1], "pullback: one vjp");
    // d/dt [u sin u] with u = t³: (sin u + u cos u)·3t².
    let hand = map_v(&p, |t| {
        let u = t.powi(3);
        (u.sin() + u * u.cos()) * 3.0 * t * t
    });
    assert_close(g.as_slice(), &hand, 1e-14, "gradient");
    let _ = pb.pull(&dvector![0.0, 2.0, 0.0]);
    assert_eq!(counts.get(), [2, 1, 0, 2], "second pullback: one more vjp");

    // Forward: one linearisation, one jvp per pushforward.
    let (_, pf) = fwd.linearize(&p);
    assert_eq!(counts.get(), [2, 2, 0, 2]);
    let t = pf.apply(&dvector![1.0, 1.0, 1.0]);
    assert_eq!(counts.get(), [2, 2, 1, 2], "pushforward: one jvp");
    assert_close(t.as_slice(), &hand, 1e-14, "tangent");
}

#[test]
fn deep_sharing_stays_linear() {
    // y ← y·y eight times over a counted leaf: a tree walk without sharing
    // would pull back through the leaf 2⁸ = 256 times.
    let counts = Arc::new(Counts::default());
    let x = Expr::<f64>::var();
    let mut y = x.apply_op(Arc::new(Cube(counts.clone())), &[]);
    for _ in 0..8 {
        y = y.clone() * y;
    }
    let f: DFun<V, f64, Reverse> = y.sum().compile();
    let p = dvector![1.0001];
    let (v, g) = value_and_grad(&f, &p);
    assert_eq!(counts.get(), [0, 1, 0, 1]);
    // f = t^(3·256), f' = 768 t^767.
    close1(v, 1.0001f64.powi(768), 1e-12, "value");
    close1(g[0], 768.0 * 1.0001f64.powi(767), 1e-12, "derivative");
    assert_eq!(f.eval(&p), v);
    assert_eq!(counts.get(), [1, 1, 0, 1]);
}

// ------------------------------------------------------------ errors

fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

#[test]
#[should_panic(expected = "add: dimension mismatch: expected 4, found 5")]
fn mismatched_lengths_panic_naming_the_primitive() {
    let x = Expr::<f64>::var();
    let f: DFun<V, V, Reverse> = (x.diff() + x).compile();
    let _ = f.eval(&V::zeros(5));
}

#[test]
fn mismatch_messages_in_every_path() {
    let x = Expr::<f64>::var();
    let bad = x.diff() + x.clone();
    let msg = "add: dimension mismatch: expected 4, found 5";
    let r: DFun<V, V, Reverse> = bad.compile();
    let f: DFun<V, V, Forward> = bad.compile();
    assert_eq!(
        panic_message(|| {
            let _ = r.eval(&V::zeros(5));
        }),
        msg
    );
    assert_eq!(
        panic_message(|| {
            let _ = r.linearize(&V::zeros(5));
        }),
        msg
    );
    assert_eq!(
        panic_message(|| {
            let _ = f.linearize(&V::zeros(5));
        }),
        msg
    );
    let cases: Vec<(Expr<f64>, usize, &str)> = vec![
        (
            x.dot(&x.diff()),
            4,
            "dot: dimension mismatch: expected 4, found 3",
        ),
        (
            x.interleave(&x.diff()),
            4,
            "interleave: dimension mismatch: expected 4, found 3",
        ),
        (
            x.slice(2, 3),
            4,
            "slice: dimension mismatch: expected 5, found 4",
        ),
        (
            x.trim(3, 2),
            4,
            "trim: dimension mismatch: expected 5, found 4",
        ),
        (
            x.stencil(4, |w| w[0]).sum(),
            2,
            "stencil: dimension mismatch: expected 3, found 2",
        ),
        (
            x.diff2(),
            0,
            "diff2: dimension mismatch: expected 2, found 0",
        ),
        (
            x.diff() * x.diff2(),
            5,
            "mul: dimension mismatch: expected 4, found 3",
        ),
    ];
    for (e, n, want) in cases {
        let f: DFun<V, V, Reverse> = e.compile();
        assert_eq!(
            panic_message(|| {
                let _ = f.eval(&V::zeros(n));
            }),
            want
        );
        let found = e.check(&[n]).unwrap_err();
        assert_eq!(found.to_string(), want);
    }
}

#[test]
fn check_returns_dimension_mismatch() {
    let x = Expr::<f64>::var();
    assert_eq!(
        (x.diff() + x.clone()).check(&[5]),
        Err(Error::DimensionMismatch {
            op: "add",
            expected: 4,
            found: 5
        })
    );
    assert_eq!((x.diff() + x.clone().shift(1)).check(&[5]), Ok(4));
    // A length-one side broadcasts.
    assert_eq!((x.sum() * x.clone()).check(&[5]), Ok(5));
    assert_eq!(x.concat(&x.diff()).check(&[5]), Ok(9));
    assert_eq!(x.odd().check(&[5]), Ok(2));
    // Two input slots.
    let y = Expr::<f64>::input(1);
    assert_eq!(
        (x.clone() + y.clone()).check(&[3, 2]),
        Err(Error::DimensionMismatch {
            op: "add",
            expected: 3,
            found: 2
        })
    );
    assert_eq!(x.dot(&y).check(&[3, 3]), Ok(1));
}

#[test]
fn try_compose_at_names_both_sizes() {
    let f: DFun<V, V, Reverse> = ops::diff();
    let g: DFun<V, f64, Reverse> = ops::norm_squared();
    let x = dvector![1.0, 2.0, 4.0, 7.0];
    let err = try_compose_at(&g, 4, &f, &x).unwrap_err();
    assert_eq!(
        err,
        Error::DimensionMismatch {
            op: "compose",
            expected: 4,
            found: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "compose: dimension mismatch: expected 4, found 3"
    );
    let h = try_compose_at(&g, 3, &f, &x).expect("shapes agree");
    // Σ (x_{i+1} − x_i)²; gradient by hand.
    let (v, gr) = value_and_grad(&h, &x);
    assert_eq!(v, 1.0 + 4.0 + 9.0);
    assert_eq!(gr, dvector![-2.0, 2.0 - 4.0, 4.0 - 6.0, 6.0]);
}

#[test]
fn try_value_and_grad_reports_non_finite() {
    let f: DFun<V, f64, Reverse> = ops::sum();
    assert_eq!(
        try_value_and_grad(&f, &dvector![1.0, f64::NAN, 2.0]),
        Err(Error::NonFinite {
            what: "x",
            index: Some(1)
        })
    );
    assert_eq!(
        try_value_and_grad(&f, &dvector![1.0, 2.0, f64::INFINITY]),
        Err(Error::NonFinite {
            what: "x",
            index: Some(2)
        })
    );
    let ln: DFun<V, f64, Reverse> = Expr::var().ln().sum().compile();
    assert_eq!(
        try_value_and_grad(&ln, &dvector![1.0, 0.0]),
        Err(Error::NonFinite {
            what: "f(x)",
            index: Some(0)
        })
    );
    // sqrt(0) is finite, its derivative is not.
    let sq: DFun<V, f64, Reverse> = Expr::var().sqrt().sum().compile();
    let err = try_value_and_grad(&sq, &dvector![4.0, 0.0]).unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "gradient",
            index: Some(1)
        }
    );
    assert_eq!(err.to_string(), "gradient is not finite (first at index 1)");
    let (v, g) = try_value_and_grad(&sq, &dvector![4.0, 9.0]).expect("finite");
    assert_eq!((v, g), (5.0, dvector![0.25, 1.0 / 6.0]));
}

#[test]
fn error_is_a_std_error_with_messages() {
    let cases = vec![
        (
            Error::DimensionMismatch {
                op: "compose",
                expected: 3,
                found: 4,
            },
            "compose: dimension mismatch: expected 3, found 4",
        ),
        (
            Error::NotPositiveDefinite {
                pivot: 2,
                value: -0.5,
            },
            "matrix is not positive definite: pivot 2 is -5e-1",
        ),
        (
            Error::Singular { column: 7 },
            "matrix is singular: no nonzero pivot in column 7",
        ),
        (
            Error::NonFinite {
                what: "x",
                index: Some(3),
            },
            "x is not finite (first at index 3)",
        ),
        (
            Error::NonFinite {
                what: "f(x)",
                index: None,
            },
            "f(x) is not finite",
        ),
        (
            Error::BandwidthTooSmall {
                k: 1,
                residual: 0.25,
                detected: Some(2),
            },
            "half-bandwidth 1 is too small: verification residual 2.50e-1; the sparsity tracer \
             finds half-bandwidth 2 (extract with k = 2, or use the sparse path, \
             Newton::minimize_sparse / minimize_auto, when that band is wide)",
        ),
        (
            Error::LineSearchFailed {
                iteration: 4,
                step: 0.125,
            },
            "line search failed to decrease the objective at iteration 4 (last step 1.25e-1)",
        ),
        (
            Error::ShiftFailed { tau: 1e8 },
            "regularised factorisation failed for every shift up to 1e8",
        ),
        (
            Error::InvalidArgument {
                op: "newton",
                reason: "tolerance must be positive".into(),
            },
            "newton: invalid argument: tolerance must be positive",
        ),
    ];
    for (e, msg) in cases {
        assert_eq!(e.to_string(), msg);
        let boxed: Box<dyn std::error::Error + Send + Sync> = Box::new(e.clone());
        assert_eq!(boxed.to_string(), msg);
        assert!(boxed.source().is_none());
    }
    fn question_mark() -> Result<(), Box<dyn std::error::Error>> {
        Err(Error::Singular { column: 0 })?;
        Ok(())
    }
    assert!(question_mark().is_err());
}

// ------------------------------------------------------------- spaces

/// The `Space` axioms on a pair of points of the same shape.
fn space_laws<X: Space<Scalar = f64> + PartialEq>(a: &X, b: &X, dim: usize) {
    let shape = a.shape();
    assert_eq!(X::dim_of(&shape), dim);
    assert_eq!(a.dim(), dim);
    let (fa, fb) = (a.to_flat(), b.to_flat());
    assert_eq!(fa.len(), dim);
    // Flat round trip.
    assert_eq!(&X::read_flat(&shape, &fa), a);
    let mut out = vec![0.0; dim];
    a.write_flat(&mut out);
    assert_eq!(out, fa);
    // Zero.
    let z = X::zeros_of(&shape);
    assert!(z.to_flat().iter().all(|v| *v == 0.0));
    assert_eq!(z.shape(), shape);
    // dot = Σ flat products.
    let dot: f64 = fa.iter().zip(&fb).map(|(x, y)| x * y).sum();
    close1(a.dot(b), dot, 1e-15, "dot");
    close1(a.dot(b), b.dot(a), 0.0, "dot symmetric");
    // accumulate and scale act on the flat scalars.
    let mut s = a.clone();
    s.accumulate(b);
    let sum: Vec<f64> = fa.iter().zip(&fb).map(|(x, y)| x + y).collect();
    assert_eq!(s.to_flat(), sum);
    s.scale_mut(-2.0);
    let scaled: Vec<f64> = sum.iter().map(|v| -2.0 * v).collect();
    assert_eq!(s.to_flat(), scaled);
    let mut z = X::zeros_of(&shape);
    z.accumulate(a);
    assert_eq!(&z, a);
}

#[test]
fn space_impls() {
    space_laws(&1.5f64, &-2.0f64, 1);
    space_laws(&dvector![1.0, 2.0, 3.0], &dvector![0.5, -1.0, 4.0], 3);
    space_laws(&V::zeros(0), &V::zeros(0), 0);
    space_laws(
        &SVector::<f64, 3>::new(1.0, 2.0, 3.0),
        &SVector::<f64, 3>::new(-1.0, 0.5, 2.0),
        3,
    );
    space_laws(
        &(2.0f64, dvector![1.0, -1.0]),
        &(0.5f64, dvector![3.0, 4.0]),
        3,
    );
    space_laws(
        &((dvector![1.0], SVector::<f64, 2>::new(2.0, 3.0)), 4.0f64),
        &((dvector![-1.0], SVector::<f64, 2>::new(0.5, 0.25)), 1.0f64),
        4,
    );
    space_laws(&(), &(), 0);
    space_laws(&((), 2.0f64), &((), 3.0f64), 1);
    // Flat order of a pair: left then right.
    let p = (dvector![1.0, 2.0], 3.0f64);
    assert_eq!(p.to_flat(), vec![1.0, 2.0, 3.0]);
    assert_eq!(
        <(V, f64)>::read_flat(&(2, ()), &[4.0, 5.0, 6.0]),
        (dvector![4.0, 5.0], 6.0)
    );
    // DVector shapes are lengths (nalgebra's inherent `shape` shadows it).
    assert_eq!(Space::shape(&dvector![1.0, 2.0]), 2);
}

#[test]
fn space_length_mismatch_panics_with_a_message() {
    let mut a = dvector![1.0, 2.0];
    assert_eq!(
        panic_message(|| a.accumulate(&dvector![1.0])),
        "accumulate: dimension mismatch: expected 2, found 1"
    );
    assert_eq!(
        panic_message(|| {
            let _ = Space::dot(&dvector![1.0], &dvector![1.0, 2.0]);
        }),
        "dot: dimension mismatch: expected 1, found 2"
    );
    assert_eq!(
        panic_message(|| {
            let _ = V::read_flat(&3, &[1.0]);
        }),
        "read_flat: dimension mismatch: expected 3, found 1"
    );
}

// --------------------------------------------------- drivers, end to end

#[test]
fn gradient_of_a_small_objective_by_hand() {
    // f(x) = Σ ½ (x_{i+1} − x_i)² + Σ x_i⁴/4
    let x = Expr::<f64>::var();
    let e = (x.diff().square() * 0.5).sum() + x.powi(4).sum() * 0.25;
    let f: DFun<V, f64, Reverse> = e.compile();
    let p = dvector![0.2, -0.4, 0.9];
    let g = grad(&f, &p);
    let hand = [
        -(p[1] - p[0]) + p[0].powi(3),
        (p[1] - p[0]) - (p[2] - p[1]) + p[1].powi(3),
        (p[2] - p[1]) + p[2].powi(3),
    ];
    assert_close(g.as_slice(), &hand, 1e-15, "gradient");
}
