//! `robot2d`: a 2-D path from (0,0) to (1,1) around a Gaussian obstacle.
//!
//! `m` points `p_i = (x[2i], x[2i+1])`, `n = 2m`:
//! `f(x) = Σ ½m² |p_{i+1} − 2p_i + p_{i−1}|² + Σ 10 exp(−|p_i − c|²/0.05)
//!       + 100 (|p_0|² + |p_{m−1} − (1,1)|²)`, `c = (½, ½)`.
//! The interleaved layout makes the half-bandwidth 4.

use super::Problem;
use lensdiff::{Expr, Objective, Real, ScalarFn2, c};
use nalgebra::DVector;

/// The `robot2d` objective on `m` points (`n = 2m` variables).
#[derive(Debug, Clone, Copy)]
pub struct Robot2d {
    m: usize,
}

impl Robot2d {
    /// `robot2d` with `m ≥ 2` points.
    pub fn new(m: usize) -> Self {
        Robot2d { m }
    }

    /// The number of points.
    pub fn points(&self) -> usize {
        self.m
    }
}

impl Objective for Robot2d {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let m = self.m as f64;
        // Second differences of x and y at once: stride 2 in the interleaved layout.
        let accel = x.linear_stencil("accel", &[1.0, 0.0, -2.0, 0.0, 1.0]);
        let obstacle = x.even().zip_map_fn(&x.odd(), Obstacle).sum();
        let start = x.slice(0, 2).norm_squared();
        let end = (x.trim(2 * self.m - 2, 0) - 1.0).norm_squared();
        accel.norm_squared() * (0.5 * m * m) + obstacle * 10.0 + (start + end) * 100.0
    }
}

/// `exp(−|p − c|² / 0.05)` for the point `p = (u, v)`, `c = (½, ½)`.
struct Obstacle;
impl ScalarFn2 for Obstacle {
    #[inline(always)]
    fn eval<T: Real>(&self, u: T, v: T) -> T {
        let (du, dv) = (u - c(0.5), v - c(0.5));
        ((du * du + dv * dv) * c(-1.0 / 0.05)).exp()
    }
}

impl Problem for Robot2d {
    fn name(&self) -> &'static str {
        "robot2d"
    }
    fn n(&self) -> usize {
        2 * self.m
    }
    fn x0(&self) -> DVector<f64> {
        let m = self.m;
        let mut x = DVector::zeros(2 * m);
        for i in 0..m {
            let t = if m > 1 {
                i as f64 / (m - 1) as f64
            } else {
                0.0
            };
            let s = 0.01 * (7.0 * t).sin();
            x[2 * i] = t + s;
            x[2 * i + 1] = t - s;
        }
        x
    }
    fn bandwidth(&self) -> usize {
        4
    }
}
