//! SQP: Newton's method on the KKT conditions of
//! `min f(x) subject to c(x) = 0`, globalised by the ℓ1 merit function.
//!
//! Each iteration solves
//!
//! ```text
//! [ H + δI   Jᵀ  ] [dx]     [∇f + Jᵀλ]
//! [ J       −εI  ] [dλ] = − [   c    ]        H = ∇²(f + λᵀc)
//! ```
//!
//! ordered by stage ([`super::kkt`]) and factored by the banded LU. `δ`
//! grows (Ipopt's rule: 10⁻⁴, then ×100, later ×8, starting from a third of
//! the last one) until `K` has the inertia of a minimum — `sign det K =
//! (−1)ᵐ` and positive curvature `dxᵀ(H + δI)dx > 0` — so that `dx` is a
//! descent direction on the null space of `J`. `ε > 0` is used only when
//! `K` is singular (a rank-deficient `J`). The step length comes from a
//! backtracking Armijo search on `φ(x) = f(x) + μ‖c(x)‖₁`, `μ` kept above
//! `‖λ + dλ‖∞`, with a second-order correction of the full step (against
//! the Maratos effect) that reuses the factorisation.

use super::derivatives::Derivatives;
use super::kkt::{KktDiagonals, KktLayout, KktRhs, KktStep, KktSystem, ShiftRule};
use super::line_search::{Acceptance, Filter, Globalization, Verdict};
use super::polish::{Next, Polish};
use super::report::{SqpIteration, SqpResult, SqpStatus, print_header, print_row};
use crate::banded::SymBanded;
use crate::erased::Erased;
use crate::optim::Control;
use crate::{Error, Objective};
use nalgebra::DVector;
use std::time::Instant;

/// Options of [`Sqp`].
///
/// ```
/// let o = lensdiff::constrained::SqpOptions::default();
/// assert_eq!((o.tol, o.constraint_tol), (1e-8, 1e-8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SqpOptions {
    /// Stop when `‖∇L‖∞ ≤ tol · max(1, ‖∇f(x0)‖∞)` … (default `1e-8`)
    pub tol: f64,
    /// … and `‖c‖∞ ≤ constraint_tol` (default `1e-8`) …
    pub constraint_tol: f64,
    /// … and the Newton step computed at that point within
    /// `|dx_j| ≤ step_tol · (1 + |x_j|)` for every `j` (default `1e-12`):
    /// the point's estimated forward error. The residual tests alone let
    /// defects of one sign add up along a trajectory (each row within
    /// `constraint_tol`, their sum not), so that a finer grid gave a worse
    /// answer. When the residual tests hold but the step is larger, full
    /// Newton steps follow (quadratic convergence: usually one), at most
    /// [`MAX_POLISH`](Sqp::MAX_POLISH) of them, ending early, still
    /// converged, where the step stops shrinking (its rounding floor) or a
    /// step would break the residual tests (then the point before it is
    /// returned). [`SqpResult::forward_error`] reports the step's size.
    pub step_tol: f64,
    /// Iteration cap (default 200).
    pub max_iters: usize,
    /// Print the iteration table (default `false`).
    pub verbose: bool,
    /// First Hessian shift tried when the inertia is wrong (default `1e-4`).
    pub delta_init: f64,
    /// Largest Hessian shift before giving up (default `1e40`).
    pub delta_max: f64,
    /// First constraint regularisation for a singular `K` (default `1e-8`).
    pub eps_init: f64,
    /// Armijo's sufficient-decrease fraction (default `1e-4`).
    pub armijo: f64,
    /// Step halvings before the line search fails (default 40).
    pub max_backtracks: usize,
    /// Try second-order corrections when the full step is rejected
    /// (default `true`).
    pub second_order_correction: bool,
    /// How steps are accepted (default [`Globalization::Filter`]).
    pub globalization: Globalization,
}

/// How non-finite constraint values and derivatives are reported.
pub(crate) const CONSTRAINT_NAMES: [&str; 2] = ["c(x)", "constraint Jacobian (row)"];

/// Second-order corrections tried per iteration at most (Ipopt's 4).
const MAX_SOC: usize = 4;

impl Default for SqpOptions {
    fn default() -> Self {
        SqpOptions {
            tol: 1e-8,
            constraint_tol: 1e-8,
            step_tol: 1e-12,
            max_iters: 200,
            verbose: false,
            delta_init: 1e-4,
            delta_max: 1e40,
            eps_init: 1e-8,
            armijo: 1e-4,
            max_backtracks: 40,
            second_order_correction: true,
            globalization: Globalization::Filter,
        }
    }
}

/// The SQP solver for equality-constrained problems with banded
/// structure (see the module doc).
///
/// ```
/// use lensdiff::constrained::Sqp;
/// use lensdiff::{Objective, Expr, Real};
/// use nalgebra::dvector;
/// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2.
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
/// }
/// struct Circle;
/// impl Objective for Circle {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
/// }
/// let r = Sqp::default().minimize(&Sum, &Circle, &dvector![-0.5, -1.0]).unwrap();
/// let s = -(0.5f64).sqrt();
/// assert!((r.x[0] - s).abs() < 1e-10 && (r.x[1] - s).abs() < 1e-10);
/// assert!((r.lambda[0] - 1.0 / (2.0f64).sqrt()).abs() < 1e-10);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Sqp {
    /// The options.
    pub opts: SqpOptions,
}

impl Sqp {
    /// Full Newton steps taken at most once the residual tests hold, to
    /// bring the step below [`SqpOptions::step_tol`].
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::Sqp::MAX_POLISH, 3);
    /// ```
    pub const MAX_POLISH: usize = 3;

    /// A solver with these options.
    ///
    /// ```
    /// use lensdiff::constrained::{Sqp, SqpOptions};
    /// let s = Sqp::new(SqpOptions { max_iters: 10, ..Default::default() });
    /// assert_eq!(s.opts.max_iters, 10);
    /// ```
    pub fn new(opts: SqpOptions) -> Self {
        Sqp { opts }
    }

    /// Minimises `f` subject to `c(x) = 0` from `x0` (multipliers start at
    /// 0). The spans of the Jacobian and the Lagrangian's Hessian
    /// bandwidth are detected at `x0` by the sparsity tracer; every
    /// Jacobian and Hessian is verified by a probe product.
    ///
    /// Errors: non-finite `x0` or values ([`Error::NonFinite`]), sizes
    /// ([`Error::DimensionMismatch`]), [`Error::TooManyConstraints`],
    /// [`Error::InconsistentConstraints`], [`Error::SingularJacobian`],
    /// [`Error::ShiftFailed`], [`Error::LineSearchFailed`].
    ///
    /// ```
    /// use lensdiff::constrained::Sqp;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let x0 = nalgebra::dvector![-0.5, -1.0];
    /// let r = Sqp::default().minimize(&Sum, &Circle, &x0).unwrap();
    /// assert!(r.c_inf <= 1e-10 && (r.f + 2f64.sqrt()).abs() < 1e-10);
    /// ```
    pub fn minimize<O, C>(&self, f: &O, c: &C, x0: &DVector<f64>) -> Result<SqpResult, Error>
    where
        O: Objective + ?Sized,
        C: Objective + ?Sized,
    {
        self.minimize_observed(f, c, x0, &mut |_| Control::Continue)
    }

    /// Like [`minimize`](Self::minimize), calling `observer` with every
    /// iteration; [`Control::Stop`] ends the solve
    /// ([`SqpStatus::Observer`]).
    ///
    /// ```
    /// use lensdiff::constrained::{Sqp, SqpStatus};
    /// use lensdiff::optim::Control;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let x0 = nalgebra::dvector![-0.5, -1.0];
    /// let mut rows = 0;
    /// let r = Sqp::default()
    ///     .minimize_observed(&Sum, &Circle, &x0, &mut |it| {
    ///         rows += 1;
    ///         if it.iter == 2 { Control::Stop } else { Control::Continue }
    ///     })
    ///     .unwrap();
    /// // Iterations 0, 1, 2 were observed; the solve stopped after the second.
    /// assert_eq!((r.status, r.iterations, rows), (SqpStatus::Observer, 2, 3));
    /// ```
    pub fn minimize_observed<O, C>(
        &self,
        f: &O,
        c: &C,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&SqpIteration) -> Control,
    ) -> Result<SqpResult, Error>
    where
        O: Objective + ?Sized,
        C: Objective + ?Sized,
    {
        self.minimize_erased(&Erased::new(f), &Erased::new(c), x0, observer)
    }

    /// [`minimize_observed`](Self::minimize_observed), compiled once (see `crate::erased`).
    fn minimize_erased(
        &self,
        f: &Erased<'_>,
        c: &Erased<'_>,
        x0: &DVector<f64>,
        observer: &mut dyn FnMut(&SqpIteration) -> Control,
    ) -> Result<SqpResult, Error> {
        let start = Instant::now();
        let o = &self.opts;
        let (n, m) = super::problem_sizes("Sqp::minimize", f, c, x0)?;
        if m > n {
            return Err(Error::TooManyConstraints { m, n });
        }
        // Structure, detected once at x0.
        let d = Derivatives::detect(f, c, x0, m)?;
        let mut kkt = KktSystem::new(KktLayout::new(&d.spans, d.hk));

        let mut x = x0.clone();
        let mut lambda = DVector::zeros(m);
        let mut mu = 0.0f64;
        let mut delta_last = 0.0f64;
        let mut history: Vec<SqpIteration> = Vec::new();
        let mut last = SqpIteration {
            iter: 0,
            f: 0.0,
            c_inf: 0.0,
            grad_l_inf: 0.0,
            delta: 0.0,
            step: 0.0,
            soc: false,
            ls_evals: 0,
            time_s: 0.0,
        };
        let mut target = f64::NAN;
        let mut filter = Filter::new(0.0);
        if o.verbose {
            print_header();
        }
        let mut iter = 0;
        // The polishing steps (see `SqpOptions::step_tol`), each from a
        // kept (x, λ).
        let mut polish: Polish<(DVector<f64>, DVector<f64>)> = Polish::new();
        let status = loop {
            let (cv, jac, hb) = d.rows_and_hessian(&x, &lambda)?;
            let grad_l = DVector::from_vec(hb.gradient.as_slice().to_vec());
            let grad_f = &grad_l - jac.tr_mul_vec(&lambda);
            let fx = hb.value - lambda.dot(&cv);
            let c_inf = cv.amax();
            let gl_inf = grad_l.amax();
            if iter == 0 {
                target = o.tol * grad_f.amax().max(1.0);
                filter = Filter::new(cv.lp_norm(1));
            }
            last.iter = iter;
            last.f = fx;
            last.c_inf = c_inf;
            last.grad_l_inf = gl_inf;
            last.time_s = start.elapsed().as_secs_f64();
            if o.verbose {
                print_row(&last);
            }
            history.push(last.clone());
            if observer(&last) == Control::Stop {
                polish.unmeasured();
                break SqpStatus::Observer;
            }
            let residuals_ok = c_inf <= o.constraint_tol && gl_inf <= target;
            if let Some((x_prev, lambda_prev)) = polish.broken(residuals_ok) {
                // The polishing step broke the residual tests (rounding
                // noise): the point before it is the answer.
                x = x_prev;
                lambda = lambda_prev;
                history.pop();
                iter -= 1;
                break SqpStatus::Converged;
            }
            if iter >= o.max_iters {
                polish.unmeasured();
                break if residuals_ok {
                    SqpStatus::Converged
                } else {
                    SqpStatus::MaxIterations
                };
            }
            if c_inf > o.constraint_tol {
                // A stationary point of ‖c‖²: no step reduces the violation.
                let jtc = jac.tr_mul_vec(&cv).amax();
                let scale = jac.amax() * c_inf;
                if jtc <= 1e-12 * scale || scale == 0.0 {
                    return Err(Error::InconsistentConstraints {
                        iteration: iter,
                        violation: c_inf,
                        rows: super::rows_worst_first(cv.as_slice(), 0.5 * c_inf),
                    });
                }
            }
            let step = self.kkt_step(&mut kkt, &hb.band, &jac, &grad_l, &cv, &mut delta_last)?;
            let layout = &kkt.layout;
            let minus_grad_l: Vec<f64> = grad_l.iter().map(|v| -v).collect();
            let dx = DVector::from_vec(step.dx.clone());
            if step.eps > 0.0 && c_inf > o.constraint_tol {
                let left = jac.mul_vec(&dx) + &cv;
                let lin = left.amax() / c_inf;
                if lin > 0.1 {
                    return Err(Error::SingularJacobian {
                        iteration: iter,
                        residual: lin,
                        rows: super::rows_worst_first(left.as_slice(), 0.5 * left.amax()),
                    });
                }
            }
            let dl = DVector::from_vec(step.dl.clone());
            if residuals_ok {
                let err = super::ipm::relative_step(x.as_slice(), dx.as_slice());
                // Quadratic convergence: a step that did not shrink ten
                // times is at the rounding floor.
                if polish.next(err, o.step_tol, 0.1, || (x.clone(), lambda.clone())) == Next::Stop {
                    break SqpStatus::Converged;
                }
                // A full Newton step, no line search: the residuals are at
                // tolerance, so the step is in its quadratic region.
                x += &dx;
                lambda += &dl;
                iter += 1;
                last = SqpIteration {
                    iter,
                    delta: step.delta,
                    step: 1.0,
                    soc: false,
                    ls_evals: 0,
                    ..last
                };
                continue;
            }
            let theta = cv.lp_norm(1);
            let slope = grad_f.dot(&dx);
            let acceptance = match o.globalization {
                Globalization::Filter => Acceptance::Filter {
                    filter: &filter,
                    theta,
                    f: fx,
                    slope,
                },
                Globalization::L1Merit => {
                    // The penalty: above the new multipliers, and large
                    // enough that the step is a descent direction of φ.
                    let lam_plus = (&lambda + &dl).amax();
                    let mut h_dx = vec![0.0; n];
                    hb.band.try_mul_vec_into(dx.as_slice(), &mut h_dx)?;
                    let curv = dx.dot(&DVector::from_vec(h_dx)) + step.delta * dx.norm_squared();
                    let mu_req = if theta > 0.0 {
                        lam_plus.max((slope + 0.5 * curv.max(0.0)) / (0.9 * theta))
                    } else {
                        lam_plus
                    };
                    if mu < mu_req {
                        mu = 1.5 * mu_req;
                    }
                    Acceptance::Merit {
                        mu,
                        phi0: fx + mu * theta,
                        slope: slope - mu * theta,
                    }
                }
            };
            // f and θ at a trial point (+∞ where not finite).
            let trial_values = |z: &DVector<f64>| -> (f64, DVector<f64>) {
                let (fz, cz) = d.values(z.as_slice());
                let cz = DVector::from_vec(cz);
                (if fz.is_finite() { fz } else { f64::INFINITY }, cz)
            };
            let mut alpha = 1.0;
            let mut evals = 0;
            let mut soc = false;
            let verdict = loop {
                let trial = &x + &dx * alpha;
                let (f_t, c_t) = trial_values(&trial);
                let theta_t = c_t.lp_norm(1);
                evals += 1;
                let v = acceptance.judge(f_t, theta_t, alpha, o.armijo);
                if v != Verdict::Reject {
                    x = trial;
                    break v;
                }
                if alpha == 1.0
                    && o.second_order_correction
                    && theta_t >= theta
                    && theta_t.is_finite()
                {
                    // Second-order corrections: the same K with the
                    // constraint part c + c(x + d_soc) accumulated (Ipopt's).
                    let mut c_soc = &cv + &c_t;
                    let mut theta_prev = theta_t;
                    let mut found = None;
                    for _ in 0..MAX_SOC {
                        let minus_c: Vec<f64> = c_soc.iter().map(|v| -v).collect();
                        let mut rhs = layout.permute(&minus_grad_l, &minus_c);
                        kkt.lu().solve_mut(&mut rhs)?;
                        let (d_soc, _) = layout.split(&rhs);
                        let z = &x + DVector::from_vec(d_soc);
                        let (f_s, c_s) = trial_values(&z);
                        let theta_s = c_s.lp_norm(1);
                        evals += 1;
                        let v = acceptance.judge(f_s, theta_s, 1.0, o.armijo);
                        if v != Verdict::Reject {
                            found = Some((z, v));
                            break;
                        }
                        if theta_s.is_nan() || theta_s > 0.99 * theta_prev {
                            break;
                        }
                        theta_prev = theta_s;
                        c_soc += c_s;
                    }
                    if let Some((z, v)) = found {
                        x = z;
                        soc = true;
                        break v;
                    }
                }
                alpha *= 0.5;
                if evals > o.max_backtracks {
                    return Err(Error::LineSearchFailed {
                        iteration: iter,
                        step: alpha,
                    });
                }
            };
            if verdict == Verdict::ThetaStep && o.globalization == Globalization::Filter {
                filter.augment(theta, fx);
            }
            lambda += &dl * alpha;
            iter += 1;
            last = SqpIteration {
                iter,
                delta: step.delta,
                step: alpha,
                soc,
                ls_evals: evals,
                ..last
            };
        };
        let last = history.last().expect("at least one iteration");
        Ok(SqpResult {
            forward_error: polish.forward_error(),
            f: last.f,
            c_inf: last.c_inf,
            grad_l_inf: last.grad_l_inf,
            iterations: iter,
            status,
            history,
            kkt_size: kkt.layout.size(),
            kkt_bandwidth: kkt.layout.bandwidth(),
            jacobian_width: d.spans.width(),
            hessian_bandwidth: d.hk,
            time_s: start.elapsed().as_secs_f64(),
            x,
            lambda,
        })
    }

    /// Solves the KKT system, growing `δ` until the inertia is right and
    /// `ε` while `K` is singular ([`KktSystem::solve_corrected`]).
    fn kkt_step(
        &self,
        kkt: &mut KktSystem,
        h: &SymBanded<f64>,
        jac: &super::BandedJacobian,
        grad_l: &DVector<f64>,
        cv: &DVector<f64>,
        delta_last: &mut f64,
    ) -> Result<KktStep, Error> {
        let o = &self.opts;
        let neg = |v: &[f64]| v.iter().map(|a| -a).collect::<Vec<f64>>();
        let minus_c = neg(cv.as_slice());
        let rhs = KktRhs {
            x: &neg(grad_l.as_slice()),
            c: &minus_c,
            c_normal: &minus_c,
        };
        let rule = ShiftRule {
            delta_init: o.delta_init,
            delta_max: o.delta_max,
            eps_init: o.eps_init,
        };
        kkt.solve_corrected(
            h,
            jac,
            &KktDiagonals::default(),
            &rhs,
            &|_| (0.0, 0.0),
            &rule,
            delta_last,
        )
    }
}
