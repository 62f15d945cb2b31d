//! Forward over reverse: one reverse sweep over `DualN<f64, K>` scalars.
//!
//! Seeding `x + Σ_c ε_c v_c` and pulling back `1` gives, in the value part,
//! `∇f(x)`, and in tangent `c`, `H v_c`: `K` Hessian-vector products for the
//! price of one gradient over `(K+1)`-wide numbers. Never finite
//! differences. The tangent width is a const generic; [`sweep`] picks the
//! smallest compiled width that fits and splits longer seed lists.

use crate::dual::DualN;
use crate::{Objective, Real};
use nalgebra::DVector;

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

/// Seed vectors, given entry by entry (so comb seeds need no n-long
/// vectors of their own).
pub(crate) trait Seeds {
    /// The number of seeds.
    fn count(&self) -> usize;
    /// Entry `i` of seed `c`.
    fn get(&self, c: usize, i: usize) -> f64;
}

impl Seeds for [&[f64]] {
    fn count(&self) -> usize {
        self.len()
    }
    fn get(&self, c: usize, i: usize) -> f64 {
        self[c][i]
    }
}

/// The comb seeds of period `period` (`count` of them), then optionally
/// one more vector (the probe).
pub(crate) struct Comb<'a> {
    pub(crate) period: usize,
    pub(crate) count: usize,
    pub(crate) extra: Option<&'a [f64]>,
}

impl Seeds for Comb<'_> {
    fn count(&self) -> usize {
        self.count + usize::from(self.extra.is_some())
    }
    fn get(&self, c: usize, i: usize) -> f64 {
        match self.extra {
            Some(e) if c == self.count => e[i],
            _ => f64::from(u8::from(i % self.period == c)),
        }
    }
}

/// Seeds `c0 .. c0 + len` of another set.
struct Chunk<'a, T: ?Sized> {
    all: &'a T,
    c0: usize,
    len: usize,
}

impl<T: Seeds + ?Sized> Seeds for Chunk<'_, T> {
    fn count(&self) -> usize {
        self.len
    }
    fn get(&self, c: usize, i: usize) -> f64 {
        self.all.get(self.c0 + c, i)
    }
}

fn sweep_k<const K: usize, O: Objective + ?Sized, T: Seeds + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &T,
) -> Sweep {
    debug_assert!(seeds.count() <= K);
    let m = seeds.count();
    let n = x.len();
    // The objective's reverse-mode lens over dual numbers: linearise at
    // x + Σ_c ε_c v_c, pull back 1. (On the tiled engine the linearisation
    // is the gradient itself: no n-long tape is kept.)
    let f = obj.lens::<DualN<f64, K>>();
    let xd = DVector::from_fn(n, |i, _| {
        let mut eps = [0.0; K];
        for (c, e) in eps.iter_mut().enumerate().take(m) {
            *e = seeds.get(c, i);
        }
        DualN::from_parts(x[i], eps)
    });
    let (y, lin) = f.linearize(&xd);
    drop(xd);
    let g = lin.pull(&DualN::from_f64(1.0));
    drop(lin);
    let mut grad = vec![0.0; n];
    let mut prods = vec![vec![0.0; n]; m];
    for (i, d) in g.iter().enumerate() {
        grad[i] = d.re;
        for (p, e) in prods.iter_mut().zip(d.eps) {
            p[i] = e;
        }
    }
    Sweep {
        value: y.re,
        grad,
        prods,
    }
}

fn sweep_width<O: Objective + ?Sized, T: Seeds + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &T,
    w: usize,
) -> Sweep {
    match w {
        1 => sweep_k::<1, O, T>(obj, x, seeds),
        2 => sweep_k::<2, O, T>(obj, x, seeds),
        3 => sweep_k::<3, O, T>(obj, x, seeds),
        4 => sweep_k::<4, O, T>(obj, x, seeds),
        6 => sweep_k::<6, O, T>(obj, x, seeds),
        8 => sweep_k::<8, O, T>(obj, x, seeds),
        10 => sweep_k::<10, O, T>(obj, x, seeds),
        12 => sweep_k::<12, O, T>(obj, x, seeds),
        _ => sweep_k::<16, O, T>(obj, x, seeds),
    }
}

/// `f(x)`, `∇f(x)` and `H v_c` for every seed, in as few sweeps as the
/// compiled widths allow (one sweep for up to 16 seeds).
pub(crate) fn sweep<O: Objective + ?Sized, T: Seeds + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &T,
) -> Sweep {
    let max = WIDTHS[WIDTHS.len() - 1];
    if seeds.count() == 0 {
        let zero = vec![0.0; x.len()];
        let mut s = sweep_width(obj, x, &[zero.as_slice()][..], 1);
        s.prods.clear();
        return s;
    }
    let mut out: Option<Sweep> = None;
    for c0 in (0..seeds.count()).step_by(max) {
        let len = max.min(seeds.count() - c0);
        let w = WIDTHS.iter().copied().find(|&w| w >= len).unwrap_or(max);
        let chunk = Chunk {
            all: seeds,
            c0,
            len,
        };
        let s = sweep_width(obj, x, &chunk, w);
        match &mut out {
            None => out = Some(s),
            Some(o) => o.prods.extend(s.prods),
        }
    }
    out.expect("at least one chunk")
}

/// [`sweep`], with an error when the value, the gradient or a product is
/// not finite (never a NaN answer).
pub(crate) fn try_sweep<O: Objective + ?Sized, T: Seeds + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &T,
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
