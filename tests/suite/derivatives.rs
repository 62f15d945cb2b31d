//! The derivative drivers (`grad`, `jvp`, `vjp`, `try_value_and_grad`):
//! results by hand, non-finite reports, and wrong-length tangents and
//! cotangents reported at the caller's line.

use crate::common::{assert_close, mismatch, seq};

use lensdiff::{
    DFun, Error, Expr, Forward, Reverse, grad, jvp, ops, try_jvp, try_value_and_grad, try_vjp, vjp,
};
use nalgebra::{DVector, dvector};

type V = DVector<f64>;

#[test]
fn jvp_with_a_short_tangent_names_both_lengths_at_the_callers_line() {
    // The case: a 2-long tangent for a 3-long input was a raw
    // "index out of bounds" inside the arithmetic kernel.
    let x = Expr::<f64>::var();
    let f: DFun<V, V, Forward> = (x.clone() * x.sin()).compile();
    assert_panics_here!(
        "jvp (tangent v): dimension mismatch: expected 3, found 2",
        jvp(&f, &seq(3), &dvector![1.0, 0.0])
    );
    assert_eq!(
        try_jvp(&f, &seq(3), &dvector![1.0, 0.0]).unwrap_err(),
        mismatch("jvp (tangent v)", 3, 2)
    );
    // The linear map itself, called directly.
    let (_, d) = f.linearize(&seq(3));
    assert_panics_here!(
        "pushforward (tangent): dimension mismatch: expected 3, found 4",
        d.apply(&seq(4))
    );
    assert_eq!(
        d.try_apply(&seq(4)).unwrap_err(),
        mismatch("pushforward (tangent)", 3, 4)
    );
}

#[test]
fn vjp_with_a_long_cotangent_names_both_lengths_at_the_callers_line() {
    // The issue's case: a 4-long cotangent for a 3-long output was "range
    // end index 4 out of range" inside the shift kernel.
    let f: DFun<V, V, Reverse> = ops::shift(1);
    let x = seq(4);
    assert_panics_here!(
        "vjp (cotangent w): dimension mismatch: expected 3, found 4",
        vjp(&f, &x, &seq(4))
    );
    assert_eq!(
        try_vjp(&f, &x, &seq(4)).unwrap_err(),
        mismatch("vjp (cotangent w)", 3, 4)
    );
    let (_, d) = f.linearize(&x);
    assert_panics_here!(
        "pullback (cotangent): dimension mismatch: expected 3, found 2",
        d.pull(&seq(2))
    );
    let mut dx = seq(5);
    assert_panics_here!(
        "pullback (accumulator dx): dimension mismatch: expected 4, found 5",
        d.pull_add(&seq(3), &mut dx)
    );
    assert!(d.try_pull(&seq(2)).is_err());
    // The right lengths give the transpose of the shift: (0, w0, w1, w2).
    assert_eq!(
        try_vjp(&f, &x, &dvector![1.0, 2.0, 3.0]).unwrap().1,
        dvector![0.0, 1.0, 2.0, 3.0]
    );
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
