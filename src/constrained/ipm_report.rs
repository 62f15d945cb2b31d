//! What the interior-point solver reports: each iteration, the result.

use super::SqpStatus;
use nalgebra::DVector;

/// One interior-point iteration, as passed to the observer and kept in the
/// history: the iterate `x_k` and the step that produced it.
///
/// ```
/// use lensdiff::constrained::{Bounds, Ipm};
/// use lensdiff::{Expr, Objective, Real};
/// /// min x₀ + x₁ on the unit circle with x₀ ≥ 0: x = (0, −1).
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
/// }
/// struct Circle;
/// impl Objective for Circle {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
/// }
/// let b = Bounds::free(2).with(0, 0.0, f64::INFINITY);
/// let x0 = nalgebra::dvector![0.5, -0.5];
/// let r = Ipm::default().minimize(&Sum, &Circle, &b, &Bounds::zero(1), &x0).unwrap();
/// let (first, last) = (&r.history[0], r.history.last().unwrap());
/// assert_eq!((first.iter, first.alpha_primal), (0, 0.0));
/// assert!(last.mu < first.mu && last.complementarity < 1e-8);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct IpmIteration {
    /// Iteration number (0 is the starting point).
    pub iter: usize,
    /// `f(x_k)`.
    pub f: f64,
    /// `‖h‖∞`, the violation of the equalities with the slacks
    /// (`c_i − s_i` on inequality rows), Ipopt's `inf_pr`.
    pub primal_inf: f64,
    /// `‖∇f + Jᵀλ − z_l + z_u‖∞` (and the slacks' part), Ipopt's `inf_du`
    /// (unscaled).
    pub dual_inf: f64,
    /// `max (v − lo) z_l, (hi − v) z_u` over the bounds of the variables
    /// and slacks.
    pub complementarity: f64,
    /// The barrier parameter at `x_k`.
    pub mu: f64,
    /// The Hessian shift `δ` of the step to `x_k` (0: none).
    pub delta: f64,
    /// The primal step length to `x_k` (0 at iteration 0).
    pub alpha_primal: f64,
    /// The bound multipliers' step length.
    pub alpha_dual: f64,
    /// Trial points evaluated by that step's line search.
    pub ls_evals: usize,
    /// Seconds since the solve started.
    pub time_s: f64,
}

/// The result of an interior-point solve.
///
/// ```
/// use lensdiff::constrained::{Bounds, Ipm, SqpStatus};
/// use lensdiff::{Expr, Objective, Real};
/// /// min Σ (x_i − 2)² with x ≤ 1 and x₀ = x₁: x = (1, 1), z_u = 2.
/// struct Far;
/// impl Objective for Far {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { (x - 2.0).norm_squared() }
/// }
/// struct Same;
/// impl Objective for Same {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.slice(0, 1) - x.slice(1, 1) }
/// }
/// let b = Bounds::new(vec![f64::NEG_INFINITY; 2], vec![1.0; 2]);
/// let r = Ipm::default()
///     .minimize(&Far, &Same, &b, &Bounds::zero(1), &nalgebra::dvector![0.0, 0.0])
///     .unwrap();
/// assert_eq!(r.status, SqpStatus::Converged);
/// assert!((r.x[0] - 1.0).abs() < 1e-7 && (r.z_upper[1] - 2.0).abs() < 1e-6);
/// assert_eq!(r.history.len(), r.iterations + 1);
/// ```
#[derive(Debug, Clone)]
pub struct IpmResult {
    /// The final point.
    pub x: DVector<f64>,
    /// The constraint rows' multipliers (`∇f + Jᵀλ − z_l + z_u = 0`;
    /// `λ_i ≥ 0` at an active upper row bound, `≤ 0` at a lower one).
    pub lambda: DVector<f64>,
    /// The multipliers of the variables' lower bounds (0 where none).
    pub z_lower: DVector<f64>,
    /// The multipliers of the variables' upper bounds (0 where none).
    pub z_upper: DVector<f64>,
    /// `f(x)`.
    pub f: f64,
    /// The largest violation of a constraint row's bounds by `c(x)`.
    pub c_inf: f64,
    /// `‖∇f + Jᵀλ − z_l + z_u‖∞` (with the slacks' part).
    pub dual_inf: f64,
    /// The complementarity `max (v − lo) z` over every finite bound.
    pub complementarity: f64,
    /// The final barrier parameter.
    pub mu: f64,
    /// `max_j |d_j| / (1 + |v_j|)` of the Newton step computed at `x` (and
    /// the slacks): the estimated relative error of the point (see
    /// [`IpmOptions::step_tol`](super::IpmOptions::step_tol)); NaN when the
    /// solve ended before a step was computed there.
    pub forward_error: f64,
    /// Steps taken.
    pub iterations: usize,
    /// Steps taken in the feasibility restoration phase (0 when it never
    /// ran): where the line search failed at a point violating the rows,
    /// these minimised the violation until the filter accepted a point.
    pub restoration_steps: usize,
    /// Why it stopped.
    pub status: SqpStatus,
    /// Every iteration, in order.
    pub history: Vec<IpmIteration>,
    /// The size `n + m` of the KKT systems solved (the slacks eliminated).
    pub kkt_size: usize,
    /// Their half-bandwidth in the stage ordering.
    pub kkt_bandwidth: usize,
    /// Wall time of the solve in seconds (detection included).
    pub time_s: f64,
}

/// The header of the iteration table (Ipopt's columns).
pub(crate) fn print_header() {
    println!(
        "{:>4}  {:>15}  {:>9}  {:>9}  {:>9}  {:>5}  {:>6}  {:>9}  {:>9}  {:>3}  {:>8}",
        "iter",
        "objective",
        "inf_pr",
        "inf_du",
        "compl",
        "lg(mu)",
        "lg(rg)",
        "alpha_du",
        "alpha_pr",
        "ls",
        "time_s"
    );
}

/// One row: `lg(rg)` is `log10 δ` (`-` for no shift).
pub(crate) fn print_row(it: &IpmIteration) {
    let rg = if it.delta > 0.0 {
        format!("{:.1}", it.delta.log10())
    } else {
        "-".to_string()
    };
    println!(
        "{:>4}  {:>15.8e}  {:>9.2e}  {:>9.2e}  {:>9.2e}  {:>5.1}  {:>6}  {:>9.2e}  {:>9.2e}  {:>3}  {:>8.3}",
        it.iter,
        it.f,
        it.primal_inf,
        it.dual_inf,
        it.complementarity,
        it.mu.log10(),
        rg,
        it.alpha_dual,
        it.alpha_primal,
        it.ls_evals,
        it.time_s
    );
}
