//! `orbit`: a closed patrol loop with a free lap time, a Hessian that is
//! sparse but not banded.
//!
//! `m` points `p_i = (x[2i], x[2i+1])` traversed in order and back to the
//! first, in the lap time `T = exp(x[2m])` (so `n = 2m + 1`; the
//! exponential keeps `T` positive), with `dt = T/m`:
//!
//! `f(x) = T + (m³/T³) Σ_i |p_{i+1} − 2p_i + p_{i−1}|²  (indices mod m)
//!       + (T/m) Σ_i Σ_c 10 exp(−|p_i − c|²/0.05)
//!       + 100 Σ_w |p_{i_w} − w|²`
//!
//! The first sum is `∫|p̈|² dt` of the periodic path, the second the time
//! spent near two obstacles `c = ±(0.7, 0.7)`, the third pins the points
//! `i_w = 0, m/4, m/2, 3m/4` to the waypoints `(1, 0), (0, 1), (−1, 0),
//! (0, −1)`. Quick laps cost energy, slow ones time; the optimum balances
//! them. The wrap-around couples the last points to the first, and `T`
//! couples to every point: a band of half-width 4, two corner blocks and a
//! dense last row.

use super::Problem;
use lensdiff::{Expr, Objective, Real, ScalarFn2, c};
use nalgebra::DVector;

/// The obstacle centres.
const OBSTACLES: [(f64, f64); 2] = [(0.7, 0.7), (-0.7, -0.7)];
/// The waypoints, visited at `0, m/4, m/2, 3m/4`.
const WAYPOINTS: [(f64, f64); 4] = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)];

/// The `orbit` objective on `m ≥ 4` points (`n = 2m + 1` variables).
#[derive(Debug, Clone, Copy)]
pub struct Orbit {
    m: usize,
}

impl Orbit {
    /// `orbit` with `m` points; panics if `m < 4` (four waypoints).
    pub fn new(m: usize) -> Self {
        assert!(m >= 4, "Orbit::new: needs at least 4 points, got {m}");
        Orbit { m }
    }

    /// The number of points.
    pub fn points(&self) -> usize {
        self.m
    }

    /// The obstacle centres (radius of influence `√0.05`).
    pub fn obstacles() -> &'static [(f64, f64)] {
        &OBSTACLES
    }

    /// The waypoints with the index of the point pinned to each.
    pub fn waypoints(&self) -> Vec<(usize, (f64, f64))> {
        WAYPOINTS
            .iter()
            .enumerate()
            .map(|(k, &w)| (k * self.m / 4, w))
            .collect()
    }
}

impl Objective for Orbit {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let m = self.m;
        let lap = x.last().exp();
        let pts = x.trim(0, 1);
        // The periodic path: the last point before the first, the first
        // after the last; then second differences of x and y at stride 2.
        let wrapped = pts.trim(2 * m - 2, 0).concat(&pts).concat(&pts.slice(0, 2));
        let accel = wrapped.linear_stencil("accel", &[1.0, 0.0, -2.0, 0.0, 1.0]);
        let energy = accel.norm_squared() * lap.powi(-3) * ((m as f64).powi(3));
        let (u, v) = (pts.even(), pts.odd());
        let exposure = u.zip_map_fn(&v, Obstacles).sum() * lap.clone() * (10.0 / m as f64);
        let pins = self
            .waypoints()
            .into_iter()
            .map(|(i, (wx, wy))| (pts.at(2 * i) - wx).square() + (pts.at(2 * i + 1) - wy).square())
            .reduce(|a, b| a + b)
            .expect("four waypoints");
        lap + energy + exposure + pins * 100.0
    }
}

/// `Σ_c exp(−|p − c|² / 0.05)` for the point `p = (u, v)`.
struct Obstacles;
impl ScalarFn2 for Obstacles {
    #[inline(always)]
    fn eval<T: Real>(&self, u: T, v: T) -> T {
        let mut total = T::zero();
        for &(cx, cy) in &OBSTACLES {
            let (du, dv) = (u - c(cx), v - c(cy));
            total += ((du * du + dv * dv) * c(-1.0 / 0.05)).exp();
        }
        total
    }
}

impl Problem for Orbit {
    fn name(&self) -> &'static str {
        "orbit"
    }
    fn n(&self) -> usize {
        2 * self.m + 1
    }
    /// An ellipse beside the obstacles, lap time 1.
    fn x0(&self) -> DVector<f64> {
        let m = self.m;
        let mut x = DVector::zeros(2 * m + 1);
        for i in 0..m {
            let t = std::f64::consts::TAU * i as f64 / m as f64;
            x[2 * i] = 1.2 * t.cos();
            x[2 * i + 1] = 0.9 * t.sin();
        }
        x[2 * m] = 0.0;
        x
    }
    /// `n − 1`: the lap time couples to every point (not banded).
    fn bandwidth(&self) -> usize {
        2 * self.m
    }
}
