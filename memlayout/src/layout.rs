//! [`Layout`]: the physical space, the page tables, and the allocation operations on them.
//!
//! A layout owns one physical address space (made of pools) and any number of page
//! tables, each with its own virtual address space. Pages are mapped into tables (or into
//! several at once, as cross-core pages) and segments are placed inside mapped pages.
//! Placement is deterministic (lowest fitting address) unless the layout has a seed.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use crate::error::{Addr, Error, Range, Space};
use crate::interval::{Interval, IntervalSet, intersections};
use crate::model::{
    Attr, AttrValue, Cacheability, ExecutionContext, MemAttrs, Page, PageKind, PageSize, Perms,
    SecurityState, Segment, SegmentKind, Shareability, TableInfo,
};
use crate::rng::Rng;
use crate::used::UsedRanges;

/// The default number of VA bits of a table (a 48-bit, level-0-rooted space).
pub const DEFAULT_VA_BITS: u8 = 48;
/// The default number of PA bits of a layout.
pub const DEFAULT_PA_BITS: u8 = 48;

/// Names a page table of a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableId(u32);

/// Names one mapping request (a page, `N` consecutive pages, or a shared page in every
/// table it is mapped into) of a [`Layout`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MappingId(u32);

/// Names one segment request (in one table, or a shared segment in several).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SegmentId(u32);

impl TableId {
    /// The table's position in creation order.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}
impl MappingId {
    /// The mapping's position in creation order.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}
impl SegmentId {
    /// The segment's position in creation order.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// A physical pool: a range of RAM or a device window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pool {
    name: String,
    range: Interval,
    device: bool,
    non_secure: bool,
}

impl Pool {
    /// A pool of RAM (Normal memory).
    pub fn ram(name: impl Into<String>, start: u64, size: u64) -> PoolRequest {
        PoolRequest {
            name: name.into(),
            start,
            size,
            device: false,
            non_secure: false,
        }
    }
    /// A device window (Device memory).
    pub fn device(name: impl Into<String>, start: u64, size: u64) -> PoolRequest {
        PoolRequest {
            name: name.into(),
            start,
            size,
            device: true,
            non_secure: false,
        }
    }
    /// The pool's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The pool's address range.
    pub fn range(&self) -> Interval {
        self.range
    }
    /// Whether the pool is a device window.
    pub fn is_device(&self) -> bool {
        self.device
    }
    /// Whether the pool lies in the non-secure physical address space.
    pub fn is_non_secure(&self) -> bool {
        self.non_secure
    }
}

/// A pool to add with [`Layout::add_pool`]; built by [`Pool::ram`] or [`Pool::device`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolRequest {
    name: String,
    start: u64,
    size: u64,
    device: bool,
    non_secure: bool,
}

impl PoolRequest {
    /// Marks the pool as non-secure physical memory (secure tables map it with NS set).
    pub fn non_secure(mut self) -> Self {
        self.non_secure = true;
        self
    }
}

/// A request for pages, built with chained setters and passed to [`Layout::map`] or
/// [`Layout::map_shared`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageRequest {
    name: String,
    size: PageSize,
    count: u32,
    align: u64,
    attrs: MemAttrs,
    identity: bool,
    va: Option<u64>,
    pa: Option<u64>,
    pool: Option<String>,
    custom: Vec<Attr>,
}

impl PageRequest {
    /// One page of `size` and `kind`, with the kind's default permissions, write-back
    /// and inner shareable.
    pub fn new(name: impl Into<String>, kind: PageKind, size: PageSize) -> Self {
        PageRequest {
            name: name.into(),
            size,
            count: 1,
            align: size.bytes(),
            attrs: MemAttrs::new(kind),
            identity: false,
            va: None,
            pa: None,
            pool: None,
            custom: Vec::new(),
        }
    }
    /// Asks for `count` consecutive pages (contiguous in VA and in PA).
    pub fn count(mut self, count: u32) -> Self {
        self.count = count;
        self
    }
    /// Aligns VA and PA to `align` (at least the page size; a power of two).
    pub fn align(mut self, align: u64) -> Self {
        self.align = align;
        self
    }
    /// Sets the permissions.
    pub fn perms(mut self, perms: Perms) -> Self {
        self.attrs.perms = perms;
        self
    }
    /// Sets the cacheability.
    pub fn cache(mut self, cache: Cacheability) -> Self {
        self.attrs.cache = cache;
        self
    }
    /// Sets the shareability.
    pub fn share(mut self, share: Shareability) -> Self {
        self.attrs.share = share;
        self
    }
    /// Asks for VA == PA.
    pub fn identity(mut self) -> Self {
        self.identity = true;
        self
    }
    /// Fixes the VA.
    pub fn va(mut self, va: u64) -> Self {
        self.va = Some(va);
        self
    }
    /// Fixes the PA.
    pub fn pa(mut self, pa: u64) -> Self {
        self.pa = Some(pa);
        self
    }
    /// Takes the PA from the named pool.
    pub fn pool(mut self, pool: impl Into<String>) -> Self {
        self.pool = Some(pool.into());
        self
    }
    /// Adds a custom attribute.
    pub fn attr(mut self, key: impl Into<String>, value: AttrValue) -> Self {
        self.custom.push(Attr {
            key: Cow::Owned(key.into()),
            value,
        });
        self
    }
    /// The total size in bytes (at most 2^32 pages of 1 GiB, so it always fits).
    pub fn bytes(&self) -> u64 {
        self.size.bytes() * u64::from(self.count)
    }
}

/// A request for a segment, built with chained setters and passed to
/// [`Layout::place_segment`] or [`Layout::place_shared_segment`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentRequest {
    name: String,
    kind: SegmentKind,
    size: u64,
    align: u64,
    identity: bool,
    in_page: Option<String>,
    va: Option<u64>,
}

impl SegmentRequest {
    /// A segment of `size` bytes and `kind`, aligned to the kind's minimum.
    pub fn new(name: impl Into<String>, kind: SegmentKind, size: u64) -> Self {
        SegmentRequest {
            name: name.into(),
            kind,
            size,
            align: 1,
            identity: false,
            in_page: None,
            va: None,
        }
    }
    /// Aligns the segment to `align` (a power of two; raised to the kind's minimum).
    pub fn align(mut self, align: u64) -> Self {
        self.align = align;
        self
    }
    /// Asks for VA == PA (the segment then lies in identity pages).
    pub fn identity(mut self) -> Self {
        self.identity = true;
        self
    }
    /// Places the segment inside the named page (or `* N` pages).
    pub fn in_page(mut self, page: impl Into<String>) -> Self {
        self.in_page = Some(page.into());
        self
    }
    /// Fixes the VA.
    pub fn va(mut self, va: u64) -> Self {
        self.va = Some(va);
        self
    }
}

/// Free space inside mapped pages, for segments: adjacent pages merge only when they have
/// the same kind and the same VA-to-PA offset, that is when they are consecutive in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SegSpace {
    kind: PageKind,
    delta: u64,
}

#[derive(Clone, Debug)]
struct Table {
    info: TableInfo,
    va_bits: u8,
    virt: Vec<Interval>,
    va_free: IntervalSet<()>,
    va_used: UsedRanges<u32>,
    seg_free: IntervalSet<SegSpace>,
    /// Pages mapped since the last segment placement, not yet in `seg_free`.
    seg_pending: Vec<(Interval, SegSpace)>,
    pages: Vec<u32>,
    segments: Vec<u32>,
}

#[derive(Clone, Debug)]
struct Mapping {
    name: String,
    pa: u64,
    size: PageSize,
    count: u32,
    attrs: MemAttrs,
    shared: bool,
    alias_of: Option<u32>,
    /// The tables it is mapped into, with its VA in each and the index of its first page
    /// there (its pages follow in order).
    tables: Vec<(TableId, u64, u32)>,
    /// Free offsets inside a shared mapping, for shared segments.
    seg_free: Option<IntervalSet<()>>,
}

impl Mapping {
    fn bytes(&self) -> u64 {
        self.size.bytes() * u64::from(self.count)
    }
    fn va_in(&self, table: TableId) -> Option<u64> {
        self.tables
            .iter()
            .find(|(t, ..)| *t == table)
            .map(|&(_, va, _)| va)
    }
}

#[derive(Clone, Debug)]
struct SegmentGroup {
    name: String,
    /// The segment as seen from each table it is in.
    entries: Vec<(TableId, u32)>,
}

/// What a mapping is to the tables it is in: their own pages (which host segments),
/// a cross-core page (which hosts shared segments), or an alias of another mapping's PA
/// (which hosts none, as its bytes belong to that mapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Own,
    Shared,
    Alias,
}

/// Who owns a PA range: a mapping, or a reservation made with [`Layout::reserve`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PaOwner {
    Mapping(u32),
    Reservation(u32),
}

/// A whole memory layout: physical pools, page tables, their pages and segments.
#[derive(Clone, Debug)]
pub struct Layout {
    rng: Option<Rng>,
    seed: Option<u64>,
    pa_bits: u8,
    pa_bits_declared: bool,
    pools: Vec<Pool>,
    pa_free: IntervalSet<u32>,
    pa_used: UsedRanges<PaOwner>,
    tables: Vec<Table>,
    mappings: Vec<Mapping>,
    pages: Vec<Page>,
    segments: Vec<Segment>,
    segment_groups: Vec<SegmentGroup>,
    reservations: Vec<(String, Interval)>,
    by_name: BTreeMap<String, Vec<u32>>,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

fn range_of(i: Interval) -> Range {
    Range {
        start: i.start,
        end: i.last.wrapping_add(1),
    }
}

fn range(start: u64, size: u64) -> Range {
    Range {
        start,
        end: start.wrapping_add(size),
    }
}

fn check_align(align: u64) -> Result<(), Error> {
    if align.is_power_of_two() {
        Ok(())
    } else {
        Err(Error::AlignNotPowerOfTwo { align })
    }
}

fn interval(start: u64, size: u64, what: &str) -> Result<Interval, Error> {
    if size == 0 {
        return Err(Error::ZeroSize {
            what: what.to_string(),
        });
    }
    Interval::new(start, size).ok_or(Error::Wraps { start, size })
}

fn limit_check(addr: Addr, i: Interval, bits: u8) -> Result<(), Error> {
    if bits < 64 && i.last >> bits != 0 {
        return Err(Error::BeyondLimit {
            addr,
            range: range_of(i),
            bits,
        });
    }
    Ok(())
}

impl Layout {
    /// An empty layout with deterministic placement (lowest fitting address).
    pub fn new() -> Layout {
        Layout {
            rng: None,
            seed: None,
            pa_bits: DEFAULT_PA_BITS,
            pa_bits_declared: false,
            pools: Vec::new(),
            pa_free: IntervalSet::new(),
            pa_used: UsedRanges::default(),
            tables: Vec::new(),
            mappings: Vec::new(),
            pages: Vec::new(),
            segments: Vec::new(),
            segment_groups: Vec::new(),
            reservations: Vec::new(),
            by_name: BTreeMap::new(),
        }
    }

    /// An empty layout with random placement, reproducible from `seed`.
    ///
    /// Random placement draws an address and takes the free range around it, so its
    /// free-space sets keep no size-class index (cheaper to update). Only when 64 ranges
    /// in a row do not fit (a nearly full space) does a placement fall back to scanning.
    pub fn with_seed(seed: u64) -> Layout {
        Layout {
            rng: Some(Rng::new(seed)),
            seed: Some(seed),
            pa_free: IntervalSet::without_fit_index(),
            ..Layout::new()
        }
    }

    /// The seed, if placement is random.
    pub fn seed(&self) -> Option<u64> {
        self.seed
    }

    /// The number of PA bits (48 unless set).
    pub fn pa_bits(&self) -> u8 {
        self.pa_bits
    }

    /// The number of PA bits set with [`set_pa_bits`](Self::set_pa_bits), if any.
    pub fn declared_pa_bits(&self) -> Option<u8> {
        self.pa_bits_declared.then_some(self.pa_bits)
    }

    /// The smallest PA size the translation registers can encode (32, 36, 40, 42, 44 or
    /// 48 bits) that covers every pool.
    pub fn covering_pa_bits(&self) -> u8 {
        let top = self.pools.iter().map(|p| p.range.last).max().unwrap_or(0);
        [32u8, 36, 40, 42, 44, 48]
            .into_iter()
            .find(|&b| top >> b == 0)
            .unwrap_or(48)
    }

    /// Sets the number of PA bits (32, 36, 40, 42, 44 or 48, the sizes TCR.PS/IPS
    /// encode); every pool must lie below `2^bits`.
    pub fn set_pa_bits(&mut self, bits: u8) -> Result<(), Error> {
        if ![32, 36, 40, 42, 44, 48].contains(&bits) {
            return Err(Error::UnsupportedBits {
                addr: Addr::Pa,
                bits,
            });
        }
        for p in &self.pools {
            limit_check(Addr::Pa, p.range, bits)?;
        }
        self.pa_bits = bits;
        self.pa_bits_declared = true;
        Ok(())
    }

    /// Adds a physical pool. Pools must not overlap each other.
    pub fn add_pool(&mut self, req: PoolRequest) -> Result<usize, Error> {
        let r = interval(req.start, req.size, &format!("pool `{}`", req.name))?;
        limit_check(Addr::Pa, r, self.pa_bits)?;
        if self.pools.iter().any(|p| p.name == req.name) {
            return Err(Error::Duplicate {
                what: "pool",
                name: req.name,
            });
        }
        if let Some(p) = self.pools.iter().find(|p| p.range.overlaps(&r)) {
            return Err(Error::PoolOverlap {
                name: req.name,
                with: p.name.clone(),
            });
        }
        let id = self.pools.len() as u32;
        self.pa_free
            .insert_interval(r, id)
            .map_err(|_| Error::PoolOverlap {
                name: req.name.clone(),
                with: String::new(),
            })?;
        self.pools.push(Pool {
            name: req.name,
            range: r,
            device: req.device,
            non_secure: req.non_secure,
        });
        Ok(id as usize)
    }

    /// The pools in creation order.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// Adds a page table with its virtual ranges (start, size). The name must be new.
    pub fn add_table(
        &mut self,
        name: impl Into<String>,
        core: u32,
        el: ExecutionContext,
        virt: &[(u64, u64)],
    ) -> Result<TableId, Error> {
        self.add_table_with_bits(name, core, el, virt, DEFAULT_VA_BITS)
    }

    /// Adds a page table whose virtual space has `va_bits` bits (25 to 48).
    pub fn add_table_with_bits(
        &mut self,
        name: impl Into<String>,
        core: u32,
        el: ExecutionContext,
        virt: &[(u64, u64)],
        va_bits: u8,
    ) -> Result<TableId, Error> {
        let name = name.into();
        if !(25..=48).contains(&va_bits) {
            return Err(Error::UnsupportedBits {
                addr: Addr::Va,
                bits: va_bits,
            });
        }
        if self.tables.iter().any(|t| t.info.name() == name) {
            return Err(Error::Duplicate {
                what: "table",
                name,
            });
        }
        let mut va_free = if self.rng.is_some() {
            IntervalSet::without_fit_index()
        } else {
            IntervalSet::new()
        };
        let mut ranges = Vec::new();
        for &(start, size) in virt {
            let r = interval(start, size, &format!("a virtual range of table `{name}`"))?;
            limit_check(Addr::Va, r, va_bits)?;
            if let Err(e) = va_free.insert_interval(r, ()) {
                let with = match e {
                    crate::interval::IntervalError::Overlaps(o) => format!("virtual range {o}"),
                    _ => String::from("another virtual range"),
                };
                return Err(Error::Overlap {
                    space: Space::Virtual(name),
                    range: range_of(r),
                    with,
                    with_id: None,
                });
            }
            ranges.push(r);
        }
        let id = TableId(self.tables.len() as u32);
        self.tables.push(Table {
            info: TableInfo::with_name(name, core, el),
            va_bits,
            virt: ranges,
            va_free,
            va_used: UsedRanges::default(),
            seg_free: IntervalSet::new(),
            seg_pending: Vec::new(),
            pages: Vec::new(),
            segments: Vec::new(),
        });
        Ok(id)
    }

    /// Every table id in creation order.
    pub fn tables(&self) -> impl Iterator<Item = TableId> + '_ {
        (0..self.tables.len() as u32).map(TableId)
    }

    /// The table with this name.
    pub fn table(&self, name: &str) -> Option<TableId> {
        self.tables
            .iter()
            .position(|t| t.info.name() == name)
            .map(|i| TableId(i as u32))
    }

    /// The tables of one core, in creation order.
    pub fn tables_of_core(&self, core: u32) -> Vec<TableId> {
        self.tables()
            .filter(|&t| self.tables[t.index()].info.core() == core)
            .collect()
    }

    /// Name, core and exception level of a table.
    pub fn table_info(&self, table: TableId) -> Option<&TableInfo> {
        self.tables.get(table.index()).map(|t| &t.info)
    }

    /// The VA bits of a table.
    pub fn va_bits(&self, table: TableId) -> Option<u8> {
        self.tables.get(table.index()).map(|t| t.va_bits)
    }

    /// The virtual ranges of a table.
    pub fn virtual_ranges(&self, table: TableId) -> &[Interval] {
        self.tables.get(table.index()).map_or(&[], |t| &t.virt)
    }

    fn table_ref(&self, table: TableId) -> Result<&Table, Error> {
        self.tables.get(table.index()).ok_or(Error::Unknown {
            what: "table",
            name: format!("#{}", table.0),
        })
    }

    /// The pages of a table, in VA order.
    pub fn pages(&self, table: TableId) -> Vec<&Page> {
        let Some(t) = self.tables.get(table.index()) else {
            return Vec::new();
        };
        let mut v: Vec<&Page> = t.pages.iter().map(|&i| &self.pages[i as usize]).collect();
        v.sort_by_key(|p| p.va());
        v
    }

    /// The pages of a table of one kind, in VA order.
    pub fn pages_of_kind(&self, table: TableId, kind: PageKind) -> Vec<&Page> {
        self.pages(table)
            .into_iter()
            .filter(|p| p.kind() == kind)
            .collect()
    }

    /// The pages of one mapping as mapped into `table`, in VA order.
    pub fn mapping_pages(&self, mapping: MappingId, table: TableId) -> Vec<&Page> {
        let Some(m) = self.mappings.get(mapping.index()) else {
            return Vec::new();
        };
        let Some(&(_, _, first)) = m.tables.iter().find(|(t, ..)| *t == table) else {
            return Vec::new();
        };
        let first = first as usize;
        self.pages
            .get(first..first + m.count as usize)
            .map_or(Vec::new(), |p| p.iter().collect())
    }

    /// The PA of a mapping (the first byte of its first page).
    pub fn mapping_pa(&self, mapping: MappingId) -> Option<u64> {
        self.mappings.get(mapping.index()).map(|m| m.pa)
    }

    /// The VA of a mapping in a table.
    pub fn mapping_va(&self, mapping: MappingId, table: TableId) -> Option<u64> {
        self.mappings.get(mapping.index())?.va_in(table)
    }

    /// The tables a mapping is mapped into.
    pub fn mapping_tables(&self, mapping: MappingId) -> Vec<TableId> {
        self.mappings
            .get(mapping.index())
            .map_or(Vec::new(), |m| m.tables.iter().map(|t| t.0).collect())
    }

    /// The segments of a table, in VA order.
    pub fn segments(&self, table: TableId) -> Vec<&Segment> {
        let Some(t) = self.tables.get(table.index()) else {
            return Vec::new();
        };
        let mut v: Vec<&Segment> = t
            .segments
            .iter()
            .map(|&i| &self.segments[i as usize])
            .collect();
        v.sort_by_key(|s| s.va());
        v
    }

    /// The segments of a table of one kind, in VA order.
    pub fn segments_of_kind(&self, table: TableId, kind: SegmentKind) -> Vec<&Segment> {
        self.segments(table)
            .into_iter()
            .filter(|s| s.kind() == kind)
            .collect()
    }

    /// The segment with this name in a table.
    pub fn segment(&self, table: TableId, name: &str) -> Option<&Segment> {
        let t = self.tables.get(table.index())?;
        t.segments
            .iter()
            .map(|&i| &self.segments[i as usize])
            .find(|s| s.name() == name)
    }

    /// A segment request as seen from one table.
    pub fn segment_in(&self, segment: SegmentId, table: TableId) -> Option<&Segment> {
        let g = self.segment_groups.get(segment.index())?;
        g.entries
            .iter()
            .find(|(t, _)| *t == table)
            .map(|&(_, i)| &self.segments[i as usize])
    }

    /// Takes `va .. va + size` out of a table's free VA without mapping anything, so
    /// later requests cannot take it; [`release_va`](Self::release_va) gives it back.
    pub(crate) fn hold_va(&mut self, table: TableId, va: u64, size: u64) -> Result<(), Error> {
        let r = interval(va, size, "a held VA range")?;
        let t = self.table_ref(table)?;
        if !t.va_free.contains(va, size) {
            return Err(self.va_collision(t, r));
        }
        let _ = self.tables[table.index()].va_free.remove_interval(r);
        Ok(())
    }

    /// Returns a PA range to the free PA, to the pool that holds it.
    fn give_back_pa(&mut self, pa: u64, bytes: u64) {
        if let Some(r) = Interval::new(pa, bytes)
            && let Some(pool) = self.pool_of(r)
        {
            let _ = self.pa_free.insert_interval(r, pool as u32);
        }
    }

    /// Gives back a range taken by [`hold_va`](Self::hold_va).
    pub(crate) fn release_va(&mut self, table: TableId, va: u64, size: u64) {
        if let (Some(r), Some(t)) = (Interval::new(va, size), self.tables.get_mut(table.index())) {
            let _ = t.va_free.insert_interval(r, ());
        }
    }

    /// The tables a segment request was placed in.
    pub fn segment_tables(&self, segment: SegmentId) -> Vec<TableId> {
        self.segment_groups
            .get(segment.index())
            .map_or(Vec::new(), |g| g.entries.iter().map(|&(t, _)| t).collect())
    }

    /// Whether every byte of `va .. va + size` is mapped in a table.
    pub fn is_mapped(&self, table: TableId, va: u64, size: u64) -> bool {
        match self.tables.get(table.index()) {
            Some(t) => t.va_used.contains(va, size),
            None => false,
        }
    }

    /// Translates a VA through a table's pages.
    pub fn translate(&self, table: TableId, va: u64) -> Option<u64> {
        let t = self.tables.get(table.index())?;
        let (_, &m) = t.va_used.get(va)?;
        let m = &self.mappings[m as usize];
        let base = m.va_in(table)?;
        Some(m.pa + (va - base))
    }

    /// Free bytes left in a pool.
    pub fn free_in_pool(&self, pool: &str) -> Option<u128> {
        let id = self.pools.iter().position(|p| p.name == pool)? as u32;
        Some(self.pa_free.total_size_where(|&p| p == id))
    }

    /// Free bytes left in a table's virtual ranges.
    pub fn free_va(&self, table: TableId) -> Option<u128> {
        self.tables
            .get(table.index())
            .map(|t| t.va_free.total_size())
    }

    /// Every page of every table.
    pub fn all_pages(&self) -> &[Page] {
        &self.pages
    }

    /// PA ranges reserved with [`reserve`](Self::reserve), with their names.
    pub fn reservations(&self) -> &[(String, Interval)] {
        &self.reservations
    }

    fn owner_name(&self, owner: PaOwner) -> (String, Option<u32>) {
        match owner {
            PaOwner::Mapping(m) => (self.mappings[m as usize].name.clone(), Some(m)),
            PaOwner::Reservation(r) => (self.reservations[r as usize].0.clone(), None),
        }
    }

    fn pa_collision(&self, r: Interval) -> Error {
        match self.pa_used.first_overlap(&r) {
            Some((_, &owner)) => {
                let (with, with_id) = self.owner_name(owner);
                Error::Overlap {
                    space: Space::Physical,
                    range: range_of(r),
                    with,
                    with_id,
                }
            }
            None => Error::OutsidePools {
                addr: Addr::Pa,
                range: range_of(r),
                space: Space::Physical,
            },
        }
    }

    fn va_collision(&self, t: &Table, r: Interval) -> Error {
        if let Err(e) = limit_check(Addr::Va, r, t.va_bits) {
            return e;
        }
        match t.va_used.first_overlap(&r) {
            Some((_, &m)) => Error::Overlap {
                space: Space::Virtual(t.info.name().to_string()),
                range: range_of(r),
                with: self.mappings[m as usize].name.clone(),
                with_id: Some(m),
            },
            None => Error::OutsidePools {
                addr: Addr::Va,
                range: range_of(r),
                space: Space::Virtual(t.info.name().to_string()),
            },
        }
    }

    /// The pools a request may draw from: a request without a pool first tries the
    /// pools of its tables' security state (where the layout has non-secure pools),
    /// then every pool of its memory kind.
    fn pool_filter(&self, req: &PageRequest, tables: &[TableId]) -> Result<PoolChoice, Error> {
        let device = req.attrs.kind.is_device();
        match &req.pool {
            Some(name) => {
                let i = self
                    .pools
                    .iter()
                    .position(|p| &p.name == name)
                    .ok_or(Error::Unknown {
                        what: "pool",
                        name: name.clone(),
                    })?;
                let p = &self.pools[i];
                if p.device != device {
                    return Err(Error::PoolKindMismatch {
                        name: req.name.clone(),
                        kind: req.attrs.kind,
                        pool: p.name.clone(),
                        pool_device: p.device,
                    });
                }
                Ok(PoolChoice {
                    preferred: None,
                    all: (0..self.pools.len()).map(|k| k == i).collect(),
                })
            }
            None => {
                let kind: Vec<bool> = self.pools.iter().map(|p| p.device == device).collect();
                // Where the layout has non-secure pools, a page without a pool comes from
                // pools of its tables' security state when there are any.
                let wanted = match tables.split_first() {
                    Some((first, rest)) => {
                        let ns = |t: &TableId| {
                            self.tables[t.index()].info.el().security() == SecurityState::NonSecure
                        };
                        let w = ns(first);
                        rest.iter().all(|t| ns(t) == w).then_some(w)
                    }
                    None => None,
                };
                if let Some(w) = wanted {
                    let matching: Vec<bool> = self
                        .pools
                        .iter()
                        .zip(&kind)
                        .map(|(p, &k)| k && p.non_secure == w)
                        .collect();
                    if matching.iter().any(|&m| m) && matching != kind {
                        return Ok(PoolChoice {
                            preferred: Some(matching),
                            all: kind,
                        });
                    }
                }
                Ok(PoolChoice {
                    preferred: None,
                    all: kind,
                })
            }
        }
    }

    fn pool_of(&self, r: Interval) -> Option<usize> {
        self.pools.iter().position(|p| p.range.covers(&r))
    }

    /// Maps `req` into one table.
    pub fn map(&mut self, table: TableId, req: &PageRequest) -> Result<MappingId, Error> {
        self.table_ref(table)?;
        self.map_into(&[table], req, false)
    }

    /// Maps `req` as a cross-core page: one PA range mapped into every listed table (or
    /// every table when `tables` is `None`), each at its own VA.
    pub fn map_shared(
        &mut self,
        tables: Option<&[TableId]>,
        req: &PageRequest,
    ) -> Result<MappingId, Error> {
        let all: Vec<TableId> = match tables {
            Some(ts) => {
                for &t in ts {
                    self.table_ref(t)?;
                }
                let mut v = ts.to_vec();
                v.sort();
                v.dedup();
                v
            }
            None => self.tables().collect(),
        };
        if all.is_empty() {
            return Err(Error::NoTables {
                name: req.name.clone(),
            });
        }
        self.map_into(&all, req, true)
    }

    fn validate(&self, req: &PageRequest) -> Result<(u64, u64), Error> {
        if req.count == 0 {
            return Err(Error::ZeroCount {
                name: req.name.clone(),
            });
        }
        check_align(req.align)?;
        let bytes = req.bytes();
        let align = req.align.max(req.size.bytes());
        if req.attrs.kind.is_device() && req.attrs.perms.execute() {
            return Err(Error::ExecutableDevice {
                name: req.name.clone(),
            });
        }
        for (addr, v) in [(Addr::Va, req.va), (Addr::Pa, req.pa)] {
            if let Some(v) = v {
                if v % align != 0 {
                    return Err(Error::Misaligned {
                        addr,
                        value: v,
                        align,
                        name: req.name.clone(),
                    });
                }
                interval(v, bytes, &req.name)?;
            }
        }
        if req.identity
            && let (Some(va), Some(pa)) = (req.va, req.pa)
            && va != pa
        {
            return Err(Error::IdentityConflict {
                name: req.name.clone(),
                va,
                pa,
            });
        }
        Ok((bytes, align))
    }

    /// Picks a PA range for a request and takes it out of the free PA.
    fn take_pa(
        &mut self,
        req: &PageRequest,
        bytes: u64,
        align: u64,
        pools: &[bool],
    ) -> Result<u64, Error> {
        let found = match self.rng.as_mut() {
            Some(rng) => self
                .pa_free
                .take_random(bytes, align, |&p| pools[p as usize], rng)
                .map(|r| r.start),
            None => {
                let at = self.pa_free.find_fit(bytes, align, |&p| pools[p as usize]);
                at.filter(|&at| self.pa_free.remove(at, bytes).is_ok())
            }
        };
        found.ok_or_else(|| {
            let names: Vec<&str> = self
                .pools
                .iter()
                .zip(pools)
                .filter(|(_, on)| **on)
                .map(|(p, _)| p.name.as_str())
                .collect();
            let space = if names.len() == 1 {
                Space::Pool(names[0].to_string())
            } else if names.is_empty() {
                Space::Pool(String::from(if req.attrs.kind.is_device() {
                    "(no device pool declared)"
                } else {
                    "(no RAM pool declared)"
                }))
            } else {
                Space::Physical
            };
            Error::NoRoom {
                what: describe(req),
                size: bytes,
                align,
                space,
                largest: self.pa_free.largest(|&p| pools[p as usize]).map(range_of),
            }
        })
    }

    /// Picks a VA range of a table for a request and takes it out of the table's free VA.
    fn take_va(
        &mut self,
        table: TableId,
        req: &PageRequest,
        bytes: u64,
        align: u64,
    ) -> Result<u64, Error> {
        let t = &mut self.tables[table.index()];
        let found = match self.rng.as_mut() {
            Some(rng) => t
                .va_free
                .take_random(bytes, align, |_| true, rng)
                .map(|r| r.start),
            None => {
                let at = t.va_free.find_fit(bytes, align, |_| true);
                at.filter(|&at| t.va_free.remove(at, bytes).is_ok())
            }
        };
        let t = &self.tables[table.index()];
        found.ok_or_else(|| Error::NoRoom {
            what: describe(req),
            size: bytes,
            align,
            space: Space::Virtual(t.info.name().to_string()),
            largest: t.va_free.largest(|_| true).map(range_of),
        })
    }

    fn choose_identity(
        &mut self,
        tables: &[TableId],
        req: &PageRequest,
        bytes: u64,
        align: u64,
        pools: &[bool],
    ) -> Result<u64, Error> {
        let mut common: Vec<Interval> = {
            let t = &self.tables[tables[0].index()];
            intersections(&self.pa_free, &t.va_free, |&p| pools[p as usize], |_| true)
        };
        for &tid in &tables[1..] {
            let mut next = IntervalSet::new();
            for c in &common {
                let _ = next.insert_interval(*c, ());
            }
            common = intersections(&next, &self.tables[tid.index()].va_free, |_| true, |_| true);
        }
        let fitting: Vec<&Interval> = common
            .iter()
            .filter(|c| c.fit(bytes, align).is_some())
            .collect();
        let pick = match (self.rng.as_mut(), fitting.len()) {
            (_, 0) => None,
            (Some(rng), n) => {
                let c = fitting[rng.below(n as u64) as usize];
                let first = c.fit(bytes, align).unwrap_or(c.start);
                let slots = (c.last - (bytes - 1) - first) / align + 1;
                Some(first + rng.below(slots) * align)
            }
            (None, _) => fitting[0].fit(bytes, align),
        };
        pick.ok_or_else(|| Error::IdentityImpossible {
            name: req.name.clone(),
            size: bytes,
            align,
            table: self.tables[tables[0].index()].info.name().to_string(),
            largest: common
                .iter()
                .max_by_key(|c| (c.size(), u64::MAX - c.start))
                .map(|c| range_of(*c)),
        })
    }

    fn map_into(
        &mut self,
        tables: &[TableId],
        req: &PageRequest,
        shared: bool,
    ) -> Result<MappingId, Error> {
        let (bytes, align) = self.validate(req)?;
        let choice = self.pool_filter(req, tables)?;
        let pools = &choice.all;
        // Fixed addresses: check they are free.
        let fixed_pa = req.pa.or(if req.identity { req.va } else { None });
        let fixed_va = req.va.or(if req.identity { req.pa } else { None });
        if let Some(pa) = fixed_pa {
            let r = interval(pa, bytes, &req.name)?;
            limit_check(Addr::Pa, r, self.pa_bits)?;
            let Some(p) = self.pool_of(r) else {
                return Err(Error::OutsidePools {
                    addr: Addr::Pa,
                    range: range_of(r),
                    space: Space::Physical,
                });
            };
            if !pools.get(p).copied().unwrap_or(false) {
                let pool = &self.pools[p];
                if pool.device != req.attrs.kind.is_device() {
                    return Err(Error::PoolKindMismatch {
                        name: req.name.clone(),
                        kind: req.attrs.kind,
                        pool: pool.name.clone(),
                        pool_device: pool.device,
                    });
                }
                return Err(Error::OutsidePools {
                    addr: Addr::Pa,
                    range: range_of(r),
                    space: Space::Pool(req.pool.clone().unwrap_or_default()),
                });
            }
            if !self.pa_free.contains(pa, bytes) {
                return Err(self.pa_collision(r));
            }
        }
        if let Some(va) = fixed_va {
            let r = interval(va, bytes, &req.name)?;
            for &t in tables {
                let tb = &self.tables[t.index()];
                if !tb.va_free.contains(va, bytes) {
                    return Err(self.va_collision(tb, r));
                }
            }
        }
        // Ranges the allocator picks are taken out of the free sets as they are picked
        // (and given back if a later step fails); fixed and identity ranges are taken
        // at commit.
        let pa_taken = fixed_pa.is_none() && !req.identity;
        let pa = match fixed_pa {
            Some(pa) => pa,
            None if req.identity && fixed_va.is_none() => {
                choice.first_ok(|f| self.choose_identity(tables, req, bytes, align, f))?
            }
            None => choice.first_ok(|f| self.take_pa(req, bytes, align, f))?,
        };
        let va_taken = fixed_va.is_none() && !req.identity;
        let mut vas = Vec::with_capacity(tables.len());
        for &t in tables {
            let va = match fixed_va {
                Some(va) => va,
                None if req.identity => pa,
                None => match self.take_va(t, req, bytes, align) {
                    Ok(va) => va,
                    Err(e) => {
                        // Give back what this request took so far.
                        if pa_taken {
                            self.give_back_pa(pa, bytes);
                        }
                        for &(t, va) in &vas {
                            self.release_va(t, va, bytes);
                        }
                        return Err(e);
                    }
                },
            };
            vas.push((t, va));
        }
        // Commit.
        let id = self.mappings.len() as u32;
        let pool = self
            .pool_of(Interval {
                start: pa,
                last: pa + (bytes - 1),
            })
            .unwrap_or(0);
        let non_secure = self.pools.get(pool).is_some_and(|p| p.non_secure);
        let attrs = MemAttrs {
            non_secure,
            ..req.attrs
        };
        let pa_range = Interval {
            start: pa,
            last: pa + (bytes - 1),
        };
        if !pa_taken {
            let _ = self.pa_free.remove_interval(pa_range);
        }
        // Taken from the free set, so disjoint from everything used.
        self.pa_used.insert(pa_range, PaOwner::Mapping(id));
        let role = if shared { Role::Shared } else { Role::Own };
        let tables = self.commit_vas(id, &vas, va_taken, pa, bytes, req, attrs, role);
        self.index_name(&req.name, id);
        self.mappings.push(Mapping {
            name: req.name.clone(),
            pa,
            size: req.size,
            count: req.count,
            attrs,
            shared,
            alias_of: None,
            tables,
            seg_free: shared.then(|| {
                let mut s = IntervalSet::new();
                let _ = s.insert(0, bytes, ());
                s
            }),
        });
        Ok(MappingId(id))
    }

    #[allow(clippy::too_many_arguments)]
    fn commit_vas(
        &mut self,
        id: u32,
        vas: &[(TableId, u64)],
        va_taken: bool,
        pa: u64,
        bytes: u64,
        req: &PageRequest,
        attrs: MemAttrs,
        role: Role,
    ) -> Vec<(TableId, u64, u32)> {
        let shared = role == Role::Shared;
        let name: Cow<'static, str> = Cow::Owned(req.name.clone());
        let custom: Cow<'static, [Attr]> = Cow::Owned(req.custom.clone());
        let mut out = Vec::with_capacity(vas.len());
        for &(t, va) in vas {
            out.push((t, va, self.pages.len() as u32));
            let tb = &mut self.tables[t.index()];
            let va_range = Interval {
                start: va,
                last: va + (bytes - 1),
            };
            if !va_taken {
                let _ = tb.va_free.remove_interval(va_range);
            }
            // Taken from the free set, so disjoint from everything used.
            tb.va_used.insert(va_range, id);
            if role == Role::Own && matches!(attrs.kind, PageKind::Code | PageKind::Data) {
                // Indexed for segments when the next segment of the table is placed.
                let space = SegSpace {
                    kind: attrs.kind,
                    delta: pa.wrapping_sub(va),
                };
                tb.seg_pending.push((va_range, space));
            }
            for k in 0..req.count {
                let off = u64::from(k) * req.size.bytes();
                let page = Page::new(
                    name.clone(),
                    k,
                    &tb.info,
                    va + off,
                    pa + off,
                    req.size,
                    attrs,
                    shared,
                    custom.clone(),
                );
                tb.pages.push(self.pages.len() as u32);
                self.pages.push(page);
            }
        }
        out
    }

    fn index_name(&mut self, name: &str, id: u32) {
        match self.by_name.get_mut(name) {
            Some(v) => v.push(id),
            None => {
                self.by_name.insert(name.to_string(), alloc::vec![id]);
            }
        }
    }

    /// Maps the PA of an existing mapping again, at a new VA in `table` (an alias), with
    /// the attributes and name of `req` (its size, count and addresses other than `va` are
    /// ignored). Memory type, cacheability and shareability must match the original:
    /// the Arm architecture forbids mismatched aliases.
    pub fn map_alias(
        &mut self,
        table: TableId,
        of: MappingId,
        req: &PageRequest,
    ) -> Result<MappingId, Error> {
        self.table_ref(table)?;
        let orig = self
            .mappings
            .get(of.index())
            .ok_or(Error::Unknown {
                what: "page",
                name: format!("#{}", of.0),
            })?
            .clone();
        let bytes = orig.bytes();
        let align = orig.size.bytes().max(req.align);
        check_align(req.align)?;
        if req.attrs.kind.is_device() && req.attrs.perms.execute() {
            return Err(Error::ExecutableDevice {
                name: req.name.clone(),
            });
        }
        let a = orig.attrs;
        let b = req.attrs;
        let normal_mismatch = !a.kind.is_device() && (a.cache != b.cache || a.share != b.share);
        if a.kind.is_device() != b.kind.is_device() || normal_mismatch {
            return Err(Error::MismatchedAlias {
                range: range(orig.pa, bytes),
                first: a,
                second: b,
                with: orig.name.clone(),
                with_id: Some(of.0),
            });
        }
        let va = match req.va {
            Some(va) => {
                if va % align != 0 {
                    return Err(Error::Misaligned {
                        addr: Addr::Va,
                        value: va,
                        align,
                        name: req.name.clone(),
                    });
                }
                let r = interval(va, bytes, &req.name)?;
                let tb = &self.tables[table.index()];
                if !tb.va_free.contains(va, bytes) {
                    return Err(self.va_collision(tb, r));
                }
                va
            }
            None => self.take_va(table, req, bytes, align)?,
        };
        let va_taken = req.va.is_none();
        let id = self.mappings.len() as u32;
        let attrs = MemAttrs {
            non_secure: a.non_secure,
            ..b
        };
        let inner = PageRequest {
            count: orig.count,
            size: orig.size,
            ..req.clone()
        };
        let tables = self.commit_vas(
            id,
            &[(table, va)],
            va_taken,
            orig.pa,
            bytes,
            &inner,
            attrs,
            Role::Alias,
        );
        self.index_name(&req.name, id);
        self.mappings.push(Mapping {
            name: req.name.clone(),
            pa: orig.pa,
            size: orig.size,
            count: orig.count,
            attrs,
            shared: false,
            alias_of: Some(of.0),
            tables,
            seg_free: None,
        });
        Ok(MappingId(id))
    }

    /// The mapping a page name refers to in a table (its own pages, then shared ones).
    pub fn mapping(&self, table: TableId, name: &str) -> Option<MappingId> {
        let ids = self.by_name.get(name)?;
        let own = ids.iter().find(|&&i| {
            let m = &self.mappings[i as usize];
            !m.shared && m.va_in(table).is_some()
        });
        let any = ids
            .iter()
            .find(|&&i| self.mappings[i as usize].va_in(table).is_some());
        own.or(any).map(|&i| MappingId(i))
    }

    /// The shared mapping with this name.
    pub fn shared_mapping(&self, name: &str) -> Option<MappingId> {
        let ids = self.by_name.get(name)?;
        ids.iter()
            .find(|&&i| self.mappings[i as usize].shared)
            .map(|&i| MappingId(i))
    }

    /// The mapping an alias maps the PA of.
    pub fn alias_of(&self, mapping: MappingId) -> Option<MappingId> {
        self.mappings.get(mapping.index())?.alias_of.map(MappingId)
    }

    /// Reserves `size` bytes of PA (aligned to `align`) for something that is not a page
    /// of any table, such as the translation tables themselves. With `at`, the range is
    /// fixed; otherwise it comes from `pool` or from any RAM pool.
    pub fn reserve(
        &mut self,
        name: &str,
        size: u64,
        align: u64,
        at: Option<u64>,
        pool: Option<&str>,
    ) -> Result<u64, Error> {
        self.reserve_for(name, size, align, at, pool, &[])
    }

    /// Like [`reserve`](Self::reserve), preferring pools of the tables' security state.
    pub(crate) fn reserve_for(
        &mut self,
        name: &str,
        size: u64,
        align: u64,
        at: Option<u64>,
        pool: Option<&str>,
        tables: &[TableId],
    ) -> Result<u64, Error> {
        check_align(align)?;
        let req = PageRequest::new(name, PageKind::System, PageSize::Size4K);
        let req = match pool {
            Some(p) => req.pool(p),
            None => req,
        };
        let choice = self.pool_filter(&req, tables)?;
        let pa = match at {
            Some(pa) => {
                if pa % align != 0 {
                    return Err(Error::Misaligned {
                        addr: Addr::Pa,
                        value: pa,
                        align,
                        name: name.to_string(),
                    });
                }
                let r = interval(pa, size, name)?;
                if !self.pa_free.contains(pa, size) {
                    return Err(self.pa_collision(r));
                }
                pa
            }
            None => {
                if size == 0 {
                    return Err(Error::ZeroSize {
                        what: name.to_string(),
                    });
                }
                choice.first_ok(|f| self.take_pa(&req, size, align, f))?
            }
        };
        let id = self.reservations.len() as u32;
        let r = interval(pa, size, name)?;
        if at.is_some() {
            let _ = self.pa_free.remove_interval(r);
        }
        self.pa_used.insert(r, PaOwner::Reservation(id));
        self.reservations.push((name.to_string(), r));
        Ok(pa)
    }

    /// Places a segment inside mapped pages of `table`.
    pub fn place_segment(
        &mut self,
        table: TableId,
        req: &SegmentRequest,
    ) -> Result<SegmentId, Error> {
        self.table_ref(table)?;
        self.flush_segment_space(table);
        let align = self.seg_validate(req)?;
        let page_kind = req.kind.page_kind();
        let window = match &req.in_page {
            Some(name) => {
                let m = self.mapping(table, name).ok_or(Error::Unknown {
                    what: "page",
                    name: name.clone(),
                })?;
                let m = &self.mappings[m.index()];
                if m.shared {
                    return Err(Error::SharedMismatch {
                        name: req.name.clone(),
                        page: name.clone(),
                        segment_shared: false,
                    });
                }
                if let Some(of) = m.alias_of {
                    return Err(Error::SegmentInAlias {
                        name: req.name.clone(),
                        page: name.clone(),
                        of: self.mappings[of as usize].name.clone(),
                    });
                }
                self.seg_page_check(req, m)?;
                let va = m.va_in(table).unwrap_or(0);
                Interval::new(va, m.bytes())
            }
            None => None,
        };
        let identity = req.identity;
        let crit = move |s: &SegSpace| s.kind == page_kind && (!identity || s.delta == 0);
        let t = &self.tables[table.index()];
        let va = match req.va {
            Some(va) => {
                if va % align != 0 {
                    return Err(Error::Misaligned {
                        addr: Addr::Va,
                        value: va,
                        align,
                        name: req.name.clone(),
                    });
                }
                let r = interval(va, req.size, &req.name)?;
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
                        });
                    }
                    return Err(Error::SegmentNotInPages {
                        name: req.name.clone(),
                        range: range_of(r),
                        kind: page_kind,
                    });
                }
                va
            }
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
                        });
                    }
                    None => {
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
                        return Err(Error::NoRoom {
                            what: format!("{} segment `{}`", req.kind, req.name),
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
                        });
                    }
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
                    kind: page_kind,
                })?;
        let pa = va.wrapping_add(meta.delta);
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
        );
        let idx = self.segments.len() as u32;
        tb.segments.push(idx);
        self.segments.push(seg);
        let gid = self.segment_groups.len() as u32;
        self.segment_groups.push(SegmentGroup {
            name: req.name.clone(),
            entries: alloc::vec![(table, idx)],
        });
        Ok(SegmentId(gid))
    }

    /// Moves the pages mapped since the last segment placement into the segment index.
    fn flush_segment_space(&mut self, table: TableId) {
        let tb = &mut self.tables[table.index()];
        let mut pending = core::mem::take(&mut tb.seg_pending);
        pending.sort_by_key(|(r, _)| r.start);
        for (r, meta) in pending {
            let _ = tb.seg_free.insert_interval(r, meta);
        }
    }

    fn seg_validate(&self, req: &SegmentRequest) -> Result<u64, Error> {
        if req.size == 0 {
            return Err(Error::ZeroSize {
                what: format!("segment `{}`", req.name),
            });
        }
        check_align(req.align)?;
        Ok(req.align.max(req.kind.min_align()))
    }

    fn seg_page_check(&self, req: &SegmentRequest, m: &Mapping) -> Result<(), Error> {
        if m.attrs.kind != req.kind.page_kind() {
            return Err(Error::SegmentKindMismatch {
                segment: req.kind,
                page: m.name.clone(),
                page_kind: m.attrs.kind,
            });
        }
        if req.size > m.bytes() {
            return Err(Error::SegmentTooLarge {
                name: req.name.clone(),
                size: req.size,
                page: m.name.clone(),
                page_bytes: m.bytes(),
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
                what: "shared page",
                name: String::from("(none given: add `in PAGE`)"),
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
                    }
                } else {
                    Error::Unknown {
                        what: "shared page",
                        name: name.clone(),
                    }
                });
            }
        };
        let m = &self.mappings[mid.index()];
        self.seg_page_check(req, m)?;
        if req.identity && m.tables.iter().any(|&(_, va, _)| va != m.pa) {
            return Err(Error::IdentityImpossible {
                name: req.name.clone(),
                size: req.size,
                align,
                table: m.tables.first().map_or(String::new(), |t| {
                    self.tables[t.0.index()].info.name().to_string()
                }),
                largest: None,
            });
        }
        // Offsets must keep the segment aligned in PA and in every VA: the page is aligned
        // to its size, so an offset aligned to `align` (at most the page size) does both.
        let free = m.seg_free.as_ref().ok_or(Error::SharedMismatch {
            name: req.name.clone(),
            page: name.clone(),
            segment_shared: true,
        })?;
        let off = match req.va {
            Some(va) => {
                let base = m.tables.first().map_or(0, |&(_, v, _)| v);
                let off = va.wrapping_sub(base);
                if m.tables.iter().any(|&(_, v, _)| v != base) {
                    return Err(Error::SegmentNotInPages {
                        name: req.name.clone(),
                        range: range(va, req.size),
                        kind: m.attrs.kind,
                    });
                }
                if va % align != 0 {
                    return Err(Error::Misaligned {
                        addr: Addr::Va,
                        value: va,
                        align,
                        name: req.name.clone(),
                    });
                }
                if !free.contains(off, req.size) {
                    return Err(Error::SegmentNotInPages {
                        name: req.name.clone(),
                        range: range(va, req.size),
                        kind: m.attrs.kind,
                    });
                }
                off
            }
            None => {
                let found = match self.rng.as_mut() {
                    Some(rng) => free.find_fit_random(req.size, align, |_| true, rng),
                    None => free.find_fit(req.size, align, |_| true),
                };
                found.ok_or_else(|| Error::NoRoom {
                    what: format!("{} segment `{}`", req.kind, req.name),
                    size: req.size,
                    align,
                    space: Space::SharedPage(name.clone()),
                    largest: free
                        .largest(|_| true)
                        .map(|i| range(m.pa + i.start, (i.size()) as u64)),
                })?
            }
        };
        let m = &mut self.mappings[mid.index()];
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
            );
            let idx = self.segments.len() as u32;
            tb.segments.push(idx);
            self.segments.push(seg);
            entries.push((t, idx));
        }
        let gid = self.segment_groups.len() as u32;
        self.segment_groups.push(SegmentGroup {
            name: req.name.clone(),
            entries,
        });
        Ok(SegmentId(gid))
    }

    /// The name of a segment request.
    pub fn segment_name(&self, segment: SegmentId) -> Option<&str> {
        self.segment_groups
            .get(segment.index())
            .map(|g| g.name.as_str())
    }
}

/// The pools a request may use (one flag per pool): the preferred ones first, if any.
struct PoolChoice {
    preferred: Option<Vec<bool>>,
    all: Vec<bool>,
}

impl PoolChoice {
    /// `f` over the preferred pools, then, if that fails, over all of them.
    fn first_ok<T>(&self, mut f: impl FnMut(&[bool]) -> Result<T, Error>) -> Result<T, Error> {
        if let Some(preferred) = &self.preferred
            && let Ok(v) = f(preferred)
        {
            return Ok(v);
        }
        f(&self.all)
    }
}

fn describe(req: &PageRequest) -> String {
    if req.count == 1 {
        format!("{} {} page `{}`", req.size, req.attrs.kind, req.name)
    } else {
        format!(
            "{} x {} {} pages `{}`",
            req.count, req.size, req.attrs.kind, req.name
        )
    }
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "memory layout ({})",
            match self.seed {
                Some(s) => format!("seed {s:#x}"),
                None => String::from("deterministic"),
            }
        )?;
        for p in &self.pools {
            writeln!(
                f,
                "  physical {:<12} {}{}{}",
                p.name,
                p.range,
                if p.device { "  device" } else { "  ram" },
                if p.non_secure { " non_secure" } else { "" }
            )?;
        }
        for (name, r) in &self.reservations {
            writeln!(f, "  reserved {name:<12} {r}")?;
        }
        for t in self.tables() {
            let info = &self.tables[t.index()].info;
            writeln!(
                f,
                "table {} (core {}, {})",
                info.name(),
                info.core(),
                info.el()
            )?;
            for p in self.pages(t) {
                let mut notes = String::new();
                if p.is_shared() {
                    notes.push_str(" shared");
                }
                if p.is_identity() {
                    notes.push_str(" identity");
                }
                if !p.attrs().is_empty() {
                    notes.push_str(" {");
                    for (i, a) in p.attrs().iter().enumerate() {
                        notes.push_str(&format!(
                            "{}{} = {}",
                            if i > 0 { ", " } else { "" },
                            a.key,
                            a.value
                        ));
                    }
                    notes.push('}');
                }
                let line = format!(
                    "  page    {:<14} VA {:#014x}..{:#014x}  PA {:#014x}  {:>2}  {:<6} {:<3} {:<13} {:<13}{notes}",
                    if p.index() > 0 {
                        format!("{}[{}]", p.name(), p.index())
                    } else {
                        p.name().to_string()
                    },
                    p.va(),
                    p.va_end(),
                    p.pa(),
                    p.page_size().name(),
                    p.kind().name(),
                    p.perms().name(),
                    if p.kind().is_device() {
                        "device"
                    } else {
                        p.cacheability().name()
                    },
                    p.shareability().name(),
                );
                writeln!(f, "{}", line.trim_end())?;
            }
            for s in self.segments(t) {
                writeln!(
                    f,
                    "  segment {:<14} VA {:#014x}..{:#014x}  PA {:#014x}  {:#x} bytes, {}, align {}{}{}",
                    s.name(),
                    s.va(),
                    s.va_end(),
                    s.pa(),
                    s.size(),
                    s.kind(),
                    s.align(),
                    if s.is_shared() { ", shared" } else { "" },
                    if s.is_identity() { ", identity" } else { "" },
                )?;
            }
        }
        Ok(())
    }
}
