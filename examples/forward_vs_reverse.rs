//! Forward against reverse mode on maps `R^n -> R^m`.
//!
//! The same expression compiles to a forward-mode lens and a reverse-mode
//! lens. A full Jacobian costs `n` pushforwards in forward mode (one per
//! input direction) and `m` pullbacks in reverse mode (one per output
//! direction), so forward mode wins when `n << m` and reverse mode when
//! `n >> m`. This example checks that both Jacobians agree and prints their
//! cost as `n` and `m` vary.
//!
//! Run with `cargo run --release --example forward_vs_reverse`.

use lensdiff::{DFun, Expr, Forward, Reverse, jacobian_fwd, jacobian_rev};
use nalgebra::{DMatrix, DVector};
use std::time::{Duration, Instant};

type V = DVector<f64>;

/// A map `R^n -> R^m` in which every output depends on every input:
/// an elementwise chain `h`, then either a linear stencil of width
/// `n − m + 1` (when `m ≤ n`) or repeated concatenation and a slice (when
/// `m > n`), mixed with the shared scalar `tanh(Σ h)`.
fn map(n: usize, m: usize) -> Expr<f64> {
    let x = Expr::<f64>::var();
    let h = x.sin() * x.clone() + x.tanh().square();
    let s = h.sum().tanh() * 0.5;
    let body = if m <= n {
        let w = n - m + 1;
        let coeffs: Vec<f64> = (0..w)
            .map(|j| ((j as f64 + 1.0) * 0.37).sin() / w as f64)
            .collect();
        h.linear_stencil("mix", &coeffs)
    } else {
        let (mut v, mut len) = (h.clone(), n);
        let mut k = 0.0;
        while len < m {
            k += 1.0;
            v = v.concat(&(v.cos() * (0.5 + 0.1 * k)));
            len *= 2;
        }
        v.slice(0, m)
    };
    body.clone() * s + body.sin()
}

fn median(mut t: Vec<Duration>) -> Duration {
    t.sort();
    t[t.len() / 2]
}

fn time<T>(reps: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut out = f(); // warm-up (and the result we keep)
    let mut times = Vec::with_capacity(reps);
    for _ in 0..reps {
        let t0 = Instant::now();
        out = f();
        times.push(t0.elapsed());
    }
    (median(times), out)
}

fn main() {
    let cases = [(1000, 1), (1000, 10), (100, 100), (10, 1000), (1, 1000)];
    let reps = 5;
    println!("Full Jacobian of f: R^n -> R^m, median of {reps} runs");
    println!(
        "{:>6} {:>6} {:>14} {:>14} {:>10} {:>9} {:>12}",
        "n", "m", "forward (ms)", "reverse (ms)", "fwd/rev", "faster", "max |Δ|/|J|"
    );
    for (n, m) in cases {
        let e = map(n, m);
        let fwd: DFun<V, V, Forward> = e.compile();
        let rev: DFun<V, V, Reverse> = e.compile();
        let x = V::from_fn(n, |i, _| ((i as f64) * 0.61).sin());
        let (tf, jf): (_, DMatrix<f64>) = time(reps, || jacobian_fwd(&fwd, &x));
        let (tr, jr): (_, DMatrix<f64>) = time(reps, || jacobian_rev(&rev, &x));
        assert_eq!(jf.shape(), (m, n));
        let scale = jf.amax().max(1.0);
        let rel = (&jf - &jr).amax() / scale;
        assert!(
            rel < 1e-12,
            "forward and reverse Jacobians disagree at n = {n}, m = {m}: {rel:e}"
        );
        let (ms_f, ms_r) = (tf.as_secs_f64() * 1e3, tr.as_secs_f64() * 1e3);
        println!(
            "{:>6} {:>6} {:>14.3} {:>14.3} {:>10.2} {:>9} {:>12.1e}",
            n,
            m,
            ms_f,
            ms_r,
            ms_f / ms_r,
            if ms_f < ms_r { "forward" } else { "reverse" },
            rel
        );
    }
}
