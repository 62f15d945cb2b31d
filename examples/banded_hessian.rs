//! Banded Hessians of the BENCH objectives from a few Hessian-vector
//! products, next to the dense Hessian, and their accuracy.
//!
//! ```text
//! cargo run --release --example banded_hessian            # small n, side by side
//! cargo run --release --example banded_hessian -- --errors 1000000
//! ```
//!
//! The error table compares both recovery methods (CPR, 2k+1 products;
//! symmetric substitution, k+1 products) with Hessians written out by hand
//! (an oracle independent of the AD), on the BENCH objectives and on
//! quadratics `½ xᵀHx` whose band `H = D B D` is badly scaled
//! (`D = diag(10^u)`, `u` uniform in [−s, s]).

mod problems;

use crate::problems::{Accel2, Chain1, Problem, Robot2d};
use lensdiff::banded::SymBanded;
use lensdiff::hessian::{BandMethod, BandOptions, hessian, hessian_banded_with};
use lensdiff::{Expr, Objective, Real};
use nalgebra::{DMatrix, DVector};

/// chain1's Hessian by hand.
fn chain1_exact(x: &DVector<f64>) -> SymBanded<f64> {
    let n = x.len();
    let mut h = SymBanded::zeros(n, 1);
    for i in 0..n {
        let t = x[i];
        h.set(i, i, 3.0 * t * t - 1.0 - 0.9 * (3.0 * t).cos());
    }
    for i in 0..n.saturating_sub(1) {
        let (a, b) = (x[i], x[i + 1]);
        let (s, c) = (a * b).sin_cos();
        h.set(i, i, h.get(i, i) + 1.0 - 0.1 * s * b * b);
        h.set(i + 1, i + 1, h.get(i + 1, i + 1) + 1.0 - 0.1 * s * a * a);
        h.set(i, i + 1, -1.0 + 0.1 * (c - s * a * b));
    }
    h
}

/// Adds `w · c cᵀ` for a stencil `c` placed at the given indices.
fn add_outer(h: &mut SymBanded<f64>, idx: &[usize], c: &[f64], w: f64) {
    for (a, &i) in idx.iter().enumerate() {
        for (b, &j) in idx.iter().enumerate() {
            if i <= j {
                h.set(i, j, h.get(i, j) + w * c[a] * c[b]);
            }
        }
    }
}

/// accel2's Hessian by hand.
fn accel2_exact(x: &DVector<f64>) -> SymBanded<f64> {
    let n = x.len();
    let mut h = SymBanded::zeros(n, 2);
    for i in 1..n.saturating_sub(1) {
        add_outer(&mut h, &[i - 1, i, i + 1], &[1.0, -2.0, 1.0], 1.0);
    }
    for i in 0..n {
        let q = x[i] * x[i];
        h.set(
            i,
            i,
            h.get(i, i) + 2.0 * (1.0 - q) / ((1.0 + q) * (1.0 + q)) + 1.0,
        );
    }
    h
}

/// robot2d's Hessian by hand.
fn robot2d_exact(x: &DVector<f64>) -> SymBanded<f64> {
    let n = x.len();
    let m = n / 2;
    let mut h = SymBanded::zeros(n, 4);
    let w = (m * m) as f64;
    for i in 1..m - 1 {
        for d in 0..2 {
            let idx = [2 * (i - 1) + d, 2 * i + d, 2 * (i + 1) + d];
            add_outer(&mut h, &idx, &[1.0, -2.0, 1.0], w);
        }
    }
    for i in 0..m {
        let (u, v) = (x[2 * i] - 0.5, x[2 * i + 1] - 0.5);
        let g = 10.0 * (-(u * u + v * v) / 0.05).exp();
        let (a, b) = (2 * i, 2 * i + 1);
        h.set(a, a, h.get(a, a) + g * (1600.0 * u * u - 40.0));
        h.set(b, b, h.get(b, b) + g * (1600.0 * v * v - 40.0));
        h.set(a, b, h.get(a, b) + g * 1600.0 * u * v);
    }
    for i in [0, 1, n - 2, n - 1] {
        h.set(i, i, h.get(i, i) + 200.0);
    }
    h
}

/// `f(x) = ½ xᵀ H x` for a given symmetric band `H`: its Hessian is `H`.
struct Quadratic {
    h: SymBanded<f64>,
}

impl Objective for Quadratic {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let (n, k) = (self.h.n(), self.h.k());
        let diag = DVector::from_fn(n, |i, _| S::from_f64(0.5 * self.h.get(i, i)));
        let mut f = (x.square() * Expr::constant(diag)).sum();
        for d in 1..=k.min(n.saturating_sub(1)) {
            let off = DVector::from_fn(n - d, |i, _| S::from_f64(self.h.get(i, i + d)));
            f = f + (x.trim(0, d) * x.trim(d, 0) * Expr::constant(off)).sum();
        }
        f
    }
}

/// A deterministic uniform number in [0, 1).
fn uniform(state: &mut u64) -> f64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

/// `H = D B D`, `B` a random diagonally dominant band, `D = diag(10^u)`.
fn scaled_band(n: usize, k: usize, s: f64, seed: u64) -> SymBanded<f64> {
    let mut st = seed;
    let d: Vec<f64> = (0..n)
        .map(|_| 10f64.powf(s * (2.0 * uniform(&mut st) - 1.0)))
        .collect();
    let mut h = SymBanded::zeros(n, k);
    for j in 0..n {
        for i in j.saturating_sub(k)..=j {
            let b = if i == j {
                2.0 * k as f64 + 1.0
            } else {
                2.0 * uniform(&mut st) - 1.0
            };
            h.set(i, j, d[i] * b * d[j]);
        }
    }
    h
}

/// (max |error| / max |H|, max entrywise relative error over nonzeros).
fn errors(got: &SymBanded<f64>, exact: &SymBanded<f64>) -> (f64, f64) {
    let (mut abs, mut hmax, mut rel) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (g, e) in got.as_slice().iter().zip(exact.as_slice()) {
        let err = (g - e).abs();
        abs = abs.max(err);
        hmax = hmax.max(e.abs());
        if *e != 0.0 {
            rel = rel.max(err / e.abs());
        }
    }
    (abs / hmax, rel)
}

fn error_row<O: Objective>(
    name: &str,
    obj: &O,
    x: &DVector<f64>,
    k: usize,
    exact: &SymBanded<f64>,
) {
    let mut cells = Vec::new();
    for method in [BandMethod::Cpr, BandMethod::Substitution] {
        let opts = BandOptions {
            method,
            verify: false,
            ..Default::default()
        };
        let b = hessian_banded_with(obj, x, k, &opts).expect("band");
        let (norm, rel) = errors(&b.band, exact);
        cells.push(format!("{:>3} | {norm:>9.1e} | {rel:>9.1e}", b.hvps));
    }
    println!(
        "| {name:<28} | {:>8} | {} | {} |",
        x.len(),
        cells[0],
        cells[1]
    );
}

fn error_table(n: usize) {
    println!(
        "Errors against hand-written Hessians, n = {n} (normwise: max|err|/max|H|; entrywise: max |err|/|H_ij| over nonzeros)\n"
    );
    println!(
        "| problem | n | CPR HVPs | CPR normwise | CPR entrywise | subst. HVPs | subst. normwise | subst. entrywise |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    let p = Chain1::new(n);
    error_row("chain1 (k=1)", &p, &p.x0(), 1, &chain1_exact(&p.x0()));
    let p = Accel2::new(n);
    error_row("accel2 (k=2)", &p, &p.x0(), 2, &accel2_exact(&p.x0()));
    let p = Robot2d::new(n / 2);
    error_row("robot2d (k=4)", &p, &p.x0(), 4, &robot2d_exact(&p.x0()));
    for (k, s) in [(2usize, 2.0), (4, 2.0), (2, 4.0), (4, 4.0)] {
        let h = scaled_band(n, k, s, 7);
        let q = Quadratic { h: h.clone() };
        let x = DVector::from_fn(n, |i, _| (0.3 * i as f64).sin());
        error_row(&format!("scaled band k={k}, D=10^±{s}"), &q, &x, k, &h);
    }
}

fn side_by_side<P: Problem>(p: &P) {
    let x = p.x0();
    let k = p.bandwidth();
    let dense = hessian(p, &x).expect("dense Hessian");
    println!("\n{} (n = {}, k = {k})", p.name(), p.n());
    for method in [BandMethod::Cpr, BandMethod::Substitution] {
        let b = hessian_banded_with(
            p,
            &x,
            k,
            &BandOptions {
                method,
                ..Default::default()
            },
        )
        .expect("band");
        let err = (b.band.to_dmatrix() - &dense).amax();
        println!(
            "  {method:?}: {} Hessian-vector products (the probe included), max |band − dense| = {err:.1e}, probe residual {:.1e}",
            b.hvps,
            b.residual.unwrap_or(0.0)
        );
    }
    let band = hessian_banded_with(p, &x, k, &BandOptions::default())
        .expect("band")
        .band;
    println!(
        "  first rows, upper band storage ab[k + i - j][j] (LAPACK / scipy.linalg.solveh_banded):"
    );
    for r in 0..=k {
        let row: Vec<String> = (0..6.min(p.n()))
            .map(|j| format!("{:>9.4}", band.ab(r, j)))
            .collect();
        println!("    ab[{r}] = {}", row.join(" "));
    }
    println!("  first rows of the dense Hessian:");
    let show = 6.min(p.n());
    let top: DMatrix<f64> = dense.view((0, 0), (show, show)).into_owned();
    for i in 0..show {
        let row: Vec<String> = (0..show).map(|j| format!("{:>9.4}", top[(i, j)])).collect();
        println!("    {}", row.join(" "));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--errors") {
        let n = args
            .get(i + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        error_table(n);
        return;
    }
    side_by_side(&Chain1::new(12));
    side_by_side(&Accel2::new(12));
    side_by_side(&Robot2d::new(6));
    println!();
    error_table(2000);
}
