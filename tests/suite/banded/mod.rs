//! Integration tests of `lensdiff::banded`; the modules mirror `src/banded/`
//! (with the envelope Cholesky and the orderings, moving there).

mod cholesky;
mod envelope;
mod errors;
mod large;
mod lu;
mod products;
mod shifted;
mod storage;
mod tridiagonal;
