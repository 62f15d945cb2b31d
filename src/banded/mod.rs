//! Banded linear algebra: LAPACK-layout storage, Cholesky, LU, tridiagonal.
//!
//! A matrix has lower bandwidth `kl` and upper bandwidth `ku` when
//! `A[i][j] = 0` for `i − j > kl` or `j − i > ku`; a symmetric one has
//! half-bandwidth `k = kl = ku`. Storage is LAPACK's band layout,
//! column-major so that each column's band is contiguous:
//!
//! | type               | identity                                   | layout                          |
//! |--------------------|--------------------------------------------|---------------------------------|
//! | [`SymBanded`]      | symmetric, upper band                      | `ab[k + i − j][j] = A[i][j]`    |
//! | [`SymBandedLower`] | symmetric, lower band                      | `ab[i − j][j] = A[i][j]`        |
//! | [`Banded`]         | general                                    | `ab[ku + i − j][j] = A[i][j]`   |
//! | [`BandedCholesky`] | `A = L Lᵀ` (`L D Lᵀ` for `k = 1`)          | `pbtrf`                         |
//! | [`BandedLu`]       | `P A = L U`, partial pivoting              | `gbtrf` (`2kl + ku + 1` rows)   |
//!
//! Every factorisation costs `O(n k²)` time and `O(n k)` memory; nothing
//! behind this API allocates `n × n` except the explicit `to_dmatrix`.
//! The kernels are free functions on slices with structured errors; the
//! types are a thin layer on top. Numerical failure is an [`crate::Error`],
//! never a NaN.
//!
//! ```
//! use lensdiff::banded::SymBanded;
//! use nalgebra::DVector;
//! let n = 1000;
//! let a = SymBanded::from_fn(n, 2, |i, j| if i == j { 6.0 } else { -1.0 });
//! let x = DVector::from_fn(n, |i, _| (i as f64).sin());
//! let b = a.mul_vec(&x).unwrap();
//! let y = a.cholesky().unwrap().solve(&b).unwrap();
//! assert!((y - x).amax() < 1e-12);
//! ```

mod cholesky;
mod lu;
mod shifted;
mod storage_general;
mod storage_sym;
mod storage_sym_lower;
mod tridiagonal;

pub use cholesky::BandedCholesky;
pub use lu::BandedLu;
pub use shifted::ShiftParams;
pub use storage_general::Banded;
pub use storage_sym::SymBanded;
pub use storage_sym_lower::SymBandedLower;

/// Shared `Debug` body: dense-looking rows for `n <= 12` (`.` outside the
/// band), a one-line summary otherwise.
fn debug_band<T: crate::Real>(
    f: &mut std::fmt::Formatter<'_>,
    name: &str,
    summary: &str,
    n: usize,
    entry: impl Fn(usize, usize) -> Option<T>,
) -> std::fmt::Result {
    if n > 12 {
        return write!(f, "{name} {{ {summary} }}");
    }
    writeln!(f, "{name} {{ {summary}")?;
    for i in 0..n {
        write!(f, "  [")?;
        for j in 0..n {
            match entry(i, j) {
                Some(v) => write!(f, " {:>9}", format!("{:.4}", v))?,
                None => write!(f, " {:>9}", ".")?,
            }
        }
        writeln!(f, " ]")?;
    }
    write!(f, "}}")
}
