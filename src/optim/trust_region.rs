//! The trust-region subproblem, solved nearly exactly by Moré–Sorensen.
//!
//! `min m(p) = gᵀp + ½ pᵀHp` subject to `‖p‖₂ ≤ Δ`. Its solution is
//! `p = −(H + λI)⁻¹ g` with `λ ≥ 0`, `H + λI` positive semidefinite and
//! `λ (Δ − ‖p‖) = 0`. Every trial `λ` costs one (banded or envelope)
//! Cholesky factorisation, `O(n·k²)`, so a subproblem costs a few of them:
//! about one Newton step of the line-search method.
//!
//! * `λ` is kept in a bracket `[λ_lo, λ_hi]` that always holds the
//!   solution: Gershgorin gives the first one, a factorisation that fails
//!   raises `λ_lo` by the curvature of the failed pivot's direction
//!   ([`crate::banded::SymBanded::negative_curvature`]), and a step that
//!   is too short lowers `λ_hi`.
//! * Inside the bracket, Newton's method on the secular equation
//!   `1/‖p(λ)‖ = 1/Δ` (Moré & Sorensen 1983) converges in a few steps; a
//!   trial outside it is replaced by a point inside.
//! * The hard case (and a saddle, where `g = 0`): when `‖p(λ)‖ < Δ` with
//!   `H + λI` nearly singular, a few steps of inverse iteration give `z`,
//!   the eigenvector of the smallest eigenvalue, and `p + τz` reaches the
//!   boundary along it. This is how Newton leaves a saddle or a maximum.

use super::curvature::Curvature;
use crate::Error;
use crate::probe::probe_entry;
use nalgebra::DVector;

/// Relative distance from the boundary at which a step counts as on it.
const BOUNDARY_TOL: f64 = 0.1;
/// Factorisations allowed for one subproblem.
const MAX_FACTORS: usize = 40;
/// Steps of inverse iteration for the hard case's eigenvector.
const INVERSE_STEPS: usize = 4;

/// A trust-region step.
pub(crate) struct TrStep {
    /// The step.
    pub(crate) p: DVector<f64>,
    /// The decrease the model predicts, `−m(p)`.
    pub(crate) predicted: f64,
    /// The shift `λ` of the step (0 for the Newton step).
    pub(crate) lambda: f64,
}

/// `m(p) = gᵀp + ½ pᵀHp`, with `H p` by a product.
pub(crate) fn model_value(h: &dyn Curvature, g: &DVector<f64>, p: &DVector<f64>) -> f64 {
    model(h, g, p)
}

fn model(h: &dyn Curvature, g: &DVector<f64>, p: &DVector<f64>) -> f64 {
    g.dot(p) + 0.5 * p.dot(&h.mul(p))
}

/// A deterministic start for the trust region's inverse iteration with no
/// structure of its own (every component nonzero, signs and sizes mixed).
fn mixed_vector(n: usize) -> DVector<f64> {
    DVector::from_fn(n, |i, _| {
        let t = (i as f64 + 1.0) * 0.618_033_988_749_895;
        (t - t.floor()) - 0.5 + 1e-3
    })
}

/// The seed of [`signed_vector`]'s signs (any fixed value).
const SIGN_SEED: u64 = 0x3C6E_F372_FE94_F82B;

/// A deterministic unit vector whose entries all have the magnitude
/// `1/√n` and pseudo-random signs (a hash of the index). Inverse iteration
/// cannot turn within a degenerate eigenspace (`H = −I`), so the escape
/// direction keeps the start's shape there: equal magnitudes leave every
/// variable the same distance from its well. Hashed, not a regular
/// pattern: an alternating or equidistributed sequence is nearly
/// orthogonal to smooth (or to oscillating) eigenvectors.
fn signed_vector(n: usize) -> DVector<f64> {
    let m = 1.0 / (n.max(1) as f64).sqrt();
    DVector::from_fn(n, |i, _| {
        if probe_entry(SIGN_SEED, i) < 0.0 {
            -m
        } else {
            m
        }
    })
}

/// The unit vector towards which inverse iteration with the current
/// factorisation of `H + λI` converges (the eigenvector of the smallest
/// eigenvalue of `H`), started at `z0`, and its Rayleigh quotient
/// `zᵀ(H + λI)z`.
fn smallest_eigenvector(
    h: &dyn Curvature,
    lambda: f64,
    z0: DVector<f64>,
) -> Result<(DVector<f64>, f64), Error> {
    let mut z = z0;
    for _ in 0..INVERSE_STEPS {
        let w = h.solve(&z)?;
        let norm = w.norm();
        if !(norm.is_finite() && norm > 0.0) {
            break;
        }
        z = w / norm;
    }
    let norm = z.norm();
    if norm > 0.0 {
        z /= norm;
    }
    let curvature = z.dot(&h.mul(&z)) + lambda * z.norm_squared();
    Ok((z, curvature))
}

/// A unit direction of negative curvature of `H` with `∇fᵀz ≤ 0`, and
/// its curvature `zᵀHz < 0`, by inverse iteration on `H + τI` (`τ` a
/// shift at which it factors, just above `−λ_min` for speed; inverse iteration started at the failed pivot's direction when the
/// model has one); `None` when none is found.
pub(crate) fn negative_curvature(
    h: &mut dyn Curvature,
    tau: f64,
    g: &DVector<f64>,
) -> Result<Option<(DVector<f64>, f64)>, Error> {
    if h.factor(tau).is_err() {
        return Ok(None);
    }
    // The failed pivot's direction alone is often one coordinate (a
    // diagonal H): mixed with a vector that touches every variable,
    // inverse iteration finds the whole eigenvector (and, where the
    // eigenvalue is multiple, leaves every variable as far as the others).
    let mut z0 = signed_vector(g.len());
    if let Some((z, _)) = h.negative_curvature(0.0) {
        z0 += z.unscale(z.norm());
    }
    let (mut z, shifted) = smallest_eigenvector(h, tau, z0)?;
    let curvature = shifted - tau;
    if curvature.is_nan() || curvature >= 0.0 {
        return Ok(None);
    }
    if g.dot(&z) > 0.0 {
        z = -z;
    }
    Ok(Some((z, curvature)))
}

/// `p + τz` on the boundary `‖p + τz‖ = Δ`, the root of the two with the
/// smaller model value.
fn to_boundary(
    h: &dyn Curvature,
    g: &DVector<f64>,
    p: &DVector<f64>,
    z: &DVector<f64>,
    delta: f64,
) -> DVector<f64> {
    let (a, b, c) = (z.norm_squared(), p.dot(z), p.norm_squared() - delta * delta);
    let disc = (b * b - a * c).max(0.0).sqrt();
    let candidates = [(-b + disc) / a, (-b - disc) / a];
    candidates
        .iter()
        .map(|&tau| p + z * tau)
        .min_by(|u, v| model(h, g, u).total_cmp(&model(h, g, v)))
        .expect("two candidates")
}

/// Solves the trust-region subproblem of radius `delta` for the Hessian
/// model `h` and gradient `g`. `newton` is the Newton step `−H⁻¹g` when
/// `H` is positive definite (already computed by the caller, whose
/// factorisation of `H` is then current). Leaves `h` factored at the
/// returned `λ` only if the caller does not rely on it.
pub(crate) fn solve(
    h: &mut dyn Curvature,
    g: &DVector<f64>,
    delta: f64,
    newton: Option<&DVector<f64>>,
) -> Result<TrStep, Error> {
    let n = g.len();
    let gn = g.norm();
    let mut factors = 0;
    if let Some(pn) = newton
        && pn.norm() <= delta * (1.0 + 1e-12)
    {
        return Ok(TrStep {
            predicted: -model(h, g, pn),
            p: pn.clone(),
            lambda: 0.0,
        });
    }
    let hn = h.norm_bound();
    // The solution's λ lies in [λ_lo, λ_hi]: λ ≥ −min Hᵢᵢ ≥ −λ_min would
    // be needed for H + λI ⪰ 0, and ‖p(λ)‖ ≤ ‖g‖/(λ − ‖H‖) (Moré &
    // Sorensen, §3).
    let mut lo = 0f64.max(-h.min_diag()).max(gn / delta - hn);
    let mut hi = gn / delta + hn;
    // A floor that keeps the bracket open when g = 0 and H = −cI.
    let width_floor = f64::EPSILON * hn.max(f64::MIN_POSITIVE);
    hi = hi.max(lo + width_floor * 1e3);
    // Start: from λ = 0 with the Newton step's secular update when H is
    // positive definite, else inside the bracket.
    let mut lambda = match newton {
        Some(pn) => {
            // H itself again (an earlier subproblem may have left another
            // shift factored): q² = pᵀH⁻¹p for the secular update.
            factors += 1;
            h.factor(0.0)?;
            let w = h.solve(pn)?;
            let (pn2, q2) = (pn.norm_squared(), pn.dot(&w));
            let norm = pn2.sqrt();
            (pn2 / q2) * (norm - delta) / delta
        }
        None => f64::NAN,
    };
    let mut inside: Option<(DVector<f64>, f64)> = None;
    let mut longest: Option<(DVector<f64>, f64)> = None;
    let mut z_hint: Option<DVector<f64>> = None;
    while factors < MAX_FACTORS {
        if !(lambda > lo && lambda < hi) {
            lambda = (lo * hi).sqrt().max(lo + 1e-3 * (hi - lo));
        }
        factors += 1;
        match h.factor(lambda) {
            Ok(()) => {
                let p = -h.solve(g)?;
                let pn = p.norm();
                if !pn.is_finite() {
                    lo = lambda;
                    lambda = f64::NAN;
                    continue;
                }
                if (pn - delta).abs() <= BOUNDARY_TOL * delta {
                    return Ok(TrStep {
                        predicted: -model(h, g, &p),
                        p,
                        lambda,
                    });
                }
                // Newton's step on 1/‖p(λ)‖ − 1/Δ: with q² = pᵀ(H+λI)⁻¹p.
                let w = h.solve(&p)?;
                let q2 = p.dot(&w);
                let next = lambda + (pn * pn / q2) * (pn - delta) / delta;
                if pn < delta {
                    hi = lambda;
                    // The hard case: is H + λI nearly singular along a
                    // direction that g does not see? Inverse iteration
                    // tells, and raises λ_lo by the Rayleigh quotient.
                    let z0 = z_hint.take().unwrap_or_else(|| mixed_vector(n));
                    let (z, curvature) = smallest_eigenvector(h, lambda, z0)?;
                    lo = lo.max(lambda - curvature);
                    let pt = to_boundary(h, g, &p, &z, delta);
                    let grow = p.dot(&(h.mul(&p) + &p * lambda)) + lambda * delta * delta;
                    let tau2 = (&pt - &p).norm_squared();
                    if tau2 * curvature <= 0.2 * grow.max(0.0) || pn == 0.0 {
                        return Ok(TrStep {
                            predicted: -model(h, g, &pt),
                            p: pt,
                            lambda,
                        });
                    }
                    let better = if model(h, g, &pt) < model(h, g, &p) {
                        pt
                    } else {
                        p
                    };
                    inside = Some((better, lambda));
                } else {
                    lo = lambda;
                    longest = Some((p * (delta / pn), lambda));
                }
                lambda = next;
            }
            Err(Error::NotPositiveDefinite { .. }) => {
                lo = lo.max(lambda);
                if let Some((z, curvature)) = h.negative_curvature(lambda) {
                    let zz = z.norm_squared();
                    // λ_min(H + λI) ≤ zᵀ(H + λI)z/‖z‖² < 0.
                    lo = lo.max(lambda - curvature / zz);
                    z_hint = Some(z / zz.sqrt());
                }
                lambda = f64::NAN;
            }
            Err(e) => return Err(e),
        }
        if hi - lo <= 1e-14 * hi.abs().max(width_floor) {
            break;
        }
    }
    // Not converged within the budget: the best admissible step found (a
    // step inside the region, or the longest scaled back onto it).
    let best = [inside, longest]
        .into_iter()
        .flatten()
        .min_by(|a, b| model(h, g, &a.0).total_cmp(&model(h, g, &b.0)));
    match best {
        Some((p, lambda)) => Ok(TrStep {
            predicted: -model(h, g, &p),
            p,
            lambda,
        }),
        None => {
            // Every factorisation failed: the steepest-descent (Cauchy)
            // step, which needs none.
            let hg = h.mul(g);
            let curv = g.dot(&hg);
            let t_max = delta / gn.max(f64::MIN_POSITIVE);
            let t = if curv > 0.0 {
                (gn * gn / curv).min(t_max)
            } else {
                t_max
            };
            let p = -g * t;
            Ok(TrStep {
                predicted: -model(h, g, &p),
                p,
                lambda: f64::NAN,
            })
        }
    }
}
