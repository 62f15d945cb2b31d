//! The modes: the dense mode checks its tangent.

use crate::common::seq;

use lensdiff::{DFun, Dense, ops};
use nalgebra::{DVector, dvector};

type V = DVector<f64>;

#[test]
fn the_dense_mode_checks_its_tangent() {
    let f: DFun<V, V, Dense> = ops::diff();
    let (_, j) = f.linearize(&seq(4));
    assert_panics_here!(
        "Jacobian (tangent): dimension mismatch: expected 4, found 3",
        j.apply(&seq(3))
    );
    assert_eq!(
        j.apply(&dvector![1.0, 2.0, 4.0, 8.0]),
        dvector![1.0, 2.0, 4.0]
    );
}
