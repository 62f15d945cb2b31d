//! The envelope Cholesky and the orderings (reverse Cuthill-McKee, the
//! envelope ordering). Oracle: nalgebra's dense Cholesky.

use lensdiff::Error;
use lensdiff::banded::{EnvelopeCholesky, envelope_ordering, envelope_size, reverse_cuthill_mckee};
use lensdiff::sparsity::{CscMatrix, Pattern};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

/// The symmetric CSC matrix of a dense symmetric matrix's nonzeros.
fn csc_of(a: &DMatrix<f64>) -> CscMatrix {
    let n = a.nrows();
    let (mut col_ptr, mut row_idx, mut values) = (vec![0], Vec::new(), Vec::new());
    for j in 0..n {
        for i in 0..n {
            if a[(i, j)] != 0.0 {
                row_idx.push(i);
                values.push(a[(i, j)]);
            }
        }
        col_ptr.push(row_idx.len());
    }
    CscMatrix {
        nrows: n,
        ncols: n,
        col_ptr,
        row_idx,
        values,
    }
}

fn is_permutation(p: &[usize]) -> bool {
    let mut seen = vec![false; p.len()];
    p.iter()
        .all(|&v| v < p.len() && !std::mem::replace(&mut seen[v], true))
}

/// A random symmetric matrix: a band of half-width `k`, `extra` random
/// couplings, `hubs` rows coupled to everything; diagonally dominant
/// (positive definite) when `spd`, else with a random diagonal.
fn random_matrix(
    n: usize,
    k: usize,
    extra: &[(usize, usize)],
    hubs: &[usize],
    vals: &[f64],
    spd: bool,
) -> DMatrix<f64> {
    let mut a = DMatrix::zeros(n, n);
    let mut t = 0;
    let mut next = || {
        t += 1;
        vals[t % vals.len()]
    };
    let set = |a: &mut DMatrix<f64>, i: usize, j: usize, v: f64| {
        a[(i, j)] = v;
        a[(j, i)] = v;
    };
    for i in 0..n {
        for j in i + 1..(i + k + 1).min(n) {
            set(&mut a, i, j, next());
        }
    }
    for &(i, j) in extra {
        if i % n != j % n {
            set(&mut a, i % n, j % n, next());
        }
    }
    for &h in hubs {
        for j in 0..n {
            if j != h % n {
                set(&mut a, h % n, j, next());
            }
        }
    }
    for i in 0..n {
        let off: f64 = (0..n).filter(|&j| j != i).map(|j| a[(i, j)].abs()).sum();
        a[(i, i)] = if spd {
            off + 1.0 + next().abs()
        } else {
            next()
        };
    }
    a
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// The envelope Cholesky solves what the dense Cholesky solves, for
    /// bands with random couplings and hubs, with and without a shift.
    #[test]
    fn envelope_cholesky_matches_dense(
        n in 1usize..60,
        k in 0usize..4,
        extra in prop::collection::vec((0usize..60, 0usize..60), 0..6),
        hubs in prop::collection::vec(0usize..60, 0..3),
        vals in prop::collection::vec(-2.0f64..2.0, 1..40),
        shift in prop_oneof![Just(0.0), 0.0f64..3.0],
    ) {
        let a = random_matrix(n, k, &extra, &hubs, &vals, true);
        let csc = csc_of(&a);
        let mut chol = EnvelopeCholesky::analyze(&csc.pattern()).unwrap();
        prop_assert!(is_permutation(chol.permutation()));
        chol.factor(&csc, shift).unwrap();
        let b = DVector::from_fn(n, |i, _| (i as f64 * 0.7).sin() + 0.1);
        let x = chol.solve(&b).unwrap();
        let shifted = &a + DMatrix::identity(n, n) * shift;
        let expected = shifted.clone().cholesky().unwrap().solve(&b);
        prop_assert!((&x - &expected).amax() <= 1e-9 * expected.amax().max(1.0),
            "n={n} k={k}: {x} vs {expected}");
    }

    /// An indefinite matrix is refused exactly when the dense Cholesky
    /// refuses it (up to pivots near zero), and never gives a wrong solve.
    #[test]
    fn envelope_cholesky_refuses_indefinite(
        n in 1usize..40,
        k in 0usize..3,
        extra in prop::collection::vec((0usize..40, 0usize..40), 0..4),
        vals in prop::collection::vec(-2.0f64..2.0, 1..30),
    ) {
        let a = random_matrix(n, k, &extra, &[], &vals, false);
        let csc = csc_of(&a);
        let mut chol = EnvelopeCholesky::analyze(&csc.pattern()).unwrap();
        let ours = chol.factor(&csc, 0.0);
        let min_eig = a.clone().symmetric_eigenvalues().min();
        if min_eig < -1e-8 {
            prop_assert!(matches!(ours, Err(Error::NotPositiveDefinite { .. })), "min eigenvalue {min_eig}");
        } else if min_eig > 1e-8 && ours.is_ok() {
            let b = DVector::from_element(n, 1.0);
            let x = chol.solve(&b).unwrap();
            prop_assert!((&a * &x - &b).amax() < 1e-6 * (1.0 + x.amax() * a.amax()));
        }
    }

    /// The chosen ordering is a permutation and never has a larger envelope
    /// than the natural order.
    #[test]
    fn ordering_never_worse_than_natural(
        n in 1usize..80,
        k in 0usize..4,
        extra in prop::collection::vec((0usize..80, 0usize..80), 0..8),
        hubs in prop::collection::vec(0usize..80, 0..2),
    ) {
        let a = random_matrix(n, k, &extra, &hubs, &[1.0], true);
        let p = csc_of(&a).pattern();
        let rcm = reverse_cuthill_mckee(&p);
        prop_assert!(is_permutation(&rcm));
        let best = envelope_ordering(&p);
        let natural: Vec<usize> = (0..n).collect();
        prop_assert!(envelope_size(&p, &best) <= envelope_size(&p, &natural));
    }
}

/// A periodic band (the last points couple to the first) keeps an
/// envelope of O(n·k) entries; a variable coupled to everything goes last.
#[test]
fn periodic_bands_and_hubs_keep_small_envelopes() {
    let n = 10_000;
    for k in 1..4 {
        let periodic = Pattern::from_entries(
            n,
            n,
            (0..n).flat_map(|i| (0..=k).flat_map(move |d| [(i, (i + d) % n), ((i + d) % n, i)])),
        );
        // The natural order fills the last k rows completely (k·n more);
        // reverse Cuthill–McKee folds the ring into a band (level sets of
        // 2k vertices: half-width below 4k).
        let natural: Vec<usize> = (0..n).collect();
        assert!(
            envelope_size(&periodic, &natural) >= 2 * k * n,
            "{}",
            envelope_size(&periodic, &natural)
        );
        let rcm = reverse_cuthill_mckee(&periodic);
        assert!(envelope_size(&periodic, &rcm) <= (4 * k + 1) * n, "k = {k}");
        let env = EnvelopeCholesky::analyze(&periodic)
            .unwrap()
            .envelope_size();
        assert!(env <= (2 * k + 2) * n, "k = {k}: envelope {env}");
    }
    // Hub first: the natural order fills the whole triangle.
    let hub_first = Pattern::from_entries(
        n,
        n,
        (0..n).flat_map(|i| {
            [
                (i, i),
                (0, i),
                (i, 0),
                (i, (i + 1).min(n - 1)),
                ((i + 1).min(n - 1), i),
            ]
        }),
    );
    let chol = EnvelopeCholesky::analyze(&hub_first).unwrap();
    assert!(chol.envelope_size() <= 3 * n, "{}", chol.envelope_size());
    assert_eq!(*chol.permutation().last().unwrap(), 0);
}

#[test]
fn envelope_cholesky_errors() {
    let a = csc_of(&DMatrix::from_row_slice(2, 2, &[2.0, 0.0, 0.0, 3.0]));
    let mut chol = EnvelopeCholesky::analyze(&a.pattern()).unwrap();
    // No factorisation yet.
    assert!(matches!(
        chol.solve(&DVector::zeros(2)),
        Err(Error::InvalidArgument { .. })
    ));
    chol.factor(&a, 0.0).unwrap();
    assert!(matches!(
        chol.solve(&DVector::zeros(3)),
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    // An entry outside the analysed (diagonal) pattern.
    let full = csc_of(&DMatrix::from_row_slice(2, 2, &[2.0, 1.0, 1.0, 3.0]));
    let err = chol.factor(&full, 0.0).unwrap_err();
    assert!(
        err.to_string().contains("outside the analysed pattern"),
        "{err}"
    );
    // A failed factorisation leaves nothing to solve with.
    assert!(chol.solve(&DVector::zeros(2)).is_err());
    let three = csc_of(&DMatrix::identity(3, 3));
    assert!(matches!(
        chol.factor(&three, 0.0),
        Err(Error::DimensionMismatch {
            expected: 2,
            found: 3,
            ..
        })
    ));
    // A non-square pattern.
    assert!(EnvelopeCholesky::analyze(&Pattern::from_entries(2, 3, [(0, 0)])).is_err());
    // NaN pivots are refused.
    let nan = csc_of(&DMatrix::from_row_slice(1, 1, &[f64::NAN]));
    let mut c = EnvelopeCholesky::analyze(&nan.pattern()).unwrap();
    assert!(matches!(
        c.factor(&nan, 0.0),
        Err(Error::NotPositiveDefinite { pivot: 0, .. })
    ));
}
