//! Damped Newton with banded or sparse Hessians.
//!
//! Each iteration: one multi-tangent sweep gives `f`, `∇f` and the
//! Hessian `H`, either banded ([`crate::hessian::hessian_banded_with`]) or
//! on a detected sparse pattern ([`crate::hessian::SparseHessianPlan`]);
//! a banded (or envelope) Cholesky factors `H + τI`, with the Levenberg
//! shift `τ` grown until it factors when `H` is not positive definite; a
//! backtracking Armijo search along `d = −(H + τI)⁻¹ ∇f` chooses the step.
//! Banded: O(n·k²) time and O(n·k) memory per iteration.

use super::curvature::{BandCurvature, Curvature, SparseCurvature};
use super::line_search::{Accepted, backtrack, below_rounding};
use super::progress::Tally;
use super::{Control, Iteration, OptimResult, StallWatch, StopReason, Stopping, check_bounded};
use crate::CompiledObjective;
use crate::banded::{ShiftParams, ShiftStart, first_that_factors};
use crate::derivatives::{try_value_and_grad, value_and_grad};
use crate::error::check_finite;
use crate::hessian::BandOptions;
use crate::hessian::SparseOptions;
use crate::sparsity::hessian_pattern;
use crate::{DFun, Error, Objective};
use nalgebra::DVector;

/// Options of [`Newton`].
///
/// ```
/// use lensdiff::optim::NewtonOptions;
/// let o = NewtonOptions { verbose: true, ..Default::default() };
/// assert_eq!(o.stopping.max_iters, 100);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NewtonOptions {
    /// When to stop.
    pub stopping: Stopping,
    /// How the banded Hessian is extracted and verified (default: the
    /// library's defaults with `bound_tol = 1e-6`: a Newton step needs the
    /// Hessian normwise, which substitution gives, so the switch to CPR is
    /// kept for bands whose small entries are lost outright).
    pub band: BandOptions,
    /// How the sparse Hessian is coloured and verified
    /// ([`Newton::minimize_sparse`]).
    pub sparse: SparseOptions,
    /// The smallest Levenberg shift tried (default `1e-3`, as in Nocedal &
    /// Wright's Algorithm 3.3).
    pub tau_beta: f64,
    /// Print an iteration table to standard output.
    pub verbose: bool,
}

impl Default for NewtonOptions {
    fn default() -> Self {
        NewtonOptions {
            stopping: Stopping::default(),
            band: BandOptions {
                bound_tol: 1e-6,
                ..BandOptions::default()
            },
            sparse: SparseOptions::default(),
            tau_beta: 1e-3,
            verbose: false,
        }
    }
}

/// The full step `x + d` if it is finite and shrinks the gradient below
/// `grad_inf` (used when `f` can no longer resolve the step's decrease).
fn rounding_step(
    f: &DFun<DVector<f64>, f64>,
    x: &DVector<f64>,
    d: &DVector<f64>,
    grad_inf: f64,
) -> Option<Accepted> {
    let xt = x + d;
    let (ft, gt) = value_and_grad(f, &xt);
    let ok = ft.is_finite() && gt.iter().all(|v| v.is_finite()) && gt.amax() < grad_inf;
    ok.then_some(Accepted {
        alpha: 1.0,
        x: xt,
        f: ft,
        evals: 1,
    })
}

/// Factors `H + τI` (Nocedal & Wright, Algorithm 3.3) along the crate's
/// one shift policy ([`crate::banded::ShiftParams`]): `τ = 0` first when
/// the diagonal is positive, else from `max(τ_prev/4 (or β), β − min diag)`,
/// doubling until the Cholesky factorisation succeeds. Bounded number of
/// tries. Returns the shift used.
fn levenberg_factor(h: &mut dyn Curvature, tau_prev: f64, beta: f64) -> Result<f64, Error> {
    let min_diag = h.min_diag();
    let lift = if min_diag <= 0.0 {
        beta - min_diag
    } else {
        0.0
    };
    let shifts = ShiftParams::levenberg(beta).shifts(ShiftStart {
        first: (min_diag > 0.0).then_some(0.0),
        previous: Some(tau_prev),
        at_least: lift,
        unit: 1.0,
    });
    first_that_factors(shifts, |tau| h.factor(tau))
}

/// Damped Newton's method with banded or sparse Hessians.
///
/// ```
/// use lensdiff::optim::{Newton, NewtonOptions, StopReason};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
/// struct Tri;
/// impl Objective for Tri {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(1000, |i, _| (0.7 * i as f64).sin());
/// let r = Newton::new(NewtonOptions::default()).minimize(&Tri, &x, 1).unwrap();
/// assert_eq!(r.stop, StopReason::Gradient);
/// assert!(r.grad_inf <= 1e-8 * r.grad0_inf.max(1.0));
/// ```
#[derive(Debug, Clone, Default)]
pub struct Newton {
    opts: NewtonOptions,
}

impl Newton {
    /// A Newton solver with the given options.
    ///
    /// ```
    /// use lensdiff::optim::{Newton, NewtonOptions, StopReason, Stopping};
    /// use lensdiff::{Expr, Objective, Real};
    /// struct Bowl;
    /// impl Objective for Bowl {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.map(|t| t.cosh()).sum() }
    /// }
    /// let opts = NewtonOptions {
    ///     stopping: Stopping { max_iters: 1, ..Stopping::default() },
    ///     ..Default::default()
    /// };
    /// let r = Newton::new(opts).minimize(&Bowl, &nalgebra::dvector![1.0, -2.0], 0).unwrap();
    /// assert_eq!((r.iterations, r.stop), (1, StopReason::MaxIterations));
    /// ```
    pub fn new(opts: NewtonOptions) -> Self {
        Newton { opts }
    }

    /// Minimises `f` from `x0`, for a Hessian of half-bandwidth `k`.
    ///
    /// ```
    /// use lensdiff::optim::Newton;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
    /// struct Penta;
    /// impl Objective for Penta {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(500, |i, _| (0.7 * i as f64).sin());
    /// let r = Newton::default().minimize(&Penta, &x, 2).unwrap();
    /// // Newton's quadratic convergence on a convex objective: a handful of steps.
    /// assert!(r.converged() && r.iterations < 10);
    /// ```
    pub fn minimize<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        k: usize,
    ) -> Result<OptimResult, Error> {
        self.minimize_observed(obj, x0, k, &mut |_| Control::Continue)
    }

    /// Like [`minimize`](Self::minimize), calling `observer` after every
    /// iteration (it can stop the solve).
    ///
    /// ```
    /// use lensdiff::optim::{Newton, Control, StopReason};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
    /// struct Tri;
    /// impl Objective for Tri {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(100, |i, _| (0.7 * i as f64).sin());
    /// let mut seen = Vec::new();
    /// let r = Newton::default()
    ///     .minimize_observed(&Tri, &x, 1, &mut |it| {
    ///         seen.push(it.f);
    ///         if it.iter == 1 { Control::Stop } else { Control::Continue }
    ///     })
    ///     .unwrap();
    /// assert_eq!(r.stop, StopReason::Observer);
    /// assert_eq!(seen.len(), 2);
    /// assert!(seen[1] < seen[0]);
    /// ```
    pub fn minimize_observed<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        k: usize,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        check_finite("x0", x0.as_slice())?;
        let obj = CompiledObjective::new(obj);
        let mut h = BandCurvature::new(&obj, k, self.opts.band);
        self.run(&obj, x0, &mut h, observer)
    }

    /// Minimises `f` from `x0` with sparse Hessians: the pattern is
    /// detected at `x0` ([`crate::sparsity::hessian_pattern`]), coloured
    /// once, and every iteration recovers `H` from one product per colour,
    /// verified by a random probe (a pattern that misses nonzeros at a
    /// later point is detected again there and merged). `H + τI` is
    /// factored by an [`crate::banded::EnvelopeCholesky`] after reverse
    /// Cuthill–McKee with dense rows last, so a band with a few couplings
    /// (a periodic end condition, a parameter shared by all points) costs
    /// about what a band does. No bandwidth to guess.
    ///
    /// ```
    /// use lensdiff::{Objective, Expr, Real, optim::{Newton, StopReason}};
    /// use nalgebra::DVector;
    /// // A closed chain: x_{i+1} − x_i and x_0 − x_{n−1}, plus a quartic.
    /// struct Ring;
    /// impl Objective for Ring {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         let close = x.at(0) - x.last();
    ///         x.diff().square().sum() + close.square() + (x - 1.0).powi(4).sum()
    ///     }
    /// }
    /// let r = Newton::default().minimize_sparse(&Ring, &DVector::zeros(200)).unwrap();
    /// assert_eq!(r.stop, StopReason::Gradient);
    /// assert!(r.x.iter().all(|v| (v - 1.0).abs() < 1e-2));
    /// ```
    pub fn minimize_sparse<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
    ) -> Result<OptimResult, Error> {
        self.minimize_sparse_observed(obj, x0, &mut |_| Control::Continue)
    }

    /// Like [`minimize_sparse`](Self::minimize_sparse), calling `observer`
    /// after every iteration (it can stop the solve).
    ///
    /// ```
    /// use lensdiff::optim::{Newton, Control, StopReason};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
    /// struct Penta;
    /// impl Objective for Penta {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(100, |i, _| (0.7 * i as f64).sin());
    /// let mut hvps = 0;
    /// let r = Newton::default()
    ///     .minimize_sparse_observed(&Penta, &x, &mut |it| { hvps = it.hvps; Control::Continue })
    ///     .unwrap();
    /// assert_eq!(r.stop, StopReason::Gradient);
    /// assert_eq!(hvps, 6); // 5 star colours for a band of half-width 2, and the probe
    /// ```
    pub fn minimize_sparse_observed<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        check_finite("x0", x0.as_slice())?;
        let obj = CompiledObjective::new(obj);
        let mut h = SparseCurvature::new(&obj, x0, self.opts.sparse)?;
        if self.opts.verbose {
            let (nnz, colors, envelope) = h.describe();
            println!(
                "sparse Hessian: {nnz} nonzeros, {colors} colours, envelope of {envelope} entries"
            );
        }
        self.run(&obj, x0, &mut h, observer)
    }

    /// Minimises `f` from `x0`, finding the Hessian's structure itself:
    /// the sparsity tracer detects the pattern at `x0` once; a band whose
    /// storage is at most four times the pattern's nonzeros (plus a
    /// diagonal) takes the banded path with the detected `k`, anything
    /// else the sparse path. [`OptimResult::structure`] says which.
    ///
    /// ```
    /// use lensdiff::{Objective, Expr, Real, optim::{Newton, Structure}};
    /// use nalgebra::DVector;
    /// struct Smooth; // pentadiagonal: banded with k = 2
    /// impl Objective for Smooth {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff2().square().sum() + (x - 1.0).square().sum()
    ///     }
    /// }
    /// let r = Newton::default().minimize_auto(&Smooth, &DVector::zeros(100)).unwrap();
    /// assert_eq!(r.structure, Structure::Banded { k: 2 });
    /// assert!(r.converged());
    /// assert!(r.x.iter().all(|v| (v - 1.0).abs() < 1e-8));
    /// ```
    pub fn minimize_auto<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
    ) -> Result<OptimResult, Error> {
        check_finite("x0", x0.as_slice())?;
        let pattern = hessian_pattern(obj, x0)?;
        let n = x0.len();
        let k = pattern.bandwidth();
        // Band storage n(k+1) against the pattern's upper half (nnz + n)/2.
        if n * (k + 1) <= 2 * (pattern.nnz() + n) {
            self.minimize_observed(obj, x0, k, &mut |_| Control::Continue)
        } else {
            let obj = CompiledObjective::new(obj);
            let mut h = SparseCurvature::from_pattern(&obj, pattern, self.opts.sparse)?;
            self.run(&obj, x0, &mut h, &mut |_| Control::Continue)
        }
    }

    /// The Newton loop over a Hessian model.
    fn run<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        h: &mut dyn Curvature,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        let o = &self.opts;
        let stopping = &o.stopping;
        let f_lens = obj.lens::<f64>();
        let f = |x: &DVector<f64>| f_lens.eval(x);
        let mut tally = Tally::new(h.label(), x0.len(), o.verbose);
        tally.structure = h.structure();
        let mut x = x0.clone();
        let x0_inf = x0.amax();
        let mut f0 = 0.0;
        let mut tau: f64 = 0.0;
        let mut target = f64::INFINITY;
        let mut iter = 0;
        let mut floor_steps = 0;
        let mut watch = StallWatch::new();
        loop {
            let hb = h.evaluate(&x)?;
            tally.f_evals += 1;
            tally.grad_evals += 1;
            tally.hvps += hb.hvps;
            let g = hb.gradient;
            let gi = g.amax();
            if iter == 0 {
                tally.grad0 = gi;
                target = stopping.target(gi);
                f0 = hb.value;
            }
            check_bounded(stopping, &x, hb.value, x0_inf, f0, iter)?;
            let mut it = Iteration {
                iter,
                f: hb.value,
                grad_inf: gi,
                step: 0.0,
                step_inf: 0.0,
                tau: 0.0,
                hvps: hb.hvps,
                ls_evals: 0,
                decrement: f64::NAN,
                time_s: tally.elapsed(),
            };
            let gradient_met = gi <= target;
            // The Newton step and its decrement λ² = gᵀ(H + τI)⁻¹g.
            let step = levenberg_factor(h, tau, o.tau_beta).and_then(|t| Ok((t, -h.solve(&g)?)));
            let (tau_used, d, newton) = match step {
                Ok((t, d)) => {
                    let ok = d.dot(&g) < 0.0 && d.iter().all(|v| v.is_finite());
                    (t, d, ok)
                }
                // At the target the factorisation is not needed to stop.
                Err(_) if gradient_met => (0.0, -g.clone(), false),
                Err(e) => return Err(e),
            };
            tau = tau_used;
            if newton {
                it.decrement = -d.dot(&g);
                tally.decrement = Some(it.decrement);
            }
            let f_scale = hb.value.abs().max(1.0);
            let decrement_met = newton && 0.5 * it.decrement <= stopping.decrement_rtol * f_scale;
            let at_floor = decrement_met && tau_used == 0.0;
            let stop = if gradient_met && (decrement_met || !newton || gi == 0.0) {
                Some(StopReason::Gradient)
            } else if iter >= stopping.max_iters {
                Some(StopReason::MaxIterations)
            } else if at_floor && floor_steps >= stopping.floor_steps {
                Some(StopReason::RoundingFloor)
            } else if watch.stalled(iter, gi, hb.value, stopping.stall_iters) {
                Some(StopReason::Stalled)
            } else {
                None
            };
            if let Some(stop) = stop {
                tally.record(it, true);
                return Ok(tally.finish(x, hb.value, gi, iter, stop));
            }
            let d = if newton { d } else { -g.clone() }; // fall back to −∇f
            let ls = if at_floor {
                // f cannot resolve what is left: a full step is taken while
                // it shrinks the gradient, and the floor is reached when it
                // does not.
                floor_steps += 1;
                tally.grad_evals += 1;
                rounding_step(&f_lens, &x, &d, gi)
            } else {
                match backtrack(&f, &x, hb.value, &g, &d, 1.0, true, iter) {
                    Ok(ls) => Some(ls),
                    Err(_) if below_rounding(hb.value, &g, &d) => {
                        tally.grad_evals += 1;
                        rounding_step(&f_lens, &x, &d, gi).filter(|_| tau_used == 0.0)
                    }
                    Err(e) => return Err(e),
                }
            };
            let Some(ls) = ls else {
                // No step shrinks the gradient: converged at the floor when
                // the model is positive definite, else stuck.
                let reason = if tau_used == 0.0 && newton {
                    StopReason::RoundingFloor
                } else {
                    StopReason::Stalled
                };
                tally.record(it, true);
                return Ok(tally.finish(x, hb.value, gi, iter, reason));
            };
            tally.f_evals += ls.evals;
            it.step = ls.alpha;
            it.step_inf = d.amax() * ls.alpha;
            it.tau = tau_used;
            it.ls_evals = ls.evals;
            it.time_s = tally.elapsed();
            let decrease = hb.value - ls.f;
            tally.record(it.clone(), true);
            x = ls.x;
            iter += 1;
            let stop = if observer(&it) == Control::Stop {
                Some(StopReason::Observer)
            } else if stopping.f_rtol > 0.0 && decrease <= stopping.f_rtol * ls.f.abs().max(1.0) {
                Some(StopReason::RelativeDecrease)
            } else {
                None
            };
            if let Some(stop) = stop {
                let (fx, gx) = try_value_and_grad(&f_lens, &x)?;
                tally.grad_evals += 1;
                return Ok(tally.finish(x, fx, gx.amax(), iter, stop));
            }
        }
    }
}
