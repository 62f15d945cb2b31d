//! The checks of an extracted band: the entrywise error bound of its
//! recovery and the row-wise probe residual, read from the band alone in
//! parallel passes over blocks of columns (no n-long temporary).
//!
//! **The bound.** Row `i` of a computed product `H v` carries a rounding
//! error of a few ulps of the row's magnitude `m_i = Σ_j |H_ij|` (the
//! model: `γ m_i` with `γ = 8ε`). Slot `(r, i)` of the band was read from
//! row `i` of a product ([`super::comb_sink`]): CPR's bound is that error
//! alone. Substitution recovered `H_ri = P − H_{i,r+q}`: the subtracted
//! entry brings its own bound, and the subtraction the rounding of both
//! operands, `ε (|P| + |H_{i,r+q}|)` with `P = H_ri + H_{i,r+q}`, so bounds
//! grow along each chain with the magnitudes subtracted — exactly where
//! substitution loses small entries. The chains run from the last column
//! down, so substitution's bound is one pass in that order; CPR's, with no
//! chain, runs on every thread.
//!
//! The reported figure is the largest bound relative to the entry's
//! diagonal scale `max(|H_ij|, √|H_ii H_jj|)` (the entry of the diagonally
//! scaled matrix `D^{−1/2} H D^{−1/2}`), falling back to the row scales
//! `√(m_i m_j)` where the diagonal vanishes, and to the largest row
//! magnitude `max_i m_i` where a row vanishes too (a variable the objective
//! does not use, or uses linearly: its entries are zeros read at the
//! rounding level of the whole matrix, not entries of unknown accuracy).
//!
//! **The probe** ([`crate::probe`]): row `i` of `H_band r − H r` against
//! `|(H r)_i| + Σ_j |H_ij| |r_j|`, in the same pass as CPR's bound; a block
//! with a row below the floor (`ε²` times the largest row scale, known only
//! after the pass) is measured again.

use super::seeds::BandMethod;
use crate::banded::{SymBanded, upper_row, upper_slot};
use crate::engine::Engine;
use crate::probe::{floor_of, probe_entry, row_ratio};
use rayon::prelude::*;
use std::ops::Range;

/// Error of one product entry relative to its row's magnitude.
const GAMMA: f64 = 8.0 * f64::EPSILON;

/// Blocks shorter than this stay on the calling thread.
const MIN_BLOCK: usize = 1 << 14;

/// `f` on contiguous blocks of `0..n`, one per thread (`threads`, the
/// current [`Engine`]'s, read by the caller: the engine is the calling
/// thread's setting, not the workers'), in parallel; the results in block
/// order.
fn in_blocks<R: Send>(n: usize, threads: usize, f: impl Fn(Range<usize>) -> R + Sync) -> Vec<R> {
    let blocks = threads.clamp(1, n.div_ceil(MIN_BLOCK).max(1));
    if blocks == 1 {
        return vec![f(0..n)];
    }
    // On the worker pool the tiles use (no threads spawned per check; a
    // panic in a block reaches the caller), results in block order.
    (0..blocks)
        .into_par_iter()
        .map(|b| f(b * n / blocks..(b + 1) * n / blocks))
        .collect()
}

/// `Σ_j |H_ij|`.
#[inline]
fn row_magnitude(ab: &[f64], n: usize, k: usize, i: usize) -> f64 {
    let mut m = 0.0;
    upper_row(ab, n, k, i, |_, v| m += v.abs());
    m
}

/// The largest scaled entrywise error bound of `band`, recovered by
/// `method`, and with `probe` (its seed and `H r`) the largest probe row
/// residual; `Err(column)` at a column (of a block) holding a value that
/// is not finite. CPR's bound and the probe share one parallel pass.
pub(crate) fn check_band(
    method: BandMethod,
    band: &SymBanded<f64>,
    probe: Option<(u64, &[f64])>,
) -> Result<(f64, Option<f64>), usize> {
    let n = band.n();
    let cpr = method == BandMethod::Cpr;
    if !cpr && probe.is_none() {
        return Ok((substitution_bound(band)?, None));
    }
    // Substitution's bound follows its chains on one thread: on more than
    // one, it runs beside the probe's parallel pass instead of after it.
    // Both on the worker pool, so a T-thread engine runs T threads.
    let threads = Engine::current().thread_count();
    let scan_blocks = || in_blocks(n, threads, |cols| scan(band, cols, cpr, probe, 0.0));
    let (first, substitution) = if !cpr && threads > 1 {
        let (first, beside) = rayon::join(scan_blocks, || substitution_bound(band));
        (first, Some(beside))
    } else {
        (scan_blocks(), None)
    };
    let (mut scaled, mut unscaled, mut top_m) = (0.0f64, 0.0f64, 0.0f64);
    let mut top: f64 = 0.0;
    let mut blocks = Vec::with_capacity(first.len());
    for b in first {
        let b = b?;
        scaled = scaled.max(b.bound);
        unscaled = unscaled.max(b.unscaled);
        top_m = top_m.max(b.top_m);
        top = top.max(b.top);
        blocks.push(b);
    }
    let mut bound = scaled_max(scaled, unscaled, top_m);
    if !cpr {
        bound = substitution.unwrap_or_else(|| substitution_bound(band))?;
    }
    let Some(probe) = probe else {
        return Ok((bound, None));
    };
    // Rows whose scale is below the floor were measured against their own
    // scale: measure those blocks again against the floor (rare).
    let floor = floor_of(top);
    let mut residual: f64 = 0.0;
    for (t, b) in blocks.iter().enumerate() {
        let worst = if b.min_scale < floor && !b.residual.is_nan() {
            let cols = t * n / blocks.len()..(t + 1) * n / blocks.len();
            scan(band, cols, false, Some(probe), floor)?.residual
        } else {
            b.residual
        };
        if worst.is_nan() {
            return Ok((bound, Some(f64::NAN)));
        }
        residual = residual.max(worst);
    }
    Ok((bound, Some(residual)))
}

/// What one block of columns found.
struct Block {
    /// The largest scaled CPR bound.
    bound: f64,
    /// The largest CPR bound of an entry with no scale.
    unscaled: f64,
    /// The largest row magnitude.
    top_m: f64,
    /// The largest probe row scale.
    top: f64,
    /// The largest probe row residual, against `max(scale, floor)`.
    residual: f64,
    /// The smallest scale of a row with a nonzero difference.
    min_scale: f64,
}

/// The largest of `b / max(|h|, √d)` seen, without a square root or a
/// division unless it grows; entries with no scale at all (`row_scales`
/// gives 0 too) kept apart, to be measured against the largest row
/// magnitude once it is known ([`Worst::against`]).
#[derive(Default)]
struct Worst {
    scaled: f64,
    /// `scaled²`.
    squared: f64,
    /// The largest bound of an entry with no scale.
    unscaled: f64,
}

impl Worst {
    #[inline(always)]
    fn see(&mut self, b: f64, h: f64, d: f64, row_scales: impl FnOnce() -> f64) {
        if b > self.scaled * h.abs() && b * b > self.squared * d {
            let mut scale = h.abs().max(d.sqrt());
            if scale == 0.0 {
                scale = row_scales();
            }
            if scale == 0.0 {
                self.unscaled = self.unscaled.max(b);
            } else if b > self.scaled * scale {
                self.scaled = b / scale;
                self.squared = self.scaled * self.scaled;
            }
        }
    }

    /// The largest scaled bound, the unscaled entries' relative to `top`,
    /// the largest row magnitude (infinite only if every row vanishes
    /// while an entry's bound does not).
    fn against(&self, top: f64) -> f64 {
        scaled_max(self.scaled, self.unscaled, top)
    }
}

/// `max(scaled, unscaled / top)`, with `0 / 0 = 0`.
fn scaled_max(scaled: f64, unscaled: f64, top: f64) -> f64 {
    let rest = if unscaled == 0.0 {
        0.0
    } else if top > 0.0 {
        unscaled / top
    } else {
        f64::INFINITY
    };
    scaled.max(rest)
}

/// Columns `cols`, row by row (the row of column `i` is read from column
/// `i` and one entry of each of the next `k`): the row magnitudes, with
/// `cpr_bound` CPR's bounds of column `i`, with `probe` the row residuals
/// against `max(scale, floor)`.
fn scan(
    band: &SymBanded<f64>,
    cols: Range<usize>,
    cpr_bound: bool,
    probe: Option<(u64, &[f64])>,
    floor: f64,
) -> Result<Block, usize> {
    let (n, k, ab) = (band.n(), band.k(), band.as_slice());
    // Rows in runs of RUN, each with the probe's entries it reads.
    const RUN: usize = 4096;
    let mut r = if probe.is_some() {
        vec![0.0; RUN + 2 * k]
    } else {
        Vec::new()
    };
    let mut worst = Worst::default();
    let mut block = Block {
        bound: 0.0,
        unscaled: 0.0,
        top_m: 0.0,
        top: 0.0,
        residual: 0.0,
        min_scale: f64::INFINITY,
    };
    for start in cols.clone().step_by(RUN) {
        let end = (start + RUN).min(cols.end);
        let lo = start.saturating_sub(k);
        if let Some((seed, _)) = probe {
            for (j, v) in (lo..n.min(end + k)).zip(r.iter_mut()) {
                *v = probe_entry(seed, j);
            }
        }
        for i in start..end {
            let (mut m_i, mut y, mut abs_y) = (0.0, 0.0, 0.0);
            if probe.is_some() {
                upper_row(ab, n, k, i, |j, v| {
                    m_i += v.abs();
                    y += v * r[j - lo];
                    abs_y += v.abs() * r[j - lo].abs();
                });
            } else {
                m_i = row_magnitude(ab, n, k, i);
            }
            if !m_i.is_finite() {
                return Err(i);
            }
            block.top_m = block.top_m.max(m_i);
            if cpr_bound {
                let d_i = ab[upper_slot(k, i, i)].abs();
                for r in i.saturating_sub(k)..=i {
                    let d = ab[upper_slot(k, r, r)].abs() * d_i;
                    worst.see(GAMMA * m_i, ab[upper_slot(k, r, i)], d, || {
                        (row_magnitude(ab, n, k, r) * m_i).sqrt()
                    });
                }
            }
            if let Some((_, hr)) = probe {
                let (diff, scale) = ((y - hr[i]).abs(), hr[i].abs() + abs_y);
                block.top = block.top.max(scale);
                let ratio = row_ratio(diff, scale, floor);
                if ratio.is_nan() {
                    block.residual = f64::NAN;
                    return Ok(block);
                }
                if diff > 0.0 {
                    block.residual = block.residual.max(ratio);
                    block.min_scale = block.min_scale.min(scale);
                }
            }
        }
    }
    block.bound = worst.scaled;
    block.unscaled = worst.unscaled;
    Ok(block)
}

/// Substitution's largest scaled bound, its chains followed from the last
/// column down with the bounds of the last `k + 1` columns in a ring
/// (`O(k²)` memory, one thread).
///
/// Each column is read once: its slots give row `i`'s left part and, for
/// the rows above, their right parts, summed in a second ring until the
/// row's own column comes (a row's right part lies in the `k` columns after
/// it, which come first going down). A row walk read every entry twice,
/// the right part with a stride.
fn substitution_bound(band: &SymBanded<f64>) -> Result<f64, usize> {
    let (n, k, ab) = (band.n(), band.k(), band.as_slice());
    let q = k + 1;
    // Column j's bounds in ring row j mod q, slot by slot (q slots).
    let mut ring = vec![0.0; q * q];
    // Row r's right part, Σ_{j > r} |H_rj|, in slot r mod q.
    let mut right = vec![0.0; q];
    let mut worst = Worst::default();
    let mut top_m: f64 = 0.0;
    // i mod q, kept without a division per column.
    let mut ci = n.saturating_sub(1) % q;
    for i in (0..n).rev() {
        let first = k.saturating_sub(i);
        // Column i's slots inside the matrix: rows i − k + first ..= i.
        let col = &ab[upper_slot(k, i + first - k, i)..=upper_slot(k, i, i)];
        let mut m_i = 0.0;
        for &h in col {
            m_i += h.abs();
        }
        m_i += right[ci];
        right[ci] = 0.0;
        if !m_i.is_finite() {
            return Err(i);
        }
        top_m = top_m.max(m_i);
        let d_i = col[k - first].abs();
        // Slot s holds entry (r, i), r = i − d, d = k − s.
        let mut cr = ci;
        for (t, &h) in col.iter().enumerate().rev() {
            let d = k - first - t;
            let mut b = GAMMA * m_i;
            if d > 0 {
                // Row r's right part takes |H_ri|.
                right[cr] += h.abs();
                if i + q - d < n {
                    // The known partner (i, r + q), in column r + q at slot
                    // d − 1, and its bound in ring row (r + q) mod q = cr.
                    let known = ab[upper_slot(k, i, i + q - d)];
                    b += ring[cr * q + d - 1] + f64::EPSILON * ((h + known).abs() + known.abs());
                }
            }
            ring[ci * q + first + t] = b;
            let dd = ab[upper_slot(k, i - d, i - d)].abs() * d_i;
            worst.see(b, h, dd, || (row_magnitude(ab, n, k, i - d) * m_i).sqrt());
            cr = if cr == 0 { q - 1 } else { cr - 1 };
        }
        ci = if ci == 0 { q - 1 } else { ci - 1 };
    }
    Ok(worst.against(top_m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::probe;

    /// A random-looking symmetric band and `H r` (by the band's own
    /// product, column by column: other code than the row-wise check).
    fn band_and_product(n: usize, k: usize, seed: u64) -> (SymBanded<f64>, Vec<f64>) {
        let band = SymBanded::from_fn(n, k, |i, j| {
            let t = (i * 7 + j * 13) as f64;
            if i == j { 4.0 + t.sin() } else { 0.5 * t.cos() }
        });
        let r = nalgebra::DVector::from_vec(probe(n, seed));
        let hr = band.mul_vec(&r).as_slice().to_vec();
        (band, hr)
    }

    #[test]
    fn the_probe_catches_a_planted_wrong_entry_in_any_slot() {
        let (n, k, seed) = (40_000, 3, 17);
        let (band, hr) = band_and_product(n, k, seed);
        // Both methods measure the probe alike (with or without CPR's
        // bound in the same pass).
        let residual = |band: &SymBanded<f64>, seed| {
            let [a, b] = [BandMethod::Cpr, BandMethod::Substitution].map(|m| {
                check_band(m, band, Some((seed, &hr[..])))
                    .unwrap()
                    .1
                    .unwrap()
            });
            assert_eq!(a, b);
            a
        };
        let clean = residual(&band, seed);
        assert!(clean < 1e-14, "{clean}");
        // One entry off by 1 (entries are 0.5 to 5), at the ends and at a
        // block's edge.
        for (i, j) in [(0, 0), (n - 2, n - 1), (n / 2 - 3, n / 2), (n - 1, n - 1)] {
            let mut wrong = band.clone();
            let v = wrong.get(i, j);
            wrong.set(i, j, v + 1.0);
            let res = residual(&wrong, seed);
            assert!(res > 1e-6, "({i}, {j}): {res}");
        }
        // The same product with another probe is another vector: caught.
        assert!(residual(&band, seed + 1) > 1e-2);
    }

    #[test]
    fn cpr_bounds_are_rounding_and_a_non_finite_entry_is_named() {
        let (mut band, _) = band_and_product(1000, 2, 3);
        let bound = |m, band: &SymBanded<f64>| check_band(m, band, None).map(|b| b.0);
        let b = bound(BandMethod::Cpr, &band).unwrap();
        assert!(b > 0.0 && b < 1e-13, "{b}");
        // Substitution's chains add what they subtracted.
        assert!(bound(BandMethod::Substitution, &band).unwrap() > b);
        band.set(500, 501, f64::NAN);
        for m in [BandMethod::Cpr, BandMethod::Substitution] {
            assert!(matches!(bound(m, &band), Err(500 | 501)), "{m:?}");
        }
    }

    /// A band with every kind of scale: entries of order one, vanishing
    /// diagonals with a vanishing entry beside them (the row-scale
    /// fallback), and for `n > 5` a row of zeros (no scale at all:
    /// measured against the largest row).
    fn band_with_every_scale(n: usize, k: usize) -> SymBanded<f64> {
        let mut band = SymBanded::from_fn(n, k, |i, j| {
            let t = (i * 13 + j * 5) as f64;
            if i == j { 2.0 + t.sin() } else { 1.5 * t.cos() }
        });
        for i in (3..n).step_by(7) {
            band.set(i, i, 0.0);
            if i + 1 < n && k > 0 {
                band.set(i, i + 1, 0.0);
            }
        }
        if n > 5 {
            for j in 5usize.saturating_sub(k)..(5 + k + 1).min(n) {
                band.set(5, j, 0.0);
            }
        }
        band
    }

    /// Row `i` of `band` as `(j, H_ij)`, from `get`.
    fn row(band: &SymBanded<f64>, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let (n, k) = (band.n(), band.k());
        (i.saturating_sub(k)..(i + k + 1).min(n)).map(move |j| (j, band.get(i, j)))
    }

    /// The row magnitudes `m` and the scale of every entry `(r, i)`, as the
    /// module docs define it: `max(|H_ri|, √|H_rr H_ii|)`, else `√(m_r
    /// m_i)`, else `max m`.
    fn scales(band: &SymBanded<f64>) -> (Vec<f64>, impl Fn(usize, usize) -> f64 + '_) {
        let m: Vec<f64> = (0..band.n())
            .map(|i| row(band, i).map(|(_, v)| v.abs()).sum())
            .collect();
        let top_m = m.iter().fold(0.0f64, |a, &b| a.max(b));
        let rows = m.clone();
        let scale = move |r: usize, i: usize| {
            let h = band.get(r, i);
            let mut scale = h.abs().max((band.get(r, r) * band.get(i, i)).abs().sqrt());
            if scale == 0.0 {
                scale = (rows[r] * rows[i]).sqrt();
            }
            if scale == 0.0 { top_m } else { scale }
        };
        (m, scale)
    }

    /// CPR's bound and the probe residual against their definitions,
    /// entry by entry from `get(i, j)` (no band layout, no runs): across
    /// run and block edges, small and large `k`, every kind of scale.
    #[test]
    fn checks_match_their_definitions_entry_by_entry() {
        // 40 000 rows: two blocks on two threads.
        for (n, k) in [
            (1, 0),
            (7, 3),
            (5000, 1),
            (4500, 2),
            (3000, 6),
            (400, 40),
            (40_000, 3),
        ] {
            let band = band_with_every_scale(n, k);
            let seed = 5;
            let r = probe(n, seed);
            // H r with one entry off by a relative 1e-9, so the residual
            // is a figure, not zero.
            let mut hr = band
                .mul_vec(&nalgebra::DVector::from_vec(r.clone()))
                .as_slice()
                .to_vec();
            hr[n - 1] += 1e-9 * (hr[n - 1].abs() + 1.0);
            let (m, scale) = scales(&band);
            let mut bound: f64 = 0.0;
            let mut residual: f64 = 0.0;
            for i in 0..n {
                for rr in i.saturating_sub(k)..=i {
                    bound = bound.max(GAMMA * m[i] / scale(rr, i));
                }
                let y: f64 = row(&band, i).map(|(j, v)| v * r[j]).sum();
                let abs_y: f64 = row(&band, i).map(|(j, v)| v.abs() * r[j].abs()).sum();
                let diff = (y - hr[i]).abs();
                if diff > 0.0 {
                    residual = residual.max(diff / (hr[i].abs() + abs_y));
                }
            }
            let (b, res) = check_band(BandMethod::Cpr, &band, Some((seed, &hr[..]))).unwrap();
            let close = |a: f64, e: f64| a == e || (a - e).abs() <= 1e-12 * e.abs();
            assert!(close(b, bound), "n {n} k {k}: bound {b} against {bound}");
            let res = res.unwrap();
            assert!(
                close(res, residual),
                "n {n} k {k}: residual {res} against {residual}"
            );
            assert!(residual > 1e-12, "n {n} k {k}: the planted error shows");
            assert!(bound.is_finite(), "n {n} k {k}: a finite bound is compared");
        }
    }

    /// Substitution's bound against its definition, from `get(i, j)` with
    /// the bounds of every entry in a dense table (the pass under test
    /// keeps `k + 1` columns of them and sums rows column by column).
    #[test]
    fn substitution_bound_matches_its_definition() {
        for (n, k) in [
            (1, 0),
            (2, 1),
            (9, 4),
            (300, 1),
            (300, 2),
            (250, 5),
            (60, 12),
        ] {
            let band = band_with_every_scale(n, k);
            let q = k + 1;
            let (m, scale) = scales(&band);
            let mut b = nalgebra::DMatrix::<f64>::zeros(n, n);
            let mut worst: f64 = 0.0;
            for i in (0..n).rev() {
                for r in i.saturating_sub(k)..=i {
                    let h = band.get(r, i);
                    let mut bound = GAMMA * m[i];
                    if r < i && r + q < n {
                        let known = band.get(i, r + q);
                        bound += b[(i, r + q)] + f64::EPSILON * ((h + known).abs() + known.abs());
                    }
                    b[(r, i)] = bound;
                    worst = worst.max(bound / scale(r, i));
                }
            }
            let got = substitution_bound(&band).unwrap();
            assert!(
                got == worst || (got - worst).abs() <= 1e-13 * worst,
                "n {n} k {k}: {got} against {worst}"
            );
            assert!(worst > 0.0 && worst.is_finite(), "n {n} k {k}: {worst}");
        }
    }
}
