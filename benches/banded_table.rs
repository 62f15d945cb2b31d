//! Side-by-side timing table: lensdiff banded Cholesky / LU vs LAPACK
//! through scipy (`solveh_banded`, `cholesky_banded` + `cho_solve_banded`,
//! `solve_banded`) on the same matrices.
//!
//! `cargo bench --bench banded_table` — times ours (median of 11 after a
//! warm-up), then runs `benches/lapack_band.py` with the Python in
//! `$LAPACK_PY` (default `~/.venvs/peers/bin/python`) for the same n, k
//! and prints the ratios ours / LAPACK. Set `BANDED_N` to change n.
//! Ours is timed on two paths: `cholesky()` + `solve` (what Newton does)
//! and `cholesky_shifted(0)` + `solve` (the compare bench's factor+solve);
//! the Cholesky ratio is against the faster LAPACK route.

use std::process::Command;
use std::time::Instant;

#[path = "banded_common.rs"]
mod common;

fn median(mut f: impl FnMut() -> f64, reps: usize) -> (f64, f64, f64) {
    let x0 = f();
    let mut ts: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(f());
            t.elapsed().as_secs_f64()
        })
        .collect();
    ts.sort_by(f64::total_cmp);
    (ts[reps / 2], ts[0], x0)
}

fn lapack(n: usize, k: usize) -> Option<(f64, f64)> {
    let py = std::env::var("LAPACK_PY").unwrap_or_else(|_| {
        format!(
            "{}/.venvs/peers/bin/python",
            std::env::var("HOME").unwrap_or_default()
        )
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/lapack_band.py");
    let out = Command::new(py)
        .args([script, &n.to_string(), &k.to_string()])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let med = |solver: &str| -> Option<f64> {
        let line = text.lines().find(|l| l.contains(solver))?;
        let m = line.split_whitespace().find(|w| w.starts_with("median="))?;
        m["median=".len()..].parse().ok()
    };
    print!("{text}");
    let pb = med("pbtrf+pbtrs ")?;
    Some((med("solveh_banded ")?.min(pb), med("solve_banded ")?))
}

fn main() {
    // `cargo bench` passes `--bench`; ignore arguments.
    let n: usize = std::env::var("BANDED_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let b = common::rhs(n);
    let mut rows = Vec::new();
    for k in [1, 2, 5] {
        let a = common::spd(n, k);
        let (chol, chol_min, x0) = median(|| a.cholesky().unwrap().solve(&b).unwrap()[0], 11);
        println!("ours cholesky n={n} k={k} median={chol:.9} min={chol_min:.9} x0={x0:.15e}");
        let (shifted, _, _) = median(
            || {
                let (c, _) = a.cholesky_shifted(0.0).unwrap();
                c.solve(&b).unwrap()[0]
            },
            11,
        );
        println!("ours cholesky_shifted(0) n={n} k={k} median={shifted:.9}");
        // The factor alone (no O(n) pass over it after the factorisation).
        let (f, _, _) = median(
            || std::hint::black_box(a.cholesky().unwrap()).n() as f64,
            11,
        );
        let c = a.cholesky().unwrap();
        let (sv, _, _) = median(|| c.solve(&b).unwrap()[0], 11);
        println!("ours cholesky parts n={n} k={k} factor={f:.9} solve={sv:.9}");
        let g = common::general(n, k);
        let (f, _, _) = median(|| std::hint::black_box(g.lu().unwrap()).n() as f64, 11);
        let l = g.lu().unwrap();
        let (sv, _, _) = median(|| l.solve(&b).unwrap()[0], 11);
        println!("ours lu parts n={n} k={k} factor={f:.9} solve={sv:.9}");
        let (lu, lu_min, x0) = median(|| g.lu().unwrap().solve(&b).unwrap()[0], 11);
        println!("ours lu n={n} k={k} median={lu:.9} min={lu_min:.9} x0={x0:.15e}");
        rows.push((k, chol, shifted, lu, lapack(n, k)));
    }
    println!();
    println!(
        "| k | ours Cholesky (ms) | ours shifted(0) (ms) | LAPACK Cholesky (ms) | ratio | ratio shifted | ours LU (ms) | LAPACK solve_banded (ms) | ratio |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for (k, chol, shifted, lu, lap) in rows {
        match lap {
            Some((lc, ll)) => println!(
                "| {k} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
                chol * 1e3,
                shifted * 1e3,
                lc * 1e3,
                chol / lc,
                shifted / lc,
                lu * 1e3,
                ll * 1e3,
                lu / ll
            ),
            None => println!(
                "| {k} | {:.2} | {:.2} | n/a | n/a | n/a | {:.2} | n/a | n/a |",
                chol * 1e3,
                shifted * 1e3,
                lu * 1e3
            ),
        }
    }
}
