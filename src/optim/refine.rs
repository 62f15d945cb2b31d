//! The Newton step of a Hessian that is positive semidefinite only to its
//! rounding level, by conjugate gradients preconditioned with the shifted
//! factorisation.
//!
//! Why: a smooth objective discretised on `m` points (robot2d's
//! acceleration term, `m²` times a biharmonic stencil) has a Hessian whose
//! condition number grows like `m⁴`. From `m ≈ 10⁵` on, its smallest
//! eigenvalues lie below the rounding of its Cholesky factorisation, which
//! then needs a shift `τ` far above them. The shifted step `−(H + τI)⁻¹∇f`
//! shrinks each low-frequency error only by `τ / (λ + τ)` per Newton
//! iteration: robot2d at `n = 2·10⁵` went on for hundreds of iterations at
//! a rate of about `0.93`. Conjugate gradients on `H p = −∇f`,
//! preconditioned by the factorisation of `H + τI` that exists already,
//! sees a spectrum `λ / (λ + τ)` that is `1` but for the modes below `τ`,
//! and resolves those with products `H v` and solves, each `O(n·k)`:
//! robot2d at `n = 2·10⁵` then reaches its floor in 26 Newton iterations,
//! at `n = 10⁶` in 35 (a few to 200 products each).
//!
//! Only a shift within the rounding level of `H` is refined away: a larger
//! one damps a real negative or near-zero curvature, as it should.

use super::curvature::Curvature;
use crate::Error;
use nalgebra::DVector;

/// `v ↦ H v`, the objective's own Hessian-vector product at the point.
pub(crate) type HessianTimes<'a> = dyn FnMut(&DVector<f64>) -> Result<DVector<f64>, Error> + 'a;

/// How a refinement ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refinement {
    /// The preconditioned residual fell to `RESIDUAL_RTOL` of the start's,
    /// or a step changed the model by less than `MODEL_RTOL` of it (Nash
    /// and Sofer's test): the step is the Newton step to that accuracy.
    Converged,
    /// A step no longer changed the model beyond its rounding, or a
    /// direction of non-positive curvature appeared (`H` semidefinite only
    /// to its rounding): the step is as close to the Newton step as `H`
    /// resolves.
    AtRounding,
    /// `MAX_ITERATIONS` passed first.
    Capped,
}

/// What [`refine_step`] returns.
pub(crate) struct Refined {
    /// The refined step: the last iterate, or the shifted step when that
    /// iterate is not a finite descent direction.
    pub(crate) step: DVector<f64>,
    /// Why the iteration ended.
    pub(crate) end: Refinement,
    /// Iterations taken (each one `H v` and one solve).
    pub(crate) iterations: usize,
}

/// The relative accuracy (in the preconditioner's norm) at which the
/// refined step counts as the Newton step.
const RESIDUAL_RTOL: f64 = 1e-6;

/// The Nash–Sofer tolerance: the step is the Newton step once a further
/// conjugate-gradient step would change the model by less than this share.
const MODEL_RTOL: f64 = 1e-4;

/// Iterations at most, each one `H v` and one solve. robot2d at
/// `n = 10⁶` (τ = 1.25e-4: some fifty modes below the shift) needs 110 to
/// 200 near its minimum; with a cap of 40 the outer iteration fell back
/// to linear convergence (decrement × 0.73 per Newton iteration).
const MAX_ITERATIONS: usize = 250;

/// Refines `shifted = −(H + τI)⁻¹ g` towards the Newton step `−H⁻¹ g` by
/// conjugate gradients started at `shifted`, with products `H v` from
/// `hv` (the objective's own Hessian-vector product) and the factorisation
/// of `H + τI` in `h` as the preconditioner. The residual is only a guide
/// near the rounding floor (the rounding of high modes dominates it while
/// the low modes still improve), so the model's decrease decides the stop.
///
/// Why the products come from the objective, not from the extracted band:
/// the band of a stencil `m²(1, −4, 6, −4, 1)` multiplies a smooth vector
/// with a cancellation that leaves `ε·16m²‖v‖` of noise, above the
/// low modes' curvature, while forward over reverse differentiates the
/// differences themselves and keeps their accuracy (as the gradient does).
pub(crate) fn refine_step(
    h: &dyn Curvature,
    hv: &mut HessianTimes<'_>,
    g: &DVector<f64>,
    shifted: DVector<f64>,
) -> Result<Refined, Error> {
    // The shifted step is not kept beside the refined one (one n-long
    // vector fewer at the solve's peak): the rare fallback solves again.
    let mut step = shifted;
    let hs = hv(&step)?;
    // q(p) = gᵀp + ½pᵀHp at the start, lowered by each step below.
    let mut model = g.dot(&step) + 0.5 * step.dot(&hs);
    // r = −g − H p, z = M⁻¹ r.
    let mut r = -g - hs;
    let mut z = h.solve(&r)?;
    let mut rz = r.dot(&z);
    // Relative to gᵀM⁻¹g, the start's residual for a zero step (and the
    // shifted decrement).
    let target = RESIDUAL_RTOL * RESIDUAL_RTOL * (-step.dot(g)).max(0.0);
    let mut direction = z.clone();
    let mut iterations = 0;
    let end = loop {
        if rz.abs() <= target {
            break Refinement::Converged;
        }
        if !(rz.is_finite() && rz > 0.0) {
            break Refinement::AtRounding;
        }
        if iterations == MAX_ITERATIONS {
            break Refinement::Capped;
        }
        let hd = hv(&direction)?;
        let curvature = direction.dot(&hd);
        if curvature.partial_cmp(&0.0) != Some(std::cmp::Ordering::Greater) {
            break Refinement::AtRounding;
        }
        let alpha = rz / curvature;
        step.axpy(alpha, &direction, 1.0);
        r.axpy(-alpha, &hd, 1.0);
        iterations += 1;
        // Each step lowers the model by ½αrᵀz; when that no longer shows
        // in the model's value, the rounding of `H v` dominates.
        let decrease = 0.5 * alpha * rz;
        model -= decrease;
        if decrease <= 4.0 * f64::EPSILON * model.abs() {
            break Refinement::AtRounding;
        }
        // Nash & Sofer's truncation test: the last step's share of the
        // model, times the steps taken, is small.
        if iterations as f64 * decrease <= MODEL_RTOL * model.abs() {
            break Refinement::Converged;
        }
        z.copy_from(&r);
        h.solve_in_place(&mut z)?;
        let rz_next = r.dot(&z);
        let beta = rz_next / rz;
        // In place: no n-long allocation per iteration.
        direction *= beta;
        direction += &z;
        rz = rz_next;
    };
    let descent = step.dot(g) < 0.0 && step.iter().all(|v| v.is_finite());
    Ok(if descent {
        Refined {
            step,
            end,
            iterations,
        }
    } else {
        Refined {
            step: -h.solve(g)?,
            end: Refinement::AtRounding,
            iterations,
        }
    })
}
