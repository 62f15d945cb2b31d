//! The vectorised kernels against the standard library: at most 2 ulp over
//! ranges up to |x| = 10⁶ (argument reduction), tiny and subnormal
//! arguments, and the same special values (±0, ±∞, NaN).

use lensdiff::kernels;

/// Distance from `got` to `want` in units of the last place of `want`
/// (0 when both are NaN or bitwise equal, ∞ when only one is special).
fn ulps(got: f64, want: f64) -> f64 {
    if got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()) {
        return 0.0;
    }
    if !got.is_finite() || !want.is_finite() || got.is_nan() != want.is_nan() {
        return f64::INFINITY;
    }
    let w = want.abs();
    let ulp = if w == 0.0 {
        f64::from_bits(1)
    } else {
        f64::from_bits(w.to_bits() + 1) - w
    };
    (got - want).abs() / ulp
}

/// Deterministic arguments: uniform in ±r for several scales r, plus the
/// special values (and the length is not a multiple of the lane count).
fn arguments(scales: &[f64]) -> Vec<f64> {
    let mut s = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut xs = Vec::new();
    for &r in scales {
        for _ in 0..4001 {
            xs.push((2.0 * next() - 1.0) * r);
        }
    }
    xs.extend_from_slice(&SPECIALS);
    xs
}

const SPECIALS: [f64; 16] = [
    0.0,
    -0.0,
    f64::INFINITY,
    f64::NEG_INFINITY,
    f64::NAN,
    f64::MIN_POSITIVE,
    5e-324,
    -5e-324,
    1e-310,
    -1e-310,
    1e-300,
    f64::MAX,
    -f64::MAX,
    709.7,
    -744.0,
    1e6,
];

const SCALES: [f64; 10] = [1e-300, 1e-8, 1e-3, 0.5, 1.0, 4.0, 30.0, 1e3, 1e5, 1e6];

fn check(name: &str, xs: &[f64], got: &[f64], want: impl Fn(f64) -> f64) {
    for (&x, &g) in xs.iter().zip(got) {
        let w = want(x);
        let u = ulps(g, w);
        assert!(
            u <= 2.0,
            "{name}({x:e}) = {g:e}, the standard library gives {w:e} ({u} ulp)"
        );
        if w == 0.0 {
            assert_eq!(g.to_bits(), w.to_bits(), "{name}({x:e}): sign of zero");
        }
    }
}

#[test]
fn sin_cos_within_two_ulp() {
    let xs = arguments(&SCALES);
    let (mut s, mut c) = (vec![0.0; xs.len()], vec![0.0; xs.len()]);
    kernels::sin_cos(&xs, &mut s, &mut c);
    check("sin", &xs, &s, f64::sin);
    check("cos", &xs, &c, f64::cos);
}

#[test]
fn sin_cos_beyond_the_reduction_range_is_still_right() {
    let xs = [3e7, -1e9, 1e15, 1e300, 123456789.5];
    let (mut s, mut c) = ([0.0; 5], [0.0; 5]);
    kernels::sin_cos(&xs, &mut s, &mut c);
    check("sin", &xs, &s, f64::sin);
    check("cos", &xs, &c, f64::cos);
}

#[test]
fn exp_within_two_ulp() {
    let mut xs = arguments(&SCALES[..7]);
    xs.extend_from_slice(&[-708.4, -720.0, -745.1, -746.0, 709.78, 709.79, 1000.0]);
    let mut y = vec![0.0; xs.len()];
    kernels::exp(&xs, &mut y);
    check("exp", &xs, &y, f64::exp);
}

#[test]
fn ln_within_two_ulp() {
    let mut xs: Vec<f64> = arguments(&SCALES).iter().map(|x| x.abs()).collect();
    xs.extend(arguments(&[1e-310, 1e300, 1.0]));
    xs.extend((0..2000).map(|i| 1.0 + (i as f64 - 1000.0) * 1e-6));
    let mut y = vec![0.0; xs.len()];
    kernels::ln(&xs, &mut y);
    check("ln", &xs, &y, f64::ln);
}

#[test]
fn tanh_within_two_ulp() {
    let mut xs = arguments(&SCALES);
    xs.extend((0..4000).map(|i| (i as f64 - 2000.0) * 3e-4)); // around the switch at 0.55
    let mut y = vec![0.0; xs.len()];
    kernels::tanh(&xs, &mut y);
    check("tanh", &xs, &y, f64::tanh);
}

#[test]
#[should_panic(expected = "kernels::exp: input has 3 entries, output 2")]
fn length_mismatch_names_both_lengths() {
    kernels::exp(&[1.0, 2.0, 3.0], &mut [0.0; 2]);
}

/// `ln(1 + x)` on the lanes (a `ScalarFn` evaluated four entries at a
/// time): within 2 ulp of [`f64::ln_1p`], with its special values.
#[test]
fn ln_1p_on_the_lanes_within_two_ulp() {
    use lensdiff::{DFun, Expr, Real, ScalarFn};
    use nalgebra::DVector;
    struct Log1p;
    impl ScalarFn for Log1p {
        fn eval<T: Real>(&self, x: T) -> T {
            x.ln_1p()
        }
    }
    let mut xs: Vec<f64> = arguments(&SCALES)
        .iter()
        .map(|x| if *x < -1.0 { -x } else { *x })
        .collect();
    xs.extend((0..4000).map(|i| -1.0 + (i as f64 + 0.5) * 1e-4)); // (−1, −0.6)
    xs.extend((0..2000).map(|i| (i as f64 - 1000.0) * 1e-12)); // around 0
    xs.extend([-1.0, -1.5, -0.0, 1e300, 1e301, f64::NEG_INFINITY]);
    let f: DFun<DVector<f64>, DVector<f64>> = Expr::var().map_fn(Log1p).compile();
    let y = f.eval(&DVector::from_column_slice(&xs));
    check("ln_1p", &xs, y.as_slice(), f64::ln_1p);
}
