//! Second derivatives by nesting lenses: Hessian-vector products (forward
//! over reverse), dense Hessians, and banded Hessians from comb seeds.
//!
//! Everything here runs an [`crate::Objective`] over multi-tangent dual
//! numbers: the reverse-mode gradient at `x + Σ ε_c v_c` carries `H v_c` in
//! its tangents. One sweep computes up to 16 products together with the
//! value and the gradient.

mod band_checks;
mod banded;
mod comb_sink;
mod dense;
mod detected_band;
mod hvp;
mod seeds;
mod sparse;
mod substitution;
mod sweep;

pub use banded::{BandOptions, BandedHessian, hessian_banded, hessian_banded_with};
pub use dense::hessian;
pub use detected_band::hessian_banded_auto;
pub use hvp::{hvp, try_hvp, value_and_grad_hvps};
pub use seeds::BandMethod;
pub use sparse::{
    Recovery, SparseHessian, SparseHessianPlan, SparseOptions, hessian_sparse, hessian_sparse_with,
};
pub(crate) use sweep::{Width, by_width, chunks, try_sweep, with_widths};
