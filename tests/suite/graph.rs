//! Compiled programs: a shared sub-expression is evaluated once per call
//! (counted), and the length of a compiled lens's input and output is
//! checked against what it was built for, naming the input and both
//! lengths.

use crate::common::{Fit, assert_close, close1, map_v, mismatch, seq, unlocated};

use lensdiff::graph::{Ctx, Op};
use lensdiff::{
    DFun, Dense, Error, Expr, Forward, Objective, Reverse, compose, grad, jvp, ops,
    try_value_and_grad, value_and_grad,
};
use nalgebra::{DVector, dvector};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

type V = DVector<f64>;

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

#[test]
fn a_wrong_length_input_names_the_input_and_the_constant() {
    let fit = Fit { target: seq(1000) };
    let f = fit.lens::<f64>();
    let want = "input 0 has length 999; this lens was built for 1000 (constant `target`)";
    assert_panics_here!(want, f.eval(&seq(999)));
    assert_panics_here!(want, grad(&f, &seq(999)));
    assert_panics_here!(want, value_and_grad(&f, &seq(999)));
    let err = f.try_eval(&seq(999)).unwrap_err();
    assert_eq!(
        err,
        Error::InputLength {
            input: 0,
            found: 999,
            expected: Some(1000),
            detail: "constant `target`".into()
        }
    );
    assert_eq!(err.to_string(), want);
    assert_eq!(
        try_value_and_grad(&f, &seq(1001)).unwrap_err().to_string(),
        "input 0 has length 1001; this lens was built for 1000 (constant `target`)"
    );
    // Every mode checks the same way.
    let e = fit.build(Expr::var());
    let fw: DFun<V, f64, Forward> = e.compile();
    let de: DFun<V, f64, Dense> = e.compile();
    assert_panics_here!(want, fw.linearize(&seq(999)));
    assert_panics_here!(want, jvp(&fw, &seq(999), &seq(999)));
    assert_panics_here!(want, de.linearize(&seq(999)));
    assert_eq!(de.try_eval(&seq(999)).unwrap_err().to_string(), want);
    // The right length works, and the gradient is x − target.
    let x = seq(1000) * 2.0;
    assert_eq!(grad(&f, &x), seq(1000));
}

#[test]
fn the_length_the_lens_was_built_for_is_found_through_other_primitives() {
    let x = Expr::<f64>::var();
    // diff of x against a 9-long constant: built for 10.
    let f: DFun<V, f64, Reverse> = (x.diff() - Expr::constant(seq(9))).norm_squared().compile();
    assert_eq!(
        f.try_eval(&seq(7)).unwrap_err().to_string(),
        "input 0 has length 7; this lens was built for 10 (a constant of length 9)"
    );
    // Even entries against a 50-long constant: the proposed length fits.
    let g: DFun<V, f64, Reverse> = (x.even() * Expr::constant_named("w", seq(50)))
        .sum()
        .compile();
    match g.try_eval(&seq(90)).unwrap_err() {
        Error::InputLength {
            input: 0,
            found: 90,
            expected: Some(n),
            detail,
        } => {
            assert_eq!(detail, "constant `w`");
            assert!(g.try_eval(&seq(n)).is_ok(), "proposed {n}");
        }
        e => panic!("unexpected {e}"),
    }
    // Through a combinator: a composition checks its first map's input.
    let h: DFun<V, f64, Reverse> = compose(
        &ops::sum(),
        &(x.clone() - Expr::constant_named("offsets", seq(3))).compile(),
    );
    assert_panics_here!(
        "input 0 has length 2; this lens was built for 3 (constant `offsets`)",
        h.eval(&seq(2))
    );
    // A lens that takes no length at all reports the primitive.
    let bad: DFun<V, V, Reverse> = (x.diff() + x.clone()).compile();
    assert_eq!(
        unlocated(bad.try_eval(&seq(5)).unwrap_err()),
        mismatch("add", 4, 5)
    );
}

#[test]
fn a_vector_output_read_as_a_scalar_names_both_lengths() {
    let f: DFun<V, f64, Reverse> = Expr::var().diff().compile();
    assert_eq!(
        f.try_eval(&seq(3)).unwrap_err(),
        mismatch("scalar output", 1, 2)
    );
    assert_eq!(f.eval(&dvector![1.0, 3.0]), 2.0);
}
