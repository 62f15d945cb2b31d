//! The lens and its combinators: shape checks of compositions, pairs and
//! fan-outs; the category laws in `laws`.

mod laws;

use crate::common::{mismatch, seq};

use lensdiff::{
    DFun, Error, Expr, Forward, Reverse, compose, fanout, grad, ops, par, try_compose_at,
    value_and_grad,
};
use nalgebra::{DVector, dvector};

type V = DVector<f64>;

#[test]
fn try_compose_at_names_both_sizes() {
    let f: DFun<V, V, Reverse> = ops::diff();
    let g: DFun<V, f64, Reverse> = ops::norm_squared();
    let x = dvector![1.0, 2.0, 4.0, 7.0];
    let err = try_compose_at(&g, 4, &f, &x).unwrap_err();
    assert_eq!(
        err,
        Error::DimensionMismatch {
            op: "compose",
            expected: 4,
            found: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "compose: dimension mismatch: expected 4, found 3"
    );
    let h = try_compose_at(&g, 3, &f, &x).expect("shapes agree");
    // Σ (x_{i+1} − x_i)²; gradient by hand.
    let (v, gr) = value_and_grad(&h, &x);
    assert_eq!(v, 1.0 + 4.0 + 9.0);
    assert_eq!(gr, dvector![-2.0, 2.0 - 4.0, 4.0 - 6.0, 6.0]);
}

#[test]
fn combinators_check_tangents_and_cotangents_on_entry() {
    let sum: DFun<V, f64, Forward> = ops::sum();
    let nsq: DFun<V, f64, Forward> = ops::norm_squared();
    let both = fanout(&sum, &nsq);
    let (_, d) = both.linearize(&seq(3));
    assert_panics_here!(
        "pushforward (tangent): dimension mismatch: expected 3, found 5",
        d.apply(&seq(5))
    );
    // A pair of maps: the shape of each side is checked.
    let p: DFun<(V, V), (V, V), Reverse> = par(&ops::diff(), &ops::sin());
    let (_, d) = p.linearize(&(seq(3), seq(2)));
    assert_eq!(
        d.try_pull(&(seq(2), seq(3))).unwrap_err(),
        mismatch("pullback (cotangent)", 4, 5)
    );
    let g = d.pull(&(dvector![1.0, 1.0], dvector![1.0, 0.0]));
    assert_eq!(g.0, dvector![-1.0, 0.0, 1.0]);
    assert!((g.1[0] - 0.3f64.cos()).abs() < 1e-15 && g.1[1] == 0.0);
    // A composition: the whole derivative is checked once at its entry.
    let h: DFun<V, f64, Reverse> = compose(&ops::norm_squared(), &ops::diff());
    let (_, d) = h.linearize(&seq(4));
    assert_eq!(d.pull(&2.0), grad(&h, &seq(4)) * 2.0);
}

#[test]
fn an_inner_maps_input_is_reported_by_the_combinator() {
    let x = Expr::<f64>::var();
    let fit: DFun<V, f64, Reverse> = (x.clone() - Expr::constant_named("target", seq(4)))
        .norm_squared()
        .compile();
    // After diff, the fit sees 4 of 5 entries: right; of 4, it sees 3.
    let h = compose(&fit, &ops::diff());
    assert!(h.try_eval(&seq(5)).is_ok());
    assert_panics_here!(
        "compose: dimension mismatch: expected 4, found 3",
        h.eval(&seq(4))
    );
    // The second side of a pair is not the pair's input 0.
    let p = par(&ops::sum::<f64, Reverse>(), &fit);
    assert_eq!(
        p.try_eval(&(seq(2), seq(3))).unwrap_err(),
        mismatch("par (second input)", 4, 3)
    );
    // The first side's input 0 is the pair's input 0.
    let q = par(&fit, &ops::sum::<f64, Reverse>());
    assert_eq!(
        q.try_eval(&(seq(3), seq(2))).unwrap_err().to_string(),
        "input 0 has length 3; this lens was built for 4 (constant `target`)"
    );
}

/// A lens from `from_linear_map` with declared shapes: a wrong input
/// panics at the caller's line naming both lengths, before the closure
/// (whose nalgebra product would panic inside nalgebra) runs; composed
/// after another lens, the declared input shape is checked there too.
#[test]
fn declared_shapes_reject_a_wrong_input_at_the_callers_line() {
    let w = nalgebra::DMatrix::from_fn(2, 3, |i, j| (i + 2 * j) as f64);
    let lin = std::sync::Arc::new(w.clone());
    let f = DFun::<V, V, Reverse>::from_linear_map(move |x: &V| (&*lin * x, Matrix(lin.clone())))
        .with_shapes(3, 2);
    assert_eq!(f.eval(&seq(3)), &w * seq(3));
    assert_panics_here!(
        "input 0 has length 4; this lens was built for 3 (declared by `with_shapes`)",
        f.eval(&seq(4))
    );
    let g: DFun<V, V, Reverse> = ops::diff();
    let h = g.then(&f); // diff of 5 gives 4, which f does not take
    assert!(h.try_eval(&seq(5)).is_err());
    assert_eq!(
        h.eval(&seq(4)),
        &w * ops::diff::<f64, Reverse>().eval(&seq(4))
    );
}

/// `W dx`, transposed `Wᵀ dy`.
struct Matrix(std::sync::Arc<nalgebra::DMatrix<f64>>);

impl lensdiff::linear::LinearMap<V, V> for Matrix {
    fn apply(&self, dx: &V) -> V {
        &*self.0 * dx
    }
    fn transpose_add(&self, dy: &V, dx: &mut V) {
        *dx += self.0.tr_mul(dy);
    }
    fn dom_shape(&self) -> usize {
        self.0.ncols()
    }
    fn cod_shape(&self) -> usize {
        self.0.nrows()
    }
}
