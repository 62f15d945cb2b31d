//! Banded Cholesky against nalgebra's dense Cholesky.

use crate::common::banded::{CASES, SpdKind, rel_residual, size, spd, vector};
use lensdiff::banded::SymBanded;
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

fn check(a: &SymBanded<f64>, seed: u64, compare_factor: bool) -> Result<(), TestCaseError> {
    let (n, k) = (a.n(), a.k());
    let m = a.to_dmatrix();
    let chol = a.cholesky().unwrap();
    prop_assert_eq!((chol.n(), chol.k()), (n, k));
    let dense = nalgebra::Cholesky::new(m.clone()).expect("dense Cholesky of an SPD matrix");

    // Residual of a solve, in place and through the DVector API.
    let b = vector(n, seed);
    let x = chol.solve(&b).unwrap();
    prop_assert!(
        rel_residual(&m, &x, &b) < 1e-12,
        "residual {}",
        rel_residual(&m, &x, &b)
    );
    let mut y = b.clone();
    chol.solve_mut(y.as_mut_slice()).unwrap();
    prop_assert_eq!(&x, &y);

    // Several right-hand sides at once.
    let bs = DMatrix::from_fn(n, 3, |i, j| ((i * 3 + j) as f64).sin());
    let xs = chol.solve_matrix(&bs).unwrap();
    for c in 0..3 {
        let bc: DVector<f64> = bs.column(c).into();
        let xc: DVector<f64> = xs.column(c).into();
        prop_assert!(rel_residual(&m, &xc, &bc) < 1e-12);
    }

    // Reconstruction Uᵀ U = A, and U against the dense factor Lᵀ.
    let u = chol.factor_u().to_dmatrix();
    let norm = m.amax();
    prop_assert!((u.transpose() * &u - &m).amax() <= 1e-12 * norm);
    if compare_factor {
        prop_assert!((&u - dense.l().transpose()).amax() <= 1e-12 * norm.sqrt());
    }

    // log det against the dense factor's diagonal.
    let ld: f64 = 2.0 * dense.l().diagonal().iter().map(|v| v.ln()).sum::<f64>();
    prop_assert!((chol.log_determinant() - ld).abs() <= 1e-10 * (1.0 + ld.abs()));
    let piv = chol.pivots();
    prop_assert!(piv.iter().all(|&d| d > 0.0));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn dominant_spd_matches_dense((n, k) in size(), seed in any::<u64>()) {
        check(&spd(n, k, SpdKind::Dominant, seed), seed, true)?;
    }

    #[test]
    fn gram_spd_matches_dense((n, k) in size(), seed in any::<u64>()) {
        check(&spd(n, k, SpdKind::Gram, seed), seed, false)?;
    }

    #[test]
    fn into_cholesky_equals_cholesky((n, k) in size(), seed in any::<u64>()) {
        let a = spd(n, k, SpdKind::Dominant, seed);
        let b = vector(n, seed);
        let x1 = a.cholesky().unwrap().solve(&b).unwrap();
        let x2 = a.clone().into_cholesky().unwrap().solve(&b).unwrap();
        prop_assert_eq!(x1, x2);
    }
}

#[test]
fn tridiagonal_fast_path_agrees_with_general_kernel() {
    // k = 1 uses L D Lᵀ; the same matrix stored with k = 2 uses L Lᵀ.
    let n = 500;
    let a1 = SymBanded::from_fn(n, 1, |i, j| {
        if i == j {
            2.0 + (i % 7) as f64 * 0.1
        } else {
            -1.0
        }
    });
    let a2 = SymBanded::from_fn(n, 2, |i, j| if j - i == 2 { 0.0 } else { a1.get(i, j) });
    let b = vector(n, 7);
    let (c1, c2) = (a1.cholesky().unwrap(), a2.cholesky().unwrap());
    let (x1, x2) = (c1.solve(&b).unwrap(), c2.solve(&b).unwrap());
    assert!((&x1 - &x2).amax() <= 1e-12 * x1.amax());
    assert!((c1.log_determinant() - c2.log_determinant()).abs() < 1e-10);
    let (p1, p2) = (c1.pivots(), c2.pivots());
    assert!(p1.iter().zip(&p2).all(|(a, b)| (a - b).abs() < 1e-12 * a));
}

#[test]
fn empty_and_diagonal() {
    let e = SymBanded::<f64>::zeros(0, 2).cholesky().unwrap();
    assert_eq!(e.solve(&DVector::zeros(0)).unwrap().len(), 0);
    assert_eq!(e.log_determinant(), 0.0);
    let d = SymBanded::from_fn(3, 0, |i, _| (i + 1) as f64)
        .cholesky()
        .unwrap();
    let x = d.solve(&DVector::from_element(3, 6.0)).unwrap();
    assert!((x - DVector::from_vec(vec![6.0, 3.0, 2.0])).amax() < 1e-15);
}

#[test]
fn f32_works() {
    let a = SymBanded::from_fn(50, 2, |i, j| if i == j { 6.0_f32 } else { -1.0 });
    let x = DVector::from_element(50, 1.0_f32);
    let b = a.mul_vec(&x);
    let y = a.cholesky().unwrap().solve(&b).unwrap();
    assert!((y - x).amax() < 1e-5);
}
