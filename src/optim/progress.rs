//! What an optimiser reports: each iteration, and the final result.

use nalgebra::DVector;
use std::time::Instant;

/// One iteration, as passed to an observer and kept in the history.
#[derive(Debug, Clone, PartialEq)]
pub struct Iteration {
    /// Iteration number (0 is the starting point).
    pub iter: usize,
    /// `f(x)` at the start of the iteration.
    pub f: f64,
    /// `‖∇f(x)‖∞` at the start of the iteration.
    pub grad_inf: f64,
    /// The accepted step length α (0 at the last iteration).
    pub step: f64,
    /// `‖α d‖∞`, the size of the accepted move.
    pub step_inf: f64,
    /// The Levenberg shift τ used (Newton; 0 for gradient descent).
    pub tau: f64,
    /// Hessian-vector products used this iteration.
    pub hvps: usize,
    /// Function evaluations of the line search.
    pub ls_evals: usize,
    /// Newton: the decrement `λ² = −∇fᵀd` of the step `d` at the start of
    /// the iteration: `d = −(H + τI)⁻¹∇f`, or that step refined towards
    /// `−H⁻¹∇f` by conjugate gradients when `τ` lies within the rounding
    /// level of `H` (NaN when the step was not a Newton step, and for
    /// gradient descent).
    pub decrement: f64,
    /// Newton with a trust region: the radius `Δ` (in the scaled
    /// variables) of the accepted step (`None` for the line search and
    /// gradient descent).
    pub radius: Option<f64>,
    /// Newton with a trust region: the ratio `ρ` of the actual to the
    /// predicted decrease of the accepted step (`None` where it was not
    /// used: the line search, gradient descent, and a step judged by the
    /// gradient because `f` could not resolve its decrease).
    pub rho: Option<f64>,
    /// Seconds since the solve started.
    pub time_s: f64,
}

impl Iteration {
    /// An iteration's row at its start, before a step is taken: the step's
    /// columns zero, the optional figures absent.
    pub(crate) fn start(iter: usize, f: f64, grad_inf: f64, hvps: usize, time_s: f64) -> Self {
        Iteration {
            iter,
            f,
            grad_inf,
            step: 0.0,
            step_inf: 0.0,
            tau: 0.0,
            hvps,
            ls_evals: 0,
            decrement: f64::NAN,
            radius: None,
            rho: None,
            time_s,
        }
    }
}

/// What the observer tells the optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Go on.
    Continue,
    /// Stop now (the result says [`StopReason::Observer`]).
    Stop,
}

/// Why an optimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Converged: `‖∇f‖∞` reached its target, the Newton decrement is
    /// small, and the Hessian there is positive semidefinite to its
    /// rounding level (a minimum, not a saddle or a maximum). Gradient
    /// descent, which has no Hessian, checks the gradient and then the
    /// lowest curvature by a few Lanczos steps on Hessian-vector products
    /// (see [`crate::optim::GradientDescent`]).
    Gradient,
    /// A step decreased `f` by less than the user's relative tolerance
    /// ([`crate::optim::Stopping::f_rtol`]): not a verified convergence.
    RelativeDecrease,
    /// The iteration cap was reached.
    MaxIterations,
    /// Converged at the float64 rounding floor: the gradient target lies
    /// below what float64 can resolve. Newton stops here only when all of
    /// these are measured at the point: the Hessian is positive
    /// semidefinite to its rounding level, `f` can no longer resolve the
    /// model's decrease, a full step no longer shrinks the gradient, and
    /// `‖∇f‖∞` is within a small factor of the gradient's rounding floor,
    /// measured by evaluating `∇f` at neighbours of `x` one ulp away
    /// ([`OptimResult::grad_floor`]).
    RoundingFloor,
    /// The gradient is small but the Hessian has a direction of negative
    /// curvature (a saddle or a maximum), and no step along it decreased
    /// `f` measurably: not converged.
    SaddleNotEscaped,
    /// No progress in `f` or `‖∇f‖∞` for [`crate::optim::Stopping::stall_iters`]
    /// iterations without reaching a convergence test: not converged.
    Stalled,
    /// The observer asked to stop.
    Observer,
}

/// The Hessian structure a solve ran on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Structure {
    /// No Hessian (gradient descent).
    None,
    /// A banded Hessian of half-bandwidth `k`.
    Banded {
        /// The half-bandwidth.
        k: usize,
    },
    /// A sparse Hessian on a detected pattern.
    Sparse {
        /// Structural nonzeros of the pattern (at the start).
        nnz: usize,
        /// Colours (Hessian-vector products) per evaluation, the probe
        /// excluded.
        colors: usize,
    },
}

impl std::fmt::Display for Structure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Structure::None => write!(f, "no Hessian"),
            Structure::Banded { k } => write!(f, "banded, k = {k}"),
            Structure::Sparse { nnz, colors } => {
                write!(f, "sparse, {nnz} nonzeros, {colors} colours")
            }
        }
    }
}

impl StopReason {
    /// `true` for the stops that mean a verified convergence:
    /// [`StopReason::Gradient`] and [`StopReason::RoundingFloor`]. The
    /// user's relative-decrease test stops a solve but verifies nothing.
    ///
    /// ```
    /// use lensdiff::optim::StopReason;
    /// assert!(StopReason::RoundingFloor.converged());
    /// assert!(!StopReason::Stalled.converged());
    /// assert!(!StopReason::SaddleNotEscaped.converged());
    /// assert!(!StopReason::RelativeDecrease.converged());
    /// ```
    pub fn converged(self) -> bool {
        matches!(self, StopReason::Gradient | StopReason::RoundingFloor)
    }
}

/// The result of a minimisation.
#[derive(Debug, Clone)]
pub struct OptimResult {
    /// The final point.
    pub x: DVector<f64>,
    /// `f(x)`.
    pub f: f64,
    /// `‖∇f(x)‖∞`.
    pub grad_inf: f64,
    /// `‖∇f(x0)‖∞`.
    pub grad0_inf: f64,
    /// Iterations taken (steps accepted).
    pub iterations: usize,
    /// Function evaluations (line searches included).
    pub f_evals: usize,
    /// Gradient evaluations.
    pub grad_evals: usize,
    /// Hessian-vector products.
    pub hvps: usize,
    /// Every iteration, in order.
    pub history: Vec<Iteration>,
    /// Why it stopped.
    pub stop: StopReason,
    /// The last Newton decrement `λ²` computed (`None` for gradient
    /// descent, or when no Newton step was computed).
    pub decrement: Option<f64>,
    /// The Hessian structure the solve ran on.
    pub structure: Structure,
    /// The rounding floor of `‖∇f‖∞` measured at the final point, when
    /// the solver measured it (always with [`StopReason::RoundingFloor`]):
    /// the largest change of `∇f` between `x` and neighbours of `x` one
    /// ulp away in every component.
    pub grad_floor: Option<f64>,
    /// Wall time of the solve in seconds.
    pub time_s: f64,
}

impl OptimResult {
    /// `true` when the solve stopped on a convergence test (see
    /// [`StopReason::converged`]).
    ///
    /// ```
    /// use lensdiff::optim::Newton;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
    /// struct Tri;
    /// impl Objective for Tri {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(100, |i, _| (0.7 * i as f64).sin());
    /// assert!(Newton::default().minimize(&Tri, &x, 1).unwrap().converged());
    /// ```
    pub fn converged(&self) -> bool {
        self.stop.converged()
    }
}

/// Prints the iteration table, IPOPT style.
fn print_header(method: &str, n: usize) {
    println!("{method} on n = {n}");
    println!(
        "{:>5} {:>23} {:>10} {:>10} {:>9} {:>10} {:>9} {:>9} {:>9} {:>5} {:>9}",
        "iter",
        "f",
        "|grad|inf",
        "lambda^2",
        "step",
        "|dx|inf",
        "tau",
        "radius",
        "rho",
        "hvps",
        "time[s]"
    );
}

/// A table cell for a figure that a method may not have.
fn optional(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2e}"))
}

/// Prints one row of the iteration table.
fn print_row(it: &Iteration) {
    println!(
        "{:>5} {:>23.15e} {:>10.3e} {:>10.3e} {:>9.2e} {:>10.3e} {:>9.2e} {:>9} {:>9} {:>5} {:>9.3}",
        it.iter,
        it.f,
        it.grad_inf,
        it.decrement,
        it.step,
        it.step_inf,
        it.tau,
        optional(it.radius),
        optional(it.rho),
        it.hvps,
        it.time_s
    );
}

/// The bookkeeping of one solve: counters, history, table, clock.
pub(crate) struct Tally {
    start: Instant,
    verbose: bool,
    pub(crate) f_evals: usize,
    pub(crate) grad_evals: usize,
    pub(crate) hvps: usize,
    pub(crate) grad0: f64,
    pub(crate) decrement: Option<f64>,
    pub(crate) structure: Structure,
    pub(crate) grad_floor: Option<f64>,
    /// Line search: full steps taken at the rounding floor.
    pub(crate) floor_steps: usize,
    history: Vec<Iteration>,
}

impl Tally {
    pub(crate) fn new(method: &str, n: usize, verbose: bool) -> Self {
        if verbose {
            print_header(method, n);
        }
        Tally {
            start: Instant::now(),
            verbose,
            f_evals: 0,
            grad_evals: 0,
            hvps: 0,
            grad0: 0.0,
            decrement: None,
            structure: Structure::None,
            grad_floor: None,
            floor_steps: 0,
            history: Vec::new(),
        }
    }

    pub(crate) fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// Keeps an iteration (and prints it when verbose and `print`).
    pub(crate) fn record(&mut self, it: Iteration, print: bool) {
        if self.verbose && print {
            print_row(&it);
        }
        self.history.push(it);
    }

    pub(crate) fn finish(
        self,
        x: DVector<f64>,
        f: f64,
        grad_inf: f64,
        iterations: usize,
        stop: StopReason,
    ) -> OptimResult {
        let time_s = self.elapsed();
        OptimResult {
            x,
            f,
            grad_inf,
            grad0_inf: self.grad0,
            iterations,
            f_evals: self.f_evals,
            grad_evals: self.grad_evals,
            hvps: self.hvps,
            history: self.history,
            stop,
            decrement: self.decrement,
            structure: self.structure,
            grad_floor: self.grad_floor,
            time_s,
        }
    }
}
