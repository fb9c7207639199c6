//! [`UsedRanges`]: what is mapped, as an insert-only set of disjoint ranges with owners.
//!
//! Nothing is ever unmapped, so the set only needs inserts and lookups. New ranges go to
//! a small unsorted buffer; a full buffer is sorted and carried into sorted runs whose
//! lengths are distinct powers of two times the buffer size (the logarithmic method of
//! Bentley and Saxe), merging runs like a binary counter carries. Inserts move elements
//! sequentially (amortised `O(log n)` moves, no pointer chasing); a lookup scans the
//! buffer and binary searches each of the `O(log n)` runs.

use alloc::vec::Vec;

use crate::interval::Interval;

/// Disjoint ranges, each with an owner, that are only ever added.
#[derive(Clone, Debug)]
pub(crate) struct UsedRanges<M> {
    /// The latest ranges, unsorted; at most [`BUFFER`].
    buffer: Vec<(Interval, M)>,
    /// `runs[i]` is empty or holds `BUFFER * 2^i` ranges sorted by start.
    runs: Vec<Vec<(Interval, M)>>,
}

/// How many ranges wait unsorted before they are carried into the runs.
const BUFFER: usize = 32;

impl<M> Default for UsedRanges<M> {
    fn default() -> Self {
        UsedRanges {
            buffer: Vec::new(),
            runs: Vec::new(),
        }
    }
}

impl<M: Clone> UsedRanges<M> {
    /// Adds a range the caller knows to be disjoint from every range in the set.
    pub(crate) fn insert(&mut self, r: Interval, meta: M) {
        if self.buffer.capacity() == 0 {
            self.buffer.reserve_exact(BUFFER);
        }
        self.buffer.push((r, meta));
        if self.buffer.len() < BUFFER {
            return;
        }
        let mut carry = core::mem::replace(&mut self.buffer, Vec::with_capacity(BUFFER));
        carry.sort_unstable_by_key(|(r, _)| r.start());
        for run in self.runs.iter_mut() {
            if run.is_empty() {
                *run = carry;
                return;
            }
            carry = merge(core::mem::take(run), carry);
        }
        self.runs.push(carry);
    }

    /// The range containing `addr`, with its owner.
    pub(crate) fn get(&self, addr: u64) -> Option<(Interval, &M)> {
        if let Some((r, m)) = self.buffer.iter().find(|(r, _)| r.contains(addr)) {
            return Some((*r, m));
        }
        self.runs.iter().find_map(|run| {
            let i = run.partition_point(|(r, _)| r.start() <= addr);
            let (r, m) = run.get(i.checked_sub(1)?)?;
            r.contains(addr).then_some((*r, m))
        })
    }

    /// The lowest range overlapping `window`, with its owner.
    pub(crate) fn first_overlap(&self, window: &Interval) -> Option<(Interval, &M)> {
        if let Some(hit) = self.get(window.start()) {
            return Some(hit);
        }
        let buffered = self
            .buffer
            .iter()
            .filter(|(r, _)| r.overlaps(window))
            .map(|(r, m)| (*r, m));
        self.runs
            .iter()
            .filter_map(|run| {
                let i = run.partition_point(|(r, _)| r.start() < window.start());
                let (r, m) = run.get(i)?;
                (r.start() <= window.last()).then_some((*r, m))
            })
            .chain(buffered)
            .min_by_key(|(r, _)| r.start())
    }

    /// Every range with its owner, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (Interval, &M)> + '_ {
        self.buffer
            .iter()
            .chain(self.runs.iter().flatten())
            .map(|(r, m)| (*r, m))
    }

    /// Whether every address of `start .. start + size` is in the set.
    pub(crate) fn contains(&self, start: u64, size: u64) -> bool {
        let Some(want) = Interval::new(start, size) else {
            return false;
        };
        let mut at = want.start();
        loop {
            let Some((r, _)) = self.get(at) else {
                return false;
            };
            if r.last() >= want.last() {
                return true;
            }
            at = r.last() + 1;
        }
    }
}

/// Merges two runs sorted by start into one.
fn merge<M>(a: Vec<(Interval, M)>, b: Vec<(Interval, M)>) -> Vec<(Interval, M)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut a = a.into_iter().peekable();
    let mut b = b.into_iter().peekable();
    loop {
        let take_a = match (a.peek(), b.peek()) {
            (Some(x), Some(y)) => x.0.start() <= y.0.start(),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return out,
        };
        let next = if take_a { a.next() } else { b.next() };
        if let Some(item) = next {
            out.push(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iv(start: u64, size: u64) -> Interval {
        Interval::new(start, size).unwrap()
    }

    #[test]
    fn lookups_find_every_inserted_range() {
        let mut u = UsedRanges::default();
        // Inserted out of order, as random placement does.
        let starts: Vec<u64> = (0..100u64).map(|i| (i * 37 % 100) * 0x1000).collect();
        for (k, &s) in starts.iter().enumerate() {
            u.insert(iv(s, 0x800), k);
        }
        for (k, &s) in starts.iter().enumerate() {
            assert_eq!(u.get(s + 0x7ff).map(|(_, m)| *m), Some(k));
            assert!(u.get(s + 0x800).is_none());
        }
        assert!(u.contains(0x5000, 0x800));
        assert!(!u.contains(0x5000, 0x801));
        let hit = u.first_overlap(&iv(0x5900, 0x2000)).unwrap();
        assert_eq!(hit.0, iv(0x6000, 0x800));
        assert!(u.first_overlap(&iv(0x5900, 0x100)).is_none());
    }

    #[test]
    fn contains_walks_adjacent_ranges() {
        let mut u = UsedRanges::default();
        u.insert(iv(0x2000, 0x1000), 'b');
        u.insert(iv(0x1000, 0x1000), 'a');
        assert!(u.contains(0x1800, 0x1000));
        assert!(!u.contains(0x1800, 0x2000));
        assert!(!u.contains(0, 0));
    }
}
