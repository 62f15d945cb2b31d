//! Hessian-vector products by nesting forward mode over reverse mode.

use super::sweep::{sweep, try_sweep};
use crate::dual::DualN;
use crate::error::check_finite;
use crate::graph::Output;
use crate::{Error, Objective};
use nalgebra::DVector;

/// `H(x) v`: the reverse-mode gradient of `f` run over dual numbers at
/// `x + εv` (forward over reverse), at the cost of about two gradients.
/// Panics at the caller's line when `v` is not of `x`'s length or the
/// objective cannot take `x` ([`try_hvp`] returns the error instead).
///
/// ```
/// use lensdiff::{Objective, Expr, Real, hessian::hvp};
/// use nalgebra::dvector;
/// struct Cubic; // f(x) = Σ x³, H = diag(6x)
/// impl Objective for Cubic {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.powi(3).sum() }
/// }
/// let hv = hvp(&Cubic, &dvector![1.0, 2.0], &dvector![1.0, 1.0]);
/// assert_eq!(hv, dvector![6.0, 12.0]);
/// ```
#[track_caller]
pub fn hvp<O: Objective + ?Sized>(obj: &O, x: &DVector<f64>, v: &DVector<f64>) -> DVector<f64> {
    if let Err(e) = check_hvp_lengths(obj, x, v) {
        panic!("{e}");
    }
    let s = sweep(obj, x.as_slice(), &[v.as_slice()][..]);
    // The gradient goes back to the pool: the next product finds it mapped.
    crate::scratch::give(s.grad);
    DVector::from_vec(s.prods.into_iter().next().expect("one product"))
}

/// [`hvp`], with an error instead of a panic: [`Error::DimensionMismatch`]
/// when `v` is not of `x`'s length, [`Error::InputLength`] when the
/// objective cannot take `x`, [`Error::NonFinite`] for a non-finite `x`,
/// `v` or product.
///
/// ```
/// use lensdiff::{Objective, Expr, Real, Error, hessian::try_hvp};
/// use nalgebra::dvector;
/// struct Cubic; // f(x) = Σ x³, H = diag(6x)
/// impl Objective for Cubic {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.powi(3).sum() }
/// }
/// let x = dvector![1.0, 2.0, 3.0];
/// assert_eq!(try_hvp(&Cubic, &x, &dvector![1.0, 0.0, 1.0]), Ok(dvector![6.0, 0.0, 18.0]));
/// assert_eq!(
///     try_hvp(&Cubic, &x, &dvector![1.0, 0.0]),
///     Err(Error::DimensionMismatch { op: "hvp (direction v)", expected: 3, found: 2 })
/// );
/// ```
pub fn try_hvp<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    v: &DVector<f64>,
) -> Result<DVector<f64>, Error> {
    check_hvp_lengths(obj, x, v)?;
    check_finite("x", x.as_slice())?;
    check_finite("direction", v.as_slice())?;
    let s = try_sweep(obj, x.as_slice(), &[v.as_slice()][..])?;
    crate::scratch::give(s.grad);
    Ok(DVector::from_vec(
        s.prods.into_iter().next().expect("one product"),
    ))
}

/// `v` of `x`'s length, and `x` a point the objective takes.
fn check_hvp_lengths<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    v: &DVector<f64>,
) -> Result<(), Error> {
    if v.len() != x.len() {
        return Err(Error::DimensionMismatch {
            op: "hvp (direction v)",
            expected: x.len(),
            found: v.len(),
        });
    }
    check_point(obj, x)
}

/// `x` a point the objective takes, with a scalar value (checked on the
/// program a one-product sweep runs, so a cached objective that computed
/// an HVP compiles nothing new).
fn check_point<O: Objective + ?Sized>(obj: &O, x: &DVector<f64>) -> Result<(), Error> {
    let prog = crate::objective::program_of::<DualN<f64, 1>, _>(obj);
    let lens = prog.check_inputs(&[x.len()])?;
    <f64 as Output>::shape_of_slot(lens[prog.output])
}

/// `f(x)`, `∇f(x)` and `H(x) v_c` for each `v_c`, in one reverse sweep over
/// multi-tangent duals (up to 16 products per sweep), with errors for
/// non-finite inputs or results.
///
/// ```
/// use lensdiff::{Objective, Expr, Real, hessian::value_and_grad_hvps};
/// use nalgebra::dvector;
/// struct Quad; // f(x) = x₀ x₁
/// impl Objective for Quad {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.at(0) * x.at(1) }
/// }
/// let (f, g, hv) = value_and_grad_hvps(&Quad, &dvector![2.0, 3.0],
///     &[dvector![1.0, 0.0], dvector![0.0, 1.0]]).unwrap();
/// assert_eq!((f, g), (6.0, dvector![3.0, 2.0]));
/// assert_eq!(hv, vec![dvector![0.0, 1.0], dvector![1.0, 0.0]]);
/// ```
#[allow(clippy::type_complexity)]
pub fn value_and_grad_hvps<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    vs: &[DVector<f64>],
) -> Result<(f64, DVector<f64>, Vec<DVector<f64>>), Error> {
    check_finite("x", x.as_slice())?;
    check_point(obj, x)?;
    for v in vs {
        if v.len() != x.len() {
            return Err(Error::DimensionMismatch {
                op: "value_and_grad_hvps",
                expected: x.len(),
                found: v.len(),
            });
        }
        check_finite("direction", v.as_slice())?;
    }
    let seeds: Vec<&[f64]> = vs.iter().map(|v| v.as_slice()).collect();
    let s = try_sweep(obj, x.as_slice(), &seeds[..])?;
    Ok((
        s.value,
        DVector::from_vec(s.grad),
        s.prods.into_iter().map(DVector::from_vec).collect(),
    ))
}
