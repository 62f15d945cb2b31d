//! The interior-point method on bounds and inequalities: QPs against a
//! dense active-set enumeration (nalgebra), Hock–Schittkowski problems
//! with published optima, the bounded cart-pole against Ipopt's optimum,
//! and every error.

use crate::problems::Cartpole;
use lensdiff::constrained::{Bounds, Ipm, IpmResult, SqpStatus, Stack};
use lensdiff::{Error, Expr, Objective, Real};
use nalgebra::{DMatrix, DVector};
use proptest::prelude::*;

const INF: f64 = f64::INFINITY;

/// The checks every converged solve must pass: the status, the
/// complementarity at most 1e-8, the constraints and bounds satisfied.
fn assert_converged(r: &IpmResult, bounds: &Bounds) {
    assert_eq!(r.status, SqpStatus::Converged);
    assert!(
        r.complementarity <= 1e-8,
        "complementarity {:e}",
        r.complementarity
    );
    assert!(r.c_inf <= 1e-8, "violation {:e}", r.c_inf);
    for j in 0..r.x.len() {
        assert!(
            r.x[j] >= bounds.lower()[j] && r.x[j] <= bounds.upper()[j],
            "x[{j}] = {}",
            r.x[j]
        );
    }
}

// ------------------------------------------------- QPs, dense oracle

const QP_N: usize = 8;

/// `½ Σ (x_{i+1} − x_i)² + ½ Σ x_i² + Σ g_i x_i`, `g_i = 3 cos i`.
struct Qp;
impl Objective for Qp {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let g = DVector::from_fn(QP_N, |i, _| S::from_f64(3.0 * (i as f64).cos()));
        x.diff().norm_squared() * 0.5 + x.norm_squared() * 0.5 + x.dot(&Expr::constant(g))
    }
}

/// The same QP densely: `(Q, g)`.
fn qp_dense() -> (DMatrix<f64>, DVector<f64>) {
    let d = DMatrix::from_fn(QP_N - 1, QP_N, |i, j| {
        if j == i + 1 {
            1.0
        } else if j == i {
            -1.0
        } else {
            0.0
        }
    });
    let q = d.transpose() * d + DMatrix::identity(QP_N, QP_N);
    (q, DVector::from_fn(QP_N, |i, _| 3.0 * (i as f64).cos()))
}

vector_map!(SumRow, |x| x.sum() - 0.3);
vector_map!(PairRows, |x| x.stride(0, 2) + x.stride(1, 2) * 2.0);

/// The linear rows of [`SumRow`] (equality) and [`PairRows`] densely.
fn sum_row() -> DMatrix<f64> {
    DMatrix::from_element(1, QP_N, 1.0)
}
fn pair_rows() -> DMatrix<f64> {
    DMatrix::from_fn(QP_N / 2, QP_N, |k, j| {
        if j == 2 * k {
            1.0
        } else if j == 2 * k + 1 {
            2.0
        } else {
            0.0
        }
    })
}

/// The dense oracle: `min ½xᵀQx + gᵀx` subject to `E x = e`, `A x ≤ b`,
/// by enumerating the active sets of `A x ≤ b` and keeping the one whose
/// KKT solution is feasible with nonnegative multipliers. Returns `x`,
/// the equality multipliers and those of `A`'s rows.
fn qp_by_active_sets(
    q: &DMatrix<f64>,
    g: &DVector<f64>,
    eq: (&DMatrix<f64>, &DVector<f64>),
    ineq: (&DMatrix<f64>, &DVector<f64>),
) -> (DVector<f64>, DVector<f64>, DVector<f64>) {
    let mut found = active_set_solutions(q, g, eq, ineq);
    assert_eq!(
        found.len(),
        1,
        "not one active set satisfies the KKT conditions"
    );
    found.pop().expect("one")
}

/// Every active set of `A x ≤ b` whose KKT solution is feasible with
/// nonnegative multipliers, as `(x, equality multipliers, A's)`.
fn active_set_solutions(
    q: &DMatrix<f64>,
    g: &DVector<f64>,
    (e_mat, e): (&DMatrix<f64>, &DVector<f64>),
    (a, b): (&DMatrix<f64>, &DVector<f64>),
) -> Vec<(DVector<f64>, DVector<f64>, DVector<f64>)> {
    let (n, me, p) = (q.nrows(), e_mat.nrows(), a.nrows());
    let mut found = Vec::new();
    for set in 0u32..(1 << p) {
        let act: Vec<usize> = (0..p).filter(|&i| set & (1 << i) != 0).collect();
        let k = n + me + act.len();
        let mut kkt = DMatrix::zeros(k, k);
        let mut rhs = DVector::zeros(k);
        kkt.view_mut((0, 0), (n, n)).copy_from(q);
        rhs.rows_mut(0, n).copy_from(&(-g));
        let rows: Vec<(DVector<f64>, f64)> = (0..me)
            .map(|i| (e_mat.row(i).transpose(), e[i]))
            .chain(act.iter().map(|&i| (a.row(i).transpose(), b[i])))
            .collect();
        for (r, (row, val)) in rows.iter().enumerate() {
            for j in 0..n {
                kkt[(n + r, j)] = row[j];
                kkt[(j, n + r)] = row[j];
            }
            rhs[n + r] = *val;
        }
        let Some(sol) = kkt.lu().solve(&rhs) else {
            continue;
        };
        let x = sol.rows(0, n).into_owned();
        let feasible = (0..p).all(|i| (a.row(i) * &x)[0] <= b[i] + 1e-10);
        let dual_ok = act
            .iter()
            .enumerate()
            .all(|(r, _)| sol[n + me + r] >= -1e-10);
        if feasible && dual_ok {
            let mut w = DVector::zeros(p);
            for (r, &i) in act.iter().enumerate() {
                w[i] = sol[n + me + r];
            }
            found.push((x, sol.rows(n, me).into_owned(), w));
        }
    }
    found
}

/// `lo ≤ M x ≤ hi` as rows `A x ≤ b` (finite sides only), with each
/// row's source `(i, upper?)`.
fn as_upper_rows(
    m: &DMatrix<f64>,
    lo: &[f64],
    hi: &[f64],
) -> (DMatrix<f64>, DVector<f64>, Vec<(usize, bool)>) {
    let mut rows = Vec::new();
    for i in 0..m.nrows() {
        if hi[i].is_finite() {
            rows.push((m.row(i).into_owned(), hi[i], (i, true)));
        }
        if lo[i].is_finite() {
            rows.push((-m.row(i).into_owned(), -lo[i], (i, false)));
        }
    }
    let a = DMatrix::from_fn(rows.len(), m.ncols(), |r, j| rows[r].0[j]);
    let b = DVector::from_iterator(rows.len(), rows.iter().map(|r| r.1));
    (a, b, rows.iter().map(|r| r.2).collect())
}

/// Signed multipliers of `lo ≤ M x ≤ hi` from the oracle's `A x ≤ b`
/// multipliers: `+w` at an upper side, `−w` at a lower side.
fn signed(w: &DVector<f64>, src: &[(usize, bool)], rows: usize) -> DVector<f64> {
    let mut out = DVector::zeros(rows);
    for (r, &(i, upper)) in src.iter().enumerate() {
        out[i] += if upper { w[r] } else { -w[r] };
    }
    out
}

#[test]
fn bound_constrained_qp_matches_the_dense_active_set_solution() {
    // |x_j| ≤ 0.5 on the even variables, x_j ≥ −0.2 on the odd ones.
    let bounds = Bounds::free(QP_N).per_stage(0, 2, &[-0.5, -0.2], &[0.5, INF]);
    let r = Ipm::default()
        .minimize(
            &Qp,
            &SumRow,
            &bounds,
            &Bounds::zero(1),
            &DVector::zeros(QP_N),
        )
        .unwrap();
    assert_converged(&r, &bounds);
    let (q, g) = qp_dense();
    let eye = DMatrix::identity(QP_N, QP_N);
    let (a, b, src) = as_upper_rows(&eye, bounds.lower(), bounds.upper());
    let (x, y, w) = qp_by_active_sets(
        &q,
        &g,
        (&sum_row(), &DVector::from_element(1, 0.3)),
        (&a, &b),
    );
    let active = (0..w.len()).filter(|&i| w[i] > 1e-6).count();
    assert!(
        (2..QP_N).contains(&active),
        "{active} active bounds: not a test of the bounds"
    );
    assert!((&r.x - &x).amax() < 1e-7, "x {} vs {}", r.x, x);
    assert!((r.lambda[0] - y[0]).abs() < 1e-6);
    // z_u − z_l is the signed bound multiplier.
    let z = &r.z_upper - &r.z_lower;
    assert!((z - signed(&w, &src, QP_N)).amax() < 1e-6);
}

#[test]
fn inequality_constrained_qp_matches_the_dense_active_set_solution() {
    // Σ x = 0.3, and −1 ≤ x₀ + 2x₁ ≤ 0.2, x₂ + 2x₃ ≤ 0.1,
    // x₄ + 2x₅ ≥ −0.5, x₆ + 2x₇ ≤ 0.
    let (lo, hi) = (vec![-1.0, -INF, -0.5, -INF], vec![0.2, 0.1, INF, 0.0]);
    let rows = Bounds::zero(1).concat(&Bounds::new(lo.clone(), hi.clone()));
    let free = Bounds::free(QP_N);
    let r = Ipm::default()
        .minimize(
            &Qp,
            &Stack(SumRow, PairRows),
            &free,
            &rows,
            &DVector::zeros(QP_N),
        )
        .unwrap();
    assert_converged(&r, &free);
    let (q, g) = qp_dense();
    let (a, b, src) = as_upper_rows(&pair_rows(), &lo, &hi);
    let (x, y, w) = qp_by_active_sets(
        &q,
        &g,
        (&sum_row(), &DVector::from_element(1, 0.3)),
        (&a, &b),
    );
    let active = (0..w.len()).filter(|&i| w[i] > 1e-6).count();
    assert!(
        (1..4).contains(&active),
        "{active} active rows: not a test of the inequalities"
    );
    assert!((&r.x - &x).amax() < 1e-7, "x {} vs {}", r.x, x);
    assert!((r.lambda[0] - y[0]).abs() < 1e-6);
    let lam_rows = r.lambda.rows(1, 4).into_owned();
    assert!((lam_rows - signed(&w, &src, 4)).amax() < 1e-6);
}

// ------------------------------------- random QPs, dense oracle

const RQ_N: usize = 5;

/// A constant vector of `v`'s entries over any scalar.
fn constant<S: Real>(v: &[f64]) -> Expr<S> {
    Expr::constant(DVector::from_iterator(
        v.len(),
        v.iter().map(|&t| S::from_f64(t)),
    ))
}

/// `½ Σ d_i x_i² + Σ o_i x_i x_{i+1} + gᵀx`, convex: `d_i` exceeds the
/// off-diagonal sums of its row.
#[derive(Debug, Clone)]
struct RandomQp {
    d: Vec<f64>,
    o: Vec<f64>,
    g: Vec<f64>,
}

impl Objective for RandomQp {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        (x.square() * constant(&self.d)).sum() * 0.5
            + (x.trim(0, 1) * x.trim(1, 0)).dot(&constant(&self.o))
            + x.dot(&constant(&self.g))
    }
}

impl RandomQp {
    fn dense(&self) -> (DMatrix<f64>, DVector<f64>) {
        let n = self.d.len();
        let q = DMatrix::from_fn(n, n, |i, j| match i.abs_diff(j) {
            0 => self.d[i],
            1 => self.o[i.min(j)],
            _ => 0.0,
        });
        (q, DVector::from_vec(self.g.clone()))
    }
}

/// The rows `[aᵀx; b₁ᵀx; b₂ᵀx]`, each a scalar, concatenated (so the
/// Lagrangian is written part by part).
#[derive(Debug, Clone)]
struct RandomRows {
    rows: Vec<Vec<f64>>,
}

impl Objective for RandomRows {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let mut out = x.dot(&constant(&self.rows[0]));
        for r in &self.rows[1..] {
            out = out.concat(&x.dot(&constant(r)));
        }
        out
    }
}

/// A random convex QP with one equality, two two- or one-sided
/// inequality rows and bounds on some variables, feasible with room
/// (the rows' bounds lie around a point inside the variables' box).
fn random_qp() -> impl Strategy<Value = (RandomQp, RandomRows, Bounds, Bounds)> {
    let n = RQ_N;
    let side = || prop_oneof![Just(INF), 0.1f64..1.0];
    (
        (
            prop::collection::vec(-1.0f64..1.0, n - 1),
            prop::collection::vec(0.3f64..2.0, n),
        ),
        prop::collection::vec(-3.0f64..3.0, n),
        prop::collection::vec(prop::collection::vec(-1.0f64..1.0, n), 3),
        prop::collection::vec(-0.09f64..0.09, n),
        (
            prop::collection::vec(side(), n),
            prop::collection::vec(side(), n),
        ),
        // Each row keeps one finite side (a row with none constrains nothing).
        ((side(), 0.05f64..0.5), (0.05f64..0.5, side())),
    )
        .prop_map(
            move |((o, extra), g, mut rows, inside, (vlo, vhi), ((lo1, hi1), (lo2, hi2)))| {
                let (rlo, rhi) = ([lo1, lo2], [hi1, hi2]);
                let d: Vec<f64> = (0..n)
                    .map(|i| {
                        let left = if i > 0 { o[i - 1].abs() } else { 0.0 };
                        let right = if i + 1 < n { o[i].abs() } else { 0.0 };
                        left + right + extra[i]
                    })
                    .collect();
                rows[0][0] = 1.0; // the equality row is never near zero
                let at = |r: &Vec<f64>| r.iter().zip(&inside).map(|(a, b)| a * b).sum::<f64>();
                let mut lo = vec![at(&rows[0])];
                let mut hi = lo.clone();
                for k in 0..2 {
                    let v = at(&rows[k + 1]);
                    lo.push(v - rlo[k]);
                    hi.push(v + rhi[k]);
                }
                let bounds = Bounds::new(vlo.iter().map(|s| -s).collect(), vhi);
                (
                    RandomQp { d, o, g },
                    RandomRows { rows },
                    bounds,
                    Bounds::new(lo, hi),
                )
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_qps_match_the_dense_active_set_minimum((f, c, bounds, rows) in random_qp()) {
        let r = Ipm::default()
            .minimize(&f, &c, &bounds, &rows, &DVector::zeros(RQ_N))
            .unwrap();
        assert_converged(&r, &bounds);
        // The rows within their bounds.
        let cx: Vec<f64> = c.rows.iter().map(|a| a.iter().zip(r.x.iter()).map(|(a, b)| a * b).sum()).collect();
        for (i, v) in cx.iter().enumerate() {
            prop_assert!(*v >= rows.lower()[i] - 1e-8 && *v <= rows.upper()[i] + 1e-8, "row {i}: {v}");
        }
        // The oracle: bounds and the inequality rows as A x ≤ b.
        let (q, g) = f.dense();
        let eye = DMatrix::identity(RQ_N, RQ_N);
        let (ab, bb, _) = as_upper_rows(&eye, bounds.lower(), bounds.upper());
        let m_ineq = DMatrix::from_fn(2, RQ_N, |k, j| c.rows[k + 1][j]);
        let (ar, br, _) = as_upper_rows(&m_ineq, &rows.lower()[1..], &rows.upper()[1..]);
        let a = DMatrix::from_fn(ab.nrows() + ar.nrows(), RQ_N, |r, j| {
            if r < ab.nrows() { ab[(r, j)] } else { ar[(r - ab.nrows(), j)] }
        });
        let b = DVector::from_iterator(bb.len() + br.len(), bb.iter().chain(br.iter()).copied());
        let e_mat = DMatrix::from_fn(1, RQ_N, |_, j| c.rows[0][j]);
        let e = DVector::from_element(1, rows.lower()[0]);
        let found = active_set_solutions(&q, &g, (&e_mat, &e), (&a, &b));
        // Strictly convex: one minimiser, whichever active sets (near
        // degenerate ones) describe it; the lowest objective among them
        // (a nearly singular active set can pass the checks with a worse x).
        prop_assert!(!found.is_empty(), "the oracle found no active set");
        let value = |x: &DVector<f64>| (x.transpose() * &q * x)[0] * 0.5 + g.dot(x);
        let x = found
            .iter()
            .map(|s| &s.0)
            .min_by(|a, b| value(a).total_cmp(&value(b)))
            .expect("non-empty");
        prop_assert!((&r.x - x).amax() < 1e-6, "x {} vs {}", r.x, x);
    }
}

// ---------------------------------------------- Hock & Schittkowski

/// Solves and checks `x*` and `f*` against the published optimum.
fn hs<O: Objective, C: Objective>(
    f: &O,
    c: &C,
    bounds: &Bounds,
    rows: &Bounds,
    x0: &[f64],
    x_star: &[f64],
    f_star: f64,
) {
    let r = Ipm::default()
        .minimize(f, c, bounds, rows, &DVector::from_column_slice(x0))
        .unwrap();
    assert_converged(&r, bounds);
    assert!(
        (r.f - f_star).abs() <= 1e-6 * f_star.abs().max(1.0),
        "f = {} vs {f_star}",
        r.f
    );
    let x = DVector::from_column_slice(x_star);
    assert!((&r.x - &x).amax() < 1e-5, "x = {} vs {x}", r.x);
}

objective!(Hs21, |x| x.at(0).square() * 0.01 + x.at(1).square() - 100.0);
vector_map!(Hs21Rows, |x| x.at(0) * 10.0 - x.at(1) - 10.0);

#[test]
fn hock_schittkowski_21() {
    // 10 x₁ − x₂ − 10 ≥ 0, 2 ≤ x₁ ≤ 50, −50 ≤ x₂ ≤ 50: f* = −99.96 at (2, 0).
    let b = Bounds::new(vec![2.0, -50.0], vec![50.0, 50.0]);
    let rows = Bounds::new(vec![0.0], vec![INF]);
    hs(
        &Hs21,
        &Hs21Rows,
        &b,
        &rows,
        &[-1.0, -1.0],
        &[2.0, 0.0],
        -99.96,
    );
}

objective!(Hs35, |x| {
    let (a, b, c) = (x.at(0), x.at(1), x.at(2));
    9.0 - &a * 8.0 - &b * 6.0 - &c * 4.0
        + a.square() * 2.0
        + b.square() * 2.0
        + c.square()
        + &a * &b * 2.0
        + &a * &c * 2.0
});
vector_map!(Hs35Rows, |x| x.at(0) + x.at(1) + x.at(2) * 2.0);

#[test]
fn hock_schittkowski_35() {
    // x₁ + x₂ + 2x₃ ≤ 3, x ≥ 0: f* = 1/9 at (4/3, 7/9, 4/9).
    let b = Bounds::new(vec![0.0; 3], vec![INF; 3]);
    let rows = Bounds::new(vec![-INF], vec![3.0]);
    hs(
        &Hs35,
        &Hs35Rows,
        &b,
        &rows,
        &[0.5; 3],
        &[4.0 / 3.0, 7.0 / 9.0, 4.0 / 9.0],
        1.0 / 9.0,
    );
}

objective!(Hs71, |x| {
    let (a, b, c, d) = (x.at(0), x.at(1), x.at(2), x.at(3));
    &a * &d * (&a + &b + &c) + &c
});
vector_map!(Hs71Rows, |x| {
    let (a, b, c, d) = (x.at(0), x.at(1), x.at(2), x.at(3));
    (&a * &b * &c * &d).concat(&x.norm_squared())
});

#[test]
fn hock_schittkowski_71() {
    // x₁x₂x₃x₄ ≥ 25, ‖x‖² = 40, 1 ≤ x ≤ 5: f* = 17.0140173.
    let b = Bounds::new(vec![1.0; 4], vec![5.0; 4]);
    let rows = Bounds::new(vec![25.0, 40.0], vec![INF, 40.0]);
    hs(
        &Hs71,
        &Hs71Rows,
        &b,
        &rows,
        &[1.0, 5.0, 5.0, 1.0],
        &[1.0, 4.742_999_6, 3.821_150_3, 1.379_408_3],
        17.014_017_3,
    );
}

objective!(Hs76, |x| {
    let (a, b, c, d) = (x.at(0), x.at(1), x.at(2), x.at(3));
    a.square() + b.square() * 0.5 + c.square() + d.square() * 0.5 - &a * &c + &c * &d
        - &a
        - &b * 3.0
        + &c
        - &d
});
vector_map!(Hs76Rows, |x| {
    let (a, b, c, d) = (x.at(0), x.at(1), x.at(2), x.at(3));
    (&a + &b * 2.0 + &c + &d)
        .concat(&(&a * 3.0 + &b + &c * 2.0 - &d))
        .concat(&(&b + &c * 4.0))
});

#[test]
fn hock_schittkowski_76() {
    // x₁ + 2x₂ + x₃ + x₄ ≤ 5, 3x₁ + x₂ + 2x₃ − x₄ ≤ 4, x₂ + 4x₃ ≥ 1.5,
    // x ≥ 0: f* = −4.681818181 at (3/11, 23/11, 0, 6/11).
    let b = Bounds::new(vec![0.0; 4], vec![INF; 4]);
    let rows = Bounds::new(vec![-INF, -INF, 1.5], vec![5.0, 4.0, INF]);
    hs(
        &Hs76,
        &Hs76Rows,
        &b,
        &rows,
        &[0.5; 4],
        &[3.0 / 11.0, 23.0 / 11.0, 0.0, 6.0 / 11.0],
        -4.681_818_181_8,
    );
}

// ------------------------------------------------ the bounded cart-pole

/// Ipopt's optimal `z` for the bounded cart-pole (`|u| ≤ 10`, `|q1| ≤ 2`),
/// copied from the peers' results into `tests/data/`.
fn ipopt_bounded(segments: usize) -> DVector<f64> {
    let path = format!(
        "{}/tests/data/cartpole_bounds_N{segments}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    DVector::from_iterator(
        5 * (segments + 1),
        text.lines().map(|l| l.trim().parse::<f64>().unwrap()),
    )
}

fn bounded_cartpole_against_ipopt(segments: usize) {
    let p = Cartpole::new(segments);
    let bounds = p.bounds(10.0, 2.0);
    let r = Ipm::default()
        .minimize(&p, &p.constraints(), &bounds, &Bounds::zero(p.m()), &p.x0())
        .unwrap();
    assert_converged(&r, &bounds);
    let z = ipopt_bounded(segments);
    // Ipopt's objective, evaluated at its z by our objective.
    let f_ipopt = p.lens::<f64>().eval(&z);
    assert!(
        (r.f - f_ipopt).abs() <= 1e-6 * f_ipopt,
        "f = {} vs Ipopt {f_ipopt}",
        r.f
    );
    for k in 0..=segments {
        for i in 0..4 {
            let (a, b) = (r.x[5 * k + i], z[5 * k + i]);
            assert!((a - b).abs() < 1e-4, "node {k} state {i}: {a} vs {b}");
        }
        let (a, b) = (r.x[5 * k + 4], z[5 * k + 4]);
        assert!((a - b).abs() < 1e-3, "node {k} control: {a} vs {b}");
    }
    // The bound is active somewhere (not a test otherwise).
    assert!((0..=segments).any(|k| r.x[5 * k + 4].abs() > 10.0 - 1e-6));
}

#[test]
fn bounded_cartpole_n100_matches_ipopt() {
    bounded_cartpole_against_ipopt(100);
}

#[test]
fn bounded_cartpole_n1000_matches_ipopt() {
    bounded_cartpole_against_ipopt(1000);
}

// ------------------------------------------------------------ errors

objective!(Squares, |x| x.norm_squared());
vector_map!(Pin, |x| x.at(0) - 0.5);

#[test]
fn a_lower_bound_above_its_upper_bound_names_the_variable() {
    let b = Bounds::free(3).with(2, 1.0, 0.0);
    let err = Ipm::default()
        .minimize(&Squares, &Pin, &b, &Bounds::zero(1), &DVector::zeros(3))
        .unwrap_err();
    assert_eq!(
        err,
        Error::InvalidBounds {
            what: "variable",
            index: 2,
            lower: 1.0,
            upper: 0.0
        }
    );
    assert!(err.to_string().contains("variable 2"), "{err}");
    let rows = Bounds::new(vec![1.0], vec![-1.0]);
    let err = Ipm::default()
        .minimize(&Squares, &Pin, &Bounds::free(3), &rows, &DVector::zeros(3))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidBounds {
                what: "constraint row",
                index: 0,
                ..
            }
        ),
        "{err:?}"
    );
    // A row with no finite bound is named.
    let err = Ipm::default()
        .minimize(
            &Squares,
            &Pin,
            &Bounds::free(3),
            &Bounds::free(1),
            &DVector::zeros(3),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("constraint row 0 has no finite bound"),
        "{err}"
    );
    // A NaN bound and a lower bound of +∞ are invalid too.
    for (lo, hi) in [(f64::NAN, 1.0), (INF, INF)] {
        let b = Bounds::free(3).with(1, lo, hi);
        let err = Ipm::default()
            .minimize(&Squares, &Pin, &b, &Bounds::zero(1), &DVector::zeros(3))
            .unwrap_err();
        assert!(
            matches!(err, Error::InvalidBounds { index: 1, .. }),
            "{err:?}"
        );
    }
}

vector_map!(LogRow, |x| (x.at(0) - 1.0).concat(&x.at(1).ln()));
vector_map!(SqrtRow, |x| (x.at(0) - 1.0).concat(&x.at(1).sqrt()));

#[test]
fn non_finite_constraints_and_derivatives_name_the_row() {
    // ln(−1) in row 1 at the start.
    let x0 = DVector::from_vec(vec![0.0, -1.0]);
    let err = Ipm::default()
        .minimize(&Squares, &LogRow, &Bounds::free(2), &Bounds::zero(2), &x0)
        .unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "c(x)",
            index: Some(1)
        }
    );
    // √x₂ at 0: the value is finite, its derivative is not.
    let x0 = DVector::from_vec(vec![0.0, 0.0]);
    let err = Ipm::default()
        .minimize(&Squares, &SqrtRow, &Bounds::free(2), &Bounds::zero(2), &x0)
        .unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "constraint Jacobian (row)",
            index: Some(1)
        }
    );
}

vector_map!(Twice, |x| x.at(0).concat(&x.at(0)));

#[test]
fn infeasible_inequalities_are_an_error_naming_the_rows() {
    // x₀ ≤ −1 and x₀ ≥ 1.
    let rows = Bounds::new(vec![-INF, 1.0], vec![-1.0, INF]);
    let err = Ipm::default()
        .minimize(
            &Squares,
            &Twice,
            &Bounds::free(2),
            &rows,
            &DVector::zeros(2),
        )
        .unwrap_err();
    match err {
        Error::Infeasible {
            rows, violation, ..
        } => {
            assert!(!rows.is_empty() && rows.iter().all(|&i| i < 2), "{rows:?}");
            assert!(violation > 0.5, "{violation}");
        }
        e => panic!("expected Infeasible, got {e:?}"),
    }
}

vector_map!(ThreeRows, |x| x.clone().concat(&(x.sum() - 1.0)));

#[test]
fn sizes_and_too_many_equalities_are_errors() {
    let x0 = DVector::zeros(2);
    let err = Ipm::default()
        .minimize(
            &Squares,
            &ThreeRows,
            &Bounds::free(2),
            &Bounds::zero(3),
            &x0,
        )
        .unwrap_err();
    assert_eq!(err, Error::TooManyConstraints { m: 3, n: 2 });
    // Three rows of which one is an inequality (x₀ + x₁ ≤ 1, inactive):
    // fine.
    let rows = Bounds::zero(2).concat(&Bounds::nonpositive(1));
    let r = Ipm::default()
        .minimize(&Squares, &ThreeRows, &Bounds::free(2), &rows, &x0)
        .unwrap();
    assert_converged(&r, &Bounds::free(2));
    let err = Ipm::default()
        .minimize(&Squares, &Pin, &Bounds::free(3), &Bounds::zero(1), &x0)
        .unwrap_err();
    assert!(matches!(err, Error::DimensionMismatch { .. }), "{err:?}");
}

#[test]
fn the_start_is_pushed_inside_its_bounds() {
    // x0 = (−3, 3) outside 0 ≤ x ≤ 1: the first iterate lies inside, and
    // the answer is the projection of the unconstrained minimum.
    objective!(Shifted, |x| (x - 2.0).norm_squared());
    let b = Bounds::new(vec![0.0; 2], vec![1.0; 2]);
    let mut first = None;
    let r = Ipm::default()
        .minimize_observed(
            &Shifted,
            &Pin,
            &b,
            &Bounds::zero(1),
            &DVector::from_vec(vec![-3.0, 3.0]),
            &mut |it| {
                if it.iter == 0 {
                    first = Some(it.f);
                }
                lensdiff::optim::Control::Continue
            },
        )
        .unwrap();
    assert_converged(&r, &b);
    // f at the pushed start: x = (0.01, 0.99), f = 1.99² + 1.01².
    assert!((first.unwrap() - (1.99f64.powi(2) + 1.01f64.powi(2))).abs() < 1e-12);
    assert!((r.x[0] - 0.5).abs() < 1e-8 && (r.x[1] - 1.0).abs() < 1e-7);
    assert!((r.z_upper[1] - 2.0).abs() < 1e-6);
}

#[test]
fn bounds_alone_need_no_constraint_rows() {
    // min Σ (x_i − c_i)² over the box [0, 1]ⁿ, c_i = 3 sin i: the answer is
    // c clipped to the box, with z = 2 |c_i − x_i| on the active side (no
    // c_i at a bound: a degenerate bound is met to √μ only).
    const N: usize = 12;
    objective!(Far, |x| {
        let c = DVector::from_fn(N, |i, _| S::from_f64(3.0 * (i as f64 + 1.0).sin()));
        (x - Expr::constant(c)).norm_squared()
    });
    let b = Bounds::new(vec![0.0; N], vec![1.0; N]);
    let r = Ipm::default()
        .minimize_bounded(&Far, &b, &DVector::from_element(N, 0.5))
        .unwrap();
    assert_converged(&r, &b);
    assert_eq!(r.lambda.len(), 0);
    for i in 0..N {
        let c = 3.0 * (i as f64 + 1.0).sin();
        let x = c.clamp(0.0, 1.0);
        assert!((r.x[i] - x).abs() < 1e-7, "x[{i}] = {} against {x}", r.x[i]);
        let z = r.z_upper[i] - r.z_lower[i];
        assert!((z - 2.0 * (c - x)).abs() < 1e-6, "z[{i}] = {z}");
    }
}

#[test]
fn a_wrong_length_start_is_named_from_the_callers_side() {
    // A constant of length 3 fixes the length of x; a start of length 2 is
    // the caller's mistake, and both solvers say so.
    objective!(Target, |x| (x - Expr::constant(DVector::from_element(
        3,
        S::one()
    )))
    .norm_squared());
    objective!(FirstIsZero, |x| x.slice(0, 1));
    let x0 = DVector::zeros(2);
    let sqp = lensdiff::constrained::Sqp::default().minimize(&Target, &FirstIsZero, &x0);
    let ipm = Ipm::default().minimize(
        &Target,
        &FirstIsZero,
        &Bounds::free(2),
        &Bounds::zero(1),
        &x0,
    );
    for e in [sqp.unwrap_err(), ipm.unwrap_err()] {
        assert!(
            matches!(
                e,
                Error::InputLength {
                    found: 2,
                    expected: Some(3),
                    ..
                }
            ),
            "{e:?}"
        );
    }
}

objective!(FirstCoordinate, |x| x.at(0));
vector_map!(WachterBiegler, |x| (x.at(0).square() - x.at(1) - 1.0)
    .concat(&(x.at(0) - x.at(2) - 0.5)));

#[test]
fn the_restoration_phase_leaves_wachter_and_bieglers_trap() {
    // min x₀ s.t. x₀² − x₁ = 1, x₀ − x₂ = ½, x₁, x₂ ≥ 0 (Wächter & Biegler,
    // Math. Program. 88, 2000): from (−2, 3, 1) the linearised rows ask
    // for steps the bounds cut to nothing, and a line-search method of
    // this kind stalls at an infeasible, non-stationary point (this one
    // reported the problem infeasible). The solution: (1, 0, ½).
    let bounds = Bounds::free(3).with(1, 0.0, INF).with(2, 0.0, INF);
    for start in [
        [-2.0, 3.0, 1.0],
        [-3.0, 1.0, 1.0],
        [-10.0, 5.0, 5.0],
        [0.0, 0.0, 0.0],
    ] {
        let x0 = DVector::from_row_slice(&start);
        let r = Ipm::default()
            .minimize(
                &FirstCoordinate,
                &WachterBiegler,
                &bounds,
                &Bounds::zero(2),
                &x0,
            )
            .unwrap_or_else(|e| panic!("from {start:?}: {e}"));
        assert_eq!(r.status, SqpStatus::Converged, "from {start:?}");
        assert!((r.x[0] - 1.0).abs() < 1e-7, "from {start:?}: {}", r.x);
        assert!(
            r.x[1].abs() < 1e-7 && (r.x[2] - 0.5).abs() < 1e-7,
            "from {start:?}: {}",
            r.x
        );
        assert!(r.c_inf <= 1e-8, "from {start:?}: {}", r.c_inf);
        if start[0] < 0.0 {
            assert!(r.restoration_steps > 0, "from {start:?}");
        }
    }
}

vector_map!(SquarePlusOne, |x| x.at(0).square() + 1.0);

#[test]
fn rows_no_point_meets_are_infeasible_after_the_restoration() {
    // x₀² + 1 = 0 has no solution; the violation's minimum is 1, at x₀ = 0.
    let x0 = DVector::from_vec(vec![2.0, 1.0]);
    let err = Ipm::default()
        .minimize(
            &Squares,
            &SquarePlusOne,
            &Bounds::free(2),
            &Bounds::zero(1),
            &x0,
        )
        .unwrap_err();
    match err {
        Error::Infeasible {
            rows, violation, ..
        } => {
            assert_eq!(rows, vec![0]);
            assert!((1.0..1.1).contains(&violation), "{violation}");
        }
        e => panic!("expected Infeasible, got {e:?}"),
    }
}

vector_map!(OneAndTwo, |x| (x.at(0) - 1.0).concat(&(x.at(0) - 2.0)));

#[test]
fn contradictory_equalities_name_both_rows_from_any_start() {
    // x₀ = 1 and x₀ = 2: the violation is least, ½ on each row, between
    // them; the error names both rows near there, from any start (a start
    // on one row used to name only the other, at violation 1).
    for start in [-3.0, 0.0, 1.0, 2.0, 7.5] {
        let x0 = DVector::from_vec(vec![start, 0.5]);
        let err = Ipm::default()
            .minimize(
                &Squares,
                &OneAndTwo,
                &Bounds::free(2),
                &Bounds::zero(2),
                &x0,
            )
            .unwrap_err();
        match err {
            Error::Infeasible {
                mut rows,
                violation,
                ..
            } => {
                rows.sort();
                assert_eq!(rows, vec![0, 1], "from {start}");
                // ½ at the least violation; the restoration's proximity
                // term (√μ‖x − x_R‖²) can stop it short of that.
                assert!((0.5..0.6).contains(&violation), "from {start}: {violation}");
            }
            e => panic!("from {start}: expected Infeasible, got {e:?}"),
        }
    }
}
