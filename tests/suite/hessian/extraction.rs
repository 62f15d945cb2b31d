//! The banded extraction on both engines (tiled, whole-vector), both
//! recoveries, against the dense Hessian; a fallback remembered by an
//! objective that keeps its programs.

use super::banded::{ScaledChain, geometric};
use super::strategy;
use lensdiff::engine::Engine;
use lensdiff::hessian::{BandMethod, BandOptions, hessian, hessian_banded_with};
use lensdiff::{CompiledObjective, Objective, grad};
use nalgebra::DVector;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn every_band_on_either_engine_equals_the_dense_hessian((obj, x, k) in strategy()) {
        let dense = hessian(&obj, &x).unwrap();
        let scale = dense.amax().max(1.0);
        let f = obj.lens::<f64>();
        for engine in [Engine::default(), Engine::whole_vector(), Engine { threads: Some(2), ..Engine::default() }] {
            for method in [BandMethod::Cpr, BandMethod::Substitution] {
                for verify in [true, false] {
                    let opts = BandOptions { method, verify, fallback: false, ..Default::default() };
                    let b = engine.scope(|| hessian_banded_with(&obj, &x, k, &opts)).unwrap();
                    let err = (b.band.to_dmatrix() - &dense).amax();
                    prop_assert!(err <= 1e-12 * scale, "{:?} {:?}: error {}", engine, method, err);
                    prop_assert_eq!(b.residual.is_some(), verify);
                    prop_assert!(b.residual.unwrap_or(0.0) <= 1e-6);
                    prop_assert!((b.gradient.clone() - grad(&f, &x)).amax() <= 1e-12 * scale);
                    let products = method.products(x.len(), k.min(x.len() - 1));
                    prop_assert_eq!(b.hvps, products + usize::from(verify));
                }
            }
        }
    }
}

#[test]
fn a_fallback_is_remembered_by_an_objective_that_keeps_its_programs() {
    // Increasing scales: substitution's bound is far above bound_tol.
    let p = CompiledObjective::new(ScaledChain {
        d: geometric(50, 1e-4, 1e4),
    });
    let x = DVector::from_fn(50, |i, _| 0.1 * (i as f64).cos() / p.inner().d[i]);
    let opts = BandOptions::default();
    let first = hessian_banded_with(&p, &x, 1, &opts).unwrap();
    assert_eq!(first.method, BandMethod::Cpr);
    assert_eq!(first.hvps, 3 + 4); // substitution and its probe, then CPR and its probe
    let again = hessian_banded_with(&p, &x, 1, &opts).unwrap();
    assert_eq!(again.method, BandMethod::Cpr);
    assert_eq!(again.hvps, 4); // CPR at once
    assert_eq!(again.band, first.band);
    // Another size is another matter; a plain objective remembers nothing.
    let plain = ScaledChain {
        d: geometric(50, 1e-4, 1e4),
    };
    assert_eq!(hessian_banded_with(&plain, &x, 1, &opts).unwrap().hvps, 7);
    assert_eq!(hessian_banded_with(&plain, &x, 1, &opts).unwrap().hvps, 7);
}
