//! The sparse solve path: orderings, the envelope Cholesky, and Newton's
//! method on sparse (non-banded) Hessians. Oracles: nalgebra's dense
//! Cholesky, the dense Hessian, and the banded Newton path.

#[path = "../examples/problems/mod.rs"]
mod problems;

use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::banded::{EnvelopeCholesky, envelope_ordering, envelope_size, reverse_cuthill_mckee};
use lensdiff::hessian::{SparseHessianPlan, SparseOptions};
use lensdiff::optim::{Newton, NewtonOptions, StopReason};
use lensdiff::sparsity::{CscMatrix, Pattern, hessian_pattern};
use lensdiff::{Error, Expr, Objective, Real, value_and_grad};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

/// The symmetric CSC matrix of a dense symmetric matrix's nonzeros.
fn csc_of(a: &DMatrix<f64>) -> CscMatrix {
    let n = a.nrows();
    let (mut col_ptr, mut row_idx, mut values) = (vec![0], Vec::new(), Vec::new());
    for j in 0..n {
        for i in 0..n {
            if a[(i, j)] != 0.0 {
                row_idx.push(i);
                values.push(a[(i, j)]);
            }
        }
        col_ptr.push(row_idx.len());
    }
    CscMatrix {
        nrows: n,
        ncols: n,
        col_ptr,
        row_idx,
        values,
    }
}

fn is_permutation(p: &[usize]) -> bool {
    let mut seen = vec![false; p.len()];
    p.iter()
        .all(|&v| v < p.len() && !std::mem::replace(&mut seen[v], true))
}

/// A random symmetric matrix: a band of half-width `k`, `extra` random
/// couplings, `hubs` rows coupled to everything; diagonally dominant
/// (positive definite) when `spd`, else with a random diagonal.
fn random_matrix(
    n: usize,
    k: usize,
    extra: &[(usize, usize)],
    hubs: &[usize],
    vals: &[f64],
    spd: bool,
) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(n, n);
    let mut t = 0;
    let mut next = || {
        t += 1;
        vals[t % vals.len()]
    };
    let set = |a: &mut DMatrix<f64>, i: usize, j: usize, v: f64| {
        a[(i, j)] = v;
        a[(j, i)] = v;
    };
    for i in 0..n {
        for j in i + 1..(i + k + 1).min(n) {
            set(&mut a, i, j, next());
        }
    }
    for &(i, j) in extra {
        if i % n != j % n {
            set(&mut a, i % n, j % n, next());
        }
    }
    for &h in hubs {
        for j in 0..n {
            if j != h % n {
                set(&mut a, h % n, j, next());
            }
        }
    }
    for i in 0..n {
        let off: f64 = (0..n).filter(|&j| j != i).map(|j| a[(i, j)].abs()).sum();
        a[(i, i)] = if spd {
            off + 1.0 + next().abs()
        } else {
            next()
        };
    }
    a
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The envelope Cholesky solves what the dense Cholesky solves, for
    /// bands with random couplings and hubs, with and without a shift.
    #[test]
    fn envelope_cholesky_matches_dense(
        n in 1usize..60,
        k in 0usize..4,
        extra in prop::collection::vec((0usize..60, 0usize..60), 0..6),
        hubs in prop::collection::vec(0usize..60, 0..3),
        vals in prop::collection::vec(-2.0f64..2.0, 1..40),
        shift in prop_oneof![Just(0.0), 0.0f64..3.0],
    ) {
        let a = random_matrix(n, k, &extra, &hubs, &vals, true);
        let csc = csc_of(&a);
        let mut chol = EnvelopeCholesky::analyze(&csc.pattern()).unwrap();
        prop_assert!(is_permutation(chol.permutation()));
        chol.factor(&csc, shift).unwrap();
        let b = DVector::from_fn(n, |i, _| (i as f64 * 0.7).sin() + 0.1);
        let x = chol.solve(&b).unwrap();
        let shifted = &a + DMatrix::identity(n, n) * shift;
        let expected = shifted.clone().cholesky().unwrap().solve(&b);
        prop_assert!((&x - &expected).amax() <= 1e-9 * expected.amax().max(1.0),
            "n={n} k={k}: {x} vs {expected}");
    }

    /// An indefinite matrix is refused exactly when the dense Cholesky
    /// refuses it (up to pivots near zero), and never gives a wrong solve.
    #[test]
    fn envelope_cholesky_refuses_indefinite(
        n in 1usize..40,
        k in 0usize..3,
        extra in prop::collection::vec((0usize..40, 0usize..40), 0..4),
        vals in prop::collection::vec(-2.0f64..2.0, 1..30),
    ) {
        let a = random_matrix(n, k, &extra, &[], &vals, false);
        let csc = csc_of(&a);
        let mut chol = EnvelopeCholesky::analyze(&csc.pattern()).unwrap();
        let ours = chol.factor(&csc, 0.0);
        let min_eig = a.clone().symmetric_eigenvalues().min();
        if min_eig < -1e-8 {
            prop_assert!(matches!(ours, Err(Error::NotPositiveDefinite { .. })), "min eigenvalue {min_eig}");
        } else if min_eig > 1e-8 && ours.is_ok() {
            let b = DVector::from_element(n, 1.0);
            let x = chol.solve(&b).unwrap();
            prop_assert!((&a * &x - &b).amax() < 1e-6 * (1.0 + x.amax() * a.amax()));
        }
    }

    /// The chosen ordering is a permutation and never has a larger envelope
    /// than the natural order.
    #[test]
    fn ordering_never_worse_than_natural(
        n in 1usize..80,
        k in 0usize..4,
        extra in prop::collection::vec((0usize..80, 0usize..80), 0..8),
        hubs in prop::collection::vec(0usize..80, 0..2),
    ) {
        let a = random_matrix(n, k, &extra, &hubs, &[1.0], true);
        let p = csc_of(&a).pattern();
        let rcm = reverse_cuthill_mckee(&p);
        prop_assert!(is_permutation(&rcm));
        let best = envelope_ordering(&p);
        let natural: Vec<usize> = (0..n).collect();
        prop_assert!(envelope_size(&p, &best) <= envelope_size(&p, &natural));
    }
}

/// A periodic band (the last points couple to the first) keeps an
/// envelope of O(n·k) entries; a variable coupled to everything goes last.
#[test]
fn periodic_bands_and_hubs_keep_small_envelopes() {
    let n = 10_000;
    for k in 1..4 {
        let periodic = Pattern::from_entries(
            n,
            n,
            (0..n).flat_map(|i| (0..=k).flat_map(move |d| [(i, (i + d) % n), ((i + d) % n, i)])),
        );
        // The natural order fills the last k rows completely (k·n more);
        // reverse Cuthill–McKee folds the ring into a band (level sets of
        // 2k vertices: half-width below 4k).
        let natural: Vec<usize> = (0..n).collect();
        assert!(
            envelope_size(&periodic, &natural) >= 2 * k * n,
            "{}",
            envelope_size(&periodic, &natural)
        );
        let rcm = reverse_cuthill_mckee(&periodic);
        assert!(envelope_size(&periodic, &rcm) <= (4 * k + 1) * n, "k = {k}");
        let env = EnvelopeCholesky::analyze(&periodic)
            .unwrap()
            .envelope_size();
        assert!(env <= (2 * k + 2) * n, "k = {k}: envelope {env}");
    }
    // Hub first: the natural order fills the whole triangle.
    let hub_first = Pattern::from_entries(
        n,
        n,
        (0..n).flat_map(|i| {
            [
                (i, i),
                (0, i),
                (i, 0),
                (i, (i + 1).min(n - 1)),
                ((i + 1).min(n - 1), i),
            ]
        }),
    );
    let chol = EnvelopeCholesky::analyze(&hub_first).unwrap();
    assert!(chol.envelope_size() <= 3 * n, "{}", chol.envelope_size());
    assert_eq!(*chol.permutation().last().unwrap(), 0);
}

#[test]
fn envelope_cholesky_errors() {
    let a = csc_of(&DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 3.0]));
    let mut chol = EnvelopeCholesky::analyze(&a.pattern()).unwrap();
    // No factorisation yet.
    assert!(matches!(
        chol.solve(&DVector::zeros(2)),
        Err(Error::InvalidArgument { .. })
    ));
    chol.factor(&a, 0.0).unwrap();
    assert!(matches!(
        chol.solve(&DVector::zeros(3)),
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    // An entry outside the analysed (diagonal) pattern.
    let full = csc_of(&DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]));
    let err = chol.factor(&full, 0.0).unwrap_err();
    assert!(
        err.to_string().contains("outside the analysed pattern"),
        "{err}"
    );
    // A failed factorisation leaves nothing to solve with.
    assert!(chol.solve(&DVector::zeros(2)).is_err());
    let three = csc_of(&DMatrix::identity(3, 3));
    assert!(matches!(
        chol.factor(&three, 0.0),
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    // A non-square pattern.
    assert!(EnvelopeCholesky::analyze(&Pattern::from_entries(2, 3, [(0, 0)])).is_err());
    // NaN pivots are refused.
    let nan = csc_of(&DMatrix::from_row_slice(1, 1, &[f64::NAN]));
    let mut c = EnvelopeCholesky::analyze(&nan.pattern()).unwrap();
    assert!(matches!(
        c.factor(&nan, 0.0),
        Err(Error::NotPositiveDefinite { pivot: 0, .. })
    ));
}

/// A closed (periodic) chain with a shared scale: every point couples to
/// its neighbours, the last to the first, and all to the final entry.
struct PeriodicWithParameter;

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

#[test]
fn plan_recovers_the_dense_hessian_at_other_points() {
    let p = PeriodicWithParameter;
    let n = 30;
    let x0 = DVector::from_fn(n, |i, _| 0.1 * i as f64 + 0.5);
    let plan = SparseHessianPlan::new(&p, &x0, &SparseOptions::default()).unwrap();
    let x1 = x0.map(|v| 1.3 - 0.5 * v);
    let h = plan.evaluate(&p, &x1).unwrap();
    let dense = lensdiff::hessian::hessian(&p, &x1).unwrap();
    assert!((h.hessian.to_dmatrix() - &dense).amax() < 1e-10 * dense.amax());
    let (f, g) = value_and_grad(&p.lens::<f64>(), &x1);
    assert_eq!(h.value, f);
    assert!((h.gradient - g).amax() < 1e-12);
    assert!(h.hvps == plan.colors() + 1);
}

/// `x_i x_j` only where `x_i > 0`: the pattern depends on the point.
struct Branchy;

impl Objective for Branchy {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let a = x.slice(0, 5);
        let b = x.slice(5, 5);
        let coupled = a.zip_map(&b, |u, v| if u.value_f64() > 0.0 { u * v } else { u + v });
        coupled.sum() * 0.1 + (x.clone() - 0.5).square().sum()
    }
}

#[test]
fn a_pattern_detected_elsewhere_is_caught_by_the_probe() {
    let x_neg = DVector::from_element(10, -1.0);
    let x_pos = DVector::from_element(10, 1.0);
    let plan = SparseHessianPlan::new(&Branchy, &x_neg, &SparseOptions::default()).unwrap();
    assert_eq!(plan.pattern().nnz(), 10, "diagonal only where u ≤ 0");
    match plan.evaluate(&Branchy, &x_pos) {
        Err(Error::PatternMismatch { nnz: 10, residual }) => assert!(residual > 1e-3),
        other => panic!("expected PatternMismatch, got {other:?}"),
    }
    // Newton starts where the coupling is absent, walks into x > 0 where it
    // is present, re-detects there and still converges.
    let r = Newton::default().minimize_sparse(&Branchy, &x_neg).unwrap();
    assert_eq!(r.stop, StopReason::Gradient);
    let (_, g) = value_and_grad(&Branchy.lens::<f64>(), &r.x);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0));
    assert!(r.x.iter().take(5).all(|&v| v > 0.0));
}

/// Sparse and banded Newton agree on the BENCH problems.
#[test]
fn sparse_newton_matches_banded_newton_on_bench_problems() {
    fn check<P: Problem>(p: &P) {
        let x0 = p.x0();
        let banded = Newton::default().minimize(p, &x0, p.bandwidth()).unwrap();
        let sparse = Newton::default().minimize_sparse(p, &x0).unwrap();
        assert_eq!(sparse.stop, banded.stop, "{}", p.name());
        let (_, g) = value_and_grad(&p.lens::<f64>(), &sparse.x);
        assert!(g.amax() <= 1e-8 * sparse.grad0_inf.max(1.0) || sparse.stop == StopReason::Stalled);
        assert!(
            (sparse.f - banded.f).abs() <= 1e-9 * banded.f.abs().max(1.0),
            "{}: {} vs {}",
            p.name(),
            sparse.f,
            banded.f
        );
        let diff = (&sparse.x - &banded.x).amax();
        assert!(diff < 1e-5, "{}: solutions differ by {diff}", p.name());
    }
    check(&Chain1::new(2000));
    check(&Accel2::new(2000));
    check(&Robot2d::new(1000));
}

/// Newton on a periodic problem with a shared parameter: converged to the
/// gradient tolerance (checked by an independent gradient), with an
/// envelope that stays O(n).
#[test]
fn sparse_newton_solves_a_periodic_problem_with_a_shared_parameter() {
    let n = 5001;
    let x0 = DVector::from_fn(n, |i, _| {
        if i + 1 == n {
            1.0
        } else {
            (i as f64 * 0.01).sin()
        }
    });
    let pat = hessian_pattern(&PeriodicWithParameter, &x0).unwrap();
    assert_eq!(pat.bandwidth(), n - 1, "not banded");
    let env = EnvelopeCholesky::analyze(&pat).unwrap().envelope_size();
    assert!(env <= 4 * n, "envelope {env}");
    let opts = NewtonOptions::default();
    let r = Newton::new(opts)
        .minimize_sparse(&PeriodicWithParameter, &x0)
        .unwrap();
    assert_eq!(r.stop, StopReason::Gradient);
    let (_, g) = value_and_grad(&PeriodicWithParameter.lens::<f64>(), &r.x);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0), "{}", g.amax());
    assert!(r.iterations < 50);
}

/// The orbit problem: the detected pattern is the dense Hessian's, and
/// sparse Newton converges (checked by an independent gradient), with the
/// lap time strictly inside (0, ∞) and the waypoints met.
#[test]
fn orbit_pattern_and_sparse_newton() {
    use crate::problems::Orbit;
    let small = Orbit::new(16);
    let x = small.x0().map(|v| v * 0.9 + 0.01);
    let dense = lensdiff::hessian::hessian(&small, &x).unwrap();
    let pat = hessian_pattern(&small, &x).unwrap();
    for i in 0..small.n() {
        for j in 0..small.n() {
            assert_eq!(pat.contains(i, j), dense[(i, j)] != 0.0, "({i}, {j})");
        }
    }
    assert_eq!(pat.bandwidth(), small.n() - 1);
    let p = Orbit::new(2000);
    let r = Newton::default().minimize_sparse(&p, &p.x0()).unwrap();
    assert_eq!(
        r.stop,
        StopReason::Gradient,
        "after {} iterations",
        r.iterations
    );
    let (_, g) = value_and_grad(&p.lens::<f64>(), &r.x);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0));
    assert!(r.hvps <= 10 * (r.iterations + 1), "{} products", r.hvps);
    let lap = r.x[p.n() - 1].exp();
    assert!(lap > 0.5 && lap < 50.0, "lap time {lap}");
    for (i, (wx, wy)) in p.waypoints() {
        assert!((r.x[2 * i] - wx).hypot(r.x[2 * i + 1] - wy) < 0.05);
    }
}

/// A chain with two hubs (parameters coupled to every variable) above the
/// dense threshold: the star colouring gives each hub its own colour, and
/// the direct recovery equals the dense Hessian.
struct TwoHubs;

impl Objective for TwoHubs {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let body = x.trim(0, 2);
        let chain = body.diff().sin().sum() + body.square().sum();
        let (a, b) = (x.at_from_end(1), x.at_from_end(0));
        chain
            + a * body.cos().sum()
            + (b - 1.0).square() * body.square().sum() * 0.01
            + (x.clone() * 0.3).square().sum()
    }
}

#[test]
fn hubs_get_their_own_colours_and_recovery_is_exact() {
    use lensdiff::hessian::{Recovery, hessian_sparse_with};
    use lensdiff::sparsity::star_coloring;
    let n = 400; // dense threshold max(16, 10·√400) = 200 < 399
    let x = DVector::from_fn(n, |i, _| (i as f64 * 0.37).sin());
    let pat = hessian_pattern(&TwoHubs, &x).unwrap();
    let coloring = star_coloring(&pat);
    let (a, b) = (n - 2, n - 1);
    assert_ne!(coloring.color(a), coloring.color(b));
    for v in 0..n - 2 {
        assert_ne!(coloring.color(v), coloring.color(a));
        assert_ne!(coloring.color(v), coloring.color(b));
    }
    assert!(coloring.n_colors() <= 2 + 3, "{}", coloring.n_colors());
    let dense = lensdiff::hessian::hessian(&TwoHubs, &x).unwrap();
    for recovery in [Recovery::Direct, Recovery::Substitution] {
        let h = hessian_sparse_with(&TwoHubs, &x, recovery).unwrap();
        let err = (h.hessian.to_dmatrix() - &dense).amax();
        assert!(err < 1e-10 * dense.amax(), "{recovery:?}: {err}");
    }
    let r = Newton::default().minimize_sparse(&TwoHubs, &x).unwrap();
    let (_, g) = value_and_grad(&TwoHubs.lens::<f64>(), &r.x);
    assert_eq!(r.stop, StopReason::Gradient);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0));
}
