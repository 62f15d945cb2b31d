//! `Deps`: the dependency set a [`super::Tracer`] carries, in 8 bytes.
//!
//! Sets of at most two inputs (an input itself, `x_i ± x_j`, `x_i x_j`:
//! most values of a stencil or of a pairwise term) are held inline, so they
//! take no arena memory and their unions need no arena call; larger sets
//! are an id in the arena (`arena.rs`). Arena memory is what a trace
//! spends its time on (fresh pages), so this matters more than it looks.

/// No index: the unused half of an inline set, or the tag of an arena id.
const NONE: u32 = u32::MAX;

/// `(NONE, NONE)`: the empty set; `(i, NONE)`: `{i}`; `(i, j)`, `i < j`:
/// `{i, j}`; `(NONE, id)`: set `id` of the arena. Input indices stay below
/// 2³¹ (checked when a trace starts), so none is `NONE`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Deps(u32, u32);

/// The two forms of a [`Deps`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// At most two inputs: `members[..len]`, sorted.
    Inline { members: [u32; 2], len: usize },
    /// Set `id` of the arena.
    Arena(u32),
}

impl Default for Deps {
    fn default() -> Self {
        Deps::EMPTY
    }
}

impl Deps {
    /// The set of every constant.
    pub(crate) const EMPTY: Deps = Deps(NONE, NONE);

    /// `{i}`.
    #[inline(always)]
    pub(crate) fn input(i: u32) -> Self {
        Deps(i, NONE)
    }

    /// Set `id` of the arena.
    #[inline(always)]
    pub(crate) fn arena(id: u32) -> Self {
        Deps(NONE, id)
    }

    /// `Some(i)` for `{i}`.
    #[inline(always)]
    pub(crate) fn single(self) -> Option<u32> {
        (self.0 != NONE && self.1 == NONE).then_some(self.0)
    }

    #[inline(always)]
    pub(crate) fn is_empty(self) -> bool {
        self == Deps::EMPTY
    }

    #[inline(always)]
    pub(crate) fn kind(self) -> Kind {
        match self {
            Deps(NONE, NONE) => Kind::Inline {
                members: [0; 2],
                len: 0,
            },
            Deps(NONE, id) => Kind::Arena(id),
            Deps(i, NONE) => Kind::Inline {
                members: [i, 0],
                len: 1,
            },
            Deps(i, j) => Kind::Inline {
                members: [i, j],
                len: 2,
            },
        }
    }

    /// A key of 64 bits that tells sets apart (for caches).
    #[inline(always)]
    pub(crate) fn bits(self) -> u64 {
        ((self.0 as u64) << 32) | self.1 as u64
    }

    /// `self ∪ o` if it has at most two members (`None`: the arena merges).
    #[inline(always)]
    pub(crate) fn union_inline(self, o: Deps) -> Option<Deps> {
        if o.is_empty() || self == o {
            return Some(self);
        }
        if self.is_empty() {
            return Some(o);
        }
        let (Deps(a0, a1), Deps(b0, b1)) = (self, o);
        if a0 == NONE || b0 == NONE {
            return None; // an arena set
        }
        // Two different non-empty inline sets.
        match (a1 == NONE, b1 == NONE) {
            (true, true) => Some(Deps(a0.min(b0), a0.max(b0))),
            (true, false) => (a0 == b0 || a0 == b1).then_some(o),
            (false, true) => (b0 == a0 || b0 == a1).then_some(self),
            (false, false) => None, // three or four members
        }
    }
}

/// Merges the sorted, duplicate-free runs `x` and `y` into `out` (of
/// length at least `|x| + |y|`); returns the length of the union.
#[inline(always)]
pub(crate) fn merge(x: &[u32], y: &[u32], out: &mut [u32]) -> usize {
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
