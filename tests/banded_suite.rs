//! Integration tests of `lensdiff::banded`; the modules mirror `src/banded/`.

#[path = "banded/cholesky.rs"]
mod cholesky;
#[path = "banded/common.rs"]
mod common;
#[path = "banded/errors.rs"]
mod errors;
#[path = "banded/large.rs"]
mod large;
#[path = "banded/lu.rs"]
mod lu;
#[path = "banded/products.rs"]
mod products;
#[path = "banded/shifted.rs"]
mod shifted;
#[path = "banded/storage.rs"]
mod storage;
#[path = "banded/tridiagonal.rs"]
mod tridiagonal;
