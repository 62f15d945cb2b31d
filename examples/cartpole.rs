//! The cart-pole swing-up (`BENCH.md`, `cartpole`) by SQP on banded KKT
//! systems: trapezoidal collocation, the dynamics as equality constraints,
//! from the linear-interpolation start. With `--umax U` (`|u| ≤ U`) or
//! `--dmax D` (`|q1| ≤ D`), Kelly's bounded swing-up, solved by the
//! interior-point method on the same banded systems.
//!
//! ```sh
//! cargo run --release --example cartpole                  # N = 100
//! cargo run --release --example cartpole -- --segments 10000 --no-plots
//! cargo run --release --example cartpole -- --umax 10 --dmax 2
//! ```
//!
//! Prints the iteration table, then one JSON line (`segments`, `n`, `m`,
//! `iterations`, `objective`, `max_violation`, `solve_s`, `status`,
//! `solver`, `umax`, `dmax`, `active_nodes`: nodes with a bound within
//! `10⁻⁶` relative), and
//! writes `PREFIX-states.svg` (cart position and pole angle against time),
//! `PREFIX-control.svg` (the force) and `PREFIX-filmstrip.svg` (the
//! swing-up frame by frame); `--out PREFIX` (default `cartpole`),
//! `--no-plots`, `--quiet` (no table), `--globalization filter|l1` (the
//! line search's acceptance rule, default the filter).

mod problems;

use crate::problems::Cartpole;
use lensdiff::constrained::{Bounds, Globalization, Ipm, IpmOptions, Sqp, SqpOptions};
use nalgebra::DVector;
use plot::{Series, draw_legend, draw_lines, padded_range, tick};
use plotters::prelude::*;
use std::error::Error;

#[path = "plot/mod.rs"]
mod plot;

struct Args {
    segments: usize,
    out: String,
    plots: bool,
    quiet: bool,
    globalization: Globalization,
    umax: f64,
    dmax: f64,
}

/// A positive bound from the command line.
fn parse_bound(flag: &str, v: Option<String>) -> Result<f64, String> {
    let v = v.ok_or(format!("{flag} needs a value"))?;
    match v.parse::<f64>() {
        Ok(b) if b > 0.0 => Ok(b),
        _ => Err(format!("{flag}: not a positive number: {v}")),
    }
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        segments: 100,
        out: "cartpole".to_string(),
        plots: true,
        quiet: false,
        globalization: Globalization::Filter,
        umax: f64::INFINITY,
        dmax: f64::INFINITY,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--segments" => {
                let v = it.next().ok_or("--segments needs a value")?;
                a.segments = v
                    .parse()
                    .map_err(|_| format!("--segments: not a number: {v}"))?;
                if a.segments == 0 {
                    return Err("--segments must be at least 1".into());
                }
            }
            "--umax" => a.umax = parse_bound("--umax", it.next())?,
            "--dmax" => a.dmax = parse_bound("--dmax", it.next())?,
            "--out" => a.out = it.next().ok_or("--out needs a file prefix")?,
            "--no-plots" => a.plots = false,
            "--globalization" => {
                a.globalization = match it.next().as_deref() {
                    Some("filter") => Globalization::Filter,
                    Some("l1") => Globalization::L1Merit,
                    v => return Err(format!("--globalization filter|l1, got {v:?}")),
                }
            }
            "--quiet" => a.quiet = true,
            "-h" | "--help" => {
                return Err(
                    "usage: cartpole [--segments N] [--out PREFIX] [--no-plots] [--quiet] [--globalization filter|l1] [--umax U] [--dmax D]".into(),
                );
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(a)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = parse_args().map_err(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    })?;
    let p = Cartpole::new(args.segments);
    let bounded = args.umax.is_finite() || args.dmax.is_finite();
    // (x, iterations, f, violation, solve seconds, status, KKT size, band)
    let (x, iterations, f, violation, time_s, status, kkt_size, kkt_bandwidth) = if bounded {
        let opts = IpmOptions {
            verbose: !args.quiet,
            ..Default::default()
        };
        let bounds = p.bounds(args.umax, args.dmax);
        let r = Ipm::new(opts).minimize(
            &p,
            &p.constraints(),
            &bounds,
            &Bounds::zero(p.m()),
            &p.x0(),
        )?;
        (
            r.x,
            r.iterations,
            r.f,
            r.c_inf,
            r.time_s,
            r.status,
            r.kkt_size,
            r.kkt_bandwidth,
        )
    } else {
        let opts = SqpOptions {
            verbose: !args.quiet,
            globalization: args.globalization,
            ..Default::default()
        };
        let r = Sqp::new(opts).minimize(&p, &p.constraints(), &p.x0())?;
        (
            r.x,
            r.iterations,
            r.f,
            r.c_inf,
            r.time_s,
            r.status,
            r.kkt_size,
            r.kkt_bandwidth,
        )
    };
    let at_bound = |v: f64, b: f64| b.is_finite() && v.abs() >= b * (1.0 - 1e-6);
    let active_nodes = (0..=args.segments)
        .filter(|&k| at_bound(x[5 * k + 4], args.umax) || at_bound(x[5 * k], args.dmax))
        .count();
    let json_bound = |b: f64| {
        if b.is_finite() {
            format!("{b}")
        } else {
            "null".to_string()
        }
    };
    println!(
        "{{\"segments\": {}, \"n\": {}, \"m\": {}, \"iterations\": {}, \"objective\": {:.12}, \"max_violation\": {:.3e}, \"solve_s\": {:.4}, \"status\": \"{}\", \"kkt_size\": {}, \"kkt_bandwidth\": {}, \"solver\": \"{}\", \"umax\": {}, \"dmax\": {}, \"active_nodes\": {}}}",
        args.segments,
        p.n(),
        p.m(),
        iterations,
        f,
        violation,
        time_s,
        status.as_str(),
        kkt_size,
        kkt_bandwidth,
        if bounded { "ipm" } else { "sqp" },
        json_bound(args.umax),
        json_bound(args.dmax),
        active_nodes
    );
    if args.plots {
        let t = Trajectory::of(&p, &x);
        plot_states(&t, &format!("{}-states.svg", args.out))?;
        plot_control(&t, args.umax, &format!("{}-control.svg", args.out))?;
        plot_filmstrip(&t, &format!("{}-filmstrip.svg", args.out))?;
        eprintln!(
            "wrote {0}-states.svg, {0}-control.svg, {0}-filmstrip.svg",
            args.out
        );
    }
    Ok(())
}

/// The optimal trajectory node by node.
struct Trajectory {
    t: Vec<f64>,
    cart: Vec<f64>,
    angle: Vec<f64>,
    force: Vec<f64>,
    pole: f64,
}

impl Trajectory {
    fn of(p: &Cartpole, x: &DVector<f64>) -> Self {
        let z = x.as_slice();
        let nodes = p.segments() + 1;
        let h = p.h();
        Trajectory {
            t: (0..nodes).map(|k| k as f64 * h).collect(),
            cart: (0..nodes).map(|k| z[5 * k]).collect(),
            angle: (0..nodes).map(|k| z[5 * k + 1]).collect(),
            force: (0..nodes).map(|k| z[5 * k + 4]).collect(),
            pole: Cartpole::pole_length(),
        }
    }
}

fn plot_states(t: &Trajectory, path: &str) -> Result<(), Box<dyn Error>> {
    let along = |v: &[f64]| t.t.iter().copied().zip(v.iter().copied()).collect();
    draw_lines(
        path,
        "Cart-pole swing-up: states",
        ("time t (s)", "position (m) / angle (rad)"),
        &[
            (
                "cart position q1 (m)",
                RGBColor(31, 119, 180),
                along(&t.cart),
            ),
            (
                "pole angle q2 (rad, π = upright)",
                RGBColor(214, 39, 40),
                along(&t.angle),
            ),
        ],
        SeriesLabelPosition::UpperLeft,
    )
}

/// The force against time, with the bounds `±umax` when finite.
fn plot_control(t: &Trajectory, umax: f64, path: &str) -> Result<(), Box<dyn Error>> {
    let labels = [format!("bound u = {umax}"), format!("bound u = {}", -umax)];
    let pts = t.t.iter().copied().zip(t.force.iter().copied()).collect();
    let mut series: Vec<Series<'_>> = vec![("force on the cart u", RGBColor(44, 160, 44), pts)];
    if umax.is_finite() {
        let (t0, t1) = (t.t[0], t.t[t.t.len() - 1]);
        for (label, b) in labels.iter().zip([umax, -umax]) {
            series.push((
                label.as_str(),
                RGBColor(120, 120, 120),
                vec![(t0, b), (t1, b)],
            ));
        }
    }
    draw_lines(
        path,
        "Cart-pole swing-up: control",
        ("time t (s)", "force u (N)"),
        &series,
        SeriesLabelPosition::UpperRight,
    )
}

fn plot_filmstrip(t: &Trajectory, path: &str) -> Result<(), Box<dyn Error>> {
    let l = t.pole;
    let tip: Vec<(f64, f64)> = t
        .cart
        .iter()
        .zip(&t.angle)
        .map(|(&x, &q)| (x + l * q.sin(), -l * q.cos()))
        .collect();
    let xs: Vec<f64> = t
        .cart
        .iter()
        .copied()
        .chain(tip.iter().map(|p| p.0))
        .collect();
    let xr = padded_range(xs, 0.08);
    let (x0, x1, y0, y1) = (xr.start - 0.15, xr.end + 0.15, -0.7, 0.7);
    // To scale: the plot area's height over its width is the data's, so a
    // horizontal pole is as long on the page as a vertical one. The
    // margins are the label areas, the margin and the caption below.
    let width = 900u32;
    let area_w = f64::from(width - 60 - 2 * 15);
    let height = (area_w * (y1 - y0) / (x1 - x0)) as u32 + 45 + 2 * 15 + 35;
    let root = SVGBackend::new(path, (width, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption("Cart-pole swing-up: filmstrip", ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(x0..x1, y0..y1)?;
    chart
        .configure_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc("horizontal position (m)")
        .y_desc("height (m)")
        .draw()?;
    let frames = 12;
    let last = t.t.len() - 1;
    let shade = |f: usize| {
        let s = f as f64 / frames as f64;
        RGBColor(
            (200.0 - 170.0 * s) as u8,
            (200.0 - 120.0 * s) as u8,
            (230.0 - 50.0 * s) as u8,
        )
    };
    chart
        .draw_series(LineSeries::new(
            [(xr.start - 0.1, 0.0), (xr.end + 0.1, 0.0)],
            BLACK.mix(0.4),
        ))?
        .label("track")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.4)));
    chart
        .draw_series(LineSeries::new(tip.iter().copied(), RED.mix(0.5)))?
        .label("path of the pole tip")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED.mix(0.5)));
    // A pose close to the one drawn before only adds ink (the end of the
    // swing-up, at rest, would pile into a dark block): skip it, except
    // the last frame.
    let mut drawn: Option<(f64, f64)> = None;
    let mut count = 0;
    for f in 0..=frames {
        let k = f * last / frames;
        let c = shade(f);
        let (x, q) = (t.cart[k], t.angle[k]);
        let near = drawn.is_some_and(|(px, pq)| (x - px).abs() < 0.05 && (q - pq).abs() < 0.1);
        if near && f < frames {
            continue;
        }
        drawn = Some((x, q));
        count += 1;
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.08, -0.04), (x + 0.08, 0.04)],
            c.filled(),
        )))?;
        chart.draw_series(LineSeries::new(
            [(x, 0.0), (x + l * q.sin(), -l * q.cos())],
            c.stroke_width(3),
        ))?;
    }
    let (c0, c1) = (shade(0), shade(frames));
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label(format!(
            "cart and pole, {count} frames, t = 0 (light) … T (dark)"
        ))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], c0.mix(0.5).filled()));
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label("final frame: pole upright at the goal")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], c1.filled()));
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}
