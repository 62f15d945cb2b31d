//! Trust cases of the banded extraction: badly scaled bands, small
//! couplings next to huge diagonals, structure found by the tracer.
//!
//! Every objective here is written for this file (none is a BENCH
//! problem), and every expected value comes from a hand-derived formula or
//! from an independent method (the dense Hessian from unit vectors).

use lensdiff::hessian::{BandMethod, BandOptions, hessian, hessian_banded, hessian_banded_with};

use lensdiff::{CompiledObjective, Error, Expr, Objective, Real, c};
use nalgebra::{DMatrix, DVector};

/// Geometric scales from `lo` to `hi` over `n` entries.
pub(super) fn geometric(n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1).max(1) as f64))
        .collect()
}

/// `g(D x)` with `g(y) = Σ (y[i+1] − y[i])² + Σ cosh(y_i)` and a diagonal
/// scaling `D`: a tridiagonal Hessian `D T D` with entries spread over
/// `max(D)² / min(D)²`.
#[derive(Clone)]
pub(super) struct ScaledChain {
    pub(super) d: Vec<f64>,
}

impl Objective for ScaledChain {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let d = Expr::constant(DVector::from_iterator(
            self.d.len(),
            self.d.iter().map(|&v| c::<S>(v)),
        ));
        let y = x * d;
        y.diff().square().sum() + y.map(|t| t.cosh()).sum()
    }
}

impl ScaledChain {
    /// The exact Hessian `D T D`, `T = 2 L + diag(cosh y)` with `L` the
    /// path Laplacian.
    fn exact(&self, x: &DVector<f64>) -> DMatrix<f64> {
        let n = self.d.len();
        let y: Vec<f64> = (0..n).map(|i| self.d[i] * x[i]).collect();
        let mut t = DMatrix::<f64>::zeros(n, n);
        for i in 0..n {
            t[(i, i)] += y[i].cosh();
            if i + 1 < n {
                t[(i, i)] += 2.0;
                t[(i + 1, i + 1)] += 2.0;
                t[(i, i + 1)] -= 2.0;
                t[(i + 1, i)] -= 2.0;
            }
        }
        DMatrix::from_fn(n, n, |i, j| self.d[i] * t[(i, j)] * self.d[j])
    }
}

/// Largest entrywise error relative to the diagonal scale `√(|H_ii H_jj|)`
/// (and to the entry itself), over the band of half-width `k`.
fn scaled_entry_error(band: &DMatrix<f64>, exact: &DMatrix<f64>, k: usize) -> f64 {
    let n = exact.nrows();
    let mut worst: f64 = 0.0;
    for i in 0..n {
        for j in i..(i + k + 1).min(n) {
            let scale = exact[(i, j)]
                .abs()
                .max((exact[(i, i)] * exact[(j, j)]).abs().sqrt());
            worst = worst.max((band[(i, j)] - exact[(i, j)]).abs() / scale);
        }
    }
    worst
}

#[test]
fn badly_scaled_band_is_exact_entrywise_with_default_options() {
    for (lo, hi) in [(1e-4, 1e4), (1e4, 1e-4), (1e-6, 1e3)] {
        let p = ScaledChain {
            d: geometric(50, lo, hi),
        };
        let x = DVector::from_fn(50, |i, _| 0.3 * (i as f64).sin() / p.d[i]);
        let exact = p.exact(&x);
        let h = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
        let err = scaled_entry_error(&h.band.to_dmatrix(), &exact, 1);
        assert!(
            err < 1e-12,
            "D from {lo} to {hi}: scaled entry error {err:e}"
        );
        // The bound the extraction reports covers the error it made.
        assert!(
            h.error_bound >= err,
            "bound {:e} < error {err:e}",
            h.error_bound
        );
        assert!(h.error_bound <= 1e-8);
    }
}

#[test]
fn substitution_on_a_bad_scaling_switches_to_cpr_and_says_so() {
    // Increasing scales: substitution, which recovers the columns from the
    // last one down, subtracts huge known entries (of later columns) from
    // the products to recover small ones.
    let p = ScaledChain {
        d: geometric(50, 1e-4, 1e4),
    };
    let x = DVector::from_fn(50, |i, _| 0.1 * (i as f64).cos() / p.d[i]);
    let h = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
    assert_eq!(h.method, BandMethod::Cpr);
    // Forced substitution without the switch is caught by the row-wise
    // probe; unverified, it reports a bound that covers its error.
    let forced = BandOptions {
        method: BandMethod::Substitution,
        fallback: false,
        ..BandOptions::default()
    };
    let err = hessian_banded_with(&p, &x, 1, &forced).unwrap_err();
    assert!(
        matches!(
            err,
            Error::BandwidthTooSmall {
                k: 1,
                detected: Some(1),
                ..
            }
        ),
        "{err}"
    );
    let unverified = BandOptions {
        verify: false,
        ..forced
    };
    let s = hessian_banded_with(&p, &x, 1, &unverified).unwrap();
    assert_eq!(s.method, BandMethod::Substitution);
    let err = scaled_entry_error(&s.band.to_dmatrix(), &p.exact(&x), 1);
    assert!(
        s.error_bound >= err,
        "bound {:e} < error {err:e}",
        s.error_bound
    );
    assert!(s.error_bound > 1e-8, "bound {:e}", s.error_bound);
}

/// An objective that keeps its programs: the first call falls back from
/// substitution to CPR and drops substitution's program from the cache;
/// later calls go to CPR at once (one sweep) with the same band, and a
/// forced substitution compiles that program again and agrees with a
/// fresh objective's.
#[test]
fn a_fallback_under_a_program_cache_drops_substitution_and_stays_exact() {
    let chain = ScaledChain {
        d: geometric(50, 1e-4, 1e4),
    };
    let x = DVector::from_fn(50, |i, _| 0.1 * (i as f64).cos() / chain.d[i]);
    let exact = chain.exact(&x);
    let p = CompiledObjective::new(chain.clone());
    let first = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
    assert_eq!(first.method, BandMethod::Cpr);
    // Substitution's 2 + 1 products, then CPR's 3 + 1.
    assert_eq!(first.hvps, 7);
    assert!(scaled_entry_error(&first.band.to_dmatrix(), &exact, 1) < 1e-13);
    for _ in 0..2 {
        let again = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
        assert_eq!(again.method, BandMethod::Cpr);
        assert_eq!(again.hvps, 4);
        assert_eq!(again.band.to_dmatrix(), first.band.to_dmatrix());
        assert_eq!(again.gradient, first.gradient);
    }
    let forced = BandOptions {
        method: BandMethod::Substitution,
        fallback: false,
        verify: false,
        ..BandOptions::default()
    };
    let cached = hessian_banded_with(&p, &x, 1, &forced).unwrap();
    let fresh = hessian_banded_with(&chain, &x, 1, &forced).unwrap();
    assert_eq!(cached.method, BandMethod::Substitution);
    assert_eq!(cached.band.to_dmatrix(), fresh.band.to_dmatrix());
}

#[test]
fn well_scaled_band_keeps_substitution() {
    let p = ScaledChain { d: vec![1.0; 200] };
    let x = DVector::from_fn(200, |i, _| (0.1 * i as f64).sin());
    let h = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
    assert_eq!(h.method, BandMethod::Substitution);
    assert_eq!(h.hvps, 3); // k + 1 products and the probe
    assert!(scaled_entry_error(&h.band.to_dmatrix(), &p.exact(&x), 1) < 1e-14);
}

/// Variables the objective does not use (zero rows and columns of `H`,
/// inside and at the end): their entries have no scale of their own, so
/// their bound is measured against the largest row. Substitution keeps
/// them, with a rounding-level bound; an infinite one sent every such
/// objective to CPR, a second sweep.
#[test]
fn unused_variables_keep_substitution_and_a_finite_bound() {
    let mut d = vec![1.0; 200];
    d[50] = 0.0;
    d[199] = 0.0;
    let p = ScaledChain { d };
    let x = DVector::from_fn(200, |i, _| (0.1 * i as f64).sin());
    let dense = hessian(&p, &x).unwrap();
    assert_eq!(dense.row(50).amax(), 0.0);
    assert_eq!(dense.row(199).amax(), 0.0);
    let h = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
    assert_eq!(h.method, BandMethod::Substitution);
    assert_eq!(h.hvps, 3);
    // Rounding, grown along substitution's chains (100 steps here): far
    // below the default `bound_tol` of 1e-8.
    assert!(h.error_bound < 1e-10, "{}", h.error_bound);
    assert!((h.band.to_dmatrix() - &dense).amax() < 1e-12);
    let cpr = BandOptions {
        method: BandMethod::Cpr,
        ..BandOptions::default()
    };
    let h = hessian_banded_with(&p, &x, 1, &cpr).unwrap();
    assert!(h.error_bound < 1e-13, "{}", h.error_bound);
    assert!((h.band.to_dmatrix() - dense).amax() < 1e-12);
}

/// A path with a free final time `T = exp(x_last)` shared by every
/// segment (a dense last row and column), and a huge stiff diagonal on
/// the path points.
struct FreeTimePath {
    stiff: f64,
}

impl Objective for FreeTimePath {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let q = x.trim(0, 1); // the path: all but the last entry
        let t = x.last().exp();
        let seg = q.diff().square().sum() * t.recip();
        seg + t + (q.square().sum() * self.stiff)
    }
}

#[test]
fn probe_catches_a_dense_coupling_next_to_a_huge_diagonal() {
    let p = FreeTimePath { stiff: 6e15 };
    let n = 40;
    let x = DVector::from_fn(n, |i, _| {
        if i + 1 == n {
            0.0
        } else {
            (0.7 * i as f64).sin()
        }
    });
    let dense = hessian(&p, &x).unwrap();
    // The coupling to the last entry is small against the diagonal, not
    // against the last row.
    let coupling = (0..n - 1)
        .map(|i| dense[(i, n - 1)].abs())
        .fold(0.0, f64::max);
    assert!(coupling > 0.1 && coupling < 10.0, "coupling {coupling:e}");
    assert!(dense[(0, 0)] > 1e16);
    for method in [BandMethod::Substitution, BandMethod::Cpr] {
        let opts = BandOptions {
            method,
            ..BandOptions::default()
        };
        let err = hessian_banded_with(&p, &x, 2, &opts).unwrap_err();
        match err {
            Error::BandwidthTooSmall { k, detected, .. } => {
                assert_eq!(k, 2);
                assert_eq!(detected, Some(n - 1));
            }
            other => panic!("{method:?}: expected BandwidthTooSmall, got {other}"),
        }
    }
    // With the whole width the band is the dense Hessian.
    let full = hessian_banded(&p, &x, n - 1).unwrap().to_dmatrix();
    let scale = dense.amax();
    assert!((full - &dense).amax() <= 1e-14 * scale);
}

#[test]
fn bandwidth_error_names_the_detected_bandwidth_and_the_sparse_path() {
    struct Pentadiagonal;
    impl Objective for Pentadiagonal {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.diff2().square().sum() + x.square().sum()
        }
    }
    let x = DVector::from_fn(30, |i, _| i as f64);
    let err = hessian_banded(&Pentadiagonal, &x, 1).unwrap_err();
    assert!(matches!(
        err,
        Error::BandwidthTooSmall {
            k: 1,
            detected: Some(2),
            ..
        }
    ));
    let msg = err.to_string();
    assert!(msg.contains("half-bandwidth 1 is too small"), "{msg}");
    assert!(msg.contains("2"), "{msg}");
    assert!(msg.contains("minimize_sparse"), "{msg}");
    // Three significant digits for the residual.
    let residual = match err {
        Error::BandwidthTooSmall { residual, .. } => residual,
        _ => unreachable!(),
    };
    assert!(msg.contains(&format!("{residual:.2e}")), "{msg}");
}
