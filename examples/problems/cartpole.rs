//! `cartpole`: the cart-pole swing-up by trapezoidal collocation, a
//! problem with equality constraints (`BENCH.md`, after Kelly, *An
//! Introduction to Trajectory Optimization*, SIAM Review 2017, §6).
//!
//! `N` segments of length `h = T/N`, nodes `k = 0..=N`, state
//! `s = (q1, q2, q1', q2')` (cart position, pole angle, their rates) and
//! control `u`, interleaved per node: `z = (q1_0, q2_0, q1'_0, q2'_0, u_0,
//! q1_1, …)`, `n = 5 (N + 1)`.
//!
//! ```text
//! minimise   Σ_{k<N} (h/2) (u_k² + u_{k+1}²)
//! subject to s_{k+1} − s_k − (h/2) (f(s_k, u_k) + f(s_{k+1}, u_{k+1})) = 0   (4N defects)
//!            s_0 = (0, 0, 0, 0),   s_N = (d, π, 0, 0)                       (8 boundary rows)
//! ```
//!
//! with `f(s, u) = (q1', q2', q1'', q2'')` the cart-pole dynamics. The
//! constraints are ordered as CasADi orders them in the peer script
//! (defects node by node, then `s_0`, then `s_N`), so multipliers compare
//! one to one. Each defect couples nodes `k` and `k + 1` only, and the
//! Lagrangian's Hessian is block diagonal (one 5 × 5 block per node).

use lensdiff::constrained::Bounds;
use lensdiff::{Expr, Objective, Real, ScalarFn, ScalarFn2, c};
use nalgebra::DVector;

/// Cart mass.
const M_CART: f64 = 1.0;
/// Pole mass.
const M_POLE: f64 = 0.3;
/// Pole length.
const LEN: f64 = 0.5;
/// Gravity.
const GRAV: f64 = 9.81;
/// Final time.
const T_FINAL: f64 = 2.0;
/// Distance the cart travels.
const DIST: f64 = 1.0;

/// The cart-pole swing-up with `N` segments: the objective (this type)
/// and the constraints ([`Cartpole::constraints`]), both written once over
/// any scalar.
#[derive(Debug, Clone, Copy)]
pub struct Cartpole {
    segments: usize,
}

impl Cartpole {
    /// The swing-up with `segments ≥ 1` collocation segments; panics on 0.
    pub fn new(segments: usize) -> Self {
        assert!(segments >= 1, "Cartpole::new: needs at least one segment");
        Cartpole { segments }
    }

    /// `N`, the number of segments.
    pub fn segments(&self) -> usize {
        self.segments
    }

    /// The number of variables, `5 (N + 1)`.
    pub fn n(&self) -> usize {
        5 * (self.segments + 1)
    }

    /// The number of constraints, `4 N + 8`.
    pub fn m(&self) -> usize {
        4 * self.segments + 8
    }

    /// The segment length `h = T / N`.
    pub fn h(&self) -> f64 {
        T_FINAL / self.segments as f64
    }

    /// The final time `T`.
    pub fn final_time(&self) -> f64 {
        T_FINAL
    }

    /// The pole length (for drawing).
    pub fn pole_length() -> f64 {
        LEN
    }

    /// The start of `BENCH.md`: states linear from `s_0` to `s_N`
    /// (`q1 = d k/N`, `q2 = π k/N`, rates 0), `u = 0`.
    pub fn x0(&self) -> DVector<f64> {
        let n = self.segments;
        let mut z = DVector::zeros(self.n());
        for k in 0..=n {
            let t = k as f64 / n as f64;
            z[5 * k] = DIST * t;
            z[5 * k + 1] = std::f64::consts::PI * t;
        }
        z
    }
}

impl Cartpole {
    /// The bounds of Kelly's tutorial, `|u_k| ≤ umax` and `|q1_k| ≤ dmax`
    /// at every node (`f64::INFINITY` for none).
    pub fn bounds(&self, umax: f64, dmax: f64) -> Bounds {
        let inf = f64::INFINITY;
        Bounds::free(self.n()).per_stage(
            0,
            5,
            &[-dmax, -inf, -inf, -inf, -umax],
            &[dmax, inf, inf, inf, umax],
        )
    }
}

impl Objective for Cartpole {
    fn build<S: Real>(&self, z: Expr<S>) -> Expr<S> {
        let u = z.stride(4, 5);
        (u.trim(0, 1).norm_squared() + u.trim(1, 0).norm_squared()) * (self.h() / 2.0)
    }
}

/// The constraints `c(z) = 0` of a [`Cartpole`]: the `4N` defects, then
/// the 8 boundary rows.
#[derive(Debug, Clone, Copy)]
pub struct CartpoleConstraints {
    segments: usize,
}

impl Cartpole {
    /// The constraints of this swing-up.
    pub fn constraints(&self) -> CartpoleConstraints {
        CartpoleConstraints {
            segments: self.segments,
        }
    }
}

impl CartpoleConstraints {
    fn h(&self) -> f64 {
        Cartpole::new(self.segments).h()
    }
}

impl Objective for CartpoleConstraints {
    fn build<S: Real>(&self, z: Expr<S>) -> Expr<S> {
        let n = self.segments;
        let (q1, q2, v1, v2, u) = (
            z.stride(0, 5),
            z.stride(1, 5),
            z.stride(2, 5),
            z.stride(3, 5),
            z.stride(4, 5),
        );
        // f(s, u) is affine in u: q1'' = a(q2, q2') + u b(q2), same for q2''.
        let acc1 = q2.zip_map_fn(&v2, CartFree) + &u * q2.map_fn(CartGain);
        let acc2 = q2.zip_map_fn(&v2, PoleFree) + &u * q2.map_fn(PoleGain);
        let h = self.h();
        let trapezoid = |e: &Expr<S>| e.linear_stencil("trapezoid", &[h / 2.0, h / 2.0]);
        let d_q1 = q1.diff() - trapezoid(&v1);
        let d_q2 = q2.diff() - trapezoid(&v2);
        let d_v1 = v1.diff() - trapezoid(&acc1);
        let d_v2 = v2.diff() - trapezoid(&acc2);
        // Node by node (q1, q2, q1', q2'), as CasADi's vec(defects).
        let defects = d_q1.interleave(&d_v1).interleave(&d_q2.interleave(&d_v2));
        let goal = DVector::from_vec(vec![
            S::from_f64(DIST),
            S::from_f64(std::f64::consts::PI),
            S::zero(),
            S::zero(),
        ]);
        let start = z.slice(0, 4);
        let end = z.slice(5 * n, 4) - Expr::constant(goal);
        defects.concat(&start).concat(&end)
    }
}

/// `sin² q2`, the mass-matrix term `1 − cos² q2` as `BENCH.md` writes it.
fn sin_squared<T: Real>(cs: T) -> T {
    T::one() - cs * cs
}

/// The cart's acceleration at `u = 0`:
/// `(l m2 sin q2 · q2'² + m2 g cos q2 sin q2) / (m1 + m2 (1 − cos² q2))`.
struct CartFree;
impl ScalarFn2 for CartFree {
    #[inline(always)]
    fn eval<T: Real>(&self, q2: T, v2: T) -> T {
        let (sn, cs) = (q2.sin(), q2.cos());
        (sn * v2 * v2 * c(LEN * M_POLE) + cs * sn * c(M_POLE * GRAV))
            / (sin_squared(cs) * c(M_POLE) + c(M_CART))
    }
}

/// `∂q1''/∂u = 1 / (m1 + m2 (1 − cos² q2))`.
struct CartGain;
impl ScalarFn for CartGain {
    #[inline(always)]
    fn eval<T: Real>(&self, q2: T) -> T {
        (sin_squared(q2.cos()) * c(M_POLE) + c(M_CART)).recip()
    }
}

/// The pole's angular acceleration at `u = 0`:
/// `−(l m2 cos q2 sin q2 · q2'² + (m1 + m2) g sin q2) / (l m1 + l m2 (1 − cos² q2))`.
struct PoleFree;
impl ScalarFn2 for PoleFree {
    #[inline(always)]
    fn eval<T: Real>(&self, q2: T, v2: T) -> T {
        let (sn, cs) = (q2.sin(), q2.cos());
        -(cs * sn * v2 * v2 * c(LEN * M_POLE) + sn * c((M_CART + M_POLE) * GRAV))
            / (sin_squared(cs) * c(LEN * M_POLE) + c(LEN * M_CART))
    }
}

/// `∂q2''/∂u = −cos q2 / (l m1 + l m2 (1 − cos² q2))`.
struct PoleGain;
impl ScalarFn for PoleGain {
    #[inline(always)]
    fn eval<T: Real>(&self, q2: T) -> T {
        let cs = q2.cos();
        -cs / (sin_squared(cs) * c(LEN * M_POLE) + c(LEN * M_CART))
    }
}
