//! Regularised (shifted) Cholesky.

use crate::common::banded::{rel_residual, vector};
use lensdiff::Error;
use lensdiff::banded::{ShiftParams, SymBanded};
use nalgebra::DMatrix;

/// Symmetric with eigenvalues in about [-3.9, 0.1]: 1-D Laplacian times −1 plus 0.1.
fn indefinite(n: usize) -> SymBanded<f64> {
    SymBanded::from_fn(n, 2, |i, j| match j - i {
        0 => -1.9,
        1 => 1.0,
        _ => 0.05,
    })
}

#[test]
fn succeeds_on_indefinite_and_reports_a_working_tau() {
    let a = indefinite(200);
    assert!(matches!(
        a.cholesky(),
        Err(Error::NotPositiveDefinite { .. })
    ));
    let (chol, tau) = a.cholesky_shifted(0.0).unwrap();
    assert!(tau > 0.0);
    let shifted = a.shifted(tau);
    assert!(shifted.cholesky().is_ok());
    // The factor is the factor of A + τI.
    let m = shifted.to_dmatrix();
    let b = vector(200, 1);
    let x = chol.solve(&b).unwrap();
    assert!(rel_residual(&m, &x, &b) < 1e-13);
    // τ is not absurdly large: within a factor `growth` of the smallest that works
    // (the most negative eigenvalue is above −4.2).
    assert!(tau < 10.0 * 4.2, "tau = {tau}");
    // One step smaller must have failed (or be the first nonzero shift).
    let smaller = tau / 10.0;
    assert!(a.shifted(smaller).cholesky().is_err() || smaller < 1.9e-8);
}

#[test]
fn spd_with_zero_tau0_is_not_shifted() {
    let a = SymBanded::from_fn(50, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    let (chol, tau) = a.cholesky_shifted(0.0).unwrap();
    assert_eq!(tau, 0.0);
    assert!((chol.log_determinant() - 51f64.ln()).abs() < 1e-10);
}

#[test]
fn positive_tau0_is_tried_first() {
    let a = SymBanded::from_fn(10, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    let (_, tau) = a.cholesky_shifted(0.5).unwrap();
    assert_eq!(tau, 0.5);
    // Too small a tau0 grows geometrically from max(10·τ0, 1e-8·max|diag|).
    let b = SymBanded::from_fn(10, 1, |i, j| if i == j { -1.0 } else { 0.0 });
    let (_, tau) = b.cholesky_shifted(0.3).unwrap();
    assert_eq!(tau, 3.0);
}

#[test]
fn bad_arguments() {
    let a = indefinite(5);
    assert!(matches!(
        a.cholesky_shifted(-1.0),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(matches!(
        a.cholesky_shifted(f64::NAN),
        Err(Error::InvalidArgument { .. })
    ));
    let bad = ShiftParams {
        growth: 1.0,
        ..ShiftParams::default()
    };
    assert!(matches!(
        a.cholesky_shifted_with(0.0, bad),
        Err(Error::InvalidArgument { .. })
    ));
}

#[test]
fn bounded_number_of_tries() {
    // Needs τ > f64::MAX: every shift fails, and the loop stops.
    let a = SymBanded::from_fn(3, 1, |i, j| if i == j { -f64::MAX } else { 0.0 });
    assert!(matches!(
        a.cholesky_shifted(0.0),
        Err(Error::ShiftFailed { .. })
    ));
    let p = ShiftParams {
        min_shift: 1e-3,
        growth: 2.0,
        max_tries: 4,
    };
    match indefinite(20).cholesky_shifted_with(0.0, p) {
        Err(Error::ShiftFailed { tau }) => assert!((tau - 1.9e-3 * 4.0).abs() < 1e-15),
        other => panic!("{other:?}"),
    }
}

#[test]
fn zero_matrix_gets_a_unit_scale() {
    let a = SymBanded::<f64>::zeros(4, 1);
    let (chol, tau) = a.cholesky_shifted(0.0).unwrap();
    assert!((tau - 1e-8).abs() < 1e-20);
    let x = chol.solve_matrix(&DMatrix::identity(4, 4)).unwrap();
    assert!((x[(0, 0)] - 1e8).abs() < 1e-3);
}
