//! Storage: layouts, conversions, products, formatting, comparison.

use crate::common::banded::{CASES, SpdKind, general, size, spd, vector};
use approx::{assert_relative_eq, relative_eq};
use lensdiff::Error;
use lensdiff::banded::{Banded, SymBanded, Triangle};
use nalgebra::{DVector, dmatrix};
use proptest::prelude::*;

#[test]
fn sym_upper_layout_matches_lapack() {
    // n = 5, k = 2: ab[k + i - j][j] = A[i][j], column-major, corner zero.
    let a = SymBanded::from_fn(5, 2, |i, j| (10 * i + j) as f64);
    for j in 0..5_usize {
        for i in j.saturating_sub(2)..=j {
            assert_eq!(a.ab(2 + i - j, j), (10 * i + j) as f64);
            assert_eq!(a.as_slice()[j * 3 + 2 + i - j], (10 * i + j) as f64);
        }
    }
    assert_eq!(&a.as_slice()[..3], &[0.0, 0.0, 0.0]);
    assert_eq!(a.ab(0, 1), 0.0);
    assert_eq!(a.get(4, 2), a.get(2, 4));
    assert_eq!(a.get(0, 3), 0.0);
}

#[test]
fn sym_lower_layout_matches_lapack() {
    let l = SymBanded::from_fn(5, 2, |i, j| (10 * i + j) as f64).to_triangle(Triangle::Lower);
    for j in 0..5_usize {
        for i in j..5.min(j + 3) {
            assert_eq!(l.ab(i - j, j), (10 * j + i) as f64);
        }
    }
    assert_eq!((l.ab(1, 4), l.ab(2, 4), l.ab(2, 3)), (0.0, 0.0, 0.0));
}

#[test]
fn general_layout_matches_lapack() {
    // n = 5, kl = 1, ku = 2: ab[ku + i - j][j] = A[i][j].
    let a = Banded::from_fn(5, 1, 2, |i, j| (10 * i + j) as f64);
    for j in 0..5_usize {
        for i in j.saturating_sub(2)..5.min(j + 2) {
            assert_eq!(a.ab(2 + i - j, j), (10 * i + j) as f64);
        }
    }
    assert_eq!((a.ab(0, 0), a.ab(1, 0), a.ab(3, 4)), (0.0, 0.0, 0.0));
}

#[test]
fn from_ab_checks_length_and_zeroes_corners() {
    assert!(matches!(
        SymBanded::from_ab(3, 1, vec![1.0; 5]),
        Err(Error::DimensionMismatch {
            expected: 6,
            found: 5,
            ..
        })
    ));
    let a = Banded::from_ab(2, 1, 1, vec![7.0; 6]).unwrap();
    assert_eq!(a.as_slice(), &[0.0, 7.0, 7.0, 7.0, 7.0, 0.0]);
}

#[test]
fn set_either_triangle() {
    let mut a = SymBanded::<f64>::zeros(4, 1);
    a.set(3, 2, 5.0);
    a.set(1, 2, 6.0);
    assert_eq!((a.get(2, 3), a.get(2, 1)), (5.0, 6.0));
    let mut l = SymBanded::from_fn_in(Triangle::Lower, 4, 1, |_, _| 0.0);
    l.set(2, 3, 5.0);
    assert_eq!(l.get(3, 2), 5.0);
}

#[test]
#[should_panic(expected = "outside")]
fn set_outside_band_panics() {
    SymBanded::<f64>::zeros(4, 1).set(0, 2, 1.0);
}

#[test]
fn checked_from_dmatrix() {
    let m = dmatrix![1.0, 2.0, 0.0; 2.0, 1.0, 3.0; 0.0, 3.0, 1.0];
    assert!(SymBanded::try_from_dmatrix(&m, 1).is_ok());
    assert!(SymBanded::try_from_dmatrix(&m, 0).is_err());
    let asym = dmatrix![1.0, 2.0; 0.5, 1.0];
    assert!(matches!(
        SymBanded::try_from_dmatrix(&asym, 1),
        Err(Error::InvalidArgument { .. })
    ));
    assert!(Banded::try_from_dmatrix(&asym, 1, 1).is_ok());
    assert!(Banded::try_from_dmatrix(&asym, 0, 1).is_err());
}

#[test]
fn debug_is_readable() {
    let a = SymBanded::from_fn(4, 1, |i, j| if i == j { 2.0 } else { -1.0 });
    let s = format!("{a:?}");
    assert!(s.starts_with("SymBanded { n = 4, k = 1"), "{s}");
    assert_eq!(s.lines().count(), 6, "{s}");
    assert!(s.lines().nth(1).unwrap().contains('.'), "{s}");
    assert!(s.contains("-1.0000"), "{s}");
    let big = format!("{:?}", SymBanded::<f64>::zeros(100, 3));
    assert_eq!(big, "SymBanded { n = 100, k = 3 (upper storage) }");
    let g = format!("{:?}", Banded::from_fn(3, 1, 0, |_, _| 1.0));
    assert_eq!(g.lines().count(), 5, "{g}");
    let l = format!(
        "{:?}",
        SymBanded::from_fn(3, 1, |_, _| 1.0).to_triangle(Triangle::Lower)
    );
    assert!(
        l.starts_with("SymBanded { n = 3, k = 1 (lower storage)"),
        "{l}"
    );
}

#[test]
fn approx_traits() {
    let a = SymBanded::from_fn(5, 2, |i, j| (i + j) as f64);
    let mut b = a.clone();
    b.set(1, 3, b.get(1, 3) + 1e-12);
    assert_relative_eq!(a, b, epsilon = 1e-10);
    assert!(!relative_eq!(a, b, epsilon = 1e-14, max_relative = 1e-14));
    // Different bandwidth, same matrix.
    let wide = SymBanded::from_fn(5, 3, |i, j| if j - i <= 2 { (i + j) as f64 } else { 0.0 });
    assert_relative_eq!(a, wide);
    let g = Banded::from_fn(4, 1, 1, |i, j| (i * j) as f64);
    assert_relative_eq!(g, g.transpose().transpose());
    assert!(!relative_eq!(
        g,
        Banded::from_fn(5, 1, 1, |i, j| (i * j) as f64)
    ));
}

#[test]
fn shift_and_add_diagonal() {
    let a = SymBanded::from_fn(3, 1, |_, _| 1.0);
    let s = a.shifted(2.0);
    assert_eq!(
        s.to_dmatrix(),
        a.to_dmatrix() + nalgebra::DMatrix::identity(3, 3) * 2.0
    );
    let g = Banded::from_fn(3, 1, 0, |_, _| 1.0);
    assert_eq!(g.shifted(-1.0).get(2, 2), 0.0);
}

#[test]
fn mul_vec_dimension_mismatch() {
    let a = SymBanded::from_fn(3, 1, |_, _| 1.0);
    assert!(matches!(
        a.try_mul_vec(&DVector::zeros(2)),
        Err(Error::DimensionMismatch {
            op: "SymBanded::mul_vec",
            expected: 3,
            found: 2
        })
    ));
    let g = Banded::from_fn(3, 1, 1, |_, _| 1.0);
    let mut y = [0.0; 4];
    assert!(g.try_mul_vec_into(&[0.0; 3], &mut y).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn sym_round_trips_and_mul_vec((n, k) in size(), seed in any::<u64>()) {
        let a = spd(n, k, SpdKind::Dominant, seed);
        let m = a.to_dmatrix();
        prop_assert_eq!(&m, &m.transpose());
        prop_assert_eq!(&SymBanded::from_dmatrix(&m, k), &a);
        prop_assert_eq!(&SymBanded::try_from_dmatrix(&m, k).unwrap(), &a);
        let lower = a.to_triangle(Triangle::Lower);
        prop_assert_eq!(&lower.to_dmatrix(), &m);
        prop_assert_eq!(&lower.to_triangle(Triangle::Upper), &a);
        prop_assert_eq!(&SymBanded::from_fn_in(Triangle::Lower, n, k, |i, j| m[(i, j)]), &lower);
        let x = vector(n, seed);
        let y = a.mul_vec(&x);
        let dense = &m * &x;
        prop_assert!((&y - &dense).amax() <= 1e-12 * (1.0 + dense.amax()));
        prop_assert!((lower.mul_vec(&x) - &dense).amax() <= 1e-12 * (1.0 + dense.amax()));
        // Dropping the band of a wider matrix.
        let narrower = SymBanded::from_dmatrix(&m, k.saturating_sub(1));
        for j in 0..n {
            for i in 0..n {
                let expect = if i.abs_diff(j) <= k.saturating_sub(1) { m[(i, j)] } else { 0.0 };
                prop_assert_eq!(narrower.get(i, j), expect);
            }
        }
    }

    #[test]
    fn general_round_trips_and_mul_vec((n, kl) in size(), ku in 0usize..=8, seed in any::<u64>()) {
        let a = general(n, kl, ku, 0.0, seed);
        let m = a.to_dmatrix();
        prop_assert_eq!(&Banded::from_dmatrix(&m, kl, ku), &a);
        prop_assert_eq!(&Banded::try_from_dmatrix(&m, kl, ku).unwrap(), &a);
        prop_assert_eq!(&a.transpose().to_dmatrix(), &m.transpose());
        let x = vector(n, seed);
        let dense = &m * &x;
        prop_assert!((a.mul_vec(&x) - &dense).amax() <= 1e-12 * (1.0 + dense.amax()));
    }
}
