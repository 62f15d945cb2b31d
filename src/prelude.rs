//! What a first program needs, in one `use`:
//!
//! ```
//! use lensdiff::prelude::*;
//! use nalgebra::dvector;
//!
//! struct Bowl;
//! impl Objective for Bowl {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
//!         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
//!     }
//! }
//! let x = dvector![0.5, -1.0, 2.0];
//! let g = grad(&Bowl.lens::<f64>(), &x);
//! let h = hessian(&Bowl, &x).unwrap();
//! // The Hessian is the derivative of the gradient: H·v by nesting equals H v.
//! let v = dvector![1.0, 0.0, -1.0];
//! assert!((hvp(&Bowl, &x, &v) - &h * &v).amax() < 1e-13);
//! // And Newton finds where the gradient vanishes (here x = 0).
//! let r = Newton::default().minimize(&Bowl, &x, 1).unwrap();
//! assert!(r.x.amax() < 1e-8 && g.len() == 3);
//! ```
//!
//! It holds the lens type and its combinators, the modes, the scalar
//! traits, expressions and objectives, the derivative drivers, the Hessian
//! entry points and Newton. Everything else is one `use` of its module.

pub use crate::hessian::{hessian, hessian_banded, hvp};
pub use crate::optim::Newton;
pub use crate::{
    DFun, Dense, Error, Expr, Forward, Mode, Objective, Real, Reverse, Space, c, compose, dup,
    fanout, fst, grad, id, jacobian_fwd, jacobian_rev, jam, join, jvp, par, snd, value_and_grad,
    vjp,
};
