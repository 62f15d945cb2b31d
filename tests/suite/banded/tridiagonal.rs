//! The `k = 1` Cholesky (`L D Lᵀ` by blocks of the leading-minors
//! recurrence, with the plain recurrence for blocks out of range) against
//! the dense solve and against the general `L Lᵀ` kernel (`k = 2` storage).

use crate::common::banded::{CASES, SpdKind, rel_residual, spd, vector};
use lensdiff::Error;
use lensdiff::banded::SymBanded;
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

/// Sizes around the block length (16) of the kernel and a few larger ones.
const SIZES: [usize; 16] = [
    1, 2, 3, 4, 15, 16, 17, 18, 31, 32, 33, 34, 100, 257, 500, 1000,
];

/// The same matrix stored with `k = 2` (zero second diagonal): the
/// `L Lᵀ` kernel, an independent path through the crate.
fn as_k2(a: &SymBanded<f64>) -> SymBanded<f64> {
    SymBanded::from_fn(a.n(), 2, |i, j| if j - i == 2 { 0.0 } else { a.get(i, j) })
}

/// The solution of the dense system by nalgebra's Cholesky.
fn dense_solve(a: &SymBanded<f64>, b: &DVector<f64>) -> DVector<f64> {
    nalgebra::Cholesky::new(a.to_dmatrix())
        .expect("SPD")
        .solve(b)
}

/// `D = S A S` for a diagonal `S` with entries `s(j)`: same definiteness.
fn scaled(a: &SymBanded<f64>, s: impl Fn(usize) -> f64) -> SymBanded<f64> {
    SymBanded::from_fn(a.n(), 1, |i, j| s(i) * a.get(i, j) * s(j))
}

/// Solves `a x = b` at k = 1 and checks it against the dense solve and the
/// k = 2 path.
fn check(a: &SymBanded<f64>, b: &DVector<f64>) -> Result<(), TestCaseError> {
    let n = a.n();
    let m = a.to_dmatrix();
    let chol = a.cholesky().unwrap();
    let x = chol.solve(b).unwrap();
    let xd = dense_solve(a, b);
    let res = rel_residual(&m, &x, b);
    prop_assert!(res < 1e-14, "n = {n}: residual {res:e}");
    // Forward error within condition · ε of the dense solution.
    let cond_bound = 1e-10 * xd.amax();
    prop_assert!((&x - &xd).amax() <= cond_bound, "n = {n}: vs dense");
    // The general kernel on the same matrix: solution, pivots, log det.
    let c2 = as_k2(a).cholesky().unwrap();
    let x2 = c2.solve(b).unwrap();
    prop_assert!((&x - &x2).amax() <= 1e-12 * x2.amax(), "n = {n}: vs k = 2");
    for (j, (p1, p2)) in chol.pivots().iter().zip(c2.pivots()).enumerate() {
        prop_assert!(
            (p1 - p2).abs() <= 1e-13 * p2,
            "n = {n}: pivot {j}: {p1} vs {p2}"
        );
    }
    let (l1, l2) = (chol.log_determinant(), c2.log_determinant());
    prop_assert!((l1 - l2).abs() <= 1e-12 * (1.0 + l2.abs()));
    // In place and in the band's own storage: the same numbers.
    let mut y = b.clone();
    chol.solve_mut(y.as_mut_slice()).unwrap();
    prop_assert_eq!(&x, &y);
    let x3 = a.clone().into_cholesky().unwrap().solve(b).unwrap();
    prop_assert_eq!(&x, &x3);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn matches_dense_and_general_kernel(size in 0..SIZES.len(), gram in any::<bool>(), seed in any::<u64>()) {
        let n = SIZES[size];
        let kind = if gram { SpdKind::Gram } else { SpdKind::Dominant };
        let a = spd(n, 1, kind, seed);
        check(&a, &vector(n, seed))?;
    }

    /// Pivots of 1e±80 overflow the minors of a block: those blocks run
    /// the plain recurrence, the others the minors; both must agree with
    /// the dense solve.
    #[test]
    fn badly_scaled_blocks_fall_back(seed in any::<u64>(), pick in 0usize..3) {
        let n = 150;
        let a = spd(n, 1, SpdKind::Dominant, seed);
        let s = [1e40, 1e-40, 1.0][pick];
        // Scale rows/columns 20..60 and 100..110 by s.
        let a = scaled(&a, |j| if (20..60).contains(&j) || (100..110).contains(&j) { s } else { 1.0 });
        check(&a, &vector(n, seed))?;
    }
}

#[test]
fn whole_matrix_scaled_far_out_of_range() {
    // Every block falls back (pivots ~ 1e±120); the answers scale exactly
    // like the matrix: (σA)⁻¹ b = A⁻¹ b / σ.
    let n = 200;
    let a = spd(n, 1, SpdKind::Dominant, 3);
    let b = vector(n, 3);
    let x = a.cholesky().unwrap().solve(&b).unwrap();
    for sigma in [1e120_f64, 1e-120] {
        let sa = scaled(&a, |_| sigma.sqrt());
        let xs = sa.cholesky().unwrap().solve(&b).unwrap() * sigma;
        assert!((&xs - &x).amax() <= 1e-13 * x.amax(), "sigma = {sigma:e}");
    }
}

/// SPD (diagonal 4, off-diagonal −1) except a diagonal entry of −10 at `j0`,
/// so `j0` is the first pivot that is not positive.
fn indefinite_at(n: usize, j0: usize) -> SymBanded<f64> {
    SymBanded::from_fn(n, 1, |i, j| match (i == j, i == j0) {
        (true, true) => -10.0,
        (true, false) => 4.0,
        _ => -1.0,
    })
}

#[test]
fn not_positive_definite_at_the_right_pivot() {
    for (n, j0) in [
        (1, 0),
        (2, 0),
        (2, 1),
        (3, 2),
        (40, 1),
        (40, 16),
        (40, 17),
        (40, 24),
        (40, 33),
        (40, 39),
        (1000, 517),
    ] {
        let a = indefinite_at(n, j0);
        // The pivot's value from the dense factor of the leading block:
        // d[j0] = a[j0][j0] − e² / d[j0 − 1], d[j0 − 1] = L[j0−1][j0−1]².
        let expected = if j0 == 0 {
            -10.0
        } else {
            let lead = a.to_dmatrix().view((0, 0), (j0, j0)).clone_owned();
            let l = nalgebra::Cholesky::new(lead).expect("leading block is SPD");
            let d = l.l()[(j0 - 1, j0 - 1)].powi(2);
            -10.0 - 1.0 / d
        };
        for k in [1, 2] {
            let m = if k == 1 { a.clone() } else { as_k2(&a) };
            match m.cholesky() {
                Err(Error::NotPositiveDefinite { pivot, value }) => {
                    assert_eq!(pivot, j0, "n = {n}, k = {k}");
                    assert!(
                        (value - expected).abs() <= 1e-13 * expected.abs(),
                        "n = {n}, j0 = {j0}, k = {k}: {value} vs {expected}"
                    );
                }
                other => panic!("n = {n}, j0 = {j0}, k = {k}: {other:?}"),
            }
        }
    }
}

#[test]
fn non_finite_entry_inside_a_block_is_named() {
    let n = 64;
    for (i, j, v) in [
        (20, 20, f64::NAN),
        (19, 20, f64::INFINITY),
        (36, 37, f64::NEG_INFINITY),
        (63, 63, f64::NAN),
    ] {
        let mut a = SymBanded::from_fn(n, 1, |r, c| if r == c { 4.0 } else { -1.0 });
        a.set(i, j, v);
        let index = 2 * j + (1 + i - j);
        assert_eq!(
            a.cholesky().unwrap_err(),
            Error::NonFinite {
                what: "matrix",
                index: Some(index)
            },
            "({i}, {j})"
        );
        // The same index through into_cholesky (in place).
        assert_eq!(
            a.into_cholesky().unwrap_err(),
            Error::NonFinite {
                what: "matrix",
                index: Some(index)
            }
        );
    }
}

#[test]
fn shifted_tries_failing_late_reuse_the_buffer() {
    // Indefinite only at pivot 700: each failing try stops there; the
    // accepted factor must be that of A + τI in full.
    let n = 1000;
    let a = indefinite_at(n, 700);
    let (chol, tau) = a.cholesky_shifted(0.0).unwrap();
    assert!(tau > 0.0);
    let shifted = a.shifted(tau);
    let b = vector(n, 11);
    let x = chol.solve(&b).unwrap();
    assert!(rel_residual(&shifted.to_dmatrix(), &x, &b) < 1e-14);
    assert_eq!(chol.pivots(), shifted.cholesky().unwrap().pivots());
}

#[test]
fn solve_matrix_and_factor_u_at_k1() {
    let n = 40;
    let a = spd(n, 1, SpdKind::Gram, 5);
    let chol = a.cholesky().unwrap();
    let m = a.to_dmatrix();
    let u = chol.factor_u().to_dmatrix();
    assert!((u.transpose() * &u - &m).amax() <= 1e-14 * m.amax());
    let xs = chol.solve_matrix(&DMatrix::identity(n, n)).unwrap();
    assert!((&m * xs - DMatrix::<f64>::identity(n, n)).amax() < 1e-12);
}

#[test]
fn f32_tridiagonal_across_blocks() {
    let n = 1000;
    let a = SymBanded::from_fn(n, 1, |i, j| if i == j { 3.0_f32 } else { -1.0 });
    let x = DVector::from_fn(n, |i, _| ((i as f32) * 0.01).sin());
    let b = a.mul_vec(&x);
    let y = a.cholesky().unwrap().solve(&b).unwrap();
    assert!((y - x).amax() < 1e-5);
}

#[test]
fn cholesky_of_shifted_equals_factoring_the_shifted_copy() {
    for k in [0, 1, 2, 4] {
        let n = 90;
        let a = SymBanded::from_fn(n, k, |i, j| if i == j { -0.5 } else { 0.3 });
        let b = vector(n, 2);
        // Indefinite at pivot 0 without a shift, SPD with τ = 3.
        assert!(matches!(
            a.cholesky_of_shifted(0.0),
            Err(Error::NotPositiveDefinite { pivot: 0, .. })
        ));
        let c = a.cholesky_of_shifted(3.0).unwrap();
        let copy = a.shifted(3.0).cholesky().unwrap();
        assert_eq!(c.pivots(), copy.pivots(), "k = {k}");
        assert_eq!(c.solve(&b).unwrap(), copy.solve(&b).unwrap(), "k = {k}");
        let x = c.solve(&b).unwrap();
        assert!(rel_residual(&a.shifted(3.0).to_dmatrix(), &x, &b) < 1e-14);
    }
    let a = SymBanded::from_fn(4, 1, |i, j| if i == j { 4.0 } else { 1.0 });
    for tau in [f64::NAN, f64::INFINITY] {
        assert!(matches!(
            a.cholesky_of_shifted(tau),
            Err(Error::InvalidArgument { .. })
        ));
    }
}
