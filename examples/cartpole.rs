//! The cart-pole swing-up (BENCH `cartpole`) by SQP on banded KKT systems.
use lensdiff::constrained::{Sqp, SqpOptions};
use lensdiff::problems::Cartpole;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut segments = 100;
    let mut i = 1;
    while i < args.len() {
        if args[i] == "--segments" {
            segments = args[i + 1].parse().expect("--segments N");
            i += 1;
        }
        i += 1;
    }
    let p = Cartpole::new(segments);
    let t = Instant::now();
    let r = Sqp::new(SqpOptions {
        verbose: true,
        ..Default::default()
    })
    .minimize(&p, &p, &p.x0())
    .unwrap();
    let solve_s = t.elapsed().as_secs_f64();
    println!(
        "{{\"segments\": {}, \"n\": {}, \"m\": {}, \"iterations\": {}, \"objective\": {}, \"max_violation\": {:e}, \"solve_s\": {:.4}, \"status\": \"{}\", \"kkt_bandwidth\": {}}}",
        segments,
        p.n(),
        p.m(),
        r.iterations,
        r.f,
        r.c_inf,
        solve_s,
        r.status.as_str(),
        r.kkt_bandwidth
    );
}
