//! The Lagrangian `L(x) = f(x) + λᵀ c(x)` as an [`Objective`], with the
//! multipliers `λ` a constant that can change between evaluations.
//!
//! `λ` is a constant of the program that reads the current multipliers
//! from a shared cell at every evaluation (a primitive that
//! [varies](crate::graph::Op::varies)), in an ordinary `dot` with `c`. So
//! the compiled program (and with [`crate::CompiledObjective`], its
//! buffers) is built once and reused at every iteration, it runs in tiles
//! when `c` does, and the banded Hessian of `L` comes from the same
//! nested-lens extraction as any objective's
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
    /// The lengths of the parts `c` concatenates, when `λᵀc` is written
    /// part by part (see [`Lagrangian::split_parts`]).
    parts: Option<Vec<usize>>,
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
            parts: None,
        }
    }

    /// Writes `λᵀc` as one weighted sum per part when `c` concatenates
    /// parts (`[dynamics; start; goal]`, as trajectory problems write
    /// their rows), with the part lengths at inputs of length `n`.
    ///
    /// Why: the tiled engine gives every slot one window per tile, so a
    /// concatenation of rows that read both ends of `x` (the start and
    /// goal rows beside the dynamics) runs whole-vector, and the
    /// Lagrangian's Hessian sweeps with it. Sums over the parts are
    /// separate reductions, each owned near the entries it reads: the
    /// Lagrangian then runs in tiles whenever every part does. The value
    /// is the same sum in another order.
    ///
    /// Evaluated at another length than `n`, the weights of the parts do
    /// not fit, and the evaluation reports a length error.
    pub(crate) fn split_parts(mut self, n: usize) -> Self {
        let m = self.rows();
        let parts = self.c.build::<f64>(Expr::var()).concat_parts();
        if parts.len() < 2 {
            return self;
        }
        let lens: Result<Vec<usize>, Error> = parts.iter().map(|p| p.output_len_at(n)).collect();
        self.parts = lens.ok().filter(|l| l.iter().sum::<usize>() == m);
        self
    }

    /// `m`, the number of multipliers.
    fn rows(&self) -> usize {
        self.multipliers.read().map_or(0, |w| w.len())
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
        let f = self.f.build(x.clone());
        let c = self.c.build(x);
        let weights = |range: std::ops::Range<usize>| {
            Expr::op(
                Multipliers {
                    cell: self.multipliers.clone(),
                    range,
                },
                vec![],
            )
        };
        let parts = c.concat_parts();
        match &self.parts {
            Some(lens) if lens.len() == parts.len() => {
                let mut at = 0;
                let mut sum = f;
                for (part, &len) in parts.iter().zip(lens) {
                    sum = sum + part.dot(&weights(at..at + len));
                    at += len;
                }
                sum
            }
            _ => f + c.dot(&weights(0..self.rows())),
        }
    }
}

/// The multipliers `λ[range]`, read from the shared cell at every
/// evaluation (a constant of the program that varies between passes).
struct Multipliers {
    cell: Arc<RwLock<Vec<f64>>>,
    range: std::ops::Range<usize>,
}

impl<S: Real> Op<S> for Multipliers {
    fn name(&self) -> &'static str {
        "lagrange multipliers"
    }
    fn arity(&self) -> usize {
        0
    }
    fn output_len(&self, _: &[usize]) -> Result<usize, Error> {
        Ok(self.range.len())
    }
    fn varies(&self) -> bool {
        true
    }
    fn eval(&self, _: &[&[S]], y: &mut [S]) {
        let w = self.cell.read().unwrap_or_else(|e| e.into_inner());
        for (y, &w) in y.iter_mut().zip(&w[self.range.clone()]) {
            *y = S::from_f64(w);
        }
    }
    fn jvp_add(&self, _: usize, _: &Ctx<'_, S>, _: &[S], _: &mut [S]) {}
    fn vjp_add(&self, _: usize, _: &Ctx<'_, S>, _: &[S], _: &mut [S]) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hessian::{BandOptions, hessian_banded_with};
    use crate::objective::program_of;
    use crate::{CompiledObjective, grad};
    use nalgebra::DVector;

    struct HalfSquares;
    impl Objective for HalfSquares {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.norm_squared() * 0.5
        }
    }

    /// `x_{i+1} − x_i − x_i²` for `i < n − 1`, then `x_0 − 1` and `x_{n−1}`:
    /// dynamics with a start and a goal row, concatenated as trajectory
    /// problems write them.
    struct Rows {
        n: usize,
    }
    impl Objective for Rows {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            let head = x.trim(0, 1);
            let dynamics = x.diff() - head.square();
            let start = x.slice(0, 1) - 1.0;
            let goal = x.slice(self.n - 1, 1);
            dynamics.concat(&start).concat(&goal)
        }
    }

    /// `∇L = x + Jᵀλ` and `diag ∇²L = 1 − 2λ_i` (`i < n − 1`), by hand.
    fn exact(x: &[f64], lambda: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let n = x.len();
        let mut g = x.to_vec();
        let mut h = vec![1.0; n];
        for i in 0..n - 1 {
            g[i + 1] += lambda[i];
            g[i] -= lambda[i] * (1.0 + 2.0 * x[i]);
            h[i] -= 2.0 * lambda[i];
        }
        g[0] += lambda[n - 1];
        g[n - 1] += lambda[n];
        (g, h)
    }

    #[test]
    fn split_by_parts_the_lagrangian_tiles_and_reads_each_new_multiplier() {
        let n = 200_000;
        let m = n + 1;
        let whole = Lagrangian::new(HalfSquares, Rows { n }, m);
        // The concatenation puts rows that read both ends of x in one
        // slot: no tiles.
        assert_eq!(program_of::<f64, _>(&whole).tile_count(&[n]), None);
        let lag =
            CompiledObjective::new(Lagrangian::new(HalfSquares, Rows { n }, m).split_parts(n));
        assert!(program_of::<f64, _>(&lag).tile_count(&[n]).unwrap() > 1);
        let x = DVector::from_fn(n, |i, _| ((i % 7) as f64 - 3.0) * 0.1);
        for seed in 1..=3 {
            let lambda: Vec<f64> = (0..m)
                .map(|i| ((i * seed) % 11) as f64 * 0.25 - 1.0)
                .collect();
            lag.inner().set_multipliers(&lambda);
            let (g_exact, h_exact) = exact(x.as_slice(), &lambda);
            let g = grad(&lag.lens::<f64>(), &x);
            let g_err = g
                .iter()
                .zip(&g_exact)
                .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
            assert!(
                g_err < 1e-12,
                "gradient off by {g_err} for multipliers {seed}"
            );
            let hb = hessian_banded_with(&lag, &x, 1, &BandOptions::default()).unwrap();
            for (i, h) in h_exact.iter().enumerate() {
                assert!((hb.band.get(i, i) - h).abs() < 1e-12, "H[{i}][{i}]");
                if i + 1 < n {
                    assert!(hb.band.get(i, i + 1).abs() < 1e-12, "H[{i}][{}]", i + 1);
                }
            }
        }
    }

    struct Squares;
    impl Objective for Squares {
        fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
            x.square()
        }
    }

    #[test]
    fn multipliers_of_another_length_are_named_from_the_callers_side() {
        // Three multipliers for constraints that have two rows at n = 2.
        let l = Lagrangian::new(HalfSquares, Squares, 3);
        let e = program_of::<f64, _>(&l).check_inputs(&[2]).unwrap_err();
        assert_eq!(
            e,
            Error::InputLength {
                input: 0,
                found: 2,
                expected: Some(3),
                detail: "constant `lagrange multipliers`".to_string(),
            }
        );
    }
}
