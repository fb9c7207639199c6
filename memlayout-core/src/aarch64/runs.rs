//! Leaf runs: the mappings of one VA range as runs of equal entries, merged into blocks,
//! hinted, counted and written as tables, at a cost that grows with the runs and the
//! entries written, not with the pages.

use alloc::vec::Vec;

use super::descriptor::{CONTIGUOUS, Descriptor};
use super::granule::{Format, Granule, LAST_LEVEL};

/// `count` leaf entries of `level`, from `va` (relative to the start of its VA range)
/// and `pa`, consecutive in both, with one set of attribute bits (see
/// [`Descriptor::attributes`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) va: u64,
    pub(super) pa: u64,
    pub(super) count: u64,
    pub(super) level: i8,
    /// log2 of the bytes an entry of `level` maps with the table's granule.
    shift: u8,
    pub(super) attrs: u64,
}

impl Run {
    /// The run of `count` entries of `level` of `granule`.
    pub(super) fn new(
        granule: Granule,
        va: u64,
        pa: u64,
        count: u64,
        level: i8,
        attrs: u64,
    ) -> Run {
        Run {
            va,
            pa,
            count,
            level,
            shift: granule.level_shift(level) as u8,
            attrs,
        }
    }

    /// log2 of the bytes an entry maps.
    fn shift(&self) -> u32 {
        u32::from(self.shift)
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

/// Joins the neighbours of a VA-sorted list that continue each other in VA and PA with
/// equal entries, so every run is as long as it can be, and tells whether any joined run
/// passes `test`; `None` (the list then unusable) when a run starts before the one
/// sorted before it ends.
fn join(runs: &mut Vec<Run>, test: impl Fn(&Run) -> bool) -> Option<bool> {
    let mut kept = 0;
    let mut any = false;
    for i in 0..runs.len() {
        let r = runs[i];
        if kept > 0 {
            let last = &mut runs[kept - 1];
            // A joined run ends where its last part does.
            if r.va < last.end() {
                return None;
            }
            if last.continued_by(&r) {
                last.count += r.count;
                continue;
            }
            // `last` is complete.
            any = any || test(last);
        }
        runs[kept] = r;
        kept += 1;
    }
    runs.truncate(kept);
    Some(any || runs.last().is_some_and(test))
}

/// The stretch of a run of `block_level + 1` entries as blocks of `block_level`. A
/// block of a level without Contiguous groups (level 0 of the 4 KiB granule, made of 16
/// GiB group pages) drops the Contiguous bit its entries had.
fn blocks(granule: Granule, block_level: i8) -> impl Fn(Run) -> Run {
    move |r| Run {
        level: block_level,
        shift: granule.level_shift(block_level) as u8,
        count: r.count >> granule.bits_per_level(),
        attrs: if granule.contiguous_entries(block_level).is_some() {
            r.attrs
        } else {
            r.attrs & !CONTIGUOUS
        },
        ..r
    }
}

/// Turns the runs of a VA-sorted list of one range whose root is at `root` into the
/// final leaves of `format` (`None` when two runs overlap in VA): joined, merged bottom-up into blocks (every
/// aligned level 2 entry's worth of level 3 entries, then every aligned level 1 entry's
/// worth of level 2 blocks, and so on up to the root or the format's
/// [`first_block_level`](Format::first_block_level), with PAs contiguous from a
/// block-aligned PA and equal attributes), and, with `hint`, the Contiguous bit set on
/// every aligned group ([`Granule::contiguous_entries`]) of level 2 or 3 entries that
/// are consecutive in VA and PA (from a PA aligned to the group) with equal attributes.
///
/// Each step sees maximal runs: joined runs are maximal, a run's parts cannot continue
/// another run's (the runs would have been joined), and the blocks a step forms are
/// joined to their neighbours as they are pushed.
pub(super) fn leaves(mut runs: Vec<Run>, root: i8, hint: bool, format: Format) -> Option<Vec<Run>> {
    let granule = format.granule;
    // The highest level that takes blocks here; levels from 2 up to it are merged into.
    let top = format.first_block_level().max(root);
    let group_span = |r: &Run| {
        granule
            .contiguous_entries(r.level)
            .map(|n| r.entry() * n)
            .filter(|_| hint && r.level >= 2)
    };
    // Each step is skipped when it changes no run.
    let block = |r: &Run, level: i8| {
        r.level == level + 1 && level >= top && r.stretch(granule.level_size(level)).is_some()
    };
    let group = |r: &Run| group_span(r).is_some_and(|span| r.stretch(span).is_some());
    let changes = join(&mut runs, |r| {
        (top..LAST_LEVEL).any(|level| block(r, level)) || group(r)
    })?;
    if !changes {
        return Some(runs);
    }
    // Blocks level by level, from level 2 up to `top`; the last merge and the hints in
    // one pass.
    let mut level = LAST_LEVEL - 1;
    while level > top {
        let mut merged = Vec::with_capacity(runs.len() + 2);
        for r in runs.drain(..) {
            if r.level == level + 1 {
                r.split_aligned(
                    granule.level_size(level),
                    |p| push_joined(&mut merged, p),
                    blocks(granule, level),
                );
            } else {
                push_joined(&mut merged, r);
            }
        }
        runs = merged;
        level -= 1;
    }
    let mut out = Vec::with_capacity(runs.len() + 2);
    let mut finish = |p: Run| {
        if let Some(span) = group_span(&p) {
            p.split_aligned(
                span,
                |q| out.push(q),
                |g| Run {
                    attrs: g.attrs | CONTIGUOUS,
                    ..g
                },
            );
        } else {
            push_joined(&mut out, p);
        }
    };
    for r in runs {
        if top < LAST_LEVEL && r.level == top + 1 {
            r.split_aligned(granule.level_size(top), &mut finish, blocks(granule, top));
        } else {
            finish(r);
        }
    }
    Some(out)
}

/// The tables a VA-sorted, overlap-free leaf list needs: the `roots` root tables (1, or
/// a stage 2 table's concatenated roots), plus one table at each level below the root
/// for every distinct region of the level above that holds a leaf at that level or
/// deeper.
pub(super) fn count_tables(granule: Granule, root: i8, roots: usize, leaves: &[Run]) -> usize {
    const SLOTS: usize = (LAST_LEVEL + 2) as usize;
    let mut count = roots;
    // Per level (from -1), the last region of the level above that holds a table
    // (`u64::MAX`: none yet; regions are VAs shifted right by at least 12 bits): one
    // pass over the leaves counts every level.
    let mut last = [u64::MAX; SLOTS];
    // Per level (from -1), the shift of an entry of the level above.
    let mut parent_shift = [0; SLOTS];
    for level in root + 1..=LAST_LEVEL {
        parent_shift[(level + 1) as usize] = granule.level_shift(level - 1);
    }
    for l in leaves {
        let (va, end) = (l.va, l.end() - 1);
        for level in root + 1..=l.level {
            let slot = (level + 1) as usize;
            let shift = parent_shift[slot];
            let first = va >> shift;
            let last_region = end >> shift;
            let seen = &mut last[slot];
            let new = last_region - first + u64::from(*seen != first);
            count += new as usize;
            *seen = last_region;
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
    let Some(base) = runs.first().map(|r| r.va) else {
        return;
    };
    // One pass: whether the runs are sorted already, and the bits in which VAs differ.
    let (mut sorted, mut differ, mut prev) = (true, 0, base);
    for r in runs.iter() {
        sorted &= prev <= r.va;
        differ |= r.va ^ base;
        prev = r.va;
    }
    if sorted {
        return;
    }
    // Below this, a comparison sort is as fast.
    if runs.len() < 1024 {
        runs.sort_unstable_by_key(|r| r.va);
        return;
    }
    // The digits: each starts at the next bit in which two VAs differ.
    let mut shifts = Vec::new();
    let mut shift = 0;
    while shift < 64 && differ >> shift != 0 {
        shift += (differ >> shift).trailing_zeros();
        shifts.push(shift);
        shift += BITS;
    }
    let digit = |r: &Run, shift: u32| ((r.va >> shift) & MASK) as usize;
    // Every digit's counts in one pass, then each turned into its buckets' starts.
    let mut at = alloc::vec![[0usize; 1 << BITS]; shifts.len()];
    for r in runs.iter() {
        for (counts, &shift) in at.iter_mut().zip(&shifts) {
            counts[digit(r, shift)] += 1;
        }
    }
    for counts in &mut at {
        let mut sum = 0;
        for slot in counts.iter_mut() {
            let n = *slot;
            *slot = sum;
            sum += n;
        }
    }
    let mut src = core::mem::take(runs);
    let mut dst = src.clone();
    for (starts, &shift) in at.iter_mut().zip(&shifts) {
        for r in &src {
            let d = digit(r, shift);
            dst[starts[d]] = *r;
            starts[d] += 1;
        }
        core::mem::swap(&mut src, &mut dst);
    }
    *runs = src;
}

/// Writes the table of `level` for the part `from .. to` of `leaves` (VA-sorted, each
/// overlapping that part; `to` is exclusive, `u64::MAX` for the whole range), then its
/// next-level tables depth-first in VA order. Returns the index of the table written.
///
/// `concatenated` tables are written as one table of that many times the entries (1,
/// or a stage 2 root of 2 to 16 concatenated tables, whose index takes up to 4 more VA
/// bits; DDI 0487 D8.2, "Concatenated translation tables for the initial stage 2
/// lookup").
#[allow(clippy::too_many_arguments)]
pub(super) fn emit(
    format: Format,
    level: i8,
    concatenated: usize,
    leaves: &[Run],
    from: u64,
    to: u64,
    tables: &mut Vec<u64>,
    base_pa: u64,
) -> usize {
    let granule = format.granule;
    let entries = granule.entries();
    let index = tables.len() / entries;
    let slots_here = entries * concatenated;
    tables.resize(tables.len() + slots_here, 0);
    let table = index * entries;
    let entry = granule.level_size(level);
    let slot = |va: u64| {
        if concatenated == 1 {
            granule.level_index(va, level)
        } else {
            (va >> granule.level_shift(level)) as usize & (slots_here - 1)
        }
    };
    let mut done = from;
    let mut i = 0;
    while i < leaves.len() {
        let Some(r) = leaves[i].part(done, to) else {
            i += 1;
            continue;
        };
        if r.level == level {
            let first = table + slot(r.va);
            let bits = Descriptor::leaf(level, 0).bits() | r.attrs;
            let slots = &mut tables[first..first + r.count as usize];
            let mut pa = r.pa;
            if format.oa52 {
                for slot in slots {
                    *slot = bits | format.encode_address(pa);
                    pa += entry;
                }
            } else {
                for slot in slots {
                    *slot = bits | pa;
                    pa += entry;
                }
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
                format,
                level + 1,
                1,
                &leaves[i..j],
                region,
                region_end,
                tables,
                base_pa,
            );
            let child_pa = base_pa + child as u64 * granule.bytes();
            tables[table + slot(region)] =
                Descriptor::table(0).bits() | format.encode_address(child_pa);
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
            .map(|k| Run::new(Granule::Size4K, rng.below(spread) << 12, k << 12, 1, 3, k))
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
