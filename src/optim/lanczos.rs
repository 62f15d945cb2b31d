//! The lowest curvature of `H` from a few Lanczos steps on Hessian-vector
//! products: the second-order check of a method that has no Hessian
//! (gradient descent at its gradient stop).
//!
//! `m` Lanczos steps from a start `q₁` build an orthonormal basis `Q` of
//! the Krylov space `span{q₁, Hq₁, …, H^{m−1}q₁}` and the tridiagonal
//! `T = QᵀHQ`. Its smallest eigenvalue `θ` belongs to the unit Ritz vector
//! `y = Qs` with `yᵀHy = θ`, so `θ ≥ λ_min(H)`: a clearly negative `θ` is a
//! certificate of negative curvature (and `y` a direction of it), a `θ`
//! near zero or above is only an estimate (a start orthogonal to every
//! negative eigenvector would miss them; a deterministic start with every
//! component nonzero does not, but for such a contrived `H`). The basis is
//! reorthogonalised in full (`m` is at most a few dozen), so no spurious
//! copies of Ritz values appear. How many steps: [`Steps`].

use super::refine::HessianTimes;
use crate::Error;
use nalgebra::{DMatrix, DVector};

/// Units of `ε · max |θ|` (the largest Ritz value's magnitude, a lower
/// bound on `‖H‖₂`) below zero at which a Ritz value counts as negative
/// curvature rather than the rounding of the products.
pub(crate) const NEGATIVE_ULPS: f64 = 1024.0;

/// What a few Lanczos steps tell about the lowest curvature of `H`.
pub(crate) struct LowestCurvature {
    /// The smallest Ritz value `θ` (an upper bound on `λ_min(H)`).
    pub(crate) value: f64,
    /// Its unit Ritz vector `y`, with `yᵀHy = θ` (to rounding).
    pub(crate) vector: DVector<f64>,
    /// The rounding level below which `θ < 0` is not told apart from zero:
    /// [`NEGATIVE_ULPS`] `· ε · max |θ_j|`.
    pub(crate) level: f64,
    /// Hessian-vector products used.
    pub(crate) products: usize,
}

impl LowestCurvature {
    /// `θ` is below `−level`: `H` has negative curvature along `y`.
    pub(crate) fn negative(&self) -> bool {
        self.value < -self.level
    }
}

/// How many Lanczos steps [`lowest_curvature`] takes: at least `min`
/// (unless the Krylov space is exhausted first), at most `max`, and in
/// between until the lowest Ritz value has settled.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Steps {
    /// Steps always taken (when the space has that many dimensions).
    pub(crate) min: usize,
    /// The cap.
    pub(crate) max: usize,
    /// The lowest Ritz pair counts as settled when its residual bound
    /// `r = ‖Hy − θy‖ = β_k |s_k|` is at most `settle · max |θ_j|`: then an
    /// eigenvalue of `H` lies within that distance of `θ`.
    pub(crate) settle: f64,
    /// ... or, for `θ > 0`, when `r ≤ relative · θ`: an eigenvalue lies
    /// within `relative · θ` of `θ`, so `θ` is positive beyond doubt and
    /// known to that relative accuracy (on a convex `H` whose lowest
    /// eigenvalues cluster, `r` falls slowly, and the absolute test alone
    /// would run to the cap).
    pub(crate) relative: f64,
}

/// The lowest Ritz pair of the tridiagonal `T = tridiag(β, α, β)`, with
/// the largest Ritz value's magnitude: `(θ, s, max |θ_j|)`, `s` a unit
/// eigenvector of `T`.
fn lowest_ritz(alpha: &[f64], beta: &[f64]) -> (f64, DVector<f64>, f64) {
    let m = alpha.len();
    let t = DMatrix::from_fn(m, m, |i, j| {
        if i == j {
            alpha[i]
        } else if i + 1 == j {
            beta[i]
        } else if j + 1 == i {
            beta[j]
        } else {
            0.0
        }
    });
    let eig = t.symmetric_eigen();
    let (lowest, value) = eig
        .eigenvalues
        .iter()
        .copied()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .expect("at least one step");
    let largest = eig.eigenvalues.amax();
    (value, eig.eigenvectors.column(lowest).into_owned(), largest)
}

/// Runs Lanczos with products from `hv`, from `start` (any nonzero
/// vector), and returns the lowest Ritz pair. After `steps.min` steps it
/// stops as soon as the lowest Ritz value `θ` is clearly negative (a
/// certificate: `θ ≥ λ_min`, and more steps only lower it) or its pair
/// has settled ([`Steps::settle`]); it always stops when the Krylov space
/// is invariant (then `θ` is an eigenvalue) or at `steps.max`. A fixed
/// few steps can leave `θ` above a weakly negative `λ_min` whose
/// eigenvector the start barely sees; going on until the residual bound
/// is small lets such an eigenvalue emerge.
pub(crate) fn lowest_curvature(
    hv: &mut HessianTimes<'_>,
    start: DVector<f64>,
    steps: Steps,
) -> Result<LowestCurvature, Error> {
    let n = start.len();
    let max = steps.max.clamp(1, n.max(1));
    let mut basis: Vec<DVector<f64>> = Vec::with_capacity(max);
    let mut alpha = Vec::with_capacity(max);
    let mut beta: Vec<f64> = Vec::with_capacity(max);
    let norm = start.norm();
    let mut q = start / norm;
    let mut products = 0;
    let (value, s, largest) = loop {
        let mut w = hv(&q)?;
        products += 1;
        let a = q.dot(&w);
        alpha.push(a);
        basis.push(q);
        // Full reorthogonalisation against the whole basis, twice
        // ("twice is enough"): the basis stays orthonormal to rounding.
        for _ in 0..2 {
            for b in &basis {
                let c = b.dot(&w);
                w.axpy(-c, b, 1.0);
            }
        }
        let b = w.norm();
        let scale = alpha
            .iter()
            .chain(&beta)
            .fold(0.0f64, |m, v| m.max(v.abs()));
        // An invariant Krylov space (or a NaN) ends the iteration.
        let invariant = b.partial_cmp(&(f64::EPSILON * scale.max(f64::MIN_POSITIVE)))
            != Some(std::cmp::Ordering::Greater);
        let k = basis.len();
        if k == max || invariant {
            break lowest_ritz(&alpha, &beta);
        }
        if k >= steps.min {
            // The small eigenproblem costs O(k³) with k ≤ max: nothing
            // beside a product on a large n.
            let (value, s, largest) = lowest_ritz(&alpha, &beta);
            let level = NEGATIVE_ULPS * f64::EPSILON * largest;
            let residual = b * s[k - 1].abs();
            let settled = residual <= steps.settle * largest || residual <= steps.relative * value;
            if value < -level || settled {
                break (value, s, largest);
            }
        }
        beta.push(b);
        q = w / b;
    };
    let mut vector = DVector::zeros(n);
    for (b, &c) in basis.iter().zip(s.iter()) {
        vector.axpy(c, b, 1.0);
    }
    let vn = vector.norm();
    if vn > 0.0 {
        vector /= vn;
    }
    Ok(LowestCurvature {
        value,
        vector,
        level: NEGATIVE_ULPS * f64::EPSILON * largest,
        products,
    })
}

#[cfg(test)]
mod tests {
    use super::{Steps, lowest_curvature};
    use nalgebra::{DMatrix, DVector};

    const FIXED: Steps = Steps {
        min: 64,
        max: 64,
        settle: 0.0,
        relative: 0.0,
    };

    #[test]
    fn finds_the_lowest_eigenvalue_of_a_small_matrix_exactly() {
        // A 4×4 symmetric matrix: 4 steps span everything.
        let a = DMatrix::from_row_slice(
            4,
            4,
            &[
                2.0, 1.0, 0.0, 0.5, 1.0, -1.0, 0.3, 0.0, 0.0, 0.3, 3.0, 0.2, 0.5, 0.0, 0.2, 0.5,
            ],
        );
        let lowest = a.clone().symmetric_eigenvalues().min();
        let mut hv = |v: &DVector<f64>| -> Result<DVector<f64>, crate::Error> { Ok(&a * v) };
        let r = lowest_curvature(&mut hv, DVector::from_element(4, 1.0), FIXED).unwrap();
        assert!((r.value - lowest).abs() < 1e-12, "{} vs {lowest}", r.value);
        assert!(r.negative());
        let ray = r.vector.dot(&(&a * &r.vector));
        assert!((ray - lowest).abs() < 1e-12);
        assert_eq!(r.products, 4);
    }

    #[test]
    fn a_multiple_of_the_identity_takes_one_product() {
        let mut hv = |v: &DVector<f64>| -> Result<DVector<f64>, crate::Error> { Ok(-v) };
        let r = lowest_curvature(&mut hv, DVector::from_element(100, 1.0), FIXED).unwrap();
        assert_eq!(r.products, 1);
        assert!((r.value + 1.0).abs() < 1e-15, "θ = {}", r.value);
        assert!(r.negative());
    }
}
