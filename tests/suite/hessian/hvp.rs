//! Hessian-vector products check their point and direction; a broadcast
//! scalar has the right Hessian.

use crate::common::{Fit, mismatch, seq};
use lensdiff::hessian::{hvp, try_hvp};

use lensdiff::{Error, Expr, Objective, Real};
use nalgebra::{DVector, dvector};

type V = DVector<f64>;

#[test]
fn hvp_checks_its_direction_and_its_point() {
    let fit = Fit { target: seq(5) };
    assert_panics_here!(
        "hvp (direction v): dimension mismatch: expected 5, found 4",
        hvp(&fit, &seq(5), &seq(4))
    );
    assert_panics_here!(
        "input 0 has length 4; this lens was built for 5 (constant `target`)",
        hvp(&fit, &seq(4), &seq(4))
    );
    assert!(matches!(
        try_hvp(&fit, &seq(6), &seq(6)),
        Err(Error::InputLength {
            input: 0,
            found: 6,
            expected: Some(5),
            ..
        })
    ));
    assert_eq!(
        try_hvp(&fit, &seq(5), &seq(3)).unwrap_err(),
        mismatch("hvp (direction v)", 5, 3)
    );
    // H = I.
    assert_eq!(try_hvp(&fit, &seq(5), &seq(5)), Ok(seq(5)));
    assert_eq!(
        try_hvp(&fit, &seq(5), &dvector![0.0, f64::NAN, 0.0, 0.0, 0.0]).unwrap_err(),
        Error::NonFinite {
            what: "direction",
            index: Some(1)
        }
    );
}

/// ‖x − mean(x)‖²: a scalar (the mean) broadcast in an objective; the
/// Hessian is 2 (I − 11ᵀ/n), by hand.
struct Spread;

impl Objective for Spread {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        // n as a scalar expression, so that scalar ÷ scalar stays a scalar.
        let count = (x.clone() * 0.0 + 1.0).sum();
        let mean = x.sum() / count;
        (x - mean).norm_squared()
    }
}

#[test]
fn a_broadcast_scalar_in_an_objective_has_the_right_hessian() {
    for n in [1, 2, 7] {
        let x = seq(n).map(|t| t * t);
        let v = V::from_fn(n, |i, _| (i as f64 + 1.0).sqrt());
        let want = (&v - V::from_element(n, v.mean())) * 2.0;
        let got = hvp(&Spread, &x, &v);
        assert!((&got - &want).amax() < 1e-12, "n = {n}: {got} vs {want}");
        assert_eq!(try_hvp(&Spread, &x, &v), Ok(got));
    }
}

#[test]
fn several_hvps_check_the_point_too() {
    use lensdiff::hessian::value_and_grad_hvps;
    let fit = Fit { target: seq(4) };
    assert_eq!(
        value_and_grad_hvps(&fit, &seq(3), &[seq(3)])
            .unwrap_err()
            .to_string(),
        "input 0 has length 3; this lens was built for 4 (constant `target`)"
    );
    let (f, g, hv) = value_and_grad_hvps(&fit, &(seq(4) * 2.0), &[seq(4), seq(4) * 3.0]).unwrap();
    assert!((f - 0.5 * seq(4).norm_squared()).abs() < 1e-14);
    assert_eq!((g, hv), (seq(4), vec![seq(4), seq(4) * 3.0]));
}
