//! The instruction set the vector paths run with, chosen at run time.
//!
//! The crate is compiled for the target's baseline (SSE2 on x86-64), so a
//! user's `cargo build` needs no flags. The vector paths (the elementwise
//! kernels, and every `ScalarFn` evaluated on four lanes) are run through
//! [`vectorized`], which enters a function compiled for AVX2 + FMA when
//! the CPU has them (`pulp`'s safe tokens: the CPU is checked before such
//! a function can be called) and inlines the path into it, so the same
//! source runs at the widest level available. (An AVX-512 level was
//! measured too: 5–10 % faster than AVX2 on four lanes, slower on one
//! Hessian sweep, and a third copy of every vector path lengthened the
//! cold build; see notes/engine.md.) The lanes'
//! arithmetic forms no fused multiply–adds, so every level gives bitwise
//! the same results as the baseline.
//!
//! The level in force: the one set by [`SimdLevel::scope`] on the calling
//! thread (the tiled engine's workers take their caller's), else the
//! environment variable `LENSDIFF_SIMD` (`baseline` or `avx2`,
//! read once), else the best the CPU has. A level the CPU lacks runs as
//! the best one below it.

use std::cell::Cell;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

/// An instruction-set level of the vector paths.
///
/// ```
/// use lensdiff::engine::SimdLevel;
/// let best = SimdLevel::detected();
/// assert!(best.is_available() && SimdLevel::Baseline.is_available());
/// assert_eq!("avx2".parse::<SimdLevel>(), Ok(SimdLevel::Avx2));
/// assert_eq!(SimdLevel::Avx2.to_string(), "avx2");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SimdLevel {
    /// The target's baseline (SSE2 on x86-64): runs on every CPU.
    Baseline,
    /// AVX2 with FMA (x86-64-v3).
    Avx2,
}

impl SimdLevel {
    /// Every level, lowest first.
    pub const ALL: [SimdLevel; 2] = [SimdLevel::Baseline, SimdLevel::Avx2];

    /// Whether this CPU can run the level.
    ///
    /// ```
    /// use lensdiff::engine::SimdLevel;
    /// assert!(SimdLevel::Baseline.is_available());
    /// ```
    pub fn is_available(self) -> bool {
        match self {
            SimdLevel::Baseline => true,
            #[cfg(target_arch = "x86_64")]
            SimdLevel::Avx2 => pulp::x86::V3::try_new().is_some(),
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The best level this CPU has.
    ///
    /// ```
    /// use lensdiff::engine::SimdLevel;
    /// assert!(SimdLevel::detected() >= SimdLevel::Baseline);
    /// ```
    pub fn detected() -> SimdLevel {
        SimdLevel::Avx2.clamped()
    }

    /// This level, or the best available one below it.
    ///
    /// ```
    /// use lensdiff::engine::SimdLevel;
    /// assert!(SimdLevel::Avx2.clamped() <= SimdLevel::Avx2);
    /// assert_eq!(SimdLevel::Baseline.clamped(), SimdLevel::Baseline);
    /// ```
    pub fn clamped(self) -> SimdLevel {
        SimdLevel::ALL
            .into_iter()
            .rev()
            .find(|l| *l <= self && l.is_available())
            .unwrap_or(SimdLevel::Baseline)
    }

    /// The level in force on this thread (see the module docs), clamped
    /// to the CPU.
    ///
    /// ```
    /// use lensdiff::engine::SimdLevel;
    /// let inside = SimdLevel::Baseline.scope(SimdLevel::current);
    /// assert_eq!(inside, SimdLevel::Baseline);
    /// assert!(SimdLevel::current().is_available());
    /// ```
    pub fn current() -> SimdLevel {
        FORCED
            .with(Cell::get)
            .unwrap_or_else(SimdLevel::default_level)
    }

    /// Runs `f` with the vector paths at this level (clamped to the CPU)
    /// on the calling thread and on the tiled engine's workers it starts;
    /// the previous level is restored after, also when `f` panics.
    ///
    /// ```
    /// use lensdiff::engine::SimdLevel;
    /// use lensdiff::{grad, Expr, Objective, Real};
    /// use nalgebra::DVector;
    /// struct Waves;
    /// impl Objective for Waves {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.map(|t| t.sin() * t.exp()).sum()
    ///     }
    /// }
    /// let x = DVector::from_fn(1000, |i, _| (i as f64 * 0.01).cos());
    /// let base = SimdLevel::Baseline.scope(|| grad(&Waves.lens::<f64>(), &x));
    /// for level in SimdLevel::ALL.into_iter().filter(|l| l.is_available()) {
    ///     // The lanes form no fused multiply-adds: bitwise the same.
    ///     assert_eq!(level.scope(|| grad(&Waves.lens::<f64>(), &x)), base);
    /// }
    /// ```
    pub fn scope<R>(self, f: impl FnOnce() -> R) -> R {
        struct Restore(Option<SimdLevel>);
        impl Drop for Restore {
            fn drop(&mut self) {
                FORCED.with(|c| c.set(self.0));
            }
        }
        let _restore = Restore(FORCED.with(|c| c.replace(Some(self.clamped()))));
        f()
    }

    /// The level when no [`scope`](Self::scope) sets one:
    /// `LENSDIFF_SIMD` (read once, clamped to the CPU), else
    /// [`detected`](Self::detected). An unknown value is reported once
    /// on standard error and ignored.
    pub(crate) fn default_level() -> SimdLevel {
        static DEFAULT: OnceLock<SimdLevel> = OnceLock::new();
        *DEFAULT.get_or_init(|| match std::env::var("LENSDIFF_SIMD") {
            Ok(v) => match v.parse::<SimdLevel>() {
                Ok(level) => level.clamped(),
                Err(e) => {
                    eprintln!("lensdiff: {e}; using {}", SimdLevel::detected());
                    SimdLevel::detected()
                }
            },
            Err(_) => SimdLevel::detected(),
        })
    }
}

impl fmt::Display for SimdLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SimdLevel::Baseline => "baseline",
            SimdLevel::Avx2 => "avx2",
        })
    }
}

thread_local! {
    /// The level set by [`SimdLevel::scope`] on this thread.
    static FORCED: Cell<Option<SimdLevel>> = const { Cell::new(None) };
}

/// A name that is not a [`SimdLevel`].
///
/// ```
/// use lensdiff::engine::SimdLevel;
/// let e = "sse9".parse::<SimdLevel>().unwrap_err();
/// assert!(e.to_string().contains("sse9"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSimdLevel(pub String);

impl fmt::Display for UnknownSimdLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LENSDIFF_SIMD={:?} is not a level (baseline or avx2)",
            self.0
        )
    }
}

impl std::error::Error for UnknownSimdLevel {}

impl FromStr for SimdLevel {
    type Err = UnknownSimdLevel;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "baseline" | "sse2" => Ok(SimdLevel::Baseline),
            "avx2" => Ok(SimdLevel::Avx2),
            _ => Err(UnknownSimdLevel(s.to_string())),
        }
    }
}

/// Runs `f` inlined into a function compiled for the level in force
/// (see the module docs); `f` is the loop of a vector path.
#[inline(always)]
pub(crate) fn vectorized<R>(f: impl FnOnce() -> R) -> R {
    run_at(SimdLevel::current(), f)
}

/// Runs `f` at `level` (or the baseline when the CPU lacks it).
#[inline(always)]
pub(crate) fn run_at<R>(level: SimdLevel, f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    match level {
        SimdLevel::Avx2 => {
            if let Some(simd) = pulp::x86::V3::try_new() {
                return simd.vectorize(f);
            }
        }
        SimdLevel::Baseline => {}
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = level;
    f()
}
