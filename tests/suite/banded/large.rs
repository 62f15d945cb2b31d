//! Large problems: O(n k) memory and O(n k²) time, no n × n allocation.
//! (Run with `cargo test --release`; timings belong to the benches.)

use lensdiff::banded::{Banded, SymBanded};
use nalgebra::DVector;

#[test]
fn cholesky_n_1e6_k_5() {
    let (n, k) = (1_000_000, 5);
    let a = SymBanded::from_fn(n, k, |i, j| {
        if i == j {
            12.0 + (j % 3) as f64
        } else {
            -1.0 + ((i + j) % 5) as f64 * 0.1
        }
    });
    let x = DVector::from_fn(n, |i, _| (i as f64 * 1e-3).cos());
    let b = a.mul_vec(&x);
    let chol = a.cholesky().unwrap();
    let y = chol.solve(&b).unwrap();
    assert!((&y - &x).amax() < 1e-12);
    assert!(chol.log_determinant().is_finite());
    let (chol2, tau) = a.cholesky_shifted(0.0).unwrap();
    assert_eq!(tau, 0.0);
    assert!((chol2.solve(&b).unwrap() - &x).amax() < 1e-12);
}

#[test]
fn tridiagonal_n_1e6() {
    let n = 1_000_000;
    let a = SymBanded::from_fn(n, 1, |i, j| if i == j { 2.0 + 1e-3 } else { -1.0 });
    let x = DVector::from_fn(n, |i, _| (i as f64 * 1e-3).sin());
    let b = a.mul_vec(&x);
    let y = a.cholesky().unwrap().solve(&b).unwrap();
    assert!((&y - &x).amax() < 1e-8);
}

#[test]
fn lu_n_1e6_k_2() {
    let n = 1_000_000;
    let a = Banded::from_fn(n, 2, 2, |i, j| {
        if i == j {
            6.0
        } else {
            ((i * 3 + j) % 7) as f64 / 7.0 - 0.5
        }
    });
    let x = DVector::from_fn(n, |i, _| (i as f64 * 1e-3).cos());
    let b = a.mul_vec(&x);
    let lu = a.lu().unwrap();
    assert!((lu.solve(&b).unwrap() - &x).amax() < 1e-12);
    let bt = a.transpose().mul_vec(&x);
    assert!((lu.solve_transposed(&bt).unwrap() - &x).amax() < 1e-12);
}
