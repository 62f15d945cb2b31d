//! When a trial point is good enough: the filter of Wächter and Biegler
//! (Ipopt's rule, the default) or the ℓ1 exact penalty `f + μ‖c‖₁`.
//!
//! Both see a trial point through `(f, θ)`, `θ = ‖c‖₁`, and both allow a
//! relative slack of `10 ε_mach` on `f` so that steps at the rounding floor
//! are not rejected for noise.

/// How the SQP line search accepts a step.
///
/// ```
/// use lensdiff::constrained::Globalization;
/// assert_eq!(Globalization::default(), Globalization::Filter);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Globalization {
    /// A trial point must improve `f` or `θ` against the current point and
    /// every point in the filter (Wächter & Biegler 2006, as Ipopt does);
    /// near feasibility, where the step is a descent direction for `f`,
    /// Armijo on `f` alone.
    #[default]
    Filter,
    /// Armijo on the ℓ1 merit `f + μ‖c‖₁`, `μ` kept above `‖λ + dλ‖∞` and
    /// large enough for the step to be a descent direction.
    L1Merit,
}

/// Filter parameters (Wächter & Biegler 2006, Ipopt's defaults).
const GAMMA_THETA: f64 = 1e-5;
const GAMMA_F: f64 = 1e-8;
const S_THETA: f64 = 1.1;
const S_F: f64 = 2.3;

/// The filter: pairs `(θ_j, f_j)` that a trial point must not be
/// dominated by, and the bounds on `θ`.
#[derive(Debug, Clone)]
pub(crate) struct Filter {
    entries: Vec<(f64, f64)>,
    theta_max: f64,
    theta_min: f64,
}

impl Filter {
    /// The empty filter for the starting violation `θ0`.
    pub(crate) fn new(theta0: f64) -> Self {
        Filter {
            entries: Vec::new(),
            theta_max: 1e4 * theta0.max(1.0),
            theta_min: 1e-4 * theta0.max(1.0),
        }
    }

    /// Whether `(θ, f)` lies outside every entry's margin and `θ` below
    /// the filter's ceiling.
    pub(crate) fn acceptable(&self, theta: f64, f: f64) -> bool {
        theta <= self.theta_max && self.entries.iter().all(|&(t, g)| theta < t || f < g)
    }

    /// Adds the current point's margin corner.
    pub(crate) fn augment(&mut self, theta: f64, f: f64) {
        self.entries
            .push(((1.0 - GAMMA_THETA) * theta, f - GAMMA_F * theta));
    }
}

/// The acceptance test of one iteration.
pub(crate) enum Acceptance<'a> {
    /// Against the filter, from the current `(θ, f)` and `∇fᵀdx`.
    Filter {
        filter: &'a Filter,
        theta: f64,
        f: f64,
        slope: f64,
    },
    /// Armijo on `φ = f + μθ` with directional derivative `slope`.
    Merit { mu: f64, phi0: f64, slope: f64 },
}

/// The verdict on a trial point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Rejected.
    Reject,
    /// Accepted by sufficient decrease of `f` (the filter is left alone).
    FStep,
    /// Accepted by progress in `θ` or `f` (the filter grows).
    ThetaStep,
}

impl Acceptance<'_> {
    /// Judges the trial `(f_t, θ_t)` at step length `alpha` (`f_t` is
    /// `+∞` where the functions are not finite).
    pub(crate) fn judge(&self, f_t: f64, theta_t: f64, alpha: f64, armijo: f64) -> Verdict {
        if !(f_t.is_finite() && theta_t.is_finite()) {
            return Verdict::Reject;
        }
        match *self {
            Acceptance::Merit { mu, phi0, slope } => {
                let slack = 10.0 * f64::EPSILON * phi0.abs();
                if f_t + mu * theta_t <= phi0 + armijo * alpha * slope.min(0.0) + slack {
                    Verdict::FStep
                } else {
                    Verdict::Reject
                }
            }
            Acceptance::Filter {
                filter,
                theta,
                f,
                slope,
            } => {
                if !filter.acceptable(theta_t, f_t) {
                    return Verdict::Reject;
                }
                let slack = 10.0 * f64::EPSILON * f.abs();
                let switching = slope < 0.0 && alpha * (-slope).powf(S_F) > theta.powf(S_THETA);
                if switching && theta <= filter.theta_min {
                    if f_t <= f + armijo * alpha * slope + slack {
                        Verdict::FStep
                    } else {
                        Verdict::Reject
                    }
                } else if theta_t <= (1.0 - GAMMA_THETA) * theta
                    || f_t <= f - GAMMA_F * theta + slack
                {
                    Verdict::ThetaStep
                } else {
                    Verdict::Reject
                }
            }
        }
    }
}
