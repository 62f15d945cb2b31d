//! Banded Hessians from a few Hessian-vector products, verified.
//!
//! [`hessian_banded`] runs every comb seed, plus one random probe vector,
//! in a single multi-tangent reverse sweep; the probe `r` checks the
//! extracted band: `‖H_band r − H r‖∞` must be small against
//! `‖H r‖∞ + max|H_band| ‖r‖∞`, else [`Error::BandwidthTooSmall`]. A wrong
//! bandwidth never returns a wrong Hessian silently. The gradient and the
//! value come out of the same sweep.

use super::seeds::BandMethod;
use super::sweep::try_sweep;
use crate::banded::SymBanded;
use crate::derive::check_finite;
use crate::{Error, Expr, Objective};
use nalgebra::DVector;

/// Options of [`hessian_banded_with`].
///
/// ```
/// use lensdiff::hessian::{BandOptions, BandMethod};
/// let o = BandOptions { method: BandMethod::Cpr, ..BandOptions::default() };
/// assert!(o.verify);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandOptions {
    /// How to recover the band (default: [`BandMethod::Substitution`], the
    /// fewest products; see `notes/banded-hessian.md` for the accuracy
    /// figures behind the choice).
    pub method: BandMethod,
    /// Check the band with one extra random product (default `true`).
    pub verify: bool,
    /// Largest accepted relative verification residual (default `1e-8`).
    pub tol: f64,
    /// Seed of the probe vector (default fixed, so runs are repeatable).
    pub seed: u64,
}

impl Default for BandOptions {
    fn default() -> Self {
        BandOptions {
            method: BandMethod::Substitution,
            verify: true,
            tol: 1e-8,
            seed: 0x9e37_79b9_7f4a_7c15,
        }
    }
}

/// A banded Hessian with the value and gradient from the same sweep.
#[derive(Debug, Clone)]
pub struct BandedHessian {
    /// `f(x)`.
    pub value: f64,
    /// `∇f(x)`.
    pub gradient: DVector<f64>,
    /// `∇²f(x)` in upper LAPACK band storage.
    pub band: SymBanded<f64>,
    /// Hessian-vector products used (the probe included).
    pub hvps: usize,
    /// The verification residual, when verified.
    pub residual: Option<f64>,
}

/// A deterministic probe vector with entries in [−1, 1] (xorshift64*).
pub(crate) fn probe(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s >> 12;
            s ^= s << 25;
            s ^= s >> 27;
            let u = s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
            (u as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

/// Checks that the objective accepts vectors of length `n`.
pub(crate) fn check_dimension<O: Objective + ?Sized>(obj: &O, n: usize) -> Result<(), Error> {
    let e = obj.build::<f64>(Expr::var());
    let out = e.check(&[n])?;
    if out != 1 {
        return Err(Error::DimensionMismatch {
            op: "objective output",
            expected: 1,
            found: out,
        });
    }
    Ok(())
}

/// The banded Hessian of `f` at `x` for half-bandwidth `k`, with the
/// default options (verified).
///
/// ```
/// use lensdiff::{Objective, hessian::{hessian, hessian_banded}, problems::{Chain1, Problem}};
/// let p = Chain1::new(50);
/// let x = p.x0();
/// let band = hessian_banded(&p, &x, 1).unwrap();
/// let dense = hessian(&p, &x).unwrap();
/// assert!((band.to_dmatrix() - dense).amax() < 1e-12);
/// ```
pub fn hessian_banded<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    k: usize,
) -> Result<SymBanded<f64>, Error> {
    hessian_banded_with(obj, x, k, &BandOptions::default()).map(|b| b.band)
}

/// The banded Hessian, value and gradient of `f` at `x` (one sweep).
///
/// ```
/// use lensdiff::{hessian::{hessian_banded_with, BandOptions, BandMethod}, problems::{Accel2, Problem}, Error};
/// let p = Accel2::new(100);
/// let opts = BandOptions { method: BandMethod::Cpr, ..Default::default() };
/// let h = hessian_banded_with(&p, &p.x0(), 2, &opts).unwrap();
/// assert_eq!(h.hvps, 6); // 2k+1 comb seeds and the probe
/// // accel2 has k = 2: asking for k = 1 is caught by the probe.
/// let err = hessian_banded_with(&p, &p.x0(), 1, &opts).unwrap_err();
/// assert!(matches!(err, Error::BandwidthTooSmall { k: 1, .. }));
/// ```
pub fn hessian_banded_with<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    k: usize,
    opts: &BandOptions,
) -> Result<BandedHessian, Error> {
    let n = x.len();
    check_finite("x", x.as_slice())?;
    check_dimension(obj, n)?;
    if opts.tol.is_nan() || opts.tol < 0.0 {
        return Err(Error::InvalidArgument {
            op: "hessian_banded",
            reason: format!("tol must be a non-negative number, got {}", opts.tol),
        });
    }
    // A band at least as wide as the matrix is the whole matrix.
    let k = k.min(n.saturating_sub(1));
    let mut seeds = opts.method.seeds(n, k);
    if opts.verify {
        seeds.push(probe(n, opts.seed));
    }
    let refs: Vec<&[f64]> = seeds.iter().map(|s| s.as_slice()).collect();
    let s = try_sweep(obj, x.as_slice(), &refs)?;
    let band = opts.method.recover(n, k, &s.prods);
    let residual = if opts.verify {
        let r = seeds.last().expect("probe");
        let hr = s.prods.last().expect("probe product");
        let res = verification_residual(&band, r, hr);
        if res.is_nan() || res > opts.tol {
            return Err(Error::BandwidthTooSmall { k, residual: res });
        }
        Some(res)
    } else {
        None
    };
    Ok(BandedHessian {
        value: s.value,
        gradient: DVector::from_vec(s.grad),
        band,
        hvps: seeds.len(),
        residual,
    })
}

/// `‖H_band r − H r‖∞ / (‖H r‖∞ + max|H_band| ‖r‖∞)` (0 when both vanish).
fn verification_residual(band: &SymBanded<f64>, r: &[f64], hr: &[f64]) -> f64 {
    let mut y = vec![0.0; r.len()];
    band.mul_vec_into(r, &mut y)
        .expect("probe and band have the same length");
    relative_residual(&y, hr, amax(band.as_slice()), r)
}

fn amax(v: &[f64]) -> f64 {
    v.iter().map(|a| a.abs()).fold(0.0, f64::max)
}

/// `‖y − H r‖∞ / (‖H r‖∞ + h_max ‖r‖∞)` (0 when both vanish), where `y`
/// is the extracted matrix times the probe `r` and `h_max` its largest
/// entry in magnitude.
pub(crate) fn relative_residual(y: &[f64], hr: &[f64], h_max: f64, r: &[f64]) -> f64 {
    let diff = y
        .iter()
        .zip(hr)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    let scale = amax(hr) + h_max * amax(r);
    if scale == 0.0 { diff } else { diff / scale }
}
