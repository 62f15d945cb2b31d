//! Classic unconstrained test problems that are not ours: the
//! variable-dimension problems of Moré, Garbow & Hillstrom ("Testing
//! unconstrained optimization software", ACM TOMS 7, 1981) with their
//! standard starting points, a hanging chain started compressed (non-convex
//! at the start), and a double well started at its maximum (`∇f = 0`,
//! `H = −I`).
//!
//! | name          | Hessian                          | k | f*        |
//! |---------------|----------------------------------|---|-----------|
//! | `rosenbrock`  | extended Rosenbrock, 2×2 blocks  | 1 | 0         |
//! | `powell`      | extended Powell singular, 4×4    | 3 | 0 (singular H*) |
//! | `broyden_tri` | Broyden tridiagonal, least squares | 2 | 0       |
//! | `broyden_band`| Broyden banded (ml = 5, mu = 1)  | 6 | 0         |
//! | `boundary`    | discrete boundary value          | 2 | 0         |
//! | `wood`        | extended Wood, 4×4 blocks        | 2 | 0         |
//! | `chain`       | hanging chain, compressed start  | 3 | Ipopt's   |
//! | `double_well` | Σ (x⁴/4 − x²/2) from x = 0       | 0 | −n/4      |
//!
//! The reference minima of Ipopt (through CasADi, exact Hessian) are in
//! `tests/data/classic_ipopt.txt`, written by
//! `benches/compare/classic_ipopt.py`, which states the same problems.

use super::Problem;
use lensdiff::{Expr, Objective, Real, c};
use nalgebra::DVector;

/// Which classic problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassicKind {
    /// Extended Rosenbrock (MGH 21).
    Rosenbrock,
    /// Extended Powell singular (MGH 22).
    Powell,
    /// Broyden tridiagonal (MGH 30).
    BroydenTri,
    /// Broyden banded (MGH 31).
    BroydenBand,
    /// Discrete boundary value (MGH 28).
    Boundary,
    /// Extended Wood (MGH 14 in blocks).
    Wood,
    /// A hanging chain of `n/2 + 1` links between (0, 0) and (1, 0), 1.5
    /// long, its `n/2` free joints started on the chord (links compressed).
    Chain,
    /// Σ (x⁴/4 − x²/2) started at its maximum x = 0.
    DoubleWell,
}

impl ClassicKind {
    /// Every kind, in the order of the tables.
    pub const ALL: [ClassicKind; 8] = [
        ClassicKind::Rosenbrock,
        ClassicKind::Powell,
        ClassicKind::BroydenTri,
        ClassicKind::BroydenBand,
        ClassicKind::Boundary,
        ClassicKind::Wood,
        ClassicKind::Chain,
        ClassicKind::DoubleWell,
    ];

    /// The name used on the command line and in the reference file.
    pub fn name(self) -> &'static str {
        match self {
            ClassicKind::Rosenbrock => "rosenbrock",
            ClassicKind::Powell => "powell",
            ClassicKind::BroydenTri => "broyden_tri",
            ClassicKind::BroydenBand => "broyden_band",
            ClassicKind::Boundary => "boundary",
            ClassicKind::Wood => "wood",
            ClassicKind::Chain => "chain",
            ClassicKind::DoubleWell => "double_well",
        }
    }

    /// The kind of a name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A classic problem of dimension `n` (rounded down to the problem's block
/// size: even for Rosenbrock and the chain, a multiple of 4 for Powell and
/// Wood).
#[derive(Debug, Clone, Copy)]
pub struct Classic {
    kind: ClassicKind,
    n: usize,
}

/// The chain's length over its span.
const CHAIN_SLACK: f64 = 1.5;
/// The weight of the chain's link-length penalty.
const CHAIN_STIFFNESS: f64 = 1.0;

impl Classic {
    /// The problem `kind` at about `n` variables.
    pub fn new(kind: ClassicKind, n: usize) -> Self {
        let block = match kind {
            ClassicKind::Rosenbrock | ClassicKind::Chain => 2,
            ClassicKind::Powell | ClassicKind::Wood => 4,
            _ => 1,
        };
        Classic {
            kind,
            n: (n / block).max(1) * block,
        }
    }

    /// Which problem.
    pub fn kind(&self) -> ClassicKind {
        self.kind
    }
}

/// `[0 ×front, x, 0 ×back]`.
fn padded<S: Real>(x: &Expr<S>, front: usize, back: usize) -> Expr<S> {
    let zeros = |m: usize| Expr::constant(DVector::from_element(m, c::<S>(0.0)));
    let mut e = x.clone();
    if front > 0 {
        e = zeros(front).concat(&e);
    }
    if back > 0 {
        e = e.concat(&zeros(back));
    }
    e
}

impl Objective for Classic {
    fn build<S: Real>(&self, x: Expr<S>) -> Expr<S> {
        let n = self.n;
        match self.kind {
            ClassicKind::Rosenbrock => {
                let (a, b) = (x.even(), x.odd());
                (b - a.square()).square().sum() * 100.0 + (a - 1.0).square().sum()
            }
            ClassicKind::Powell => {
                let q: Vec<_> = (0..4).map(|r| x.stride(r, 4)).collect();
                (&q[0] + &q[1] * 10.0).square().sum()
                    + (&q[2] - &q[3]).square().sum() * 5.0
                    + (&q[1] - &q[2] * 2.0).powi(4).sum()
                    + (&q[0] - &q[3]).powi(4).sum() * 10.0
            }
            ClassicKind::BroydenTri => {
                // r_i = (3 − 2x_i) x_i − x_{i−1} − 2x_{i+1} + 1, x_0 = x_{n+1} = 0.
                let own = x.map(|t| (t * c(-2.0) + c(3.0)) * t + c(1.0));
                let neighbours = padded(&x, 1, 1).linear_stencil("broyden_tri", &[-1.0, 0.0, -2.0]);
                (own + neighbours).square().sum()
            }
            ClassicKind::BroydenBand => {
                // r_i = x_i (2 + 5x_i²) + 1 − Σ_{j ∈ [i−5, i+1], j ≠ i} x_j (1 + x_j).
                let own = x.map(|t| t * (t * t * c(5.0) + c(2.0)) + c(1.0));
                let t = x.map(|t| t * (t + c(1.0)));
                let window = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 1.0];
                let others = padded(&t, 5, 1).linear_stencil("broyden_band", &window);
                (own - others).square().sum()
            }
            ClassicKind::Boundary => {
                // r_i = 2x_i − x_{i−1} − x_{i+1} + h² (x_i + t_i + 1)³ / 2.
                let h = 1.0 / (n as f64 + 1.0);
                let t1 = DVector::from_fn(n, |i, _| c::<S>((i as f64 + 1.0) * h + 1.0));
                let lap = padded(&x, 1, 1).linear_stencil("laplacian", &[-1.0, 2.0, -1.0]);
                (lap + (x + Expr::constant(t1)).powi(3) * (0.5 * h * h))
                    .square()
                    .sum()
            }
            ClassicKind::Wood => {
                let q: Vec<_> = (0..4).map(|r| x.stride(r, 4)).collect();
                (&q[1] - q[0].square()).square().sum() * 100.0
                    + (&q[0] - 1.0).square().sum()
                    + (&q[3] - q[2].square()).square().sum() * 90.0
                    + (&q[2] - 1.0).square().sum()
                    + (&q[1] + &q[3] - 2.0).square().sum() * 10.0
                    + (&q[1] - &q[3]).square().sum() * 0.1
            }
            ClassicKind::Chain => {
                // Joints p_1 … p_m interleaved, ends (0, 0) and (1, 0).
                let links = (n / 2 + 1) as f64;
                let ell = CHAIN_SLACK / links;
                let end = Expr::constant(DVector::from_vec(vec![c::<S>(1.0), c::<S>(0.0)]));
                let p = padded(&x, 2, 0).concat(&end);
                let (dx, dy) = (p.even().diff(), p.odd().diff());
                let stretch = (dx.square() + dy.square()) * (1.0 / (ell * ell)) - 1.0;
                x.odd().sum() * (1.0 / links) + stretch.square().sum() * CHAIN_STIFFNESS
            }
            ClassicKind::DoubleWell => x.map(|t| t.powi(4) * c(0.25) - t * t * c(0.5)).sum(),
        }
    }
}

impl Problem for Classic {
    fn name(&self) -> &'static str {
        self.kind.name()
    }
    fn n(&self) -> usize {
        self.n
    }
    fn x0(&self) -> DVector<f64> {
        let n = self.n;
        match self.kind {
            ClassicKind::Rosenbrock => {
                DVector::from_fn(n, |i, _| if i % 2 == 0 { -1.2 } else { 1.0 })
            }
            ClassicKind::Powell => DVector::from_fn(n, |i, _| [3.0, -1.0, 0.0, 1.0][i % 4]),
            ClassicKind::BroydenTri | ClassicKind::BroydenBand => DVector::from_element(n, -1.0),
            ClassicKind::Boundary => {
                let h = 1.0 / (n as f64 + 1.0);
                DVector::from_fn(n, |i, _| {
                    let t = (i as f64 + 1.0) * h;
                    t * (t - 1.0)
                })
            }
            ClassicKind::Wood => DVector::from_fn(n, |i, _| [-3.0, -1.0, -3.0, -1.0][i % 4]),
            ClassicKind::Chain => {
                let links = (n / 2 + 1) as f64;
                DVector::from_fn(n, |i, _| {
                    if i % 2 == 0 {
                        (i / 2 + 1) as f64 / links
                    } else {
                        0.0
                    }
                })
            }
            ClassicKind::DoubleWell => DVector::zeros(n),
        }
    }
    fn bandwidth(&self) -> usize {
        match self.kind {
            ClassicKind::Rosenbrock => 1,
            ClassicKind::Powell | ClassicKind::Chain => 3,
            ClassicKind::BroydenTri | ClassicKind::Boundary | ClassicKind::Wood => 2,
            ClassicKind::BroydenBand => 6,
            ClassicKind::DoubleWell => 0,
        }
    }
}
