//! The `Space` implementations: the axioms on every shape, and length
//! mismatches panicking with a message.

use crate::common::{close1, panic_message};

use lensdiff::Space;
use nalgebra::{DVector, SVector, dvector};

type V = DVector<f64>;

/// The `Space` axioms on a pair of points of the same shape.
fn space_laws<X: Space<Scalar = f64> + PartialEq>(a: &X, b: &X, dim: usize) {
    let shape = a.shape();
    assert_eq!(X::dim_of(&shape), dim);
    assert_eq!(a.dim(), dim);
    let (fa, fb) = (a.to_flat(), b.to_flat());
    assert_eq!(fa.len(), dim);
    // Flat round trip.
    assert_eq!(&X::read_flat(&shape, &fa), a);
    let mut out = vec![0.0; dim];
    a.write_flat(&mut out);
    assert_eq!(out, fa);
    // Zero.
    let z = X::zeros_of(&shape);
    assert!(z.to_flat().iter().all(|v| *v == 0.0));
    assert_eq!(z.shape(), shape);
    // dot = Σ flat products.
    let dot: f64 = fa.iter().zip(&fb).map(|(x, y)| x * y).sum();
    close1(a.dot(b), dot, 1e-15, "dot");
    close1(a.dot(b), b.dot(a), 0.0, "dot symmetric");
    // accumulate and scale act on the flat scalars.
    let mut s = a.clone();
    s.accumulate(b);
    let sum: Vec<f64> = fa.iter().zip(&fb).map(|(x, y)| x + y).collect();
    assert_eq!(s.to_flat(), sum);
    s.scale_mut(-2.0);
    let scaled: Vec<f64> = sum.iter().map(|v| -2.0 * v).collect();
    assert_eq!(s.to_flat(), scaled);
    let mut z = X::zeros_of(&shape);
    z.accumulate(a);
    assert_eq!(&z, a);
}

#[test]
fn space_impls() {
    space_laws(&1.5f64, &-2.0f64, 1);
    space_laws(&dvector![1.0, 2.0, 3.0], &dvector![0.5, -1.0, 4.0], 3);
    space_laws(&V::zeros(0), &V::zeros(0), 0);
    space_laws(
        &SVector::<f64, 3>::new(1.0, 2.0, 3.0),
        &SVector::<f64, 3>::new(-1.0, 0.5, 2.0),
        3,
    );
    space_laws(
        &(2.0f64, dvector![1.0, -1.0]),
        &(0.5f64, dvector![3.0, 4.0]),
        3,
    );
    space_laws(
        &((dvector![1.0], SVector::<f64, 2>::new(2.0, 3.0)), 4.0f64),
        &((dvector![-1.0], SVector::<f64, 2>::new(0.5, 0.25)), 1.0f64),
        4,
    );
    space_laws(&(), &(), 0);
    space_laws(&((), 2.0f64), &((), 3.0f64), 1);
    // Flat order of a pair: left then right.
    let p = (dvector![1.0, 2.0], 3.0f64);
    assert_eq!(p.to_flat(), vec![1.0, 2.0, 3.0]);
    assert_eq!(
        <(V, f64)>::read_flat(&(2, ()), &[4.0, 5.0, 6.0]),
        (dvector![4.0, 5.0], 6.0)
    );
    // DVector shapes are lengths (nalgebra's inherent `shape` shadows it).
    assert_eq!(Space::shape(&dvector![1.0, 2.0]), 2);
}

#[test]
fn space_length_mismatch_panics_with_a_message() {
    let mut a = dvector![1.0, 2.0];
    assert_eq!(
        panic_message(|| a.accumulate(&dvector![1.0])),
        "accumulate: dimension mismatch: expected 2, found 1"
    );
    assert_eq!(
        panic_message(|| {
            let _ = Space::dot(&dvector![1.0], &dvector![1.0, 2.0]);
        }),
        "dot: dimension mismatch: expected 1, found 2"
    );
    assert_eq!(
        panic_message(|| {
            let _ = V::read_flat(&3, &[1.0]);
        }),
        "read_flat: dimension mismatch: expected 3, found 1"
    );
}
