//! How the spaces a compiled expression maps between are seen as slots.
//!
//! Every slot of a [`super::Program`] is a flat vector; a scalar is a
//! vector of length one. [`Inputs`] spreads a point over the input slots
//! (one `DVector`, `SVector` or scalar is one slot, a pair is the slots of
//! both sides); [`Output`] reads the output slot back as a scalar, a
//! `DVector` or an `SVector` (whose length the type fixes, checked).

use crate::space::check_len;
use crate::{Real, Space};
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
}

impl<S: Real> Inputs for S {
    const COUNT: usize = 1;
    fn slices(&self) -> Vec<&[S]> {
        vec![std::slice::from_ref(self)]
    }
    fn slices_mut(&mut self) -> Vec<&mut [S]> {
        vec![std::slice::from_mut(self)]
    }
}

impl<S: Real> Inputs for DVector<S> {
    const COUNT: usize = 1;
    fn slices(&self) -> Vec<&[S]> {
        vec![self.as_slice()]
    }
    fn slices_mut(&mut self) -> Vec<&mut [S]> {
        vec![self.as_mut_slice()]
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
}

impl<S: Real> Output for S {
    fn from_slot(v: &[S]) -> Self {
        check_len("scalar output", 1, v.len());
        v[0]
    }
    fn slot(&self) -> &[S] {
        std::slice::from_ref(self)
    }
}

impl<S: Real> Output for DVector<S> {
    fn from_slot(v: &[S]) -> Self {
        DVector::from_column_slice(v)
    }
    fn slot(&self) -> &[S] {
        self.as_slice()
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
}
