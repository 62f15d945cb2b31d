//! chain1 and its gradient written by hand: the reference for the
//! physical limit of one pass over `x` (shared by `benches/lens.rs` and
//! `examples/bench.rs`).

/// chain1 by hand.
pub fn chain1_hand(x: &[f64]) -> f64 {
    let mut s = 0.0;
    for w in x.windows(2) {
        let d = w[1] - w[0];
        s += 0.5 * d * d + 0.1 * (w[0] * w[1]).sin();
    }
    for &t in x {
        s += 0.25 * t.powi(4) - 0.5 * t * t + 0.1 * (3.0 * t).cos();
    }
    s
}

/// chain1's gradient by hand.
pub fn chain1_hand_grad(x: &[f64], g: &mut [f64]) {
    for (gi, &t) in g.iter_mut().zip(x) {
        *gi = t * t * t - t - 0.3 * (3.0 * t).sin();
    }
    for i in 0..x.len().saturating_sub(1) {
        let (a, b) = (x[i], x[i + 1]);
        let cs = 0.1 * (a * b).cos();
        g[i] += -(b - a) + cs * b;
        g[i + 1] += (b - a) + cs * a;
    }
}
