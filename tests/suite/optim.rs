//! Newton and gradient descent on the BENCH objectives, the trajectory's
//! geometry, and the error cases; `classic`, the classic problems against
//! Ipopt; `honesty`, random non-convex objectives whose converged answers
//! must be minima.

mod classic;
mod gradient_descent;
mod honesty;
mod ill_conditioned;

use crate::common::PeriodicWithParameter;
use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::banded::EnvelopeCholesky;
use lensdiff::graph::{Ctx, Op};
use lensdiff::optim::{
    Control, GradientDescent, GradientDescentOptions, Newton, NewtonOptions, StopReason, Stopping,
    Structure,
};
use lensdiff::sparsity::hessian_pattern;
use lensdiff::{Error, Expr, Objective, Real, c, grad, value_and_grad};
use nalgebra::{DMatrix, DVector};

fn newton_converges<P: Problem>(p: &P) -> lensdiff::optim::OptimResult {
    let r = Newton::default()
        .minimize(p, &p.x0(), p.bandwidth())
        .unwrap();
    let target = 1e-8 * r.grad0_inf.max(1.0);
    assert_eq!(r.stop, StopReason::Gradient, "{}: {:?}", p.name(), r.stop);
    assert!(
        r.iterations <= 50,
        "{}: {} iterations",
        p.name(),
        r.iterations
    );
    // Independent check of the final gradient (plain reverse mode at f64).
    let g = grad(&p.lens::<f64>(), &r.x);
    assert!(
        g.amax() <= target,
        "{}: |grad| {} > {target}",
        p.name(),
        g.amax()
    );
    r
}

#[test]
fn newton_reaches_the_relative_gradient_target_on_all_bench_objectives_at_n_1e4() {
    newton_converges(&Chain1::new(10_000));
    newton_converges(&Accel2::new(10_000));
    newton_converges(&Robot2d::new(5_000));
}

#[test]
fn newton_crosses_the_indefinite_region_of_chain1_with_the_shift() {
    let p = Chain1::new(10_000);
    // The Hessian at x0 is indefinite: the dense Hessian of a small chain1
    // has a negative eigenvalue (independent check with nalgebra).
    let small = Chain1::new(50);
    let h = lensdiff::hessian::hessian(&small, &small.x0()).unwrap();
    let min_eig = h.symmetric_eigenvalues().min();
    assert!(min_eig < 0.0, "chain1's Hessian at x0 should be indefinite");
    let r = newton_converges(&p);
    assert!(
        r.history.iter().any(|it| it.tau > 0.0),
        "the Levenberg shift must be used"
    );
    assert_eq!(r.history.last().unwrap().tau, 0.0);
    // Every accepted step decreased f.
    for w in r.history.windows(2) {
        assert!(w[1].f <= w[0].f + 1e-13 * (1.0 + w[0].f.abs()));
    }
}

#[test]
fn gradient_descent_needs_many_more_iterations_than_newton() {
    let p = Chain1::new(10_000);
    let newton = newton_converges(&p);
    let gd = GradientDescent::new(GradientDescentOptions {
        stopping: Stopping {
            max_iters: 2_000,
            stall_iters: 0,
            ..Stopping::default()
        },
        ..Default::default()
    })
    .minimize(&p, &p.x0())
    .unwrap();
    // Gradient descent takes over ten times Newton's iterations and still
    // stalls at f's rounding floor far above Newton's gradient.
    assert!(
        gd.iterations >= 10 * newton.iterations,
        "GD {} vs Newton {} iterations",
        gd.iterations,
        newton.iterations
    );
    assert_ne!(gd.stop, StopReason::Gradient);
    assert!(gd.grad_inf > 1e3 * newton.grad_inf);
    assert!(gd.f > newton.f);
}

#[test]
fn optimised_trajectory_avoids_the_obstacle_and_connects_the_endpoints() {
    let m = 400;
    let p = Robot2d::new(m);
    let r = newton_converges(&p);
    let x = &r.x;
    // Endpoints pinned (penalty 100: close, not exact).
    assert!((x[0].powi(2) + x[1].powi(2)).sqrt() < 0.02);
    assert!(((x[2 * m - 2] - 1.0).powi(2) + (x[2 * m - 1] - 1.0).powi(2)).sqrt() < 0.02);
    // Every point keeps its distance from the obstacle's centre, where
    // the straight line from the start passes through it.
    let start_clearance = (0..m)
        .map(|i| ((p.x0()[2 * i] - 0.5).powi(2) + (p.x0()[2 * i + 1] - 0.5).powi(2)).sqrt())
        .fold(f64::INFINITY, f64::min);
    assert!(start_clearance < 0.01);
    for i in 0..m {
        let d = ((x[2 * i] - 0.5).powi(2) + (x[2 * i + 1] - 0.5).powi(2)).sqrt();
        assert!(d > 0.15, "point {i} at distance {d} from the obstacle");
    }
    // Consecutive points are close: a connected path, no jumps.
    for i in 1..m {
        let step =
            ((x[2 * i] - x[2 * i - 2]).powi(2) + (x[2 * i + 1] - x[2 * i - 1]).powi(2)).sqrt();
        assert!(step < 10.0 / m as f64, "jump of {step} at point {i}");
    }
}

#[test]
fn observer_sees_every_iteration_and_can_stop() {
    let p = Accel2::new(1000);
    let mut seen = Vec::new();
    let r = Newton::default()
        .minimize_observed(&p, &p.x0(), 2, &mut |it| {
            seen.push(it.clone());
            Control::Continue
        })
        .unwrap();
    assert_eq!(seen.len(), r.iterations);
    assert_eq!(&r.history[..seen.len()], &seen[..]);
    let stopped = Newton::default()
        .minimize_observed(&p, &p.x0(), 2, &mut |it| {
            if it.iter >= 1 {
                Control::Stop
            } else {
                Control::Continue
            }
        })
        .unwrap();
    assert_eq!(stopped.stop, StopReason::Observer);
    assert_eq!(stopped.iterations, 2);
}

#[test]
fn non_finite_start_is_an_error() {
    let p = Chain1::new(10);
    let mut x = p.x0();
    x[4] = f64::INFINITY;
    assert_eq!(
        Newton::default().minimize(&p, &x, 1).unwrap_err(),
        Error::NonFinite {
            what: "x0",
            index: Some(4)
        }
    );
    assert!(matches!(
        GradientDescent::default().minimize(&p, &x),
        Err(Error::NonFinite { what: "x0", .. })
    ));
}

/// A start of the wrong length is named from the caller's side: the
/// length passed, the length the objective was built for, and the
/// constant that fixes it; an empty start is named as the start.
#[test]
fn a_wrong_length_or_empty_start_is_named_from_the_callers_side() {
    struct Fit {
        target: DVector<f64>,
    }
    impl Objective for Fit {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            (x - Expr::constant(self.target.map(c::<S>))).square().sum()
        }
    }
    let p = Fit {
        target: DVector::from_element(5, 1.0),
    };
    let short = DVector::zeros(4);
    for err in [
        Newton::default().minimize(&p, &short, 1).unwrap_err(),
        Newton::default().minimize_sparse(&p, &short).unwrap_err(),
        Newton::default().minimize_auto(&p, &short).unwrap_err(),
    ] {
        match &err {
            Error::InputLength {
                found, expected, ..
            } => {
                assert_eq!(*found, 4, "{err}");
                assert_eq!(*expected, Some(5), "{err}");
            }
            other => panic!("expected InputLength, got {other:?}"),
        }
        assert!(err.to_string().contains("length 4"), "{err}");
    }
    let empty = DVector::zeros(0);
    for err in [
        Newton::default().minimize(&p, &empty, 1).unwrap_err(),
        Newton::default().minimize_sparse(&p, &empty).unwrap_err(),
        Newton::default().minimize_auto(&p, &empty).unwrap_err(),
    ] {
        assert!(
            matches!(err, Error::InvalidArgument { op: "Newton", .. }),
            "{err:?}"
        );
        assert!(err.to_string().contains("x0 is empty"), "{err}");
    }
}

/// f(x) = Σ ln(x) is NaN for x ≤ 0: a start there is an error, not NaN.
struct LogSum;
impl Objective for LogSum {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.ln().sum()
    }
}

#[test]
fn non_finite_value_is_an_error() {
    let x = DVector::from_vec(vec![1.0, -1.0, 2.0]);
    assert!(matches!(
        Newton::default().minimize(&LogSum, &x, 0),
        Err(Error::NonFinite { .. })
    ));
    assert!(matches!(
        GradientDescent::default().minimize(&LogSum, &x),
        Err(Error::NonFinite { .. })
    ));
}

/// `y = x` with a derivative that lies (−1): every step along −∇f goes up.
struct Liar;
impl<S: Real> Op<S> for Liar {
    fn name(&self) -> &'static str {
        "liar"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        y.copy_from_slice(x[0]);
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        for (y, x) in dy.iter_mut().zip(dx) {
            *y -= *x;
        }
    }
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        for (x, y) in dx.iter_mut().zip(dy) {
            *x -= *y;
        }
    }
}

#[test]
fn a_line_search_that_cannot_decrease_is_an_error() {
    // f(x) = Σ x, differentiated by a primitive that reports −1: the
    // "descent" direction increases f for every step length.
    struct WrongGrad;
    impl Objective for WrongGrad {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.apply_op(std::sync::Arc::new(Liar), &[]).sum()
        }
    }
    let x0 = DVector::from_vec(vec![0.5, 0.25]);
    let err = GradientDescent::default()
        .minimize(&WrongGrad, &x0)
        .unwrap_err();
    assert!(
        matches!(err, Error::LineSearchFailed { iteration: 0, .. }),
        "{err:?}"
    );
    // The same lie at a point where the full step's increase is below the
    // rounding slack must still not creep upward for ever: at most the first
    // trial may use the slack.
    let tiny = DVector::from_vec(vec![1e-20, 0.0]);
    let err = GradientDescent::default()
        .minimize(&WrongGrad, &tiny)
        .unwrap_err();
    assert!(matches!(err, Error::LineSearchFailed { .. }), "{err:?}");
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
    // At most 10 products a Hessian, plus the few of the step's refinement
    // (3 in 11 iterations when measured).
    assert!(
        r.hvps <= 11 * (r.iterations + 1),
        "{} products in {} iterations",
        r.hvps,
        r.iterations
    );
    let lap = r.x[p.n() - 1].exp();
    assert!(lap > 0.5 && lap < 50.0, "lap time {lap}");
    for (i, (wx, wy)) in p.waypoints() {
        assert!((r.x[2 * i] - wx).hypot(r.x[2 * i + 1] - wy) < 0.05);
    }
}
