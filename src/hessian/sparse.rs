//! Compressed sparse Hessians: detect the pattern, star-colour it, run one
//! Hessian-vector product per colour, and read every nonzero directly.
//!
//! Seeds `v_c = Σ_{color(j) = c} e_j`; `(H v_c)_i = Σ_{color(l) = c} H[i][l]`.
//! A star colouring guarantees that each off-diagonal `H[i][j]` is the only
//! term either of `(H v_{color j})_i` or of `(H v_{color i})_j`; the
//! diagonal `H[i][i]` is alone in `(H v_{color i})_i` because the colouring
//! is proper. No subtraction, so the entries are exact to rounding. A
//! distance-2 colouring is a star colouring too; the plan keeps whichever
//! of the two greedy colourings has fewer colours (robot2d: 6 distance-2
//! colours against 7 star colours, and 9 for the banded comb).
//!
//! [`hessian_sparse_with`] with [`Recovery::Substitution`] uses an acyclic
//! colouring instead (fewer colours, entries found by peeling the
//! two-coloured trees: each costs a subtraction chain, so an entry much
//! smaller than its neighbours loses relative accuracy).

use super::substitution::Recovery as RecoveryPlan;
use super::try_sweep;
use crate::erased::Erased;
use crate::error::check_finite;
use crate::objective::check_dimension;
use crate::probe::probe;
use crate::sparsity::{
    Coloring, CscMatrix, Pattern, acyclic_coloring, check_probe, column_coloring, dense_threshold,
    hessian_pattern_within, star_coloring,
};
use crate::{Error, Objective};
use nalgebra::DVector;

/// How [`hessian_sparse_with`] colours the pattern and recovers entries.
///
/// ```
/// use lensdiff::hessian::Recovery;
/// assert_eq!(Recovery::default(), Recovery::Direct);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recovery {
    /// Star (or distance-2, if smaller) colouring, each entry read
    /// directly (exact to rounding).
    #[default]
    Direct,
    /// Acyclic colouring, entries by substitution (fewer products).
    Substitution,
}

/// A sparse Hessian with the value and gradient from the same sweep.
#[derive(Debug, Clone)]
pub struct SparseHessian {
    /// `f(x)`.
    pub value: f64,
    /// `∇f(x)`.
    pub gradient: DVector<f64>,
    /// `∇²f(x)`, both triangles, on the detected pattern.
    pub hessian: CscMatrix,
    /// The number of colours.
    pub colors: usize,
    /// Hessian-vector products used (the probe included).
    pub hvps: usize,
    /// The verification residual, when verified.
    pub residual: Option<f64>,
}

/// The Hessian of `f` at `x` from a detected pattern and a star colouring
/// (one Hessian-vector product per colour).
///
/// ```
/// use lensdiff::hessian::{hessian, hessian_sparse};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(12, |i, _| (0.7 * i as f64).sin());
/// let h = hessian_sparse(&Penta, &x).unwrap();
/// assert!((h.hessian.to_dmatrix() - hessian(&Penta, &x).unwrap()).amax() < 1e-10);
/// assert_eq!(h.colors, 5); // a star colouring of the band: 2k + 1 for k = 2
/// ```
pub fn hessian_sparse<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
) -> Result<SparseHessian, Error> {
    hessian_sparse_with(obj, x, Recovery::Direct)
}

/// The sparse Hessian of `f` at `x` with the chosen colouring and recovery
/// (pattern detected at `x`, so no verification product).
///
/// ```
/// use lensdiff::hessian::{hessian, hessian_sparse_with, Recovery};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
/// struct Penta;
/// impl Objective for Penta {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(30, |i, _| (0.7 * i as f64).sin());
/// let h = hessian_sparse_with(&Penta, &x, Recovery::Substitution).unwrap();
/// assert_eq!(h.colors, 3); // k + 1 for half-bandwidth k = 2
/// assert!((h.hessian.to_dmatrix() - hessian(&Penta, &x).unwrap()).amax() < 1e-10);
/// ```
pub fn hessian_sparse_with<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    recovery: Recovery,
) -> Result<SparseHessian, Error> {
    let opts = SparseOptions {
        recovery,
        verify: false,
        ..SparseOptions::default()
    };
    SparseHessianPlan::new(obj, x, &opts)?.evaluate(obj, x)
}

/// Options of a [`SparseHessianPlan`] (and of Newton's sparse path).
///
/// ```
/// use lensdiff::hessian::{SparseOptions, Recovery};
/// let o = SparseOptions::default();
/// assert_eq!(o.recovery, Recovery::Direct);
/// assert!(o.verify);
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SparseOptions {
    /// Colouring and recovery (default [`Recovery::Direct`]).
    pub recovery: Recovery,
    /// Check every recovered Hessian with one extra random product
    /// (default `true`): a pattern detected at one point can miss
    /// nonzeros at another when the objective branches on values.
    pub verify: bool,
    /// Largest accepted relative verification residual (default `1e-8`).
    pub tol: f64,
    /// Seed of the probe vector (default fixed, so runs are repeatable).
    pub seed: u64,
    /// The most nonzeros a detected pattern may have (default `2²⁴`,
    /// about 270 MB of pattern and values): past it detection stops with
    /// [`Error::HessianTooDense`], after time and memory proportional to
    /// this limit, not to the pattern (a dense Hessian at `n = 2·10⁵`
    /// would have `4·10¹⁰`). Raise it for a larger sparse Hessian.
    pub max_nnz: usize,
}

impl Default for SparseOptions {
    fn default() -> Self {
        let band = crate::hessian::BandOptions::default();
        SparseOptions {
            recovery: Recovery::Direct,
            verify: true,
            tol: band.tol,
            seed: band.seed,
            max_nnz: 1 << 24,
        }
    }
}

/// A sparse Hessian evaluation prepared once and run at many points: the
/// pattern, its colouring and the seed vectors (plus the probe). Detection
/// and colouring cost tens of gradients; each [`evaluate`](Self::evaluate)
/// is one multi-tangent sweep, so Newton's method pays for them once.
///
/// ```
/// use lensdiff::hessian::{hessian, SparseHessianPlan, SparseOptions};
/// use lensdiff::{Expr, Objective, Real};
/// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
/// struct Tri;
/// impl Objective for Tri {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
///     }
/// }
/// let x = nalgebra::DVector::from_fn(40, |i, _| (0.7 * i as f64).sin());
/// let plan = SparseHessianPlan::new(&Tri, &x, &SparseOptions::default()).unwrap();
/// assert_eq!(plan.colors(), 3);
/// // The plan is reused at another point: only the products are computed.
/// let y = x.map(|v| v + 0.3);
/// let h = plan.evaluate(&Tri, &y).unwrap();
/// assert!((h.hessian.to_dmatrix() - hessian(&Tri, &y).unwrap()).amax() < 1e-10);
/// assert!(h.residual.unwrap() < 1e-12);
/// ```
#[derive(Debug, Clone)]
pub struct SparseHessianPlan {
    pattern: Pattern,
    coloring: Coloring,
    seeds: Vec<Vec<f64>>,
    /// Which product entry (or peeling step) gives each Hessian entry.
    recovery: RecoveryPlan,
    /// The column indices of the pattern, row by row (the CSC row indices
    /// of the symmetric matrix).
    row_idx: Vec<usize>,
    opts: SparseOptions,
}

impl SparseHessianPlan {
    /// Detects the Hessian pattern of `f` at `x` and colours it.
    ///
    /// ```
    /// use lensdiff::hessian::{SparseHessianPlan, SparseOptions};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
    /// struct Penta;
    /// impl Objective for Penta {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(100, |i, _| (0.7 * i as f64).sin());
    /// let plan = SparseHessianPlan::new(&Penta, &x, &SparseOptions::default()).unwrap();
    /// assert_eq!(plan.pattern().bandwidth(), 2);
    /// ```
    pub fn new<O: Objective + ?Sized>(
        obj: &O,
        x: &DVector<f64>,
        opts: &SparseOptions,
    ) -> Result<Self, Error> {
        Self::from_pattern(hessian_pattern_within(obj, x, opts.max_nnz)?, opts)
    }

    /// A plan for a known symmetric pattern (for instance the union of
    /// patterns detected at several points). Errors if the pattern is not
    /// square or not symmetric, or `tol` is negative or NaN.
    ///
    /// ```
    /// use lensdiff::sparsity::Pattern;
    /// use lensdiff::hessian::{SparseHessianPlan, SparseOptions};
    /// let p = Pattern::from_entries(3, 3, [(0, 0), (1, 1), (2, 2), (0, 2), (2, 0)]);
    /// let plan = SparseHessianPlan::from_pattern(p, &SparseOptions::default()).unwrap();
    /// assert_eq!(plan.colors(), 2);
    /// let bad = Pattern::from_entries(3, 3, [(0, 2)]);
    /// assert!(SparseHessianPlan::from_pattern(bad, &SparseOptions::default()).is_err());
    /// ```
    pub fn from_pattern(pattern: Pattern, opts: &SparseOptions) -> Result<Self, Error> {
        let n = pattern.nrows();
        if pattern.ncols() != n {
            return Err(Error::DimensionMismatch {
                op: "SparseHessianPlan (square pattern)",
                expected: n,
                found: pattern.ncols(),
            });
        }
        if let Some((i, j)) = (0..n).find_map(|i| {
            pattern
                .row(i)
                .iter()
                .find(|&&j| !pattern.contains(j, i))
                .map(|&j| (i, j))
        }) {
            return Err(Error::InvalidArgument {
                op: "SparseHessianPlan",
                reason: format!(
                    "the {n}×{n} pattern is not symmetric: it has ({i}, {j}) but not ({j}, {i})"
                ),
            });
        }
        if opts.tol.is_nan() || opts.tol < 0.0 {
            return Err(Error::InvalidArgument {
                op: "SparseHessianPlan",
                reason: format!("tol must be a non-negative number, got {}", opts.tol),
            });
        }
        let coloring = match opts.recovery {
            // A distance-2 colouring is also a star colouring; greedy star
            // sometimes needs more colours (robot2d: 7 against 6). Not
            // tried with dense rows: their columns meet every column, so it
            // would cost O(n²) and need n colours anyway.
            Recovery::Direct => {
                let star = star_coloring(&pattern);
                if pattern.max_row_nnz() > dense_threshold(n) + 1 {
                    star
                } else {
                    let distance2 = column_coloring(&pattern);
                    if distance2.n_colors() < star.n_colors() {
                        distance2
                    } else {
                        star
                    }
                }
            }
            Recovery::Substitution => acyclic_coloring(&pattern),
        };
        let mut seeds = coloring.seeds();
        if opts.verify {
            seeds.push(probe(n, opts.seed));
        }
        let (colors, n_colors) = (coloring.colors(), coloring.n_colors());
        let recovery = match opts.recovery {
            Recovery::Direct => RecoveryPlan::direct(&pattern, colors, n_colors)?,
            Recovery::Substitution => RecoveryPlan::substitution(&pattern, colors, n_colors)?,
        };
        let row_idx = (0..n)
            .flat_map(|i| pattern.row(i).iter().copied())
            .collect();
        Ok(SparseHessianPlan {
            pattern,
            coloring,
            seeds,
            recovery,
            row_idx,
            opts: *opts,
        })
    }

    /// The pattern the Hessian is recovered on.
    ///
    /// ```
    /// use lensdiff::hessian::{SparseHessianPlan, SparseOptions};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − x[i])² + Σ cosh xᵢ: tridiagonal, convex.
    /// struct Tri;
    /// impl Objective for Tri {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(10, |i, _| (0.7 * i as f64).sin());
    /// let plan = SparseHessianPlan::new(&Tri, &x, &SparseOptions::default()).unwrap();
    /// assert_eq!(plan.pattern().nnz(), 10 + 2 * 9); // the diagonal and both off-diagonals
    /// ```
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// The number of colours (Hessian-vector products per evaluation, the
    /// probe not counted).
    ///
    /// ```
    /// use lensdiff::hessian::{SparseHessianPlan, SparseOptions, Recovery};
    /// use lensdiff::{Expr, Objective, Real};
    /// /// Σ (x[i+1] − 2x[i] + x[i−1])² + Σ cosh xᵢ: pentadiagonal (k = 2).
    /// struct Penta;
    /// impl Objective for Penta {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
    ///         x.diff2().norm_squared() + x.map(|t| t.cosh()).sum()
    ///     }
    /// }
    /// let x = nalgebra::DVector::from_fn(100, |i, _| (0.7 * i as f64).sin());
    /// let opts = SparseOptions { recovery: Recovery::Substitution, ..Default::default() };
    /// assert_eq!(SparseHessianPlan::new(&Penta, &x, &opts).unwrap().colors(), 3); // k + 1
    /// ```
    pub fn colors(&self) -> usize {
        self.coloring.n_colors()
    }

    /// `f(x)`, `∇f(x)` and `∇²f(x)` on the plan's pattern, from one sweep;
    /// verified with the probe when the options ask for it
    /// ([`Error::PatternMismatch`] when the Hessian has nonzeros outside
    /// the pattern).
    ///
    /// ```
    /// use lensdiff::{Error, Objective, Expr, Real};
    /// use lensdiff::sparsity::Pattern;
    /// use lensdiff::hessian::{SparseHessianPlan, SparseOptions};
    /// use nalgebra::dvector;
    /// // x₀ x₁ has an off-diagonal entry that a diagonal pattern misses.
    /// struct Product;
    /// impl Objective for Product {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.at(0) * x.at(1) }
    /// }
    /// let diagonal = Pattern::from_entries(2, 2, [(0, 0), (1, 1)]);
    /// let plan = SparseHessianPlan::from_pattern(diagonal, &SparseOptions::default()).unwrap();
    /// let err = plan.evaluate(&Product, &dvector![1.0, 2.0]).unwrap_err();
    /// assert!(matches!(err, Error::PatternMismatch { nnz: 2, .. }));
    /// ```
    pub fn evaluate<O: Objective + ?Sized>(
        &self,
        obj: &O,
        x: &DVector<f64>,
    ) -> Result<SparseHessian, Error> {
        self.evaluate_erased(&Erased::new(obj), x)
    }

    /// [`evaluate`](Self::evaluate), compiled once (see `crate::erased`).
    fn evaluate_erased(&self, obj: &Erased<'_>, x: &DVector<f64>) -> Result<SparseHessian, Error> {
        let n = x.len();
        check_finite("x", x.as_slice())?;
        check_dimension("SparseHessianPlan::evaluate", obj, n)?;
        if n != self.pattern.nrows() {
            return Err(Error::DimensionMismatch {
                op: "SparseHessianPlan::evaluate",
                expected: self.pattern.nrows(),
                found: n,
            });
        }
        let refs: Vec<&[f64]> = self.seeds.iter().map(|s| s.as_slice()).collect();
        let s = try_sweep(obj, x.as_slice(), &refs[..])?;
        let p = &self.pattern;
        let mut flat: Vec<f64> = s.prods[..self.coloring.n_colors()].concat();
        let hessian = CscMatrix {
            nrows: n,
            ncols: n,
            col_ptr: p.row_ptr().to_vec(),
            row_idx: self.row_idx.clone(),
            values: self.recovery.apply(&mut flat, p.nnz()),
        };
        let residual = if self.opts.verify {
            let r = self.seeds.last().expect("probe");
            let hr = s.prods.last().expect("probe product");
            let res = check_probe(
                &hessian,
                &hessian.product(r, false),
                hr,
                r,
                false,
                self.opts.tol,
            )?;
            Some(res)
        } else {
            None
        };
        Ok(SparseHessian {
            value: s.value,
            gradient: DVector::from_vec(s.grad),
            hessian,
            colors: self.coloring.n_colors(),
            hvps: self.seeds.len(),
            residual,
        })
    }
}
