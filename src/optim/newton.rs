//! Newton's method with banded or sparse Hessians.
//!
//! Each iteration: one multi-tangent sweep gives `f`, `∇f` and the
//! Hessian `H`, either banded ([`crate::hessian::hessian_banded_with`]) or
//! on a detected sparse pattern ([`crate::hessian::SparseHessianPlan`]).
//! A banded (or envelope) Cholesky of `H` tells whether `H` is positive
//! definite (and gives the Newton step), or positive semidefinite to its
//! rounding level, or indefinite. By default a Levenberg shift `H + τI`
//! and an Armijo line search choose the step, with a curvilinear search
//! along a direction of negative curvature at saddles and maxima
//! ([`Globalization::LineSearch`]); [`Globalization::TrustRegion`] is a
//! Moré–Sorensen trust region instead. Only a point with a small gradient
//! and a positive semidefinite Hessian counts as converged. Banded:
//! O(n·k²) time and O(n·k) memory per iteration.

use super::curvature::{BandCurvature, Curvature, Evaluated, SparseCurvature};
use super::line_search::{Accepted, backtrack, below_rounding, curvilinear};
use super::progress::Tally;
use super::refine::{Refinement, refine_step};
use super::rounding::{f_noise, f_rounding_level, gradient_floor};
use super::trust_region::{self, model_value};
use super::{Control, Iteration, OptimResult, StallWatch, StopReason, Stopping, check_bounded};
use crate::CompiledObjective;
use crate::banded::{ShiftParams, ShiftStart, first_that_factors};
use crate::derivatives::{try_value_and_grad, value_and_grad};
use crate::erased::Erased;
use crate::error::check_finite;
use crate::hessian::BandOptions;
use crate::hessian::SparseOptions;
use crate::hessian::try_hvp;
use crate::sparsity::{hessian_bandwidth, hessian_pattern_within};
use crate::{DFun, Error, Objective};
use nalgebra::DVector;

/// Options of [`Newton`].
///
/// ```
/// use lensdiff::optim::NewtonOptions;
/// let o = NewtonOptions { verbose: true, ..Default::default() };
/// assert_eq!(o.stopping.max_iters, 1000);
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
    /// Wright's Algorithm 3.3): the line search's shift, and the first
    /// trust region's radius when `H(x0)` is indefinite.
    pub tau_beta: f64,
    /// How Newton makes progress far from a minimum (default
    /// [`Globalization::LineSearch`]).
    pub globalization: Globalization,
    /// The trust region's first radius `Δ₀`, in the 2-norm of the scaled
    /// step `D p` with `D = diag(√|H_ii|)` (default `None`:
    /// the length of the Newton step when `H(x0)` is positive definite,
    /// else of the Levenberg step `−(H + τI)⁻¹∇f`).
    pub initial_radius: Option<f64>,
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
            globalization: Globalization::LineSearch,
            initial_radius: None,
            verbose: false,
        }
    }
}

/// How Newton's method makes progress far from a minimum. Both stop on
/// the same tests ([`super::StopReason`]); `notes/newton.md` has the
/// measurements behind the default.
///
/// ```
/// use lensdiff::optim::{Globalization, Newton, NewtonOptions};
/// use lensdiff::{Expr, Objective, Real, c};
/// /// Σ (x⁴/4 − x²/2): a maximum at 0, minima at ±1.
/// struct DoubleWell;
/// impl Objective for DoubleWell {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.map(|t| t.powi(4) * c(0.25) - t * t * c(0.5)).sum()
///     }
/// }
/// let x0 = nalgebra::DVector::zeros(4); // ∇f = 0, H = −I
/// let r = Newton::default().minimize(&DoubleWell, &x0, 0).unwrap();
/// assert!(r.converged());
/// assert!(r.x.iter().all(|v| (v.abs() - 1.0).abs() < 1e-8)); // a minimum, not the start
/// let o = NewtonOptions { globalization: Globalization::TrustRegion, ..Default::default() };
/// let r = Newton::new(o).minimize(&DoubleWell, &x0, 0).unwrap();
/// assert!(r.converged() && r.f < -0.99); // f = −n/4 at the minima
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Globalization {
    /// A Levenberg shift `H + τI` grown until it factors, and a
    /// backtracking Armijo search along `−(H + τI)⁻¹∇f`; where `H` is
    /// indefinite and that step can do no more (a saddle, a maximum), a
    /// curvilinear search along a direction of negative curvature
    /// (Moré & Sorensen 1979). The default: fewer iterations than the
    /// trust region on the problems measured in `notes/newton.md`.
    #[default]
    LineSearch,
    /// A trust region in Jacobi-scaled variables whose subproblem is
    /// solved nearly exactly by Moré–Sorensen on the banded or envelope
    /// Cholesky (a few factorisations a step), with the hard case's
    /// eigenvector at saddles and maxima, and a backtracking search along
    /// a rejected step.
    TrustRegion,
}

/// Units of `ε · row width · ‖H‖∞` within which `H` still counts as
/// positive semidefinite (the rounding of the Hessian and its Cholesky).
const PSD_ULPS: f64 = 64.0;
/// A gradient within this factor of its measured rounding floor is at it.
const FLOOR_FACTOR: f64 = 100.0;
/// Trust-region steps with `ρ` below this are rejected.
const ETA: f64 = 1e-4;
/// Trial steps allowed for one Hessian before the solve counts as stalled.
const MAX_TRIALS: usize = 100;
/// The trust region never grows beyond this multiple of `max(1, ‖x0‖₂)`.
const RADIUS_CAP: f64 = 1e12;

/// What one look at `H` says: the Newton step when `H` is positive
/// definite, whether it is positive semidefinite to its rounding level,
/// and the Newton decrement of whichever factorisation succeeded.
struct Definiteness {
    /// `−H⁻¹∇f` (finite and downhill) when `H` factored unshifted.
    newton: Option<DVector<f64>>,
    /// `H + σI` factors with `σ` at the rounding level of `H`.
    psd: bool,
    /// That rounding level `σ`.
    sigma: f64,
    /// `λ² = ∇fᵀ(H + σI)⁻¹∇f` (NaN when neither factorisation succeeded).
    decrement: f64,
}

/// The start's figures the stopping tests use, fixed at iteration 0.
struct Start {
    /// `‖x0‖∞`, for [`check_bounded`].
    x0_inf: f64,
    /// `f(x0)`, for [`check_bounded`].
    f0: f64,
    /// The gradient target ([`Stopping::target`] of `‖∇f(x0)‖∞`).
    target: f64,
}

impl Start {
    /// Evaluates `f`, `∇f` and `H` at `x` (iteration `iter`) and counts
    /// them; at iteration 0 fixes the start's figures; then checks that the
    /// iterates have not run off ([`crate::Error::Unbounded`]).
    fn evaluate(
        &mut self,
        h: &mut dyn Curvature,
        x: &DVector<f64>,
        iter: usize,
        stopping: &Stopping,
        tally: &mut Tally,
    ) -> Result<Evaluated, Error> {
        let ev = h.evaluate(x)?;
        tally.f_evals += 1;
        tally.grad_evals += 1;
        tally.hvps += ev.hvps;
        if iter == 0 {
            let gi = ev.gradient.amax();
            tally.grad0 = gi;
            self.target = stopping.target(gi);
            self.f0 = ev.value;
        }
        check_bounded(stopping, x, ev.value, self.x0_inf, self.f0, iter)?;
        Ok(ev)
    }
}

/// Factors `H` (and, if that fails, `H + σI` at its rounding level `σ`;
/// `entry_error` is the extraction's entrywise error relative to the
/// diagonal scale).
fn classify(
    h: &mut dyn Curvature,
    g: &DVector<f64>,
    entry_error: f64,
) -> Result<Definiteness, Error> {
    let width = h.row_width().max(1) as f64;
    let sigma = (width * (PSD_ULPS * f64::EPSILON).max(entry_error) * h.norm_bound())
        .max(f64::MIN_POSITIVE);
    let (unshifted, psd) = match h.factor(0.0) {
        Ok(()) => (true, true),
        Err(Error::NotPositiveDefinite { .. }) => (false, h.factor(sigma).is_ok()),
        Err(e) => return Err(e),
    };
    if !psd {
        return Ok(Definiteness {
            newton: None,
            psd,
            sigma,
            decrement: f64::NAN,
        });
    }
    let p = -h.solve(g)?;
    let decrement = -p.dot(g);
    let usable = p.iter().all(|v| v.is_finite()) && (decrement > 0.0 || g.amax() == 0.0);
    Ok(Definiteness {
        newton: (unshifted && usable).then_some(p),
        psd,
        sigma,
        decrement: if usable { decrement } else { f64::NAN },
    })
}

/// Jacobi scaling for the trust region: `d_i = √|H_ii|`, floored at
/// `1e-8` of the largest (a vanishing diagonal entry must not make its
/// variable free), and never below the last scaling (Moré's rule in
/// MINPACK: scales that only grow keep the region's shape steady).
fn update_scaling(d: &mut DVector<f64>, diag: &DVector<f64>) {
    let largest = diag.amax();
    let floor = if largest > 0.0 && largest.is_finite() {
        1e-8 * largest
    } else {
        1.0
    };
    for (di, hi) in d.iter_mut().zip(diag.iter()) {
        let v = hi.abs().max(floor).sqrt();
        if v.is_finite() && v > *di {
            *di = v;
        }
    }
}

/// What [`rounding_step`] found.
enum RoundingStep {
    /// The full step: finite, a smaller gradient, `f` not raised beyond
    /// its rounding.
    Taken(Accepted),
    /// The full step does not shrink the gradient (or is not finite):
    /// the gradient may be at its floor.
    NoSmallerGradient,
    /// The full step shrinks the gradient but raises `f` by more than its
    /// rounding level: not a step to take, though a shorter one may be.
    RaisesF,
}

/// The full step `x + d`, judged by the gradient where `f` can no longer
/// resolve the step's decrease: taken if it is finite, shrinks the
/// gradient below `grad_inf`, and does not raise `f` above `fx` by more
/// than `f`'s rounding level there ([`f_rounding_level`]: `16 ε
/// max(|f(x)|, |f(x + d)|)`, or twice the change of `f` over ulp moves of
/// `x` when that is larger; measured only when the first bound is
/// exceeded). An increase of `f` that `f` does resolve is not rounding,
/// and such a step is refused however much the gradient shrinks (issue
/// 20: with a decrement test loose at a large `|f|`, a full step could
/// land past the minimum of a skewed valley, at a smaller gradient and a
/// larger `f`). Counts its evaluations in `tally`.
fn rounding_step(
    f: &DFun<DVector<f64>, f64>,
    x: &DVector<f64>,
    fx: f64,
    d: &DVector<f64>,
    grad_inf: f64,
    tally: &mut Tally,
) -> RoundingStep {
    let xt = x + d;
    let (ft, gt) = value_and_grad(f, &xt);
    tally.grad_evals += 1;
    let ok = ft.is_finite() && gt.iter().all(|v| v.is_finite()) && gt.amax() < grad_inf;
    if !ok {
        return RoundingStep::NoSmallerGradient;
    }
    if ft > fx + f_noise(fx, ft) {
        // Beyond the cheap bound: measure f's rounding before refusing.
        tally.f_evals += 2;
        if ft > fx + f_rounding_level(f, x, fx, ft) {
            return RoundingStep::RaisesF;
        }
    }
    RoundingStep::Taken(Accepted {
        alpha: 1.0,
        x: xt,
        f: ft,
        evals: 1,
    })
}

/// The start is not empty (named as the start, before any Hessian is
/// asked for) and finite.
fn check_start(x0: &DVector<f64>) -> Result<(), Error> {
    if x0.is_empty() {
        return Err(Error::InvalidArgument {
            op: "Newton",
            reason: "the start x0 is empty: there is nothing to minimise".into(),
        });
    }
    check_finite("x0", x0.as_slice())
}

/// Factors `H + τI` (Nocedal & Wright, Algorithm 3.3) along the crate's
/// one shift policy ([`crate::banded::ShiftParams`]): `τ = 0` first when
/// the diagonal is positive, else from `max(τ_prev/4 (or β), lift − min
/// diag)`, doubling until the Cholesky factorisation succeeds. Bounded
/// number of tries. Returns the shift used. `lift` is `β` but where the
/// line search adapts it ([`next_lift`]).
fn levenberg_factor(
    h: &mut dyn Curvature,
    tau_prev: f64,
    beta: f64,
    lift: f64,
) -> Result<f64, Error> {
    let min_diag = h.min_diag();
    let at_least = if min_diag <= 0.0 {
        lift - min_diag
    } else {
        0.0
    };
    let shifts = ShiftParams::levenberg(beta).shifts(ShiftStart {
        first: (min_diag > 0.0).then_some(0.0),
        previous: Some(tau_prev),
        at_least,
        unit: 1.0,
    });
    first_that_factors(shifts, |tau| h.factor(tau))
}

/// The line search's lift for the next Levenberg shift (the margin it
/// puts the most negative diagonal entry above zero), after a step of
/// length `alpha` along `−(H + τI)⁻¹∇f` on a Hessian that was `psd` or
/// not, Levenberg–Marquardt's way: where `H` was indefinite and the step
/// had to be cut below a quarter (`alpha < 1/4`: more than the halving or
/// two an Armijo search often needs), the margin grows by `1/alpha` (so
/// the next step along the most negative curvature is about as long as
/// the one accepted), capped at `‖H‖∞`; otherwise it falls back by 4
/// towards `beta`. With the fixed margin `β = 10⁻³`, a variable that
/// sits where the curvature is most negative moved by `10³ ∂f/∂xᵢ`, and on
/// the double well after its maximum the Armijo search cut the steps to
/// `α ≈ 2⁻⁹` for several iterations (`notes/newton.md`).
fn next_lift(lift: f64, beta: f64, alpha: f64, psd: bool, norm_bound: f64) -> f64 {
    if !psd && alpha < 0.25 {
        (lift / alpha).min(norm_bound.max(beta))
    } else {
        (lift / 4.0).max(beta)
    }
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
        self.minimize_banded_erased(&Erased::new(obj), x0, k, observer)
    }

    /// [`minimize_observed`](Self::minimize_observed), compiled once (see `crate::erased`).
    fn minimize_banded_erased(
        &self,
        obj: &Erased<'_>,
        x0: &DVector<f64>,
        k: usize,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        check_start(x0)?;
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
        self.minimize_sparse_erased(&Erased::new(obj), x0, observer)
    }

    /// [`minimize_sparse_observed`](Self::minimize_sparse_observed), compiled once (see `crate::erased`).
    fn minimize_sparse_erased(
        &self,
        obj: &Erased<'_>,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        check_start(x0)?;
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
    /// the sparsity tracer finds the half-bandwidth `k` at `x0`, then the
    /// pattern, stopping at what either path could use. A band whose
    /// storage is at most four times the pattern's nonzeros (plus a
    /// diagonal) takes the banded path with `k`, a sparser pattern (at most
    /// `16 n` nonzeros) the sparse path. A dense Hessian takes the banded
    /// path with `k = n − 1` while that fits in `2²²` entries (`n ≤ 2048`),
    /// else [`Error::HessianTooDense`] names the sizes, after time and
    /// memory proportional to `n`. [`OptimResult::structure`] says which.
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
        self.minimize_auto_erased(&Erased::new(obj), x0)
    }

    /// [`minimize_auto`](Self::minimize_auto), compiled once (see `crate::erased`).
    fn minimize_auto_erased(
        &self,
        obj: &Erased<'_>,
        x0: &DVector<f64>,
    ) -> Result<OptimResult, Error> {
        // The sparse path's nonzeros per variable, and the largest band
        // (a dense Hessian for small n) taken when the pattern is denser.
        const SPARSE_PER_ROW: usize = 16;
        const MAX_BAND: usize = 1 << 22;
        check_start(x0)?;
        let n = x0.len();
        let k = hessian_bandwidth(obj, x0)?;
        let band = n.saturating_mul(k + 1);
        // Band storage n(k+1) against the pattern's upper half (nnz + n)/2:
        // past band/2 nonzeros the band wins, past 16 n the sparse path
        // cannot hold it; detection stops at the smaller.
        let limit = (band / 2).min(SPARSE_PER_ROW * n);
        match hessian_pattern_within(obj, x0, limit) {
            Ok(pattern) if band > 2 * (pattern.nnz() + n) => {
                let obj = CompiledObjective::new(obj);
                let mut h = SparseCurvature::from_pattern(&obj, pattern, self.opts.sparse)?;
                self.run(&obj, x0, &mut h, &mut |_| Control::Continue)
            }
            Ok(_) => self.minimize_banded_erased(obj, x0, k, &mut |_| Control::Continue),
            Err(Error::HessianTooDense { .. }) if band <= (2 * limit).max(MAX_BAND) => {
                self.minimize_banded_erased(obj, x0, k, &mut |_| Control::Continue)
            }
            Err(e) => Err(e),
        }
    }

    /// The Newton loop over a Hessian model, globalised as the options say.
    fn run<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        h: &mut dyn Curvature,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        match self.opts.globalization {
            Globalization::TrustRegion => self.run_trust_region(obj, x0, h, observer),
            Globalization::LineSearch => self.run_line_search(obj, x0, h, observer),
        }
    }

    /// The first trust-region radius: the Newton step's length, else the
    /// Levenberg step's.
    fn first_radius(
        &self,
        h: &mut dyn Curvature,
        g: &DVector<f64>,
        def: &Definiteness,
        x0_norm: f64,
    ) -> Result<f64, Error> {
        if let Some(r) = self.opts.initial_radius {
            return Ok(r);
        }
        let length = match &def.newton {
            Some(p) => p.norm(),
            None => {
                levenberg_factor(h, 0.0, self.opts.tau_beta, self.opts.tau_beta)?;
                h.solve(g)?.norm()
            }
        };
        // A zero gradient (a saddle, a maximum) still needs a region.
        let least = 1e-3 * x0_norm.max(1.0);
        Ok(if length.is_finite() && length > 0.0 {
            length
        } else {
            least
        })
    }

    /// The set-up both loops share: the tally (labelled, with the
    /// structure of `h`), the start's figures (fixed by
    /// [`Start::evaluate`] at iteration 0), the stall watch.
    fn begin(&self, h: &dyn Curvature, x0: &DVector<f64>) -> (Tally, Start, StallWatch) {
        let mut tally = Tally::new(h.label(), x0.len(), self.opts.verbose);
        tally.structure = h.structure();
        let start = Start {
            x0_inf: x0.amax(),
            f0: 0.0,
            target: f64::INFINITY,
        };
        (tally, start, StallWatch::new())
    }

    /// Newton with a trust region (Moré–Sorensen subproblems).
    fn run_trust_region<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x0: &DVector<f64>,
        h: &mut dyn Curvature,
        observer: &mut dyn FnMut(&Iteration) -> Control,
    ) -> Result<OptimResult, Error> {
        let stopping = &self.opts.stopping;
        let f_lens = obj.lens::<f64>();
        let (mut tally, mut start, mut watch) = self.begin(h, x0);
        let (mut x, mut iter) = (x0.clone(), 0);
        let mut d = DVector::from_element(x0.len(), f64::MIN_POSITIVE.sqrt());
        let mut max_radius = f64::INFINITY;
        let mut delta = f64::NAN;
        loop {
            let ev = start.evaluate(h, &x, iter, stopping, &mut tally)?;
            let (g, fx) = (&ev.gradient, ev.value);
            let gi = g.amax();
            let target = start.target;
            // The trust region lives in the scaled variables p̃ = D p:
            // H̃ = D⁻¹HD⁻¹, g̃ = D⁻¹g.
            update_scaling(&mut d, &h.diagonal());
            h.scale_symmetric(&d.map(|v| 1.0 / v));
            let gs = g.component_div(&d);
            let def = classify(h, &gs, ev.entry_error)?;
            if def.decrement.is_finite() {
                tally.decrement = Some(def.decrement);
            }
            let mut it = Iteration {
                decrement: def.decrement,
                ..Iteration::start(iter, fx, gi, ev.hvps, tally.elapsed())
            };
            let gradient_met = gi <= target;
            let decrement_met = 0.5 * def.decrement <= stopping.decrement_rtol * fx.abs().max(1.0);
            let stop = if gradient_met && def.psd && (decrement_met || gi == 0.0) {
                Some(StopReason::Gradient)
            } else if iter >= stopping.max_iters {
                Some(StopReason::MaxIterations)
            } else if watch.stalled(iter, gi, fx, stopping.stall_iters) {
                Some(not_converged(gradient_met, def.psd))
            } else {
                None
            };
            if let Some(stop) = stop {
                tally.record(it, true);
                return Ok(tally.finish(x, fx, gi, iter, stop));
            }
            let scaled_x = x.component_mul(&d).norm();
            if !delta.is_finite() {
                max_radius = RADIUS_CAP * scaled_x.max(1.0);
                delta = self.first_radius(h, &gs, &def, scaled_x)?;
            }
            // Trial steps on this Hessian until one is accepted.
            let mut trials = 0;
            let (p_scaled, lambda, xt, ft, rho) = loop {
                trials += 1;
                let step = trust_region::solve(h, &gs, delta, def.newton.as_ref())?;
                let p_norm = step.p.norm();
                let xt = &x + step.p.component_div(&d);
                let ft = f_lens.eval(&xt);
                let noise = f_noise(fx, ft);
                let mut stop = None;
                if !ft.is_finite() {
                    delta = 0.25 * p_norm.min(delta);
                } else if step.predicted > noise {
                    let rho = (fx - ft) / step.predicted;
                    let radius = delta;
                    if rho < 0.25 {
                        delta = 0.5 * p_norm.min(delta);
                    } else if rho > 0.5 && p_norm >= 0.9 * delta {
                        delta = (4.0 * delta).min(max_radius);
                    }
                    if rho >= ETA && ft < fx {
                        it.radius = Some(radius);
                        break (step.p, step.lambda, xt, ft, rho);
                    }
                    // Rejected: backtrack along the step rather than solve
                    // again on a smaller region (Nocedal & Yuan), when it is
                    // downhill; the region then shrinks to what was taken.
                    let slope = gs.dot(&step.p);
                    if slope < 0.0 {
                        let dir = step.p.component_div(&d);
                        let fl = |z: &DVector<f64>| f_lens.eval(z);
                        if let Ok(ls) = backtrack(&fl, &x, fx, g, &dir, 0.5, false, iter) {
                            trials += ls.evals;
                            delta = ls.alpha * p_norm;
                            it.radius = Some(radius);
                            let rho = (fx - ls.f) / -model_value(h, &gs, &(&step.p * ls.alpha));
                            break (step.p * ls.alpha, step.lambda, ls.x, ls.f, rho);
                        }
                    }
                } else if !def.psd {
                    // The negative curvature's decrease is below what f
                    // resolves: a larger region lets it show.
                    delta *= 4.0;
                    if delta > max_radius {
                        stop = Some(StopReason::SaddleNotEscaped);
                    }
                } else {
                    // f cannot judge the step: the gradient does. A step
                    // that does not shrink it is at the rounding floor if
                    // the gradient is at its measured floor.
                    let (_, gt) = value_and_grad(&f_lens, &xt);
                    tally.grad_evals += 1;
                    if ft <= fx + noise && gt.amax() < gi {
                        it.radius = Some(delta);
                        break (step.p, step.lambda, xt, ft, f64::NAN);
                    }
                    let floor = gradient_floor(&f_lens, &x, g);
                    tally.grad_evals += 2;
                    tally.grad_floor = Some(floor);
                    if gi <= FLOOR_FACTOR * floor {
                        stop = Some(StopReason::RoundingFloor);
                    } else {
                        delta = 0.25 * p_norm.min(delta);
                    }
                }
                let unresolved = delta <= f64::EPSILON * scaled_x || delta < f64::MIN_POSITIVE;
                if stop.is_none() && (unresolved || trials >= MAX_TRIALS) {
                    stop = Some(self.stop_without_step(&f_lens, &x, g, &def, target, &mut tally));
                }
                if let Some(stop) = stop {
                    tally.f_evals += trials;
                    it.ls_evals = trials;
                    tally.record(it, true);
                    return Ok(tally.finish(x, fx, gi, iter, stop));
                }
            };
            tally.f_evals += trials;
            it.step = 1.0;
            it.step_inf = p_scaled.component_div(&d).amax();
            it.tau = lambda;
            it.ls_evals = trials;
            it.rho = rho.is_finite().then_some(rho);
            it.time_s = tally.elapsed();
            tally.record(it.clone(), true);
            x = xt;
            iter += 1;
            if let Some(stop) = stop_after_step(stopping, &it, fx - ft, ft, observer) {
                let (fx, gx) = try_value_and_grad(&f_lens, &x)?;
                tally.grad_evals += 1;
                return Ok(tally.finish(x, fx, gx.amax(), iter, stop));
            }
        }
    }

    /// Why a solve that can take no further step stops: at the rounding
    /// floor (measured), at a saddle, or stalled.
    fn stop_without_step(
        &self,
        f: &DFun<DVector<f64>, f64>,
        x: &DVector<f64>,
        g: &DVector<f64>,
        def: &Definiteness,
        target: f64,
        tally: &mut Tally,
    ) -> StopReason {
        let gi = g.amax();
        if !def.psd {
            return not_converged(gi <= target, false);
        }
        let floor = gradient_floor(f, x, g);
        tally.grad_evals += 2;
        tally.grad_floor = Some(floor);
        if gi <= FLOOR_FACTOR * floor {
            StopReason::RoundingFloor
        } else {
            StopReason::Stalled
        }
    }

    /// Newton with a Levenberg shift and an Armijo line search.
    fn run_line_search<O: Objective + ?Sized>(
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
        let (mut tally, mut start, mut watch) = self.begin(h, x0);
        let (mut x, mut iter) = (x0.clone(), 0);
        let mut tau: f64 = 0.0;
        let mut lift = o.tau_beta;
        loop {
            let hb = start.evaluate(h, &x, iter, stopping, &mut tally)?;
            let g = hb.gradient;
            let gi = g.amax();
            let target = start.target;
            let mut def = classify(h, &g, hb.entry_error)?;
            let mut it = Iteration::start(iter, hb.value, gi, hb.hvps, tally.elapsed());
            let gradient_met = gi <= target;
            // The Newton step and its decrement λ² = gᵀ(H + τI)⁻¹g.
            // H positive definite: the factorisation `classify` made is
            // the Newton step already (τ = 0, as the shift policy tries
            // first).
            // Taken, not copied: one n-long vector fewer alive.
            let step = match def.newton.take() {
                Some(p) => Ok((0.0, p)),
                None => {
                    levenberg_factor(h, tau, o.tau_beta, lift).and_then(|t| Ok((t, -h.solve(&g)?)))
                }
            };
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
            // A shift within the rounding level of H (the factorisation
            // failed on rounding, not on a real negative or near-zero
            // curvature, where the shift's damping is wanted): the shifted
            // factor preconditions the Newton step's refinement.
            let mut exact = tau_used == 0.0;
            let d = if newton && def.psd && tau_used > 0.0 && tau_used <= def.sigma {
                // Past this point the iteration needs the factor, not H
                // (the products come from the objective): H's storage is
                // freed for the refinement's vectors.
                h.release_matrix();
                let mut hv = |v: &DVector<f64>| try_hvp(obj, &x, v);
                let refined = refine_step(h, &mut hv, &g, d)?;
                exact = refined.end != Refinement::Capped;
                // One product for the start's residual, one per iteration.
                it.hvps += refined.iterations + 1;
                tally.hvps += refined.iterations + 1;
                refined.step
            } else {
                d
            };
            if newton {
                it.decrement = -d.dot(&g);
                tally.decrement = Some(it.decrement);
            }
            let f_scale = hb.value.abs().max(1.0);
            let decrement_met = newton && 0.5 * it.decrement <= stopping.decrement_rtol * f_scale;
            let at_floor = decrement_met && exact;
            let stop = if gradient_met && def.psd && (decrement_met || !newton || gi == 0.0) {
                Some(StopReason::Gradient)
            } else if iter >= stopping.max_iters {
                Some(StopReason::MaxIterations)
            } else if at_floor && floor_steps_done(&tally, stopping) {
                let floor = gradient_floor(&f_lens, &x, &g);
                tally.grad_evals += 2;
                tally.grad_floor = Some(floor);
                (gi <= FLOOR_FACTOR * floor).then_some(StopReason::RoundingFloor)
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
            // At a saddle or a maximum (the gradient small, H indefinite)
            // the shifted Newton step is about zero: a curvilinear search
            // along a direction of negative curvature leaves it.
            let saddle = !def.psd && (gradient_met || below_rounding(hb.value, &g, &d));
            if !saddle {
                // The search and the next extraction need neither H nor
                // its factor: at n = 10⁶, k = 4 they are 88 MB.
                h.release_all();
            }
            let ls = if saddle {
                let Some((z, curvature)) = trust_region::negative_curvature(h, tau_used, &g)?
                else {
                    tally.record(it, true);
                    return Ok(tally.finish(x, hb.value, gi, iter, StopReason::SaddleNotEscaped));
                };
                let ls = curvilinear(&f, &x, hb.value, &g, &d, &z, curvature);
                if ls.is_none() {
                    tally.record(it, true);
                    return Ok(tally.finish(x, hb.value, gi, iter, StopReason::SaddleNotEscaped));
                }
                ls
            } else if at_floor {
                // The decrement is below what the decrement test asks: a
                // full step is taken while it shrinks the gradient without
                // raising f beyond its rounding. One that raises f is
                // replaced by an Armijo search (the test is relative to
                // |f|, which can be large, so f may still resolve a
                // decrease); one that does not shrink the gradient ends
                // the solve below (at the floor if the gradient is there).
                tally.floor_steps += 1;
                match rounding_step(&f_lens, &x, hb.value, &d, gi, &mut tally) {
                    RoundingStep::Taken(ls) => Some(ls),
                    RoundingStep::RaisesF => {
                        backtrack(&f, &x, hb.value, &g, &d, 1.0, false, iter).ok()
                    }
                    RoundingStep::NoSmallerGradient => None,
                }
            } else {
                match backtrack(&f, &x, hb.value, &g, &d, 1.0, true, iter) {
                    Ok(ls) => {
                        lift = next_lift(lift, o.tau_beta, ls.alpha, def.psd, h.norm_bound());
                        Some(ls)
                    }
                    Err(_) if below_rounding(hb.value, &g, &d) && exact => {
                        match rounding_step(&f_lens, &x, hb.value, &d, gi, &mut tally) {
                            RoundingStep::Taken(ls) => Some(ls),
                            // The search along d found no decrease already.
                            RoundingStep::RaisesF | RoundingStep::NoSmallerGradient => None,
                        }
                    }
                    Err(_) if below_rounding(hb.value, &g, &d) => None,
                    Err(e) => return Err(e),
                }
            };
            let Some(ls) = ls else {
                // No step shrinks the gradient: at the floor if the
                // gradient is at its measured floor, else stuck.
                let reason = self.stop_without_step(&f_lens, &x, &g, &def, target, &mut tally);
                tally.record(it, true);
                return Ok(tally.finish(x, hb.value, gi, iter, reason));
            };
            tally.f_evals += ls.evals;
            it.step = ls.alpha;
            it.step_inf = d.amax() * ls.alpha;
            it.tau = tau_used;
            it.ls_evals = ls.evals;
            it.time_s = tally.elapsed();
            tally.record(it.clone(), true);
            x = ls.x;
            iter += 1;
            if let Some(stop) = stop_after_step(stopping, &it, hb.value - ls.f, ls.f, observer) {
                let (fx, gx) = try_value_and_grad(&f_lens, &x)?;
                tally.grad_evals += 1;
                return Ok(tally.finish(x, fx, gx.amax(), iter, stop));
            }
        }
    }
}

/// The stop an accepted step calls for: the observer's, or the user's
/// relative-decrease test.
fn stop_after_step(
    stopping: &Stopping,
    it: &Iteration,
    decrease: f64,
    f_new: f64,
    observer: &mut dyn FnMut(&Iteration) -> Control,
) -> Option<StopReason> {
    if observer(it) == Control::Stop {
        Some(StopReason::Observer)
    } else if stopping.f_rtol > 0.0 && decrease <= stopping.f_rtol * f_new.abs().max(1.0) {
        Some(StopReason::RelativeDecrease)
    } else {
        None
    }
}

/// The stop of a solve that cannot go on without having converged.
fn not_converged(gradient_met: bool, psd: bool) -> StopReason {
    if gradient_met && !psd {
        StopReason::SaddleNotEscaped
    } else {
        StopReason::Stalled
    }
}

/// The line search has taken [`Stopping::floor_steps`] rounding steps.
fn floor_steps_done(tally: &Tally, stopping: &Stopping) -> bool {
    tally.floor_steps >= stopping.floor_steps
}
