//! Newton's method on a Hessian that is sparse but not banded: a closed
//! patrol loop through four waypoints around two obstacles, with a free
//! lap time ([`crate::problems::Orbit`]).
//!
//! ```text
//! cargo run --release --example orbit -- [--points M] [--out FILE.svg] [--substitution]
//! ```
//!
//! The wrap-around couples the last points to the first and the lap time
//! couples to every point, so the half-bandwidth is `n − 1`: the banded
//! path would need `n²` storage. The sparse path detects the pattern,
//! colours it once, recovers the Hessian from a few products per
//! iteration and factors it in an envelope after reverse Cuthill–McKee
//! (lap time ordered last). Prints the pattern's figures, the iteration
//! table and a check of the answer, and draws the loop as an SVG (with `plotters`).

mod problems;

use crate::problems::{Orbit, Problem};
use lensdiff::banded::{EnvelopeCholesky, envelope_size};
use lensdiff::hessian::{Recovery, SparseOptions};
use lensdiff::optim::{Newton, NewtonOptions, OptimResult, StopReason};
use lensdiff::sparsity::{acyclic_coloring, hessian_pattern, star_coloring};
use lensdiff::{Objective, value_and_grad};
use nalgebra::DVector;
use plot::{PathPlot, draw_paths, points};
use std::error::Error;

#[path = "plot/mod.rs"]
mod plot;

struct Args {
    points: usize,
    out: String,
    recovery: Recovery,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        points: 2000,
        out: "orbit.svg".into(),
        recovery: Recovery::Direct,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        match flag.as_str() {
            "--points" => {
                let v = it.next().ok_or("--points needs a value")?;
                a.points = v.parse().map_err(|e| format!("--points: {e}"))?;
            }
            "--out" => a.out = it.next().ok_or("--out needs a value")?,
            "--substitution" => a.recovery = Recovery::Substitution,
            "-h" | "--help" => {
                return Err(
                    "usage: orbit [--points M] [--out FILE.svg] [--substitution]".to_string(),
                );
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if a.points < 4 {
        return Err(format!("--points must be at least 4, got {}", a.points));
    }
    Ok(a)
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

/// The obstacles, the waypoints, the initial and the optimised loop.
fn draw_orbit(
    p: &Orbit,
    x0: &DVector<f64>,
    x: &DVector<f64>,
    title: &str,
    out: &str,
) -> Result<(), Box<dyn Error>> {
    let n = x.len() - 1;
    // Closed loops: back to the first point.
    let closed = |v: &DVector<f64>| {
        let mut pts = points(&v.as_slice()[..n]);
        pts.push(pts[0]);
        pts
    };
    let waypoints: Vec<(f64, f64)> = p.waypoints().into_iter().map(|(_, w)| w).collect();
    let plot = PathPlot {
        title,
        obstacles: Orbit::obstacles(),
        initial: &closed(x0),
        optimised: &closed(x),
        markers: (&waypoints, "waypoints"),
    };
    draw_paths(&plot, out)
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| fail(&e));
    let p = Orbit::new(args.points);
    let x0 = p.x0();
    let n = p.n();

    // What the sparse path sees (Newton repeats the detection internally).
    let pattern = hessian_pattern(&p, &x0).unwrap_or_else(|e| fail(&e.to_string()));
    let natural: Vec<usize> = (0..n).collect();
    let chol = EnvelopeCholesky::analyze(&pattern).unwrap_or_else(|e| fail(&e.to_string()));
    println!(
        "orbit: {} points (n = {n}); Hessian pattern: {} nonzeros, half-bandwidth {}, max row {}",
        args.points,
        pattern.nnz(),
        pattern.bandwidth(),
        pattern.max_row_nnz()
    );
    println!(
        "  colours: star (direct) {}, acyclic (substitution) {}; a dense band would hold {:.3e} entries",
        star_coloring(&pattern).n_colors(),
        acyclic_coloring(&pattern).n_colors(),
        (n as f64) * (n as f64)
    );
    println!(
        "  envelope: {} entries in the natural order, {} after reordering (lap time at position {})",
        envelope_size(&pattern, &natural),
        chol.envelope_size(),
        chol.permutation()
            .iter()
            .position(|&v| v == n - 1)
            .expect("a permutation")
    );

    let opts = NewtonOptions {
        verbose: true,
        sparse: SparseOptions {
            recovery: args.recovery,
            ..Default::default()
        },
        ..Default::default()
    };
    let r: OptimResult = Newton::new(opts)
        .minimize_sparse(&p, &x0)
        .unwrap_or_else(|e| fail(&format!("Newton failed: {e}")));

    // An independent check: a fresh reverse-mode gradient at the answer.
    let (f, g) = value_and_grad(&p.lens::<f64>(), &r.x);
    let lap = r.x[n - 1].exp();
    println!(
        "Newton: {:?} after {} iterations in {:.3} s: f = {f:.10e}, |grad|inf = {:.3e} (start {:.3e}), {} Hessian-vector products",
        r.stop,
        r.iterations,
        r.time_s,
        g.amax(),
        r.grad0_inf,
        r.hvps
    );
    let miss = p
        .waypoints()
        .into_iter()
        .map(|(i, (u, v))| (r.x[2 * i] - u).hypot(r.x[2 * i + 1] - v))
        .fold(0.0, f64::max);
    println!("  lap time {lap:.6}; largest waypoint miss {miss:.2e}");
    if r.stop != StopReason::Gradient {
        fail("Newton did not reach the gradient tolerance");
    }

    let title = format!(
        "orbit, {} points: Newton on the sparse path ({} iterations), lap time {lap:.3}",
        args.points, r.iterations
    );
    draw_orbit(&p, &x0, &r.x, &title, &args.out)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", args.out)));
    println!("wrote {}", args.out);
}
