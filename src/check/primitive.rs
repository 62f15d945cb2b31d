//! A user's primitive on its own: a [`LinearMap`] (apply against
//! transpose) or an expression [`Op`] (value, both directions, finite
//! differences), before it is placed in any composition.

use super::Options;
use super::finite_diff::compare_fd;
use super::map::{added, compare};
use super::options::Directions;
use super::report::Report;
use super::util::{dot, flat64, norm, show};
use crate::graph::{Ctx, Op};
use crate::linear::LinearMap;
use crate::{Error, Real, Space};
use nalgebra::{DMatrix, DVector};

/// Checks a linear map on its own, with `directions` seeded random
/// vectors: adjointness `⟨L t, c⟩ = ⟨t, Lᵀ c⟩`, linearity of `apply`,
/// `transpose_add` accumulating onto what `dx` held, the shapes of both
/// directions against `dom_shape`/`cod_shape`, and the matrix built from
/// `apply` equal to the transpose of the one built from `transpose`.
///
/// ```
/// use lensdiff::check::{check_linear_map, Options};
/// use lensdiff::linear::LinearMap;
/// use nalgebra::{dvector, DVector};
///
/// /// Running sums: y_i = x_0 + … + x_i.
/// struct Cumsum(usize);
/// impl LinearMap<DVector<f64>, DVector<f64>> for Cumsum {
///     fn apply(&self, dx: &DVector<f64>) -> DVector<f64> {
///         let mut s = 0.0;
///         dx.map(|v| { s += v; s })
///     }
///     fn transpose_add(&self, dy: &DVector<f64>, dx: &mut DVector<f64>) {
///         let mut s = 0.0;
///         for i in (0..self.0).rev() { s += dy[i]; dx[i] += s; }
///     }
///     fn dom_shape(&self) -> usize { self.0 }
///     fn cod_shape(&self) -> usize { self.0 }
/// }
/// let r = check_linear_map(&Cumsum(5), &Options::for_scalar::<f64>());
/// assert!(r.passed(), "{r}");
/// ```
pub fn check_linear_map<A, B, L>(l: &L, opts: &Options) -> Report
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    L: LinearMap<A, B>,
{
    let mut report = Report::new(std::any::type_name::<L>());
    let (dom, cod) = (l.dom_shape(), l.cod_shape());
    let (n, m) = (A::dim_of(&dom), B::dim_of(&cod));
    let input = format!("{n} → {m}");
    let mut dirs = Directions::new(opts.seed);
    let one = <A::Scalar as num_traits::One>::one();
    for _ in 0..opts.directions.max(1) {
        let t = A::read_flat(&dom, &dirs.vec(n));
        let t2 = A::read_flat(&dom, &dirs.vec(n));
        let c = B::read_flat(&cod, &dirs.vec(m));
        let (lt, ltc) = (l.apply(&t), l.transpose(&c));
        let shapes_ok = lt.shape() == cod && ltc.shape() == dom;
        report.record(
            "shapes of apply and transpose",
            None,
            if shapes_ok { 0.0 } else { f64::INFINITY },
            0.0,
            &input,
            format!(
                "apply gives {:?}, transpose gives {:?}",
                lt.shape(),
                ltc.shape()
            ),
        );
        if !shapes_ok {
            return report;
        }
        let (lt, ltc, t64, c64) = (flat64(&lt), flat64(&ltc), flat64(&t), flat64(&c));
        let (lhs, rhs) = (dot(&lt, &c64), dot(&t64, &ltc));
        report.record(
            "adjointness ⟨L t, c⟩ = ⟨t, Lᵀ c⟩",
            None,
            (lhs - rhs).abs(),
            opts.exact(norm(&lt) * norm(&c64) + norm(&t64) * norm(&ltc), n + m),
            &input,
            format!("t = {}, c = {}", show(&t64), show(&c64)),
        );
        // Linearity: L(a t + t2) = a L t + L t2.
        let a = A::Scalar::from_f64(dirs.next() * 2.0);
        let mut comb = t.clone();
        comb.scale_mut(a);
        comb.accumulate(&t2);
        let mut expect = l.apply(&t);
        expect.scale_mut(a);
        expect.accumulate(&l.apply(&t2));
        compare(
            &mut report,
            "apply is linear",
            None,
            &flat64(&l.apply(&comb)),
            &flat64(&expect),
            opts,
            &input,
        );
        let mut acc = t2.clone();
        l.transpose_add(&c, &mut acc);
        let expect = added(&flat64(&t2), &ltc);
        compare(
            &mut report,
            "transpose_add accumulates",
            None,
            &flat64(&acc),
            &expect,
            opts,
            &input,
        );
    }
    // The matrix of apply against the transposed matrix of transpose.
    let mut by_apply = DMatrix::zeros(m, n);
    let mut by_transpose = DMatrix::zeros(m, n);
    let zero = <A::Scalar as num_traits::Zero>::zero();
    let mut e = vec![zero; n];
    for j in 0..n {
        e[j] = one;
        by_apply.set_column(
            j,
            &DVector::from_vec(flat64(&l.apply(&A::read_flat(&dom, &e)))),
        );
        e[j] = zero;
    }
    let mut e = vec![zero; m];
    for i in 0..m {
        e[i] = one;
        by_transpose.set_row(
            i,
            &DVector::from_vec(flat64(&l.transpose(&B::read_flat(&cod, &e)))).transpose(),
        );
        e[i] = zero;
    }
    compare(
        &mut report,
        "matrix of apply = (matrix of transpose)ᵀ",
        None,
        by_apply.as_slice(),
        by_transpose.as_slice(),
        opts,
        &input,
    );
    report
}

/// Checks an expression primitive on its own at the given arguments:
/// `linearize` writes the value `eval` writes; for each argument `i`,
/// `jvp_add` against central differences of `eval`, adjointness of
/// `jvp_add` and `vjp_add`, both accumulating, and `vjp_set` equal to
/// `vjp_add` from zero. A length the primitive rejects is its error.
///
/// ```
/// use lensdiff::check::{check_op, Options};
/// use lensdiff::graph::{Ctx, Op};
/// use lensdiff::{Error, Real};
///
/// /// y_i = a_i · sin(b_i), saving the sines and cosines.
/// struct ASinB;
/// impl<S: Real> Op<S> for ASinB {
///     fn name(&self) -> &'static str { "a_sin_b" }
///     fn arity(&self) -> usize { 2 }
///     fn output_len(&self, l: &[usize]) -> Result<usize, Error> {
///         if l[0] == l[1] { Ok(l[0]) } else {
///             Err(Error::DimensionMismatch { op: "a_sin_b", expected: l[0], found: l[1] })
///         }
///     }
///     fn eval(&self, x: &[&[S]], y: &mut [S]) {
///         for i in 0..y.len() { y[i] = x[0][i] * x[1][i].sin(); }
///     }
///     fn saved_len(&self, _: &[usize], out: usize) -> usize { 2 * out }
///     fn linearize(&self, x: &[&[S]], y: &mut [S], saved: &mut Vec<S>) {
///         let n = y.len();
///         for i in 0..n {
///             saved[i] = x[1][i].sin();
///             saved[n + i] = x[1][i].cos();
///             y[i] = x[0][i] * saved[i];
///         }
///     }
///     fn jvp_add(&self, arg: usize, c: &Ctx<'_, S>, dx: &[S], dy: &mut [S]) {
///         let n = dy.len();
///         for i in 0..n {
///             dy[i] += dx[i] * if arg == 0 { c.saved[i] } else { c.inputs[0][i] * c.saved[n + i] };
///         }
///     }
///     fn vjp_add(&self, arg: usize, c: &Ctx<'_, S>, dy: &[S], dx: &mut [S]) {
///         let n = dy.len();
///         for i in 0..n {
///             dx[i] += dy[i] * if arg == 0 { c.saved[i] } else { c.inputs[0][i] * c.saved[n + i] };
///         }
///     }
/// }
/// let (a, b) = ([0.5, -1.0, 2.0], [0.3, 0.9, -0.4]);
/// let r = check_op(&ASinB, &[&a[..], &b[..]], &Options::for_scalar::<f64>()).unwrap();
/// assert!(r.passed(), "{r}");
/// let err = check_op(&ASinB, &[&a[..], &b[..2]], &Options::for_scalar::<f64>()).unwrap_err();
/// assert_eq!(err.to_string(), "a_sin_b: dimension mismatch: expected 3, found 2");
/// ```
pub fn check_op<S: Real, O: Op<S> + ?Sized>(
    op: &O,
    inputs: &[&[S]],
    opts: &Options,
) -> Result<Report, Error> {
    if inputs.len() != op.arity() {
        return Err(Error::DimensionMismatch {
            op: op.name(),
            expected: op.arity(),
            found: inputs.len(),
        });
    }
    let lens: Vec<usize> = inputs.iter().map(|x| x.len()).collect();
    let m = op.output_len(&lens)?;
    let mut report = Report::new(op.name());
    let shown: Vec<String> = inputs
        .iter()
        .map(|x| show(&flat64(&DVector::from_column_slice(x))))
        .collect();
    let input = format!("inputs = ({})", shown.join(", "));
    let zero = S::zero();
    let mut y = vec![zero; m];
    op.eval(inputs, &mut y);
    let mut yl = vec![zero; m];
    let mut saved = vec![zero; op.saved_len(&lens, m)];
    op.linearize(inputs, &mut yl, &mut saved);
    let (y64, yl64) = (
        flat64(&DVector::from_vec(y)),
        flat64(&DVector::from_vec(yl.clone())),
    );
    compare(
        &mut report,
        "eval = linearize value",
        None,
        &y64,
        &yl64,
        opts,
        &input,
    );
    let ctx = Ctx {
        inputs,
        output: &yl,
        saved: &saved,
    };
    let mut dirs = Directions::new(opts.seed);
    for (i, x) in inputs.iter().enumerate() {
        let n = x.len();
        let arg = format!("argument {i}");
        // The Jacobian of argument i column by column through jvp_add,
        // against differences of eval in that argument.
        let mut jac = DMatrix::zeros(m, n);
        let mut e = vec![zero; n];
        for k in 0..n {
            e[k] = S::one();
            let mut col = vec![zero; m];
            op.jvp_add(i, &ctx, &e, &mut col);
            jac.set_column(
                k,
                &DVector::from_vec(col.iter().map(|v| v.value_f64()).collect()),
            );
            e[k] = zero;
        }
        let eval_in = |z: &DVector<S>| {
            let mut args: Vec<&[S]> = inputs.to_vec();
            args[i] = z.as_slice();
            let mut out = vec![zero; m];
            op.eval(&args, &mut out);
            DVector::from_vec(out)
        };
        compare_fd(
            &mut report,
            &format!("jvp_add = differences ({arg})"),
            None,
            &jac,
            eval_in,
            &DVector::from_column_slice(x),
            opts,
        );
        for _ in 0..opts.directions.max(1) {
            let (t, c) = (dirs.vec::<S>(n), dirs.vec::<S>(m));
            let mut jt = vec![zero; m];
            op.jvp_add(i, &ctx, &t, &mut jt);
            let mut jtc = vec![zero; n];
            op.vjp_add(i, &ctx, &c, &mut jtc);
            let f = |v: &[S]| flat64(&DVector::from_column_slice(v));
            let (jt64, jtc64, t64, c64) = (f(&jt), f(&jtc), f(&t), f(&c));
            let (lhs, rhs) = (dot(&jt64, &c64), dot(&t64, &jtc64));
            report.record(
                &format!("adjointness jvp/vjp ({arg})"),
                None,
                (lhs - rhs).abs(),
                opts.exact(norm(&jt64) * norm(&c64) + norm(&t64) * norm(&jtc64), n + m),
                &input,
                format!("t = {}, c = {}", show(&t64), show(&c64)),
            );
            // Accumulation: onto a nonzero start both directions add.
            let mut acc = c.clone();
            op.jvp_add(i, &ctx, &t, &mut acc);
            let expect = added(&c64, &jt64);
            compare(
                &mut report,
                &format!("jvp_add accumulates ({arg})"),
                None,
                &f(&acc),
                &expect,
                opts,
                &input,
            );
            let mut acc = t.clone();
            op.vjp_add(i, &ctx, &c, &mut acc);
            let expect = added(&t64, &jtc64);
            compare(
                &mut report,
                &format!("vjp_add accumulates ({arg})"),
                None,
                &f(&acc),
                &expect,
                opts,
                &input,
            );
            let mut set = t.clone();
            op.vjp_set(i, &ctx, &c, &mut set);
            compare(
                &mut report,
                &format!("vjp_set = vjp_add from zero ({arg})"),
                None,
                &f(&set),
                &jtc64,
                opts,
                &input,
            );
        }
    }
    Ok(report)
}
