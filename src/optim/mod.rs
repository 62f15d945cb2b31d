//! Optimisation: damped Newton with banded Hessians, and gradient descent
//! behind the same interface as the baseline.
//!
//! Both minimise an [`crate::Objective`] from a starting point, report every
//! iteration to an observer (and, when verbose, print an iteration table),
//! and return an [`OptimResult`] that says why they stopped
//! ([`OptimResult::converged`] tells a converged stop from a cap or a
//! stall). Non-finite starting points or values, an objective unbounded
//! below and a line search that cannot decrease are errors, never a NaN
//! answer.
//!
//! ## When Newton stops
//!
//! Converged ([`StopReason::Gradient`]) only when all of these hold at the
//! point: the gradient test (`‖∇f‖∞ ≤ max(grad_rtol · max(1,
//! ‖∇f(x0)‖∞), grad_atol)`), the Newton-decrement test (`λ²/2 ≤
//! decrement_rtol · max(1, |f|)` with `λ² = ∇fᵀ H⁻¹ ∇f`: a problem's
//! scaling cannot fool it), and the second-order test: the Cholesky
//! factorisation of `H`, or of `H + σI` with `σ` at the rounding level of
//! `H` and of its extraction, succeeds. At a saddle or a maximum Newton
//! takes a direction of negative curvature and goes on; if no step along
//! it decreases `f`, it stops with [`StopReason::SaddleNotEscaped`].
//!
//! Converged at the rounding floor ([`StopReason::RoundingFloor`]) only
//! when the gradient target lies below what float64 resolves, measured at
//! the point: `H` is positive semidefinite, `f` cannot resolve the
//! model's decrease, a full step no longer shrinks the gradient, and
//! `‖∇f‖∞` is within 100× the change of `∇f` between `x` and its
//! neighbours one ulp away ([`OptimResult::grad_floor`]). Every other stop
//! ([`StopReason::MaxIterations`], [`StopReason::Stalled`],
//! [`StopReason::SaddleNotEscaped`], the user's
//! [`StopReason::RelativeDecrease`] and [`StopReason::Observer`]) is not
//! a convergence: [`OptimResult::converged`] is `false`.
//!
//! The two globalisations, their measurements and the choice of the
//! default are in `notes/newton.md`.
//!
//! ## When gradient descent stops
//!
//! [`GradientDescent`] has no Hessian, so at its gradient test it checks
//! the second-order condition by Lanczos steps (Hessian-vector products,
//! forward over reverse, counted in [`OptimResult::hvps`]: eight, then
//! more until the smallest Ritz value is clearly negative or has settled
//! by its residual bound, at most 64) from a pseudo-random start: the smallest Ritz
//! value `θ` of `H` is an upper bound on its smallest eigenvalue, with a
//! unit Ritz vector `y`, `yᵀHy = θ`. If `θ < −1024 ε max|θ_j|` (clearly below the products'
//! rounding), the point is a saddle or a maximum: gradient descent leaves
//! it along `±y` by a curvilinear search that backtracks or expands, and
//! goes on; if no step along `y` decreases `f`, it stops with
//! [`StopReason::SaddleNotEscaped`]. Only a point where `θ` is not clearly
//! negative stops with [`StopReason::Gradient`]. Lanczos steps short of
//! the whole space are an estimate, not a proof of positive
//! semidefiniteness (a negative eigenvalue whose eigenvector the start
//! barely sees can be missed, more likely the weaker it is and the larger
//! `n` is beyond 64); a clearly negative `θ` is a certificate.

mod curvature;
mod gradient_descent;
mod lanczos;
mod line_search;
mod newton;
mod progress;
mod refine;
mod rounding;
mod trust_region;

pub use gradient_descent::{GradientDescent, GradientDescentOptions};
pub use newton::{Globalization, Newton, NewtonOptions};
pub use progress::{Control, Iteration, OptimResult, StopReason, Structure};

/// Stopping rules shared by both methods.
///
/// ```
/// use lensdiff::optim::Stopping;
/// let s = Stopping::default();
/// assert_eq!(s.grad_rtol, 1e-8);
/// assert!(s.target(1e4) == 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stopping {
    /// Stop when `‖∇f‖∞ ≤ grad_rtol · max(1, ‖∇f(x0)‖∞)` (default `1e-8`).
    pub grad_rtol: f64,
    /// Stop when `‖∇f‖∞ ≤ grad_atol` (default `0`: off).
    pub grad_atol: f64,
    /// Stop when an accepted step decreases `f` by at most
    /// `f_rtol · max(1, |f|)` (default `0`: off).
    pub f_rtol: f64,
    /// Iteration cap (default 1000 for Newton, 20 000 for gradient
    /// descent). Newton's hanging chain from a compressed start needs 406
    /// at n = 10⁵ (`notes/newton.md`); a run that has stopped making
    /// progress ends sooner, by [`stall_iters`](Self::stall_iters).
    pub max_iters: usize,
    /// Stop when, for this many iterations, `‖∇f‖∞` has not dropped below
    /// 0.9 × its best value and `f` has not dropped by more than
    /// `1e-10 · max(1, |f|)` below its best value: the gradient has reached
    /// its rounding floor and `f` no longer moves (default 10; 0 turns it
    /// off). A solve that still decreases `f` is not stopped.
    pub stall_iters: usize,
    /// Newton only: the decrement test `λ²/2 ≤ decrement_rtol · max(1, |f|)`
    /// that must hold beside the gradient test (default `1e-12`; `∞`
    /// turns it off).
    pub decrement_rtol: f64,
    /// Newton with a line search: full steps taken where the decrement is
    /// below `f`'s resolution (the gradient target not met) before the
    /// rounding floor is measured (default 3).
    pub floor_steps: usize,
    /// Iterates with `‖x‖∞ > x_limit · max(1, ‖x0‖∞)` or values
    /// `f < −x_limit · max(1, |f(x0)|)` are [`crate::Error::Unbounded`]
    /// (default `1e20`).
    pub x_limit: f64,
}

impl Default for Stopping {
    fn default() -> Self {
        Stopping {
            grad_rtol: 1e-8,
            grad_atol: 0.0,
            f_rtol: 0.0,
            max_iters: 1000,
            stall_iters: 10,
            decrement_rtol: 1e-12,
            floor_steps: 3,
            x_limit: 1e20,
        }
    }
}

/// Tracks the best gradient norm and value seen, for
/// [`Stopping::stall_iters`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct StallWatch {
    best_grad: f64,
    best_f: f64,
    best_iter: usize,
}

impl StallWatch {
    pub(crate) fn new() -> Self {
        StallWatch {
            best_grad: f64::INFINITY,
            best_f: f64::INFINITY,
            best_iter: 0,
        }
    }

    /// Records iteration `iter`'s gradient norm and value; `true` when
    /// neither has made progress for `stall_iters` iterations.
    pub(crate) fn stalled(
        &mut self,
        iter: usize,
        grad_inf: f64,
        f: f64,
        stall_iters: usize,
    ) -> bool {
        let grad_progress = grad_inf < 0.9 * self.best_grad;
        // The first finite value is progress (a margin off +∞ is NaN).
        let f_progress = if self.best_f.is_finite() {
            f < self.best_f - 1e-10 * self.best_f.abs().max(1.0)
        } else {
            f < self.best_f
        };
        // Best values move only on real progress, so many small steps
        // still add up to it.
        if grad_progress {
            self.best_grad = grad_inf;
            self.best_iter = iter;
        }
        if f_progress {
            self.best_f = f;
            self.best_iter = iter;
        }
        stall_iters > 0 && iter - self.best_iter >= stall_iters
    }
}

/// [`crate::Error::Unbounded`] when `x` or `f` has run off (see
/// [`Stopping::x_limit`]); `x0_inf = ‖x0‖∞`, `f0 = f(x0)`.
pub(crate) fn check_bounded(
    s: &Stopping,
    x: &nalgebra::DVector<f64>,
    f: f64,
    x0_inf: f64,
    f0: f64,
    iteration: usize,
) -> Result<(), crate::Error> {
    let far = x.amax() > s.x_limit * x0_inf.max(1.0);
    let low = f < -s.x_limit * f0.abs().max(1.0);
    if far || low || f == f64::NEG_INFINITY {
        return Err(crate::Error::Unbounded { f, iteration });
    }
    Ok(())
}

impl Stopping {
    /// The gradient target for a starting gradient norm `g0`.
    ///
    /// ```
    /// use lensdiff::optim::Stopping;
    /// assert_eq!(Stopping::default().target(0.5), 1e-8);
    /// ```
    pub fn target(&self, g0: f64) -> f64 {
        (self.grad_rtol * g0.max(1.0)).max(self.grad_atol)
    }
}
