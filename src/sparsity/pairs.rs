//! The Hessian pairs recorded by a trace: the diagonal `(i, i)` as one bit
//! per input (every nonlinear use of `x_i` gives it again, often in passes
//! far apart, and a bit filters it exactly), the others `(i, j)`, `i < j`,
//! packed in one `u64` each.
//!
//! Two filters keep the buffer near the number of distinct pairs: a cache
//! of recent pairs (repeats within a pass), and a deduplication by counting
//! sort whenever the buffer has grown by `8 max(n, 65 536)` past twice its
//! last deduplicated size, so it stays O(nnz + n). The last repeats are
//! dropped while the pattern is built (`Pattern::symmetric_from_pairs`).
//!
//! A trace keeps at most `max_pairs` distinct pairs ([`Keep::Pairs`]):
//! past that it stops recording and says how far it got ([`Stop`]), so a
//! dense Hessian (a nonlinear function of a sum over all of `x`) costs the
//! caller's limit, never `n²`. A product whose distinct pairs alone exceed
//! the limit stops it before a single pair is stored. [`Keep::Bandwidth`]
//! keeps no pair at all, only the largest `|i − j|`: the sets are sorted,
//! so that is read at their ends, O(1) per product.

use super::repeat_filter::RepeatFilter;

/// The pair `(i, j)` as one `u64`.
#[inline(always)]
fn pack(i: u32, j: u32) -> u64 {
    ((i as u64) << 32) | j as u64
}

/// The pair `(i, j)` of a packed one.
#[inline(always)]
fn unpack(p: u64) -> (usize, usize) {
    ((p >> 32) as usize, p as u32 as usize)
}

/// What a trace keeps of the pairs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Every pair, until more than `max_pairs` distinct off-diagonal ones.
    Pairs {
        /// The most distinct pairs `(i, j)`, `i < j`, to keep.
        max_pairs: usize,
    },
    /// No pair: only the largest `|i − j|`.
    Bandwidth,
}

/// Where a trace stopped keeping pairs (both figures are lower bounds of
/// the whole pattern's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stop {
    /// Distinct pairs `(i, j)`, `i < j`, found.
    pub(crate) pairs: usize,
    /// The most off-diagonal entries found in one row.
    pub(crate) widest_row: usize,
}

/// What a trace recorded.
pub(crate) struct Recorded {
    diagonal: Vec<u64>,
    off: Vec<u64>,
    counts: Vec<usize>,
    /// `Some` when the trace stopped keeping pairs.
    pub(crate) stopped: Option<Stop>,
    /// The largest `|i − j|` recorded (with [`Keep::Bandwidth`]).
    pub(crate) bandwidth: usize,
}

impl Recorded {
    /// Whether `(i, i)` was recorded.
    #[inline(always)]
    pub(crate) fn diagonal(&self, i: usize) -> bool {
        self.diagonal[i / 64] & (1 << (i % 64)) != 0
    }

    /// The pairs `(i, j)`, `i < j`, in any order and possibly repeated.
    pub(crate) fn off_diagonal(&self) -> impl Iterator<Item = (usize, usize)> + Clone {
        self.off.iter().map(|&p| unpack(p))
    }

    /// Entry `r`: how many of [`Recorded::off_diagonal`] have `r` as either
    /// index (`n + 1` entries, the last 0). Taken out, to become the
    /// pattern's row pointers.
    pub(crate) fn take_counts(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.counts)
    }
}

#[derive(Debug)]
pub(crate) struct Pairs {
    n: usize,
    keep: Keep,
    /// `Some` once more than the kept number of pairs was found.
    stopped: Option<Stop>,
    /// The largest `|i − j|` ([`Keep::Bandwidth`]).
    bandwidth: usize,
    /// The pairs `(i, j)`, `i < j`.
    buf: Vec<u64>,
    /// Deduplicate when `buf` grows past this.
    limit: usize,
    recent: RepeatFilter<u64>,
    /// Bit `i`: `(i, i)` is recorded.
    diagonal: Vec<u64>,
    /// Entry `r`: pairs in `buf` with `r` as either index. Counted as they
    /// come (interleaved with the trace, the increments cost less than a
    /// pass of their own when the pattern is built).
    counts: Vec<usize>,
}

impl Pairs {
    /// No pairs and no memory (outside a trace).
    pub(crate) const fn idle() -> Self {
        Pairs {
            n: 0,
            keep: Keep::Bandwidth,
            stopped: None,
            bandwidth: 0,
            buf: Vec::new(),
            limit: 0,
            recent: RepeatFilter::idle(),
            diagonal: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// No pairs yet among `n` inputs.
    pub(crate) fn new(n: usize, keep: Keep) -> Self {
        let max_pairs = match keep {
            Keep::Pairs { max_pairs } => max_pairs,
            Keep::Bandwidth => {
                return Pairs {
                    n,
                    diagonal: vec![0; n.div_ceil(64)],
                    ..Pairs::idle()
                };
            }
        };
        Pairs {
            n,
            keep,
            stopped: None,
            bandwidth: 0,
            // A few pairs per input: untouched capacity costs nothing.
            buf: Vec::with_capacity(4 * n.min(max_pairs)),
            limit: Self::limit(n, 0, max_pairs),
            // (i, j) with i, j < 2³¹ is never all ones.
            recent: RepeatFilter::new(u64::MAX),
            diagonal: vec![0; n.div_ceil(64)],
            counts: vec![0; n + 1],
        }
    }

    /// The buffer length that triggers a deduplication, `deduped` pairs
    /// after the last one: at most `max_pairs + 1` raw pairs later, so the
    /// buffer stays below twice the kept number.
    fn limit(n: usize, deduped: usize, max_pairs: usize) -> usize {
        (2 * deduped + 8 * n.max(1 << 16)).min(deduped.saturating_add(max_pairs).saturating_add(1))
    }

    /// Whether the trace stopped keeping pairs.
    #[inline(always)]
    pub(crate) fn stopped(&self) -> bool {
        self.stopped.is_some()
    }

    /// Stops keeping pairs, freeing them (the rest of the product being
    /// recorded may still land in the buffer; it is never read).
    fn stop(&mut self, pairs: usize, widest_row: usize) {
        self.stopped = Some(Stop { pairs, widest_row });
        self.buf = Vec::new();
        self.limit = usize::MAX;
    }

    /// Records every pair of `x × y` (both sorted); when `square`
    /// (`x = y`), each unordered pair once.
    #[inline]
    pub(crate) fn record_product(&mut self, x: &[u32], y: &[u32], square: bool) {
        let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) =
            (x.first(), x.last(), y.first(), y.last())
        else {
            return;
        };
        let max_pairs = match self.keep {
            Keep::Bandwidth => {
                // The widest pair of two sorted sets is at their ends.
                let w = x1.abs_diff(y0).max(y1.abs_diff(x0)) as usize;
                self.bandwidth = self.bandwidth.max(w);
                return;
            }
            Keep::Pairs { max_pairs } => max_pairs,
        };
        // Distinct pairs i ≠ j this product gives at least: |x||y| − |x ∩ y|
        // ordered ones, each unordered one counted at most twice.
        let (lx, ly) = (x.len(), y.len());
        let least = if square {
            lx * (lx - 1) / 2
        } else {
            (lx * ly - lx.min(ly)) / 2
        };
        if least > max_pairs {
            self.stop(least, lx.max(ly) - 1);
            return;
        }
        for (p, &i) in x.iter().enumerate() {
            let ys = if square { &y[p..] } else { y };
            for &j in ys {
                self.record(i, j);
            }
            if self.stopped() {
                return;
            }
        }
    }

    /// Records `(i, j)` (in either order).
    #[inline(always)]
    pub(crate) fn record(&mut self, i: u32, j: u32) {
        if i == j {
            self.diagonal[(i / 64) as usize] |= 1 << (i % 64);
            return;
        }
        if self.keep == Keep::Bandwidth {
            self.bandwidth = self.bandwidth.max(i.abs_diff(j) as usize);
            return;
        }
        let key = pack(i.min(j), i.max(j));
        if self.recent.insert(key, key) {
            self.buf.push(key);
            self.counts[i as usize] += 1;
            self.counts[j as usize] += 1;
            if self.buf.len() > self.limit {
                self.dedup();
            }
        }
    }

    /// Sorts and deduplicates the buffer: a counting sort by the first
    /// index (O(pairs + n)), then a sort of each (short) bucket.
    fn dedup(&mut self) {
        let n = self.n;
        // Bucket ends, then (counting down while scattering) bucket starts.
        let mut bucket = vec![0usize; n + 1];
        for &p in &self.buf {
            bucket[unpack(p).0] += 1;
        }
        for i in 0..n {
            bucket[i + 1] += bucket[i];
        }
        let mut sorted = vec![0u64; self.buf.len()];
        for &p in &self.buf {
            let b = &mut bucket[unpack(p).0];
            *b -= 1;
            sorted[*b] = p;
        }
        let mut out = 0;
        for i in 0..n {
            let (start, end) = (bucket[i], bucket[i + 1]);
            sorted[start..end].sort_unstable();
            for q in start..end {
                if q == start || sorted[q] != sorted[q - 1] {
                    sorted[out] = sorted[q];
                    out += 1;
                }
            }
        }
        sorted.truncate(out);
        self.buf = sorted;
        self.counts.fill(0);
        for &p in &self.buf {
            let (i, j) = unpack(p);
            self.counts[i] += 1;
            self.counts[j] += 1;
        }
        if let Keep::Pairs { max_pairs } = self.keep {
            if self.buf.len() > max_pairs {
                let widest = self.counts.iter().copied().max().unwrap_or(0);
                self.stop(self.buf.len(), widest);
                return;
            }
            self.limit = Self::limit(n, self.buf.len(), max_pairs);
        }
    }

    /// Ends recording.
    pub(crate) fn take(&mut self) -> Recorded {
        Recorded {
            diagonal: std::mem::take(&mut self.diagonal),
            off: std::mem::take(&mut self.buf),
            counts: std::mem::take(&mut self.counts),
            stopped: self.stopped,
            bandwidth: self.bandwidth,
        }
    }
}
