//! The tiled executor: a program run tile by tile, forward and back, on
//! every core, with results that do not depend on the number of threads.
//!
//! Each tile runs the nodes of its [`TileWindows`](super::plan::TileWindows)
//! forward on windows (linearising when a gradient is wanted), hands the
//! partial sums of its roots back, and, given the roots' cotangents, runs
//! the same windows backward into a local gradient of each input window.
//! The input's index range is cut into one *chunk* per tile; a tile adds
//! the part of its local gradient inside its own chunk straight into the
//! gradient (no other tile writes there), and returns the rest (the halo
//! its stencils reached into the neighbours' chunks) as *sides*. After all
//! tiles, partial sums are added in tile order and sides are added in tile
//! order: the same additions in the same order for 1, 2 or 16 threads.

use super::op::Ctx;
use super::plan::{Class, Plan, TileWindows};
use super::program::Program;
use crate::Real;
use crate::kernels::level::SimdLevel;
use rayon::prelude::*;
use std::ops::Range;

/// Buffers of one worker, reused from tile to tile.
pub(crate) struct Scratch<S> {
    vals: Vec<Vec<S>>,
    saved: Vec<Vec<S>>,
    cot: Vec<Vec<S>>,
    grads: Vec<Vec<S>>,
    inputs: Vec<Vec<S>>,
    /// Per slot: has no cotangent reached its window yet in this tile?
    fresh: Vec<bool>,
}

impl<S: Real> Scratch<S> {
    fn new(n_slots: usize, n_nodes: usize, n_inputs: usize) -> Self {
        let empty = |n: usize| (0..n).map(|_| Vec::new()).collect::<Vec<Vec<S>>>();
        Scratch {
            vals: empty(n_slots),
            saved: empty(n_nodes),
            cot: empty(n_slots),
            grads: empty(n_inputs),
            inputs: empty(n_inputs),
            fresh: Vec::new(),
        }
    }
}

/// A buffer of length `n` (contents unspecified unless `zero`).
fn fit<S: Real>(v: &mut Vec<S>, n: usize, zero: bool) {
    if zero {
        v.clear();
    }
    v.resize(n, S::zero());
}

/// What a tile hands back: its roots' partial sums and its sides.
type TileOut<S> = (Vec<Option<S>>, Vec<Side<S>>);

/// What a block of tiles hands back: its tiles' results, in order, and the
/// block's gradient parts.
type Block<S, G> = (Vec<TileOut<S>>, Vec<(usize, G)>);

/// Part of a tile's local gradient outside its own chunk.
struct Side<S> {
    input: usize,
    start: usize,
    values: Vec<S>,
}

/// Where a pass reads its inputs: whole slices, or windows generated on
/// demand (the dual numbers `x + Σ ε_c v_c` of a Hessian sweep, never
/// stored n-long).
pub(crate) trait Source<S>: Sync {
    /// Input `a` as a slice, when it is stored.
    fn direct(&self, a: usize) -> Option<&[S]>;
    /// Writes entries `r` of input `a` into `out` (for inputs not stored).
    fn fill(&self, a: usize, r: Range<usize>, out: &mut [S]);
    /// The length of input `a`.
    fn len(&self, a: usize) -> usize;
}

impl<S: Real> Source<S> for [&[S]] {
    fn direct(&self, a: usize) -> Option<&[S]> {
        Some(self[a])
    }
    fn fill(&self, a: usize, r: Range<usize>, out: &mut [S]) {
        out.copy_from_slice(&self[a][r]);
    }
    fn len(&self, a: usize) -> usize {
        self[a].len()
    }
}

/// Where a pass adds an input's gradient: a slice, or a split form (the
/// value and tangent parts of dual numbers in separate f64 arrays).
pub(crate) trait GradPart<S>: Send + Sized {
    /// Adds `v` at entries `start ..` of this part.
    fn add(&mut self, start: usize, v: &[S]);
    /// Splits at `mid` (entries before, entries from).
    fn split_at(self, mid: usize) -> (Self, Self);
    /// The number of entries.
    fn len(&self) -> usize;
}

impl<S: Real> GradPart<S> for &mut [S] {
    fn add(&mut self, start: usize, v: &[S]) {
        for (g, &v) in self[start..start + v.len()].iter_mut().zip(v) {
            *g += v;
        }
    }
    fn split_at(self, mid: usize) -> (Self, Self) {
        self.split_at_mut(mid)
    }
    fn len(&self) -> usize {
        <[S]>::len(self)
    }
}

/// One pass over every tile: root values, and with root cotangents
/// `gbar`, the gradient of `Σ_r gbar_r · root_r`.
pub(crate) struct Pass<'a, S: Real, I: Source<S> + ?Sized> {
    pub(crate) prog: &'a Program<S>,
    pub(crate) plan: &'a Plan<S>,
    /// The values of the slots computed before the tiles, for this pass.
    pub(crate) pre: &'a [Option<Vec<S>>],
    pub(crate) inputs: &'a I,
    pub(crate) gbar: Option<&'a [S]>,
}

impl<S: Real, I: Source<S> + ?Sized> Pass<'_, S, I> {
    /// The chunk of input `a` that tile `t` owns.
    fn chunk(&self, a: usize, t: usize) -> Range<usize> {
        let (tl, len) = (self.plan.tile_len, self.inputs.len(a));
        let end = if t + 1 == self.plan.n_tiles() {
            len
        } else {
            ((t + 1) * tl).min(len)
        };
        (t * tl).min(len)..end
    }

    /// Runs every tile in `threads` blocks on the crate's worker pool; the
    /// gradient of input `a` is added into `grads[a]` (pass none without
    /// cotangents). Returns the roots' values. A panic in any tile reaches
    /// the caller once every block has stopped.
    pub(crate) fn run<G: GradPart<S>>(&self, threads: usize, grads: Vec<G>) -> Vec<S> {
        let n_tiles = self.plan.n_tiles();
        let workers = threads.clamp(1, n_tiles);
        // Contiguous blocks of tiles, one per worker, and each worker's
        // part of every gradient: the chunks of its tiles.
        let blocks: Vec<Range<usize>> = (0..workers)
            .map(|w| w * n_tiles / workers..(w + 1) * n_tiles / workers)
            .collect();
        let mut parts: Vec<Vec<(usize, G)>> = (0..workers).map(|_| Vec::new()).collect();
        for (a, g) in grads.into_iter().enumerate() {
            let mut rest = g;
            let mut at = 0;
            for (w, b) in blocks.iter().enumerate() {
                let end = self.chunk(a, b.end - 1).end;
                let (mine, tail) = rest.split_at(end - at);
                parts[w].push((at, mine));
                rest = tail;
                at = end;
            }
        }
        // Phase one: every block's tiles, own chunks written in place. No
        // block waits for another (a barrier would hang when a block panics,
        // or when the pool has fewer threads than blocks).
        // The workers run the vector paths at their caller's level.
        let level = SimdLevel::current();
        let work = |(block, mut part): (Range<usize>, Vec<(usize, G)>)| {
            let tiles = level.scope(|| self.run_block(block, &mut part));
            (tiles, part)
        };
        let done: Vec<Block<S, G>> = if workers == 1 {
            blocks.into_iter().zip(parts).map(work).collect()
        } else {
            blocks.into_par_iter().zip(parts).map(work).collect()
        };
        // Phase two: the sides in tile order, then the partial sums in tile
        // order, whatever the workers were.
        let mut partials = Vec::with_capacity(n_tiles);
        let mut sides = Vec::new();
        let mut parts = Vec::with_capacity(workers);
        for (tiles, part) in done {
            for (p, s) in tiles {
                partials.push(p);
                sides.extend(s);
            }
            parts.push(part);
        }
        for part in &mut parts {
            apply_sides(&sides, part);
        }
        let mut roots: Vec<Option<S>> = vec![None; self.plan.roots.len()];
        for p in &partials {
            for (acc, p) in roots.iter_mut().zip(p) {
                if let Some(p) = p {
                    *acc = Some(acc.map_or(*p, |a| a + *p));
                }
            }
        }
        roots
            .into_iter()
            .map(|r| r.unwrap_or_else(S::zero))
            .collect()
    }

    /// Runs tiles `block` in order, adding their own chunks' gradients
    /// into `part`; returns their partials and their sides.
    fn run_block<G: GradPart<S>>(
        &self,
        block: Range<usize>,
        part: &mut [(usize, G)],
    ) -> Vec<TileOut<S>> {
        let p = self.prog;
        // Workers' buffers live on in the program between passes: a pass
        // at large n neither maps nor faults them in again. (After a panic
        // the block's buffers are dropped with it.)
        let mut scratch = p
            .scratch
            .lock()
            .ok()
            .and_then(|mut s| s.pop())
            .unwrap_or_else(|| Scratch::new(self.plan.lens.len(), p.nodes.len(), p.n_inputs));
        let mut out = Vec::with_capacity(block.len());
        for t in block {
            out.push(self.run_tile(t, &mut scratch, part));
        }
        if let Ok(mut s) = p.scratch.lock() {
            s.push(scratch);
        }
        out
    }

    /// The slice of slot `a` over window `w` in a tile.
    fn slice<'b>(
        &'b self,
        a: usize,
        w: &Range<usize>,
        tw: &TileWindows,
        vals: &'b [Vec<S>],
        inputs: &'b [Vec<S>],
    ) -> &'b [S] {
        if w.is_empty() {
            return &[];
        }
        match self.plan.class[a] {
            Class::Input => match self.inputs.direct(a) {
                Some(x) => &x[w.clone()],
                None => {
                    let from = tw.win[a].as_ref().expect("window of an input").start;
                    &inputs[a][w.start - from..w.end - from]
                }
            },
            Class::Pre => &self.pre[a].as_deref().expect("computed before the tiles")[w.clone()],
            _ => {
                let from = tw.win[a].as_ref().expect("window of an argument").start;
                &vals[a][w.start - from..w.end - from]
            }
        }
    }

    fn run_tile<G: GradPart<S>>(
        &self,
        t: usize,
        sc: &mut Scratch<S>,
        part: &mut [(usize, G)],
    ) -> TileOut<S> {
        let p = self.prog;
        let plan = self.plan;
        let ni = p.n_inputs;
        let tw = &plan.tiles[t];
        let grad = self.gbar.is_some();
        let mut partials = vec![None; plan.roots.len()];
        let mut arg_lens = Vec::new();
        // Inputs not stored are generated for this tile's windows.
        for a in 0..ni {
            if let (None, Some(w)) = (self.inputs.direct(a), &tw.win[a]) {
                fit(&mut sc.inputs[a], w.len(), false);
                self.inputs.fill(a, w.clone(), &mut sc.inputs[a]);
            }
        }
        // Forward.
        for (k, node) in p.nodes.iter().enumerate() {
            let Some(rd) = &tw.reads[k] else { continue };
            let s = ni + k;
            let (before, rest) = sc.vals.split_at_mut(s);
            let y = &mut rest[0];
            fit(y, rd.out.len(), false);
            let args: Vec<&[S]> = node
                .args
                .iter()
                .zip(&rd.args)
                .map(|(&a, w)| self.slice(a, w, tw, before, &sc.inputs))
                .collect();
            if rd.copy {
                y.copy_from_slice(args[0]);
            } else if grad {
                arg_lens.clear();
                arg_lens.extend(args.iter().map(|x| x.len()));
                let saved = &mut sc.saved[k];
                fit(saved, node.op.saved_len(&arg_lens, y.len()), false);
                node.op.linearize(&args, y, saved);
            } else {
                node.op.eval(&args, y);
            }
            if let Some(r) = plan.root_of[s] {
                let root = &plan.roots[r];
                if root.bounds[t] < root.bounds[t + 1] {
                    // A reduction's output is its partial sum; an exported
                    // slot's owned entry sits inside its window.
                    partials[r] = Some(match plan.class[s] {
                        Class::Reduction => y[0],
                        _ => y[root.bounds[t] - rd.out.start],
                    });
                }
            }
        }
        let Some(gbar) = self.gbar else {
            return (partials, Vec::new());
        };
        // Backward: cotangent windows, seeded at the roots this tile owns.
        // A window is not cleared up front: its first contribution writes
        // it (`vjp_set`) and clears only what that one leaves out (clearing
        // every window of every tile was 9 % of accel2's gradient).
        for (s, w) in tw.win.iter().enumerate() {
            if let Some(w) = w {
                match plan.class[s] {
                    Class::Input => fit(&mut sc.grads[s], w.len(), false),
                    Class::Tiled => fit(&mut sc.cot[s], w.len(), false),
                    _ => {}
                }
            }
        }
        let fresh = &mut sc.fresh;
        fresh.clear();
        fresh.resize(tw.win.len(), true);
        for (r, root) in plan.roots.iter().enumerate() {
            let own = root.bounds[t]..root.bounds[t + 1];
            if plan.class[root.slot] == Class::Tiled && !own.is_empty() {
                let from = tw.win[root.slot].as_ref().expect("root window").start;
                let cot = &mut sc.cot[root.slot];
                if std::mem::replace(&mut fresh[root.slot], false) {
                    cot.fill(S::zero());
                }
                cot[own.start - from] += gbar[r];
            }
        }
        for k in (0..p.nodes.len()).rev() {
            let Some(rd) = &tw.reads[k] else { continue };
            let node = &p.nodes[k];
            let s = ni + k;
            let (cot_before, cot_rest) = sc.cot.split_at_mut(s);
            if plan.class[s] != Class::Reduction && std::mem::replace(&mut fresh[s], false) {
                cot_rest[0].fill(S::zero()); // no reader in this tile
            }
            let seed;
            let dy: &[S] = match plan.class[s] {
                Class::Reduction => {
                    seed = [gbar[plan.root_of[s].expect("a reduction is a root")]];
                    &seed
                }
                _ => &cot_rest[0],
            };
            let args: Vec<&[S]> = node
                .args
                .iter()
                .zip(&rd.args)
                .map(|(&a, w)| self.slice(a, w, tw, &sc.vals, &sc.inputs))
                .collect();
            let ctx = Ctx {
                inputs: &args,
                output: &sc.vals[s],
                saved: &sc.saved[k],
            };
            for (i, (&a, w)) in node.args.iter().zip(&rd.args).enumerate() {
                if w.is_empty() {
                    continue;
                }
                let from = match &tw.win[a] {
                    Some(win) => win.start,
                    None => continue,
                };
                let buf = match plan.class[a] {
                    Class::Input => &mut sc.grads[a],
                    Class::Tiled => &mut cot_before[a],
                    _ => continue,
                };
                let first = std::mem::replace(&mut fresh[a], false);
                if first {
                    buf[..w.start - from].fill(S::zero());
                    buf[w.end - from..].fill(S::zero());
                }
                let dx = &mut buf[w.start - from..w.end - from];
                if rd.copy {
                    if first {
                        dx.fill(S::zero());
                    }
                    for (d, &g) in dx.iter_mut().zip(dy) {
                        *d += g;
                    }
                } else if first {
                    node.op.vjp_set(i, &ctx, dy, dx);
                } else {
                    node.op.vjp_add(i, &ctx, dy, dx);
                }
            }
        }
        for (a, g) in sc.grads.iter_mut().enumerate() {
            if tw.win[a].is_some() && fresh[a] {
                g.fill(S::zero()); // an input no primitive of this tile reads
            }
        }
        // The local gradients: own chunk in place, the rest as sides.
        let mut sides = Vec::new();
        for (a, (base, g)) in part.iter_mut().enumerate() {
            let Some(w) = &tw.win[a] else { continue };
            let own = self.chunk(a, t);
            let local = &sc.grads[a];
            let lo = w.start.max(own.start);
            let hi = w.end.min(own.end);
            if lo < hi {
                g.add(lo - *base, &local[lo - w.start..hi - w.start]);
            }
            if w.start < own.start {
                let end = w.end.min(own.start);
                sides.push(Side {
                    input: a,
                    start: w.start,
                    values: local[..end - w.start].to_vec(),
                });
            }
            if w.end > own.end {
                let start = w.start.max(own.end);
                sides.push(Side {
                    input: a,
                    start,
                    values: local[start - w.start..].to_vec(),
                });
            }
        }
        (partials, sides)
    }
}

/// Adds, in tile order, the parts of every tile's sides that fall in this
/// worker's gradient parts.
fn apply_sides<S: Real, G: GradPart<S>>(sides: &[Side<S>], part: &mut [(usize, G)]) {
    for side in sides {
        let (base, g) = &mut part[side.input];
        let lo = side.start.max(*base);
        let hi = (side.start + side.values.len()).min(*base + g.len());
        if lo < hi {
            g.add(lo - *base, &side.values[lo - side.start..hi - side.start]);
        }
    }
}
