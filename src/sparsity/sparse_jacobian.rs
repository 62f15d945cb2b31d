//! Compressed sparse Jacobians: detect the pattern, colour the columns and
//! the rows, and read every nonzero directly from one product per colour.
//!
//! Forward seeds `s_c = Σ_{color(j) = c} e_j` (a distance-2 colouring of
//! the columns): `(J s_c)_i = Σ_{color(j) = c} J[i][j]` has a single
//! structural term, so `J[i][j] = (J s_{color(j)})_i`. Reverse seeds
//! `w_c = Σ_{color(i) = c} e_i` (a distance-2 colouring of the rows, i.e.
//! of the columns of the transposed pattern): `J[i][j] = (w_{color(i)}ᵀ
//! J)_j`. One pushforward per column colour or one pullback per row colour;
//! [`SeedMode::Auto`] takes whichever needs fewer products (forward on a
//! tie). No subtraction: the entries are exact to rounding.

use super::csc::check_probe;
use super::dense_threshold;
use super::{Coloring, CscMatrix, Pattern, column_coloring, jacobian_pattern};
use crate::error::check_finite;
use crate::probe::probe;
use crate::{DFun, Error, Expr, Forward, Objective, Reverse};
use nalgebra::DVector;

/// Which products [`jacobian_sparse_with`] uses.
///
/// ```
/// use lensdiff::sparsity::SeedMode;
/// assert_eq!(SeedMode::default(), SeedMode::Auto);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeedMode {
    /// Colour both the columns and the rows; forward when the columns need
    /// at most as many colours as the rows, else reverse.
    #[default]
    Auto,
    /// Forward seeds: one pushforward per column colour.
    Forward,
    /// Reverse seeds: one pullback per row colour.
    Reverse,
}

/// The products a [`SparseJacobian`] was computed with.
///
/// ```
/// use lensdiff::sparsity::{jacobian_sparse, JacobianMode};
/// use lensdiff::Objective;
/// use lensdiff::{Expr, Real};
/// use nalgebra::dvector;
/// struct Square;
/// impl Objective for Square {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.square() }
/// }
/// // A diagonal Jacobian: one colour either way, forward on the tie.
/// let j = jacobian_sparse(&Square, &dvector![1.0, 2.0]).unwrap();
/// assert_eq!((j.mode, j.colors), (JacobianMode::Forward, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JacobianMode {
    /// Pushforwards `J s_c` of column seeds.
    Forward,
    /// Pullbacks `w_cᵀ J` of row seeds.
    Reverse,
}

/// A sparse Jacobian with the value from the same linearisation.
///
/// ```
/// use lensdiff::sparsity::{jacobian_sparse};
/// use lensdiff::Objective;
/// use lensdiff::{Expr, Real};
/// use nalgebra::dvector;
/// struct Diff;
/// impl Objective for Diff {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.diff() }
/// }
/// let j = jacobian_sparse(&Diff, &dvector![1.0, 2.0, 4.0]).unwrap();
/// assert_eq!(j.value, dvector![1.0, 2.0]);
/// assert_eq!((j.jacobian.nrows, j.jacobian.ncols, j.jacobian.nnz()), (2, 3, 4));
/// assert_eq!((j.jacobian.get(1, 1), j.jacobian.get(1, 2)), (-1.0, 1.0));
/// ```
#[derive(Debug, Clone)]
pub struct SparseJacobian {
    /// `F(x)` (length `m`).
    pub value: DVector<f64>,
    /// `J(x)` (`m × n`) on the detected pattern.
    pub jacobian: CscMatrix,
    /// The number of colours: pushforwards or pullbacks used.
    pub colors: usize,
    /// Whether the products were pushforwards or pullbacks.
    pub mode: JacobianMode,
}

/// The Jacobian of `f` at `x` from a detected pattern and distance-2
/// colourings of its columns and rows, with [`SeedMode::Auto`]: one
/// pushforward per column colour or one pullback per row colour, whichever
/// is fewer.
///
/// Errors (never a panic) when `x` is not finite, when `f` does not accept
/// an input of length `x.len()` ([`Error::DimensionMismatch`] from
/// [`Expr::check`], naming the primitive and both sizes), or when `F(x)` or
/// an entry of the Jacobian is not finite.
///
/// ```
/// use lensdiff::sparsity::{jacobian_sparse, JacobianMode};
/// use lensdiff::Objective;
/// use lensdiff::{jacobian_fwd, DFun, Expr, Forward, Real};
/// use nalgebra::{DVector, dvector};
/// /// F(x) = (sin x_0, …, sin x_49, Σ x): a diagonal and one dense row.
/// struct DenseRow;
/// impl Objective for DenseRow {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sin().concat(&x.sum()) }
/// }
/// let x = DVector::from_fn(50, |i, _| 0.1 * i as f64);
/// let j = jacobian_sparse(&DenseRow, &x).unwrap();
/// // Columns all meet in the dense row (50 colours); rows need 2.
/// assert_eq!((j.mode, j.colors), (JacobianMode::Reverse, 2));
/// let f: DFun<DVector<f64>, DVector<f64>, Forward> = DenseRow.build(Expr::var()).compile();
/// assert!((j.jacobian.to_dmatrix() - jacobian_fwd(&f, &x)).amax() < 1e-15);
/// ```
pub fn jacobian_sparse<F: Objective + ?Sized>(
    f: &F,
    x: &DVector<f64>,
) -> Result<SparseJacobian, Error> {
    jacobian_sparse_with(f, x, SeedMode::Auto)
}

/// The sparse Jacobian of `f` at `x` with the products chosen by `mode`
/// (errors as for [`jacobian_sparse`]).
///
/// ```
/// use lensdiff::sparsity::{jacobian_sparse_with, JacobianMode, SeedMode};
/// use lensdiff::Objective;
/// use lensdiff::{Expr, Real, Error};
/// use nalgebra::{DVector, dvector};
/// /// F(x)_i = x_0 · sin(x_i): a dense column 0.
/// struct DenseColumn;
/// impl Objective for DenseColumn {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sin() * x.at(0) }
/// }
/// let x = DVector::from_fn(20, |i, _| 1.0 + i as f64);
/// let fwd = jacobian_sparse_with(&DenseColumn, &x, SeedMode::Forward).unwrap();
/// let rev = jacobian_sparse_with(&DenseColumn, &x, SeedMode::Reverse).unwrap();
/// assert_eq!((fwd.mode, fwd.colors, rev.mode, rev.colors), (JacobianMode::Forward, 2, JacobianMode::Reverse, 20));
/// assert!((fwd.jacobian.to_dmatrix() - rev.jacobian.to_dmatrix()).amax() < 1e-15);
/// // Errors name what went wrong.
/// let bad = jacobian_sparse_with(&DenseColumn, &dvector![f64::NAN], SeedMode::Auto);
/// assert_eq!(bad.unwrap_err(), Error::NonFinite { what: "x", index: Some(0) });
/// ```
pub fn jacobian_sparse_with<F: Objective + ?Sized>(
    f: &F,
    x: &DVector<f64>,
    mode: SeedMode,
) -> Result<SparseJacobian, Error> {
    let mut plan = SparseJacobianPlan::new(f, x, mode)?;
    plan.verify = false; // detected at this very point
    plan.evaluate(f, x)
}

/// A sparse Jacobian evaluation prepared once and run at many points: the
/// detected pattern, the chosen products and their colouring. Each
/// [`evaluate`](Self::evaluate) is one linearisation and one product per
/// colour, plus one random probe product that checks the result: a
/// pattern detected at one point can miss nonzeros at another when the map
/// branches on values ([`Error::PatternMismatch`]).
///
/// ```
/// use lensdiff::sparsity::{SparseJacobianPlan, SeedMode};
/// use lensdiff::Objective;
/// use lensdiff::{Expr, Real, DFun, Forward, jacobian_fwd};
/// use nalgebra::DVector;
/// /// F(x)_i = sin(x_{i+1} − x_i) · x_i.
/// struct Map;
/// impl Objective for Map {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.diff().sin() * x.trim(0, 1) }
/// }
/// let x0 = DVector::from_fn(30, |i, _| 0.1 * i as f64);
/// let plan = SparseJacobianPlan::new(&Map, &x0, SeedMode::Auto).unwrap();
/// assert_eq!(plan.colors(), 2);
/// let x1 = x0.map(|v| v.cos());
/// let j = plan.evaluate(&Map, &x1).unwrap();
/// let f: DFun<DVector<f64>, DVector<f64>, Forward> = Map.build(Expr::var()).compile();
/// assert!((j.jacobian.to_dmatrix() - jacobian_fwd(&f, &x1)).amax() < 1e-15);
/// ```
#[derive(Debug, Clone)]
pub struct SparseJacobianPlan {
    pattern: Pattern,
    transposed: Pattern,
    mode: JacobianMode,
    coloring: Coloring,
    verify: bool,
}

impl SparseJacobianPlan {
    /// Detects the Jacobian pattern of `f` at `x` and colours it for the
    /// products `mode` asks for (see [`SeedMode`]).
    ///
    /// ```
    /// use lensdiff::sparsity::{SparseJacobianPlan, SeedMode, JacobianMode};
    /// use lensdiff::Objective;
    /// use lensdiff::{Expr, Real};
    /// use nalgebra::DVector;
    /// struct Diff;
    /// impl Objective for Diff {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.diff() }
    /// }
    /// let plan = SparseJacobianPlan::new(&Diff, &DVector::zeros(10), SeedMode::Reverse).unwrap();
    /// assert_eq!((plan.mode(), plan.colors()), (JacobianMode::Reverse, 2));
    /// ```
    pub fn new<F: Objective + ?Sized>(
        f: &F,
        x: &DVector<f64>,
        mode: SeedMode,
    ) -> Result<Self, Error> {
        Ok(Self::from_pattern(
            jacobian_pattern(|e| f.build(e), x)?,
            mode,
        ))
    }

    /// A plan for a known pattern (rows: outputs, columns: inputs), for
    /// instance the union of patterns detected at several points.
    ///
    /// ```
    /// use lensdiff::sparsity::{Pattern, SparseJacobianPlan, SeedMode, JacobianMode};
    /// // A dense first row: reverse seeds need 2 products, forward 4.
    /// let p = Pattern::from_entries(4, 4, (0..4).flat_map(|j| [(0, j), (j, j)]));
    /// let plan = SparseJacobianPlan::from_pattern(p, SeedMode::Auto);
    /// assert_eq!((plan.mode(), plan.colors()), (JacobianMode::Reverse, 2));
    /// ```
    pub fn from_pattern(pattern: Pattern, mode: SeedMode) -> Self {
        let transposed = pattern.transpose();
        let (mode, coloring) = match mode {
            SeedMode::Forward => (JacobianMode::Forward, column_coloring(&pattern)),
            SeedMode::Reverse => (JacobianMode::Reverse, column_coloring(&transposed)),
            SeedMode::Auto => {
                // A side whose lower bound (its longest line) is dense is
                // not coloured: that costs O(n²) and cannot win.
                let limit = dense_threshold(pattern.nrows().max(pattern.ncols()));
                let (col_bound, row_bound) = (pattern.max_row_nnz(), transposed.max_row_nnz());
                if col_bound > limit && row_bound <= limit {
                    (JacobianMode::Reverse, column_coloring(&transposed))
                } else if row_bound > limit && col_bound <= limit {
                    (JacobianMode::Forward, column_coloring(&pattern))
                } else {
                    let by_column = column_coloring(&pattern);
                    let by_row = column_coloring(&transposed);
                    if by_column.n_colors() <= by_row.n_colors() {
                        (JacobianMode::Forward, by_column)
                    } else {
                        (JacobianMode::Reverse, by_row)
                    }
                }
            }
        };
        SparseJacobianPlan {
            pattern,
            transposed,
            mode,
            coloring,
            verify: true,
        }
    }

    /// The pattern the Jacobian is recovered on.
    ///
    /// ```
    /// use lensdiff::sparsity::{Pattern, SparseJacobianPlan, SeedMode};
    /// let p = Pattern::from_entries(2, 3, [(0, 0), (1, 2)]);
    /// assert_eq!(SparseJacobianPlan::from_pattern(p.clone(), SeedMode::Auto).pattern(), &p);
    /// ```
    pub fn pattern(&self) -> &Pattern {
        &self.pattern
    }

    /// Forward or reverse products.
    ///
    /// ```
    /// use lensdiff::sparsity::{Pattern, SparseJacobianPlan, SeedMode, JacobianMode};
    /// let p = Pattern::from_entries(2, 2, [(0, 0), (1, 1)]);
    /// assert_eq!(SparseJacobianPlan::from_pattern(p, SeedMode::Auto).mode(), JacobianMode::Forward);
    /// ```
    pub fn mode(&self) -> JacobianMode {
        self.mode
    }

    /// The number of colours (products per evaluation, the probe not
    /// counted).
    ///
    /// ```
    /// use lensdiff::sparsity::{Pattern, SparseJacobianPlan, SeedMode};
    /// let p = Pattern::from_entries(2, 2, [(0, 0), (1, 1)]);
    /// assert_eq!(SparseJacobianPlan::from_pattern(p, SeedMode::Auto).colors(), 1);
    /// ```
    pub fn colors(&self) -> usize {
        self.coloring.n_colors()
    }

    /// The value and the sparse Jacobian of `f` at `x`, verified by a
    /// random probe product. Errors: non-finite `x`, `F(x)` or Jacobian, a
    /// dimension that is not the plan's, [`Error::PatternMismatch`].
    ///
    /// ```
    /// use lensdiff::sparsity::{Pattern, SparseJacobianPlan, SeedMode};
    /// use lensdiff::Objective;
    /// use lensdiff::{Error, Expr, Real};
    /// use nalgebra::dvector;
    /// /// F(x) = (x₀ x₁, x₁): the diagonal pattern misses (0, 1).
    /// struct Map;
    /// impl Objective for Map {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { (x.at(0) * x.at(1)).concat(&x.at(1)) }
    /// }
    /// let diagonal = Pattern::from_entries(2, 2, [(0, 0), (1, 1)]);
    /// let plan = SparseJacobianPlan::from_pattern(diagonal, SeedMode::Forward);
    /// let err = plan.evaluate(&Map, &dvector![1.0, 2.0]).unwrap_err();
    /// assert!(matches!(err, Error::PatternMismatch { nnz: 2, .. }));
    /// ```
    pub fn evaluate<F: Objective + ?Sized>(
        &self,
        f: &F,
        x: &DVector<f64>,
    ) -> Result<SparseJacobian, Error> {
        let (pattern, transposed) = (&self.pattern, &self.transposed);
        check_finite("x", x.as_slice())?;
        if x.len() != pattern.ncols() {
            return Err(Error::DimensionMismatch {
                op: "SparseJacobianPlan::evaluate",
                expected: pattern.ncols(),
                found: x.len(),
            });
        }
        let e = f.build::<f64>(Expr::var());
        let out = e.check(&[x.len()])?;
        if out != pattern.nrows() {
            return Err(Error::DimensionMismatch {
                op: "SparseJacobianPlan::evaluate (outputs)",
                expected: pattern.nrows(),
                found: out,
            });
        }
        let color = self.coloring.colors();
        // The probe's seed and tolerance are those of the Hessian paths.
        // The values in column order (the rows of `transposed`, the CSC layout).
        let mut values = vec![0.0; pattern.nnz()];
        // The probe's product, along the same direction as the seeds.
        let (value, probe_in, probe_out) = match self.mode {
            JacobianMode::Forward => {
                let lens: DFun<DVector<f64>, DVector<f64>, Forward> = e.compile();
                let (y, d) = lens.linearize(x);
                check_finite("f(x)", y.as_slice())?;
                for c in 0..self.coloring.n_colors() {
                    let t = d.apply(&seed(color, c));
                    scatter(transposed, color, c, &t, &mut values);
                }
                let r = DVector::from_vec(probe(x.len(), crate::probe::DEFAULT_SEED));
                let jr = if self.verify {
                    d.apply(&r)
                } else {
                    DVector::zeros(0)
                };
                (y, r, jr)
            }
            JacobianMode::Reverse => {
                let lens: DFun<DVector<f64>, DVector<f64>, Reverse> = e.compile();
                let (y, d) = lens.linearize(x);
                check_finite("f(x)", y.as_slice())?;
                // Row order first, then permuted into column order.
                let mut by_row = vec![0.0; pattern.nnz()];
                for c in 0..self.coloring.n_colors() {
                    let g = d.pull(&seed(color, c));
                    scatter(pattern, color, c, &g, &mut by_row);
                }
                let mut next = transposed.row_ptr()[..transposed.nrows()].to_vec();
                let columns = (0..pattern.nrows()).flat_map(|i| pattern.row(i));
                for (&j, v) in columns.zip(by_row) {
                    values[next[j]] = v;
                    next[j] += 1;
                }
                let r = DVector::from_vec(probe(y.len(), crate::probe::DEFAULT_SEED));
                let rj = if self.verify {
                    d.pull(&r)
                } else {
                    DVector::zeros(0)
                };
                (y, r, rj)
            }
        };
        check_finite("Jacobian", &values)?;
        let jacobian = CscMatrix::from_columns(transposed, values);
        if self.verify {
            check_finite("Jacobian probe", probe_out.as_slice())?;
            let reverse = self.mode == JacobianMode::Reverse;
            let sparse = jacobian.product(probe_in.as_slice(), reverse);
            check_probe(
                &jacobian,
                &sparse,
                probe_out.as_slice(),
                probe_in.as_slice(),
                reverse,
                crate::probe::DEFAULT_TOL,
            )?;
        }
        Ok(SparseJacobian {
            value,
            jacobian,
            colors: self.coloring.n_colors(),
            mode: self.mode,
        })
    }
}

fn seed(color: &[usize], c: usize) -> DVector<f64> {
    DVector::from_iterator(
        color.len(),
        color.iter().map(|&k| if k == c { 1.0 } else { 0.0 }),
    )
}

/// Reads the entries of the lines (rows of the pattern `lines`) of colour
/// `c` from the compressed product `prod`: the entry at position `l` of
/// line `k` is `prod[l]`, the only structural term of colour `c` there.
/// `out` holds the entries in the pattern's order.
fn scatter(lines: &Pattern, color: &[usize], c: usize, prod: &DVector<f64>, out: &mut [f64]) {
    let ptr = lines.row_ptr();
    for (k, &ck) in color.iter().enumerate() {
        if ck == c {
            for (o, &l) in out[ptr[k]..ptr[k + 1]].iter_mut().zip(lines.row(k)) {
                *o = prod[l];
            }
        }
    }
}
