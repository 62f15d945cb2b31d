//! # lensdiff
//!
//! Differentiable programming in the categorical, lens style.
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod banded;
pub mod error;
pub mod real;

pub use error::{Error, Result};
pub use real::{c, Real};
