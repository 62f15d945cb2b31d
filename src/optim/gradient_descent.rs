//! Gradient descent with a backtracking Armijo line search: the baseline
//! Newton is measured against, behind the same interface.

use super::lanczos::{LowestCurvature, Steps, lowest_curvature};
use super::line_search::{backtrack, below_rounding, curvilinear};
use super::progress::Tally;
use super::{Control, Iteration, OptimResult, StallWatch, StopReason, Stopping, check_bounded};
use crate::CompiledObjective;
use crate::derivatives::try_value_and_grad;
use crate::error::check_finite;
use crate::hessian::try_hvp;
use crate::probe::probe_entry;
use crate::{Error, Objective};
use nalgebra::DVector;

/// Options of [`GradientDescent`].
///
/// ```
/// use lensdiff::optim::GradientDescentOptions;
/// assert_eq!(GradientDescentOptions::default().stopping.max_iters, 20_000);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GradientDescentOptions {
    /// When to stop (default cap: 20 000 iterations).
    pub stopping: Stopping,
    /// Print an iteration table to standard output.
    pub verbose: bool,
    /// Print every this many iterations when verbose (default 500).
    pub print_every: usize,
}

impl Default for GradientDescentOptions {
    fn default() -> Self {
        GradientDescentOptions {
            stopping: Stopping {
                max_iters: 20_000,
                stall_iters: 0,
                ..Stopping::default()
            },
            verbose: false,
            print_every: 500,
        }
    }
}

/// Gradient descent with backtracking; the step starts each iteration at
/// twice the last accepted one. At the gradient test it checks the lowest
/// curvature by Lanczos steps on Hessian-vector products (eight, or more
/// until the lowest Ritz value settles, at most 64),
/// and leaves a saddle or a maximum along its direction of negative
/// curvature (see [the module documentation](crate::optim)): a maximum
/// is not converged.
///
/// ```
/// use lensdiff::optim::GradientDescent;
/// use lensdiff::{Expr, Objective, Real, c};
/// /// Σ (xᵢ² − 1)²/4: ∇f = 0 and H = −I at x = 0, minima at xᵢ = ±1.
/// struct DoubleWell;
/// impl Objective for DoubleWell {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.map(|t| (t * t - c(1.0)).powi(2) * c(0.25)).sum()
///     }
/// }
/// let r = GradientDescent::default().minimize(&DoubleWell, &nalgebra::DVector::zeros(6)).unwrap();
/// assert!(r.converged() && r.iterations > 0);
/// assert!(r.x.iter().all(|v| (v.abs() - 1.0).abs() < 1e-6)); // a minimum, not the start
/// assert!(r.hvps > 0); // the Lanczos check's products (one each on H = −I and H = 2I)
/// ```
///
/// ```
/// use lensdiff::optim::{GradientDescent, GradientDescentOptions, Stopping};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + Σ (cosh xᵢ − xᵢ/2): tridiagonal and convex.
/// struct Chain;
/// impl Objective for Chain {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum() - x.sum() * 0.5
///     }
/// }
/// let x0 = nalgebra::DVector::from_fn(50, |i, _| (0.4 * i as f64).sin());
/// let opts = GradientDescentOptions {
///     stopping: Stopping { max_iters: 50, ..Stopping::default() },
///     ..Default::default()
/// };
/// let r = GradientDescent::new(opts).minimize(&Chain, &x0).unwrap();
/// // Every accepted step decreases f (an Armijo line search).
/// assert!(r.history.windows(2).all(|w| w[1].f < w[0].f));
/// ```
#[derive(Debug, Clone, Default)]
pub struct GradientDescent {
    opts: GradientDescentOptions,
}

impl GradientDescent {
    /// A gradient-descent solver with the given options.
    ///
    /// ```
    /// use lensdiff::optim::{GradientDescent, GradientDescentOptions, StopReason, Stopping};
    /// use lensdiff::{Expr, Objective, Real};
    /// struct Bowl;
    /// impl Objective for Bowl {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.map(|t| t.cosh()).sum() }
    /// }
    /// let opts = GradientDescentOptions {
    ///     stopping: Stopping { max_iters: 1, ..Stopping::default() },
    ///     ..Default::default()
    /// };
    /// let r = GradientDescent::new(opts).minimize(&Bowl, &nalgebra::dvector![1.0, -2.0]).unwrap();
    /// assert_eq!((r.iterations, r.stop), (1, StopReason::MaxIterations));
    /// ```
    pub fn new(opts: GradientDescentOptions) -> Self {
        GradientDescent { opts }
    }

    /// Minimises `f` from `x0`.
    ///
    /// ```
    /// use lensdiff::optim::GradientDescent;
    /// use lensdiff::Error;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − x[i])² + Σ (cosh xᵢ − xᵢ/2): tridiagonal and convex.
    /// struct Chain;
    /// impl Objective for Chain {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum() - x.sum() * 0.5
    ///     }
    /// }
    /// let mut x = nalgebra::DVector::zeros(10);
    /// x[3] = f64::NAN;
    /// let err = GradientDescent::default().minimize(&Chain, &x).unwrap_err();
    /// assert_eq!(err, Error::NonFinite { what: "x0", index: Some(3) });
    /// ```
    pub fn minimize<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
    ) -> Result<OptimResult, Error> {
        self.minimize_observed(obj, x0, &mut |_| Control::Continue)
    }

    /// Like [`minimize`](Self::minimize), calling `observer` after every
    /// iteration.
    ///
    /// ```
    /// use lensdiff::optim::{GradientDescent, Control, StopReason};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − x[i])² + Σ (cosh xᵢ − xᵢ/2): tridiagonal and convex.
    /// struct Chain;
    /// impl Objective for Chain {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum() - x.sum() * 0.5
    ///     }
    /// }
    /// let x0 = nalgebra::DVector::from_element(10, 1.0);
    /// let mut n = 0;
    /// let r = GradientDescent::default()
    ///     .minimize_observed(&Chain, &x0, &mut |_| { n += 1; if n == 3 { Control::Stop } else { Control::Continue } })
    ///     .unwrap();
    /// // Called after each of the first three steps, the observer stopped the solve.
    /// assert_eq!((r.iterations, r.stop), (3, StopReason::Observer));
    /// ```
    pub fn minimize_observed<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        let o = &self.opts;
        check_finite("x0", x0.as_slice())?;
        let obj = CompiledObjective::new(obj);
        let lens = obj.lens::<f64>();
        let f = |x: &DVector<f64>| lens.eval(x);
        let mut tally = Tally::new("Gradient descent (backtracking)", x0.len(), o.verbose);
        let mut x = x0.clone();
        let mut alpha: f64 = 1.0;
        let mut target = f64::INFINITY;
        let mut iter = 0;
        let mut watch = StallWatch::new();
        let x0_inf = x0.amax();
        let mut f0 = 0.0;
        loop {
            let (fx, g) = try_value_and_grad(&lens, &x)?;
            tally.f_evals += 1;
            tally.grad_evals += 1;
            let gi = g.amax();
            if iter == 0 {
                tally.grad0 = gi;
                target = o.stopping.target(gi);
                f0 = fx;
            }
            check_bounded(&o.stopping, &x, fx, x0_inf, f0, iter)?;
            let mut it = Iteration::start(iter, fx, gi, 0, tally.elapsed());
            // At the gradient target: converged only where H shows no
            // negative curvature; else a step along it, if one decreases f.
            let mut escape = None;
            let mut stop = if gi <= target {
                let low = lowest_curvature_at(&obj, &x)?;
                tally.hvps += low.products;
                it.hvps = low.products;
                if !low.negative() {
                    Some(StopReason::Gradient)
                } else if iter >= o.stopping.max_iters {
                    Some(StopReason::MaxIterations)
                } else {
                    let z = if g.dot(&low.vector) > 0.0 {
                        -low.vector
                    } else {
                        low.vector
                    };
                    let d = DVector::zeros(x.len());
                    escape = curvilinear(&f, &x, fx, &g, &d, &z, low.value);
                    escape.is_none().then_some(StopReason::SaddleNotEscaped)
                }
            } else if iter >= o.stopping.max_iters {
                Some(StopReason::MaxIterations)
            } else if watch.stalled(iter, gi, fx, o.stopping.stall_iters) {
                Some(StopReason::Stalled)
            } else {
                None
            };
            if stop.is_none() {
                let step = match escape {
                    Some(ls) => Ok(ls),
                    None => {
                        let d = -&g;
                        let ls = backtrack(&f, &x, fx, &g, &d, (2.0 * alpha).min(1e8), false, iter);
                        if let Ok(ls) = &ls {
                            alpha = ls.alpha;
                        }
                        ls
                    }
                };
                match step {
                    // A unit step promises less than f's rounding: stuck, not
                    // converged (gradient descent has no model to say more).
                    Err(_) if below_rounding(fx, &g, &-&g) => stop = Some(StopReason::Stalled),
                    Err(e) => return Err(e),
                    Ok(ls) => {
                        tally.f_evals += ls.evals;
                        it.step = ls.alpha;
                        it.step_inf = (&ls.x - &x).amax();
                        it.ls_evals = ls.evals;
                        it.time_s = tally.elapsed();
                        let decrease = fx - ls.f;
                        x = ls.x;
                        iter += 1;
                        if observer(&it) == Control::Stop {
                            stop = Some(StopReason::Observer);
                        } else if o.stopping.f_rtol > 0.0
                            && decrease <= o.stopping.f_rtol * ls.f.abs().max(1.0)
                        {
                            stop = Some(StopReason::RelativeDecrease);
                        }
                    }
                }
            }
            let print = stop.is_some() || it.iter.is_multiple_of(o.print_every.max(1));
            tally.record(it, print);
            if let Some(stop) = stop {
                let moved = stop == StopReason::Observer || stop == StopReason::RelativeDecrease;
                let (fx, gi) = if moved {
                    let (f2, g2) = try_value_and_grad(&lens, &x)?;
                    tally.grad_evals += 1;
                    (f2, g2.amax())
                } else {
                    (fx, gi)
                };
                return Ok(tally.finish(x, fx, gi, iter, stop));
            }
        }
    }
}

/// Lanczos steps of the second-order check at the gradient stop (each one
/// Hessian-vector product, forward over reverse, about the cost of a few
/// gradients): at least eight (the fixed count this check had before),
/// then on until the lowest Ritz value is clearly negative or its pair
/// has settled (residual bound `≤ 1e-8 max |θ_j|`, or `≤ θ/10` for a
/// positive `θ`), at most 64. Eight fixed steps missed a weakly negative
/// `λ_min` (−2.1e-4 against `‖H‖ ≈ 1.9` at n = 17, the proptest's saved
/// case); these find it in 12. A convex chain still stops after eight
/// (`notes/newton.md`).
const LANCZOS_STEPS: Steps = Steps {
    min: 8,
    max: 64,
    settle: 1e-8,
    relative: 0.1,
};

/// The seed of the Lanczos start (any fixed value: the start is a
/// deterministic pseudo-random vector).
const LANCZOS_SEED: u64 = 0x5DEE_CE66_D1CE_4E5B;

/// The lowest curvature of `H(x)` by Lanczos ([`LANCZOS_STEPS`]) on
/// the objective's own Hessian-vector products, from a pseudo-random
/// vector (entries a hash of their index, as the verification probe's).
/// Not the golden-ratio `mixed_vector` of inverse iteration: that
/// sequence is equidistributed, so it is nearly orthogonal to smooth
/// vectors, and eight steps from it missed the smooth negative modes of a
/// banded `H` (λ_min = −0.45 at n = 23, `Gradient` reported; the
/// proptest's saved case). A random start's component along any fixed
/// eigenvector is of order `1/√n`.
fn lowest_curvature_at<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
) -> Result<LowestCurvature, Error> {
    let mut hv = |v: &DVector<f64>| try_hvp(obj, x, v);
    let start = DVector::from_fn(x.len(), |i, _| probe_entry(LANCZOS_SEED, i));
    lowest_curvature(&mut hv, start, LANCZOS_STEPS)
}
