//! Trust cases: badly scaled bands, small couplings next to huge
//! diagonals, honest stopping of Newton and gradient descent, structure
//! found by the tracer, and consistent results at n = 0 and n = 1.
//!
//! Every objective here is written for this file (none is a BENCH
//! problem), and every expected value comes from a hand-derived formula or
//! from an independent method (the dense Hessian from unit vectors).

use lensdiff::hessian::{BandMethod, BandOptions, hessian, hessian_banded, hessian_banded_with};
use lensdiff::optim::{
    GradientDescent, GradientDescentOptions, Newton, NewtonOptions, StopReason, Stopping, Structure,
};
use lensdiff::{Error, Expr, Objective, Real, c};
use nalgebra::{DMatrix, DVector};

/// Geometric scales from `lo` to `hi` over `n` entries.
fn geometric(n: usize, lo: f64, hi: f64) -> Vec<f64> {
    (0..n)
        .map(|i| lo * (hi / lo).powf(i as f64 / (n - 1).max(1) as f64))
        .collect()
}

/// `g(D x)` with `g(y) = Σ (y[i+1] − y[i])² + Σ cosh(y_i)` and a diagonal
/// scaling `D`: a tridiagonal Hessian `D T D` with entries spread over
/// `max(D)² / min(D)²`.
struct ScaledChain {
    d: Vec<f64>,
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
    // Decreasing scales: substitution subtracts huge known entries from
    // the products to recover small ones.
    let p = ScaledChain {
        d: geometric(50, 1e4, 1e-4),
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

#[test]
fn well_scaled_band_keeps_substitution() {
    let p = ScaledChain { d: vec![1.0; 200] };
    let x = DVector::from_fn(200, |i, _| (0.1 * i as f64).sin());
    let h = hessian_banded_with(&p, &x, 1, &BandOptions::default()).unwrap();
    assert_eq!(h.method, BandMethod::Substitution);
    assert_eq!(h.hvps, 3); // k + 1 products and the probe
    assert!(scaled_entry_error(&h.band.to_dmatrix(), &p.exact(&x), 1) < 1e-14);
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

/// Pseudo-Huber: Σ √(1 + x²), minimum 0 at x = 0 with f = n.
struct PseudoHuber;

impl Objective for PseudoHuber {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        (x.square() + 1.0).sqrt().sum()
    }
}

#[test]
fn newton_from_far_away_keeps_going_while_f_falls() {
    let n = 5;
    let x0 = DVector::from_fn(n, |i, _| 1e4 * (1.0 + 0.1 * i as f64));
    let r = Newton::default().minimize(&PseudoHuber, &x0, 0).unwrap();
    assert!(r.converged(), "stopped with {:?} at f = {}", r.stop, r.f);
    assert!((r.f - n as f64).abs() < 1e-10, "f = {}", r.f);
    assert!(r.x.amax() < 1e-6, "x = {}", r.x);
    let g = GradientDescent::default()
        .minimize(&PseudoHuber, &x0)
        .unwrap();
    assert!(
        g.f < 6.0,
        "gradient descent stopped at f = {} ({:?})",
        g.f,
        g.stop
    );
}

/// −Σ x²: unbounded below.
struct Unbounded;

impl Objective for Unbounded {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        -x.square().sum()
    }
}

#[test]
fn unbounded_below_is_an_error_naming_f_and_the_iteration() {
    let x0 = DVector::from_element(4, 0.5);
    let err = Newton::default().minimize(&Unbounded, &x0, 0).unwrap_err();
    match &err {
        Error::Unbounded { f, iteration } => {
            assert!(*f < -1e20, "f = {f}");
            assert!(*iteration > 0 && *iteration < 100);
        }
        other => panic!("expected Unbounded, got {other}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("unbounded below"), "{msg}");
    let err = Newton::default()
        .minimize_sparse(&Unbounded, &x0)
        .unwrap_err();
    assert!(matches!(err, Error::Unbounded { .. }), "{err}");
    let opts = GradientDescentOptions::default();
    let err = GradientDescent::new(opts)
        .minimize(&Unbounded, &x0)
        .unwrap_err();
    assert!(matches!(err, Error::Unbounded { .. }), "{err}");
}

/// 1e6 Σ (x[i+1] − x[i])² + 1e-3 Σ cos x + 1e-4 Σ x²: a stiff coupling
/// and a soft potential; the minimiser is x_i = x* with
/// −1e-3 sin x* + 2e-4 x* = 0, x* ≈ 2.5957.
struct Stiff;

impl Objective for Stiff {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.diff().square().sum() * 1e6 + x.cos().sum() * 1e-3 + x.square().sum() * 1e-4
    }
}

/// The root of 5 sin x = x in (2, 3) by bisection.
fn stiff_minimiser() -> f64 {
    let (mut a, mut b) = (2.0_f64, 3.0_f64);
    for _ in 0..200 {
        let m = 0.5 * (a + b);
        if (5.0 * m.sin() - m) > 0.0 {
            a = m;
        } else {
            b = m;
        }
    }
    0.5 * (a + b)
}

#[test]
fn stiff_problem_converges_to_its_minimiser_with_default_options() {
    let n = 1000;
    let x0 = DVector::from_fn(n, |i, _| 0.2 * (3.0 * i as f64 / n as f64).sin());
    let r = Newton::default().minimize(&Stiff, &x0, 1).unwrap();
    let xs = stiff_minimiser();
    assert!((xs - 2.5957).abs() < 1e-3);
    assert!(r.converged(), "{:?}", r.stop);
    let worst = r.x.iter().map(|v| (v - xs).abs()).fold(0.0, f64::max);
    assert!(
        worst < 1e-6,
        "max |x − x*| = {worst:e} after {} iterations",
        r.iterations
    );
    assert!(r.iterations < 40);
}

#[test]
fn convergence_at_the_rounding_floor_is_reported_as_converged_and_quick() {
    // A quadratic solved by one Newton step whose gradient target lies
    // far below the float64 floor (the gradient's rounding error at the
    // solution is ≈ ε · 1e8).
    struct BigQuadratic {
        a: DVector<f64>,
    }
    impl Objective for BigQuadratic {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            let a = Expr::constant(self.a.map(|v| c::<S>(v)));
            x.diff().square().sum() + (x - a).square().sum() * 0.5
        }
    }
    let a = DVector::from_fn(50, |i, _| 1e8 * (1.0 + 0.5 * (i as f64).sin()));
    let x0 = DVector::zeros(50);
    let opts = NewtonOptions {
        stopping: Stopping {
            grad_rtol: 1e-30,
            ..Stopping::default()
        },
        ..NewtonOptions::default()
    };
    let p = BigQuadratic { a };
    let r = Newton::new(opts).minimize(&p, &x0, 1).unwrap();
    assert_eq!(
        r.stop,
        StopReason::RoundingFloor,
        "{:?} after {}",
        r.stop,
        r.iterations
    );
    assert!(r.converged());
    assert!(r.iterations <= 5, "{} iterations", r.iterations);
    // The solution of (I + 2L) x = a, by nalgebra's dense LU.
    let n = 50;
    let m = DMatrix::from_fn(n, n, |i, j| {
        let lap = if i == j {
            (if i > 0 { 2.0 } else { 0.0 }) + (if i + 1 < n { 2.0 } else { 0.0 })
        } else if i.abs_diff(j) == 1 {
            -2.0
        } else {
            0.0
        };
        lap + if i == j { 1.0 } else { 0.0 }
    });
    let exact = m.lu().solve(&p.a).unwrap();
    assert!((r.x - exact).amax() < 1e-6);
}

#[test]
fn bench_like_problems_still_stop_on_the_gradient() {
    struct Quartic;
    impl Objective for Quartic {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.diff().square().sum() * 0.5 + x.map(|t| t.powi(4) * c(0.25) - t * t * c(0.5)).sum()
        }
    }
    let x0 = DVector::from_fn(300, |i, _| (0.07 * i as f64).sin());
    let r = Newton::default().minimize(&Quartic, &x0, 1).unwrap();
    assert_eq!(r.stop, StopReason::Gradient);
    assert!(r.decrement.is_some_and(|d| d >= 0.0));
}

#[test]
fn newton_finds_the_structure_itself() {
    struct Ring; // a band with a corner: not banded, sparse
    impl Objective for Ring {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            let close = x.at(0) - x.last();
            x.diff().square().sum() + close.square() + (x - 1.0).powi(4).sum()
        }
    }
    struct Penta;
    impl Objective for Penta {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.diff2().square().sum() + (x.clone() - 2.0).powi(4).sum() + x.square().sum()
        }
    }
    let x0 = DVector::zeros(300);
    let ring = Newton::default().minimize_auto(&Ring, &x0).unwrap();
    assert!(ring.converged());
    assert!(
        matches!(ring.structure, Structure::Sparse { .. }),
        "{}",
        ring.structure
    );
    let penta = Newton::default().minimize_auto(&Penta, &x0).unwrap();
    assert!(penta.converged());
    assert_eq!(penta.structure, Structure::Banded { k: 2 });
    assert_eq!(penta.structure.to_string(), "banded, k = 2");
    let banded = Newton::default().minimize(&Penta, &x0, 2).unwrap();
    assert!((banded.x - penta.x).amax() < 1e-10);
}

#[test]
fn empty_and_length_one_inputs_are_consistent_across_the_hessian_entry_points() {
    struct Stencil;
    impl Objective for Stencil {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.diff2().square().sum() + x.square().sum()
        }
    }
    struct Differences; // defined at n = 1: the difference vector is empty
    impl Objective for Differences {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.diff().square().sum() + x.square().sum()
        }
    }
    struct Pointwise;
    impl Objective for Pointwise {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.exp().sum()
        }
    }
    let empty = DVector::<f64>::zeros(0);
    for r in [
        hessian(&Pointwise, &empty).map(|_| ()),
        hessian_banded(&Pointwise, &empty, 1).map(|_| ()),
    ] {
        assert!(
            matches!(r, Err(Error::InvalidArgument { .. })),
            "n = 0 must be an InvalidArgument error: {r:?}"
        );
    }
    // A stencil needs two entries: both entry points say so, neither panics.
    let one = DVector::from_element(1, 0.5);
    let dense = hessian(&Stencil, &one);
    let band = hessian_banded(&Stencil, &one, 1);
    assert!(
        matches!(dense, Err(Error::DimensionMismatch { .. })),
        "{dense:?}"
    );
    assert!(
        matches!(band, Err(Error::DimensionMismatch { .. })),
        "{band:?}"
    );
    let d = hessian(&Differences, &one).unwrap();
    let b = hessian_banded(&Differences, &one, 1).unwrap().to_dmatrix();
    assert_eq!((d[(0, 0)], b[(0, 0)]), (2.0, 2.0));
    // A pointwise objective at n = 1: both give e^x.
    let d = hessian(&Pointwise, &one).unwrap();
    let b = hessian_banded(&Pointwise, &one, 3).unwrap().to_dmatrix();
    assert_eq!(d.shape(), (1, 1));
    assert!((d[(0, 0)] - 0.5f64.exp()).abs() < 1e-15);
    assert!((b[(0, 0)] - 0.5f64.exp()).abs() < 1e-15);
}

#[test]
fn wrong_length_points_are_errors_at_every_hessian_entry_point() {
    // An objective whose length is fixed by a constant of length 5.
    struct Target;
    impl Objective for Target {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            let t = Expr::constant(DVector::from_fn(5, |i, _| c::<S>(i as f64)));
            (x - t).square().sum()
        }
    }
    let short = DVector::zeros(4);
    let errors = [
        hessian(&Target, &short).map(|_| ()),
        hessian_banded(&Target, &short, 0).map(|_| ()),
        Newton::default().minimize(&Target, &short, 0).map(|_| ()),
        Newton::default()
            .minimize_sparse(&Target, &short)
            .map(|_| ()),
        Newton::default().minimize_auto(&Target, &short).map(|_| ()),
    ];
    for r in errors {
        let e = r.expect_err("a 4-long x for a 5-long objective");
        let msg = e.to_string();
        assert!(msg.contains('4') && msg.contains('5'), "{msg}");
    }
    // The right length works.
    let r = Newton::default()
        .minimize(&Target, &DVector::zeros(5), 0)
        .unwrap();
    assert!((r.x - DVector::from_fn(5, |i, _| i as f64)).amax() < 1e-12);
}
