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
//! and the half-bandwidth of `H`; for the cart-pole (spans of width 9,
//! block-diagonal `H` of half-bandwidth 3) `b = 8` for any `N`.

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
    /// half-bandwidth `hk` (at least one variable).
    pub(crate) fn new(spans: &JacobianSpans, hk: usize) -> Self {
        let (n, m) = (spans.ncols(), spans.nrows());
        // Rows by the variable they follow (a counting sort keeps row order).
        let key = |i: usize| {
            let (lo, hi) = spans.span(i);
            (lo + hi) / 2
        };
        let mut count = vec![0usize; n];
        for i in 0..m {
            count[key(i)] += 1;
        }
        let mut pos_var = vec![0; n];
        let mut first_row = vec![0; n];
        let mut p = 0;
        for j in 0..n {
            pos_var[j] = p;
            first_row[j] = p + 1;
            p += 1 + count[j];
        }
        let mut pos_con = vec![0; m];
        for (i, q) in pos_con.iter_mut().enumerate() {
            let j = key(i);
            *q = first_row[j];
            first_row[j] += 1;
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
