//! Hessian-vector products, dense and banded Hessians against independent
//! oracles: finite differences of the gradient, the dense Hessian, symmetry.

mod banded;
mod extraction;
mod hvp;
mod reuse;

use crate::common::unlocated;
use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::hessian::{
    BandMethod, BandOptions, hessian, hessian_banded, hessian_banded_with, hvp, value_and_grad_hvps,
};
use lensdiff::optim::Newton;
use lensdiff::{Error, Expr, Objective, Real, c, grad};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

/// A random banded objective: Σ_i sin(Σ_j a_j x[i+j]) + b·Σ (Σ_j a'_j x[i+j])²
/// over windows of width k+1, plus an elementwise quartic. Half-bandwidth k.
#[derive(Debug, Clone)]
struct RandomBand {
    a: Vec<f64>,
    b: Vec<f64>,
    w: f64,
}

impl Objective for RandomBand {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let w = self.w;
        let quartic = x.map(move |t| t.powi(4) * c(0.1) + (t * c(w)).cos()).sum();
        let s1 = x.linear_stencil("a", &self.a).sin().sum();
        let s2 = x.linear_stencil("b", &self.b).square().sum() * 0.3;
        quartic + s1 + s2
    }
}

fn fd_hessian<O: Objective>(obj: &O, x: &DVector<f64>) -> DMatrix<f64> {
    let f = obj.lens::<f64>();
    let n = x.len();
    let h = 1e-5;
    let mut m = DMatrix::zeros(n, n);
    for j in 0..n {
        let mut xp = x.clone();
        let mut xm = x.clone();
        xp[j] += h;
        xm[j] -= h;
        let col = (grad(&f, &xp) - grad(&f, &xm)) / (2.0 * h);
        m.set_column(j, &col);
    }
    m
}

fn restrict_to_band(m: &DMatrix<f64>, k: usize) -> DMatrix<f64> {
    DMatrix::from_fn(m.nrows(), m.ncols(), |i, j| {
        if i.abs_diff(j) <= k { m[(i, j)] } else { 0.0 }
    })
}

fn strategy() -> impl Strategy<Value = (RandomBand, DVector<f64>, usize)> {
    strategy_up_to(120)
}

fn strategy_up_to(max_n: usize) -> impl Strategy<Value = (RandomBand, DVector<f64>, usize)> {
    (0usize..=6, 1usize..=max_n).prop_flat_map(|(k, n)| {
        let w = k + 1;
        (
            prop::collection::vec(-1.0f64..1.0, w),
            prop::collection::vec(-1.0f64..1.0, w),
            0.5f64..3.0,
            prop::collection::vec(-1.0f64..1.0, n),
        )
            .prop_map(move |(a, b, w, x)| {
                // The window of width k+1 needs n ≥ k+1; shorter x gets a
                // narrower (still valid) stencil.
                let keep = a.len().min(x.len());
                (
                    RandomBand {
                        a: a[..keep].to_vec(),
                        b: b[..keep].to_vec(),
                        w,
                    },
                    DVector::from_vec(x),
                    k,
                )
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn banded_extraction_equals_dense_hessian_on_the_band((obj, x, k) in strategy()) {
        let dense = hessian(&obj, &x).unwrap();
        let scale = dense.amax().max(1.0);
        // The dense Hessian is symmetric and outside the band it is zero.
        prop_assert!((&dense - dense.transpose()).amax() <= 1e-12 * scale);
        prop_assert!((&dense - restrict_to_band(&dense, k)).amax() == 0.0);
        for method in [BandMethod::Cpr, BandMethod::Substitution] {
            let opts = BandOptions { method, ..Default::default() };
            let b = hessian_banded_with(&obj, &x, k, &opts).unwrap();
            let err = (b.band.to_dmatrix() - &dense).amax();
            prop_assert!(err <= 1e-12 * scale, "{:?}: error {} (scale {})", method, err, scale);
            prop_assert_eq!(b.hvps, method.products(x.len(), k.min(x.len() - 1)) + 1);
            // Value and gradient from the same sweep.
            let f = obj.lens::<f64>();
            prop_assert!((b.value - f.eval(&x)).abs() <= 1e-12 * b.value.abs().max(1.0));
            prop_assert!((b.gradient.clone() - grad(&f, &x)).amax() <= 1e-12 * scale);
        }
    }

    #[test]
    fn dense_hessian_matches_finite_differences_of_the_gradient((obj, x, _k) in strategy_up_to(40)) {
        let dense = hessian(&obj, &x).unwrap();
        let fd = fd_hessian(&obj, &x);
        let scale = dense.amax().max(1.0);
        prop_assert!((dense - fd).amax() <= 1e-6 * scale);
    }

    #[test]
    fn hvp_is_the_hessian_times_v((obj, x, _k) in strategy_up_to(60), seed in 0u64..1000) {
        let v = DVector::from_fn(x.len(), |i, _| ((i as u64 * 7 + seed) % 11) as f64 / 5.0 - 1.0);
        let dense = hessian(&obj, &x).unwrap();
        let hv = hvp(&obj, &x, &v);
        prop_assert!((hv - &dense * &v).amax() <= 1e-12 * dense.amax().max(1.0) * x.len() as f64);
    }
}

fn check_problem<P: Problem>(p: &P) {
    let x = p.x0();
    let dense = hessian(p, &x).unwrap();
    let k = p.bandwidth();
    assert_eq!(
        (&dense - restrict_to_band(&dense, k)).amax(),
        0.0,
        "{}: nonzero outside the band",
        p.name()
    );
    for method in [BandMethod::Cpr, BandMethod::Substitution] {
        let opts = BandOptions {
            method,
            ..Default::default()
        };
        let b = hessian_banded_with(p, &x, k, &opts).unwrap();
        let err = (b.band.to_dmatrix() - &dense).amax();
        assert!(err <= 1e-10, "{} {:?}: max error {err}", p.name(), method);
    }
}

#[test]
fn bench_objectives_at_n_1000_match_the_dense_hessian() {
    check_problem(&Chain1::new(1000));
    check_problem(&Accel2::new(1000));
    check_problem(&Robot2d::new(500));
}

#[test]
fn dense_hessian_of_bench_objectives_matches_finite_differences() {
    for p in [
        &Chain1::new(30) as &dyn ProblemDyn,
        &Accel2::new(30),
        &Robot2d::new(15),
    ] {
        p.check();
    }
}

trait ProblemDyn {
    fn check(&self);
}
impl<P: Problem> ProblemDyn for P {
    fn check(&self) {
        let x = self.x0();
        let d = hessian(self, &x).unwrap();
        let fd = fd_hessian(self, &x);
        assert!(
            (&d - &fd).amax() <= 1e-6 * d.amax().max(1.0),
            "{}: {}",
            self.name(),
            (&d - &fd).amax()
        );
    }
}

#[test]
fn bandwidth_check_fires_on_accel2_with_k_1() {
    let p = Accel2::new(200);
    for method in [BandMethod::Cpr, BandMethod::Substitution] {
        let opts = BandOptions {
            method,
            ..Default::default()
        };
        match hessian_banded_with(&p, &p.x0(), 1, &opts) {
            Err(Error::BandwidthTooSmall { k: 1, residual, .. }) => assert!(residual > 1e-3),
            other => panic!("{method:?}: expected BandwidthTooSmall, got {other:?}"),
        }
        // Without the check the (wrong) band comes back: the caller asked.
        let unchecked = BandOptions {
            verify: false,
            ..opts
        };
        assert!(hessian_banded_with(&p, &p.x0(), 1, &unchecked).is_ok());
    }
}

#[test]
fn edge_cases_small_n_and_k_zero() {
    // n = 1, and n ≤ 2k+1 (degenerate comb), and k ≥ n.
    for n in 1..=6 {
        let obj = RandomBand {
            a: vec![0.3, -0.7, 0.2][..3.min(n)].to_vec(),
            b: vec![0.5, 0.1, -0.4][..3.min(n)].to_vec(),
            w: 1.3,
        };
        let x = DVector::from_fn(n, |i, _| 0.1 * i as f64 - 0.2);
        let dense = hessian(&obj, &x).unwrap();
        for k in [2usize, 5, 10] {
            for method in [BandMethod::Cpr, BandMethod::Substitution] {
                let opts = BandOptions {
                    method,
                    ..Default::default()
                };
                let b = hessian_banded_with(&obj, &x, k, &opts).unwrap();
                assert!((b.band.to_dmatrix() - &dense).amax() < 1e-12, "n={n} k={k}");
            }
        }
    }
    // k = 0: a diagonal Hessian from one product.
    struct Diag;
    impl Objective for Diag {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.map(|t| t.sin() * t).sum()
        }
    }
    let x = DVector::from_fn(7, |i, _| i as f64 * 0.3);
    let b = hessian_banded_with(&Diag, &x, 0, &BandOptions::default()).unwrap();
    assert_eq!(b.hvps, 2);
    for i in 0..7 {
        let t: f64 = x[i];
        let exact = 2.0 * t.cos() - t * t.sin();
        assert!((b.band.get(i, i) - exact).abs() < 1e-13);
    }
}

#[test]
fn non_finite_inputs_and_values_are_errors() {
    let p = Accel2::new(10);
    let mut x = p.x0();
    x[3] = f64::NAN;
    assert_eq!(
        hessian_banded(&p, &x, 2).unwrap_err(),
        Error::NonFinite {
            what: "x",
            index: Some(3)
        }
    );
    assert!(matches!(
        hessian(&p, &x),
        Err(Error::NonFinite { what: "x", .. })
    ));
    // ln of a negative number: a NaN value is an error, not an answer.
    struct Log;
    impl Objective for Log {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.ln().sum()
        }
    }
    let bad = DVector::from_vec(vec![1.0, -1.0]);
    assert!(matches!(
        hessian_banded(&Log, &bad, 0),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        value_and_grad_hvps(&Log, &bad, &[]),
        Err(Error::NonFinite { .. })
    ));
}

#[test]
fn wrong_length_is_an_error_not_a_panic() {
    // robot2d with m = 5 reads x[8..10]: a vector of length 4 is too short.
    let p = Robot2d::new(5);
    let x = DVector::from_element(4, 0.1);
    assert!(matches!(
        hessian_banded(&p, &x, 4).map_err(unlocated),
        Err(Error::DimensionMismatch { .. })
    ));
}

#[test]
fn many_products_split_over_several_sweeps() {
    // 20 directions > 16 per sweep.
    let p = Chain1::new(25);
    let x = p.x0();
    let dense = hessian(&p, &x).unwrap();
    let vs: Vec<DVector<f64>> = (0..20)
        .map(|c| DVector::from_fn(25, |i, _| ((i + c) % 3) as f64 - 1.0))
        .collect();
    let (_, _, hv) = value_and_grad_hvps(&p, &x, &vs).unwrap();
    assert_eq!(hv.len(), 20);
    for (v, h) in vs.iter().zip(&hv) {
        assert!((&dense * v - h).amax() < 1e-12);
    }
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
    let dense = hessian(&Stencil, &one).map_err(unlocated);
    let band = hessian_banded(&Stencil, &one, 1).map_err(unlocated);
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
