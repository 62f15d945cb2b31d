//! Comb seeds for banded Hessians, and recovering the band from products.
//!
//! Half-bandwidth `k`: `H[i][j] = 0` for `|i − j| > k`.
//!
//! * **CPR (direct)**: period `p = 2k + 1`, seeds `v_c = Σ_{j ≡ c (mod p)} e_j`.
//!   The window `[i − k, i + k]` of row `i` holds exactly one column of each
//!   colour, so `(H v_c)_i` *is* one band entry: exact to rounding.
//! * **Substitution (symmetric)**: period `q = k + 1`. Row `i`'s window holds
//!   one or two columns of colour `c`: `r ≤ i` and possibly `r + q`. Going
//!   through columns in decreasing order, `H[r][i]` for `r < i` is
//!   `(H v_{r mod q})_i − H[i][r+q]`, and `H[i][r+q]` (an entry of a later
//!   column) is already known. `k + 1` products, the minimum: the
//!   `(k+1)×(k+1)` diagonal blocks of a band are dense, so `k + 1` columns
//!   must get different colours. The subtractions chain along diagonals, so
//!   an entry much smaller than its neighbours loses relative accuracy.

use crate::banded::upper_slot;

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

    /// Writes row `i` of the products `prods[c] = H v_c` into column `i`
    /// of the upper band array `ab` ([`super::comb_sink`]'s layout: slot
    /// `(r, i)` takes the product of `r`'s colour), for objectives whose
    /// sweep stores whole products.
    pub(crate) fn scatter(self, n: usize, k: usize, prods: &[Vec<f64>], ab: &mut [f64]) {
        let p = self.period(k);
        for i in 0..n {
            for r in i.saturating_sub(k)..=i {
                ab[upper_slot(k, r, i)] = prods[r % p][i];
            }
        }
    }

    /// Turns the products of [`scatter`](Self::scatter) (or of a comb
    /// sweep) into the band, in place. CPR's slots are already the
    /// entries. Substitution's slot `(r, i)`, `r < i`, holds
    /// `H[r][i] + H[i][r + q]` while `r + q < n`; `H[i][r + q]` is an entry
    /// of the later column `r + q`, so the columns are recovered from the
    /// last one down, each entry one subtraction.
    pub(crate) fn recover_in_place(self, n: usize, k: usize, ab: &mut [f64]) {
        if self == BandMethod::Cpr {
            return;
        }
        let q = k + 1;
        for i in (0..n).rev() {
            for r in i.saturating_sub(k)..i {
                if r + q < n {
                    ab[upper_slot(k, r, i)] -= ab[upper_slot(k, i, r + q)];
                }
            }
        }
    }
}
