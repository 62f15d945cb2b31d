//! Recovery of a symmetric matrix from the products of a colouring, worked
//! out once per pattern and replayed for every new set of products.
//!
//! Products are read from one flat array: `flat[d·n + i] = (H v_d)_i`.
//!
//! * Direct (star colouring): each entry is one product entry,
//!   [`Recovery::direct`].
//! * Substitution (acyclic colouring): `(H v_d)_i` is the sum of the
//!   unknown entries `H[i][j]`, `color(j) = d` (the diagonal is alone in
//!   `(H v_{color i})_i`). When a row has a single unknown entry of colour
//!   `d`, that entry is the residual; it is subtracted from the residual
//!   of its mirror `(j, color i)`, which may then have a single unknown
//!   left. The entries between two colour classes of an acyclic colouring
//!   form a forest, so peeling leaves determines every entry; anything
//!   left over is reported as an error. Which entry is peeled when depends
//!   only on the pattern, so the peeling order is recorded once
//!   ([`Recovery::substitution`]) and replayed as a list of
//!   read–store–subtract steps.

use crate::Error;
use crate::sparsity::Pattern;

/// One peeling step: `v = residual[src]`, stored at entries `e` and `m`
/// (the mirror), then `residual[dst] -= v`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    e: usize,
    m: usize,
    src: usize,
    dst: usize,
}

/// A recovery recorded for one pattern and colouring.
#[derive(Debug, Clone)]
pub(crate) enum Recovery {
    /// `values[e] = flat[source[e]]`.
    Direct { source: Vec<usize> },
    /// Diagonal entries read directly, then the peeling steps in order.
    Substitution {
        diagonal: Vec<(usize, usize)>,
        steps: Vec<Step>,
    },
}

impl Recovery {
    /// The direct recovery for a star colouring: entry `(i, j)` from row `i`
    /// of the product of `j`'s colour when it is alone there, else from row
    /// `j` of the product of `i`'s colour.
    pub(crate) fn direct(p: &Pattern, color: &[usize], n_colors: usize) -> Result<Self, Error> {
        let n = p.nrows();
        // unique[e]: entry e = (i, j) is the only one of colour color(j) in row i.
        let mut unique = vec![false; p.nnz()];
        let mut count: Vec<usize> = vec![0; n_colors];
        let mut e = 0;
        for i in 0..n {
            let row = p.row(i);
            for &j in row {
                count[color[j]] += 1;
            }
            for &j in row {
                unique[e] = count[color[j]] == 1;
                e += 1;
            }
            for &j in row {
                count[color[j]] = 0;
            }
        }
        let ptr = p.row_ptr();
        let mut source = vec![0; p.nnz()];
        let mut e = 0;
        for i in 0..n {
            for &j in p.row(i) {
                source[e] = if unique[e] {
                    color[j] * n + i
                } else {
                    // Read H[j][i] from row j instead: entry (j, i).
                    let off = p.row(j).binary_search(&i).map_err(|_| not_star())?;
                    if !unique[ptr[j] + off] {
                        return Err(not_star());
                    }
                    color[i] * n + j
                };
                e += 1;
            }
        }
        Ok(Recovery::Direct { source })
    }

    /// The peeling order for an acyclic colouring.
    pub(crate) fn substitution(
        p: &Pattern,
        color: &[usize],
        n_colors: usize,
    ) -> Result<Self, Error> {
        let n = p.nrows();
        let nc = n_colors;
        let ptr = p.row_ptr();
        let mut known = vec![false; p.nnz()];
        let mut mirror = vec![0usize; p.nnz()];
        let mut count = vec![0u32; n * nc];
        let mut diagonal = Vec::new();
        for i in 0..n {
            for (o, &j) in p.row(i).iter().enumerate() {
                let e = ptr[i] + o;
                if i == j {
                    diagonal.push((e, color[i] * n + i));
                    known[e] = true;
                    mirror[e] = e;
                } else {
                    let m = p.row(j).binary_search(&i).map_err(|_| unsymmetric())?;
                    mirror[e] = ptr[j] + m;
                    count[i * nc + color[j]] += 1;
                }
            }
        }
        let mut queue: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (0..nc).map(move |d| (i, d)))
            .filter(|&(i, d)| count[i * nc + d] == 1)
            .collect();
        let mut steps = Vec::with_capacity(p.nnz() / 2);
        while let Some((i, d)) = queue.pop() {
            if count[i * nc + d] != 1 {
                continue;
            }
            let Some(o) = p
                .row(i)
                .iter()
                .enumerate()
                .position(|(o, &j)| !known[ptr[i] + o] && color[j] == d)
            else {
                continue;
            };
            let e = ptr[i] + o;
            let j = p.row(i)[o];
            let m = mirror[e];
            known[e] = true;
            known[m] = true;
            count[i * nc + d] -= 1;
            let ci = color[i];
            count[j * nc + ci] -= 1;
            steps.push(Step {
                e,
                m,
                src: d * n + i,
                dst: ci * n + j,
            });
            if count[j * nc + ci] == 1 {
                queue.push((j, ci));
            }
        }
        if known.iter().any(|&k| !k) {
            return Err(Error::InvalidArgument {
                op: "hessian_sparse",
                reason: "the colouring does not allow recovery by substitution (not acyclic?)"
                    .into(),
            });
        }
        Ok(Recovery::Substitution { diagonal, steps })
    }

    /// The values on the pattern, row by row, from the flat products
    /// (`flat` is used as the residual and left changed).
    pub(crate) fn apply(&self, flat: &mut [f64], nnz: usize) -> Vec<f64> {
        match self {
            Recovery::Direct { source } => source.iter().map(|&s| flat[s]).collect(),
            Recovery::Substitution { diagonal, steps } => {
                let mut values = vec![0.0; nnz];
                for &(e, s) in diagonal {
                    values[e] = flat[s];
                }
                for s in steps {
                    let v = flat[s.src];
                    values[s.e] = v;
                    values[s.m] = v;
                    flat[s.dst] -= v;
                }
                values
            }
        }
    }
}

fn not_star() -> Error {
    Error::InvalidArgument {
        op: "hessian_sparse",
        reason: "the colouring does not allow direct recovery (pattern not symmetric?)".into(),
    }
}

fn unsymmetric() -> Error {
    Error::InvalidArgument {
        op: "hessian_sparse",
        reason: "the pattern is not symmetric".into(),
    }
}
