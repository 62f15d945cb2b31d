//! Linear maps given once, with both directions.
//!
//! A primitive's derivative at a point is a [`LinearMap`]: `apply` pushes a
//! tangent forward (`dy = J dx`) and `transpose_add` pulls a cotangent back
//! and *accumulates* it (`dx += Jᵀ dy`). The identity that ties them is
//! adjointness, `⟨J v, w⟩ = ⟨v, Jᵀ w⟩`, checked by the property tests.
//!
//! A [`crate::Mode`] turns a `LinearMap` into its own representation with
//! [`crate::Mode::lift`]: forward mode keeps `apply`, reverse mode keeps
//! `transpose_add`, the dense mode materialises the matrix. This is how every
//! primitive is written once and runs in every mode.
//!
//! The structural maps of the cartesian and cocartesian category (identity,
//! projections, injections, `dup`, `jam`) are defined here as `LinearMap`s.
//! Each checks the shapes it is given against the shapes it was built for
//! and panics at the caller's line with both sizes; the modes' wrappers
//! ([`crate::mode::Pushforward::apply`], [`crate::mode::Pullback::pull`])
//! do the same once at the entry of a whole composed derivative.

use crate::{Error, Space};
use std::marker::PhantomData;

/// `Ok` when `found` is the shape `expected`, else a
/// [`Error::DimensionMismatch`] naming `op` and both dimensions.
pub(crate) fn shape_check<A: Space>(
    op: &'static str,
    expected: &A::Shape,
    found: &A::Shape,
) -> Result<(), Error> {
    if expected == found {
        return Ok(());
    }
    Err(Error::DimensionMismatch {
        op,
        expected: A::dim_of(expected),
        found: A::dim_of(found),
    })
}

/// Panics at the caller's line unless `found` is the shape `expected`
/// (shapes of equal dimension that still differ, `(2, 3)` against `(3, 2)`,
/// are printed too).
#[track_caller]
pub(crate) fn expect_shape<A: Space>(op: &'static str, expected: &A::Shape, found: &A::Shape) {
    if let Err(e) = shape_check::<A>(op, expected, found) {
        if A::dim_of(expected) == A::dim_of(found) {
            panic!("{e} (shape {found:?}, expected {expected:?})");
        }
        panic!("{e}");
    }
}

/// Checks a tangent against a map's domain (for the maps of this file).
#[track_caller]
fn check_apply<A, B, L>(l: &L, op: &'static str, dx: &A)
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    L: LinearMap<A, B>,
{
    expect_shape::<A>(op, &l.dom_shape(), &dx.shape());
}

/// Checks a cotangent against a map's codomain and the accumulator
/// against its domain.
#[track_caller]
fn check_transpose<A, B, L>(l: &L, op: &'static str, dy: &B, dx: &A)
where
    A: Space,
    B: Space<Scalar = A::Scalar>,
    L: LinearMap<A, B>,
{
    expect_shape::<B>(op, &l.cod_shape(), &dy.shape());
    expect_shape::<A>(op, &l.dom_shape(), &dx.shape());
}

/// A linear map `A ⊸ B` with its transpose.
///
/// ```
/// use lensdiff::linear::{LinearMap, Dup};
/// use lensdiff::Space;
/// let d = Dup::<f64>::new(());
/// assert_eq!(d.apply(&2.0), (2.0, 2.0));
/// let mut dx = 0.0;
/// d.transpose_add(&(1.0, 3.0), &mut dx);
/// assert_eq!(dx, 4.0);
/// ```
pub trait LinearMap<A: Space, B: Space<Scalar = A::Scalar>>: Send + Sync + 'static {
    /// `J dx`.
    fn apply(&self, dx: &A) -> B;
    /// `dx += Jᵀ dy`.
    fn transpose_add(&self, dy: &B, dx: &mut A);
    /// The shape of the domain.
    fn dom_shape(&self) -> A::Shape;
    /// The shape of the codomain.
    fn cod_shape(&self) -> B::Shape;

    /// `Jᵀ dy` into a fresh zero.
    #[track_caller]
    fn transpose(&self, dy: &B) -> A {
        let mut dx = A::zeros_of(&self.dom_shape());
        self.transpose_add(dy, &mut dx);
        dx
    }
}

/// The identity `A ⊸ A`.
///
/// ```
/// use lensdiff::linear::{Identity, LinearMap};
/// assert_eq!(Identity::<f64>::new(()).apply(&3.0), 3.0);
/// ```
#[derive(Debug, Clone)]
pub struct Identity<A: Space> {
    shape: A::Shape,
}

impl<A: Space> Identity<A> {
    /// The identity on vectors of `shape`.
    ///
    /// ```
    /// use lensdiff::linear::{Identity, LinearMap};
    /// use nalgebra::dvector;
    /// assert_eq!(Identity::new(2).apply(&dvector![1.0, 2.0]), dvector![1.0, 2.0]);
    /// ```
    pub fn new(shape: A::Shape) -> Self {
        Identity { shape }
    }
}

impl<A: Space> LinearMap<A, A> for Identity<A> {
    #[track_caller]
    fn apply(&self, dx: &A) -> A {
        check_apply(self, "identity", dx);
        dx.clone()
    }
    #[track_caller]
    fn transpose_add(&self, dy: &A, dx: &mut A) {
        check_transpose(self, "identity transpose", dy, dx);
        dx.accumulate(dy);
    }
    fn dom_shape(&self) -> A::Shape {
        self.shape.clone()
    }
    fn cod_shape(&self) -> A::Shape {
        self.shape.clone()
    }
}

/// The first projection `A ⊕ B ⊸ A` (Haskell's `exl`).
///
/// ```
/// use lensdiff::linear::{Fst, LinearMap};
/// let p = Fst::<f64, f64>::new(((), ()));
/// assert_eq!(p.apply(&(1.0, 2.0)), 1.0);
/// assert_eq!(p.transpose(&5.0), (5.0, 0.0));
/// ```
#[derive(Debug, Clone)]
pub struct Fst<A: Space, B: Space> {
    shape: (A::Shape, B::Shape),
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Fst<A, B> {
    /// The projection from pairs of the given shape.
    ///
    /// ```
    /// use lensdiff::linear::{Fst, LinearMap};
    /// assert_eq!(Fst::<f64, f64>::new(((), ())).dom_shape(), ((), ()));
    /// ```
    pub fn new(shape: (A::Shape, B::Shape)) -> Self {
        Fst { shape }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> LinearMap<(A, B), A> for Fst<A, B> {
    #[track_caller]
    fn apply(&self, dx: &(A, B)) -> A {
        check_apply(self, "fst", dx);
        dx.0.clone()
    }
    #[track_caller]
    fn transpose_add(&self, dy: &A, dx: &mut (A, B)) {
        check_transpose(self, "fst transpose", dy, dx);
        dx.0.accumulate(dy);
    }
    fn dom_shape(&self) -> (A::Shape, B::Shape) {
        self.shape.clone()
    }
    fn cod_shape(&self) -> A::Shape {
        self.shape.0.clone()
    }
}

/// The second projection `A ⊕ B ⊸ B` (Haskell's `exr`).
///
/// ```
/// use lensdiff::linear::{Snd, LinearMap};
/// let p = Snd::<f64, f64>::new(((), ()));
/// assert_eq!(p.apply(&(1.0, 2.0)), 2.0);
/// assert_eq!(p.transpose(&5.0), (0.0, 5.0));
/// ```
#[derive(Debug, Clone)]
pub struct Snd<A: Space, B: Space> {
    shape: (A::Shape, B::Shape),
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Snd<A, B> {
    /// The projection from pairs of the given shape.
    ///
    /// ```
    /// use lensdiff::linear::{Snd, LinearMap};
    /// assert_eq!(Snd::<f64, f64>::new(((), ())).cod_shape(), ());
    /// ```
    pub fn new(shape: (A::Shape, B::Shape)) -> Self {
        Snd { shape }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> LinearMap<(A, B), B> for Snd<A, B> {
    #[track_caller]
    fn apply(&self, dx: &(A, B)) -> B {
        check_apply(self, "snd", dx);
        dx.1.clone()
    }
    #[track_caller]
    fn transpose_add(&self, dy: &B, dx: &mut (A, B)) {
        check_transpose(self, "snd transpose", dy, dx);
        dx.1.accumulate(dy);
    }
    fn dom_shape(&self) -> (A::Shape, B::Shape) {
        self.shape.clone()
    }
    fn cod_shape(&self) -> B::Shape {
        self.shape.1.clone()
    }
}

/// The first injection `A ⊸ A ⊕ B`, `a ↦ (a, 0)`.
///
/// ```
/// use lensdiff::linear::{Inl, LinearMap};
/// let i = Inl::<f64, f64>::new(((), ()));
/// assert_eq!(i.apply(&3.0), (3.0, 0.0));
/// assert_eq!(i.transpose(&(3.0, 4.0)), 3.0);
/// ```
#[derive(Debug, Clone)]
pub struct Inl<A: Space, B: Space> {
    shape: (A::Shape, B::Shape),
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Inl<A, B> {
    /// The injection into pairs of the given shape.
    ///
    /// ```
    /// use lensdiff::linear::{Inl, LinearMap};
    /// assert_eq!(Inl::<f64, f64>::new(((), ())).cod_shape(), ((), ()));
    /// ```
    pub fn new(shape: (A::Shape, B::Shape)) -> Self {
        Inl { shape }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> LinearMap<A, (A, B)> for Inl<A, B> {
    #[track_caller]
    fn apply(&self, dx: &A) -> (A, B) {
        check_apply(self, "inl", dx);
        (dx.clone(), B::zeros_of(&self.shape.1))
    }
    #[track_caller]
    fn transpose_add(&self, dy: &(A, B), dx: &mut A) {
        check_transpose(self, "inl transpose", dy, dx);
        dx.accumulate(&dy.0);
    }
    fn dom_shape(&self) -> A::Shape {
        self.shape.0.clone()
    }
    fn cod_shape(&self) -> (A::Shape, B::Shape) {
        self.shape.clone()
    }
}

/// The second injection `B ⊸ A ⊕ B`, `b ↦ (0, b)`.
///
/// ```
/// use lensdiff::linear::{Inr, LinearMap};
/// let i = Inr::<f64, f64>::new(((), ()));
/// assert_eq!(i.apply(&3.0), (0.0, 3.0));
/// ```
#[derive(Debug, Clone)]
pub struct Inr<A: Space, B: Space> {
    shape: (A::Shape, B::Shape),
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Inr<A, B> {
    /// The injection into pairs of the given shape.
    ///
    /// ```
    /// use lensdiff::linear::{Inr, LinearMap};
    /// assert_eq!(Inr::<f64, f64>::new(((), ())).dom_shape(), ());
    /// ```
    pub fn new(shape: (A::Shape, B::Shape)) -> Self {
        Inr { shape }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> LinearMap<B, (A, B)> for Inr<A, B> {
    #[track_caller]
    fn apply(&self, dx: &B) -> (A, B) {
        check_apply(self, "inr", dx);
        (A::zeros_of(&self.shape.0), dx.clone())
    }
    #[track_caller]
    fn transpose_add(&self, dy: &(A, B), dx: &mut B) {
        check_transpose(self, "inr transpose", dy, dx);
        dx.accumulate(&dy.1);
    }
    fn dom_shape(&self) -> B::Shape {
        self.shape.1.clone()
    }
    fn cod_shape(&self) -> (A::Shape, B::Shape) {
        self.shape.clone()
    }
}

/// Duplication `A ⊸ A ⊕ A`, `a ↦ (a, a)`; its transpose is [`Jam`].
///
/// ```
/// use lensdiff::linear::{Dup, LinearMap};
/// assert_eq!(Dup::<f64>::new(()).transpose(&(1.0, 2.0)), 3.0);
/// ```
#[derive(Debug, Clone)]
pub struct Dup<A: Space> {
    shape: A::Shape,
}

impl<A: Space> Dup<A> {
    /// Duplication of vectors of `shape`.
    ///
    /// ```
    /// use lensdiff::linear::{Dup, LinearMap};
    /// assert_eq!(Dup::<f64>::new(()).apply(&1.0), (1.0, 1.0));
    /// ```
    pub fn new(shape: A::Shape) -> Self {
        Dup { shape }
    }
}

impl<A: Space> LinearMap<A, (A, A)> for Dup<A> {
    #[track_caller]
    fn apply(&self, dx: &A) -> (A, A) {
        check_apply(self, "dup", dx);
        (dx.clone(), dx.clone())
    }
    #[track_caller]
    fn transpose_add(&self, dy: &(A, A), dx: &mut A) {
        check_transpose(self, "dup transpose", dy, dx);
        dx.accumulate(&dy.0);
        dx.accumulate(&dy.1);
    }
    fn dom_shape(&self) -> A::Shape {
        self.shape.clone()
    }
    fn cod_shape(&self) -> (A::Shape, A::Shape) {
        (self.shape.clone(), self.shape.clone())
    }
}

/// Addition `A ⊕ A ⊸ A`, `(a, b) ↦ a + b` (the cocartesian "jam").
///
/// ```
/// use lensdiff::linear::{Jam, LinearMap};
/// let j = Jam::<f64>::new(());
/// assert_eq!(j.apply(&(1.0, 2.0)), 3.0);
/// assert_eq!(j.transpose(&4.0), (4.0, 4.0));
/// ```
#[derive(Debug, Clone)]
pub struct Jam<A: Space> {
    shape: A::Shape,
}

impl<A: Space> Jam<A> {
    /// Addition of vectors of `shape`.
    ///
    /// ```
    /// use lensdiff::linear::{Jam, LinearMap};
    /// assert_eq!(Jam::<f64>::new(()).dom_shape(), ((), ()));
    /// ```
    pub fn new(shape: A::Shape) -> Self {
        Jam { shape }
    }
}

impl<A: Space> LinearMap<(A, A), A> for Jam<A> {
    #[track_caller]
    fn apply(&self, dx: &(A, A)) -> A {
        check_apply(self, "jam", dx);
        let mut y = dx.0.clone();
        y.accumulate(&dx.1);
        y
    }
    #[track_caller]
    fn transpose_add(&self, dy: &A, dx: &mut (A, A)) {
        check_transpose(self, "jam transpose", dy, dx);
        dx.0.accumulate(dy);
        dx.1.accumulate(dy);
    }
    fn dom_shape(&self) -> (A::Shape, A::Shape) {
        (self.shape.clone(), self.shape.clone())
    }
    fn cod_shape(&self) -> A::Shape {
        self.shape.clone()
    }
}

/// The zero map `A ⊸ B` (derivative of a constant).
///
/// ```
/// use lensdiff::linear::{Zero, LinearMap};
/// let z = Zero::<f64, f64>::new((), ());
/// assert_eq!(z.apply(&3.0), 0.0);
/// ```
#[derive(Debug, Clone)]
pub struct Zero<A: Space, B: Space> {
    dom: A::Shape,
    cod: B::Shape,
    _p: PhantomData<fn(A) -> B>,
}

impl<A: Space, B: Space<Scalar = A::Scalar>> Zero<A, B> {
    /// The zero map between the given shapes.
    ///
    /// ```
    /// use lensdiff::linear::{Zero, LinearMap};
    /// assert_eq!(Zero::<f64, f64>::new((), ()).transpose(&1.0), 0.0);
    /// ```
    pub fn new(dom: A::Shape, cod: B::Shape) -> Self {
        Zero {
            dom,
            cod,
            _p: PhantomData,
        }
    }
}

impl<A: Space, B: Space<Scalar = A::Scalar>> LinearMap<A, B> for Zero<A, B> {
    #[track_caller]
    fn apply(&self, dx: &A) -> B {
        check_apply(self, "zero", dx);
        B::zeros_of(&self.cod)
    }
    #[track_caller]
    fn transpose_add(&self, dy: &B, dx: &mut A) {
        check_transpose(self, "zero transpose", dy, dx);
    }
    fn dom_shape(&self) -> A::Shape {
        self.dom.clone()
    }
    fn cod_shape(&self) -> B::Shape {
        self.cod.clone()
    }
}
