//! The tile plan of a program: which slots run in tiles, which tile owns
//! which reduced terms, and the windows every tile computes.
//!
//! * **Classes.** Input slots and the slots computed from them by
//!   primitives with an index map run in tiles. A reduction is a *root*:
//!   each tile computes the partial sum of the terms it owns. Slots no input
//!   reaches (constants) are computed once, whole, before the tiles. The
//!   scalar *tail* after the roots (`a·r₁ + r₂`, `tanh(r)`) runs once, after
//!   the tiles. A length-one slot of the tiles that the tail reads (`x.at(3)`)
//!   is a root too, owned by one tile.
//! * **Ownership.** Every slot gets an approximate affine position in the
//!   input's index space (`pos(i) ≈ α·i + β`, from its index map), and tile
//!   `t` owns the terms of a root whose position falls in
//!   `[t·T, (t + 1)·T)`. So the terms a tile owns read entries near each
//!   other, whatever strides, slices and stencils lie between.
//! * **Windows.** From the owned terms back to the inputs, each slot's
//!   window is the hull of what its readers need (stencils widen it by their
//!   halo: overlapped tiling, the halo recomputed by both neighbours).
//!   Every term is owned once, so gradients summed over tiles count each
//!   term once.
//!
//! A program the plan cannot cover (a primitive without an index map, a
//! vector computed from a reduction, a scalar input) runs whole-vector.

use super::index_map::{IndexMap, Reads};
use super::program::Program;
use crate::Real;
use std::ops::Range;

/// What a slot is to the engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// An input vector (read in windows).
    Input,
    /// Computed once before the tiles (no input reaches it).
    Pre,
    /// Computed in windows, in every tile that needs it.
    Tiled,
    /// A reduction: a partial sum per tile.
    Reduction,
    /// A scalar computed once after the tiles.
    Tail,
}

/// A value that leaves the tiles: a reduction, or a length-one slot that
/// the tail reads.
#[derive(Clone, Debug)]
pub(crate) struct Root {
    pub(crate) slot: usize,
    /// `bounds[t] .. bounds[t + 1]` are the terms tile `t` owns.
    pub(crate) bounds: Vec<usize>,
}

/// What one tile computes.
#[derive(Clone, Debug, Default)]
pub(crate) struct TileWindows {
    /// Per slot: the window computed (tiled slots) or read (inputs).
    pub(crate) win: Vec<Option<Range<usize>>>,
    /// Per node: the argument windows, when the node runs in this tile.
    pub(crate) reads: Vec<Option<Reads>>,
}

/// The plan of a program for given input lengths and tile length.
pub(crate) struct Plan<S: Real> {
    pub(crate) class: Vec<Class>,
    /// Per node: does argument `i` broadcast (a scalar read whole)?
    pub(crate) broadcast: Vec<Vec<bool>>,
    pub(crate) roots: Vec<Root>,
    /// Per slot: its root, if it is one.
    pub(crate) root_of: Vec<Option<usize>>,
    /// Values of the slots computed before the tiles (see
    /// `Program::pre_values` when `varying`).
    pub(crate) pre: Vec<Option<Vec<S>>>,
    /// Does a primitive of the program vary between passes (`Op::varies`)?
    /// Then `pre` is recomputed before every pass.
    pub(crate) varying: bool,
    pub(crate) tiles: Vec<TileWindows>,
    /// Entries per tile (in the input's index space).
    pub(crate) tile_len: usize,
    /// Slot lengths.
    pub(crate) lens: Vec<usize>,
    /// Is the tail affine in the roots (its cotangents known before the
    /// tiles run)?
    pub(crate) tail_affine: bool,
}

/// An affine position `α·i + β` in the input's index space.
#[derive(Clone, Copy, Debug)]
struct Pos {
    alpha: f64,
    beta: f64,
}

impl Pos {
    fn at(self, i: usize) -> f64 {
        self.alpha * i as f64 + self.beta
    }
}

impl<S: Real> Plan<S> {
    /// The plan of `prog` for slot lengths `lens`, or `None` when the
    /// program must run whole-vector (or has too few entries to tile).
    pub(crate) fn new(prog: &Program<S>, lens: &[usize], tile_len: usize) -> Option<Plan<S>> {
        let ni = prog.n_inputs;
        let n_slots = lens.len();
        let n_pos = lens[..ni].iter().copied().max()?;
        let n_tiles = n_pos.div_ceil(tile_len.max(1));
        if n_tiles < 2 || prog.output < ni {
            return None;
        }
        let mut class = Vec::with_capacity(n_slots);
        for s in 0..ni {
            if prog.is_scalar(s) {
                return None;
            }
            class.push(Class::Input);
        }
        let mut broadcast = Vec::with_capacity(prog.nodes.len());
        let mut maps = Vec::with_capacity(prog.nodes.len());
        for (k, node) in prog.nodes.iter().enumerate() {
            let s = ni + k;
            let arg_lens: Vec<usize> = node.args.iter().map(|&a| lens[a]).collect();
            let bc: Vec<bool> = node
                .args
                .iter()
                .map(|&a| {
                    node.op.broadcasts_scalars()
                        && prog.is_scalar(a)
                        && lens[a] == 1
                        && lens[s] != 1
                })
                .collect();
            let map = node.op.index_map(&arg_lens);
            let c = if !prog.is_active(s) {
                Class::Pre
            } else if node
                .args
                .iter()
                .any(|&a| matches!(class[a], Class::Reduction | Class::Tail))
            {
                // After a reduction: a scalar of the tail, or a vector that
                // needs the finished reduction (a stage the plan lacks).
                if lens[s] != 1 || node.args.iter().any(|&a| class[a] == Class::Input) {
                    return None;
                }
                Class::Tail
            } else {
                match map {
                    IndexMap::Opaque => return None,
                    IndexMap::Reduce { .. } => Class::Reduction,
                    _ => Class::Tiled,
                }
            };
            // A tiled argument read by the tail is a root; it must be one entry.
            if c == Class::Tail {
                for &a in &node.args {
                    if class[a] == Class::Tiled && lens[a] != 1 {
                        return None;
                    }
                }
            }
            class.push(c);
            broadcast.push(bc);
            maps.push(map);
        }
        match class[prog.output] {
            Class::Reduction | Class::Tail => {}
            Class::Tiled if lens[prog.output] == 1 => {}
            _ => return None,
        }
        let tail_affine = tail_is_affine(prog, &class);
        let pos = positions(prog, lens, &class, &maps, &broadcast);

        // Roots: reductions, and tiled slots the tail (or the output) reads.
        let mut is_root = vec![false; n_slots];
        for (k, node) in prog.nodes.iter().enumerate() {
            if class[ni + k] == Class::Reduction {
                is_root[ni + k] = true;
            }
            if class[ni + k] == Class::Tail {
                for &a in &node.args {
                    if class[a] == Class::Tiled {
                        is_root[a] = true;
                    }
                }
            }
        }
        if class[prog.output] == Class::Tiled {
            is_root[prog.output] = true;
        }
        let mut roots = Vec::new();
        let mut root_of = vec![None; n_slots];
        for s in (0..n_slots).filter(|&s| is_root[s]) {
            let k = s - ni;
            let node = &prog.nodes[k];
            let arg_lens: Vec<usize> = node.args.iter().map(|&a| lens[a]).collect();
            let terms = match class[s] {
                Class::Reduction => maps[k].domain(1, &arg_lens, &broadcast[k]),
                _ => lens[s],
            };
            root_of[s] = Some(roots.len());
            roots.push(Root {
                slot: s,
                bounds: ownership(pos[s], terms, tile_len, n_tiles),
            });
        }

        let mut plan = Plan {
            class,
            broadcast,
            roots,
            root_of,
            pre: Vec::new(),
            tiles: Vec::with_capacity(n_tiles),
            tile_len,
            lens: lens.to_vec(),
            tail_affine,
            varying: prog.nodes.iter().any(|node| node.op.varies()),
        };
        let cap = (8 * tile_len).max(4096);
        for t in 0..n_tiles {
            let w = plan.windows(prog, &maps, t)?;
            if w.win.iter().flatten().any(|r| r.len() > cap) {
                return None;
            }
            plan.tiles.push(w);
        }
        plan.pre = prog.eval_inactive(lens);
        Some(plan)
    }

    /// The windows of tile `t`, from its owned terms back to the inputs.
    fn windows(&self, prog: &Program<S>, maps: &[IndexMap], t: usize) -> Option<TileWindows> {
        let ni = prog.n_inputs;
        let n_slots = self.lens.len();
        let mut need: Vec<Option<Range<usize>>> = vec![None; n_slots];
        let mut reads: Vec<Option<Reads>> = vec![None; prog.nodes.len()];
        for r in &self.roots {
            let own = r.bounds[t]..r.bounds[t + 1];
            if self.class[r.slot] == Class::Tiled && !own.is_empty() {
                hull(&mut need[r.slot], own);
            }
        }
        for k in (0..prog.nodes.len()).rev() {
            let s = ni + k;
            let out = match self.class[s] {
                Class::Tiled => match need[s].clone() {
                    Some(w) => w,
                    None => continue,
                },
                Class::Reduction => {
                    let r = &self.roots[self.root_of[s]?];
                    let own = r.bounds[t]..r.bounds[t + 1];
                    if own.is_empty() {
                        continue;
                    }
                    own
                }
                _ => continue,
            };
            let node = &prog.nodes[k];
            let arg_lens: Vec<usize> = node.args.iter().map(|&a| self.lens[a]).collect();
            let rd = maps[k].reads(out.clone(), &arg_lens, &self.broadcast[k])?;
            if self.class[s] == Class::Tiled {
                if rd.out.start > out.start || rd.out.end < out.end || rd.out.end > self.lens[s] {
                    return None;
                }
                need[s] = Some(rd.out.clone());
            }
            for (i, (&a, w)) in node.args.iter().zip(&rd.args).enumerate() {
                if w.end > self.lens[a] || (w.is_empty() && !rd.copy && self.broadcast[k][i]) {
                    return None;
                }
                if !w.is_empty() && self.class[a] != Class::Pre {
                    hull(&mut need[a], w.clone());
                }
            }
            if !rd.copy && !self.window_lengths_agree(node.op.as_ref(), &rd, &self.broadcast[k]) {
                return None;
            }
            reads[k] = Some(rd);
        }
        Some(TileWindows { win: need, reads })
    }

    /// Does the primitive, given these argument windows, produce an output
    /// of the window's length? (The promise an index map makes, checked.)
    fn window_lengths_agree(&self, op: &dyn super::Op<S>, rd: &Reads, broadcast: &[bool]) -> bool {
        let vector_len = rd
            .args
            .iter()
            .zip(broadcast)
            .find(|(_, b)| !**b)
            .map(|(w, _)| w.len());
        let lens: Vec<usize> = rd
            .args
            .iter()
            .zip(broadcast)
            .map(|(w, &b)| if b { vector_len.unwrap_or(1) } else { w.len() })
            .collect();
        op.output_len(&lens).ok() == Some(rd.out.len())
    }

    /// The number of tiles.
    pub(crate) fn n_tiles(&self) -> usize {
        self.tiles.len()
    }
}

/// Widens `h` to cover `r`.
fn hull(h: &mut Option<Range<usize>>, r: Range<usize>) {
    *h = Some(match h.take() {
        None => r,
        Some(o) => o.start.min(r.start)..o.end.max(r.end),
    });
}

/// Is every tail node affine in the arguments that depend on the roots?
fn tail_is_affine<S: Real>(prog: &Program<S>, class: &[Class]) -> bool {
    let ni = prog.n_inputs;
    prog.nodes.iter().enumerate().all(|(k, node)| {
        if class[ni + k] != Class::Tail {
            return true;
        }
        let dependent: Vec<bool> = node.args.iter().map(|&a| class[a] != Class::Pre).collect();
        node.op.affine_in(&dependent)
    })
}

/// The position of every slot, from the index maps (inputs are the
/// identity; other slots follow the first vector argument they read).
fn positions<S: Real>(
    prog: &Program<S>,
    lens: &[usize],
    class: &[Class],
    maps: &[IndexMap],
    broadcast: &[Vec<bool>],
) -> Vec<Pos> {
    let ni = prog.n_inputs;
    let mut pos = vec![
        Pos {
            alpha: 1.0,
            beta: 0.0
        };
        ni
    ];
    for (k, node) in prog.nodes.iter().enumerate() {
        let s = ni + k;
        let arg_lens: Vec<usize> = node.args.iter().map(|&a| lens[a]).collect();
        let domain = maps[k].domain(lens[s], &arg_lens, &broadcast[k]);
        let mut p = Pos {
            alpha: 0.0,
            beta: 0.0,
        };
        if matches!(class[s], Class::Tiled | Class::Reduction) && domain > 0 {
            let at = |i: usize| -> Option<f64> {
                let rd = maps[k].reads(i..i + 1, &arg_lens, &broadcast[k])?;
                node.args
                    .iter()
                    .zip(&rd.args)
                    .zip(&broadcast[k])
                    .find(|((a, w), b)| {
                        !**b && !w.is_empty() && matches!(class[**a], Class::Input | Class::Tiled)
                    })
                    .map(|((a, w), _)| pos[*a].at(w.start))
            };
            if let Some(p0) = at(0) {
                let p1 = if domain > 1 { at(domain - 1) } else { None };
                p = Pos {
                    alpha: p1.map_or(0.0, |p1| ((p1 - p0) / (domain - 1) as f64).max(0.0)),
                    beta: p0,
                };
            }
        }
        pos.push(p);
    }
    pos
}

/// Which tile owns which terms: `bounds[t] .. bounds[t + 1]` for tile `t`,
/// the terms whose position falls in tile `t`'s stretch of the input.
fn ownership(p: Pos, terms: usize, tile_len: usize, n_tiles: usize) -> Vec<usize> {
    let mut b = Vec::with_capacity(n_tiles + 1);
    b.push(0);
    let owner = |x: f64| ((x / tile_len as f64).floor().max(0.0) as usize).min(n_tiles - 1);
    for t in 1..n_tiles {
        let prev = *b.last().expect("non-empty");
        let first = if p.alpha > 0.0 {
            let j = ((t * tile_len) as f64 - p.beta) / p.alpha;
            if j <= 0.0 {
                0
            } else {
                (j.ceil() as usize).min(terms)
            }
        } else if t <= owner(p.beta) {
            0
        } else {
            terms
        };
        b.push(first.clamp(prev, terms));
    }
    b.push(terms);
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ownership_partitions_the_terms() {
        let b = ownership(
            Pos {
                alpha: 2.0,
                beta: 1.0,
            },
            50,
            16,
            7,
        );
        assert_eq!(b.len(), 8);
        assert_eq!((b[0], b[7]), (0, 50));
        assert!(b.windows(2).all(|w| w[0] <= w[1]));
        // Term j sits at 2j + 1: tile 1 (16 ≤ pos < 32) owns j = 8 ..= 15.
        assert_eq!((b[1], b[2]), (8, 16));
    }

    #[test]
    fn a_point_belongs_to_the_tile_it_sits_in() {
        let b = ownership(
            Pos {
                alpha: 0.0,
                beta: 40.0,
            },
            1,
            16,
            4,
        );
        assert_eq!(b, vec![0, 0, 0, 1, 1]);
    }
}
