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
            // Merge into whichever of the two has the room already (the merge is the
            // same either way), then hand the merged data on as the carry and keep the
            // other's memory for this level.
            if carry.capacity() > run.capacity() {
                core::mem::swap(run, &mut carry);
            }
            merge_into(run, &carry);
            carry.clear();
            core::mem::swap(run, &mut carry);
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

/// Merges `carry` into `run`, both sorted by start, in place: from the back, choosing
/// each element without a branch (the starts of random placements come in no order a
/// branch predictor could follow).
fn merge_into<M: Clone>(run: &mut Vec<(Interval, M)>, carry: &[(Interval, M)]) {
    // `run[..i]` and `carry[..j]` remain to be merged into `run[..k]`.
    let mut i = run.len();
    let mut j = carry.len();
    run.extend_from_slice(carry);
    let mut k = run.len();
    while i > 0 && j > 0 {
        k -= 1;
        let (a, b) = (&run[i - 1], &carry[j - 1]);
        let take_a = a.0.start() > b.0.start();
        let item = [b, a][usize::from(take_a)].clone();
        run[k] = item;
        i -= usize::from(take_a);
        j -= usize::from(!take_a);
    }
    // What is left of `run` is already in place; what is left of `carry` goes first.
    run[..j].clone_from_slice(&carry[..j]);
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
    fn merged_runs_stay_sorted_and_complete() {
        let mut u = UsedRanges::default();
        // 5000 ranges in a scrambled order: many carries, through several levels.
        let n = 5000u64;
        let starts: Vec<u64> = (0..n).map(|i| (i * 2749 % n) * 0x2000).collect();
        for (k, &s) in starts.iter().enumerate() {
            u.insert(iv(s, 0x1000), k);
        }
        for run in &u.runs {
            assert!(run.windows(2).all(|w| w[0].0.start() < w[1].0.start()));
        }
        assert_eq!(u.iter().count(), n as usize);
        for (k, &s) in starts.iter().enumerate() {
            assert_eq!(u.get(s).map(|(_, m)| *m), Some(k));
            assert!(u.get(s + 0x1000).is_none());
        }
        let mut one = alloc::vec![(iv(0x5000, 1), 'a')];
        merge_into(&mut one, &[(iv(0x1000, 1), 'b'), (iv(0x9000, 1), 'c')]);
        let order: Vec<char> = one.iter().map(|(_, m)| *m).collect();
        assert_eq!(order, ['b', 'a', 'c']);
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
