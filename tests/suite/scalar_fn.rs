//! The second-order shortcut of dual numbers for scalar functions
//! (`Real::value_and_deriv`, `Real::value_and_grad2`) against running the
//! function on nested duals directly, and `map_fn`/`zip_map_fn` against the
//! closure forms in every mode.

use lensdiff::hessian::{hessian, hvp};
use lensdiff::{Dual, DualN, Expr, Objective, Real, ScalarFn, ScalarFn2, c};
use nalgebra::DVector;
use proptest::prelude::*;

struct Wiggle;
impl ScalarFn for Wiggle {
    fn eval<T: Real>(&self, t: T) -> T {
        t.powi(3) * c(0.2) + (t * c(1.7)).sin() - (t * t).ln_1p() + t.exp() * c(0.1)
    }
}

struct Couple;
impl ScalarFn2 for Couple {
    fn eval<T: Real>(&self, a: T, b: T) -> T {
        (a * b).sin() + a * a * b * c(0.3) - (b - a).exp() * c(0.2) + (a / (b * b + c(1.0)))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn value_deriv_of_a_dual_equals_the_nested_evaluation(
        x in -2.0f64..2.0, e in prop::array::uniform3(-2.0f64..2.0)
    ) {
        let d = DualN::<f64, 3>::from_parts(x, e);
        let (v, dv) = d.value_and_deriv(&Wiggle);
        // Oracle: f on Dual<DualN<f64, 3>> (the generic path).
        let r = Wiggle.eval(Dual::new(d, DualN::from_f64(1.0)));
        for (a, b) in [(v, r.re), (dv, r.eps[0])] {
            prop_assert!((a.re - b.re).abs() <= 1e-12 * b.re.abs().max(1.0));
            for j in 0..3 {
                prop_assert!((a.eps[j] - b.eps[j]).abs() <= 1e-12 * b.eps[j].abs().max(1.0));
            }
        }
    }

    #[test]
    fn value_grad2_of_a_dual_equals_the_nested_evaluation(
        a in -1.5f64..1.5, b in -1.5f64..1.5,
        ea in prop::array::uniform2(-2.0f64..2.0), eb in prop::array::uniform2(-2.0f64..2.0)
    ) {
        let (da, db) = (DualN::<f64, 2>::from_parts(a, ea), DualN::<f64, 2>::from_parts(b, eb));
        let (v, pa, pb) = DualN::value_and_grad2(da, db, &Couple);
        let r = Couple.eval(DualN::<_, 2>::variable(da, 0), DualN::variable(db, 1));
        for (x, y) in [(v, r.re), (pa, r.eps[0]), (pb, r.eps[1])] {
            prop_assert!((x.re - y.re).abs() <= 1e-12 * y.re.abs().max(1.0));
            for j in 0..2 {
                prop_assert!((x.eps[j] - y.eps[j]).abs() <= 1e-12 * y.eps[j].abs().max(1.0));
            }
        }
    }
}

/// The same objective with closures and with scalar-function structs.
struct WithClosures;
impl Objective for WithClosures {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.trim(0, 1)
            .zip_map(&x.trim(1, 0), |a, b| Couple.eval(a, b))
            .sum()
            + x.sum_map(|t| Wiggle.eval(t))
            + x.map(|t| Wiggle.eval(t)).norm_squared()
    }
}
struct WithFns;
impl Objective for WithFns {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        x.trim(0, 1).zip_map_fn(&x.trim(1, 0), Couple).sum()
            + x.sum_map_fn(Wiggle)
            + x.map_fn(Wiggle).norm_squared()
    }
}

#[test]
fn scalar_fn_forms_give_the_same_derivatives_as_closures() {
    let x = DVector::from_fn(9, |i, _| (0.7 * i as f64).sin());
    let v = DVector::from_fn(9, |i, _| (0.3 * i as f64).cos());
    let (f1, f2) = (WithClosures.lens::<f64>(), WithFns.lens::<f64>());
    assert!((f1.eval(&x) - f2.eval(&x)).abs() < 1e-13);
    let (g1, g2) = (lensdiff::grad(&f1, &x), lensdiff::grad(&f2, &x));
    assert!((g1 - g2).amax() < 1e-13);
    assert!((hvp(&WithClosures, &x, &v) - hvp(&WithFns, &x, &v)).amax() < 1e-12);
    let (h1, h2) = (
        hessian(&WithClosures, &x).unwrap(),
        hessian(&WithFns, &x).unwrap(),
    );
    assert!((h1 - h2).amax() < 1e-12);
}
