//! A small neural network trained by gradient descent: the matrix maps.
//!
//! A multilayer perceptron `1 → 16 → 16 → 1` with `tanh` activations
//! (321 weights, one flat vector) fits `y = sin(3x)` on 40 points of
//! [−1, 1] by least squares. Each layer is `tanh(W h + b)`: the weights
//! `W` are slices of the parameter vector read as matrices
//! ([`Expr::matvec_flat`], bilinear, so the gradient reaches both the
//! weights and the hidden values), and the loss is one expression whose
//! reverse-mode lens gives the gradient with respect to every weight at
//! once. The gradient is checked in every mode and against finite
//! differences in the test suite (`tests/suite/ops/matrix.rs`).
//!
//! Run with `cargo run --release --example mlp` (`--iters N`, default
//! 3000).

use lensdiff::{DFun, Expr, value_and_grad};
use nalgebra::DVector;

/// The layer widths.
pub const WIDTHS: [usize; 4] = [1, 16, 16, 1];

/// The number of weights: `W` and `b` of each layer.
pub fn weight_count() -> usize {
    WIDTHS.windows(2).map(|w| w[1] * w[0] + w[1]).sum()
}

/// The training set: `x` evenly spaced on [−1, 1], `y = sin(3x)`.
pub fn data(n: usize) -> Vec<(f64, f64)> {
    (0..n)
        .map(|i| {
            let x = -1.0 + 2.0 * i as f64 / (n - 1) as f64;
            (x, (3.0 * x).sin())
        })
        .collect()
}

/// The network's output for input `x` with weights `theta` (flat: per
/// layer, `W` column by column, then `b`).
pub fn network(theta: &Expr<f64>, x: f64) -> Expr<f64> {
    let mut h = Expr::constant_named("sample", DVector::from_element(1, x));
    let mut at = 0;
    for (l, w) in WIDTHS.windows(2).enumerate() {
        let (fan_in, fan_out) = (w[0], w[1]);
        let weights = theta.slice(at, fan_out * fan_in);
        let bias = theta.slice(at + fan_out * fan_in, fan_out);
        at += fan_out * fan_in + fan_out;
        let z = weights.matvec_flat(fan_out, &h) + bias;
        h = if l + 2 < WIDTHS.len() { z.tanh() } else { z };
    }
    h
}

/// The mean squared error over `samples`, as an expression of the weights.
pub fn loss(samples: &[(f64, f64)]) -> Expr<f64> {
    let theta = Expr::var();
    let mut total: Option<Expr<f64>> = None;
    for &(x, y) in samples {
        let r = (network(&theta, x) - y).square().sum();
        total = Some(match total {
            Some(t) => t + r,
            None => r,
        });
    }
    total.expect("at least one sample") * (1.0 / samples.len() as f64)
}

/// Deterministic small initial weights (scaled by `1/√fan_in`).
pub fn initial_weights() -> DVector<f64> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
    };
    let mut theta = Vec::with_capacity(weight_count());
    for w in WIDTHS.windows(2) {
        let scale = 1.0 / (w[0] as f64).sqrt();
        theta.extend((0..w[0] * w[1]).map(|_| scale * next()));
        theta.extend((0..w[1]).map(|_| 0.1 * next()));
    }
    DVector::from_vec(theta)
}

fn main() {
    let mut iters = 3000;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--iters" => iters = args.next().and_then(|v| v.parse().ok()).expect("--iters N"),
            _ => {
                eprintln!("usage: mlp [--iters N]");
                std::process::exit(2);
            }
        }
    }
    let samples = data(40);
    let f: DFun<DVector<f64>, f64> = loss(&samples).compile();
    let mut theta = initial_weights();
    println!("{} weights, {} samples", theta.len(), samples.len());
    // Gradient descent with heavy-ball momentum.
    let (rate, beta) = (0.05, 0.9);
    let mut velocity = DVector::zeros(theta.len());
    let first = f.eval(&theta);
    for k in 0..=iters {
        let (value, g) = value_and_grad(&f, &theta);
        if k % (iters / 10).max(1) == 0 {
            println!("iter {k:>5}  loss {value:.3e}  |grad| {:.3e}", g.norm());
        }
        velocity = velocity * beta - g * rate;
        theta += &velocity;
    }
    let last = f.eval(&theta);
    println!("loss {first:.3e} -> {last:.3e}");
    assert!(
        last < 0.05 * first,
        "training did not reduce the loss enough"
    );
}
