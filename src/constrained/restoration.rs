//! Feasibility restoration for the interior-point method.
//!
//! The filter line search can fail at a point that violates the
//! constraints: the linearised rows `J dx = −h` may ask for a step the
//! bounds cut to nothing (Wächter and Biegler's example, `min x₁` with
//! `x₁² − x₂ = 1`, `x₁ − x₃ = ½`, `x₂, x₃ ≥ 0` from `(−2, 3, 1)`, stalls
//! every method of this kind at a non-stationary infeasible point). Then
//! the restoration phase minimises the violation alone,
//!
//! ```text
//! φ_R(x, s) = ½‖h(x, s)‖² + ½ζ‖D(x − x_R)‖² + μ·barrier(x, s),
//! ```
//!
//! `h` the rows' residuals (slacks for inequalities), `x_R` the point it
//! started from, `ζ = √μ` and `D = diag(min(1, 1/|x_R|))` (Ipopt's
//! proximity term, which keeps the problem well posed where the rows do
//! not fix `x`). Each step is a Gauss–Newton step on `φ_R` solved with the
//! same banded KKT matrix as the main iteration, its constraint block
//! `−I` (eliminating the residual `r = h + J dx`, so `JᵀJ` is never
//! formed), and an Armijo search on `φ_R` within the fraction to the
//! boundary. It returns as soon as the violation has fallen to 90 % of
//! the entry's and the main iteration's filter accepts the point; if
//! `φ_R` stops decreasing first, the point is a local minimum of the
//! violation, and the problem is reported locally infeasible there.

use super::banded_jacobian::BandedJacobian;
use super::boxed::Boxed;
use super::ipm::Slacks;
use super::kkt::{KktDiagonals, KktRhs, KktSystem, ShiftRule};
use crate::Error;
use crate::banded::SymBanded;
use nalgebra::DVector;

/// At most this many restoration steps per call.
const MAX_STEPS: usize = 100;
/// The violation the main iteration is handed back at, relative to the
/// violation at the restoration's start.
const KAPPA_RESTORED: f64 = 0.9;
/// Armijo's fraction of the predicted decrease.
const ARMIJO: f64 = 1e-4;

/// `c(x)` and its Jacobian at `x`.
pub(super) type RowsAt<'a> =
    &'a dyn Fn(&DVector<f64>) -> Result<(DVector<f64>, BandedJacobian), Error>;

/// The main iteration's filter test of a point `(x, s)` of violation `θ`.
pub(super) type Accept<'a> = &'a dyn Fn(f64, &DVector<f64>, &[f64]) -> bool;

/// The problem the restoration works on.
pub(super) struct Problem<'a> {
    /// `c(x)` and its Jacobian.
    pub(super) rows: RowsAt<'a>,
    /// `c(x)` alone, `NaN` where it is not finite.
    pub(super) values: &'a dyn Fn(&DVector<f64>) -> Vec<f64>,
    /// The variables' bounds.
    pub(super) xb: &'a Boxed,
    /// The inequality rows' slacks and their bounds.
    pub(super) slacks: &'a Slacks,
    /// The rows' lower bounds (the targets of the equalities).
    pub(super) cl: &'a [f64],
    /// The Lagrangian's half-bandwidth (the KKT layout's `H` block).
    pub(super) hk: usize,
}

/// Where the restoration ended.
pub(super) enum Restored {
    /// A point the main iteration's filter accepts, with less violation.
    Feasible {
        x: DVector<f64>,
        s: Vec<f64>,
        steps: usize,
    },
    /// `φ_R` could not be decreased at `x`: a local minimum of the
    /// violation (where the error names the rows).
    Stuck { x: DVector<f64> },
}

/// Runs the restoration phase from `(x, s)`, whose violation is
/// `theta_entry = ‖h‖₁`, at barrier parameter `mu`; `accept(θ, x, s)` is
/// the main iteration's filter test of a point of violation `θ`.
#[allow(clippy::too_many_arguments)]
pub(super) fn restore(
    p: &Problem<'_>,
    kkt: &mut KktSystem,
    rule: &ShiftRule,
    x0: &DVector<f64>,
    s0: &[f64],
    theta_entry: f64,
    mu: f64,
    accept: Accept<'_>,
) -> Result<Restored, Error> {
    let n = x0.len();
    let sl = p.slacks;
    let zeta = mu.sqrt();
    let d2: Vec<f64> = x0
        .iter()
        .map(|v| (1.0 / v.abs()).min(1.0).powi(2))
        .collect();
    let (mut x, mut s) = (x0.clone(), s0.to_vec());
    // Primal barrier duals (z = μ/gap), reset at every point.
    let (mut xb, mut sb) = (p.xb.clone(), sl.boxed.clone());
    let phi = |x: &DVector<f64>, s: &[f64], h: &[f64]| {
        let prox: f64 = (0..n).map(|j| d2[j] * (x[j] - x0[j]).powi(2)).sum();
        let v = 0.5 * h.iter().map(|r| r * r).sum::<f64>()
            + 0.5 * zeta * prox
            + p.xb.barrier(x.as_slice(), mu)
            + sl.boxed.barrier(s, mu);
        if v.is_finite() { v } else { f64::INFINITY }
    };
    let mut delta_last = 0.0;
    let mut hband = SymBanded::zeros(n, p.hk);
    for (j, dj) in d2.iter().enumerate() {
        hband.set(j, j, zeta * dj);
    }
    for steps in 0..MAX_STEPS {
        let (cv, jac) = (p.rows)(&x)?;
        let h = sl.residual(cv.as_slice(), p.cl, &s);
        let theta: f64 = h.iter().map(|v| v.abs()).sum();
        if steps > 0 && theta <= KAPPA_RESTORED * theta_entry && accept(theta, &x, &s) {
            return Ok(Restored::Feasible { x, s, steps });
        }
        xb.reset_duals(x.as_slice(), mu);
        sb.reset_duals(&s, mu);
        let sig_x = xb.sigma(x.as_slice());
        let sig_s = sb.sigma(&s);
        let bg_x = xb.barrier_grad(x.as_slice(), mu);
        let bg_s = sb.barrier_grad(&s, mu);
        let rx: Vec<f64> = (0..n)
            .map(|j| -(zeta * d2[j] * (x[j] - x0[j]) + bg_x[j]))
            .collect();
        // The residual's own block −I, and the slacks' −1/σ beside it.
        let mut c_diag = vec![1.0; h.len()];
        let mut rc: Vec<f64> = h.iter().map(|v| -v).collect();
        for (k, &i) in sl.rows.iter().enumerate() {
            c_diag[i] += 1.0 / sig_s[k];
            rc[i] -= bg_s[k] / sig_s[k];
        }
        let c_normal: Vec<f64> = h.iter().map(|v| -v).collect();
        let extra = |dlt: &[f64]| sl.curvature(dlt, &bg_s, &sig_s);
        let step = kkt.solve_corrected(
            &hband,
            &jac,
            &KktDiagonals {
                x: &sig_x,
                c: &c_diag,
            },
            &KktRhs {
                x: &rx,
                c: &rc,
                c_normal: &c_normal,
            },
            &extra,
            rule,
            &mut delta_last,
        )?;
        let dx = DVector::from_column_slice(&step.dx);
        let ds = sl.steps(&step.dl, &bg_s, &sig_s);
        // φ_R's slope along (dx, ds): hᵀ(J dx − E ds) + the proximity's
        // and the barrier's gradients.
        let mut jd = jac.mul_vec(&dx);
        for (k, &i) in sl.rows.iter().enumerate() {
            jd[i] -= ds[k];
        }
        let slope = h.iter().zip(jd.iter()).map(|(a, b)| a * b).sum::<f64>()
            + (0..n)
                .map(|j| (zeta * d2[j] * (x[j] - x0[j]) + bg_x[j]) * dx[j])
                .sum::<f64>()
            + bg_s.iter().zip(&ds).map(|(g, d)| g * d).sum::<f64>();
        let phi0 = phi(&x, &s, &h);
        // No descent (or a NaN slope): φ_R is at a local minimum.
        let descent = slope < 0.0 && -slope > 10.0 * f64::EPSILON * phi0.abs();
        if !descent {
            return Ok(Restored::Stuck { x });
        }
        let tau = 0.99f64.max(1.0 - mu);
        let mut alpha =
            p.xb.max_step(x.as_slice(), dx.as_slice(), tau)
                .min(sl.boxed.max_step(&s, &ds, tau));
        let accepted = loop {
            let xt = &x + &dx * alpha;
            let st: Vec<f64> = s.iter().zip(&ds).map(|(v, d)| v + alpha * d).collect();
            let ht = sl.residual(&(p.values)(&xt), p.cl, &st);
            if phi(&xt, &st, &ht) <= phi0 + ARMIJO * alpha * slope {
                break Some((xt, st));
            }
            alpha *= 0.5;
            if alpha * dx.amax() <= f64::EPSILON * (1.0 + x.amax()) {
                break None;
            }
        };
        let Some((xt, st)) = accepted else {
            return Ok(Restored::Stuck { x });
        };
        x = xt;
        s = st;
    }
    Ok(Restored::Stuck { x })
}
