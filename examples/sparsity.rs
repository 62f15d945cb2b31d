//! Sparsity detection and colouring timings on the BENCH objectives.
//!
//! ```text
//! cargo run --release --example sparsity [-- N ... PROBLEM ...]
//! ```
//! (default: all three problems).
//! For each objective and size (default 10⁵ and 10⁶): the time of one
//! gradient, of pattern detection (one pass over `Tracer` scalars), of the
//! star, distance-2 and acyclic colourings, and of the compressed sparse
//! Hessian (direct and by substitution);
//! the colour counts against the lower bound `max row nnz`; and the peak
//! resident memory of the process (`VmHWM`, Linux only) after the
//! detections and at the end (run one problem and size per process for
//! clean memory figures). Each time
//! is the best of 3 runs after a warm-up (programs are cached per scalar
//! type, so compilation is not timed).

mod problems;

use crate::problems::{Problem, by_name};
use lensdiff::CompiledObjective;
use lensdiff::hessian::{Recovery, hessian_sparse, hessian_sparse_with};
use lensdiff::sparsity::{acyclic_coloring, column_coloring, hessian_pattern, star_coloring};
use lensdiff::{Objective, grad};
use std::hint::black_box;
use std::time::Instant;

fn best_of_3(mut f: impl FnMut()) -> f64 {
    f();
    (0..3)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let sizes: Vec<usize> = {
        let a: Vec<usize> = std::env::args()
            .skip(1)
            .filter_map(|s| s.parse().ok())
            .collect();
        if a.is_empty() {
            vec![100_000, 1_000_000]
        } else {
            a
        }
    };
    let names: Vec<String> = {
        let a: Vec<String> = std::env::args()
            .skip(1)
            .filter(|s| s.parse::<usize>().is_err())
            .collect();
        if a.is_empty() {
            vec!["chain1".into(), "accel2".into(), "robot2d".into()]
        } else {
            a
        }
    };
    println!(
        "{:<8} {:>8} {:>9} {:>10} {:>10} {:>6} {:>9} {:>9} {:>5} {:>5} {:>5} {:>10} {:>9} {:>8}",
        "problem",
        "n",
        "nnz",
        "grad s",
        "detect s",
        "ratio",
        "star s",
        "dist2 s",
        "rowmx",
        "star",
        "dist2",
        "sparseH s",
        "detect MB",
        "peak MB"
    );
    for &n in &sizes {
        for name in &names {
            let p = CompiledObjective::new(by_name(name, n).expect("known problem"));
            let x = p.inner().x0();
            let f = p.lens::<f64>();
            let t_grad = best_of_3(|| {
                black_box(grad(&f, &x));
            });
            let t_detect = best_of_3(|| {
                black_box(hessian_pattern(&p, &x).expect("pattern"));
            });
            let pat = hessian_pattern(&p, &x).expect("pattern");
            let detect_mb = peak_rss_mb().unwrap_or(f64::NAN);
            let mut star = None;
            let t_star = best_of_3(|| star = Some(star_coloring(&pat)));
            let mut col = None;
            let t_col = best_of_3(|| col = Some(column_coloring(&pat)));
            let t_sparse = best_of_3(|| {
                black_box(hessian_sparse(&p, &x).expect("sparse Hessian"));
            });
            let t0 = Instant::now();
            let acyclic = acyclic_coloring(&pat);
            let t_acyclic = t0.elapsed().as_secs_f64();
            let t0 = Instant::now();
            black_box(hessian_sparse_with(&p, &x, Recovery::Substitution).expect("substitution"));
            let t_subst = t0.elapsed().as_secs_f64();
            println!(
                "{:<8} {:>8} {:>9} {:>10.2e} {:>10.2e} {:>6.1} {:>9.2e} {:>9.2e} {:>5} {:>5} {:>5} {:>10.2e} {:>9.0} {:>8.0}",
                name,
                p.inner().n(),
                pat.nnz(),
                t_grad,
                t_detect,
                t_detect / t_grad,
                t_star,
                t_col,
                pat.max_row_nnz(),
                star.expect("ran").n_colors(),
                col.expect("ran").n_colors(),
                t_sparse,
                detect_mb,
                peak_rss_mb().unwrap_or(f64::NAN)
            );
            println!(
                "         acyclic colouring: {} colours in {:.2e} s; substitution Hessian {:.2e} s (one run each)",
                acyclic.n_colors(),
                t_acyclic,
                t_subst
            );
        }
    }
}
