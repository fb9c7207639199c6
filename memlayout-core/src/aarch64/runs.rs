//! Leaf runs: the mappings of one VA range as runs of equal entries, merged into blocks,
//! hinted, counted and written as tables, at a cost that grows with the runs and the
//! entries written, not with the pages.

use alloc::vec::Vec;

use super::build::CONTIGUOUS_ENTRIES;
use super::descriptor::{
    CONTIGUOUS, Descriptor, ENTRIES_PER_TABLE, LEAF_LEVEL, TABLE_BYTES, level_index, level_shift,
    level_size,
};

/// `count` leaf entries of `level`, from `va` (relative to the start of its VA range)
/// and `pa`, consecutive in both, with one set of attribute bits (see
/// [`Descriptor::attributes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) va: u64,
    pub(super) pa: u64,
    pub(super) count: u64,
    pub(super) level: u8,
    pub(super) attrs: u64,
}

impl Run {
    /// log2 of the bytes an entry maps (`level` is 1, 2 or 3).
    fn shift(&self) -> u32 {
        12 + 9 * (LEAF_LEVEL - self.level) as u32
    }

    fn entry(&self) -> u64 {
        1 << self.shift()
    }

    /// The VA one past the run.
    pub(super) fn end(&self) -> u64 {
        self.va + (self.count << self.shift())
    }

    /// Whether `next` starts where this run ends, in VA and in PA, with equal entries.
    fn continued_by(&self, next: &Run) -> bool {
        self.level == next.level
            && self.attrs == next.attrs
            && self.end() == next.va
            && self.pa + (self.count << self.shift()) == next.pa
    }

    /// The part of the run from `from` to `to` (VAs aligned to its entries), if any.
    fn part(&self, from: u64, to: u64) -> Option<Run> {
        let start = self.va.max(from);
        let end = self.end().min(to);
        (start < end).then(|| Run {
            va: start,
            pa: self.pa + (start - self.va),
            count: (end - start) >> self.shift(),
            ..*self
        })
    }

    /// The aligned stretch of `span` bytes (a power of two) inside the run, when its VA
    /// and PA agree modulo `span` and the run holds one.
    fn stretch(&self, span: u64) -> Option<(u64, u64)> {
        // Too short to hold one: most runs of scattered pages.
        if self.count << self.shift() < span || (self.va ^ self.pa) & (span - 1) != 0 {
            return None;
        }
        // VAs stay far below 2^64.
        let start = (self.va + (span - 1)) & !(span - 1);
        let end = self.end() & !(span - 1);
        (start < end).then_some((start, end))
    }

    /// Splits the run where its aligned stretch of `span` bytes (see
    /// [`stretch`](Self::stretch)) begins and ends; the stretch gets `change` applied.
    /// Gives the parts, in VA order, to `out`.
    fn split_aligned(self, span: u64, mut out: impl FnMut(Run), change: impl Fn(Run) -> Run) {
        let Some((start, end)) = self.stretch(span) else {
            out(self);
            return;
        };
        if let Some(head) = self.part(self.va, start) {
            out(head);
        }
        if let Some(stretch) = self.part(start, end) {
            out(change(stretch));
        }
        if let Some(tail) = self.part(end, self.end()) {
            out(tail);
        }
    }
}

/// Pushes `run` to a VA-sorted list, joined to the last run if it continues it.
fn push_joined(runs: &mut Vec<Run>, run: Run) {
    match runs.last_mut() {
        Some(last) if last.continued_by(&run) => last.count += run.count,
        _ => runs.push(run),
    }
}

/// Joins the neighbours of a VA-sorted, overlap-free list that continue each other in
/// VA and PA with equal entries, so every run is as long as it can be.
fn join(runs: &mut Vec<Run>) {
    let mut kept = 0;
    for i in 0..runs.len() {
        let r = runs[i];
        if kept > 0 && runs[kept - 1].continued_by(&r) {
            runs[kept - 1].count += r.count;
        } else {
            runs[kept] = r;
            kept += 1;
        }
    }
    runs.truncate(kept);
}

/// The stretch of a run of `block_level + 1` entries as blocks of `block_level`.
fn blocks(block_level: u8) -> impl Fn(Run) -> Run {
    move |r| Run {
        level: block_level,
        count: r.count / ENTRIES_PER_TABLE as u64,
        ..r
    }
}

/// Turns the runs of a VA-sorted, overlap-free list of one range whose root is at
/// `root` into the final leaves: joined, merged bottom-up into blocks (every aligned
/// 2 MiB of 4 KiB entries, then every aligned 1 GiB of 2 MiB entries, with PAs
/// contiguous from a block-aligned PA and equal attributes; level 0 holds no blocks),
/// and, with `hint`, the Contiguous bit set on every aligned group of 16 entries of
/// level 2 or 3 that are consecutive in VA and PA (from a PA aligned to the group) with
/// equal attributes.
///
/// Each step sees maximal runs: joined runs are maximal, a run's parts cannot continue
/// another run's (the runs would have been joined), and the blocks a step forms are
/// joined to their neighbours as they are pushed.
pub(super) fn leaves(mut runs: Vec<Run>, root: u8, hint: bool) -> Vec<Run> {
    join(&mut runs);
    // Each step is skipped when it changes no run.
    let block = |r: &Run, level: u8| r.level == level + 1 && r.stretch(level_size(level)).is_some();
    let group =
        |r: &Run| hint && r.level >= 2 && r.stretch(r.entry() * CONTIGUOUS_ENTRIES).is_some();
    if !runs
        .iter()
        .any(|r| block(r, 2) || (root <= 1 && block(r, 1)) || group(r))
    {
        return runs;
    }
    // Level 2 blocks: the root is at level 2 or above.
    let mut level2 = Vec::with_capacity(runs.len() + 2);
    for r in runs.drain(..) {
        if r.level == 3 {
            r.split_aligned(level_size(2), |p| push_joined(&mut level2, p), blocks(2));
        } else {
            push_joined(&mut level2, r);
        }
    }
    // Level 1 blocks below a level 0 or 1 root, and the hints, into `runs` again.
    let out = &mut runs;
    let mut finish = |p: Run| {
        if hint && p.level >= 2 {
            let span = p.entry() * CONTIGUOUS_ENTRIES;
            p.split_aligned(
                span,
                |q| out.push(q),
                |g| Run {
                    attrs: g.attrs | CONTIGUOUS,
                    ..g
                },
            );
        } else {
            push_joined(out, p);
        }
    };
    for r in level2 {
        if root <= 1 && r.level == 2 {
            r.split_aligned(level_size(1), &mut finish, blocks(1));
        } else {
            finish(r);
        }
    }
    runs
}

/// The tables a VA-sorted, overlap-free leaf list needs: the root, plus one table at
/// each level below the root for every distinct region of the level above that holds
/// a leaf at that level or deeper.
pub(super) fn count_tables(root: u8, leaves: &[Run]) -> usize {
    let mut count = 1;
    // Per level, the last region of the level above that holds a table: one pass over
    // the leaves counts every level.
    let mut last = [None; LEAF_LEVEL as usize + 1];
    for l in leaves {
        for level in root + 1..=l.level {
            let parent_shift = level_shift(level - 1);
            let first = l.va >> parent_shift;
            let end = (l.end() - 1) >> parent_shift;
            let seen = &mut last[usize::from(level)];
            let new = end - first + u64::from(*seen != Some(first));
            count += new as usize;
            *seen = Some(end);
        }
    }
    count
}

/// Sorts runs by VA: a radix sort, 11 bits of the VA a pass, over only the bits in which
/// the VAs differ (two passes for pages scattered over 4 GiB), so its cost grows
/// linearly with the runs. The order of runs at one VA is unspecified: they overlap, and
/// the caller then reports the overlap from the pages.
pub(super) fn sort_by_va(runs: &mut Vec<Run>) {
    const BITS: u32 = 11;
    const MASK: u64 = (1 << BITS) - 1;
    if runs.is_sorted_by_key(|r| r.va) {
        return;
    }
    // Below this, a comparison sort is as fast.
    if runs.len() < 1024 {
        runs.sort_unstable_by_key(|r| r.va);
        return;
    }
    let base = runs[0].va;
    let differ = runs.iter().fold(0, |d, r| d | (r.va ^ base));
    let mut src = core::mem::take(runs);
    let mut dst = src.clone();
    let mut shift = 0;
    while shift < 64 && differ >> shift != 0 {
        // The next bit in which two VAs differ starts the digit.
        shift += (differ >> shift).trailing_zeros();
        let digit = |r: &Run| ((r.va >> shift) & MASK) as usize;
        let mut at = [0usize; 1 << BITS];
        for r in &src {
            at[digit(r)] += 1;
        }
        let mut sum = 0;
        for slot in &mut at {
            let n = *slot;
            *slot = sum;
            sum += n;
        }
        for r in &src {
            let d = digit(r);
            dst[at[d]] = *r;
            at[d] += 1;
        }
        core::mem::swap(&mut src, &mut dst);
        shift += BITS;
    }
    *runs = src;
}

/// Writes the table of `level` for the part `from .. to` of `leaves` (VA-sorted, each
/// overlapping that part; `to` is exclusive, `u64::MAX` for the whole range), then its
/// next-level tables depth-first in VA order. Returns the index of the table written.
pub(super) fn emit(
    level: u8,
    leaves: &[Run],
    from: u64,
    to: u64,
    tables: &mut Vec<u64>,
    base_pa: u64,
) -> usize {
    let index = tables.len() / ENTRIES_PER_TABLE;
    tables.resize(tables.len() + ENTRIES_PER_TABLE, 0);
    let table = index * ENTRIES_PER_TABLE;
    let entry = level_size(level);
    let mut done = from;
    let mut i = 0;
    while i < leaves.len() {
        let Some(r) = leaves[i].part(done, to) else {
            i += 1;
            continue;
        };
        if r.level == level {
            let first = table + level_index(r.va, level);
            let bits = Descriptor::leaf(level, 0).bits() | r.attrs;
            let mut pa = r.pa;
            for slot in &mut tables[first..first + r.count as usize] {
                *slot = bits | pa;
                pa += entry;
            }
            done = r.end();
            i += 1;
        } else {
            let region = r.va & !(entry - 1);
            let region_end = region + entry;
            let mut j = i + 1;
            while j < leaves.len() && leaves[j].va < region_end {
                j += 1;
            }
            let child = emit(
                level + 1,
                &leaves[i..j],
                region,
                region_end,
                tables,
                base_pa,
            );
            tables[table + level_index(region, level)] =
                Descriptor::table(base_pa + child as u64 * TABLE_BYTES).bits();
            done = region_end;
            while i < j && leaves[i].end() <= region_end {
                i += 1;
            }
        }
    }
    index
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    fn runs(n: usize, spread: u64, seed: u64) -> Vec<Run> {
        let mut rng = Rng::new(seed);
        (0..n as u64)
            .map(|k| Run {
                va: rng.below(spread) << 12,
                pa: k << 12,
                count: 1,
                level: 3,
                attrs: k,
            })
            .collect()
    }

    /// The runs sorted by VA: the same runs (compared in one order), in VA order.
    fn assert_sorted(got: &[Run], mut want: Vec<Run>) {
        assert!(got.is_sorted_by_key(|r| r.va));
        let mut got = got.to_vec();
        got.sort_by_key(|r| (r.va, r.attrs));
        want.sort_by_key(|r| (r.va, r.attrs));
        assert_eq!(got, want);
    }

    #[test]
    fn radix_sort_orders_by_va() {
        // Few distinct VAs, VAs over 4 GiB, over 2^48, and lists below the
        // comparison-sort cut-off.
        for (n, spread, seed) in [
            (5_000, 300, 1),
            (5_000, 1 << 20, 2),
            (3_000, 1 << 36, 3),
            (100, 1 << 20, 4),
        ] {
            let mut got = runs(n, spread, seed);
            let want = got.clone();
            sort_by_va(&mut got);
            assert_sorted(&got, want);
        }
        let mut sorted = runs(2_000, 1 << 20, 5);
        sorted.sort_by_key(|r| r.va);
        let want = sorted.clone();
        sort_by_va(&mut sorted);
        assert_eq!(sorted, want);
    }
}
