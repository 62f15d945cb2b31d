//! An objective with its type erased, so that the solvers and the
//! extractions are compiled once, in this crate.
//!
//! A generic function is compiled in the crate that instantiates it, once
//! per objective type: every crate that called `Newton::minimize` on three
//! objectives compiled the Newton loop, the band extraction and their
//! helpers three times over. The public entry points now wrap the
//! objective in an [`Erased`] and call a non-generic body. Only the
//! objective's `build` stays generic: [`Erased`] keeps it behind one
//! object-safe call that takes and returns the expression as `dyn Any`,
//! for each scalar type the solvers use (`f64`, the sparsity tracer, and
//! the dual numbers of the Hessian and Jacobian sweeps).

use crate::dual::DualN;
use crate::sparsity::Tracer;
use crate::{Expr, Objective, ProgramCache, Real};
use std::any::{Any, type_name};

/// An objective seen through `dyn`: an [`Objective`] over the scalar
/// types of the solvers (another scalar type panics, naming it: a bug in
/// this crate, never the user's).
pub(crate) struct Erased<'a> {
    inner: Box<dyn Build + 'a>,
}

impl<'a> Erased<'a> {
    /// Erases `obj`'s type (compiling its `build` for every scalar type
    /// the solvers use).
    pub(crate) fn new<O: Objective + ?Sized>(obj: &'a O) -> Self {
        Erased {
            inner: Box::new(Typed(obj)),
        }
    }
}

impl Objective for Erased<'_> {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        match self.inner.build_any(Box::new(x)).downcast::<Expr<S>>() {
            Ok(e) => *e,
            Err(_) => unreachable!("build_any returns the scalar type it is given"),
        }
    }
    fn programs(&self) -> Option<&ProgramCache> {
        self.inner.programs()
    }
}

/// The object-safe face of an objective.
trait Build: Send + Sync {
    /// `build` on an `Expr<S>` given as `dyn Any`, for the scalar types
    /// listed in [`Typed`]'s impl.
    fn build_any(&self, x: Box<dyn Any>) -> Box<dyn Any>;
    fn programs(&self) -> Option<&ProgramCache>;
}

struct Typed<'a, O: ?Sized>(&'a O);

/// `obj.build(x)` when `x` is an `Expr<S>`, else `x` back.
fn try_build<S: Real, O: Objective + ?Sized>(
    obj: &O,
    x: Box<dyn Any>,
) -> Result<Box<dyn Any>, Box<dyn Any>> {
    x.downcast::<Expr<S>>()
        .map(|e| Box::new(obj.build(*e)) as Box<dyn Any>)
}

impl<O: Objective + ?Sized> Build for Typed<'_, O> {
    fn build_any(&self, x: Box<dyn Any>) -> Box<dyn Any> {
        let obj = self.0;
        // Every width of `hessian::sweep`, from its one list.
        macro_rules! each_scalar {
            ($($k:literal)*) => {
                try_build::<f64, O>(obj, x)
                    .or_else(|x| try_build::<Tracer, O>(obj, x))
                    $(.or_else(|x| try_build::<DualN<f64, $k>, O>(obj, x)))*
            };
        }
        crate::hessian::with_widths!(each_scalar).unwrap_or_else(|_| {
            panic!(
                "lensdiff internal error: a solver built {} over a scalar type it does not erase",
                type_name::<O>()
            )
        })
    }
    fn programs(&self) -> Option<&ProgramCache> {
        self.0.programs()
    }
}
