//! Repeated Hessian calls on an objective that keeps its programs compile
//! nothing anew (Newton calls once per iteration).

use lensdiff::hessian::{hessian, hessian_banded};
use lensdiff::{CompiledObjective, Expr, Objective, Real};
use nalgebra::DVector;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Σ (x[i+1] − x[i])² + Σ cosh xᵢ, counting how often it is built (one
/// build per compilation, whatever the scalar).
struct Counted(Arc<AtomicUsize>);

impl Objective for Counted {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        self.0.fetch_add(1, Ordering::Relaxed);
        x.diff().norm_squared() + x.map(|t| t.cosh()).sum()
    }
}

#[test]
fn repeated_hessians_of_a_compiled_objective_build_it_no_more() {
    let builds = Arc::new(AtomicUsize::new(0));
    let f = CompiledObjective::new(Counted(builds.clone()));
    let x = DVector::from_fn(40, |i, _| (0.3 * i as f64).sin());
    let first = hessian_banded(&f, &x, 1).unwrap();
    let after_first = builds.load(Ordering::Relaxed);
    assert!(after_first > 0);
    for _ in 0..3 {
        let again = hessian_banded(&f, &x, 1).unwrap();
        assert_eq!(again.as_slice(), first.as_slice());
    }
    assert_eq!(builds.load(Ordering::Relaxed), after_first);
    // The dense Hessian through the same cache agrees with the band.
    let dense = hessian(&f, &x).unwrap();
    assert!((first.to_dmatrix() - dense).amax() < 1e-12);
}
