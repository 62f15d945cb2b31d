//! Plots shared by the examples (drawn with `plotters`' SVG backend):
//! paths in the plane with shaded obstacles, and line charts.

// Each example uses a part of this module.
#![allow(dead_code)]

use plotters::prelude::*;
use std::error::Error;

/// Blue of the optimised paths.
pub const BLUE_PATH: RGBColor = RGBColor(33, 102, 172);
/// Red of the second series.
pub const RED_PATH: RGBColor = RGBColor(178, 24, 43);

/// A legend entry: a short line in `color`.
pub fn legend_line(color: RGBColor) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
}

/// A tick label on a linear axis: at most three decimals, no trailing
/// zeros, and never "-0".
pub fn tick(v: &f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
    }
}

/// `lo..hi` of `v`, padded by `pad` of its width on both sides.
pub fn padded_range(v: impl IntoIterator<Item = f64>, pad: f64) -> std::ops::Range<f64> {
    let (lo, hi) = v
        .into_iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    let m = pad * (hi - lo).max(1e-9);
    lo - m..hi + m
}

/// What a path plot shows.
pub struct PathPlot<'a> {
    /// Title above the chart.
    pub title: &'a str,
    /// Obstacle centres: shaded where `10 exp(−r²/0.05)` exceeds 1 and 5.
    pub obstacles: &'a [(f64, f64)],
    /// The initial path (dashed gray).
    pub initial: &'a [(f64, f64)],
    /// The optimised path (blue).
    pub optimised: &'a [(f64, f64)],
    /// Marked points (start and goal, waypoints) and their legend label.
    pub markers: (&'a [(f64, f64)], &'a str),
}

/// Draws a [`PathPlot`] with equal axes into the SVG file `path`.
pub fn draw_paths(plot: &PathPlot<'_>, path: &str) -> Result<(), Box<dyn Error>> {
    // The radius where 10 exp(−r²/0.05) = level.
    let radius = |level: f64| (0.05 * (10.0 / level).ln()).sqrt();
    let r1 = radius(1.0);
    let xs = plot.initial.iter().chain(plot.optimised).map(|p| p.0);
    let ys = plot.initial.iter().chain(plot.optimised).map(|p| p.1);
    let ox = plot.obstacles.iter().flat_map(|c| [c.0 - r1, c.0 + r1]);
    let oy = plot.obstacles.iter().flat_map(|c| [c.1 - r1, c.1 + r1]);
    let xr = padded_range(xs.chain(ox), 0.06);
    let yr = padded_range(ys.chain(oy), 0.06);
    // Equal scales: both axes span the larger width.
    let w = (xr.end - xr.start).max(yr.end - yr.start);
    let (cx, cy) = ((xr.start + xr.end) / 2.0, (yr.start + yr.end) / 2.0);
    let root = SVGBackend::new(path, (700, 700)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(plot.title, ("sans-serif", 18))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(cx - w / 2.0..cx + w / 2.0, cy - w / 2.0..cy + w / 2.0)?;
    chart
        .configure_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc("x")
        .y_desc("y")
        .draw()?;
    let shades = [
        (1.0, RGBColor(253, 224, 208), "obstacle cost above 1"),
        (5.0, RGBColor(244, 165, 130), "obstacle cost above 5"),
    ];
    for (level, color, label) in shades {
        let r = radius(level);
        let discs = plot.obstacles.iter().map(move |&(ox, oy)| {
            let pts: Vec<(f64, f64)> = (0..=72)
                .map(|k| {
                    let a = std::f64::consts::TAU * k as f64 / 72.0;
                    (ox + r * a.cos(), oy + r * a.sin())
                })
                .collect();
            Polygon::new(pts, color.filled())
        });
        chart
            .draw_series(discs)?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 20, y + 5)], color.filled()));
    }
    chart
        .draw_series(DashedLineSeries::new(
            plot.initial.iter().copied(),
            6,
            4,
            RGBColor(120, 120, 120).stroke_width(2),
        ))?
        .label("initial")
        .legend(legend_line(RGBColor(120, 120, 120)));
    chart
        .draw_series(LineSeries::new(
            plot.optimised.iter().copied(),
            BLUE_PATH.stroke_width(3),
        ))?
        .label("optimised")
        .legend(legend_line(BLUE_PATH));
    chart
        .draw_series(
            plot.markers
                .0
                .iter()
                .map(|&p| Circle::new(p, 5, BLACK.filled())),
        )?
        .label(plot.markers.1)
        .legend(|(x, y)| Circle::new((x + 10, y), 4, BLACK.filled()));
    draw_legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present()?;
    Ok(())
}

/// The legend box of a chart, at `pos`.
pub fn draw_legend<'a, DB, CT>(
    chart: &mut ChartContext<'a, DB, CT>,
    pos: SeriesLabelPosition,
) -> Result<(), Box<dyn Error>>
where
    DB: DrawingBackend + 'a,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    chart
        .configure_series_labels()
        .position(pos)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()?;
    Ok(())
}

/// One series of a line chart: legend label, colour, points.
pub type Series<'a> = (&'a str, RGBColor, Vec<(f64, f64)>);

/// A line chart of `series` with axis labels `(x_desc, y_desc)` and the
/// legend at `pos`, into the SVG file `path`.
pub fn draw_lines(
    path: &str,
    title: &str,
    (x_desc, y_desc): (&str, &str),
    series: &[Series<'_>],
    pos: SeriesLabelPosition,
) -> Result<(), Box<dyn Error>> {
    let root = SVGBackend::new(path, (800, 480)).into_drawing_area();
    root.fill(&WHITE)?;
    let all = series.iter().flat_map(|s| s.2.iter());
    let xr = padded_range(all.clone().map(|p| p.0), 0.0);
    let yr = padded_range(all.map(|p| p.1), 0.05);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d(xr, yr)?;
    chart
        .configure_mesh()
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .draw()?;
    for (label, color, pts) in series {
        chart
            .draw_series(LineSeries::new(pts.iter().copied(), color.stroke_width(2)))?
            .label(*label)
            .legend(legend_line(*color));
    }
    draw_legend(&mut chart, pos)?;
    root.present()?;
    Ok(())
}

/// The points of an interleaved vector `(x₀, y₀, x₁, y₁, …)`.
pub fn points(v: &[f64]) -> Vec<(f64, f64)> {
    v.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}
