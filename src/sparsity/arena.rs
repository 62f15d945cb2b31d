//! The thread-local store behind [`super::Tracer`]: the index sets too
//! large to sit inline in a tracer (see `deps.rs`), and the recorded
//! Hessian pairs (`pairs.rs`).
//!
//! A set is either *materialised* (a sorted run of input indices in one
//! pool) or a *lazy union* of two other sets. Small unions are merged
//! eagerly; large ones (the running sum of a reduction) are one node of
//! O(1) size, expanded — and memoised — only when a nonlinear operation
//! needs the members. Memory is therefore O(traced values + members of the
//! sets a nonlinear operation actually touches), and the pairs recorded by
//! such an operation already cost `|deps|²`, so the expansion never
//! dominates. No set is ever an `n`-bit vector.

use super::deps::{Deps, Kind, merge};
use super::pairs::{Keep, Pairs, Recorded};
use super::repeat_filter::RepeatFilter;
use std::cell::RefCell;

/// Sets up to this many members are merged eagerly.
const EAGER: usize = 32;

/// What a set id stands for.
#[derive(Clone, Copy, Debug)]
enum Node {
    /// `pool[start .. start + len]`, sorted and without duplicates.
    Set { start: usize, len: usize },
    /// The union of two earlier sets, not yet expanded.
    Union(u32, u32),
    /// Set `a` with the inline set `d` added, not yet expanded (a running
    /// sum of small terms stores no set per term).
    With(u32, Deps),
}

/// A [`Node`] in one or two 8-byte slots (there are a few per traced value,
/// so this is most of the arena): a set is `(start, len | TAG)`, a union
/// `(a, b)`, an added input `(a | TAG, i)`, and another added inline set
/// `(a | TAG, NONE)` followed by the set's two words. Ids, inputs and
/// `start` stay below `TAG`.
#[derive(Clone, Copy, Debug)]
struct Packed(u32, u32);

/// The tag bit of a packed node.
const TAG: u32 = 1 << 31;

/// The second word of an added inline set that takes a second slot.
const NEXT: u32 = u32::MAX;

impl Packed {
    #[inline(always)]
    fn set(start: usize, len: usize) -> Self {
        assert!(
            start < TAG as usize,
            "sparsity trace: more than 2³¹ set members"
        );
        // `len ≤ n` and `n < 2³¹` (checked by `Arena::start`).
        Packed(start as u32, len as u32 | TAG)
    }
}

/// Where the members of a set are.
#[derive(Clone, Copy, Debug)]
enum Run {
    /// `members[..len]`, copied out of an inline set.
    Inline { members: [u32; 3], len: usize },
    /// `pool[start .. start + len]`.
    Pool { start: usize, len: usize },
    /// Arena set `id`, a lazy union.
    Lazy(u32),
}

impl Run {
    /// The members (not for `Lazy`).
    #[inline(always)]
    fn slice<'a>(&'a self, pool: &'a [u32]) -> &'a [u32] {
        match self {
            Run::Inline { members, len } => &members[..*len],
            Run::Pool { start, len } => &pool[*start..*start + *len],
            Run::Lazy(_) => unreachable!("a lazy union has no run of members"),
        }
    }

    /// The number of members, if known without expanding.
    #[inline(always)]
    fn len(&self) -> Option<usize> {
        match *self {
            Run::Inline { len, .. } | Run::Pool { len, .. } => Some(len),
            Run::Lazy(_) => None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct Arena {
    /// Inside a trace (nested traces on one thread are refused).
    pub(crate) active: bool,
    nodes: Vec<Packed>,
    pool: Vec<u32>,
    pairs: Pairs,
    /// Products recorded lately: a product of arena sets is repeated
    /// (a value squared, then its sine) and can be large.
    products: RepeatFilter<(Deps, Deps)>,
    /// DFS marks for expanding lazy unions (`stamp[node] == epoch`: seen).
    stamp: Vec<u32>,
    epoch: u32,
    scratch: Vec<u32>,
}

thread_local! {
    pub(crate) static ARENA: RefCell<Arena> = const { RefCell::new(Arena::new()) };
}

impl Arena {
    /// The idle arena (no trace, no memory).
    const fn new() -> Self {
        Arena {
            active: false,
            nodes: Vec::new(),
            pool: Vec::new(),
            pairs: Pairs::idle(),
            products: RepeatFilter::idle(),
            stamp: Vec::new(),
            epoch: 0,
            scratch: Vec::new(),
        }
    }

    /// Starts a trace with `n` inputs (input `i` is the inline set `{i}`),
    /// keeping what `keep` says of the pairs.
    pub(crate) fn start(&mut self, n: usize, keep: Keep) {
        *self = Arena::new();
        self.active = true;
        assert!(n < TAG as usize, "sparsity trace: more than 2³¹ inputs");
        self.pairs = Pairs::new(n, keep);
        self.products = RepeatFilter::new((Deps::EMPTY, Deps::EMPTY));
        // Room for a few nodes per input (the BENCH objectives take 3–4
        // slots per input and almost no pool): untouched capacity costs no
        // page faults, and a reallocation may copy everything.
        self.nodes.reserve(4 * n);
        self.pool.reserve(n);
    }

    /// Ends the trace and frees its memory.
    pub(crate) fn clear(&mut self) {
        *self = Arena::new();
    }

    #[inline(always)]
    fn push(&mut self, node: Packed) -> u32 {
        let id = self.nodes.len() as u32;
        assert!(id < TAG - 1, "sparsity trace: more than 2³¹ index sets");
        self.nodes.push(node);
        id
    }

    /// The node of set `id`.
    #[inline(always)]
    fn node(&self, id: u32) -> Node {
        match self.nodes[id as usize] {
            Packed(a, NEXT) if a & TAG != 0 => {
                let Packed(w0, w1) = self.nodes[id as usize + 1];
                Node::With(a & !TAG, Deps::from_words(w0, w1))
            }
            Packed(a, i) if a & TAG != 0 => Node::With(a & !TAG, Deps::input(i)),
            Packed(start, len) if len & TAG != 0 => Node::Set {
                start: start as usize,
                len: (len & !TAG) as usize,
            },
            Packed(a, b) => Node::Union(a, b),
        }
    }

    /// A new set: set `a` with the inline set `d` added.
    fn push_with(&mut self, a: u32, d: Deps) -> Deps {
        let id = match d.single() {
            Some(i) => self.push(Packed(a | TAG, i)),
            None => {
                let id = self.push(Packed(a | TAG, NEXT));
                let (w0, w1) = d.words();
                self.push(Packed(w0, w1));
                id
            }
        };
        Deps::arena(id)
    }

    /// Where the members of `d` are, without expanding it.
    #[inline(always)]
    fn run(&self, d: Deps) -> Run {
        match d.kind() {
            Kind::Inline { members, len } => Run::Inline { members, len },
            Kind::Arena(id) => match self.node(id) {
                Node::Set { start, len } => Run::Pool { start, len },
                Node::Union(..) | Node::With(..) => Run::Lazy(id),
            },
        }
    }

    /// `deps(a) ∪ deps(b)`.
    pub(crate) fn union(&mut self, a: Deps, b: Deps) -> Deps {
        if let Some(d) = a.union_inline(b) {
            return d;
        }
        let (x, y) = (self.run(a), self.run(b));
        if let (Some(lx), Some(ly)) = (x.len(), y.len())
            && lx + ly <= EAGER
        {
            // Merge into fresh room at the end of the pool.
            let start = self.pool.len();
            self.pool.resize(start + lx + ly, 0);
            let (old, out) = self.pool.split_at_mut(start);
            let len = merge(x.slice(old), y.slice(old), out);
            // A subset adds nothing: keep the larger set.
            if len == lx || len == ly {
                self.pool.truncate(start);
                return if len == lx { a } else { b };
            }
            if let Some(d) = Deps::inline(&self.pool[start..start + len]) {
                self.pool.truncate(start);
                return d;
            }
            self.pool.truncate(start + len);
            return Deps::arena(self.push(Packed::set(start, len)));
        }
        // A lazy union: an inline operand (never both: those merge) is
        // kept in the node.
        match (a.kind(), b.kind()) {
            (Kind::Arena(x), Kind::Arena(y)) => Deps::arena(self.push(Packed(x, y))),
            (Kind::Arena(x), _) => self.push_with(x, b),
            (_, Kind::Arena(y)) => self.push_with(y, a),
            _ => unreachable!("two inline sets merge eagerly"),
        }
    }

    /// Where the members of `d` are, expanding (and memoising) a lazy union.
    #[inline(always)]
    fn members(&mut self, d: Deps) -> Run {
        match self.run(d) {
            Run::Lazy(id) => self.expand(id),
            run => run,
        }
    }

    /// Expands the lazy union `id` and memoises its members.
    #[inline(never)]
    fn expand(&mut self, id: u32) -> Run {
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
            match self.node(v) {
                Node::Set { start, len } => out.extend_from_slice(&self.pool[start..start + len]),
                Node::Union(l, r) => {
                    for c in [l, r] {
                        if self.stamp[c as usize] != epoch {
                            self.stamp[c as usize] = epoch;
                            stack.push(c);
                        }
                    }
                }
                Node::With(a, d) => {
                    if let Kind::Inline { members, len } = d.kind() {
                        out.extend_from_slice(&members[..len]);
                    }
                    if self.stamp[a as usize] != epoch {
                        self.stamp[a as usize] = epoch;
                        stack.push(a);
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
        // Memoised in place: a `With` node's second slot is never read
        // again.
        self.nodes[id as usize] = Packed::set(start, len);
        Run::Pool { start, len }
    }

    /// The members of `d` as a vector.
    pub(crate) fn members_vec(&mut self, d: Deps) -> Vec<u32> {
        self.members(d).slice(&self.pool).to_vec()
    }

    /// Records `deps(a) × deps(b)` (symmetrised) as interacting pairs.
    pub(crate) fn cross(&mut self, a: Deps, b: Deps) {
        // Past its limit a trace expands and records nothing more.
        if a.is_empty() || b.is_empty() || self.pairs.stopped() {
            return;
        }
        if let (Some(i), Some(j)) = (a.single(), b.single()) {
            self.pairs.record(i, j);
            return;
        }
        // A large product (of arena sets) that repeats (a value squared,
        // then its sine) is skipped; a small one goes to the pair cache.
        let (x, y) = (self.run(a), self.run(b));
        let small = matches!((x.len(), y.len()), (Some(lx), Some(ly)) if lx * ly <= 16);
        let (a, b) = if a.bits() <= b.bits() { (a, b) } else { (b, a) };
        if !small
            && !self
                .products
                .insert((a, b), a.bits() ^ b.bits().rotate_left(29))
        {
            return;
        }
        let (x, y) = (self.members(a), self.members(b));
        self.pairs
            .record_product(x.slice(&self.pool), y.slice(&self.pool), a == b);
    }

    /// Ends recording: the pairs. The sets are freed first, so that
    /// building the pattern does not add to the peak memory.
    pub(crate) fn take_pairs(&mut self) -> Recorded {
        self.nodes = Vec::new();
        self.pool = Vec::new();
        self.stamp = Vec::new();
        self.pairs.take()
    }
}

/// Runs `f` on the calling thread's arena.
#[inline]
pub(crate) fn with<R>(f: impl FnOnce(&mut Arena) -> R) -> R {
    ARENA.with(|a| f(&mut a.borrow_mut()))
}
