//! The built-in primitives: each an [`Op`](crate::graph::Op) on flat
//! slices (value, linearisation, and the derivative with both directions),
//! written once for every scalar type and every mode. [`crate::Expr`]
//! builds programs from them, and [`crate::ops`] compiles each into a
//! one-node lens.
//!
//! * `elementwise`: the table of scalar functions, `map`, `zip_map`;
//! * `arith`: `+ − × ÷`, a scalar broadcasting;
//! * `reduce`: `sum`, `dot`, `‖·‖²`, `sum_map`, `sum_adjacent`;
//! * `shift`: slices, strides, concatenation, interleaving, constants,
//!   linear stencils (finite differences);
//! * `stencil`: nonlinear windows;
//! * `matrix`: `W·x` (bilinear in the matrix and the vector), `a bᵀ`.

pub(crate) mod arith;
pub(crate) mod elementwise;
pub(crate) mod matrix;
pub(crate) mod reduce;
pub(crate) mod shift;
pub(crate) mod stencil;
