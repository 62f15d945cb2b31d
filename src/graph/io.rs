//! How the spaces a compiled expression maps between are seen as slots.
//!
//! Every slot of a [`super::Program`] is a flat vector; a scalar is a slot
//! of length one whose kind is scalar (it broadcasts in arithmetic, a
//! `DVector` of length one does not). [`Inputs`] spreads a point over the
//! input slots (one `DVector`, `SVector` or scalar is one slot, a pair is
//! the slots of both sides); [`Output`] reads the output slot back as a
//! scalar, a `DVector` or an `SVector` (whose length the type fixes,
//! checked).

use crate::space::check_len;
use crate::{Error, Real, Space};
use nalgebra::{DVector, SVector};

/// A space whose points can feed the input slots of an expression.
///
/// ```
/// use lensdiff::graph::Inputs;
/// use nalgebra::dvector;
/// let x = (dvector![1.0, 2.0], 3.0);
/// assert_eq!(<(nalgebra::DVector<f64>, f64)>::COUNT, 2);
/// assert_eq!(x.slices()[1], &[3.0][..]);
/// ```
pub trait Inputs: Space {
    /// The number of slots.
    const COUNT: usize;
    /// The slots, in order.
    fn slices(&self) -> Vec<&[Self::Scalar]>;
    /// The slots, mutably, in order.
    fn slices_mut(&mut self) -> Vec<&mut [Self::Scalar]>;
    /// Appends the slots' lengths for a point of `shape`.
    ///
    /// ```
    /// use lensdiff::graph::Inputs;
    /// let mut lens = Vec::new();
    /// <(nalgebra::DVector<f64>, f64)>::slot_lens(&(4, ()), &mut lens);
    /// assert_eq!(lens, vec![4, 1]);
    /// ```
    fn slot_lens(shape: &Self::Shape, out: &mut Vec<usize>);
    /// Appends, per slot, whether it is a scalar.
    ///
    /// ```
    /// use lensdiff::graph::Inputs;
    /// let mut kinds = Vec::new();
    /// <(nalgebra::DVector<f64>, f64)>::scalar_slots(&mut kinds);
    /// assert_eq!(kinds, vec![false, true]);
    /// ```
    fn scalar_slots(out: &mut Vec<bool>);
    /// A point of `shape` from its slots, in order (the inverse of
    /// [`slices`](Self::slices)); each slot must have its length.
    ///
    /// ```
    /// use lensdiff::graph::Inputs;
    /// use nalgebra::{dvector, DVector};
    /// let mut slots = vec![vec![1.0, 2.0], vec![3.0]].into_iter();
    /// let x = <(DVector<f64>, f64)>::from_slots(&(2, ()), &mut slots);
    /// assert_eq!(x, (dvector![1.0, 2.0], 3.0));
    /// ```
    fn from_slots(shape: &Self::Shape, slots: &mut dyn Iterator<Item = Vec<Self::Scalar>>) -> Self {
        let mut x = Self::zeros_of(shape);
        for s in x.slices_mut() {
            s.copy_from_slice(&slots.next().expect("Inputs::from_slots: too few slots"));
        }
        x
    }
}

impl<S: Real> Inputs for S {
    const COUNT: usize = 1;
    fn slices(&self) -> Vec<&[S]> {
        vec![std::slice::from_ref(self)]
    }
    fn slices_mut(&mut self) -> Vec<&mut [S]> {
        vec![std::slice::from_mut(self)]
    }
    fn slot_lens(_: &(), out: &mut Vec<usize>) {
        out.push(1);
    }
    fn scalar_slots(out: &mut Vec<bool>) {
        out.push(true);
    }
}

impl<S: Real> Inputs for DVector<S> {
    const COUNT: usize = 1;
    fn from_slots(n: &usize, slots: &mut dyn Iterator<Item = Vec<S>>) -> Self {
        let v = slots.next().expect("Inputs::from_slots: too few slots");
        check_len("vector slot", *n, v.len());
        DVector::from_vec(v)
    }
    fn slices(&self) -> Vec<&[S]> {
        vec![self.as_slice()]
    }
    fn slices_mut(&mut self) -> Vec<&mut [S]> {
        vec![self.as_mut_slice()]
    }
    fn slot_lens(n: &usize, out: &mut Vec<usize>) {
        out.push(*n);
    }
    fn scalar_slots(out: &mut Vec<bool>) {
        out.push(false);
    }
}

impl<S: Real, const N: usize> Inputs for SVector<S, N> {
    const COUNT: usize = 1;
    fn slices(&self) -> Vec<&[S]> {
        vec![self.as_slice()]
    }
    fn slices_mut(&mut self) -> Vec<&mut [S]> {
        vec![self.as_mut_slice()]
    }
    fn slot_lens(_: &(), out: &mut Vec<usize>) {
        out.push(N);
    }
    fn scalar_slots(out: &mut Vec<bool>) {
        out.push(false);
    }
}

impl<A: Inputs, B: Inputs<Scalar = A::Scalar>> Inputs for (A, B) {
    const COUNT: usize = A::COUNT + B::COUNT;
    fn slices(&self) -> Vec<&[A::Scalar]> {
        let mut v = self.0.slices();
        v.extend(self.1.slices());
        v
    }
    fn slices_mut(&mut self) -> Vec<&mut [A::Scalar]> {
        let mut v = self.0.slices_mut();
        v.extend(self.1.slices_mut());
        v
    }
    fn slot_lens(shape: &Self::Shape, out: &mut Vec<usize>) {
        A::slot_lens(&shape.0, out);
        B::slot_lens(&shape.1, out);
    }
    fn scalar_slots(out: &mut Vec<bool>) {
        A::scalar_slots(out);
        B::scalar_slots(out);
    }
    fn from_slots(shape: &Self::Shape, slots: &mut dyn Iterator<Item = Vec<A::Scalar>>) -> Self {
        let a = A::from_slots(&shape.0, slots);
        (a, B::from_slots(&shape.1, slots))
    }
}

/// A space an expression's output slot can be read as.
///
/// ```
/// use lensdiff::graph::Output;
/// assert_eq!(<f64 as Output>::from_slot(&[2.5]), 2.5);
/// ```
pub trait Output: Space {
    /// Reads the output slot (panics naming both lengths if a scalar output
    /// has a slot of length other than one).
    fn from_slot(v: &[Self::Scalar]) -> Self;
    /// The value as a flat slot.
    fn slot(&self) -> &[Self::Scalar];
    /// The shape of a value read from a slot of length `len`, or the
    /// mismatch (a scalar output from a slot of another length).
    ///
    /// ```
    /// use lensdiff::graph::Output;
    /// assert_eq!(<nalgebra::DVector<f64> as Output>::shape_of_slot(3), Ok(3));
    /// assert!(<f64 as Output>::shape_of_slot(3).is_err());
    /// ```
    fn shape_of_slot(len: usize) -> Result<Self::Shape, Error>;
}

impl<S: Real> Output for S {
    fn from_slot(v: &[S]) -> Self {
        check_len("scalar output", 1, v.len());
        v[0]
    }
    fn slot(&self) -> &[S] {
        std::slice::from_ref(self)
    }
    fn shape_of_slot(len: usize) -> Result<(), Error> {
        if len != 1 {
            return Err(crate::graph::mismatch("scalar output", 1, len));
        }
        Ok(())
    }
}

impl<S: Real> Output for DVector<S> {
    fn from_slot(v: &[S]) -> Self {
        DVector::from_column_slice(v)
    }
    fn slot(&self) -> &[S] {
        self.as_slice()
    }
    fn shape_of_slot(len: usize) -> Result<usize, Error> {
        Ok(len)
    }
}

impl<S: Real, const N: usize> Output for SVector<S, N> {
    fn from_slot(v: &[S]) -> Self {
        check_len("static vector output", N, v.len());
        SVector::from_column_slice(v)
    }
    fn slot(&self) -> &[S] {
        self.as_slice()
    }
    fn shape_of_slot(len: usize) -> Result<(), Error> {
        if len != N {
            return Err(crate::graph::mismatch("static vector output", N, len));
        }
        Ok(())
    }
}
