//! Four `f64` (or `u64`) lanes as plain arrays, with the lanewise
//! operations the kernels need.
//!
//! Why arrays and not a SIMD crate's vector type: the instruction set is
//! chosen at run time ([`super::level`]), so the width of the machine
//! code cannot be fixed when the crate is compiled. Every operation here
//! is a loop over four independent lanes that LLVM turns into one vector
//! instruction at the level of the function it is inlined into: two SSE2
//! halves in baseline code, one AVX register inside a function compiled
//! for AVX2. Each lane's arithmetic is IEEE's (no fused
//! multiply–add is formed), so the results are bitwise the same at every
//! level.

use std::array::from_fn;
use std::ops::{Add, BitAnd, BitOr, BitXor, Div, Mul, Neg, Not, Shl, Shr, Sub};

/// Four `f64` lanes.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct F64x4(pub(crate) [f64; 4]);

/// Four `u64` lanes (the bits of an [`F64x4`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct U64x4(pub(crate) [u64; 4]);

/// Four lanewise truth values (the result of a comparison), each all ones
/// or all zeros, as vector compares give them: a selection is then bit
/// logic, with no branch per lane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Mask4(pub(crate) [u64; 4]);

impl F64x4 {
    pub(crate) const ZERO: F64x4 = F64x4([0.0; 4]);
    pub(crate) const ONE: F64x4 = F64x4([1.0; 4]);

    #[inline(always)]
    pub(crate) fn splat(v: f64) -> Self {
        F64x4([v; 4])
    }

    #[inline(always)]
    pub(crate) fn to_array(self) -> [f64; 4] {
        self.0
    }

    #[inline(always)]
    pub(crate) fn map(self, f: impl Fn(f64) -> f64) -> Self {
        F64x4(self.0.map(f))
    }

    #[inline(always)]
    pub(crate) fn zip(self, o: Self, f: impl Fn(f64, f64) -> f64) -> Self {
        F64x4(from_fn(|k| f(self.0[k], o.0[k])))
    }

    #[inline(always)]
    fn compare(self, o: Self, f: impl Fn(f64, f64) -> bool) -> Mask4 {
        Mask4(from_fn(|k| 0u64.wrapping_sub(f(self.0[k], o.0[k]) as u64)))
    }

    #[inline(always)]
    pub(crate) fn to_bits(self) -> U64x4 {
        U64x4(self.0.map(f64::to_bits))
    }

    #[inline(always)]
    pub(crate) fn from_bits(b: U64x4) -> Self {
        F64x4(b.0.map(f64::from_bits))
    }

    #[inline(always)]
    pub(crate) fn simd_lt(self, o: Self) -> Mask4 {
        self.compare(o, |a, b| a < b)
    }

    #[inline(always)]
    pub(crate) fn simd_gt(self, o: Self) -> Mask4 {
        self.compare(o, |a, b| a > b)
    }

    #[inline(always)]
    pub(crate) fn simd_ge(self, o: Self) -> Mask4 {
        self.compare(o, |a, b| a >= b)
    }

    #[inline(always)]
    pub(crate) fn simd_eq(self, o: Self) -> Mask4 {
        self.compare(o, |a, b| a == b)
    }

    #[inline(always)]
    pub(crate) fn is_nan(self) -> Mask4 {
        self.compare(self, |a, b| a != b)
    }

    #[inline(always)]
    pub(crate) fn abs(self) -> Self {
        self.map(f64::abs)
    }

    #[inline(always)]
    pub(crate) fn sqrt(self) -> Self {
        self.map(f64::sqrt)
    }

    /// The magnitudes of `self` with the signs of `sign`.
    #[inline(always)]
    pub(crate) fn copysign(self, sign: Self) -> Self {
        self.zip(sign, f64::copysign)
    }

    /// `self · a + b`, rounded twice (the same at every instruction set).
    #[inline(always)]
    pub(crate) fn mul_add(self, a: Self, b: Self) -> Self {
        self * a + b
    }
}

impl Mask4 {
    /// Lanewise `if self { yes } else { no }`.
    #[inline(always)]
    pub(crate) fn select(self, yes: F64x4, no: F64x4) -> F64x4 {
        let (y, n) = (yes.to_bits().0, no.to_bits().0);
        F64x4::from_bits(U64x4(from_fn(|k| (y[k] & self.0[k]) | (n[k] & !self.0[k]))))
    }

    /// Is lane `k` set?
    #[inline(always)]
    pub(crate) fn lane(self, k: usize) -> bool {
        self.0[k] != 0
    }

    /// Is any lane set?
    #[inline(always)]
    pub(crate) fn any(self) -> bool {
        (self.0[0] | self.0[1] | self.0[2] | self.0[3]) != 0
    }
}

impl U64x4 {
    #[inline(always)]
    pub(crate) fn splat(v: u64) -> Self {
        U64x4([v; 4])
    }
}

macro_rules! lanewise {
    ($ty:ident, $tr:ident, $m:ident, $op:tt) => {
        impl $tr for $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: $ty) -> $ty {
                $ty(from_fn(|k| self.0[k] $op o.0[k]))
            }
        }
    };
}

lanewise!(F64x4, Add, add, +);
lanewise!(F64x4, Sub, sub, -);
lanewise!(F64x4, Mul, mul, *);
lanewise!(F64x4, Div, div, /);
lanewise!(U64x4, BitAnd, bitand, &);
lanewise!(U64x4, BitOr, bitor, |);
lanewise!(Mask4, BitOr, bitor, |);

impl Add for U64x4 {
    type Output = U64x4;
    #[inline(always)]
    fn add(self, o: U64x4) -> U64x4 {
        U64x4(from_fn(|k| self.0[k].wrapping_add(o.0[k])))
    }
}

impl Shl<u32> for U64x4 {
    type Output = U64x4;
    #[inline(always)]
    fn shl(self, s: u32) -> U64x4 {
        U64x4(self.0.map(|v| v << s))
    }
}

impl Shr<u32> for U64x4 {
    type Output = U64x4;
    #[inline(always)]
    fn shr(self, s: u32) -> U64x4 {
        U64x4(self.0.map(|v| v >> s))
    }
}

impl Neg for F64x4 {
    type Output = F64x4;
    #[inline(always)]
    fn neg(self) -> F64x4 {
        self.map(|v| -v)
    }
}

/// The bits of `self` xor `o`'s (flipping signs with a sign-bit pattern).
impl BitXor for F64x4 {
    type Output = F64x4;
    #[inline(always)]
    fn bitxor(self, o: F64x4) -> F64x4 {
        F64x4(from_fn(|k| {
            f64::from_bits(self.0[k].to_bits() ^ o.0[k].to_bits())
        }))
    }
}

impl Not for Mask4 {
    type Output = Mask4;
    #[inline(always)]
    fn not(self) -> Mask4 {
        Mask4(self.0.map(|b| !b))
    }
}
