//! `Expr` shape errors: a mismatch panics naming the primitive in every
//! path, and `Expr::check` returns it.

use crate::common::{panic_message, unlocated, unlocated_msg};

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
        unlocated_msg(&panic_message(|| {
            let _ = r.eval(&V::zeros(5));
        })),
        msg
    );
    assert_eq!(
        unlocated_msg(&panic_message(|| {
            let _ = r.linearize(&V::zeros(5));
        })),
        msg
    );
    assert_eq!(
        unlocated_msg(&panic_message(|| {
            let _ = f.linearize(&V::zeros(5));
        })),
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
            unlocated_msg(&panic_message(|| {
                let _ = f.eval(&V::zeros(n));
            })),
            want
        );
        let found = e.check(&[n]).unwrap_err();
        assert_eq!(unlocated_msg(&found.to_string()), want);
    }
}

#[test]
fn check_returns_dimension_mismatch() {
    let x = Expr::<f64>::var();
    assert_eq!(
        (x.diff() + x.clone()).check(&[5]).map_err(unlocated),
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
        (x.clone() + y.clone()).check(&[3, 2]).map_err(unlocated),
        Err(Error::DimensionMismatch {
            op: "add",
            expected: 3,
            found: 2
        })
    );
    assert_eq!(x.dot(&y).check(&[3, 3]), Ok(1));
}

#[test]
fn a_length_error_names_the_line_that_built_the_node() {
    // A sum of several terms with one bad term: the message names the line
    // of the `+` that meets it.
    let x = Expr::<f64>::var();
    let e = x.square() + x.sin() * 2.0;
    let e = e + x.cos();
    let e = e + x.diff(); // lengths 6 and 5
    let plus_line = line!() - 1;
    let e = e + x.tanh() + x.exp();
    let Err(Error::LengthAt {
        op,
        expected,
        found,
        at,
    }) = e.check(&[6])
    else {
        panic!("expected a located length error");
    };
    assert_eq!((op, expected, found), ("add", 6, 5));
    assert_eq!((at.file(), at.line()), (file!(), plus_line));
    // The panic of the compiled lens says it too, at the caller's line.
    let f: DFun<V, V, Reverse> = e.compile();
    let msg = panic_message(|| {
        let _ = f.eval(&V::zeros(6));
    });
    assert_eq!(
        msg,
        format!(
            "add: dimension mismatch: expected 6, found 5 (the `add` built at {}:{}:{})",
            file!(),
            plus_line,
            at.column()
        )
    );
    // A method points at its own call (this `dot`), not into the library.
    let g = x.diff2().dot(&x);
    let Err(Error::LengthAt { op, at, .. }) = g.check(&[4]) else {
        panic!("expected a located length error");
    };
    assert_eq!((op, at.file(), at.line()), ("dot", file!(), line!() - 4));
}
