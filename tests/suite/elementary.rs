//! The elementwise table, every row in every mode: values against the
//! standard library (or Python's `math` for `erf`), first derivatives in
//! the forward, reverse and dense modes against the formula and central
//! differences, second derivatives through nested duals and the Hessian
//! (forward over reverse) against the formula and differences of `f'`,
//! and the sparsity tracer's class. Then the vector path itself: `f64`
//! slices of every length through the SIMD lanes, and functions that
//! branch per element (the lanes must fall back, never pick one branch).

use lensdiff::hessian::hessian;
use lensdiff::sparsity::{hessian_pattern, jacobian_pattern};
use lensdiff::{DFun, Dense, Dual, Expr, Forward, Objective, Real, Reverse, ScalarFn, ops};
use lensdiff::{jacobian_dense, jacobian_fwd, jacobian_rev};
use nalgebra::{DVector, dvector};
use std::f64::consts::{FRAC_2_SQRT_PI, PI};

type V = DVector<f64>;

/// One row under test: the lens in each mode, `f`, `f'`, `f''` by formula
/// (std), points inside the domain, and whether it is nonlinear.
struct Case {
    name: &'static str,
    fwd: DFun<V, V, Forward>,
    rev: DFun<V, V, Reverse>,
    dense: DFun<V, V, Dense>,
    f: fn(f64) -> f64,
    d1: fn(f64) -> f64,
    d2: fn(f64) -> f64,
    points: &'static [f64],
    nonlinear: bool,
}

/// `Σ f(x_i)` built from the Expr method of that name, for the Hessian and
/// the tracer.
struct SumOf(&'static str);

macro_rules! case {
    ($name:ident ($($arg:expr),*), f = $f:expr, d1 = $d1:expr, d2 = $d2:expr,
     points = $pts:expr, nonlinear = $nl:expr) => {
        Case {
            name: stringify!($name),
            fwd: ops::$name($($arg),*),
            rev: ops::$name($($arg),*),
            dense: ops::$name($($arg),*),
            f: $f,
            d1: $d1,
            d2: $d2,
            points: $pts,
            nonlinear: $nl,
        }
    };
}

const WIDE: &[f64] = &[-2.3, -0.7, -0.1, 0.3, 0.9, 1.7];
const UNIT: &[f64] = &[-0.8, -0.3, 0.1, 0.45, 0.7];
const POS: &[f64] = &[0.2, 0.6, 1.3, 2.7, 7.5];

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `erf` by Python's `math.erf` at the points of the erf case.
const ERF_POINTS: &[f64] = &[-2.3, -0.7, -0.1, 0.3, 0.9, 1.7, 2.6, 3.5, 5.0];
const ERF_VALUES: &[f64] = &[
    -0.9988568234026434,
    -0.6778011938374184,
    -0.1124629160182849,
    0.3286267594591274,
    0.7969082124228322,
    0.9837904585907745,
    0.9997639655834707,
    0.9999992569016276,
    0.9999999999984626,
];

fn erf_reference(x: f64) -> f64 {
    let k = ERF_POINTS
        .iter()
        .position(|&p| p == x)
        .expect("erf reference point");
    ERF_VALUES[k]
}

fn cases() -> Vec<Case> {
    vec![
        case!(
            sin(),
            f = f64::sin,
            d1 = f64::cos,
            d2 = |x| -x.sin(),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            cos(),
            f = f64::cos,
            d1 = |x| -x.sin(),
            d2 = |x| -x.cos(),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            tan(),
            f = f64::tan,
            d1 = |x| 1.0 / x.cos().powi(2),
            d2 = |x| 2.0 * x.tan() / x.cos().powi(2),
            points = UNIT,
            nonlinear = true
        ),
        case!(
            asin(),
            f = f64::asin,
            d1 = |x| 1.0 / (1.0 - x * x).sqrt(),
            d2 = |x| x / (1.0 - x * x).powf(1.5),
            points = UNIT,
            nonlinear = true
        ),
        case!(
            acos(),
            f = f64::acos,
            d1 = |x| -1.0 / (1.0 - x * x).sqrt(),
            d2 = |x| -x / (1.0 - x * x).powf(1.5),
            points = UNIT,
            nonlinear = true
        ),
        case!(
            atan(),
            f = f64::atan,
            d1 = |x| 1.0 / (1.0 + x * x),
            d2 = |x| -2.0 * x / (1.0 + x * x).powi(2),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            exp(),
            f = f64::exp,
            d1 = f64::exp,
            d2 = f64::exp,
            points = WIDE,
            nonlinear = true
        ),
        case!(
            exp2(),
            f = f64::exp2,
            d1 = |x| x.exp2() * 2f64.ln(),
            d2 = |x| x.exp2() * 2f64.ln().powi(2),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            exp_m1(),
            f = f64::exp_m1,
            d1 = f64::exp,
            d2 = f64::exp,
            points = WIDE,
            nonlinear = true
        ),
        case!(
            ln(),
            f = f64::ln,
            d1 = |x| 1.0 / x,
            d2 = |x| -1.0 / (x * x),
            points = POS,
            nonlinear = true
        ),
        case!(
            log2(),
            f = f64::log2,
            d1 = |x| 1.0 / (x * 2f64.ln()),
            d2 = |x| -1.0 / (x * x * 2f64.ln()),
            points = POS,
            nonlinear = true
        ),
        case!(
            log10(),
            f = f64::log10,
            d1 = |x| 1.0 / (x * 10f64.ln()),
            d2 = |x| -1.0 / (x * x * 10f64.ln()),
            points = POS,
            nonlinear = true
        ),
        case!(
            ln_1p(),
            f = f64::ln_1p,
            d1 = |x| 1.0 / (1.0 + x),
            d2 = |x| -1.0 / (1.0 + x).powi(2),
            points = UNIT,
            nonlinear = true
        ),
        case!(
            sqrt(),
            f = f64::sqrt,
            d1 = |x| 0.5 / x.sqrt(),
            d2 = |x| -0.25 * x.powf(-1.5),
            points = POS,
            nonlinear = true
        ),
        case!(
            cbrt(),
            f = f64::cbrt,
            d1 = |x| x.powf(-2.0 / 3.0) / 3.0,
            d2 = |x| -2.0 / 9.0 * x.powf(-5.0 / 3.0),
            points = POS,
            nonlinear = true
        ),
        case!(
            recip(),
            f = |x| 1.0 / x,
            d1 = |x| -1.0 / (x * x),
            d2 = |x| 2.0 / (x * x * x),
            points = POS,
            nonlinear = true
        ),
        case!(
            sinh(),
            f = f64::sinh,
            d1 = f64::cosh,
            d2 = f64::sinh,
            points = WIDE,
            nonlinear = true
        ),
        case!(
            cosh(),
            f = f64::cosh,
            d1 = f64::sinh,
            d2 = f64::cosh,
            points = WIDE,
            nonlinear = true
        ),
        case!(
            tanh(),
            f = f64::tanh,
            d1 = |x| 1.0 / x.cosh().powi(2),
            d2 = |x| -2.0 * x.tanh() / x.cosh().powi(2),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            asinh(),
            f = f64::asinh,
            d1 = |x| 1.0 / (x * x + 1.0).sqrt(),
            d2 = |x| -x / (x * x + 1.0).powf(1.5),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            acosh(),
            f = f64::acosh,
            d1 = |x| 1.0 / (x * x - 1.0).sqrt(),
            d2 = |x| -x / (x * x - 1.0).powf(1.5),
            points = &[1.2, 1.9, 3.0, 8.0],
            nonlinear = true
        ),
        case!(
            atanh(),
            f = f64::atanh,
            d1 = |x| 1.0 / (1.0 - x * x),
            d2 = |x| 2.0 * x / (1.0 - x * x).powi(2),
            points = UNIT,
            nonlinear = true
        ),
        case!(
            abs(),
            f = f64::abs,
            d1 = f64::signum,
            d2 = |_| 0.0,
            points = WIDE,
            nonlinear = false
        ),
        case!(
            to_degrees(),
            f = f64::to_degrees,
            d1 = |_| 180.0 / PI,
            d2 = |_| 0.0,
            points = WIDE,
            nonlinear = false
        ),
        case!(
            to_radians(),
            f = f64::to_radians,
            d1 = |_| PI / 180.0,
            d2 = |_| 0.0,
            points = WIDE,
            nonlinear = false
        ),
        case!(
            erf(),
            f = erf_reference,
            d1 = |x| FRAC_2_SQRT_PI * (-x * x).exp(),
            d2 = |x| -2.0 * x * FRAC_2_SQRT_PI * (-x * x).exp(),
            points = ERF_POINTS,
            nonlinear = true
        ),
        case!(
            logistic(),
            f = logistic,
            d1 = |x| logistic(x) * (1.0 - logistic(x)),
            d2 = |x| {
                let s = logistic(x);
                s * (1.0 - s) * (1.0 - 2.0 * s)
            },
            points = WIDE,
            nonlinear = true
        ),
        case!(
            softplus(),
            f = |x| (1.0 + x.exp()).ln(),
            d1 = logistic,
            d2 = |x| logistic(x) * (1.0 - logistic(x)),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            smooth_abs(0.1),
            f = |x| (x * x + 0.01).sqrt(),
            d1 = |x| x / (x * x + 0.01).sqrt(),
            d2 = |x| 0.01 / (x * x + 0.01).powf(1.5),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            square(),
            f = |x| x * x,
            d1 = |x| 2.0 * x,
            d2 = |_| 2.0,
            points = WIDE,
            nonlinear = true
        ),
        case!(
            ln_1p_square(),
            f = |x| (x * x).ln_1p(),
            d1 = |x| 2.0 * x / (1.0 + x * x),
            d2 = |x| 2.0 * (1.0 - x * x) / (1.0 + x * x).powi(2),
            points = WIDE,
            nonlinear = true
        ),
        case!(
            powi(3),
            f = |x| x * x * x,
            d1 = |x| 3.0 * x * x,
            d2 = |x| 6.0 * x,
            points = WIDE,
            nonlinear = true
        ),
        case!(
            powf(2.5),
            f = |x| x.powf(2.5),
            d1 = |x| 2.5 * x.powf(1.5),
            d2 = |x| 3.75 * x.sqrt(),
            points = POS,
            nonlinear = true
        ),
    ]
}

fn sum_of(name: &'static str) -> SumOf {
    SumOf(name)
}

impl Objective for SumOf {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        // Expr methods are generic; rebuild through the name for S.
        macro_rules! by_name {
            ($($m:ident($($a:expr),*)),*) => {
                match self.0 {
                    $(stringify!($m) => x.$m($($a),*).sum(),)*
                    other => panic!("no objective for {other}"),
                }
            };
        }
        by_name!(
            sin(),
            cos(),
            tan(),
            asin(),
            acos(),
            atan(),
            exp(),
            exp2(),
            exp_m1(),
            ln(),
            log2(),
            log10(),
            ln_1p(),
            sqrt(),
            cbrt(),
            recip(),
            sinh(),
            cosh(),
            tanh(),
            asinh(),
            acosh(),
            atanh(),
            abs(),
            to_degrees(),
            to_radians(),
            erf(),
            logistic(),
            softplus(),
            smooth_abs(0.1),
            square(),
            ln_1p_square(),
            powi(3),
            powf(2.5)
        )
    }
}

fn close(got: f64, want: f64, rel: f64) -> bool {
    (got - want).abs() <= rel * want.abs().max(1.0)
}

#[test]
fn values_match_the_standard_library() {
    for c in cases() {
        let x = DVector::from_column_slice(c.points);
        let y = c.rev.eval(&x);
        for (i, &p) in c.points.iter().enumerate() {
            assert!(
                close(y[i], (c.f)(p), 4e-16),
                "{}({p}) = {}, expected {}",
                c.name,
                y[i],
                (c.f)(p)
            );
        }
        // Forward and dense modes compute the same values.
        assert_eq!(c.fwd.eval(&x), y, "{}: forward value", c.name);
        assert_eq!(c.dense.eval(&x), y, "{}: dense value", c.name);
    }
}

#[test]
fn first_derivatives_in_every_mode() {
    for c in cases() {
        let x = DVector::from_column_slice(c.points);
        let n = x.len();
        let jf = jacobian_fwd(&c.fwd, &x);
        let jr = jacobian_rev(&c.rev, &x);
        let jd = jacobian_dense(&c.dense, &x);
        for i in 0..n {
            for j in 0..n {
                let want = if i == j { (c.d1)(x[i]) } else { 0.0 };
                for (mode, jm) in [("forward", &jf), ("reverse", &jr), ("dense", &jd)] {
                    assert!(
                        close(jm[(i, j)], want, 1e-14),
                        "{} {mode}: J[{i},{j}] = {}, formula {want}",
                        c.name,
                        jm[(i, j)]
                    );
                }
            }
            // Central differences of the lens itself.
            let h = 1e-6 * x[i].abs().max(1.0);
            let (mut xp, mut xm) = (x.clone(), x.clone());
            xp[i] += h;
            xm[i] -= h;
            let fd = (c.rev.eval(&xp)[i] - c.rev.eval(&xm)[i]) / (2.0 * h);
            assert!(
                close(jr[(i, i)], fd, 1e-7),
                "{}: f'({}) = {}, central difference {fd}",
                c.name,
                x[i],
                jr[(i, i)]
            );
        }
    }
}

#[test]
fn second_derivatives_by_nesting() {
    for c in cases() {
        let x = DVector::from_column_slice(c.points);
        let h = hessian(&sum_of(c.name), &x).unwrap();
        for i in 0..x.len() {
            for j in 0..x.len() {
                let want = if i == j { (c.d2)(x[i]) } else { 0.0 };
                assert!(
                    close(h[(i, j)], want, 1e-13),
                    "{}: H[{i},{j}] = {}, formula {want}",
                    c.name,
                    h[(i, j)]
                );
            }
            // f'' against central differences of the formula f'.
            let (p, e) = (x[i], 1e-5 * x[i].abs().max(1.0));
            let fd = ((c.d1)(p + e) - (c.d1)(p - e)) / (2.0 * e);
            assert!(
                close(h[(i, i)], fd, 1e-6),
                "{}: f''({p}) = {}, central difference of f' {fd}",
                c.name,
                h[(i, i)]
            );
        }
    }
}

type D2 = Dual<Dual<f64>>;

/// `[f, ∂a f, ∂b f]` by formula.
type Partials = fn(f64, f64) -> [f64; 3];

#[test]
fn dual_numbers_nest_to_second_order() {
    // The Real methods on Dual<Dual<f64>>: value, f' and f'' in one call;
    // f'' against central differences of the formula f'.
    let at = |x: f64| Dual::new(Dual::new(x, 1.0), Dual::new(1.0, 0.0));
    let x = 0.4;
    type Row = (&'static str, D2, f64, fn(f64) -> f64);
    let rows: [Row; 6] = [
        ("erf", at(x).erf(), erf_by_python(x), |t| {
            FRAC_2_SQRT_PI * (-t * t).exp()
        }),
        ("logistic", at(x).logistic(), logistic(x), |t| {
            logistic(t) * (1.0 - logistic(t))
        }),
        ("softplus", at(x).softplus(), (1.0 + x.exp()).ln(), logistic),
        (
            "smooth_abs",
            at(x).smooth_abs(0.1),
            (x * x + 0.01).sqrt(),
            |t| t / (t * t + 0.01).sqrt(),
        ),
        ("sinh", num_traits::Float::sinh(at(x)), x.sinh(), f64::cosh),
        ("cbrt", num_traits::Float::cbrt(at(x)), x.cbrt(), |t| {
            t.powf(-2.0 / 3.0) / 3.0
        }),
    ];
    for (name, d, f, d1) in rows {
        let (v, g, h) = (d.re.re, d.re.eps[0], d.eps[0].eps[0]);
        assert!(close(v, f, 1e-15), "{name}: value {v}, expected {f}");
        assert!(close(g, d1(x), 1e-15), "{name}: f' {g}, expected {}", d1(x));
        let fd = (d1(x + 1e-5) - d1(x - 1e-5)) / 2e-5;
        assert!(
            close(h, fd, 1e-8),
            "{name}: f'' {h}, central difference {fd}"
        );
    }
}

/// `erf(0.4)` by Python's `math.erf`.
fn erf_by_python(x: f64) -> f64 {
    assert_eq!(x, 0.4);
    0.42839235504666845
}

#[test]
fn binary_rows_in_every_mode() {
    let (a, b) = (dvector![0.5, -1.2, 2.0], dvector![1.5, 0.3, -0.7]);
    type P = (V, V);
    type Row = (
        &'static str,
        DFun<P, V, Reverse>,
        DFun<P, V, Forward>,
        Partials,
    );
    let rows: [Row; 2] = [
        ("hypot", ops::hypot(), ops::hypot(), |a, b| {
            let h = (a * a + b * b).sqrt();
            [h, a / h, b / h]
        }),
        ("atan2", ops::atan2(), ops::atan2(), |a, b| {
            let r = a * a + b * b;
            [a.atan2(b), b / r, -a / r]
        }),
    ];
    for (name, rev, fwd, want) in rows {
        let x = (a.clone(), b.clone());
        let y = rev.eval(&x);
        let jr = jacobian_rev(&rev, &x);
        let jf = jacobian_fwd(&fwd, &x);
        for i in 0..3 {
            let [f, fa, fb] = want(a[i], b[i]);
            assert!(close(y[i], f, 4e-16), "{name}: value {}", y[i]);
            for (mode, j) in [("reverse", &jr), ("forward", &jf)] {
                assert!(
                    close(j[(i, i)], fa, 1e-15),
                    "{name} {mode}: ∂a {}",
                    j[(i, i)]
                );
                assert!(
                    close(j[(i, 3 + i)], fb, 1e-15),
                    "{name} {mode}: ∂b {}",
                    j[(i, 3 + i)]
                );
            }
        }
    }
    // Second order through nesting, against differences of the gradient.
    struct Pairs;
    impl Objective for Pairs {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            let (u, v) = (x.even(), x.odd());
            u.hypot(&v).sum() + u.atan2(&v).sum()
        }
    }
    let x = dvector![0.5, 1.5, -1.2, 0.3];
    let h = hessian(&Pairs, &x).unwrap();
    let g = |x: &V| lensdiff::grad(&Pairs.lens::<f64>(), x);
    for j in 0..4 {
        let (mut xp, mut xm) = (x.clone(), x.clone());
        xp[j] += 1e-6;
        xm[j] -= 1e-6;
        let col = (g(&xp) - g(&xm)) / 2e-6;
        for i in 0..4 {
            assert!(
                close(h[(i, j)], col[i], 1e-7),
                "H[{i},{j}] = {} vs {}",
                h[(i, j)],
                col[i]
            );
            let coupled = i / 2 == j / 2;
            assert_eq!(h[(i, j)] != 0.0, coupled, "H[{i},{j}] sparsity");
        }
    }
    // The tracer: each pair couples only its own two inputs.
    let p = hessian_pattern(&Pairs, &x).unwrap();
    assert_eq!(p.nnz(), 8);
    assert!(p.contains(0, 1) && p.contains(3, 2) && !p.contains(1, 2));
}

#[test]
fn tracer_classes_are_exact() {
    let x = DVector::from_fn(6, |i, _| 0.2 + 0.1 * i as f64);
    for c in cases() {
        // Σ f(x_i) has a diagonal Hessian when f is nonlinear, none when linear.
        let p = hessian_pattern(&sum_of(c.name), &x).unwrap();
        let want = if c.nonlinear { 6 } else { 0 };
        assert_eq!(p.nnz(), want, "{}: Hessian pattern", c.name);
        if c.nonlinear {
            assert!((0..6).all(|i| p.contains(i, i)), "{}: diagonal", c.name);
        }
    }
    // The Jacobian of the map is diagonal (one row each).
    let j = jacobian_pattern(|x| x.erf().softplus().smooth_abs(0.5), &x).unwrap();
    assert_eq!((j.nnz(), j.row(3)), (6, &[3][..]));
}

// ------------------------------------------------------------ vector path

#[test]
fn vector_path_matches_scalar_for_every_length() {
    // Lengths around the lane count, special values included: the f64
    // (lanes) path of the primitive against f64 std per element.
    let specials = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        1e-310,
        3e6,
    ];
    for n in 0..11 {
        let mut v: Vec<f64> = (0..n).map(|i| 0.37 * i as f64 - 1.3).collect();
        v.extend_from_slice(&specials[..n.min(specials.len())]);
        let x = DVector::from_vec(v);
        for (name, lens, f) in [
            (
                "sin",
                ops::sin::<f64, Reverse>(),
                f64::sin as fn(f64) -> f64,
            ),
            ("cos", ops::cos(), f64::cos),
            ("exp", ops::exp(), f64::exp),
            ("tanh", ops::tanh(), f64::tanh),
        ] {
            let y = lens.eval(&x);
            for i in 0..x.len() {
                let w = f(x[i]);
                let ok = (y[i].is_nan() && w.is_nan())
                    || y[i] == w
                    || (y[i] - w).abs() <= 4.5e-16 * w.abs();
                assert!(ok, "{name}({}) = {}, std {w}", x[i], y[i]);
            }
        }
        let xl = x.map(f64::abs);
        let y = ops::ln::<f64, Reverse>().eval(&xl);
        for i in 0..x.len() {
            let w = xl[i].ln();
            let ok =
                (y[i].is_nan() && w.is_nan()) || y[i] == w || (y[i] - w).abs() <= 4.5e-16 * w.abs();
            assert!(ok, "ln({}) = {}, std {w}", xl[i], y[i]);
        }
    }
}

/// A scalar function that branches on its argument: the lanes of a chunk
/// with mixed signs disagree, and must be recomputed one by one.
struct Branchy;
impl ScalarFn for Branchy {
    fn eval<T: Real>(&self, x: T) -> T {
        if x < T::zero() {
            x * x
        } else {
            x.sin() * T::from_f64(3.0)
        }
    }
}

#[test]
fn branching_functions_take_each_elements_branch() {
    let x = dvector![-1.0, 2.0, -3.0, 0.5, 1.5, 2.5, 3.5, 4.5, -0.25];
    let f: DFun<V, V> = Expr::var().map_fn(Branchy).compile();
    let y = f.eval(&x);
    let j = jacobian_rev(&f, &x);
    for i in 0..x.len() {
        let t = x[i];
        let (v, d) = if t < 0.0 {
            (t * t, 2.0 * t)
        } else {
            (3.0 * t.sin(), 3.0 * t.cos())
        };
        assert!(close(y[i], v, 4e-16), "value at {t}: {} vs {v}", y[i]);
        assert!(
            close(j[(i, i)], d, 4e-16),
            "derivative at {t}: {} vs {d}",
            j[(i, i)]
        );
    }
}

#[test]
fn erf_across_its_two_branches() {
    // The series (|x| < 2.5) and the continued fraction (beyond) against
    // Python's math.erf, and the special values.
    let x = DVector::from_column_slice(ERF_POINTS);
    let y = ops::erf::<f64, Reverse>().eval(&x);
    for (i, &p) in ERF_POINTS.iter().enumerate() {
        assert!(close(y[i], erf_reference(p), 1e-15), "erf({p}) = {}", y[i]);
    }
    assert_eq!(Real::erf(0.0_f64).to_bits(), 0.0_f64.to_bits());
    assert_eq!(Real::erf(-0.0_f64).to_bits(), (-0.0_f64).to_bits());
    assert_eq!(Real::erf(f64::INFINITY), 1.0);
    assert_eq!(Real::erf(-40.0_f64), -1.0);
    assert!(Real::erf(f64::NAN).is_nan());
    assert!((Real::erf(0.5_f32) - 0.520_499_9).abs() < 1e-6);
}

#[test]
fn softplus_and_logistic_do_not_overflow() {
    assert_eq!(Real::softplus(800.0_f64), 800.0);
    assert_eq!(Real::softplus(-800.0_f64), 0.0);
    assert_eq!(Real::logistic(-800.0_f64), 0.0);
    assert_eq!(Real::logistic(800.0_f64), 1.0);
}

#[test]
fn sum_adjacent_equals_the_trimmed_formulation() {
    // Σ f(x_i, x_{i+1}) fused against trim + zip_map_fn + sum: value,
    // gradient and Hessian (forward over reverse).
    struct Pair;
    impl lensdiff::ScalarFn2 for Pair {
        fn eval<T: Real>(&self, a: T, b: T) -> T {
            (b - a) * (b - a) + (a * b).sin()
        }
    }
    struct Fused;
    impl Objective for Fused {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.sum_adjacent_fn(Pair)
        }
    }
    struct Trimmed;
    impl Objective for Trimmed {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.trim(0, 1).zip_map_fn(&x.trim(1, 0), Pair).sum()
        }
    }
    for n in [1, 2, 5, 9] {
        let x = DVector::from_fn(n, |i, _| (0.7 * i as f64).sin());
        let (a, b) = (Fused.lens::<f64>(), Trimmed.lens::<f64>());
        assert!(close(a.eval(&x), b.eval(&x), 1e-15), "n = {n}: value");
        let (ga, gb) = (lensdiff::grad(&a, &x), lensdiff::grad(&b, &x));
        assert!((ga - gb).amax() <= 1e-15, "n = {n}: gradient");
        let (ha, hb) = (hessian(&Fused, &x).unwrap(), hessian(&Trimmed, &x).unwrap());
        assert!((ha - hb).amax() <= 1e-14, "n = {n}: Hessian");
        let jf: DFun<V, f64, Forward> = Expr::var().sum_adjacent_fn(Pair).compile();
        let v = DVector::from_element(n, 1.0);
        let (_, d) = lensdiff::jvp(&jf, &x, &v);
        assert!(
            close(d, lensdiff::grad(&a, &x).sum(), 1e-14),
            "n = {n}: jvp"
        );
    }
}

#[test]
fn bench_objective_patterns_are_the_dense_hessians_nonzeros() {
    use crate::problems::{Accel2, Chain1, Problem, Robot2d};
    fn check<P: Problem>(p: P) {
        let x = p.x0().map(|t| t + 0.013);
        let h = hessian(&p, &x).unwrap();
        let pat = hessian_pattern(&p, &x).unwrap();
        for i in 0..x.len() {
            for j in 0..x.len() {
                assert_eq!(
                    pat.contains(i, j),
                    h[(i, j)] != 0.0,
                    "{}: entry ({i}, {j}) = {}",
                    p.name(),
                    h[(i, j)]
                );
            }
        }
    }
    check(Chain1::new(40));
    check(Accel2::new(40));
    check(Robot2d::new(20));
}
