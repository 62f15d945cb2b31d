//! Forward over reverse: one reverse sweep over `DualN<f64, K>` scalars.
//!
//! Seeding `x + Σ_c ε_c v_c` and pulling back `1` gives, in the value part,
//! `∇f(x)`, and in tangent `c`, `H v_c`: `K` Hessian-vector products for the
//! price of one gradient over `(K+1)`-wide numbers. Never finite
//! differences. The tangent width is a const generic; [`sweep`] picks the
//! smallest compiled width that fits and splits longer seed lists.

use crate::dual::DualN;
use crate::{Objective, Real};

/// Value, gradient and Hessian-vector products at one point.
#[derive(Debug, Clone)]
pub(crate) struct Sweep {
    pub(crate) value: f64,
    pub(crate) grad: Vec<f64>,
    /// `prods[c][i] = (H v_c)_i`.
    pub(crate) prods: Vec<Vec<f64>>,
}

/// Tangent widths compiled into the library (each one instantiates the
/// objective's graph once); a seed list is padded up to the next one.
const WIDTHS: [usize; 9] = [1, 2, 3, 4, 6, 8, 10, 12, 16];

fn sweep_k<const K: usize, O: Objective + ?Sized>(obj: &O, x: &[f64], seeds: &[&[f64]]) -> Sweep {
    debug_assert!(seeds.len() <= K);
    let n = x.len();
    // Work on the program's pooled buffers: at large n a fresh
    // multi-tangent vector per call costs more in page faults than the sweep.
    let prog = obj.program::<DualN<f64, K>>();
    let mut xd = prog.take_dirty(n);
    for (i, d) in xd.iter_mut().enumerate() {
        let mut eps = [0.0; K];
        for (e, s) in eps.iter_mut().zip(seeds) {
            *e = s[i];
        }
        *d = DualN::from_parts(x[i], eps);
    }
    let tape = prog.linearize(&[&xd]);
    let y = tape.output()[0];
    let mut g = xd;
    g.fill(DualN::from_f64(0.0));
    tape.transpose_add(&[DualN::from_f64(1.0)], &mut [&mut g]);
    drop(tape);
    let mut grad = vec![0.0; n];
    let mut prods = vec![vec![0.0; n]; seeds.len()];
    for (i, d) in g.iter().enumerate() {
        grad[i] = d.re;
        for (p, e) in prods.iter_mut().zip(d.eps) {
            p[i] = e;
        }
    }
    prog.give(g);
    Sweep {
        value: y.re,
        grad,
        prods,
    }
}

fn sweep_width<O: Objective + ?Sized>(obj: &O, x: &[f64], seeds: &[&[f64]], w: usize) -> Sweep {
    match w {
        1 => sweep_k::<1, O>(obj, x, seeds),
        2 => sweep_k::<2, O>(obj, x, seeds),
        3 => sweep_k::<3, O>(obj, x, seeds),
        4 => sweep_k::<4, O>(obj, x, seeds),
        6 => sweep_k::<6, O>(obj, x, seeds),
        8 => sweep_k::<8, O>(obj, x, seeds),
        10 => sweep_k::<10, O>(obj, x, seeds),
        12 => sweep_k::<12, O>(obj, x, seeds),
        _ => sweep_k::<16, O>(obj, x, seeds),
    }
}

/// `f(x)`, `∇f(x)` and `H v_c` for every seed, in as few sweeps as the
/// compiled widths allow (one sweep for up to 16 seeds).
pub(crate) fn sweep<O: Objective + ?Sized>(obj: &O, x: &[f64], seeds: &[&[f64]]) -> Sweep {
    let max = WIDTHS[WIDTHS.len() - 1];
    if seeds.is_empty() {
        let zero = vec![0.0; x.len()];
        let mut s = sweep_width(obj, x, &[&zero], 1);
        s.prods.clear();
        return s;
    }
    let mut out: Option<Sweep> = None;
    for chunk in seeds.chunks(max) {
        let w = WIDTHS
            .iter()
            .copied()
            .find(|&w| w >= chunk.len())
            .unwrap_or(max);
        let s = sweep_width(obj, x, chunk, w);
        match &mut out {
            None => out = Some(s),
            Some(o) => o.prods.extend(s.prods),
        }
    }
    out.expect("at least one chunk")
}

/// [`sweep`], with an error when the value, the gradient or a product is
/// not finite (never a NaN answer).
pub(crate) fn try_sweep<O: Objective + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &[&[f64]],
) -> Result<Sweep, crate::Error> {
    use crate::derive::check_finite;
    let s = sweep(obj, x, seeds);
    check_finite("f(x)", &[s.value])?;
    check_finite("gradient", &s.grad)?;
    for p in &s.prods {
        check_finite("Hessian-vector product", p)?;
    }
    Ok(s)
}
