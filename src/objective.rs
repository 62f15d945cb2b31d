//! Scalar-generic maps: one definition, every scalar type.
//!
//! An [`Objective`] builds `F(x)` as an [`Expr`] over *any* [`Real`]
//! scalar: a scalar `f` to minimise, or a vector-valued map (constraints,
//! a map whose sparse Jacobian is wanted). Over `f64` it is the plain function; over [`crate::Dual`] or
//! [`crate::DualN`] its reverse-mode gradient carries Hessian-vector
//! products ([`crate::hessian`]); over any later scalar type (a sparsity
//! tracer, say) it runs unchanged.
//!
//! [`CompiledObjective`] wraps an objective and keeps one compiled program
//! per scalar type ([`ProgramCache`]), so repeated calls (a Newton solve)
//! reuse the compiled program and its buffers.

use crate::expr::program_lens;
use crate::graph::Program;
use crate::{DFun, Error, Expr, Real, Reverse};
use nalgebra::DVector;
use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// A map `F: Rⁿ → Rᵐ` written once for every scalar type: a scalar
/// objective `f` (`m = 1`: gradients, Hessians, Newton), or a vector-valued
/// map (constraints `c` of [`crate::constrained::Sqp`], the maps of
/// [`crate::sparsity::jacobian_sparse`]).
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
    /// `F(x)` as an expression in the input variable `x`.
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S>;

    /// Where this objective keeps its compiled programs between calls:
    /// `None` (the default) compiles anew on every call;
    /// [`CompiledObjective`] keeps them.
    ///
    /// ```
    /// use lensdiff::{CompiledObjective, Expr, Objective, Real};
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// assert!(Sum.programs().is_none());
    /// assert!(CompiledObjective::new(Sum).programs().is_some());
    /// ```
    fn programs(&self) -> Option<&ProgramCache> {
        None
    }

    /// The reverse-mode lens of a scalar `f` over scalars `S`. For a
    /// vector-valued map compile `self.build(Expr::var())` into the lens you
    /// need instead (its output is not a scalar).
    ///
    /// ```
    /// use lensdiff::{Expr, Objective, Real, grad};
    /// use nalgebra::dvector;
    /// struct Cubes;
    /// impl Objective for Cubes {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.map(|t| t.powi(3)).sum() }
    /// }
    /// let f = Cubes.lens::<f64>();
    /// let x = dvector![1.0, -2.0];
    /// assert_eq!(f.eval(&x), -7.0);
    /// assert_eq!(grad(&f, &x), dvector![3.0, 12.0]); // 3 x²
    /// ```
    fn lens<S: Real>(&self) -> DFun<DVector<S>, S, Reverse> {
        program_lens(program_of(self))
    }
}

impl<O: Objective + ?Sized> Objective for &O {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        (**self).build(x)
    }
    fn programs(&self) -> Option<&ProgramCache> {
        (**self).programs()
    }
}

/// The compiled program of `obj` over scalars `S`: from its cache when it
/// keeps one, else compiled now.
pub(crate) fn program_of<S: Real, O: Objective + ?Sized>(obj: &O) -> Arc<Program<S>> {
    // Only the `build` call is generic over the objective: the rest is
    // compiled once per scalar type, not once per (objective, scalar)
    // pair (build time).
    program_from(obj.programs(), &|| obj.build(Expr::var()))
}

/// The program of the expression `build()` makes, from `cache` when it
/// holds one.
fn program_from<S: Real>(
    cache: Option<&ProgramCache>,
    build: &dyn Fn() -> Expr<S>,
) -> Arc<Program<S>> {
    let compile = || Arc::new(build().program(1));
    match cache {
        Some(cache) => cache.get_or_compile(compile),
        None => compile(),
    }
}

/// One compiled program per scalar type, kept between calls (and with it
/// each program's pool of buffers, so repeated evaluations at large `n`
/// reuse memory instead of paying page faults). Hold one in an objective
/// and return it from [`Objective::programs`], or wrap the objective in a
/// [`CompiledObjective`].
///
/// ```
/// use lensdiff::{Expr, Objective, ProgramCache, Real, grad};
/// use nalgebra::dvector;
/// /// An objective with a parameter, keeping its programs beside it.
/// struct Spring { k: f64, programs: ProgramCache }
/// impl Objective for Spring {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.diff().norm_squared() * (0.5 * self.k) }
///     fn programs(&self) -> Option<&ProgramCache> { Some(&self.programs) }
/// }
/// let s = Spring { k: 2.0, programs: ProgramCache::default() };
/// assert_eq!(grad(&s.lens::<f64>(), &dvector![0.0, 1.0]), dvector![-2.0, 2.0]);
/// ```
#[derive(Default)]
pub struct ProgramCache {
    programs: Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>,
    /// The sizes `(n, k)` at which a banded Hessian by substitution fell
    /// back to CPR: later extractions at that size go to CPR at once
    /// (one sweep instead of two; the iterates of a solve are alike).
    fell_back: Mutex<Vec<(usize, usize)>>,
}

impl ProgramCache {
    /// The cached program over `S`, compiling it with `compile` the first
    /// time. Only the downcast is generic: the lookup and the insertion
    /// are compiled once, not once per objective and scalar type (this
    /// function is instantiated for every pair a crate uses).
    fn get_or_compile<S: Real>(
        &self,
        compile: impl FnOnce() -> Arc<Program<S>>,
    ) -> Arc<Program<S>> {
        let key = TypeId::of::<S>();
        if let Some(p) = self
            .lookup(key)
            .and_then(|p| p.downcast::<Program<S>>().ok())
        {
            return p;
        }
        let p = compile();
        self.insert(key, p.clone());
        p
    }

    /// Drops the cached program over `S`, if any (its buffers go with it
    /// once no lens or tape holds it).
    pub(crate) fn forget<S: Real>(&self) {
        self.remove(TypeId::of::<S>());
    }

    #[inline(never)]
    fn remove(&self, key: TypeId) {
        if let Ok(mut map) = self.programs.lock() {
            map.remove(&key);
        }
    }

    #[inline(never)]
    fn lookup(&self, key: TypeId) -> Option<Arc<dyn Any + Send + Sync>> {
        self.programs.lock().ok()?.get(&key).cloned()
    }

    #[inline(never)]
    fn insert(&self, key: TypeId, program: Arc<dyn Any + Send + Sync>) {
        if let Ok(mut map) = self.programs.lock() {
            map.insert(key, program);
        }
    }
}

impl ProgramCache {
    /// Whether substitution fell back to CPR at this size before.
    pub(crate) fn fell_back(&self, n: usize, k: usize) -> bool {
        self.fell_back.lock().is_ok_and(|s| s.contains(&(n, k)))
    }

    /// Remembers that substitution fell back to CPR at this size.
    pub(crate) fn note_fallback(&self, n: usize, k: usize) {
        if let Ok(mut s) = self.fell_back.lock()
            && !s.contains(&(n, k))
        {
            s.push((n, k));
        }
    }
}

impl std::fmt::Debug for ProgramCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.programs.lock().map(|m| m.len()).unwrap_or(0);
        write!(f, "ProgramCache({n} programs)")
    }
}

/// An objective compiled once per scalar type: it keeps a
/// [`ProgramCache`], so repeated calls (a Newton solve) reuse the compiled
/// program and its buffers.
///
/// ```
/// use lensdiff::{CompiledObjective, Expr, Objective, Real, grad};
/// use nalgebra::DVector;
/// struct Chain;
/// impl Objective for Chain {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().map(|d| d.sin()).norm_squared()
///     }
/// }
/// let f = CompiledObjective::new(Chain);
/// let x = DVector::from_fn(5, |i, _| 0.3 * i as f64);
/// // The same derivatives as the plain objective, from a program compiled once.
/// assert_eq!(grad(&f.lens::<f64>(), &x), grad(&Chain.lens::<f64>(), &x));
/// ```
#[derive(Debug)]
pub struct CompiledObjective<O> {
    inner: O,
    programs: ProgramCache,
}

impl<O: Objective> CompiledObjective<O> {
    /// Wraps an objective.
    ///
    /// ```
    /// use lensdiff::{CompiledObjective, Expr, Objective, Real};
    /// use nalgebra::dvector;
    /// struct Sum;
    /// impl Objective for Sum {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() }
    /// }
    /// assert_eq!(CompiledObjective::new(Sum).lens::<f64>().eval(&dvector![1.0, 2.0]), 3.0);
    /// ```
    pub fn new(inner: O) -> Self {
        CompiledObjective {
            inner,
            programs: ProgramCache::default(),
        }
    }

    /// The wrapped objective.
    ///
    /// ```
    /// use lensdiff::{CompiledObjective, Expr, Objective, Real};
    /// struct Scaled(f64);
    /// impl Objective for Scaled {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() * self.0 }
    /// }
    /// assert_eq!(CompiledObjective::new(Scaled(2.5)).inner().0, 2.5);
    /// ```
    pub fn inner(&self) -> &O {
        &self.inner
    }
}

impl<O: Objective> Objective for CompiledObjective<O> {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        self.inner.build(x)
    }
    fn programs(&self) -> Option<&ProgramCache> {
        Some(&self.programs)
    }
}

/// Checks that the objective accepts vectors of length `n` (and that `n`
/// is not zero: a Hessian of no variables is a caller's mistake), against
/// its compiled `f64` program (cached when the objective keeps a
/// [`ProgramCache`]).
pub(crate) fn check_dimension<O: Objective + ?Sized>(
    op: &'static str,
    obj: &O,
    n: usize,
) -> Result<(), Error> {
    if n == 0 {
        return Err(Error::InvalidArgument {
            op,
            reason: "x has length 0: there is no Hessian of no variables".into(),
        });
    }
    // The cached program's length inference: no compilation per call
    // (Newton checks once per iteration).
    // `check_inputs` diagnoses a mismatch from the caller's side
    // (`InputLength`, naming the constant that fixes the length).
    let program = program_of::<f64, O>(obj);
    let out = program.check_inputs(&[n])?[program.output];
    if out != 1 {
        return Err(Error::DimensionMismatch {
            op: "objective output",
            expected: 1,
            found: out,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::ProgramCache;
    use crate::Expr;
    use std::sync::Arc;

    #[test]
    fn forget_drops_the_program_of_one_scalar_type_only() {
        let cache = ProgramCache::default();
        let compile = || Arc::new(Expr::<f64>::var().sum().program(1));
        let a = cache.get_or_compile(compile);
        assert!(Arc::ptr_eq(&a, &cache.get_or_compile(compile)));
        cache.forget::<crate::dual::DualN<f64, 2>>();
        assert!(Arc::ptr_eq(&a, &cache.get_or_compile(compile)));
        cache.forget::<f64>();
        assert!(!Arc::ptr_eq(&a, &cache.get_or_compile(compile)));
    }
}
