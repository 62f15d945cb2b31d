//! Polishing: full Newton steps after the residual tests pass, until the
//! step at the point (its first-order distance from the solution, the
//! forward error) is small. Shared by [`super::Sqp`] and [`super::Ipm`];
//! see [`super::SqpOptions::step_tol`].

use super::Sqp;

/// What a solve does at an iterate whose residuals pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Next {
    /// The answer is this point.
    Stop,
    /// Take a full step (no line search) and look again.
    Step,
}

/// The polishing of one solve: how many steps were taken, the last
/// step's relative size, and the state (a solver's iterate) each step was
/// taken from.
pub(super) struct Polish<S> {
    taken: usize,
    forward_error: f64,
    before: Option<(S, f64)>,
}

impl<S> Polish<S> {
    /// No step taken yet; the forward error unknown.
    pub(super) fn new() -> Self {
        Polish {
            taken: 0,
            forward_error: f64::NAN,
            before: None,
        }
    }

    /// At a new iterate, after a polishing step: the state the step was
    /// taken from, when the step broke the residual tests (rounding
    /// noise), so that the caller returns that point.
    pub(super) fn broken(&mut self, residuals_ok: bool) -> Option<S> {
        let (state, err) = self.before.take()?;
        if residuals_ok {
            return None;
        }
        self.forward_error = err;
        Some(state)
    }

    /// At an iterate whose residuals pass, with `err` the relative size of
    /// the Newton step there: stop when it is within `step_tol`, when
    /// polishing has stopped shrinking it (a step above `contraction` times
    /// the last one: the rounding floor), or after
    /// [`Sqp::MAX_POLISH`] steps; else remember `state()` and step.
    pub(super) fn next(
        &mut self,
        err: f64,
        step_tol: f64,
        contraction: f64,
        state: impl FnOnce() -> S,
    ) -> Next {
        let stalled = self.taken > 0 && err > contraction * self.forward_error;
        self.forward_error = err;
        if err <= step_tol || stalled || self.taken >= Sqp::MAX_POLISH {
            return Next::Stop;
        }
        self.before = Some((state(), err));
        self.taken += 1;
        Next::Step
    }

    /// The forward error of the point returned (`NaN` when not measured).
    pub(super) fn forward_error(&self) -> f64 {
        self.forward_error
    }

    /// A stop that did not measure the forward error (a cap, the observer).
    pub(super) fn unmeasured(&mut self) {
        self.forward_error = f64::NAN;
    }
}
