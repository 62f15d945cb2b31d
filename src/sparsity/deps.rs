//! `Deps`: the dependency set a [`super::Tracer`] carries, in 8 bytes.
//!
//! Sets of at most three inputs (an input itself, `x_i ± x_j`, `x_i x_j`,
//! a stencil's `{i, i + 2, i + 4}`: most values of a stencil or of a
//! pairwise term) are held inline, so they take no arena memory and their
//! unions need no arena call; larger sets are an id in the arena
//! (`arena.rs`). Arena memory is what a trace spends its time on (fresh
//! pages), so this matters more than it looks.

/// No index: the unused half of an inline set, or the tag of an arena id.
const NONE: u32 = u32::MAX;

/// The tag of a three-member set in the second word.
const THREE: u32 = 1 << 31;

/// A three-member set spans fewer than this many indices (its offsets
/// take 15 bits each).
const SPAN: u32 = 1 << 15;

/// `(NONE, NONE)`: the empty set; `(i, NONE)`: `{i}`; `(i, j)`, `i < j`:
/// `{i, j}`; `(i, THREE | d << 15 | e)`, `0 < d < e < SPAN`: `{i, i + d,
/// i + e}`; `(NONE, id)`: set `id` of the arena. Input indices and ids
/// stay below 2³¹ (checked when a trace starts), so the forms never mix.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Deps(u32, u32);

/// The two forms of a [`Deps`].
#[derive(Clone, Copy, Debug)]
pub(crate) enum Kind {
    /// At most three inputs: `members[..len]`, sorted.
    Inline { members: [u32; 3], len: usize },
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

    /// The set of the sorted, distinct `members`, if it fits inline.
    #[inline(always)]
    pub(crate) fn inline(members: &[u32]) -> Option<Self> {
        match *members {
            [] => Some(Deps::EMPTY),
            [i] => Some(Deps(i, NONE)),
            [i, j] => Some(Deps(i, j)),
            [i, j, k] if k - i < SPAN => Some(Deps(i, THREE | (j - i) << 15 | (k - i))),
            _ => None,
        }
    }

    #[inline(always)]
    pub(crate) fn kind(self) -> Kind {
        let (members, len) = match self {
            Deps(NONE, NONE) => ([0; 3], 0),
            Deps(NONE, id) => return Kind::Arena(id),
            Deps(i, NONE) => ([i, 0, 0], 1),
            Deps(i, w) if w & THREE != 0 => {
                ([i, i + (w >> 15 & (SPAN - 1)), i + (w & (SPAN - 1))], 3)
            }
            Deps(i, j) => ([i, j, 0], 2),
        };
        Kind::Inline { members, len }
    }

    /// The two words (to store the set elsewhere).
    #[inline(always)]
    pub(crate) fn words(self) -> (u32, u32) {
        (self.0, self.1)
    }

    /// The set of two words from [`Deps::words`].
    #[inline(always)]
    pub(crate) fn from_words(w0: u32, w1: u32) -> Self {
        Deps(w0, w1)
    }

    /// A key of 64 bits that tells sets apart (for caches).
    #[inline(always)]
    pub(crate) fn bits(self) -> u64 {
        ((self.0 as u64) << 32) | self.1 as u64
    }

    /// `self ∪ o` if it fits inline (`None`: the arena merges).
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
        if a1 == NONE && b1 == NONE {
            // Two different inputs (the most common union).
            return Some(Deps(a0.min(b0), a0.max(b0)));
        }
        let (
            Kind::Inline {
                members: x,
                len: lx,
            },
            Kind::Inline {
                members: y,
                len: ly,
            },
        ) = (self.kind(), o.kind())
        else {
            unreachable!("both sets are inline");
        };
        let mut out = [0; 6];
        let len = merge(&x[..lx], &y[..ly], &mut out);
        Deps::inline(&out[..len])
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
