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

    /// `K` for the shifts `δ` (Hessian) and `ε` (constraints) into `k`
    /// (general band storage, `n + m` with `kl = ku = b`).
    pub(crate) fn assemble_into(
        &self,
        k: &mut Banded<f64>,
        h: &SymBanded<f64>,
        jac: &BandedJacobian,
        delta: f64,
        eps: f64,
    ) {
        let b = self.band;
        debug_assert_eq!((k.n(), k.kl(), k.ku()), (self.size(), b, b));
        let ld = 2 * b + 1;
        let ab = k.as_mut_slice();
        ab.fill(0.0);
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
                    put(pj, pj, v + delta);
                } else {
                    put(pi, pj, v);
                    put(pj, pi, v);
                }
            }
        }
        for (i, &q) in self.pos_con.iter().enumerate() {
            let (lo, row) = jac.row(i);
            for (j, &v) in (lo..).zip(row) {
                let pj = self.pos_var[j];
                put(q, pj, v);
                put(pj, q, v);
            }
            put(q, q, -eps);
        }
    }

    /// `(x part, constraint part)` into KKT order.
    pub(crate) fn permute(&self, xs: &[f64], cs: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; self.size()];
        for (&p, &x) in self.pos_var.iter().zip(xs) {
            v[p] = x;
        }
        for (&p, &c) in self.pos_con.iter().zip(cs) {
            v[p] = c;
        }
        v
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
    lu: Option<BandedLu<f64>>,
}

impl KktSystem {
    pub(crate) fn new(layout: KktLayout) -> Self {
        let (size, b) = (layout.size(), layout.bandwidth());
        KktSystem {
            layout,
            k: Banded::zeros(size, b, b),
            lu: None,
        }
    }

    /// Assembles and factors `K(δ, ε)`; `Ok(false)` when it is singular.
    pub(crate) fn factor(
        &mut self,
        h: &SymBanded<f64>,
        jac: &BandedJacobian,
        delta: f64,
        eps: f64,
    ) -> Result<bool, Error> {
        self.layout.assemble_into(&mut self.k, h, jac, delta, eps);
        let res = match &mut self.lu {
            Some(lu) => lu.refactor(&self.k),
            None => self.k.lu().map(|lu| self.lu = Some(lu)),
        };
        match res {
            Ok(()) => Ok(true),
            Err(Error::Singular { .. }) => {
                // The buffers stay for the next attempt; the factor is void.
                Ok(false)
            }
            Err(e) => Err(e),
        }
    }

    /// The assembled matrix.
    pub(crate) fn matrix(&self) -> &Banded<f64> {
        &self.k
    }

    /// The factors of the last successful [`factor`](Self::factor).
    pub(crate) fn lu(&self) -> &BandedLu<f64> {
        self.lu.as_ref().expect("factored")
    }
}
