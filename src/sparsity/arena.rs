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
//! direct-mapped caches of recent products and pairs and, for `(i, i)`, by
//! one bit per input, and deduplicated by a counting sort whenever the
//! buffer has grown by `8 max(n, 65 536)` past twice its last deduplicated
//! size, so it stays O(nnz + n). The last repeats are dropped while the
//! pattern is built (`Pattern::symmetric_from_pairs`).

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

/// Merges the sorted, duplicate-free runs `x` and `y` into `out` (of
/// length `|x| + |y|`); returns the length of the union.
#[inline(always)]
fn merge(x: &[u32], y: &[u32], out: &mut [u32]) -> usize {
    let (mut i, mut j, mut k) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        let (u, v) = (x[i], y[j]);
        out[k] = u.min(v);
        i += usize::from(u <= v);
        j += usize::from(v <= u);
        k += 1;
    }
    for &u in x[i..].iter().chain(&y[j..]) {
        out[k] = u;
        k += 1;
    }
    k
}

/// The pair `(i, j)` as one `u64` (sorting it sorts by `i`, then `j`).
#[inline(always)]
fn pack(i: u32, j: u32) -> u64 {
    ((i as u64) << 32) | j as u64
}

/// The pair `(i, j)` of a packed one.
#[inline(always)]
pub(crate) fn unpack(p: u64) -> (usize, usize) {
    ((p >> 32) as usize, p as u32 as usize)
}

/// Records `(i, i)` once: every nonlinear use of `x_i` gives it again,
/// often in separate passes that the caches cannot see, and one bit per
/// input filters it exactly.
#[inline(always)]
fn record_diagonal(diagonal: &mut [u64], pairs: &mut Vec<u64>, i: u32) {
    let (word, bit) = ((i / 64) as usize, 1u64 << (i % 64));
    if diagonal[word] & bit == 0 {
        diagonal[word] |= bit;
        pairs.push(pack(i, i));
    }
}

/// The empty set (constants).
pub(crate) const EMPTY: u32 = 0;

/// What a set id stands for.
#[derive(Clone, Copy, Debug)]
enum Node {
    /// `pool[start .. start + len]`, sorted and without duplicates.
    Set { start: usize, len: usize },
    /// The union of two earlier sets, not yet expanded.
    Union(u32, u32),
}

/// A [`Node`] packed into 8 bytes (there are several per traced value, so
/// this is most of the arena): a set is `(start, len | SET)`, a union
/// `(a, b)` with both ids below `SET`.
#[derive(Clone, Copy, Debug)]
struct Packed(u32, u32);

/// The tag bit of a packed set (so lengths and ids stay below 2³¹).
const SET: u32 = 1 << 31;

impl Packed {
    #[inline(always)]
    fn set(start: usize, len: usize) -> Self {
        let start = u32::try_from(start).expect("sparsity trace: more than 2³² set members");
        // `len ≤ n` and `n < 2³¹` (checked by `Arena::start`).
        Packed(start, len as u32 | SET)
    }

    fn union(a: u32, b: u32) -> Self {
        Packed(a, b)
    }

    #[inline(always)]
    fn get(self) -> Node {
        if self.1 & SET != 0 {
            Node::Set {
                start: self.0 as usize,
                len: (self.1 & !SET) as usize,
            }
        } else {
            Node::Union(self.0, self.1)
        }
    }
}

#[derive(Debug)]
pub(crate) struct Arena {
    /// Inside a trace (nested traces on one thread are refused).
    pub(crate) active: bool,
    n_inputs: usize,
    nodes: Vec<Packed>,
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
    /// Bit `i`: the pair `(i, i)` is recorded.
    diagonal: Vec<u64>,
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
            diagonal: Vec::new(),
        }
    }

    /// Starts a trace with `n` inputs: input `i` gets the set `{i}`, id `i + 1`.
    pub(crate) fn start(&mut self, n: usize) {
        *self = Arena::new();
        self.active = true;
        assert!(n < SET as usize, "sparsity trace: more than 2³¹ inputs");
        self.n_inputs = n;
        self.seen_sets = vec![u64::MAX; CACHE];
        self.seen_pairs = vec![u64::MAX; CACHE];
        self.diagonal = vec![0; n.div_ceil(64)];
        // Room for several sets per input (the BENCH objectives make 5–6
        // and merge 6–7 members per input): untouched capacity costs no
        // page faults, and a reallocation copies everything.
        self.nodes.reserve(8 * n + 1);
        self.nodes.push(Packed::set(0, 0));
        self.pool.reserve(8 * n);
        self.pairs.reserve(4 * n);
        for i in 0..n {
            self.pool.push(i as u32);
            self.nodes.push(Packed::set(i, 1));
        }
    }

    /// Ends the trace and frees its memory.
    pub(crate) fn clear(&mut self) {
        *self = Arena::new();
    }

    #[inline(always)]
    fn push(&mut self, node: Packed) -> u32 {
        let id = self.nodes.len() as u32;
        assert!(id < SET, "sparsity trace: more than 2³¹ index sets");
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
            (self.nodes[a as usize].get(), self.nodes[b as usize].get())
        {
            if la + lb <= EAGER {
                // Merge into fresh room at the end of the pool.
                let start = self.pool.len();
                self.pool.resize(start + la + lb, 0);
                let (old, out) = self.pool.split_at_mut(start);
                let len = merge(&old[sa..sa + la], &old[sb..sb + lb], out);
                // A subset adds nothing: reuse the larger set's id.
                if len == la || len == lb {
                    self.pool.truncate(start);
                    return if len == la { a } else { b };
                }
                self.pool.truncate(start + len);
                return self.push(Packed::set(start, len));
            }
        }
        self.push(Packed::union(a, b))
    }

    /// The members of set `id`, as `pool[start .. start + len]`.
    #[inline(always)]
    pub(crate) fn members(&mut self, id: u32) -> (usize, usize) {
        match self.nodes[id as usize].get() {
            Node::Set { start, len } => (start, len),
            Node::Union(..) => self.expand(id),
        }
    }

    /// Expands the lazy union `id` and memoises its members.
    #[inline(never)]
    fn expand(&mut self, id: u32) -> (usize, usize) {
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
            match self.nodes[v as usize].get() {
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
        self.nodes[id as usize] = Packed::set(start, len);
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
        let Arena {
            pool,
            pairs,
            seen_pairs,
            diagonal,
            ..
        } = self;
        let (xa, xb) = (&pool[sa..sa + la], &pool[sb..sb + lb]);
        for (p, &i) in xa.iter().enumerate() {
            // deps(a)²: each unordered pair once.
            let from = if a == b { p } else { 0 };
            for &j in &xb[from..] {
                if i == j {
                    record_diagonal(diagonal, pairs, i);
                    continue;
                }
                let key = pack(i.min(j), i.max(j));
                let k = slot(key);
                if seen_pairs[k] != key {
                    seen_pairs[k] = key;
                    pairs.push(key);
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

    /// Ends recording: the pairs, packed (see [`unpack`]), in any order and
    /// possibly repeated. The sets are freed first, so that building the
    /// pattern from the pairs does not add to the peak memory.
    pub(crate) fn take_pairs(&mut self) -> Vec<u64> {
        self.nodes = Vec::new();
        self.pool = Vec::new();
        self.stamp = Vec::new();
        std::mem::take(&mut self.pairs)
    }
}

/// Runs `f` on the calling thread's arena.
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&mut Arena) -> R) -> R {
    ARENA.with(|a| f(&mut a.borrow_mut()))
}
