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
//! A vertex joins at most one tree per colour of its neighbours, so its
//! union-find entries (colour pair → parent) live in a slot range the size
//! of its pattern row: flat arrays, no hashing, a short linear scan per
//! lookup. O(Σ_v deg v · (colours + deg v)) in all.

use super::{Coloring, Pattern};

const NONE: u32 = u32::MAX;

/// Union-find over (colour pair, vertex): vertex `v`'s entries are in
/// `slots[start[v] .. start[v + 1]]`, each `(pair, parent)`; a vertex with
/// no entry for a pair is its own root there.
struct Forests {
    start: Vec<usize>,
    pair: Vec<u64>,
    parent: Vec<u32>,
}

impl Forests {
    fn new(p: &Pattern) -> Self {
        let start = p.row_ptr().to_vec();
        let nnz = p.nnz();
        Forests {
            start,
            pair: vec![u64::MAX; nnz],
            parent: vec![NONE; nnz],
        }
    }

    fn key(c: usize, d: usize) -> u64 {
        ((c.min(d) as u64) << 32) | c.max(d) as u64
    }

    /// The slot of `v` for `key`, if any.
    fn slot(&self, key: u64, v: usize) -> Option<usize> {
        (self.start[v]..self.start[v + 1])
            .take_while(|&s| self.pair[s] != u64::MAX)
            .find(|&s| self.pair[s] == key)
    }

    fn parent_of(&self, key: u64, v: usize) -> usize {
        self.slot(key, v).map_or(v, |s| self.parent[s] as usize)
    }

    fn set_parent(&mut self, key: u64, v: usize, p: usize) {
        let s = match self.slot(key, v) {
            Some(s) => s,
            None => {
                // The first free slot: a vertex has at most one entry per
                // neighbour colour, and at most deg(v) + 1 slots are needed.
                let s = (self.start[v]..self.start[v + 1])
                    .find(|&s| self.pair[s] == u64::MAX)
                    .expect("one union-find slot per neighbour");
                self.pair[s] = key;
                s
            }
        };
        self.parent[s] = p as u32;
    }

    fn find(&mut self, key: u64, v: usize) -> usize {
        let mut r = v;
        loop {
            let p = self.parent_of(key, r);
            if p == r {
                break;
            }
            r = p;
        }
        // Path compression (only vertices that have an entry).
        let mut u = v;
        while u != r {
            let p = self.parent_of(key, u);
            self.set_parent(key, u, r);
            u = p;
        }
        r
    }

    fn union(&mut self, key: u64, a: usize, b: usize) {
        let (ra, rb) = (self.find(key, a), self.find(key, b));
        if ra != rb {
            self.set_parent(key, ra, rb);
        }
    }
}

/// Greedy acyclic colouring of a symmetric pattern (diagonal ignored).
/// See the module docs. Panics if the pattern is not square or has 2³² or
/// more rows.
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
    let n = p.nrows();
    assert!(
        n < u32::MAX as usize,
        "acyclic_coloring: at most 2³² − 1 vertices"
    );
    let mut color = vec![usize::MAX; n];
    let mut forests = Forests::new(p);
    // The coloured neighbours of v as (colour, vertex), sorted: one group
    // per colour.
    let mut nb: Vec<(usize, usize)> = Vec::new();
    let mut groups: Vec<(usize, usize, usize)> = Vec::new(); // (colour, from, to)
    for v in 0..n {
        nb.clear();
        nb.extend(
            p.row(v)
                .iter()
                .filter(|&&w| w != v && color[w] != usize::MAX)
                .map(|&w| (color[w], w)),
        );
        nb.sort_unstable();
        groups.clear();
        let mut i = 0;
        while i < nb.len() {
            let j = i + nb[i..].iter().take_while(|e| e.0 == nb[i].0).count();
            groups.push((nb[i].0, i, j));
            i = j;
        }
        let mut c = 0;
        let mut roots: Vec<usize> = Vec::new();
        'candidates: loop {
            if groups.iter().any(|g| g.0 == c) {
                c += 1;
                continue;
            }
            for &(d, from, to) in &groups {
                if to - from < 2 {
                    continue;
                }
                let key = Forests::key(c, d);
                roots.clear();
                roots.extend(nb[from..to].iter().map(|&(_, w)| forests.find(key, w)));
                roots.sort_unstable();
                if roots.windows(2).any(|r| r[0] == r[1]) {
                    c += 1;
                    continue 'candidates;
                }
            }
            break;
        }
        color[v] = c;
        for &(d, w) in &nb {
            forests.union(Forests::key(c, d), v, w);
        }
    }
    Coloring::from_colors(color)
}
