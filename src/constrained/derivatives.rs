//! What both constrained solvers evaluate: `c(x)` and its banded
//! Jacobian, the Lagrangian's banded Hessian, and `f`, `c` at trial
//! points, from programs compiled once and structure detected once.

use super::banded_jacobian::{BandedJacobian, JacobianSpans, jacobian_banded_of};
use super::lagrangian::Lagrangian;
use super::sqp::CONSTRAINT_NAMES;
use crate::erased::Erased;
use crate::hessian::{BandMethod, BandOptions, BandedHessian, hessian_banded_with};
use crate::objective::program_of;
use crate::{CompiledObjective, Error};
use nalgebra::DVector;
use std::sync::Arc;

/// The compiled objective, constraints and Lagrangian of one solve, with
/// the structure detected at its start.
pub(crate) struct Derivatives<'e, 'a> {
    /// `c`, its programs kept.
    pub(crate) cons: CompiledObjective<&'e Erased<'a>>,
    /// `f`, its programs kept.
    fc: CompiledObjective<&'e Erased<'a>>,
    /// The column span of every constraint row.
    pub(crate) spans: Arc<JacobianSpans>,
    /// `f + λᵀc`, split by the parts `c` concatenates so that it runs in
    /// tiles.
    lag: CompiledObjective<Lagrangian<&'e Erased<'a>, &'e Erased<'a>>>,
    /// The Lagrangian's Hessian half-bandwidth.
    pub(crate) hk: usize,
}

impl<'e, 'a> Derivatives<'e, 'a> {
    /// Compiles `f`, `c` (`m` rows) and their Lagrangian, and detects the
    /// row spans and the Hessian's bandwidth at `x0`, side by side (two
    /// tracer runs). The constraints' errors come first.
    pub(crate) fn detect(
        f: &'e Erased<'a>,
        c: &'e Erased<'a>,
        x0: &DVector<f64>,
        m: usize,
    ) -> Result<Self, Error> {
        let lag = CompiledObjective::new(Lagrangian::new(f, c, m).split_parts(x0.len()));
        lag.inner().set_multipliers(&vec![1.0; m]);
        let (spans, hk) = crate::engine::join(
            || JacobianSpans::detect(c, x0),
            || crate::sparsity::hessian_bandwidth_once(&lag, x0),
        );
        Ok(Derivatives {
            cons: CompiledObjective::new(c),
            fc: CompiledObjective::new(f),
            spans: Arc::new(spans?),
            lag,
            hk: hk?,
        })
    }

    /// `c(x)` and its banded Jacobian.
    pub(crate) fn rows(&self, x: &DVector<f64>) -> Result<(DVector<f64>, BandedJacobian), Error> {
        jacobian_banded_of(&self.cons, x, &self.spans, CONSTRAINT_NAMES)
    }

    /// `c(x)`, its Jacobian and the Lagrangian's banded Hessian at
    /// multipliers `λ`, side by side: the Jacobian runs whole-vector (a
    /// vector output does not tile), on one core. The constraints' errors
    /// come first, so that a non-finite `c(x)` is named as such.
    #[allow(clippy::type_complexity)]
    pub(crate) fn rows_and_hessian(
        &self,
        x: &DVector<f64>,
        lambda: &DVector<f64>,
    ) -> Result<(DVector<f64>, BandedJacobian, BandedHessian), Error> {
        let opts = BandOptions {
            method: BandMethod::Substitution,
            ..BandOptions::default()
        };
        let (rows, hessian) = crate::engine::join(
            || self.rows(x),
            || {
                self.lag.inner().set_multipliers(lambda.as_slice());
                hessian_banded_with(&self.lag, x, self.hk, &opts)
            },
        );
        let (cv, jac) = rows?;
        Ok((cv, jac, hessian?))
    }

    /// `c(x)`.
    pub(crate) fn constraint_values(&self, x: &[f64]) -> Vec<f64> {
        program_of::<f64, _>(&self.cons).eval(&[x])
    }

    /// `f(x)`.
    pub(crate) fn objective_value(&self, x: &[f64]) -> f64 {
        program_of::<f64, _>(&self.fc).eval(&[x])[0]
    }

    /// `f(x)` and `c(x)` side by side (a trial point of a line search).
    pub(crate) fn values(&self, x: &[f64]) -> (f64, Vec<f64>) {
        crate::engine::join(|| self.objective_value(x), || self.constraint_values(x))
    }
}
