//! Orderings that keep a sparse symmetric matrix's Cholesky factor inside a
//! small *envelope* (for each row, the columns from its first nonzero to
//! the diagonal): reverse Cuthill–McKee, with the densest rows moved last.
//!
//! Trajectory Hessians that are not banded are usually a band plus a few
//! couplings: a periodic end condition (first and last points meet) or a
//! parameter shared by every point (a free final time). Reverse
//! Cuthill–McKee turns the first into a band of twice the width; a
//! variable coupled to everything is taken out of the graph and ordered
//! last, where its row costs `n` entries and no fill. [`envelope_ordering`]
//! tries the natural order and this one and keeps the smaller envelope.

use crate::sparsity::{Pattern, dense_threshold};

/// The number of entries in the lower envelope of the symmetric `p` under
/// the ordering `perm` (position `i` holds the original index `perm[i]`),
/// diagonal included: `Σ_i (i − first_i + 1)`. This is the storage of an
/// envelope Cholesky factor, and fill never leaves it.
///
/// ```
/// use lensdiff::{banded::envelope_size, sparsity::Pattern};
/// // An arrowhead, hub first or last.
/// let n = 6;
/// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(0, i), (i, 0), (i, i)]));
/// let natural: Vec<usize> = (0..n).collect();
/// let hub_last: Vec<usize> = (1..n).chain([0]).collect();
/// assert_eq!(envelope_size(&p, &natural), 21); // full triangle
/// assert_eq!(envelope_size(&p, &hub_last), 11); // diagonal + last row
/// ```
pub fn envelope_size(p: &Pattern, perm: &[usize]) -> usize {
    let inv = inverse(perm);
    (0..perm.len())
        .map(|i| i - first_column(p, perm, &inv, i) + 1)
        .sum()
}

/// The inverse permutation: `inv[perm[i]] = i`.
pub(crate) fn inverse(perm: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; perm.len()];
    for (i, &v) in perm.iter().enumerate() {
        inv[v] = i;
    }
    inv
}

/// The first column of row `i` of the permuted lower triangle.
pub(crate) fn first_column(p: &Pattern, perm: &[usize], inv: &[usize], i: usize) -> usize {
    p.row(perm[i]).iter().map(|&j| inv[j]).fold(i, usize::min)
}

/// Reverse Cuthill–McKee of the symmetric pattern `p`, with vertices of
/// degree above `max(16, 10 √n)` left out of the search and put last
/// (sparsest first). Each connected component starts from a
/// pseudo-peripheral vertex (George & Liu); neighbours are queued by
/// increasing degree. O(nnz log(max degree)) time, O(n) extra memory.
/// Returns `perm` with `perm[i]` = the original index at position `i`.
/// Panics if `p` is not square.
///
/// ```
/// use lensdiff::{banded::{envelope_size, reverse_cuthill_mckee}, sparsity::Pattern};
/// // A chain with a hub at 0 coupled to every point (a shared parameter).
/// let n = 1000;
/// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| {
///     [(i, i), (0, i), (i, 0), (i, (i + 1) % n), ((i + 1) % n, i)]
/// }));
/// let perm = reverse_cuthill_mckee(&p);
/// assert_eq!(perm[n - 1], 0); // the hub goes last
/// let natural: Vec<usize> = (0..n).collect();
/// assert!(envelope_size(&p, &natural) > n * n / 2);
/// assert!(envelope_size(&p, &perm) < 4 * n);
/// ```
pub fn reverse_cuthill_mckee(p: &Pattern) -> Vec<usize> {
    assert_eq!(
        p.nrows(),
        p.ncols(),
        "reverse_cuthill_mckee: the pattern must be square"
    );
    let n = p.nrows();
    let degree: Vec<usize> = (0..n)
        .map(|v| p.row(v).iter().filter(|&&w| w != v).count())
        .collect();
    let limit = dense_threshold(n);
    let dense: Vec<bool> = degree.iter().map(|&d| d > limit).collect();
    // Degrees within the sparse part of the graph.
    let sparse_degree: Vec<usize> = (0..n)
        .map(|v| p.row(v).iter().filter(|&&w| w != v && !dense[w]).count())
        .collect();
    let is_dense = &dense;
    let neighbours = |v: usize| {
        p.row(v)
            .iter()
            .copied()
            .filter(move |&w| w != v && !is_dense[w])
    };
    let mut placed = dense.clone();
    let mut order = Vec::with_capacity(n);
    let mut level = vec![usize::MAX; n];
    let mut scratch = Vec::new();
    for seed in 0..n {
        if placed[seed] {
            continue;
        }
        let start = pseudo_peripheral(seed, &neighbours, &sparse_degree, &mut level);
        // Cuthill–McKee breadth-first search from `start`.
        let head = order.len();
        order.push(start);
        placed[start] = true;
        let mut q = head;
        while q < order.len() {
            let v = order[q];
            q += 1;
            scratch.clear();
            scratch.extend(neighbours(v).filter(|&w| !placed[w]));
            scratch.sort_unstable_by_key(|&w| (sparse_degree[w], w));
            for &w in &scratch {
                placed[w] = true;
                order.push(w);
            }
        }
    }
    order.reverse();
    let mut last: Vec<usize> = (0..n).filter(|&v| dense[v]).collect();
    last.sort_unstable_by_key(|&v| (degree[v], v));
    order.extend(last);
    order
}

/// George & Liu's pseudo-peripheral vertex of `seed`'s component: from
/// the current vertex, a breadth-first level structure; move to the
/// lowest-degree vertex of the last level while the depth grows.
fn pseudo_peripheral<I: Iterator<Item = usize>>(
    seed: usize,
    neighbours: &impl Fn(usize) -> I,
    degree: &[usize],
    level: &mut [usize],
) -> usize {
    let mut v = seed;
    let mut depth = 0;
    let mut visited = Vec::new();
    // Each round at least deepens the structure, so this ends; the cap
    // keeps the cost at a few breadth-first searches.
    for _ in 0..8 {
        for &u in &visited {
            level[u] = usize::MAX;
        }
        visited.clear();
        visited.push(v);
        level[v] = 0;
        let mut q = 0;
        while q < visited.len() {
            let u = visited[q];
            q += 1;
            for w in neighbours(u) {
                if level[w] == usize::MAX {
                    level[w] = level[u] + 1;
                    visited.push(w);
                }
            }
        }
        let last = level[*visited.last().expect("seed is visited")];
        let candidate = visited
            .iter()
            .copied()
            .filter(|&u| level[u] == last)
            .min_by_key(|&u| (degree[u], u))
            .expect("the last level is not empty");
        if last <= depth && depth > 0 {
            break;
        }
        depth = last;
        v = candidate;
    }
    for &u in &visited {
        level[u] = usize::MAX;
    }
    v
}

/// The ordering with the smaller envelope of the natural order and
/// [`reverse_cuthill_mckee`] (natural on ties: a band stays as it is).
///
/// ```
/// use lensdiff::{banded::envelope_ordering, sparsity::Pattern};
/// // A tridiagonal pattern is already optimal.
/// let n = 5;
/// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(i, i), (i, i + 1), (i + 1, i)])
///     .filter(|&(i, j)| i < n && j < n));
/// assert_eq!(envelope_ordering(&p), vec![0, 1, 2, 3, 4]);
/// ```
pub fn envelope_ordering(p: &Pattern) -> Vec<usize> {
    let natural: Vec<usize> = (0..p.nrows()).collect();
    let rcm = reverse_cuthill_mckee(p);
    if envelope_size(p, &rcm) < envelope_size(p, &natural) {
        rcm
    } else {
        natural
    }
}
