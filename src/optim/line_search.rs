//! Backtracking (Armijo) line search.
//!
//! Accepts `α` when `f(x + αd) ≤ f(x) + c₁ α ∇f·d + slack`, halving `α`
//! otherwise. The slack, `1e-13 (1 + |f|)` (the rounding level of `f`), lets a step through when the
//! decrease it promises is below `f`'s rounding error (near a minimum a
//! Newton step still shrinks the gradient although `f` cannot move).

use crate::Error;
use nalgebra::DVector;

pub(crate) struct Accepted {
    pub(crate) alpha: f64,
    pub(crate) x: DVector<f64>,
    pub(crate) f: f64,
    pub(crate) evals: usize,
}

pub(crate) fn backtrack(
    f: &dyn Fn(&DVector<f64>) -> f64,
    x: &DVector<f64>,
    fx: f64,
    g: &DVector<f64>,
    d: &DVector<f64>,
    alpha0: f64,
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
        if ft.is_finite() && ft <= fx + C1 * alpha * slope + slack {
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
