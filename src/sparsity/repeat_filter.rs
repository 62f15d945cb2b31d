//! `RepeatFilter`: a direct-mapped cache of recently seen keys, a cheap filter
//! for repeats that come close together (the same product or pair
//! recorded again by the next element of a pass). Lossy but never wrong:
//! a slot holds the whole key, so a collision only forgets a key.

/// Slots of each cache (a power of two).
const BITS: u32 = 10;

/// The cache; `empty` (never a real key) marks a free slot.
#[derive(Debug)]
pub(crate) struct RepeatFilter<K> {
    slots: Vec<K>,
}

impl<K: Copy + Eq> RepeatFilter<K> {
    /// An idle cache without memory.
    pub(crate) const fn idle() -> Self {
        RepeatFilter { slots: Vec::new() }
    }

    /// An empty cache: every slot holds `empty`.
    pub(crate) fn new(empty: K) -> Self {
        RepeatFilter {
            slots: vec![empty; 1 << BITS],
        }
    }

    /// Whether `key` (with hash input `h`) is new since its slot last
    /// changed; it then takes the slot.
    #[inline(always)]
    pub(crate) fn insert(&mut self, key: K, h: u64) -> bool {
        // Fibonacci hashing: the top bits of h · 2⁶⁴/φ.
        let slot = (h.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS)) as usize;
        if self.slots[slot] == key {
            return false;
        }
        self.slots[slot] = key;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_collision_forgets_a_key_but_never_reports_a_new_one_as_seen() {
        let mut r = RepeatFilter::new(u64::MAX);
        // Two keys that share a slot (the hash of the key itself).
        let slot = |k: u64| k.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - BITS);
        let a = 1;
        let b = (2..).find(|&k| slot(k) == slot(a)).unwrap();
        assert!(r.insert(a, a));
        assert!(!r.insert(a, a));
        assert!(r.insert(b, b)); // same slot, different key: new
        assert!(r.insert(a, a)); // evicted, so new again
        assert!(!r.insert(a, a));
        // Keys of other slots stay remembered.
        let c = (2..).find(|&k| slot(k) != slot(a)).unwrap();
        assert!(r.insert(c, c));
        assert!(!r.insert(a, a) && !r.insert(c, c));
    }
}
