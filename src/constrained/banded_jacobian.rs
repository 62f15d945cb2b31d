//! Banded Jacobians from comb seeds, in one multi-tangent forward sweep.
//!
//! Row `i` of an `m × n` Jacobian is nonzero only in the column span
//! `[lo_i, hi_i]`; `w = max(hi_i − lo_i + 1)` is the *width*. Comb seeds
//! of period `w`, `v_c = Σ_{j ≡ c (mod w)} e_j`, `c = 0..w`: a window of
//! `w` consecutive columns holds each colour exactly once, so
//! `(J v_c)_i = J[i][j]` for the one `j` of colour `c` in row `i`'s window.
//! Direct recovery, exact to rounding, `w` products. For a square matrix
//! with bandwidths `(kl, ku)` the spans are `[i − kl, i + ku]` and
//! `w = kl + ku + 1`; a rectangular one (trajectory constraints: `m < n`,
//! rows advancing faster than one column per row) has no constant
//! `(kl, ku)` but still a small width, so rows keep their own span.
//!
//! All `w` products, plus one random probe `J r`, are the tangents of a
//! single forward evaluation over `DualN<f64, w + 1>`; the probe checks the
//! recovered matrix (a span detected at one point that misses nonzeros at
//! another is [`Error::PatternMismatch`], never a wrong Jacobian).

use crate::dual::DualN;
use crate::error::check_finite;
use crate::hessian::{Width, by_width, chunks};
use crate::probe::{probe, row_residual};
use crate::sparsity::{Pattern, jacobian_pattern};
use crate::{Error, Expr, Objective};
use nalgebra::{DMatrix, DVector};
use std::sync::Arc;

/// The column span of every row of a Jacobian, and the comb width.
///
/// ```
/// use lensdiff::constrained::JacobianSpans;
/// use lensdiff::sparsity::Pattern;
/// // Rows 0 and 1 read columns 0..=2 and 2..=4 of five.
/// let p = Pattern::from_entries(2, 5, [(0, 0), (0, 2), (1, 2), (1, 4)]);
/// let s = JacobianSpans::from_pattern(&p);
/// assert_eq!((s.width(), s.span(1)), (3, (2, 4)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JacobianSpans {
    ncols: usize,
    width: usize,
    /// `(lo_i, hi_i)`; an empty row is `(0, 0)`.
    spans: Vec<(usize, usize)>,
}

impl JacobianSpans {
    /// The spans of a detected pattern (rows: outputs, columns: inputs).
    ///
    /// ```
    /// use lensdiff::{constrained::JacobianSpans, sparsity::Pattern};
    /// let p = Pattern::from_entries(3, 3, [(0, 0), (1, 0), (1, 1), (2, 2)]);
    /// assert_eq!(JacobianSpans::from_pattern(&p).width(), 2);
    /// ```
    pub fn from_pattern(p: &Pattern) -> Self {
        let spans: Vec<(usize, usize)> = (0..p.nrows())
            .map(|i| {
                let row = p.row(i);
                match (row.iter().min(), row.iter().max()) {
                    (Some(&lo), Some(&hi)) => (lo, hi),
                    _ => (0, 0),
                }
            })
            .collect();
        Self::from_spans(p.ncols(), spans)
    }

    /// Spans given directly (`lo ≤ hi < ncols` for every row; panics
    /// otherwise).
    ///
    /// ```
    /// use lensdiff::constrained::JacobianSpans;
    /// let s = JacobianSpans::from_spans(4, vec![(0, 1), (1, 3)]);
    /// assert_eq!((s.nrows(), s.width()), (2, 3));
    /// ```
    pub fn from_spans(ncols: usize, spans: Vec<(usize, usize)>) -> Self {
        for &(lo, hi) in &spans {
            assert!(
                lo <= hi && (hi < ncols || ncols == 0),
                "JacobianSpans: span ({lo}, {hi}) outside {ncols} columns"
            );
        }
        let width = spans
            .iter()
            .map(|&(lo, hi)| hi - lo + 1)
            .max()
            .unwrap_or(1)
            .min(ncols.max(1));
        JacobianSpans {
            ncols,
            width,
            spans,
        }
    }

    /// The spans of a square banded matrix with bandwidths `(kl, ku)`.
    ///
    /// ```
    /// use lensdiff::constrained::JacobianSpans;
    /// let s = JacobianSpans::banded(6, 1, 2);
    /// assert_eq!((s.width(), s.span(0), s.span(5)), (4, (0, 2), (4, 5)));
    /// ```
    pub fn banded(n: usize, kl: usize, ku: usize) -> Self {
        let spans = (0..n)
            .map(|i| (i.saturating_sub(kl), (i + ku).min(n.saturating_sub(1))))
            .collect();
        Self::from_spans(n, spans)
    }

    /// Detects the spans of `f` at `x` with the sparsity tracer.
    ///
    /// ```
    /// use lensdiff::{constrained::JacobianSpans, Objective, Expr, Real};
    /// use nalgebra::DVector;
    /// struct Diff;
    /// impl Objective for Diff {
    ///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.diff() }
    /// }
    /// let s = JacobianSpans::detect(&Diff, &DVector::zeros(5)).unwrap();
    /// assert_eq!((s.nrows(), s.width(), s.span(3)), (4, 2, (3, 4)));
    /// ```
    pub fn detect<F: Objective + ?Sized>(f: &F, x: &DVector<f64>) -> Result<Self, Error> {
        Ok(Self::from_pattern(&jacobian_pattern(|e| f.build(e), x)?))
    }

    /// The comb width `w` (products per Jacobian).
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::JacobianSpans::banded(5, 1, 1).width(), 3);
    /// ```
    pub fn width(&self) -> usize {
        self.width
    }

    /// The number of rows.
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::JacobianSpans::banded(5, 1, 1).nrows(), 5);
    /// ```
    pub fn nrows(&self) -> usize {
        self.spans.len()
    }

    /// The number of columns.
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::JacobianSpans::banded(5, 1, 1).ncols(), 5);
    /// ```
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Row `i`'s span `(lo, hi)`.
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::JacobianSpans::banded(5, 1, 1).span(2), (1, 3));
    /// ```
    pub fn span(&self, i: usize) -> (usize, usize) {
        self.spans[i]
    }

    /// The first column of row `i`'s comb window (`w` columns, inside the
    /// matrix).
    fn window(&self, i: usize) -> usize {
        self.spans[i].0.min(self.ncols.saturating_sub(self.width))
    }
}

/// An `m × n` Jacobian stored row by row on its spans.
///
/// ```
/// use lensdiff::constrained::{jacobian_banded, JacobianSpans};
/// use lensdiff::{Objective, Expr, Real};
/// use nalgebra::dvector;
/// struct Diff;
/// impl Objective for Diff {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.diff() }
/// }
/// let x = dvector![1.0, 2.0, 4.0];
/// let spans = JacobianSpans::detect(&Diff, &x).unwrap();
/// let (value, j) = jacobian_banded(&Diff, &x, &spans).unwrap();
/// assert_eq!(value, dvector![1.0, 2.0]);
/// assert_eq!((j.get(1, 1), j.get(1, 2), j.get(0, 2)), (-1.0, 1.0, 0.0));
/// ```
#[derive(Debug, Clone)]
pub struct BandedJacobian {
    spans: Arc<JacobianSpans>,
    /// Row-major `m × w`: `values[i w + (j − window_i)] = J[i][j]`.
    values: Vec<f64>,
}

impl BandedJacobian {
    /// The spans the Jacobian is stored on.
    ///
    /// ```
    /// use lensdiff::constrained::{BandedJacobian, JacobianSpans};
    /// let j = BandedJacobian::zeros(JacobianSpans::banded(3, 0, 1));
    /// assert_eq!(j.spans().width(), 2);
    /// ```
    pub fn spans(&self) -> &JacobianSpans {
        &self.spans
    }

    /// The zero matrix on `spans`.
    ///
    /// ```
    /// use lensdiff::constrained::{BandedJacobian, JacobianSpans};
    /// assert_eq!(BandedJacobian::zeros(JacobianSpans::banded(3, 1, 1)).get(1, 0), 0.0);
    /// ```
    pub fn zeros(spans: JacobianSpans) -> Self {
        let len = spans.nrows() * spans.width();
        BandedJacobian {
            spans: Arc::new(spans),
            values: vec![0.0; len],
        }
    }

    /// `J[i][j]` (zero outside row `i`'s span).
    ///
    /// ```
    /// use lensdiff::constrained::{BandedJacobian, JacobianSpans};
    /// let j = BandedJacobian::zeros(JacobianSpans::banded(3, 1, 1));
    /// assert_eq!(j.get(2, 0), 0.0);
    /// ```
    pub fn get(&self, i: usize, j: usize) -> f64 {
        let (lo, hi) = self.spans.span(i);
        if j < lo || j > hi {
            return 0.0;
        }
        self.values[i * self.spans.width + j - self.spans.window(i)]
    }

    /// Row `i` on its span: `(lo, values J[i][lo..=hi])`.
    pub(crate) fn row(&self, i: usize) -> (usize, &[f64]) {
        let (lo, hi) = self.spans.span(i);
        let start = i * self.spans.width + lo - self.spans.window(i);
        (lo, &self.values[start..=start + hi - lo])
    }

    /// `J x`.
    ///
    /// ```
    /// use lensdiff::constrained::{BandedJacobian, JacobianSpans};
    /// use nalgebra::dvector;
    /// let j = BandedJacobian::zeros(JacobianSpans::banded(2, 0, 1));
    /// assert_eq!(j.mul_vec(&dvector![1.0, 2.0]), dvector![0.0, 0.0]);
    /// ```
    pub fn mul_vec(&self, x: &DVector<f64>) -> DVector<f64> {
        assert_eq!(x.len(), self.spans.ncols, "BandedJacobian::mul_vec: length");
        DVector::from_iterator(
            self.spans.nrows(),
            (0..self.spans.nrows()).map(|i| {
                let (lo, row) = self.row(i);
                row.iter()
                    .zip(&x.as_slice()[lo..])
                    .map(|(a, b)| a * b)
                    .sum()
            }),
        )
    }

    /// `Jᵀ y`.
    ///
    /// ```
    /// use lensdiff::constrained::{BandedJacobian, JacobianSpans};
    /// use nalgebra::dvector;
    /// let j = BandedJacobian::zeros(JacobianSpans::banded(2, 0, 1));
    /// assert_eq!(j.tr_mul_vec(&dvector![1.0, 2.0]), dvector![0.0, 0.0]);
    /// ```
    pub fn tr_mul_vec(&self, y: &DVector<f64>) -> DVector<f64> {
        assert_eq!(
            y.len(),
            self.spans.nrows(),
            "BandedJacobian::tr_mul_vec: length"
        );
        let mut x = DVector::zeros(self.spans.ncols);
        for (i, &yi) in y.iter().enumerate() {
            let (lo, row) = self.row(i);
            for (xj, a) in x.as_mut_slice()[lo..].iter_mut().zip(row) {
                *xj += a * yi;
            }
        }
        x
    }

    /// The dense matrix (tests, small problems).
    ///
    /// ```
    /// use lensdiff::constrained::{BandedJacobian, JacobianSpans};
    /// assert_eq!(BandedJacobian::zeros(JacobianSpans::banded(3, 1, 0)).to_dmatrix().shape(), (3, 3));
    /// ```
    pub fn to_dmatrix(&self) -> DMatrix<f64> {
        let (m, n) = (self.spans.nrows(), self.spans.ncols);
        DMatrix::from_fn(m, n, |i, j| self.get(i, j))
    }

    /// The largest entry in magnitude.
    pub(crate) fn amax(&self) -> f64 {
        self.values.iter().fold(0.0, |a, v| a.max(v.abs()))
    }
}

/// `F(x)` and its Jacobian on `spans`, from `w` comb products and one
/// probe in one forward sweep (verified; see the module doc).
///
/// Errors: non-finite `x`, `F(x)` or Jacobian; `F` not accepting `x.len()`
/// inputs or not giving `spans.nrows()` outputs
/// ([`Error::DimensionMismatch`]); [`Error::PatternMismatch`] when the
/// probe disagrees (spans too narrow).
///
/// ```
/// use lensdiff::constrained::{jacobian_banded, JacobianSpans};
/// use lensdiff::{jacobian_fwd, Objective, DFun, Error, Expr, Forward, Real};
/// use nalgebra::DVector;
/// /// F(x)_i = sin(x_{i+1}) x_i: bidiagonal.
/// struct Map;
/// impl Objective for Map {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.trim(1, 0).sin() * x.trim(0, 1) }
/// }
/// let x = DVector::from_fn(20, |i, _| 0.3 * i as f64);
/// let spans = JacobianSpans::detect(&Map, &x).unwrap();
/// let (_, j) = jacobian_banded(&Map, &x, &spans).unwrap();
/// let f: DFun<DVector<f64>, DVector<f64>, Forward> = Map.build(Expr::var()).compile();
/// assert!((j.to_dmatrix() - jacobian_fwd(&f, &x)).amax() < 1e-15);
/// // A diagonal guess misses the super-diagonal: caught by the probe.
/// let narrow = JacobianSpans::from_spans(20, (0..19).map(|i| (i, i)).collect());
/// assert!(matches!(jacobian_banded(&Map, &x, &narrow), Err(Error::PatternMismatch { .. })));
/// ```
pub fn jacobian_banded<F: Objective + ?Sized>(
    f: &F,
    x: &DVector<f64>,
    spans: &JacobianSpans,
) -> Result<(DVector<f64>, BandedJacobian), Error> {
    // Erased: the extraction is compiled once (see `crate::erased`).
    let f = crate::erased::Erased::new(f);
    jacobian_banded_of(&f, x, &Arc::new(spans.clone()), ["F(x)", "Jacobian"])
}

/// [`jacobian_banded`] with the spans shared (SQP reuses them every
/// iteration), non-finite values and derivatives reported under `names`
/// (the derivative's index is its row).
pub(crate) fn jacobian_banded_of<O: Objective + ?Sized>(
    map: &O,
    x: &DVector<f64>,
    spans: &Arc<JacobianSpans>,
    names: [&'static str; 2],
) -> Result<(DVector<f64>, BandedJacobian), Error> {
    let n = x.len();
    check_finite("x", x.as_slice())?;
    if n != spans.ncols() {
        return Err(Error::DimensionMismatch {
            op: "jacobian_banded (inputs)",
            expected: spans.ncols(),
            found: n,
        });
    }
    let m = map.build::<f64>(Expr::var()).check(&[n])?;
    if m != spans.nrows() {
        return Err(Error::DimensionMismatch {
            op: "jacobian_banded (outputs)",
            expected: spans.nrows(),
            found: m,
        });
    }
    let w = spans.width();
    let defaults = crate::hessian::BandOptions::default();
    let r = probe(n, defaults.seed);
    let mut jac = BandedJacobian {
        spans: spans.clone(),
        values: vec![0.0; m * w],
    };
    // Tangent t < w: the comb of colour t; tangent w: the probe, whose
    // products are `jr`. Each row's products go straight into its band row
    // (at most one column of row i has colour t, as the span is ≤ w wide).
    let mut jr = vec![0.0; m];
    let mut first_bad: Option<usize> = None;
    let value = forward_products(
        map,
        x.as_slice(),
        w + 1,
        |j, t| {
            if t == w {
                r[j]
            } else if j % w == t {
                1.0
            } else {
                0.0
            }
        },
        |i, t0, d| {
            let (lo, hi) = spans.span(i);
            let first = spans.window(i);
            let last = hi.min(n.saturating_sub(1));
            for (c, &v) in d.iter().enumerate() {
                if !v.is_finite() && first_bad.is_none_or(|b| i < b) {
                    first_bad = Some(i);
                }
                let t = t0 + c;
                if t == w {
                    jr[i] = v;
                    continue;
                }
                let j = lo + (t + w - lo % w) % w;
                if j <= last {
                    jac.values[i * w + j - first] = v;
                }
            }
        },
    );
    check_finite(names[0], &value)?;
    // A non-finite derivative names its row.
    if let Some(row) = first_bad {
        return Err(Error::NonFinite {
            what: names[1],
            index: Some(row),
        });
    }
    // J r against the probe's products, row by row against each row's
    // magnitude |J| |r| (as the banded Hessian's probe): a missed coupling
    // cannot hide behind a large row. Both sums in one walk of the rows.
    let (mut y, mut abs_y) = (Vec::with_capacity(m), Vec::with_capacity(m));
    for i in 0..m {
        let (lo, row) = jac.row(i);
        let (mut s, mut a) = (0.0, 0.0);
        for (h, rj) in row.iter().zip(&r[lo..]) {
            s += h * rj;
            a += (h * rj).abs();
        }
        y.push(s);
        abs_y.push(a);
    }
    let residual = row_residual(&y, &jr, &abs_y);
    if residual.is_nan() || residual > defaults.tol {
        return Err(Error::PatternMismatch {
            nnz: (0..m).map(|i| spans.span(i).1 - spans.span(i).0 + 1).sum(),
            residual,
        });
    }
    Ok((DVector::from_vec(value), jac))
}

/// `F(x)`, with the `nt` directional derivatives along the tangents
/// `seed(j, t)` handed over row by row as `sink(i, t0, d)` (`d[c]` is
/// tangent `t0 + c` of row `i`), in forward sweeps over `DualN` of at most
/// 16 tangents. No `m × nt` table is kept.
fn forward_products<O: Objective + ?Sized>(
    map: &O,
    x: &[f64],
    nt: usize,
    seed: impl Fn(usize, usize) -> f64,
    mut sink: impl FnMut(usize, usize, &[f64]),
) -> Vec<f64> {
    let mut value = Vec::new();
    // The chunks and widths of the Hessian sweeps, from their one list.
    for (t0, chunk, w) in chunks(nt) {
        let s = |j: usize, t: usize| seed(j, t0 + t);
        let mut part = |i: usize, d: &[f64]| sink(i, t0, d);
        value = by_width!(w, K => forward_k::<K, O>(map, x, chunk, &s, &mut part));
    }
    value
}

/// One forward evaluation over `DualN<f64, K>` with the first `nt ≤ K`
/// tangents seeded: the value, and each row's `nt` products to `sink`.
fn forward_k<const K: usize, O: Objective + ?Sized>(
    map: &O,
    x: &[f64],
    nt: usize,
    seed: &impl Fn(usize, usize) -> f64,
    sink: &mut impl FnMut(usize, &[f64]),
) -> Vec<f64>
where
    DualN<f64, K>: Width,
{
    let prog = crate::objective::program_of::<DualN<f64, K>, _>(map);
    // From the program's pool: a fresh n-long dual vector is mapped and
    // faulted in page by page on every call once it passes glibc's mmap
    // threshold.
    let mut xd = prog.take_dirty(x.len());
    for (j, (d, &v)) in xd.iter_mut().zip(x).enumerate() {
        let mut eps = [0.0; K];
        for (t, e) in eps.iter_mut().enumerate().take(nt) {
            *e = seed(j, t);
        }
        *d = DualN::from_parts(v, eps);
    }
    // Through `Width`: the engine over each width is compiled once, here.
    let y = <DualN<f64, K> as Width>::eval(&prog, &[&xd]);
    prog.give(xd);
    let value = y.iter().map(|d| d.re).collect();
    for (i, d) in y.iter().enumerate() {
        sink(i, &d.eps[..nt]);
    }
    prog.give(y);
    value
}
