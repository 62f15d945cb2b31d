//! The random probe that verifies an extracted derivative matrix, shared
//! by banded Hessians and sparse Hessians and Jacobians.
//!
//! One extra product `A r` with a random `r` is compared with the
//! extracted matrix times `r`, **row by row**: row `i`'s residual is
//! measured against that row's own magnitude `|(A r)_i| + Σ_j |A_ij| |r_j|`,
//! not against the largest entry of the matrix. A coupling that is small
//! against the matrix but not against its own row (a dense last row of
//! order one beside a diagonal of 10¹⁶) therefore fails the check instead
//! of drowning in the matrix's norm.

/// The probe seed and row tolerance of the verified extractions, unless
/// their options say otherwise.
pub(crate) const DEFAULT_SEED: u64 = 0x9e37_79b9_7f4a_7c15;
/// See [`DEFAULT_SEED`].
pub(crate) const DEFAULT_TOL: f64 = 1e-6;

/// A deterministic probe vector with entries in [−1, 1]: entry `i` is
/// [`probe_entry`]`(seed, i)`.
pub(crate) fn probe(n: usize, seed: u64) -> Vec<f64> {
    let mut r = crate::scratch::take(n);
    for (i, v) in r.iter_mut().enumerate() {
        *v = probe_entry(seed, i);
    }
    r
}

/// Entry `i` of the probe of `seed`, in [−1, 1]: a hash of `(seed, i)`
/// (splitmix64's finaliser), so that any entry is had without the others
/// and a banded extraction never stores the probe.
#[inline]
pub(crate) fn probe_entry(seed: u64, i: usize) -> f64 {
    let mut z = seed.wrapping_add((i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    ((z >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
}

/// The largest row residual `|y_i − (A r)_i| / (|(A r)_i| + (|A| |r|)_i)`,
/// where `y = A_extracted r`, `exact = A r` from the derivative and
/// `abs_y = |A_extracted| |r|`. Rows whose scale is below `ε²` times the
/// largest row scale are measured against that floor (rounding noise in an
/// all-but-zero row is not a mismatch). 0 when every row vanishes; NaN
/// when an input is NaN.
pub(crate) fn row_residual(y: &[f64], exact: &[f64], abs_y: &[f64]) -> f64 {
    let scale = |i: usize| exact[i].abs() + abs_y[i];
    let floor = floor_of((0..y.len()).map(scale).fold(0.0, f64::max));
    let mut worst: f64 = 0.0;
    for i in 0..y.len() {
        let ratio = row_ratio((y[i] - exact[i]).abs(), scale(i), floor);
        if ratio.is_nan() {
            return f64::NAN;
        }
        worst = worst.max(ratio);
    }
    worst
}

/// The scale below which a row is measured against the floor: `ε²` times
/// the largest row scale `top`.
pub(crate) fn floor_of(top: f64) -> f64 {
    top * f64::EPSILON * f64::EPSILON
}

/// One row's residual: its difference `diff` against its `scale`, or
/// against `floor` when that is larger; NaN when `diff` is.
#[inline]
pub(crate) fn row_ratio(diff: f64, scale: f64, floor: f64) -> f64 {
    if diff.is_nan() {
        f64::NAN
    } else if diff > 0.0 {
        diff / scale.max(floor)
    } else {
        0.0
    }
}
