//! Every length is checked from the user's side: a point, tangent or
//! cotangent of the wrong length panics at the caller's line with a message
//! naming the map (or the input) and both lengths, and the `try_` forms
//! return the error; only scalars broadcast in arithmetic.

use lensdiff::hessian::{hvp, try_hvp};
use lensdiff::linear::{Dup, Jam, LinearMap};
use lensdiff::{
    DFun, Dense, Error, Expr, Forward, Objective, Real, Reverse, compose, fanout, grad, jam, jvp,
    ops, par, try_jvp, try_value_and_grad, try_vjp, value_and_grad, vjp,
};
use nalgebra::{DVector, dvector};
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

type V = DVector<f64>;

// ------------------------------------------------- panics and where they point

thread_local! {
    /// While set, the panic hook records the panic here instead of printing.
    static CAPTURED: RefCell<Option<(String, String, u32)>> = const { RefCell::new(None) };
    static CAPTURING: Cell<bool> = const { Cell::new(false) };
}

/// Installs (once) a hook that records the message and location of panics
/// raised while `CAPTURING` is set on the panicking thread, and hands every
/// other panic to the default hook (so failing assertions still print).
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if CAPTURING.with(Cell::get) {
                let msg = info
                    .payload()
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let (file, line) = info
                    .location()
                    .map(|l| (l.file().to_string(), l.line()))
                    .unwrap_or_default();
                CAPTURED.with(|c| *c.borrow_mut() = Some((msg, file, line)));
            } else {
                default(info);
            }
        }));
    });
}

/// The panic `f` raises: its message, file and line.
fn panic_of(f: impl FnOnce()) -> (String, String, u32) {
    install_hook();
    CAPTURING.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(false));
    assert!(r.is_err(), "expected a panic");
    CAPTURED
        .with(|c| c.borrow_mut().take())
        .expect("the hook saw the panic")
}

/// Asserts that `f` panics with `msg` at the call written in this file
/// within a few lines after `line` (the caller's line, not the library's).
fn assert_panic_near(msg: &str, line: u32, f: impl FnOnce()) {
    let (m, file, at) = panic_of(f);
    assert_eq!(m, msg);
    assert_eq!(file, file!(), "the panic points into {file}:{at}");
    assert!(
        (line..line + 4).contains(&at),
        "the panic points at line {at}, the call is at {line}"
    );
}

/// `call` panics with `msg`, and the panic points at `call` in this file.
macro_rules! assert_panics_here {
    ($msg:expr, $call:expr) => {
        assert_panic_near($msg, line!(), || {
            let _ = $call;
        })
    };
}

/// The error two disagreeing lengths give.
fn mismatch(op: &'static str, expected: usize, found: usize) -> Error {
    Error::DimensionMismatch {
        op,
        expected,
        found,
    }
}

fn seq(n: usize) -> V {
    V::from_fn(n, |i, _| 0.3 + 0.1 * i as f64)
}

// ------------------------------------------------- tangents and cotangents

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
fn the_dense_mode_checks_its_tangent() {
    let f: DFun<V, V, Dense> = ops::diff();
    let (_, j) = f.linearize(&seq(4));
    assert_panics_here!(
        "Jacobian (tangent): dimension mismatch: expected 4, found 3",
        j.apply(&seq(3))
    );
    assert_eq!(
        j.apply(&dvector![1.0, 2.0, 4.0, 8.0]),
        dvector![1.0, 2.0, 4.0]
    );
}

#[test]
fn combinators_check_tangents_and_cotangents_on_entry() {
    let sum: DFun<V, f64, Forward> = ops::sum();
    let nsq: DFun<V, f64, Forward> = ops::norm_squared();
    let both = fanout(&sum, &nsq);
    let (_, d) = both.linearize(&seq(3));
    assert_panics_here!(
        "pushforward (tangent): dimension mismatch: expected 3, found 5",
        d.apply(&seq(5))
    );
    // A pair of maps: the shape of each side is checked.
    let p: DFun<(V, V), (V, V), Reverse> = par(&ops::diff(), &ops::sin());
    let (_, d) = p.linearize(&(seq(3), seq(2)));
    assert_eq!(
        d.try_pull(&(seq(2), seq(3))).unwrap_err(),
        mismatch("pullback (cotangent)", 4, 5)
    );
    let g = d.pull(&(dvector![1.0, 1.0], dvector![1.0, 0.0]));
    assert_eq!(g.0, dvector![-1.0, 0.0, 1.0]);
    assert!((g.1[0] - 0.3f64.cos()).abs() < 1e-15 && g.1[1] == 0.0);
    // A composition: the whole derivative is checked once at its entry.
    let h: DFun<V, f64, Reverse> = compose(&ops::norm_squared(), &ops::diff());
    let (_, d) = h.linearize(&seq(4));
    assert_eq!(d.pull(&2.0), grad(&h, &seq(4)) * 2.0);
}

#[test]
fn structural_linear_maps_check_their_arguments() {
    let d = Dup::<V>::new(3);
    assert_panics_here!(
        "dup: dimension mismatch: expected 3, found 2",
        d.apply(&seq(2))
    );
    assert_panics_here!(
        "dup transpose: dimension mismatch: expected 6, found 5",
        d.transpose(&(seq(3), seq(2)))
    );
    let j = Jam::<V>::new(2);
    assert_eq!(j.apply(&(seq(2), seq(2))), seq(2) * 2.0);
    // The lens `jam` on two vectors of different lengths.
    let jl: DFun<(V, V), V, Reverse> = jam();
    assert_eq!(
        jl.try_eval(&(seq(2), seq(3))).unwrap_err(),
        mismatch("jam", 2, 3)
    );
}

// ------------------------------------------------- inputs of compiled lenses

/// ½ ‖x − target‖² for a fixed target (an objective of our own).
struct Fit {
    target: V,
}

impl Objective for Fit {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let t = Expr::constant_named("target", self.target.map(S::from_f64));
        (x - t).norm_squared() * 0.5
    }
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
fn hvp_checks_its_direction_and_its_point() {
    let fit = Fit { target: seq(5) };
    assert_panics_here!(
        "hvp (direction v): dimension mismatch: expected 5, found 4",
        hvp(&fit, &seq(5), &seq(4))
    );
    assert_panics_here!(
        "input 0 has length 4; this lens was built for 5 (constant `target`)",
        hvp(&fit, &seq(4), &seq(4))
    );
    assert!(matches!(
        try_hvp(&fit, &seq(6), &seq(6)),
        Err(Error::InputLength {
            input: 0,
            found: 6,
            expected: Some(5),
            ..
        })
    ));
    assert_eq!(
        try_hvp(&fit, &seq(5), &seq(3)).unwrap_err(),
        mismatch("hvp (direction v)", 5, 3)
    );
    // H = I.
    assert_eq!(try_hvp(&fit, &seq(5), &seq(5)), Ok(seq(5)));
    assert_eq!(
        try_hvp(&fit, &seq(5), &dvector![0.0, f64::NAN, 0.0, 0.0, 0.0]).unwrap_err(),
        Error::NonFinite {
            what: "direction",
            index: Some(1)
        }
    );
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
    assert_eq!(bad.try_eval(&seq(5)).unwrap_err(), mismatch("add", 4, 5));
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
        f.try_eval(&(seq(3), dvector![2.0])).unwrap_err(),
        mismatch("mul", 3, 1)
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

// ------------------------------------------------- scalars are scalars

#[test]
fn a_length_one_vector_does_not_broadcast() {
    // The case: Σ x[i]·x[i+1] written as x · x.shift(1) silently
    // computed x0·x1 + x1² at n = 2 (the shifted vector has length one).
    let x = Expr::<f64>::var();
    let wrong = (x.clone() * x.shift(1)).sum();
    for n in [2, 3, 10] {
        assert_eq!(
            wrong.check(&[n]),
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
        try_hvp(&Chain, &dvector![1.0, 2.0], &dvector![1.0, 0.0]).unwrap_err(),
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

/// ‖x − mean(x)‖²: a scalar (the mean) broadcast in an objective; the
/// Hessian is 2 (I − 11ᵀ/n), by hand.
struct Spread;

impl Objective for Spread {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        // n as a scalar expression, so that scalar ÷ scalar stays a scalar.
        let count = (x.clone() * 0.0 + 1.0).sum();
        let mean = x.sum() / count;
        (x - mean).norm_squared()
    }
}

#[test]
fn a_broadcast_scalar_in_an_objective_has_the_right_hessian() {
    for n in [1, 2, 7] {
        let x = seq(n).map(|t| t * t);
        let v = V::from_fn(n, |i, _| (i as f64 + 1.0).sqrt());
        let want = (&v - V::from_element(n, v.mean())) * 2.0;
        let got = hvp(&Spread, &x, &v);
        assert!((&got - &want).amax() < 1e-12, "n = {n}: {got} vs {want}");
        assert_eq!(try_hvp(&Spread, &x, &v), Ok(got));
    }
}

#[test]
fn several_hvps_check_the_point_too() {
    use lensdiff::hessian::value_and_grad_hvps;
    let fit = Fit { target: seq(4) };
    assert_eq!(
        value_and_grad_hvps(&fit, &seq(3), &[seq(3)])
            .unwrap_err()
            .to_string(),
        "input 0 has length 3; this lens was built for 4 (constant `target`)"
    );
    let (f, g, hv) = value_and_grad_hvps(&fit, &(seq(4) * 2.0), &[seq(4), seq(4) * 3.0]).unwrap();
    assert!((f - 0.5 * seq(4).norm_squared()).abs() < 1e-14);
    assert_eq!((g, hv), (seq(4), vec![seq(4), seq(4) * 3.0]));
}

#[test]
fn an_inner_maps_input_is_reported_by_the_combinator() {
    let x = Expr::<f64>::var();
    let fit: DFun<V, f64, Reverse> = (x.clone() - Expr::constant_named("target", seq(4)))
        .norm_squared()
        .compile();
    // After diff, the fit sees 4 of 5 entries: right; of 4, it sees 3.
    let h = compose(&fit, &ops::diff());
    assert!(h.try_eval(&seq(5)).is_ok());
    assert_panics_here!(
        "compose: dimension mismatch: expected 4, found 3",
        h.eval(&seq(4))
    );
    // The second side of a pair is not the pair's input 0.
    let p = par(&ops::sum::<f64, Reverse>(), &fit);
    assert_eq!(
        p.try_eval(&(seq(2), seq(3))).unwrap_err(),
        mismatch("par (second input)", 4, 3)
    );
    // The first side's input 0 is the pair's input 0.
    let q = par(&fit, &ops::sum::<f64, Reverse>());
    assert_eq!(
        q.try_eval(&(seq(3), seq(2))).unwrap_err().to_string(),
        "input 0 has length 3; this lens was built for 4 (constant `target`)"
    );
}
