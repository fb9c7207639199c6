//! [`RangeMap`]: the disjoint ranges of an [`IntervalSet`](super::IntervalSet), ordered
//! by start, in chunks of up to [`CAP`] ranges with a summary of each chunk's first
//! start.
//!
//! A lookup binary searches a summary of the summary (every [`BLOCK`]th chunk's first
//! start: a few kilobytes at a million ranges, so it stays in the processor's nearest
//! cache), then counts the starts at or below the address in one block of the summary
//! and in one chunk. A block's and a chunk's starts lie next to each other in memory,
//! so their loads go out together instead of one after the other as in a tree's
//! descent. An
//! insert or removal shifts the rest of one chunk; a full chunk splits in two, an
//! emptied one leaves the summary, and a chunk that shrinks to a quarter is joined to
//! its neighbour when both fit in half a chunk.

use alloc::vec::Vec;
use core::fmt;

/// Ranges per chunk.
const CAP: usize = 64;

/// Chunks per block of the summary.
const BLOCK: usize = 64;

/// Up to [`CAP`] ranges, sorted by start.
#[derive(Clone)]
struct Chunk<M> {
    len: usize,
    /// `(start, last)` of each range; the first `len` are used.
    keys: [(u64, u64); CAP],
    /// The metadata of each used range.
    metas: Vec<M>,
}

impl<M> Chunk<M> {
    fn new() -> Self {
        Chunk {
            len: 0,
            keys: [(0, 0); CAP],
            metas: Vec::new(),
        }
    }

    /// How many ranges start at or below `x`.
    #[inline]
    fn count_at_or_below(&self, x: u64) -> usize {
        // Every start is compared, without a branch: the loads go out together.
        self.keys[..self.len]
            .iter()
            .map(|k| usize::from(k.0 <= x))
            .sum()
    }
}

/// The place of a range: chunk `p` in address order, range `i` in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pos {
    p: usize,
    i: usize,
}

/// Disjoint ranges `start ..= last` with metadata, ordered by start.
#[derive(Clone)]
pub(super) struct RangeMap<M> {
    /// The first start of each chunk, in address order.
    firsts: Vec<u64>,
    /// `firsts[BLOCK * b]` for every block `b` of `firsts`.
    tops: Vec<u64>,
    /// The chunks (their slots in `chunks`), in address order; none is empty.
    order: Vec<u32>,
    /// Every chunk, used or not.
    chunks: Vec<Chunk<M>>,
    /// Slots of `chunks` no chunk of `order` uses.
    spare: Vec<u32>,
    len: usize,
}

impl<M> Default for RangeMap<M> {
    fn default() -> Self {
        RangeMap {
            firsts: Vec::new(),
            tops: Vec::new(),
            order: Vec::new(),
            chunks: Vec::new(),
            spare: Vec::new(),
            len: 0,
        }
    }
}

impl<M: fmt::Debug> fmt::Debug for RangeMap<M> {
    /// As a map from start to `(last, metadata)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.iter().map(|(s, l, m)| (s, (l, m))))
            .finish()
    }
}

impl<M> RangeMap<M> {
    #[inline]
    fn chunk(&self, p: usize) -> &Chunk<M> {
        &self.chunks[self.order[p] as usize]
    }

    #[inline]
    fn chunk_mut(&mut self, p: usize) -> &mut Chunk<M> {
        &mut self.chunks[self.order[p] as usize]
    }

    /// Number of ranges.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Whether there is no range.
    pub(super) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The place of the last range starting at or below `x`.
    #[inline]
    pub(super) fn locate(&self, x: u64) -> Option<Pos> {
        let b = self.tops.partition_point(|&f| f <= x).checked_sub(1)?;
        let block = &self.firsts[b * BLOCK..self.firsts.len().min((b + 1) * BLOCK)];
        // Without a branch, as in a chunk; the block's first start is at or below `x`.
        let in_block: usize = block.iter().map(|&f| usize::from(f <= x)).sum();
        let p = b * BLOCK + in_block - 1;
        // The chunk's first start is at or below `x`, so the count is at least 1.
        let i = self.chunk(p).count_at_or_below(x) - 1;
        Some(Pos { p, i })
    }

    /// The place after `pos`, if any range is there.
    #[inline]
    fn after(&self, pos: Pos) -> Option<Pos> {
        if pos.i + 1 < self.chunk(pos.p).len {
            Some(Pos {
                i: pos.i + 1,
                ..pos
            })
        } else if pos.p + 1 < self.order.len() {
            Some(Pos { p: pos.p + 1, i: 0 })
        } else {
            None
        }
    }

    /// The place of the first range.
    fn first(&self) -> Option<Pos> {
        (!self.order.is_empty()).then_some(Pos { p: 0, i: 0 })
    }

    /// The place of the first range starting after `x`.
    pub(super) fn first_after(&self, x: u64) -> Option<Pos> {
        match self.locate(x) {
            Some(pos) => self.after(pos),
            None => self.first(),
        }
    }

    /// The place of the first range starting at or after `x`.
    pub(super) fn first_from(&self, x: u64) -> Option<Pos> {
        match x.checked_sub(1) {
            Some(before) => self.first_after(before),
            None => self.first(),
        }
    }

    /// The range at `pos`: start, last and metadata.
    #[inline]
    pub(super) fn at(&self, pos: Pos) -> (u64, u64, &M) {
        let c = self.chunk(pos.p);
        let (s, l) = c.keys[pos.i];
        (s, l, &c.metas[pos.i])
    }

    /// The range at `pos`, with its last address and metadata to change (not its start).
    #[inline]
    pub(super) fn at_mut(&mut self, pos: Pos) -> (u64, &mut u64, &mut M) {
        let c = self.chunk_mut(pos.p);
        let (s, l) = &mut c.keys[pos.i];
        (*s, l, &mut c.metas[pos.i])
    }

    /// The last range starting at or below `x`.
    #[inline]
    pub(super) fn before(&self, x: u64) -> Option<(u64, u64, &M)> {
        self.locate(x).map(|pos| self.at(pos))
    }

    /// The range starting at `start`: its last address and metadata.
    pub(super) fn get(&self, start: u64) -> Option<(u64, &M)> {
        let (s, l, m) = self.before(start)?;
        (s == start).then_some((l, m))
    }

    /// The start of the first range and the last address of the last one.
    pub(super) fn span(&self) -> Option<(u64, u64)> {
        let first = *self.firsts.first()?;
        let c = self.chunk(self.order.len() - 1);
        Some((first, c.keys[c.len - 1].1))
    }

    /// The ranges from `pos` on, in address order.
    pub(super) fn iter_from(&self, pos: Option<Pos>) -> Iter<'_, M> {
        let (p, i) = pos.map_or((self.order.len(), 0), |pos| (pos.p, pos.i));
        Iter { map: self, p, i }
    }

    /// Every range in address order.
    pub(super) fn iter(&self) -> Iter<'_, M> {
        self.iter_from(self.first())
    }

    /// Adds a range starting at `start`, or replaces the one starting there.
    pub(super) fn insert(&mut self, start: u64, last: u64, meta: M) {
        let (p, i) = match self.locate(start) {
            Some(pos) => {
                let c = self.chunk_mut(pos.p);
                if c.keys[pos.i].0 == start {
                    c.keys[pos.i].1 = last;
                    c.metas[pos.i] = meta;
                    return;
                }
                (pos.p, pos.i + 1)
            }
            None if self.order.is_empty() => {
                let slot = self.new_chunk();
                self.order.push(slot);
                self.firsts.push(start);
                self.retop(0);
                (0, 0)
            }
            None => (0, 0),
        };
        let (p, i) = if self.chunk(p).len == CAP {
            self.split(p);
            let left = self.chunk(p).len;
            if i > left { (p + 1, i - left) } else { (p, i) }
        } else {
            (p, i)
        };
        let c = self.chunk_mut(p);
        c.keys.copy_within(i..c.len, i + 1);
        c.keys[i] = (start, last);
        c.metas.insert(i, meta);
        c.len += 1;
        if i == 0 {
            self.set_first(p, start);
        }
        self.len += 1;
    }

    /// Removes the range starting at `start`, giving its last address and metadata.
    pub(super) fn remove(&mut self, start: u64) -> Option<(u64, M)> {
        let pos = self.locate(start)?;
        let c = self.chunk_mut(pos.p);
        if c.keys[pos.i].0 != start {
            return None;
        }
        let last = c.keys[pos.i].1;
        let meta = c.metas.remove(pos.i);
        c.keys.copy_within(pos.i + 1..c.len, pos.i);
        c.len -= 1;
        let (len, first) = (c.len, c.keys[0].0);
        self.len -= 1;
        if len == 0 {
            self.drop_chunk(pos.p);
        } else {
            self.set_first(pos.p, first);
            if len <= CAP / 4 {
                self.join_small(pos.p);
            }
        }
        Some((last, meta))
    }

    /// Sets the first start of chunk `p`.
    fn set_first(&mut self, p: usize, start: u64) {
        self.firsts[p] = start;
        if p.is_multiple_of(BLOCK) {
            self.tops[p / BLOCK] = start;
        }
    }

    /// Makes `tops` follow `firsts` again from chunk `p` on, after a chunk was added or
    /// taken out there.
    fn retop(&mut self, p: usize) {
        let blocks = self.firsts.len().div_ceil(BLOCK);
        self.tops.truncate(blocks);
        self.tops.resize(blocks, 0);
        for b in p / BLOCK..blocks {
            self.tops[b] = self.firsts[b * BLOCK];
        }
    }

    fn new_chunk(&mut self) -> u32 {
        match self.spare.pop() {
            Some(slot) => slot,
            None => {
                self.chunks.push(Chunk::new());
                (self.chunks.len() - 1) as u32
            }
        }
    }

    /// Moves the upper half of the full chunk `p` to a new chunk after it.
    fn split(&mut self, p: usize) {
        let slot = self.new_chunk();
        let from = self.order[p] as usize;
        let keep = CAP / 2;
        let (keys, metas) = {
            let c = &mut self.chunks[from];
            let metas = c.metas.split_off(keep);
            c.len = keep;
            (c.keys, metas)
        };
        let new = &mut self.chunks[slot as usize];
        new.len = CAP - keep;
        new.keys[..CAP - keep].copy_from_slice(&keys[keep..]);
        new.metas = metas;
        self.order.insert(p + 1, slot);
        self.firsts.insert(p + 1, keys[keep].0);
        self.retop(p + 1);
    }

    /// Takes the empty chunk `p` out of the order.
    fn drop_chunk(&mut self, p: usize) {
        let slot = self.order.remove(p);
        self.firsts.remove(p);
        self.retop(p);
        self.chunks[slot as usize].metas = Vec::new();
        self.spare.push(slot);
    }

    /// Joins the small chunk `p` with its next neighbour (or the one before it) when
    /// both together fill at most half a chunk.
    fn join_small(&mut self, p: usize) {
        let (a, b) = if p + 1 < self.order.len() {
            (p, p + 1)
        } else if p > 0 {
            (p - 1, p)
        } else {
            return;
        };
        let (la, lb) = (self.chunk(a).len, self.chunk(b).len);
        if la + lb > CAP / 2 {
            return;
        }
        let (sa, sb) = (self.order[a] as usize, self.order[b] as usize);
        let keys = self.chunks[sb].keys;
        let metas = core::mem::take(&mut self.chunks[sb].metas);
        self.chunks[sb].len = 0;
        let c = &mut self.chunks[sa];
        c.keys[la..la + lb].copy_from_slice(&keys[..lb]);
        c.metas.extend(metas);
        c.len = la + lb;
        self.drop_chunk(b);
    }
}

/// The ranges of a [`RangeMap`] from a place on: `(start, last, metadata)`.
pub(super) struct Iter<'a, M> {
    map: &'a RangeMap<M>,
    p: usize,
    i: usize,
}

impl<'a, M> Iterator for Iter<'a, M> {
    type Item = (u64, u64, &'a M);

    fn next(&mut self) -> Option<Self::Item> {
        let map = self.map;
        let c = map.chunks.get(*map.order.get(self.p)? as usize)?;
        let (s, l) = c.keys[self.i];
        let m = &c.metas[self.i];
        self.i += 1;
        if self.i == c.len {
            self.p += 1;
            self.i = 0;
        }
        Some((s, l, m))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;
    use alloc::collections::BTreeMap;

    /// Checks every invariant and that the map holds what `model` holds.
    fn agrees(map: &RangeMap<u32>, model: &BTreeMap<u64, (u64, u32)>) {
        assert_eq!(map.len(), model.len());
        assert_eq!(map.firsts.len(), map.order.len());
        let tops: Vec<u64> = map.firsts.iter().copied().step_by(BLOCK).collect();
        assert_eq!(map.tops, tops);
        for (p, &slot) in map.order.iter().enumerate() {
            let c = &map.chunks[slot as usize];
            assert!(c.len > 0 && c.len <= CAP);
            assert_eq!(c.metas.len(), c.len);
            assert_eq!(map.firsts[p], c.keys[0].0);
        }
        let got: Vec<(u64, u64, u32)> = map.iter().map(|(s, l, &m)| (s, l, m)).collect();
        let want: Vec<(u64, u64, u32)> = model.iter().map(|(&s, &(l, m))| (s, l, m)).collect();
        assert_eq!(got, want);
    }

    #[test]
    fn behaves_as_an_ordered_map_under_random_inserts_and_removals() {
        let mut rng = Rng::new(7);
        let mut map = RangeMap::default();
        let mut model = BTreeMap::new();
        for step in 0..20_000u32 {
            // Few keys, so removals hit and chunks empty out and join.
            let k = rng.below(if step < 10_000 { 5_000 } else { 300 }) * 2;
            if rng.below(3) == 0 {
                assert_eq!(map.remove(k), model.remove(&k));
            } else {
                map.insert(k, k + 1, step);
                model.insert(k, (k + 1, step));
            }
            let x = rng.below(10_002);
            let want = model.range(..=x).next_back().map(|(&s, &(l, m))| (s, l, m));
            assert_eq!(map.before(x).map(|(s, l, &m)| (s, l, m)), want);
            let want = model.range(x..).next().map(|(&s, _)| s);
            assert_eq!(map.first_from(x).map(|p| map.at(p).0), want);
            let want = model.range(x + 1..).next().map(|(&s, _)| s);
            assert_eq!(map.first_after(x).map(|p| map.at(p).0), want);
            if step % 1_000 == 0 {
                agrees(&map, &model);
            }
        }
        agrees(&map, &model);
        let span = model
            .first_key_value()
            .zip(model.last_key_value())
            .map(|((&s, _), (_, &(l, _)))| (s, l));
        assert_eq!(map.span(), span);
        while let Some((&k, _)) = model.first_key_value() {
            assert_eq!(map.remove(k), model.remove(&k));
        }
        agrees(&map, &model);
        assert_eq!(map.span(), None);
        assert_eq!(map.first_from(0), None);
    }

    #[test]
    fn the_top_of_the_space() {
        let mut map = RangeMap::default();
        map.insert(u64::MAX, u64::MAX, ());
        map.insert(0, 0, ());
        assert_eq!(map.before(u64::MAX).map(|(s, ..)| s), Some(u64::MAX));
        assert_eq!(map.first_after(u64::MAX), None);
        assert_eq!(map.first_from(1).map(|p| map.at(p).0), Some(u64::MAX));
        assert_eq!(
            alloc::format!("{map:?}"),
            "{0: (0, ()), 18446744073709551615: (18446744073709551615, ())}"
        );
    }
}
