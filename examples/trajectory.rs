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
//! gradient descent (`…-convergence.svg` beside it), drawn with
//! `plotters` (axes, ticks, labels, legends).

mod problems;

use crate::problems::{Problem, Robot2d};
use lensdiff::optim::{
    GradientDescent, GradientDescentOptions, Newton, NewtonOptions, OptimResult, Stopping,
};
use nalgebra::DVector;
use plot::{BLUE_PATH, PathPlot, RED_PATH, draw_legend, draw_paths, legend_line, points};
use plotters::prelude::*;
use std::error::Error;

#[path = "plot/mod.rs"]
mod plot;

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

/// The obstacle, the initial and the optimised path.
fn draw_path(
    x0: &DVector<f64>,
    x: &DVector<f64>,
    title: &str,
    out: &str,
) -> Result<(), Box<dyn Error>> {
    let plot = PathPlot {
        title,
        obstacles: &[CENTRE],
        initial: &points(x0.as_slice()),
        optimised: &points(x.as_slice()),
        markers: (&[(0.0, 0.0), (1.0, 1.0)], "start and goal"),
    };
    draw_paths(&plot, out)
}

/// `‖∇f‖∞` against the iteration, one panel per method (iteration 0 is
/// the start, drawn at 0).
fn draw_convergence(
    runs: &[(&str, RGBColor, &OptimResult)],
    out: &str,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(out, (1000, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let root = root.titled("robot2d: ‖∇f‖∞ per iteration", ("sans-serif", 20))?;
    let grads = runs
        .iter()
        .flat_map(|r| r.2.history.iter().map(|i| i.grad_inf))
        .filter(|g| *g > 0.0);
    let (lo, hi) = grads.fold((f64::INFINITY, 0.0f64), |(a, b), g| (a.min(g), b.max(g)));
    let yr = (10f64.powf(lo.log10().floor())..10f64.powf(hi.log10().ceil())).log_scale();
    let panels = root.split_evenly((1, runs.len()));
    for (area, (label, color, r)) in panels.iter().zip(runs) {
        let last = r.history.last().map_or(1, |i| i.iter.max(1));
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!("{label}: {} iterations", r.iterations),
                ("sans-serif", 16),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(65)
            .build_cartesian_2d(0..last, yr.clone())?;
        chart
            .configure_mesh()
            .x_desc("iteration")
            .y_desc("‖∇f‖∞")
            .y_label_formatter(&|v| format!("{v:.0e}"))
            .draw()?;
        chart
            .draw_series(LineSeries::new(
                r.history
                    .iter()
                    .filter(|i| i.grad_inf > 0.0)
                    .map(|i| (i.iter, i.grad_inf)),
                color.stroke_width(2),
            ))?
            .label(format!("{label}, final ‖∇f‖∞ {:.1e}", r.grad_inf))
            .legend(legend_line(*color));
        draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    }
    root.present()?;
    Ok(())
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
    draw_path(&p.x0(), &chosen.x, &title, &args.out)
        .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", out.display())));
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("trajectory");
    let conv = out.with_file_name(format!("{stem}-convergence.svg"));
    draw_convergence(
        &[
            ("Newton", BLUE_PATH, &newton),
            ("gradient descent", RED_PATH, &gd),
        ],
        &conv.to_string_lossy(),
    )
    .unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", conv.display())));
    println!("wrote {} and {}", out.display(), conv.display());
}
