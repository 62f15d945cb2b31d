//! The Lagrangian `L(x) = f(x) + λᵀ c(x)` as an [`Objective`], with the
//! multipliers `λ` a constant that can change between evaluations.
//!
//! `λ` enters through one primitive, `y = Σ λ_i c_i`, that reads the
//! current multipliers from a shared cell. So the compiled program (and
//! with [`crate::CompiledObjective`], its buffers) is built once and
//! reused at every SQP iteration, while the banded Hessian of `L` comes
//! from the same nested-lens extraction as any objective's
//! ([`crate::hessian::hessian_banded_with`]).

use crate::graph::{Ctx, Op};
use crate::{Error, Expr, Objective, Real};
use std::sync::{Arc, RwLock};

/// `f + λᵀ c` for an objective `f` and constraints `c` (`m` of them).
///
/// ```
/// use lensdiff::constrained::Lagrangian;
/// use lensdiff::{grad, Objective, Expr, Real};
/// use nalgebra::dvector;
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
/// }
/// struct Squares;
/// impl Objective for Squares {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.square() }
/// }
/// let l = Lagrangian::new(Sum, Squares, 2);
/// l.set_multipliers(&[1.0, -2.0]);
/// // ∇L = 1 + 2 λ_i x_i
/// assert_eq!(grad(&l.lens::<f64>(), &dvector![1.0, 1.0]), dvector![3.0, -3.0]);
/// ```
pub struct Lagrangian<O, C> {
    f: O,
    c: C,
    multipliers: Arc<RwLock<Vec<f64>>>,
}

impl<O: Objective, C: Objective> Lagrangian<O, C> {
    /// The Lagrangian with `m` multipliers, all zero.
    ///
    /// ```
    /// use lensdiff::constrained::Lagrangian;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let x0 = nalgebra::dvector![-0.5, -1.0];
    /// assert_eq!(Lagrangian::new(Sum, Circle, 1).multipliers(), vec![0.0]); // λ starts at 0
    /// ```
    pub fn new(f: O, c: C, m: usize) -> Self {
        Lagrangian {
            f,
            c,
            multipliers: Arc::new(RwLock::new(vec![0.0; m])),
        }
    }

    /// Sets `λ` (length `m`), seen by every program built from `self`.
    ///
    /// ```
    /// use lensdiff::constrained::Lagrangian;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let x0 = nalgebra::dvector![-0.5, -1.0];
    /// let l = Lagrangian::new(Sum, Circle, 1);
    /// l.set_multipliers(&[0.5]);
    /// // ∇L = ∇f + λ ∇c = (1, 1) + 0.5 · 2x
    /// assert_eq!(lensdiff::grad(&l.lens::<f64>(), &x0), nalgebra::dvector![0.5, 0.0]);
    /// ```
    pub fn set_multipliers(&self, lambda: &[f64]) {
        let mut w = self.multipliers.write().unwrap_or_else(|e| e.into_inner());
        assert_eq!(
            w.len(),
            lambda.len(),
            "Lagrangian::set_multipliers: expected {} multipliers",
            w.len()
        );
        w.copy_from_slice(lambda);
    }

    /// The current `λ`.
    ///
    /// ```
    /// use lensdiff::constrained::Lagrangian;
    /// use lensdiff::{Expr, Objective, Real};
    /// /// min x₀ + x₁ on the unit circle: x = −(1, 1)/√2, f = −√2.
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// struct Circle;
    /// impl Objective for Circle {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() - 1.0 }
    /// }
    /// let x0 = nalgebra::dvector![-0.5, -1.0];
    /// let l = Lagrangian::new(Sum, Circle, 1);
    /// l.set_multipliers(&[2.0]);
    /// assert_eq!(l.multipliers(), vec![2.0]);
    /// ```
    pub fn multipliers(&self) -> Vec<f64> {
        self.multipliers
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl<O: Objective, C: Objective> Objective for Lagrangian<O, C> {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let weighted = Weighted {
            weights: self.multipliers.clone(),
        };
        self.f.build(x.clone()) + self.c.build(x).apply_op(Arc::new(weighted), &[])
    }
}

/// `y = Σ w_i x_i` with the weights read at each evaluation.
struct Weighted {
    weights: Arc<RwLock<Vec<f64>>>,
}

impl Weighted {
    fn with<R>(&self, f: impl FnOnce(&[f64]) -> R) -> R {
        f(&self.weights.read().unwrap_or_else(|e| e.into_inner()))
    }
}

impl<S: Real> Op<S> for Weighted {
    fn name(&self) -> &'static str {
        "lagrange multipliers"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        let m = self.with(|w| w.len());
        if lens[0] != m {
            return Err(Error::DimensionMismatch {
                op: "lagrange multipliers (constraints)",
                expected: m,
                found: lens[0],
            });
        }
        Ok(1)
    }
    fn eval(&self, x: &[&[S]], y: &mut [S]) {
        y[0] = self.with(|w| dot(w, x[0]));
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
        dy[0] += self.with(|w| dot(w, dx));
    }
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
        self.with(|w| {
            for (d, &wi) in dx.iter_mut().zip(w) {
                *d += dy[0] * S::from_f64(wi);
            }
        })
    }
}

fn dot<S: Real>(w: &[f64], x: &[S]) -> S {
    let mut s = S::zero();
    for (&wi, &xi) in w.iter().zip(x) {
        s += xi * S::from_f64(wi);
    }
    s
}
