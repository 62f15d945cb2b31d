//! What a tile costs per node: a chain of 20 elementwise nodes (ten
//! `· a` and ten `+ b`, the cheapest arithmetic there is, so the overhead
//! shows most) summed, evaluated and differentiated on one thread at
//! several tile lengths, beside the same arithmetic as a hand-written loop
//! (one pass, the physical limit). Issue 22's target: a tile's overhead
//! per node per tile at most 10 % of the node's arithmetic.
//!
//! `cargo bench --bench tile_overhead`. With `t(T)` the time at tile
//! length `T` and `m = n / T` tiles, the overhead per node per tile is the
//! slope `o = (t(T₁) − t(T₂)) / (20 (m₁ − m₂))` between a short and a long
//! tile; the arithmetic per node per tile at the default length is
//! `(t − 20 m o) / (20 m)`.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lensdiff::engine::Engine;
use lensdiff::nalgebra::DVector;
use lensdiff::{CompiledObjective, Expr, Objective, Real, grad};
use std::hint::black_box;

const NODES: usize = 20;

/// `Σ_i y_i` where `y = (((x·a + b)·a + b)·…)`, ten rounds.
struct Chain20;
impl Objective for Chain20 {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let mut y = x;
        for _ in 0..NODES / 2 {
            y = y * 0.999 + 0.001;
        }
        y.sum()
    }
}

fn hand(x: &[f64]) -> f64 {
    x.iter()
        .map(|&v| {
            let mut y = v;
            for _ in 0..NODES / 2 {
                y = y * 0.999 + 0.001;
            }
            y
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    let n = 1 << 20;
    let x = DVector::from_fn(n, |i, _| (0.1 * i as f64).sin());
    let obj = CompiledObjective::new(Chain20);
    let f = obj.lens::<f64>();
    // The same function both ways, or the comparison times something else.
    let (a, b) = (f.eval(&x), hand(x.as_slice()));
    assert!((a - b).abs() <= 1e-9 * b.abs().max(1.0), "{a} against {b}");

    let mut group = c.benchmark_group("tile_overhead");
    group.bench_function("hand_f", |bch| bch.iter(|| hand(black_box(x.as_slice()))));
    for tile in [None, Some(256), Some(1024), Some(4096), Some(16384)] {
        let engine = Engine {
            threads: Some(1),
            tile,
            ..Engine::default()
        };
        let label = tile.map_or("default".to_string(), |t| t.to_string());
        group.bench_with_input(BenchmarkId::new("f", &label), &engine, |bch, e| {
            bch.iter(|| e.scope(|| f.eval(black_box(&x))))
        });
        group.bench_with_input(BenchmarkId::new("grad", &label), &engine, |bch, e| {
            bch.iter(|| e.scope(|| grad(&f, black_box(&x))))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
