//! `accel2`: smoothed tracking with a pentadiagonal Hessian (k = 2).
//!
//! `f(x) = Σ ½(x[i+1] − 2x[i] + x[i−1])² + Σ ln(1 + x[i]²)
//!       + ½ Σ (x[i] − sin(0.01 i))²`, `x0[i] = ½ sin(0.1 i)`.

use super::Problem;
use crate::{Expr, Objective, Real, ScalarFn};
use nalgebra::DVector;

/// The `accel2` objective on `n` variables.
///
/// ```
/// use lensdiff::problems::{Accel2, Problem};
/// use lensdiff::Objective;
/// let p = Accel2::new(4);
/// let x = p.x0();
/// let f = p.lens::<f64>().eval(&x);
/// let by_hand: f64 = (1..3).map(|i| 0.5 * (x[i + 1] - 2.0 * x[i] + x[i - 1]).powi(2)).sum::<f64>()
///     + x.iter().map(|t| (1.0 + t * t).ln()).sum::<f64>()
///     + (0..4).map(|i| 0.5 * (x[i] - (0.01 * i as f64).sin()).powi(2)).sum::<f64>();
/// assert!((f - by_hand).abs() < 1e-14);
/// ```
#[derive(Debug, Clone)]
pub struct Accel2 {
    n: usize,
    target: DVector<f64>,
}

impl Accel2 {
    /// `accel2` on `n` variables.
    ///
    /// ```
    /// use lensdiff::problems::{Accel2, Problem};
    /// assert_eq!(Accel2::new(5).n(), 5);
    /// ```
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
