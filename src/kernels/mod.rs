//! Vectorised kernels: `sin_cos`, `exp`, `ln` and `tanh` on whole slices of
//! `f64`, four lanes at a time.
//!
//! The lanes are [`wide::f64x4`] (SSE2 pairs on the default x86-64 target,
//! AVX when it is enabled; other targets get portable code), so the crate
//! keeps `#![forbid(unsafe_code)]`. The polynomials of `sin_cos`, `exp` and
//! `ln` are `wide`'s; around them this module puts what the standard
//! library's answers need: lanes past the argument range of `wide`'s
//! reduction (|x| > 2²⁴) and subnormal logarithms are recomputed, negative
//! logarithms are NaN, and `tanh` is our own (odd Taylor series below
//! |x| = 0.55, `1 − 2e/(1 + e)` with `e = exp(−2|x|)` above). Each kernel is
//! within 2 ulp of the standard library and returns its special values (±0,
//! ±∞, NaN); `tests/kernels.rs` checks this.
//!
//! Kernels take slices, so they serve whole vectors and tiles alike; the
//! lane functions (`*_lanes`) are what the elementwise table's vector path
//! ([`crate::Real`] for `f64`) calls. Value and derivative come from one
//! call: `sin_cos` gives `sin` and its derivative `cos` together.

use wide::f64x4;

pub(crate) mod lanes;

/// Number of `f64` lanes the kernels work on at once.
pub(crate) const LANES: usize = 4;

/// Beyond this |x| `wide`'s three-part reduction by π/2 loses accuracy; such
/// lanes are recomputed by the standard library (they are rare).
const TRIG_REDUCTION_LIMIT: f64 = 16_777_216.0;

/// `(sin x, cos x)` in four lanes.
#[inline(always)]
pub(crate) fn sin_cos_lanes(x: f64x4) -> (f64x4, f64x4) {
    let (mut s, mut c) = x.sin_cos();
    let big = x.abs().simd_gt(f64x4::splat(TRIG_REDUCTION_LIMIT)) & x.is_finite();
    if big.any() {
        let (xa, mut sa, mut ca) = (x.to_array(), s.to_array(), c.to_array());
        for ((x, s), c) in xa.iter().zip(&mut sa).zip(&mut ca) {
            if x.abs() > TRIG_REDUCTION_LIMIT && x.is_finite() {
                (*s, *c) = x.sin_cos();
            }
        }
        (s, c) = (f64x4::new(sa), f64x4::new(ca));
    }
    (s, c)
}

/// `exp x` in four lanes.
#[inline(always)]
pub(crate) fn exp_lanes(x: f64x4) -> f64x4 {
    x.exp()
}

/// `ln x` in four lanes.
#[inline(always)]
pub(crate) fn ln_lanes(x: f64x4) -> f64x4 {
    // Subnormal x: scale by 2⁵⁴ into the normal range, then subtract 54 ln 2.
    let sub = x.simd_lt(f64x4::splat(f64::MIN_POSITIVE)) & x.simd_gt(f64x4::ZERO);
    let scaled = sub.select(x * f64x4::splat(18_014_398_509_481_984.0), x);
    let r = scaled.ln();
    let r = sub.select(r - f64x4::splat(54.0 * std::f64::consts::LN_2), r);
    x.simd_lt(f64x4::ZERO).select(f64x4::splat(f64::NAN), r)
}

/// Coefficients `c_k` of `tanh x = Σ c_k x^(2k+1)` for `k = 1..=19`
/// (`c_k = 2^(2k+2)(2^(2k+2) − 1) B_(2k+2) / (2k+2)!`, Bernoulli numbers
/// `B`): enough terms for 1/2 ulp at |x| ≤ 0.55.
const TANH_TAYLOR: [f64; 19] = [
    -0.333_333_333_333_333_3,
    0.133_333_333_333_333_33,
    -0.053_968_253_968_253_97,
    0.021_869_488_536_155_203,
    -0.008_863_235_529_902_197,
    0.003_592_128_036_572_481,
    -0.001_455_834_387_051_318_3,
    0.000_590_027_440_945_586,
    -0.000_239_129_114_243_552_48,
    9.691_537_956_929_451e-5,
    -3.927_832_388_331_683e-5,
    1.591_890_506_932_896_4e-5,
    -6.451_689_215_655_431e-6,
    2.614_771_151_290_754_6e-6,
    -1.059_726_832_010_465_4e-6,
    4.294_911_078_273_806e-7,
    -1.740_661_896_357_164_8e-7,
    7.054_636_946_400_968e-8,
    -2.859_136_662_305_254e-8,
];

/// Below this |x| the Taylor series; above it `1 − 2e/(1 + e)` has no
/// cancellation (the result is at least ½).
const TANH_SERIES_LIMIT: f64 = 0.55;

/// `tanh x` in four lanes.
#[inline(always)]
pub(crate) fn tanh_lanes(x: f64x4) -> f64x4 {
    let a = x.abs();
    let a2 = a * a;
    let mut p = f64x4::splat(TANH_TAYLOR[TANH_TAYLOR.len() - 1]);
    for &c in TANH_TAYLOR.iter().rev().skip(1) {
        p = p.mul_add(a2, f64x4::splat(c));
    }
    let series = (a * a2).mul_add(p, a);
    let e = (a * f64x4::splat(-2.0)).exp();
    let tail = f64x4::ONE - (e + e) / (f64x4::ONE + e);
    let r = a
        .simd_lt(f64x4::splat(TANH_SERIES_LIMIT))
        .select(series, tail);
    // NaN stays NaN; the sign (and −0) come from x.
    x.is_nan().select(x, r.copysign(x))
}

/// Runs a four-lane function over a slice: whole chunks of four, then the
/// tail padded with `pad` (a value the function handles cheaply).
#[inline(always)]
fn for_lanes(x: &[f64], pad: f64, mut f: impl FnMut(usize, f64x4, usize)) {
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for (k, c) in chunks.enumerate() {
        f(k * LANES, f64x4::new([c[0], c[1], c[2], c[3]]), LANES);
    }
    if !tail.is_empty() {
        let mut a = [pad; LANES];
        a[..tail.len()].copy_from_slice(tail);
        f(x.len() - tail.len(), f64x4::new(a), tail.len());
    }
}

fn check_lens(name: &str, x: usize, y: usize) {
    assert_eq!(
        x, y,
        "kernels::{name}: input has {x} entries, output {y}; they must be equal"
    );
}

macro_rules! unary_kernel {
    ($(#[$doc:meta])* $name:ident, $lanes:ident, $pad:expr) => {
        $(#[$doc])*
        pub fn $name(x: &[f64], y: &mut [f64]) {
            check_lens(stringify!($name), x.len(), y.len());
            for_lanes(x, $pad, |i, v, len| {
                y[i..i + len].copy_from_slice(&$lanes(v).to_array()[..len]);
            });
        }
    };
}

unary_kernel!(
    /// `y[i] = exp(x[i])`, within 2 ulp of [`f64::exp`].
    ///
    /// ```
    /// let mut y = [0.0; 5];
    /// lensdiff::kernels::exp(&[0.0, 1.0, -1.0, 700.0, f64::NEG_INFINITY], &mut y);
    /// assert_eq!(y[0], 1.0);
    /// assert!((y[1] - std::f64::consts::E).abs() <= 4.5e-16);
    /// assert_eq!(y[4], 0.0);
    /// ```
    ///
    /// # Panics
    /// When `x` and `y` differ in length.
    exp, exp_lanes, 0.0
);
unary_kernel!(
    /// `y[i] = ln(x[i])`, within 2 ulp of [`f64::ln`] (NaN below zero,
    /// −∞ at ±0).
    ///
    /// ```
    /// let mut y = [0.0; 4];
    /// lensdiff::kernels::ln(&[1.0, std::f64::consts::E, 0.0, -1.0], &mut y);
    /// assert_eq!(y[0], 0.0);
    /// assert!((y[1] - 1.0).abs() <= 2.3e-16);
    /// assert_eq!(y[2], f64::NEG_INFINITY);
    /// assert!(y[3].is_nan());
    /// ```
    ///
    /// # Panics
    /// When `x` and `y` differ in length.
    ln, ln_lanes, 1.0
);
unary_kernel!(
    /// `y[i] = tanh(x[i])`, within 2 ulp of [`f64::tanh`].
    ///
    /// ```
    /// let mut y = [0.0; 3];
    /// lensdiff::kernels::tanh(&[0.0, 0.5, -40.0], &mut y);
    /// assert_eq!(y[0], 0.0);
    /// assert!((y[1] - 0.5_f64.tanh()).abs() <= 1.2e-16);
    /// assert_eq!(y[2], -1.0);
    /// ```
    ///
    /// # Panics
    /// When `x` and `y` differ in length.
    tanh, tanh_lanes, 0.0
);

/// `s[i] = sin(x[i])`, `c[i] = cos(x[i])` in one pass, each within 2 ulp of
/// the standard library.
///
/// ```
/// let x = [0.0, 1.0, 1e6];
/// let (mut s, mut c) = ([0.0; 3], [0.0; 3]);
/// lensdiff::kernels::sin_cos(&x, &mut s, &mut c);
/// for i in 0..3 {
///     assert!((s[i] - x[i].sin()).abs() <= 2.3e-16);
///     assert!((c[i] - x[i].cos()).abs() <= 2.3e-16);
/// }
/// ```
///
/// # Panics
/// When the three slices differ in length.
pub fn sin_cos(x: &[f64], s: &mut [f64], c: &mut [f64]) {
    check_lens("sin_cos", x.len(), s.len());
    check_lens("sin_cos", x.len(), c.len());
    for_lanes(x, 0.0, |i, v, len| {
        let (vs, vc) = sin_cos_lanes(v);
        s[i..i + len].copy_from_slice(&vs.to_array()[..len]);
        c[i..i + len].copy_from_slice(&vc.to_array()[..len]);
    });
}
