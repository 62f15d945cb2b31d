//! A primal-dual interior-point method (Ipopt's, Wächter and Biegler 2006)
//! for
//!
//! ```text
//! min f(x)   subject to   cl ≤ c(x) ≤ cu,   lb ≤ x ≤ ub
//! ```
//!
//! Rows with `cl_i = cu_i` are equalities; the others get a slack `s_i`,
//! `c_i(x) − s_i = 0` with `cl_i ≤ s_i ≤ cu_i`. The bounds of `x` and `s`
//! become the barrier `−μ Σ ln(v − lo) − μ Σ ln(hi − v)`, their
//! multipliers are eliminated into the diagonal (`Σ`, see `boxed.rs`), and
//! so are the slacks: `(Σ_s) ds − dλ_i = −r_s` gives `ds`, and row `i` of
//! the KKT matrix gets `−1/Σ_s` on its diagonal. What is left is the SQP's
//! matrix
//!
//! ```text
//! [ H + Σ_x + δI      Jᵀ        ]
//! [ J            −(D_s + εI)    ]     D_s = 1/Σ_s on inequality rows, 0 on equalities
//! ```
//!
//! in the same stage order and with the same bandwidth as without
//! inequalities (`kkt.rs`), factored by the banded LU. Each barrier
//! problem is solved to `E_μ ≤ κ_ε μ`, then `μ ← max(tol/10, min(κ_μ μ,
//! μ^θ_μ))` (Ipopt's monotone rule: `κ_ε = 10`, `κ_μ = 0.2`, `θ_μ =
//! 1.5`). Steps stop at a fraction `τ = max(0.99, 1 − μ)` of the way to the
//! boundary; the filter line search works on the barrier function `φ_μ`
//! and `θ = ‖h‖₁`; the inertia correction is the SQP's.

use super::SqpStatus;
use super::bounds::Bounds;
use super::boxed::Boxed;
use super::derivatives::Derivatives;
use super::ipm_report::{IpmIteration, IpmResult, print_header, print_row};
use super::kkt::{KktDiagonals, KktLayout, KktRhs, KktSystem, ShiftRule};
use super::line_search::{Acceptance, Filter, Verdict};
use super::polish::{Next, Polish};
use super::restoration::{self, Restored};
use crate::erased::Erased;
use crate::optim::Control;
use crate::{Error, Objective};
use nalgebra::DVector;
use std::time::Instant;

/// Options of [`Ipm`] (Ipopt's defaults where it has one).
///
/// ```
/// let o = lensdiff::constrained::IpmOptions::default();
/// assert_eq!((o.tol, o.mu_init), (1e-8, 0.1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IpmOptions {
    /// Stop when the dual infeasibility is at most `tol · s_d`, with
    /// Ipopt's scale `s_d = max(1, (‖λ‖₁ + ‖z‖₁)/(100 (m + n_z)))`
    /// (`n_z` finite bounds) … (default `1e-8`)
    pub tol: f64,
    /// … the equalities (with slacks) within `constraint_tol` (default
    /// `1e-8`) …
    pub constraint_tol: f64,
    /// … and the complementarity `max (v − lo) z` within `compl_tol · s`
    /// (default `1e-8`), `s` the dual scale: the largest bound multiplier
    /// or entry of `∇f`, within `[1e-6, 1]` (the barrier parameter's floor
    /// is `min(tol, compl_tol) · s / 10`). An active bound is then met to
    /// `μ/z` whatever the objective's scale; with an absolute test, an
    /// objective scaled by `h` (a trajectory's quadrature) left its active
    /// bounds `∝ 1/h` inside …
    pub compl_tol: f64,
    /// … and the Newton step computed there within `|d_j| ≤ step_tol ·
    /// (1 + |v_j|)` for every variable and slack (default `1e-12`), with
    /// full steps to get there as in
    /// [`SqpOptions::step_tol`](super::SqpOptions::step_tol) (at most
    /// [`Sqp::MAX_POLISH`](super::Sqp::MAX_POLISH), ending early where
    /// the step stops shrinking); [`IpmResult::forward_error`] reports it.
    pub step_tol: f64,
    /// Iteration cap (default 500).
    pub max_iters: usize,
    /// Print the iteration table (default `false`).
    pub verbose: bool,
    /// The first barrier parameter (default `0.1`).
    pub mu_init: f64,
    /// How far inside its bounds the start is pushed, relative to
    /// `max(1, |bound|)` and to the width of the box (default `1e-2`).
    pub bound_push: f64,
    /// The smallest fraction to the boundary (default `0.99`).
    pub tau_min: f64,
    /// First Hessian shift tried when the inertia is wrong (default `1e-4`).
    pub delta_init: f64,
    /// Largest Hessian shift before giving up (default `1e40`).
    pub delta_max: f64,
    /// Constraint regularisation for a singular `K` (default `1e-8`).
    pub eps_init: f64,
    /// Armijo's sufficient-decrease fraction (default `1e-4`).
    pub armijo: f64,
    /// Trial points per line search before it fails (default 40).
    pub max_backtracks: usize,
}

impl Default for IpmOptions {
    fn default() -> Self {
        IpmOptions {
            tol: 1e-8,
            constraint_tol: 1e-8,
            compl_tol: 1e-8,
            step_tol: 1e-12,
            max_iters: 500,
            verbose: false,
            mu_init: 0.1,
            bound_push: 1e-2,
            tau_min: 0.99,
            delta_init: 1e-4,
            delta_max: 1e40,
            eps_init: 1e-8,
            armijo: 1e-4,
            max_backtracks: 40,
        }
    }
}

/// Ipopt's barrier update constants.
const KAPPA_EPS: f64 = 10.0;
const KAPPA_MU: f64 = 0.2;
const THETA_MU: f64 = 1.5;
/// Ipopt's `s_max` of the scaled optimality error.
const S_MAX: f64 = 100.0;
/// The smallest dual scale the complementarity test and μ's floor use.
const DUAL_SCALE_FLOOR: f64 = 1e-6;

/// The interior-point solver for bounds and inequality constraints with
/// banded structure (see the module doc and `notes/constrained.md`).
///
/// ```
/// use lensdiff::constrained::{Bounds, Ipm};
/// use lensdiff::{Expr, Objective, Real};
/// use nalgebra::dvector;
/// /// min (x₀ − 2)² + (x₁ − 2)² with x₀ + x₁ = 1, x ≥ 0 and x₀ ≤ 0.25:
/// /// x = (0.25, 0.75), the bound x₀ ≤ 0.25 active.
/// struct Far;
/// impl Objective for Far {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { (x - 2.0).norm_squared() }
/// }
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() - 1.0 }
/// }
/// let b = Bounds::new(vec![0.0, 0.0], vec![0.25, f64::INFINITY]);
/// let r = Ipm::default().minimize(&Far, &Sum, &b, &Bounds::zero(1), &dvector![0.0, 0.0]).unwrap();
/// assert!((r.x[0] - 0.25).abs() < 1e-7 && (r.x[1] - 0.75).abs() < 1e-7);
/// assert!(r.complementarity <= 1e-8);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Ipm {
    /// The options.
    pub opts: IpmOptions,
}

/// The inequality rows and their slacks.
pub(super) struct Slacks {
    /// Row index of each slack.
    pub(super) rows: Vec<usize>,
    /// Slack index of each row (`None` for an equality).
    of_row: Vec<Option<usize>>,
    /// The slacks' bounds and multipliers.
    pub(super) boxed: Boxed,
}

impl Slacks {
    fn new(row_bounds: &Bounds) -> Self {
        let (cl, cu) = (row_bounds.lower(), row_bounds.upper());
        let rows: Vec<usize> = (0..cl.len()).filter(|&i| cl[i] < cu[i]).collect();
        let mut of_row = vec![None; cl.len()];
        for (k, &i) in rows.iter().enumerate() {
            of_row[i] = Some(k);
        }
        let lo: Vec<f64> = rows.iter().map(|&i| cl[i]).collect();
        let hi: Vec<f64> = rows.iter().map(|&i| cu[i]).collect();
        Slacks {
            rows,
            of_row,
            boxed: Boxed::new(&lo, &hi),
        }
    }

    /// The slacks' steps `ds_k = (dλ_i − r_k)/σ_k` of a multiplier step
    /// `dλ` (row `i` of slack `k`), `r` the slacks' gradient and `σ` their
    /// barrier curvature: the slacks eliminated from the KKT system.
    pub(super) fn steps(&self, dl: &[f64], r: &[f64], sig: &[f64]) -> Vec<f64> {
        self.rows
            .iter()
            .enumerate()
            .map(|(k, &i)| (dl[i] - r[k]) / sig[k])
            .collect()
    }

    /// The curvature `Σ σ_k ds_k²` and squared length `Σ ds_k²` of the
    /// slack steps of `dλ` (see [`steps`](Self::steps)): the eliminated
    /// unknowns' share of the KKT inertia test.
    pub(super) fn curvature(&self, dl: &[f64], r: &[f64], sig: &[f64]) -> (f64, f64) {
        let ds = self.steps(dl, r, sig);
        ds.iter()
            .zip(sig)
            .fold((0.0, 0.0), |(c, l), (d, s)| (c + s * d * d, l + d * d))
    }

    /// `h = c − cl` on equalities, `c − s` on inequality rows.
    pub(super) fn residual(&self, cv: &[f64], cl: &[f64], s: &[f64]) -> Vec<f64> {
        (0..cv.len())
            .map(|i| match self.of_row[i] {
                Some(k) => cv[i] - s[k],
                None => cv[i] - cl[i],
            })
            .collect()
    }
}

/// An iterate's values that the step and the tests use.
#[derive(Clone)]
struct Point {
    f: f64,
    /// `∇f + Jᵀλ`.
    grad_l: DVector<f64>,
    cv: DVector<f64>,
    h: Vec<f64>,
}

impl Ipm {
    /// A solver with these options.
    ///
    /// ```
    /// use lensdiff::constrained::{Ipm, IpmOptions};
    /// let s = Ipm::new(IpmOptions { max_iters: 10, ..Default::default() });
    /// assert_eq!(s.opts.max_iters, 10);
    /// ```
    pub fn new(opts: IpmOptions) -> Self {
        Ipm { opts }
    }

    /// Minimises `f` subject to `row_bounds.lower ≤ c(x) ≤
    /// row_bounds.upper` and `bounds.lower ≤ x ≤ bounds.upper` from `x0`
    /// (pushed inside its bounds first). Equal row bounds make an
    /// equality ([`Bounds::zero`] for `c(x) = 0`). The Jacobian's spans
    /// and the Lagrangian's bandwidth are detected at `x0` by the sparsity
    /// tracer; every Jacobian and Hessian is verified by a probe product.
    ///
    /// Errors: [`Error::InvalidBounds`] naming the variable or row;
    /// non-finite `x0`, `f(x)`, `c(x)` or derivatives ([`Error::NonFinite`]
    /// with `"c(x)"` and the row for the constraints); sizes
    /// ([`Error::DimensionMismatch`]); [`Error::TooManyConstraints`] (more
    /// equalities than variables); [`Error::Infeasible`] when the line
    /// search fails at a point that violates the constraints and the
    /// feasibility restoration that follows cannot reduce the violation
    /// (a local minimum of it; see [`IpmResult::restoration_steps`]);
    /// [`Error::ShiftFailed`], [`Error::LineSearchFailed`].
    ///
    /// ```
    /// use lensdiff::constrained::{Bounds, Ipm};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// min x₀ + x₁ on the unit circle, x₁ ≥ −0.5: x = (−√3/2, −1/2).
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let b = Bounds::free(2).with(1, -0.5, f64::INFINITY);
    /// let x0 = nalgebra::dvector![-0.5, 0.0];
    /// let r = Ipm::default().minimize(&Sum, &Circle, &b, &Bounds::zero(1), &x0).unwrap();
    /// assert!((r.x[0] + 0.75f64.sqrt()).abs() < 1e-7 && (r.x[1] + 0.5).abs() < 1e-7);
    /// ```
    pub fn minimize<O, C>(
        &self,
        f: &O,
        c: &C,
        bounds: &Bounds,
        row_bounds: &Bounds,
        x0: &DVector<f64>,
    ) -> Result<IpmResult, Error>
    where
        O: Objective + ?Sized,
        C: Objective + ?Sized,
    {
        self.minimize_observed(f, c, bounds, row_bounds, x0, &mut |_| Control::Continue)
    }

    /// Minimises `f` within `lb ≤ x ≤ ub` alone, with no constraint rows
    /// (what [`minimize`](Self::minimize) does with an empty `c`).
    ///
    /// ```
    /// use lensdiff::constrained::{Bounds, Ipm};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// (x₀ − 2)² + (x₁ + 1)² over the box [0, 1]²: x = (1, 0).
    /// struct Bowl;
    /// impl Objective for Bowl {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         (x.slice(0, 1) - 2.0).norm_squared() + (x.slice(1, 1) + 1.0).norm_squared()
    ///     }
    /// }
    /// let b = Bounds::new(vec![0.0, 0.0], vec![1.0, 1.0]);
    /// let r = Ipm::default().minimize_bounded(&Bowl, &b, &nalgebra::dvector![0.5, 0.5]).unwrap();
    /// assert!((r.x[0] - 1.0).abs() < 1e-7 && r.x[1].abs() < 1e-7);
    /// // The bound multipliers: ∇f = (−2, 2) is balanced by z_u₀ = 2, z_l₁ = 2.
    /// assert!((r.z_upper[0] - 2.0).abs() < 1e-6 && (r.z_lower[1] - 2.0).abs() < 1e-6);
    /// ```
    pub fn minimize_bounded<O>(
        &self,
        f: &O,
        bounds: &Bounds,
        x0: &DVector<f64>,
    ) -> Result<IpmResult, Error>
    where
        O: Objective + ?Sized,
    {
        self.minimize(f, &NoRows, bounds, &Bounds::free(0), x0)
    }

    /// Like [`minimize`](Self::minimize), calling `observer` with every
    /// iteration; [`Control::Stop`] ends the solve
    /// ([`SqpStatus::Observer`]).
    ///
    /// ```
    /// use lensdiff::constrained::{Bounds, Ipm, SqpStatus};
    /// use lensdiff::optim::Control;
    /// use lensdiff::{Expr, Objective, Real};
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let b = Bounds::free(2).with(1, -0.5, f64::INFINITY);
    /// let x0 = nalgebra::dvector![-0.5, 0.0];
    /// let mut rows = 0;
    /// let r = Ipm::default()
    ///     .minimize_observed(&Sum, &Circle, &b, &Bounds::zero(1), &x0, &mut |it| {
    ///         rows += 1;
    ///         if it.iter == 2 { Control::Stop } else { Control::Continue }
    ///     })
    ///     .unwrap();
    /// assert_eq!((r.status, r.iterations, rows), (SqpStatus::Observer, 2, 3));
    /// ```
    pub fn minimize_observed<O, C>(
        &self,
        f: &O,
        c: &C,
        bounds: &Bounds,
        row_bounds: &Bounds,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&IpmIteration) -> Control,
    ) -> Result<IpmResult, Error>
    where
        O: Objective + ?Sized,
        C: Objective + ?Sized,
    {
        self.minimize_erased(
            &Erased::new(f),
            &Erased::new(c),
            bounds,
            row_bounds,
            x0,
            observer,
        )
    }

    /// [`minimize_observed`](Self::minimize_observed), compiled once (see `crate::erased`).
    fn minimize_erased(
        &self,
        f: &Erased<'_>,
        c: &Erased<'_>,
        bounds: &Bounds,
        row_bounds: &Bounds,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&IpmIteration) -> Control,
    ) -> Result<IpmResult, Error> {
        let start = Instant::now();
        let o = &self.opts;
        let (n, m) = super::problem_sizes("Ipm::minimize", f, c, x0)?;
        crate::error::ensure_len("Ipm::minimize (variable bounds)", n, bounds.len())?;
        crate::error::ensure_len("Ipm::minimize (constraint row bounds)", m, row_bounds.len())?;
        bounds.check("variable")?;
        row_bounds.check("constraint row")?;
        let (cl, cu) = (row_bounds.lower(), row_bounds.upper());
        if let Some(i) = (0..m).find(|&i| cl[i] == f64::NEG_INFINITY && cu[i] == f64::INFINITY) {
            return Err(Error::InvalidArgument {
                op: "Ipm::minimize",
                reason: format!("constraint row {i} has no finite bound"),
            });
        }
        let n_eq = (0..m).filter(|&i| cl[i] == cu[i]).count();
        if n_eq > n {
            return Err(Error::TooManyConstraints { m: n_eq, n });
        }
        // Fixed variables (lb = ub) get a sliver of interior, as Ipopt's
        // bound relaxation gives them.
        let relax = |lo: f64, hi: f64| {
            if lo == hi {
                let r = 1e-8 * lo.abs().max(1.0);
                (lo - r, hi + r)
            } else {
                (lo, hi)
            }
        };
        let (lx, ux): (Vec<f64>, Vec<f64>) = (0..n)
            .map(|j| relax(bounds.lower()[j], bounds.upper()[j]))
            .unzip();
        let mut xb = Boxed::new(&lx, &ux);
        let mut sl = Slacks::new(row_bounds);

        // Structure, detected once at x0.
        let d = Derivatives::detect(f, c, x0, m)?;
        let mut kkt = KktSystem::new(KktLayout::new(&d.spans, d.hk));
        let rule = ShiftRule {
            delta_init: o.delta_init,
            delta_max: o.delta_max,
            eps_init: o.eps_init,
        };

        let mut x = x0.clone();
        xb.push_inside(x.as_mut_slice(), o.bound_push);
        let mut lambda = DVector::zeros(m);
        // Evaluates f, ∇L, H, c and J at x (the constraints first, so that
        // a non-finite c(x) is named).
        let evaluate = |x: &DVector<f64>, lambda: &DVector<f64>, s: &[f64], sl: &Slacks| {
            let (cv, jac, hb) = d.rows_and_hessian(x, lambda)?;
            let grad_l = DVector::from_vec(hb.gradient.as_slice().to_vec());
            let h = sl.residual(cv.as_slice(), cl, s);
            let p = Point {
                f: hb.value - lambda.dot(&cv),
                grad_l,
                cv,
                h,
            };
            Ok::<_, Error>((p, jac, hb.band))
        };
        let (cv0, _) = d.rows(&x)?;
        let mut s: Vec<f64> = sl.rows.iter().map(|&i| cv0[i]).collect();
        sl.boxed.push_inside(&mut s, o.bound_push);

        let mut mu = o.mu_init;
        let mut delta_last = 0.0f64;
        let mut history: Vec<IpmIteration> = Vec::new();
        let mut last = IpmIteration {
            iter: 0,
            f: 0.0,
            primal_inf: 0.0,
            dual_inf: 0.0,
            complementarity: 0.0,
            mu,
            delta: 0.0,
            alpha_primal: 0.0,
            alpha_dual: 0.0,
            ls_evals: 0,
            time_s: 0.0,
        };
        let mut theta0 = f64::NAN;
        let mut filter = Filter::new(0.0);
        let nz = (xb.count() + sl.boxed.count()).max(1);
        if o.verbose {
            print_header();
        }
        let mut iter = 0;
        // Set by a tiny step: the barrier problem counts as solved.
        let mut force_mu = false;
        // The polishing steps (see `IpmOptions::step_tol`).
        let mut polish: Polish<Box<Polished>> = Polish::new();
        let mut restoration_steps = 0;
        let (status, final_point) = loop {
            let (p, jac, hband) = evaluate(&x, &lambda, &s, &sl)?;
            // The optimality conditions at μ = 0.
            let dual_x: Vec<f64> = p
                .grad_l
                .iter()
                .zip(xb.z_net())
                .map(|(g, z)| g + z)
                .collect();
            let dual_s: Vec<f64> = sl
                .rows
                .iter()
                .zip(sl.boxed.z_net())
                .map(|(&i, z)| -lambda[i] + z)
                .collect();
            let dual_inf = dual_x
                .iter()
                .chain(&dual_s)
                .fold(0.0f64, |a, v| a.max(v.abs()));
            let h_inf = p.h.iter().fold(0.0f64, |a, v| a.max(v.abs()));
            let z1 = xb.z_norm1() + sl.boxed.z_norm1();
            let s_d = ((lambda.lp_norm(1) + z1) / (m + nz) as f64).max(S_MAX) / S_MAX;
            let s_c = (z1 / nz as f64).max(S_MAX) / S_MAX;
            // The dual scale below 1: the largest bound multiplier or
            // gradient entry of f. Complementarity and μ's floor shrink
            // with it, so that an active bound's gap μ/z does not grow as
            // the objective's scale does (z ∝ h on a trajectory).
            let z_max = [&xb.zl, &xb.zu, &sl.boxed.zl, &sl.boxed.zu]
                .iter()
                .flat_map(|v| v.iter())
                .fold(0.0f64, |a, z| a.max(z.abs()));
            // ∇f = ∇L − Jᵀλ, also the slope's below.
            let grad_f = &p.grad_l - jac.tr_mul_vec(&lambda);
            let g_max = grad_f.amax();
            let dual_scale = z_max.max(g_max).clamp(DUAL_SCALE_FLOOR, 1.0);
            let compl = |mu: f64| {
                xb.complementarity(x.as_slice(), mu)
                    .max(sl.boxed.complementarity(&s, mu))
            };
            let compl0 = compl(0.0);
            if iter == 0 {
                theta0 = p.h.iter().map(|v| v.abs()).sum();
                filter = Filter::new(theta0);
            }
            last.iter = iter;
            last.f = p.f;
            last.primal_inf = h_inf;
            last.dual_inf = dual_inf;
            last.complementarity = compl0;
            last.mu = mu;
            last.time_s = start.elapsed().as_secs_f64();
            if o.verbose {
                print_row(&last);
            }
            history.push(last.clone());
            if observer(&last) == Control::Stop {
                polish.unmeasured();
                break (SqpStatus::Observer, p);
            }
            let residuals_ok = dual_inf <= o.tol * s_d
                && h_inf <= o.constraint_tol
                && compl0 <= o.compl_tol * dual_scale;
            if let Some(prev) = polish.broken(residuals_ok) {
                // The polishing step broke the residual tests: the point
                // before it is the answer.
                let prev = *prev;
                x = prev.x;
                lambda = prev.lambda;
                xb = prev.xb;
                sl.boxed = prev.slack_box;
                mu = prev.mu;
                history.pop();
                iter -= 1;
                break (SqpStatus::Converged, prev.point);
            }
            if iter >= o.max_iters {
                polish.unmeasured();
                let status = if residuals_ok {
                    SqpStatus::Converged
                } else {
                    SqpStatus::MaxIterations
                };
                break (status, p);
            }
            // The barrier problem solved well enough: a smaller μ (maybe
            // several times over), and a new filter.
            let mu_min = o.tol.min(o.compl_tol) * dual_scale / 10.0;
            while mu > mu_min
                && (force_mu || (dual_inf / s_d).max(h_inf).max(compl(mu) / s_c) <= KAPPA_EPS * mu)
            {
                force_mu = false;
                mu = (KAPPA_MU * mu).min(mu.powf(THETA_MU)).max(mu_min);
                filter = Filter::new(theta0);
            }
            // The Newton step on the barrier problem's KKT conditions.
            let sig_x = xb.sigma(x.as_slice());
            let sig_s = sl.boxed.sigma(&s);
            let bg_x = xb.barrier_grad(x.as_slice(), mu);
            let bg_s = sl.boxed.barrier_grad(&s, mu);
            // r_s: the slacks' gradient of the barrier Lagrangian.
            let r_s: Vec<f64> = sl
                .rows
                .iter()
                .zip(&bg_s)
                .map(|(&i, g)| g - lambda[i])
                .collect();
            let mut c_diag = vec![0.0; m];
            let mut rc = vec![0.0; m];
            let rc_normal: Vec<f64> = p.h.iter().map(|v| -v).collect();
            for i in 0..m {
                rc[i] = -p.h[i];
                if let Some(k) = sl.of_row[i] {
                    c_diag[i] = 1.0 / sig_s[k];
                    rc[i] -= r_s[k] / sig_s[k];
                }
            }
            let rx: Vec<f64> = p.grad_l.iter().zip(&bg_x).map(|(g, b)| -(g + b)).collect();
            let extra = |dlt: &[f64]| sl.curvature(dlt, &r_s, &sig_s);
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
                    c_normal: &rc_normal,
                },
                &extra,
                &rule,
                &mut delta_last,
            )?;
            let ds = sl.steps(&step.dl, &r_s, &sig_s);
            let (dzl, dzu) = xb.dual_steps(x.as_slice(), &step.dx, mu);
            let (dvl, dvu) = sl.boxed.dual_steps(&s, &ds, mu);
            let tau = o.tau_min.max(1.0 - mu);
            let alpha_max = xb
                .max_step(x.as_slice(), &step.dx, tau)
                .min(sl.boxed.max_step(&s, &ds, tau));
            let alpha_z = xb
                .max_dual_step(&dzl, &dzu, tau)
                .min(sl.boxed.max_dual_step(&dvl, &dvu, tau));
            if residuals_ok {
                let err = relative_step(x.as_slice(), &step.dx).max(relative_step(&s, &ds));
                // Linear, not quadratic, contraction is normal here: the
                // fraction to the boundary can cut the step.
                let kept = || {
                    Box::new(Polished {
                        x: x.clone(),
                        lambda: lambda.clone(),
                        xb: xb.clone(),
                        slack_box: sl.boxed.clone(),
                        mu,
                        point: p.clone(),
                    })
                };
                if polish.next(err, o.step_tol, 0.5, kept) == Next::Stop {
                    break (SqpStatus::Converged, p);
                }
                // A full step (to the boundary's fraction) follows, with no
                // line search.
            }

            // Filter line search on φ_μ = f + barrier, θ = ‖h‖₁.
            let theta: f64 = p.h.iter().map(|v| v.abs()).sum();
            let phi = p.f + xb.barrier(x.as_slice(), mu) + sl.boxed.barrier(&s, mu);
            let slope = grad_f
                .iter()
                .zip(&bg_x)
                .zip(&step.dx)
                .map(|((g, b), d)| (g + b) * d)
                .sum::<f64>()
                + bg_s.iter().zip(&ds).map(|(b, d)| b * d).sum::<f64>();
            let acceptance = Acceptance::Filter {
                filter: &filter,
                theta,
                f: phi,
                slope,
            };
            let moved = |alpha: f64| {
                let xt = &x + DVector::from_column_slice(&step.dx) * alpha;
                let st: Vec<f64> = s.iter().zip(&ds).map(|(v, d)| v + alpha * d).collect();
                (xt, st)
            };
            let trial = |alpha: f64| {
                let (xt, st) = moved(alpha);
                let (ft, ct) = d.values(xt.as_slice());
                let ht = sl.residual(&ct, cl, &st);
                let phit = ft + xb.barrier(xt.as_slice(), mu) + sl.boxed.barrier(&st, mu);
                let phit = if phit.is_finite() {
                    phit
                } else {
                    f64::INFINITY
                };
                (xt, st, phit, ht.iter().map(|v| v.abs()).sum::<f64>())
            };
            // A step at the rounding level of x and s (Ipopt's tiny step) is
            // taken whole without a line search, and μ goes down.
            let tiny = |v: &[f64], d: &[f64]| {
                v.iter()
                    .zip(d)
                    .all(|(a, b)| b.abs() <= 10.0 * f64::EPSILON * (1.0 + a.abs()))
            };
            let tiny_step = tiny(x.as_slice(), &step.dx) && tiny(&s, &ds);
            let mut alpha = alpha_max;
            let mut evals = 0;
            let verdict = if tiny_step || residuals_ok {
                // Taken whole: f and c at the new point come with the
                // next iteration's evaluation.
                (x, s) = moved(alpha);
                force_mu = tiny_step;
                Verdict::FStep
            } else {
                loop {
                    let (xt, st, phit, thetat) = trial(alpha);
                    evals += 1;
                    let v = acceptance.judge(phit, thetat, alpha, o.armijo);
                    if v != Verdict::Reject {
                        x = xt;
                        s = st;
                        break v;
                    }
                    alpha *= 0.5;
                    if evals >= o.max_backtracks {
                        break Verdict::Reject;
                    }
                }
            };
            if verdict == Verdict::Reject {
                // The search failed. At a point that violates the rows,
                // the restoration phase looks for a less violating one
                // the filter accepts; elsewhere, or if it cannot, the
                // solve ends here.
                let Some(e) = infeasible(iter, &p.cv, cl, cu, o.constraint_tol) else {
                    return Err(Error::LineSearchFailed {
                        iteration: iter,
                        step: alpha,
                    });
                };
                let rows = |x: &DVector<f64>| d.rows(x);
                let values = |x: &DVector<f64>| d.constraint_values(x.as_slice());
                let problem = restoration::Problem {
                    rows: &rows,
                    values: &values,
                    xb: &xb,
                    slacks: &sl,
                    cl,
                    hk: d.hk,
                };
                let accept = |theta: f64, xt: &DVector<f64>, st: &[f64]| {
                    let ft = d.objective_value(xt.as_slice());
                    let phit = ft + xb.barrier(xt.as_slice(), mu) + sl.boxed.barrier(st, mu);
                    phit.is_finite() && filter.acceptable(theta, phit)
                };
                match restoration::restore(&problem, &mut kkt, &rule, &x, &s, theta, mu, &accept)? {
                    Restored::Feasible {
                        x: xr,
                        s: sr,
                        steps,
                    } => {
                        if o.verbose {
                            println!(
                                "restoration: {steps} steps, violation {theta:.2e} -> {:.2e}",
                                sl.residual(&values(&xr), cl, &sr)
                                    .iter()
                                    .map(|v| v.abs())
                                    .sum::<f64>()
                            );
                        }
                        filter.augment(theta, phi);
                        x = xr;
                        s = sr;
                        lambda.fill(0.0);
                        xb.reset_duals(x.as_slice(), mu);
                        sl.boxed.reset_duals(&s, mu);
                        restoration_steps += steps;
                        iter += 1;
                        last = IpmIteration {
                            iter,
                            alpha_primal: 0.0,
                            alpha_dual: 0.0,
                            ls_evals: 0,
                            ..last
                        };
                        continue;
                    }
                    // The rows are named where the violation is least,
                    // whatever the start (x₀ = 1 and x₀ = 2: both rows,
                    // ½ each, not row 1 alone at a start on row 0).
                    Restored::Stuck { x: xs } => {
                        let cv = DVector::from_vec(values(&xs));
                        return Err(infeasible(iter, &cv, cl, cu, o.constraint_tol).unwrap_or(e));
                    }
                }
            }
            if verdict == Verdict::ThetaStep {
                filter.augment(theta, phi);
            }
            lambda += DVector::from_column_slice(&step.dl) * alpha;
            xb.step_duals(x.as_slice(), &dzl, &dzu, alpha_z, mu);
            sl.boxed.step_duals(&s, &dvl, &dvu, alpha_z, mu);
            iter += 1;
            last = IpmIteration {
                iter,
                delta: step.delta,
                alpha_primal: alpha,
                alpha_dual: alpha_z,
                ls_evals: evals,
                ..last
            };
        };
        let last = history.last().expect("at least one iteration");
        let c_inf = row_violations(final_point.cv.as_slice(), cl, cu)
            .into_iter()
            .fold(0.0f64, f64::max);
        Ok(IpmResult {
            forward_error: polish.forward_error(),
            restoration_steps,
            f: final_point.f,
            c_inf,
            dual_inf: last.dual_inf,
            complementarity: last.complementarity,
            mu,
            iterations: iter,
            status,
            history,
            kkt_size: kkt.layout.size(),
            kkt_bandwidth: kkt.layout.bandwidth(),
            time_s: start.elapsed().as_secs_f64(),
            x,
            lambda,
            z_lower: DVector::from_vec(xb.zl),
            z_upper: DVector::from_vec(xb.zu),
        })
    }
}

/// No constraint rows: the `c` of [`Ipm::minimize_bounded`].
struct NoRows;
impl Objective for NoRows {
    fn build<S: crate::Real>(&self, x: crate::Expr<S>) -> crate::Expr<S> {
        x.slice(0, 0)
    }
}

/// An iterate kept while a polishing step is tried from it.
struct Polished {
    x: DVector<f64>,
    lambda: DVector<f64>,
    xb: Boxed,
    slack_box: Boxed,
    mu: f64,
    point: Point,
}

/// `max_j |d_j| / (1 + |v_j|)`: the size of a step relative to the point.
pub(crate) fn relative_step(v: &[f64], d: &[f64]) -> f64 {
    v.iter()
        .zip(d)
        .fold(0.0f64, |a, (vj, dj)| a.max(dj.abs() / (1.0 + vj.abs())))
}

/// How far each `c_i` lies outside `[cl_i, cu_i]`.
fn row_violations(cv: &[f64], cl: &[f64], cu: &[f64]) -> Vec<f64> {
    (0..cv.len())
        .map(|i| (cl[i] - cv[i]).max(cv[i] - cu[i]).max(0.0))
        .collect()
}

/// [`Error::Infeasible`] naming the most violated rows at `c(x) = cv`,
/// when some row is violated by more than `tol`.
fn infeasible(
    iteration: usize,
    cv: &DVector<f64>,
    cl: &[f64],
    cu: &[f64],
    tol: f64,
) -> Option<Error> {
    let v = row_violations(cv.as_slice(), cl, cu);
    let rows = super::rows_worst_first(&v, tol);
    let violation = v[*rows.first()?];
    Some(Error::Infeasible {
        iteration,
        rows,
        violation,
    })
}
