//! Detection within a limit: the half-bandwidth alone, a pattern refused
//! past the caller's number of nonzeros, and dense Hessians at sizes whose
//! pattern would not fit in memory.

use crate::common::PeriodicWithParameter;
use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::hessian::{
    BandOptions, SparseHessianPlan, SparseOptions, hessian, hessian_banded_auto, hessian_sparse,
};
use lensdiff::optim::{Newton, Structure};
use lensdiff::sparsity::{hessian_bandwidth, hessian_pattern, hessian_pattern_within};
use lensdiff::{Error, Expr, Objective, Real, c, grad};
use nalgebra::DVector;

/// ½ Σ (x_i − a_i)² + ½ (Σ x)², a_i = sin i, for `n` variables: the
/// Hessian is I + 11ᵀ (dense), the minimiser x = a − (Σ a)/(n + 1).
struct SquaredSum(usize);

impl Objective for SquaredSum {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let a = Expr::constant(DVector::from_fn(self.0, |i, _| c::<S>((i as f64).sin())));
        (x.clone() - a).norm_squared() * 0.5 + x.sum().square() * 0.5
    }
}

/// Σ (x[i+1] − x[i])² + sin(Σ x) · x₀ + Σ cosh xᵢ: a band and a dense
/// term (sin, not tanh, whose curvature underflows to 0 at a large sum).
struct SinOfSum;

impl Objective for SinOfSum {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.diff().norm_squared() + x.sum().sin() * x.at(0) + x.map(|t| t.cosh()).sum()
    }
}

/// x₀ · Σ_{i ≥ 1} sin xᵢ + Σ xᵢ² for `n` variables: an arrowhead,
/// recorded one pair at a time.
struct Arrow(usize);

impl Objective for Arrow {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.at(0) * x.slice(1, self.0 - 1).sin().sum() + x.square().sum()
    }
}

/// The half-bandwidth of the dense Hessian's nonzeros (the oracle).
fn dense_bandwidth<O: Objective>(obj: &O, x: &DVector<f64>) -> usize {
    let h = hessian(obj, x).unwrap();
    let n = x.len();
    (0..n)
        .flat_map(|i| (0..n).map(move |j| (i, j)))
        .filter(|&(i, j)| h[(i, j)] != 0.0)
        .map(|(i, j)| i.abs_diff(j))
        .max()
        .unwrap_or(0)
}

fn point(n: usize) -> DVector<f64> {
    DVector::from_fn(n, |i, _| 0.3 + 0.5 * (1.7 * i as f64).sin())
}

#[test]
fn the_bandwidth_alone_is_the_patterns_and_the_dense_hessians() {
    fn check<O: Objective>(name: &str, obj: &O, x: &DVector<f64>) {
        let k = hessian_bandwidth(obj, x).unwrap();
        assert_eq!(k, hessian_pattern(obj, x).unwrap().bandwidth(), "{name}");
        assert_eq!(k, dense_bandwidth(obj, x), "{name}");
    }
    check("chain1", &Chain1::new(40), &Chain1::new(40).x0());
    check("accel2", &Accel2::new(40), &Accel2::new(40).x0());
    let robot = Robot2d::new(20);
    check("robot2d", &robot, &robot.x0());
    for n in [1, 2, 7, 30] {
        check("squared sum", &SquaredSum(n), &point(n));
        check("sin of sum", &SinOfSum, &point(n));
    }
    check("arrow", &Arrow(25), &point(25));
    check("periodic", &PeriodicWithParameter, &point(31));
}

#[test]
fn a_pattern_within_its_limit_is_whole_and_past_it_refused() {
    fn check<O: Objective>(name: &str, obj: &O, x: &DVector<f64>) {
        let n = x.len();
        let whole = hessian_pattern(obj, x).unwrap();
        let nnz = whole.nnz();
        for limit in [nnz, nnz + 1, 2 * nnz + 7] {
            assert_eq!(
                hessian_pattern_within(obj, x, limit).unwrap(),
                whole,
                "{name}"
            );
        }
        for limit in [0, nnz / 3, nnz - 1] {
            match hessian_pattern_within(obj, x, limit) {
                Err(Error::HessianTooDense {
                    n: m,
                    limit: l,
                    found,
                    widest_row,
                }) => {
                    assert_eq!((m, l), (n, limit), "{name}");
                    assert!(
                        found > limit && found <= n * n,
                        "{name}: {found} vs {limit}"
                    );
                    assert!(widest_row <= whole.max_row_nnz(), "{name}: {widest_row}");
                }
                other => panic!("{name}, limit {limit} < {nnz}: {other:?}"),
            }
        }
    }
    check("robot2d", &Robot2d::new(30), &Robot2d::new(30).x0());
    check("squared sum", &SquaredSum(40), &point(40));
    check("sin of sum", &SinOfSum, &point(40));
    // Pairs that come one at a time: refused when the kept ones overflow.
    check("arrow", &Arrow(300), &point(300));
    check("periodic", &PeriodicWithParameter, &point(301));
}

#[test]
fn a_dense_hessian_at_n_2e5_is_refused_in_bounded_memory() {
    // 4·10¹⁰ nonzeros: a pattern (or a band) of them would not fit.
    let n = 200_000;
    let x = point(n);
    let squared_sum = SquaredSum(n);
    assert_eq!(hessian_bandwidth(&squared_sum, &x).unwrap(), n - 1);
    assert_eq!(hessian_bandwidth(&SinOfSum, &x).unwrap(), n - 1);
    for obj in [&squared_sum as &dyn Auto, &SinOfSum] {
        match obj.auto(&x) {
            Err(Error::HessianTooDense {
                n: m,
                limit,
                found,
                widest_row,
            }) => {
                assert_eq!(m, n);
                assert!(limit >= n && limit <= 16 * n, "{limit}");
                assert!(found > limit && widest_row >= n - 1, "{found} {widest_row}");
            }
            other => panic!("expected HessianTooDense, got {other:?}"),
        }
        // The band of a dense Hessian is refused before it is allocated.
        match obj.band_auto(&x) {
            Err(Error::BandTooLarge {
                n: m,
                k,
                entries,
                limit,
            }) => {
                assert_eq!((m, k, entries), (n, n - 1, n * n));
                assert_eq!(limit, BandOptions::default().max_entries);
            }
            other => panic!("hessian_banded_auto: expected BandTooLarge, got {other:?}"),
        }
        // The sparse paths stop at their own limit.
        let max_nnz = SparseOptions::default().max_nnz;
        for (path, result) in [
            ("hessian_sparse", obj.sparse_hessian(&x)),
            ("minimize_sparse", obj.sparse_newton(&x)),
        ] {
            match result {
                Err(Error::HessianTooDense {
                    n: m, limit, found, ..
                }) => {
                    assert_eq!((m, limit), (n, max_nnz), "{path}");
                    assert!(found > limit && found <= n * n, "{path}: {found}");
                }
                other => panic!("{path}: expected HessianTooDense, got {other:?}"),
            }
        }
        // A band of the wrong width is caught, and the error names the
        // true half-bandwidth.
        match obj.banded(&x, 1) {
            Err(Error::BandwidthTooSmall { k: 1, detected, .. }) => {
                assert_eq!(detected, Some(n - 1))
            }
            other => panic!("expected BandwidthTooSmall, got {other:?}"),
        }
    }
}

/// Newton's entry points on a `dyn` list of objectives.
trait Auto {
    fn auto(&self, x: &DVector<f64>) -> Result<Structure, Error>;
    fn banded(&self, x: &DVector<f64>, k: usize) -> Result<(), Error>;
    fn sparse_hessian(&self, x: &DVector<f64>) -> Result<(), Error>;
    fn band_auto(&self, x: &DVector<f64>) -> Result<(), Error>;
    fn sparse_newton(&self, x: &DVector<f64>) -> Result<(), Error>;
}

impl<O: Objective> Auto for O {
    fn auto(&self, x: &DVector<f64>) -> Result<Structure, Error> {
        Newton::default()
            .minimize_auto(self, x)
            .map(|r| r.structure)
    }
    fn banded(&self, x: &DVector<f64>, k: usize) -> Result<(), Error> {
        Newton::default().minimize(self, x, k).map(|_| ())
    }
    fn sparse_hessian(&self, x: &DVector<f64>) -> Result<(), Error> {
        hessian_sparse(self, x).map(|_| ())
    }
    fn band_auto(&self, x: &DVector<f64>) -> Result<(), Error> {
        hessian_banded_auto(self, x, &BandOptions::default()).map(|_| ())
    }
    fn sparse_newton(&self, x: &DVector<f64>) -> Result<(), Error> {
        Newton::default().minimize_sparse(self, x).map(|_| ())
    }
}

#[test]
fn the_sparse_paths_stop_at_their_limit_and_name_it() {
    // An arrowhead of 2·300 − 1 + 300 nonzeros: refused under a lower
    // limit, whole at the default.
    let n = 300;
    let x = point(n);
    let nnz = hessian_pattern(&Arrow(n), &x).unwrap().nnz();
    let tight = SparseOptions {
        max_nnz: nnz - 1,
        ..SparseOptions::default()
    };
    match SparseHessianPlan::new(&Arrow(n), &x, &tight) {
        Err(e @ Error::HessianTooDense { .. }) => {
            assert!(e.to_string().contains("SparseOptions::max_nnz"), "{e}");
            assert!(
                e.to_string().contains(&format!("limit of {}", nnz - 1)),
                "{e}"
            );
        }
        other => panic!("expected HessianTooDense, got {other:?}"),
    }
    let plan = SparseHessianPlan::new(&Arrow(n), &x, &SparseOptions::default()).unwrap();
    assert_eq!(plan.pattern().nnz(), nnz);
}

#[test]
fn minimize_auto_takes_a_dense_band_for_small_n() {
    let n = 60;
    let r = Newton::default()
        .minimize_auto(&SquaredSum(n), &DVector::zeros(n))
        .unwrap();
    assert_eq!(r.structure, Structure::Banded { k: n - 1 });
    // The minimiser in closed form: x = a − s·1, s = Σ a / (n + 1).
    let a = DVector::from_fn(n, |i, _| (i as f64).sin());
    let s = a.sum() / (n + 1) as f64;
    assert!((r.x.clone() - a.add_scalar(-s)).amax() < 1e-10);
    assert!(grad(&SquaredSum(n).lens::<f64>(), &r.x).amax() < 1e-10);
}
