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

    /// The reverse-mode lens of `f` over scalars `S` (compiled anew unless
    /// the objective caches it, as [`Cached`] does).
    ///
    /// ```
    /// use lensdiff::{Objective, problems::Chain1};
    /// use nalgebra::DVector;
    /// let f = Chain1::new(4).lens::<f64>();
    /// assert!(f.eval(&DVector::zeros(4)).abs() < 1.0);
    /// ```
    fn lens<S: Real>(&self) -> DFun<DVector<S>, S, Reverse> {
        self.build(Expr::var()).compile()
    }
}

impl<O: Objective + ?Sized> Objective for &O {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        (**self).build(x)
    }
    fn lens<S: Real>(&self) -> DFun<DVector<S>, S, Reverse> {
        (**self).lens()
    }
}

/// An objective that keeps one compiled lens per scalar type.
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
    lenses: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
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
            lenses: Mutex::new(HashMap::new()),
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
    fn lens<S: Real>(&self) -> DFun<DVector<S>, S, Reverse> {
        let key = TypeId::of::<S>();
        if let Ok(map) = self.lenses.lock() {
            if let Some(f) = map.get(&key) {
                if let Some(f) = f.downcast_ref::<DFun<DVector<S>, S, Reverse>>() {
                    return f.clone();
                }
            }
        }
        let f: DFun<DVector<S>, S, Reverse> = self.inner.lens();
        if let Ok(mut map) = self.lenses.lock() {
            map.insert(key, Arc::new(f.clone()));
        }
        f
    }
}
