//! [`IntervalSet`]: disjoint address ranges with metadata, and the fitting searches the
//! allocator is built on.
//!
//! Ranges are kept ordered by start address in chunks with a summary of each chunk's
//! first start (see `ranges.rs`), plus one B-tree of start addresses per power-of-two
//! size class. A lowest-address fit looks at the first entry
//! of each class that is certain to fit (a range of at least `size + align - 1` bytes)
//! and scans only the one or two classes that may fit, so its cost grows like `log n`
//! in the number of ranges, not like `n`.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;
use core::fmt;

use crate::model::Hex;
use crate::rng::Rng;

mod ranges;

use ranges::RangeMap;

/// A non-empty range of addresses `start ..= last` (inclusive, so a range may end at the
/// top of the 64-bit space).
///
/// The fields are private: every `Interval` has `start <= last`, which the constructors
/// [`new`](Self::new) and [`from_bounds`](Self::from_bounds) check.
///
/// `Debug` shows both fields as [`Hex`] writes them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Interval {
    start: u64,
    last: u64,
}

impl Interval {
    /// The range `start ..= last`, or `None` when `last < start`.
    pub const fn from_bounds(start: u64, last: u64) -> Option<Interval> {
        if last < start {
            None
        } else {
            Some(Interval { start, last })
        }
    }

    /// `start ..= last` for a range the caller has already checked (`start <= last`).
    pub(crate) const fn checked_by_caller(start: u64, last: u64) -> Interval {
        debug_assert!(start <= last);
        Interval { start, last }
    }

    /// The first address.
    pub const fn start(&self) -> u64 {
        self.start
    }

    /// The last address (inclusive).
    pub const fn last(&self) -> u64 {
        self.last
    }

    /// The range `start .. start + size`, or `None` when `size` is 0 or the range passes
    /// 2^64.
    pub const fn new(start: u64, size: u64) -> Option<Interval> {
        if size == 0 {
            return None;
        }
        match start.checked_add(size - 1) {
            Some(last) => Some(Interval { start, last }),
            None => None,
        }
    }

    /// The number of addresses in the range (at most 2^64, hence `u128`).
    pub const fn size(&self) -> u128 {
        (self.last - self.start) as u128 + 1
    }

    /// One past the last address, or `None` when the range ends at the top of the space.
    pub const fn end(&self) -> Option<u64> {
        self.last.checked_add(1)
    }

    /// Whether `addr` lies in the range.
    pub const fn contains(&self, addr: u64) -> bool {
        addr >= self.start && addr <= self.last
    }

    /// Whether `other` lies wholly inside this range.
    pub const fn covers(&self, other: &Interval) -> bool {
        other.start >= self.start && other.last <= self.last
    }

    /// Whether the two ranges share an address.
    pub const fn overlaps(&self, other: &Interval) -> bool {
        self.start <= other.last && other.start <= self.last
    }

    /// The common part of two ranges.
    pub fn intersect(&self, other: &Interval) -> Option<Interval> {
        let start = self.start.max(other.start);
        let last = self.last.min(other.last);
        (start <= last).then_some(Interval { start, last })
    }

    /// The lowest address in the range aligned to `align` where `size` bytes fit, if
    /// any; `None` as well when `size` is 0 or `align` is not a power of two.
    pub fn fit(&self, size: u64, align: u64) -> Option<u64> {
        let at = align_up(self.start, align)?;
        if at > self.last || self.last - at < size.checked_sub(1)? {
            return None;
        }
        Some(at)
    }

    /// A random aligned address in the range where `size` bytes fit, every such address
    /// equally likely, or `None` when none fits. There may be 2^64 of them, so the draw
    /// covers the whole `u64` range when it must.
    pub(crate) fn random_fit(&self, size: u64, align: u64, rng: &mut Rng) -> Option<u64> {
        let first = self.fit(size, align)?;
        // `fit` guarantees `first + size - 1 <= last`; the other fits are the next
        // `extra` multiples of `align`.
        let extra = (self.last - (size - 1) - first) / align;
        let k = match extra.checked_add(1) {
            Some(slots) => rng.below(slots),
            None => rng.next_u64(),
        };
        Some(first + k * align)
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Interval")
            .field("start", &format_args!("{}", Hex::from(self.start)))
            .field("last", &format_args!("{}", Hex::from(self.last)))
            .finish()
    }
}

impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end() {
            Some(end) => write!(f, "{}..{}", Hex::from(self.start), Hex::from(end)),
            // Ends at 2^64: print the true end, not 0.
            None => write!(
                f,
                "{}..{}",
                Hex::from(self.start),
                Hex(u128::from(self.last) + 1)
            ),
        }
    }
}

/// Rounds `value` up to a multiple of `align`; `None` on overflow, or when `align` is not
/// a power of two (0 included).
pub const fn align_up(value: u64, align: u64) -> Option<u64> {
    if !align.is_power_of_two() {
        return None;
    }
    let mask = align - 1;
    match value.checked_add(mask) {
        Some(v) => Some(v & !mask),
        None => None,
    }
}

/// Why an [`IntervalSet`] operation was refused.
///
/// Not exhaustive: new operations may fail in new ways.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntervalError {
    /// The size was 0.
    ZeroSize,
    /// The range passes 2^64.
    Wraps,
    /// An insert overlaps a range already in the set.
    Overlaps(Interval),
    /// A removal or update names addresses that are not all in the set.
    NotCovered,
}

impl fmt::Display for IntervalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroSize => {
                f.write_str("the range is empty; give it a size of at least one byte")
            }
            Self::Wraps => {
                f.write_str("the range ends past 2^64; make it smaller or start it lower")
            }
            Self::Overlaps(r) => write!(f, "the range overlaps {r}, which is already in the set"),
            Self::NotCovered => f.write_str("the range is not wholly inside the set"),
        }
    }
}

/// Counts describing an [`IntervalSet`].
///
/// Not exhaustive: the set computes it and may count more; read its fields.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Number of disjoint ranges.
    pub ranges: usize,
    /// Total number of addresses in the set.
    pub total: u128,
    /// Size of the largest range.
    pub largest: u128,
    /// Size of the smallest range.
    pub smallest: u128,
}

const CLASSES: usize = 65;

fn class_of(size: u128) -> usize {
    // size >= 1 and <= 2^64
    (127 - size.leading_zeros()) as usize
}

/// Disjoint address ranges, each with metadata `M`.
///
/// Inserting a range next to one with equal metadata merges them; removing part of a
/// range splits it.
#[derive(Clone, Debug)]
pub struct IntervalSet<M> {
    ranges: RangeMap<M>,
    /// Starts of the ranges per size class; empty when the set keeps no fit index.
    classes: Vec<BTreeSet<u64>>,
    total: u128,
}

impl<M> Default for IntervalSet<M> {
    fn default() -> Self {
        IntervalSet {
            ranges: RangeMap::default(),
            classes: (0..CLASSES).map(|_| BTreeSet::new()).collect(),
            total: 0,
        }
    }
}

impl<M> IntervalSet<M> {
    /// An empty set that keeps no size-class index: inserts and removals are cheaper,
    /// and the fitting searches fall back to scanning the ranges in address order. For
    /// sets that record what is used rather than what is free.
    pub fn without_fit_index() -> Self {
        IntervalSet {
            ranges: RangeMap::default(),
            classes: Vec::new(),
            total: 0,
        }
    }
}

impl<M: Clone + PartialEq> IntervalSet<M> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    fn raw_insert(&mut self, r: Interval, meta: M) {
        if let Some(class) = self.classes.get_mut(class_of(r.size())) {
            class.insert(r.start);
        }
        self.total += r.size();
        self.ranges.insert(r.start, r.last, meta);
    }

    fn raw_remove(&mut self, start: u64) -> Option<(Interval, M)> {
        let (last, meta) = self.ranges.remove(start)?;
        let r = Interval { start, last };
        if let Some(class) = self.classes.get_mut(class_of(r.size())) {
            class.remove(&start);
        }
        self.total -= r.size();
        Some((r, meta))
    }

    /// The range containing `addr` and its metadata.
    pub fn get(&self, addr: u64) -> Option<(Interval, &M)> {
        let (start, last, meta) = self.ranges.before(addr)?;
        (addr <= last).then_some((Interval { start, last }, meta))
    }

    /// Adds `start .. start + size` with `meta`, merging with neighbours of equal
    /// metadata. Fails if any address is already in the set.
    pub fn insert(&mut self, start: u64, size: u64, meta: M) -> Result<(), IntervalError> {
        let r = checked(start, size)?;
        self.insert_interval(r, meta)
    }

    /// Adds a range (see [`insert`](Self::insert)).
    pub fn insert_interval(&mut self, r: Interval, meta: M) -> Result<(), IntervalError> {
        // The only range that can overlap `r` or end right before it is the last one
        // starting at or before `r.last`; the only one right after it starts at
        // `r.last + 1`.
        let before = self
            .ranges
            .before(r.last)
            .map(|(start, last, m)| (Interval { start, last }, m));
        let mut merge_prev = None;
        if let Some((b, bm)) = before {
            if b.last >= r.start {
                // `b` may start after `r.start`, or an earlier range may overlap.
                let hit = self.first_overlap(&r).unwrap_or(b);
                return Err(IntervalError::Overlaps(hit));
            }
            if b.last.checked_add(1) == Some(r.start) && *bm == meta {
                merge_prev = Some(b);
            }
        }
        let merge_next = r
            .last
            .checked_add(1)
            .and_then(|next| match self.ranges.get(next) {
                Some((last, nm)) if *nm == meta => Some(Interval { start: next, last }),
                _ => None,
            });
        let mut merged = r;
        if let Some(n) = merge_next {
            merged.last = n.last;
            self.raw_remove(n.start);
        }
        match merge_prev {
            Some(p) => {
                // Grow the previous range in place.
                merged.start = p.start;
                self.resize(p, merged.last);
            }
            None => self.raw_insert(merged, meta),
        }
        Ok(())
    }

    /// Moves the last address of the range `r` (which is in the set) to `last`, keeping
    /// its start and metadata.
    fn resize(&mut self, r: Interval, last: u64) {
        let new = Interval {
            start: r.start,
            last,
        };
        let (old_class, new_class) = (class_of(r.size()), class_of(new.size()));
        if old_class != new_class && !self.classes.is_empty() {
            self.classes[old_class].remove(&r.start);
            self.classes[new_class].insert(r.start);
        }
        if let Some(pos) = self.ranges.locate(r.start) {
            debug_assert_eq!(
                self.ranges.at(pos).0,
                r.start,
                "resize of a range not in the set"
            );
            *self.ranges.at_mut(pos).1 = last;
        }
        self.total = self.total - r.size() + new.size();
    }

    /// The first range of the set that overlaps `r`.
    pub fn first_overlap(&self, r: &Interval) -> Option<Interval> {
        if let Some((i, _)) = self.get(r.start) {
            return Some(i);
        }
        let (start, last, _) = self.ranges.at(self.ranges.first_from(r.start)?);
        (start <= r.last).then_some(Interval { start, last })
    }

    /// Whether every address of `start .. start + size` is in the set.
    pub fn contains(&self, start: u64, size: u64) -> bool {
        match Interval::new(start, size) {
            Some(r) => self.covers(&r),
            None => false,
        }
    }

    /// Whether the ranges of the set cover `r` wholly (as [`covered`](Self::covered),
    /// without collecting the starts).
    fn covers(&self, r: &Interval) -> bool {
        let Some((first, _)) = self.get(r.start) else {
            return false;
        };
        let mut reach = first.last;
        while reach < r.last {
            let Some((next, _)) = self.get(reach + 1) else {
                return false;
            };
            reach = next.last;
        }
        true
    }

    /// The starts of the ranges covering `r`, if they cover it wholly.
    fn covered(&self, r: &Interval) -> Option<Vec<u64>> {
        let (first, _) = self.get(r.start)?;
        let mut starts = alloc::vec![first.start];
        let mut reach = first.last;
        while reach < r.last {
            let (next, _) = self.get(reach + 1)?;
            starts.push(next.start);
            reach = next.last;
        }
        Some(starts)
    }

    /// Cuts the set so that `start .. start + size` begins and ends on range boundaries,
    /// without removing anything (the pieces keep their metadata and stay unmerged until
    /// the next update).
    pub fn split(&mut self, start: u64, size: u64) -> Result<(), IntervalError> {
        let r = checked(start, size)?;
        if !self.covers(&r) {
            return Err(IntervalError::NotCovered);
        }
        self.cut_at(r.start);
        if let Some(after) = r.last.checked_add(1) {
            self.cut_at(after);
        }
        Ok(())
    }

    /// Splits the range containing `addr` so a range starts at `addr`.
    fn cut_at(&mut self, addr: u64) {
        if let Some((i, _)) = self.get(addr)
            && i.start != addr
            && let Some((i, meta)) = self.raw_remove(i.start)
        {
            self.raw_insert(
                Interval {
                    start: i.start,
                    last: addr - 1,
                },
                meta.clone(),
            );
            self.raw_insert(
                Interval {
                    start: addr,
                    last: i.last,
                },
                meta,
            );
        }
    }

    /// Removes `start .. start + size`, splitting ranges it cuts; returns the removed
    /// pieces with their metadata. Fails, changing nothing, unless every address is in
    /// the set.
    pub fn remove(&mut self, start: u64, size: u64) -> Result<Vec<(Interval, M)>, IntervalError> {
        let r = checked(start, size)?;
        self.remove_interval(r)
    }

    /// Removes a range (see [`remove`](Self::remove)).
    pub fn remove_interval(&mut self, r: Interval) -> Result<Vec<(Interval, M)>, IntervalError> {
        // The common case: one range covers the whole removal and keeps a piece before
        // it; shorten that range in place (one search) when no size index needs moving.
        if self.classes.is_empty()
            && let Some(pos) = self.ranges.locate(r.start)
            && let (start, old_last, _) = self.ranges.at(pos)
            && start < r.start
            && old_last >= r.last
        {
            let (_, entry_last, entry_meta) = self.ranges.at_mut(pos);
            *entry_last = r.start - 1;
            let meta = entry_meta.clone();
            let removed = Interval {
                start: r.start,
                last: old_last,
            }
            .size();
            self.total -= removed;
            if old_last > r.last {
                self.raw_insert(
                    Interval {
                        start: r.last + 1,
                        last: old_last,
                    },
                    meta.clone(),
                );
            }
            return Ok(alloc::vec![(r, meta)]);
        }
        if let Some((i, m)) = self.get(r.start)
            && i.covers(&r)
        {
            let meta = m.clone();
            if i.last > r.last {
                self.raw_insert(
                    Interval {
                        start: r.last + 1,
                        last: i.last,
                    },
                    meta.clone(),
                );
            }
            if i.start < r.start {
                // Keep the piece before in place, shortened.
                self.resize(i, r.start - 1);
            } else {
                self.raw_remove(i.start);
            }
            return Ok(alloc::vec![(r, meta)]);
        }
        let starts = self.covered(&r).ok_or(IntervalError::NotCovered)?;
        let mut out = Vec::with_capacity(starts.len());
        for s in starts {
            let Some((piece, meta)) = self.raw_remove(s) else {
                continue;
            };
            if piece.start < r.start {
                self.raw_insert(
                    Interval {
                        start: piece.start,
                        last: r.start - 1,
                    },
                    meta.clone(),
                );
            }
            if piece.last > r.last {
                self.raw_insert(
                    Interval {
                        start: r.last + 1,
                        last: piece.last,
                    },
                    meta.clone(),
                );
            }
            if let Some(cut) = piece.intersect(&r) {
                out.push((cut, meta));
            }
        }
        Ok(out)
    }

    /// Sets the metadata of `start .. start + size` (which must be wholly in the set),
    /// splitting and re-merging as needed.
    pub fn update(&mut self, start: u64, size: u64, meta: M) -> Result<(), IntervalError> {
        let r = checked(start, size)?;
        self.remove_interval(r)?;
        self.insert_interval(r, meta)
    }

    /// Every range in address order.
    pub fn iter(&self) -> impl Iterator<Item = (Interval, &M)> + '_ {
        self.ranges
            .iter()
            .map(|(start, last, m)| (Interval { start, last }, m))
    }

    /// Every range whose metadata matches `criteria`, in address order.
    pub fn query<'a>(
        &'a self,
        criteria: impl Fn(&M) -> bool + 'a,
    ) -> impl Iterator<Item = (Interval, &'a M)> + 'a {
        self.iter().filter(move |(_, m)| criteria(m))
    }

    /// Ranges overlapping `window`, in address order.
    pub fn overlapping(&self, window: Interval) -> impl Iterator<Item = (Interval, &M)> + '_ {
        let first = self
            .get(window.start)
            .map(|(i, _)| i.start)
            .unwrap_or(window.start);
        self.ranges
            .iter_from(self.ranges.first_from(first))
            .take_while(move |&(start, ..)| start <= window.last)
            .map(|(start, last, m)| (Interval { start, last }, m))
    }

    /// Number of ranges.
    pub fn len(&self) -> usize {
        self.ranges.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Total number of addresses in the set.
    pub fn total_size(&self) -> u128 {
        self.total
    }

    /// Total number of addresses in ranges whose metadata matches `criteria`.
    pub fn total_size_where(&self, criteria: impl Fn(&M) -> bool) -> u128 {
        self.query(criteria).map(|(i, _)| i.size()).sum()
    }

    /// Counts of ranges and sizes.
    pub fn stats(&self) -> Stats {
        let mut s = Stats {
            ranges: self.len(),
            total: self.total,
            ..Stats::default()
        };
        if self.classes.is_empty() {
            s.largest = self.iter().map(|(i, _)| i.size()).max().unwrap_or(0);
            s.smallest = self.iter().map(|(i, _)| i.size()).min().unwrap_or(0);
            return s;
        }
        if let Some(top) = (0..CLASSES).rev().find(|&c| !self.classes[c].is_empty()) {
            s.largest = self.classes[top]
                .iter()
                .map(|&st| self.get(st).map_or(0, |(i, _)| i.size()))
                .max()
                .unwrap_or(0);
        }
        if let Some(bottom) = (0..CLASSES).find(|&c| !self.classes[c].is_empty()) {
            s.smallest = self.classes[bottom]
                .iter()
                .map(|&st| self.get(st).map_or(0, |(i, _)| i.size()))
                .min()
                .unwrap_or(0);
        }
        s
    }

    /// The largest range whose metadata matches `criteria` (the lowest one on a tie).
    pub fn largest(&self, criteria: impl Fn(&M) -> bool) -> Option<Interval> {
        if self.classes.is_empty() {
            return self
                .query(criteria)
                .map(|(i, _)| i)
                .fold(None, |best: Option<Interval>, i| match best {
                    Some(b) if b.size() >= i.size() => Some(b),
                    _ => Some(i),
                });
        }
        for c in (0..CLASSES).rev() {
            let best = self.classes[c]
                .iter()
                .filter_map(|&st| self.get(st))
                .filter(|(_, m)| criteria(m))
                .map(|(i, _)| i)
                .fold(None, |best: Option<Interval>, i| match best {
                    Some(b) if b.size() >= i.size() => Some(b),
                    _ => Some(i),
                });
            if best.is_some() {
                return best;
            }
        }
        None
    }

    /// The lowest address aligned to `align` (a power of two) where `size` bytes fit in
    /// one range whose metadata matches `criteria`.
    pub fn find_fit(&self, size: u64, align: u64, criteria: impl Fn(&M) -> bool) -> Option<u64> {
        self.find_fit_by(size, align, |_, m| criteria(m))
    }

    /// Like [`find_fit`](Self::find_fit), with a predicate that sees each candidate
    /// range as well as its metadata.
    pub fn find_fit_by(
        &self,
        size: u64,
        align: u64,
        pred: impl Fn(Interval, &M) -> bool,
    ) -> Option<u64> {
        if size == 0 || !align.is_power_of_two() {
            return None;
        }
        if self.classes.is_empty() {
            return self
                .iter()
                .find_map(|(i, m)| i.fit(size, align).filter(|_| pred(i, m)));
        }
        let need = u128::from(size) + u128::from(align) - 1;
        // Classes at or above `sure` hold only ranges of at least `need` bytes.
        let sure = if need.is_power_of_two() {
            class_of(need)
        } else {
            class_of(need) + 1
        };
        let lowest = class_of(u128::from(size));
        let mut best: Option<u64> = None;
        for c in sure..CLASSES {
            for &st in &self.classes[c] {
                if best.is_some_and(|b| st >= b) {
                    break;
                }
                if let Some((i, m)) = self.get(st)
                    && pred(i, m)
                    && let Some(at) = i.fit(size, align)
                {
                    best = Some(at);
                    break;
                }
            }
        }
        for c in lowest..sure.min(CLASSES) {
            for &st in &self.classes[c] {
                if best.is_some_and(|b| st >= b) {
                    break;
                }
                if let Some((i, m)) = self.get(st)
                    && let Some(at) = i.fit(size, align)
                    && pred(i, m)
                {
                    best = Some(at);
                    break;
                }
            }
        }
        best
    }

    /// The lowest aligned address where `size` bytes fit inside `window`, in one range
    /// matching `criteria`. Scans only the ranges overlapping the window.
    pub fn find_fit_in(
        &self,
        window: Interval,
        size: u64,
        align: u64,
        criteria: impl Fn(&M) -> bool,
    ) -> Option<u64> {
        if size == 0 || !align.is_power_of_two() {
            return None;
        }
        self.overlapping(window)
            .filter(|(_, m)| criteria(m))
            .find_map(|(i, _)| i.intersect(&window)?.fit(size, align))
    }

    /// Like [`find_fit_random`](Self::find_fit_random), and removes the range found
    /// from the set in the same pass: with the same generator state it picks the same
    /// address, but the common case costs one search instead of two.
    pub fn take_random(
        &mut self,
        size: u64,
        align: u64,
        criteria: impl Fn(&M) -> bool,
        rng: &mut Rng,
    ) -> Option<Interval> {
        if size == 0 || !align.is_power_of_two() {
            return None;
        }
        if self.classes.is_empty() {
            let mut probe = rng.clone();
            let x = self.draw(&mut probe)?;
            if let Some(pos) = self.ranges.locate(x) {
                let (start, entry_last, entry_meta) = self.ranges.at_mut(pos);
                let i = Interval {
                    start,
                    last: *entry_last,
                };
                if i.last >= x && criteria(entry_meta) && i.fit(size, align).is_some() {
                    *rng = probe;
                    let at = i.random_fit(size, align, rng)?;
                    let end = at + (size - 1);
                    let meta = entry_meta.clone();
                    if at > start {
                        *entry_last = at - 1;
                        self.total -= Interval {
                            start: at,
                            last: i.last,
                        }
                        .size();
                    } else {
                        self.raw_remove(start);
                    }
                    if end < i.last {
                        self.raw_insert(
                            Interval {
                                start: end + 1,
                                last: i.last,
                            },
                            meta,
                        );
                    }
                    return Some(Interval {
                        start: at,
                        last: end,
                    });
                }
            }
        }
        let at = self.find_fit_random(size, align, criteria, rng)?;
        let r = Interval::new(at, size)?;
        self.remove_interval(r).ok()?;
        Some(r)
    }

    /// The random address a random fit starts looking from.
    fn draw(&self, rng: &mut Rng) -> Option<u64> {
        let (lo, hi) = self.ranges.span()?;
        let span = hi - lo;
        Some(
            lo + if span == u64::MAX {
                rng.next_u64()
            } else {
                rng.below(span + 1)
            },
        )
    }

    /// A random aligned address where `size` bytes fit in one range matching `criteria`,
    /// drawn from `rng`; the same generator state and set give the same answer.
    ///
    /// It draws an address across the span of the set and takes the first fitting range
    /// at or after it (wrapping around), at a random aligned position inside that range,
    /// so only a few ranges are looked at in the common case.
    pub fn find_fit_random(
        &self,
        size: u64,
        align: u64,
        criteria: impl Fn(&M) -> bool,
        rng: &mut Rng,
    ) -> Option<u64> {
        const PROBES: usize = 64;
        if size == 0 || !align.is_power_of_two() {
            return None;
        }
        let x = self.draw(rng)?;
        // The common case: the range holding `x` fits, found with one search.
        let here = self.ranges.before(x);
        let pick = match here {
            Some((start, last, m))
                if last >= x
                    && criteria(m)
                    && (Interval { start, last }).fit(size, align).is_some() =>
            {
                Interval { start, last }
            }
            _ => self
                .ranges
                .iter_from(self.ranges.first_after(x))
                .chain(self.ranges.iter())
                .take(PROBES)
                .map(|(start, last, m)| (Interval { start, last }, m))
                .find(|(i, m)| criteria(m) && i.fit(size, align).is_some())
                .map(|(i, _)| i)
                .or_else(|| {
                    let at = self.find_fit(size, align, &criteria)?;
                    self.get(at).map(|(i, _)| i)
                })?,
        };
        pick.random_fit(size, align, rng)
    }
}

fn checked(start: u64, size: u64) -> Result<Interval, IntervalError> {
    if size == 0 {
        return Err(IntervalError::ZeroSize);
    }
    Interval::new(start, size).ok_or(IntervalError::Wraps)
}

/// Ranges free in both sets, in address order (a merge walk over the two).
pub fn intersections<A: Clone + PartialEq, B: Clone + PartialEq>(
    a: &IntervalSet<A>,
    b: &IntervalSet<B>,
    criteria_a: impl Fn(&A) -> bool,
    criteria_b: impl Fn(&B) -> bool,
) -> Vec<Interval> {
    let xs: Vec<Interval> = a.query(criteria_a).map(|(i, _)| i).collect();
    let ys: Vec<Interval> = b.query(criteria_b).map(|(i, _)| i).collect();
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < xs.len() && j < ys.len() {
        if let Some(c) = xs[i].intersect(&ys[j]) {
            out.push(c);
        }
        if xs[i].last < ys[j].last {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ranges: &[(u64, u64)]) -> IntervalSet<u8> {
        let mut s = IntervalSet::new();
        for &(a, n) in ranges {
            s.insert(a, n, 0).unwrap();
        }
        s
    }

    #[test]
    fn insert_merges_equal_neighbours_only() {
        let mut s = IntervalSet::new();
        s.insert(0x1000, 0x1000, 1u8).unwrap();
        s.insert(0x3000, 0x1000, 1).unwrap();
        s.insert(0x2000, 0x1000, 1).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!(s.total_size(), 0x3000);
        s.insert(0x4000, 0x1000, 2).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(
            s.insert(0x1800, 0x10, 1),
            Err(IntervalError::Overlaps(Interval {
                start: 0x1000,
                last: 0x3fff
            }))
        );
    }

    #[test]
    fn remove_splits_and_refuses_uncovered() {
        let mut s = set(&[(0, 0x10000)]);
        let got = s.remove(0x4000, 0x1000).unwrap();
        assert_eq!(
            got,
            alloc::vec![(
                Interval {
                    start: 0x4000,
                    last: 0x4fff
                },
                0
            )]
        );
        assert_eq!(s.len(), 2);
        assert!(!s.contains(0x4000, 1));
        assert!(s.contains(0x3fff, 1));
        assert_eq!(s.remove(0x3000, 0x2000), Err(IntervalError::NotCovered));
        assert_eq!(s.total_size(), 0xf000);
        assert_eq!(s.remove(0, 0), Err(IntervalError::ZeroSize));
        assert_eq!(s.remove(u64::MAX, 2), Err(IntervalError::Wraps));
    }

    #[test]
    fn remove_across_adjacent_ranges() {
        let mut s = IntervalSet::new();
        s.insert(0, 0x1000, 1u8).unwrap();
        s.insert(0x1000, 0x1000, 2).unwrap();
        let got = s.remove(0x800, 0x1000).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(s.total_size(), 0x1000);
    }

    #[test]
    fn split_and_update() {
        let mut s = set(&[(0, 0x10000)]);
        s.split(0x2000, 0x1000).unwrap();
        assert_eq!(s.len(), 3);
        s.update(0x2000, 0x1000, 0).unwrap();
        // Updating with the same metadata merges the pieces back.
        assert_eq!(s.len(), 1);
        s.update(0x2000, 0x1000, 9).unwrap();
        assert_eq!(s.get(0x2800).map(|(_, m)| *m), Some(9));
        assert_eq!(s.len(), 3);
        assert_eq!(s.split(0x20000, 1), Err(IntervalError::NotCovered));
    }

    #[test]
    fn top_of_space() {
        let mut s = IntervalSet::new();
        s.insert(u64::MAX - 0xfff, 0x1000, ()).unwrap();
        assert_eq!(s.find_fit(0x1000, 0x1000, |_| true), Some(u64::MAX - 0xfff));
        assert_eq!(s.find_fit(0x1001, 1, |_| true), None);
        assert_eq!(s.find_fit(1, 1 << 63, |_| true), None);
    }

    #[test]
    fn find_fit_is_lowest_and_aligned() {
        let s = set(&[(0x100, 0x100), (0x1000, 0x800), (0x3000, 0x10000)]);
        assert_eq!(s.find_fit(0x80, 1, |_| true), Some(0x100));
        assert_eq!(s.find_fit(0x80, 0x1000, |_| true), Some(0x1000));
        assert_eq!(s.find_fit(0x900, 1, |_| true), Some(0x3000));
        assert_eq!(s.find_fit(0x100, 0x200, |_| true), Some(0x1000));
        assert_eq!(s.find_fit(0x10001, 1, |_| true), None);
        assert_eq!(s.find_fit(0, 1, |_| true), None);
        assert_eq!(s.find_fit(1, 3, |_| true), None);
    }

    #[test]
    fn find_fit_honours_criteria_and_window() {
        let mut s = IntervalSet::new();
        s.insert(0, 0x1000, 'a').unwrap();
        s.insert(0x2000, 0x1000, 'b').unwrap();
        assert_eq!(s.find_fit(0x100, 1, |m| *m == 'b'), Some(0x2000));
        let w = Interval::new(0x2800, 0x1000).unwrap();
        assert_eq!(s.find_fit_in(w, 0x100, 0x100, |_| true), Some(0x2800));
        assert_eq!(s.find_fit_in(w, 0x900, 1, |_| true), None);
    }

    #[test]
    fn random_fit_is_reproducible_and_valid() {
        let s = set(&[(0, 0x100_0000), (0x200_0000, 0x100_0000)]);
        let mut a = Rng::new(3);
        let mut b = Rng::new(3);
        let mut distinct = BTreeSet::new();
        for _ in 0..50 {
            let x = s.find_fit_random(0x1000, 0x1000, |_| true, &mut a).unwrap();
            assert_eq!(Some(x), s.find_fit_random(0x1000, 0x1000, |_| true, &mut b));
            assert_eq!(x % 0x1000, 0);
            assert!(s.contains(x, 0x1000));
            distinct.insert(x);
        }
        assert!(distinct.len() > 40);
    }

    #[test]
    fn stats_and_largest() {
        let s = set(&[(0, 0x10), (0x100, 0x40), (0x1000, 0x20)]);
        let st = s.stats();
        assert_eq!(
            (st.ranges, st.total, st.largest, st.smallest),
            (3, 0x70, 0x40, 0x10)
        );
        assert_eq!(
            s.largest(|_| true),
            Some(Interval {
                start: 0x100,
                last: 0x13f
            })
        );
    }

    #[test]
    fn intersections_walk() {
        let a = set(&[(0, 0x100), (0x200, 0x100)]);
        let b = set(&[(0x80, 0x200)]);
        let got = intersections(&a, &b, |_| true, |_| true);
        assert_eq!(
            got,
            alloc::vec![
                Interval {
                    start: 0x80,
                    last: 0xff
                },
                Interval {
                    start: 0x200,
                    last: 0x27f
                }
            ]
        );
    }

    #[test]
    fn a_random_fit_over_the_whole_space_depends_on_the_seed() {
        // The range holds 2^64 one-byte positions: one more than a u64 counts.
        let mut s: IntervalSet<u8> = IntervalSet::new();
        s.insert(1, u64::MAX, 0).unwrap();
        s.insert(0, 1, 0).unwrap();
        assert_eq!(s.len(), 1);
        let picks: Vec<u64> = (1..=8)
            .map(|seed| {
                s.find_fit_random(1, 1, |_| true, &mut Rng::new(seed))
                    .unwrap()
            })
            .collect();
        assert!(picks.iter().any(|&p| p != picks[0]), "picks {picks:x?}");
        let mut t = s.clone();
        let mut rng = Rng::new(3);
        let taken = t.take_random(1, 1, |_| true, &mut rng).unwrap();
        assert_eq!(
            Some(taken.start()),
            s.find_fit_random(1, 1, |_| true, &mut Rng::new(3))
        );
        assert_eq!(t.total_size(), (1u128 << 64) - 1);
        // Without a fit index, the same.
        let mut u: IntervalSet<u8> = IntervalSet::without_fit_index();
        u.insert(1, u64::MAX, 0).unwrap();
        u.insert(0, 1, 0).unwrap();
        assert!(
            u.take_random(0x1000, 0x1000, |_| true, &mut Rng::new(1))
                .is_some()
        );
    }

    #[test]
    fn alignments_that_are_not_powers_of_two_fit_nothing() {
        assert_eq!(align_up(0x1234, 0), None);
        assert_eq!(align_up(0x1234, 3), None);
        assert_eq!(align_up(0x1234, 0x1000), Some(0x2000));
        let i = Interval::new(0x1000, 0x1000).unwrap();
        assert_eq!(i.fit(0x10, 0), None);
        assert_eq!(i.fit(0, 1), None);
        assert_eq!(i.fit(0x10, 0x10), Some(0x1000));
    }

    #[test]
    fn inverted_bounds_make_no_interval() {
        assert_eq!(Interval::from_bounds(0x3000, 0x2000), None);
        let i = Interval::from_bounds(0x2000, 0x2fff).unwrap();
        assert_eq!((i.start(), i.last(), i.size()), (0x2000, 0x2fff, 0x1000));
        let top = Interval::from_bounds(0, u64::MAX).unwrap();
        assert_eq!(top.size(), 1u128 << 64);
        assert_eq!(top.end(), None);
    }
}
