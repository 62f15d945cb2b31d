//! Criterion benchmark: banded factor + solve at n = 10⁶, k = 1, 2, 5.
//!
//! `cargo bench --bench banded`. For the side-by-side table with LAPACK
//! (scipy) run `cargo bench --bench banded_table` instead.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;

#[path = "banded_common.rs"]
mod common;

fn bench(c: &mut Criterion) {
    let n = 1_000_000;
    let b = common::rhs(n);
    let mut g = c.benchmark_group("banded_n1e6");
    g.sample_size(20);
    for k in [1, 2, 5] {
        let a = common::spd(n, k);
        g.bench_function(format!("cholesky_factor_solve_k{k}"), |bch| {
            bch.iter(|| black_box(a.cholesky().unwrap().solve(&b).unwrap()))
        });
        let chol = a.cholesky().unwrap();
        g.bench_function(format!("cholesky_solve_only_k{k}"), |bch| {
            bch.iter(|| black_box(chol.solve(&b).unwrap()))
        });
        let m = common::general(n, k);
        g.bench_function(format!("lu_factor_solve_k{k}"), |bch| {
            bch.iter(|| black_box(m.lu().unwrap().solve(&b).unwrap()))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
