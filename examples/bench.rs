//! Benchmark figures for one BENCH objective, as one JSON line at the end.
//!
//! ```text
//! cargo run --release --example bench -- OBJECTIVE N [--reps R]
//! ```
//! OBJECTIVE is chain1, accel2 or robot2d; every time is the median of R
//! (default 7) timed samples after a warm-up, each sample at least 20 ms of
//! back-to-back calls. The fields are those of BENCH.md, plus the
//! hand-written chain1 reference (`hand_f_s`, `hand_grad_s`) and the ratios.
//! `--newton-only` runs just the Newton solve (for whole-process timing),
//! `--band-only` one banded extraction (for its peak memory),
//! `--band-time` the banded extraction timed, beside one HVP,
//! `--sweeps-only` f, the gradient and the HVP alone (the engine's figures;
//! run with `LENSDIFF_SIMD=baseline|avx2` to compare instruction
//! sets), and with `--only f|grad|hvp` just one of them (for profiles).
//! `--whole-vector` runs the whole-vector engine instead of the tiled one,
//! `--threads T` the tiles on `T` threads (default: `LENSDIFF_THREADS`, else
//! every core).

mod problems;

use crate::problems::{Problem, by_name};
use lensdiff::CompiledObjective;
use lensdiff::engine::Engine;
use lensdiff::hessian::{BandMethod, BandOptions, hessian, hessian_banded_with, hvp};
use lensdiff::optim::{Newton, NewtonOptions};
use lensdiff::{Objective, grad};
use nalgebra::DVector;
use std::hint::black_box;
use std::time::Instant;

fn median_time(reps: usize, mut f: impl FnMut()) -> f64 {
    f(); // warm-up
    let mut samples = Vec::with_capacity(reps);
    for _ in 0..reps {
        let start = Instant::now();
        let mut calls = 0u32;
        while calls == 0 || start.elapsed().as_secs_f64() < 0.02 {
            f();
            calls += 1;
        }
        samples.push(start.elapsed().as_secs_f64() / calls as f64);
    }
    samples.sort_by(|a, b| a.total_cmp(b));
    samples[samples.len() / 2]
}

#[path = "../benches/common/chain1_hand.rs"]
mod chain1_hand;
use chain1_hand::{chain1_hand, chain1_hand_grad};

const USAGE: &str = "usage: bench OBJECTIVE N [--reps R] [--newton-only | --band-only | --band-time | --sweeps-only [--only f|grad|hvp]] \
[--whole-vector] [--threads T]   (OBJECTIVE: chain1, accel2, robot2d; default chain1 100000)";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return;
    }
    let threads = args
        .iter()
        .position(|a| a == "--threads")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok());
    let engine = if args.iter().any(|a| a == "--whole-vector") {
        Engine::whole_vector()
    } else {
        Engine {
            threads,
            ..Engine::default()
        }
    };
    engine.scope(|| run(&args));
}

fn run(args: &[String]) {
    let name = args.get(1).map(String::as_str).unwrap_or("chain1");
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let reps: usize = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    let problem = by_name(name, n).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let k = problem.bandwidth();
    let obj = CompiledObjective::new(problem.clone());
    let x = problem.x0();
    if args.iter().any(|a| a == "--band-only") {
        let b = hessian_banded_with(&obj, &x, k, &BandOptions::default()).expect("band");
        println!(
            "{{\"objective\":\"{name}\",\"n\":{n},\"k\":{k},\"band_hvps\":{},\"band_method\":\"{:?}\"}}",
            b.hvps, b.method
        );
        return;
    }
    if args.iter().any(|a| a == "--band-time") {
        // The extraction alone, timed, beside one HVP: the figures of the
        // thread-scaling and per-product targets.
        let opts = BandOptions::default();
        let b = hessian_banded_with(&obj, &x, k, &opts).expect("band");
        let band_s = median_time(reps, || {
            black_box(hessian_banded_with(&obj, black_box(&x), k, &opts).expect("band"));
        });
        // Products of a call after the first (a fallback is remembered).
        let hvps = hessian_banded_with(&obj, &x, k, &opts).expect("band").hvps;
        let cpr = BandOptions {
            method: BandMethod::Cpr,
            ..opts
        };
        let cpr_s = median_time(reps, || {
            black_box(hessian_banded_with(&obj, black_box(&x), k, &cpr).expect("band"));
        });
        let v = DVector::from_fn(n, |i, _| (0.37 * i as f64 + 0.1).sin());
        let hvp_s = median_time(reps, || {
            black_box(hvp(&obj, black_box(&x), &v));
        });
        println!(
            "{{\"objective\":\"{name}\",\"n\":{n},\"k\":{k},\"band_s\":{band_s:e},\"band_hvps\":{hvps},\"band_method\":\"{:?}\",\"band_cpr_s\":{cpr_s:e},\"hvp_s\":{hvp_s:e},\"per_product_over_hvp\":{:.3}}}",
            b.method,
            band_s / hvps as f64 / hvp_s
        );
        return;
    }
    if args.iter().any(|a| a == "--newton-only") {
        // Whole-process comparisons: build, solve, print, nothing else.
        let start = Instant::now();
        let r = Newton::new(NewtonOptions::default())
            .minimize(&obj, &x, k)
            .expect("newton");
        let newton_s = start.elapsed().as_secs_f64();
        println!(
            "{{\"objective\":\"{name}\",\"n\":{n},\"k\":{k},\"newton_s\":{newton_s:e},\"newton_iters\":{},\"newton_grad_inf\":{:e},\"newton_stop\":\"{:?}\"}}",
            r.iterations, r.grad_inf, r.stop
        );
        return;
    }
    let f = obj.lens::<f64>();
    let v = DVector::from_fn(n, |i, _| (0.37 * i as f64 + 0.1).sin());

    // `--only f|grad|hvp` times one of the three (the others print 0), for
    // profiles of one sweep.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str);
    let timed = |what: &str, f: &mut dyn FnMut()| {
        if only.is_none_or(|o| o == what) {
            median_time(reps, f)
        } else {
            0.0
        }
    };
    let f_s = timed("f", &mut || {
        black_box(f.eval(black_box(&x)));
    });
    let grad_s = timed("grad", &mut || {
        black_box(grad(&f, black_box(&x)));
    });
    let hvp_s = timed("hvp", &mut || {
        black_box(hvp(&obj, black_box(&x), &v));
    });
    if args.iter().any(|a| a == "--sweeps-only") {
        println!(
            "{{\"objective\":\"{name}\",\"n\":{n},\"simd\":\"{}\",\"f_s\":{f_s:e},\"grad_s\":{grad_s:e},\"hvp_s\":{hvp_s:e}}}",
            lensdiff::engine::SimdLevel::current()
        );
        return;
    }
    let opts = BandOptions::default();
    let band = hessian_banded_with(&obj, &x, k, &opts).expect("band");
    let band_s = median_time(reps, || {
        black_box(hessian_banded_with(&obj, black_box(&x), k, &opts).expect("band"));
    });
    let cpr = BandOptions {
        method: BandMethod::Cpr,
        ..opts
    };
    let band_cpr_s = median_time(reps, || {
        black_box(hessian_banded_with(&obj, black_box(&x), k, &cpr).expect("band"));
    });
    let rhs = DVector::from_element(n, 1.0);
    let factor_solve_s = median_time(reps, || {
        let (chol, _) = band.band.cholesky_shifted(0.0).expect("shifted cholesky");
        black_box(chol.solve(&rhs).expect("solve"));
    });
    let newton = Newton::new(NewtonOptions::default());
    let start = Instant::now();
    let result = newton.minimize(&obj, &x, k).expect("newton");
    let newton_s = start.elapsed().as_secs_f64();
    let band_max_err = if n <= 2000 {
        let dense = hessian(&obj, &x).expect("dense");
        format!("{:e}", (band.band.to_dmatrix() - dense).amax())
    } else {
        "null".to_string()
    };
    let (hand_f_s, hand_grad_s) = if name == "chain1" {
        let mut g = vec![0.0; n];
        (
            format!(
                "{:e}",
                median_time(reps, || {
                    black_box(chain1_hand(black_box(x.as_slice())));
                })
            ),
            format!(
                "{:e}",
                median_time(reps, || {
                    chain1_hand_grad(black_box(x.as_slice()), &mut g);
                    black_box(&g);
                })
            ),
        )
    } else {
        ("null".into(), "null".into())
    };
    eprintln!(
        "{name} n={n} k={k}: f {f_s:.3e} s, grad {grad_s:.3e} s ({:.2}x f), hvp {hvp_s:.3e} s ({:.2}x grad), \
         band {band_s:.3e} s ({} HVPs, {:.2}x grad; CPR {:.2}x grad), factor+solve {factor_solve_s:.3e} s, \
         Newton {newton_s:.3e} s in {} iterations",
        grad_s / f_s,
        hvp_s / grad_s,
        band.hvps,
        band_s / grad_s,
        band_cpr_s / grad_s,
        result.iterations
    );
    println!(
        "{{\"objective\":\"{name}\",\"n\":{n},\"k\":{k},\"f_s\":{f_s:e},\"grad_s\":{grad_s:e},\"hvp_s\":{hvp_s:e},\
         \"band_s\":{band_s:e},\"band_hvps\":{},\"band_method\":\"substitution\",\"band_cpr_s\":{band_cpr_s:e},\
         \"factor_solve_s\":{factor_solve_s:e},\"newton_s\":{newton_s:e},\"newton_iters\":{},\
         \"newton_grad_inf\":{:e},\"newton_stop\":\"{:?}\",\"band_max_err\":{band_max_err},\"hand_f_s\":{hand_f_s},\"hand_grad_s\":{hand_grad_s},\
         \"grad_over_f\":{:.3},\"hvp_over_grad\":{:.3},\"band_over_grad\":{:.3}}}",
        band.hvps,
        result.iterations,
        result.grad_inf,
        result.stop,
        grad_s / f_s,
        hvp_s / grad_s,
        band_s / grad_s
    );
}
