//! Newton and gradient descent on the BENCH objectives, the trajectory's
//! geometry, and the error cases.

#[path = "../examples/problems/mod.rs"]
mod problems;

use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::graph::{Ctx, Op};
use lensdiff::optim::{
    Control, GradientDescent, GradientDescentOptions, Newton, StopReason, Stopping,
};
use lensdiff::{Error, Expr, Objective, Real, grad};
use nalgebra::DVector;

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
