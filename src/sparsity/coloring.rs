//! Greedy colourings of sparsity patterns: which columns can share one
//! derivative product.
//!
//! * [`column_coloring`] (Jacobians, and Hessians by direct recovery of a
//!   *non-symmetric* kind): a distance-2 colouring of the bipartite graph,
//!   i.e. columns that share a row get different colours, so each nonzero
//!   `J[i][j]` is alone in row `i` of the product of `j`'s colour.
//!   Greedy in one of three orders ([`ColumnOrder`]): smallest-last (the
//!   default), largest-first by column count, or natural. At most
//!   `max_j |{k : col k meets col j}| + 1` colours in any order (each
//!   column is blocked only by the colours of the columns it meets), at
//!   most the degeneracy of the column-intersection graph plus one in
//!   smallest-last order; on a band of half-width `k` all three give the
//!   `2k + 1` of the CPR comb.
//! * [`star_coloring`] (symmetric Hessians, direct recovery): a proper
//!   colouring of the adjacency graph in which every path on four vertices
//!   uses at least three colours. Then every off-diagonal `H[i][j]` is
//!   alone either in row `i` of the product of `j`'s colour or in row `j`
//!   of the product of `i`'s colour (symmetry lets us read either), so
//!   fewer colours than a distance-2 colouring suffice (an arrowhead needs
//!   two, not `n`). Greedy, largest degree first (a hub coloured last
//!   would be blocked by rule 2 below from reusing any colour): a vertex
//!   `v` may not take
//!   1. the colour of a neighbour `w`;
//!   2. the colour of `x ∈ N(w)` when `w` is still uncoloured (so two
//!      vertices with a common neighbour coloured later always differ);
//!   3. the colour of `x ∈ N(w)` when `w` is coloured and `x` has another
//!      neighbour `y ≠ w` of `w`'s colour (else `v–w–x–y` would be a
//!      two-coloured path).
//!
//!   With these rules no two-coloured path on four vertices can appear
//!   (consider the last of its vertices to be coloured). Cost
//!   O(Σ_v Σ_{w ∈ N(v)} Σ_{x ∈ N(w)} deg x): about a second for a band of
//!   half-width 4 at n = 10⁶. Vertices of degree above `max(16, 10 √n)`
//!   (a parameter shared by every point) first get one colour each and
//!   are then left out: a path through such a vertex cannot alternate two
//!   colours, and the cost stays O(nnz · max degree of the rest).
//!
//! The acyclic colouring (recovery by substitution, fewer colours still)
//! is in its own file: [`super::acyclic_coloring`].

use super::Pattern;
use super::dense_threshold;

/// A colouring of the columns of a pattern.
///
/// ```
/// use lensdiff::sparsity::{column_coloring, Pattern};
/// let p = Pattern::from_entries(2, 3, [(0, 0), (0, 1), (1, 1), (1, 2)]);
/// let c = column_coloring(&p);
/// assert_eq!(c.n_colors(), 2); // columns 0 and 2 share no row
/// assert_eq!(c.color(0), c.color(2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coloring {
    colors: Vec<usize>,
    n_colors: usize,
}

impl Coloring {
    pub(crate) fn from_colors(colors: Vec<usize>) -> Self {
        let n_colors = colors.iter().map(|&c| c + 1).max().unwrap_or(0);
        Coloring { colors, n_colors }
    }

    /// The number of colours (products needed).
    ///
    /// ```
    /// use lensdiff::sparsity::{star_coloring, Pattern};
    /// let diag = Pattern::from_entries(3, 3, (0..3).map(|i| (i, i)));
    /// assert_eq!(star_coloring(&diag).n_colors(), 1);
    /// ```
    pub fn n_colors(&self) -> usize {
        self.n_colors
    }

    /// The colour of column `j` (in `0..n_colors()`).
    ///
    /// ```
    /// use lensdiff::sparsity::{column_coloring, Pattern};
    /// let p = Pattern::from_entries(1, 2, [(0, 0), (0, 1)]);
    /// assert_ne!(column_coloring(&p).color(0), column_coloring(&p).color(1));
    /// ```
    pub fn color(&self, j: usize) -> usize {
        self.colors[j]
    }

    /// The colours of all columns.
    ///
    /// ```
    /// use lensdiff::sparsity::{column_coloring, Pattern};
    /// let p = Pattern::from_entries(1, 2, [(0, 0)]);
    /// assert_eq!(column_coloring(&p).colors().len(), 2);
    /// ```
    pub fn colors(&self) -> &[usize] {
        &self.colors
    }

    /// The seed vectors: `v_c = Σ_{color(j) = c} e_j`, one per colour.
    ///
    /// ```
    /// use lensdiff::sparsity::{column_coloring, Pattern};
    /// let p = Pattern::from_entries(1, 3, [(0, 0), (0, 1)]);
    /// let s = column_coloring(&p).seeds();
    /// assert_eq!(s.len(), 2);
    /// assert_eq!(s.iter().map(|v| v.iter().sum::<f64>()).sum::<f64>(), 3.0);
    /// ```
    pub fn seeds(&self) -> Vec<Vec<f64>> {
        let mut s = vec![vec![0.0; self.colors.len()]; self.n_colors];
        for (j, &c) in self.colors.iter().enumerate() {
            s[c][j] = 1.0;
        }
        s
    }
}

/// The smallest colour not marked with `stamp` in `forbidden`.
fn first_free(forbidden: &[usize], stamp: usize) -> usize {
    forbidden
        .iter()
        .position(|&f| f != stamp)
        .unwrap_or(forbidden.len())
}

/// Marks colour `c` as forbidden for the vertex stamped `stamp`.
#[inline]
fn forbid(forbidden: &mut Vec<usize>, c: usize, stamp: usize) {
    if c >= forbidden.len() {
        forbidden.resize(c + 1, usize::MAX);
    }
    forbidden[c] = stamp;
}

/// The order in which [`column_coloring_with`] visits the columns. The
/// greedy colouring gives each column the smallest colour not used by a
/// column it meets (shares a row with) and already coloured, so the order
/// decides how many colours it needs.
///
/// ```
/// use lensdiff::sparsity::{column_coloring, column_coloring_with, ColumnOrder, Pattern};
/// let p = Pattern::from_entries(2, 3, [(0, 0), (0, 1), (1, 1), (1, 2)]);
/// assert_eq!(ColumnOrder::default(), ColumnOrder::SmallestLast);
/// assert_eq!(column_coloring_with(&p, ColumnOrder::default()), column_coloring(&p));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColumnOrder {
    /// Decreasing column count (ties by index): a cheap proxy for the
    /// degree in the column-intersection graph.
    LargestFirst,
    /// Smallest-last (Matula and Beck): repeatedly remove a column of
    /// smallest remaining degree in the column-intersection graph, then
    /// colour in the reverse order of removal. Each column then meets at
    /// most `d` earlier-coloured columns, where `d` is the graph's
    /// degeneracy, so it uses at most `d + 1 ≤ max degree + 1` colours.
    #[default]
    SmallestLast,
    /// Column `0, 1, 2, …` (on a band: the CPR comb).
    Natural,
}

/// Greedy distance-2 colouring of the columns (columns sharing a row get
/// different colours) in the default order, [`ColumnOrder::SmallestLast`].
/// See the module docs and [`column_coloring_with`].
///
/// ```
/// use lensdiff::sparsity::{column_coloring, Pattern};
/// // A band of half-width 1: the CPR comb, 3 colours.
/// let n = 10;
/// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(i, i), (i, i + 1), (i + 1, i)])
///     .filter(|&(i, j)| i < n && j < n));
/// assert_eq!(column_coloring(&p).n_colors(), 3);
/// ```
pub fn column_coloring(p: &Pattern) -> Coloring {
    column_coloring_with(p, ColumnOrder::default())
}

/// Greedy distance-2 colouring of the columns, visiting them in `order`.
///
/// Cost O(Σ_rows |row|²) = O(nnz · max row nnz) time for every order (the
/// smallest-last order visits the neighbours of each column twice, once
/// for its degree and once when it is removed, through a bucket queue of
/// degrees) and O(nnz + ncols) memory: the column-intersection graph is
/// never stored, its neighbours are read from the rows and the columns
/// (the transposed pattern).
///
/// ```
/// use lensdiff::sparsity::{column_coloring_with, ColumnOrder, Pattern};
/// // A star of columns: column 0 meets 1..5 (rows 0..4), which meet no one else.
/// let p = Pattern::from_entries(4, 5, (0..4).flat_map(|r| [(r, 0), (r, r + 1)]));
/// for order in [ColumnOrder::LargestFirst, ColumnOrder::SmallestLast, ColumnOrder::Natural] {
///     assert_eq!(column_coloring_with(&p, order).n_colors(), 2);
/// }
/// ```
pub fn column_coloring_with(p: &Pattern, order: ColumnOrder) -> Coloring {
    let cols = p.transpose();
    let order = match order {
        ColumnOrder::LargestFirst => largest_first(&cols),
        ColumnOrder::SmallestLast => smallest_last(p, &cols),
        ColumnOrder::Natural => (0..p.ncols()).collect(),
    };
    const NONE: usize = usize::MAX;
    let mut color = vec![NONE; p.ncols()];
    let mut forbidden: Vec<usize> = Vec::new();
    for (stamp, &j) in order.iter().enumerate() {
        for &r in cols.row(j) {
            for &k in p.row(r) {
                if k != j && color[k] != NONE {
                    forbid(&mut forbidden, color[k], stamp);
                }
            }
        }
        color[j] = first_free(&forbidden, stamp);
    }
    Coloring::from_colors(color)
}

/// The columns by decreasing count (`cols` = the transposed pattern), ties
/// by index: a stable counting sort.
fn largest_first(cols: &Pattern) -> Vec<usize> {
    let n = cols.nrows();
    let max_len = cols.max_row_nnz();
    let mut buckets = vec![0usize; max_len + 2];
    for j in 0..n {
        buckets[max_len - cols.row(j).len() + 1] += 1;
    }
    for b in 1..buckets.len() {
        buckets[b] += buckets[b - 1];
    }
    let mut order = vec![0usize; n];
    for j in 0..n {
        let b = max_len - cols.row(j).len();
        order[buckets[b]] = j;
        buckets[b] += 1;
    }
    order
}

/// Calls `visit(k)` once for each column `k ≠ j` that shares a row with
/// `j`, using `mark[k] = stamp` to skip repeats (`stamp` must be new).
fn for_each_neighbour(
    p: &Pattern,
    cols: &Pattern,
    j: usize,
    mark: &mut [usize],
    stamp: usize,
    mut visit: impl FnMut(usize),
) {
    for &r in cols.row(j) {
        for &k in p.row(r) {
            if k != j && mark[k] != stamp {
                mark[k] = stamp;
                visit(k);
            }
        }
    }
}

/// Doubly linked lists of the columns by current degree (a bucket queue).
struct Buckets {
    head: Vec<usize>,
    next: Vec<usize>,
    prev: Vec<usize>,
}

impl Buckets {
    const NONE: usize = usize::MAX;

    fn push(&mut self, v: usize, d: usize) {
        self.prev[v] = Self::NONE;
        self.next[v] = self.head[d];
        if self.head[d] != Self::NONE {
            self.prev[self.head[d]] = v;
        }
        self.head[d] = v;
    }

    fn unlink(&mut self, v: usize, d: usize) {
        let (p, n) = (self.prev[v], self.next[v]);
        if p == Self::NONE {
            self.head[d] = n;
        } else {
            self.next[p] = n;
        }
        if n != Self::NONE {
            self.prev[n] = p;
        }
    }
}

/// The smallest-last order of the column-intersection graph: the column
/// removed last (from the smallest remaining degree) comes first.
/// O(Σ_rows |row|² + ncols): after a column of degree `d` is removed, each
/// remaining neighbour's degree drops by exactly one, so the smallest
/// non-empty bucket is at least `d − 1` and the scan for it never moves
/// back by more than one.
fn smallest_last(p: &Pattern, cols: &Pattern) -> Vec<usize> {
    let n = p.ncols();
    let mut mark = vec![usize::MAX; n];
    let mut degree = vec![0usize; n];
    for (j, d) in degree.iter_mut().enumerate() {
        for_each_neighbour(p, cols, j, &mut mark, j, |_| *d += 1);
    }
    let max_degree = degree.iter().copied().max().unwrap_or(0);
    let mut q = Buckets {
        head: vec![Buckets::NONE; max_degree + 1],
        next: vec![Buckets::NONE; n],
        prev: vec![Buckets::NONE; n],
    };
    for (j, &d) in degree.iter().enumerate() {
        q.push(j, d);
    }
    let mut removed = vec![false; n];
    let mut order = vec![0usize; n];
    let mut d = 0;
    for pos in (0..n).rev() {
        while q.head[d] == Buckets::NONE {
            d += 1;
        }
        let v = q.head[d];
        q.unlink(v, d);
        removed[v] = true;
        order[pos] = v;
        for_each_neighbour(p, cols, v, &mut mark, n + pos, |k| {
            if !removed[k] {
                q.unlink(k, degree[k]);
                degree[k] -= 1;
                q.push(k, degree[k]);
            }
        });
        d = d.saturating_sub(1);
    }
    order
}

/// Greedy star colouring of a symmetric pattern (the diagonal is ignored),
/// for direct recovery of a Hessian from `n_colors()` products. See the
/// module docs. Panics if the pattern is not square.
///
/// ```
/// use lensdiff::sparsity::{star_coloring, Pattern};
/// // An arrowhead: x₀ meets everyone. Two colours suffice.
/// let n = 8;
/// let p = Pattern::from_entries(n, n, (0..n).flat_map(|i| [(0, i), (i, 0), (i, i)]));
/// assert_eq!(star_coloring(&p).n_colors(), 2);
/// ```
pub fn star_coloring(p: &Pattern) -> Coloring {
    assert_eq!(
        p.nrows(),
        p.ncols(),
        "star_coloring: the pattern must be square"
    );
    const NONE: usize = usize::MAX;
    let n = p.nrows();
    // Dense vertices (a parameter coupled to everything) each get a colour
    // of their own: a path through one then never alternates two colours,
    // and the others are coloured without looking at them. Otherwise their
    // n² distance-2 neighbourhood would dominate the cost.
    let limit = dense_threshold(n);
    let degree = |v: usize| p.row(v).iter().filter(|&&w| w != v).count();
    let dense: Vec<bool> = (0..n).map(|v| degree(v) > limit).collect();
    let n_dense = dense.iter().filter(|&&d| d).count();
    // Largest degree first (stable): a hub coloured late would see every
    // vertex before it as blocked by rule 2 and force a new colour each.
    let mut order: Vec<usize> = (0..n).filter(|&v| !dense[v]).collect();
    order.sort_by_key(|&v| std::cmp::Reverse(p.row(v).len()));
    let mut color = vec![NONE; n];
    let mut forbidden: Vec<usize> = Vec::new();
    for (stamp, &v) in order.iter().enumerate() {
        for &w in p.row(v) {
            if w == v || dense[w] {
                continue;
            }
            let cw = color[w];
            if cw != NONE {
                forbid(&mut forbidden, cw, stamp);
            }
            for &x in p.row(w) {
                if x == v || x == w || dense[x] || color[x] == NONE {
                    continue;
                }
                // Rule 2 (w uncoloured) or rule 3 (x has another
                // neighbour of w's colour).
                let blocks =
                    cw == NONE || p.row(x).iter().any(|&y| y != w && y != x && color[y] == cw);
                if blocks {
                    forbid(&mut forbidden, color[x], stamp);
                }
            }
        }
        color[v] = first_free(&forbidden, stamp);
    }
    // The dense vertices take the first colours, the others move up.
    for c in color.iter_mut().filter(|c| **c != NONE) {
        *c += n_dense;
    }
    for (c, v) in (0..n).filter(|&v| dense[v]).enumerate() {
        color[v] = c;
    }
    Coloring::from_colors(color)
}
