//! The bound side of an interior-point iteration: a vector `v` kept
//! strictly inside `lo ≤ v ≤ hi`, with multipliers `z_l, z_u ≥ 0` for its
//! finite bounds, and what the barrier `−μ Σ ln(v − lo) − μ Σ ln(hi − v)`
//! contributes to the step (Wächter and Biegler 2006, §2).
//!
//! The bound multipliers are eliminated from the Newton system: they add
//! `Σ = Z_l/(V − L) + Z_u/(U − V)` to the diagonal, and their steps follow
//! from the primal step, `dz_l = μ/(v − lo) − z_l − σ_l dv` (and the mirror
//! for `z_u`).

/// Bounds with their multipliers (`0` where a bound is infinite).
#[derive(Debug, Clone)]
pub(crate) struct Boxed {
    pub(crate) lo: Vec<f64>,
    pub(crate) hi: Vec<f64>,
    pub(crate) zl: Vec<f64>,
    pub(crate) zu: Vec<f64>,
}

/// `κ_Σ` of Ipopt: the bound multipliers stay within a factor `10¹⁰` of
/// their primal-dual values `μ/(v − lo)`.
const KAPPA_SIGMA: f64 = 1e10;

impl Boxed {
    /// Bounds `lo ≤ v ≤ hi` (checked by the caller), multipliers 1 on the
    /// finite ones (Ipopt's start).
    pub(crate) fn new(lo: &[f64], hi: &[f64]) -> Self {
        let one_if = |b: &f64| if b.is_finite() { 1.0 } else { 0.0 };
        Boxed {
            lo: lo.to_vec(),
            hi: hi.to_vec(),
            zl: lo.iter().map(one_if).collect(),
            zu: hi.iter().map(one_if).collect(),
        }
    }

    /// The number of finite bounds.
    pub(crate) fn count(&self) -> usize {
        self.lo
            .iter()
            .chain(&self.hi)
            .filter(|b| b.is_finite())
            .count()
    }

    /// `v` moved strictly inside (Ipopt's `bound_push`, `bound_frac`):
    /// at least `min(κ max(1, |b|), κ (hi − lo))` from each finite bound.
    pub(crate) fn push_inside(&self, v: &mut [f64], kappa: f64) {
        for (i, vi) in v.iter_mut().enumerate() {
            let (lo, hi) = (self.lo[i], self.hi[i]);
            let gap = if lo.is_finite() && hi.is_finite() {
                kappa * (hi - lo)
            } else {
                f64::INFINITY
            };
            if lo.is_finite() {
                *vi = vi.max(lo + (kappa * lo.abs().max(1.0)).min(gap));
            }
            if hi.is_finite() {
                *vi = vi.min(hi - (kappa * hi.abs().max(1.0)).min(gap));
            }
        }
    }

    /// `Σ = z_l/(v − lo) + z_u/(hi − v)` entrywise.
    pub(crate) fn sigma(&self, v: &[f64]) -> Vec<f64> {
        (0..v.len())
            .map(|i| self.per_bound(i, v[i], |z, gap| z / gap))
            .collect()
    }

    /// `Σ_lo f(z_l, v − lo) + Σ_hi f(z_u, hi − v)` for entry `i`.
    fn per_bound(&self, i: usize, v: f64, f: impl Fn(f64, f64) -> f64) -> f64 {
        let mut s = 0.0;
        if self.lo[i].is_finite() {
            s += f(self.zl[i], v - self.lo[i]);
        }
        if self.hi[i].is_finite() {
            s += f(self.zu[i], self.hi[i] - v);
        }
        s
    }

    /// The barrier `−μ Σ ln(v − lo) − μ Σ ln(hi − v)` (`+∞` outside).
    pub(crate) fn barrier(&self, v: &[f64], mu: f64) -> f64 {
        let mut s = 0.0;
        for (i, &vi) in v.iter().enumerate() {
            s += self.per_bound(i, vi, |_, gap| {
                if gap > 0.0 {
                    -mu * gap.ln()
                } else {
                    f64::INFINITY
                }
            });
        }
        s
    }

    /// The barrier's gradient, `−μ/(v − lo) + μ/(hi − v)`.
    pub(crate) fn barrier_grad(&self, v: &[f64], mu: f64) -> Vec<f64> {
        (0..v.len())
            .map(|i| {
                let mut g = 0.0;
                if self.lo[i].is_finite() {
                    g -= mu / (v[i] - self.lo[i]);
                }
                if self.hi[i].is_finite() {
                    g += mu / (self.hi[i] - v[i]);
                }
                g
            })
            .collect()
    }

    /// `z_u − z_l`, the multipliers' part of the Lagrangian's gradient.
    pub(crate) fn z_net(&self) -> Vec<f64> {
        self.zu.iter().zip(&self.zl).map(|(u, l)| u - l).collect()
    }

    /// `‖z_l‖₁ + ‖z_u‖₁`.
    pub(crate) fn z_norm1(&self) -> f64 {
        self.zl.iter().chain(&self.zu).map(|z| z.abs()).sum()
    }

    /// `max |(v − lo) z_l − μ|, |(hi − v) z_u − μ|` over finite bounds
    /// (the complementarity for `μ = 0`).
    pub(crate) fn complementarity(&self, v: &[f64], mu: f64) -> f64 {
        let mut c = 0.0f64;
        for (i, &vi) in v.iter().enumerate() {
            if self.lo[i].is_finite() {
                c = c.max(((vi - self.lo[i]) * self.zl[i] - mu).abs());
            }
            if self.hi[i].is_finite() {
                c = c.max(((self.hi[i] - vi) * self.zu[i] - mu).abs());
            }
        }
        c
    }

    /// The largest `α ≤ 1` with `v + α dv` at least a fraction `1 − τ` of
    /// its distance from every bound (fraction to the boundary).
    pub(crate) fn max_step(&self, v: &[f64], dv: &[f64], tau: f64) -> f64 {
        let mut a = 1.0f64;
        for (i, (&vi, &d)) in v.iter().zip(dv).enumerate() {
            if d < 0.0 && self.lo[i].is_finite() {
                a = a.min(-tau * (vi - self.lo[i]) / d);
            }
            if d > 0.0 && self.hi[i].is_finite() {
                a = a.min(tau * (self.hi[i] - vi) / d);
            }
        }
        a
    }

    /// The multiplier steps `(dz_l, dz_u)` for the primal step `dv`.
    pub(crate) fn dual_steps(&self, v: &[f64], dv: &[f64], mu: f64) -> (Vec<f64>, Vec<f64>) {
        let n = v.len();
        let mut dzl = vec![0.0; n];
        let mut dzu = vec![0.0; n];
        for i in 0..n {
            if self.lo[i].is_finite() {
                let gap = v[i] - self.lo[i];
                dzl[i] = (mu - self.zl[i] * (gap + dv[i])) / gap;
            }
            if self.hi[i].is_finite() {
                let gap = self.hi[i] - v[i];
                dzu[i] = (mu - self.zu[i] * (gap - dv[i])) / gap;
            }
        }
        (dzl, dzu)
    }

    /// The largest `α ≤ 1` keeping `z + α dz ≥ (1 − τ) z`.
    pub(crate) fn max_dual_step(&self, dzl: &[f64], dzu: &[f64], tau: f64) -> f64 {
        let mut a = 1.0f64;
        for (z, d) in self.zl.iter().zip(dzl).chain(self.zu.iter().zip(dzu)) {
            if *d < 0.0 && *z > 0.0 {
                a = a.min(-tau * z / d);
            }
        }
        a
    }

    /// `z += α dz`, then each multiplier clipped into `[μ/(κ_Σ gap),
    /// κ_Σ μ/gap]` (Ipopt's safeguard, so that `Σ` stays near its
    /// primal-dual value).
    pub(crate) fn step_duals(&mut self, v: &[f64], dzl: &[f64], dzu: &[f64], alpha: f64, mu: f64) {
        for i in 0..v.len() {
            if self.lo[i].is_finite() {
                let gap = v[i] - self.lo[i];
                let z = self.zl[i] + alpha * dzl[i];
                self.zl[i] = z.min(KAPPA_SIGMA * mu / gap).max(mu / (KAPPA_SIGMA * gap));
            }
            if self.hi[i].is_finite() {
                let gap = self.hi[i] - v[i];
                let z = self.zu[i] + alpha * dzu[i];
                self.zu[i] = z.min(KAPPA_SIGMA * mu / gap).max(mu / (KAPPA_SIGMA * gap));
            }
        }
    }

    /// The primal barrier's multipliers `z = μ/gap` at `v` (the central
    /// path's), for a point reached without dual steps.
    pub(crate) fn reset_duals(&mut self, v: &[f64], mu: f64) {
        for (i, &vi) in v.iter().enumerate() {
            if self.lo[i].is_finite() {
                self.zl[i] = mu / (vi - self.lo[i]);
            }
            if self.hi[i].is_finite() {
                self.zu[i] = mu / (self.hi[i] - vi);
            }
        }
    }
}
