//! The matrix maps (`Expr::matvec`, `Expr::matvec_flat`) and the
//! custom-primitive helper (`ops::Custom`) against what a user wrote
//! before them: a hand-written `LinearMap` or `Op` for the same map. Each
//! group times the gradient both ways; the helpers should cost at most
//! 1.2× the hand-written version (issue 24).
//!
//! `cargo bench --bench helpers` (`LENSDIFF_THREADS=1` for figures that
//! do not depend on the other processes of the machine).
//!
//! * `matvec_n{n}`: `x ↦ ‖W x‖²` for a constant `n × n` matrix, the
//!   matrix map as a lens followed by `ops::norm_squared` (hand: a
//!   `LinearMap` with nalgebra's products; helper: `Expr::matvec`
//!   compiled to a lens; and the whole map as one expression);
//! * `weights_n{n}`: `(W, x) ↦ ‖W x‖²`, the gradient in both (hand: a
//!   bilinear `Op` on nalgebra views; helper: `Expr::matvec_flat`);
//! * `elementwise_n{n}`: `x ↦ Σ softplus(xᵢ)` (hand: an elementwise `Op`
//!   with a saved buffer of derivatives; helper: `Custom::elementwise`).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use lensdiff::graph::{Ctx, IndexMap, Op};
use lensdiff::linear::LinearMap;
use lensdiff::nalgebra::{DMatrix, DMatrixView, DVector, DVectorView, DVectorViewMut};
use lensdiff::ops::Custom;
use lensdiff::{DFun, Error, Expr, Space, grad, ops};
use std::hint::black_box;
use std::sync::Arc;

type V = DVector<f64>;

/// Entries in `[-1, 1] / n`, deterministic.
fn matrix(n: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, n, |i, j| {
        (((i * 7 + j * 13) % 17) as f64 / 8.0 - 1.0) / n as f64
    })
}

fn point(n: usize) -> V {
    V::from_fn(n, |i, _| (0.1 * i as f64).sin())
}

/// The versions compared compute the same gradient (to rounding): a
/// hand-written version that were wrong would time something else.
fn same_gradient<A: Space<Scalar = f64>>(fs: &[&DFun<A, f64>], x: &A) {
    let g = grad(fs[0], x).to_flat();
    for f in &fs[1..] {
        let e = grad(f, x)
            .to_flat()
            .iter()
            .zip(&g)
            .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(
            e <= 1e-12 * (1.0 + g.iter().fold(0.0f64, |m, v| m.max(v.abs()))),
            "gradients differ by {e:e}"
        );
    }
}

// ------------------------------------------------ constant W: LinearMap

/// `dx ↦ W dx`, as a user wrote it by hand.
struct MatMap(Arc<DMatrix<f64>>);

impl LinearMap<V, V> for MatMap {
    fn apply(&self, dx: &V) -> V {
        &*self.0 * dx
    }
    fn transpose_add(&self, dy: &V, dx: &mut V) {
        dx.gemv_tr(1.0, &self.0, dy, 1.0);
    }
    fn dom_shape(&self) -> usize {
        self.0.ncols()
    }
    fn cod_shape(&self) -> usize {
        self.0.nrows()
    }
}

fn matvec(cr: &mut Criterion) {
    for n in [100usize, 300, 1000] {
        let w = Arc::new(matrix(n));
        let x = point(n);
        let hand: DFun<V, f64> = {
            let w = w.clone();
            DFun::from_linear_map(move |x: &V| (&*w * x, MatMap(w.clone())))
                .then(&ops::norm_squared())
        };
        let lens: DFun<V, V> = Expr::var().matvec(&*w).compile();
        let helper = lens.then(&ops::norm_squared());
        let expr: DFun<V, f64> = Expr::var().matvec(&*w).norm_squared().compile();
        same_gradient(&[&hand, &helper, &expr], &x);
        let mut group = cr.benchmark_group(format!("matvec_n{n}"));
        for (name, f) in [
            ("hand LinearMap", &hand),
            ("Expr::matvec", &helper),
            ("one expression", &expr),
        ] {
            group.bench_function(BenchmarkId::new("grad", name), |b| {
                b.iter(|| grad(f, black_box(&x)))
            });
        }
        group.finish();
    }
}

// ------------------------------------------------- W an input: bilinear Op

/// `y = W x`, `W` flat and column-major with `rows` rows: a bilinear `Op`
/// by hand, on nalgebra views.
struct HandMatVec {
    rows: usize,
}

fn view(w: &[f64], rows: usize) -> DMatrixView<'_, f64> {
    DMatrixView::from_slice(w, rows, w.len() / rows)
}

impl Op<f64> for HandMatVec {
    fn name(&self) -> &'static str {
        "hand_matvec"
    }
    fn arity(&self) -> usize {
        2
    }
    fn scalar_output(&self, _: &[bool]) -> bool {
        false
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        if lens[0] != self.rows * lens[1] {
            return Err(Error::DimensionMismatch {
                op: "hand_matvec",
                expected: self.rows * lens[1],
                found: lens[0],
            });
        }
        Ok(self.rows)
    }
    fn eval(&self, x: &[&[f64]], y: &mut [f64]) {
        let mut y = DVectorViewMut::from_slice(y, self.rows);
        let x1 = DVectorView::from_slice(x[1], x[1].len());
        y.gemv(1.0, &view(x[0], self.rows), &x1, 0.0);
    }
    fn jvp_add(&self, i: usize, c: &Ctx<'_, f64>, dx: &[f64], dy: &mut [f64]) {
        let mut dy = DVectorViewMut::from_slice(dy, self.rows);
        let (w, x) = match i {
            0 => (dx, c.inputs[1]),
            _ => (c.inputs[0], dx),
        };
        dy.gemv(
            1.0,
            &view(w, self.rows),
            &DVectorView::from_slice(x, x.len()),
            1.0,
        );
    }
    fn vjp_add(&self, i: usize, c: &Ctx<'_, f64>, dy: &[f64], dx: &mut [f64]) {
        let dy = DVectorView::from_slice(dy, self.rows);
        if i == 0 {
            // dW += dy xᵀ
            let x = DVectorView::from_slice(c.inputs[1], c.inputs[1].len());
            let cols = x.len();
            let mut dw = lensdiff::nalgebra::DMatrixViewMut::from_slice(dx, self.rows, cols);
            dw.ger(1.0, &dy, &x, 1.0);
        } else {
            let mut dx = DVectorViewMut::from_slice(dx, c.inputs[1].len());
            dx.gemv_tr(1.0, &view(c.inputs[0], self.rows), &dy, 1.0);
        }
    }
}

fn weights(cr: &mut Criterion) {
    for n in [100usize, 300, 1000] {
        let p = (DVector::from_column_slice(matrix(n).as_slice()), point(n));
        let (w, x) = (Expr::<f64>::input(0), Expr::input(1));
        let hand: DFun<(V, V), f64> = w
            .apply_op(Arc::new(HandMatVec { rows: n }), std::slice::from_ref(&x))
            .norm_squared()
            .compile();
        let helper: DFun<(V, V), f64> = w.matvec_flat(n, &x).norm_squared().compile();
        same_gradient(&[&hand, &helper], &p);
        let mut group = cr.benchmark_group(format!("weights_n{n}"));
        for (name, f) in [("hand Op", &hand), ("Expr::matvec_flat", &helper)] {
            group.bench_function(BenchmarkId::new("grad", name), |b| {
                b.iter(|| grad(f, black_box(&p)))
            });
        }
        group.finish();
    }
}

// ------------------------------------------------- elementwise: Custom

fn softplus(x: f64) -> f64 {
    x.exp().ln_1p()
}

fn logistic(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// `yᵢ = softplus(xᵢ)` as a hand-written `Op`: the derivatives saved by
/// `linearize`, an elementwise index map (so that it runs tiled, as the
/// helper's does).
struct HandSoftplus;

impl Op<f64> for HandSoftplus {
    fn name(&self) -> &'static str {
        "hand_softplus"
    }
    fn arity(&self) -> usize {
        1
    }
    fn output_len(&self, lens: &[usize]) -> Result<usize, Error> {
        Ok(lens[0])
    }
    fn eval(&self, x: &[&[f64]], y: &mut [f64]) {
        for (y, &x) in y.iter_mut().zip(x[0]) {
            *y = softplus(x);
        }
    }
    fn saved_len(&self, lens: &[usize], _: usize) -> usize {
        lens[0]
    }
    fn linearize(&self, x: &[&[f64]], y: &mut [f64], saved: &mut Vec<f64>) {
        for ((y, s), &x) in y.iter_mut().zip(saved.iter_mut()).zip(x[0]) {
            *y = softplus(x);
            *s = logistic(x);
        }
    }
    fn jvp_add(&self, _: usize, c: &Ctx<'_, f64>, dx: &[f64], dy: &mut [f64]) {
        for ((dy, dx), d) in dy.iter_mut().zip(dx).zip(c.saved) {
            *dy += d * dx;
        }
    }
    fn vjp_add(&self, _: usize, c: &Ctx<'_, f64>, dy: &[f64], dx: &mut [f64]) {
        for ((dx, dy), d) in dx.iter_mut().zip(dy).zip(c.saved) {
            *dx += d * dy;
        }
    }
    fn index_map(&self, _: &[usize]) -> IndexMap {
        IndexMap::Elementwise
    }
}

fn elementwise(cr: &mut Criterion) {
    let custom = Custom::elementwise("softplus", softplus, logistic);
    for n in [10_000usize, 100_000, 1_000_000] {
        let x = point(n);
        let hand: DFun<V, f64> = Expr::var()
            .apply_op(Arc::new(HandSoftplus), &[])
            .sum()
            .compile();
        let helper: DFun<V, f64> = Expr::var().custom(&custom).sum().compile();
        same_gradient(&[&hand, &helper], &x);
        let mut group = cr.benchmark_group(format!("elementwise_n{n}"));
        if n >= 1_000_000 {
            group.sample_size(20);
        }
        for (name, f) in [("hand Op", &hand), ("Custom::elementwise", &helper)] {
            group.bench_function(BenchmarkId::new("grad", name), |b| {
                b.iter(|| grad(f, black_box(&x)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, matvec, weights, elementwise);
criterion_main!(benches);
