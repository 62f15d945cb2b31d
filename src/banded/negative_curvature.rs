//! A direction of negative curvature from a Cholesky factorisation that
//! fails.
//!
//! When the up-looking Cholesky of `A` (see [`super::cholesky`]) has
//! factored the leading block `A₁₁ = L₁₁ L₁₁ᵀ` and the pivot of row `j`,
//! `δ = a_jj − lᵀl` with `l = L₁₁⁻¹ a₁ⱼ`, is not positive, the vector
//!
//! ```text
//! z = [−L₁₁⁻ᵀ l ; 1 ; 0 …]      has      zᵀ A z = δ ≤ 0
//! ```
//!
//! (the Schur complement's pivot). It costs one back substitution with the
//! partial factor, `O(j·k)`, on top of the failed factorisation itself,
//! and it is what a second-order method needs at a saddle: a direction
//! along which the quadratic model falls, and (from `δ / ‖z‖²`) a bound on
//! how negative the smallest eigenvalue is.

use super::cholesky::llt_factor;
use super::storage_sym::SymBanded;
use crate::Error;
use nalgebra::DVector;

impl SymBanded<f64> {
    /// A vector `z` with `zᵀ (A + τI) z ≤ 0`, from the pivot at which the
    /// Cholesky factorisation of `A + τI` fails; `None` when `A + τI` is
    /// positive definite (the factorisation succeeds) or has a non-finite
    /// entry. The curvature `zᵀ(A + τI)z` is recomputed by a product,
    /// not taken from the pivot, so it is exact to rounding.
    ///
    /// ```
    /// use lensdiff::banded::SymBanded;
    /// // Tridiagonal [2 −3 0; −3 2 −3; 0 −3 2]: indefinite.
    /// let a = SymBanded::from_fn(3, 1, |i, j| if i == j { 2.0 } else { -3.0 });
    /// let (z, curvature) = a.negative_curvature(0.0).unwrap();
    /// assert!(curvature < 0.0);
    /// assert!((z.dot(&a.mul_vec(&z)) - curvature).abs() < 1e-12);
    /// // A positive definite matrix has none.
    /// assert!(a.negative_curvature(10.0).is_none());
    /// ```
    pub fn negative_curvature(&self, tau: f64) -> Option<(DVector<f64>, f64)> {
        let upper = self.upper();
        let (n, k) = (upper.n(), upper.k());
        let ld = k + 1;
        let mut ab = upper.as_slice().to_vec();
        for col in ab.chunks_exact_mut(ld) {
            col[k] += tau;
        }
        let mut inv_diag = vec![0.0; n];
        let j = match llt_factor(k, &mut ab, &mut inv_diag) {
            Err(Error::NotPositiveDefinite { pivot, .. }) => pivot,
            _ => return None,
        };
        // Column j of `ab` now holds l = L₁₁⁻¹ a₁ⱼ above its diagonal
        // (rows j − m .. j), columns < j the factor L₁₁ (row p of L in
        // column p, L[p][i] at position k − (p − i)).
        let mut z = DVector::zeros(n);
        z[j] = 1.0;
        let m = j.min(k);
        for t in 0..m {
            z[j - m + t] = -ab[j * ld + k - m + t];
        }
        // L₁₁ᵀ w = −l by back substitution, in place in z[0..j].
        for i in (0..j).rev() {
            let wi = z[i] * inv_diag[i];
            z[i] = wi;
            let mi = i.min(k);
            for t in 0..mi {
                z[i - mi + t] -= ab[i * ld + k - mi + t] * wi;
            }
        }
        if !z.iter().all(|v| v.is_finite()) {
            return None;
        }
        let mut az = self.mul_vec(&z);
        az.axpy(tau, &z, 1.0);
        let curvature = z.dot(&az);
        (curvature <= 0.0).then_some((z, curvature))
    }
}
