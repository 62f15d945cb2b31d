//! Matrix maps: `W·x` with a constant matrix, the bilinear `(W, x) ↦ W·x`
//! and the outer product (`src/primitives/matrix.rs`), against the dense
//! products written out, in every mode and against differences.

use super::{check, hcat};
use lensdiff::check::{AnyMode, Compiled, assert_map};
use lensdiff::{DFun, Expr, Reverse, ops};
use nalgebra::{DMatrix, DVector, SMatrix, SVector, dmatrix, dvector};

type V = DVector<f64>;

fn w() -> DMatrix<f64> {
    dmatrix![0.5, -1.0, 2.0; 1.5, 0.25, -0.75]
}

#[test]
fn matvec_constant_matrix() {
    let (w, x) = (w(), dvector![0.3, -0.7, 1.1]);
    let y = &w * &x;
    check(
        "matvec",
        &ops::matvec(&w),
        &ops::matvec(&w),
        &x,
        y.as_slice(),
        &w,
    );
}

#[test]
fn matvec_static_matrix_on_static_vectors() {
    let w: SMatrix<f64, 2, 3> = SMatrix::from_column_slice(w().as_slice());
    let e = Expr::var().matvec(&w);
    let f: DFun<SVector<f64, 3>, SVector<f64, 2>, Reverse> = e.compile();
    let x = SVector::<f64, 3>::new(0.3, -0.7, 1.1);
    assert!((f.eval(&x) - w * x).amax() < 1e-15);
    let dy = SVector::<f64, 2>::new(1.0, -2.0);
    assert!((f.linearize(&x).1.pull(&dy) - w.tr_mul(&dy)).amax() < 1e-15);
}

#[test]
fn matvec_flat_is_bilinear_in_weights_and_vector() {
    let (w, x) = (w(), dvector![0.3, -0.7, 1.1]);
    let wf = V::from_column_slice(w.as_slice());
    // ∂(W x)/∂W: dy_i = Σ_j dW_ij x_j, with W flat column-major: the
    // column of entry (i, j) is i + 2j and holds x_j in row i, i.e. xᵀ ⊗ I.
    let dw = DMatrix::from_fn(2, 6, |r, c| if c % 2 == r { x[c / 2] } else { 0.0 });
    check(
        "matvec_flat",
        &ops::matvec_flat(2),
        &ops::matvec_flat(2),
        &(wf, x.clone()),
        (&w * &x).as_slice(),
        &hcat(&dw, &w),
    );
}

#[test]
fn outer_product() {
    let (a, b) = (dvector![0.3, -0.7], dvector![1.1, 0.5, -0.2]);
    let y = &a * b.transpose();
    // y[i + 2j] = a_i b_j: ∂/∂a = b ⊗ I, ∂/∂b = I ⊗ a.
    let da = DMatrix::from_fn(6, 2, |r, c| if r % 2 == c { b[r / 2] } else { 0.0 });
    let db = DMatrix::from_fn(6, 3, |r, c| if r / 2 == c { a[r % 2] } else { 0.0 });
    check(
        "outer",
        &ops::outer(),
        &ops::outer(),
        &(a, b),
        y.as_slice(),
        &hcat(&da, &db),
    );
}

#[test]
fn matrix_maps_pass_the_checker_in_every_mode() {
    let (w, x) = (w(), dvector![0.3, -0.7, 1.1]);
    let wf = V::from_column_slice(w.as_slice());
    let e = Expr::<f64>::input(0).matvec_flat(2, &Expr::input(1)).tanh();
    assert_map(&Compiled::<(V, V), V>::new(e), &(wf.clone(), x.clone()));
    let o = Expr::<f64>::input(0).outer(&Expr::input(1)).sin();
    assert_map(
        &Compiled::<(V, V), V>::new(o),
        &(x.clone(), dvector![0.2, -0.4]),
    );
    assert_map(&Compiled::<V, V>::new(Expr::var().matvec(&w).square()), &x);
    // The dense mode of the bilinear map is the matrix written above.
    let d = Compiled::<(V, V), V>::new(Expr::input(0).matvec_flat(2, &Expr::input(1)));
    let jd = lensdiff::jacobian_dense(&d.build::<lensdiff::Dense>(), &(wf, x));
    assert_eq!(jd.ncols(), 9);
}

#[test]
fn matvec_lengths_are_named() {
    let f: DFun<V, V> = Expr::var().matvec(&w()).compile();
    let err = f.try_eval(&dvector![1.0, 2.0]).unwrap_err().to_string();
    assert!(
        err.contains("length 2") && err.contains("3") && err.contains("`matrix`"),
        "{err}"
    );
    let g: DFun<(V, V), V> = ops::matvec_flat(4);
    let err = g
        .try_eval(&(V::zeros(6), V::zeros(2)))
        .unwrap_err()
        .to_string();
    assert!(err.contains("matvec"), "{err}");
}

/// The network of `examples/mlp.rs` (321 weights).
#[allow(dead_code)]
#[path = "../../../examples/mlp.rs"]
mod mlp;

#[test]
fn mlp_weight_gradient_in_every_mode() {
    // Forward, reverse and dense Jacobians of the loss in the weights
    // agree with each other and with central differences, and pushforward
    // with pullback.
    let f = Compiled::<V, f64>::new(mlp::loss(&mlp::data(5)));
    let theta = mlp::initial_weights();
    assert_eq!(theta.len(), mlp::weight_count());
    assert_eq!(theta.len(), 321);
    assert_map(&f, &theta);
}

/// Constants are read in place by the whole-vector engine (not copied
/// into slots): a constant matrix and a constant vector, each read by two
/// nodes, give the products written out with nalgebra, in value, gradient
/// and tangent, and again on a second call (the buffer pool reused).
#[test]
fn constants_read_in_place_by_several_nodes() {
    let (w, b) = (w(), dvector![1.0, -2.0]);
    let x = dvector![0.3, -0.7, 1.1];
    let r = &w * &x - &b;
    let e = Expr::var().matvec(&w);
    let c = Expr::constant(b.clone());
    // ‖W x − b‖² + Σ (W x − b)·b
    let f: DFun<V, f64, Reverse> = ((&e - &c).norm_squared() + ((&e - &c) * &c).sum()).compile();
    let want_f = r.norm_squared() + r.dot(&b);
    let want_g = w.tr_mul(&(&r * 2.0 + &b));
    for _ in 0..2 {
        let (y, back) = f.linearize(&x);
        assert!((y - want_f).abs() < 1e-13, "{y} against {want_f}");
        assert!((back.pull(&1.0) - &want_g).amax() < 1e-13);
    }
    let t: DFun<V, V, lensdiff::Forward> = (Expr::var().matvec(&w) + &c).compile();
    for _ in 0..2 {
        assert!((t.eval(&x) - (&w * &x + &b)).amax() < 1e-15);
        assert!((lensdiff::jacobian_fwd(&t, &x) - &w).amax() < 1e-15);
    }
}
