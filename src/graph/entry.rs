//! The engine's entry points, compiled where a scalar type's `Real` impl
//! lives.
//!
//! A generic function is compiled in the crate that instantiates it, so a
//! caller's crate that evaluates an objective over `f64` would compile the
//! whole engine (plans, tiles, the tape) over `f64` again, and every
//! example and test binary did. [`crate::Real`] therefore carries four
//! hidden functions, [`Program::eval`], [`Program::linearize`],
//! [`Tape::apply`] and [`Tape::transpose_add`], whose defaults run the
//! generic engine. The impls for the concrete scalars of this crate (`f64`
//! and the sparsity tracer) override them with [`engine_entry_points`]:
//! non-generic functions, compiled once, here. The dual numbers of the
//! Hessian and Jacobian sweeps get the same through
//! `hessian::sweep::Width`.

#[cfg(doc)]
use super::program::{Program, Tape};

/// The overrides of `Real`'s engine entry points, for an impl of `Real`
/// on a concrete type (inside the `impl` block).
macro_rules! engine_entry_points {
    () => {
        fn program_eval(
            prog: &$crate::graph::Program<Self>,
            inputs: &[&[Self]],
        ) -> ::std::vec::Vec<Self> {
            prog.eval_here(inputs)
        }
        fn program_linearize(
            prog: &::std::sync::Arc<$crate::graph::Program<Self>>,
            inputs: &[&[Self]],
        ) -> $crate::graph::Tape<Self> {
            prog.linearize_here(inputs)
        }
        fn tape_apply(tape: &$crate::graph::Tape<Self>, dx: &[&[Self]]) -> ::std::vec::Vec<Self> {
            tape.apply_here(dx)
        }
        fn tape_transpose_add(
            tape: &$crate::graph::Tape<Self>,
            dy: &[Self],
            dx: &mut [&mut [Self]],
        ) {
            tape.transpose_add_here(dy, dx)
        }
    };
}
pub(crate) use engine_entry_points;
