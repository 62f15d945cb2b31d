//! What the SQP solver reports: each iteration, and the final result.

use nalgebra::DVector;

/// One SQP iteration, as passed to the observer and kept in the history:
/// the iterate `x_k` and the step that produced it (Ipopt's convention).
///
/// ```
/// use lensdiff::constrained::Sqp;
/// use lensdiff::{Expr, Objective, Real};
/// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
/// }
/// struct Circle;
/// impl Objective for Circle {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
/// }
/// let x0 = nalgebra::dvector![-0.5, -1.0];
/// let r = Sqp::default().minimize(&Sum, &Circle, &x0).unwrap();
/// let (first, last) = (&r.history[0], r.history.last().unwrap());
/// assert_eq!((first.iter, first.step), (0, 0.0));
/// assert_eq!(first.c_inf, 0.25); // ‖x0‖² − 1
/// assert!(last.c_inf < 1e-10 && last.step > 0.0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SqpIteration {
    /// Iteration number (0 is the starting point).
    pub iter: usize,
    /// `f(x_k)`.
    pub f: f64,
    /// `‖c(x_k)‖∞`, the constraint violation.
    pub c_inf: f64,
    /// `‖∇f(x_k) + J(x_k)ᵀ λ_k‖∞`, the Lagrangian's gradient.
    pub grad_l_inf: f64,
    /// The Hessian shift `δ` of the step to `x_k` (0 at iteration 0).
    pub delta: f64,
    /// The step length `α` to `x_k` (0 at iteration 0).
    pub step: f64,
    /// Whether that step took a second-order correction.
    pub soc: bool,
    /// Merit evaluations of that step's line search.
    pub ls_evals: usize,
    /// Seconds since the solve started.
    pub time_s: f64,
}

/// Why the solver stopped (errors are [`crate::Error`]s instead).
///
/// ```
/// use lensdiff::constrained::{Sqp, SqpOptions, SqpStatus};
/// use lensdiff::{Expr, Objective, Real};
/// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
/// }
/// struct Circle;
/// impl Objective for Circle {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
/// }
/// let x0 = nalgebra::dvector![-0.5, -1.0];
/// let capped = Sqp::new(SqpOptions { max_iters: 1, ..Default::default() });
/// assert_eq!(capped.minimize(&Sum, &Circle, &x0).unwrap().status, SqpStatus::MaxIterations);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqpStatus {
    /// `‖c‖∞` and `‖∇L‖∞` reached their tolerances.
    Converged,
    /// The iteration cap was reached first.
    MaxIterations,
    /// The observer asked to stop.
    Observer,
}

impl SqpStatus {
    /// A short name for reports (`"converged"`, `"max_iterations"`,
    /// `"observer"`).
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::SqpStatus::Converged.as_str(), "converged");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            SqpStatus::Converged => "converged",
            SqpStatus::MaxIterations => "max_iterations",
            SqpStatus::Observer => "observer",
        }
    }
}

/// The result of an SQP solve.
///
/// ```
/// use lensdiff::constrained::{Sqp, SqpStatus};
/// use lensdiff::{Expr, Objective, Real};
/// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
/// }
/// struct Circle;
/// impl Objective for Circle {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
/// }
/// let x0 = nalgebra::dvector![-0.5, -1.0];
/// let r = Sqp::default().minimize(&Sum, &Circle, &x0).unwrap();
/// assert_eq!(r.status, SqpStatus::Converged);
/// assert_eq!((r.x.len(), r.lambda.len(), r.kkt_size), (2, 1, 3));
/// assert!((r.lambda[0] - 0.5f64.sqrt()).abs() < 1e-10); // ∇f + λ∇c = 0
/// assert_eq!(r.history.len(), r.iterations + 1);
/// ```
#[derive(Debug, Clone)]
pub struct SqpResult {
    /// The final point.
    pub x: DVector<f64>,
    /// The final multipliers `λ` (`∇f + Jᵀλ = 0` at a KKT point).
    pub lambda: DVector<f64>,
    /// `f(x)`.
    pub f: f64,
    /// `‖c(x)‖∞`.
    pub c_inf: f64,
    /// `‖∇L(x, λ)‖∞`.
    pub grad_l_inf: f64,
    /// `max_j |dx_j| / (1 + |x_j|)` of the Newton step computed at `x`:
    /// the estimated relative error of `x` (see
    /// [`SqpOptions::step_tol`](super::SqpOptions::step_tol)); NaN when
    /// the solve ended before a step was computed there
    /// ([`SqpStatus::MaxIterations`], [`SqpStatus::Observer`]).
    pub forward_error: f64,
    /// Steps taken.
    pub iterations: usize,
    /// Why it stopped.
    pub status: SqpStatus,
    /// Every iteration, in order.
    pub history: Vec<SqpIteration>,
    /// The size `n + m` of the KKT systems solved.
    pub kkt_size: usize,
    /// Their half-bandwidth in the stage ordering.
    pub kkt_bandwidth: usize,
    /// The constraint Jacobian's comb width (products per Jacobian).
    pub jacobian_width: usize,
    /// The Lagrangian Hessian's half-bandwidth.
    pub hessian_bandwidth: usize,
    /// Wall time of the solve in seconds (detection included).
    pub time_s: f64,
}

/// The header of the iteration table.
pub(crate) fn print_header() {
    println!(
        "{:>4}  {:>15}  {:>9}  {:>9}  {:>6}  {:>9}  {:>3}  {:>8}",
        "iter", "objective", "inf_pr", "inf_du", "lg(rg)", "alpha", "ls", "time_s"
    );
}

/// One row: `lg(rg)` is `log10 δ` (`-` for no shift), `alpha` is marked
/// `s` after a second-order correction.
pub(crate) fn print_row(it: &SqpIteration) {
    let rg = if it.delta > 0.0 {
        format!("{:.1}", it.delta.log10())
    } else {
        "-".to_string()
    };
    let soc = if it.soc { "s" } else { " " };
    println!(
        "{:>4}  {:>15.8e}  {:>9.2e}  {:>9.2e}  {:>6}  {:>8.2e}{}  {:>3}  {:>8.3}",
        it.iter, it.f, it.c_inf, it.grad_l_inf, rg, it.step, soc, it.ls_evals, it.time_s
    );
}
