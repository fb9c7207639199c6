//! [`RangeMap`]: the disjoint ranges of an [`IntervalSet`](super::IntervalSet), ordered
//! by start, in chunks of up to [`CAP`] ranges, grouped in blocks of up to [`FAN`]
//! chunks.
//!
//! A lookup binary searches the first start of each block (a few kilobytes at a million
//! ranges, so it stays in the processor's nearest caches), then counts the starts at or
//! below the address among the first starts of one block's chunks and among the starts
//! of one chunk. A block's first starts lie next to each other in memory, and so do a
//! chunk's ranges (each range's start and last address together, the metadata after
//! them in the same chunk), so the loads of each count go out together instead of one
//! after the other as in a deeper tree's descent, and the range found arrives with
//! them: a lookup reads one place of the largest part of the map, the chunks.
//!
//! An insert or removal shifts the rest of one chunk. A full chunk splits in two within
//! its block (a full block splits first), an emptied one leaves its block, and one that
//! shrinks to a quarter is joined to a neighbour in its block when both fit in half a
//! chunk; blocks split, leave and join the same way. Every change so moves at most a
//! chunk's or a block's worth of entries, plus, when a block splits or leaves, one
//! entry per block, so its cost does not grow with the number of ranges.

use alloc::vec::Vec;
use core::fmt;

/// Ranges per chunk.
const CAP: usize = 64;

/// Chunks per block.
const FAN: usize = 64;

/// Up to [`CAP`] ranges, sorted by start; how many are used is kept in the chunk's
/// [`Slot`]. A range's start and last address lie together.
#[derive(Clone)]
#[repr(C, align(64))]
struct Chunk<M> {
    /// `(start, last)` of each range; past the used ones, pairs that stand for nothing.
    keys: [(u64, u64); CAP],
    /// The metadata of each range; past the used ones, copies of some metadata.
    metas: [M; CAP],
}

impl<M: Clone> Chunk<M> {
    /// An empty chunk whose unused metadata are copies of `fill`.
    fn new(fill: &M) -> Self {
        Chunk {
            keys: [(0, 0); CAP],
            metas: core::array::from_fn(|_| fill.clone()),
        }
    }
}

impl<M> Chunk<M> {
    /// How many of the first `len` ranges start at or below `x`.
    #[inline]
    fn count_at_or_below(&self, len: usize, x: u64) -> usize {
        // Every start is compared, without a branch: the loads go out together.
        self.keys[..len].iter().map(|k| usize::from(k.0 <= x)).sum()
    }
}

/// How many of `sorted` are at or below `x`, comparing every one without a branch so
/// that the loads go out together.
#[inline]
fn count_at_or_below(sorted: &[u64], x: u64) -> usize {
    sorted.iter().map(|&s| usize::from(s <= x)).sum()
}

/// A chunk of a block: its index in `chunks` and how many ranges it holds.
#[derive(Clone, Copy, Default)]
struct Slot {
    chunk: u32,
    len: u32,
}

/// Up to [`FAN`] chunks in address order, with the first start of each.
#[derive(Clone)]
#[repr(C, align(64))]
struct Block {
    firsts: [u64; FAN],
    slots: [Slot; FAN],
    len: usize,
}

impl Block {
    fn new() -> Self {
        Block {
            firsts: [0; FAN],
            slots: [Slot::default(); FAN],
            len: 0,
        }
    }

    /// Puts `slot`, whose first start is `first`, at `j`, shifting the rest up.
    fn insert(&mut self, j: usize, first: u64, slot: Slot) {
        self.firsts.copy_within(j..self.len, j + 1);
        self.slots.copy_within(j..self.len, j + 1);
        self.firsts[j] = first;
        self.slots[j] = slot;
        self.len += 1;
    }

    /// Takes the slot at `j` out, shifting the rest down.
    fn remove(&mut self, j: usize) -> Slot {
        let slot = self.slots[j];
        self.firsts.copy_within(j + 1..self.len, j);
        self.slots.copy_within(j + 1..self.len, j);
        self.len -= 1;
        slot
    }
}

/// The place of a range: block `b` in address order, its chunk `j`, range `i` in that.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Pos {
    b: usize,
    j: usize,
    i: usize,
}

/// Disjoint ranges `start ..= last` with metadata, ordered by start.
#[derive(Clone)]
pub(super) struct RangeMap<M> {
    /// The first start of each block, in address order.
    tops: Vec<u64>,
    /// The blocks (their indices in `blocks`), in address order; none is empty.
    order: Vec<u32>,
    /// Every block, used or not.
    blocks: Vec<Block>,
    /// Indices of `blocks` that `order` does not use.
    spare_blocks: Vec<u32>,
    /// Every chunk, used or not; the used ones are those of the blocks' slots, and
    /// none of those is empty.
    chunks: Vec<Chunk<M>>,
    /// Indices of `chunks` no slot uses.
    spare: Vec<u32>,
    len: usize,
}

impl<M> Default for RangeMap<M> {
    fn default() -> Self {
        RangeMap {
            tops: Vec::new(),
            order: Vec::new(),
            blocks: Vec::new(),
            spare_blocks: Vec::new(),
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
    fn block(&self, b: usize) -> &Block {
        &self.blocks[self.order[b] as usize]
    }

    #[inline]
    fn block_mut(&mut self, b: usize) -> &mut Block {
        &mut self.blocks[self.order[b] as usize]
    }

    /// The slot of the chunk at `pos`.
    #[inline]
    fn slot(&self, pos: Pos) -> Slot {
        self.block(pos.b).slots[pos.j]
    }

    #[inline]
    fn chunk(&self, pos: Pos) -> &Chunk<M> {
        &self.chunks[self.slot(pos).chunk as usize]
    }

    #[inline]
    fn chunk_mut(&mut self, pos: Pos) -> &mut Chunk<M> {
        let c = self.slot(pos).chunk as usize;
        &mut self.chunks[c]
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
        let block = self.block(b);
        // The block's first start is at or below `x`, so the count is at least 1; the
        // same for the chunk's.
        let j = count_at_or_below(&block.firsts[..block.len], x) - 1;
        let slot = block.slots[j];
        let i = self.chunks[slot.chunk as usize].count_at_or_below(slot.len as usize, x) - 1;
        Some(Pos { b, j, i })
    }

    /// The place after `pos`, if any range is there.
    #[inline]
    fn after(&self, pos: Pos) -> Option<Pos> {
        if pos.i + 1 < self.slot(pos).len as usize {
            Some(Pos {
                i: pos.i + 1,
                ..pos
            })
        } else if pos.j + 1 < self.block(pos.b).len {
            Some(Pos {
                j: pos.j + 1,
                i: 0,
                ..pos
            })
        } else if pos.b + 1 < self.order.len() {
            Some(Pos {
                b: pos.b + 1,
                j: 0,
                i: 0,
            })
        } else {
            None
        }
    }

    /// The place of the first range.
    fn first(&self) -> Option<Pos> {
        (!self.order.is_empty()).then_some(Pos { b: 0, j: 0, i: 0 })
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
        let c = self.chunk(pos);
        (c.keys[pos.i].0, c.keys[pos.i].1, &c.metas[pos.i])
    }

    /// The range at `pos`, with its last address and metadata to change (not its start).
    #[inline]
    pub(super) fn at_mut(&mut self, pos: Pos) -> (u64, &mut u64, &mut M) {
        let c = self.chunk_mut(pos);
        (c.keys[pos.i].0, &mut c.keys[pos.i].1, &mut c.metas[pos.i])
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
        let first = *self.tops.first()?;
        let b = self.order.len() - 1;
        let j = self.block(b).len - 1;
        let slot = self.block(b).slots[j];
        let last = self.chunks[slot.chunk as usize].keys[slot.len as usize - 1].1;
        Some((first, last))
    }

    /// The ranges from `pos` on, in address order.
    pub(super) fn iter_from(&self, pos: Option<Pos>) -> Iter<'_, M> {
        let pos = pos.unwrap_or(Pos {
            b: self.order.len(),
            j: 0,
            i: 0,
        });
        Iter { map: self, pos }
    }

    /// Every range in address order.
    pub(super) fn iter(&self) -> Iter<'_, M> {
        self.iter_from(self.first())
    }

    /// Sets the first start of the chunk at `pos` (and of its block if it is the first).
    fn set_first(&mut self, pos: Pos, start: u64) {
        self.block_mut(pos.b).firsts[pos.j] = start;
        if pos.j == 0 {
            self.tops[pos.b] = start;
        }
    }

    /// Takes the emptied chunk at `pos` out of its block.
    fn drop_chunk(&mut self, pos: Pos) {
        let block = self.block_mut(pos.b);
        let slot = block.remove(pos.j);
        let (len, first) = (block.len, block.firsts[0]);
        self.spare.push(slot.chunk);
        if len == 0 {
            self.spare_blocks.push(self.order.remove(pos.b));
            self.tops.remove(pos.b);
        } else {
            self.tops[pos.b] = first;
            if len <= FAN / 4 {
                self.join_small_block(pos.b);
            }
        }
    }

    /// A block `order` does not use, empty.
    fn new_block(&mut self) -> u32 {
        match self.spare_blocks.pop() {
            Some(b) => {
                self.blocks[b as usize].len = 0;
                b
            }
            None => {
                self.blocks.push(Block::new());
                (self.blocks.len() - 1) as u32
            }
        }
    }

    /// Moves the upper half of the full block `b` to a new block after it.
    fn split_block(&mut self, b: usize) {
        let keep = FAN / 2;
        let new = self.new_block();
        let from = self.order[b] as usize;
        let (src, dst) = two(&mut self.blocks, from, new as usize);
        dst.firsts[..FAN - keep].copy_from_slice(&src.firsts[keep..]);
        dst.slots[..FAN - keep].copy_from_slice(&src.slots[keep..]);
        dst.len = FAN - keep;
        src.len = keep;
        let first = dst.firsts[0];
        self.order.insert(b + 1, new);
        self.tops.insert(b + 1, first);
    }

    /// Joins the small block `b` with its next neighbour (or the one before it) when
    /// both together fill at most half a block.
    fn join_small_block(&mut self, b: usize) {
        let (a, b) = if b + 1 < self.order.len() {
            (b, b + 1)
        } else if b > 0 {
            (b - 1, b)
        } else {
            return;
        };
        let (la, lb) = (self.block(a).len, self.block(b).len);
        if la + lb > FAN / 2 {
            return;
        }
        let (ia, ib) = (self.order[a] as usize, self.order[b] as usize);
        let (dst, src) = two(&mut self.blocks, ia, ib);
        dst.firsts[la..la + lb].copy_from_slice(&src.firsts[..lb]);
        dst.slots[la..la + lb].copy_from_slice(&src.slots[..lb]);
        dst.len = la + lb;
        src.len = 0;
        self.spare_blocks.push(self.order.remove(b));
        self.tops.remove(b);
    }
}

impl<M: Clone> RangeMap<M> {
    /// Adds a range starting at `start`, or replaces the one starting there.
    pub(super) fn insert(&mut self, start: u64, last: u64, meta: M) {
        let pos = match self.locate(start) {
            Some(pos) => {
                let c = self.chunk_mut(pos);
                if c.keys[pos.i].0 == start {
                    c.keys[pos.i].1 = last;
                    c.metas[pos.i] = meta;
                    return;
                }
                Pos {
                    i: pos.i + 1,
                    ..pos
                }
            }
            None if self.order.is_empty() => {
                let chunk = self.new_chunk(&meta);
                let block = self.new_block();
                self.blocks[block as usize].insert(0, start, Slot { chunk, len: 0 });
                self.order.push(block);
                self.tops.push(start);
                Pos { b: 0, j: 0, i: 0 }
            }
            None => Pos { b: 0, j: 0, i: 0 },
        };
        let pos = if self.slot(pos).len as usize == CAP {
            self.split(pos)
        } else {
            pos
        };
        let len = self.slot(pos).len as usize;
        let c = self.chunk_mut(pos);
        c.keys.copy_within(pos.i..len, pos.i + 1);
        c.metas[pos.i..=len].rotate_right(1);
        c.keys[pos.i] = (start, last);
        c.metas[pos.i] = meta;
        self.block_mut(pos.b).slots[pos.j].len += 1;
        if pos.i == 0 {
            self.set_first(pos, start);
        }
        self.len += 1;
    }

    /// Removes the range starting at `start`, giving its last address and metadata.
    pub(super) fn remove(&mut self, start: u64) -> Option<(u64, M)> {
        let pos = self.locate(start)?;
        let len = self.slot(pos).len as usize;
        let c = self.chunk_mut(pos);
        if c.keys[pos.i].0 != start {
            return None;
        }
        let last = c.keys[pos.i].1;
        let meta = c.metas[pos.i].clone();
        c.keys.copy_within(pos.i + 1..len, pos.i);
        c.metas[pos.i..len].rotate_left(1);
        let first = c.keys[0].0;
        let len = len - 1;
        self.block_mut(pos.b).slots[pos.j].len = len as u32;
        self.len -= 1;
        if len == 0 {
            self.drop_chunk(pos);
        } else {
            self.set_first(pos, first);
            if len <= CAP / 4 {
                self.join_small(pos);
            }
        }
        Some((last, meta))
    }

    /// A chunk no slot uses; `fill` stands for its unused metadata if it is new.
    fn new_chunk(&mut self, fill: &M) -> u32 {
        match self.spare.pop() {
            Some(chunk) => chunk,
            None => {
                // A set of a few ranges (most sets) takes one chunk, not the four a
                // vector of chunks would reserve first.
                if self.chunks.capacity() == 0 {
                    self.chunks.reserve_exact(1);
                }
                self.chunks.push(Chunk::new(fill));
                (self.chunks.len() - 1) as u32
            }
        }
    }

    /// Moves the upper half of the full chunk at `pos` to a new chunk after it (first
    /// splitting its block if that is full), and gives the place `pos` names after the
    /// move.
    fn split(&mut self, pos: Pos) -> Pos {
        let pos = if self.block(pos.b).len == FAN {
            self.split_block(pos.b);
            let left = self.block(pos.b).len;
            if pos.j >= left {
                Pos {
                    b: pos.b + 1,
                    j: pos.j - left,
                    ..pos
                }
            } else {
                pos
            }
        } else {
            pos
        };
        let keep = CAP / 2;
        let from = self.slot(pos).chunk as usize;
        let fill = self.chunks[from].metas[0].clone();
        let chunk = self.new_chunk(&fill);
        let (src, dst) = two(&mut self.chunks, from, chunk as usize);
        dst.keys[..CAP - keep].copy_from_slice(&src.keys[keep..]);
        dst.metas[..CAP - keep].clone_from_slice(&src.metas[keep..]);
        let first = dst.keys[0].0;
        let block = self.block_mut(pos.b);
        block.slots[pos.j].len = keep as u32;
        block.insert(
            pos.j + 1,
            first,
            Slot {
                chunk,
                len: (CAP - keep) as u32,
            },
        );
        if pos.i > keep {
            Pos {
                j: pos.j + 1,
                i: pos.i - keep,
                ..pos
            }
        } else {
            pos
        }
    }

    /// Joins the small chunk at `pos` with its next neighbour in its block (or the one
    /// before it) when both together fill at most half a chunk.
    fn join_small(&mut self, pos: Pos) {
        let n = self.block(pos.b).len;
        let (a, b) = if pos.j + 1 < n {
            (pos.j, pos.j + 1)
        } else if pos.j > 0 {
            (pos.j - 1, pos.j)
        } else {
            return;
        };
        let block = self.block(pos.b);
        let (sa, sb) = (block.slots[a], block.slots[b]);
        let (la, lb) = (sa.len as usize, sb.len as usize);
        if la + lb > CAP / 2 {
            return;
        }
        let (dst, src) = two(&mut self.chunks, sa.chunk as usize, sb.chunk as usize);
        dst.keys[la..la + lb].copy_from_slice(&src.keys[..lb]);
        dst.metas[la..la + lb].clone_from_slice(&src.metas[..lb]);
        self.block_mut(pos.b).slots[a].len = (la + lb) as u32;
        self.drop_chunk(Pos { j: b, ..pos });
    }
}

/// Elements `a` and `b` (which differ) of `v`, both to change.
fn two<T>(v: &mut [T], a: usize, b: usize) -> (&mut T, &mut T) {
    if a < b {
        let (lo, hi) = v.split_at_mut(b);
        (&mut lo[a], &mut hi[0])
    } else {
        let (lo, hi) = v.split_at_mut(a);
        (&mut hi[0], &mut lo[b])
    }
}

/// The ranges of a [`RangeMap`] from a place on: `(start, last, metadata)`.
pub(super) struct Iter<'a, M> {
    map: &'a RangeMap<M>,
    pos: Pos,
}

impl<'a, M> Iterator for Iter<'a, M> {
    type Item = (u64, u64, &'a M);

    fn next(&mut self) -> Option<Self::Item> {
        let map = self.map;
        let block = &map.blocks[*map.order.get(self.pos.b)? as usize];
        let slot = block.slots[self.pos.j];
        let i = self.pos.i;
        let c = &map.chunks[slot.chunk as usize];
        let item = (c.keys[i].0, c.keys[i].1, &c.metas[i]);
        if i + 1 < slot.len as usize {
            self.pos.i += 1;
        } else if self.pos.j + 1 < block.len {
            self.pos.j += 1;
            self.pos.i = 0;
        } else {
            self.pos = Pos {
                b: self.pos.b + 1,
                j: 0,
                i: 0,
            };
        }
        Some(item)
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
        assert_eq!(map.tops.len(), map.order.len());
        let mut chunks = 0;
        for (b, &block) in map.order.iter().enumerate() {
            let block = &map.blocks[block as usize];
            assert!(block.len > 0 && block.len <= FAN);
            assert_eq!(map.tops[b], block.firsts[0]);
            for (j, slot) in block.slots[..block.len].iter().enumerate() {
                assert!(slot.len > 0 && slot.len as usize <= CAP);
                assert_eq!(block.firsts[j], map.chunks[slot.chunk as usize].keys[0].0);
            }
            chunks += block.len;
        }
        assert_eq!(chunks + map.spare.len(), map.chunks.len());
        assert_eq!(map.order.len() + map.spare_blocks.len(), map.blocks.len());
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
    fn blocks_split_and_join_as_the_map_grows_and_shrinks() {
        // Enough ranges for many blocks: random inserts split chunks and blocks in
        // every place, random removals empty and join them.
        let mut rng = Rng::new(11);
        let mut map = RangeMap::default();
        let mut model = BTreeMap::new();
        let keys = 1u64 << 40;
        for step in 0..200_000u32 {
            let k = rng.below(keys) * 2;
            map.insert(k, k + 1, step);
            model.insert(k, (k + 1, step));
            if step % 50_000 == 0 {
                agrees(&map, &model);
            }
        }
        agrees(&map, &model);
        assert!(map.order.len() > 50, "{} blocks", map.order.len());
        let mut starts: Vec<u64> = model.keys().copied().collect();
        for step in 0..starts.len() {
            let k = starts.swap_remove(rng.below(starts.len() as u64) as usize);
            assert_eq!(map.remove(k), model.remove(&k));
            assert_eq!(map.remove(k), None);
            if step % 50_000 == 0 {
                agrees(&map, &model);
                let x = rng.below(keys * 2);
                let want = model.range(..=x).next_back().map(|(&s, &(l, m))| (s, l, m));
                assert_eq!(map.before(x).map(|(s, l, &m)| (s, l, m)), want);
            }
        }
        agrees(&map, &model);
        assert!(map.is_empty());
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
