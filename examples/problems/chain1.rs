//! `chain1`: a non-convex chain with a tridiagonal Hessian (k = 1).
//!
//! `f(x) = Σᵢ [½(x[i+1] − x[i])² + 0.1 sin(x[i] x[i+1])]
//!       + Σᵢ [¼x[i]⁴ − ½x[i]² + 0.1 cos(3x[i])]`, `x0[i] = ½ sin(0.1 i)`.

use super::Problem;
use lensdiff::{Expr, Objective, Real, ScalarFn, ScalarFn2, c};
use nalgebra::DVector;

/// The `chain1` objective on `n` variables.
#[derive(Debug, Clone, Copy)]
pub struct Chain1 {
    n: usize,
}

impl Chain1 {
    /// `chain1` on `n` variables.
    pub fn new(n: usize) -> Self {
        Chain1 { n }
    }
}

impl Objective for Chain1 {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        // Fused primitives: one pass for the pair terms, one for the
        // elementwise terms (see benches/lens.rs for the unfused version).
        x.sum_adjacent_fn(Pair) + x.sum_map_fn(Site)
    }
}

/// `½(b − a)² + 0.1 sin(a b)`: the coupling of neighbours.
struct Pair;
impl ScalarFn2 for Pair {
    #[inline(always)]
    fn eval<T: Real>(&self, a: T, b: T) -> T {
        (b - a) * (b - a) * c(0.5) + (a * b).sin() * c(0.1)
    }
}

/// `¼t⁴ − ½t² + 0.1 cos(3t)`: the double well at each site.
struct Site;
impl ScalarFn for Site {
    #[inline(always)]
    fn eval<T: Real>(&self, t: T) -> T {
        t.powi(4) * c(0.25) - t * t * c(0.5) + (t * c(3.0)).cos() * c(0.1)
    }
}

impl Problem for Chain1 {
    fn name(&self) -> &'static str {
        "chain1"
    }
    fn n(&self) -> usize {
        self.n
    }
    fn x0(&self) -> DVector<f64> {
        DVector::from_fn(self.n, |i, _| 0.5 * (0.1 * i as f64).sin())
    }
    fn bandwidth(&self) -> usize {
        1
    }
}
