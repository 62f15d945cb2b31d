//! Entrywise error bounds of a band recovered from comb products.
//!
//! Row `i` of a computed product `H v` carries a rounding error of a few
//! ulps of the row's magnitude `m_i = Σ_j |H_ij|` (the model: `γ m_i` with
//! `γ = 8ε`). CPR reads each entry from one product, so its bound is that
//! error alone. Substitution recovers `H_ij = (H v)_i − H_{j−p,i}`: the
//! subtracted entry brings its own bound, and the subtraction the rounding
//! of both operands, so bounds grow along each diagonal with the
//! magnitudes subtracted — exactly where substitution loses small entries.
//!
//! The reported figure is the largest bound relative to the entry's
//! diagonal scale `max(|H_ij|, √|H_ii H_jj|)` (the entry of the diagonally
//! scaled matrix `D^{−1/2} H D^{−1/2}`), falling back to the row scales
//! `√(m_i m_j)` where the diagonal vanishes.

use super::seeds::BandMethod;
use crate::banded::SymBanded;

/// Error of one product entry relative to its row's magnitude.
const GAMMA: f64 = 8.0 * f64::EPSILON;

/// The largest scaled entrywise error bound of `band`, recovered by
/// `method` from `prods` (the comb products; a probe product after them is
/// ignored).
pub(crate) fn recovery_bound(method: BandMethod, band: &SymBanded<f64>, prods: &[Vec<f64>]) -> f64 {
    let (n, k) = (band.n(), band.k());
    let ld = k + 1;
    let ab = band.as_slice();
    // ab[j·(k+1) + (k + i − j)] = H[i][j] for max(0, j − k) ≤ i ≤ j.
    let at = |i: usize, j: usize| j * ld + k + i - j;
    let mut row = crate::scratch::take(n);
    for j in 0..n {
        for i in j.saturating_sub(k)..=j {
            let h = ab[at(i, j)].abs();
            row[i] += h;
            if i != j {
                row[j] += h;
            }
        }
    }
    let p = method.period(k);
    // Bounds of the last p columns only (a substituted entry needs the
    // bound of a known entry at most p − 1 columns back): O(p·k) memory,
    // column j in ring slot j mod p.
    let mut bound = vec![0.0; p * ld];
    let subst = method == BandMethod::Substitution;
    // √|H_ii| once per row: the diagonal scale of (i, j) is then a product.
    let mut root = crate::scratch::take(n);
    for (i, r) in root.iter_mut().enumerate() {
        *r = ab[at(i, i)].abs().sqrt();
    }
    let mut worst: f64 = 0.0;
    let mut cj = 0; // j mod p, kept without a division per column
    for j in 0..n {
        let lo = j.saturating_sub(k);
        let root_j = root[j];
        let v_col = &prods.get(cj).map_or(&[][..], |v| &v[..]);
        for i in lo..=j {
            let mut b = GAMMA * row[i];
            if subst && i < j && j >= p {
                // H[i][j] = (H v)_i − H[j−p][i]; the known entry sits in
                // column i (ring slot i mod p), row j − p.
                let ci = if cj >= j - i {
                    cj - (j - i)
                } else {
                    cj + p - (j - i)
                };
                let known = ab[at(j - p, i)];
                let v = v_col[i];
                b += bound[ci * ld + k + (j - p) - i] + f64::EPSILON * (v.abs() + known.abs());
            }
            bound[cj * ld + k + i - j] = b;
            let h = ab[at(i, j)].abs();
            let mut scale = h.max(root[i] * root_j);
            if scale == 0.0 {
                scale = (row[i] * row[j]).sqrt();
            }
            // worst = max(worst, b / scale), dividing only when it grows.
            if b > worst * scale {
                worst = if scale > 0.0 {
                    b / scale
                } else {
                    f64::INFINITY
                };
            }
        }
        cj = if cj + 1 == p { 0 } else { cj + 1 };
    }
    crate::scratch::give(row);
    crate::scratch::give(root);
    worst
}
