//! Scalar-generic objectives: one definition, every scalar type.
//!
//! An [`Objective`] builds `f(x)` as an [`Expr`] over *any* [`Real`]
//! scalar. Over `f64` it is the plain function; over [`crate::Dual`] or
//! [`crate::DualN`] its reverse-mode gradient carries Hessian-vector
//! products ([`crate::hessian`]); over any later scalar type (a sparsity
//! tracer, say) it runs unchanged.
//!
//! [`Cached`] wraps an objective and keeps one compiled lens per scalar
//! type, so repeated calls (a Newton solve) reuse the compiled program and
//! its buffers.

use crate::expr::program_lens;
use crate::graph::Program;
use crate::{DFun, Expr, Real, Reverse};
use nalgebra::DVector;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A scalar function `f: Rⁿ → R` written once for every scalar type.
///
/// ```
/// use lensdiff::{Objective, Expr, Real, grad};
/// use nalgebra::dvector;
/// /// f(x) = Σ ½ (x[i+1] − x[i])²
/// struct Smooth;
/// impl Objective for Smooth {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() * 0.5
///     }
/// }
/// let g = grad(&Smooth.lens::<f64>(), &dvector![0.0, 1.0, 3.0]);
/// assert_eq!(g, dvector![-1.0, -1.0, 2.0]);
/// ```
pub trait Objective: Send + Sync {
    /// `f(x)` as an expression in the input variable `x`.
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S>;

    /// The compiled program of `f` over scalars `S` (compiled anew unless
    /// the objective caches it, as [`Cached`] does).
    ///
    /// ```
    /// use lensdiff::{Objective, problems::Chain1};
    /// assert!(Chain1::new(4).program::<f64>().len() > 2);
    /// ```
    fn program<S: Real>(&self) -> Arc<Program<S>> {
        Arc::new(self.build(Expr::var()).program(1))
    }

    /// The reverse-mode lens of `f` over scalars `S`.
    ///
    /// ```
    /// use lensdiff::{Objective, problems::Chain1};
    /// use nalgebra::DVector;
    /// let f = Chain1::new(4).lens::<f64>();
    /// assert!(f.eval(&DVector::zeros(4)).abs() < 1.0);
    /// ```
    fn lens<S: Real>(&self) -> DFun<DVector<S>, S, Reverse> {
        program_lens(self.program())
    }
}

impl<O: Objective + ?Sized> Objective for &O {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        (**self).build(x)
    }
    fn program<S: Real>(&self) -> Arc<Program<S>> {
        (**self).program()
    }
}

/// An objective that keeps one compiled program per scalar type (and with
/// it the program's pool of buffers, so repeated evaluations at large `n`
/// reuse memory instead of paying page faults).
///
/// ```
/// use lensdiff::{Objective, objective::Cached, problems::Chain1, grad};
/// use nalgebra::DVector;
/// let f = Cached::new(Chain1::new(5));
/// let x = DVector::from_element(5, 0.3);
/// assert_eq!(grad(&f.lens::<f64>(), &x), grad(&Chain1::new(5).lens::<f64>(), &x));
/// ```
pub struct Cached<O> {
    inner: O,
    programs: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
}

impl<O: Objective> Cached<O> {
    /// Wraps an objective.
    ///
    /// ```
    /// use lensdiff::{objective::Cached, problems::{Accel2, Problem}};
    /// let f = Cached::new(Accel2::new(10));
    /// assert_eq!(f.inner().n(), 10);
    /// ```
    pub fn new(inner: O) -> Self {
        Cached {
            inner,
            programs: Mutex::new(HashMap::new()),
        }
    }

    /// The wrapped objective.
    ///
    /// ```
    /// use lensdiff::{objective::Cached, problems::Chain1};
    /// let _ = Cached::new(Chain1::new(3)).inner();
    /// ```
    pub fn inner(&self) -> &O {
        &self.inner
    }
}

impl<O: Objective> Objective for Cached<O> {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        self.inner.build(x)
    }
    fn program<S: Real>(&self) -> Arc<Program<S>> {
        let key = TypeId::of::<S>();
        if let Ok(map) = self.programs.lock() {
            if let Some(p) = map.get(&key) {
                if let Ok(p) = p.clone().downcast::<Program<S>>() {
                    return p;
                }
            }
        }
        let p: Arc<Program<S>> = self.inner.program();
        if let Ok(mut map) = self.programs.lock() {
            map.insert(key, p.clone());
        }
        p
    }
}
