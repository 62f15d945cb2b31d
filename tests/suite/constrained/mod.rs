//! Constrained optimisation: the SQP on equality-constrained problems
//! (`sqp.rs`) and the interior-point method on bounds and inequalities
//! (`ipm.rs`), each against independent oracles (dense solves, published
//! optima, Ipopt's answers), and every error.

/// An objective given by a closure-free struct for each test.
macro_rules! objective {
    ($name:ident, |$x:ident| $body:expr) => {
        struct $name;
        impl Objective for $name {
            fn build<S: Real>(&self, $x: Expr<S>) -> Expr<S> {
                $body
            }
        }
    };
}

/// The same for a vector-valued map (constraints).
macro_rules! vector_map {
    ($($t:tt)*) => {
        objective!($($t)*);
    };
}

mod ipm;
mod sqp;
mod swing_up;
