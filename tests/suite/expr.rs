//! `Expr` shape errors: a mismatch panics naming the primitive in every
//! path, and `Expr::check` returns it.

use crate::common::panic_message;

use lensdiff::{DFun, Error, Expr, Forward, Reverse};
use nalgebra::DVector;

type V = DVector<f64>;

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
