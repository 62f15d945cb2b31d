//! Recovery of a symmetric matrix by substitution from the products of an
//! acyclic colouring.
//!
//! `(H v_d)_i` is the sum of the unknown entries `H[i][j]`, `color(j) = d`
//! (the diagonal is alone in `(H v_{color i})_i`). When a row has a single
//! unknown entry of colour `d`, that entry is the residual; it is
//! subtracted from the residual of its mirror `(j, color i)`, which may
//! then have a single unknown left. The entries between two colour classes
//! of an acyclic colouring form a forest, so peeling leaves determines
//! every entry; anything left over is reported as an error.

use super::Pattern;
use crate::Error;

/// The values on the (symmetric) pattern, row by row, from
/// `prods[d][i] = (H v_d)_i`.
pub(crate) fn recover_substitution(
    p: &Pattern,
    color: &[usize],
    prods: &[Vec<f64>],
) -> Result<Vec<f64>, Error> {
    let n = p.nrows();
    let nc = prods.len();
    let ptr = p.row_ptr();
    let mut values = vec![0.0; p.nnz()];
    let mut known = vec![false; p.nnz()];
    let mut mirror = vec![0usize; p.nnz()];
    let mut count = vec![0u32; n * nc];
    let mut residual: Vec<Vec<f64>> = prods.to_vec();
    for i in 0..n {
        for (o, &j) in p.row(i).iter().enumerate() {
            let e = ptr[i] + o;
            if i == j {
                values[e] = prods[color[i]][i];
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
        let v = residual[d][i];
        let m = mirror[e];
        values[e] = v;
        values[m] = v;
        known[e] = true;
        known[m] = true;
        count[i * nc + d] -= 1;
        residual[d][i] -= v;
        let ci = color[i];
        count[j * nc + ci] -= 1;
        residual[ci][j] -= v;
        if count[j * nc + ci] == 1 {
            queue.push((j, ci));
        }
    }
    if known.iter().any(|&k| !k) {
        return Err(Error::InvalidArgument {
            op: "hessian_sparse",
            reason: "the colouring does not allow recovery by substitution (not acyclic?)".into(),
        });
    }
    Ok(values)
}

fn unsymmetric() -> Error {
    Error::InvalidArgument {
        op: "hessian_sparse",
        reason: "the pattern is not symmetric".into(),
    }
}
