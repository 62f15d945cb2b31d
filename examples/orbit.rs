//! Newton's method on a Hessian that is sparse but not banded: a closed
//! patrol loop through four waypoints around two obstacles, with a free
//! lap time ([`lensdiff::problems::Orbit`]).
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
//! table and a check of the answer, and draws the loop as an SVG.

use lensdiff::optim::{Newton, NewtonOptions, OptimResult, StopReason};
use lensdiff::problems::{Orbit, Problem};
use lensdiff::sparsity::{
    EnvelopeCholesky, Recovery, SparseOptions, acyclic_coloring, envelope_size, hessian_pattern,
    star_coloring,
};
use lensdiff::{Objective, value_and_grad};
use nalgebra::DVector;
use std::fmt::Write as _;

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

fn loop_points(x: &DVector<f64>, to_px: &dyn Fn(f64, f64) -> (f64, f64)) -> String {
    let m = x.len() / 2;
    let mut s = String::new();
    for i in (0..m).chain([0]) {
        let (u, v) = to_px(x[2 * i], x[2 * i + 1]);
        let _ = write!(s, "{u:.2},{v:.2} ");
    }
    s
}

fn orbit_svg(p: &Orbit, x0: &DVector<f64>, x: &DVector<f64>, title: &str) -> String {
    let size = 600.0;
    let (lo, hi) = (-1.6, 1.6);
    let to_px = |u: f64, v: f64| {
        (
            (u - lo) / (hi - lo) * size,
            size - (v - lo) / (hi - lo) * size,
        )
    };
    let px_per_unit = size / (hi - lo);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    for &(cx, cy) in Orbit::obstacles() {
        let (a, b) = to_px(cx, cy);
        // 10·exp(−r²/0.05) above 1 and above 5.
        for (level, colour) in [(1.0_f64, "#fde0d0"), (5.0, "#f4a582")] {
            let r = (0.05 * (10.0 / level).ln()).sqrt() * px_per_unit;
            let _ = writeln!(
                s,
                r#"<circle cx="{a:.2}" cy="{b:.2}" r="{r:.2}" fill="{colour}"/>"#
            );
        }
    }
    let n = x.len() - 1;
    let _ = writeln!(
        s,
        r#"<polyline points="{}" fill="none" stroke="gray" stroke-width="1.5" stroke-dasharray="5,4"/>"#,
        loop_points(&x0.rows(0, n).into_owned(), &to_px)
    );
    let _ = writeln!(
        s,
        r##"<polyline points="{}" fill="none" stroke="#2166ac" stroke-width="2.5"/>"##,
        loop_points(&x.rows(0, n).into_owned(), &to_px)
    );
    for (_, (u, v)) in p.waypoints() {
        let (a, b) = to_px(u, v);
        let _ = writeln!(s, r#"<circle cx="{a:.2}" cy="{b:.2}" r="5" fill="black"/>"#);
    }
    let _ = writeln!(
        s,
        r#"<text x="10" y="22" font-family="sans-serif" font-size="15">{title}</text>"#
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" font-family="sans-serif" font-size="12" fill="gray">dashed: initial loop; blue: optimised; dots: waypoints; shaded: obstacles</text>"##,
        size - 10.0
    );
    s.push_str("</svg>\n");
    s
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
    std::fs::write(&args.out, orbit_svg(&p, &x0, &r.x, &title))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", args.out)));
    println!("wrote {}", args.out);
}
