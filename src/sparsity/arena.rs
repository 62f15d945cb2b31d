//! The thread-local store behind [`super::Tracer`]: first-order index sets
//! shared by id, and the global set of second-order (Hessian) pairs.
//!
//! A set is either *materialised* (a sorted run of input indices in one
//! pool) or a *lazy union* of two other sets. Small unions are merged
//! eagerly; large ones (the running sum of a reduction) are one node of
//! O(1) size, expanded — and memoised — only when a nonlinear operation
//! needs the members. Memory is therefore O(traced values + members of the
//! sets a nonlinear operation actually touches), and the pairs recorded by
//! such an operation already cost `|deps|²`, so the expansion never
//! dominates. No set is ever an `n`-bit vector.
//!
//! Pairs `(i, j)`, `i ≤ j`, are packed into one `u64`, filtered by small
//! direct-mapped caches of recent products and pairs, and deduplicated by a
//! counting sort whenever the buffer has grown by `8 max(n, 65 536)` past
//! twice its last deduplicated size, so it stays O(nnz + n).

use std::cell::RefCell;

/// Sets up to this many members are merged eagerly.
const EAGER: usize = 32;

/// Slots of each direct-mapped cache (a power of two).
const CACHE: usize = 1 << 12;

/// The cache slot of a key (Fibonacci hashing).
#[inline(always)]
fn slot(key: u64) -> usize {
    (key.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - 12)) as usize
}

/// The empty set (constants).
pub(crate) const EMPTY: u32 = 0;

#[derive(Clone, Copy, Debug)]
enum Node {
    /// `pool[start .. start + len]`, sorted and without duplicates.
    Set { start: usize, len: usize },
    /// The union of two earlier sets, not yet expanded.
    Union(u32, u32),
}

#[derive(Debug)]
pub(crate) struct Arena {
    /// Inside a trace (nested traces on one thread are refused).
    pub(crate) active: bool,
    n_inputs: usize,
    nodes: Vec<Node>,
    pool: Vec<u32>,
    pairs: Vec<u64>,
    deduped: usize,
    /// DFS marks for expanding lazy unions (`stamp[node] == epoch`: seen).
    stamp: Vec<u32>,
    epoch: u32,
    scratch: Vec<u32>,
    /// Direct-mapped caches of recently recorded set-id products and
    /// pairs: most repeats are close together, and skipping them keeps the
    /// pair buffer (and the sorting that deduplicates it) small.
    seen_sets: Vec<u64>,
    seen_pairs: Vec<u64>,
}

thread_local! {
    pub(crate) static ARENA: RefCell<Arena> = const { RefCell::new(Arena::new()) };
}

impl Arena {
    /// The idle arena (no trace, no memory); node 0, the empty set, is
    /// created by [`Arena::start`].
    const fn new() -> Self {
        Arena {
            active: false,
            n_inputs: 0,
            nodes: Vec::new(),
            pool: Vec::new(),
            pairs: Vec::new(),
            deduped: 0,
            stamp: Vec::new(),
            epoch: 0,
            scratch: Vec::new(),
            seen_sets: Vec::new(),
            seen_pairs: Vec::new(),
        }
    }

    /// Starts a trace with `n` inputs: input `i` gets the set `{i}`, id `i + 1`.
    pub(crate) fn start(&mut self, n: usize) {
        *self = Arena::new();
        self.active = true;
        self.n_inputs = n;
        self.seen_sets = vec![u64::MAX; CACHE];
        self.seen_pairs = vec![u64::MAX; CACHE];
        // Room for a few sets per input: untouched capacity costs no page
        // faults, and it saves the copies of repeated doubling.
        self.nodes.reserve(4 * n + 1);
        self.nodes.push(Node::Set { start: 0, len: 0 });
        self.pool.reserve(4 * n);
        self.pairs.reserve(4 * n);
        for i in 0..n {
            self.pool.push(i as u32);
            self.nodes.push(Node::Set { start: i, len: 1 });
        }
    }

    /// Ends the trace and frees its memory.
    pub(crate) fn clear(&mut self) {
        *self = Arena::new();
    }

    fn push(&mut self, node: Node) -> u32 {
        let id = u32::try_from(self.nodes.len()).expect("sparsity trace: more than 2³² index sets");
        self.nodes.push(node);
        id
    }

    /// The id of `deps(a) ∪ deps(b)`.
    pub(crate) fn union(&mut self, a: u32, b: u32) -> u32 {
        if a == EMPTY || a == b {
            return b;
        }
        if b == EMPTY {
            return a;
        }
        if let (Node::Set { start: sa, len: la }, Node::Set { start: sb, len: lb }) =
            (self.nodes[a as usize], self.nodes[b as usize])
        {
            if la + lb <= EAGER {
                let start = self.pool.len();
                let (mut i, mut j) = (sa, sb);
                while i < sa + la || j < sb + lb {
                    let take_a = j >= sb + lb || (i < sa + la && self.pool[i] <= self.pool[j]);
                    let v = if take_a { self.pool[i] } else { self.pool[j] };
                    if take_a {
                        i += 1;
                        if j < sb + lb && self.pool[j] == v {
                            j += 1;
                        }
                    } else {
                        j += 1;
                    }
                    self.pool.push(v);
                }
                let len = self.pool.len() - start;
                // A subset adds nothing: reuse the larger set's id.
                if len == la {
                    self.pool.truncate(start);
                    return a;
                }
                if len == lb {
                    self.pool.truncate(start);
                    return b;
                }
                return self.push(Node::Set { start, len });
            }
        }
        self.push(Node::Union(a, b))
    }

    /// The members of set `id` (expanding and memoising a lazy union).
    pub(crate) fn members(&mut self, id: u32) -> (usize, usize) {
        if let Node::Set { start, len } = self.nodes[id as usize] {
            return (start, len);
        }
        if self.stamp.len() < self.nodes.len() {
            self.stamp.resize(self.nodes.len(), 0);
        }
        self.epoch = self.epoch.wrapping_add(1);
        if self.epoch == 0 {
            self.stamp.fill(0);
            self.epoch = 1;
        }
        let epoch = self.epoch;
        let mut out = std::mem::take(&mut self.scratch);
        out.clear();
        let mut stack = vec![id];
        self.stamp[id as usize] = epoch;
        while let Some(v) = stack.pop() {
            match self.nodes[v as usize] {
                Node::Set { start, len } => out.extend_from_slice(&self.pool[start..start + len]),
                Node::Union(l, r) => {
                    for c in [l, r] {
                        if self.stamp[c as usize] != epoch {
                            self.stamp[c as usize] = epoch;
                            stack.push(c);
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        let start = self.pool.len();
        self.pool.extend_from_slice(&out);
        let len = out.len();
        self.scratch = out;
        self.nodes[id as usize] = Node::Set { start, len };
        (start, len)
    }

    /// The members of set `id` as a vector.
    pub(crate) fn members_vec(&mut self, id: u32) -> Vec<u32> {
        let (s, l) = self.members(id);
        self.pool[s..s + l].to_vec()
    }

    /// Records `deps(a) × deps(b)` (symmetrised) as interacting pairs.
    pub(crate) fn cross(&mut self, a: u32, b: u32) {
        if a == EMPTY || b == EMPTY {
            return;
        }
        let ids = ((a.min(b) as u64) << 32) | a.max(b) as u64;
        let k = slot(ids);
        if self.seen_sets[k] == ids {
            return;
        }
        self.seen_sets[k] = ids;
        let (sa, la) = self.members(a);
        let (sb, lb) = self.members(b);
        for p in 0..la {
            let i = self.pool[sa + p];
            let from = if a == b { p } else { 0 };
            for q in from..lb {
                let j = self.pool[sb + q];
                let (lo, hi) = if i <= j { (i, j) } else { (j, i) };
                let key = ((lo as u64) << 32) | hi as u64;
                let k = slot(key);
                if self.seen_pairs[k] != key {
                    self.seen_pairs[k] = key;
                    self.pairs.push(key);
                }
            }
        }
        if self.pairs.len() > 2 * self.deduped + 8 * self.n_inputs.max(1 << 16) {
            self.dedup();
        }
    }

    /// Sorts and deduplicates the pairs: a counting sort by the first
    /// index (O(pairs + n)), then a sort of each (short) bucket.
    fn dedup(&mut self) {
        let n = self.n_inputs;
        let mut start = vec![0usize; n + 1];
        for &p in &self.pairs {
            start[(p >> 32) as usize + 1] += 1;
        }
        for i in 0..n {
            start[i + 1] += start[i];
        }
        let mut next = start.clone();
        let mut sorted = vec![0u64; self.pairs.len()];
        for &p in &self.pairs {
            let b = (p >> 32) as usize;
            sorted[next[b]] = p;
            next[b] += 1;
        }
        let mut out = 0;
        for i in 0..n {
            let bucket = &mut sorted[start[i]..start[i + 1]];
            bucket.sort_unstable();
            let mut last = u64::MAX;
            for q in start[i]..start[i + 1] {
                let v = sorted[q];
                if v != last {
                    sorted[out] = v;
                    out += 1;
                    last = v;
                }
            }
        }
        sorted.truncate(out);
        self.pairs = sorted;
        self.deduped = self.pairs.len();
    }

    /// The recorded pairs `(i, j)`, `i ≤ j`, sorted and unique.
    pub(crate) fn take_pairs(&mut self) -> Vec<(u32, u32)> {
        self.dedup();
        std::mem::take(&mut self.pairs)
            .into_iter()
            .map(|p| ((p >> 32) as u32, p as u32))
            .collect()
    }
}

/// Runs `f` on the calling thread's arena.
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&mut Arena) -> R) -> R {
    ARENA.with(|a| f(&mut a.borrow_mut()))
}
