//! The planner: a declarative [`Spec`] in, a planned [`Layout`] (or every error found)
//! out.
//!
//! The order of declarations does not matter: fixed placements go first, then identity
//! requests, then shared pages, then the rest, largest first (ties keep declaration
//! order), and aliases last. Segments follow the same order once every page is mapped.

mod holds;

use alloc::collections::{BTreeMap, BTreeSet};
use alloc::string::String;
use alloc::vec::Vec;

use crate::aarch64::gpt::Gpt;
use crate::aarch64::{TableConfig, Translation};
use crate::error::{Error, Field, Party, Thing};
use crate::layout::{
    GptPlacement, Layout, MappingId, PageRequest, Pool, SegmentId, SegmentRequest, TableId,
};
use crate::model::{Page, Segment};
use crate::spec::{DeclId, Part, Placement, PlanError, Spec, TableSpec};

/// The pages of one page declaration as mapped into one table.
///
/// Not exhaustive: the plan builds it; read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
///
/// Not exhaustive: the plan builds it; read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
    gpt: Option<Gpt>,
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

    /// The granule protection table, when the spec asks for one ([`Spec::gpt`]).
    pub fn gpt(&self) -> Option<&Gpt> {
        self.gpt.as_ref()
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

#[cfg(test)]
impl Plan {
    /// The plan of a layout built at run time and its translations: every table, every
    /// mapping (as declaration 0), every segment-free. For the tests of the exports on
    /// what the language does not declare yet (virtual machines).
    pub(crate) fn from_layout(layout: Layout, translations: Vec<Translation>) -> Plan {
        let tables: Vec<TableId> = layout.tables().collect();
        let mut pages: Vec<(DeclId, String, MappingId)> = Vec::new();
        for &t in &tables {
            for p in layout.pages(t) {
                if let Some(m) = layout.mapping(t, p.name())
                    && !pages.iter().any(|(_, _, x)| *x == m)
                {
                    pages.push((0, String::from(p.name()), m));
                }
            }
        }
        let mut pages_by_table = alloc::vec![Vec::new(); tables.len()];
        for (k, (_, _, mid)) in pages.iter().enumerate() {
            for t in layout.mapping_tables(*mid) {
                pages_by_table[t.index()].push(k);
            }
        }
        Plan {
            segments_by_table: alloc::vec![Vec::new(); tables.len()],
            layout,
            translations,
            gpt: None,
            tables,
            pages,
            segments: Vec::new(),
            pages_by_table,
        }
    }
}

/// Placement priority: fixed, identity, shared, the rest, aliases; guarded before
/// unguarded (so a fixed page in the guard gap of another fixed page is the one
/// reported); larger first.
fn page_rank(p: &crate::spec::PageSpec) -> (u8, bool, core::cmp::Reverse<u128>) {
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
    (class, p.guard == 0, core::cmp::Reverse(bytes))
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

/// The engine's request for a page declaration.
fn page_request(p: &crate::spec::PageSpec) -> PageRequest {
    let mut req = PageRequest::new(p.name.clone(), p.attrs.kind, p.size)
        .count(p.count)
        .perms(p.attrs.perms)
        .cache(p.attrs.cache)
        .share(p.attrs.share)
        .device(p.attrs.device);
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
    if p.guard > 0 {
        req = req.guard(p.guard);
    }
    if p.non_secure_ok {
        req = req.non_secure_ok();
    }
    if p.non_secure_view {
        req = req.non_secure_view();
    }
    req
}

struct Planner<'a> {
    spec: &'a Spec,
    layout: Layout,
    errors: Vec<PlanError>,
    tables: Vec<Option<TableId>>,
    /// The pool declaration of each pool of the layout, by pool index.
    pool_decls: Vec<DeclId>,
    /// The page declaration of each mapping, by mapping index.
    mapping_decl: BTreeMap<usize, DeclId>,
    /// Fixed VAs of aliases held until their target is mapped: page -> (table, va, bytes).
    held: BTreeMap<usize, (TableId, u64, u64)>,
    /// The segment declaration of each placed segment, by segment index.
    segment_decl: BTreeMap<usize, DeclId>,
    /// The fixed VA and PA ranges each page declaration holds until it is placed.
    fixed: Vec<holds::Hold>,
    /// Whether to hold every fixed range before placing the first page.
    hold: bool,
    /// Page declarations by name (indices into `spec.pages`, ascending), with how many
    /// of them, from the front, are known to be tried already.
    pages_named: BTreeMap<&'a str, (Vec<usize>, usize)>,
    /// Names of page declarations that failed to map.
    failed_pages: BTreeSet<String>,
    /// Names of pools that failed to be added (so later lack of room may follow from
    /// them).
    failed_pools: BTreeSet<String>,
}

/// The tables a placement names.
enum Targets {
    /// One of them failed to be created.
    Failed,
    /// Every table (a shared page without a list).
    All,
    /// These tables.
    Listed(Vec<TableId>),
}

/// The part of a declaration that an engine [`Field`] is written in.
fn part(field: Field) -> Part {
    match field {
        // No declaration of the language has a VMID yet: a VM is a run-time table.
        Field::Name | Field::Vmid => Part::Name,
        Field::Va => Part::Va,
        Field::Pa => Part::Pa,
        Field::Identity => Part::Identity,
        Field::Size | Field::VaBits | Field::UpperVaBits | Field::PaBits | Field::Granule => {
            Part::Size
        }
        Field::Count => Part::Count,
        Field::Align => Part::Align,
        Field::Pool => Part::Pool,
        Field::Alias | Field::InPage => Part::InPage,
        Field::Perms => Part::Perms,
        Field::Share => Part::Share,
        Field::Cache => Part::Cache,
        Field::Kind => Part::Kind,
        Field::Tables => Part::Tables,
        Field::Range | Field::VirtualRange(_) => Part::Range,
        Field::Asid => Part::Asid,
        Field::Under => Part::Under,
        Field::Guard => Part::Guard,
        Field::NonSecureView => Part::NonSecureView,
        Field::NonSecureOk => Part::NonSecureOk,
    }
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

    /// Records `e`, raised by a request of declaration `decl` (of table `table`, for a
    /// table's own declarations): its field is located in that declaration (or in the
    /// table's range or VA size it names), its other party in its declaration.
    fn report(&mut self, decl: DeclId, e: Error, table: Option<&TableSpec>) {
        // A guarded page whose gap holds a page mapped before it: the page in the gap
        // is at fault (it may not be there), with a note on the guard.
        if let Error::GuardGapTaken {
            name,
            range,
            with,
            guard,
            above,
            with_field,
            other,
        } = &e
            && let Some(item) = self.decl_of(*other, table)
        {
            let error = Error::InGuardGap {
                name: with.clone(),
                range: *range,
                guarded: name.clone(),
                guard: *guard,
                above: *above,
                field: *with_field,
                other: None,
            };
            self.err(item, part(*with_field), Some(decl), error);
            return;
        }
        let field = e.field();
        let own = match (field, table) {
            (Field::VirtualRange(k), Some(t)) => t.virt.get(k as usize).map(|r| r.decl),
            (Field::VaBits, Some(t)) => t.va_bits.map(|(d, _)| d),
            (Field::UpperVaBits, Some(t)) => t.upper_va_bits.map(|(d, _)| d),
            _ => None,
        };
        let related = e
            .other()
            .and_then(|o| self.decl_of(o, table))
            .filter(|&r| r != decl);
        self.err(own.unwrap_or(decl), part(field), related, e);
    }

    /// The declaration of the other party of an error.
    fn decl_of(&self, party: Party, table: Option<&TableSpec>) -> Option<DeclId> {
        match party {
            Party::Mapping(m) => self.mapping_decl.get(&m.index()).copied(),
            Party::Pool(i) => self.pool_decls.get(i as usize).copied(),
            Party::Table(id) => self
                .spec
                .tables
                .iter()
                .zip(&self.tables)
                .find(|(_, t)| **t == Some(id))
                .map(|(t, _)| t.decl),
            Party::VirtualRange(k) => table?.virt.get(k as usize).map(|r| r.decl),
            Party::TranslationTables => self.spec.tables_at.as_ref().map(|(d, _)| *d),
            Party::PaBits => self.spec.pa_bits.map(|(d, _)| d),
            Party::Gpt => self.spec.gpt.as_ref().map(|g| g.decl),
            Party::Reservation(_) => None,
            Party::Segment(s) => self.segment_decl.get(&s.index()).copied(),
        }
    }

    /// Whether `e` only follows from an error already recorded: a page that names a
    /// page which failed to map, or no physical room after a pool failed to be added.
    fn is_follow_on(&self, e: &Error) -> bool {
        match e {
            Error::Unknown { what, name, .. } if what.is_page() => self.failed_pages.contains(name),
            // No table to map a shared page into, after a table failed to be created.
            Error::NoTables { .. } => self.tables.iter().any(Option::is_none),
            // A pool whose declaration failed is known: naming it is no second error.
            Error::Unknown {
                what: Thing::Pool,
                name,
                ..
            } => self.failed_pools.contains(name),
            Error::NoRoom { .. }
            | Error::IdentityImpossible { .. }
            | Error::OutsidePools {
                addr: crate::error::Addr::Pa,
                ..
            } => !self.failed_pools.is_empty(),
            _ => false,
        }
    }

    fn pools(&mut self) {
        for p in &self.spec.pools {
            let req = if p.device {
                Pool::device(&p.name, p.start, p.size)
            } else {
                Pool::ram(&p.name, p.start, p.size)
            };
            let req = if p.non_secure { req.non_secure() } else { req };
            let req = if p.secure { req.secure() } else { req };
            let req = if p.realm { req.realm() } else { req };
            let req = if p.root { req.root() } else { req };
            match self.layout.add_pool(req) {
                Ok(_) => self.pool_decls.push(p.decl),
                Err(e) => {
                    self.failed_pools.insert(p.name.clone());
                    self.report(p.decl, e, None);
                }
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
                Ok(id) => {
                    self.tables.push(Some(id));
                    if let Some((decl, granule)) = t.granule
                        && let Err(e) = self.layout.set_granule(id, granule)
                    {
                        self.report(decl, e, Some(t));
                    }
                    if t.non_secure_tables_ok {
                        let _ = self.layout.allow_non_secure_tables(id);
                    }
                    if let Some((decl, pool)) = &t.tables_in
                        && let Err(e) = self.layout.place_tables_in(id, pool)
                    {
                        self.report(*decl, e, None);
                    }
                }
                Err(e) => {
                    self.tables.push(None);
                    self.report(t.decl, e, Some(t));
                }
            }
        }
        // Processes: their kernels first (every table exists now), then their ASIDs.
        for (i, t) in self.spec.tables.iter().enumerate() {
            let (Some(Some(id)), Some(k)) = (self.tables.get(i), t.under) else {
                continue;
            };
            if let Some(Some(kernel)) = self.tables.get(k)
                && let Err(e) = self.layout.put_under(*id, *kernel)
            {
                self.report(t.decl, e, Some(t));
            }
        }
        for (i, t) in self.spec.tables.iter().enumerate() {
            if let (Some(Some(id)), Some(asid)) = (self.tables.get(i), t.asid)
                && let Err(e) = self.layout.set_asid(*id, asid)
            {
                self.report(t.decl, e, Some(t));
            }
        }
    }

    /// The tables a placement names.
    fn resolve(&self, place: &Placement) -> Targets {
        let table = |i: &usize| self.tables.get(*i).copied().flatten();
        match place {
            Placement::Table(i) => match table(i) {
                Some(t) => Targets::Listed(alloc::vec![t]),
                None => Targets::Failed,
            },
            Placement::Shared(None) => Targets::All,
            Placement::Shared(Some(list)) => match list.iter().map(table).collect() {
                Some(v) => Targets::Listed(v),
                None => Targets::Failed,
            },
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
        if self.hold {
            self.fixed = holds::hold_fixed(&mut self.layout, &spec.pages, &self.tables);
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
                    if let Err(e) = self.layout.hold_va(tid, va, bytes, &p.name) {
                        tried[i] = true;
                        self.report(p.decl, e, None);
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
            if let Some(hold) = self.fixed.get_mut(i) {
                core::mem::take(hold).release(&mut self.layout);
            }
            tried[i] = true;
            let tables = self.resolve(&p.place);
            if let Targets::Failed = tables {
                // A table it goes in failed: the page is known, only not mapped, so
                // segments `in` it are no second error.
                self.failed_pages.insert(p.name.clone());
                return;
            }
            let req = page_request(p);
            let result = match (&p.alias, &tables) {
                (Some(alias), Targets::Listed(ts)) if ts.len() == 1 => {
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
                            what: Thing::Page,
                            name: alias.page.clone(),
                            field: Field::Name,
                        }),
                    }
                }
                (Some(_), _) => Err(Error::SharedAlias {
                    name: p.name.clone(),
                }),
                (None, Targets::Listed(ts)) => match (&p.place, ts.first()) {
                    (Placement::Table(_), Some(&t)) => self.layout.map(t, &req),
                    _ => self.layout.map_shared(Some(ts), &req),
                },
                (None, _) => self.layout.map_shared(None, &req),
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
                    self.report(p.decl, e, None);
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
            let result = match &s.place {
                Placement::Table(t) => {
                    let Some(Some(tid)) = self.tables.get(*t).copied() else {
                        continue;
                    };
                    self.layout.place_segment(tid, &req)
                }
                Placement::Shared(_) => self.layout.place_shared_segment(&req),
            };
            match result {
                Ok(id) => {
                    self.segment_decl.insert(id.index(), s.decl);
                    done[i] = Some(id);
                }
                Err(e) => {
                    if self.is_follow_on(&e) {
                        continue;
                    }
                    self.report(s.decl, e, None);
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

impl Planner<'_> {
    /// Builds the granule protection table, recording its error.
    fn gpt(&mut self, g: &crate::spec::GptSpec) -> Option<Gpt> {
        match self.layout.build_gpt(&g.request) {
            Ok(gpt) => Some(gpt),
            Err(e) => {
                if !self.is_follow_on(&e) {
                    self.report_gpt(g.decl, e);
                }
                None
            }
        }
    }

    /// Records [`Error::GptNonSecureOk`] on the `non_secure_ok` at fault, with a note on
    /// the `gpt`: the one of the table's `tables in`, else of the layout's `tables` item
    /// (else the table's name).
    fn report_non_secure_ok(&mut self, at: Party, e: Error) {
        let gpt = self.spec.gpt.as_ref().map(|g| g.decl);
        let own = match at {
            Party::Table(id) => self
                .spec
                .tables
                .iter()
                .zip(&self.tables)
                .find(|(_, t)| **t == Some(id))
                .map(|(t, _)| match (&t.tables_in, &self.spec.tables_at) {
                    (Some((d, _)), _) | (None, Some((d, _))) => (*d, Part::NonSecureOk),
                    (None, None) => (t.decl, Part::Name),
                }),
            _ => None,
        };
        match own {
            Some((decl, part)) => self.err(decl, part, gpt.filter(|&g| g != decl), e),
            None => match gpt {
                Some(g) => self.err(g, Part::Name, None, e),
                None => self.err(self.spec.decl, Part::Name, None, e),
            },
        }
    }

    /// Records an error of the GPT declaration `decl`, with a note on the other party.
    fn report_gpt(&mut self, decl: DeclId, e: Error) {
        let related = e
            .other()
            .and_then(|o| self.decl_of(o, None))
            .filter(|&r| r != decl);
        self.err(decl, part(e.field()), related, e);
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
///
/// The order of declarations never decides whether a layout fits: when a placement
/// fails, it is tried again with every fixed VA and PA held from the start, so that a
/// page with one fixed address cannot be given, for its other address, the fixed
/// address of a page placed after it (see `holds`). The errors are then those of that
/// second try. A layout that fits without holding keeps its addresses.
pub fn plan(spec: &Spec) -> Result<Plan, Vec<PlanError>> {
    let Some(seed) = spec.seed else {
        return attempt(spec, None);
    };
    if let Ok(p) = attempt(spec, Some(seed)) {
        return Ok(p);
    }
    let lowest = attempt(spec, None)?;
    for k in 1..=RESEEDS {
        // SplitMix64's increment: derived seeds far apart from the seed and each other.
        let derived = seed.wrapping_add(k.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        if let Ok(p) = attempt(spec, Some(derived)) {
            return Ok(p);
        }
    }
    Ok(lowest)
}

/// [`plan`] with one placement (random from `seed`, or the lowest addresses): first as
/// declared, then, if that fails, with every fixed range held from the start.
fn attempt(spec: &Spec, seed: Option<u64>) -> Result<Plan, Vec<PlanError>> {
    plan_with(spec, seed, false).or_else(|_| plan_with(spec, seed, true))
}

/// [`plan`] with one placement: random from `seed`, or the lowest addresses; with
/// `hold`, every fixed range is held before the first page is placed.
fn plan_with(spec: &Spec, seed: Option<u64>, hold: bool) -> Result<Plan, Vec<PlanError>> {
    let layout = match seed {
        Some(seed) => Layout::with_seed(seed),
        None => Layout::new(),
    };
    let mut p = Planner {
        spec,
        layout,
        errors: Vec::new(),
        tables: Vec::new(),
        pool_decls: Vec::new(),
        mapping_decl: BTreeMap::new(),
        held: BTreeMap::new(),
        fixed: Vec::new(),
        segment_decl: BTreeMap::new(),
        hold,
        pages_named: BTreeMap::new(),
        failed_pages: BTreeSet::new(),
        failed_pools: BTreeSet::new(),
    };
    if let Some((decl, bits)) = spec.pa_bits
        && let Err(e) = p.layout.set_pa_bits(bits)
    {
        p.report(decl, e, None);
    }
    p.pools();
    p.tables();
    // A declared tables range is held before any page is placed.
    if let Some((decl, crate::tables::TablePlacement::At { start, size })) = &spec.tables_at
        && let Err(e) = p.layout.reserve_tables_range(*start, *size)
    {
        p.report(*decl, e, None);
    }
    // A fixed GPT range is held before any page too; a GPT in a pool takes its PA after
    // the pages, before the translation tables (its alignment is the larger).
    let (fixed_gpt, pool_gpt) = match &spec.gpt {
        Some(g) if matches!(g.request.placement(), GptPlacement::At { .. }) => (Some(g), None),
        g => (None, g.as_ref()),
    };
    let mut gpt = fixed_gpt.and_then(|g| p.gpt(g));
    let pages = p.pages();
    let segments = p.segments();
    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    if let Some(g) = pool_gpt {
        gpt = p.gpt(g);
        if !p.errors.is_empty() {
            return Err(p.errors);
        }
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
            // A table with a pool of its own answers for its tables; without one, the
            // layout's `tables` item does, or else the table itself.
            let table = match &e {
                Error::NoRoomForTables { table, .. } => {
                    spec.tables.iter().find(|t| &t.name == table)
                }
                _ => None,
            };
            if let Error::GptNonSecureOk { at, .. } = e {
                p.report_non_secure_ok(at, e);
                return Err(p.errors);
            }
            // On the `asid 0`, with a note on the process without an ASID.
            if let Error::AsidZeroShared { table, .. } = &e
                && let Some(t) = spec.tables.iter().find(|t| &t.name == table)
            {
                let related = e.other().and_then(|o| p.decl_of(o, None));
                p.err(t.decl, Part::Asid, related, e);
                return Err(p.errors);
            }
            match table.map(|t| (t, &t.tables_in, &spec.tables_at)) {
                Some((_, Some((d, _)), _)) => p.report(*d, e, None),
                Some((t, None, None)) => p.err(t.decl, Part::Name, None, e),
                _ => p.report(decl, e, None),
            }
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
        gpt,
        tables,
        pages,
        segments,
        pages_by_table,
        segments_by_table,
    })
}
