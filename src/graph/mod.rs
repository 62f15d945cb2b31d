//! The expression graph behind [`crate::Expr`]: primitives on flat slices
//! ([`Op`]), the compiled let-form program, and how spaces map onto slots.

mod entry;
mod index_map;
mod io;
mod op;
mod plan;
mod program;
mod tiled;

pub(crate) use entry::engine_entry_points;
pub use index_map::IndexMap;
pub use io::{Inputs, Output};
pub use op::{Ctx, Op};
pub(crate) use program::{GraphLin, Program, Tape};

pub(crate) use op::mismatch;
pub(crate) use program::Node;
pub(crate) use tiled::{GradPart, Source};
