//! CPR products written straight into the band.
//!
//! Row `i` of the product `H v_c` with comb seed `c` (period `p = 2k + 1`)
//! is `H[i][j]` for the one column `j ≡ c (mod p)` within `[i − k, i + k]`.
//! The entries with `j ≤ i` are column `i` of the upper band storage
//! (`H[j][i]`, by symmetry), so column `i` is filled from row `i` of the
//! products alone: a tiled sweep can write each row's products into its
//! column as the row is produced, and no product vector is ever stored.

use super::sweep::DualSink;

/// The destination of a CPR sweep: gradient, band columns, and the probe's
/// product (the seed after the comb seeds, when verifying).
pub(crate) struct CprSink<'a> {
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

impl DualSink for CprSink<'_> {
    fn add(&mut self, start: usize, re: &[f64], eps: &[f64], w: usize) {
        let (k, p, ld) = (self.k, self.period, self.k + 1);
        for (t, (&r, e)) in re.iter().zip(eps.chunks_exact(w)).enumerate() {
            let local = start + t;
            let i = self.offset + local;
            self.grad[local] += r;
            let col = &mut self.band[local * ld..(local + 1) * ld];
            for d in 0..=k.min(i) {
                // H[i − d][i] is the product of the colour of i − d.
                col[k - d] += e[(i - d) % p];
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
        let left = CprSink {
            offset: self.offset,
            grad: g0,
            band: b0,
            probe: p0,
            ..self
        };
        let right = CprSink {
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
