//! Helpers shared by the test modules: panics caught with their message
//! and location, closeness of numbers, central differences of a scalar
//! function, the lengths' vocabulary (`seq`, `mismatch`), and the small
//! fixtures more than one module uses (an opaque `Op`, objectives).

pub mod banded;

use lensdiff::check::fd_jacobian;
use lensdiff::graph::{Ctx, Op};
use lensdiff::{Error, Expr, Objective, Real};
use nalgebra::DVector;
use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

pub type V = DVector<f64>;

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
pub fn panic_of(f: impl FnOnce()) -> (String, String, u32) {
    install_hook();
    CAPTURING.with(|c| c.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    CAPTURING.with(|c| c.set(false));
    assert!(r.is_err(), "expected a panic");
    CAPTURED
        .with(|c| c.borrow_mut().take())
        .expect("the hook saw the panic")
}

/// Asserts that `f` panics with `msg` (the place of an expression node
/// cut off, see [`unlocated_msg`]) at the call written in file `here`
/// within a few lines after `line` (the caller's line, not the library's).
pub fn assert_panic_near(msg: &str, here: &str, line: u32, f: impl FnOnce()) {
    let (m, file, at) = panic_of(f);
    assert_eq!(unlocated_msg(&m), msg);
    assert_eq!(file, here, "the panic points into {file}:{at}");
    assert!(
        (line..line + 4).contains(&at),
        "the panic points at line {at}, the call is at {line}"
    );
}

/// `call` panics with `msg`, and the panic points at `call` in the
/// calling file.
macro_rules! assert_panics_here {
    ($msg:expr, $call:expr) => {
        $crate::common::assert_panic_near($msg, file!(), line!(), || {
            let _ = $call;
        })
    };
}

/// An expression's length error without the place its node was built
/// (`Error::LengthAt` read as the primitive's `DimensionMismatch`), for
/// tests about the lengths; `expr.rs` tests the places.
pub fn unlocated(e: Error) -> Error {
    match e {
        Error::LengthAt {
            op,
            expected,
            found,
            ..
        } => mismatch(op, expected, found),
        e => e,
    }
}

/// A message with the place of the expression node cut off (see
/// [`unlocated`]).
pub fn unlocated_msg(m: &str) -> String {
    match m.find(" (the `") {
        Some(i) if m.ends_with(')') && m[i..].contains("` built at ") => m[..i].to_string(),
        _ => m.to_string(),
    }
}

/// The error two disagreeing lengths give.
pub fn mismatch(op: &'static str, expected: usize, found: usize) -> Error {
    Error::DimensionMismatch {
        op,
        expected,
        found,
    }
}

pub fn seq(n: usize) -> V {
    V::from_fn(n, |i, _| 0.3 + 0.1 * i as f64)
}

pub fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths differ");
    let scale = 1.0 + a.iter().chain(b).fold(0.0f64, |m, v| m.max(v.abs()));
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale,
            "{what}: entry {i}: {x:e} vs {y:e}\n a = {a:?}\n b = {b:?}"
        );
    }
}

pub fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("expected a panic");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// The derivative of a scalar function by the checker's central differences.
pub fn fd(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    fd_jacobian(|t: &f64| f(*t), &x, 1e-5)[(0, 0)]
}

pub fn close1(a: f64, b: f64, tol: f64, what: &str) {
    assert!(
        (a - b).abs() <= tol * (1.0 + a.abs().max(b.abs())),
        "{what}: {a:e} vs {b:e}"
    );
}

/// The user's expression primitive: y_i = x_i³ (its derivative 3x², from
/// the input, nothing saved). `factor` is the derivative's factor: 3 is
/// right.
pub struct Cube {
    pub factor: f64,
}

impl<S: Real> Op<S> for Cube {
    fn name(&self) -> &'static str {
        "cube"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        for (y, x) in y.iter_mut().zip(x[0]) {
            *y = *x * *x * *x;
        }
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for i in 0..dy.len() {
            let x = c.inputs[0][i];
            dy[i] += S::from_f64(self.factor) * x * x * dx[i];
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for i in 0..dx.len() {
            let x = c.inputs[0][i];
            dx[i] += S::from_f64(self.factor) * x * x * dy[i];
        }
    }
}

/// ½ ‖x − target‖² for a fixed target (an objective of our own).
pub struct Fit {
    pub target: V,
}

impl Objective for Fit {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let t = Expr::constant_named("target", self.target.map(S::from_f64));
        (x - t).norm_squared() * 0.5
    }
}

/// A closed (periodic) chain with a shared scale: every point couples to
/// its neighbours, the last to the first, and all to the final entry.
pub struct PeriodicWithParameter;

impl Objective for PeriodicWithParameter {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let pts = x.trim(0, 1);
        let s = x.last();
        let close = pts.at(0) - pts.last();
        let ring = pts.diff().square().sum() + close.square();
        let shape = (pts.clone() * s.clone() - 1.0).cos().sum();
        ring + shape + (s - 2.0).square() + pts.square().sum() * 0.01
    }
}

pub fn map_v(x: &V, f: impl Fn(f64) -> f64) -> Vec<f64> {
    x.iter().map(|&t| f(t)).collect()
}
