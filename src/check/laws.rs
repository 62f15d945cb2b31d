//! The category laws with a user's maps placed inside compositions, in
//! every mode: identity, associativity, the projections of `fanout`,
//! `par` as `fanout` of projections, and the chain rule.
//!
//! Each law compares two lenses that must be equal: their values (value
//! path and linearised path) and their Jacobians computed in the mode's own
//! way. The structural laws (identity, projections, `par`) hold bit for
//! bit, since the structural maps only copy; associativity and the chain
//! rule are held to the exact tolerance of [`Options`].

use super::Options;
use super::any_mode::{AnyMode, Jacobian};
use super::finite_diff::compare_fd;
use super::map::{compare, compare_mat};
use super::report::Report;
use super::util::{amax, flat64, mat64, max_diff, show};
use crate::linear::LinearMap;
use crate::mode::{Dense, Forward, Reverse};
use crate::{DFun, Mode, Space, compose, dup, fanout, fst, id, jam, par, snd};
use std::marker::PhantomData;

/// The subject of every law's report (so that merged reports of laws do
/// not prefix their comparisons, whose names already say which law).
pub(crate) const LAWS: &str = "laws";

/// How closely the two sides of a law must agree.
#[derive(Clone, Copy)]
enum Tol {
    BitForBit,
    Rounding,
}

/// Two lenses agree at `x` in mode `M`: value path, linearised value,
/// Jacobian. Returns `false` (and notes a skip) where the value cannot be
/// compared.
fn same<M, A, B>(
    report: &mut Report,
    law: &str,
    f: &DFun<A, B, M>,
    g: &DFun<A, B, M>,
    x: &A,
    tol: Tol,
    opts: &Options,
) where
    M: Jacobian,
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let input = format!("x = {}", show(&flat64(x)));
    let (fy, gy) = (flat64(&f.eval(x)), flat64(&g.eval(x)));
    if amax(&fy) > opts.skip_above {
        report.skip(format!(
            "{law}: value {} not finite or too large at {input}",
            show(&fy)
        ));
        return;
    }
    let tolerance = |a: f64, dim: usize| match tol {
        Tol::BitForBit => 0.0,
        Tol::Rounding => opts.exact(a, dim),
    };
    let (e, k) = max_diff(&fy, &gy);
    report.record(
        &format!("{law}: value"),
        Some(M::NAME),
        e,
        tolerance(amax(&fy), fy.len()),
        &input,
        format!("entry {k}"),
    );
    let linearized = flat64(&f.linearize(x).0);
    compare(
        report,
        "linearize value = eval",
        Some(M::NAME),
        &linearized,
        &fy,
        opts,
        &input,
    );
    let (jf, jg) = (mat64(&M::jacobian(f, x)), mat64(&M::jacobian(g, x)));
    let tol = match tol {
        Tol::BitForBit => Some(0.0),
        Tol::Rounding => None,
    };
    let name = format!("{law}: Jacobian");
    compare_mat(report, &name, Some(M::NAME), &jf, &jg, tol, opts, &input);
}

/// Two lenses in mode `M` are the same map at `x`: equal values (to
/// rounding), the linearised value equal to the value path, equal
/// Jacobians computed in the mode's own way. The building block of the
/// laws, for laws of your own.
///
/// ```
/// use lensdiff::check::{laws, Options};
/// use lensdiff::{ops, jam, dup, DFun, Reverse};
/// use nalgebra::{dvector, DVector};
/// let f: DFun<DVector<f64>, DVector<f64>, Reverse> = ops::sin();
/// let twice = f.then(&dup()).then(&jam());
/// let r = laws::same_lens("jam ∘ dup = 2·id", &twice, &f.then(&ops::scale(2.0)),
///     &dvector![0.1, 0.2], &Options::for_scalar::<f64>());
/// assert!(r.passed(), "{r}");
/// ```
pub fn same_lens<M, A, B>(
    law: &str,
    f: &DFun<A, B, M>,
    g: &DFun<A, B, M>,
    x: &A,
    opts: &Options,
) -> Report
where
    M: Jacobian,
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let mut r = Report::new(LAWS);
    same(&mut r, law, f, g, x, Tol::Rounding, opts);
    r
}

/// Runs a law in forward, reverse and dense mode.
macro_rules! every_mode {
    ($law:ident($($arg:expr),*)) => {{
        let mut r = Report::new(LAWS);
        $law::<Forward, _, _, _>(&mut r, $($arg),*);
        $law::<Reverse, _, _, _>(&mut r, $($arg),*);
        $law::<Dense, _, _, _>(&mut r, $($arg),*);
        r
    }};
}

fn identity_in<M: Jacobian, F: AnyMode, X, Y>(
    r: &mut Report,
    f: &F,
    x: &F::In,
    _: (X, Y),
    o: &Options,
) {
    let fm = f.build::<M>();
    same(
        r,
        "f.then(id) = f",
        &fm.then(&id()),
        &fm,
        x,
        Tol::BitForBit,
        o,
    );
    same(
        r,
        "id.then(f) = f",
        &id().then(&fm),
        &fm,
        x,
        Tol::BitForBit,
        o,
    );
    same(
        r,
        "f ∘ id = f",
        &compose(&fm, &id()),
        &fm,
        x,
        Tol::BitForBit,
        o,
    );
}

/// `f ; id = f = id ; f` (and `f ∘ id = f`), values and Jacobians, every
/// mode.
///
/// ```
/// use lensdiff::check::{laws, AnyMode, Options};
/// use lensdiff::{ops, DFun, Mode};
/// use nalgebra::{dvector, DVector};
/// struct F;
/// impl AnyMode for F {
///     type In = DVector<f64>;
///     type Out = DVector<f64>;
///     fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> { ops::sin().then(&ops::diff()) }
/// }
/// laws::identity(&F, &dvector![0.1, 0.2, 0.4], &Options::for_scalar::<f64>()).assert_ok();
/// ```
pub fn identity<F: AnyMode>(f: &F, x: &F::In, opts: &Options) -> Report {
    every_mode!(identity_in(f, x, ((), ()), opts))
}

fn assoc_in<M: Jacobian, F, G, H>(r: &mut Report, fgh: (&F, &G, &H), x: &F::In, o: &Options)
where
    F: AnyMode,
    G: AnyMode<In = F::Out>,
    H: AnyMode<In = G::Out>,
{
    let (f, g, h) = (fgh.0.build::<M>(), fgh.1.build::<M>(), fgh.2.build::<M>());
    same(
        r,
        "(f;g);h = f;(g;h)",
        &f.then(&g).then(&h),
        &f.then(&g.then(&h)),
        x,
        Tol::Rounding,
        o,
    );
}

/// `(f ; g) ; h = f ; (g ; h)`, values and Jacobians, every mode.
///
/// ```
/// use lensdiff::check::{laws, Compiled, Options};
/// use lensdiff::Expr;
/// use nalgebra::{dvector, DVector};
/// type C = Compiled<DVector<f64>, DVector<f64>>;
/// let x = Expr::<f64>::var();
/// let (f, g, h) = (C::new(x.sin()), C::new(x.diff()), C::new(x.square() * x.clone()));
/// laws::associativity(&f, &g, &h, &dvector![0.3, 0.1, -0.5], &Options::for_scalar::<f64>())
///     .assert_ok();
/// ```
pub fn associativity<F, G, H>(f: &F, g: &G, h: &H, x: &F::In, opts: &Options) -> Report
where
    F: AnyMode,
    G: AnyMode<In = F::Out>,
    H: AnyMode<In = G::Out>,
{
    let mut r = Report::new(LAWS);
    assoc_in::<Forward, F, G, H>(&mut r, (f, g, h), x, opts);
    assoc_in::<Reverse, F, G, H>(&mut r, (f, g, h), x, opts);
    assoc_in::<Dense, F, G, H>(&mut r, (f, g, h), x, opts);
    r
}

fn projections_in<M: Jacobian, F: AnyMode, G: AnyMode<In = F::In>>(
    r: &mut Report,
    f: &F,
    g: &G,
    x: &F::In,
    o: &Options,
) {
    let (f, g) = (f.build::<M>(), g.build::<M>());
    let fg = fanout(&f, &g);
    same(
        r,
        "fst ∘ fanout(f, g) = f",
        &fg.then(&fst()),
        &f,
        x,
        Tol::BitForBit,
        o,
    );
    same(
        r,
        "snd ∘ fanout(f, g) = g",
        &fg.then(&snd()),
        &g,
        x,
        Tol::BitForBit,
        o,
    );
}

/// `fst ∘ fanout(f, g) = f` and `snd ∘ fanout(f, g) = g`, every mode.
///
/// ```
/// use lensdiff::check::{laws, Compiled, Options};
/// use lensdiff::Expr;
/// use nalgebra::{dvector, DVector};
/// let x = Expr::<f64>::var();
/// let f = Compiled::<DVector<f64>, f64>::new(x.sin().sum());
/// let g = Compiled::<DVector<f64>, DVector<f64>>::new(x.diff());
/// laws::projections(&f, &g, &dvector![0.3, 0.1], &Options::for_scalar::<f64>()).assert_ok();
/// ```
pub fn projections<F: AnyMode, G: AnyMode<In = F::In>>(
    f: &F,
    g: &G,
    x: &F::In,
    opts: &Options,
) -> Report {
    let mut r = Report::new(LAWS);
    projections_in::<Forward, F, G>(&mut r, f, g, x, opts);
    projections_in::<Reverse, F, G>(&mut r, f, g, x, opts);
    projections_in::<Dense, F, G>(&mut r, f, g, x, opts);
    r
}

fn par_in<M: Jacobian, F, G>(r: &mut Report, f: &F, g: &G, x: &(F::In, G::In), o: &Options)
where
    F: AnyMode,
    G: AnyMode<In: Space<Scalar = <F::In as Space>::Scalar>>,
{
    let (f, g) = (f.build::<M>(), g.build::<M>());
    let lhs = par(&f, &g);
    let rhs = fanout(&fst().then(&f), &snd().then(&g));
    same(
        r,
        "par(f, g) = fanout(f ∘ fst, g ∘ snd)",
        &lhs,
        &rhs,
        x,
        Tol::BitForBit,
        o,
    );
}

/// `par(f, g) = fanout(f ∘ fst, g ∘ snd)` on pairs, every mode.
///
/// ```
/// use lensdiff::check::{laws, Compiled, Options};
/// use lensdiff::Expr;
/// use nalgebra::{dvector, DVector};
/// let x = Expr::<f64>::var();
/// let f = Compiled::<DVector<f64>, DVector<f64>>::new(x.exp());
/// let g = Compiled::<f64, f64>::new(x.sin());
/// laws::par_as_fanout(&f, &g, &(dvector![0.3, 0.1], 2.0), &Options::for_scalar::<f64>())
///     .assert_ok();
/// ```
pub fn par_as_fanout<F, G>(f: &F, g: &G, x: &(F::In, G::In), opts: &Options) -> Report
where
    F: AnyMode,
    G: AnyMode<In: Space<Scalar = <F::In as Space>::Scalar>>,
{
    let mut r = Report::new(LAWS);
    par_in::<Forward, F, G>(&mut r, f, g, x, opts);
    par_in::<Reverse, F, G>(&mut r, f, g, x, opts);
    par_in::<Dense, F, G>(&mut r, f, g, x, opts);
    r
}

/// The chain rule: the reverse Jacobian of `f ; g` equals central
/// differences of its value, and equals `J_g(f(x)) · J_f(x)` (forward
/// Jacobians of the parts).
///
/// ```
/// use lensdiff::check::{laws, Compiled, Options};
/// use lensdiff::Expr;
/// use nalgebra::{dvector, DVector};
/// let x = Expr::<f64>::var();
/// let f = Compiled::<DVector<f64>, DVector<f64>>::new(x.tanh().diff());
/// let g = Compiled::<DVector<f64>, f64>::new(x.square().sum().sqrt());
/// laws::chain_rule(&f, &g, &dvector![0.3, 0.1, 0.9], &Options::for_scalar::<f64>()).assert_ok();
/// ```
pub fn chain_rule<F, G>(f: &F, g: &G, x: &F::In, opts: &Options) -> Report
where
    F: AnyMode,
    G: AnyMode<In = F::Out>,
{
    let mut r = Report::new(LAWS);
    let h = f.build::<Reverse>().then(&g.build::<Reverse>());
    let y = flat64(&h.eval(x));
    let input = format!("x = {}", show(&flat64(x)));
    let jh = mat64(&Reverse::jacobian(&h, x));
    if amax(&y) > opts.skip_above || jh.amax() > opts.skip_above {
        r.skip(format!(
            "chain rule: value or Jacobian too large at {input}"
        ));
        return r;
    }
    compare_fd(
        &mut r,
        "J_{f;g} = finite differences",
        Some(Reverse::NAME),
        &jh,
        |z: &F::In| h.eval(z),
        x,
        opts,
    );
    let (ff, gf) = (f.build::<Forward>(), g.build::<Forward>());
    let product = mat64(&Forward::jacobian(&gf, &ff.eval(x))) * mat64(&Forward::jacobian(&ff, x));
    compare_mat(
        &mut r,
        "J_{f;g} = J_g J_f",
        None,
        &jh,
        &product,
        None,
        opts,
        &input,
    );
    r
}

/// Every law with `f` placed inside compositions of structural maps:
/// identity; associativity of `f ; dup ; jam`; the projections of
/// `fanout(f, f)`; `par(f, f)` at `(x, x)`; the chain rule of `f`
/// followed by `½‖·‖²`. For random compositions of library primitives
/// around `f`, see the `proptest` feature's `check::strategies`.
///
/// ```
/// use lensdiff::check::{laws, AnyMode, Options};
/// use lensdiff::{ops, fanout, DFun, Mode};
/// use nalgebra::{dvector, DVector};
/// struct F;
/// impl AnyMode for F {
///     type In = DVector<f64>;
///     type Out = (f64, DVector<f64>);
///     fn build<M: Mode>(&self) -> DFun<Self::In, Self::Out, M> {
///         fanout(&ops::sum(), &ops::cos())
///     }
/// }
/// let r = laws::check_laws(&F, &dvector![0.1, 0.7], &Options::for_scalar::<f64>());
/// assert!(r.passed(), "{r}");
/// ```
pub fn check_laws<F: AnyMode>(f: &F, x: &F::In, opts: &Options) -> Report {
    let mut r = Report::new(LAWS);
    r.merge(identity(f, x, opts));
    r.merge(associativity(
        f,
        &Dup(PhantomData),
        &Jam(PhantomData),
        x,
        opts,
    ));
    r.merge(projections(f, f, x, opts));
    r.merge(par_as_fanout(f, f, &(x.clone(), x.clone()), opts));
    r.merge(chain_rule(f, &HalfNormSquared(PhantomData), x, opts));
    r.subject = format!("the laws around {}", std::any::type_name::<F>());
    r
}

/// [`check_laws`] with the settings of the scalar type, panicking with the
/// report if a law fails.
///
/// ```
/// use lensdiff::check::{laws, Compiled};
/// use lensdiff::Expr;
/// use nalgebra::{dvector, DVector};
/// let f = Compiled::<DVector<f64>, DVector<f64>>::new(Expr::var().tanh().diff2());
/// laws::assert_laws(&f, &dvector![0.5, -0.2, 0.3, 1.0]);
/// ```
#[track_caller]
pub fn assert_laws<F: AnyMode>(f: &F, x: &F::In) {
    check_laws(f, x, &Options::for_scalar::<<F::In as Space>::Scalar>()).assert_ok()
}

struct Dup<B>(PhantomData<fn() -> B>);
impl<B: Space> AnyMode for Dup<B> {
    type In = B;
    type Out = (B, B);
    fn build<M: Mode>(&self) -> DFun<B, (B, B), M> {
        dup()
    }
}

struct Jam<B>(PhantomData<fn() -> B>);
impl<B: Space> AnyMode for Jam<B> {
    type In = (B, B);
    type Out = B;
    fn build<M: Mode>(&self) -> DFun<(B, B), B, M> {
        jam()
    }
}

/// `y ↦ ½⟨y, y⟩` on any space: a nonlinear map to follow a user's map.
struct HalfNormSquared<B>(PhantomData<fn() -> B>);

/// The derivative of `½⟨y, y⟩` at `y`: `dy ↦ ⟨y, dy⟩`.
struct Covector<B: Space>(B);

impl<B: Space> LinearMap<B, B::Scalar> for Covector<B> {
    fn apply(&self, dx: &B) -> B::Scalar {
        self.0.dot(dx)
    }
    fn transpose_add(&self, dy: &B::Scalar, dx: &mut B) {
        let mut s = self.0.clone();
        s.scale_mut(*dy);
        dx.accumulate(&s);
    }
    fn dom_shape(&self) -> B::Shape {
        self.0.shape()
    }
    fn cod_shape(&self) {}
}

impl<B: Space> AnyMode for HalfNormSquared<B> {
    type In = B;
    type Out = B::Scalar;
    fn build<M: Mode>(&self) -> DFun<B, B::Scalar, M> {
        DFun::from_linear_map(|y: &B| {
            let half = <B::Scalar as crate::Real>::from_f64(0.5);
            (half * y.dot(y), Covector(y.clone()))
        })
    }
}
