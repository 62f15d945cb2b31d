//! f, gradient, one HVP, banded extraction (both methods, verified) and the
//! banded Cholesky factor+solve on the BENCH objectives.
//!
//! `cargo bench --bench hessian` (n = 10⁵; the bench example covers 10⁶).

#[path = "../examples/problems/mod.rs"]
mod problems;

use crate::problems::{AnyProblem, Problem, by_name};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lensdiff::CompiledObjective;
use lensdiff::hessian::{BandMethod, BandOptions, hessian_banded_with, hvp};
use lensdiff::{Objective, grad};
use nalgebra::DVector;
use std::hint::black_box;

fn bench(cr: &mut Criterion) {
    let n = 100_000;
    for name in ["chain1", "accel2", "robot2d"] {
        let p: AnyProblem = by_name(name, n).expect("problem");
        let k = p.bandwidth();
        let x = p.x0();
        let obj = CompiledObjective::new(p);
        let f = obj.lens::<f64>();
        let v = DVector::from_fn(n, |i, _| (0.37 * i as f64 + 0.1).sin());
        let mut group = cr.benchmark_group(format!("{name}_n{n}"));
        group.sample_size(20);
        group.bench_function("f", |b| b.iter(|| f.eval(black_box(&x))));
        group.bench_function("grad", |b| b.iter(|| grad(&f, black_box(&x))));
        group.bench_function("hvp", |b| b.iter(|| hvp(&obj, black_box(&x), &v)));
        for method in [BandMethod::Substitution, BandMethod::Cpr] {
            let opts = BandOptions {
                method,
                ..Default::default()
            };
            group.bench_function(BenchmarkId::new("band", format!("{method:?}")), |b| {
                b.iter(|| hessian_banded_with(&obj, black_box(&x), k, &opts).expect("band"))
            });
        }
        let band = hessian_banded_with(&obj, &x, k, &BandOptions::default())
            .expect("band")
            .band;
        let rhs = DVector::from_element(n, 1.0);
        group.bench_function("factor+solve (shifted Cholesky)", |b| {
            b.iter(|| {
                let (chol, _) = band.cholesky_shifted(0.0).expect("factor");
                chol.solve(black_box(&rhs)).expect("solve")
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
