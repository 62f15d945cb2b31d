//! Comb seeds for banded Hessians, and recovering the band from products.
//!
//! Half-bandwidth `k`: `H[i][j] = 0` for `|i − j| > k`.
//!
//! * **CPR (direct)**: period `p = 2k + 1`, seeds `v_c = Σ_{j ≡ c (mod p)} e_j`.
//!   The window `[i − k, i + k]` of row `i` holds exactly one column of each
//!   colour, so `(H v_c)_i` *is* one band entry: exact to rounding.
//! * **Substitution (symmetric)**: period `q = k + 1`. Row `i`'s window holds
//!   one or two columns of colour `c`: `j ≤ i` and possibly `j + q`. Going
//!   through rows in increasing order, `H[i][j]` for `j > i` is
//!   `(H v_{j mod q})_i − H[j−q][i]`, and `H[j−q][i]` (an upper entry of an
//!   earlier row) is already known. `k + 1` products, the minimum: the
//!   `(k+1)×(k+1)` diagonal blocks of a band are dense, so `k + 1` columns
//!   must get different colours. The subtractions chain along diagonals, so
//!   an entry much smaller than its neighbours loses relative accuracy.

use crate::banded::SymBanded;

/// How a banded Hessian is recovered from Hessian-vector products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BandMethod {
    /// Direct recovery from `2k + 1` comb seeds (exact to rounding).
    Cpr,
    /// Symmetric substitution from `k + 1` seeds (the fewest possible).
    Substitution,
}

impl BandMethod {
    /// The comb's period: the number of seeds (before clipping to `n`).
    ///
    /// ```
    /// use lensdiff::hessian::BandMethod;
    /// assert_eq!(BandMethod::Cpr.period(4), 9);
    /// assert_eq!(BandMethod::Substitution.period(4), 5);
    /// ```
    pub fn period(self, k: usize) -> usize {
        match self {
            BandMethod::Cpr => 2 * k + 1,
            BandMethod::Substitution => k + 1,
        }
    }

    /// The number of Hessian-vector products for dimension `n`.
    ///
    /// ```
    /// use lensdiff::hessian::BandMethod;
    /// assert_eq!(BandMethod::Cpr.products(3, 1), 3);
    /// assert_eq!(BandMethod::Cpr.products(2, 1), 2); // a comb longer than x
    /// ```
    pub fn products(self, n: usize, k: usize) -> usize {
        self.period(k).min(n)
    }

    /// The seed vectors `v_c[j] = 1` if `j mod period = c`, else 0.
    ///
    /// ```
    /// use lensdiff::hessian::BandMethod;
    /// let s = BandMethod::Substitution.seeds(5, 1);
    /// assert_eq!(s, vec![vec![1.0, 0.0, 1.0, 0.0, 1.0], vec![0.0, 1.0, 0.0, 1.0, 0.0]]);
    /// ```
    pub fn seeds(self, n: usize, k: usize) -> Vec<Vec<f64>> {
        let p = self.period(k);
        (0..self.products(n, k))
            .map(|c| {
                let mut v = vec![0.0; n];
                for e in v.iter_mut().skip(c).step_by(p) {
                    *e = 1.0;
                }
                v
            })
            .collect()
    }

    /// The band (upper LAPACK storage) from the products `prods[c] = H v_c`.
    pub(crate) fn recover(self, n: usize, k: usize, prods: &[Vec<f64>]) -> SymBanded<f64> {
        let p = self.period(k);
        let mut band = SymBanded::zeros(n, k);
        let ld = k + 1;
        let ab = band.as_mut_slice();
        // ab[j·(k+1) + (k + i − j)] = H[i][j] for max(0, j−k) ≤ i ≤ j.
        match self {
            BandMethod::Cpr => {
                // Column j of the band is rows j−k..=j of the product of j's colour.
                for (j, col) in ab.chunks_exact_mut(ld).enumerate() {
                    let lo = j.saturating_sub(k);
                    let src = &prods[j % p][lo..=j];
                    col[k + lo - j..].copy_from_slice(src);
                }
            }
            BandMethod::Substitution => {
                // Column by column: H[i][j] (j−k ≤ i ≤ j) is (H v_{j mod p})_i,
                // minus, when i < j and j ≥ p, the other column of the same
                // colour in row i's window, j − p < i: H[j−p][i], an upper
                // entry of the earlier column i, already recovered.
                for j in 0..n {
                    let (done, rest) = ab.split_at_mut(j * ld);
                    let col = &mut rest[..ld];
                    let src = &prods[j % p];
                    let lo = j.saturating_sub(k);
                    let out = &mut col[k + lo - j..];
                    // Rows lo..j: subtract H[j−p][i], stored in column i at
                    // ab[i·(k+1) + k + (j−p) − i] = ab[i·k + j − 1].
                    if j >= p && k > 0 {
                        let known = done[lo * k + j - 1..].iter().step_by(k);
                        for ((o, &v), &h) in out.iter_mut().zip(&src[lo..j]).zip(known) {
                            *o = v - h;
                        }
                    } else {
                        out[..j - lo].copy_from_slice(&src[lo..j]);
                    }
                    out[j - lo] = src[j]; // the diagonal: one colour alone
                }
            }
        }
        band
    }
}
