//! Forward over reverse: one reverse sweep over `DualN<f64, K>` scalars.
//!
//! Seeding `x + Σ_c ε_c v_c` and pulling back `1` gives, in the value part,
//! `∇f(x)`, and in tangent `c`, `H v_c`: `K` Hessian-vector products for the
//! price of one gradient over `(K+1)`-wide numbers. Never finite
//! differences. The tangent width is a const generic; [`sweep`] picks the
//! smallest compiled width that fits and splits longer seed lists.
//!
//! Build time: the sweeps over a compiled program are the library's own
//! non-generic functions, one per width (the impls of [`Width`], with the
//! seeds and the destination behind `dyn Seeds` and [`Sink`]), so a
//! caller's crate compiles the engine over dual numbers not at all: only
//! its objective's `build` at each width. Before, every example and test
//! binary compiled the whole tiled engine nine times over.

use super::comb_sink::CombSink;
use crate::dual::DualN;
use crate::graph::{GradPart, Program, Source};
use crate::probe::probe_entry;
use crate::{Objective, Real};
use std::sync::Arc;

/// Value, gradient and Hessian-vector products at one point.
#[derive(Debug, Clone)]
pub(crate) struct Sweep {
    pub(crate) value: f64,
    pub(crate) grad: Vec<f64>,
    /// `prods[c][i] = (H v_c)_i`.
    pub(crate) prods: Vec<Vec<f64>>,
}

/// Calls the macro `$m` with the tangent widths compiled into the
/// library, the one list of them (the `Width` impls, [`WIDTHS`] and
/// `crate::erased` expand it).
macro_rules! with_widths {
    ($m:ident) => {
        $m! { 1 2 3 4 6 8 10 12 16 }
    };
}
pub(crate) use with_widths;

macro_rules! width_array {
    ($($k:literal)*) => { [$($k),*] };
}

/// Tangent widths compiled into the library (each one instantiates the
/// objective's graph once); a seed list is padded up to the next one.
const WIDTHS: [usize; 9] = with_widths!(width_array);

/// Seed vectors, given entry by entry (so comb seeds need no n-long
/// vectors of their own).
pub(crate) trait Seeds: Sync {
    /// The number of seeds.
    fn count(&self) -> usize;
    /// Entry `i` of seed `c`.
    fn get(&self, c: usize, i: usize) -> f64;
    /// Entry `i` of seeds `0 .. eps.len()`, into `eps` (one call per entry
    /// behind `dyn Seeds`).
    fn entry(&self, i: usize, eps: &mut [f64]) {
        for (c, e) in eps.iter_mut().enumerate() {
            *e = self.get(c, i);
        }
    }
}

/// Any seeds as a sized value (a slice of seeds is not), to be seen as
/// `dyn Seeds`.
struct Erased<'a, T: ?Sized>(&'a T);

impl<T: Seeds + ?Sized> Seeds for Erased<'_, T> {
    fn count(&self) -> usize {
        self.0.count()
    }
    fn get(&self, c: usize, i: usize) -> f64 {
        self.0.get(c, i)
    }
    fn entry(&self, i: usize, eps: &mut [f64]) {
        self.0.entry(i, eps)
    }
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
/// the probe of a seed ([`crate::probe::probe_entry`], never stored).
pub(crate) struct Comb {
    pub(crate) period: usize,
    pub(crate) count: usize,
    pub(crate) probe: Option<u64>,
}

impl Seeds for Comb {
    fn count(&self) -> usize {
        self.count + usize::from(self.probe.is_some())
    }
    fn get(&self, c: usize, i: usize) -> f64 {
        match self.probe {
            Some(seed) if c == self.count => probe_entry(seed, i),
            _ => f64::from(u8::from(i % self.period == c)),
        }
    }
    fn entry(&self, i: usize, eps: &mut [f64]) {
        // One division per entry, not one per seed.
        let colour = i % self.period;
        for (c, e) in eps.iter_mut().enumerate() {
            *e = f64::from(u8::from(c == colour));
        }
        if let (Some(seed), Some(last)) = (self.probe, eps.get_mut(self.count)) {
            *last = probe_entry(seed, i);
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

/// The dual inputs `x + Σ_c ε_c v_c`, generated window by window.
struct DualInput<'a> {
    x: &'a [f64],
    seeds: &'a dyn Seeds,
}

impl<const K: usize> Source<DualN<f64, K>> for DualInput<'_> {
    fn direct(&self, _: usize) -> Option<&[DualN<f64, K>]> {
        None
    }
    fn fill(&self, _: usize, r: std::ops::Range<usize>, out: &mut [DualN<f64, K>]) {
        let m = self.seeds.count();
        for (o, i) in out.iter_mut().zip(r) {
            let mut eps = [0.0; K];
            self.seeds.entry(i, &mut eps[..m]);
            *o = DualN::from_parts(self.x[i], eps);
        }
    }
    fn len(&self, _: usize) -> usize {
        self.x.len()
    }
}

/// Where a tiled sweep puts the dual gradient, entry by entry: the value
/// part `re` (the gradient) and the tangent parts `eps` (one per seed).
pub(crate) trait DualSink: Send + Sized {
    /// Adds entry `start + t` for `t = 0 ..`: `(re[t], eps[t·w .. (t+1)·w])`.
    fn add(&mut self, start: usize, re: &[f64], eps: &[f64], w: usize);
    /// Splits at entry `mid`.
    fn split_at(self, mid: usize) -> (Self, Self);
    /// The number of entries.
    fn len(&self) -> usize;
}

/// A [`DualSink`] as the gradient part of a pass over `DualN<f64, K>`.
struct AsPart<D>(D);

impl<const K: usize, D: DualSink> GradPart<DualN<f64, K>> for AsPart<D> {
    fn add(&mut self, start: usize, v: &[DualN<f64, K>]) {
        // Small blocks keep the split in cache.
        let mut re = [0.0; 64];
        let mut eps = [0.0; 64 * 16];
        for (b, chunk) in v.chunks(64).enumerate() {
            for (t, d) in chunk.iter().enumerate() {
                re[t] = d.re;
                eps[t * K..(t + 1) * K].copy_from_slice(&d.eps);
            }
            self.0.add(
                start + 64 * b,
                &re[..chunk.len()],
                &eps[..chunk.len() * K],
                K,
            );
        }
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(mid);
        (AsPart(a), AsPart(b))
    }
    fn len(&self) -> usize {
        self.0.len()
    }
}

/// A dual gradient split as it is produced: the gradient and each
/// Hessian-vector product in their own `f64` arrays.
pub(crate) struct SplitGrad<'a> {
    re: &'a mut [f64],
    eps: Vec<&'a mut [f64]>,
}

impl DualSink for SplitGrad<'_> {
    fn add(&mut self, start: usize, re: &[f64], eps: &[f64], w: usize) {
        for (g, &r) in self.re[start..start + re.len()].iter_mut().zip(re) {
            *g += r;
        }
        for (c, p) in self.eps.iter_mut().enumerate() {
            let p = &mut p[start..start + re.len()];
            for (g, e) in p.iter_mut().zip(eps.chunks_exact(w)) {
                *g += e[c];
            }
        }
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        let (r0, r1) = self.re.split_at_mut(mid);
        let (e0, e1) = self.eps.into_iter().map(|e| e.split_at_mut(mid)).unzip();
        (SplitGrad { re: r0, eps: e0 }, SplitGrad { re: r1, eps: e1 })
    }
    fn len(&self) -> usize {
        self.re.len()
    }
}

/// The destinations of a tiled sweep as one type, so that the sweeps are
/// compiled once for both: the gradient and each product in their own
/// arrays, or comb products written straight into a band.
pub(crate) enum Sink<'a> {
    Split(SplitGrad<'a>),
    Comb(CombSink<'a>),
}

impl DualSink for Sink<'_> {
    fn add(&mut self, start: usize, re: &[f64], eps: &[f64], w: usize) {
        match self {
            Sink::Split(s) => s.add(start, re, eps, w),
            Sink::Comb(s) => s.add(start, re, eps, w),
        }
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        match self {
            Sink::Split(s) => {
                let (a, b) = s.split_at(mid);
                (Sink::Split(a), Sink::Split(b))
            }
            Sink::Comb(s) => {
                let (a, b) = s.split_at(mid);
                (Sink::Comb(a), Sink::Comb(b))
            }
        }
    }
    fn len(&self) -> usize {
        match self {
            Sink::Split(s) => s.len(),
            Sink::Comb(s) => s.len(),
        }
    }
}

/// The tangent widths a sweep is compiled for, as a `match` on `w`.
macro_rules! by_width {
    ($w:expr, $k:ident => $e:expr) => {
        match $w {
            1 => { const $k: usize = 1; $e }
            2 => { const $k: usize = 2; $e }
            3 => { const $k: usize = 3; $e }
            4 => { const $k: usize = 4; $e }
            6 => { const $k: usize = 6; $e }
            8 => { const $k: usize = 8; $e }
            10 => { const $k: usize = 10; $e }
            12 => { const $k: usize = 12; $e }
            _ => { const $k: usize = 16; $e }
        }
    };
}
pub(crate) use by_width;

/// The smallest compiled width that holds `m` seeds (at most 16).
fn width(m: usize) -> usize {
    WIDTHS.iter().copied().find(|&w| w >= m).unwrap_or(16)
}

/// How `count ≥ 1` seeds split into sweeps: `(first seed, seeds, width)`
/// per chunk of at most 16 seeds, each padded to a compiled width.
pub(crate) fn chunks(count: usize) -> impl Iterator<Item = (usize, usize, usize)> {
    let max = WIDTHS[WIDTHS.len() - 1];
    (0..count).step_by(max).map(move |c0| {
        let len = max.min(count - c0);
        (c0, len, width(len))
    })
}

/// One tiled sweep of at most 16 seeds into `sink`: `f(x)`, or `None`
/// when the objective does not run tiled (nothing is written then).
pub(crate) fn sweep_into<O, T>(obj: &O, x: &[f64], seeds: &T, sink: Sink<'_>) -> Option<f64>
where
    O: Objective + ?Sized,
    T: Seeds + ?Sized,
{
    if seeds.count() > 16 {
        return None;
    }
    let seeds = &Erased(seeds);
    by_width!(width(seeds.count()), K => {
        let prog = crate::objective::program_of::<DualN<f64, K>, O>(obj);
        <DualN<f64, K> as Width>::tiled(&prog, x, seeds, sink)
    })
}

/// A tangent width the sweeps are compiled for. Its impls (one per width
/// of [`WIDTHS`]) are non-generic, so the engine over `DualN<f64, K>` is
/// compiled once, in the library, whatever crate calls it.
pub(crate) trait Width: Real {
    /// [`tiled_k`] at this width.
    fn tiled(prog: &Program<Self>, x: &[f64], seeds: &dyn Seeds, sink: Sink<'_>) -> Option<f64>;
    /// [`sweep_k`] at this width.
    fn sweep(prog: &Arc<Program<Self>>, x: &[f64], seeds: &dyn Seeds) -> Sweep;
    /// The program's value at dual inputs (the forward sweeps of
    /// `constrained::banded_jacobian`).
    fn eval(prog: &Program<Self>, inputs: &[&[Self]]) -> Vec<Self>;
}

macro_rules! widths {
    ($($k:literal)*) => {
        $(
            impl Width for DualN<f64, $k> {
                fn tiled(prog: &Program<Self>, x: &[f64], seeds: &dyn Seeds, sink: Sink<'_>) -> Option<f64> {
                    tiled_k::<$k>(prog, x, seeds, sink)
                }
                fn sweep(prog: &Arc<Program<Self>>, x: &[f64], seeds: &dyn Seeds) -> Sweep {
                    sweep_k::<$k>(prog, x, seeds)
                }
                fn eval(prog: &Program<Self>, inputs: &[&[Self]]) -> Vec<Self> {
                    prog.eval_here(inputs)
                }
            }
        )*
    };
}
with_widths!(widths);

/// One tiled pass of `prog` over `DualN<f64, K>`: `f(x)` into the value,
/// the dual gradient into `sink`; `None` when the program does not run
/// tiled.
fn tiled_k<const K: usize>(
    prog: &Program<DualN<f64, K>>,
    x: &[f64],
    seeds: &dyn Seeds,
    sink: Sink<'_>,
) -> Option<f64> {
    prog.value_grad_into(&DualInput { x, seeds }, vec![AsPart(sink)])
        .map(|y| y.re)
}

fn sweep_k<const K: usize>(
    prog: &Arc<Program<DualN<f64, K>>>,
    x: &[f64],
    seeds: &dyn Seeds,
) -> Sweep {
    debug_assert!(seeds.count() <= K);
    let m = seeds.count();
    let n = x.len();
    let mut grad = crate::scratch::take(n);
    let mut prods: Vec<Vec<f64>> = (0..m).map(|_| crate::scratch::take(n)).collect();
    // On the tiled engine: the linearisation of the objective's program
    // over dual numbers, pulled back from 1, tile by tile, with the dual
    // inputs generated per tile and the dual gradient split as it comes:
    // no n-long vector of dual numbers exists.
    let sink = Sink::Split(SplitGrad {
        re: &mut grad,
        eps: prods.iter_mut().map(Vec::as_mut_slice).collect(),
    });
    if let Some(value) = tiled_k::<K>(prog, x, seeds, sink) {
        return Sweep { value, grad, prods };
    }
    // Whole-vector: the program over dual numbers, linearised at
    // x + Σ_c ε_c v_c and pulled back from 1. The dual input and gradient
    // come from the program's pool: at n = 5·10⁵ a vector of
    // `DualN<f64, 8>` is 36 MB, above glibc's mmap threshold, so a fresh one
    // is mapped and faulted in page by page on every sweep.
    let mut xd = prog.take_dirty(n);
    Source::<DualN<f64, K>>::fill(&DualInput { x, seeds }, 0, 0..n, &mut xd);
    let tape = prog.linearize(&[&xd]);
    prog.give(xd);
    let y = tape.output()[0];
    let mut g = prog.take(n);
    tape.transpose_add(&[DualN::from_f64(1.0)], &mut [&mut g]);
    drop(tape);
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

fn sweep_width<O: Objective + ?Sized>(obj: &O, x: &[f64], seeds: &dyn Seeds, w: usize) -> Sweep {
    by_width!(w, K => {
        let prog = crate::objective::program_of::<DualN<f64, K>, O>(obj);
        <DualN<f64, K> as Width>::sweep(&prog, x, seeds)
    })
}

/// `f(x)`, `∇f(x)` and `H v_c` for every seed, in as few sweeps as the
/// compiled widths allow (one sweep for up to 16 seeds).
pub(crate) fn sweep<O: Objective + ?Sized, T: Seeds + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &T,
) -> Sweep {
    if seeds.count() == 0 {
        let zero = vec![0.0; x.len()];
        let mut s = sweep_width(obj, x, &Erased(&[zero.as_slice()][..]), 1);
        s.prods.clear();
        return s;
    }
    let mut out: Option<Sweep> = None;
    for (c0, len, w) in chunks(seeds.count()) {
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

/// The tangent widths a sweep of `count` seeds runs at ([`chunks`]; no
/// seeds run at width 1, as [`sweep`] does), in ascending order.
pub(crate) fn widths_of(count: usize) -> Vec<usize> {
    if count == 0 {
        return vec![1];
    }
    let mut ws: Vec<usize> = chunks(count).map(|(_, _, w)| w).collect();
    ws.sort_unstable();
    ws.dedup();
    ws
}

/// Drops `cache`'s program at tangent width `w`, and with it the buffers
/// its whole-vector tapes keep (a sweep at that width compiles it again).
pub(crate) fn forget_width(cache: &crate::ProgramCache, w: usize) {
    by_width!(w, K => cache.forget::<DualN<f64, K>>())
}

/// [`sweep`], with an error when the value, the gradient or a product is
/// not finite (never a NaN answer).
pub(crate) fn try_sweep<O: Objective + ?Sized, T: Seeds + ?Sized>(
    obj: &O,
    x: &[f64],
    seeds: &T,
) -> Result<Sweep, crate::Error> {
    use crate::error::check_finite;
    let s = sweep(obj, x, seeds);
    check_finite("f(x)", &[s.value])?;
    check_finite("gradient", &s.grad)?;
    for p in &s.prods {
        check_finite("Hessian-vector product", p)?;
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::widths_of;

    #[test]
    fn widths_of_lists_every_chunks_padded_width_once() {
        for (count, widths) in [
            (0, vec![1]),
            (1, vec![1]),
            (5, vec![6]),
            (9, vec![10]),
            (16, vec![16]),
            (17, vec![1, 16]),
            (20, vec![4, 16]),
            (32, vec![16]),
            (45, vec![16]),
        ] {
            assert_eq!(widths_of(count), widths, "{count} seeds");
        }
    }
}
