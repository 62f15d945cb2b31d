//! The benchmark objectives of `BENCH.md`, each written once over any
//! scalar type, with its starting point and its exact half-bandwidth.
//!
//! | problem     | Hessian                         | k |
//! |-------------|---------------------------------|---|
//! | [`Chain1`]  | tridiagonal, indefinite at x0   | 1 |
//! | [`Accel2`]  | pentadiagonal                   | 2 |
//! | [`Robot2d`] | interleaved 2-D path, obstacle  | 4 |
//!
//! and one that is sparse but not banded, for the sparse path
//! ([`lensdiff::optim::Newton::minimize_sparse`]):
//!
//! | problem   | Hessian                                             | k     |
//! |-----------|-----------------------------------------------------|-------|
//! | [`Orbit`] | periodic 2-D loop (corner blocks), free lap time (dense last row) | n − 1 |
//!
//! and one with equality constraints, for [`lensdiff::constrained::Sqp`]:
//! [`Cartpole`], the cart-pole swing-up by trapezoidal collocation.
//!
//! This is a module of the examples, benches and tests (each includes it),
//! not of the library; each target uses a part of it.
#![allow(dead_code, unused_imports)]

mod accel2;
mod cartpole;
mod chain1;
mod classic;
mod orbit;
mod robot2d;

pub use accel2::Accel2;
pub use cartpole::{Cartpole, CartpoleConstraints};
pub use chain1::Chain1;
pub use classic::{Classic, ClassicKind};
pub use orbit::Orbit;
pub use robot2d::Robot2d;

use lensdiff::Objective;
use nalgebra::DVector;

/// An objective with a size, a starting point and a known half-bandwidth.
pub trait Problem: Objective {
    /// The name used on the command line and in reports.
    fn name(&self) -> &'static str;
    /// The dimension of `x`.
    fn n(&self) -> usize;
    /// The starting point.
    fn x0(&self) -> DVector<f64>;
    /// The exact half-bandwidth of the Hessian.
    fn bandwidth(&self) -> usize;
}

/// One of the benchmark problems by name (`chain1`, `accel2`, `robot2d`)
/// and dimension `n` (for `robot2d`, `n = 2m` must be even).
pub fn by_name(name: &str, n: usize) -> lensdiff::Result<AnyProblem> {
    match name {
        "chain1" => Ok(AnyProblem::Chain1(Chain1::new(n))),
        "accel2" => Ok(AnyProblem::Accel2(Accel2::new(n))),
        "robot2d" => {
            if !n.is_multiple_of(2) || n < 4 {
                return Err(lensdiff::Error::InvalidArgument {
                    op: "problems::by_name",
                    reason: format!("robot2d needs an even n >= 4 (n = 2m), got {n}"),
                });
            }
            Ok(AnyProblem::Robot2d(Robot2d::new(n / 2)))
        }
        _ => match ClassicKind::from_name(name) {
            Some(kind) => Ok(AnyProblem::Classic(Classic::new(kind, n))),
            None => Err(lensdiff::Error::InvalidArgument {
                op: "problems::by_name",
                reason: format!(
                    "unknown problem {name:?} (chain1, accel2, robot2d, or a classic one: {})",
                    ClassicKind::ALL.map(|k| k.name()).join(", ")
                ),
            }),
        },
    }
}

/// Any of the benchmark problems (what [`by_name`] returns).
#[derive(Debug, Clone)]
pub enum AnyProblem {
    /// [`Chain1`].
    Chain1(Chain1),
    /// [`Accel2`].
    Accel2(Accel2),
    /// [`Robot2d`].
    Robot2d(Robot2d),
    /// A [`Classic`] problem.
    Classic(Classic),
}

impl Objective for AnyProblem {
    fn build<S: lensdiff::Real>(&self, x: lensdiff::Expr<S>) -> lensdiff::Expr<S> {
        match self {
            AnyProblem::Chain1(p) => p.build(x),
            AnyProblem::Accel2(p) => p.build(x),
            AnyProblem::Robot2d(p) => p.build(x),
            AnyProblem::Classic(p) => p.build(x),
        }
    }
}

impl Problem for AnyProblem {
    fn name(&self) -> &'static str {
        match self {
            AnyProblem::Chain1(p) => p.name(),
            AnyProblem::Accel2(p) => p.name(),
            AnyProblem::Robot2d(p) => p.name(),
            AnyProblem::Classic(p) => p.name(),
        }
    }
    fn n(&self) -> usize {
        match self {
            AnyProblem::Chain1(p) => p.n(),
            AnyProblem::Accel2(p) => p.n(),
            AnyProblem::Robot2d(p) => p.n(),
            AnyProblem::Classic(p) => p.n(),
        }
    }
    fn x0(&self) -> DVector<f64> {
        match self {
            AnyProblem::Chain1(p) => p.x0(),
            AnyProblem::Accel2(p) => p.x0(),
            AnyProblem::Robot2d(p) => p.x0(),
            AnyProblem::Classic(p) => p.x0(),
        }
    }
    fn bandwidth(&self) -> usize {
        match self {
            AnyProblem::Chain1(p) => p.bandwidth(),
            AnyProblem::Accel2(p) => p.bandwidth(),
            AnyProblem::Robot2d(p) => p.bandwidth(),
            AnyProblem::Classic(p) => p.bandwidth(),
        }
    }
}
