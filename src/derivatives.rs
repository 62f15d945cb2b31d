//! Derivative drivers: `jvp`, `vjp`, `grad`, and Jacobians in either mode.
//!
//! Naming legend (as in Haskell's `ad`): `value_and_` also returns the
//! value; `try_` returns a [`Result`] instead of panicking; `_fwd` / `_rev`
//! name the mode that builds a Jacobian (forward: one pushforward per input
//! dimension, reverse: one pullback per output dimension).
//!
//! Every length is checked once, on entry: a point the lens cannot take, a
//! tangent not of the point's shape, a cotangent not of the value's shape
//! panic at the caller's line with a message naming the driver (or the
//! input) and both lengths; the `try_` forms return the error instead.

use crate::error::check_finite;
use crate::linear::{expect_shape, shape_check};
use crate::mode::{Forward, Reverse};
use crate::{DFun, Error, Space};
use nalgebra::DMatrix;

const JVP_TANGENT: &str = "jvp (tangent v)";
const VJP_COTANGENT: &str = "vjp (cotangent w)";

/// Jacobian-vector product `(f(x), J(x) v)` (forward mode). Panics at the
/// caller's line when `v` is not of `x`'s shape or `f` cannot take `x`
/// ([`try_jvp`] returns the error instead).
///
/// ```
/// use lensdiff::{jvp, ops, DFun, Forward};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Forward> = ops::square();
/// let (y, t) = jvp(&f, &dvector![3.0], &dvector![1.0]);
/// assert_eq!((y[0], t[0]), (9.0, 6.0));
/// ```
#[track_caller]
pub fn jvp<A, B>(f: &DFun<A, B, Forward>, x: &A, v: &A) -> (B, B)
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    expect_shape::<A>(JVP_TANGENT, &x.shape(), &v.shape());
    let (y, d) = f.linearize(x);
    let t = d.apply(v);
    (y, t)
}

/// [`jvp`], with [`Error::DimensionMismatch`] when `v` is not of `x`'s
/// shape (and the lens's own error when it cannot take `x`).
///
/// ```
/// use lensdiff::{try_jvp, ops, DFun, Error, Forward};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Forward> = ops::square();
/// let x = dvector![1.0, 2.0, 3.0];
/// assert_eq!(try_jvp(&f, &x, &dvector![1.0, 1.0, 1.0]).unwrap().1, dvector![2.0, 4.0, 6.0]);
/// assert_eq!(
///     try_jvp(&f, &x, &dvector![1.0, 1.0]).unwrap_err(),
///     Error::DimensionMismatch { op: "jvp (tangent v)", expected: 3, found: 2 }
/// );
/// ```
pub fn try_jvp<A, B>(f: &DFun<A, B, Forward>, x: &A, v: &A) -> Result<(B, B), Error>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    shape_check::<A>(JVP_TANGENT, &x.shape(), &v.shape())?;
    let (y, d) = f.try_linearize(x)?;
    let t = d.try_apply(v)?;
    Ok((y, t))
}

/// Vector-Jacobian product `(f(x), J(x)ᵀ w)` (reverse mode). Panics at the
/// caller's line when `w` is not of `f(x)`'s shape or `f` cannot take `x`
/// ([`try_vjp`] returns the error instead).
///
/// ```
/// use lensdiff::{vjp, ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::square();
/// let (_, g) = vjp(&f, &dvector![3.0], &dvector![2.0]);
/// assert_eq!(g[0], 12.0);
/// ```
#[track_caller]
pub fn vjp<A, B>(f: &DFun<A, B, Reverse>, x: &A, w: &B) -> (B, A)
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let (y, d) = f.linearize(x);
    expect_shape::<B>(VJP_COTANGENT, &y.shape(), &w.shape());
    let g = d.pull(w);
    (y, g)
}

/// [`vjp`], with [`Error::DimensionMismatch`] when `w` is not of `f(x)`'s
/// shape (and the lens's own error when it cannot take `x`).
///
/// ```
/// use lensdiff::{try_vjp, ops, DFun, Error};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::diff();
/// let x = dvector![1.0, 2.0, 4.0];
/// assert_eq!(try_vjp(&f, &x, &dvector![1.0, 0.0]).unwrap().1, dvector![-1.0, 1.0, 0.0]);
/// assert_eq!(
///     try_vjp(&f, &x, &dvector![1.0, 0.0, 0.0]).unwrap_err(),
///     Error::DimensionMismatch { op: "vjp (cotangent w)", expected: 2, found: 3 }
/// );
/// ```
pub fn try_vjp<A, B>(f: &DFun<A, B, Reverse>, x: &A, w: &B) -> Result<(B, A), Error>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let (y, d) = f.try_linearize(x)?;
    shape_check::<B>(VJP_COTANGENT, &y.shape(), &w.shape())?;
    let g = d.try_pull(w)?;
    Ok((y, g))
}

/// The gradient of a scalar lens (reverse mode: one pullback of `1`).
///
/// ```
/// use lensdiff::{grad, ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, f64> = ops::norm_squared();
/// assert_eq!(grad(&f, &dvector![1.0, 2.0]), dvector![2.0, 4.0]);
/// ```
#[track_caller]
pub fn grad<A: Space>(f: &DFun<A, A::Scalar, Reverse>, x: &A) -> A {
    value_and_grad(f, x).1
}

/// The value and the gradient of a scalar lens.
///
/// ```
/// use lensdiff::{value_and_grad, ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, f64> = ops::sum();
/// assert_eq!(value_and_grad(&f, &dvector![1.0, 2.0]), (3.0, dvector![1.0, 1.0]));
/// ```
#[track_caller]
pub fn value_and_grad<A: Space>(f: &DFun<A, A::Scalar, Reverse>, x: &A) -> (A::Scalar, A) {
    let (y, d) = f.linearize(x);
    (y, d.pull(&<A::Scalar as num_traits::One>::one()))
}

/// The value and gradient, with an error when `f` cannot take `x` or when
/// `x`, the value or the gradient is not finite.
///
/// ```
/// use lensdiff::{try_value_and_grad, ops, DFun, Error};
/// use nalgebra::dvector;
/// let f: DFun<_, f64> = ops::sum();
/// let err = try_value_and_grad(&f, &dvector![1.0, f64::NAN]).unwrap_err();
/// assert_eq!(err, Error::NonFinite { what: "x", index: Some(1) });
/// ```
pub fn try_value_and_grad<A: Space>(
    f: &DFun<A, A::Scalar, Reverse>,
    x: &A,
) -> Result<(A::Scalar, A), Error> {
    check_finite("x", &x.to_flat())?;
    let (y, d) = f.try_linearize(x)?;
    let g = d.pull(&<A::Scalar as num_traits::One>::one());
    check_finite("f(x)", &[y])?;
    check_finite("gradient", &g.to_flat())?;
    Ok((y, g))
}

/// The Jacobian, column by column: `n` pushforwards of unit vectors.
/// Cheap when the input dimension `n` is small.
///
/// Rows and columns follow the flat order of the output and the input
/// (`Space::to_flat`): for a pair `(a, b)`, the entries of `a` and then
/// those of `b`; a matrix stored flat, column by column. The same in
/// every `jacobian_*`.
///
/// ```
/// use lensdiff::{jacobian_fwd, ops, DFun, Forward};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Forward> = ops::diff();
/// let j = jacobian_fwd(&f, &dvector![1.0, 2.0, 4.0]);
/// assert_eq!(j.row(0).iter().copied().collect::<Vec<_>>(), vec![-1.0, 1.0, 0.0]);
/// ```
#[track_caller]
pub fn jacobian_fwd<A, B>(f: &DFun<A, B, Forward>, x: &A) -> DMatrix<A::Scalar>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let (y, d) = f.linearize(x);
    let (n, m) = (x.dim(), y.dim());
    let shape = x.shape();
    let zero = <A::Scalar as num_traits::Zero>::zero();
    let one = <A::Scalar as num_traits::One>::one();
    let mut jac = DMatrix::from_element(m, n, zero);
    let mut e = vec![zero; n];
    let mut col = vec![zero; m];
    for j in 0..n {
        e[j] = one;
        d.apply(&A::read_flat(&shape, &e)).write_flat(&mut col);
        jac.column_mut(j).copy_from_slice(&col);
        e[j] = zero;
    }
    jac
}

/// The Jacobian, row by row: `m` pullbacks of unit vectors. Cheap when the
/// output dimension `m` is small (a gradient is one row).
///
/// ```
/// use lensdiff::{jacobian_rev, ops, DFun};
/// use nalgebra::dvector;
/// let f: DFun<_, _> = ops::diff();
/// let j = jacobian_rev(&f, &dvector![1.0, 2.0, 4.0]);
/// assert_eq!(j.row(1).iter().copied().collect::<Vec<_>>(), vec![0.0, -1.0, 1.0]);
/// ```
#[track_caller]
pub fn jacobian_rev<A, B>(f: &DFun<A, B, Reverse>, x: &A) -> DMatrix<A::Scalar>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    let (y, d) = f.linearize(x);
    let (n, m) = (x.dim(), y.dim());
    let shape = y.shape();
    let zero = <A::Scalar as num_traits::Zero>::zero();
    let one = <A::Scalar as num_traits::One>::one();
    let mut jac = DMatrix::from_element(m, n, zero);
    let mut e = vec![zero; m];
    let mut row = vec![zero; n];
    for i in 0..m {
        e[i] = one;
        d.pull(&B::read_flat(&shape, &e)).write_flat(&mut row);
        for (j, r) in row.iter().enumerate() {
            jac[(i, j)] = *r;
        }
        e[i] = zero;
    }
    jac
}

/// The Jacobian from the dense mode: the matrix the mode composed.
///
/// ```
/// use lensdiff::{jacobian_dense, ops, DFun, Dense};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Dense> = ops::square();
/// assert_eq!(jacobian_dense(&f, &dvector![2.0])[(0, 0)], 4.0);
/// ```
#[track_caller]
pub fn jacobian_dense<A, B>(f: &DFun<A, B, crate::Dense>, x: &A) -> DMatrix<A::Scalar>
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
{
    f.linearize(x).1.matrix().clone()
}
