//! Greedy acyclic colouring of a symmetric pattern: a proper colouring in
//! which every cycle uses at least three colours, i.e. the edges between
//! any two colour classes form a forest. A Hessian is then recoverable by
//! substitution (peel the leaves of each two-coloured tree), usually from
//! fewer products than a star colouring needs (on a band of half-width
//! `k`, natural order gives the `k + 1` of symmetric substitution).
//!
//! Greedy in natural order; for each pair of colours `{c, d}` a union-find
//! tracks the trees of two-coloured edges among the vertices coloured so
//! far. Colouring `v` with `c` closes a two-coloured cycle exactly when two
//! neighbours of `v` of one colour `d` are already in the same `{c, d}`
//! tree, so `c` is refused then (and for the colours of neighbours).
//! Union-find keys are hashed (colour pair, vertex): O(nnz · colours)
//! hash operations.

use super::{Coloring, Pattern};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A multiplicative hash for small integer keys (the default SipHash is
/// several times slower here, and no DoS resistance is needed).
#[derive(Default)]
struct IntHasher(u64);

impl Hasher for IntHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// Union-find over (colour pair, vertex), created on first use.
#[derive(Default)]
struct Forests {
    parent: IntMap<(usize, usize, usize), usize>,
}

impl Forests {
    fn key(c: usize, d: usize, v: usize) -> (usize, usize, usize) {
        (c.min(d), c.max(d), v)
    }

    fn find(&mut self, c: usize, d: usize, v: usize) -> usize {
        let mut r = v;
        while let Some(&p) = self.parent.get(&Self::key(c, d, r)) {
            if p == r {
                break;
            }
            r = p;
        }
        // Path compression.
        let mut u = v;
        while u != r {
            let k = Self::key(c, d, u);
            let p = self.parent.get(&k).copied().unwrap_or(u);
            self.parent.insert(k, r);
            u = p;
        }
        r
    }

    fn union(&mut self, c: usize, d: usize, a: usize, b: usize) {
        let (ra, rb) = (self.find(c, d, a), self.find(c, d, b));
        if ra != rb {
            self.parent.insert(Self::key(c, d, ra), rb);
        }
    }
}

/// Greedy acyclic colouring of a symmetric pattern (diagonal ignored).
/// See the module docs. Panics if the pattern is not square.
///
/// ```
/// use lensdiff::sparsity::{acyclic_coloring, star_coloring, Pattern};
/// // A band of half-width 2: k + 1 = 3 colours (a star colouring needs more).
/// let n = 20;
/// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| (i.saturating_sub(2)..(i + 3).min(n)).map(move |j| (i, j))));
/// assert_eq!(acyclic_coloring(&p).n_colors(), 3);
/// assert!(star_coloring(&p).n_colors() > 3);
/// ```
pub fn acyclic_coloring(p: &Pattern) -> Coloring {
    assert_eq!(
        p.nrows(),
        p.ncols(),
        "acyclic_coloring: the pattern must be square"
    );
    const NONE: usize = usize::MAX;
    let n = p.nrows();
    let mut color = vec![NONE; n];
    let mut forests = Forests::default();
    let mut by_color: IntMap<usize, Vec<usize>> = IntMap::default();
    for v in 0..n {
        by_color.clear();
        for &w in p.row(v) {
            if w != v && color[w] != NONE {
                by_color.entry(color[w]).or_default().push(w);
            }
        }
        let mut c = 0;
        'candidates: loop {
            if by_color.contains_key(&c) {
                c += 1;
                continue;
            }
            for (&d, ws) in &by_color {
                if ws.len() < 2 {
                    continue;
                }
                let mut roots: Vec<usize> = ws.iter().map(|&w| forests.find(c, d, w)).collect();
                roots.sort_unstable();
                if roots.windows(2).any(|r| r[0] == r[1]) {
                    c += 1;
                    continue 'candidates;
                }
            }
            break;
        }
        color[v] = c;
        for (&d, ws) in &by_color {
            for &w in ws {
                forests.union(c, d, v, w);
            }
        }
    }
    Coloring::from_colors(color)
}
