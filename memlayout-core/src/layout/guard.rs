//! Guard gaps: VA kept unmapped directly below and above a guarded page (or `* N` run),
//! so an access that runs off either end of it takes a translation fault.
//!
//! A table records the gaps of its guarded mappings and takes their free parts out of
//! its free VA, so automatic placement never puts anything there. Gaps are not owned:
//! two guarded pages may share a gap (nothing is mapped there either way), and a gap may
//! leave the table's virtual ranges (nothing can be mapped there). What may not lie in a
//! gap is a page: a fixed VA in one is [`Error::InGuardGap`], a guarded page whose gap
//! holds a page already mapped is [`Error::GuardGapTaken`].

use alloc::string::ToString;
use alloc::vec::Vec;

use super::{Layout, MappingId, PageRequest, Table, TableId, range_of};
use crate::error::{Error, Field, Party};
use crate::interval::Interval;
use crate::rng::Rng;

/// One guard gap of a table: the range (inside the 64-bit space), the guarded mapping,
/// and whether it is the gap above the mapping (else below it).
#[derive(Clone, Copy, Debug)]
pub(super) struct Gap {
    pub(super) range: Interval,
    pub(super) mapping: u32,
    pub(super) above: bool,
}

/// The gaps of `va .. va + bytes` with guard `guard`, each with `true` for the one
/// above, clipped to the 64-bit space (a gap below VA 0 or above 2^64 is no gap).
pub(super) fn gaps_of(va: u64, bytes: u64, guard: u64) -> impl Iterator<Item = (Interval, bool)> {
    let below = (va > 0 && guard > 0)
        .then(|| Interval::from_bounds(va.saturating_sub(guard), va - 1))
        .flatten();
    let above = va
        .checked_add(bytes)
        .filter(|_| guard > 0)
        .and_then(|start| Interval::from_bounds(start, start.saturating_add(guard - 1)));
    below
        .map(|r| (r, false))
        .into_iter()
        .chain(above.map(|r| (r, true)))
}

/// The guard of a request, checked: 0 (none) or a multiple of `granule` bytes (the
/// granule of the tables it goes in).
pub(super) fn check_guard(req: &PageRequest, granule: u64) -> Result<(), Error> {
    if req.guard.is_multiple_of(granule) {
        Ok(())
    } else {
        Err(Error::GuardNotGranule {
            name: req.name.clone(),
            guard: req.guard,
            granule,
        })
    }
}

impl Layout {
    /// The first guard gap of `t` that `r` overlaps.
    fn gap_hit(t: &Table, r: Interval) -> Option<Gap> {
        t.guards
            .iter()
            .filter(|g| g.range.overlaps(&r))
            .min_by_key(|g| (g.range.start(), g.mapping))
            .copied()
    }

    /// [`Error::InGuardGap`] when `r`, the VA range `name` asks for in `t` by `field`,
    /// lies in a guard gap of the table. A range not wholly inside the table's virtual
    /// ranges is no guard matter (a gap may leave the ranges): `None`, so the caller
    /// reports it outside the table's VA, where a smaller guard would not help.
    pub(super) fn in_guard_gap(
        &self,
        t: &Table,
        r: Interval,
        name: &str,
        field: Field,
    ) -> Option<Error> {
        if !inside_ranges(&t.virt, r) {
            return None;
        }
        let gap = Self::gap_hit(t, r)?;
        let m = &self.mappings[gap.mapping as usize];
        let range = r.intersect(&gap.range).unwrap_or(r);
        Some(Error::InGuardGap {
            name: name.to_string(),
            range: range_of(range),
            guarded: m.name.clone(),
            guard: m.guard,
            above: gap.above,
            field,
            other: Some(Party::Mapping(MappingId(gap.mapping))),
        })
    }

    /// Whether the gaps of guarded request `req` at `va` in `table` hold no mapped page:
    /// [`Error::GuardGapTaken`] naming the first one otherwise.
    pub(super) fn check_gaps_free(
        &self,
        table: TableId,
        va: u64,
        bytes: u64,
        req: &PageRequest,
    ) -> Result<(), Error> {
        let t = &self.tables[table.index()];
        for (gap, above) in gaps_of(va, bytes, req.guard) {
            if let Some((r, &m)) = t.va_used.first_overlap(&gap) {
                let other = &self.mappings[m as usize];
                let with_field = if other.fixed.0 && !other.identity {
                    Field::Va
                } else if other.identity {
                    Field::Identity
                } else {
                    Field::Name
                };
                return Err(Error::GuardGapTaken {
                    name: req.name.clone(),
                    range: range_of(r.intersect(&gap).unwrap_or(gap)),
                    with: other.name.clone(),
                    guard: req.guard,
                    above,
                    with_field,
                    other: Party::Mapping(MappingId(m)),
                });
            }
        }
        Ok(())
    }

    /// The part of `c` (free VA of `t`) where a run with guard `guard` may start and
    /// end so that both its gaps stay clear of mapped pages and of held ranges (fixed
    /// addresses of pages to come): its gaps may reach past `c` into free VA, other
    /// gaps, or VA outside the table's ranges. `None` when nothing of `c` is left.
    pub(super) fn guard_window(t: &Table, c: Interval, guard: u64) -> Option<Interval> {
        // The highest blocked address within `guard` below `c`, and the lowest above.
        let below = c
            .start()
            .checked_sub(1)
            .and_then(|last| Interval::from_bounds(c.start().saturating_sub(guard), last));
        let above = c
            .last()
            .checked_add(1)
            .and_then(|s| Interval::from_bounds(s, c.last().saturating_add(guard)));
        let mut lo = c.start();
        if let Some(w) = below
            && let Some(top) = Self::blocked_in(t, w).map(|r| r.last()).max()
        {
            lo = lo.max(top.checked_add(1)?.checked_add(guard)?);
        }
        let mut hi = c.last();
        if let Some(w) = above
            && let Some(bottom) = Self::blocked_in(t, w).map(|r| r.start()).min()
        {
            hi = hi.min(bottom.checked_sub(1)?.checked_sub(guard)?);
        }
        Interval::from_bounds(lo, hi)
    }

    /// The blocked ranges of `t` (mapped pages, held ranges) overlapping `w`, clipped.
    fn blocked_in(t: &Table, w: Interval) -> impl Iterator<Item = Interval> + '_ {
        let mut used = Vec::new();
        let mut window = Some(w);
        while let Some(win) = window {
            let Some((r, _)) = t.va_used.first_overlap(&win) else {
                break;
            };
            if let Some(x) = r.intersect(&win) {
                used.push(x);
            }
            window = r
                .last()
                .checked_add(1)
                .and_then(|s| Interval::from_bounds(s, win.last()));
        }
        let held = t.held.iter().filter_map(move |h| h.intersect(&w));
        used.into_iter().chain(held)
    }

    /// Picks a VA for a guarded request in `table` (lowest fitting, or at random) and
    /// takes it out of the table's free VA; `hide_null` keeps the first page out.
    pub(super) fn take_guarded_va(
        &mut self,
        table: TableId,
        bytes: u64,
        align: u64,
        guard: u64,
        hide_null: u64,
    ) -> Option<u64> {
        let t = &self.tables[table.index()];
        let windows: Vec<Interval> = free_windows(t, hide_null)
            .filter_map(|c| Self::guard_window(t, c, guard))
            .filter(|w| w.fit(bytes, align).is_some())
            .collect();
        let va = pick(&windows, bytes, align, self.rng.as_mut())?;
        let t = &mut self.tables[table.index()];
        t.va_free.remove(va, bytes).ok()?;
        Some(va)
    }

    /// [`Error::GuardNoRoom`] when guarded request `req` (`bytes`, aligned to `align`)
    /// found no VA in `table` but would fit its free VA without the guard: the guard is
    /// the reason.
    pub(super) fn guard_no_room(
        &self,
        table: TableId,
        req: &PageRequest,
        bytes: u64,
        align: u64,
    ) -> Option<Error> {
        let t = &self.tables[table.index()];
        if req.guard == 0 {
            return None;
        }
        let free =
            free_windows(t, super::mapping::NULL_PAGE).any(|c| c.fit(bytes, align).is_some());
        free.then(|| Error::GuardNoRoom {
            name: req.name.clone(),
            size: bytes,
            guard: req.guard,
            table: t.info.name().to_string(),
            largest: t.va_free.largest(|_| true).map(range_of),
        })
    }

    /// Records the gaps of mapping `id` at `va` in `table` and takes their free parts
    /// out of the table's free VA.
    pub(super) fn commit_gaps(&mut self, table: TableId, id: u32, va: u64, bytes: u64, guard: u64) {
        let t = &mut self.tables[table.index()];
        for (range, above) in gaps_of(va, bytes, guard) {
            take_free(t, range);
            t.guards.push(Gap {
                range,
                mapping: id,
                above,
            });
        }
    }

    /// Takes the guard gaps of `table` out of its free VA again (after a held range in
    /// one was given back).
    pub(super) fn keep_gaps_unmapped(&mut self, table: TableId) {
        let t = &mut self.tables[table.index()];
        let gaps: Vec<Interval> = t.guards.iter().map(|g| g.range).collect();
        for g in gaps {
            take_free(t, g);
        }
    }

    /// The guard gaps of a table, lowest first, each with the guarded mapping: VA no
    /// page of the table maps. Each lies inside the 64-bit space, and may reach past
    /// the table's virtual ranges; two guarded pages may share one.
    pub fn guard_gaps(&self, table: TableId) -> Vec<(Interval, MappingId)> {
        let Some(t) = self.tables.get(table.index()) else {
            return Vec::new();
        };
        let mut v: Vec<(Interval, MappingId)> = t
            .guards
            .iter()
            .map(|g| (g.range, MappingId(g.mapping)))
            .collect();
        v.sort_by_key(|(r, m)| (r.start(), r.last(), *m));
        v
    }

    /// The guard of a mapping in bytes (0: none).
    pub fn mapping_guard(&self, mapping: MappingId) -> Option<u64> {
        self.mappings.get(mapping.index()).map(|m| m.guard)
    }
}

/// The free VA of `t`, without the bytes below `hide_null` (the null page automatic
/// placement keeps out), lowest first.
fn free_windows(t: &Table, hide_null: u64) -> impl Iterator<Item = Interval> + '_ {
    t.va_free
        .iter()
        .filter_map(move |(c, _)| Interval::from_bounds(c.start().max(hide_null), c.last()))
}

/// Whether every byte of `r` lies in one of `ranges` (a table's virtual ranges, which
/// may be adjacent).
fn inside_ranges(ranges: &[Interval], r: Interval) -> bool {
    let mut sorted: Vec<Interval> = ranges.to_vec();
    sorted.sort_by_key(Interval::start);
    // The first byte of `r` not yet covered.
    let mut next = r.start();
    for c in sorted {
        if c.start() <= next && c.last() >= next {
            match c.last().checked_add(1) {
                Some(n) if n <= r.last() => next = n,
                _ => return true,
            }
        }
    }
    false
}

/// Takes whatever of `r` is free out of `t`'s free VA.
fn take_free(t: &mut Table, r: Interval) {
    let free: Vec<Interval> = t
        .va_free
        .overlapping(r)
        .filter_map(|(c, _)| c.intersect(&r))
        .collect();
    for f in free {
        let _ = t.va_free.remove_interval(f);
    }
}

/// The lowest fit in the first window, or a random window and a random fit in it.
fn pick(windows: &[Interval], bytes: u64, align: u64, rng: Option<&mut Rng>) -> Option<u64> {
    match rng {
        None => windows.first()?.fit(bytes, align),
        Some(rng) if !windows.is_empty() => {
            let w = windows[rng.below(windows.len() as u64) as usize];
            w.random_fit(bytes, align, rng)
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Pool;
    use crate::model::{ExecutionContext, PageKind, PageSize};

    const RAM: u64 = 0x8000_0000;

    fn layout(seed: Option<u64>) -> (Layout, TableId) {
        let mut l = match seed {
            Some(s) => Layout::with_seed(s),
            None => Layout::new(),
        };
        l.add_pool(Pool::ram("ram", RAM, 0x1000_0000)).unwrap();
        let t = l
            .add_table("t", 0, ExecutionContext::EL3, &[(RAM, 0x100_0000)])
            .unwrap();
        (l, t)
    }

    fn stack(name: &str, n: u32, guard: u64) -> PageRequest {
        PageRequest::new(name, PageKind::Data, PageSize::Size4K)
            .count(n)
            .guard(guard)
    }

    /// No page of `t` maps a VA of any guard gap, and each guarded run has its gaps.
    fn gaps_unmapped(l: &Layout, t: TableId) {
        let gaps = l.guard_gaps(t);
        for (g, m) in &gaps {
            for p in l.pages(t) {
                let r = Interval::new(p.va(), p.size()).unwrap();
                assert!(!r.overlaps(g), "{} maps {g:?}, a gap of {m:?}", p.name());
            }
        }
        for p in l.pages(t).into_iter().filter(|p| p.guard() != 0) {
            let m = l.mapping(t, p.name()).unwrap();
            let run = l.mapping_pages(m, t);
            let (first, last) = (run[0].va(), run[run.len() - 1].va_end());
            let below = Interval::from_bounds(first - p.guard(), first - 1).unwrap();
            let above = Interval::new(last as u64, p.guard()).unwrap();
            for side in [below, above] {
                assert!(gaps.iter().any(|(g, id)| *id == m && g.covers(&side)));
                assert!(!l.is_mapped(t, side.start(), p.guard()));
            }
        }
    }

    #[test]
    fn automatic_placement_keeps_the_gaps_free() {
        for seed in [None, Some(1), Some(0x5EED), Some(42)] {
            let (mut l, t) = layout(seed);
            for k in 0..4 {
                l.map(t, &stack(&alloc::format!("stack{k}"), 4, 0x1000))
                    .unwrap();
                l.map(
                    t,
                    &PageRequest::new(alloc::format!("data{k}"), PageKind::Data, PageSize::Size4K),
                )
                .unwrap();
            }
            l.map(t, &stack("big", 1, 0x4000)).unwrap();
            gaps_unmapped(&l, t);
        }
        // Lowest-address placement packs stacks with one gap between them (the gap
        // below the first is outside the table's range, where nothing is mapped).
        let (mut l, t) = layout(None);
        let a = l.map(t, &stack("a", 2, 0x1000)).unwrap();
        let b = l.map(t, &stack("b", 2, 0x1000)).unwrap();
        let c = l
            .map(t, &PageRequest::new("c", PageKind::Data, PageSize::Size4K))
            .unwrap();
        assert_eq!(l.mapping_va(a, t), Some(RAM));
        assert_eq!(l.mapping_va(b, t), Some(RAM + 0x3000));
        // `c` takes the first free VA that is in no gap.
        assert_eq!(l.mapping_va(c, t), Some(RAM + 0x6000));
        assert_eq!(l.mapping_guard(a), Some(0x1000));
    }

    #[test]
    fn a_gap_may_leave_the_virtual_ranges() {
        let (mut l, t) = layout(None);
        // At the start of the only range: its gap below is outside the table's VA.
        let m = l.map(t, &stack("s", 1, 0x2000).va(RAM)).unwrap();
        assert_eq!(l.mapping_va(m, t), Some(RAM));
        let gaps = l.guard_gaps(t);
        assert_eq!(gaps.len(), 2);
        assert_eq!(gaps[0].0, Interval::new(RAM - 0x2000, 0x2000).unwrap());
        // A gap at VA 0 is clipped at 0, and none lies past 2^64.
        assert_eq!(gaps_of(0x1000, 0x1000, 0x4000).count(), 2);
        assert_eq!(gaps_of(0, 0x1000, 0x1000).count(), 1);
        assert_eq!(gaps_of(u64::MAX - 0xFFF, 0x1000, 0x1000).count(), 1);
    }

    #[test]
    fn a_fixed_page_in_a_gap_names_the_guarded_page() {
        let (mut l, t) = layout(None);
        let s = l
            .map(t, &stack("stack", 4, 0x1000).va(RAM + 0x10_0000))
            .unwrap();
        let e = l
            .map(
                t,
                &PageRequest::new("log", PageKind::Data, PageSize::Size4K).va(RAM + 0x10_4000),
            )
            .unwrap_err();
        match &e {
            Error::InGuardGap {
                name,
                guarded,
                above,
                range,
                ..
            } => {
                assert_eq!(
                    (name.as_str(), guarded.as_str(), *above),
                    ("log", "stack", true)
                );
                assert_eq!(range.start, RAM + 0x10_4000);
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(e.field(), Field::Va);
        assert_eq!(e.other(), Some(Party::Mapping(s)));
        assert!(e.to_string().contains("guard gap above `stack`"), "{e}");
        // Just past the gap is fine, and so is a second guarded page sharing the gap.
        l.map(
            t,
            &PageRequest::new("log", PageKind::Data, PageSize::Size4K).va(RAM + 0x10_5000),
        )
        .unwrap();
        l.map(t, &stack("next", 1, 0x1000).va(RAM + 0x10_6000 + 0x1000))
            .unwrap();
        // An alias at a fixed VA in a gap too.
        let e = l
            .map_alias(
                t,
                s,
                &PageRequest::new("peek", PageKind::Data, PageSize::Size4K).va(RAM + 0xF_C000),
            )
            .unwrap_err();
        assert!(matches!(e, Error::InGuardGap { above: false, .. }), "{e:?}");
    }

    #[test]
    fn a_guarded_page_whose_gap_holds_a_page_is_refused() {
        let (mut l, t) = layout(None);
        let log = l
            .map(
                t,
                &PageRequest::new("log", PageKind::Data, PageSize::Size4K).va(RAM + 0x1000),
            )
            .unwrap();
        let e = l
            .map(t, &stack("stack", 1, 0x4000).va(RAM + 0x3000))
            .unwrap_err();
        assert!(
            matches!(&e, Error::GuardGapTaken { with, with_field: Field::Va, above: false, .. } if with == "log"),
            "{e:?}"
        );
        assert_eq!(e.field(), Field::Guard);
        assert_eq!(e.other(), Some(Party::Mapping(log)));
        // Nothing of the refused request stays behind.
        assert!(l.guard_gaps(t).is_empty());
        l.map(t, &stack("stack", 1, 0x1000).va(RAM + 0x3000))
            .unwrap();
    }

    #[test]
    fn a_fixed_page_outside_the_ranges_is_outside_not_in_a_gap() {
        let (mut l, t) = layout(None);
        // The gap below `s` leaves the table's only range.
        l.map(t, &stack("s", 1, 0x2000).va(RAM)).unwrap();
        let out = PageRequest::new("out", PageKind::Data, PageSize::Size4K).va(RAM - 0x1000);
        let e = l.map(t, &out).unwrap_err();
        assert!(
            matches!(
                &e,
                Error::OutsidePools {
                    field: Field::Va,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(!e.to_string().contains("guard"), "{e}");
        // Inside the range and in the gap above: the gap is the reason.
        let e = l
            .map(
                t,
                &PageRequest::new("in", PageKind::Data, PageSize::Size4K).va(RAM + 0x1000),
            )
            .unwrap_err();
        assert!(matches!(&e, Error::InGuardGap { above: true, .. }), "{e:?}");
        // Ranges that touch cover a page across their border.
        let mut l = Layout::new();
        l.add_pool(Pool::ram("ram", RAM, 0x1000_0000)).unwrap();
        let u = l
            .add_table(
                "u",
                0,
                ExecutionContext::EL3,
                &[(RAM + 0x10_0000, 0x10_0000), (RAM, 0x10_0000)],
            )
            .unwrap();
        l.map(u, &stack("s", 1, 0x1000).va(RAM + 0xF_E000)).unwrap();
        let e = l
            .map(
                u,
                &PageRequest::new("x", PageKind::Data, PageSize::Size4K)
                    .count(2)
                    .va(RAM + 0xF_F000),
            )
            .unwrap_err();
        assert!(matches!(&e, Error::InGuardGap { above: true, .. }), "{e:?}");
    }

    #[test]
    fn a_guarded_page_without_room_for_its_gaps_names_the_guard() {
        let mut l = Layout::new();
        l.add_pool(Pool::ram("ram", RAM, 0x1000_0000)).unwrap();
        let t = l
            .add_table("t", 0, ExecutionContext::EL3, &[(RAM, 0x2000)])
            .unwrap();
        l.map(
            t,
            &PageRequest::new("text", PageKind::Code, PageSize::Size4K).va(RAM),
        )
        .unwrap();
        let e = l.map(t, &stack("stack", 1, 0x2000)).unwrap_err();
        match &e {
            Error::GuardNoRoom {
                name,
                size,
                guard,
                table,
                largest,
            } => {
                assert_eq!((name.as_str(), *size, *guard), ("stack", 0x1000, 0x2000));
                assert_eq!(table, "t");
                assert_eq!(largest.map(|r| r.start), Some(RAM + 0x1000));
            }
            e => panic!("{e:?}"),
        }
        assert_eq!(e.field(), Field::Guard);
        let text = e.to_string();
        assert!(
            text.contains("guard 8K") && text.contains("make the guard smaller"),
            "{text}"
        );
        // Without the guard it fits; too large even without one, it is plain no room.
        let e = l.map(t, &stack("big", 2, 0x1000)).unwrap_err();
        assert!(matches!(e, Error::NoRoom { .. }), "{e:?}");
        l.map(t, &stack("stack", 1, 0)).unwrap();
    }

    #[test]
    fn a_held_range_is_named_after_its_page() {
        let (mut l, t) = layout(None);
        let e = l.hold_va(t, RAM, 0, "later").unwrap_err();
        assert!(
            matches!(&e, Error::ZeroSize { what, .. } if what == "later"),
            "{e:?}"
        );
        assert!(!e.to_string().contains("held"), "{e}");
    }

    #[test]
    fn guards_are_granule_multiples() {
        let (mut l, t) = layout(None);
        let e = l.map(t, &stack("s", 1, 0x800)).unwrap_err();
        assert_eq!(
            e,
            Error::GuardNotGranule {
                name: "s".into(),
                guard: 0x800,
                granule: 0x1000,
            }
        );
        assert_eq!(e.field(), Field::Guard);
        // A size that takes no unit is echoed in decimal, as a layout writes it.
        let e = l.map(t, &stack("s", 1, 100)).unwrap_err();
        assert!(e.to_string().starts_with("guard 100 of `s`"), "{e}");
        assert!(!e.to_string().contains("0x64"), "{e}");
        // 0 is no guard.
        let m = l.map(t, &stack("s", 1, 0)).unwrap();
        assert_eq!(l.mapping_guard(m), Some(0));
        assert!(l.guard_gaps(t).is_empty());
    }

    #[test]
    fn a_shared_guarded_page_keeps_its_gaps_in_every_table() {
        let (mut l, t) = layout(Some(7));
        let u = l
            .add_table("u", 1, ExecutionContext::EL3, &[(RAM, 0x100_0000)])
            .unwrap();
        let m = l.map_shared(None, &stack("mbox", 2, 0x2000)).unwrap();
        for table in [t, u] {
            let gaps: Vec<_> = l
                .guard_gaps(table)
                .into_iter()
                .filter(|(_, id)| *id == m)
                .collect();
            assert_eq!(gaps.len(), 2);
            for _ in 0..8 {
                l.map(
                    table,
                    &PageRequest::new("x", PageKind::Data, PageSize::Size4K),
                )
                .unwrap();
            }
            gaps_unmapped(&l, table);
        }
    }

    #[test]
    fn a_guarded_identity_page_keeps_its_gaps() {
        for seed in [None, Some(3)] {
            let (mut l, t) = layout(seed);
            l.map(t, &PageRequest::new("a", PageKind::Data, PageSize::Size4K))
                .unwrap();
            let m = l.map(t, &stack("id", 1, 0x1000).identity()).unwrap();
            let va = l.mapping_va(m, t).unwrap();
            assert_eq!(Some(va), l.mapping_pa(m));
            gaps_unmapped(&l, t);
        }
    }
}
