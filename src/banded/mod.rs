//! Banded and envelope solvers: LAPACK-layout storage, Cholesky, LU,
//! tridiagonal kernels, the shift policy, and the envelope Cholesky of a
//! sparse symmetric matrix after a fill-limiting ordering.
//!
//! A matrix has lower bandwidth `kl` and upper bandwidth `ku` when
//! `A[i][j] = 0` for `i − j > kl` or `j − i > ku`; a symmetric one has
//! half-bandwidth `k = kl = ku`. Storage is LAPACK's band layout,
//! column-major so that each column's band is contiguous:
//!
//! | type                         | identity                          | layout                          |
//! |------------------------------|-----------------------------------|---------------------------------|
//! | [`SymBanded`] ([`Triangle::Upper`]) | symmetric, upper band      | `ab[k + i − j][j] = A[i][j]`    |
//! | [`SymBanded`] ([`Triangle::Lower`]) | symmetric, lower band      | `ab[i − j][j] = A[i][j]`        |
//! | [`Banded`]                   | general                           | `ab[ku + i − j][j] = A[i][j]`   |
//! | [`BandedCholesky`]           | `A = L Lᵀ` (`L D Lᵀ` for `k = 1`) | `pbtrf`                         |
//! | [`BandedLu`]                 | `P A = L U`, partial pivoting     | `gbtrf` (`2kl + ku + 1` rows)   |
//! | [`EnvelopeCholesky`]         | `Pᵀ A P = L Lᵀ`, sparse `A`       | rows from first nonzero to diagonal |
//!
//! Every banded factorisation costs `O(n k²)` time and `O(n k)` memory;
//! nothing behind this API allocates `n × n` except the explicit
//! `to_dmatrix`. The kernels are free functions on slices with structured
//! errors; the types are a thin layer on top. Numerical failure is an
//! [`crate::Error`], never a NaN. A sparse Hessian that is a band plus a
//! few couplings is ordered by [`envelope_ordering`] (reverse
//! Cuthill–McKee, dense rows last) and factored by [`EnvelopeCholesky`],
//! the solve of [`crate::optim::Newton::minimize_sparse`].
//!
//! ```
//! use lensdiff::banded::SymBanded;
//! use nalgebra::DVector;
//! let n = 1000;
//! let a = SymBanded::from_fn(n, 2, |i, j| if i == j { 6.0 } else { -1.0 });
//! let x = DVector::from_fn(n, |i, _| (i as f64).sin());
//! let b = a.mul_vec(&x);
//! let y = a.cholesky().unwrap().solve(&b).unwrap();
//! assert!((y - x).amax() < 1e-12);
//! ```

mod band_array;
mod checks;
mod cholesky;
mod envelope;
mod lu;
mod negative_curvature;
mod ordering;
mod shifted;
mod storage_general;
mod storage_sym;
mod tridiagonal;

pub(crate) use band_array::{upper_row, upper_slot};
pub use cholesky::BandedCholesky;
pub use envelope::EnvelopeCholesky;
pub use lu::BandedLu;
pub use ordering::{envelope_ordering, envelope_size, reverse_cuthill_mckee};
pub use shifted::ShiftParams;
pub(crate) use shifted::{ShiftStart, first_that_factors};
pub use storage_general::Banded;
pub use storage_sym::{SymBanded, Triangle};
