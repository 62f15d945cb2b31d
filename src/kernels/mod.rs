//! Vectorised kernels: `sin_cos`, `exp`, `ln` and `tanh` on whole slices of
//! `f64`, four lanes at a time.
//!
//! The lanes are four-entry arrays whose operations LLVM vectorises at the
//! instruction set chosen at run time (`engine::SimdLevel`: SSE2 halves,
//! or one AVX register under AVX2), so the crate keeps
//! `#![forbid(unsafe_code)]` and a user's build needs no flags. The
//! kernels use only operations that SSE2 has (add, multiply, divide,
//! compare, bit logic, 64-bit shifts and adds), and form no fused
//! multiply–adds, so every level gives bitwise the same results. Rounding to an integer is the
//! `1.5·2⁵²` trick; polynomials are Taylor series with enough terms for
//! the reduced range (coefficients `1/k!` etc., nothing fitted). Lanes
//! outside a kernel's reduced range (|x| > 2²⁴ for `sin_cos`, |x| > 708 for
//! `exp`, non-normal arguments of `ln`) and NaN are recomputed by the
//! standard library, so special values are std's by construction. Each
//! kernel is within 2 ulp of the standard library; `tests/suite/kernels.rs`
//! checks this.
//!
//! Kernels take slices, so they serve whole vectors and tiles alike; the
//! lane functions (`*_lanes`) are what the elementwise table's vector path
//! ([`crate::Real`] for `f64`) calls. Value and derivative come from one
//! call: `sin_cos` gives `sin` and its derivative `cos` together.

pub(crate) mod lanes;
pub(crate) mod level;
mod simd4;

use simd4::{F64x4, Mask4, U64x4};

/// Number of `f64` lanes the kernels work on at once.
pub(crate) const LANES: usize = 4;

/// Beyond this |x| the three-part reduction by π/2 loses accuracy; such
/// lanes (rare) are recomputed by the standard library.
const TRIG_REDUCTION_LIMIT: f64 = 16_777_216.0;

/// `1.5·2⁵²`: adding it rounds a double below 2⁵¹ to an integer (ties to
/// even), which then sits in the low bits of the sum's mantissa.
const ROUNDER: f64 = 6_755_399_441_055_744.0;

/// `π/2 = P1 + P2 + P3`, `P1` and `P2` with 28 significant bits, so that
/// `k·P1` and `k·P2` are exact for |k| < 2²⁴.
const PIO2_1: f64 = 1.570_796_325_802_803;
const PIO2_2: f64 = 9.920_935_808_982_456e-10;
const PIO2_3: f64 = -1.217_705_177_797_396_6e-18;

/// `ln 2 = L1 + L2`, `L1` with 40 significant bits (`k·L1` exact for
/// |k| < 2¹³).
const LN2_1: f64 = 0.693_147_180_560_117_7;
const LN2_2: f64 = -1.723_944_452_561_483_5e-13;

/// Taylor coefficients: `sin r = r + r³ Σ SIN[j] r²ʲ` (`(−1)ᵏ/(2k+1)!`,
/// k = 1..8), `cos r = 1 − r²/2 + r⁴ Σ COS[j] r²ʲ` (`(−1)ᵏ/(2k)!`,
/// k = 2..9): below 10⁻¹⁹ relative error for |r| ≤ π/4.
const SIN: [f64; 8] = [
    -0.166_666_666_666_666_66,
    0.008_333_333_333_333_333,
    -0.000_198_412_698_412_698_4,
    2.755_731_922_398_589_3e-6,
    -2.505_210_838_544_172e-8,
    1.605_904_383_682_161_3e-10,
    -7.647_163_731_819_816e-13,
    2.811_457_254_345_520_6e-15,
];
const COS: [f64; 8] = [
    0.041_666_666_666_666_664,
    -0.001_388_888_888_888_889,
    2.480_158_730_158_73e-5,
    -2.755_731_922_398_589e-7,
    2.087_675_698_786_81e-9,
    -1.147_074_559_772_972_5e-11,
    4.779_477_332_387_385e-14,
    -1.561_920_696_858_622_5e-16,
];
/// `eʳ = 1 + r + r² Σ EXP[j] rʲ` (`1/k!`, k = 2..13): below 10⁻¹⁷ for
/// |r| ≤ ln 2 / 2.
const EXP: [f64; 12] = [
    0.5,
    0.166_666_666_666_666_66,
    0.041_666_666_666_666_664,
    0.008_333_333_333_333_333,
    0.001_388_888_888_888_889,
    0.000_198_412_698_412_698_4,
    2.480_158_730_158_73e-5,
    2.755_731_922_398_589_3e-6,
    2.755_731_922_398_589e-7,
    2.505_210_838_544_172e-8,
    2.087_675_698_786_81e-9,
    1.605_904_383_682_161_3e-10,
];
/// `R(z) = Σ 2zᵏ/(2k+1)`, k = 1..11, `z = s²`, `s = f/(2+f)`: the tail of
/// `ln(1+f) = 2 atanh s = 2s + s·R`.
const LN_TAIL: [f64; 11] = [
    0.666_666_666_666_666_6,
    0.4,
    0.285_714_285_714_285_7,
    0.222_222_222_222_222_2,
    0.181_818_181_818_181_82,
    0.153_846_153_846_153_85,
    0.133_333_333_333_333_33,
    0.117_647_058_823_529_41,
    0.105_263_157_894_736_84,
    0.095_238_095_238_095_23,
    0.086_956_521_739_130_43,
];

/// `c[0] + x (c[1] + x (c[2] + …))`.
#[inline(always)]
fn horner(x: F64x4, c: &[f64]) -> F64x4 {
    let mut p = F64x4::splat(c[c.len() - 1]);
    for &k in c.iter().rev().skip(1) {
        p = p * x + F64x4::splat(k);
    }
    p
}

/// `x` rounded to an integer, and bits whose low part holds it.
#[inline(always)]
fn round_to_int(x: F64x4) -> (F64x4, U64x4) {
    let t = x + F64x4::splat(ROUNDER);
    (t - F64x4::splat(ROUNDER), t.to_bits())
}

/// The lanes of `r` where `bad` is set, recomputed from `x` by `f`.
#[inline(always)]
fn patch(x: F64x4, r: F64x4, bad: Mask4, f: fn(f64) -> f64) -> F64x4 {
    if bad.any() {
        patch_cold(x, r, bad, f)
    } else {
        r
    }
}

/// The rare lanes outside a kernel's range, out of line: a fallback
/// inlined into the hot loop keeps LLVM from vectorising the kernel
/// itself (measured: 4× slower).
#[cold]
#[inline(never)]
fn patch_cold(x: F64x4, r: F64x4, bad: Mask4, f: fn(f64) -> f64) -> F64x4 {
    F64x4(std::array::from_fn(|k| {
        if bad.lane(k) { f(x.0[k]) } else { r.0[k] }
    }))
}

/// `(sin x, cos x)` in four lanes: `x = k·π/2 + r`, |r| ≤ π/4, Taylor
/// polynomials in `r`, then the quadrant `k mod 4` swaps and signs them.
/// Only SSE2-level operations (no rounding or 64-bit compare instructions).
#[inline(always)]
pub(crate) fn sin_cos_lanes(x: F64x4) -> (F64x4, F64x4) {
    let (k, kb) = round_to_int(x * F64x4::splat(std::f64::consts::FRAC_2_PI));
    let r = ((x - k * F64x4::splat(PIO2_1)) - k * F64x4::splat(PIO2_2)) - k * F64x4::splat(PIO2_3);
    let r2 = r * r;
    let s = r + r * r2 * horner(r2, &SIN);
    let c = (F64x4::ONE - r2 * F64x4::splat(0.5)) + r2 * r2 * horner(r2, &COS);
    // Odd k swaps sin and cos; k & 2 flips sin's sign, (k + 1) & 2 cos's.
    let odd = F64x4::from_bits((kb << 63) | F64x4::ONE.to_bits()).simd_lt(F64x4::ZERO);
    let sign_s = F64x4::from_bits((kb & U64x4::splat(2)) << 62);
    let sign_c = F64x4::from_bits(((kb + U64x4::splat(1)) & U64x4::splat(2)) << 62);
    // sin(±0) = ±0: the polynomial term would turn −0 into +0.
    let sin = x.simd_eq(F64x4::ZERO).select(x, odd.select(c, s) ^ sign_s);
    let cos = odd.select(s, c) ^ sign_c;
    let bad = x.abs().simd_gt(F64x4::splat(TRIG_REDUCTION_LIMIT)) | x.is_nan();
    (patch(x, sin, bad, f64::sin), patch(x, cos, bad, f64::cos))
}

/// `exp x` in four lanes: `x = k ln 2 + r`, `eʳ` by Taylor, times `2ᵏ`
/// built in the exponent bits. Lanes past ±708 (overflow, subnormal
/// results) and NaN are the standard library's.
#[inline(always)]
pub(crate) fn exp_lanes(x: F64x4) -> F64x4 {
    let (k, kb) = round_to_int(x * F64x4::splat(std::f64::consts::LOG2_E));
    let r = (x - k * F64x4::splat(LN2_1)) - k * F64x4::splat(LN2_2);
    let e = F64x4::ONE + (r + r * r * horner(r, &EXP));
    let scale = F64x4::from_bits((kb + U64x4::splat(1023)) << 52);
    let bad = x.abs().simd_gt(F64x4::splat(708.0)) | x.is_nan();
    patch(x, e * scale, bad, f64::exp)
}

/// `ln x` in four lanes: `x = 2ᵉ m` with `m ∈ [√½, √2)`, `f = m − 1`,
/// `ln(1+f) = f − (f²/2 − s(f²/2 + R))`, `s = f/(2+f)`. Lanes that are not
/// positive normal numbers (0, subnormal, negative, ∞, NaN) are the
/// standard library's.
#[inline(always)]
pub(crate) fn ln_lanes(x: F64x4) -> F64x4 {
    const MANTISSA: u64 = (1 << 52) - 1;
    const TWO_52: f64 = 4_503_599_627_370_496.0;
    let bits = x.to_bits();
    let m = F64x4::from_bits((bits & U64x4::splat(MANTISSA)) | F64x4::ONE.to_bits());
    let high = m.simd_gt(F64x4::splat(std::f64::consts::SQRT_2));
    let m = high.select(m * F64x4::splat(0.5), m);
    // The biased exponent as a double: its bits under 2⁵², minus 2⁵².
    let biased =
        F64x4::from_bits((bits >> 52) | F64x4::splat(TWO_52).to_bits()) - F64x4::splat(TWO_52);
    let e = biased - F64x4::splat(1023.0) + high.select(F64x4::ONE, F64x4::ZERO);
    let f = m - F64x4::ONE;
    let s = f / (F64x4::splat(2.0) + f);
    let z = s * s;
    let tail = z * horner(z, &LN_TAIL);
    let hfsq = f * f * F64x4::splat(0.5);
    let l = f - (hfsq - s * (hfsq + tail));
    let y = e * F64x4::splat(LN2_1) + (l + e * F64x4::splat(LN2_2));
    let bad = !x.simd_ge(F64x4::splat(f64::MIN_POSITIVE)) | x.simd_gt(F64x4::splat(f64::MAX));
    patch(x, y, bad, f64::ln)
}

/// `ln(1 + x)` in four lanes: `u = 1 + x` rounded, `ln u` by [`ln_lanes`],
/// minus `((u − 1) − x)/u`, the first-order correction for the rounding
/// of `u` (`u − 1` is exact where it matters). Lanes at or below −1, past
/// 10³⁰⁰ or NaN are the standard library's; ±0 keep their sign.
#[inline(always)]
pub(crate) fn ln_1p_lanes(x: F64x4) -> F64x4 {
    let u = F64x4::ONE + x;
    let r = ln_lanes(u) - ((u - F64x4::ONE) - x) / u;
    let r = x.simd_eq(F64x4::ZERO).select(x, r);
    let bad = !x.simd_gt(F64x4::splat(-1.0)) | !x.simd_lt(F64x4::splat(1e300));
    patch(x, r, bad, f64::ln_1p)
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
pub(crate) fn tanh_lanes(x: F64x4) -> F64x4 {
    let a = x.abs();
    let a2 = a * a;
    let mut p = F64x4::splat(TANH_TAYLOR[TANH_TAYLOR.len() - 1]);
    for &c in TANH_TAYLOR.iter().rev().skip(1) {
        p = p.mul_add(a2, F64x4::splat(c));
    }
    let series = (a * a2).mul_add(p, a);
    let e = exp_lanes(a * F64x4::splat(-2.0));
    let tail = F64x4::ONE - (e + e) / (F64x4::ONE + e);
    let r = a
        .simd_lt(F64x4::splat(TANH_SERIES_LIMIT))
        .select(series, tail);
    // NaN stays NaN; the sign (and −0) come from x.
    x.is_nan().select(x, r.copysign(x))
}

/// Runs a four-lane function over a slice: whole chunks of four, then the
/// tail padded with `pad` (a value the function handles cheaply). Callers
/// pass `f` as an `#[inline(always)]` closure: a closure holding a whole
/// kernel is otherwise too large for LLVM to inline, and would run at the
/// baseline instead of the level [`level::vectorized`] compiles for.
#[inline(always)]
fn for_lanes(x: &[f64], pad: f64, mut f: impl FnMut(usize, F64x4, usize)) {
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for (k, c) in chunks.enumerate() {
        f(k * LANES, F64x4([c[0], c[1], c[2], c[3]]), LANES);
    }
    if !tail.is_empty() {
        let mut a = [pad; LANES];
        a[..tail.len()].copy_from_slice(tail);
        f(x.len() - tail.len(), F64x4(a), tail.len());
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
            level::vectorized(
                #[inline(always)]
                || {
                    for_lanes(
                        x,
                        $pad,
                        #[inline(always)]
                        |i, v, len| y[i..i + len].copy_from_slice(&$lanes(v).to_array()[..len]),
                    )
                },
            );
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
    level::vectorized(
        #[inline(always)]
        || {
            for_lanes(
                x,
                0.0,
                #[inline(always)]
                |i, v, len| {
                    let (vs, vc) = sin_cos_lanes(v);
                    s[i..i + len].copy_from_slice(&vs.to_array()[..len]);
                    c[i..i + len].copy_from_slice(&vc.to_array()[..len]);
                },
            )
        },
    );
}
