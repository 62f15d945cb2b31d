//! `Real` for the machine floats. `f64` runs the elementwise paths four
//! entries at a time on SIMD lanes (the vectorised kernels of
//! [`crate::kernels`]), with the scalar loop for the tail and for lanes that
//! disagree; `f32` takes the trait's scalar defaults.

use crate::Real;
use crate::dual::{Dual, DualN, second1, second2};
use crate::kernels::lanes::{Lanes, agreed, drive, load, pairs, triples};
use crate::scalar_fn::{ScalarFn, ScalarFn2};
use num_traits::One;

impl Real for f64 {
    crate::graph::engine_entry_points!();

    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x
    }
    #[inline(always)]
    fn value_f64(self) -> f64 {
        self
    }
    #[inline(always)]
    fn is_finite_all(self) -> bool {
        self.is_finite()
    }

    // The vector paths: four entries per evaluation on SIMD lanes.
    #[inline]
    fn map_slice<F: ScalarFn>(f: &F, x: &[f64], out: impl FnMut(usize, f64)) {
        drive(
            x.len(),
            #[inline(always)]
            |i| {
                let (v, len) = load(x, i);
                let (r, ok) = agreed(
                    #[inline(always)]
                    || f.eval(v),
                );
                (r.to_array(), len, ok)
            },
            |i| f.eval(x[i]),
            out,
        )
    }

    #[inline]
    fn map_deriv_slice<F: ScalarFn>(f: &F, x: &[f64], mut out: impl FnMut(usize, f64, f64)) {
        let scalar = |i: usize| x[i].value_and_deriv(f);
        drive(
            x.len(),
            #[inline(always)]
            |i| {
                let (v, len) = load(x, i);
                let (r, ok) = agreed(
                    #[inline(always)]
                    || f.eval(Dual::new(v, Lanes::one())),
                );
                (pairs(r.re, r.eps[0]), len, ok)
            },
            scalar,
            |i, (v, d)| out(i, v, d),
        )
    }

    #[inline]
    fn zip_slice<F: ScalarFn2>(f: &F, a: &[f64], b: &[f64], out: impl FnMut(usize, f64)) {
        let b = &b[..a.len()];
        drive(
            a.len(),
            #[inline(always)]
            |i| {
                let ((u, len), (v, _)) = (load(a, i), load(b, i));
                let (r, ok) = agreed(
                    #[inline(always)]
                    || f.eval(u, v),
                );
                (r.to_array(), len, ok)
            },
            |i| f.eval(a[i], b[i]),
            out,
        )
    }

    #[inline]
    fn zip_grad_slice<F: ScalarFn2>(
        f: &F,
        a: &[f64],
        b: &[f64],
        mut out: impl FnMut(usize, f64, f64, f64),
    ) {
        let b = &b[..a.len()];
        let scalar = |i: usize| f64::value_and_grad2(a[i], b[i], f);
        drive(
            a.len(),
            #[inline(always)]
            |i| {
                let ((u, len), (v, _)) = (load(a, i), load(b, i));
                let (r, ok) = agreed(
                    #[inline(always)]
                    || f.eval(DualN::<Lanes, 2>::variable(u, 0), DualN::variable(v, 1)),
                );
                (triples(r.re, r.eps[0], r.eps[1]), len, ok)
            },
            scalar,
            |i, (v, da, db)| out(i, v, da, db),
        )
    }

    #[inline]
    fn map_second_slice<F: ScalarFn>(f: &F, x: &[f64], mut out: impl FnMut(usize, f64, f64, f64)) {
        let scalar = |i: usize| second1(f, x[i]);
        drive(
            x.len(),
            #[inline(always)]
            |i| {
                let (v, len) = load(x, i);
                let ((y, d1, d2), ok) = agreed(
                    #[inline(always)]
                    || second1(f, v),
                );
                (triples(y, d1, d2), len, ok)
            },
            scalar,
            |i, (v, d1, d2)| out(i, v, d1, d2),
        )
    }

    #[inline]
    fn zip_second_slice<F: ScalarFn2>(
        f: &F,
        a: &[f64],
        b: &[f64],
        mut out: impl FnMut(usize, [f64; 3], [f64; 3]),
    ) {
        let b = &b[..a.len()];
        let scalar = |i: usize| second2(f, a[i], b[i]);
        drive(
            a.len(),
            #[inline(always)]
            |i| {
                let ((u, len), (v, _)) = (load(a, i), load(b, i));
                let ((g, h), ok) = agreed(
                    #[inline(always)]
                    || second2(f, u, v),
                );
                // Lanes to entries by explicit loops: `array::map` here
                // stayed an out-of-line call (3 % of chain1's sweeps).
                let mut per = [([0.0; 3], [0.0; 3]); 4];
                for c in 0..3 {
                    let (gc, hc) = (g[c].to_array(), h[c].to_array());
                    for (k, p) in per.iter_mut().enumerate() {
                        p.0[c] = gc[k];
                        p.1[c] = hc[k];
                    }
                }
                (per, len, ok)
            },
            scalar,
            |i, (g, h)| out(i, g, h),
        )
    }
}

impl Real for f32 {
    #[inline(always)]
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    #[inline(always)]
    fn value_f64(self) -> f64 {
        self as f64
    }
    #[inline(always)]
    fn is_finite_all(self) -> bool {
        self.is_finite()
    }
}
