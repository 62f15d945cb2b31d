//! Sparsity detection: run the objective (or a vector map) once over
//! [`Tracer`] scalars at a point `x` and read off the Hessian (or
//! Jacobian) pattern.
//!
//! The Hessian pattern is the set of input pairs recorded by nonlinear
//! operations, symmetrised; the Jacobian pattern is, per output, the set of
//! inputs it depends on. One value pass, no derivatives: the cost is a few
//! times one evaluation of `f`, and memory is O(nnz + traced values).
//! [`hessian_pattern_within`] stops at the caller's number of nonzeros
//! (a dense Hessian would cost `n²`); [`hessian_bandwidth`] keeps no
//! pattern at all.

use super::arena::{self, Arena};
use super::pairs::{Keep, Recorded};
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
    fn start(n: usize, keep: Keep) -> Result<Self, Error> {
        arena::with(|a: &mut Arena| {
            if a.active {
                return Err(Error::InvalidArgument {
                    op: "sparsity",
                    reason: "a sparsity trace is already running on this thread".into(),
                });
            }
            a.start(n, keep);
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
    hessian_pattern_within(obj, x, usize::MAX)
}

/// [`hessian_pattern`], stopping as soon as the pattern is known to have
/// more than `max_nnz` nonzeros: then [`Error::HessianTooDense`], after
/// time and memory proportional to `max_nnz` (plus one evaluation), not
/// to the whole pattern. A dense Hessian (a nonlinear function of a sum
/// over all of `x`) is found out at once.
///
/// ```
/// use lensdiff::sparsity::hessian_pattern_within;
/// use lensdiff::{Error, Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + tanh(Σ x): a band plus a dense term.
/// struct Coupled;
/// impl Objective for Coupled {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.sum().tanh()
///     }
/// }
/// let x = nalgebra::DVector::from_element(100_000, 0.1);
/// // 10⁵ variables: 10¹⁰ nonzeros, refused after none were stored.
/// let Err(Error::HessianTooDense { found, .. }) = hessian_pattern_within(&Coupled, &x, 1_000_000)
/// else { panic!() };
/// assert!(found > 1_000_000);
/// // A small one is returned whole.
/// let small = nalgebra::DVector::from_element(10, 0.1);
/// assert_eq!(hessian_pattern_within(&Coupled, &small, 100).unwrap().nnz(), 100);
/// ```
pub fn hessian_pattern_within<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    max_nnz: usize,
) -> Result<Pattern, Error> {
    let n = x.len();
    // Each off-diagonal pair is two nonzeros.
    let keep = Keep::Pairs {
        max_pairs: max_nnz / 2,
    };
    let mut pairs = trace("hessian_pattern", obj, x, keep)?;
    let too_dense = |found, widest_row| Error::HessianTooDense {
        n,
        limit: max_nnz,
        found,
        widest_row,
    };
    if let Some(stop) = pairs.stopped {
        return Err(too_dense(2 * stop.pairs, stop.widest_row));
    }
    let counts = pairs.take_counts();
    let pattern =
        Pattern::symmetric_from_pairs(n, |i| pairs.diagonal(i), pairs.off_diagonal(), counts);
    // The diagonal, and repeats the trace had not yet dropped, are
    // counted only now.
    if pattern.nnz() > max_nnz {
        return Err(too_dense(pattern.nnz(), pattern.max_row_nnz()));
    }
    Ok(pattern)
}

/// The half-bandwidth of the Hessian pattern at `x` (what
/// [`hessian_pattern`]`(obj, x)?.bandwidth()` returns), without building
/// the pattern: memory is that of one traced evaluation whatever the
/// Hessian's density, and a dense Hessian costs no `n²` time.
///
/// ```
/// use lensdiff::sparsity::{hessian_bandwidth, hessian_pattern};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(20, |i, _| (0.7 * i as f64).sin());
/// assert_eq!(hessian_bandwidth(&Penta, &x).unwrap(), 2);
/// assert_eq!(hessian_pattern(&Penta, &x).unwrap().bandwidth(), 2);
/// ```
pub fn hessian_bandwidth<O: Objective + ?Sized>(obj: &O, x: &DVector<f64>) -> Result<usize, Error> {
    Ok(trace("hessian_bandwidth", obj, x, Keep::Bandwidth)?.bandwidth)
}

/// [`hessian_bandwidth`] for a solver that detects once: the tracer's
/// program is then dropped from `obj`'s [`crate::ProgramCache`], where it
/// would keep its buffers to the end of the solve.
pub(crate) fn hessian_bandwidth_once<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
) -> Result<usize, Error> {
    let k = hessian_bandwidth(obj, x)?;
    if let Some(cache) = obj.programs() {
        cache.forget::<Tracer>();
    }
    Ok(k)
}

/// One trace of `f` at `x`, keeping what `keep` says of the pairs.
fn trace<O: Objective + ?Sized>(
    op: &'static str,
    obj: &O,
    x: &DVector<f64>,
    keep: Keep,
) -> Result<Recorded, Error> {
    let n = x.len();
    check_finite("x", x.as_slice())?;
    check_dimension(op, obj, n)?;
    let lens = obj.lens::<Tracer>();
    let _trace = Trace::start(n, keep)?;
    // The tracer records into a thread-local arena: one whole-vector pass
    // on this thread (tiles on workers would record elsewhere).
    let _ = Engine::whole_vector().scope(|| lens.eval(&inputs(x)));
    Ok(arena::with(|a| a.take_pairs()))
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
    // The Hessian pairs are not needed: keep only the bandwidth (O(1)).
    let _trace = Trace::start(n, Keep::Bandwidth)?;
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
