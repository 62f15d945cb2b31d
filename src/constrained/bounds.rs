//! Lower and upper bounds, `lower ≤ v ≤ upper` entry by entry, `±∞` for
//! none: on the variables (`lb ≤ x ≤ ub`) and on the constraint rows
//! (`cl ≤ c(x) ≤ cu`; equal bounds make an equality, the default).

use crate::{Error, Expr, Objective, Real};

/// Bounds `lower[i] ≤ v[i] ≤ upper[i]`, with `±∞` where there is none.
///
/// Built whole ([`Bounds::new`]), from nothing ([`Bounds::free`],
/// [`Bounds::zero`]) and refined entry by entry ([`Bounds::with`]) or
/// stage by stage for variables interleaved per stage
/// ([`Bounds::per_stage`]). Checked when a solve starts: a lower bound
/// above its upper one is [`Error::InvalidBounds`] naming the entry.
///
/// ```
/// use lensdiff::constrained::Bounds;
/// // Three stages of (position, force): |force| ≤ 10 at every stage,
/// // position ≥ 0.
/// let b = Bounds::free(6).per_stage(0, 2, &[0.0, -10.0], &[f64::INFINITY, 10.0]);
/// assert_eq!(b.lower(), &[0.0, -10.0, 0.0, -10.0, 0.0, -10.0]);
/// assert_eq!(b.upper()[1], 10.0);
/// assert!(b.upper()[0].is_infinite());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    lower: Vec<f64>,
    upper: Vec<f64>,
}

impl Bounds {
    /// The bounds `lower ≤ v ≤ upper` (same lengths; panics otherwise).
    ///
    /// ```
    /// let b = lensdiff::constrained::Bounds::new(vec![0.0, -1.0], vec![1.0, f64::INFINITY]);
    /// assert_eq!(b.len(), 2);
    /// ```
    pub fn new(lower: Vec<f64>, upper: Vec<f64>) -> Self {
        assert_eq!(
            lower.len(),
            upper.len(),
            "Bounds::new: {} lower bounds but {} upper bounds",
            lower.len(),
            upper.len()
        );
        Bounds { lower, upper }
    }

    /// `n` entries with no bounds (`−∞ ≤ v ≤ ∞`).
    ///
    /// ```
    /// let b = lensdiff::constrained::Bounds::free(3);
    /// assert!(b.lower().iter().all(|v| *v == f64::NEG_INFINITY));
    /// ```
    pub fn free(n: usize) -> Self {
        Bounds::new(vec![f64::NEG_INFINITY; n], vec![f64::INFINITY; n])
    }

    /// `m` equalities `v = 0` (the default for constraint rows).
    ///
    /// ```
    /// let b = lensdiff::constrained::Bounds::zero(2);
    /// assert_eq!((b.lower(), b.upper()), (&[0.0, 0.0][..], &[0.0, 0.0][..]));
    /// ```
    pub fn zero(m: usize) -> Self {
        Bounds::new(vec![0.0; m], vec![0.0; m])
    }

    /// `m` one-sided rows `v ≤ 0` (inequalities `g(x) ≤ 0`).
    ///
    /// ```
    /// let b = lensdiff::constrained::Bounds::nonpositive(2);
    /// assert_eq!(b.upper(), &[0.0, 0.0]);
    /// assert!(b.lower()[0].is_infinite());
    /// ```
    pub fn nonpositive(m: usize) -> Self {
        Bounds::new(vec![f64::NEG_INFINITY; m], vec![0.0; m])
    }

    /// These bounds followed by `other`'s (rows of stacked constraints,
    /// see [`super::Stack`]).
    ///
    /// ```
    /// use lensdiff::constrained::Bounds;
    /// let b = Bounds::zero(1).concat(&Bounds::nonpositive(1));
    /// assert_eq!(b.upper(), &[0.0, 0.0]);
    /// assert_eq!(b.lower()[0], 0.0);
    /// ```
    pub fn concat(mut self, other: &Bounds) -> Self {
        self.lower.extend_from_slice(&other.lower);
        self.upper.extend_from_slice(&other.upper);
        self
    }

    /// Entry `i` bounded by `lower ≤ v[i] ≤ upper` (panics when `i` is out
    /// of range).
    ///
    /// ```
    /// let b = lensdiff::constrained::Bounds::free(3).with(1, -2.0, 2.0);
    /// assert_eq!((b.lower()[1], b.upper()[1]), (-2.0, 2.0));
    /// ```
    pub fn with(mut self, i: usize, lower: f64, upper: f64) -> Self {
        self.lower[i] = lower;
        self.upper[i] = upper;
        self
    }

    /// For variables interleaved by stage (`stride` per stage, from
    /// `first`): entry `first + k·stride + j` bounded by `lower[j] ≤ v ≤
    /// upper[j]` at every stage `k` that fits, for `j < lower.len()`
    /// (panics unless `lower` and `upper` have the same length, at most
    /// `stride`).
    ///
    /// ```
    /// use lensdiff::constrained::Bounds;
    /// // Nodes of (q, u), q free, |u| ≤ 1; the first node's fixed apart.
    /// let inf = f64::INFINITY;
    /// let b = Bounds::free(6).per_stage(0, 2, &[-inf, -1.0], &[inf, 1.0]).with(0, 0.0, 0.0);
    /// assert_eq!(b.upper(), &[0.0, 1.0, inf, 1.0, inf, 1.0]);
    /// ```
    pub fn per_stage(mut self, first: usize, stride: usize, lower: &[f64], upper: &[f64]) -> Self {
        assert!(
            lower.len() == upper.len() && lower.len() <= stride,
            "Bounds::per_stage: {} lower and {} upper bounds per stage of {stride}",
            lower.len(),
            upper.len()
        );
        let n = self.len();
        let mut base = first;
        while base < n {
            for (j, (&lo, &hi)) in lower.iter().zip(upper).enumerate() {
                if base + j < n {
                    self.lower[base + j] = lo;
                    self.upper[base + j] = hi;
                }
            }
            base += stride;
        }
        self
    }

    /// The number of entries.
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::Bounds::free(4).len(), 4);
    /// ```
    pub fn len(&self) -> usize {
        self.lower.len()
    }

    /// Whether there are no entries.
    ///
    /// ```
    /// assert!(lensdiff::constrained::Bounds::free(0).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.lower.is_empty()
    }

    /// The lower bounds.
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::Bounds::zero(1).lower(), &[0.0]);
    /// ```
    pub fn lower(&self) -> &[f64] {
        &self.lower
    }

    /// The upper bounds.
    ///
    /// ```
    /// assert_eq!(lensdiff::constrained::Bounds::zero(1).upper(), &[0.0]);
    /// ```
    pub fn upper(&self) -> &[f64] {
        &self.upper
    }

    /// `Ok` when every `lower ≤ upper`, none is NaN, no lower bound is
    /// `+∞` and no upper bound `−∞`, else
    /// [`Error::InvalidBounds`] naming the first bad entry (`what`:
    /// `"variable"` or `"constraint row"`).
    ///
    /// ```
    /// use lensdiff::{Error, constrained::Bounds};
    /// let b = Bounds::free(3).with(2, 1.0, 0.0);
    /// assert!(matches!(b.check("variable"), Err(Error::InvalidBounds { index: 2, .. })));
    /// ```
    pub fn check(&self, what: &'static str) -> Result<(), Error> {
        let bad = |i: usize| {
            let (lo, hi) = (self.lower[i], self.upper[i]);
            lo.is_nan() || hi.is_nan() || lo > hi || lo == f64::INFINITY || hi == f64::NEG_INFINITY
        };
        match (0..self.len()).find(|&i| bad(i)) {
            Some(index) => Err(Error::InvalidBounds {
                what,
                index,
                lower: self.lower[index],
                upper: self.upper[index],
            }),
            None => Ok(()),
        }
    }
}

/// Two constraint maps stacked: the rows of `A` then those of `B`, for
/// equalities and inequalities written apart and solved together (their
/// row bounds concatenated with [`Bounds::concat`]).
///
/// ```
/// use lensdiff::constrained::{Bounds, Ipm, Stack};
/// use lensdiff::{Expr, Objective, Real};
/// use nalgebra::dvector;
/// /// ½‖x‖² …
/// struct Half;
/// impl Objective for Half {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.norm_squared() * 0.5 }
/// }
/// /// … with x₀ + x₁ = 2 …
/// struct Sum;
/// impl Objective for Sum {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.sum() - 2.0 }
/// }
/// /// … and 1.5 − x₀ ≤ 0: x = (1.5, 0.5).
/// struct Floor;
/// impl Objective for Floor {
///     fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> { x.slice(0, 1) * -1.0 + 1.5 }
/// }
/// let rows = Bounds::zero(1).concat(&Bounds::nonpositive(1));
/// let r = Ipm::default()
///     .minimize(&Half, &Stack(Sum, Floor), &Bounds::free(2), &rows, &dvector![0.0, 0.0])
///     .unwrap();
/// assert!((r.x[0] - 1.5).abs() < 1e-7 && (r.x[1] - 0.5).abs() < 1e-7);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Stack<A, B>(pub A, pub B);

impl<A: Objective, B: Objective> Objective for Stack<A, B> {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        self.0.build(x.clone()).concat(&self.1.build(x))
    }
}
