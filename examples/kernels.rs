//! Throughput of the vectorised kernels against the standard library's
//! scalar calls (libm), in nanoseconds per element.
//!
//! ```text
//! cargo run --release --example kernels [-- N]
//! ```
//! Each figure is the median over 15 rounds; in every round the kernel and
//! the scalar loop run back to back on the same slice of N entries
//! (default 4096, cache-resident), so a drift in machine speed moves both.

use lensdiff::kernels;
use std::hint::black_box;
use std::time::Instant;

/// Seconds per call of `f`, one sample (at least 5 ms of calls).
fn sample(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut calls = 0u32;
    while calls == 0 || start.elapsed().as_secs_f64() < 0.005 {
        f();
        calls += 1;
    }
    start.elapsed().as_secs_f64() / calls as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

type Body<'a> = &'a dyn Fn(&mut [f64], &mut [f64]);

/// Median ns per element of `kernel` and `scalar` (each writing into two
/// output buffers), sampled alternately.
fn compare(n: usize, kernel: Body<'_>, scalar: Body<'_>) -> (f64, f64) {
    let (mut a, mut b) = (vec![0.0; n], vec![0.0; n]);
    let (mut k, mut s) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        k.push(sample(|| kernel(&mut a, &mut b)));
        s.push(sample(|| scalar(&mut a, &mut b)));
    }
    let per = 1e9 / n as f64;
    (median(k) * per, median(s) * per)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(4096);
    let x: Vec<f64> = (0..n).map(|i| 10.0 * ((0.37 * i as f64).sin())).collect();
    let pos: Vec<f64> = x.iter().map(|v| v.abs() + 1e-3).collect();

    println!("kernel     ns/element (ours)   ns/element (std, scalar)   ratio");
    let row = |name: &str, (k, s): (f64, f64)| {
        println!("{name:<10} {k:>18.2} {s:>26.2} {:>8.2}", k / s);
    };
    let sc = compare(n, &|s, c| kernels::sin_cos(black_box(&x), s, c), &|s, c| {
        for ((s, c), &v) in s.iter_mut().zip(c.iter_mut()).zip(black_box(&x)) {
            (*s, *c) = v.sin_cos();
        }
    });
    row("sin_cos", sc);
    let e = compare(n, &|y, _| kernels::exp(black_box(&x), y), &|y, _| {
        for (y, &v) in y.iter_mut().zip(black_box(&x)) {
            *y = v.exp();
        }
    });
    row("exp", e);
    let l = compare(n, &|y, _| kernels::ln(black_box(&pos), y), &|y, _| {
        for (y, &v) in y.iter_mut().zip(black_box(&pos)) {
            *y = v.ln();
        }
    });
    row("ln", l);
    let t = compare(n, &|y, _| kernels::tanh(black_box(&x), y), &|y, _| {
        for (y, &v) in y.iter_mut().zip(black_box(&x)) {
            *y = v.tanh();
        }
    });
    row("tanh", t);
}
