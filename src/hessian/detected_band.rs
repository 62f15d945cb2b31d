//! Banded Hessians without guessing the bandwidth: trace the objective
//! for the half-bandwidth `k` of its Hessian pattern (no pattern is kept),
//! and extract the band with `k`.

use super::{BandOptions, BandedHessian, hessian_banded_with};
use crate::sparsity::hessian_bandwidth;
use crate::{Error, Objective};
use nalgebra::DVector;

/// The detected half-bandwidth `k` and the banded Hessian extracted with
/// it (verified as configured in `opts`).
///
/// ```
/// use lensdiff::hessian::{hessian, hessian_banded_auto, BandOptions};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(12, |i, _| (0.7 * i as f64).sin());
/// let (k, h) = hessian_banded_auto(&Penta, &x, &BandOptions::default()).unwrap();
/// assert_eq!(k, 2); // found by the sparsity tracer
/// assert!((h.band.to_dmatrix() - hessian(&Penta, &x).unwrap()).amax() < 1e-10);
/// ```
pub fn hessian_banded_auto<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    opts: &BandOptions,
) -> Result<(usize, BandedHessian), Error> {
    let k = hessian_bandwidth(obj, x)?;
    hessian_banded_with(obj, x, k, opts).map(|h| (k, h))
}
