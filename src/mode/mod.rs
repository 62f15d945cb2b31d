//! The category of linear maps, `k` in Elliott's `D_k a b = a -> (b, a ⊸_k b)`.
//!
//! A [`Mode`] chooses how a derivative is represented. Everything else in
//! the crate (the lens [`crate::DFun`], its combinators, every primitive) is
//! written once over `M: Mode`; only the four structural operations below
//! are written per mode:
//!
//! | mode        | `Lin<A, B>`                    | AD mode            |
//! |-------------|--------------------------------|--------------------|
//! | [`Forward`] | pushforward `A -> B`           | Jacobian-vector    |
//! | [`Reverse`] | pullback `B -> A` (accumulate) | vector-Jacobian    |
//! | [`Dense`]   | explicit Jacobian matrix       | testing, tiny maps |
//!
//! Laws (checked by the property tests): `compose` is associative with
//! `lift(Identity)` as unit; `fanout(f, g)` followed by the projections
//! gives back `f` and `g`; `par(f, g) = fanout(f ∘ fst, g ∘ snd)`.

mod dense;
mod forward;
mod reverse;

pub use dense::{Dense, DenseLin};
pub use forward::{Forward, Pushforward};
pub use reverse::{Pullback, Reverse};

use crate::Space;
use crate::linear::LinearMap;

/// A category of linear maps: how a mode represents a derivative.
///
/// ```
/// use lensdiff::{Mode, Forward, Reverse};
/// use lensdiff::linear::Dup;
/// let f = Forward::lift(Dup::<f64>::new(()));
/// assert_eq!(f.apply(&2.0), (2.0, 2.0));
/// let r = Reverse::lift(Dup::<f64>::new(()));
/// assert_eq!(r.pull(&(1.0, 2.0)), 3.0);
/// ```
pub trait Mode: Send + Sync + 'static + Sized {
    /// The representation of a linear map `A ⊸ B` in this mode.
    type Lin<A: Space, B: Space<Scalar = A::Scalar>>: Clone + Send + Sync + 'static;

    /// The mode's name, for messages.
    const NAME: &'static str;

    /// Represents a linear map given with both directions.
    fn lift<A, B, L>(l: L) -> Self::Lin<A, B>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        L: LinearMap<A, B>;

    /// `g ∘ f`.
    fn compose<A, B, C>(g: Self::Lin<B, C>, f: Self::Lin<A, B>) -> Self::Lin<A, C>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>;

    /// `f △ g`: `a ↦ (f a, g a)`.
    fn fanout<A, B, C>(f: Self::Lin<A, B>, g: Self::Lin<A, C>) -> Self::Lin<A, (B, C)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>;

    /// `f × g`: `(a, b) ↦ (f a, g b)`.
    fn par<A, B, C, D>(f: Self::Lin<A, C>, g: Self::Lin<B, D>) -> Self::Lin<(A, B), (C, D)>
    where
        A: Space,
        B: Space<Scalar = A::Scalar>,
        C: Space<Scalar = A::Scalar>,
        D: Space<Scalar = A::Scalar>;
}
