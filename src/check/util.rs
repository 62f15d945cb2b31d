//! Small helpers of the checks: flat `f64` views and short displays.

use crate::{Real, Space};
use nalgebra::DMatrix;

/// The flat scalars of `x` as `f64` (values only, for comparisons).
pub(crate) fn flat64<X: Space>(x: &X) -> Vec<f64> {
    x.to_flat().into_iter().map(|s| s.value_f64()).collect()
}

/// A matrix of any scalar as `f64`.
pub(crate) fn mat64<S: Real>(m: &DMatrix<S>) -> DMatrix<f64> {
    m.map(|s| s.value_f64())
}

/// `max |v_i|` (NaN counts as infinite).
pub(crate) fn amax(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m: f64, x| {
        if x.is_nan() {
            f64::INFINITY
        } else {
            m.max(x.abs())
        }
    })
}

/// `max |a_i − b_i|` and where it is (NaN and a length mismatch count as
/// infinite).
pub(crate) fn max_diff(a: &[f64], b: &[f64]) -> (f64, usize) {
    if a.len() != b.len() {
        return (f64::INFINITY, a.len().min(b.len()));
    }
    let mut worst = (0.0f64, 0);
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let e = (x - y).abs();
        if e.is_nan() {
            return (f64::INFINITY, i);
        }
        if e > worst.0 {
            worst = (e, i);
        }
    }
    worst
}

/// `[a, b, …]` with at most eight entries shown.
pub(crate) fn show(v: &[f64]) -> String {
    const SHOWN: usize = 8;
    let head: Vec<String> = v.iter().take(SHOWN).map(|x| format!("{x:.6e}")).collect();
    if v.len() > SHOWN {
        format!("[{}, … ({} entries)]", head.join(", "), v.len())
    } else {
        format!("[{}]", head.join(", "))
    }
}

/// The Euclidean norm of flat scalars.
pub(crate) fn norm(v: &[f64]) -> f64 {
    v.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// Euclidean inner product of flat scalars.
pub(crate) fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}
