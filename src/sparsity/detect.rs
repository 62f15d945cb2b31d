//! Sparsity detection: run the objective (or a vector map) once over
//! [`Tracer`] scalars at a point `x` and read off the Hessian (or
//! Jacobian) pattern.
//!
//! The Hessian pattern is the set of input pairs recorded by nonlinear
//! operations, symmetrised; the Jacobian pattern is, per output, the set of
//! inputs it depends on. One value pass, no derivatives: the cost is a few
//! times one evaluation of `f`, and memory is O(nnz + traced values).

use super::arena::{self, Arena};
use super::{Pattern, Tracer};
use crate::engine::Engine;
use crate::error::check_finite;
use crate::objective::check_dimension;
use crate::{DFun, Error, Expr, Objective, Reverse};
use nalgebra::DVector;

/// An active trace on this thread; ends (and frees the arena) on drop,
/// also when the traced function panics.
struct Trace;

impl Trace {
    fn start(n: usize) -> Result<Self, Error> {
        arena::with(|a: &mut Arena| {
            if a.active {
                return Err(Error::InvalidArgument {
                    op: "sparsity",
                    reason: "a sparsity trace is already running on this thread".into(),
                });
            }
            a.start(n);
            Ok(Trace)
        })
    }
}

impl Drop for Trace {
    fn drop(&mut self) {
        arena::with(|a| a.clear());
    }
}

fn inputs(x: &DVector<f64>) -> DVector<Tracer> {
    DVector::from_iterator(
        x.len(),
        x.iter().enumerate().map(|(i, &v)| Tracer::input(v, i)),
    )
}

/// The Hessian sparsity pattern of `f` at `x` (symmetric, diagonal
/// included where an input enters nonlinearly). Conservative: every
/// nonzero of `∇²f(x)` is in the pattern; value-dependent branches give
/// the pattern of the branch taken at `x`.
///
/// ```
/// use lensdiff::sparsity::hessian_pattern;
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(20, |i, _| (0.7 * i as f64).sin());
/// let pat = hessian_pattern(&Penta, &x).unwrap();
/// assert_eq!(pat.bandwidth(), 2);
/// assert_eq!(pat.nnz(), 20 + 2 * 19 + 2 * 18);
/// ```
pub fn hessian_pattern<O: Objective + ?Sized>(obj: &O, x: &DVector<f64>) -> Result<Pattern, Error> {
    let n = x.len();
    check_finite("x", x.as_slice())?;
    check_dimension("hessian_pattern", obj, n)?;
    let lens = obj.lens::<Tracer>();
    let _trace = Trace::start(n)?;
    // The tracer records into a thread-local arena: one whole-vector pass
    // on this thread (tiles on workers would record elsewhere).
    let _ = Engine::whole_vector().scope(|| lens.eval(&inputs(x)));
    let mut pairs = arena::with(|a| a.take_pairs());
    let counts = pairs.take_counts();
    Ok(Pattern::symmetric_from_pairs(
        n,
        |i| pairs.diagonal(i),
        pairs.off_diagonal(),
        counts,
    ))
}

/// The Jacobian sparsity pattern at `x` of the vector map `F` built by
/// `f` from its input expression (row `i`: the inputs output `i` depends
/// on).
///
/// ```
/// use lensdiff::sparsity::jacobian_pattern;
/// use nalgebra::dvector;
/// // F(x) = (x₁ − x₀, x₂ − x₁): a bidiagonal Jacobian.
/// let p = jacobian_pattern(|x| x.diff(), &dvector![1.0, 2.0, 4.0]).unwrap();
/// assert_eq!((p.nrows(), p.ncols(), p.nnz()), (2, 3, 4));
/// assert_eq!(p.row(1), &[1, 2]);
/// ```
pub fn jacobian_pattern<F>(f: F, x: &DVector<f64>) -> Result<Pattern, Error>
where
    F: FnOnce(Expr<Tracer>) -> Expr<Tracer>,
{
    let n = x.len();
    check_finite("x", x.as_slice())?;
    let e = f(Expr::var());
    e.check(&[n])?;
    let lens: DFun<DVector<Tracer>, DVector<Tracer>, Reverse> = e.compile();
    let _trace = Trace::start(n)?;
    let y = Engine::whole_vector().scope(|| lens.eval(&inputs(x)));
    let rows = arena::with(|a| {
        y.iter()
            .map(|t| {
                a.members_vec(t.deps())
                    .into_iter()
                    .map(|j| j as usize)
                    .collect()
            })
            .collect()
    });
    Ok(Pattern::from_rows(n, rows))
}
