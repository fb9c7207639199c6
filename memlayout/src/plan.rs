//! The planner: a declarative [`Spec`] in, a planned [`Layout`] (or every error found)
//! out.
//!
//! The order of declarations does not matter: fixed placements go first, then identity
//! requests, then shared pages, then the rest, largest first (ties keep declaration
//! order), and aliases last. Segments follow the same order once every page is mapped.

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use crate::aarch64::{TableConfig, Translation};
use crate::error::{Addr, Error, Space};
use crate::layout::{Layout, MappingId, PageRequest, Pool, SegmentId, SegmentRequest, TableId};
use crate::model::{Page, Segment};
use crate::spec::{DeclId, Part, Placement, PlanError, Spec};

/// The pages of one page declaration as mapped into one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedPages<'a> {
    /// The page declaration.
    pub decl: DeclId,
    /// Its name.
    pub name: &'a str,
    /// The layout's id of the mapping (for [`Layout::alias_of`] and
    /// [`Layout::mapping_name`]).
    pub mapping: MappingId,
    /// The pages (`N` for a `* N` request), in VA order.
    pub pages: Vec<&'a Page>,
}

/// One segment declaration as placed in one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedSegment<'a> {
    /// The segment declaration.
    pub decl: DeclId,
    /// The segment as seen from the table.
    pub segment: &'a Segment,
}

/// A planned layout, with the link from each declaration to what was placed for it.
#[derive(Clone, Debug)]
pub struct Plan {
    layout: Layout,
    translations: Vec<Translation>,
    tables: Vec<TableId>,
    pages: Vec<(DeclId, String, MappingId)>,
    segments: Vec<(DeclId, SegmentId)>,
    /// Per table (by layout table index), the indices into `pages` mapped there.
    pages_by_table: Vec<Vec<usize>>,
    /// Per table, the indices into `segments` placed there.
    segments_by_table: Vec<Vec<usize>>,
}

impl Plan {
    /// The planned layout.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The AArch64 translation tables of the table at `table` in [`Spec::tables`].
    pub fn translation(&self, table: usize) -> Option<&Translation> {
        self.translations.get(table)
    }

    /// The layout's id of the table at `table` in [`Spec::tables`].
    pub fn table_id(&self, table: usize) -> Option<TableId> {
        self.tables.get(table).copied()
    }

    /// The pages mapped into the table at `table` in [`Spec::tables`], shared pages
    /// included, in declaration order.
    pub fn pages(&self, table: usize) -> Vec<PlannedPages<'_>> {
        let (Some(&tid), Some(list)) = (self.tables.get(table), self.pages_by_table.get(table))
        else {
            return Vec::new();
        };
        list.iter()
            .map(|&k| {
                let (decl, name, mid) = &self.pages[k];
                PlannedPages {
                    decl: *decl,
                    name,
                    mapping: *mid,
                    pages: self.layout.mapping_pages(*mid, tid),
                }
            })
            .collect()
    }

    /// The segments placed in the table at `table` in [`Spec::tables`], shared segments
    /// included, in declaration order.
    pub fn segments(&self, table: usize) -> Vec<PlannedSegment<'_>> {
        let (Some(&tid), Some(list)) = (self.tables.get(table), self.segments_by_table.get(table))
        else {
            return Vec::new();
        };
        list.iter()
            .filter_map(|&k| {
                let (decl, sid) = self.segments[k];
                let segment = self.layout.segment_in(sid, tid)?;
                Some(PlannedSegment { decl, segment })
            })
            .collect()
    }
}

/// Placement priority: fixed, identity, shared, the rest, aliases; larger first.
fn page_rank(p: &crate::spec::PageSpec) -> (u8, core::cmp::Reverse<u128>) {
    let class = if p.alias.is_some() {
        // An alias needs its target mapped; one with a fixed VA still claims that VA
        // early, and waits for its target if that is not mapped yet. An identity alias
        // goes with the identity pages, before automatic pages can take its VA.
        if p.va.is_some() {
            0
        } else if p.identity {
            1
        } else {
            4
        }
    } else if p.va.is_some() || p.pa.is_some() {
        0
    } else if p.identity {
        1
    } else if matches!(p.place, Placement::Shared(_)) {
        2
    } else {
        3
    };
    let bytes = u128::from(p.size.bytes()) * u128::from(p.count);
    (class, core::cmp::Reverse(bytes))
}

fn segment_rank(s: &crate::spec::SegmentSpec) -> (u8, core::cmp::Reverse<u64>) {
    let class = if s.va.is_some() {
        0
    } else if s.identity {
        1
    } else if matches!(s.place, Placement::Shared(_)) {
        2
    } else {
        3
    };
    (class, core::cmp::Reverse(s.size))
}

struct Planner<'a> {
    spec: &'a Spec,
    layout: Layout,
    errors: Vec<PlanError>,
    tables: Vec<Option<TableId>>,
    /// The page declaration of each mapping, by mapping index.
    mapping_decl: BTreeMap<usize, DeclId>,
    /// Fixed VAs of aliases held until their target is mapped: page -> (table, va, bytes).
    held: BTreeMap<usize, (TableId, u64, u64)>,
    /// Page declarations by name (indices into `spec.pages`, ascending), with how many
    /// of them, from the front, are known to be tried already.
    pages_named: BTreeMap<&'a str, (Vec<usize>, usize)>,
    /// Names of page declarations that failed to map.
    failed_pages: BTreeSet<String>,
    /// Names of pools that failed to be added (so later lack of room may follow from
    /// them).
    failed_pools: BTreeSet<String>,
}

impl Planner<'_> {
    fn err(&mut self, decl: DeclId, part: Part, related: Option<DeclId>, error: Error) {
        self.errors.push(PlanError {
            decl,
            part,
            related,
            error,
        });
    }

    /// Whether `e` only follows from an error already recorded: a page that names a
    /// page which failed to map, or no physical room after a pool failed to be added.
    fn is_follow_on(&self, e: &Error) -> bool {
        match e {
            Error::Unknown { what, name } if what.contains("page") => {
                self.failed_pages.contains(name)
            }
            // No table to map a shared page into, after a table failed to be created.
            Error::NoTables { .. } => self.tables.iter().any(Option::is_none),
            // A pool whose declaration failed is known: naming it is no second error.
            Error::Unknown { what: "pool", name } => self.failed_pools.contains(name),
            Error::NoRoom { .. }
            | Error::IdentityImpossible { .. }
            | Error::OutsidePools { addr: Addr::Pa, .. } => !self.failed_pools.is_empty(),
            _ => false,
        }
    }

    fn decl_of_mapping(&self, id: Option<u32>) -> Option<DeclId> {
        self.mapping_decl.get(&(id? as usize)).copied()
    }

    fn decl_of_page(&self, table: Option<TableId>, name: &str) -> Option<DeclId> {
        let m = match table {
            Some(t) => self.layout.mapping(t, name),
            None => self.layout.shared_mapping(name),
        }?;
        self.decl_of_mapping(Some(m.index() as u32))
    }

    fn pools(&mut self) {
        for p in &self.spec.pools {
            let req = if p.device {
                Pool::device(&p.name, p.start, p.size)
            } else {
                Pool::ram(&p.name, p.start, p.size)
            };
            let req = if p.non_secure { req.non_secure() } else { req };
            if let Err(e) = self.layout.add_pool(req) {
                let (part, related) = match &e {
                    Error::Duplicate { .. } => (
                        Part::Name,
                        self.spec
                            .pools
                            .iter()
                            .find(|o| o.name == p.name)
                            .map(|o| o.decl),
                    ),
                    Error::PoolOverlap { with, .. } => (
                        Part::Range,
                        self.spec
                            .pools
                            .iter()
                            .find(|o| &o.name == with)
                            .map(|o| o.decl),
                    ),
                    _ => (Part::Range, None),
                };
                self.failed_pools.insert(p.name.clone());
                self.err(p.decl, part, related.filter(|&d| d != p.decl), e);
            }
        }
    }

    fn tables(&mut self) {
        for t in &self.spec.tables {
            let virt: Vec<(u64, u64)> = t.virt.iter().map(|r| (r.start, r.size)).collect();
            let lower = t.va_bits.map(|(_, b)| b);
            let upper = t.upper_va_bits.map(|(_, b)| b);
            match self
                .layout
                .add_table_sized(t.name.clone(), t.cores, t.el, &virt, lower, upper)
            {
                Ok(id) => self.tables.push(Some(id)),
                Err(e) => {
                    self.tables.push(None);
                    let (decl, part, related) = match &e {
                        Error::Duplicate { .. } => (
                            t.decl,
                            Part::Name,
                            self.spec
                                .tables
                                .iter()
                                .find(|o| o.name == t.name)
                                .map(|o| o.decl),
                        ),
                        Error::RegimeTaken { first, .. } => (
                            t.decl,
                            Part::Name,
                            self.spec
                                .tables
                                .iter()
                                .find(|o| &o.name == first)
                                .map(|o| o.decl),
                        ),
                        Error::UnsupportedBits { bits, .. } => {
                            let d = [t.va_bits, t.upper_va_bits]
                                .into_iter()
                                .flatten()
                                .find(|&(_, b)| b == *bits)
                                .map_or(t.decl, |(d, _)| d);
                            (d, Part::Size, None)
                        }
                        Error::VaBitsTooSmall { upper, range, .. } => {
                            let asked = if *upper { t.upper_va_bits } else { t.va_bits };
                            let related = t
                                .virt
                                .iter()
                                .find(|r| r.start == range.start)
                                .map(|r| r.decl);
                            (asked.map_or(t.decl, |(d, _)| d), Part::Size, related)
                        }
                        Error::Overlap { range, .. }
                        | Error::BeyondLimit { range, .. }
                        | Error::VaRangeNotTranslated { range, .. } => {
                            let d = t
                                .virt
                                .iter()
                                .find(|r| r.start == range.start)
                                .map_or(t.decl, |r| r.decl);
                            (d, Part::Range, None)
                        }
                        Error::Wraps { start, .. } => {
                            let d = t
                                .virt
                                .iter()
                                .find(|r| r.start == *start)
                                .map_or(t.decl, |r| r.decl);
                            (d, Part::Range, None)
                        }
                        _ => (t.virt.first().map_or(t.decl, |r| r.decl), Part::Range, None),
                    };
                    self.err(decl, part, related.filter(|&d| d != t.decl), e);
                }
            }
        }
    }

    /// The tables a placement names, or `None` when one of them failed to be created.
    fn resolve(&self, place: &Placement) -> Option<Option<Vec<TableId>>> {
        match place {
            Placement::Table(i) => Some(Some(alloc::vec![(*self.tables.get(*i)?)?])),
            Placement::Shared(None) => Some(None),
            Placement::Shared(Some(list)) => {
                let mut v = Vec::with_capacity(list.len());
                for i in list {
                    v.push((*self.tables.get(*i)?)?);
                }
                Some(Some(v))
            }
        }
    }

    /// The first page declaration named `name`, other than `i`, not tried yet.
    ///
    /// Amortised constant time: declarations already tried are skipped once, for good
    /// (a declaration is never untried again).
    fn untried_named(&mut self, name: &str, i: usize, tried: &[bool]) -> Option<usize> {
        let (list, done) = self.pages_named.get_mut(name)?;
        while list.get(*done).is_some_and(|&j| tried[j]) {
            *done += 1;
        }
        list[*done..].iter().copied().find(|&j| j != i && !tried[j])
    }

    fn pages(&mut self) -> Vec<(DeclId, String, MappingId)> {
        let spec = self.spec;
        for (i, p) in spec.pages.iter().enumerate() {
            self.pages_named
                .entry(p.name.as_str())
                .or_insert_with(|| (Vec::new(), 0))
                .0
                .push(i);
        }
        let mut order: Vec<usize> = (0..spec.pages.len()).collect();
        order.sort_by_key(|&i| (page_rank(&spec.pages[i]), i));
        let mut done: Vec<Option<MappingId>> = alloc::vec![None; spec.pages.len()];
        let mut tried = alloc::vec![false; spec.pages.len()];
        let mut deferred = Vec::new();
        let mut queue = order;
        let mut last_pass = false;
        loop {
            for &i in &queue {
                self.page(
                    i,
                    &mut done,
                    &mut tried,
                    (!last_pass).then_some(&mut deferred),
                );
            }
            if last_pass || deferred.is_empty() {
                break;
            }
            queue = core::mem::take(&mut deferred);
            last_pass = true;
        }
        spec.pages
            .iter()
            .zip(done)
            .filter_map(|(p, m)| Some((p.decl, p.name.clone(), m?)))
            .collect()
    }

    /// Maps page declaration `i`. An alias whose target is declared but not tried yet
    /// goes to `defer` instead, when given.
    fn page(
        &mut self,
        i: usize,
        done: &mut [Option<MappingId>],
        tried: &mut [bool],
        defer: Option<&mut Vec<usize>>,
    ) {
        let spec = self.spec;
        {
            let p = &spec.pages[i];
            if let (Some(alias), Some(defer)) = (&p.alias, defer)
                && let Some(target) = self.untried_named(&alias.page, i, tried)
            {
                let target = &spec.pages[target];
                // Hold a fixed VA now, so pages placed before the target cannot take it.
                if let (Some(va), Placement::Table(t)) = (p.va, &p.place)
                    && let Some(Some(tid)) = self.tables.get(*t).copied()
                {
                    let bytes = target.size.bytes().saturating_mul(u64::from(target.count));
                    if let Err(e) = self.layout.hold_va(tid, va, bytes) {
                        tried[i] = true;
                        let related = match &e {
                            Error::Overlap { with_id, .. } => self.decl_of_mapping(*with_id),
                            _ => None,
                        };
                        self.err(p.decl, Part::Va, related, e);
                        return;
                    }
                    self.held.insert(i, (tid, va, bytes));
                }
                defer.push(i);
                return;
            }
            if let Some((tid, va, bytes)) = self.held.remove(&i) {
                self.layout.release_va(tid, va, bytes);
            }
            tried[i] = true;
            let Some(tables) = self.resolve(&p.place) else {
                // A table it goes in failed: the page is known, only not mapped, so
                // segments `in` it are no second error.
                self.failed_pages.insert(p.name.clone());
                return;
            };
            let mut req = PageRequest::new(p.name.clone(), p.attrs.kind, p.size)
                .count(p.count)
                .perms(p.attrs.perms)
                .cache(p.attrs.cache)
                .share(p.attrs.share);
            if p.identity {
                req = req.identity();
            }
            if let Some(va) = p.va {
                req = req.va(va);
            }
            if let Some(pa) = p.pa {
                req = req.pa(pa);
            }
            if let Some(pool) = &p.pool {
                req = req.pool(pool.clone());
            }
            for a in &p.custom {
                req = req.attr(a.key.as_str(), a.value.clone());
            }
            let result = match (&p.alias, &tables) {
                (Some(alias), Some(ts)) if ts.len() == 1 => {
                    let own = ts[0];
                    let target = match alias.table {
                        Some(t) => self
                            .tables
                            .get(t)
                            .copied()
                            .flatten()
                            .and_then(|t| self.layout.mapping(t, &alias.page)),
                        None => self
                            .layout
                            .mapping(own, &alias.page)
                            .or_else(|| self.layout.shared_mapping(&alias.page)),
                    };
                    match target {
                        Some(of) => self.layout.map_alias(own, of, &req),
                        None => Err(Error::Unknown {
                            what: "page",
                            name: alias.page.clone(),
                        }),
                    }
                }
                (Some(_), _) => Err(Error::SharedAlias {
                    name: p.name.clone(),
                }),
                (None, Some(ts)) if matches!(p.place, Placement::Table(_)) => {
                    self.layout.map(ts[0], &req)
                }
                (None, ts) => self.layout.map_shared(ts.as_deref(), &req),
            };
            match result {
                Ok(m) => {
                    self.mapping_decl.insert(m.index(), p.decl);
                    done[i] = Some(m);
                }
                Err(e) => {
                    self.failed_pages.insert(p.name.clone());
                    if self.is_follow_on(&e) {
                        return;
                    }
                    let part = page_part(&e, p);
                    let related = match &e {
                        Error::Overlap {
                            with_id: None,
                            with,
                            ..
                        } if with == crate::tables::TABLES_RANGE_NAME => {
                            spec.tables_at.as_ref().map(|(d, _)| *d)
                        }
                        Error::Overlap { with_id, .. } | Error::MismatchedAlias { with_id, .. } => {
                            self.decl_of_mapping(*with_id)
                        }
                        Error::SamePaInTwoTables { with_id, .. } => self.decl_of_mapping(*with_id),
                        Error::IdentityImpossible { taken, .. } | Error::NoRoom { taken, .. } => {
                            taken.first().and_then(|t| self.decl_of_mapping(t.id))
                        }
                        _ => None,
                    };
                    self.err(p.decl, part, related, e);
                }
            }
        }
    }

    fn segments(&mut self) -> Vec<(DeclId, SegmentId)> {
        let spec = self.spec;
        let mut order: Vec<usize> = (0..spec.segments.len()).collect();
        order.sort_by_key(|&i| (segment_rank(&spec.segments[i]), i));
        let mut done: Vec<Option<SegmentId>> = alloc::vec![None; spec.segments.len()];
        for i in order {
            let s = &spec.segments[i];
            let mut req = SegmentRequest::new(s.name.clone(), s.kind, s.size);
            if let Some(align) = s.align {
                req = req.align(align);
            }
            if s.identity {
                req = req.identity();
            }
            if let Some(p) = &s.in_page {
                req = req.in_page(p.clone());
            }
            if let Some(va) = s.va {
                req = req.va(va);
            }
            let (result, table) = match &s.place {
                Placement::Table(t) => {
                    let Some(Some(tid)) = self.tables.get(*t).copied() else {
                        continue;
                    };
                    (self.layout.place_segment(tid, &req), Some(tid))
                }
                Placement::Shared(_) => (self.layout.place_shared_segment(&req), None),
            };
            match result {
                Ok(id) => done[i] = Some(id),
                Err(e) => {
                    if self.is_follow_on(&e) {
                        continue;
                    }
                    let part = segment_part(&e, s);
                    let related = match (&e, &s.in_page) {
                        (
                            Error::SegmentKindMismatch { .. }
                            | Error::SegmentTooLarge { .. }
                            | Error::SharedMismatch { .. }
                            | Error::SegmentInAlias { .. },
                            Some(name),
                        ) => self
                            .decl_of_page(table, name)
                            .or_else(|| self.decl_of_page(None, name)),
                        _ => None,
                    };
                    self.err(s.decl, part, related, e);
                }
            }
        }
        spec.segments
            .iter()
            .zip(done)
            .filter_map(|(s, d)| Some((s.decl, d?)))
            .collect()
    }
}

fn addr_part(addr: Addr) -> Part {
    match addr {
        Addr::Va => Part::Va,
        Addr::Pa => Part::Pa,
    }
}

fn page_part(e: &Error, p: &crate::spec::PageSpec) -> Part {
    let fixed = |a: Addr| match a {
        Addr::Va if p.va.is_some() => Part::Va,
        Addr::Pa if p.pa.is_some() => Part::Pa,
        _ if p.identity => Part::Identity,
        _ => Part::Name,
    };
    match e {
        Error::Misaligned { addr, .. }
        | Error::OutsidePools { addr, .. }
        | Error::BeyondLimit { addr, .. } => fixed(*addr),
        Error::Overlap {
            space: Space::Physical,
            ..
        }
        | Error::SamePaInTwoTables { .. } => fixed(Addr::Pa),
        Error::Overlap { .. } => fixed(Addr::Va),
        Error::Wraps { .. } => {
            if p.va.is_some() {
                Part::Va
            } else if p.pa.is_some() {
                Part::Pa
            } else {
                Part::Count
            }
        }
        Error::NoRoom { .. } => Part::Size,
        Error::IdentityImpossible { .. } => Part::Identity,
        Error::ExecutableDevice { .. } => Part::Perms,
        Error::PoolKindMismatch { .. } => {
            if p.pa.is_some() {
                Part::Pa
            } else if p.pool.is_some() {
                Part::Pool
            } else {
                Part::Kind
            }
        }
        Error::Unknown { what: "pool", .. } => Part::Pool,
        // The token that chose the secure PA.
        Error::SecureInNonSecure { .. } => {
            if p.alias.is_some() {
                Part::InPage
            } else if p.pa.is_some() {
                Part::Pa
            } else if p.pool.is_some() {
                Part::Pool
            } else if p.identity && p.va.is_some() {
                Part::Va
            } else {
                Part::Name
            }
        }
        Error::ZeroCount { .. } => Part::Count,
        Error::IdentityConflict { .. } => Part::Identity,
        Error::NoTables { .. } | Error::Unknown { what: "table", .. } => Part::Tables,
        _ => Part::Name,
    }
}

fn segment_part(e: &Error, s: &crate::spec::SegmentSpec) -> Part {
    match e {
        Error::Unknown { .. } | Error::SharedMismatch { .. } | Error::SegmentInAlias { .. } => {
            if s.in_page.is_some() {
                Part::InPage
            } else if s.va.is_some() {
                Part::Va
            } else {
                Part::Name
            }
        }
        Error::SegmentKindMismatch { .. } => Part::Kind,
        Error::SegmentTooLarge { .. } | Error::NoRoom { .. } | Error::ZeroSize { .. } => Part::Size,
        Error::AlignNotPowerOfTwo { .. } | Error::AlignTooSmall { .. } => Part::Align,
        Error::StackSize { .. } => Part::Size,
        Error::Misaligned { addr, .. } => {
            if s.va.is_some() {
                addr_part(*addr)
            } else {
                Part::Align
            }
        }
        Error::SegmentNotInPages { .. } | Error::Wraps { .. } => Part::Va,
        Error::IdentityImpossible { .. } => Part::Identity,
        _ => Part::Name,
    }
}

/// How many seeds derived from a layout's seed the planner tries after the seed itself
/// failed to place a layout that lowest-address placement fits.
const RESEEDS: u64 = 3;

/// Plans a whole layout. Returns every error found, or the planned layout.
///
/// Pools and tables are created first; a table that cannot be created (and what is
/// declared in it) is skipped after its error is recorded, so one mistake does not cause
/// a cascade of follow-on errors.
///
/// A seed never turns a valid layout into an error: random placement can split free
/// space that lowest-address placement keeps whole, so when the seeded placement fails
/// but the layout fits without a seed, the planner tries `RESEEDS` seeds derived from
/// the seed, then takes the lowest-address placement. Each step depends only on the
/// input, so the result is the same for the same seed. When the layout does not fit
/// without a seed either, the errors are those of the lowest-address placement.
pub fn plan(spec: &Spec) -> Result<Plan, Vec<PlanError>> {
    let Some(seed) = spec.seed else {
        return plan_with(spec, None);
    };
    if let Ok(p) = plan_with(spec, Some(seed)) {
        return Ok(p);
    }
    let lowest = plan_with(spec, None)?;
    for k in 1..=RESEEDS {
        // SplitMix64's increment: derived seeds far apart from the seed and each other.
        let derived = seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if let Ok(p) = plan_with(spec, Some(derived)) {
            return Ok(p);
        }
    }
    Ok(lowest)
}

/// [`plan`] with one placement: random from `seed`, or the lowest addresses.
fn plan_with(spec: &Spec, seed: Option<u64>) -> Result<Plan, Vec<PlanError>> {
    let layout = match seed {
        Some(seed) => Layout::with_seed(seed),
        None => Layout::new(),
    };
    let mut p = Planner {
        spec,
        layout,
        errors: Vec::new(),
        tables: Vec::new(),
        mapping_decl: BTreeMap::new(),
        held: BTreeMap::new(),
        pages_named: BTreeMap::new(),
        failed_pages: BTreeSet::new(),
        failed_pools: BTreeSet::new(),
    };
    if let Some((decl, bits)) = spec.pa_bits
        && let Err(e) = p.layout.set_pa_bits(bits)
    {
        p.err(decl, Part::Size, None, e);
    }
    p.pools();
    p.tables();
    // A declared tables range is held before any page is placed.
    if let Some((decl, crate::tables::TablePlacement::At { start, size })) = &spec.tables_at
        && let Err(e) = p.layout.reserve_tables_range(*start, *size)
    {
        let related = match &e {
            Error::Overlap { with_id, .. } => p.decl_of_mapping(*with_id),
            _ => None,
        };
        p.err(*decl, Part::Range, related, e);
    }
    let pages = p.pages();
    let segments = p.segments();
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    let config = TableConfig {
        wxn: spec.wxn,
        ..TableConfig::default()
    };
    let (decl, placement) = match &spec.tables_at {
        Some((d, pl)) => (*d, pl.clone()),
        None => (spec.decl, crate::tables::TablePlacement::default()),
    };
    let translations = match p.layout.build_translations(&config, &placement) {
        Ok(t) => t,
        Err(e) => {
            let related = match &e {
                Error::Overlap { with_id, .. } => p.decl_of_mapping(*with_id),
                _ => None,
            };
            p.err(decl, Part::Range, related, e);
            return Err(p.errors);
        }
    };
    let tables: Vec<TableId> = p.tables.into_iter().flatten().collect();
    let mut pages_by_table = alloc::vec![Vec::new(); tables.len()];
    for (k, (_, _, mid)) in pages.iter().enumerate() {
        for t in p.layout.mapping_tables(*mid) {
            if let Some(v) = pages_by_table.get_mut(t.index()) {
                v.push(k);
            }
        }
    }
    let mut segments_by_table = alloc::vec![Vec::new(); tables.len()];
    for (k, (_, sid)) in segments.iter().enumerate() {
        for t in p.layout.segment_tables(*sid) {
            if let Some(v) = segments_by_table.get_mut(t.index()) {
                v.push(k);
            }
        }
    }
    Ok(Plan {
        layout: p.layout,
        translations,
        tables,
        pages,
        segments,
        pages_by_table,
        segments_by_table,
    })
}
