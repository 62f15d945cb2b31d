//! SQP on equality-constrained problems: a QP against its dense KKT solve,
//! KKT conditions against independent dense Jacobians, problems from the
//! literature with known answers, the cart-pole against Ipopt's optimum,
//! banded Jacobians against the forward-mode Jacobian, and every error.

use crate::problems::Cartpole;
use lensdiff::constrained::{
    Globalization, JacobianSpans, Sqp, SqpOptions, SqpStatus, jacobian_banded,
};
use lensdiff::{DFun, Error, Expr, Forward, Objective, Real, grad, jacobian_fwd};
use nalgebra::{DMatrix, DVector};

/// The dense Jacobian of `c` at `x` by forward mode, an oracle independent
/// of the comb extraction.
fn dense_jacobian<C: Objective>(c: &C, x: &DVector<f64>) -> DMatrix<f64> {
    let f: DFun<DVector<f64>, DVector<f64>, Forward> = c.build(Expr::var()).compile();
    jacobian_fwd(&f, x)
}

/// `‖∇f + Jᵀλ‖∞` and `‖c‖∞` with dense Jacobians and reverse-mode `∇f`.
fn kkt_residuals<O: Objective, C: Objective>(
    f: &O,
    c: &C,
    x: &DVector<f64>,
    lambda: &DVector<f64>,
) -> (f64, f64) {
    let g = grad(&f.lens::<f64>(), x);
    let j = dense_jacobian(c, x);
    let cf: DFun<DVector<f64>, DVector<f64>> = c.build(Expr::var()).compile();
    ((g + j.transpose() * lambda).amax(), cf.eval(x).amax())
}

// ------------------------------------------------------------------ QP

const QP_N: usize = 30;
const QP_M: usize = 10;

/// `½ Σ (x_{i+1} − x_i)² + ½ Σ x_i² + Σ g_i x_i`, `g_i = sin(i)`.
struct Qp;
impl Objective for Qp {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let g = DVector::from_fn(QP_N, |i, _| S::from_f64((i as f64).sin()));
        x.diff().norm_squared() * 0.5 + x.norm_squared() * 0.5 + x.dot(&Expr::constant(g))
    }
}
/// `c_i = x_{3i} + 2 x_{3i+1} − x_{3i+2} − b_i`, `b_i = 1 + i/10`.
struct QpRows;
impl Objective for QpRows {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let b = DVector::from_fn(QP_M, |i, _| S::from_f64(1.0 + i as f64 / 10.0));
        x.stride(0, 3) + x.stride(1, 3) * 2.0 - x.stride(2, 3) - Expr::constant(b)
    }
}

#[test]
fn qp_matches_the_dense_kkt_solve() {
    // The KKT system written out by hand and solved densely.
    let (n, m) = (QP_N, QP_M);
    let mut q = DMatrix::<f64>::identity(n, n);
    for i in 0..n - 1 {
        q[(i, i)] += 1.0;
        q[(i + 1, i + 1)] += 1.0;
        q[(i, i + 1)] -= 1.0;
        q[(i + 1, i)] -= 1.0;
    }
    let mut a = DMatrix::<f64>::zeros(m, n);
    for i in 0..m {
        a[(i, 3 * i)] = 1.0;
        a[(i, 3 * i + 1)] = 2.0;
        a[(i, 3 * i + 2)] = -1.0;
    }
    let mut kkt = DMatrix::<f64>::zeros(n + m, n + m);
    kkt.view_mut((0, 0), (n, n)).copy_from(&q);
    kkt.view_mut((n, 0), (m, n)).copy_from(&a);
    kkt.view_mut((0, n), (n, m)).copy_from(&a.transpose());
    let mut rhs = DVector::zeros(n + m);
    for i in 0..n {
        rhs[i] = -(i as f64).sin();
    }
    for i in 0..m {
        rhs[n + i] = 1.0 + i as f64 / 10.0;
    }
    let sol = kkt.lu().solve(&rhs).expect("nonsingular KKT");
    let r = Sqp::default()
        .minimize(&Qp, &QpRows, &DVector::zeros(n))
        .unwrap();
    assert_eq!(r.status, SqpStatus::Converged);
    // A QP: one full Newton step solves it, the second iterate checks it.
    assert!(r.iterations <= 2, "{} iterations", r.iterations);
    assert!((&r.x - sol.rows(0, n)).amax() < 1e-10);
    assert!((&r.lambda - sol.rows(n, m)).amax() < 1e-10);
}

// ------------------------------------------------- KKT conditions, cartpole

#[test]
fn cartpole_kkt_conditions_hold_with_dense_jacobians() {
    let p = Cartpole::new(20);
    let r = Sqp::default()
        .minimize(&p, &p.constraints(), &p.x0())
        .unwrap();
    assert_eq!(r.status, SqpStatus::Converged);
    let (stationarity, violation) = kkt_residuals(&p, &p.constraints(), &r.x, &r.lambda);
    assert!(stationarity < 1e-8, "‖∇L‖∞ = {stationarity}");
    assert!(violation < 1e-8, "‖c‖∞ = {violation}");
    // The KKT system is banded in the stage ordering, whatever N is.
    let r40 = Sqp::new(SqpOptions {
        max_iters: 0,
        ..Default::default()
    })
    .minimize(
        &Cartpole::new(40),
        &Cartpole::new(40).constraints(),
        &Cartpole::new(40).x0(),
    )
    .unwrap();
    assert_eq!((r.kkt_bandwidth, r40.kkt_bandwidth), (8, 8));
    assert_eq!((r.jacobian_width, r.hessian_bandwidth), (9, 3));
}

/// Ipopt's optimal z (one number per line), copied from the peers'
/// results into `tests/data/`.
fn ipopt_solution(segments: usize) -> DVector<f64> {
    let path = format!(
        "{}/tests/data/cartpole_N{segments}.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    DVector::from_iterator(
        5 * (segments + 1),
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().parse::<f64>().expect("a number per line")),
    )
}

fn cartpole_against_ipopt(segments: usize) {
    let p = Cartpole::new(segments);
    let r = Sqp::default()
        .minimize(&p, &p.constraints(), &p.x0())
        .unwrap();
    assert_eq!(r.status, SqpStatus::Converged);
    let z = ipopt_solution(segments);
    assert_eq!(z.len(), p.n());
    let f_ipopt = p.lens::<f64>().eval(&z);
    assert!(
        (r.f - f_ipopt).abs() <= 1e-6 * f_ipopt.abs(),
        "objective {} vs Ipopt {f_ipopt}",
        r.f
    );
    let worst = (&r.x - &z)
        .iter()
        .zip(z.iter())
        .map(|(d, v)| d.abs() / v.abs().max(1.0))
        .fold(0.0, f64::max);
    assert!(worst <= 1e-4, "states/controls differ by {worst}");
    assert!(r.c_inf <= 1e-8);
}

#[test]
fn cartpole_n100_matches_ipopt() {
    cartpole_against_ipopt(100);
}

#[test]
fn cartpole_n1000_matches_ipopt() {
    cartpole_against_ipopt(1000);
}

#[test]
fn cartpole_with_the_l1_merit_reaches_the_same_optimum() {
    let p = Cartpole::new(100);
    let opts = SqpOptions {
        globalization: Globalization::L1Merit,
        ..Default::default()
    };
    let merit = Sqp::new(opts)
        .minimize(&p, &p.constraints(), &p.x0())
        .unwrap();
    let filter = Sqp::default()
        .minimize(&p, &p.constraints(), &p.x0())
        .unwrap();
    assert_eq!(merit.status, SqpStatus::Converged);
    assert!((merit.f - filter.f).abs() < 1e-9 * filter.f);
    assert!((&merit.x - &filter.x).amax() < 1e-6);
}

// ------------------------------------------- problems with known answers

objective!(SumXY, |x| x.sum());
vector_map!(UnitCircle, |x| x.norm_squared() - 1.0);

#[test]
fn linear_objective_on_the_circle() {
    // min x + y on x² + y² = 1: (−1, −1)/√2, λ = 1/√2.
    let r = Sqp::default()
        .minimize(&SumXY, &UnitCircle, &DVector::from_vec(vec![0.3, -1.2]))
        .unwrap();
    let s = std::f64::consts::FRAC_1_SQRT_2;
    assert!((r.x[0] + s).abs() < 1e-10 && (r.x[1] + s).abs() < 1e-10);
    assert!((r.lambda[0] - s).abs() < 1e-10);
}

// Hock & Schittkowski, *Test Examples for Nonlinear Programming Codes*
// (1981), problems 6, 7 and 39, with their published starts and optima.
objective!(Hs6F, |x| (1.0 - x.at(0)).square());
vector_map!(Hs6C, |x| (x.at(1) - x.at(0).square()) * 10.0);
objective!(Hs7F, |x| x.at(0).ln_1p_square() - x.at(1));
vector_map!(Hs7C, |x| (x.at(0).square() + 1.0).square()
    + x.at(1).square()
    - 4.0);
objective!(Hs39F, |x| -x.at(0));
vector_map!(Hs39C, |x| (x.at(1) - x.at(0).powi(3) - x.at(2).square())
    .concat(&(x.at(0).square() - x.at(1) - x.at(3).square())));

#[test]
fn hock_schittkowski_6_7_39() {
    let sqp = Sqp::default();
    let r = sqp
        .minimize(&Hs6F, &Hs6C, &DVector::from_vec(vec![-1.2, 1.0]))
        .unwrap();
    assert!((r.x[0] - 1.0).abs() < 1e-8 && (r.x[1] - 1.0).abs() < 1e-8 && r.f < 1e-14);
    let r = sqp
        .minimize(&Hs7F, &Hs7C, &DVector::from_vec(vec![2.0, 2.0]))
        .unwrap();
    assert!(r.x[0].abs() < 1e-8 && (r.x[1] - 3f64.sqrt()).abs() < 1e-8);
    assert!((r.f + 3f64.sqrt()).abs() < 1e-10);
    let r = sqp
        .minimize(&Hs39F, &Hs39C, &DVector::from_element(4, 2.0))
        .unwrap();
    let want = [1.0, 1.0, 0.0, 0.0];
    assert!(
        r.x.iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-6),
        "{}",
        r.x
    );
    let (stationarity, violation) = kkt_residuals(&Hs39F, &Hs39C, &r.x, &r.lambda);
    assert!(stationarity < 1e-8 && violation < 1e-8);
}

// ------------------------------------------------------ banded Jacobians

#[test]
fn banded_jacobian_of_cartpole_equals_the_forward_jacobian() {
    let p = Cartpole::new(12);
    let z = p.x0().map(|v| v + 0.1) + DVector::from_fn(p.n(), |i, _| (0.7 * i as f64).sin());
    let c = p.constraints();
    let spans = JacobianSpans::detect(&c, &z).unwrap();
    assert_eq!(spans.width(), 9);
    let (value, j) = jacobian_banded(&c, &z, &spans).unwrap();
    let dense = dense_jacobian(&c, &z);
    assert!((j.to_dmatrix() - &dense).amax() < 1e-13);
    let cf: DFun<DVector<f64>, DVector<f64>> = c.build(Expr::var()).compile();
    assert!((value - cf.eval(&z)).amax() < 1e-14);
    let y = DVector::from_fn(p.m(), |i, _| (i as f64).cos());
    assert!((j.tr_mul_vec(&y) - dense.transpose() * &y).amax() < 1e-13);
}

// ----------------------------------------------------------------- errors

vector_map!(ThreeOnTwo, |x| x.clone().concat(&x.sum()));
objective!(SquaredNorm, |x| x.norm_squared());

#[test]
fn more_constraints_than_variables_is_an_error() {
    let err = Sqp::default()
        .minimize(&SquaredNorm, &ThreeOnTwo, &DVector::zeros(2))
        .unwrap_err();
    assert_eq!(err, Error::TooManyConstraints { m: 3, n: 2 });
    assert!(
        err.to_string()
            .contains("3 equality constraints on 2 variables")
    );
}

vector_map!(Contradiction, |x| (x.at(0) - 1.0).concat(&(x.at(0) - 2.0)));

#[test]
fn inconsistent_constraints_are_an_error() {
    // x₀ = 1 and x₀ = 2: at x₀ = 1.5 the violation is stationary.
    let err = Sqp::default()
        .minimize(
            &SquaredNorm,
            &Contradiction,
            &DVector::from_vec(vec![1.5, 0.0, 0.0]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::InconsistentConstraints { iteration: 0, violation, rows }
            if *violation == 0.5 && rows[..] == [0, 1]),
        "{err:?}"
    );
    assert!(err.to_string().contains("rows [0, 1]"), "{err}");
}

#[test]
fn contradictory_equalities_name_both_rows_from_any_start() {
    // x₀ = 1 and x₀ = 2 from starts where ‖c‖² is not stationary: the
    // error, whichever kind, names rows 0 and 1, and no other.
    for x00 in [-3.0, 0.0, 1.0, 2.0, 7.5] {
        let err = Sqp::default()
            .minimize(
                &SquaredNorm,
                &Contradiction,
                &DVector::from_vec(vec![x00, 0.0, 0.0]),
            )
            .unwrap_err();
        let rows = match &err {
            Error::InconsistentConstraints { rows, .. } | Error::SingularJacobian { rows, .. } => {
                rows.clone()
            }
            other => panic!("x0 = {x00}: {other:?}"),
        };
        let mut sorted = rows.clone();
        sorted.sort();
        assert_eq!(sorted, vec![0, 1], "x0 = {x00}: {err}");
    }
}

vector_map!(TangentRows, |x| x
    .at(0)
    .concat(&(x.at(0) + x.at(1).square() - 1.0)));

#[test]
fn singular_jacobian_regularisation_cannot_fix_is_an_error() {
    // At (1, 0) both rows have gradient (1, 0) but c = (1, 0): the
    // linearised constraints dx₀ = −1, dx₀ = 0 contradict each other
    // (the problem itself is feasible: x = (0, ±1)).
    let err = Sqp::default()
        .minimize(
            &SquaredNorm,
            &TangentRows,
            &DVector::from_vec(vec![1.0, 0.0]),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::SingularJacobian { iteration: 0, residual, rows }
            if *residual > 0.1 && rows.len() == 2),
        "{err:?}"
    );
}

objective!(Hyperbolic, |x| (x.at(0).square() + 1.0).sqrt()
    + x.at(1).square());
vector_map!(PinSecond, |x| x.at(1));

#[test]
fn line_search_failure_is_an_error() {
    // Newton on √(1 + x²) from x = 2 overshoots to −8; with no halvings
    // allowed the line search must fail, not accept it.
    let opts = SqpOptions {
        max_backtracks: 1,
        second_order_correction: false,
        ..Default::default()
    };
    let err = Sqp::new(opts)
        .minimize(&Hyperbolic, &PinSecond, &DVector::from_vec(vec![2.0, 0.0]))
        .unwrap_err();
    assert!(
        matches!(err, Error::LineSearchFailed { iteration: 0, .. }),
        "{err:?}"
    );
    // With halvings it converges to x = 0.
    let r = Sqp::default()
        .minimize(&Hyperbolic, &PinSecond, &DVector::from_vec(vec![2.0, 0.0]))
        .unwrap();
    assert!(r.x.amax() < 1e-8);
}

vector_map!(LogRow, |x| x.at(0).ln());

#[test]
fn non_finite_inputs_and_values_are_errors() {
    let err = Sqp::default()
        .minimize(
            &SquaredNorm,
            &UnitCircle,
            &DVector::from_vec(vec![f64::NAN, 0.0]),
        )
        .unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "x0",
            index: Some(0)
        }
    );
    // ln(−1) in a constraint at the start.
    let err = Sqp::default()
        .minimize(&SquaredNorm, &LogRow, &DVector::from_vec(vec![-1.0, 0.0]))
        .unwrap_err();
    assert_eq!(
        err,
        Error::NonFinite {
            what: "c(x)",
            index: Some(0)
        }
    );
}

#[test]
fn observer_sees_every_iteration_and_can_stop() {
    let p = Cartpole::new(30);
    let mut seen = Vec::new();
    let r = Sqp::default()
        .minimize_observed(&p, &p.constraints(), &p.x0(), &mut |it| {
            seen.push((it.iter, it.c_inf));
            lensdiff::optim::Control::Continue
        })
        .unwrap();
    assert_eq!(seen.len(), r.iterations + 1);
    assert_eq!(seen.last().map(|s| s.1), Some(r.c_inf));
    assert_eq!(r.history.len(), seen.len());
    // The start is infeasible (linear interpolation), the end is not.
    assert!(seen[0].1 > 0.1 && r.c_inf <= 1e-8);
}
