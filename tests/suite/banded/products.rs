//! `mul_vec` has one shape on `SymBanded`, `Banded` and `CscMatrix`:
//! `mul_vec` panics naming both lengths, `try_mul_vec` returns the error.

use crate::common::panic_message;
use lensdiff::Error;
use lensdiff::banded::{Banded, SymBanded, Triangle};
use lensdiff::sparsity::CscMatrix;
use nalgebra::{DVector, dvector};

/// `[[1, 0, 0], [2, 3, 0], [0, 0, 4]]` in compressed columns.
fn csc() -> CscMatrix {
    CscMatrix {
        nrows: 3,
        ncols: 3,
        col_ptr: vec![0, 2, 3, 4],
        row_idx: vec![0, 1, 1, 2],
        values: vec![1.0, 2.0, 3.0, 4.0],
    }
}

#[test]
fn wrong_length_panics_name_both_sizes() {
    let sym = SymBanded::from_fn(3, 1, |_, _| 1.0);
    let msg = panic_message(|| {
        sym.mul_vec(&DVector::zeros(2));
    });
    assert_eq!(
        msg,
        "SymBanded::mul_vec: dimension mismatch: expected 3, found 2"
    );
    let lower = sym.to_triangle(Triangle::Lower);
    let msg = panic_message(|| {
        lower.mul_vec(&DVector::zeros(5));
    });
    assert_eq!(
        msg,
        "SymBanded::mul_vec: dimension mismatch: expected 3, found 5"
    );
    let mut y = [0.0; 4];
    let msg = panic_message(|| sym.mul_vec_into(&[0.0; 3], &mut y));
    assert_eq!(
        msg,
        "SymBanded::mul_vec: dimension mismatch: expected 3, found 4"
    );

    let general = Banded::from_fn(4, 1, 2, |_, _| 1.0);
    let msg = panic_message(|| {
        general.mul_vec(&DVector::zeros(3));
    });
    assert_eq!(
        msg,
        "Banded::mul_vec: dimension mismatch: expected 4, found 3"
    );
    let msg = panic_message(|| general.mul_vec_into(&[0.0; 4], &mut [0.0; 1]));
    assert_eq!(
        msg,
        "Banded::mul_vec: dimension mismatch: expected 4, found 1"
    );

    let a = csc();
    let msg = panic_message(|| {
        a.mul_vec(&DVector::zeros(2));
    });
    assert_eq!(
        msg,
        "CscMatrix::mul_vec: dimension mismatch: expected 3, found 2"
    );
    let msg = panic_message(|| {
        a.transpose_mul_vec(&DVector::zeros(4));
    });
    assert_eq!(
        msg,
        "CscMatrix::transpose_mul_vec: dimension mismatch: expected 3, found 4"
    );
}

#[test]
fn try_mul_vec_returns_the_sizes() {
    let mismatch = |op, expected, found| Error::DimensionMismatch {
        op,
        expected,
        found,
    };
    let sym = SymBanded::from_fn(3, 1, |_, _| 1.0);
    assert_eq!(
        sym.try_mul_vec(&DVector::zeros(2)).unwrap_err(),
        mismatch("SymBanded::mul_vec", 3, 2)
    );
    let general = Banded::from_fn(4, 0, 1, |_, _| 1.0);
    assert_eq!(
        general.try_mul_vec(&DVector::zeros(6)).unwrap_err(),
        mismatch("Banded::mul_vec", 4, 6)
    );
    let mut y = [0.0; 3];
    assert_eq!(
        general.try_mul_vec_into(&[0.0; 4], &mut y).unwrap_err(),
        mismatch("Banded::mul_vec", 4, 3)
    );
    let a = csc();
    assert_eq!(
        a.try_mul_vec(&DVector::zeros(1)).unwrap_err(),
        mismatch("CscMatrix::mul_vec", 3, 1)
    );
    assert_eq!(
        a.try_transpose_mul_vec(&DVector::zeros(2)).unwrap_err(),
        mismatch("CscMatrix::transpose_mul_vec", 3, 2)
    );
}

#[test]
fn products_agree_with_the_dense_matrix() {
    let x = dvector![1.0, -2.0, 0.5];
    let a = csc();
    let m = a.to_dmatrix();
    assert_eq!(a.mul_vec(&x), &m * &x);
    assert_eq!(a.try_mul_vec(&x).unwrap(), &m * &x);
    assert_eq!(a.transpose_mul_vec(&x), m.transpose() * &x);
    let sym = SymBanded::from_fn(3, 1, |i, j| (1 + i + 2 * j) as f64);
    let d = sym.to_dmatrix();
    assert_eq!(sym.mul_vec(&x), &d * &x);
    assert_eq!(sym.to_triangle(Triangle::Lower).mul_vec(&x), &d * &x);
    let general = Banded::from_fn(3, 1, 0, |i, j| (1 + i + 2 * j) as f64);
    assert_eq!(general.mul_vec(&x), general.to_dmatrix() * &x);
}

#[test]
fn lower_storage_factors_like_upper() {
    let up = SymBanded::from_fn(30, 3, |i, j| {
        if i == j {
            8.0
        } else {
            -1.0 / (1 + j - i) as f64
        }
    });
    let low = up.to_triangle(Triangle::Lower);
    assert_eq!(low.triangle(), Triangle::Lower);
    let b = DVector::from_fn(30, |i, _| (i as f64).cos());
    let x_up = up.cholesky().unwrap().solve(&b).unwrap();
    let x_low = low.cholesky().unwrap().solve(&b).unwrap();
    assert_eq!(x_up, x_low);
    assert_eq!(
        low.clone().into_cholesky().unwrap().pivots(),
        up.cholesky().unwrap().pivots()
    );
    let (_, tau_up) = up.shifted(-9.0).cholesky_shifted(0.0).unwrap();
    let (_, tau_low) = low.shifted(-9.0).cholesky_shifted(0.0).unwrap();
    assert_eq!(tau_up, tau_low);
    // The dense check is independent of either storage.
    assert!((up.to_dmatrix() * &x_up - &b).amax() < 1e-12);
}
