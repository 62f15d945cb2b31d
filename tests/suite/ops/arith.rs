//! Binary arithmetic and its broadcasting rule: only scalars broadcast
//! (`src/ops/arith.rs`).

use super::{check, diag, hcat};
use crate::common::map_v;
use crate::common::{mismatch, seq, unlocated};
use lensdiff::hessian::try_hvp;
use lensdiff::jvp;
use lensdiff::{DFun, Error, Expr, Forward, Objective, Real, Reverse, grad, ops};
use nalgebra::{DMatrix, DVector, dvector};

type V = DVector<f64>;

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

#[test]
fn two_inputs_of_different_lengths_are_reported_by_the_primitive() {
    let f: DFun<(V, V), V, Forward> = ops::mul();
    assert_panics_here!(
        "mul: dimension mismatch: expected 3, found 2",
        f.linearize(&(seq(3), seq(2)))
    );
    // A length-one vector is a vector: it does not broadcast.
    assert_eq!(
        unlocated(f.try_eval(&(seq(3), dvector![2.0])).unwrap_err()),
        mismatch("mul", 3, 1)
    );
}

#[test]
fn a_length_one_vector_does_not_broadcast() {
    // The case: Σ x[i]·x[i+1] written as x · x.shift(1) silently
    // computed x0·x1 + x1² at n = 2 (the shifted vector has length one).
    let x = Expr::<f64>::var();
    let wrong = (x.clone() * x.shift(1)).sum();
    for n in [2, 3, 10] {
        assert_eq!(
            wrong.check(&[n]).map_err(unlocated),
            Err(Error::DimensionMismatch {
                op: "mul",
                expected: n,
                found: n - 1
            })
        );
    }
    let f: DFun<V, f64, Reverse> = wrong.compile();
    assert_panics_here!(
        "mul: dimension mismatch: expected 2, found 1",
        f.eval(&dvector![2.0, 3.0])
    );
    // What was meant.
    let right: DFun<V, f64, Reverse> = (x.trim(0, 1) * x.shift(1)).sum().compile();
    assert_eq!(right.eval(&dvector![2.0, 3.0]), 6.0);
    assert_eq!(grad(&right, &dvector![2.0, 3.0]), dvector![3.0, 2.0]);
    // A constant vector of length one is a vector too; a scalar broadcasts.
    assert!(
        (x.clone() * Expr::constant(dvector![2.0]))
            .check(&[3])
            .is_err()
    );
    assert_eq!((x.clone() * Expr::scalar(2.0)).check(&[3]), Ok(3));
    // At n = 1 both are fine: the lengths agree.
    assert_eq!(
        (x.clone() * Expr::constant(dvector![2.0])).check(&[1]),
        Ok(1)
    );
    // Through the objective's Hessian path.
    struct Chain;
    impl Objective for Chain {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            (x.clone() * x.shift(1)).sum()
        }
    }
    assert_eq!(
        unlocated(try_hvp(&Chain, &dvector![1.0, 2.0], &dvector![1.0, 0.0]).unwrap_err()),
        mismatch("mul", 2, 1)
    );
}

/// Central differences of a scalar lens.
fn fd_grad(f: &DFun<V, f64, Reverse>, x: &V) -> V {
    let h = 1e-6;
    V::from_fn(x.len(), |i, _| {
        let (mut p, mut m) = (x.clone(), x.clone());
        p[i] += h;
        m[i] -= h;
        (f.eval(&p) - f.eval(&m)) / (2.0 * h)
    })
}

/// The value by hand.
type Oracle = fn(&V) -> f64;

#[test]
fn genuine_scalars_still_broadcast() {
    let x = Expr::<f64>::var();
    let cases: Vec<(&str, Expr<f64>, Oracle)> = vec![
        ("x * 2", (x.clone() * 2.0).sum(), |v| 2.0 * v.sum()),
        ("x - sum x", (x.clone() - x.sum()).norm_squared(), |v| {
            v.map(|t| t - v.sum()).norm_squared()
        }),
        ("x * |x|²", (x.clone() * x.norm_squared()).sum(), |v| {
            v.sum() * v.norm_squared()
        }),
        ("x[0] * x", (x.at(0) * x.clone()).sum(), |v| v[0] * v.sum()),
        ("last + x", (x.last() + x.clone()).norm_squared(), |v| {
            v.map(|t| t + v[v.len() - 1]).norm_squared()
        }),
        ("sin(sum x) * x", (x.sum().sin() * x.clone()).sum(), |v| {
            v.sum().sin() * v.sum()
        }),
        (
            "(sum x)² / x",
            (x.sum() * x.sum() / x.clone()).sum(),
            |v| v.map(|t| v.sum().powi(2) / t).sum(),
        ),
        ("dot(x, x) - x", (x.dot(&x) - x.clone()).sum(), |v| {
            v.len() as f64 * v.norm_squared() - v.sum()
        }),
        (
            "scalar(3) * x",
            (Expr::scalar(3.0) * x.clone()).sum(),
            |v| 3.0 * v.sum(),
        ),
    ];
    for n in [1, 2, 5] {
        let v = seq(n);
        for (what, e, oracle) in &cases {
            assert_eq!(e.check(&[n]), Ok(1), "{what} at n = {n}");
            let f: DFun<V, f64, Reverse> = e.compile();
            let y = f.eval(&v);
            assert!(
                (y - oracle(&v)).abs() <= 1e-12 * (1.0 + y.abs()),
                "{what}: {y}"
            );
            let (g, fd) = (grad(&f, &v), fd_grad(&f, &v));
            assert!(
                (&g - &fd).amax() <= 1e-6 * (1.0 + g.amax()),
                "{what}: {g} vs {fd}"
            );
            let fw: DFun<V, f64, Forward> = e.compile();
            let (_, t) = jvp(&fw, &v, &V::from_element(n, 1.0));
            assert!(
                (t - g.sum()).abs() <= 1e-12 * (1.0 + t.abs()),
                "{what}: forward"
            );
        }
    }
}

#[test]
fn a_scalar_input_slot_broadcasts_a_vector_slot_of_length_one_does_not() {
    let (a, s) = (Expr::<f64>::input(0), Expr::<f64>::input(1));
    let scaled: DFun<(V, f64), V, Reverse> = (a.clone() * s.clone()).compile();
    assert_eq!(scaled.eval(&(dvector![1.0, 2.0], 3.0)), dvector![3.0, 6.0]);
    let (_, d) = scaled.linearize(&(dvector![1.0, 2.0], 3.0));
    assert_eq!(d.pull(&dvector![1.0, 1.0]), (dvector![3.0, 3.0], 3.0));
    let vectors: DFun<(V, V), V, Reverse> = (a * s).compile();
    assert!(
        vectors
            .try_eval(&(dvector![1.0, 2.0], dvector![3.0]))
            .is_err()
    );
}
