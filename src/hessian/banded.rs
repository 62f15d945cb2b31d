//! Banded Hessians from a few Hessian-vector products, verified.
//!
//! [`hessian_banded`] runs every comb seed, plus one random probe vector,
//! in a single multi-tangent reverse sweep. Two checks guard the answer:
//!
//! * **The probe** `r` checks the extracted band row by row: row `i` of
//!   `H_band r − H r` must be small against that row's own magnitude
//!   `|(H r)_i| + Σ_j |H_band,ij| |r_j|`, else [`Error::BandwidthTooSmall`]
//!   (which names the half-bandwidth the sparsity tracer finds). A wrong
//!   bandwidth never returns a wrong Hessian silently, even when the
//!   missed coupling is tiny against the largest entry of the matrix.
//! * **The entrywise error bound** of the recovery: every entry carries a
//!   bound on its error, relative to the diagonal scale
//!   `max(|H_ij|, √|H_ii H_jj|)`. Symmetric substitution subtracts known
//!   entries from the products, so its bound grows with the magnitude of
//!   what was subtracted; when it exceeds `bound_tol`, the band is extracted
//!   again by CPR (direct reads, exact to rounding), unless
//!   [`BandOptions::fallback`] is off; an objective that keeps its programs
//!   ([`crate::CompiledObjective`]) remembers the fallback at that size and
//!   extracts by CPR at once from then on. [`BandedHessian`] reports the
//!   method that produced it and its bound.
//!
//! One sweep writes the products straight into the band storage; the
//! recovery, the bound and the probe check then read the band alone, the
//! last two in parallel passes (`band_checks.rs`): no n-long temporary
//! but the gradient and the probe's product.
//!
//! The gradient and the value come out of the same sweep.

use super::band_checks::check_band;
use super::comb_sink::CombSink;
use super::seeds::BandMethod;
use super::sweep::{Comb, Seeds, Sink, forget_width, sweep_into, try_sweep, widths_of};
use crate::banded::SymBanded;
use crate::erased::Erased;
use crate::error::check_finite;
use crate::scratch;
use crate::{Error, Objective};
use nalgebra::DVector;

/// Options of [`hessian_banded_with`].
///
/// ```
/// use lensdiff::hessian::{BandOptions, BandMethod};
/// let o = BandOptions { method: BandMethod::Cpr, ..BandOptions::default() };
/// assert!(o.verify && o.fallback);
/// assert_eq!((o.tol, o.bound_tol), (1e-6, 1e-8));
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BandOptions {
    /// How to recover the band (default: [`BandMethod::Substitution`], the
    /// fewest products; see `notes/banded-hessian.md` for the accuracy
    /// figures behind the choice).
    pub method: BandMethod,
    /// Check the band with one extra random product (default `true`).
    pub verify: bool,
    /// Largest accepted residual of a probe row relative to the row's
    /// magnitude (default `1e-6`: a missed coupling shows at order one, and
    /// rounding in the products of an objective with cancellations can
    /// reach `1e-8`).
    pub tol: f64,
    /// Largest accepted entrywise error bound, relative to the diagonal
    /// scale (default `1e-8`); above it substitution falls back to CPR.
    pub bound_tol: f64,
    /// Seed of the probe vector (default fixed, so runs are repeatable).
    pub seed: u64,
    /// When substitution's entrywise error bound exceeds `bound_tol`, extract the
    /// band again by CPR (default `true`; one more sweep of `2k + 1`
    /// products, only when needed).
    pub fallback: bool,
    /// The most entries the band `n (k + 1)` may have (default `2²⁷`, 1 GB
    /// of `f64`): past it [`Error::BandTooLarge`] before any memory is
    /// taken, where a dense Hessian's band (`k = n − 1`) at `n = 2·10⁵`
    /// would ask for `2·10¹⁰`.
    pub max_entries: usize,
}

impl Default for BandOptions {
    fn default() -> Self {
        BandOptions {
            method: BandMethod::Substitution,
            verify: true,
            tol: crate::probe::DEFAULT_TOL,
            bound_tol: 1e-8,
            seed: crate::probe::DEFAULT_SEED,
            fallback: true,
            max_entries: 1 << 27,
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
    /// Hessian-vector products used (the probe and a CPR fallback
    /// included).
    pub hvps: usize,
    /// The row-wise verification residual, when verified.
    pub residual: Option<f64>,
    /// The method that produced `band` ([`BandMethod::Cpr`] after a
    /// fallback from substitution).
    pub method: BandMethod,
    /// The largest entrywise error bound, relative to the diagonal scale
    /// `max(|H_ij|, √|H_ii H_jj|)`: `|H_band,ij − H_ij| ≲ error_bound ·
    /// max(|H_ij|, √|H_ii H_jj|)`. Where that scale vanishes, the rows'
    /// `√(m_i m_j)` (`m_i = Σ_j |H_ij|`) takes its place, and where a row
    /// vanishes too (a variable the objective does not use), the largest
    /// `m_i`. It models each product's rounding as a few ulps of its row's
    /// magnitude and adds what substitution subtracted.
    pub error_bound: f64,
}

/// The banded Hessian of `f` at `x` for half-bandwidth `k`, with the
/// default options (verified; substitution, with CPR when substitution
/// cannot guarantee every entry).
///
/// ```
/// use lensdiff::hessian::{hessian, hessian_banded};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
/// struct Tri;
/// impl Objective for Tri {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(50, |i, _| (0.7 * i as f64).sin());
/// let band = hessian_banded(&Tri, &x, 1).unwrap();
/// let dense = hessian(&Tri, &x).unwrap();
/// assert!((band.to_dmatrix() - dense).amax() < 1e-12);
/// ```
pub fn hessian_banded<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    k: usize,
) -> Result<SymBanded<f64>, Error> {
    hessian_banded_with(obj, x, k, &BandOptions::default()).map(|b| b.band)
}

/// The banded Hessian, value and gradient of `f` at `x` (one sweep; two
/// when substitution falls back to CPR).
///
/// ```
/// use lensdiff::hessian::{hessian_banded_with, BandOptions, BandMethod};
/// use lensdiff::Error;
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(100, |i, _| (0.7 * i as f64).sin());
/// let opts = BandOptions { method: BandMethod::Cpr, ..Default::default() };
/// let h = hessian_banded_with(&Penta, &x, 2, &opts).unwrap();
/// assert_eq!(h.hvps, 6); // 2k+1 comb seeds and the probe
/// assert_eq!(h.method, BandMethod::Cpr);
/// assert!(h.error_bound < 1e-13);
/// // The Hessian has k = 2: asking for k = 1 is caught by the probe, and the
/// // error names the half-bandwidth the sparsity tracer finds.
/// let err = hessian_banded_with(&Penta, &x, 1, &opts).unwrap_err();
/// assert!(matches!(err, Error::BandwidthTooSmall { k: 1, detected: Some(2), .. }));
/// ```
pub fn hessian_banded_with<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    k: usize,
    opts: &BandOptions,
) -> Result<BandedHessian, Error> {
    banded_erased(&Erased::new(obj), x, k, opts)
}

/// [`hessian_banded_with`], compiled once (see `crate::erased`).
fn banded_erased(
    obj: &Erased<'_>,
    x: &DVector<f64>,
    k: usize,
    opts: &BandOptions,
) -> Result<BandedHessian, Error> {
    let n = x.len();
    check_finite("x", x.as_slice())?;
    crate::objective::check_dimension("hessian_banded", obj, n)?;
    for (name, v) in [("tol", opts.tol), ("bound_tol", opts.bound_tol)] {
        if v.is_nan() || v < 0.0 {
            return Err(Error::InvalidArgument {
                op: "hessian_banded",
                reason: format!("{name} must be a non-negative number, got {v}"),
            });
        }
    }
    // A band at least as wide as the matrix is the whole matrix.
    let k = k.min(n - 1);
    let entries = n.saturating_mul(k + 1);
    if entries > opts.max_entries {
        return Err(Error::BandTooLarge {
            n,
            k,
            entries,
            limit: opts.max_entries,
        });
    }
    // An objective that keeps its programs remembers a fallback at this
    // size: then CPR at once, one sweep instead of two.
    let cache = obj.programs();
    let method = match opts.method {
        BandMethod::Substitution if opts.fallback && cache.is_some_and(|c| c.fell_back(n, k)) => {
            BandMethod::Cpr
        }
        m => m,
    };
    let first = extract(obj, x, k, method, opts)?;
    let switch = first.extracted.error_bound > opts.bound_tol && opts.fallback;
    if !switch || method == BandMethod::Cpr {
        return verified(obj, x, first, opts);
    }
    if let Some(c) = cache {
        c.note_fallback(n, k);
        // Later extractions at this size go to CPR at once: substitution's
        // program at its tangent widths is not needed again, and a program
        // that runs whole-vector keeps n-long tape buffers per slot (at
        // the bounded cart-pole's N = 10⁵, hundreds of MB kept to the end
        // of the solve). Widths CPR shares are kept.
        let seeds = |m: BandMethod| m.products(n, k) + usize::from(opts.verify);
        let cpr = widths_of(seeds(BandMethod::Cpr));
        for w in widths_of(seeds(method)) {
            if !cpr.contains(&w) {
                forget_width(c, w);
            }
        }
    }
    let spent = first.extracted.hvps;
    drop(first);
    let mut cpr = extract(obj, x, k, BandMethod::Cpr, opts)?;
    cpr.extracted.hvps += spent;
    verified(obj, x, cpr, opts)
}

/// A band before its probe check (its residual measured, not judged).
struct Unverified {
    extracted: BandedHessian,
}

/// One sweep of the seeds of `method` and the probe, the products written
/// into the band as they come ([`CombSink`]), then the recovery in place
/// and the bound: no n-long temporary but the gradient and the probe's
/// two vectors.
fn extract<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    k: usize,
    method: BandMethod,
    opts: &BandOptions,
) -> Result<Unverified, Error> {
    let n = x.len();
    // Seeds entry by entry, the probe's too: no n-long seed.
    let seed = opts.verify.then_some(opts.seed);
    let seeds = Comb {
        period: method.period(k),
        count: method.products(n, k),
        probe: seed,
    };
    let mut band = SymBanded::zeros(n, k);
    scratch::prefault(band.as_mut_slice());
    let (value, gradient, hr) = comb_sweep(obj, x, k, method, &seeds, band.as_mut_slice())?;
    method.recover_in_place(n, k, band.as_mut_slice());
    let probe = seed.zip(hr.as_deref());
    let (error_bound, residual) =
        check_band(method, &band, probe).map_err(|column| Error::NonFinite {
            what: "Hessian-vector product",
            index: Some(column),
        })?;
    if let Some(hr) = hr {
        scratch::give(hr);
    }
    Ok(Unverified {
        extracted: BandedHessian {
            value,
            gradient: DVector::from_vec(gradient),
            band,
            hvps: seeds.count(),
            residual,
            method,
            error_bound,
        },
    })
}

/// `f(x)`, `∇f(x)` and, when verifying, the probe's product `H r`.
type Swept = (f64, Vec<f64>, Option<Vec<f64>>);

/// `f(x)`, `∇f(x)` and the probe's product, the comb products into `ab`
/// in [`CombSink`]'s layout: on the tiled engine straight from the sweep,
/// else from stored products.
fn comb_sweep<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    k: usize,
    method: BandMethod,
    seeds: &Comb,
    ab: &mut [f64],
) -> Result<Swept, Error> {
    let n = x.len();
    let mut grad = scratch::zeros(n);
    let mut hr = seeds.probe.map(|_| scratch::take(n));
    let sink = CombSink {
        offset: 0,
        k,
        period: seeds.period,
        combs: seeds.count,
        grad: &mut grad,
        band: ab,
        probe: hr.as_deref_mut(),
    };
    let value = match sweep_into(obj, x.as_slice(), seeds, Sink::Comb(sink)) {
        Some(value) => value,
        None => {
            let mut s = try_sweep(obj, x.as_slice(), seeds)?;
            if let Some(hr) = &mut hr {
                scratch::give(std::mem::replace(hr, s.prods.pop().expect("probe product")));
            }
            method.scatter(n, k, &s.prods, ab);
            s.prods.into_iter().for_each(scratch::give);
            grad = s.grad;
            s.value
        }
    };
    check_finite("f(x)", &[value])?;
    check_finite("gradient", &grad)?;
    if let Some(hr) = &hr {
        check_finite("Hessian-vector product", hr)?;
    }
    Ok((value, grad, hr))
}

/// The band after its probe check: [`Error::BandwidthTooSmall`] when a row
/// of the probe disagrees.
fn verified<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    u: Unverified,
    opts: &BandOptions,
) -> Result<BandedHessian, Error> {
    let h = u.extracted;
    if let Some(res) = h.residual
        && (res.is_nan() || res > opts.tol)
    {
        return Err(Error::BandwidthTooSmall {
            k: h.band.k(),
            residual: res,
            detected: detected_bandwidth(obj, x),
        });
    }
    Ok(h)
}

/// The half-bandwidth of the pattern the sparsity tracer finds at `x`
/// (`None` when detection fails), for the error message: no pattern is
/// built, so a dense Hessian costs one traced evaluation, not `n²`.
fn detected_bandwidth<O: Objective + ?Sized>(obj: &O, x: &DVector<f64>) -> Option<usize> {
    crate::sparsity::hessian_bandwidth(obj, x).ok()
}
