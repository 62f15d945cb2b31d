// Shared by the banded benches: the benchmark matrices, identical to
// benches/lapack_band.py (deterministic, no RNG).

use lensdiff::banded::{Banded, SymBanded};
use nalgebra::DVector;

/// Off-diagonal entry, symmetric in (i, j), in [-1, 1).
pub fn offdiag(i: usize, j: usize) -> f64 {
    let (lo, hi) = (i.min(j), i.max(j));
    ((7 * lo + 13 * hi) % 17) as f64 / 8.5 - 1.0
}

/// Diagonal entry: strictly dominant over the 2k off-diagonals of a row.
pub fn diag(j: usize, k: usize) -> f64 {
    2.0 * (2 * k + 1) as f64 + (5 * j % 11) as f64 / 11.0
}

/// The SPD test matrix with half-bandwidth k.
pub fn spd(n: usize, k: usize) -> SymBanded<f64> {
    SymBanded::from_fn(n, k, |i, j| if i == j { diag(j, k) } else { offdiag(i, j) })
}

/// The same matrix as a general band matrix with kl = ku = k.
pub fn general(n: usize, k: usize) -> Banded<f64> {
    Banded::from_fn(
        n,
        k,
        k,
        |i, j| if i == j { diag(j, k) } else { offdiag(i, j) },
    )
}

/// Right-hand side sin(0.001 i) + 1.
pub fn rhs(n: usize) -> DVector<f64> {
    DVector::from_fn(n, |i, _| (i as f64 * 0.001).sin() + 1.0)
}
