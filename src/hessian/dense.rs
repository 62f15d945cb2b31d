//! The dense Hessian, for small problems and as the oracle of the tests:
//! `n` Hessian-vector products with the unit vectors, 16 per sweep.

use super::sweep::sweep;
use crate::erased::Erased;
use crate::error::check_finite;
use crate::objective::check_dimension;
use crate::{Error, Objective};
use nalgebra::{DMatrix, DVector};

/// The dense Hessian `∇²f(x)` (O(n²) memory: small problems only).
///
/// Errors as [`crate::hessian::hessian_banded`] does: an `x` of length 0
/// is [`Error::InvalidArgument`], a length the objective cannot take (a
/// stencil at `n = 1`) is [`Error::DimensionMismatch`], a non-finite `x`,
/// value or product is [`Error::NonFinite`].
///
/// ```
/// use lensdiff::{Objective, Expr, Real, hessian::hessian};
/// use nalgebra::dvector;
/// struct Quad; // f(x) = x₀² x₁
/// impl Objective for Quad {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.at(0).square() * x.at(1) }
/// }
/// let h = hessian(&Quad, &dvector![1.0, 2.0]).unwrap();
/// assert_eq!(h, nalgebra::dmatrix![4.0, 2.0; 2.0, 0.0]);
/// ```
pub fn hessian<O: Objective + ?Sized>(obj: &O, x: &DVector<f64>) -> Result<DMatrix<f64>, Error> {
    dense_erased(&Erased::new(obj), x)
}

/// [`hessian`], compiled once (see `crate::erased`).
fn dense_erased(obj: &Erased<'_>, x: &DVector<f64>) -> Result<DMatrix<f64>, Error> {
    check_finite("x", x.as_slice())?;
    let n = x.len();
    check_dimension("hessian", obj, n)?;
    let mut h = DMatrix::zeros(n, n);
    let mut start = 0;
    while start < n {
        let end = (start + 16).min(n);
        let seeds: Vec<Vec<f64>> = (start..end)
            .map(|j| {
                let mut e = vec![0.0; n];
                e[j] = 1.0;
                e
            })
            .collect();
        let refs: Vec<&[f64]> = seeds.iter().map(|s| s.as_slice()).collect();
        let s = sweep(obj, x.as_slice(), &refs[..]);
        check_finite("f(x)", &[s.value])?;
        for (c, p) in s.prods.iter().enumerate() {
            check_finite("Hessian", p)?;
            h.column_mut(start + c)
                .copy_from(&DVector::from_column_slice(p));
        }
        start = end;
    }
    Ok(h)
}
