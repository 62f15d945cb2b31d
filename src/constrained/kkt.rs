//! The KKT matrix of an SQP step, ordered by stage so that it is banded.
//!
//! ```text
//! K = [ H + δI   Jᵀ  ]   (n + m unknowns: the step dx and the
//!     [ J       −εI  ]    multiplier step dλ)
//! ```
//!
//! In the natural order `(dx, dλ)` the `J` blocks sit far from the
//! diagonal. Ordered by stage, each constraint row `i` is placed right
//! after the variable in the middle of its span, `⌊(lo_i + hi_i)/2⌋`, so a
//! trajectory's multipliers sit between the nodes they couple. The
//! bandwidth `b` of the result is computed exactly from the spans of `J`
//! and the half-bandwidth of `H`. Rows with narrow spans (boundary
//! conditions) may instead go to the nearest gap outside the wide rows'
//! spans, whichever ordering has the smaller band: for the cart-pole
//! (spans of width 9, block-diagonal `H` of half-bandwidth 3) `b = 8` for
//! any `N` (11 with the midpoint rule alone).

use super::banded_jacobian::{BandedJacobian, JacobianSpans};
use crate::Error;
use crate::banded::{Banded, BandedLu, SymBanded};

/// Diagonal terms of `K` beside the shifts: `x` is added to `H`'s
/// diagonal (the barrier's `Σ = Z/(x − l)` of an interior-point step),
/// `c` subtracted on the constraint block (the eliminated slacks'
/// `1/Σ_s`). An empty slice stands for zeros.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KktDiagonals<'a> {
    pub(crate) x: &'a [f64],
    pub(crate) c: &'a [f64],
}

/// The right-hand side of a KKT solve, in `(x part, constraint part)`:
/// `x` and `c` for the step, and `c_normal`, the constraint part of the
/// normal step `(0, c_normal)` that the inertia test subtracts to get the
/// tangential part of `dx`.
pub(crate) struct KktRhs<'a> {
    pub(crate) x: &'a [f64],
    pub(crate) c: &'a [f64],
    pub(crate) c_normal: &'a [f64],
}

/// Ipopt's rule for the inertia-correcting shifts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ShiftRule {
    /// First `δ` tried.
    pub(crate) delta_init: f64,
    /// Largest `δ` before [`Error::ShiftFailed`].
    pub(crate) delta_max: f64,
    /// `ε` for a singular `K`.
    pub(crate) eps_init: f64,
}

/// One solved KKT system: the step, its multiplier step and the shifts
/// that gave the right inertia.
pub(crate) struct KktStep {
    pub(crate) dx: Vec<f64>,
    pub(crate) dl: Vec<f64>,
    pub(crate) delta: f64,
    pub(crate) eps: f64,
}

/// Where every unknown of the KKT system goes, and the bandwidth that gives.
#[derive(Debug, Clone)]
pub(crate) struct KktLayout {
    /// Position of `dx_j`.
    pos_var: Vec<usize>,
    /// Position of `dλ_i`.
    pos_con: Vec<usize>,
    /// Half-bandwidth of `H`.
    hk: usize,
    /// Half-bandwidth of `K` (`kl = ku`).
    band: usize,
}

impl KktLayout {
    /// The stage ordering for a Jacobian on `spans` and a Hessian of
    /// half-bandwidth `hk` (at least one variable): each row after the
    /// middle of its span, or, when that is narrower, with narrow rows
    /// (boundary conditions) moved to the nearest gap that no wide row
    /// spans.
    pub(crate) fn new(spans: &JacobianSpans, hk: usize) -> Self {
        // Slot s = 0 is before the first variable, s = j + 1 after variable j.
        let mid: Vec<usize> = (0..spans.nrows())
            .map(|i| {
                let (lo, hi) = spans.span(i);
                (lo + hi) / 2 + 1
            })
            .collect();
        let by_mid = Self::from_slots(spans, hk, &mid);
        let moved = Self::from_slots(spans, hk, &narrow_rows_moved(spans, &mid));
        if moved.band < by_mid.band {
            moved
        } else {
            by_mid
        }
    }

    /// The layout with row `i` in slot `slot[i]` (rows of one slot in row
    /// order: a counting sort), and its exact bandwidth.
    fn from_slots(spans: &JacobianSpans, hk: usize, slot: &[usize]) -> Self {
        let (n, m) = (spans.ncols(), spans.nrows());
        let mut count = vec![0usize; n + 1];
        for &s in slot {
            count[s] += 1;
        }
        let mut pos_var = vec![0; n];
        let mut first_row = vec![0; n + 1];
        let mut p = count[0];
        for j in 0..n {
            pos_var[j] = p;
            first_row[j + 1] = p + 1;
            p += 1 + count[j + 1];
        }
        let mut pos_con = vec![0; m];
        for (q, &s) in pos_con.iter_mut().zip(slot) {
            *q = first_row[s];
            first_row[s] += 1;
        }
        let mut band = 0;
        for j in 0..n {
            for i in j.saturating_sub(hk)..j {
                band = band.max(pos_var[j].abs_diff(pos_var[i]));
            }
        }
        for (i, &q) in pos_con.iter().enumerate() {
            let (lo, hi) = spans.span(i);
            band = band
                .max(q.abs_diff(pos_var[lo]))
                .max(q.abs_diff(pos_var[hi]));
        }
        KktLayout {
            pos_var,
            pos_con,
            hk,
            band,
        }
    }

    /// `n + m`.
    pub(crate) fn size(&self) -> usize {
        self.pos_var.len() + self.pos_con.len()
    }

    /// The half-bandwidth of `K` in this ordering.
    pub(crate) fn bandwidth(&self) -> usize {
        self.band
    }

    /// `K` with the diagonals `diag` and no inertia shifts into `k`
    /// (general band storage, `n + m` with `kl = ku = b`); the solve
    /// writes the shifts `δ`, `ε` over its diagonal. Returns the largest
    /// `|K|` entry off the diagonal, taken as the entries are written
    /// (each position is written once) rather than in another pass.
    ///
    /// The positions written depend only on the layout and `h`'s
    /// bandwidth, so when `k` holds an assembly with the same `h.k()`
    /// (`clear = false`) the zeros between them are there already.
    pub(crate) fn assemble_into(
        &self,
        k: &mut Banded<f64>,
        h: &SymBanded<f64>,
        jac: &BandedJacobian,
        diag: &KktDiagonals<'_>,
        clear: bool,
    ) -> f64 {
        let b = self.band;
        debug_assert_eq!((k.n(), k.kl(), k.ku()), (self.size(), b, b));
        let ld = 2 * b + 1;
        let ab = k.as_mut_slice();
        if clear {
            ab.fill(0.0);
        }
        let mut off_inf = 0.0f64;
        let mut put = |r: usize, c: usize, v: f64| ab[c * ld + b + r - c] = v;
        let (hk, hs) = (h.k(), h.as_slice());
        debug_assert!(hk <= self.hk || hk == 0);
        // Upper storage: hs[j (hk + 1) + hk + i − j] = H[i][j], i ≤ j.
        for j in 0..self.pos_var.len() {
            let pj = self.pos_var[j];
            for i in j.saturating_sub(hk)..=j {
                let v = hs[j * (hk + 1) + hk + i - j];
                let pi = self.pos_var[i];
                if i == j {
                    put(pj, pj, v + diag.x.get(j).copied().unwrap_or(0.0));
                } else {
                    put(pi, pj, v);
                    put(pj, pi, v);
                    off_inf = off_inf.max(v.abs());
                }
            }
        }
        for (i, &q) in self.pos_con.iter().enumerate() {
            let (lo, row) = jac.row(i);
            for (j, &v) in (lo..).zip(row) {
                let pj = self.pos_var[j];
                put(q, pj, v);
                put(pj, q, v);
                off_inf = off_inf.max(v.abs());
            }
            put(q, q, -diag.c.get(i).copied().unwrap_or(0.0));
        }
        off_inf
    }

    /// `(x part, constraint part)` into KKT order.
    pub(crate) fn permute(&self, xs: &[f64], cs: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; self.size()];
        self.permute_into(xs, cs, &mut v);
        v
    }

    /// [`permute`](Self::permute) into `v` (of length `n + m`; entries
    /// past the ends of short `xs` or `cs` are left alone).
    fn permute_into(&self, xs: &[f64], cs: &[f64], v: &mut [f64]) {
        for (&p, &x) in self.pos_var.iter().zip(xs) {
            v[p] = x;
        }
        for (&p, &c) in self.pos_con.iter().zip(cs) {
            v[p] = c;
        }
    }

    /// KKT order back into `(x part, constraint part)`.
    pub(crate) fn split(&self, v: &[f64]) -> (Vec<f64>, Vec<f64>) {
        (
            self.pos_var.iter().map(|&p| v[p]).collect(),
            self.pos_con.iter().map(|&p| v[p]).collect(),
        )
    }
}

/// Slots with rows of span at most half the width moved, within a width
/// of their span, to the slot inside the fewest spans of wider rows (the
/// nearest to their middle on ties): a boundary condition inside the span
/// of a wide row widens that row's band.
fn narrow_rows_moved(spans: &JacobianSpans, mid: &[usize]) -> Vec<usize> {
    let (n, w) = (spans.ncols(), spans.width());
    let narrow = |i: usize| {
        let (lo, hi) = spans.span(i);
        2 * (hi - lo + 1) <= w
    };
    // cover[s]: wide rows whose span contains slot s (lo < s ≤ hi).
    let mut cover = vec![0i64; n + 2];
    for i in (0..spans.nrows()).filter(|&i| !narrow(i)) {
        let (lo, hi) = spans.span(i);
        cover[lo + 1] += 1;
        cover[hi + 1] -= 1;
    }
    for s in 1..=n {
        cover[s] += cover[s - 1];
    }
    (0..spans.nrows())
        .map(|i| {
            if !narrow(i) {
                return mid[i];
            }
            let (lo, hi) = spans.span(i);
            let (a, b) = (lo.saturating_sub(w), (hi + 1 + w).min(n));
            (a..=b)
                .min_by_key(|&s| (cover[s], s.abs_diff(mid[i])))
                .unwrap_or(mid[i])
        })
        .collect()
}

/// The KKT matrix and its LU factors, kept from one factorisation to the
/// next so that repeated solves at large `n` allocate nothing.
pub(crate) struct KktSystem {
    pub(crate) layout: KktLayout,
    k: Banded<f64>,
    /// `K(0, 0)`'s diagonal, in KKT order, kept while the shifts are
    /// tried (each rewrites the diagonal from it).
    base_diagonal: Vec<f64>,
    /// The largest `|K|` entry off the diagonal (the shifts leave those).
    off_diagonal_inf: f64,
    /// The bandwidth of the `H` last assembled into `k` (its positions
    /// are the ones written; the rest of `k` is zero).
    assembled_hk: Option<usize>,
    lu: Option<BandedLu<f64>>,
    /// Work vectors kept between attempts and solves.
    work: KktWork,
}

/// The vectors of one [`KktSystem::solve_corrected`], reused by the next.
#[derive(Default)]
struct KktWork {
    /// The right-hand side, in KKT order.
    rhs: Vec<f64>,
    /// The solution of an attempt, in KKT order.
    sol: Vec<f64>,
    /// `K sol`, for the residual.
    prod: Vec<f64>,
    /// The normal step, in KKT order, and whether it is solved for the
    /// current factors.
    normal: Vec<f64>,
    normal_solved: bool,
    /// The tangential step `d_t` and `H d_t`.
    dt: Vec<f64>,
    hdt: Vec<f64>,
    /// The tangential multiplier step.
    dlt: Vec<f64>,
}

impl KktSystem {
    pub(crate) fn new(layout: KktLayout) -> Self {
        let (size, b) = (layout.size(), layout.bandwidth());
        KktSystem {
            layout,
            k: Banded::zeros(size, b, b),
            base_diagonal: Vec::new(),
            off_diagonal_inf: 0.0,
            assembled_hk: None,
            lu: None,
            work: KktWork::default(),
        }
    }

    /// Factors `K(δ, ε)` from `K(0, 0)`, assembled into `k` already:
    /// only the diagonal moves between the shifts tried, so the matrix is
    /// assembled once per solve. `Ok(Some(‖K(δ, ε)‖_max))` on success,
    /// `Ok(None)` when it is singular.
    ///
    /// The factorisation carries the right-hand side (`work.rhs`) and the
    /// normal step's (`c_normal`) through its forward substitution, into
    /// `work.sol` and `work.normal`: [`solve_checked`](Self::solve_checked)
    /// finishes both with one pass over the factor.
    fn factor_shifted(
        &mut self,
        delta: f64,
        eps: f64,
        c_normal: &[f64],
    ) -> Result<Option<f64>, Error> {
        let ld = 2 * self.layout.band + 1;
        let at = |p: usize| p * ld + self.layout.band;
        let ab = self.k.as_mut_slice();
        let mut k_inf = self.off_diagonal_inf;
        for &p in &self.layout.pos_var {
            let v = self.base_diagonal[p] + delta;
            ab[at(p)] = v;
            k_inf = k_inf.max(v.abs());
        }
        for &q in &self.layout.pos_con {
            let v = self.base_diagonal[q] - eps;
            ab[at(q)] = v;
            k_inf = k_inf.max(v.abs());
        }
        let w = &mut self.work;
        w.sol.clone_from(&w.rhs);
        w.normal.clear();
        w.normal.resize(self.layout.size(), 0.0);
        self.layout.permute_into(&[], c_normal, &mut w.normal);
        let lu = self.lu.get_or_insert_with(BandedLu::empty);
        let res = lu.refactor_forward(&self.k, &mut [&mut w.sol, &mut w.normal]);
        match res {
            Ok(()) => Ok(Some(k_inf)),
            Err(Error::Singular { .. }) => {
                // The buffers stay for the next attempt; the factor is void.
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The factors of the last successful [`factor`](Self::factor).
    pub(crate) fn lu(&self) -> &BandedLu<f64> {
        self.lu.as_ref().expect("factored")
    }

    /// Solves `K sol = rhs` with the current factors into `work.sol`,
    /// and the normal step `(0, c_normal)` with it (one pass over the
    /// factors); `false` when the residual shows a nearly singular `K`
    /// (`k_inf` its largest entry, `rhs_inf` the right-hand side's).
    fn solve_checked(&mut self, k_inf: f64, rhs_inf: f64) -> Result<bool, Error> {
        let w = &mut self.work;
        let lu = self.lu.as_ref().expect("factored");
        w.normal_solved = lu.solve_upper_pair_mut(&mut w.sol, &mut w.normal).is_ok();
        if !w.normal_solved {
            // The errors of one solve at a time: the step's now, the
            // normal step's only if the curvature test comes to need it.
            w.sol.clone_from(&w.rhs);
            lu.solve_mut(&mut w.sol)?;
        }
        w.prod.resize(w.sol.len(), 0.0);
        // The residual reads the whole band: a memory-bound pass that
        // one core does not saturate.
        self.k.mul_vec_by_rows_into(&w.sol, &mut w.prod);
        let res = w
            .prod
            .iter()
            .zip(&w.rhs)
            .fold(0.0f64, |a, (p, q)| a.max((p - q).abs()));
        let sol_inf = w.sol.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        Ok(sol_inf.is_finite() && res <= 1e-8 * (rhs_inf + k_inf * sol_inf))
    }
}

impl KktSystem {
    /// Solves `K (dx, dλ) = rhs`, growing `δ` until `K` has the inertia
    /// of a minimum and `ε` while it is singular (Ipopt's rule: `10⁻⁴` or
    /// a third of the last `δ`, then ×100 the first time or ×8).
    ///
    /// The inertia test: `sign det K = (−1)ᵐ`, and positive curvature
    /// along the tangential part `d_t = dx − d_n` of the step, `d_n` from
    /// `K (d_n, ·) = (0, c_normal)` with the same factors (Chiang and
    /// Zavala's inertia-free test). `extra(dλ_t)` adds the curvature and
    /// squared length of eliminated unknowns (an interior-point method's
    /// slacks) along the tangential multiplier step `dλ_t`.
    ///
    /// The sign comes with the factors, so it is tested first: an attempt
    /// with the wrong one costs a factorisation and no solve.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn solve_corrected(
        &mut self,
        h: &SymBanded<f64>,
        jac: &BandedJacobian,
        diag: &KktDiagonals<'_>,
        rhs: &KktRhs<'_>,
        extra: &dyn Fn(&[f64]) -> (f64, f64),
        rule: &ShiftRule,
        delta_last: &mut f64,
    ) -> Result<KktStep, Error> {
        let m = rhs.c.len();
        let size = self.layout.size();
        self.work.rhs.resize(size, 0.0);
        self.layout.permute_into(rhs.x, rhs.c, &mut self.work.rhs);
        let rhs_inf = self.work.rhs.iter().fold(0.0f64, |a, v| a.max(v.abs()));
        let want_sign = if m.is_multiple_of(2) { 1.0 } else { -1.0 };
        let (mut delta, mut eps) = (0.0f64, 0.0f64);
        // The same bandwidth of H writes the same positions: no clearing.
        let clear = self.assembled_hk != Some(h.k());
        self.off_diagonal_inf = self.layout.assemble_into(&mut self.k, h, jac, diag, clear);
        self.assembled_hk = Some(h.k());
        let (ld, b) = (2 * self.layout.band + 1, self.layout.band);
        let ab = self.k.as_slice();
        self.base_diagonal.clear();
        self.base_diagonal.extend((0..size).map(|p| ab[p * ld + b]));
        loop {
            // `Some(accepted)` for a factored K with a solve of small
            // residual; `None` for a singular K.
            let outcome = match self.factor_shifted(delta, eps, rhs.c_normal)? {
                Some(_) if self.lu().determinant_sign() != want_sign => Some(false),
                Some(k_inf) => {
                    // A nearly singular K shows in the solve's residual.
                    if self.solve_checked(k_inf, rhs_inf)? {
                        Some(self.curvature_ok(h, diag, rhs, delta, extra)?)
                    } else {
                        None
                    }
                }
                None => None,
            };
            match outcome {
                Some(true) => {
                    if delta > 0.0 {
                        *delta_last = delta;
                    }
                    let (dx, dl) = self.layout.split(&self.work.sol);
                    return Ok(KktStep { dx, dl, delta, eps });
                }
                Some(false) => {}
                // A singular K: regularise the constraint block once (a
                // rank-deficient J), and grow δ as for a wrong inertia.
                None => {
                    if eps == 0.0 {
                        eps = rule.eps_init;
                    }
                }
            }
            delta = if delta == 0.0 {
                if *delta_last == 0.0 {
                    rule.delta_init
                } else {
                    (*delta_last / 3.0).max(1e-20)
                }
            } else if *delta_last == 0.0 {
                delta * 100.0
            } else {
                delta * 8.0
            };
            if delta > rule.delta_max {
                return Err(Error::ShiftFailed { tau: delta });
            }
        }
    }

    /// The curvature half of the inertia test of the solved step in
    /// `work.sol` (see [`solve_corrected`](Self::solve_corrected)).
    fn curvature_ok(
        &mut self,
        h: &SymBanded<f64>,
        diag: &KktDiagonals<'_>,
        rhs: &KktRhs<'_>,
        delta: f64,
        extra: &dyn Fn(&[f64]) -> (f64, f64),
    ) -> Result<bool, Error> {
        let lu = self.lu.as_ref().expect("factored");
        let (layout, w) = (&self.layout, &mut self.work);
        let n = layout.pos_var.len();
        if !w.normal_solved {
            w.normal.clear();
            w.normal.resize(layout.size(), 0.0);
            layout.permute_into(&[], rhs.c_normal, &mut w.normal);
            lu.solve_mut(&mut w.normal)?;
        }
        let tangential = |pos: &[usize], out: &mut Vec<f64>| {
            out.clear();
            out.extend(pos.iter().map(|&p| w.sol[p] - w.normal[p]));
        };
        tangential(&layout.pos_var, &mut w.dt);
        tangential(&layout.pos_con, &mut w.dlt);
        w.hdt.resize(n, 0.0);
        h.try_mul_vec_into(&w.dt, &mut w.hdt)?;
        let (extra_curv, extra_len) = extra(&w.dlt);
        let dt = &w.dt;
        let dtt: f64 = dt.iter().map(|v| v * v).sum::<f64>() + extra_len;
        let curv = dt
            .iter()
            .zip(&w.hdt)
            .enumerate()
            .map(|(j, (a, b))| a * (b + a * diag.x.get(j).copied().unwrap_or(0.0)))
            .sum::<f64>()
            + delta * dt.iter().map(|v| v * v).sum::<f64>()
            + extra_curv;
        Ok(curv >= 1e-12 * dtt)
    }
}
