//! Dense mode: a derivative is its Jacobian matrix. Composition is a matrix
//! product, so this mode is an independent third instance used to check the
//! other two; it costs O(n·m) memory and is meant for small maps.

use super::Mode;
use crate::Space;
use crate::linear::LinearMap;
use nalgebra::DMatrix;
use num_traits::{One, Zero};

/// Dense mode (explicit Jacobians).
///
/// ```
/// use lensdiff::{DFun, Dense, ops};
/// use nalgebra::dvector;
/// let f: DFun<_, _, Dense> = ops::square::<f64, Dense>();
/// let (_, j) = f.linearize(&dvector![1.0, 3.0]);
/// assert_eq!(j.matrix()[(1, 1)], 6.0);
/// assert_eq!(j.matrix()[(0, 1)], 0.0);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct Dense;

/// A Jacobian matrix `A ⊸ B` (rows: flat codomain, columns: flat domain).
///
/// ```
/// use lensdiff::{Dense, Mode};
/// use lensdiff::linear::Dup;
/// let j = Dense::lift(Dup::<f64>::new(()));
/// assert_eq!(j.matrix().shape(), (2, 1));
/// ```
pub struct DenseLin<A: Space, B: Space> {
    m: DMatrix<A::Scalar>,
    dom: A::Shape,
    cod: B::Shape,
}

impl<A: Space, B: Space> Clone for DenseLin<A, B> {
    fn clone(&self) -> Self {
        DenseLin {
            m: self.m.clone(),
            dom: self.dom.clone(),
            cod: self.cod.clone(),
        }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> DenseLin<A, B> {
    /// The Jacobian matrix.
    ///
    /// ```
    /// use lensdiff::{Dense, Mode};
    /// use lensdiff::linear::Jam;
    /// assert_eq!(Dense::lift(Jam::<f64>::new(())).matrix()[(0, 1)], 1.0);
    /// ```
    pub fn matrix(&self) -> &DMatrix<A::Scalar> {
        &self.m
    }

    /// `J dx`. Panics at the caller's line, naming both lengths, when `dx`
    /// is not of the domain's shape.
    ///
    /// ```
    /// use lensdiff::{Dense, Mode};
    /// use lensdiff::linear::Dup;
    /// assert_eq!(Dense::lift(Dup::<f64>::new(())).apply(&2.0), (2.0, 2.0));
    /// ```
    #[track_caller]
    pub fn apply(&self, dx: &A) -> B {
        crate::linear::expect_shape::<A>("Jacobian (tangent)", &self.dom, &dx.shape());
        let x = nalgebra::DVector::from_vec(dx.to_flat());
        let y = mat_vec(&self.m, &x);
        B::read_flat(&self.cod, y.as_slice())
    }
}

fn mat_vec<S: crate::Real>(m: &DMatrix<S>, x: &nalgebra::DVector<S>) -> nalgebra::DVector<S> {
    let mut y = nalgebra::DVector::from_element(m.nrows(), S::zero());
    for j in 0..m.ncols() {
        let xj = x[j];
        for i in 0..m.nrows() {
            y[i] += m[(i, j)] * xj;
        }
    }
    y
}

fn mat_mul<S: crate::Real>(a: &DMatrix<S>, b: &DMatrix<S>) -> DMatrix<S> {
    let mut c = DMatrix::from_element(a.nrows(), b.ncols(), S::zero());
    for j in 0..b.ncols() {
        for l in 0..a.ncols() {
            let blj = b[(l, j)];
            for i in 0..a.nrows() {
                c[(i, j)] += a[(i, l)] * blj;
            }
        }
    }
    c
}

impl Mode for Dense {
    type Lin<A: Space, B: Space<Scalar = A::Scalar>> = DenseLin<A, B>;
    const NAME: &'static str = "dense";

    fn lift<A, B, L>(l: L) -> DenseLin<A, B>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        L: LinearMap<A, B>,
    {
        let (dom, cod) = (l.dom_shape(), l.cod_shape());
        let (n, m) = (A::dim_of(&dom), B::dim_of(&cod));
        let mut mat = DMatrix::from_element(m, n, A::Scalar::zero());
        let mut e = vec![A::Scalar::zero(); n];
        let mut col = vec![A::Scalar::zero(); m];
        for j in 0..n {
            e[j] = A::Scalar::one();
            l.apply(&A::read_flat(&dom, &e)).write_flat(&mut col);
            mat.column_mut(j).copy_from_slice(&col);
            e[j] = A::Scalar::zero();
        }
        DenseLin { m: mat, dom, cod }
    }

    fn compose<A, B, C>(g: DenseLin<B, C>, f: DenseLin<A, B>) -> DenseLin<A, C>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
    {
        DenseLin {
            m: mat_mul(&g.m, &f.m),
            dom: f.dom,
            cod: g.cod,
        }
    }

    fn fanout<A, B, C>(f: DenseLin<A, B>, g: DenseLin<A, C>) -> DenseLin<A, (B, C)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
    {
        let (mf, mg) = (f.m.nrows(), g.m.nrows());
        let mut m = DMatrix::from_element(mf + mg, f.m.ncols(), A::Scalar::zero());
        m.rows_mut(0, mf).copy_from(&f.m);
        m.rows_mut(mf, mg).copy_from(&g.m);
        DenseLin {
            m,
            dom: f.dom,
            cod: (f.cod, g.cod),
        }
    }

    fn par<A, B, C, D>(f: DenseLin<A, C>, g: DenseLin<B, D>) -> DenseLin<(A, B), (C, D)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
        D: Space<Scalar = A::Scalar>,
    {
        let (r1, c1) = f.m.shape();
        let (r2, c2) = g.m.shape();
        let mut m = DMatrix::from_element(r1 + r2, c1 + c2, A::Scalar::zero());
        m.view_mut((0, 0), (r1, c1)).copy_from(&f.m);
        m.view_mut((r1, c1), (r2, c2)).copy_from(&g.m);
        DenseLin {
            m,
            dom: (f.dom, g.dom),
            cod: (f.cod, g.cod),
        }
    }
}
