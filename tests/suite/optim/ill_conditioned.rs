//! Newton on a Hessian whose condition number (`~m⁴`) exceeds `1/ε`: the
//! banded Cholesky needs a shift far above the low modes' curvature, and
//! the step is refined by conjugate gradients on the objective's own
//! Hessian-vector products (`src/optim/refine.rs`).

use lensdiff::optim::{Newton, StopReason};
use lensdiff::{Expr, Objective, Real, c, grad};
use nalgebra::DVector;

/// A clamped beam about a known shape `a`: with `u = x − a`,
/// `f = ½ m² Σ (Δ²u)² + 50 (u₀² + u²_{m−1}) + (10⁻³/m) Σ (cosh u − 1)`.
/// Its minimiser is `x = a` with `f = 0` (independent of the solver). The
/// bending term's Hessian `m² D²ᵀD²` has entries up to `6m²`, so its
/// Cholesky factorisation rounds at `~ε·16m²` (3.5e-5 at `m = 10⁵`), far
/// above the `10⁻³/m` curvature of the smooth modes: the unshifted
/// factorisation fails, and the shifted step alone shrinks those modes'
/// error by only `τ/(λ + τ)` an iteration (before the refinement: 300
/// iterations, `MaxIterations` at `f = 1.9e-5`).
struct ClampedBeam {
    a: DVector<f64>,
}

impl ClampedBeam {
    fn new(m: usize) -> Self {
        let a = DVector::from_fn(m, |i, _| {
            let t = i as f64 / (m - 1) as f64;
            (3.0 * t).sin() + 0.5 * t * t
        });
        ClampedBeam { a }
    }
}

impl Objective for ClampedBeam {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let m = self.a.len() as f64;
        let u = x - Expr::constant(self.a.map(c::<S>));
        let ends = u.at(0).square() + u.last().square();
        u.diff2().square().sum() * (0.5 * m * m)
            + ends * 50.0
            + (u.map(|t| t.cosh()) - 1.0).sum() * (1e-3 / m)
    }
}

#[test]
fn newton_converges_quickly_where_the_cholesky_shift_swamps_the_low_modes() {
    let m = 100_000;
    let p = ClampedBeam::new(m);
    // A smooth error of the whole shape: mostly low modes.
    let x0 = DVector::from_fn(m, |i, _| {
        let t = i as f64 / (m - 1) as f64;
        p.a[i] + 0.3 * (std::f64::consts::PI * t).sin() + 0.2 * t
    });
    let r = Newton::default().minimize(&p, &x0, 2).unwrap();
    assert!(
        r.converged(),
        "{:?} after {} iterations",
        r.stop,
        r.iterations
    );
    // The Cholesky needed a shift (the point of the test), and the
    // refined steps still converge in few iterations.
    assert!(r.history.iter().any(|it| it.tau > 0.0));
    assert!(r.iterations <= 30, "{} iterations", r.iterations);
    // Independent checks: the known minimiser and a plain reverse-mode
    // gradient.
    let err = (&r.x - &p.a).amax();
    assert!(err < 1e-6, "max |x − a| = {err:e}");
    assert!(r.f < 1e-12, "f = {:e}", r.f);
    let g = grad(&p.lens::<f64>(), &r.x);
    assert!(g.amax() <= 1e-8 * r.grad0_inf.max(1.0) || r.stop == StopReason::RoundingFloor);
}
