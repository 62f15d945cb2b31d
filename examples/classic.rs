//! Newton on the classic test set (`examples/problems/classic.rs`): the
//! Moré–Garbow–Hillstrom variable-dimension problems, a hanging chain
//! started compressed, and a double well started at its maximum.
//!
//! ```sh
//! cargo run --release --example classic                      # all, n = 1000
//! cargo run --release --example classic -- --sizes 10000,100000 --problems chain,wood
//! cargo run --release --example classic -- --line-search --verbose
//! cargo run --release --example classic -- --problems robot2d,accel2 --sizes 100000
//! ```
//!
//! Prints one JSON line per problem and n: iterations, stop reason, f,
//! ‖∇f‖∞ and its target, the measured rounding floor, Hessian products and
//! seconds. `benches/compare/classic.sh` runs it beside Ipopt.

#[path = "problems/mod.rs"]
mod problems;

use lensdiff::optim::{Globalization, Newton, NewtonOptions};
use problems::{ClassicKind, Problem};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut sizes = vec![1000];
    let mut names: Vec<String> = ClassicKind::ALL.map(|k| k.name().to_string()).to_vec();
    let mut opts = NewtonOptions::default();
    let mut i = 0;
    while i < args.len() {
        let value = || args.get(i + 1).cloned().unwrap_or_default();
        match args[i].as_str() {
            "--sizes" => {
                sizes = value()
                    .split(',')
                    .map(|s| s.parse().expect("--sizes takes numbers, e.g. 1000,10000"))
                    .collect();
                i += 1;
            }
            "--problems" => {
                names = value().split(',').map(str::to_string).collect();
                i += 1;
            }
            "--line-search" => opts.globalization = Globalization::LineSearch,
            "--trust-region" => opts.globalization = Globalization::TrustRegion,
            "--verbose" => opts.verbose = true,
            "--max-iters" => {
                opts.stopping.max_iters = value().parse().expect("--max-iters takes a number");
                i += 1;
            }
            "-h" | "--help" => {
                println!(
                    "usage: classic [--sizes N,N] [--problems a,b] [--line-search | --trust-region] [--verbose] [--max-iters N]"
                );
                return;
            }
            other => panic!("unknown option {other:?} (try --help)"),
        }
        i += 1;
    }
    for name in &names {
        for &n in &sizes {
            let p = problems::by_name(name, n).unwrap_or_else(|e| panic!("{e}"));
            let start = Instant::now();
            let result = Newton::new(opts).minimize(&p, &p.x0(), p.bandwidth());
            let seconds = start.elapsed().as_secs_f64();
            match result {
                Ok(r) => println!(
                    "{{\"problem\": \"{}\", \"n\": {}, \"globalization\": \"{:?}\", \"iterations\": {}, \"stop\": \"{:?}\", \"converged\": {}, \"f\": {:e}, \"grad_inf\": {:e}, \"target\": {:e}, \"grad_floor\": {}, \"hvps\": {}, \"f_evals\": {}, \"seconds\": {:.4}}}",
                    p.name(),
                    p.n(),
                    opts.globalization,
                    r.iterations,
                    r.stop,
                    r.converged(),
                    r.f,
                    r.grad_inf,
                    opts.stopping.target(r.grad0_inf),
                    r.grad_floor.map_or("null".into(), |v| format!("{v:e}")),
                    r.hvps,
                    r.f_evals,
                    seconds
                ),
                Err(e) => println!(
                    "{{\"problem\": \"{}\", \"n\": {}, \"error\": \"{}\"}}",
                    p.name(),
                    p.n(),
                    e.to_string().replace('"', "'")
                ),
            }
        }
    }
}
