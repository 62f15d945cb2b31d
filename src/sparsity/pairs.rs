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

/// What a trace recorded.
pub(crate) struct Recorded {
    diagonal: Vec<u64>,
    off: Vec<u64>,
    counts: Vec<usize>,
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
            buf: Vec::new(),
            limit: 0,
            recent: RepeatFilter::idle(),
            diagonal: Vec::new(),
            counts: Vec::new(),
        }
    }

    /// No pairs yet among `n` inputs.
    pub(crate) fn new(n: usize) -> Self {
        Pairs {
            n,
            // A few pairs per input: untouched capacity costs nothing.
            buf: Vec::with_capacity(4 * n),
            limit: Self::limit(n, 0),
            // (i, j) with i, j < 2³¹ is never all ones.
            recent: RepeatFilter::new(u64::MAX),
            diagonal: vec![0; n.div_ceil(64)],
            counts: vec![0; n + 1],
        }
    }

    /// The buffer length that triggers a deduplication, `deduped` pairs
    /// after the last one.
    fn limit(n: usize, deduped: usize) -> usize {
        2 * deduped + 8 * n.max(1 << 16)
    }

    /// Records every pair of `x × y`; when `square` (`x = y`), each
    /// unordered pair once.
    #[inline]
    pub(crate) fn record_product(&mut self, x: &[u32], y: &[u32], square: bool) {
        for (p, &i) in x.iter().enumerate() {
            let ys = if square { &y[p..] } else { y };
            for &j in ys {
                self.record(i, j);
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
        self.limit = Self::limit(n, self.buf.len());
        self.counts.fill(0);
        for &p in &self.buf {
            let (i, j) = unpack(p);
            self.counts[i] += 1;
            self.counts[j] += 1;
        }
    }

    /// Ends recording.
    pub(crate) fn take(&mut self) -> Recorded {
        Recorded {
            diagonal: std::mem::take(&mut self.diagonal),
            off: std::mem::take(&mut self.buf),
            counts: std::mem::take(&mut self.counts),
        }
    }
}
