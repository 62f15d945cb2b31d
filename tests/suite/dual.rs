//! Dual numbers against central differences: the elementary functions,
//! `DualN` gradients, and nested duals for second derivatives.

use crate::common::{close1, fd};

use lensdiff::{Dual, DualN};

/// (name, the function over duals, the same over `f64`, the point).
type DualCase = (
    &'static str,
    fn(Dual<f64>) -> Dual<f64>,
    fn(f64) -> f64,
    f64,
);

/// (name, the function over nested duals, over `f64`, its second derivative).
type NestedCase = (
    &'static str,
    fn(Dual<Dual<f64>>) -> Dual<Dual<f64>>,
    fn(f64) -> f64,
    fn(f64) -> f64,
);

#[test]
fn dual_elementary_functions_match_central_differences() {
    use num_traits::Float;
    type D = Dual<f64>;
    let unary: Vec<DualCase> = vec![
        ("sin", |x| x.sin(), f64::sin, 0.7),
        ("cos", |x| x.cos(), f64::cos, 0.7),
        ("tan", |x| x.tan(), f64::tan, 0.7),
        ("asin", |x| Float::asin(x), f64::asin, 0.4),
        ("acos", |x| Float::acos(x), f64::acos, 0.4),
        ("atan", |x| x.atan(), f64::atan, 0.7),
        ("sinh", |x| Float::sinh(x), f64::sinh, 0.7),
        ("cosh", |x| Float::cosh(x), f64::cosh, 0.7),
        ("tanh", |x| x.tanh(), f64::tanh, 0.7),
        ("asinh", |x| Float::asinh(x), f64::asinh, 0.7),
        ("acosh", |x| Float::acosh(x), f64::acosh, 1.7),
        ("atanh", |x| Float::atanh(x), f64::atanh, 0.4),
        ("exp", |x| x.exp(), f64::exp, 0.7),
        ("exp2", |x| Float::exp2(x), f64::exp2, 0.7),
        ("exp_m1", |x| Float::exp_m1(x), f64::exp_m1, 0.7),
        ("ln", |x| x.ln(), f64::ln, 0.7),
        ("ln_1p", |x| x.ln_1p(), f64::ln_1p, 0.7),
        ("log2", |x| Float::log2(x), f64::log2, 0.7),
        ("log10", |x| Float::log10(x), f64::log10, 0.7),
        (
            "log(3)",
            |x| Float::log(x, D::constant(3.0)),
            |x| x.log(3.0),
            0.7,
        ),
        ("sqrt", |x| x.sqrt(), f64::sqrt, 0.7),
        ("cbrt", |x| Float::cbrt(x), f64::cbrt, 0.7),
        ("recip", |x| x.recip(), f64::recip, 0.7),
        ("abs (x < 0)", |x| x.abs(), f64::abs, -0.7),
        ("abs (x > 0)", |x| x.abs(), f64::abs, 0.7),
        ("powi(0)", |x| x.powi(0), |x| x.powi(0), 0.7),
        ("powi(1)", |x| x.powi(1), |x| x.powi(1), 0.7),
        ("powi(2)", |x| x.powi(2), |x| x.powi(2), 0.7),
        ("powi(5)", |x| x.powi(5), |x| x.powi(5), 0.7),
        ("powi(-3)", |x| x.powi(-3), |x| x.powi(-3), 0.7),
        (
            "powf(const 2.5)",
            |x| x.powf(D::constant(2.5)),
            |x| x.powf(2.5),
            0.7,
        ),
        (
            "powf(const 3) of negative base",
            |x| x.powf(D::constant(3.0)),
            |x| x.powf(3.0),
            -0.7,
        ),
        ("x^x (variable exponent)", |x| x.powf(x), |x| x.powf(x), 0.7),
        (
            "hypot",
            |x| Float::hypot(x, D::constant(0.3)),
            |x| x.hypot(0.3),
            0.7,
        ),
        (
            "atan2(x, 0.3)",
            |x| Float::atan2(x, D::constant(0.3)),
            |x| x.atan2(0.3),
            0.7,
        ),
        (
            "atan2(0.3, x)",
            |x| Float::atan2(D::constant(0.3), x),
            |x| 0.3f64.atan2(x),
            -0.7,
        ),
        (
            "mul_add",
            |x| Float::mul_add(x, x, D::constant(2.0)),
            |x| x * x + 2.0,
            0.7,
        ),
        ("to_degrees", |x| Float::to_degrees(x), f64::to_degrees, 0.7),
        ("to_radians", |x| Float::to_radians(x), f64::to_radians, 0.7),
        ("fract", |x| Float::fract(x), f64::fract, 2.7),
        ("sin_cos().0", |x| Float::sin_cos(x).0, f64::sin, 0.7),
        ("sin_cos().1", |x| Float::sin_cos(x).1, f64::cos, 0.7),
        (
            "max",
            |x| Float::max(x, D::constant(0.1)),
            |x| x.max(0.1),
            0.7,
        ),
        (
            "min",
            |x| Float::min(x, D::constant(0.1)),
            |x| x.min(0.1),
            0.7,
        ),
        (
            "x / (1 + x²)",
            |x| x / (x * x + D::constant(1.0)),
            |x| x / (x * x + 1.0),
            0.7,
        ),
        ("x − 3x", |x| x - x * D::constant(3.0), |x| x - 3.0 * x, 0.7),
        ("−x", |x| -x, |x| -x, 0.7),
        ("x % 0.5", |x| x % D::constant(0.5), |x| x % 0.5, 0.7),
        (
            "copysign(−1)",
            |x| Float::copysign(x, D::constant(-1.0)),
            |x| x.copysign(-1.0),
            0.7,
        ),
    ];
    for (name, f, g, x) in unary {
        let d = f(Dual::new(x, 1.0));
        close1(d.re, g(x), 1e-15, &format!("{name}: value"));
        close1(d.tangent(), fd(g, x), 1e-9, &format!("{name}: derivative"));
        // Linearity in the seed: a tangent of 2.5 scales the derivative.
        close1(
            f(Dual::new(x, 2.5)).eps[0],
            2.5 * d.tangent(),
            1e-15,
            &format!("{name}: seed scaling"),
        );
    }
}

#[test]
fn dual_n_gives_a_gradient() {
    // f(x, y, z) = x·y·sin(z) + exp(x/y), partials by central differences.
    type D3 = DualN<f64, 3>;
    let f = |x: D3, y: D3, z: D3| x * y * z.sin() + (x / y).exp();
    let p = [0.4, 1.3, -0.6];
    let d = f(
        D3::variable(p[0], 0),
        D3::variable(p[1], 1),
        D3::variable(p[2], 2),
    );
    let fr = |q: [f64; 3]| q[0] * q[1] * q[2].sin() + (q[0] / q[1]).exp();
    for k in 0..3 {
        let gk = fd(
            |t| {
                let mut q = p;
                q[k] = t;
                fr(q)
            },
            p[k],
        );
        close1(d.eps[k], gk, 1e-9, &format!("∂f/∂x{k}"));
    }
    close1(d.re, fr(p), 1e-15, "value");
}

#[test]
fn nested_duals_give_second_derivatives() {
    use num_traits::One;
    type DD = Dual<Dual<f64>>;
    // x = a + ε₁ + ε₂ (the inner and outer tangents both seeded):
    // f(x).eps[0].eps[0] = f''(a).
    let seed = |a: f64| DD::new(Dual::new(a, 1.0), Dual::new(1.0, 0.0));
    let cases: Vec<NestedCase> = vec![
        ("sin", |x| x.sin(), f64::sin, |a| -a.sin()),
        ("exp", |x| x.exp(), f64::exp, f64::exp),
        ("x³", |x| x * x * x, |a| a.powi(3), |a| 6.0 * a),
        ("ln", |x| x.ln(), f64::ln, |a| -1.0 / (a * a)),
        (
            "tanh",
            |x| x.tanh(),
            f64::tanh,
            |a| {
                let t = a.tanh();
                -2.0 * t * (1.0 - t * t)
            },
        ),
        ("sqrt", |x| x.sqrt(), f64::sqrt, |a| -0.25 * a.powf(-1.5)),
        (
            "atan",
            |x| x.atan(),
            f64::atan,
            |a| -2.0 * a / (1.0 + a * a).powi(2),
        ),
        ("powi(4)", |x| x.powi(4), |a| a.powi(4), |a| 12.0 * a * a),
        (
            "1/(1+x²)",
            |x| (x * x + DD::one()).recip(),
            |a| 1.0 / (1.0 + a * a),
            |a| (6.0 * a * a - 2.0) / (1.0 + a * a).powi(3),
        ),
    ];
    for (name, f, g, g2) in cases {
        for a in [0.3, 0.9, 1.6] {
            let d = f(seed(a));
            close1(d.re.re, g(a), 1e-15, &format!("{name}({a}): value"));
            close1(d.re.eps[0], fd(g, a), 1e-9, &format!("{name}({a}): f'"));
            close1(
                d.eps[0].re,
                fd(g, a),
                1e-9,
                &format!("{name}({a}): f' (outer)"),
            );
            close1(
                d.eps[0].eps[0],
                g2(a),
                1e-12,
                &format!("{name}({a}): f'' hand"),
            );
            // f'' by central differences of f' (from the one-level dual).
            let f1 = |t: f64| f(DD::new(Dual::new(t, 1.0), Dual::constant(0.0))).re.eps[0];
            close1(
                d.eps[0].eps[0],
                fd(f1, a),
                1e-8,
                &format!("{name}({a}): f'' fd"),
            );
        }
    }
}
