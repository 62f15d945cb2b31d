//! Gradient descent with a backtracking Armijo line search: the baseline
//! Newton is measured against, behind the same interface.

use super::line_search::{backtrack, below_rounding};
use super::progress::Tally;
use super::{Control, Iteration, OptimResult, StallWatch, StopReason, Stopping, check_bounded};
use crate::CompiledObjective;
use crate::derivatives::try_value_and_grad;
use crate::error::check_finite;
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
/// twice the last accepted one.
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
            let mut stop = if gi <= target {
                Some(StopReason::Gradient)
            } else if iter >= o.stopping.max_iters {
                Some(StopReason::MaxIterations)
            } else if watch.stalled(iter, gi, fx, o.stopping.stall_iters) {
                Some(StopReason::Stalled)
            } else {
                None
            };
            if stop.is_none() {
                let d = -&g;
                match backtrack(&f, &x, fx, &g, &d, (2.0 * alpha).min(1e8), false, iter) {
                    // A unit step promises less than f's rounding: stuck, not
                    // converged (gradient descent has no model to say more).
                    Err(_) if below_rounding(fx, &g, &d) => stop = Some(StopReason::Stalled),
                    Err(e) => return Err(e),
                    Ok(ls) => {
                        tally.f_evals += ls.evals;
                        alpha = ls.alpha;
                        it.step = ls.alpha;
                        it.step_inf = gi * ls.alpha;
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
            let print = stop.is_some() || it.iter % o.print_every.max(1) == 0;
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
