//! The main job: a 2-D path from (0, 0) to (1, 1) around an obstacle,
//! optimised by Newton's method with banded Hessians.
//!
//! ```text
//! cargo run --release --example trajectory -- [--points M] [--method newton|gd]
//!                                             [--out FILE.svg] [--gd-iters N]
//! ```
//!
//! Prints the iteration table and the final figures, and writes two SVG
//! pictures: the obstacle with the initial and the optimised path (`--out`,
//! default `trajectory.svg`), and `‖∇f‖∞` against iterations for Newton and
//! gradient descent (`…-convergence.svg` beside it). The SVG is written by
//! hand (a few polylines and circles), so the example needs no plotting
//! crate.

use lensdiff::optim::{
    GradientDescent, GradientDescentOptions, Newton, NewtonOptions, OptimResult, Stopping,
};
use lensdiff::problems::{Problem, Robot2d};
use nalgebra::DVector;
use std::fmt::Write as _;

struct Args {
    points: usize,
    method: String,
    out: String,
    gd_iters: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        points: 1000,
        method: "newton".into(),
        out: "trajectory.svg".into(),
        gd_iters: 5000,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--points" => a.points = value()?.parse().map_err(|e| format!("--points: {e}"))?,
            "--method" => a.method = value()?,
            "--out" => a.out = value()?,
            "--gd-iters" => a.gd_iters = value()?.parse().map_err(|e| format!("--gd-iters: {e}"))?,
            "-h" | "--help" => {
                return Err("usage: trajectory [--points M] [--method newton|gd] [--out FILE.svg] [--gd-iters N]".into())
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if a.points < 3 {
        return Err(format!("--points must be at least 3, got {}", a.points));
    }
    if a.method != "newton" && a.method != "gd" {
        return Err(format!("--method must be newton or gd, got {:?}", a.method));
    }
    Ok(a)
}

const CENTRE: (f64, f64) = (0.5, 0.5);

fn solve_newton(p: &Robot2d, verbose: bool) -> OptimResult {
    let opts = NewtonOptions {
        verbose,
        ..Default::default()
    };
    Newton::new(opts)
        .minimize(p, &p.x0(), p.bandwidth())
        .unwrap_or_else(|e| fail(&format!("Newton failed: {e}")))
}

fn solve_gd(p: &Robot2d, iters: usize, verbose: bool) -> OptimResult {
    let opts = GradientDescentOptions {
        stopping: Stopping {
            max_iters: iters,
            stall_iters: 0,
            ..Stopping::default()
        },
        verbose,
        print_every: (iters / 10).max(1),
    };
    GradientDescent::new(opts)
        .minimize(p, &p.x0())
        .unwrap_or_else(|e| fail(&format!("gradient descent failed: {e}")))
}

fn fail(msg: &str) -> ! {
    eprintln!("{msg}");
    std::process::exit(1)
}

/// Smallest distance from a point of the path to the obstacle's centre.
fn clearance(x: &DVector<f64>) -> f64 {
    (0..x.len() / 2)
        .map(|i| ((x[2 * i] - CENTRE.0).powi(2) + (x[2 * i + 1] - CENTRE.1).powi(2)).sqrt())
        .fold(f64::INFINITY, f64::min)
}

fn polyline(x: &DVector<f64>, to_px: &dyn Fn(f64, f64) -> (f64, f64)) -> String {
    let mut s = String::new();
    for i in 0..x.len() / 2 {
        let (u, v) = to_px(x[2 * i], x[2 * i + 1]);
        let _ = write!(s, "{u:.2},{v:.2} ");
    }
    s
}

fn path_svg(x0: &DVector<f64>, x: &DVector<f64>, title: &str) -> String {
    let size = 600.0;
    // Frame everything: both paths and the obstacle's shaded disc.
    let coords = x0.iter().chain(x.iter()).copied();
    let (mut lo, mut hi) = coords.fold((0.0_f64, 1.0_f64), |(a, b), v| (a.min(v), b.max(v)));
    lo = lo.min(CENTRE.0 - 0.35);
    hi = hi.max(CENTRE.0 + 0.35);
    let pad = 0.08 * (hi - lo);
    let (lo, hi) = (lo - pad, hi + pad);
    let to_px = |u: f64, v: f64| {
        (
            (u - lo) / (hi - lo) * size,
            size - (v - lo) / (hi - lo) * size,
        )
    };
    let (cx, cy) = to_px(CENTRE.0, CENTRE.1);
    let px_per_unit = size / (hi - lo);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    // The obstacle 10·exp(−r²/0.05): shade the radii where it exceeds 1 and 5.
    for (level, colour) in [(1.0_f64, "#fde0d0"), (5.0, "#f4a582")] {
        let r = (0.05 * (10.0 / level).ln()).sqrt() * px_per_unit;
        let _ = writeln!(
            s,
            r#"<circle cx="{cx:.2}" cy="{cy:.2}" r="{r:.2}" fill="{colour}"/>"#
        );
    }
    let _ = writeln!(
        s,
        r#"<polyline points="{}" fill="none" stroke="gray" stroke-width="1.5" stroke-dasharray="5,4"/>"#,
        polyline(x0, &to_px)
    );
    let _ = writeln!(
        s,
        r##"<polyline points="{}" fill="none" stroke="#2166ac" stroke-width="2.5"/>"##,
        polyline(x, &to_px)
    );
    for (u, v) in [(0.0, 0.0), (1.0, 1.0)] {
        let (a, b) = to_px(u, v);
        let _ = writeln!(s, r#"<circle cx="{a:.2}" cy="{b:.2}" r="5" fill="black"/>"#);
    }
    let _ = writeln!(
        s,
        r#"<text x="10" y="22" font-family="sans-serif" font-size="15">{title}</text>"#
    );
    let _ = writeln!(
        s,
        r##"<text x="10" y="{}" font-family="sans-serif" font-size="12" fill="gray">dashed: initial path; blue: optimised; shaded: obstacle</text>"##,
        size - 10.0
    );
    s.push_str("</svg>\n");
    s
}

fn convergence_svg(runs: &[(&str, &str, &OptimResult)]) -> String {
    let (w, h, m) = (700.0, 500.0, 60.0);
    let plot_bottom = h - 110.0;
    let max_iter = runs
        .iter()
        .map(|r| r.2.history.len())
        .max()
        .unwrap_or(1)
        .max(2) as f64;
    let all: Vec<f64> = runs
        .iter()
        .flat_map(|r| r.2.history.iter().map(|i| i.grad_inf))
        .filter(|g| *g > 0.0)
        .collect();
    let ymax = all.iter().copied().fold(1e-300, f64::max).log10().ceil();
    let ymin = all.iter().copied().fold(1e300, f64::min).log10().floor();
    let span = (ymax - ymin).max(1.0);
    // Iterations on a log axis too: Newton's few iterations stay visible
    // next to gradient descent's thousands.
    let xlog = |i: f64| (i + 1.0).log10() / (max_iter + 1.0).log10();
    let to_px = |i: f64, g: f64| {
        (
            m + xlog(i) * (w - 2.0 * m),
            plot_bottom - (g.log10() - ymin) / span * (plot_bottom - m),
        )
    };
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<rect x="{m}" y="{m}" width="{}" height="{}" fill="none" stroke="black"/>"#,
        w - 2.0 * m,
        plot_bottom - m
    );
    let mut e = ymin;
    while e <= ymax {
        let (_, y) = to_px(0.0, 10f64.powf(e));
        let _ = writeln!(
            s,
            r##"<line x1="{m}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#ddd"/><text x="5" y="{:.1}" font-family="sans-serif" font-size="11">1e{e}</text>"##,
            w - m,
            y + 4.0
        );
        e += (span / 8.0).ceil().max(1.0);
    }
    let _ = writeln!(
        s,
        r#"<text x="{m}" y="40" font-family="sans-serif" font-size="14">robot2d: |grad f|inf per iteration</text>"#
    );
    let mut tick = 1.0;
    while tick <= max_iter {
        let (x, _) = to_px(tick - 1.0, 1.0);
        let _ = writeln!(
            s,
            r#"<text x="{x:.1}" y="{}" font-family="sans-serif" font-size="11" text-anchor="middle">{tick}</text>"#,
            plot_bottom + 16.0
        );
        tick *= 10.0;
    }
    for (k, (label, colour, r)) in runs.iter().enumerate() {
        let mut pts = String::new();
        for it in &r.history {
            if it.grad_inf > 0.0 {
                let (x, y) = to_px(it.iter as f64, it.grad_inf);
                let _ = write!(pts, "{x:.1},{y:.1} ");
            }
        }
        let _ = writeln!(
            s,
            r#"<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>"#
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" font-family="sans-serif" font-size="13" fill="{colour}">{label}: {} iterations, |grad|inf {:.1e}</text>"#,
            m + 10.0,
            plot_bottom + 62.0 + 18.0 * k as f64,
            r.iterations,
            r.grad_inf
        );
    }
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" font-family="sans-serif" font-size="12" text-anchor="middle">iteration (log scale); vertical: |grad f|inf (log scale)</text>"#,
        w / 2.0,
        plot_bottom + 36.0
    );
    s.push_str("</svg>\n");
    s
}

fn report(label: &str, p: &Robot2d, r: &OptimResult) {
    println!(
        "{label}: {:?} after {} iterations in {:.3} s: f = {:.10e}, |grad|inf = {:.3e} (start {:.3e}), \
         {} f evals, {} gradients, {} Hessian-vector products, clearance from obstacle centre {:.4}",
        r.stop,
        r.iterations,
        r.time_s,
        r.f,
        r.grad_inf,
        r.grad0_inf,
        r.f_evals,
        r.grad_evals,
        r.hvps,
        clearance(&r.x)
    );
    let n = p.n();
    println!(
        "  endpoints: ({:.2e}, {:.2e}) and ({:.6}, {:.6})",
        r.x[0],
        r.x[1],
        r.x[n - 2],
        r.x[n - 1]
    );
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| fail(&e));
    let p = Robot2d::new(args.points);
    println!(
        "robot2d: {} points (n = {}), half-bandwidth {}, obstacle at (0.5, 0.5)",
        args.points,
        p.n(),
        p.bandwidth()
    );
    let newton = solve_newton(&p, args.method == "newton");
    report("Newton", &p, &newton);
    let gd = solve_gd(&p, args.gd_iters, args.method == "gd");
    report("Gradient descent", &p, &gd);
    let chosen = if args.method == "newton" {
        &newton
    } else {
        &gd
    };
    let title = format!(
        "robot2d, {} points: {} ({} iterations)",
        args.points,
        if args.method == "newton" {
            "Newton, banded Hessian"
        } else {
            "gradient descent"
        },
        chosen.iterations
    );
    let out = std::path::Path::new(&args.out);
    std::fs::write(out, path_svg(&p.x0(), &chosen.x, &title))
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("trajectory");
    let conv = out.with_file_name(format!("{stem}-convergence.svg"));
    std::fs::write(
        &conv,
        convergence_svg(&[
            ("Newton", "#2166ac", &newton),
            ("gradient descent", "#b2182b", &gd),
        ]),
    )
    .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", conv.display())));
    println!("wrote {} and {}", out.display(), conv.display());
}
