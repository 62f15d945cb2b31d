//! Column orderings and compressed sparse Jacobians, measured.
//!
//! ```text
//! cargo run --release --example sparse_jacobian [-- N]
//! ```
//! (default N = 100 000).
//!
//! 1. Distance-2 colour counts of the three column orders (largest-first,
//!    smallest-last, natural) against the lower bound `max row nnz`, on
//!    the BENCH Hessian patterns (used as column patterns) and on random
//!    patterns and their transposes, with the time of each colouring
//!    (median of 5 after a warm-up).
//! 2. A banded vector map `F(x)_i = sin(x_{i+1} − x_i) · x_{i+2} + x_i²`
//!    (`n − 2` outputs, 3 nonzeros per row): the time of one evaluation of
//!    the compiled `f64` lens, of one pushforward (`linearize` + `apply`),
//!    of the detection, of both colourings, and of `jacobian_sparse` end
//!    to end (compilation, detection, both colourings, products,
//!    recovery), each the median of 7 runs after a warm-up, with the
//!    ratios to one evaluation.

mod problems;

use crate::problems::{Problem, by_name};
use lensdiff::Objective;
use lensdiff::sparsity::{
    ColumnOrder, Pattern, SeedMode, column_coloring, column_coloring_with, hessian_pattern,
    jacobian_pattern, jacobian_sparse, jacobian_sparse_with,
};
use lensdiff::{DFun, Expr, Forward, Real};
use nalgebra::DVector;
use std::hint::black_box;
use std::time::Instant;

fn median_of(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let t0 = Instant::now();
            f();
            t0.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t[runs / 2]
}

/// A xorshift generator: reproducible random patterns without a dependency.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// `n × n`: the diagonal and `extra` columns per row, uniform within
/// `±window` of the diagonal (`window = n`: anywhere), and `hubs` rows with
/// `hub_len` more uniform entries each.
fn random_pattern(n: usize, extra: usize, window: usize, hubs: usize, hub_len: usize) -> Pattern {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut e = Vec::new();
    for i in 0..n {
        e.push((i, i));
        for _ in 0..extra {
            let lo = i.saturating_sub(window);
            let hi = (i + window + 1).min(n);
            e.push((i, lo + rng.below(hi - lo)));
        }
    }
    for _ in 0..hubs {
        let i = rng.below(n);
        for _ in 0..hub_len {
            e.push((i, rng.below(n)));
        }
    }
    Pattern::from_entries(n, n, e)
}

fn report_orders(name: &str, p: &Pattern) {
    let mut cells = Vec::new();
    for order in [
        ColumnOrder::LargestFirst,
        ColumnOrder::SmallestLast,
        ColumnOrder::Natural,
    ] {
        let mut colors = 0;
        let t = median_of(5, || colors = column_coloring_with(p, order).n_colors());
        cells.push(format!("{colors:>5} {t:>8.2e}"));
    }
    println!(
        "{name:<24} {:>8} {:>9} {:>5}  {}",
        p.ncols(),
        p.nnz(),
        p.max_row_nnz(),
        cells.join("  ")
    );
}

/// `F(x)_i = sin(x_{i+1} − x_i) · x_{i+2} + x_i²`, `i < n − 2`.
struct Banded;

impl Objective for Banded {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.diff().trim(0, 1).sin() * x.trim(2, 0) + x.trim(0, 2).square()
    }
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    println!(
        "{:<24} {:>8} {:>9} {:>5}  {:>14}  {:>14}  {:>14}",
        "pattern", "ncols", "nnz", "rowmx", "largest-first", "smallest-last", "natural"
    );
    for name in ["chain1", "accel2", "robot2d"] {
        let p = by_name(name, n).expect("known problem");
        let pat = hessian_pattern(&p, &p.x0()).expect("pattern");
        report_orders(name, &pat);
    }
    let random = [
        ("uniform, 3/row", random_pattern(n, 3, n, 0, 0)),
        ("local ±20, 3/row", random_pattern(n, 3, 20, 0, 0)),
        ("uniform, 2/row + hubs", random_pattern(n, 2, n, 20, 200)),
    ];
    for (name, p) in &random {
        report_orders(name, p);
        report_orders(&format!("{name} (rows)"), &p.transpose());
    }

    let x = DVector::from_fn(n, |i, _| (0.37 * i as f64).sin());
    let f: DFun<DVector<f64>, DVector<f64>, Forward> = Banded.build(Expr::var()).compile();
    let t_eval = median_of(7, || {
        black_box(f.eval(&x));
    });
    let v = DVector::from_element(n, 1.0);
    let t_jvp = median_of(7, || {
        black_box(f.linearize(&x).1.apply(&v));
    });
    let t_detect = median_of(7, || {
        black_box(jacobian_pattern(|e| Banded.build(e), &x).expect("pattern"));
    });
    let pat = jacobian_pattern(|e| Banded.build(e), &x).expect("pattern");
    let t_color = median_of(7, || {
        black_box(column_coloring(&pat));
        black_box(column_coloring(&pat.transpose()));
    });
    let mut j = None;
    let t_sparse = median_of(7, || {
        j = Some(jacobian_sparse(&Banded, &x).expect("Jacobian"))
    });
    let j = j.expect("ran");
    let t_rev = median_of(7, || {
        black_box(jacobian_sparse_with(&Banded, &x, SeedMode::Reverse).expect("Jacobian"));
    });
    println!(
        "\nbanded map, n = {n}: nnz = {}, {} colours ({:?})",
        j.jacobian.nnz(),
        j.colors,
        j.mode
    );
    let rows = [
        ("one evaluation", t_eval),
        ("one pushforward", t_jvp),
        ("pattern detection", t_detect),
        ("both colourings", t_color),
        ("jacobian_sparse (Auto)", t_sparse),
        ("forced Reverse", t_rev),
    ];
    for (what, t) in rows {
        println!("{what:<22} {t:>9.2e} s  {:>5.1}", t / t_eval);
    }
}
