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
use std::ops::Range;

/// Buffers of one worker, reused from tile to tile.
struct Scratch<S> {
    vals: Vec<Vec<S>>,
    saved: Vec<Vec<S>>,
    cot: Vec<Vec<S>>,
    grads: Vec<Vec<S>>,
}

impl<S: Real> Scratch<S> {
    fn new(n_slots: usize, n_nodes: usize, n_inputs: usize) -> Self {
        let empty = |n: usize| (0..n).map(|_| Vec::new()).collect::<Vec<Vec<S>>>();
        Scratch {
            vals: empty(n_slots),
            saved: empty(n_nodes),
            cot: empty(n_slots),
            grads: empty(n_inputs),
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

/// Part of a tile's local gradient outside its own chunk.
struct Side<S> {
    input: usize,
    start: usize,
    values: Vec<S>,
}

/// What one tile hands back.
struct TileResult<S> {
    partials: Vec<Option<S>>,
    sides: Vec<Side<S>>,
}

/// The result of a tiled pass.
pub(crate) struct PassResult<S> {
    /// Per root: the sum of its partials.
    pub(crate) roots: Vec<S>,
    /// Per input: `Jᵀ ḡ` (empty without cotangents).
    pub(crate) grads: Vec<Vec<S>>,
}

/// One pass over every tile: values, and with root cotangents `gbar`, the
/// gradient of `Σ_r gbar_r · root_r`.
pub(crate) struct Pass<'a, S: Real> {
    pub(crate) prog: &'a Program<S>,
    pub(crate) plan: &'a Plan<S>,
    pub(crate) inputs: &'a [&'a [S]],
    pub(crate) gbar: Option<&'a [S]>,
}

impl<S: Real> Pass<'_, S> {
    /// The chunk of input `a` that tile `t` owns.
    fn chunk(&self, a: usize, t: usize) -> Range<usize> {
        let (tl, len) = (self.plan.tile_len, self.inputs[a].len());
        let end = if t + 1 == self.plan.n_tiles() {
            len
        } else {
            ((t + 1) * tl).min(len)
        };
        (t * tl).min(len)..end
    }

    /// Runs every tile on `threads` workers.
    pub(crate) fn run(&self, threads: usize) -> PassResult<S> {
        let n_tiles = self.plan.n_tiles();
        let ni = self.prog.n_inputs;
        let workers = threads.clamp(1, n_tiles);
        // Contiguous blocks of tiles, one per worker.
        let blocks: Vec<Range<usize>> = (0..workers)
            .map(|w| w * n_tiles / workers..(w + 1) * n_tiles / workers)
            .collect();
        let mut grads: Vec<Vec<S>> = if self.gbar.is_some() {
            self.inputs
                .iter()
                .map(|x| vec![S::zero(); x.len()])
                .collect()
        } else {
            vec![Vec::new(); ni]
        };
        // Each worker's share of every gradient: the chunks of its tiles.
        let mut shares: Vec<Vec<&mut [S]>> = (0..workers).map(|_| Vec::new()).collect();
        for (a, g) in grads.iter_mut().enumerate() {
            let mut rest: &mut [S] = g.as_mut_slice();
            let mut at = 0;
            for (w, b) in blocks.iter().enumerate() {
                let end = if self.gbar.is_some() {
                    self.chunk(a, b.end - 1).end
                } else {
                    0
                };
                let (mine, tail) = std::mem::take(&mut rest).split_at_mut(end - at);
                shares[w].push(mine);
                rest = tail;
                at = end;
            }
        }
        let results: Vec<Vec<TileResult<S>>> = if workers == 1 {
            let share = shares.pop().expect("one worker");
            vec![self.run_block(blocks[0].clone(), share)]
        } else {
            std::thread::scope(|scope| {
                let handles: Vec<_> = blocks
                    .iter()
                    .cloned()
                    .zip(shares)
                    .map(|(b, share)| scope.spawn(move || self.run_block(b, share)))
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                    .collect()
            })
        };
        // Fixed order: tile 0, 1, 2, … whatever the workers were.
        let mut roots: Vec<Option<S>> = vec![None; self.plan.roots.len()];
        for r in results.iter().flatten() {
            for (acc, p) in roots.iter_mut().zip(&r.partials) {
                if let Some(p) = p {
                    *acc = Some(acc.map_or(*p, |a| a + *p));
                }
            }
            for side in &r.sides {
                let g = &mut grads[side.input][side.start..side.start + side.values.len()];
                for (g, &v) in g.iter_mut().zip(&side.values) {
                    *g += v;
                }
            }
        }
        PassResult {
            roots: roots
                .into_iter()
                .map(|r| r.unwrap_or_else(S::zero))
                .collect(),
            grads,
        }
    }

    /// Runs tiles `block` in order; `share[a]` is the part of input `a`'s
    /// gradient made of these tiles' chunks.
    fn run_block(&self, block: Range<usize>, mut share: Vec<&mut [S]>) -> Vec<TileResult<S>> {
        let p = self.prog;
        let mut scratch = Scratch::new(self.plan.lens.len(), p.nodes.len(), p.n_inputs);
        let base: Vec<usize> = (0..p.n_inputs)
            .map(|a| self.chunk(a, block.start).start)
            .collect();
        block
            .map(|t| self.run_tile(t, &mut scratch, &mut share, &base))
            .collect()
    }

    /// The slice of slot `a` over window `w` in a tile.
    fn slice<'b>(
        &'b self,
        a: usize,
        w: &Range<usize>,
        tw: &TileWindows,
        vals: &'b [Vec<S>],
    ) -> &'b [S] {
        if w.is_empty() {
            return &[];
        }
        match self.plan.class[a] {
            Class::Input => &self.inputs[a][w.clone()],
            Class::Pre => &self.plan.pre[a]
                .as_deref()
                .expect("computed before the tiles")[w.clone()],
            _ => {
                let from = tw.win[a].as_ref().expect("window of an argument").start;
                &vals[a][w.start - from..w.end - from]
            }
        }
    }

    fn run_tile(
        &self,
        t: usize,
        sc: &mut Scratch<S>,
        share: &mut [&mut [S]],
        base: &[usize],
    ) -> TileResult<S> {
        let p = self.prog;
        let plan = self.plan;
        let ni = p.n_inputs;
        let tw = &plan.tiles[t];
        let grad = self.gbar.is_some();
        let mut partials = vec![None; plan.roots.len()];
        let mut arg_lens = Vec::new();
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
                .map(|(&a, w)| self.slice(a, w, tw, before))
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
            return TileResult {
                partials,
                sides: Vec::new(),
            };
        };
        // Backward: cotangent windows, seeded at the roots this tile owns.
        for (s, w) in tw.win.iter().enumerate() {
            if let Some(w) = w {
                match plan.class[s] {
                    Class::Input => fit(&mut sc.grads[s], w.len(), true),
                    Class::Tiled => fit(&mut sc.cot[s], w.len(), true),
                    _ => {}
                }
            }
        }
        for (r, root) in plan.roots.iter().enumerate() {
            let own = root.bounds[t]..root.bounds[t + 1];
            if plan.class[root.slot] == Class::Tiled && !own.is_empty() {
                let from = tw.win[root.slot].as_ref().expect("root window").start;
                sc.cot[root.slot][own.start - from] += gbar[r];
            }
        }
        for k in (0..p.nodes.len()).rev() {
            let Some(rd) = &tw.reads[k] else { continue };
            let node = &p.nodes[k];
            let s = ni + k;
            let (cot_before, cot_rest) = sc.cot.split_at_mut(s);
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
                .map(|(&a, w)| self.slice(a, w, tw, &sc.vals))
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
                let dx = match plan.class[a] {
                    Class::Input => &mut sc.grads[a][w.start - from..w.end - from],
                    Class::Tiled => &mut cot_before[a][w.start - from..w.end - from],
                    _ => continue,
                };
                if rd.copy {
                    for (d, &g) in dx.iter_mut().zip(dy) {
                        *d += g;
                    }
                } else {
                    node.op.vjp_add(i, &ctx, dy, dx);
                }
            }
        }
        // The local gradients: own chunk in place, the rest as sides.
        let mut sides = Vec::new();
        for (a, g) in share.iter_mut().enumerate() {
            let Some(w) = &tw.win[a] else { continue };
            let own = self.chunk(a, t);
            let local = &sc.grads[a];
            let lo = w.start.max(own.start);
            let hi = w.end.min(own.end);
            if lo < hi {
                let dst = &mut g[lo - base[a]..hi - base[a]];
                for (d, &v) in dst.iter_mut().zip(&local[lo - w.start..hi - w.start]) {
                    *d += v;
                }
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
        TileResult { partials, sides }
    }
}
