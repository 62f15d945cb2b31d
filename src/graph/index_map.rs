//! Index maps: which argument entries an output entry of a primitive reads.
//!
//! A primitive that declares its [`IndexMap`] can run on a *window* of its
//! output: given the argument windows the map names, the primitive's own
//! kernels (or a copy, for a slice) compute exactly those output entries.
//! That is what lets the engine run a whole program tile by tile, each tile
//! small enough to stay in cache, instead of one whole-vector pass per
//! primitive. A primitive without a map ([`IndexMap::Opaque`], the default
//! of [`Op::index_map`](crate::graph::Op::index_map)) makes its program run
//! whole-vector, which is always correct.

use std::ops::Range;

/// How the output entries of a primitive read its arguments, for the
/// argument lengths it was given (see [`Op::index_map`](crate::graph::Op::index_map)).
///
/// Every variant states a window rule: running the primitive's kernels on
/// the argument windows the rule names yields exactly the requested output
/// window. Scalar arguments that broadcast are always read whole.
///
/// ```
/// use lensdiff::graph::IndexMap;
/// // A centred three-point stencil reads three neighbours.
/// let m = IndexMap::Window { width: 3 };
/// assert_ne!(m, IndexMap::Opaque);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IndexMap {
    /// No declared map: the program runs whole-vector.
    Opaque,
    /// `y_i` reads entry `i` of every vector argument.
    Elementwise,
    /// `y_i` reads `x[i .. i + width]` of its one argument, and the output
    /// has `len(x) + 1 − width` entries (stencils, differences).
    Window {
        /// The number of entries each output reads.
        width: usize,
    },
    /// `y_i = x[offset + i]`: a contiguous slice (the engine copies).
    Slice {
        /// Where the slice starts in the argument.
        offset: usize,
    },
    /// `y_i = x[offset + i·step]`, with `⌈(len(x) − offset) / step⌉`
    /// entries.
    Stride {
        /// The first entry taken.
        offset: usize,
        /// The distance between entries taken (at least one).
        step: usize,
    },
    /// `y = [a; b]` of two arguments.
    Concat,
    /// `y = (a₀, b₀, a₁, b₁, …)` of two arguments of equal length.
    Interleave,
    /// A scalar: the sum of terms `j = 0 .. len + 1 − width`, term `j`
    /// reading `[j .. j + width]` of every vector argument. Run on a window
    /// of the arguments, the primitive returns the partial sum of the terms
    /// that window holds (sum, dot, squared norm: width 1; sums over
    /// neighbouring pairs: width 2).
    Reduce {
        /// The number of consecutive entries each term reads.
        width: usize,
    },
}

/// The argument windows behind one output window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reads {
    /// The output window computed (it can be wider than the one asked for,
    /// when the map only computes aligned windows).
    pub(crate) out: Range<usize>,
    /// One window per argument.
    pub(crate) args: Vec<Range<usize>>,
    /// The primitive is a copy of its one argument's window.
    pub(crate) copy: bool,
}

impl IndexMap {
    /// The number of terms of a reduction, or the output length otherwise.
    pub(crate) fn domain(self, out_len: usize, arg_lens: &[usize], broadcast: &[bool]) -> usize {
        match self {
            IndexMap::Reduce { width } => {
                let n = arg_lens
                    .iter()
                    .zip(broadcast)
                    .filter(|(_, b)| !**b)
                    .map(|(l, _)| *l)
                    .min()
                    .unwrap_or(1);
                (n + 1).saturating_sub(width)
            }
            _ => out_len,
        }
    }

    /// The argument windows that compute output window (or, for a
    /// reduction, term window) `out`, which must be non-empty. `broadcast`
    /// marks the scalar arguments read whole.
    pub(crate) fn reads(
        self,
        out: Range<usize>,
        arg_lens: &[usize],
        broadcast: &[bool],
    ) -> Option<Reads> {
        debug_assert!(out.start < out.end);
        let (a, b) = (out.start, out.end);
        let each = |r: Range<usize>| -> Vec<Range<usize>> {
            broadcast
                .iter()
                .map(|&s| if s { 0..1 } else { r.clone() })
                .collect()
        };
        let plain = |args: Vec<Range<usize>>, out: Range<usize>| Reads {
            out,
            args,
            copy: false,
        };
        Some(match self {
            IndexMap::Opaque => return None,
            IndexMap::Elementwise => plain(each(a..b), a..b),
            IndexMap::Window { width } => plain(each(a..b + width.max(1) - 1), a..b),
            IndexMap::Slice { offset } => Reads {
                out: a..b,
                args: each(offset + a..offset + b),
                copy: true,
            },
            IndexMap::Stride { offset, step } => {
                let step = step.max(1);
                plain(each(a * step..(b - 1) * step + offset + 1), a..b)
            }
            IndexMap::Concat => {
                let l0 = *arg_lens.first()?;
                let first = a.min(l0)..b.min(l0);
                let second = a.max(l0) - l0..b.max(l0) - l0;
                plain(vec![first, second], a..b)
            }
            IndexMap::Interleave => {
                let (a2, b2) = (a / 2, b.div_ceil(2));
                plain(each(a2..b2), 2 * a2..2 * b2)
            }
            IndexMap::Reduce { width } => plain(each(a..b + width.max(1) - 1), 0..1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stride_reads_start_at_the_window_aligned_to_the_step() {
        let r = IndexMap::Stride { offset: 1, step: 2 }
            .reads(3..5, &[10], &[false])
            .unwrap();
        // y_3 = x_7, y_4 = x_9: the window x[6..10] with the op's own offset.
        assert_eq!(r.args, vec![6..10]);
    }

    #[test]
    fn interleave_widens_to_whole_pairs() {
        let r = IndexMap::Interleave
            .reads(3..6, &[4, 4], &[false, false])
            .unwrap();
        assert_eq!(r.out, 2..6);
        assert_eq!(r.args, vec![1..3, 1..3]);
    }

    #[test]
    fn concat_splits_the_window_between_its_arguments() {
        let r = IndexMap::Concat
            .reads(2..7, &[4, 6], &[false, false])
            .unwrap();
        assert_eq!(r.args, vec![2..4, 0..3]);
    }

    #[test]
    fn a_pair_reduction_reads_one_entry_past_its_terms() {
        let m = IndexMap::Reduce { width: 2 };
        assert_eq!(m.domain(1, &[10], &[false]), 9);
        assert_eq!(m.reads(4..6, &[10], &[false]).unwrap().args, vec![4..7]);
    }
}
