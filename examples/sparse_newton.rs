//! Newton's method on the banded path against the sparse path, one solve
//! per process (so the peak memory is the solve's own).
//!
//! ```text
//! cargo run --release --example sparse_newton -- PROBLEM N MODE
//! ```
//! PROBLEM is chain1, accel2, robot2d (n variables) or orbit (n = 2m + 1
//! variables for m = n / 2 points); MODE is banded (the known
//! half-bandwidth; not for orbit), sparse (star colouring, direct
//! recovery) or substitution (acyclic colouring). Prints one line:
//! iterations, products, the solve's wall time (pattern detection and
//! colouring included for the sparse modes), the time per iteration and
//! the peak resident memory (`VmHWM`, Linux).

mod problems;

use crate::problems::{AnyProblem, Orbit, Problem, by_name};
use lensdiff::hessian::{Recovery, SparseOptions};
use lensdiff::optim::{Newton, NewtonOptions, OptimResult};
use nalgebra::DVector;
use std::time::Instant;

fn peak_rss_mb() -> f64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(2)
}

fn solve<P: Problem>(p: &P, mode: &str) -> OptimResult {
    let x0: DVector<f64> = p.x0();
    let sparse = |recovery| NewtonOptions {
        sparse: SparseOptions {
            recovery,
            ..Default::default()
        },
        ..Default::default()
    };
    let r = match mode {
        "banded" => Newton::default().minimize(p, &x0, p.bandwidth()),
        "sparse" => Newton::new(sparse(Recovery::Direct)).minimize_sparse(p, &x0),
        "substitution" => Newton::new(sparse(Recovery::Substitution)).minimize_sparse(p, &x0),
        other => fail(&format!(
            "MODE must be banded, sparse or substitution, got {other:?}"
        )),
    };
    r.unwrap_or_else(|e| fail(&format!("{}: {e}", p.name())))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() != 3 {
        fail("usage: sparse_newton PROBLEM N MODE");
    }
    let n: usize = args[1].parse().unwrap_or_else(|e| fail(&format!("N: {e}")));
    let mode = args[2].as_str();
    let start = Instant::now();
    let (name, r) = if args[0] == "orbit" {
        if mode == "banded" {
            fail("orbit is not banded (half-bandwidth n − 1)");
        }
        let p = Orbit::new((n / 2).max(4));
        (p.name(), solve(&p, mode))
    } else {
        let p: AnyProblem = by_name(&args[0], n).unwrap_or_else(|e| fail(&e.to_string()));
        (p.name(), solve(&p, mode))
    };
    let wall = start.elapsed().as_secs_f64();
    println!(
        "{name} n={} {mode}: {:?} after {} iterations, {} products, {:.3} s ({:.2e} s per iteration), grad {:.1e}, peak {:.0} MB",
        r.x.len(),
        r.stop,
        r.iterations,
        r.hvps,
        wall,
        wall / (r.iterations + 1) as f64,
        r.grad_inf,
        peak_rss_mb()
    );
}
