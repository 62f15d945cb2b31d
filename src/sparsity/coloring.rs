//! Greedy colourings of sparsity patterns: which columns can share one
//! derivative product.
//!
//! * [`column_coloring`] (Jacobians, and Hessians by direct recovery of a
//!   *non-symmetric* kind): a distance-2 colouring of the bipartite graph,
//!   i.e. columns that share a row get different colours, so each nonzero
//!   `J[i][j]` is alone in row `i` of the product of `j`'s colour.
//!   Largest-first order (by column count, ties by index); at most
//!   `max_j |{k : col k meets col j}|` colours (each column is blocked only
//!   by the colours of the columns it meets); on a band of half-width `k`
//!   it gives the `2k + 1` of the CPR comb.
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
use super::ordering::dense_threshold;

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

/// Greedy distance-2 colouring of the columns (columns sharing a row get
/// different colours), largest-first by column count. See the module docs.
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
    let cols = p.transpose();
    let n = p.ncols();
    // Counting sort by decreasing column count (stable: ties by index).
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
    const NONE: usize = usize::MAX;
    let mut color = vec![NONE; n];
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
