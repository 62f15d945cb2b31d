//! Banded Hessians without guessing the bandwidth: detect the pattern,
//! take its half-bandwidth `k`, and extract the band with `k`.

use super::hessian_pattern;
use crate::hessian::{BandOptions, BandedHessian, hessian_banded_with};
use crate::{Error, Objective};
use nalgebra::DVector;

/// The detected half-bandwidth `k` and the banded Hessian extracted with
/// it (verified as configured in `opts`).
///
/// ```
/// use lensdiff::{sparsity::hessian_banded_auto, hessian::{hessian, BandOptions}};
/// use lensdiff::problems::{Robot2d, Problem};
/// let p = Robot2d::new(10);
/// let (k, h) = hessian_banded_auto(&p, &p.x0(), &BandOptions::default()).unwrap();
/// assert_eq!(k, 4);
/// assert!((h.band.to_dmatrix() - hessian(&p, &p.x0()).unwrap()).amax() < 1e-8);
/// ```
pub fn hessian_banded_auto<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    opts: &BandOptions,
) -> Result<(usize, BandedHessian), Error> {
    let k = hessian_pattern(obj, x)?.bandwidth();
    hessian_banded_with(obj, x, k, opts).map(|h| (k, h))
}
