//! chain1's value and gradient: lensdiff against a hand-written loop (the
//! physical limit of one pass), fused and unfused formulations.
//!
//! `cargo bench --bench lens`. The hand-written f and gradient are the
//! reference; the unfused objective uses one primitive per operation
//! (`trim`, `*`, `sin`, `diff`, `square`, `map`, `sum`), the fused one the
//! `zip_map` and `sum_map` primitives (as `crate::problems::Chain1` does).

#[path = "../examples/problems/mod.rs"]
mod problems;

use crate::problems::{Chain1, Problem};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lensdiff::CompiledObjective;
use lensdiff::{Expr, Objective, Real, c, grad};
use std::hint::black_box;

#[path = "common/chain1_hand.rs"]
mod chain1_hand;
use chain1_hand::{chain1_hand, chain1_hand_grad};

/// chain1 with one primitive per operation (no fusion).
struct Chain1Unfused;
impl Objective for Chain1Unfused {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let pairs = x.trim(0, 1) * x.trim(1, 0);
        x.diff().square().sum() * 0.5
            + pairs.sin().sum() * 0.1
            + x.map(|t| t.powi(4) * c(0.25) - t * t * c(0.5) + (t * c(3.0)).cos() * c(0.1))
                .sum()
    }
}

fn bench(cr: &mut Criterion) {
    for n in [10_000usize, 1_000_000] {
        let p = Chain1::new(n);
        let x = p.x0();
        let mut group = cr.benchmark_group(format!("chain1_n{n}"));
        if n >= 1_000_000 {
            group.sample_size(20);
        }
        group.bench_function(BenchmarkId::new("f", "hand"), |b| {
            b.iter(|| chain1_hand(black_box(x.as_slice())))
        });
        let mut g = vec![0.0; n];
        group.bench_function(BenchmarkId::new("grad", "hand"), |b| {
            b.iter(|| chain1_hand_grad(black_box(x.as_slice()), &mut g))
        });
        let fused = CompiledObjective::new(p).lens::<f64>();
        let unfused = CompiledObjective::new(Chain1Unfused).lens::<f64>();
        group.bench_function(BenchmarkId::new("f", "lensdiff fused"), |b| {
            b.iter(|| fused.eval(black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("grad", "lensdiff fused"), |b| {
            b.iter(|| grad(&fused, black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("f", "lensdiff unfused"), |b| {
            b.iter(|| unfused.eval(black_box(&x)))
        });
        group.bench_function(BenchmarkId::new("grad", "lensdiff unfused"), |b| {
            b.iter(|| grad(&unfused, black_box(&x)))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
