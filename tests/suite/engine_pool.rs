//! The tiles' worker pool: a panic in one tile reaches the caller as a
//! panic (never a hang), at any thread count, and the program it came from
//! still runs afterwards, with the same results as before.

use lensdiff::engine::{Engine, tiles};
use lensdiff::graph::{Ctx, IndexMap, Op};
use lensdiff::hessian::hvp;
use lensdiff::{Error, Expr, Objective, ProgramCache, Real, grad};
use nalgebra::DVector;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

/// Above this an entry makes [`Fragile`] panic.
const LIMIT: f64 = 100.0;

/// `y = x²` elementwise, which panics on an entry above [`LIMIT`]: a
/// user's primitive that fails in the one tile holding such an entry.
struct Fragile;

impl Fragile {
    fn check<S: Real>(x: &[S]) {
        if x.iter().any(|&v| v > S::from_f64(LIMIT)) {
            panic!("fragile: an entry above {LIMIT}");
        }
    }
}

impl<S: Real> Op<S> for Fragile {
    fn name(&self) -> &'static str {
        "fragile"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Elementwise
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        Self::check(x[0]);
        for (y, &x) in y.iter_mut().zip(x[0]) {
            *y = x * x;
        }
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for ((y, &d), &x) in dy.iter_mut().zip(dx).zip(c.inputs[0]) {
            *y += S::from_f64(2.0) * x * d;
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for ((x_bar, &d), &x) in dx.iter_mut().zip(dy).zip(c.inputs[0]) {
            *x_bar += S::from_f64(2.0) * x * d;
        }
    }
}

/// `Σ fragile(x) + Σ (x[i+1] − x[i])² + tanh(Σ x)`: sides between tiles
/// (the differences) and a tail that needs a value pass first.
struct WithFragile {
    programs: ProgramCache,
}

impl Objective for WithFragile {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.apply_op(Arc::new(Fragile), &[]).sum() + x.diff().norm_squared() + x.sum().tanh()
    }
    fn programs(&self) -> Option<&ProgramCache> {
        Some(&self.programs)
    }
}

/// What the objective computes at a point.
type Answers = (f64, DVector<f64>, DVector<f64>);

fn answers(obj: &WithFragile, x: &DVector<f64>) -> Answers {
    let f = obj.lens::<f64>();
    let v = DVector::from_fn(x.len(), |i, _| ((i % 7) as f64 - 3.0) * 0.1);
    (f.eval(x), grad(&f, x), hvp(obj, x, &v))
}

/// The panic's message, if `run` panicked.
fn panic_message(run: impl FnOnce()) -> Option<String> {
    let e = catch_unwind(AssertUnwindSafe(run)).err()?;
    Some(
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default(),
    )
}

#[test]
fn a_panic_in_one_tile_reaches_the_caller_and_the_program_runs_on() {
    let n = 1000;
    let good = DVector::from_fn(n, |i, _| (0.01 * i as f64).sin());
    let mut bad = good.clone();
    bad[700] = 2.0 * LIMIT;
    for threads in [2, 3] {
        let engine = Engine {
            threads: Some(threads),
            tile: Some(64),
            ..Engine::default()
        };
        let (good, bad) = (good.clone(), bad.clone());
        let (send, recv) = mpsc::channel();
        // On its own thread, so that a hang fails the test instead of
        // stalling the suite.
        std::thread::spawn(move || {
            let obj = WithFragile {
                programs: ProgramCache::default(),
            };
            let out = engine.scope(|| {
                assert!(tiles(&obj, n).is_some_and(|t| t >= 8), "it must tile");
                let before = answers(&obj, &good);
                let f = obj.lens::<f64>();
                let v = DVector::from_element(n, 1.0);
                let messages = [
                    panic_message(|| {
                        let _ = f.eval(&bad);
                    }),
                    panic_message(|| drop(grad(&f, &bad))),
                    panic_message(|| drop(hvp(&obj, &bad, &v))),
                ];
                (before, messages, answers(&obj, &good))
            });
            let whole = Engine::whole_vector().scope(|| answers(&obj, &good));
            let _ = send.send((out, whole));
        });
        let ((before, messages, after), whole) = recv
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("{threads} threads: the pass hung after a panic"));
        for (what, m) in ["value", "gradient", "HVP"].iter().zip(&messages) {
            let m = m.as_deref().unwrap_or_else(|| panic!("{what}: no panic"));
            assert!(m.contains("fragile"), "{what}: the panic was {m:?}");
        }
        // The program runs on, bitwise as before, and agrees with the
        // whole-vector engine.
        assert_eq!(after, before, "{threads} threads");
        assert!((before.0 - whole.0).abs() <= 1e-13 * whole.0.abs());
        assert!((&before.1 - &whole.1).amax() <= 1e-13 * whole.1.amax());
        assert!((&before.2 - &whole.2).amax() <= 1e-12 * whole.2.amax());
    }
}
