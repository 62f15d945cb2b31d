//! How compiled programs execute: tiled or whole-vector, on how many threads.
//!
//! A compiled objective whose primitives all declare an
//! [`IndexMap`](crate::graph::IndexMap) runs *tiled*: the program is run on
//! windows of a few thousand entries, through every primitive forward and
//! back, before the next window starts, so intermediate values stay in
//! cache and no n-long tape is kept (see `notes/engine.md`). Tiles run on
//! every core; their results are combined in a fixed order, so the answer
//! is bitwise the same whatever the number of threads.
//!
//! The settings come, in order of precedence, from [`Engine::scope`] on
//! the calling thread, from the environment variable `LENSDIFF_THREADS`
//! (the thread count), and from the defaults (all cores, tiled).
//!
//! The vector paths run at the widest instruction set the CPU has (AVX2 +
//! FMA on x86-64, chosen at run time: no build flags); see
//! [`SimdLevel`] to force one (`SimdLevel::scope`, `LENSDIFF_SIMD`).
//!
//! ```
//! use lensdiff::engine::Engine;
//! use lensdiff::{grad, Expr, Objective, Real};
//! use nalgebra::DVector;
//! struct Chain;
//! impl Objective for Chain {
//!     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
//!         x.diff().map(|d| d.sin()).norm_squared() + x.map(|t| t.cosh()).sum()
//!     }
//! }
//! let x = DVector::from_fn(5000, |i, _| (i as f64).sin());
//! let tiled = grad(&Chain.lens::<f64>(), &x);
//! let one = Engine { threads: Some(1), ..Engine::default() }.scope(|| grad(&Chain.lens::<f64>(), &x));
//! let whole = Engine::whole_vector().scope(|| grad(&Chain.lens::<f64>(), &x));
//! assert_eq!(tiled, one); // bitwise, whatever the thread count
//! assert!((tiled - whole).amax() < 1e-12);
//! ```

use crate::Objective;
pub use crate::kernels::level::{SimdLevel, UnknownSimdLevel};
use std::cell::Cell;

/// Execution settings of compiled programs.
///
/// ```
/// use lensdiff::engine::Engine;
/// let e = Engine::default();
/// assert!(e.tiled && e.threads.is_none() && e.tile.is_none());
/// assert!(e.thread_count() >= 1);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Engine {
    /// Run programs whose primitives declare index maps tile by tile
    /// (default `true`); `false` runs every program whole-vector.
    pub tiled: bool,
    /// Worker threads for the tiles (default `None`: `LENSDIFF_THREADS`
    /// if set, else every core).
    pub threads: Option<usize>,
    /// Entries per tile, in the index space of the input (default `None`:
    /// chosen from the size of the scalar type, so that a tile's values fit
    /// in the L2 cache).
    pub tile: Option<usize>,
}

impl Default for Engine {
    fn default() -> Self {
        Engine {
            tiled: true,
            threads: None,
            tile: None,
        }
    }
}

thread_local! {
    static CURRENT: Cell<Option<Engine>> = const { Cell::new(None) };
}

impl Engine {
    /// The whole-vector engine: every primitive over whole vectors, one
    /// after the other, on the calling thread (the reference the tiled
    /// engine is tested against).
    ///
    /// ```
    /// use lensdiff::engine::Engine;
    /// assert!(!Engine::whole_vector().tiled);
    /// ```
    pub fn whole_vector() -> Engine {
        Engine {
            tiled: false,
            threads: Some(1),
            tile: None,
        }
    }

    /// The settings in force on this thread.
    ///
    /// ```
    /// use lensdiff::engine::Engine;
    /// let e = Engine { threads: Some(3), ..Engine::default() };
    /// assert_eq!(e.scope(Engine::current).threads, Some(3));
    /// ```
    pub fn current() -> Engine {
        CURRENT.with(|c| c.get()).unwrap_or_default()
    }

    /// Runs `f` with these settings on the calling thread (restored after,
    /// also when `f` panics).
    ///
    /// ```
    /// use lensdiff::engine::Engine;
    /// let t = Engine { tile: Some(64), ..Engine::default() }.scope(|| Engine::current().tile);
    /// assert_eq!(t, Some(64));
    /// assert_eq!(Engine::current().tile, None);
    /// ```
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<Engine>);
        impl Drop for Restore {
            fn drop(&mut self) {
                CURRENT.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(CURRENT.with(|c| c.replace(Some(self))));
        f()
    }

    /// The number of worker threads these settings ask for: `threads`, else
    /// `LENSDIFF_THREADS`, else the number of cores (at least one).
    ///
    /// ```
    /// use lensdiff::engine::Engine;
    /// assert_eq!(Engine { threads: Some(2), ..Engine::default() }.thread_count(), 2);
    /// ```
    pub fn thread_count(&self) -> usize {
        self.threads
            .or_else(|| {
                std::env::var("LENSDIFF_THREADS")
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
            })
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .max(1)
    }

    /// Entries per tile for scalars of `bytes` bytes.
    pub(crate) fn tile_len(&self, bytes: usize) -> usize {
        self.tile
            .unwrap_or_else(|| (TILE_BYTES / bytes.max(1)).clamp(256, 8192))
            .max(1)
    }
}

/// Runs `a` and `b` side by side on the worker pool, each under the
/// caller's engine settings and SIMD level (both are per thread), or one
/// after the other when the engine has one thread. For independent work
/// of which one part does not run in tiles (a whole-vector evaluation
/// leaves the other core idle).
pub(crate) fn join<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    let engine = Engine::current();
    if engine.thread_count() < 2 {
        return (a(), b());
    }
    let level = crate::kernels::level::SimdLevel::current();
    rayon::join(
        || level.scope(|| engine.scope(a)),
        || level.scope(|| engine.scope(b)),
    )
}

/// The number of tiles `obj` runs in at dimension `n` under the settings
/// in force (`None`: it runs whole-vector, because a primitive declares no
/// index map, a vector needs a finished reduction, or `n` fits one tile).
///
/// ```
/// use lensdiff::engine::{Engine, tiles};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
/// struct Tri;
/// impl Objective for Tri {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// assert!(tiles(&Tri, 100_000).unwrap() > 1);
/// assert_eq!(Engine::whole_vector().scope(|| tiles(&Tri, 100_000)), None);
/// ```
pub fn tiles<O: Objective + ?Sized>(obj: &O, n: usize) -> Option<usize> {
    tile_count(&crate::objective::program_of::<f64, _>(obj), n)
}

/// Not generic, so that the planner over `f64` is compiled here once, not
/// in every caller's crate.
fn tile_count(prog: &crate::graph::Program<f64>, n: usize) -> Option<usize> {
    prog.tile_count(&[n])
}

/// Bytes of one slot's window in a tile (a program keeps a few dozen
/// windows live, so a tile's working set is a few hundred kilobytes).
const TILE_BYTES: usize = 64 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::level::SimdLevel;

    #[test]
    fn join_runs_both_sides_under_the_callers_settings() {
        let settings = Engine {
            tiled: false,
            threads: Some(2),
            tile: Some(64),
        };
        let seen = SimdLevel::Baseline.scope(|| {
            settings.scope(|| {
                join(
                    || (Engine::current(), SimdLevel::current()),
                    || (Engine::current(), SimdLevel::current()),
                )
            })
        });
        assert_eq!(seen.0, (settings, SimdLevel::Baseline));
        assert_eq!(seen.1, (settings, SimdLevel::Baseline));
        // One thread: one after the other, on the caller's thread.
        let one = Engine {
            threads: Some(1),
            ..settings
        };
        let caller = std::thread::current().id();
        let ids = one.scope(|| {
            join(
                || std::thread::current().id(),
                || std::thread::current().id(),
            )
        });
        assert_eq!(ids, (caller, caller));
    }
}
