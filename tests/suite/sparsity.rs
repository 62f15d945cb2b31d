//! Sparsity detection, colourings and compressed Hessians against
//! independent oracles: the dense Hessian (`n` products with unit
//! vectors), the forward-mode dense Jacobian, the pattern implied by the
//! objective's definition, and the definitions of the colourings.
//! `dense`: detection within a limit, and dense Hessians.

mod dense;

use crate::common::{PeriodicWithParameter, unlocated};
use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::hessian::{BandOptions, hessian};
use lensdiff::hessian::{
    Recovery, SparseHessianPlan, SparseOptions, hessian_banded_auto, hessian_sparse,
    hessian_sparse_with,
};
use lensdiff::optim::{Newton, StopReason};
use lensdiff::sparsity::{
    ColumnOrder, JacobianMode, Pattern, SeedMode, acyclic_coloring, column_coloring,
    column_coloring_with, hessian_pattern, jacobian_pattern, jacobian_sparse, jacobian_sparse_with,
    star_coloring,
};
use lensdiff::{
    DFun, Error, Expr, Forward, Objective, Real, Reverse, jacobian_fwd, jacobian_rev,
    value_and_grad,
};
use nalgebra::{DMatrix, DVector};
use num_traits::Float;

use proptest::prelude::*;

/// Σ_pairs sin(a·x_i·x_j) + Σ_{i ∈ quartic} x_i⁴ + Σ x (a linear term).
#[derive(Debug, Clone)]
struct RandomSparse {
    n: usize,
    pairs: Vec<(usize, usize, f64)>,
    quartic: Vec<usize>,
}

impl Objective for RandomSparse {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let mut f = x.sum();
        for &(i, j, a) in &self.pairs {
            f = f + (x.at(i) * x.at(j) * a).sin();
        }
        for &i in &self.quartic {
            f = f + x.at(i).powi(4);
        }
        f
    }
}

impl RandomSparse {
    /// The Hessian pattern by definition.
    fn expected(&self) -> Pattern {
        let mut e = Vec::new();
        for &(i, j, _) in &self.pairs {
            e.extend([(i, j), (j, i), (i, i), (j, j)]);
        }
        e.extend(self.quartic.iter().map(|&i| (i, i)));
        Pattern::from_entries(self.n, self.n, e)
    }
}

fn random_sparse() -> impl Strategy<Value = (RandomSparse, DVector<f64>)> {
    (2usize..30).prop_flat_map(|n| {
        (
            proptest::collection::vec((0..n, 0..n, 0.3f64..2.0), 0..2 * n),
            proptest::collection::vec(0..n, 0..n),
            proptest::collection::vec(-1.5f64..1.5, n),
        )
            .prop_map(move |(pairs, quartic, x)| {
                (RandomSparse { n, pairs, quartic }, DVector::from_vec(x))
            })
    })
}

/// The structural pattern of a dense matrix (exact zeros excluded).
fn nonzeros(m: &DMatrix<f64>) -> Pattern {
    Pattern::from_entries(
        m.nrows(),
        m.ncols(),
        (0..m.nrows())
            .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
            .filter(|&(i, j)| m[(i, j)] != 0.0),
    )
}

fn assert_superset(big: &Pattern, small: &Pattern) {
    for i in 0..small.nrows() {
        for &j in small.row(i) {
            assert!(big.contains(i, j), "missed nonzero ({i}, {j})");
        }
    }
}

/// Star colouring by definition: proper, and every off-diagonal nonzero is
/// the only one of its column's colour in its row or, transposed, in its
/// column's row.
fn is_star_recoverable(p: &Pattern, color: &[usize]) -> bool {
    let alone =
        |i: usize, j: usize| p.row(i).iter().filter(|&&l| color[l] == color[j]).count() == 1;
    (0..p.nrows()).all(|i| {
        p.row(i)
            .iter()
            .all(|&j| (i != j || alone(i, i)) && (alone(i, j) || alone(j, i)))
    })
}

/// Acyclic colouring by definition: proper, and for every pair of colours
/// the edges between the two classes form a forest (checked with a plain
/// union-find per pair: an edge joining one tree to itself is a cycle).
fn is_acyclic(p: &Pattern, color: &[usize]) -> bool {
    fn find(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            v = parent[v];
        }
        v
    }
    let nc = color.iter().max().map_or(0, |c| c + 1);
    for c in 0..nc {
        for d in c + 1..nc {
            let mut parent: Vec<usize> = (0..p.nrows()).collect();
            for i in 0..p.nrows() {
                for &j in p.row(i) {
                    if j <= i {
                        continue;
                    }
                    let pair = (color[i].min(color[j]), color[i].max(color[j]));
                    if pair != (c, d) {
                        continue;
                    }
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    if a == b {
                        return false;
                    }
                    parent[a] = b;
                }
            }
        }
    }
    (0..p.nrows()).all(|i| p.row(i).iter().all(|&j| i == j || color[i] != color[j]))
}

/// Distance-2 (column-intersection) validity: columns sharing a row differ.
fn is_column_coloring(p: &Pattern, color: &[usize]) -> bool {
    (0..p.nrows()).all(|i| {
        let r = p.row(i);
        r.iter()
            .enumerate()
            .all(|(a, &j)| r[a + 1..].iter().all(|&k| color[j] != color[k]))
    })
}

/// Max over columns of the number of other columns within distance 2
/// (sharing a row), plus one: the greedy bound.
fn distance2_bound(p: &Pattern) -> usize {
    let t = p.transpose();
    (0..p.ncols())
        .map(|j| {
            let mut nb: Vec<usize> = t.row(j).iter().flat_map(|&r| p.row(r).to_vec()).collect();
            nb.sort_unstable();
            nb.dedup();
            nb.iter().filter(|&&k| k != j).count() + 1
        })
        .max()
        .unwrap_or(0)
}

/// Max over vertices of the number of vertices within distance 2 in the
/// adjacency graph (diagonal ignored), plus one: a bound for the greedy
/// star colouring (it forbids only colours of vertices at distance ≤ 2).
fn star_bound(p: &Pattern) -> usize {
    (0..p.nrows())
        .map(|v| {
            let mut nb: Vec<usize> = p
                .row(v)
                .iter()
                .flat_map(|&w| std::iter::once(w).chain(p.row(w).iter().copied()))
                .filter(|&u| u != v)
                .collect();
            nb.sort_unstable();
            nb.dedup();
            nb.len() + 1
        })
        .max()
        .unwrap_or(0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn pattern_is_exact_on_random_sparse((f, x) in random_sparse()) {
        let p = hessian_pattern(&f, &x).unwrap();
        let dense = hessian(&f, &x).unwrap();
        // Conservative: every nonzero of the dense Hessian is detected.
        assert_superset(&p, &nonzeros(&dense));
        // Exact: the pattern is that of the definition (a random point
        // makes every structural entry numerically nonzero).
        prop_assert_eq!(&p, &f.expected());
        prop_assert_eq!(&p, &nonzeros(&dense));
    }

    #[test]
    fn colorings_are_valid_and_within_bounds((f, x) in random_sparse()) {
        let p = hessian_pattern(&f, &x).unwrap();
        let star = star_coloring(&p);
        prop_assert!(is_star_recoverable(&p, star.colors()));
        prop_assert!(star.n_colors() <= star_bound(&p));
        let col = column_coloring(&p);
        prop_assert!(is_column_coloring(&p, col.colors()));
        prop_assert!(col.n_colors() <= distance2_bound(&p));
        prop_assert!(col.n_colors() >= p.max_row_nnz());
        let acyclic = acyclic_coloring(&p);
        prop_assert!(is_acyclic(&p, acyclic.colors()));
        prop_assert!(acyclic.n_colors() <= star_bound(&p));
    }

    #[test]
    fn substitution_hessian_equals_dense((f, x) in random_sparse()) {
        let h = hessian_sparse_with(&f, &x, Recovery::Substitution).unwrap();
        let dense = hessian(&f, &x).unwrap();
        let err = (h.hessian.to_dmatrix() - &dense).amax();
        prop_assert!(err <= 1e-10 * dense.amax().max(1.0), "error {}", err);
    }

    #[test]
    fn compressed_hessian_equals_dense((f, x) in random_sparse()) {
        let h = hessian_sparse(&f, &x).unwrap();
        let dense = hessian(&f, &x).unwrap();
        let err = (h.hessian.to_dmatrix() - &dense).amax();
        prop_assert!(err <= 1e-12 * dense.amax().max(1.0), "error {}", err);
    }

    #[test]
    fn jacobian_pattern_is_exact(
        rows in proptest::collection::vec((0usize..12, 0usize..12), 1..20),
        x in proptest::collection::vec(-1.5f64..1.5, 12),
    ) {
        fn map<S: Real>(rows: &[(usize, usize)], x: Expr<S>) -> Expr<S> {
            let scalar = |&(i, j): &(usize, usize)| (x.at(i) * x.at(j) + x.at(j)).sin();
            rows[1..].iter().fold(scalar(&rows[0]), |acc, r| acc.concat(&scalar(r)))
        }
        let x = DVector::from_vec(x);
        let p = jacobian_pattern(|e| map(&rows, e), &x).unwrap();
        let expected = Pattern::from_entries(
            rows.len(),
            12,
            rows.iter().enumerate().flat_map(|(r, &(i, j))| [(r, i), (r, j)]),
        );
        prop_assert_eq!(&p, &expected);
        let f: DFun<DVector<f64>, DVector<f64>, Forward> = map(&rows, Expr::var()).compile();
        let jac = jacobian_fwd(&f, &x);
        prop_assert_eq!(&p, &nonzeros(&jac));
        let col = column_coloring(&p);
        prop_assert!(is_column_coloring(&p, col.colors()));
        prop_assert!(col.n_colors() <= distance2_bound(&p));
    }
}

/// A reproducible random point in [−1, 1]ⁿ (xorshift).
fn random_point(n: usize, seed: u64) -> DVector<f64> {
    let mut s = seed | 1;
    DVector::from_fn(n, |_, _| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    })
}

fn check_bench<P: Problem>(p: &P) {
    let x = random_point(p.n(), 0x1234_5678);
    let pat = hessian_pattern(p, &x).unwrap();
    let dense = hessian(p, &x).unwrap();
    assert_eq!(pat, nonzeros(&dense), "{}: pattern", p.name());
    assert_eq!(pat.bandwidth(), p.bandwidth(), "{}: bandwidth", p.name());
    let star = star_coloring(&pat);
    let col = column_coloring(&pat);
    assert!(is_star_recoverable(&pat, star.colors()));
    assert!(star.n_colors() <= 2 * p.bandwidth() + 1);
    assert!(star.n_colors() >= pat.max_row_nnz().min(p.bandwidth() + 1));
    let acyclic = acyclic_coloring(&pat);
    assert!(is_acyclic(&pat, acyclic.colors()));
    assert!(acyclic.n_colors() <= star.n_colors());
    println!(
        "{}: n = {}, nnz = {}, k = {}, max row nnz = {}, star colours = {}, distance-2 colours = {}, acyclic colours = {}",
        p.name(),
        p.n(),
        pat.nnz(),
        pat.bandwidth(),
        pat.max_row_nnz(),
        star.n_colors(),
        col.n_colors(),
        acyclic.n_colors()
    );
    let hs = hessian_sparse_with(p, &x, Recovery::Substitution).unwrap();
    assert!((hs.hessian.to_dmatrix() - &dense).amax() <= 1e-10 * dense.amax());
    let h = hessian_sparse(p, &x).unwrap();
    assert!((h.hessian.to_dmatrix() - &dense).amax() <= 1e-10 * dense.amax());
    let (k, band) = hessian_banded_auto(p, &x, &BandOptions::default()).unwrap();
    assert_eq!(k, p.bandwidth());
    assert!((band.band.to_dmatrix() - &dense).amax() <= 1e-8 * dense.amax());
}

#[test]
fn bench_chain1() {
    check_bench(&Chain1::new(60));
}

#[test]
fn bench_accel2() {
    check_bench(&Accel2::new(60));
}

#[test]
fn bench_robot2d() {
    check_bench(&Robot2d::new(30));
}

#[test]
fn star_coloring_of_a_wide_band_is_at_most_2k_plus_1() {
    for k in 1..8 {
        let n = 50;
        let p = Pattern::from_entries(
            n,
            n,
            (0..n).flat_map(|i| (i.saturating_sub(k)..(i + k + 1).min(n)).map(move |j| (i, j))),
        );
        let star = star_coloring(&p);
        assert!(is_star_recoverable(&p, star.colors()));
        assert!(star.n_colors() <= 2 * k + 1, "k = {k}: {}", star.n_colors());
        assert!(star.n_colors() > k); // the (k+1)-cliques need k+1 colours
        assert_eq!(column_coloring(&p).n_colors(), 2 * k + 1);
        let acyclic = acyclic_coloring(&p);
        assert!(is_acyclic(&p, acyclic.colors()));
        assert_eq!(acyclic.n_colors(), k + 1);
    }
}

#[test]
fn nested_traces_are_refused_and_arena_is_freed_after_a_panic() {
    struct Panics;
    impl Objective for Panics {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.map(|t| {
                assert!(t.re.value_f64() < 10.0, "too big");
                t * t
            })
            .sum()
        }
    }
    let big = DVector::from_element(3, 20.0);
    assert!(std::panic::catch_unwind(|| hessian_pattern(&Panics, &big)).is_err());
    // The trace ended with the panic: a new one starts fine.
    let p = hessian_pattern(&Panics, &DVector::from_element(3, 1.0)).unwrap();
    assert_eq!(p.nnz(), 3);
}

/// Linear sums over random groups of inputs, built as running sums (so
/// sets past the eager size become lazy unions in the tracer's arena) and
/// ended by a product `x_a x_b` (a small set added to a large one), then
/// put in a sine twice (the same product again) and multiplied by the next
/// group's sum.
#[derive(Debug, Clone)]
struct Groups {
    n: usize,
    groups: Vec<(Vec<usize>, (usize, usize))>,
}

impl Groups {
    fn sums<S: Real>(&self, x: &Expr<S>) -> Vec<Expr<S>> {
        self.groups
            .iter()
            .map(|(members, (a, b))| {
                let mut t = x.at(members[0]) * 0.5;
                for (k, &i) in members.iter().enumerate().skip(1) {
                    t = t + x.at(i) * (0.5 + 0.01 * k as f64);
                }
                t + x.at(*a) * x.at(*b)
            })
            .collect()
    }

    /// Each group's inputs, with `a` and `b`.
    fn sets(&self) -> Vec<Vec<usize>> {
        self.groups
            .iter()
            .map(|(members, (a, b))| {
                let mut s: Vec<usize> = members.iter().chain([a, b]).copied().collect();
                s.sort_unstable();
                s.dedup();
                s
            })
            .collect()
    }

    /// The Hessian pattern by definition: each group's set squared, and
    /// the products of neighbouring groups' sets.
    fn expected(&self) -> Pattern {
        let sets = self.sets();
        let mut e = Vec::new();
        for (g, s) in sets.iter().enumerate() {
            let next = sets.get(g + 1).map_or(&[][..], |t| &t[..]);
            for &i in s {
                e.extend(s.iter().map(|&j| (i, j)));
                e.extend(next.iter().flat_map(|&j| [(i, j), (j, i)]));
            }
        }
        Pattern::from_entries(self.n, self.n, e)
    }
}

impl Objective for Groups {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let t = self.sums(&x);
        let mut f = x.sum();
        for (g, tg) in t.iter().enumerate() {
            f = f + tg.sin() + tg.sin() * 0.5;
            if let Some(th) = t.get(g + 1) {
                f = f + tg.clone() * th.clone();
            }
        }
        f
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn large_sets_are_exact(
        n in 40usize..120,
        raw in proptest::collection::vec(
            (proptest::collection::vec(0usize..120, 1..100), 0usize..120, 0usize..120),
            1..5,
        ),
        seed in any::<u64>(),
    ) {
        let groups = raw
            .into_iter()
            .map(|(m, a, b)| (m.into_iter().map(|i| i % n).collect(), (a % n, b % n)))
            .collect();
        let f = Groups { n, groups };
        let x = random_point(n, seed);
        let p = hessian_pattern(&f, &x).unwrap();
        prop_assert_eq!(&p, &f.expected());
        prop_assert_eq!(&p, &nonzeros(&hessian(&f, &x).unwrap()));
        let rows = f.sets();
        let jac = jacobian_pattern(
            |x| {
                let t = f.sums(&x);
                t[1..].iter().fold(t[0].clone(), |v, tg| v.concat(tg))
            },
            &x,
        )
        .unwrap();
        for (g, row) in rows.iter().enumerate() {
            prop_assert_eq!(jac.row(g), &row[..]);
        }
    }
}

#[test]
fn a_dense_block_recorded_twice_is_deduplicated() {
    // Two sums with the same 1200 inputs, each in a sine: 2 × 720 600
    // pairs, enough to deduplicate during the trace as well as at the end.
    struct Block;
    impl Objective for Block {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.sum().sin() + (x * 2.0).sum().cos()
        }
    }
    let n = 1200;
    let p = hessian_pattern(&Block, &random_point(n, 7)).unwrap();
    assert_eq!(p.nnz(), n * n);
    assert!((0..n).all(|i| p.row(i).len() == n && p.row(i)[i] == i));
}

/// Pairs coupled by one of several smooth binary functions, written over
/// dual numbers (so the tracer runs inside `Dual<Tracer>` closures).
#[derive(Debug, Clone)]
struct MixedOps {
    n: usize,
    terms: Vec<(usize, usize, u8)>,
    kink: bool,
}

impl Objective for MixedOps {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let mut f = x.sum();
        for &(i, j, k) in &self.terms {
            let (a, b) = (x.at(i), x.at(j));
            let t = match k % 5 {
                0 => a / (b.square() + 2.0),
                1 => a.zip_map(&b, |u, v| {
                    (u * u + lensdiff::c(1.0)).powf(v * lensdiff::c(0.5))
                }),
                2 => a.zip_map(&b, |u, v| u.atan2(v + lensdiff::c(3.0))),
                3 => a.zip_map(&b, |u, v| u.hypot(v) * u),
                _ => (a.exp() * b).ln_1p_square(),
            };
            f = f + t;
        }
        if self.kink {
            // Piecewise linear: conservative (the union, then a square).
            f = f + x
                .trim(0, 1)
                .zip_map(&x.trim(1, 0), |u, v| u.max(v) * u.max(v))
                .sum();
        }
        f
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn mixed_operations_are_conservative_and_exact_when_smooth(
        n in 2usize..12,
        raw in proptest::collection::vec((0usize..12, 0usize..12, 0u8..5), 1..12),
        kink in any::<bool>(),
        seed in any::<u64>(),
    ) {
        let terms: Vec<_> = raw.into_iter().map(|(i, j, k)| (i % n, j % n, k)).collect();
        let f = MixedOps { n, terms, kink };
        let x = random_point(f.n, seed).map(|v| v * 0.5 + 1.0);
        let p = hessian_pattern(&f, &x).unwrap();
        let dense = hessian(&f, &x).unwrap();
        assert_superset(&p, &nonzeros(&dense));
        if !kink {
            prop_assert_eq!(&p, &nonzeros(&dense));
        }
        let h = hessian_sparse(&f, &x).unwrap();
        prop_assert!((h.hessian.to_dmatrix() - &dense).amax() <= 1e-10 * dense.amax().max(1.0));
    }
}

/// The degeneracy of the column-intersection graph (the largest minimum
/// degree over its subgraphs), by the definition: build the graph as a
/// dense matrix and repeatedly delete a vertex of minimum degree.
fn degeneracy(p: &Pattern) -> usize {
    let n = p.ncols();
    let mut adj = vec![vec![false; n]; n];
    for i in 0..p.nrows() {
        for &a in p.row(i) {
            for &b in p.row(i) {
                adj[a][b] = a != b;
            }
        }
    }
    let mut alive = vec![true; n];
    let mut worst = 0;
    for _ in 0..n {
        let deg = |v: usize| (0..n).filter(|&w| alive[w] && adj[v][w]).count();
        let v = (0..n)
            .filter(|&v| alive[v])
            .min_by_key(|&v| deg(v))
            .unwrap();
        worst = worst.max(deg(v));
        alive[v] = false;
    }
    worst
}

/// Is the colouring a valid distance-2 colouring of `p`'s columns in every
/// order, within the greedy bound (the degeneracy + 1 for smallest-last),
/// and at least `max row nnz`? Returns the colour counts (largest-first,
/// smallest-last, natural).
fn check_orders(p: &Pattern) -> [usize; 3] {
    let orders = [
        ColumnOrder::LargestFirst,
        ColumnOrder::SmallestLast,
        ColumnOrder::Natural,
    ];
    orders.map(|order| {
        let c = column_coloring_with(p, order);
        assert!(is_column_coloring(p, c.colors()), "{order:?}: invalid");
        assert!(
            c.n_colors() <= distance2_bound(p),
            "{order:?}: above the bound"
        );
        assert!(
            c.n_colors() >= p.max_row_nnz(),
            "{order:?}: below max row nnz"
        );
        if order == ColumnOrder::SmallestLast {
            assert!(
                c.n_colors() <= degeneracy(p) + 1,
                "above the degeneracy + 1"
            );
        }
        c.n_colors()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_order_colours_random_patterns_validly(
        (nrows, ncols, entries) in (1usize..40, 1usize..40).prop_flat_map(|(m, n)| {
            (Just(m), Just(n), proptest::collection::vec((0..m, 0..n), 0..4 * (m + n)))
        }),
    ) {
        let p = Pattern::from_entries(nrows, ncols, entries);
        check_orders(&p);
    }
}

/// The band of half-width `k` (all orders: the `2k + 1` of the CPR comb),
/// and arrowheads: a dense row and column need `n` colours either way; a
/// dense row alone needs `n` column colours and 2 row colours.
#[test]
fn band_and_arrowhead_colour_counts() {
    let n = 60;
    for k in 1..6 {
        let band = Pattern::from_entries(
            n,
            n,
            (0..n).flat_map(|i| (i.saturating_sub(k)..(i + k + 1).min(n)).map(move |j| (i, j))),
        );
        assert_eq!(check_orders(&band), [2 * k + 1; 3], "band k = {k}");
    }
    let arrow = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(0, i), (i, 0), (i, i)]));
    assert_eq!(check_orders(&arrow), [n; 3]);
    assert_eq!(check_orders(&arrow.transpose()), [n; 3]);
    let dense_row = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(0, i), (i, i)]));
    assert_eq!(check_orders(&dense_row), [n; 3]);
    assert_eq!(check_orders(&dense_row.transpose()), [2; 3]);
}

/// A random sparse vector map `Rⁿ → Rᵐ`: output `r` is the sum of its
/// terms, each a smooth function (picked by `kind`) of two inputs.
#[derive(Debug, Clone)]
struct RandomMap {
    n: usize,
    outputs: Vec<Vec<(usize, usize, u8, f64)>>,
}

impl Objective for RandomMap {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let term = |&(i, j, kind, a): &(usize, usize, u8, f64)| {
            let (u, v) = (x.at(i), x.at(j));
            match kind % 4 {
                0 => (u * v * a).sin(),
                1 => u * (v * a).exp(),
                2 => (u.square() + v.square() * a + 1.0).ln(),
                _ => u.tanh() * a + v.square(),
            }
        };
        let output = |terms: &Vec<(usize, usize, u8, f64)>| {
            terms[1..]
                .iter()
                .fold(term(&terms[0]), |acc, t| acc + term(t))
        };
        self.outputs[1..]
            .iter()
            .fold(output(&self.outputs[0]), |acc, o| acc.concat(&output(o)))
    }
}

fn random_map() -> impl Strategy<Value = (RandomMap, DVector<f64>)> {
    (1usize..25, 1usize..25).prop_flat_map(|(n, m)| {
        let term = (0..n, 0..n, 0u8..4, 0.3f64..1.5);
        (
            proptest::collection::vec(proptest::collection::vec(term, 1..4), m),
            proptest::collection::vec(-1.0f64..1.0, n),
        )
            .prop_map(move |(outputs, x)| (RandomMap { n, outputs }, DVector::from_vec(x)))
    })
}

fn dense_jacobians<F: Objective>(f: &F, x: &DVector<f64>) -> (DMatrix<f64>, DMatrix<f64>) {
    let fwd: DFun<DVector<f64>, DVector<f64>, Forward> = f.build(Expr::var()).compile();
    let rev: DFun<DVector<f64>, DVector<f64>, Reverse> = f.build(Expr::var()).compile();
    (jacobian_fwd(&fwd, x), jacobian_rev(&rev, x))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn compressed_jacobian_equals_dense_in_every_mode((f, x) in random_map()) {
        let (jf, jr) = dense_jacobians(&f, &x);
        let scale = jf.amax().max(1.0);
        prop_assert!((&jf - &jr).amax() <= 1e-12 * scale);
        let p = jacobian_pattern(|e| f.build(e), &x).unwrap();
        let by_col = column_coloring(&p).n_colors();
        let by_row = column_coloring(&p.transpose()).n_colors();
        let y: DFun<DVector<f64>, DVector<f64>, Forward> = f.build(Expr::var()).compile();
        for (mode, expected) in [
            (SeedMode::Forward, (JacobianMode::Forward, by_col)),
            (SeedMode::Reverse, (JacobianMode::Reverse, by_row)),
            (
                SeedMode::Auto,
                if by_col <= by_row {
                    (JacobianMode::Forward, by_col)
                } else {
                    (JacobianMode::Reverse, by_row)
                },
            ),
        ] {
            let j = jacobian_sparse_with(&f, &x, mode).unwrap();
            prop_assert_eq!((j.mode, j.colors), expected);
            prop_assert_eq!((j.jacobian.nrows, j.jacobian.ncols), (f.outputs.len(), f.n));
            prop_assert_eq!(&j.value, &y.eval(&x));
            let err = (j.jacobian.to_dmatrix() - &jf).amax();
            prop_assert!(err <= 1e-12 * scale, "{:?}: error {}", mode, err);
            let err = (j.jacobian.to_dmatrix() - &jr).amax();
            prop_assert!(err <= 1e-12 * scale, "{:?}: error {} against reverse", mode, err);
        }
        let auto = jacobian_sparse(&f, &x).unwrap();
        prop_assert_eq!(auto.colors, by_col.min(by_row));
    }

    #[test]
    fn every_order_colours_columns_and_rows_validly((f, x) in random_map()) {
        let p = jacobian_pattern(|e| f.build(e), &x).unwrap();
        check_orders(&p);
        check_orders(&p.transpose());
    }
}

/// F(x) = (sin x_0, …, sin x_{n−1}, Σ x, Σ x²): a diagonal and two dense
/// rows. Every pair of columns meets in a dense row (n column colours);
/// the diagonal rows meet only the dense rows (3 row colours).
struct DenseRows;

impl Objective for DenseRows {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.sin().concat(&x.sum()).concat(&x.square().sum())
    }
}

/// F(x)_i = x_0 · sin(x_i) + x_i²: a diagonal and a dense column 0. Every
/// pair of rows meets in column 0 (n row colours); columns 1.. meet only
/// column 0 (2 column colours).
struct DenseColumn;

impl Objective for DenseColumn {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.sin() * x.at(0) + x.square()
    }
}

/// `Auto` picks `(mode, colours)`, forcing `other` gives `(other's mode,
/// other_colors)`, and both equal the dense Jacobian.
fn check_pick<F: Objective>(
    f: &F,
    x: &DVector<f64>,
    picked: (JacobianMode, usize),
    other: (SeedMode, JacobianMode, usize),
) {
    let auto = jacobian_sparse(f, x).unwrap();
    assert_eq!((auto.mode, auto.colors), picked);
    let forced = jacobian_sparse_with(f, x, other.0).unwrap();
    assert_eq!((forced.mode, forced.colors), (other.1, other.2));
    let (dense, _) = dense_jacobians(f, x);
    for j in [auto, forced] {
        assert!((j.jacobian.to_dmatrix() - &dense).amax() <= 1e-12 * dense.amax());
    }
}

#[test]
fn auto_picks_reverse_for_dense_rows_and_forward_for_a_dense_column() {
    use JacobianMode::{Forward as Fwd, Reverse as Rev};
    let n = 40;
    let x = random_point(n, 7);
    check_pick(&DenseRows, &x, (Rev, 3), (SeedMode::Forward, Fwd, n));
    check_pick(&DenseColumn, &x, (Fwd, 2), (SeedMode::Reverse, Rev, n));
}

#[test]
fn jacobian_errors_name_the_problem() {
    struct Log;
    impl Objective for Log {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.ln()
        }
    }
    struct Mismatch;
    impl Objective for Mismatch {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.diff() + x.clone()
        }
    }
    let x = DVector::from_vec(vec![1.0, 2.0, 3.0]);
    let mut nan = x.clone();
    nan[2] = f64::NAN;
    assert_eq!(
        jacobian_sparse(&Log, &nan).unwrap_err(),
        Error::NonFinite {
            what: "x",
            index: Some(2)
        }
    );
    let mut neg = x.clone();
    neg[1] = -1.0;
    assert_eq!(
        jacobian_sparse(&Log, &neg).unwrap_err(),
        Error::NonFinite {
            what: "f(x)",
            index: Some(1)
        }
    );
    for mode in [SeedMode::Auto, SeedMode::Forward, SeedMode::Reverse] {
        let err = jacobian_sparse_with(&Mismatch, &x, mode).unwrap_err();
        assert_eq!(
            unlocated(err.clone()),
            Error::DimensionMismatch {
                op: "add",
                expected: 2,
                found: 3
            }
        );
        assert!(err.to_string().contains("expected 2, found 3"));
    }
    // ln at 0 has an infinite value; sqrt at 0 a finite value and an
    // infinite derivative.
    struct Sqrt;
    impl Objective for Sqrt {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.sqrt()
        }
    }
    let zero = DVector::from_vec(vec![1.0, 0.0]);
    for mode in [SeedMode::Forward, SeedMode::Reverse] {
        assert_eq!(
            jacobian_sparse_with(&Sqrt, &zero, mode).unwrap_err(),
            Error::NonFinite {
                what: "Jacobian",
                index: Some(1)
            }
        );
    }
}

/// `u·v` where `u > 0`, else `sin u` (pairs `(x_i, x_{i+5})`), plus a
/// chain: the Jacobian pattern depends on the point.
struct BranchyMap;

impl lensdiff::Objective for BranchyMap {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let (a, b) = (x.slice(0, 5), x.slice(5, 5));
        let coupled = a.zip_map(&b, |u, v| if u.value_f64() > 0.0 { u * v } else { u.sin() });
        coupled.concat(&x.diff().sin())
    }
}

#[test]
fn jacobian_plan_is_reused_and_catches_a_changed_pattern() {
    use lensdiff::sparsity::{SeedMode, SparseJacobianPlan};
    let x_neg = DVector::from_fn(10, |i, _| -1.0 - 0.1 * i as f64);
    let x_pos = DVector::from_fn(10, |i, _| 1.0 + 0.1 * i as f64);
    let f_fwd: DFun<DVector<f64>, DVector<f64>, Forward> = BranchyMap.build(Expr::var()).compile();
    for mode in [SeedMode::Forward, SeedMode::Reverse, SeedMode::Auto] {
        // Detected where the coupling exists: valid at both points.
        let plan = SparseJacobianPlan::new(&BranchyMap, &x_pos, mode).unwrap();
        for x in [&x_pos, &x_neg] {
            let j = plan.evaluate(&BranchyMap, x).unwrap();
            let dense = jacobian_fwd(&f_fwd, x);
            assert!(
                (j.jacobian.to_dmatrix() - &dense).amax() < 1e-14,
                "{mode:?}"
            );
            assert_eq!(j.value, f_fwd.eval(x));
        }
        // Detected where it does not: the probe refuses the other point.
        let plan = SparseJacobianPlan::new(&BranchyMap, &x_neg, mode).unwrap();
        match plan.evaluate(&BranchyMap, &x_pos) {
            Err(Error::PatternMismatch { residual, .. }) => assert!(residual > 1e-3, "{mode:?}"),
            other => panic!("{mode:?}: expected PatternMismatch, got {other:?}"),
        }
        // Wrong sizes are errors.
        assert!(matches!(
            plan.evaluate(&BranchyMap, &DVector::zeros(11)),
            Err(Error::DimensionMismatch {
                expected: 10,
                found: 11,
                ..
            })
        ));
    }
}

/// With the `nalgebra-sparse` feature, the CSC output converts into
/// nalgebra's sparse matrix with the same entries.
#[cfg(feature = "nalgebra-sparse")]
#[test]
fn csc_output_converts_to_nalgebra_sparse() {
    let p = Robot2d::new(20);
    let h = lensdiff::hessian::hessian_sparse(&p, &p.x0())
        .unwrap()
        .hessian;
    let dense = h.to_dmatrix();
    let nnz = h.nnz();
    let converted: nalgebra_sparse::CscMatrix<f64> = h.into();
    assert_eq!(converted.nnz(), nnz);
    assert_eq!(DMatrix::from(&converted), dense);
}

/// Above the dense threshold (n = 1000: rows longer than 316), Auto colours
/// only the side that can win and still picks it correctly.
#[test]
fn auto_skips_the_dense_side() {
    use lensdiff::sparsity::{JacobianMode, jacobian_sparse};
    struct DenseRowAndColumn(bool);
    impl Objective for DenseRowAndColumn {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            if self.0 {
                x.sin().concat(&x.square().sum()) // a dense row
            } else {
                x.sin() * x.at(0) // a dense column
            }
        }
    }
    let x = DVector::from_fn(1000, |i, _| 0.5 + 0.001 * i as f64);
    for (dense_row, mode, colors) in [
        (true, JacobianMode::Reverse, 2),
        (false, JacobianMode::Forward, 2),
    ] {
        let f = DenseRowAndColumn(dense_row);
        let j = jacobian_sparse(&f, &x).unwrap();
        assert_eq!((j.mode, j.colors), (mode, colors));
        let lens: DFun<DVector<f64>, DVector<f64>, Reverse> = f.build(Expr::var()).compile();
        assert!((j.jacobian.to_dmatrix() - jacobian_rev(&lens, &x)).amax() < 1e-14);
    }
}

#[test]
fn plan_recovers_the_dense_hessian_at_other_points() {
    let p = PeriodicWithParameter;
    let n = 30;
    let x0 = DVector::from_fn(n, |i, _| 0.1 * i as f64 + 0.5);
    let plan = SparseHessianPlan::new(&p, &x0, &SparseOptions::default()).unwrap();
    let x1 = x0.map(|v| 1.3 - 0.5 * v);
    let h = plan.evaluate(&p, &x1).unwrap();
    let dense = lensdiff::hessian::hessian(&p, &x1).unwrap();
    assert!((h.hessian.to_dmatrix() - &dense).amax() < 1e-10 * dense.amax());
    let (f, g) = value_and_grad(&p.lens::<f64>(), &x1);
    assert_eq!(h.value, f);
    assert!((h.gradient - g).amax() < 1e-12);
    assert!(h.hvps == plan.colors() + 1);
}

/// `x_i x_j` only where `x_i > 0`: the pattern depends on the point.
struct Branchy;

impl Objective for Branchy {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let a = x.slice(0, 5);
        let b = x.slice(5, 5);
        let coupled = a.zip_map(&b, |u, v| if u.value_f64() > 0.0 { u * v } else { u + v });
        coupled.sum() * 0.1 + (x.clone() - 0.5).square().sum()
    }
}

#[test]
fn a_pattern_detected_elsewhere_is_caught_by_the_probe() {
    let x_neg = DVector::from_element(10, -1.0);
    let x_pos = DVector::from_element(10, 1.0);
    let plan = SparseHessianPlan::new(&Branchy, &x_neg, &SparseOptions::default()).unwrap();
    assert_eq!(plan.pattern().nnz(), 10, "diagonal only where u ≤ 0");
    match plan.evaluate(&Branchy, &x_pos) {
        Err(Error::PatternMismatch { nnz: 10, residual }) => assert!(residual > 1e-3),
        other => panic!("expected PatternMismatch, got {other:?}"),
    }
    // Newton starts where the coupling is absent, walks into x > 0 where it
    // is present, re-detects there and still converges.
    let r = Newton::default().minimize_sparse(&Branchy, &x_neg).unwrap();
    assert_eq!(r.stop, StopReason::Gradient);
    let (_, g) = value_and_grad(&Branchy.lens::<f64>(), &r.x);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0));
    assert!(r.x.iter().take(5).all(|&v| v > 0.0));
}

/// A chain with two hubs (parameters coupled to every variable) above the
/// dense threshold: the star colouring gives each hub its own colour, and
/// the direct recovery equals the dense Hessian.
struct TwoHubs;

impl Objective for TwoHubs {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let body = x.trim(0, 2);
        let chain = body.diff().sin().sum() + body.square().sum();
        let (a, b) = (x.at_from_end(1), x.at_from_end(0));
        chain
            + a * body.cos().sum()
            + (b - 1.0).square() * body.square().sum() * 0.01
            + (x.clone() * 0.3).square().sum()
    }
}

#[test]
fn hubs_get_their_own_colours_and_recovery_is_exact() {
    use lensdiff::hessian::{Recovery, hessian_sparse_with};
    use lensdiff::sparsity::star_coloring;
    let n = 400; // dense threshold max(16, 10·√400) = 200 < 399
    let x = DVector::from_fn(n, |i, _| (i as f64 * 0.37).sin());
    let pat = hessian_pattern(&TwoHubs, &x).unwrap();
    let coloring = star_coloring(&pat);
    let (a, b) = (n - 2, n - 1);
    assert_ne!(coloring.color(a), coloring.color(b));
    for v in 0..n - 2 {
        assert_ne!(coloring.color(v), coloring.color(a));
        assert_ne!(coloring.color(v), coloring.color(b));
    }
    assert!(coloring.n_colors() <= 2 + 3, "{}", coloring.n_colors());
    let dense = lensdiff::hessian::hessian(&TwoHubs, &x).unwrap();
    for recovery in [Recovery::Direct, Recovery::Substitution] {
        let h = hessian_sparse_with(&TwoHubs, &x, recovery).unwrap();
        let err = (h.hessian.to_dmatrix() - &dense).amax();
        assert!(err < 1e-10 * dense.amax(), "{recovery:?}: {err}");
    }
    let r = Newton::default().minimize_sparse(&TwoHubs, &x).unwrap();
    let (_, g) = value_and_grad(&TwoHubs.lens::<f64>(), &r.x);
    assert_eq!(r.stop, StopReason::Gradient);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0));
}
