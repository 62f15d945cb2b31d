//! Step sizes and tolerances, chosen per scalar type.
//!
//! Every check compares two computations of one quantity. Two kinds occur:
//!
//! * **exact** comparisons (forward against reverse Jacobians, the
//!   adjointness identity, the value path against the linearised one, the
//!   category laws): the two sides differ only by rounding, so the
//!   tolerance is a few hundred machine epsilons of the scalar type, scaled
//!   by the magnitudes and by `√(dimension)` (rounding errors of a sum of
//!   `n` terms grow like `√n` in practice);
//! * **finite differences**: a five-point central stencil (error `O(h⁴)`)
//!   at the step `h = ε^{1/5}` that balances truncation against round-off,
//!   scaled by the size of the point and shrunk where the map varies fast.
//!   The differences are taken at `h` and `h/2`; their disagreement
//!   estimates the truncation error and widens the tolerance, so a rapidly
//!   varying map does not fail for the oracle's sake while a wrong
//!   derivative (an `O(1)` relative error) still does.

use crate::Real;

/// Settings of every check: tolerances, finite-difference steps, the seed
/// of the random directions.
///
/// ```
/// use lensdiff::check::Options;
/// let d = Options::for_scalar::<f64>();
/// let s = Options::for_scalar::<f32>();
/// assert!(d.fd_step < s.fd_step && d.exact_tol < s.exact_tol);
/// assert!((d.fd_step - f64::EPSILON.powf(0.2)).abs() < 1e-12);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// Relative tolerance of the exact comparisons (before scaling by the
    /// magnitudes and the dimension).
    pub exact_tol: f64,
    /// Relative tolerance of finite differences (before adding the
    /// round-off estimate and the Richardson spread).
    pub fd_tol: f64,
    /// The base finite-difference step (scaled by `max(1, ‖x‖∞)`).
    pub fd_step: f64,
    /// How many random tangent/cotangent pairs the adjointness and
    /// Hessian checks draw.
    pub directions: usize,
    /// The seed of those directions (checks are reproducible).
    pub seed: u64,
    /// A point whose value is not finite or exceeds this magnitude is
    /// skipped (the report says so): nothing can be compared there.
    pub skip_above: f64,
}

impl Options {
    /// The settings for scalar type `S`, derived from its machine epsilon
    /// `ε`: `exact_tol = 512ε`, `fd_step = ε^{1/5}`, `fd_tol = ε^{3/8}`
    /// (`1.4e-6` for `f64`, `2.5e-3` for `f32`).
    ///
    /// ```
    /// use lensdiff::check::Options;
    /// let o = Options::for_scalar::<f64>();
    /// assert!(o.fd_tol > 1e-7 && o.fd_tol < 1e-5);
    /// ```
    pub fn for_scalar<S: Real>() -> Self {
        let eps = <S as num_traits::Float>::epsilon().value_f64();
        Options {
            exact_tol: 512.0 * eps,
            fd_tol: eps.powf(0.375),
            fd_step: eps.powf(0.2),
            directions: 3,
            seed: 0x5EED_1E45_D1FF,
            skip_above: 1e8,
        }
    }

    /// The same settings with another seed for the random directions.
    ///
    /// ```
    /// use lensdiff::check::Options;
    /// assert_eq!(Options::for_scalar::<f64>().with_seed(7).seed, 7);
    /// ```
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The tolerance of an exact comparison of quantities of magnitude up
    /// to `magnitude` built from `dim` numbers.
    pub(crate) fn exact(&self, magnitude: f64, dim: usize) -> f64 {
        self.exact_tol * (1.0 + magnitude) * (dim.max(1) as f64).sqrt()
    }
}

/// A small deterministic generator (SplitMix64) for the random directions:
/// the checks must be reproducible without a dependency.
pub(crate) struct Directions(u64);

impl Directions {
    pub(crate) fn new(seed: u64) -> Self {
        Directions(seed)
    }

    /// A number uniform in `[-1, 1)`.
    pub(crate) fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        2.0 * ((z >> 11) as f64 / (1u64 << 53) as f64) - 1.0
    }

    /// A vector of `S` with `n` entries uniform in `[-1, 1)`.
    pub(crate) fn vec<S: Real>(&mut self, n: usize) -> Vec<S> {
        (0..n).map(|_| S::from_f64(self.next())).collect()
    }
}
