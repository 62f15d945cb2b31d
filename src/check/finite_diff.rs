//! The finite-difference oracle: five-point central differences, and the
//! comparison of a Jacobian against them with a tolerance that accounts
//! for truncation (Richardson: two steps) and round-off.

use super::Options;
use super::report::Report;
use super::util::{amax, flat64, show};
use crate::{Real, Space};
use nalgebra::DMatrix;

/// The Jacobian of `f` at `x` by five-point central differences with step
/// `h` (error `O(h⁴)`), column by column over the flat input.
///
/// The step actually taken in each coordinate is `(x_k + h) − x_k` as
/// rounded in the scalar type, so the quotient uses the exact distance.
///
/// ```
/// use lensdiff::check::fd_jacobian;
/// use nalgebra::{dvector, DVector};
/// let j = fd_jacobian(|x: &DVector<f64>| x.map(|t| t * t * t), &dvector![1.0, 2.0], 1e-3);
/// assert!((j[(0, 0)] - 3.0).abs() < 1e-10 && (j[(1, 1)] - 12.0).abs() < 1e-10);
/// assert_eq!(j[(0, 1)], 0.0);
/// ```
pub fn fd_jacobian<A, B>(f: impl Fn(&A) -> B, x: &A, h: f64) -> DMatrix<f64>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let shape = x.shape();
    let x0 = x.to_flat();
    let m = f(x).dim();
    let mut j = DMatrix::zeros(m, x0.len());
    for k in 0..x0.len() {
        let hk = ((x0[k] + A::Scalar::from_f64(h)) - x0[k]).value_f64();
        let at = |d: f64| {
            let mut z = x0.clone();
            z[k] += A::Scalar::from_f64(d);
            flat64(&f(&A::read_flat(&shape, &z)))
        };
        let (p1, m1, p2, m2) = (at(hk), at(-hk), at(2.0 * hk), at(-2.0 * hk));
        for i in 0..m {
            j[(i, k)] = (8.0 * (p1[i] - m1[i]) - (p2[i] - m2[i])) / (12.0 * hk);
        }
    }
    j
}

/// Compares `j` (a Jacobian of `f` at `x` from some mode) with central
/// differences of `f`, recording the worst entry in `report`.
pub(crate) fn compare_fd<A, B>(
    report: &mut Report,
    name: &str,
    mode: Option<&'static str>,
    j: &DMatrix<f64>,
    f: impl Fn(&A) -> B,
    x: &A,
    opts: &Options,
) where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let xs = flat64(x);
    // The step shrinks where the map varies fast, so that h·|J| stays
    // small; round-off grows like ε|f|/h.
    let h = opts.fd_step * amax(&xs).max(1.0) / (1.0 + j.amax() / 10.0);
    let coarse = fd_jacobian(&f, x, h);
    let fine = fd_jacobian(&f, x, h / 2.0);
    if fine.shape() != j.shape() {
        report.record(
            name,
            mode,
            f64::INFINITY,
            0.0,
            format!("x = {}", show(&xs)),
            format!(
                "Jacobian is {:?}, differences give {:?}",
                j.shape(),
                fine.shape()
            ),
        );
        return;
    }
    let eps = <A::Scalar as num_traits::Float>::epsilon().value_f64();
    let fmax = amax(&flat64(&f(x)));
    let spread = (&coarse - &fine).amax();
    let roundoff = 100.0 * eps * (1.0 + fmax) / h;
    let tol = opts.fd_tol * (1.0 + j.amax()) + roundoff + 2.0 * spread;
    let (mut worst, mut at) = (0.0f64, (0, 0));
    for c in 0..j.ncols() {
        for r in 0..j.nrows() {
            let e = (j[(r, c)] - fine[(r, c)]).abs();
            if e > worst || e.is_nan() {
                worst = if e.is_nan() { f64::INFINITY } else { e };
                at = (r, c);
            }
        }
    }
    let direction = if j.is_empty() {
        String::new()
    } else {
        format!(
            "entry ({}, {}): {:e} vs differences {:e} (step {h:.2e})",
            at.0,
            at.1,
            j[(at.0, at.1)],
            fine[(at.0, at.1)]
        )
    };
    report.record(
        name,
        mode,
        worst,
        tol,
        format!("x = {}", show(&xs)),
        direction,
    );
}
