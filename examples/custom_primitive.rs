//! A primitive of your own from its value and derivative, checked in every mode.
use lensdiff::{DFun, Expr, check::assert_map, grad, nalgebra::dvector, ops::Custom};
fn main() {
    let sigmoid = |x: f64| 1.0 / (1.0 + (-x).exp()); // the derivative of softplus
    let softplus = Custom::elementwise("softplus", |x: f64| x.exp().ln_1p(), sigmoid);
    let x = dvector![0.5, -1.0, 2.0];
    assert_map(&softplus, &x); // forward = reverse = dense = finite differences
    let f: DFun<_, f64> = Expr::var().custom(&softplus).sum().compile();
    println!("grad Σ softplus(x) = {}", grad(&f, &x).transpose());
}
