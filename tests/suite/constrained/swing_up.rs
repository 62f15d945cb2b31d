//! A pendulum swing-up by trapezoidal collocation, solved with the default
//! tolerances at growing `N`: the controls, simulated by an integrator of
//! higher order, must land on the goal with the collocation's `O(h²)`
//! error. A stop that lets the defects add up along the trajectory (each
//! within an absolute tolerance, their sum not) makes the answer worse as
//! `N` grows instead.

use lensdiff::constrained::{Bounds, Ipm, Sqp, SqpStatus};
use lensdiff::{Expr, Objective, Real, ScalarFn};
use nalgebra::DVector;
use std::f64::consts::PI;

/// Final time.
const T: f64 = 4.0;

/// `θ'' = u − sin θ` from rest at `θ = 0` to rest at `θ = π`, minimising
/// `∫ u²` (trapezoid). Nodes `k = 0..=N` interleave `(θ_k, ω_k, u_k)`.
struct SwingUp {
    segments: usize,
}

impl SwingUp {
    fn h(&self) -> f64 {
        T / self.segments as f64
    }
    fn n(&self) -> usize {
        3 * (self.segments + 1)
    }
    /// Zero controls, `θ` linear from 0 to π, at rest: `∇f(x0) = 0`.
    fn x0(&self) -> DVector<f64> {
        let n = self.segments;
        let mut z = DVector::zeros(self.n());
        for k in 0..=n {
            z[3 * k] = PI * k as f64 / n as f64;
        }
        z
    }
}

impl Objective for SwingUp {
    fn build<S: Real>(&self, z: Expr<S>) -> Expr<S> {
        let u = z.stride(2, 3);
        (u.trim(0, 1).norm_squared() + u.trim(1, 0).norm_squared()) * (self.h() / 2.0)
    }
}

struct Sin;
impl ScalarFn for Sin {
    fn eval<T: Real>(&self, x: T) -> T {
        x.sin()
    }
}

/// The `2N` defects, node by node, then `θ_0, ω_0` and `θ_N − π, ω_N`.
struct Dynamics {
    segments: usize,
}

impl Objective for Dynamics {
    fn build<S: Real>(&self, z: Expr<S>) -> Expr<S> {
        let n = self.segments;
        let h = T / n as f64;
        let (th, om, u) = (z.stride(0, 3), z.stride(1, 3), z.stride(2, 3));
        let acc = u - th.map_fn(Sin);
        let trapezoid = |e: &Expr<S>| e.linear_stencil("trapezoid", &[h / 2.0, h / 2.0]);
        let d_th = th.diff() - trapezoid(&om);
        let d_om = om.diff() - trapezoid(&acc);
        let goal = DVector::from_vec(vec![S::from_f64(PI), S::zero()]);
        d_th.interleave(&d_om)
            .concat(&z.slice(0, 2))
            .concat(&(z.slice(3 * n, 2) - Expr::constant(goal)))
    }
}

/// The controls of `z` (linear between nodes, as the trapezoid assumes)
/// integrated by classical Runge–Kutta, four steps per segment (error
/// `O(h⁴)`, far below the collocation's), from rest at 0: the distance of
/// the final state from `(π, 0)`.
fn simulated_miss(segments: usize, z: &DVector<f64>) -> f64 {
    let h = T / segments as f64;
    let sub = 4;
    let dt = h / sub as f64;
    let rhs = |s: [f64; 2], u: f64| [s[1], u - s[0].sin()];
    let mut s = [0.0f64, 0.0];
    for k in 0..segments {
        let (u0, u1) = (z[3 * k + 2], z[3 * k + 5]);
        let u_at = |t: f64| u0 + (u1 - u0) * t / h;
        for j in 0..sub {
            let t = j as f64 * dt;
            let add = |s: [f64; 2], d: [f64; 2], a: f64| [s[0] + a * d[0], s[1] + a * d[1]];
            let k1 = rhs(s, u_at(t));
            let k2 = rhs(add(s, k1, dt / 2.0), u_at(t + dt / 2.0));
            let k3 = rhs(add(s, k2, dt / 2.0), u_at(t + dt / 2.0));
            let k4 = rhs(add(s, k3, dt), u_at(t + dt));
            for i in 0..2 {
                s[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
            }
        }
    }
    (s[0] - PI).hypot(s[1])
}

/// The simulated miss of the default solve at `N` segments, for both
/// solvers (which must agree).
fn default_miss(segments: usize) -> f64 {
    let p = SwingUp { segments };
    let c = Dynamics { segments };
    let sqp = Sqp::default().minimize(&p, &c, &p.x0()).unwrap();
    let rows = Bounds::zero(2 * segments + 4);
    let ipm = Ipm::default()
        .minimize(&p, &c, &Bounds::free(p.n()), &rows, &p.x0())
        .unwrap();
    assert_eq!(
        (sqp.status, ipm.status),
        (SqpStatus::Converged, SqpStatus::Converged)
    );
    // Solved to the rounding level, not to the residual tolerances.
    assert!(sqp.forward_error <= 1e-12, "{:e}", sqp.forward_error);
    assert!(ipm.forward_error <= 1e-12, "{:e}", ipm.forward_error);
    assert!((&sqp.x - &ipm.x).amax() <= 1e-10);
    simulated_miss(segments, &sqp.x)
}

#[test]
fn the_default_answer_improves_as_h_squared() {
    // Measured before the forward-error stop: N = 10⁵ missed by 1.2e-8,
    // only 4.4× less than N = 10⁴ (the solver's own error, ~1e-8 at every
    // N, dominated); with it, 4.3e-6, 4.3e-8, 4.3e-10.
    let misses: Vec<f64> = [1000, 10_000, 100_000]
        .iter()
        .map(|&n| default_miss(n))
        .collect();
    for w in misses.windows(2) {
        let ratio = w[0] / w[1];
        assert!(
            (80.0..125.0).contains(&ratio),
            "misses {misses:?}: ×10 segments gave ×{ratio:.1} less, not ×100"
        );
    }
}

/// The objective of the swing-up with `|u| ≤ umax` at `N` segments, by
/// the interior-point method with its defaults; the bound must be active
/// at some nodes and hold at every node.
fn bounded_objective(segments: usize, umax: f64) -> f64 {
    let p = SwingUp { segments };
    let c = Dynamics { segments };
    let inf = f64::INFINITY;
    let b = Bounds::free(p.n()).per_stage(0, 3, &[-inf, -inf, -umax], &[inf, inf, umax]);
    let r = Ipm::default()
        .minimize(&p, &c, &b, &Bounds::zero(2 * segments + 4), &p.x0())
        .unwrap();
    assert_eq!(r.status, SqpStatus::Converged);
    let u = (0..=segments).map(|k| r.x[3 * k + 2].abs());
    assert!(u.clone().all(|v| v <= umax));
    assert!(u.filter(|&v| v > umax - 1e-6).count() > segments / 10);
    r.f
}

#[test]
fn the_bounded_answer_converges_as_h_squared() {
    // |u| ≤ 1.08, 0.8× the unbounded optimum's largest |u| (1.349): the
    // bound is active on about half the nodes. The discretisation error in
    // f falls as h², so f(10³) − f(10⁴) ≈ 100 (f(10⁴) − f(10⁵)); measured
    // ×100.0. Before the complementarity test and μ's floor scaled with
    // the multipliers (z ∝ h here), the barrier left the active controls
    // μ/z inside the bound, more than 1e-6 already at N = 10³ (this test
    // failed there), and that bias grows with N (the bounded cart-pole's
    // f at 10⁵ came out above its f at 10⁴).
    let f: Vec<f64> = [1000, 10_000, 100_000]
        .iter()
        .map(|&n| bounded_objective(n, 1.08))
        .collect();
    let ratio = (f[0] - f[1]) / (f[1] - f[2]);
    assert!(
        (80.0..125.0).contains(&ratio),
        "f {f:?}: differences ×{ratio:.1}, not ×100"
    );
}
