//! Finite-dimensional real vector spaces.
//!
//! A [`Space`] is what a lens maps between and what its derivative acts on:
//! tangents and cotangents live in the same space as the points (we identify
//! a space with its dual through the Euclidean inner product, so a gradient
//! has the type of the point).
//!
//! Implemented for every [`Real`] scalar, `nalgebra::DVector<S>` (dimension
//! known at run time), `nalgebra::SVector<S, N>` (dimension in the type:
//! expressions compile to and from it, and [`crate::ops::retype`] runs the
//! `DVector` primitives on it),
//! tuples `(A, B)` (direct sums `A ⊕ B`) and `()` (the zero space).
//!
//! Each space has a cheap [`Space::Shape`] (a `usize` for `DVector`, `()`
//! where the type fixes the dimension) so zeros of the right size can be
//! made on demand, and a flat view (`write_flat`/`read_flat`) used to build
//! Jacobian matrices.

use crate::Real;
use nalgebra::{DVector, SVector};
use std::fmt::Debug;

/// A finite-dimensional real vector space with the Euclidean inner product.
///
/// ```
/// use lensdiff::Space;
/// use nalgebra::DVector;
/// let x = DVector::from_vec(vec![1.0_f64, 2.0]);
/// /// (nalgebra's own `shape()` shadows the trait method on a DVector.)
/// let mut acc = DVector::<f64>::zeros_of(&Space::shape(&x));
/// acc.accumulate(&x);
/// acc.accumulate(&x);
/// assert_eq!(acc.dot(&x), 10.0);
/// assert_eq!(<(f64, DVector<f64>)>::dim_of(&((), 2)), 3);
/// ```
pub trait Space: Clone + Debug + Send + Sync + 'static {
    /// The scalar field.
    type Scalar: Real;
    /// What it takes to build a zero of the same size.
    type Shape: Clone + PartialEq + Debug + Send + Sync + 'static;

    /// This vector's shape.
    fn shape(&self) -> Self::Shape;
    /// The zero vector of a shape.
    fn zeros_of(shape: &Self::Shape) -> Self;
    /// The dimension (number of scalars) of a shape.
    fn dim_of(shape: &Self::Shape) -> usize;
    /// `self += other`.
    fn accumulate(&mut self, other: &Self);
    /// `self *= a`.
    fn scale_mut(&mut self, a: Self::Scalar);
    /// The Euclidean inner product.
    fn dot(&self, other: &Self) -> Self::Scalar;
    /// Writes the scalars in a fixed order into `out` (length `dim`).
    fn write_flat(&self, out: &mut [Self::Scalar]);
    /// Reads a vector of the given shape from `flat` (length `dim`).
    fn read_flat(shape: &Self::Shape, flat: &[Self::Scalar]) -> Self;

    /// The dimension of this vector.
    fn dim(&self) -> usize {
        Self::dim_of(&self.shape())
    }
    /// The flat scalars as a `Vec`.
    fn to_flat(&self) -> Vec<Self::Scalar> {
        let mut v = vec![Self::Scalar::zero(); self.dim()];
        self.write_flat(&mut v);
        v
    }
}

use num_traits::Zero as _;

impl<S: Real> Space for S {
    type Scalar = S;
    type Shape = ();
    #[inline]
    fn shape(&self) {}
    #[inline]
    fn zeros_of(_: &()) -> Self {
        S::zero()
    }
    #[inline]
    fn dim_of(_: &()) -> usize {
        1
    }
    #[inline]
    fn accumulate(&mut self, other: &Self) {
        *self += *other;
    }
    #[inline]
    fn scale_mut(&mut self, a: S) {
        *self *= a;
    }
    #[inline]
    fn dot(&self, other: &Self) -> S {
        *self * *other
    }
    fn write_flat(&self, out: &mut [S]) {
        out[0] = *self;
    }
    fn read_flat(_: &(), flat: &[S]) -> Self {
        flat[0]
    }
}

/// Panics with a message naming the routine and both lengths.
#[track_caller]
pub(crate) fn check_len(op: &'static str, expected: usize, found: usize) {
    if expected != found {
        panic!(
            "{}",
            crate::Error::DimensionMismatch {
                op,
                expected,
                found
            }
        );
    }
}

impl<S: Real> Space for DVector<S> {
    type Scalar = S;
    type Shape = usize;
    #[inline]
    fn shape(&self) -> usize {
        self.len()
    }
    fn zeros_of(n: &usize) -> Self {
        DVector::from_element(*n, S::zero())
    }
    #[inline]
    fn dim_of(n: &usize) -> usize {
        *n
    }
    fn accumulate(&mut self, other: &Self) {
        check_len("accumulate", self.len(), other.len());
        for (a, b) in self.as_mut_slice().iter_mut().zip(other.as_slice()) {
            *a += *b;
        }
    }
    fn scale_mut(&mut self, a: S) {
        for x in self.as_mut_slice() {
            *x *= a;
        }
    }
    fn dot(&self, other: &Self) -> S {
        check_len("dot", self.len(), other.len());
        let mut acc = S::zero();
        for (a, b) in self.as_slice().iter().zip(other.as_slice()) {
            acc += *a * *b;
        }
        acc
    }
    fn write_flat(&self, out: &mut [S]) {
        out.copy_from_slice(self.as_slice());
    }
    fn read_flat(n: &usize, flat: &[S]) -> Self {
        check_len("read_flat", *n, flat.len());
        DVector::from_column_slice(flat)
    }
}

impl<S: Real, const N: usize> Space for SVector<S, N> {
    type Scalar = S;
    type Shape = ();
    fn shape(&self) {}
    fn zeros_of(_: &()) -> Self {
        SVector::from_element(S::zero())
    }
    fn dim_of(_: &()) -> usize {
        N
    }
    fn accumulate(&mut self, other: &Self) {
        for (a, b) in self.iter_mut().zip(other.iter()) {
            *a += *b;
        }
    }
    fn scale_mut(&mut self, a: S) {
        for x in self.iter_mut() {
            *x *= a;
        }
    }
    fn dot(&self, other: &Self) -> S {
        let mut acc = S::zero();
        for (a, b) in self.iter().zip(other.iter()) {
            acc += *a * *b;
        }
        acc
    }
    fn write_flat(&self, out: &mut [S]) {
        out.copy_from_slice(self.as_slice());
    }
    fn read_flat(_: &(), flat: &[S]) -> Self {
        SVector::from_column_slice(flat)
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Space for (A, B) {
    type Scalar = A::Scalar;
    type Shape = (A::Shape, B::Shape);
    fn shape(&self) -> Self::Shape {
        (self.0.shape(), self.1.shape())
    }
    fn zeros_of(s: &Self::Shape) -> Self {
        (A::zeros_of(&s.0), B::zeros_of(&s.1))
    }
    fn dim_of(s: &Self::Shape) -> usize {
        A::dim_of(&s.0) + B::dim_of(&s.1)
    }
    fn accumulate(&mut self, other: &Self) {
        self.0.accumulate(&other.0);
        self.1.accumulate(&other.1);
    }
    fn scale_mut(&mut self, a: Self::Scalar) {
        self.0.scale_mut(a);
        self.1.scale_mut(a);
    }
    fn dot(&self, other: &Self) -> Self::Scalar {
        self.0.dot(&other.0) + self.1.dot(&other.1)
    }
    fn write_flat(&self, out: &mut [Self::Scalar]) {
        let (l, r) = out.split_at_mut(self.0.dim());
        self.0.write_flat(l);
        self.1.write_flat(r);
    }
    fn read_flat(s: &Self::Shape, flat: &[Self::Scalar]) -> Self {
        let (l, r) = flat.split_at(A::dim_of(&s.0));
        (A::read_flat(&s.0, l), B::read_flat(&s.1, r))
    }
}

/// The zero space: the unit of the direct sum. Its scalar is `f64` by
/// convention (a constant lens `() -> B` lives in `B`'s field through
/// [`crate::constant`], which takes any `A`).
impl Space for () {
    type Scalar = f64;
    type Shape = ();
    fn shape(&self) {}
    fn zeros_of(_: &()) -> Self {}
    fn dim_of(_: &()) -> usize {
        0
    }
    fn accumulate(&mut self, _: &Self) {}
    fn scale_mut(&mut self, _: f64) {}
    fn dot(&self, _: &Self) -> f64 {
        0.0
    }
    fn write_flat(&self, _: &mut [f64]) {}
    fn read_flat(_: &(), _: &[f64]) -> Self {}
}
