//! Primitives from closures (`ops::Custom`): elementwise, vector-to-vector
//! with and without a VJP (the JVP transposed), vector-to-scalar; each
//! through the public checker in every mode (forward, reverse, dense,
//! central differences, adjointness) and against a hand formula.

use lensdiff::check::{Options, assert_map, check_op};
use lensdiff::ops::Custom;
use lensdiff::{DFun, Expr, Forward, Reverse, grad, jacobian_fwd, jacobian_rev};
use nalgebra::{DMatrix, DVector, dvector};

type V = DVector<f64>;

fn softplus() -> Custom<f64> {
    Custom::elementwise(
        "softplus",
        |x: f64| x.exp().ln_1p(),
        |x| 1.0 / (1.0 + (-x).exp()),
    )
}

/// y_i = x_i · x_{i+1 mod n}.
fn cyclic(with_vjp: bool) -> Custom<f64> {
    let c = Custom::vector(
        "cyclic",
        |x: &V| V::from_fn(x.len(), |i, _| x[i] * x[(i + 1) % x.len()]),
        |x, dx| {
            V::from_fn(x.len(), |i, _| {
                dx[i] * x[(i + 1) % x.len()] + x[i] * dx[(i + 1) % x.len()]
            })
        },
    );
    if !with_vjp {
        return c;
    }
    c.with_vjp(|x, dy| {
        let m = x.len();
        V::from_fn(m, |j, _| {
            dy[j] * x[(j + 1) % m] + dy[(j + m - 1) % m] * x[(j + m - 1) % m]
        })
    })
}

fn x() -> V {
    dvector![0.3, -0.7, 1.1, 0.5]
}

#[test]
fn elementwise_from_value_and_derivative() {
    let c = softplus();
    assert_map(&c, &x());
    let f: DFun<V, f64> = Expr::var().custom(&c).sum().compile();
    let g = grad(&f, &x());
    for (gi, xi) in g.iter().zip(x().iter()) {
        assert!((gi - 1.0 / (1.0 + (-xi).exp())).abs() < 1e-15);
    }
}

#[test]
fn vector_map_with_and_without_vjp() {
    let n = x().len();
    let hand = DMatrix::from_fn(n, n, |i, j| {
        let k = (i + 1) % n;
        (if j == i { x()[k] } else { 0.0 }) + if j == k { x()[i] } else { 0.0 }
    });
    for with_vjp in [false, true] {
        let c = cyclic(with_vjp);
        assert_map(&c, &x());
        let (fw, rv): (DFun<V, V, Forward>, DFun<V, V, Reverse>) = (c.lens(), c.lens());
        assert!((jacobian_fwd(&fw, &x()) - &hand).amax() < 1e-15);
        assert!((jacobian_rev(&rv, &x()) - &hand).amax() < 1e-15);
    }
}

#[test]
fn scalar_map_from_its_gradient() {
    let lse = Custom::scalar(
        "logsumexp",
        |x: &V| x.map(f64::exp).sum().ln(),
        |x| {
            let e = x.map(f64::exp);
            &e / e.sum()
        },
    );
    assert_map(&lse, &x());
    // Inside an expression, composed with the library's primitives.
    let f: DFun<V, f64> = (Expr::var().sin().custom(&lse) * 2.0).compile();
    let s = x().map(f64::sin);
    let e = s.map(f64::exp);
    let want = DVector::from_fn(4, |i, _| 2.0 * e[i] / e.sum() * x()[i].cos());
    assert!((grad(&f, &x()) - want).amax() < 1e-14);
}

#[test]
fn custom_ops_pass_the_primitive_checker() {
    // The primitive alone (value, JVP against differences, JVP against
    // VJP), through the expression it makes.
    let opts = Options::for_scalar::<f64>();
    for c in [softplus(), cyclic(false), cyclic(true)] {
        let r = check_op(&*c.op(), &[x().as_slice()], &opts).unwrap();
        assert!(r.passed(), "{r}");
    }
}

#[test]
fn a_closure_returning_the_wrong_length_is_named() {
    let bad = Custom::vector("bad", |x: &V| x.rows(0, 1).into_owned(), |_, dx| dx.clone());
    let f: DFun<V, V> = bad.lens();
    let msg = crate::common::panic_message(|| {
        f.eval(&x());
    });
    assert!(msg.contains("`bad`") && msg.contains("length 1"), "{msg}");
}
