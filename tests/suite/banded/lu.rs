//! Banded LU against nalgebra's dense LU.

use crate::common::banded::{CASES, general, rel_residual, size, vector};
use lensdiff::banded::Banded;
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn random_general_matches_dense((n, kl) in size(), ku in 0usize..=8, seed in any::<u64>()) {
        let a = general(n, kl, ku, 0.0, seed);
        let m = a.to_dmatrix();
        // Partial pivoting on random one-sided bands (ku = 0 or kl = 0 with
        // n ~ 200) can grow like 2^n and cancel a late pivot to exactly zero.
        // Then the dense LU must see a (numerically) singular matrix too.
        let lu = match a.lu() {
            Ok(lu) => lu,
            Err(lensdiff::Error::Singular { .. }) => {
                let u = m.clone().lu().u();
                let d = u.diagonal();
                let big = d.amax().max(f64::MIN_POSITIVE);
                prop_assert!(d.iter().any(|v| v.abs() <= 1e-10 * big), "dense LU is not singular");
                return Ok(());
            }
            Err(e) => panic!("unexpected error {e}"),
        };
        prop_assert_eq!(lu.n(), n);
        prop_assert_eq!(lu.bandwidths(), (kl, ku));
        let b = vector(n, seed);
        let x = lu.solve(&b).unwrap();
        let r = rel_residual(&m, &x, &b);
        prop_assert!(r < 1e-12, "residual {}", r);
        let xt = lu.solve_transposed(&b).unwrap();
        let rt = rel_residual(&m.transpose(), &xt, &b);
        prop_assert!(rt < 1e-12, "transposed residual {}", rt);
        let mut y = b.clone();
        lu.solve_mut(y.as_mut_slice()).unwrap();
        prop_assert_eq!(&x, &y);
        // Two right-hand sides in one pass: the bits of one at a time.
        let c = vector(n, seed.wrapping_add(1));
        let (mut p, mut q) = (b.clone(), c.clone());
        lu.solve_pair_mut(p.as_mut_slice(), q.as_mut_slice()).unwrap();
        prop_assert_eq!(&p, &x);
        prop_assert_eq!(q, lu.solve(&c).unwrap());

        // Determinant against the dense LU (log |det| and sign).
        let dense = m.clone().lu();
        let u = dense.u();
        let log_abs: f64 = u.diagonal().iter().map(|v| v.abs().ln()).sum();
        let (ours, sign) = lu.log_abs_determinant();
        prop_assert!((ours - log_abs).abs() <= 1e-8 * (1.0 + log_abs.abs()), "{} vs {}", ours, log_abs);
        let det = m.determinant();
        if det.abs() > 1e-200 {
            prop_assert_eq!(sign, det.signum());
            prop_assert_eq!(lu.determinant_sign(), det.signum());
        }
    }

    #[test]
    fn tridiagonal_kernel_matches_dense(n in 1usize..=200, seed in any::<u64>(), zero_diag in any::<bool>()) {
        // kl = ku = 1 takes the specialised kernel; a zero diagonal forces swaps.
        let mut a = general(n, 1, 1, 0.0, seed);
        if zero_diag {
            for i in 0..n {
                a.set(i, i, 0.0);
            }
            // An odd-order zero-diagonal tridiagonal is singular; A[0][0] = 1
            // leaves det = ±(product of off-diagonal pairs) ≠ 0.
            if n % 2 == 1 {
                a.set(0, 0, 1.0);
            }
        }
        let m = a.to_dmatrix();
        let b = vector(n, seed);
        match a.lu() {
            Ok(lu) => {
                let x = lu.solve(&b).unwrap();
                prop_assert!(rel_residual(&m, &x, &b) < 1e-12);
                let xt = lu.solve_transposed(&b).unwrap();
                prop_assert!(rel_residual(&m.transpose(), &xt, &b) < 1e-12);
                let (ours, _) = lu.log_abs_determinant();
                let log_abs: f64 = m.clone().lu().u().diagonal().iter().map(|v| v.abs().ln()).sum();
                prop_assert!((ours - log_abs).abs() <= 1e-8 * (1.0 + log_abs.abs()));
            }
            Err(e) => prop_assert!(false, "{:?}", e),
        }
    }

    #[test]
    fn dominant_general_solution_matches_dense((n, kl) in size(), ku in 0usize..=8, seed in any::<u64>()) {
        let a = general(n, kl, ku, (kl + ku + 1) as f64, seed);
        let m = a.to_dmatrix();
        let b = vector(n, seed);
        let x = a.lu().unwrap().solve(&b).unwrap();
        let xd = m.lu().solve(&b).unwrap();
        prop_assert!((&x - &xd).amax() <= 1e-12 * (1.0 + xd.amax()));
    }
}

#[test]
fn pivoting_is_needed_and_done() {
    // Zero diagonal: no LU without row swaps.
    let n = 40;
    let a = Banded::from_fn(n, 1, 1, |i, j| {
        if i == j {
            0.0
        } else {
            1.0 + (i + j) as f64 * 0.01
        }
    });
    let m = a.to_dmatrix();
    let b = DVector::from_fn(n, |i, _| i as f64);
    let x = a.lu().unwrap().solve(&b).unwrap();
    assert!(rel_residual(&m, &x, &b) < 1e-14);
}

#[test]
fn tridiagonal_and_bidiagonal() {
    for (kl, ku) in [(1, 1), (1, 0), (0, 1), (0, 0), (3, 0), (0, 3)] {
        let a = general(300, kl, ku, 3.0, 11);
        let m = a.to_dmatrix();
        let b = vector(300, 3);
        let x = a.lu().unwrap().solve(&b).unwrap();
        assert!(rel_residual(&m, &x, &b) < 1e-14, "kl = {kl}, ku = {ku}");
    }
}

/// The banded LU of LAPACK `gbtrf` written out on a dense matrix, one
/// rounding per operation in the kernel's order: the kernel must give the
/// same bits (its loops are restructured for speed, not its arithmetic).
/// Returns the factors (multipliers below the diagonal, not swapped by
/// later pivots) and the pivot rows, or the first singular column.
fn reference_lu(a: &Banded<f64>) -> Result<(DMatrix<f64>, Vec<usize>), usize> {
    let (n, kl) = (a.n(), a.kl());
    let mut f = a.to_dmatrix();
    let mut ipiv = vec![0; n];
    for j in 0..n {
        let km = kl.min(n - 1 - j);
        let mut p = j;
        for i in j + 1..=j + km {
            if f[(i, j)].abs() > f[(p, j)].abs() {
                p = i;
            }
        }
        ipiv[j] = p;
        if f[(p, j)] == 0.0 {
            return Err(j);
        }
        for c in j..n {
            f.swap((j, c), (p, c));
        }
        let inv = 1.0 / f[(j, j)];
        for i in j + 1..=j + km {
            f[(i, j)] *= inv;
        }
        for c in j + 1..n {
            let u = f[(j, c)];
            if u != 0.0 {
                for i in j + 1..=j + km {
                    f[(i, c)] -= f[(i, j)] * u;
                }
            }
        }
    }
    Ok((f, ipiv))
}

/// `A x = b` with [`reference_lu`]'s factors, in `gbtrs` order.
fn reference_solve(
    f: &DMatrix<f64>,
    ipiv: &[usize],
    kl: usize,
    ku: usize,
    b: &DVector<f64>,
) -> DVector<f64> {
    let n = b.len();
    let mut x = b.clone();
    for j in 0..n.saturating_sub(1) {
        x.swap_rows(j, ipiv[j]);
        for i in j + 1..=j + kl.min(n - 1 - j) {
            x[i] -= f[(i, j)] * x[j];
        }
    }
    for j in (0..n).rev() {
        x[j] /= f[(j, j)];
        for i in j.saturating_sub(kl + ku)..j {
            x[i] -= f[(i, j)] * x[j];
        }
    }
    x
}

/// Random band with exact zeros in it (the kernel skips zero multiplier
/// rows) and, if `zero_diag`, a zero diagonal (every column pivots).
fn sparse_general(n: usize, kl: usize, ku: usize, zero_diag: bool, seed: u64) -> Banded<f64> {
    let mut rng = crate::common::banded::Rng::new(seed);
    Banded::from_fn(n, kl, ku, |i, j| {
        let v = rng.uniform(-1.0, 1.0);
        if (zero_diag && i == j) || v.abs() < 0.3 {
            0.0
        } else {
            v
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4 * CASES))]

    #[test]
    fn general_kernel_is_bitwise_the_reference(
        n in prop_oneof![1usize..=12, 1usize..=120],
        kl in 0usize..=9,
        ku in 0usize..=9,
        zero_diag in any::<bool>(),
        dense_band in any::<bool>(),
        seed in any::<u64>(),
    ) {
        // kl = ku = 1 takes the tridiagonal kernel, which divides instead.
        prop_assume!((kl, ku) != (1, 1));
        let a = if dense_band {
            general(n, kl, ku, 0.0, seed)
        } else {
            sparse_general(n, kl, ku, zero_diag, seed)
        };
        let b = vector(n, seed);
        match (a.lu(), reference_lu(&a)) {
            (Ok(lu), Ok((f, ipiv))) => {
                let x = lu.solve(&b).unwrap();
                let xr = reference_solve(&f, &ipiv, kl, ku, &b);
                prop_assert_eq!(&x, &xr);
                let swaps = ipiv.iter().enumerate().filter(|&(j, &p)| p != j).count();
                let negative = f.diagonal().iter().filter(|v| **v < 0.0).count();
                let sign = if (swaps + negative) % 2 == 0 { 1.0 } else { -1.0 };
                prop_assert_eq!(lu.determinant_sign(), sign);
                let log_abs: f64 = f.diagonal().iter().map(|v| v.abs().ln()).sum();
                prop_assert_eq!(lu.log_abs_determinant(), (log_abs, sign));
                // Against the dense LU of nalgebra: a small backward error.
                let m = a.to_dmatrix();
                prop_assert!(rel_residual(&m, &x, &b) < 1e-12);
                let xt = lu.solve_transposed(&b).unwrap();
                prop_assert!(rel_residual(&m.transpose(), &xt, &b) < 1e-12);
                if let Some(xd) = m.lu().solve(&b) {
                    let cond_ok = xd.amax() < 1e6;
                    if cond_ok {
                        prop_assert!((&x - &xd).amax() <= 1e-8 * (1.0 + xd.amax()));
                    }
                }
            }
            (Err(lensdiff::Error::Singular { column }), Err(j)) => prop_assert_eq!(column, j),
            (ours, theirs) => prop_assert!(false, "kernel {:?}, reference {:?}", ours.map(|_| ()), theirs.map(|_| ())),
        }
    }
}

#[test]
fn solve_pair_checks_both_right_hand_sides() {
    let lu = general(20, 2, 3, 6.0, 5).lu().unwrap();
    let mut b = vec![1.0; 20];
    let mut c = vec![1.0; 20];
    c[7] = f64::NAN;
    let err = lu.solve_pair_mut(&mut b, &mut c).unwrap_err();
    assert!(
        matches!(err, lensdiff::Error::NonFinite { what: "rhs", .. }),
        "{err:?}"
    );
    let mut short = vec![1.0; 19];
    let err = lu.solve_pair_mut(&mut b, &mut short).unwrap_err();
    assert!(
        matches!(
            err,
            lensdiff::Error::DimensionMismatch {
                expected: 20,
                found: 19,
                ..
            }
        ),
        "{err:?}"
    );
}
