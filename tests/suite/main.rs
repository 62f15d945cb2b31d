//! The integration tests, one crate whose modules mirror `src/`:
//!
//! - `common`: helpers shared by the modules (panics caught with their
//!   message and location, closeness, central differences, fixtures such as
//!   the opaque `Cube` op); `common::banded`, the random band generators.
//! - `banded`: storage, products, banded Cholesky and LU, tridiagonal and shifted
//!   solves, errors, large orders; `banded::envelope`, the envelope
//!   Cholesky and the orderings.
//! - `check`: the public checker on a user's own `LinearMap` and `Op`,
//!   random compositions, typed (static-vector) spaces.
//! - `constrained`: the SQP and interior-point solvers against dense KKT
//!   and active-set solves, published optima and IPOPT.
//! - `derivatives`: the drivers `grad`, `jvp`, `vjp`, `try_value_and_grad`.
//! - `dfun`: shape checks of the combinators; `dfun::laws`, the category
//!   laws over random compositions in every mode.
//! - `dual`: dual numbers, `DualN` gradients, nested duals.
//! - `elementary`: the table of elementary functions in every mode, to
//!   second order, and its vectorised path.
//! - `engine`: the tiled engine against the whole-vector engine;
//!   `engine_pool`, a panicking primitive in one tile; `engine_tail`,
//!   nonlinear tails over several reductions, dual sweeps included.
//! - `error`: the `Error` messages.
//! - `expr`: `Expr` shape errors and `Expr::check`.
//! - `graph`: compiled programs: sharing counted, input and output lengths.
//! - `hessian`: dense and banded Hessians and HVPs against differences and
//!   the dense Hessian; `hessian::banded`, badly scaled and stiff bands;
//!   `hessian::hvp`, the HVP entry points' checks.
//! - `kernels`: the SIMD kernels against the standard library, in ulps.
//! - `linear`: the structural linear maps.
//! - `mode`: the modes' own checks.
//! - `ops`: every primitive (as a lens of `ops`) against its hand-written
//!   Jacobian; the modules mirror the primitive families of
//!   `src/primitives/` (`arith`, `elementwise`, `reduce`, `shift`, `stencil`).
//! - `optim`: Newton (banded, sparse, auto) and gradient descent: the bench
//!   objectives, stopping, stiff and unbounded problems, errors.
//! - `benchmark_problems`: the bench objectives of `examples/problems/`
//!   (included here as `problems`) against hand-written formulas.
//! - `scalar_fn`: `ScalarFn` and `ScalarFn2` against closures.
//! - `simd_levels`: the vector paths at every instruction-set level the
//!   machine has, bitwise against the baseline.
//! - `space`: the `Space` axioms.
//! - `sparsity`: detection, colourings, sparse Hessians and Jacobians.
//!
//! Proptest reads and writes its regression seeds in
//! `tests/proptest-regressions/`, at the module's path under `tests/suite/`
//! with `.txt` (its default once the crate has a `main.rs`); `tests/data/`
//! holds reference solutions.

#[macro_use]
mod common;
/// The benchmark problems of `BENCH.md` (`examples/problems/`, shared
/// with the examples and benches).
#[path = "../../examples/problems/mod.rs"]
mod problems;

mod banded;
mod benchmark_problems;
mod check;
mod constrained;
mod derivatives;
mod dfun;
mod dual;
mod elementary;
mod engine;
mod engine_pool;
mod engine_tail;
mod error;
mod expr;
mod graph;
mod hessian;
mod kernels;
mod linear;
mod mode;
mod ops;
mod optim;
mod scalar_fn;
mod simd_levels;
mod space;
mod sparsity;
