//! Second order: Hessian-vector products by nesting (forward over
//! reverse) against finite differences of the gradient, and the symmetry
//! of the Hessian, for scalar-valued maps and [`Objective`]s.

use super::Options;
use super::any_mode::AnyMode;
use super::finite_diff::compare_fd;
use super::map::{check_map_with, compare};
use super::options::Directions;
use super::report::Report;
use super::util::{dot, flat64, norm, show};
use crate::dual::Dual;
use crate::{DFun, Expr, Mode, Objective, Real, Reverse, grad};
use nalgebra::{DMatrix, DVector};
use std::marker::PhantomData;

/// A scalar-valued map `Rⁿ → R` written once for every scalar type and
/// every mode, so that it can be nested (its reverse-mode gradient run
/// over dual numbers gives Hessian-vector products).
///
/// ```
/// use lensdiff::check::{ScalarMap, assert_scalar_map};
/// use lensdiff::{ops, DFun, Mode, Real};
/// use nalgebra::{dvector, DVector};
/// /// Σ sin(x)·x² as sin then a product with the squares.
/// struct F;
/// impl ScalarMap for F {
///     fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M> {
///         lensdiff::fanout(&ops::sin(), &ops::square()).then(&ops::dot())
///     }
/// }
/// assert_scalar_map(&F, &dvector![0.4, -1.1]);
/// ```
pub trait ScalarMap: Send + Sync {
    /// The map over scalars `S` in mode `M`.
    fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M>;
}

/// An [`Objective`] seen as a [`ScalarMap`] (compiled in each mode).
///
/// ```
/// use lensdiff::check::{ObjectiveMap, ScalarMap};
/// use lensdiff::{Reverse, grad};
/// use nalgebra::dvector;
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
/// struct Tri;
/// impl Objective for Tri {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let f = ObjectiveMap(Tri).build::<f64, Reverse>();
/// // ∇(Σ (x[i+1] − x[i])² + Σ cosh xᵢ) at 0: zero.
/// assert_eq!(grad(&f, &dvector![0.0, 0.0, 0.0]), dvector![0.0, 0.0, 0.0]);
/// ```
pub struct ObjectiveMap<O>(pub O);

impl<O: Objective> ScalarMap for ObjectiveMap<O> {
    fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M> {
        self.0.build(Expr::var()).compile()
    }
}

/// A [`ScalarMap`] at one scalar type, as an [`AnyMode`] map.
struct AtScalar<'a, F, S>(&'a F, PhantomData<fn() -> S>);

impl<F: ScalarMap, S: Real> AnyMode for AtScalar<'_, F, S> {
    type In = DVector<S>;
    type Out = S;
    fn build<M: Mode>(&self) -> DFun<DVector<S>, S, M> {
        self.0.build::<S, M>()
    }
}

/// Checks a scalar-valued map to order 2 at `x`: everything
/// [`check_map`](super::check_map) checks, then for seeded random
/// directions `u`, `v` the Hessian-vector product by nesting
/// (forward over reverse) against central differences of the gradient
/// along `u`, and symmetry `⟨H u, v⟩ = ⟨u, H v⟩`.
///
/// ```
/// use lensdiff::check::{ScalarMap, check_scalar_map};
/// use lensdiff::{ops, DFun, Mode, Real};
/// use nalgebra::{dvector, DVector};
/// /// Σ exp(x) + Σ (Δx)²
/// struct F;
/// impl ScalarMap for F {
///     fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M> {
///         let e = ops::exp().then(&ops::sum());
///         let d = ops::diff().then(&ops::norm_squared());
///         lensdiff::fanout(&e, &d).then(&lensdiff::jam())
///     }
/// }
/// let r = check_scalar_map(&F, &dvector![0.1, -0.3, 0.8]);
/// assert!(r.passed(), "{r}");
/// assert!(r.checks().iter().any(|c| c.name.starts_with("HVP by nesting")));
/// ```
pub fn check_scalar_map<F: ScalarMap, S: Real>(f: &F, x: &DVector<S>) -> Report {
    check_scalar_map_with(f, x, &Options::for_scalar::<S>())
}

/// [`check_scalar_map`] with explicit settings.
///
/// ```
/// use lensdiff::check::{ScalarMap, Options, check_scalar_map_with};
/// use lensdiff::{ops, DFun, Mode, Real};
/// use nalgebra::{dvector, DVector};
/// struct Quartic;
/// impl ScalarMap for Quartic {
///     fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M> {
///         ops::powi(4).then(&ops::sum())
///     }
/// }
/// let opts = Options { directions: 5, ..Options::for_scalar::<f64>() };
/// assert!(check_scalar_map_with(&Quartic, &dvector![1.0, -2.0], &opts).passed());
/// ```
pub fn check_scalar_map_with<F: ScalarMap, S: Real>(
    f: &F,
    x: &DVector<S>,
    opts: &Options,
) -> Report {
    let mut report = check_map_with(&AtScalar::<F, S>(f, PhantomData), x, opts);
    report.subject = std::any::type_name::<F>().to_string();
    if report.is_skipped() {
        return report;
    }
    let rev = f.build::<S, Reverse>();
    let nested = f.build::<Dual<S>, Reverse>();
    let hvp = |u: &DVector<S>| -> DVector<S> {
        let xd = DVector::from_fn(x.len(), |i, _| Dual::new(x[i], u[i]));
        grad(&nested, &xd).map(|d| d.tangent())
    };
    let input = format!("x = {}", show(&flat64(x)));
    let mut dirs = Directions::new(opts.seed ^ 0x4E55);
    let n = x.len();
    for _ in 0..opts.directions {
        let u = DVector::from_vec(dirs.vec::<S>(n));
        let v = DVector::from_vec(dirs.vec::<S>(n));
        let (hu, hv) = (hvp(&u), hvp(&v));
        // The gradient along the line x + s·u, differenced in s.
        let column = DMatrix::from_column_slice(n, 1, &flat64(&hu));
        let along = |s: &S| grad(&rev, &(x + u.map(|ui| ui * *s)));
        let mut line = Report::new("");
        compare_fd(
            &mut line,
            "HVP by nesting = differences of the gradient",
            None,
            &column,
            along,
            &S::zero(),
            opts,
        );
        for mut c in line.checks().iter().cloned() {
            c.input = input.clone();
            c.direction = format!("u = {}; {}", show(&flat64(&u)), c.direction);
            report.record(&c.name, None, c.error, c.tolerance, c.input, c.direction);
        }
        let (hu, hv, u, v) = (flat64(&hu), flat64(&hv), flat64(&u), flat64(&v));
        let (lhs, rhs) = (dot(&hu, &v), dot(&u, &hv));
        let scale = norm(&hu) * norm(&v) + norm(&u) * norm(&hv);
        report.record(
            "Hessian symmetry ⟨H u, v⟩ = ⟨u, H v⟩",
            None,
            (lhs - rhs).abs(),
            opts.exact(scale, n),
            &input,
            format!("u = {}, v = {}", show(&u), show(&v)),
        );
    }
    report
}

/// Checks an [`Objective`] to order 2 at `x`: [`check_scalar_map`] on
/// its compiled lens, and the library's Hessian-vector product
/// ([`crate::hessian::hvp`], a multi-tangent sweep) against the nested one.
///
/// ```
/// use lensdiff::check::check_objective;
/// use lensdiff::{Objective, Expr, Real, c};
/// use nalgebra::DVector;
/// struct Chain;
/// impl Objective for Chain {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() * 0.5 + x.map(|t| t.powi(4) * c(0.25) - t * t * c(0.5)).sum()
///     }
/// }
/// let x = DVector::from_fn(6, |i, _| (0.7 * i as f64).sin());
/// let r = check_objective(&Chain, &x);
/// assert!(r.passed(), "{r}");
/// ```
pub fn check_objective<O: Objective>(obj: &O, x: &DVector<f64>) -> Report {
    let opts = Options::for_scalar::<f64>();
    let nested = ObjectiveMap(obj);
    let mut report = check_scalar_map_with(&nested, x, &opts);
    report.subject = std::any::type_name::<O>().to_string();
    if report.is_skipped() {
        return report;
    }
    let f = nested.build::<Dual<f64>, Reverse>();
    let input = format!("x = {}", show(x.as_slice()));
    let mut dirs = Directions::new(opts.seed ^ 0x5EE9);
    for _ in 0..opts.directions {
        let u = DVector::from_vec(dirs.vec::<f64>(x.len()));
        let xd = DVector::from_fn(x.len(), |i, _| Dual::new(x[i], u[i]));
        let by_nesting: Vec<f64> = grad(&f, &xd).iter().map(|d| d.tangent()).collect();
        let by_sweep = crate::hessian::hvp(obj, x, &u);
        compare(
            &mut report,
            "hessian::hvp = HVP by nesting",
            None,
            by_sweep.as_slice(),
            &by_nesting,
            &opts,
            &input,
        );
    }
    report
}

/// [`check_objective`], panicking with the report if a comparison fails.
///
/// ```
/// use lensdiff::check::assert_objective;
/// use nalgebra::DVector;
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = DVector::from_fn(12, |i, _| 0.05 * i as f64);
/// assert_objective(&Penta, &x); // gradient vs differences, HVP by nesting, symmetry
/// ```
#[track_caller]
pub fn assert_objective<O: Objective>(obj: &O, x: &DVector<f64>) {
    check_objective(obj, x).assert_ok()
}

/// [`check_scalar_map`], panicking with the report if a comparison fails.
///
/// ```
/// use lensdiff::check::{ScalarMap, assert_scalar_map};
/// use lensdiff::{ops, DFun, Mode, Real};
/// use nalgebra::{dvector, DVector};
/// struct CosSum;
/// impl ScalarMap for CosSum {
///     fn build<S: Real, M: Mode>(&self) -> DFun<DVector<S>, S, M> {
///         ops::cos().then(&ops::sum())
///     }
/// }
/// assert_scalar_map(&CosSum, &dvector![0.5_f32, 1.5]);
/// ```
#[track_caller]
pub fn assert_scalar_map<F: ScalarMap, S: Real>(f: &F, x: &DVector<S>) {
    check_scalar_map(f, x).assert_ok()
}
