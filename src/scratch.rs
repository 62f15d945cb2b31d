//! Reused `f64` buffers for the temporaries of Hessian extractions.
//!
//! A banded extraction at n = 10⁶ needs a few n-long temporaries (the
//! products, the probe and its product, row magnitudes). Allocated afresh,
//! each is mapped and zeroed page by page on every call: at 8 MB a buffer
//! that costs more than the arithmetic. Returned here, the next extraction
//! of the same size finds them mapped.

use std::sync::Mutex;

/// At most this many buffers are kept.
const CAP: usize = 24;

/// Buffers shorter than this are not kept.
const SMALL: usize = 4096;

static POOL: Mutex<Vec<Vec<f64>>> = Mutex::new(Vec::new());

/// A zeroed buffer of length `n`.
pub(crate) fn take(n: usize) -> Vec<f64> {
    if n >= SMALL
        && let Ok(mut p) = POOL.lock()
        && let Some(i) = p.iter().position(|v| v.len() == n)
    {
        let mut v = p.swap_remove(i);
        v.fill(0.0);
        return v;
    }
    vec![0.0; n]
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
