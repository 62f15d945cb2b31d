//! # lensdiff
//!
//! Differentiable programming in the categorical, lens style.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod banded;
pub mod derive;
pub mod dfun;
pub mod dual;
pub mod error;
pub mod expr;
pub mod graph;
pub mod hessian;
pub mod linear;
pub mod mode;
pub mod objective;
pub mod ops;
pub mod optim;
pub mod problems;
pub mod real;
pub mod space;

pub use derive::{
    grad, jacobian_dense, jacobian_fwd, jacobian_rev, jvp, try_value_and_grad, value_and_grad, vjp,
};
pub use dfun::{
    DFun, compose, constant, dup, fanout, fst, id, inl, inr, jam, join, par, snd, try_compose_at,
};
pub use dual::{Dual, DualN};
pub use error::{Error, Result};
pub use expr::Expr;
pub use mode::{Dense, Forward, Mode, Reverse};
pub use objective::Objective;
pub use real::{Real, c};
pub use space::Space;
