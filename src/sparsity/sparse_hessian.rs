//! Compressed sparse Hessians: detect the pattern, star-colour it, run one
//! Hessian-vector product per colour, and read every nonzero directly.
//!
//! Seeds `v_c = Σ_{color(j) = c} e_j`; `(H v_c)_i = Σ_{color(l) = c} H[i][l]`.
//! A star colouring guarantees that each off-diagonal `H[i][j]` is the only
//! term either of `(H v_{color j})_i` or of `(H v_{color i})_j`; the
//! diagonal `H[i][i]` is alone in `(H v_{color i})_i` because the colouring
//! is proper. No subtraction, so the entries are exact to rounding.
//!
//! [`hessian_sparse_with`] with [`Recovery::Substitution`] uses an acyclic
//! colouring instead (fewer colours, entries found by peeling the
//! two-coloured trees: each costs a subtraction chain, so an entry much
//! smaller than its neighbours loses relative accuracy).

use super::substitution::recover_substitution;
use super::{CscMatrix, Pattern, acyclic_coloring, hessian_pattern, star_coloring};
use crate::hessian::try_sweep;
use crate::{Error, Objective};
use nalgebra::DVector;

/// How [`hessian_sparse_with`] colours the pattern and recovers entries.
///
/// ```
/// use lensdiff::sparsity::Recovery;
/// assert_eq!(Recovery::default(), Recovery::Direct);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Recovery {
    /// Star colouring, each entry read directly (exact to rounding).
    #[default]
    Direct,
    /// Acyclic colouring, entries by substitution (fewer products).
    Substitution,
}

/// A sparse Hessian with the value and gradient from the same sweep.
#[derive(Debug, Clone)]
pub struct SparseHessian {
    /// `f(x)`.
    pub value: f64,
    /// `∇f(x)`.
    pub gradient: DVector<f64>,
    /// `∇²f(x)`, both triangles, on the detected pattern.
    pub hessian: CscMatrix,
    /// The number of colours: Hessian-vector products used.
    pub colors: usize,
}

/// The Hessian of `f` at `x` from a detected pattern and a star colouring
/// (one Hessian-vector product per colour).
///
/// ```
/// use lensdiff::{sparsity::hessian_sparse, hessian::hessian, problems::{Robot2d, Problem}};
/// let p = Robot2d::new(12);
/// let x = p.x0();
/// let h = hessian_sparse(&p, &x).unwrap();
/// assert!((h.hessian.to_dmatrix() - hessian(&p, &x).unwrap()).amax() < 1e-9);
/// assert!(h.colors <= 9); // 2k + 1 for half-bandwidth k = 4
/// ```
pub fn hessian_sparse<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
) -> Result<SparseHessian, Error> {
    hessian_sparse_with(obj, x, Recovery::Direct)
}

/// The sparse Hessian of `f` at `x` with the chosen colouring and recovery.
///
/// ```
/// use lensdiff::{sparsity::{hessian_sparse_with, Recovery}, hessian::hessian, problems::{Accel2, Problem}};
/// let p = Accel2::new(30);
/// let x = p.x0();
/// let h = hessian_sparse_with(&p, &x, Recovery::Substitution).unwrap();
/// assert_eq!(h.colors, 3); // k + 1 for half-bandwidth k = 2
/// assert!((h.hessian.to_dmatrix() - hessian(&p, &x).unwrap()).amax() < 1e-9);
/// ```
pub fn hessian_sparse_with<O: Objective + ?Sized>(
    obj: &O,
    x: &DVector<f64>,
    recovery: Recovery,
) -> Result<SparseHessian, Error> {
    let pattern = hessian_pattern(obj, x)?;
    let coloring = match recovery {
        Recovery::Direct => star_coloring(&pattern),
        Recovery::Substitution => acyclic_coloring(&pattern),
    };
    let seeds = coloring.seeds();
    let refs: Vec<&[f64]> = seeds.iter().map(|s| s.as_slice()).collect();
    let s = try_sweep(obj, x.as_slice(), &refs)?;
    let values = match recovery {
        Recovery::Direct => recover(&pattern, coloring.colors(), &s.prods)?,
        Recovery::Substitution => recover_substitution(&pattern, coloring.colors(), &s.prods)?,
    };
    Ok(SparseHessian {
        value: s.value,
        gradient: DVector::from_vec(s.grad),
        // Symmetric: the rows are the columns.
        hessian: CscMatrix::from_columns(&pattern, values),
        colors: coloring.n_colors(),
    })
}

/// The values on the (symmetric) pattern, row by row, from the products.
fn recover(p: &Pattern, color: &[usize], prods: &[Vec<f64>]) -> Result<Vec<f64>, Error> {
    let n = p.nrows();
    // unique[e]: entry e = (i, j) is the only one of colour color(j) in row i.
    let mut unique = vec![false; p.nnz()];
    let mut count: Vec<usize> = vec![0; prods.len()];
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
    let mut values = vec![0.0; p.nnz()];
    let mut e = 0;
    for i in 0..n {
        for &j in p.row(i) {
            values[e] = if unique[e] {
                prods[color[j]][i]
            } else {
                // Read H[j][i] from row j instead: entry (j, i).
                let off = p.row(j).binary_search(&i).map_err(|_| not_star())?;
                if !unique[ptr[j] + off] {
                    return Err(not_star());
                }
                prods[color[i]][j]
            };
            e += 1;
        }
    }
    Ok(values)
}

fn not_star() -> Error {
    Error::InvalidArgument {
        op: "hessian_sparse",
        reason: "the colouring does not allow direct recovery (pattern not symmetric?)".into(),
    }
}
