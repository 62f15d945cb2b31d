//! Comb products written straight into the band, as the sweep produces
//! them.
//!
//! Row `i` of the product `H v_c` with the comb seed of colour `c`
//! (period `p`) sums `H[i][r]` over the columns `r ≡ c (mod p)` within
//! `[i − k, i + k]`. The `k + 1` columns `r ∈ [i − k, i]` have `k + 1`
//! different colours (`p > k`), so row `i` of the products fills column
//! `i` of the upper band storage, slot `(r, i)` taking the product of
//! `r`'s colour:
//!
//! * CPR (`p = 2k + 1`): `r` is the only column of its colour in row `i`'s
//!   window, so the slot holds `H[i][r] = H[r][i]`, final;
//! * substitution (`p = k + 1`): the slot holds `H[r][i] + H[i][r + p]`
//!   when `r < i` and `r + p < n`, and [`super::seeds`] subtracts the
//!   second term afterwards (it is an entry of the later column `r + p`).
//!
//! A tiled sweep writes each row's products into its column as the row is
//! produced: no product vector is ever stored.

use super::sweep::DualSink;

/// The destination of a comb sweep: gradient, band columns, and the
/// probe's product (the seed after the comb seeds, when verifying).
pub(crate) struct CombSink<'a> {
    /// The global index of this part's first entry.
    pub(crate) offset: usize,
    pub(crate) k: usize,
    /// The comb's period.
    pub(crate) period: usize,
    /// The number of comb seeds (the probe's seed comes after them).
    pub(crate) combs: usize,
    pub(crate) grad: &'a mut [f64],
    /// Band columns `offset ..`, `k + 1` numbers each (upper storage).
    pub(crate) band: &'a mut [f64],
    pub(crate) probe: Option<&'a mut [f64]>,
}

impl DualSink for CombSink<'_> {
    fn add(&mut self, start: usize, re: &[f64], eps: &[f64], w: usize) {
        let (k, p, ld) = (self.k, self.period, self.k + 1);
        for (t, (&r, e)) in re.iter().zip(eps.chunks_exact(w)).enumerate() {
            let local = start + t;
            let i = self.offset + local;
            self.grad[local] += r;
            let col = &mut self.band[local * ld..(local + 1) * ld];
            // Slot (i − d, i) takes the product of the colour of i − d,
            // counted down from i's colour without a division.
            let mut c = i % p;
            for d in 0..=k.min(i) {
                col[k - d] += e[c];
                c = if c == 0 { p - 1 } else { c - 1 };
            }
            if let Some(hr) = &mut self.probe {
                hr[local] += e[self.combs];
            }
        }
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let ld = self.k + 1;
        let (g0, g1) = self.grad.split_at_mut(mid);
        let (b0, b1) = self.band.split_at_mut(mid * ld);
        let (p0, p1) = match self.probe {
            Some(p) => {
                let (a, b) = p.split_at_mut(mid);
                (Some(a), Some(b))
            }
            None => (None, None),
        };
        let left = CombSink {
            offset: self.offset,
            grad: g0,
            band: b0,
            probe: p0,
            ..self
        };
        let right = CombSink {
            offset: self.offset + mid,
            grad: g1,
            band: b1,
            probe: p1,
            ..left
        };
        (left, right)
    }

    fn len(&self) -> usize {
        self.grad.len()
    }
}
