//! Shared generators for the banded tests.

use lensdiff::banded::{Banded, SymBanded};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

/// Proptest cases per property.
pub const CASES: u32 = 64;

/// A small deterministic generator (xorshift) so a proptest case is one seed.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        lo + (hi - lo) * ((self.0 >> 11) as f64 / (1u64 << 53) as f64)
    }
}

/// How an SPD test matrix is made.
#[derive(Clone, Copy, Debug)]
pub enum SpdKind {
    /// Random band, diagonal = row sum of |off-diagonals| + U(0.1, 1).
    Dominant,
    /// `B Bᵀ` with `B` lower triangular with `k` sub-diagonals.
    Gram,
}

/// A random SPD band matrix of order n and half-bandwidth k.
pub fn spd(n: usize, k: usize, kind: SpdKind, seed: u64) -> SymBanded<f64> {
    let mut rng = Rng::new(seed);
    match kind {
        SpdKind::Dominant => {
            let mut a = SymBanded::from_fn(
                n,
                k,
                |i, j| {
                    if i == j { 0.0 } else { rng.uniform(-1.0, 1.0) }
                },
            );
            for i in 0..n {
                let s: f64 = (i.saturating_sub(k)..n.min(i + k + 1))
                    .filter(|&j| j != i)
                    .map(|j| a.get(i, j).abs())
                    .sum();
                a.set(i, i, s + rng.uniform(0.1, 1.0));
            }
            a
        }
        SpdKind::Gram => {
            let b = DMatrix::from_fn(n, n, |i, j| {
                if i == j {
                    rng.uniform(1.0, 2.0)
                } else if j < i && i - j <= k {
                    rng.uniform(-1.0, 1.0) / (k as f64 + 1.0)
                } else {
                    0.0
                }
            });
            SymBanded::from_dmatrix(&(&b * b.transpose()), k)
        }
    }
}

/// A random general band matrix (entries U(-1, 1), diagonal shifted by
/// `diag_shift`).
pub fn general(n: usize, kl: usize, ku: usize, diag_shift: f64, seed: u64) -> Banded<f64> {
    let mut rng = Rng::new(seed);
    Banded::from_fn(n, kl, ku, |i, j| {
        rng.uniform(-1.0, 1.0) + if i == j { diag_shift } else { 0.0 }
    })
}

/// A random vector with entries U(-1, 1).
pub fn vector(n: usize, seed: u64) -> DVector<f64> {
    let mut rng = Rng::new(seed ^ 0xABCD);
    DVector::from_fn(n, |_, _| rng.uniform(-1.0, 1.0))
}

/// `‖A x − b‖∞ / (‖A‖∞ ‖x‖∞ + ‖b‖∞)`, the backward-error measure.
pub fn rel_residual(a: &DMatrix<f64>, x: &DVector<f64>, b: &DVector<f64>) -> f64 {
    let r = a * x - b;
    let norm_a = a
        .row_iter()
        .map(|row| row.iter().map(|v| v.abs()).sum::<f64>())
        .fold(0.0, f64::max);
    r.amax() / (norm_a * x.amax() + b.amax()).max(f64::MIN_POSITIVE)
}

/// Sizes: n from 1 to 200 (biased towards small so n <= k is common),
/// k from 0 to 8.
pub fn size() -> impl Strategy<Value = (usize, usize)> {
    (prop_oneof![1usize..=12, 1usize..=200], 0usize..=8)
}
