//! The Hessian models Newton's method runs on: a banded Hessian with a
//! banded Cholesky, or a sparse Hessian (detected pattern, colouring) with
//! an envelope Cholesky after a fill-limiting ordering. Both give `f`,
//! `∇f` and `H` from one sweep, and factor `H + τI` for the Levenberg
//! shift.

use super::Structure;
use crate::banded::{BandedCholesky, EnvelopeCholesky, SymBanded};
use crate::hessian::{
    BandMethod, BandOptions, SparseHessianPlan, SparseOptions, hessian_banded_with,
};
use crate::sparsity::{CscMatrix, Pattern, hessian_pattern_within};
use crate::{Error, Objective};
use nalgebra::DVector;

/// `f`, `∇f` and the Hessian-vector products one evaluation used.
pub(crate) struct Evaluated {
    pub(crate) value: f64,
    pub(crate) gradient: DVector<f64>,
    pub(crate) hvps: usize,
    /// A bound on the error of each entry `H_ij` from its extraction,
    /// relative to its diagonal scale `max(|H_ij|, √|H_ii H_jj|)` (beyond
    /// the rounding of the arithmetic that follows it).
    pub(crate) entry_error: f64,
}

/// A Hessian model for Newton's method.
pub(crate) trait Curvature {
    /// The label of the iteration table.
    fn label(&self) -> &'static str;
    /// The structure, for the result.
    fn structure(&self) -> Structure;
    /// Evaluates `f`, `∇f` and `H` at `x` (keeping `H`).
    fn evaluate(&mut self, x: &DVector<f64>) -> Result<Evaluated, Error>;
    /// The smallest diagonal entry of the last `H`.
    fn min_diag(&self) -> f64;
    /// Factors `H + τI`; [`Error::NotPositiveDefinite`] when it is not.
    fn factor(&mut self, tau: f64) -> Result<(), Error>;
    /// Solves with the last factorisation.
    fn solve(&self, g: &DVector<f64>) -> Result<DVector<f64>, Error>;
    /// [`solve`](Self::solve) with `b` overwritten by the solution (no
    /// n-long allocation).
    fn solve_in_place(&self, b: &mut DVector<f64>) -> Result<(), Error> {
        *b = self.solve(b)?;
        Ok(())
    }
    /// `H v` with the last `H`.
    fn mul(&self, v: &DVector<f64>) -> DVector<f64>;
    /// The diagonal of the last `H`.
    fn diagonal(&self) -> DVector<f64>;
    /// `H ← S H S` with `S = diag(s)` (the trust region works in scaled
    /// variables).
    fn scale_symmetric(&mut self, s: &DVector<f64>);
    /// `‖H‖∞` of the last `H`: a bound on every eigenvalue's magnitude.
    fn norm_bound(&self) -> f64;
    /// The most entries a row of `H` has (the rounding of a product or a
    /// factorisation grows with it).
    fn row_width(&self) -> usize;
    /// Frees `H` itself where only its factorisation is needed from here
    /// on: until the next [`evaluate`](Self::evaluate) the caller uses
    /// only `solve`, `solve_in_place` and `norm_bound`. (The banded
    /// Hessian's refinement runs with the band's n·(k + 1) entries freed.)
    fn release_matrix(&mut self) {}
    /// Frees `H` and its factorisation: until the next `evaluate` the
    /// caller uses only `norm_bound`. (The line search needs neither.)
    fn release_all(&mut self) {}
    /// A direction `z` with `zᵀ(H + τI)z ≤ 0` and that curvature, from the
    /// failed pivot of the factorisation of `H + τI`; `None` when the
    /// model has no cheap way to give one.
    fn negative_curvature(&self, _tau: f64) -> Option<(DVector<f64>, f64)> {
        None
    }
}

/// A banded Hessian of half-bandwidth `k`.
pub(crate) struct BandCurvature<'a, O: ?Sized> {
    obj: &'a O,
    k: usize,
    opts: BandOptions,
    band: Option<SymBanded<f64>>,
    /// The factor's storage, kept across the shifts tried in one
    /// iteration (a fresh n·(k + 2)-long factor per try was mapped and
    /// faulted in anew); freed by `release_all`.
    chol: BandedCholesky<f64>,
    /// Whether `chol` holds the factor of the current band.
    factored: bool,
    /// `‖band‖∞`, taken once per band (a pass over it; Newton asks for it
    /// more than once an iteration).
    norm: std::cell::Cell<Option<f64>>,
}

impl<'a, O: Objective + ?Sized> BandCurvature<'a, O> {
    pub(crate) fn new(obj: &'a O, k: usize, opts: BandOptions) -> Self {
        BandCurvature {
            obj,
            k,
            opts,
            band: None,
            chol: BandedCholesky::empty(),
            factored: false,
            norm: std::cell::Cell::new(None),
        }
    }
}

impl<O: Objective + ?Sized> Curvature for BandCurvature<'_, O> {
    fn label(&self) -> &'static str {
        "Newton (banded Hessian)"
    }

    fn structure(&self) -> Structure {
        Structure::Banded { k: self.k }
    }

    fn evaluate(&mut self, x: &DVector<f64>) -> Result<Evaluated, Error> {
        // The last band is stale from here on: freed before the new one is
        // made, so that one band and one factor's storage are alive, not
        // two bands and a factor.
        self.factored = false;
        self.band = None;
        self.norm.set(None);
        let hb = hessian_banded_with(self.obj, x, self.k, &self.opts)?;
        if hb.method != self.opts.method {
            // Substitution could not guarantee the entries here: later
            // iterates are alike, so go straight to the fallback.
            self.opts.method = BandMethod::Cpr;
        }
        let entry_error = hb.error_bound;
        self.band = Some(hb.band);
        Ok(Evaluated {
            value: hb.value,
            gradient: hb.gradient,
            hvps: hb.hvps,
            entry_error,
        })
    }

    fn min_diag(&self) -> f64 {
        let band = self.band.as_ref().expect("evaluated");
        (0..band.n())
            .map(|i| band.get(i, i))
            .fold(f64::INFINITY, f64::min)
    }

    fn factor(&mut self, tau: f64) -> Result<(), Error> {
        let band = self.band.as_ref().expect("evaluated");
        self.factored = false;
        // Factors H + τI without forming it, into the kept storage.
        band.cholesky_shifted_into(tau, &mut self.chol)?;
        self.factored = true;
        Ok(())
    }

    fn solve(&self, g: &DVector<f64>) -> Result<DVector<f64>, Error> {
        assert!(self.factored, "solve before factor");
        self.chol.solve(g)
    }

    fn solve_in_place(&self, b: &mut DVector<f64>) -> Result<(), Error> {
        assert!(self.factored, "solve before factor");
        self.chol.solve_mut(b.as_mut_slice())
    }

    fn mul(&self, v: &DVector<f64>) -> DVector<f64> {
        self.band.as_ref().expect("evaluated").mul_vec(v)
    }

    fn diagonal(&self) -> DVector<f64> {
        let band = self.band.as_ref().expect("evaluated");
        DVector::from_fn(band.n(), |i, _| band.get(i, i))
    }

    fn scale_symmetric(&mut self, s: &DVector<f64>) {
        self.factored = false;
        self.norm.set(None);
        let band = self.band.as_mut().expect("evaluated");
        band.scale_symmetric(s.as_slice());
    }

    fn norm_bound(&self) -> f64 {
        if let Some(norm) = self.norm.get() {
            return norm;
        }
        let norm = self.band.as_ref().expect("evaluated").norm_inf();
        self.norm.set(Some(norm));
        norm
    }

    fn row_width(&self) -> usize {
        2 * self.k + 1
    }

    fn negative_curvature(&self, tau: f64) -> Option<(DVector<f64>, f64)> {
        self.band.as_ref()?.negative_curvature(tau)
    }

    fn release_matrix(&mut self) {
        let _ = self.norm_bound();
        self.band = None;
    }

    fn release_all(&mut self) {
        self.release_matrix();
        self.factored = false;
        self.chol = BandedCholesky::empty();
    }
}

/// A sparse Hessian on a pattern detected once, solved by an envelope
/// Cholesky. When the probe finds nonzeros outside the pattern (a branch
/// taken differently), the pattern is detected again at the current point,
/// merged with the old one, and the evaluation repeated.
pub(crate) struct SparseCurvature<'a, O: ?Sized> {
    obj: &'a O,
    opts: SparseOptions,
    plan: SparseHessianPlan,
    chol: EnvelopeCholesky,
    hessian: Option<CscMatrix>,
}

impl<'a, O: Objective + ?Sized> SparseCurvature<'a, O> {
    pub(crate) fn new(obj: &'a O, x0: &DVector<f64>, opts: SparseOptions) -> Result<Self, Error> {
        Self::from_pattern(obj, hessian_pattern_within(obj, x0, opts.max_nnz)?, opts)
    }

    /// On a pattern detected already.
    pub(crate) fn from_pattern(
        obj: &'a O,
        pattern: Pattern,
        opts: SparseOptions,
    ) -> Result<Self, Error> {
        let plan = SparseHessianPlan::from_pattern(pattern, &opts)?;
        let chol = EnvelopeCholesky::analyze(plan.pattern())?;
        Ok(SparseCurvature {
            obj,
            opts,
            plan,
            chol,
            hessian: None,
        })
    }

    /// The pattern, its colour count and the factor's envelope size.
    pub(crate) fn describe(&self) -> (usize, usize, usize) {
        (
            self.plan.pattern().nnz(),
            self.plan.colors(),
            self.chol.envelope_size(),
        )
    }
}

/// The union of two patterns of the same shape.
fn union(a: &Pattern, b: &Pattern) -> Pattern {
    let entries = |p: &Pattern| {
        (0..p.nrows())
            .flat_map(|i| p.row(i).iter().map(move |&j| (i, j)))
            .collect::<Vec<_>>()
    };
    let mut e = entries(a);
    e.extend(entries(b));
    Pattern::from_entries(a.nrows(), a.ncols(), e)
}

impl<O: Objective + ?Sized> Curvature for SparseCurvature<'_, O> {
    fn label(&self) -> &'static str {
        "Newton (sparse Hessian)"
    }

    fn structure(&self) -> Structure {
        Structure::Sparse {
            nnz: self.plan.pattern().nnz(),
            colors: self.plan.colors(),
        }
    }

    fn evaluate(&mut self, x: &DVector<f64>) -> Result<Evaluated, Error> {
        let h = match self.plan.evaluate(self.obj, x) {
            Err(Error::PatternMismatch { .. }) => {
                let found = hessian_pattern_within(self.obj, x, self.opts.max_nnz)?;
                let merged = union(self.plan.pattern(), &found);
                self.plan = SparseHessianPlan::from_pattern(merged, &self.opts)?;
                self.chol = EnvelopeCholesky::analyze(self.plan.pattern())?;
                self.plan.evaluate(self.obj, x)?
            }
            other => other?,
        };
        self.hessian = Some(h.hessian);
        Ok(Evaluated {
            value: h.value,
            gradient: h.gradient,
            hvps: h.hvps,
            entry_error: 0.0,
        })
    }

    fn min_diag(&self) -> f64 {
        let h = self.hessian.as_ref().expect("evaluated");
        // A diagonal entry outside the pattern is a structural zero.
        (0..h.ncols)
            .map(|j| h.get(j, j))
            .fold(f64::INFINITY, f64::min)
    }

    fn factor(&mut self, tau: f64) -> Result<(), Error> {
        let h = self.hessian.as_ref().expect("evaluated");
        self.chol.factor(h, tau)
    }

    fn solve(&self, g: &DVector<f64>) -> Result<DVector<f64>, Error> {
        self.chol.solve(g)
    }

    fn mul(&self, v: &DVector<f64>) -> DVector<f64> {
        self.hessian.as_ref().expect("evaluated").mul_vec(v)
    }

    fn diagonal(&self) -> DVector<f64> {
        let h = self.hessian.as_ref().expect("evaluated");
        DVector::from_fn(h.ncols, |j, _| h.get(j, j))
    }

    fn scale_symmetric(&mut self, s: &DVector<f64>) {
        let h = self.hessian.as_mut().expect("evaluated");
        for j in 0..h.ncols {
            for p in h.col_ptr[j]..h.col_ptr[j + 1] {
                h.values[p] *= s[h.row_idx[p]] * s[j];
            }
        }
    }

    fn norm_bound(&self) -> f64 {
        let h = self.hessian.as_ref().expect("evaluated");
        // H is symmetric: column sums are row sums.
        (0..h.ncols)
            .map(|j| {
                h.values[h.col_ptr[j]..h.col_ptr[j + 1]]
                    .iter()
                    .map(|v| v.abs())
                    .sum::<f64>()
            })
            .fold(0.0, f64::max)
    }

    fn row_width(&self) -> usize {
        let h = self.hessian.as_ref().expect("evaluated");
        (0..h.ncols)
            .map(|j| h.col_ptr[j + 1] - h.col_ptr[j])
            .max()
            .unwrap_or(0)
    }
}
