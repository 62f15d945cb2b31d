//! Banded linear algebra: LAPACK-layout storage, Cholesky, LU, tridiagonal.
