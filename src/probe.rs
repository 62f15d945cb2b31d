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

/// A deterministic probe vector with entries in [−1, 1] (xorshift64*).
pub(crate) fn probe(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed | 1;
    let mut r = crate::scratch::take(n);
    for v in r.iter_mut() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        let u = s.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        *v = (u as f64 / (1u64 << 53) as f64) * 2.0 - 1.0;
    }
    r
}

/// The largest row residual `|y_i − (A r)_i| / (|(A r)_i| + (|A| |r|)_i)`,
/// where `y = A_extracted r`, `exact = A r` from the derivative and
/// `abs_y = |A_extracted| |r|`. Rows whose scale is below `ε²` times the
/// largest row scale are measured against that floor (rounding noise in an
/// all-but-zero row is not a mismatch). 0 when every row vanishes; NaN
/// when an input is NaN.
pub(crate) fn row_residual(y: &[f64], exact: &[f64], abs_y: &[f64]) -> f64 {
    let scale = |i: usize| exact[i].abs() + abs_y[i];
    let top = (0..y.len()).map(scale).fold(0.0, f64::max);
    let floor = top * f64::EPSILON * f64::EPSILON;
    let mut worst: f64 = 0.0;
    for i in 0..y.len() {
        let diff = (y[i] - exact[i]).abs();
        if diff.is_nan() {
            return f64::NAN;
        }
        if diff > 0.0 {
            worst = worst.max(diff / scale(i).max(floor));
        }
    }
    worst
}
