//! The check of one map: in every mode (first order), or a lens in its own mode.

use super::Options;
use super::any_mode::{AnyMode, Jacobian};
use super::finite_diff::compare_fd;
use super::options::Directions;
use super::report::Report;
use super::util::{amax, dot, flat64, mat64, max_diff, norm, show};
use crate::mode::{Dense, Forward, Reverse};
use crate::{DFun, Mode, Space};
use nalgebra::{DMatrix, DVector};

/// Checks a map in every mode at `x`, with the settings for its scalar
/// type ([`Options::for_scalar`]):
///
/// * the value path ([`eval`](crate::DFun::eval)) equals the linearised
///   path in every mode, and the modes agree on the value;
/// * the forward, reverse and dense Jacobians agree, and agree with
///   central finite differences;
/// * adjointness `⟨J t, c⟩ = ⟨t, Jᵀ c⟩` for seeded random tangents `t`
///   and cotangents `c`, the dense map applied to `t` equals the
///   pushforward, and pullbacks accumulate (`pull_add` adds `Jᵀ c`).
///
/// Like JAX's `check_grads`, this is for small inputs: the Jacobians cost
/// `n` pushforwards and `m` pullbacks, the dense mode `O(n·m)` memory,
/// the differences `8n` evaluations.
///
/// ```
/// use lensdiff::check::{AnyMode, check_map};
/// use lensdiff::{ops, fanout, DFun, Mode};
/// use nalgebra::{dvector, DVector};
/// struct F;
/// impl AnyMode for F {
///     type In = DVector<f64>;
///     type Out = (f64, DVector<f64>);
///     fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> {
///         fanout(&ops::norm_squared(), &ops::tanh().then(&ops::diff()))
///     }
/// }
/// let report = check_map(&F, &dvector![0.2, -0.4, 1.5]);
/// assert!(report.passed(), "{report}");
/// ```
///
/// A lens in one mode (a [`DFun`], say a reverse-only one made with
/// [`DFun::new`]) is checked in its own mode ([`Checkable`]).
pub fn check_map<F: Checkable>(f: &F, x: &F::In) -> Report {
    check_map_with(f, x, &Options::for_scalar::<<F::In as Space>::Scalar>())
}

/// [`check_map`], panicking with the report if a comparison fails.
///
/// ```
/// use lensdiff::check::{AnyMode, assert_map};
/// use lensdiff::{ops, DFun, Mode};
/// use nalgebra::{dvector, DVector};
/// struct Exp;
/// impl AnyMode for Exp {
///     type In = DVector<f64>;
///     type Out = DVector<f64>;
///     fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> { ops::exp() }
/// }
/// assert_map(&Exp, &dvector![0.0, 1.0]);
/// ```
#[track_caller]
pub fn assert_map<F: Checkable>(f: &F, x: &F::In) {
    check_map(f, x).assert_ok()
}

/// [`check_map`] with explicit settings.
///
/// A map whose reverse mode is wrong fails, and the report names the
/// comparison, the input and the direction:
///
/// ```
/// use lensdiff::check::{AnyMode, Options, check_map_with};
/// use lensdiff::{Mode, Pullback};
/// use lensdiff::linear::LinearMap;
/// use lensdiff::DFun;
///
/// /// y = 2x, but the transpose forgets the factor.
/// struct Wrong;
/// impl LinearMap<f64, f64> for Wrong {
///     fn apply(&self, dx: &f64) -> f64 { 2.0 * dx }
///     fn transpose_add(&self, dy: &f64, dx: &mut f64) { *dx += dy }
///     fn dom_shape(&self) {}
///     fn cod_shape(&self) {}
/// }
/// struct Double;
/// impl AnyMode for Double {
///     type In = f64;
///     type Out = f64;
///     fn build<M: Mode>(&self) -> DFun<f64, f64, M> {
///         DFun::from_linear_map(|x: &f64| (2.0 * x, Wrong))
///     }
/// }
/// let r = check_map_with(&Double, &1.0, &Options::for_scalar::<f64>());
/// assert!(!r.passed());
/// let text = r.to_string();
/// assert!(text.contains("FAIL forward = reverse Jacobian"), "{text}");
/// assert!(text.contains("FAIL adjointness"), "{text}");
/// ```
pub fn check_map_with<F: Checkable>(f: &F, x: &F::In, opts: &Options) -> Report {
    f.check_at(x, opts)
}

/// What [`check_map`] takes: a map written once for every mode
/// ([`AnyMode`]), checked in every mode and across them, or a lens in one
/// mode (a [`DFun`]), checked in its own mode: its value path against its
/// linearised one, its Jacobian (built the mode's way) against finite
/// differences, its derivative at seeded random directions against that
/// Jacobian (forward `J t`, reverse `Jᵀ c`), and, in reverse mode, that
/// pullbacks accumulate. Without a second mode nothing checks one
/// direction against the other: a lens written once for every mode is
/// checked more strictly.
///
/// Every `AnyMode` map and every `DFun` is `Checkable`; there is nothing
/// to implement.
///
/// ```
/// use lensdiff::check::check_map;
/// use lensdiff::{DFun, Pullback, Reverse};
/// // f(x) = x³ in reverse mode only, its pullback by hand, and the same
/// // with the pullback's factor 3 forgotten.
/// let cube = |k: f64| DFun::<f64, f64, Reverse>::new(
///     |x| x * x * x,
///     move |x| { let x = *x; (x * x * x, Pullback::new(move |dy, dx| *dx += k * x * x * dy, (), ())) },
/// );
/// assert!(check_map(&cube(3.0), &0.7).passed());
/// let r = check_map(&cube(1.0), &0.7);
/// let first = r.failures().next().unwrap();
/// assert_eq!((first.name.as_str(), first.mode), ("Jacobian = finite differences", Some("reverse")));
/// ```
pub trait Checkable {
    /// The domain.
    type In: Space;
    /// Every check of the map at `x` with the settings `opts` (what
    /// [`check_map_with`] runs).
    ///
    /// ```
    /// use lensdiff::check::{Checkable, Options};
    /// use lensdiff::{ops, DFun, Forward};
    /// use nalgebra::{dvector, DVector};
    /// let f: DFun<DVector<f64>, f64, Forward> = ops::sin().then(&ops::sum());
    /// let r = f.check_at(&dvector![0.1, 0.2], &Options::for_scalar::<f64>());
    /// assert!(r.passed() && r.checks().iter().all(|c| c.mode == Some("forward")), "{r}");
    /// ```
    fn check_at(&self, x: &Self::In, opts: &Options) -> Report;
}

impl<F: AnyMode> Checkable for F {
    type In = F::In;
    fn check_at(&self, x: &F::In, opts: &Options) -> Report {
        every_mode(self, x, opts)
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Checkable for DFun<A, B, Forward> {
    type In = A;
    fn check_at(&self, x: &A, opts: &Options) -> Report {
        own_mode(self, x, opts, |report, lin, j, t, _, input| {
            let jt = j * DVector::from_vec(flat64(t));
            let name = "pushforward = J t";
            compare(
                report,
                name,
                Some(Forward::NAME),
                &flat64(&lin.apply(t)),
                jt.as_slice(),
                opts,
                input,
            );
        })
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Checkable for DFun<A, B, Reverse> {
    type In = A;
    fn check_at(&self, x: &A, opts: &Options) -> Report {
        own_mode(self, x, opts, |report, lin, j, t, c, input| {
            let pulled = flat64(&lin.pull(c));
            let jtc = j.tr_mul(&DVector::from_vec(flat64(c)));
            let mode = Some(Reverse::NAME);
            compare(
                report,
                "pullback = Jᵀ c",
                mode,
                &pulled,
                jtc.as_slice(),
                opts,
                input,
            );
            let mut acc = t.clone();
            lin.pull_add(c, &mut acc);
            let expect = added(&flat64(t), &pulled);
            compare(
                report,
                "pull_add accumulates",
                mode,
                &flat64(&acc),
                &expect,
                opts,
                input,
            );
        })
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Checkable for DFun<A, B, Dense> {
    type In = A;
    /// The dense derivative is its Jacobian: no product to compare.
    fn check_at(&self, x: &A, opts: &Options) -> Report {
        own_mode(self, x, opts, |_, _, _, _, _, _| {})
    }
}

/// The checks of a lens in its own mode at `x`: value paths, the mode's
/// Jacobian against finite differences, and `products(report, derivative,
/// J, t, c, input)` at seeded random tangents `t` and cotangents `c`.
fn own_mode<A, B, M>(
    f: &DFun<A, B, M>,
    x: &A,
    opts: &Options,
    products: impl Fn(&mut Report, &M::Lin<A, B>, &DMatrix<f64>, &A, &B, &str),
) -> Report
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    M: Jacobian,
{
    let mut report = Report::new(std::any::type_name::<DFun<A, B, M>>());
    let xs = flat64(x);
    let input = format!("x = {}", show(&xs));
    let y = f.eval(x);
    let ys = flat64(&y);
    if too_large(&mut report, &ys, &input, opts) {
        return report;
    }
    let (value, lin) = f.linearize(x);
    let mode = Some(M::NAME);
    compare(
        &mut report,
        "eval = linearize value",
        mode,
        &ys,
        &flat64(&value),
        opts,
        &input,
    );
    let j = mat64(&M::jacobian(f, x));
    compare_fd(
        &mut report,
        "Jacobian = finite differences",
        mode,
        &j,
        |z: &A| f.eval(z),
        x,
        opts,
    );
    let (dom, cod) = (x.shape(), y.shape());
    let mut dirs = Directions::new(opts.seed);
    for _ in 0..opts.directions {
        let t = A::read_flat(&dom, &dirs.vec::<A::Scalar>(xs.len()));
        let c = B::read_flat(&cod, &dirs.vec::<A::Scalar>(ys.len()));
        products(&mut report, &lin, &j, &t, &c, &input);
    }
    report
}

/// The checks of a map written for every mode.
fn every_mode<F: AnyMode>(f: &F, x: &F::In, opts: &Options) -> Report {
    let mut report = Report::new(std::any::type_name::<F>());
    let (fwd, rev, dense) = (
        f.build::<Forward>(),
        f.build::<Reverse>(),
        f.build::<Dense>(),
    );
    let xs = flat64(x);
    let input = format!("x = {}", show(&xs));
    let y = flat64(&rev.eval(x));
    if too_large(&mut report, &y, &input, opts) {
        return report;
    }

    // Value path = linearised path, every mode; the modes agree.
    let values = [
        (
            Forward::NAME,
            flat64(&fwd.eval(x)),
            flat64(&fwd.linearize(x).0),
        ),
        (Reverse::NAME, y.clone(), flat64(&rev.linearize(x).0)),
        (
            Dense::NAME,
            flat64(&dense.eval(x)),
            flat64(&dense.linearize(x).0),
        ),
    ];
    for (mode, value, linearized) in &values {
        compare(
            &mut report,
            "eval = linearize value",
            Some(mode),
            value,
            linearized,
            opts,
            &input,
        );
        if *mode != Reverse::NAME {
            let name = "value agrees with reverse";
            compare(&mut report, name, Some(mode), value, &y, opts, &input);
        }
    }

    // Jacobians: the three modes, then central differences.
    let jf = mat64(&Forward::jacobian(&fwd, x));
    let jr = mat64(&Reverse::jacobian(&rev, x));
    let jd = mat64(&Dense::jacobian(&dense, x));
    compare_mat(
        &mut report,
        "forward = reverse Jacobian",
        None,
        &jf,
        &jr,
        None,
        opts,
        &input,
    );
    compare_mat(
        &mut report,
        "forward = dense Jacobian",
        None,
        &jf,
        &jd,
        None,
        opts,
        &input,
    );
    compare_fd(
        &mut report,
        "Jacobian = finite differences",
        None,
        &jr,
        |z: &F::In| rev.eval(z),
        x,
        opts,
    );

    // Adjointness with seeded random directions.
    let (lf, lr, ld) = (fwd.linearize(x).1, rev.linearize(x).1, dense.linearize(x).1);
    let (dom, cod) = (x.shape(), rev.eval(x).shape());
    let (n, m) = (xs.len(), y.len());
    let mut dirs = Directions::new(opts.seed);
    type S<F> = <<F as AnyMode>::In as Space>::Scalar;
    for _ in 0..opts.directions {
        let t = F::In::read_flat(&dom, &dirs.vec::<S<F>>(n));
        let c = F::Out::read_flat(&cod, &dirs.vec::<S<F>>(m));
        let (jt, jtc) = (flat64(&lf.apply(&t)), flat64(&lr.pull(&c)));
        let (t64, c64) = (flat64(&t), flat64(&c));
        let (lhs, rhs) = (dot(&jt, &c64), dot(&t64, &jtc));
        let scale = norm(&jt) * norm(&c64) + norm(&t64) * norm(&jtc);
        let dir = format!("t = {}, c = {}", show(&t64), show(&c64));
        report.record(
            "adjointness ⟨J t, c⟩ = ⟨t, Jᵀ c⟩",
            None,
            (lhs - rhs).abs(),
            opts.exact(scale, n + m),
            &input,
            &dir,
        );
        compare(
            &mut report,
            "dense J t = pushforward",
            Some(Dense::NAME),
            &flat64(&ld.apply(&t)),
            &jt,
            opts,
            &input,
        );
        let mut acc = t.clone();
        lr.pull_add(&c, &mut acc);
        let expect = added(&t64, &jtc);
        compare(
            &mut report,
            "pull_add accumulates",
            Some(Reverse::NAME),
            &flat64(&acc),
            &expect,
            opts,
            &input,
        );
    }
    report
}

/// Whether the value `y` is not finite or too large to compare (then the
/// report says so, as a skip).
fn too_large(report: &mut Report, y: &[f64], input: &str, opts: &Options) -> bool {
    let skip = amax(y) > opts.skip_above;
    if skip {
        report.skip(format!(
            "f(x) = {} is not finite or above {:e} at {input}",
            show(y),
            opts.skip_above
        ));
    }
    skip
}

/// Records `max |a − b|` against the exact tolerance.
pub(crate) fn compare(
    report: &mut Report,
    name: &str,
    mode: Option<&'static str>,
    a: &[f64],
    b: &[f64],
    opts: &Options,
    input: &str,
) {
    let (e, k) = max_diff(a, b);
    let tol = opts.exact(amax(a).max(amax(b)), a.len());
    let direction = if a.len() == b.len() {
        format!("entry {k}")
    } else {
        format!("lengths {} vs {}", a.len(), b.len())
    };
    report.record(name, mode, e, tol, input, direction);
}

/// Records the worst entry of `a − b` for two matrices, against `tol`
/// (the exact tolerance where `None`); a shape mismatch fails.
#[allow(clippy::too_many_arguments)]
pub(crate) fn compare_mat(
    report: &mut Report,
    name: &str,
    mode: Option<&'static str>,
    a: &DMatrix<f64>,
    b: &DMatrix<f64>,
    tol: Option<f64>,
    opts: &Options,
    input: &str,
) {
    if a.shape() != b.shape() {
        let shapes = format!("shapes {:?} vs {:?}", a.shape(), b.shape());
        report.record(name, mode, f64::INFINITY, 0.0, input, shapes);
        return;
    }
    let (e, k) = max_diff(a.as_slice(), b.as_slice());
    let tol = tol.unwrap_or_else(|| opts.exact(a.amax().max(b.amax()), a.nrows().max(a.ncols())));
    let rows = a.nrows().max(1);
    let at = format!("entry ({}, {})", k % rows, k / rows);
    report.record(name, mode, e, tol, input, at);
}

/// `a + b` entrywise.
pub(crate) fn added(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x + y).collect()
}
