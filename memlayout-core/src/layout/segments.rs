//! Placing segments inside mapped pages, and cross-core segments inside shared pages.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::{
    Layout, Mapping, MappingId, SegSpace, SegmentGroup, SegmentId, SegmentRequest, TableId,
    check_align, check_aligned, interval, range, range_of,
};
use crate::error::{Addr, Error, Field, Party, Space, Thing};
use crate::interval::{Interval, IntervalSet};
use crate::model::{STACK_ALIGN, Segment, SegmentKind};

impl Layout {
    /// Places a segment inside mapped pages of `table`.
    pub fn place_segment(
        &mut self,
        table: TableId,
        req: &SegmentRequest,
    ) -> Result<SegmentId, Error> {
        self.table_ref(table)?;
        self.flush_segment_space(table);
        let align = self.seg_validate(req)?;
        let seg_kind = req.kind;
        let window = match &req.in_page {
            Some(name) => {
                let id = self.mapping(table, name).ok_or(Error::Unknown {
                    what: Thing::Page,
                    name: name.clone(),
                    field: Field::InPage,
                })?;
                let m = &self.mappings[id.index()];
                let other = Some(Party::Mapping(id));
                if m.shared {
                    return Err(Error::SharedMismatch {
                        name: req.name.clone(),
                        page: name.clone(),
                        segment_shared: false,
                        other,
                    });
                }
                if let Some(of) = m.alias_of {
                    return Err(Error::SegmentInAlias {
                        name: req.name.clone(),
                        page: name.clone(),
                        of: self.mappings[of as usize].name.clone(),
                        field: Field::InPage,
                        other,
                    });
                }
                self.seg_page_check(req, m, id)?;
                let va = m.va_in(table).unwrap_or(0);
                Interval::new(va, m.bytes())
            }
            None => None,
        };
        let identity = req.identity;
        // A page takes the segment when its kind fits and it has the access the kind
        // needs (execute for code, write for stacks).
        let crit = move |s: &SegSpace| {
            seg_kind.fits_in(s.kind, s.perms)
                && seg_kind.missing_access(s.perms).is_none()
                && (!identity || s.delta == 0)
        };
        let t = &self.tables[table.index()];
        let va = match req.va {
            Some(va) => self.fixed_segment_va(table, req, va, align, window, crit)?,
            None => {
                let found = match (window, self.rng.as_mut()) {
                    (Some(w), _) => t.seg_free.find_fit_in(w, req.size, align, crit),
                    (None, Some(rng)) => t.seg_free.find_fit_random(req.size, align, crit, rng),
                    (None, None) => t.seg_free.find_fit(req.size, align, crit),
                };
                match found {
                    Some(va) => va,
                    None if identity && window.is_none() => {
                        return Err(Error::IdentityImpossible {
                            name: req.name.clone(),
                            size: req.size,
                            align,
                            table: t.info.name().to_string(),
                            largest: t.seg_free.largest(crit).map(range_of),
                            taken: Default::default(),
                        });
                    }
                    None => return Err(self.no_segment_room(table, req, align, window, crit)),
                }
            }
        };
        let (_, meta) =
            t.seg_free
                .get(va)
                .map(|(i, m)| (i, *m))
                .ok_or(Error::SegmentNotInPages {
                    name: req.name.clone(),
                    range: range(va, req.size),
                    kind: seg_kind,
                })?;
        let pa = va.wrapping_add(meta.delta);
        let in_identity_pages = self.in_identity_pages(table, va, req.size);
        let tb = &mut self.tables[table.index()];
        let _ = tb.seg_free.remove(va, req.size);
        let seg = Segment::new(
            req.name.clone(),
            req.kind,
            &tb.info,
            va,
            pa,
            req.size,
            align,
            false,
        )
        .with_identity(identity || in_identity_pages);
        let idx = self.segments.len() as u32;
        tb.segments.push(idx);
        self.segments.push(seg);
        let gid = self.segment_groups.len() as u32;
        self.segment_groups.push(SegmentGroup {
            entries: alloc::vec![(table, idx)],
        });
        Ok(SegmentId(gid))
    }

    /// Checks that a segment fits at its fixed VA `va` of `table`: inside `window` (its
    /// page), in free space of pages that take it (`crit`).
    fn fixed_segment_va(
        &self,
        table: TableId,
        req: &SegmentRequest,
        va: u64,
        align: u64,
        window: Option<Interval>,
        crit: impl Fn(&SegSpace) -> bool,
    ) -> Result<u64, Error> {
        let t = &self.tables[table.index()];
        check_aligned(Addr::Va, va, align, &req.name, Field::Va)?;
        let r = interval(va, req.size, &req.name, Field::Va)?;
        let inside = window.is_none_or(|w| w.covers(&r));
        let ok = inside
            && t.seg_free
                .get(va)
                .is_some_and(|(i, m)| i.covers(&r) && crit(m));
        if !ok {
            if let Some((_, &m)) = t.va_used.get(va)
                && let Some(of) = self.mappings[m as usize].alias_of
            {
                return Err(Error::SegmentInAlias {
                    name: req.name.clone(),
                    page: self.mappings[m as usize].name.clone(),
                    of: self.mappings[of as usize].name.clone(),
                    field: Field::Va,
                    other: None,
                });
            }
            if let Some((with, id)) = self.segment_at(table, r) {
                return Err(Error::Overlap {
                    space: Space::Virtual(t.info.name().to_string()),
                    range: range_of(r),
                    with,
                    field: Field::Va,
                    other: Party::Segment(id),
                });
            }
            return Err(Error::SegmentNotInPages {
                name: req.name.clone(),
                range: range_of(r),
                kind: req.kind,
            });
        }
        Ok(va)
    }

    /// Whether every byte of `va .. +size` of `table` lies in pages requested at VA == PA
    /// (`identity`), so a segment there stays at VA == PA on every placement.
    fn in_identity_pages(&self, table: TableId, va: u64, size: u64) -> bool {
        let Some(t) = self.tables.get(table.index()) else {
            return false;
        };
        let end = u128::from(va) + u128::from(size);
        let mut at = va;
        loop {
            let Some((r, &m)) = t.va_used.get(at) else {
                return false;
            };
            if !self.mappings.get(m as usize).is_some_and(|m| m.identity) {
                return false;
            }
            match r.end() {
                Some(next) if u128::from(next) < end => at = next,
                _ => return true,
            }
        }
    }

    /// A segment of `table` that overlaps `r`: its name and id.
    fn segment_at(&self, table: TableId, r: Interval) -> Option<(String, SegmentId)> {
        let t = self.tables.get(table.index())?;
        let &entry = t.segments.iter().find(|&&i| {
            let s = &self.segments[i as usize];
            Interval::new(s.va(), s.size()).is_some_and(|v| v.intersect(&r).is_some())
        })?;
        let group = self
            .segment_groups
            .iter()
            .position(|g| g.entries.contains(&(table, entry)))?;
        Some((
            self.segments[entry as usize].name().to_string(),
            SegmentId(u32::try_from(group).ok()?),
        ))
    }

    /// The error for a segment that finds no room in `table` (in `window`, its page).
    fn no_segment_room(
        &self,
        table: TableId,
        req: &SegmentRequest,
        align: u64,
        window: Option<Interval>,
        crit: impl Fn(&SegSpace) -> bool,
    ) -> Error {
        let t = &self.tables[table.index()];
        let largest = match window {
            Some(w) => t
                .seg_free
                .overlapping(w)
                .filter(|(_, m)| crit(m))
                .filter_map(|(i, _)| i.intersect(&w))
                .max_by_key(|i| i.size())
                .map(range_of),
            None => t.seg_free.largest(crit).map(range_of),
        };
        Error::NoRoom {
            what: format!("{} segment `{}`", req.kind, req.name).into(),
            size: req.size,
            align,
            space: match &req.in_page {
                Some(p) => Space::Page {
                    table: t.info.name().to_string(),
                    page: p.clone(),
                },
                None => Space::Virtual(t.info.name().to_string()),
            },
            largest,
            taken: Default::default(),
        }
    }

    /// Moves the pages mapped since the last segment placement into the segment index.
    fn flush_segment_space(&mut self, table: TableId) {
        let tb = &mut self.tables[table.index()];
        let mut pending = core::mem::take(&mut tb.seg_pending);
        pending.sort_by_key(|(r, _)| r.start());
        for (r, meta) in pending {
            let _ = tb.seg_free.insert_interval(r, meta);
        }
    }

    fn seg_validate(&self, req: &SegmentRequest) -> Result<u64, Error> {
        if req.size == 0 {
            return Err(Error::ZeroSize {
                what: format!("segment `{}`", req.name),
                field: Field::Size,
            });
        }
        let align = match req.align {
            Some(a) => {
                check_align(a)?;
                if a < req.kind.min_align() {
                    return Err(Error::AlignTooSmall {
                        name: req.name.clone(),
                        kind: req.kind,
                        align: a,
                    });
                }
                a
            }
            None => req.kind.default_align(),
        };
        if req.kind == SegmentKind::Stack && !req.size.is_multiple_of(STACK_ALIGN) {
            return Err(Error::StackSize {
                name: req.name.clone(),
                size: req.size,
                room: None,
            });
        }
        Ok(align)
    }

    /// Whether a segment fits page `m` (mapping `id`) by kind and size.
    fn seg_page_check(
        &self,
        req: &SegmentRequest,
        m: &Mapping,
        id: MappingId,
    ) -> Result<(), Error> {
        if !req.kind.fits_in(m.attrs.kind, m.attrs.perms) {
            return Err(Error::SegmentKindMismatch {
                segment: req.kind,
                page: m.name.clone(),
                page_kind: m.attrs.kind,
                page_perms: m.attrs.perms,
                other: Some(Party::Mapping(id)),
            });
        }
        if let Some(needs) = req.kind.missing_access(m.attrs.perms) {
            return Err(Error::SegmentAccess {
                name: req.name.clone(),
                kind: req.kind,
                page: m.name.clone(),
                page_perms: m.attrs.perms,
                needs,
                other: Some(Party::Mapping(id)),
            });
        }
        if req.size > m.bytes() {
            return Err(Error::SegmentTooLarge {
                name: req.name.clone(),
                size: req.size,
                page: m.name.clone(),
                page_bytes: m.bytes(),
                other: Some(Party::Mapping(id)),
            });
        }
        Ok(())
    }

    /// Places a cross-core segment inside a shared page (named by the request's
    /// `in_page`): one offset inside the page, so one PA, seen at each table's VA of the
    /// page.
    pub fn place_shared_segment(&mut self, req: &SegmentRequest) -> Result<SegmentId, Error> {
        let align = self.seg_validate(req)?;
        let Some(name) = &req.in_page else {
            return Err(Error::Unknown {
                what: Thing::SharedPage,
                name: String::from("(none given: add `in PAGE`)"),
                field: if req.va.is_some() {
                    Field::Va
                } else {
                    Field::Name
                },
            });
        };
        let mid = match self.shared_mapping(name) {
            Some(m) => m,
            None => {
                return Err(if self.by_name.contains_key(name.as_str()) {
                    Error::SharedMismatch {
                        name: req.name.clone(),
                        page: name.clone(),
                        segment_shared: true,
                        other: None,
                    }
                } else {
                    Error::Unknown {
                        what: Thing::SharedPage,
                        name: name.clone(),
                        field: Field::InPage,
                    }
                });
            }
        };
        let m = &self.mappings[mid.index()];
        self.seg_page_check(req, m, mid)?;
        if req.identity && m.tables.iter().any(|&(_, va, _)| va != m.pa) {
            return Err(Error::IdentityImpossible {
                name: req.name.clone(),
                size: req.size,
                align,
                table: m.tables.first().map_or(String::new(), |t| {
                    self.tables[t.0.index()].info.name().to_string()
                }),
                largest: None,
                taken: Default::default(),
            });
        }
        // Offsets must keep the segment aligned in PA and in every VA: the page is aligned
        // to its size, so an offset aligned to `align` (at most the page size) does both.
        let free = m.seg_free.as_ref().ok_or(Error::SharedMismatch {
            name: req.name.clone(),
            page: name.clone(),
            segment_shared: true,
            other: Some(Party::Mapping(mid)),
        })?;
        let off = match req.va {
            Some(va) => shared_segment_offset(m, free, req, va, align)?,
            None => {
                let found = match self.rng.as_mut() {
                    Some(rng) => free.find_fit_random(req.size, align, |_| true, rng),
                    None => free.find_fit(req.size, align, |_| true),
                };
                found.ok_or_else(|| Error::NoRoom {
                    what: format!("{} segment `{}`", req.kind, req.name).into(),
                    size: req.size,
                    align,
                    space: Space::SharedPage(name.clone()),
                    largest: free
                        .largest(|_| true)
                        .map(|i| range(m.pa + i.start(), (i.size()) as u64)),
                    taken: Default::default(),
                })?
            }
        };
        let m = &mut self.mappings[mid.index()];
        let identity = req.identity || m.identity;
        if let Some(f) = m.seg_free.as_mut() {
            let _ = f.remove(off, req.size);
        }
        let pa = m.pa + off;
        let entries_src: Vec<(TableId, u64)> = m.tables.iter().map(|&(t, va, _)| (t, va)).collect();
        let mut entries = Vec::with_capacity(entries_src.len());
        for (t, va) in entries_src {
            let tb = &mut self.tables[t.index()];
            let seg = Segment::new(
                req.name.clone(),
                req.kind,
                &tb.info,
                va + off,
                pa,
                req.size,
                align,
                true,
            )
            .with_identity(identity);
            let idx = self.segments.len() as u32;
            tb.segments.push(idx);
            self.segments.push(seg);
            entries.push((t, idx));
        }
        let gid = self.segment_groups.len() as u32;
        self.segment_groups.push(SegmentGroup { entries });
        Ok(SegmentId(gid))
    }
}

/// The offset in shared page `m` (free space `free`) of a shared segment at fixed VA
/// `va`: the same in every table the page is in.
fn shared_segment_offset(
    m: &Mapping,
    free: &IntervalSet<()>,
    req: &SegmentRequest,
    va: u64,
    align: u64,
) -> Result<u64, Error> {
    let base = m.tables.first().map_or(0, |&(_, v, _)| v);
    let off = va.wrapping_sub(base);
    if m.tables.iter().any(|&(_, v, _)| v != base) {
        return Err(Error::SegmentNotInPages {
            name: req.name.clone(),
            range: range(va, req.size),
            kind: req.kind,
        });
    }
    check_aligned(Addr::Va, va, align, &req.name, Field::Va)?;
    if !free.contains(off, req.size) {
        return Err(Error::SegmentNotInPages {
            name: req.name.clone(),
            range: range(va, req.size),
            kind: req.kind,
        });
    }
    Ok(off)
}
