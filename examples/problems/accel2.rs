//! `accel2`: smoothed tracking with a pentadiagonal Hessian (k = 2).
//!
//! `f(x) = Σ ½(x[i+1] − 2x[i] + x[i−1])² + Σ ln(1 + x[i]²)
//!       + ½ Σ (x[i] − sin(0.01 i))²`, `x0[i] = ½ sin(0.1 i)`.

use super::Problem;
use lensdiff::{Expr, Objective, Real, ScalarFn};
use nalgebra::DVector;

/// The `accel2` objective on `n` variables.
#[derive(Debug, Clone)]
pub struct Accel2 {
    n: usize,
    target: DVector<f64>,
}

impl Accel2 {
    /// `accel2` on `n` variables.
    pub fn new(n: usize) -> Self {
        Accel2 {
            n,
            target: DVector::from_fn(n, |i, _| (0.01 * i as f64).sin()),
        }
    }
}

impl Objective for Accel2 {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let target = Expr::constant(self.target.map(S::from_f64));
        x.diff2().norm_squared() * 0.5
            + x.sum_map_fn(LogPenalty)
            + (x - target).norm_squared() * 0.5
    }
}

/// `ln(1 + t²)`.
struct LogPenalty;
impl ScalarFn for LogPenalty {
    #[inline(always)]
    fn eval<T: Real>(&self, t: T) -> T {
        (t * t).ln_1p()
    }
}

impl Problem for Accel2 {
    fn name(&self) -> &'static str {
        "accel2"
    }
    fn n(&self) -> usize {
        self.n
    }
    fn x0(&self) -> DVector<f64> {
        DVector::from_fn(self.n, |i, _| 0.5 * (0.1 * i as f64).sin())
    }
    fn bandwidth(&self) -> usize {
        2
    }
}
