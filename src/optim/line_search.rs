//! Backtracking (Armijo) line search.
//!
//! Accepts `α` when `f(x + αd) ≤ f(x) + c₁ α ∇f·d`, halving `α`
//! otherwise. For a Newton step the first, full step is also accepted within
//! a slack of `1e-13 (1 + |f|)` (the rounding level of `f`): the slack lets a step through when the
//! decrease it promises is below `f`'s rounding error (near a minimum a
//! Newton step still shrinks the gradient although `f` cannot move).

use crate::Error;
use nalgebra::DVector;

/// An accepted step.
pub(crate) struct Accepted {
    pub(crate) alpha: f64,
    pub(crate) x: DVector<f64>,
    pub(crate) f: f64,
    pub(crate) evals: usize,
}

#[allow(clippy::too_many_arguments)] // an internal helper; a struct would only rename them
pub(crate) fn backtrack(
    f: &dyn Fn(&DVector<f64>) -> f64,
    x: &DVector<f64>,
    fx: f64,
    g: &DVector<f64>,
    d: &DVector<f64>,
    alpha0: f64,
    full_step_slack: bool,
    iteration: usize,
) -> Result<Accepted, Error> {
    const C1: f64 = 1e-4;
    const MAX_HALVINGS: usize = 60;
    let slope = g.dot(d);
    let slack = 1e-13 * (1.0 + fx.abs());
    let mut alpha = alpha0;
    for evals in 1..=MAX_HALVINGS {
        let xt = x + d * alpha;
        let ft = f(&xt);
        // Only the first trial may use the slack: a slack on every trial
        // would let `f` creep upward by rounding-sized steps forever.
        let allowed = if full_step_slack && evals == 1 {
            slack
        } else {
            0.0
        };
        // Without the slack the decrease must also be real (`ft < fx`): a
        // step below the rounding of `x` or `f` is no progress.
        let armijo = ft <= fx + C1 * alpha * slope + allowed;
        if ft.is_finite() && armijo && (allowed > 0.0 || ft < fx) {
            return Ok(Accepted {
                alpha,
                x: xt,
                f: ft,
                evals,
            });
        }
        alpha *= 0.5;
    }
    Err(Error::LineSearchFailed {
        iteration,
        step: alpha,
    })
}

/// `true` when a unit step along `d` promises a decrease below `f`'s
/// rounding level: a failed line search there means the rounding floor was
/// reached (a stall), not a wrong direction.
pub(crate) fn below_rounding(fx: f64, g: &DVector<f64>, d: &DVector<f64>) -> bool {
    g.dot(d).abs() <= 1e-12 * (1.0 + fx.abs())
}
