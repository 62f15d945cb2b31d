//! The structural linear maps (`Dup`, `Jam`) check their arguments.

use crate::common::{mismatch, seq};

use lensdiff::linear::{Dup, Jam, LinearMap};

use lensdiff::{DFun, Reverse, jam};
use nalgebra::DVector;

type V = DVector<f64>;

#[test]
fn structural_linear_maps_check_their_arguments() {
    let d = Dup::<V>::new(3);
    assert_panics_here!(
        "dup: dimension mismatch: expected 3, found 2",
        d.apply(&seq(2))
    );
    assert_panics_here!(
        "dup transpose: dimension mismatch: expected 6, found 5",
        d.transpose(&(seq(3), seq(2)))
    );
    let j = Jam::<V>::new(2);
    assert_eq!(j.apply(&(seq(2), seq(2))), seq(2) * 2.0);
    // The lens `jam` on two vectors of different lengths.
    let jl: DFun<(V, V), V, Reverse> = jam();
    assert_eq!(
        jl.try_eval(&(seq(2), seq(3))).unwrap_err(),
        mismatch("jam", 2, 3)
    );
}
