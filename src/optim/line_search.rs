//! Backtracking (Armijo) line search.
//!
//! Accepts `α` when `f(x + αd) ≤ f(x) + c₁ α ∇f·d`, halving `α`
//! otherwise. For a Newton step the first, full step is also accepted within
//! a slack of `1e-13 (1 + |f|)` (the rounding level of `f`): the slack lets a step through when the
//! decrease it promises is below `f`'s rounding error (near a minimum a
//! Newton step still shrinks the gradient although `f` cannot move).

use super::rounding::f_noise;
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

/// Trial steps of [`curvilinear`] at most, backtracking and expansion
/// together.
const CURVILINEAR_TRIALS: usize = 80;

/// The curvilinear search of Moré & Sorensen (1979) along
/// `x(α) = x + α²d + α t z`: `d` a descent step (the shifted Newton step;
/// zero for gradient descent), `z` a unit direction of negative curvature
/// (`zᵀHz = curvature < 0`, `∇fᵀz ≤ 0`) scaled to
/// `t = max(‖d‖, √ε max(1, ‖x‖), √(2 ν / |curvature|))`, where the last is
/// the shortest step whose predicted decrease `½ t² |curvature|` is
/// `f`'s rounding level `ν = 16 ε |f(x)|` (at a maximum with `f(x) ≠ 0` a
/// shorter step would change `f` by less than it resolves). A trial is
/// acceptable when
/// `f(x(α)) ≤ f(x) + 10⁻⁴ α² (∇fᵀd + ½ t² curvature)` with a real
/// decrease.
///
/// From `α = 1`, `α` is halved until a trial is acceptable; when the first
/// trial already is, `α` is doubled instead while the trials stay
/// acceptable and keep lowering `f`, and the lowest is returned. Why the
/// expansion: `t` is only a length at which the step is resolved, and the
/// quadratic model along `z` is unbounded below, so nothing but `f` knows
/// how far the negative curvature reaches. Started at a maximum (`d = 0`,
/// `t = √ε`), backtracking alone took `√ε`-long steps and the Levenberg
/// steps that followed had to grow them by a factor of ~10³ an iteration.
pub(crate) fn curvilinear(
    f: &dyn Fn(&DVector<f64>) -> f64,
    x: &DVector<f64>,
    fx: f64,
    g: &DVector<f64>,
    d: &DVector<f64>,
    z: &DVector<f64>,
    curvature: f64,
) -> Option<Accepted> {
    let resolved = (2.0 * f_noise(fx, fx) / curvature.abs()).sqrt();
    let t = d
        .norm()
        .max(f64::EPSILON.sqrt() * x.norm().max(1.0))
        .max(if resolved.is_finite() { resolved } else { 0.0 });
    let model = g.dot(d).min(0.0) + 0.5 * t * t * curvature;
    let trial = |alpha: f64| {
        let xt = x + d * (alpha * alpha) + z * (alpha * t);
        let ft = f(&xt);
        let ok = ft.is_finite() && ft < fx && ft <= fx + 1e-4 * alpha * alpha * model;
        (xt, ft, ok)
    };
    let mut alpha: f64 = 1.0;
    for evals in 1..=CURVILINEAR_TRIALS {
        let (xt, ft, ok) = trial(alpha);
        if !ok {
            alpha *= 0.5;
            continue;
        }
        let mut best = Accepted {
            alpha,
            x: xt,
            f: ft,
            evals,
        };
        if evals == 1 {
            for more in 2..=CURVILINEAR_TRIALS {
                let (xt, ft, ok) = trial(2.0 * best.alpha);
                best.evals = more;
                if !(ok && ft < best.f) {
                    break;
                }
                best.alpha *= 2.0;
                best.x = xt;
                best.f = ft;
            }
        }
        return Some(best);
    }
    None
}
