//! What float64 can resolve near a point: the rounding level of `f`, and
//! the rounding floor of `∇f`, measured rather than assumed.

use crate::DFun;
use crate::derivatives::value_and_grad;
use nalgebra::DVector;

/// Rounding units of `f` below which a change of `f` is not told apart
/// from the rounding of its evaluation.
const F_NOISE_ULPS: f64 = 16.0;

/// The rounding level of a value `f` (and of a trial value `ft`): changes
/// below it are noise.
pub(crate) fn f_noise(f: f64, ft: f64) -> f64 {
    F_NOISE_ULPS * f64::EPSILON * f.abs().max(ft.abs())
}

/// The float64 neighbour of `v` one ulp up (`up`) or down.
fn ulp_neighbour(v: f64, up: bool) -> f64 {
    if !v.is_finite() {
        return v;
    }
    if v == 0.0 {
        let tiny = f64::from_bits(1);
        return if up { tiny } else { -tiny };
    }
    let bits = v.to_bits();
    // Away from zero is one more in the magnitude's bits.
    let away = (v > 0.0) == up;
    f64::from_bits(if away { bits + 1 } else { bits - 1 })
}

/// The two neighbours of `x` that [`gradient_floor`] and
/// [`f_rounding_level`] look at: every component moved one ulp up or down,
/// in a fixed random pattern per neighbour. Made one at a time, so that
/// only one n-long neighbour is alive (8 MB at n = 10⁶, held beside the
/// band and its factor).
fn ulp_neighbours(x: &DVector<f64>) -> impl Iterator<Item = DVector<f64>> + '_ {
    [0x9E37_79B9_7F4A_7C15_u64, 0xD1B5_4A32_D192_ED03]
        .into_iter()
        .map(|seed| {
            let mut state = seed;
            x.map(|v| {
                // xorshift64: a fixed pattern of ups and downs per seed.
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                ulp_neighbour(v, state & 1 == 0)
            })
        })
}

/// The rounding floor of `‖∇f‖∞` at `x` with gradient `g`: the largest
/// change of `∇f` when every component of `x` moves by one ulp (two
/// random patterns of up and down). No iterate can be resolved better
/// than to an ulp, and the gradient's own rounding shows up as the same
/// kind of change, so a gradient within a small factor of this floor is
/// as small as float64 can make it. NaN when a neighbour's gradient is
/// not finite (nothing measured).
pub(crate) fn gradient_floor(
    f: &DFun<DVector<f64>, f64>,
    x: &DVector<f64>,
    g: &DVector<f64>,
) -> f64 {
    let mut worst: f64 = 0.0;
    for xt in ulp_neighbours(x) {
        let (_, gt) = value_and_grad(f, &xt);
        drop(xt);
        // The largest change, with no n-long difference vector (NaN when a
        // component is: `f64::max` would skip it).
        let change = gt
            .iter()
            .zip(g.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f64, |m, c| if c > m || c.is_nan() { c } else { m });
        if !change.is_finite() {
            return f64::NAN;
        }
        worst = worst.max(change);
    }
    worst
}

/// The rounding level of `f` between `x` (value `fx`) and a trial value
/// `ft`, measured: the larger of [`f_noise`] and twice the largest change
/// of `f` between `x` and its two ulp neighbours. A sum of many terms
/// rounds at `ε Σ|terms|`, which can lie far above `ε |f|` when the terms
/// cancel; the neighbours' values show that rounding (and the change of
/// `f` over the ulp no iterate can resolve), and a difference of two
/// rounded values is off by up to twice it. Costs two evaluations of `f`;
/// a neighbour whose value is not finite is left out (strict, not loose).
pub(crate) fn f_rounding_level(
    f: &DFun<DVector<f64>, f64>,
    x: &DVector<f64>,
    fx: f64,
    ft: f64,
) -> f64 {
    let spread = ulp_neighbours(x)
        .map(|xt| (f.eval(&xt) - fx).abs())
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    f_noise(fx, ft).max(2.0 * spread)
}

#[cfg(test)]
mod tests {
    use super::ulp_neighbour;

    #[test]
    fn neighbours_are_one_ulp_away_on_both_sides_of_zero() {
        let e = f64::EPSILON;
        assert_eq!(ulp_neighbour(1.0, true), 1.0 + e);
        assert_eq!(ulp_neighbour(1.0, false), 1.0 - e / 2.0);
        assert_eq!(ulp_neighbour(-1.0, true), -1.0 + e / 2.0);
        assert_eq!(ulp_neighbour(-1.0, false), -1.0 - e);
        assert_eq!(ulp_neighbour(0.0, true), f64::from_bits(1));
        assert_eq!(ulp_neighbour(0.0, false), -f64::from_bits(1));
    }
}
