//! Every error case of the banded solvers, on hand-made matrices.

use lensdiff::Error;
use lensdiff::banded::{Banded, SymBanded};
use nalgebra::{DMatrix, DVector};

/// diag (4, 4, 1, 4), A[1][2] = 2: pivots 4, 4, 1 − 2²/4 = 0.
fn indefinite_at_2(k: usize) -> SymBanded<f64> {
    SymBanded::from_fn(4, k, |i, j| match (i, j) {
        (2, 2) => 1.0,
        _ if i == j => 4.0,
        (1, 2) => 2.0,
        _ => 0.0,
    })
}

#[test]
fn not_positive_definite_names_the_pivot() {
    for k in [1, 2, 3] {
        // k = 1 takes the L D Lᵀ path, k >= 2 the L Lᵀ path: same report.
        match indefinite_at_2(k).cholesky() {
            Err(Error::NotPositiveDefinite { pivot, value }) => {
                assert_eq!(pivot, 2, "k = {k}");
                assert_eq!(value, 0.0, "k = {k}");
            }
            other => panic!("k = {k}: {other:?}"),
        }
    }
    // A negative first pivot.
    let a = SymBanded::from_fn(3, 2, |i, j| if i == j { -1.0 } else { 0.0 });
    assert_eq!(
        a.cholesky().unwrap_err(),
        Error::NotPositiveDefinite {
            pivot: 0,
            value: -1.0
        }
    );
    // A negative last pivot, k = 1: [1 1; 1 0.5] -> 0.5 − 1 = −0.5.
    let a = SymBanded::from_fn(2, 1, |i, j| if (i, j) == (1, 1) { 0.5 } else { 1.0 });
    assert_eq!(
        a.cholesky().unwrap_err(),
        Error::NotPositiveDefinite {
            pivot: 1,
            value: -0.5
        }
    );
}

#[test]
fn nan_and_inf_in_the_matrix_are_reported() {
    for k in [0, 1, 2, 4] {
        for (i, j, v) in [
            (3, 3, f64::NAN),
            (2, 3, f64::NAN),
            (1, 1, f64::INFINITY),
            (0, 1, f64::NEG_INFINITY),
        ] {
            if j - i > k {
                continue;
            }
            let mut a = SymBanded::from_fn(6, k, |i, j| if i == j { 10.0 } else { 1.0 });
            a.set(i, j, v);
            let idx = j * (k + 1) + k + i - j;
            match a.cholesky() {
                Err(Error::NonFinite {
                    what: "matrix",
                    index,
                }) => {
                    assert_eq!(index, Some(idx), "k = {k}, ({i}, {j})")
                }
                other => panic!("k = {k}, ({i}, {j}) = {v}: {other:?}"),
            }
            assert!(matches!(
                a.cholesky_shifted(0.0),
                Err(Error::NonFinite { what: "matrix", .. })
            ));
        }
    }
    let mut g = Banded::from_fn(6, 1, 2, |i, j| if i == j { 10.0 } else { 1.0 });
    g.set(4, 3, f64::NAN);
    let idx = 3 * 4 + 2 + 4 - 3;
    assert_eq!(
        g.lu().unwrap_err(),
        Error::NonFinite {
            what: "matrix",
            index: Some(idx)
        }
    );
    let mut g = Banded::from_fn(6, 1, 2, |i, j| if i == j { 10.0 } else { 1.0 });
    g.set(0, 2, f64::INFINITY); // in U, last touched late
    assert!(matches!(
        g.lu(),
        Err(Error::NonFinite { what: "matrix", .. })
    ));
}

#[test]
fn nan_in_tridiagonal_lu() {
    for (i, j) in [(0, 0), (1, 0), (0, 1), (4, 4), (5, 4), (4, 5), (5, 5)] {
        let mut g = Banded::from_fn(6, 1, 1, |i, j| if i == j { 0.5 } else { 1.0 });
        g.set(i, j, f64::NAN);
        let idx = j * 3 + 1 + i - j;
        assert_eq!(
            g.lu().unwrap_err(),
            Error::NonFinite {
                what: "matrix",
                index: Some(idx)
            },
            "({i}, {j})"
        );
    }
}

#[test]
fn singular_names_the_column() {
    // Exactly zero column 2 (kl = ku = 1).
    let a = Banded::from_fn(5, 1, 1, |i, j| {
        if j == 2 {
            0.0
        } else if i == j {
            3.0
        } else {
            1.0
        }
    });
    assert_eq!(a.lu().unwrap_err(), Error::Singular { column: 2 });
    // Singular after elimination: rows 0 and 1 equal in a 2 x 2 block.
    let a = Banded::from_fn(4, 1, 1, |i, j| match (i, j) {
        (0, 0) | (0, 1) | (1, 0) | (1, 1) => 2.0,
        (1, 2) | (2, 1) => 0.0,
        _ if i == j => 5.0,
        _ => 1.0,
    });
    assert_eq!(a.lu().unwrap_err(), Error::Singular { column: 1 });
    // The last column.
    let a = Banded::from_fn(3, 0, 1, |i, j| if i == 2 && j == 2 { 0.0 } else { 1.0 });
    assert_eq!(a.lu().unwrap_err(), Error::Singular { column: 2 });
}

#[test]
fn rhs_dimension_mismatch() {
    let chol = SymBanded::from_fn(4, 1, |i, j| if i == j { 4.0 } else { 1.0 })
        .cholesky()
        .unwrap();
    assert_eq!(
        chol.solve(&DVector::zeros(3)).unwrap_err(),
        Error::DimensionMismatch {
            op: "BandedCholesky::solve",
            expected: 4,
            found: 3
        }
    );
    assert!(matches!(
        chol.solve_mut(&mut [0.0; 5]),
        Err(Error::DimensionMismatch {
            expected: 4,
            found: 5,
            ..
        })
    ));
    assert!(matches!(
        chol.solve_matrix(&DMatrix::zeros(3, 2)),
        Err(Error::DimensionMismatch {
            op: "BandedCholesky::solve_matrix",
            expected: 4,
            found: 3
        })
    ));
    let lu = Banded::from_fn(4, 1, 1, |i, j| if i == j { 4.0 } else { 1.0 })
        .lu()
        .unwrap();
    assert_eq!(
        lu.solve(&DVector::zeros(2)).unwrap_err(),
        Error::DimensionMismatch {
            op: "BandedLu::solve",
            expected: 4,
            found: 2
        }
    );
    assert!(matches!(
        lu.solve_transposed(&DVector::zeros(5)),
        Err(Error::DimensionMismatch {
            op: "BandedLu::solve_transposed",
            ..
        })
    ));
}

#[test]
fn non_finite_rhs_is_an_error_not_nan() {
    let chol = SymBanded::from_fn(4, 2, |i, j| if i == j { 4.0 } else { 1.0 })
        .cholesky()
        .unwrap();
    let b = DVector::from_vec(vec![1.0, f64::NAN, 0.0, 0.0]);
    assert_eq!(
        chol.solve(&b).unwrap_err(),
        Error::NonFinite {
            what: "rhs",
            index: Some(1)
        }
    );
    let lu = Banded::from_fn(4, 1, 1, |i, j| if i == j { 4.0 } else { 1.0 })
        .lu()
        .unwrap();
    assert!(matches!(
        lu.solve(&b),
        Err(Error::NonFinite {
            what: "rhs",
            index: Some(1)
        })
    ));
}

#[test]
fn overflowing_solution_is_an_error() {
    // Tiny but positive pivot: x = b / 1e-300 overflows.
    let chol = SymBanded::from_fn(1, 0, |_, _| 1e-300).cholesky().unwrap();
    assert!(matches!(
        chol.solve(&DVector::from_element(1, 1e300)),
        Err(Error::NonFinite {
            what: "solution",
            ..
        })
    ));
}
