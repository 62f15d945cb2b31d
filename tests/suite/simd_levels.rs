//! The vector paths at every instruction-set level this machine has
//! (`SimdLevel`): the kernels and whole objectives (values, gradients,
//! Hessian–vector products, banded Hessians) give bitwise the baseline's
//! results, and the tiled engine's workers run at their caller's level.
//!
//! On a machine with only the baseline these compare the baseline with
//! itself; on x86-64 with AVX2 they compare the code compiled for it.

use lensdiff::engine::{Engine, SimdLevel};
use lensdiff::hessian::{hessian_banded, hvp};
use lensdiff::{Expr, Objective, Real, ScalarFn, ScalarFn2, c, grad, kernels};
use nalgebra::DVector;
use proptest::prelude::*;
use std::sync::Mutex;

fn levels() -> Vec<SimdLevel> {
    SimdLevel::ALL
        .into_iter()
        .filter(|l| l.is_available())
        .collect()
}

/// The bits of every entry, so that NaNs and signed zeros compare too.
fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Arguments over many scales, the special values, and a length that is
/// not a multiple of four.
fn arguments() -> Vec<f64> {
    let mut xs: Vec<f64> = (0..3001)
        .map(|i| {
            let t = i as f64;
            (0.37 * t).sin() * 10f64.powi((i % 13) - 6)
        })
        .collect();
    xs.extend([
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        5e-324,
        1e-310,
        709.7,
        -745.0,
        1e7,
        3e7,
        1e300,
    ]);
    xs
}

#[test]
fn the_kernels_give_the_baselines_bits_at_every_level() {
    let xs = arguments();
    let pos: Vec<f64> = xs.iter().map(|x| x.abs()).collect();
    let run = |level: SimdLevel| {
        level.scope(|| {
            let n = xs.len();
            let (mut s, mut c, mut e, mut l, mut t) = (
                vec![0.0; n],
                vec![0.0; n],
                vec![0.0; n],
                vec![0.0; n],
                vec![0.0; n],
            );
            kernels::sin_cos(&xs, &mut s, &mut c);
            kernels::exp(&xs, &mut e);
            kernels::ln(&pos, &mut l);
            kernels::tanh(&xs, &mut t);
            [s, c, e, l, t].map(|v| bits(&v))
        })
    };
    let base = run(SimdLevel::Baseline);
    // The baseline is the standard library to rounding (not a vacuous
    // comparison of two wrong answers).
    assert!((f64::from_bits(base[2][100]) - xs[100].exp()).abs() <= 4e-16 * xs[100].exp());
    for level in levels() {
        let got = run(level);
        for (k, name) in ["sin", "cos", "exp", "ln", "tanh"].iter().enumerate() {
            if let Some(i) = (0..xs.len()).find(|&i| got[k][i] != base[k][i]) {
                panic!(
                    "{name}({:e}) at {level}: {:e}, baseline {:e}",
                    xs[i],
                    f64::from_bits(got[k][i]),
                    f64::from_bits(base[k][i])
                );
            }
        }
    }
}

#[test]
fn a_level_the_cpu_lacks_runs_as_the_best_below_it() {
    for level in SimdLevel::ALL {
        let c = level.clamped();
        assert!(c <= level && c.is_available());
        assert_eq!(level.scope(SimdLevel::current), c);
    }
    assert_eq!(SimdLevel::detected(), SimdLevel::Avx2.clamped());
    assert!("avx1024".parse::<SimdLevel>().is_err());
}

/// A branch on the argument (so that lanes disagree and are recomputed
/// one by one) and the kernels' functions.
struct Branchy;
impl ScalarFn for Branchy {
    fn eval<T: Real>(&self, x: T) -> T {
        if x > T::from_f64(0.3) {
            x.exp() * x.sin()
        } else {
            (x * x).ln_1p() + (x * x + c(1.0)).ln() + x.tanh()
        }
    }
}

/// Two arguments, `exp` of a squared distance (as an obstacle term).
struct Bump;
impl ScalarFn2 for Bump {
    fn eval<T: Real>(&self, a: T, b: T) -> T {
        let (da, db) = (a - c(0.2), b + c(0.1));
        (-(da * da + db * db) * c(4.0)).exp() + (a * b).cos()
    }
}

/// A banded objective through every vector path: `map_fn`, `sum_map_fn`,
/// `zip_map_fn` over shifted copies, and a stencil.
struct Paths;
impl Objective for Paths {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.map_fn(Branchy).sum()
            + x.sum_map_fn(Branchy)
            + x.shift(1).zip_map_fn(&x.diff(), Bump).sum()
            + x.diff().norm_squared()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn objectives_give_the_baselines_bits_at_every_level(
        xs in prop::collection::vec(-3.0f64..3.0, 5..400),
        tiled in any::<bool>(),
    ) {
        let x = DVector::from_vec(xs);
        let v = DVector::from_fn(x.len(), |i, _| ((i * 7 % 5) as f64 - 2.0) * 0.5);
        let engine = if tiled {
            Engine { threads: Some(2), tile: Some(64), ..Engine::default() }
        } else {
            Engine::whole_vector()
        };
        let run = |level: SimdLevel| engine.scope(|| level.scope(|| {
            let f = Paths.lens::<f64>();
            let val = f.eval(&x);
            let g = grad(&f, &x);
            let hv = hvp(&Paths, &x, &v);
            let band = hessian_banded(&Paths, &x, 1).expect("tridiagonal");
            (val.to_bits(), bits(g.as_slice()), bits(hv.as_slice()), bits(band.as_slice()))
        }));
        let base = run(SimdLevel::Baseline);
        for level in levels() {
            prop_assert_eq!(&run(level), &base, "at {}", level);
        }
    }
}

/// The levels `Spy` was evaluated at.
static SEEN: Mutex<Vec<SimdLevel>> = Mutex::new(Vec::new());

/// The identity, recording the level in force wherever it runs.
struct Spy;
impl ScalarFn for Spy {
    fn eval<T: Real>(&self, x: T) -> T {
        SEEN.lock().unwrap().push(SimdLevel::current());
        x
    }
}

struct Spied;
impl Objective for Spied {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.map_fn(Spy).norm_squared()
    }
}

#[test]
fn the_tiled_workers_run_at_their_callers_level() {
    let x = DVector::from_fn(4000, |i, _| (i as f64).sin());
    let engine = Engine {
        threads: Some(3),
        tile: Some(128),
        ..Engine::default()
    };
    for level in levels() {
        SEEN.lock().unwrap().clear();
        let g = engine.scope(|| level.scope(|| grad(&Spied.lens::<f64>(), &x)));
        assert!((g - &x * 2.0).amax() < 1e-12);
        let seen = SEEN.lock().unwrap();
        assert!(seen.len() >= 4000 / 4, "Spy ran {} times", seen.len());
        assert!(
            seen.iter().all(|&l| l == level),
            "asked for {level}, saw {:?}",
            seen.iter()
                .filter(|&&l| l != level)
                .take(3)
                .collect::<Vec<_>>()
        );
    }
}
