//! Reused `f64` buffers for the temporaries of Hessian extractions.
//!
//! A banded extraction at n = 10⁶ needs a few n-long temporaries (the
//! products, the probe and its product, row magnitudes). Allocated afresh,
//! each is mapped and zeroed page by page on every call: at 8 MB a buffer
//! that costs more than the arithmetic. Returned here, the next extraction
//! of the same size finds them mapped.

use crate::engine::Engine;
use rayon::prelude::*;
use std::sync::Mutex;

/// At most this many buffers are kept.
const CAP: usize = 24;

/// Buffers shorter than this are not kept.
const SMALL: usize = 4096;

static POOL: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());

/// A zeroed buffer of length `n` (a kept one cleared in parallel, else
/// [`zeros`]).
pub(crate) fn take(n: usize) -> Vec<f64> {
    if n >= SMALL
        && let Ok(mut p) = POOL.lock()
        && let Some(i) = p.iter().position(|v| v.len() == n)
    {
        let mut v = p.swap_remove(i);
        drop(p);
        prefault(&mut v);
        return v;
    }
    zeros(n)
}

/// A fresh zeroed buffer of length `n`, its pages mapped by [`prefault`]
/// (for a buffer that is added into, not overwritten).
pub(crate) fn zeros(n: usize) -> Vec<f64> {
    let mut v = vec![0.0; n];
    if n >= SMALL {
        prefault(&mut v);
    }
    v
}

/// Returns a buffer for reuse.
pub(crate) fn give(v: Vec<f64>) {
    if v.len() < SMALL {
        return;
    }
    if let Ok(mut p) = POOL.lock() {
        if p.len() >= CAP {
            p.remove(0);
        }
        p.push(v);
    }
}

/// Entries of one block of [`prefault`] (512 KB).
const FAULT_BLOCK: usize = 1 << 16;

/// Writes zeros over `v`, in parallel blocks on the crate's worker pool
/// (on the calling thread when the current [`Engine`] has one thread), so
/// that the pages of a fresh zeroed allocation are mapped by writes before
/// the sweep adds into them.
///
/// Why: a fresh `vec![0.0; n]` is mapped lazily. Adding into it (`+=`)
/// first reads a page, which maps the shared zero page, then writes it,
/// which replaces that mapping and flushes the page from every core's TLB,
/// an interrupt to each core the process runs on. On two threads that
/// flush was 44 % of a banded extraction at n = 10⁶ (robot2d: 2 threads
/// slower than 1). A page first written is mapped once, with no flush.
pub(crate) fn prefault(v: &mut [f64]) {
    let threads = Engine::current().thread_count();
    if threads == 1 || v.len() < 2 * FAULT_BLOCK {
        v.fill(0.0);
        return;
    }
    v.par_chunks_mut(FAULT_BLOCK).for_each(|c| c.fill(0.0));
}
