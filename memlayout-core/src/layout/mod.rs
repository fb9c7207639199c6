//! [`Layout`]: the physical space, the page tables, and the allocation operations on them.
//!
//! A layout owns one physical address space (made of pools) and any number of page
//! tables, each with its own virtual address space. Pages are mapped into tables (or into
//! several at once, as cross-core pages) and segments are placed inside mapped pages.
//! Placement is deterministic (lowest fitting address) unless the layout has a seed.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use crate::aarch64::{Granule, KeptRun, PageRun, Regime, regs};
use crate::error::{Addr, Error, Field, Party, Range, Space, Thing};
use crate::interval::{Interval, IntervalSet};
use crate::model::{
    Cores, ExecutionContext, MemAttrs, Page, PageKind, PageSize, Perms, Segment, SegmentKind,
    TableInfo,
};
use crate::rng::Rng;
use crate::used::UsedRanges;

mod display;
pub(crate) use display::page_runs;
mod gpt;
mod guard;
mod guest;
mod mapping;
mod processes;
mod requests;
mod segments;
mod vm;

pub use display::MapOf;
pub use gpt::{GPT_RESERVATION, GptPlacement, GptRequest, pool_gpi};
#[cfg(feature = "dsl")]
pub(crate) use requests::space_label_of;
pub use requests::{PageRequest, Pool, PoolRequest, SegmentRequest};

/// The largest number of VA bits of a table's range (a 48-bit, level-0-rooted space).
/// Without an explicit size, a table gets the smallest size that covers its ranges.
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

/// Free space inside mapped pages, for segments: adjacent pages merge only when they have
/// the same kind and the same VA-to-PA offset, that is when they are consecutive in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct SegSpace {
    kind: PageKind,
    perms: Perms,
    delta: u64,
}

#[derive(Clone, Debug)]
struct Table {
    info: TableInfo,
    /// The translation granule (see [`Layout::set_granule`]).
    granule: Granule,
    /// The size of the lower range (TTBR0).
    va_bits: u8,
    /// Whether the table has a lower range: it has lower virtual ranges, or none at all.
    has_lower: bool,
    /// The size of the upper range (TTBR1), when the table has upper virtual ranges.
    upper_bits: Option<u8>,
    virt: Vec<Interval>,
    va_free: IntervalSet<()>,
    va_used: UsedRanges<u32>,
    seg_free: IntervalSet<SegSpace>,
    /// Pages mapped since the last segment placement, not yet in `seg_free`.
    seg_pending: Vec<(Interval, SegSpace)>,
    pages: Vec<u32>,
    /// Its mappings as runs of pages, in mapping order (what
    /// [`Layout::page_runs_in_mapping_order`] lists), kept as they are mapped so that
    /// building the tables reads neither the mappings nor the pages.
    runs: Vec<KeptRun>,
    segments: Vec<u32>,
    /// The pool its translation tables go in, when set with [`Layout::place_tables_in`].
    tables_pool: Option<String>,
    /// Whether its translation tables may sit in non-secure memory (see
    /// [`Layout::allow_non_secure_tables`]).
    non_secure_tables_ok: bool,
    /// Its ASID, when set with [`Layout::set_asid`].
    asid: Option<u16>,
    /// Its VMID, when it is the stage 2 table of a virtual machine
    /// ([`Layout::add_vm`]).
    vmid: Option<u16>,
    /// Its VM, when it is a guest's stage 1 table ([`Layout::add_guest_table`]).
    guest_of: Option<TableId>,
    /// Of a VM: the IPA its pages map and no guest page or guest translation table
    /// takes yet, by what the stage 2 pages there allow.
    guest_free: IntervalSet<guest::GuestSpace>,
    /// Of a VM: the IPA its guests' pages and translation tables take.
    ipa_used: UsedRanges<guest::IpaOwner>,
    /// Of a guest table: the IPA and PA of its translation tables, once built.
    guest_tables: Option<(u64, u64)>,
    /// The kernel it runs under, when set with [`Layout::put_under`].
    kernel: Option<TableId>,
    /// The guard gaps of its guarded mappings (see `guard`).
    guards: Vec<guard::Gap>,
    /// Ranges taken with [`Layout::hold_va`] and not given back: fixed VAs of pages to
    /// come, which no guard gap may cover.
    held: Vec<Interval>,
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
    /// Whether it was requested at VA == PA (`identity`): its pages and the segments in
    /// them are identity pages and segments.
    identity: bool,
    /// Whether its VA and its PA were fixed by the request (`va`, `pa`, or both by
    /// `identity` with one of them), for "no room" errors that name fixed declarations.
    fixed: (bool, bool),
    /// The tables it is mapped into, with its VA in each and the index of its first page
    /// there (its pages follow in order).
    tables: Vec<(TableId, u64, u32)>,
    /// Free offsets inside a shared mapping, for shared segments.
    seg_free: Option<IntervalSet<()>>,
    /// The VA kept unmapped below and above it in each of its tables, in bytes (0: none).
    guard: u64,
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
    /// The index in `reservations` of the range reserved for the translation tables.
    tables_range: Option<usize>,
    /// The index in `reservations` of the granule protection table's range.
    gpt_range: Option<usize>,
    /// Whether any pool is `non_secure`, `realm` or `root` (set by `add_pool`).
    models_security: bool,
    /// Whether any pool is `realm` or `root` (set by `add_pool`).
    models_rme: bool,
    by_name: BTreeMap<String, Vec<u32>>,
}

impl Default for Layout {
    fn default() -> Self {
        Self::new()
    }
}

fn range_of(i: Interval) -> Range {
    Range {
        start: i.start(),
        end: i.last().wrapping_add(1),
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

/// `value` (the `field` of request `name`) aligned to `align`.
fn check_aligned(
    addr: Addr,
    value: u64,
    align: u64,
    name: &str,
    field: Field,
) -> Result<(), Error> {
    if value.is_multiple_of(align) {
        return Ok(());
    }
    Err(Error::Misaligned {
        addr,
        value,
        align,
        name: name.to_string(),
        field,
    })
}

/// `start .. start + size`, given by the `field` of a request (`what`, in words).
fn interval(start: u64, size: u64, what: &str, field: Field) -> Result<Interval, Error> {
    if size == 0 {
        return Err(Error::ZeroSize {
            what: what.to_string(),
            field,
        });
    }
    Interval::new(start, size).ok_or(Error::Wraps { start, size, field })
}

/// `i` (the `field` of a request) below the `bits`-bit limit of its space, set by `other`.
fn limit_check(
    addr: Addr,
    i: Interval,
    bits: u8,
    field: Field,
    other: Option<Party>,
) -> Result<(), Error> {
    if bits < 64 && i.last() >> bits != 0 {
        return Err(Error::BeyondLimit {
            addr,
            range: range_of(i),
            bits,
            field,
            other,
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
            tables_range: None,
            gpt_range: None,
            models_security: false,
            models_rme: false,
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

    /// The smallest PA size the translation registers can encode (32, 36, 40, 42, 44,
    /// 48 or 52 bits) that covers every pool.
    pub fn covering_pa_bits(&self) -> u8 {
        let top = self.pools.iter().map(|p| p.range.last()).max().unwrap_or(0);
        regs::PA_BITS
            .into_iter()
            .find(|&b| top >> b == 0)
            .unwrap_or(52)
    }

    /// Sets the number of PA bits (32, 36, 40, 42, 44, 48 or 52, the sizes TCR.PS/IPS
    /// encode; 52 gives every table the 52-bit descriptor format,
    /// [`Format::for_sizes`](crate::aarch64::Format::for_sizes)); every pool must lie
    /// below `2^bits`, and every virtual machine's IPA size at most `bits`
    /// ([`Error::IpaBeyondPa`]).
    pub fn set_pa_bits(&mut self, bits: u8) -> Result<(), Error> {
        if !regs::PA_BITS.contains(&bits) {
            return Err(Error::UnsupportedBits {
                addr: Addr::Pa,
                bits,
                field: Field::PaBits,
            });
        }
        for (i, p) in self.pools.iter().enumerate() {
            limit_check(
                Addr::Pa,
                p.range,
                bits,
                Field::PaBits,
                Some(Party::Pool(i as u32)),
            )?;
        }
        self.check_vms_within(bits)?;
        self.pa_bits = bits;
        self.pa_bits_declared = true;
        Ok(())
    }

    /// Adds a physical pool. Pools must not overlap each other.
    pub fn add_pool(&mut self, req: PoolRequest) -> Result<usize, Error> {
        let r = interval(
            req.start,
            req.size,
            &format!("pool `{}`", req.name),
            Field::Range,
        )?;
        self.pa_limit(r, Field::Range)?;
        if let Some(first) = self.pools.iter().position(|p| p.name == req.name) {
            return Err(Error::Duplicate {
                what: Thing::Pool,
                name: req.name,
                other: Some(Party::Pool(first as u32)),
            });
        }
        if let Some(i) = self.pools.iter().position(|p| p.range.overlaps(&r)) {
            return Err(Error::PoolOverlap {
                name: req.name,
                with: self.pools[i].name.clone(),
                other: Party::Pool(i as u32),
            });
        }
        if let Some((first, second)) = req.conflicting_spaces() {
            return Err(Error::PoolSpaces {
                name: req.name,
                first,
                second,
            });
        }
        let id = self.pools.len() as u32;
        // Disjoint from every pool, so from the free PA.
        let _ = self.pa_free.insert_interval(r, id);
        self.models_security |= req.non_secure || req.realm || req.root;
        self.models_rme |= req.realm || req.root;
        self.pools.push(Pool {
            name: req.name,
            range: r,
            device: req.device,
            non_secure: req.non_secure,
            secure: req.secure,
            realm: req.realm,
            root: req.root,
        });
        Ok(id as usize)
    }

    /// The pools in creation order.
    pub fn pools(&self) -> &[Pool] {
        &self.pools
    }

    /// Adds a page table with its virtual ranges (start, size). The name must be new.
    ///
    /// Ranges below 2^48 are lower ranges (TTBR0). In an EL1 or EL0 table, ranges whose
    /// bits from 48 up are all ones (from `0xFFFF_0000_0000_0000`) are upper ranges
    /// (TTBR1). Each range gets the smallest VA size (25 to 48 bits) that covers its
    /// ranges, so the tables and every walk are as short as the architecture allows.
    pub fn add_table(
        &mut self,
        name: impl Into<String>,
        core: u32,
        el: ExecutionContext,
        virt: &[(u64, u64)],
    ) -> Result<TableId, Error> {
        self.add_table_sized(name, Cores::one(core), el, virt, None, None)
    }

    /// Adds a page table whose lower range has `va_bits` bits (25 to 52, at least what
    /// its lower ranges need) instead of the smallest size.
    pub fn add_table_with_bits(
        &mut self,
        name: impl Into<String>,
        core: u32,
        el: ExecutionContext,
        virt: &[(u64, u64)],
        va_bits: u8,
    ) -> Result<TableId, Error> {
        self.add_table_sized(name, Cores::one(core), el, virt, Some(va_bits), None)
    }

    /// Adds one page table used by several cores (as a secure monitor's single table for
    /// every core), whose lower range has `va_bits` bits (25 to 52).
    ///
    /// A core has one translation table base register at EL3, and one at EL2 per
    /// security state: a second EL3 table for a core, or a second EL2 table of the same
    /// security state, is [`Error::RegimeTaken`]. EL1 and EL0 tables are not limited: the
    /// address spaces of processes or guests are switched at run time.
    pub fn add_table_for_cores(
        &mut self,
        name: impl Into<String>,
        cores: Cores,
        el: ExecutionContext,
        virt: &[(u64, u64)],
        va_bits: u8,
    ) -> Result<TableId, Error> {
        self.add_table_sized(name, cores, el, virt, Some(va_bits), None)
    }

    /// Adds a page table for `cores` with explicit VA sizes for its lower range
    /// (`lower_bits`) and upper range (`upper_bits`); `None` picks the smallest size that
    /// covers the table's ranges (see [`add_table`](Self::add_table)).
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedBits`] for a size outside 25 to 52 (a range past 2^48 needs an
    /// explicit size over 48 bits, which turns on the 52-bit format), [`Error::VaBitsTooSmall`]
    /// for a size that does not cover the ranges, [`Error::VaRangeNotTranslated`] for a
    /// range that is neither lower nor upper (any upper range in an EL3 or EL2 table),
    /// [`Error::RegimeTaken`] as for [`add_table_for_cores`](Self::add_table_for_cores),
    /// and the range errors of the pools ([`Error::Wraps`], [`Error::Overlap`], ...).
    /// An upper size is ignored when the table has no upper range.
    pub fn add_table_sized(
        &mut self,
        name: impl Into<String>,
        cores: Cores,
        el: ExecutionContext,
        virt: &[(u64, u64)],
        lower_bits: Option<u8>,
        upper_bits: Option<u8>,
    ) -> Result<TableId, Error> {
        let name = name.into();
        self.check_new_table(&name, cores, el, lower_bits, upper_bits)?;
        let mut va_free = if self.rng.is_some() {
            IntervalSet::without_fit_index()
        } else {
            IntervalSet::new()
        };
        let two_ranges = !Regime::of(el).is_single_privilege();
        // Ranges reach past 2^48 only in a range declared over 48 bits (52-bit VAs).
        let max = |bits: Option<u8>| match bits {
            Some(b) if b > 48 => regs::VA_BITS_MAX,
            _ => 48,
        };
        let (max_lower, max_upper) = (max(lower_bits), max(upper_bits));
        let mut ranges = Vec::new();
        // The range needing the largest size, with that size, per side.
        let mut lower_need: Option<(u8, Interval, usize)> = None;
        let mut upper_need: Option<(u8, Interval, usize)> = None;
        for (k, &(start, size)) in virt.iter().enumerate() {
            let field = Field::VirtualRange(k as u32);
            let r = interval(
                start,
                size,
                &format!("a virtual range of table `{name}`"),
                field,
            )?;
            let (side, needed) = if r.start() >> 63 == 0 {
                (
                    &mut lower_need,
                    regs::lower_va_bits_within(r.last(), max_lower),
                )
            } else if two_ranges {
                (
                    &mut upper_need,
                    regs::upper_va_bits_within(r.start(), max_upper),
                )
            } else {
                (&mut lower_need, None)
            };
            let Some(needed) = needed else {
                return Err(Error::VaRangeNotTranslated {
                    table: name,
                    range: range_of(r),
                    has_upper: two_ranges,
                    field,
                });
            };
            if side.is_none_or(|(n, _, _)| needed > n) {
                *side = Some((needed, r, k));
            }
            if let Err(e) = va_free.insert_interval(r, ()) {
                let with = match e {
                    crate::interval::IntervalError::Overlaps(o) => format!("virtual range {o}"),
                    _ => String::from("another virtual range"),
                };
                let first = ranges.iter().position(|o: &Interval| o.overlaps(&r));
                return Err(Error::Overlap {
                    space: Space::Virtual(name),
                    range: range_of(r),
                    with,
                    field,
                    other: Party::VirtualRange(first.unwrap_or(k) as u32),
                });
            }
            ranges.push(r);
        }
        let size = |asked: Option<u8>, need: Option<(u8, Interval, usize)>, upper: bool| match (
            asked, need,
        ) {
            (Some(bits), Some((needed, r, k))) if bits < needed => Err(Error::VaBitsTooSmall {
                table: name.clone(),
                upper,
                bits,
                range: range_of(r),
                needed,
                other: Party::VirtualRange(k as u32),
            }),
            (Some(bits), _) => Ok(bits),
            (None, Some((needed, _, _))) => Ok(needed),
            (None, None) => Ok(regs::VA_BITS_MIN),
        };
        let va_bits = size(lower_bits, lower_need, false)?;
        let upper = match upper_need {
            Some(_) => Some(size(upper_bits, upper_need, true)?),
            None => None,
        };
        let id = TableId(self.tables.len() as u32);
        self.tables.push(Table {
            info: TableInfo::with_name_cores(name, cores, el),
            granule: Granule::Size4K,
            va_bits,
            has_lower: lower_need.is_some() || upper.is_none(),
            upper_bits: upper,
            virt: ranges,
            va_free,
            va_used: UsedRanges::default(),
            seg_free: IntervalSet::new(),
            seg_pending: Vec::new(),
            pages: Vec::new(),
            runs: Vec::new(),
            segments: Vec::new(),
            tables_pool: None,
            non_secure_tables_ok: false,
            asid: None,
            vmid: None,
            guest_of: None,
            guest_free: IntervalSet::new(),
            ipa_used: UsedRanges::default(),
            guest_tables: None,
            kernel: None,
            guards: Vec::new(),
            held: Vec::new(),
        });
        Ok(id)
    }

    /// The rules for a new table before its ranges: supported VA sizes, a new name, and
    /// one table per core in a regime with one translation table base register.
    fn check_new_table(
        &self,
        name: &str,
        cores: Cores,
        el: ExecutionContext,
        lower_bits: Option<u8>,
        upper_bits: Option<u8>,
    ) -> Result<(), Error> {
        for (bits, field) in [
            (lower_bits, Field::VaBits),
            (upper_bits, Field::UpperVaBits),
        ] {
            if let Some(bits) = bits
                && !regs::va_bits_supported(bits)
            {
                return Err(Error::UnsupportedBits {
                    addr: Addr::Va,
                    bits,
                    field,
                });
            }
        }
        if let Some(first) = self.table(name) {
            return Err(Error::Duplicate {
                what: Thing::Table,
                name: name.to_string(),
                other: Some(Party::Table(first)),
            });
        }
        if el.has_one_table_per_core()
            && let Some((first, core)) = self
                .tables
                .iter()
                .enumerate()
                .filter(|(_, t)| t.info.el() == el)
                .find_map(|(i, t)| Some((i, t.info.cores().first_shared(cores)?)))
        {
            return Err(Error::RegimeTaken {
                table: name.to_string(),
                core,
                el,
                first: self.tables[first].info.name().to_string(),
                other: Some(Party::Table(TableId(first as u32))),
            });
        }
        Ok(())
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

    /// The tables one core uses (its own, and those it shares with other cores), in
    /// creation order.
    pub fn tables_of_core(&self, core: u32) -> Vec<TableId> {
        self.tables()
            .filter(|&t| self.tables[t.index()].info.cores().contains(core))
            .collect()
    }

    /// Name, core and exception level of a table.
    pub fn table_info(&self, table: TableId) -> Option<&TableInfo> {
        self.tables.get(table.index()).map(|t| &t.info)
    }

    /// Sets the translation granule of a table (4 KiB when not set): its tables are
    /// built with it, its pages must have the granule's sizes
    /// ([`Format::page_leaves`](crate::aarch64::Format::page_leaves)), their guards
    /// must be multiples of it, and its translation tables are reserved as granule-sized
    /// tables aligned to the granule.
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for an unknown table, [`Error::GranuleAfterPages`] when pages
    /// or segments are already in the table, [`Error::RangeNotGranuleAligned`] for a
    /// virtual range of the table that does not start and end on the granule.
    pub fn set_granule(&mut self, table: TableId, granule: Granule) -> Result<(), Error> {
        self.table_ref(table)?;
        let t = &self.tables[table.index()];
        let name = t.info.name().to_string();
        if !t.pages.is_empty() || !t.segments.is_empty() {
            return Err(Error::GranuleAfterPages { table: name });
        }
        let align = granule.bytes();
        for (k, r) in t.virt.iter().enumerate() {
            let end = u128::from(r.start()) + r.size();
            if !r.start().is_multiple_of(align) || end % u128::from(align) != 0 {
                return Err(Error::RangeNotGranuleAligned {
                    table: name,
                    range: range_of(*r),
                    granule,
                    field: Field::VirtualRange(k as u32),
                });
            }
        }
        self.tables[table.index()].granule = granule;
        Ok(())
    }

    /// The translation granule of a table.
    pub fn granule(&self, table: TableId) -> Option<Granule> {
        self.tables.get(table.index()).map(|t| t.granule)
    }

    /// The VA size of a table's lower range (TTBR0), in bits.
    pub fn va_bits(&self, table: TableId) -> Option<u8> {
        self.tables.get(table.index()).map(|t| t.va_bits)
    }

    /// The VA size of a table's upper range (TTBR1), in bits; `None` when the table has
    /// no upper range.
    pub fn upper_va_bits(&self, table: TableId) -> Option<u8> {
        self.tables.get(table.index())?.upper_bits
    }

    /// Whether a table has a lower range (TTBR0): it has lower virtual ranges, or no
    /// virtual range at all. A table with only upper ranges has none (`TCR_EL1.EPD0`).
    pub fn has_lower_range(&self, table: TableId) -> bool {
        self.tables.get(table.index()).is_some_and(|t| t.has_lower)
    }

    /// The virtual ranges of a table.
    pub fn virtual_ranges(&self, table: TableId) -> &[Interval] {
        self.tables.get(table.index()).map_or(&[], |t| &t.virt)
    }

    fn table_ref(&self, table: TableId) -> Result<&Table, Error> {
        self.tables
            .get(table.index())
            .ok_or_else(|| Error::Unknown {
                what: Thing::Table,
                name: format!("#{}", table.0),
                field: Field::Tables,
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

    /// The pages of a table as runs, one per mapping in the table, in VA order (as
    /// [`pages`](Self::pages) lists the pages): the pages of a mapping there follow
    /// each other in VA and PA with one size and set of attributes.
    /// [`aarch64::build_runs`](crate::aarch64::build_runs) builds them at a cost that
    /// grows with the runs, where [`pages`](Self::pages) lists every page. Empty for a
    /// table that does not exist.
    pub fn page_runs(&self, table: TableId) -> Vec<PageRun<'_>> {
        let mut runs = self.page_runs_in_mapping_order(table);
        // A table's mappings are disjoint in VA, so no two runs start at one VA.
        if !runs.is_sorted_by_key(|r| r.va()) {
            runs.sort_unstable_by_key(|r| r.va());
        }
        runs
    }

    /// The runs of [`page_runs`](Self::page_runs) in mapping order (the order of their
    /// pages in memory), for the table builder, which sorts its runs itself: each
    /// mapping's first page in the table and its page count.
    pub(crate) fn page_runs_in_mapping_order(&self, table: TableId) -> Vec<PageRun<'_>> {
        self.tables.get(table.index()).map_or(Vec::new(), |t| {
            t.runs.iter().filter_map(|r| r.run(&self.pages)).collect()
        })
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
    /// `name` is the page the range is held for, for errors.
    pub(crate) fn hold_va(
        &mut self,
        table: TableId,
        va: u64,
        size: u64,
        name: &str,
    ) -> Result<(), Error> {
        let r = interval(va, size, name, Field::Va)?;
        let t = self.table_ref(table)?;
        if !t.va_free.contains(va, size) {
            return Err(self.va_collision(t, r, name, Field::Va));
        }
        let t = &mut self.tables[table.index()];
        let _ = t.va_free.remove_interval(r);
        t.held.push(r);
        Ok(())
    }

    /// Takes `pa .. pa + size` out of the free physical space without mapping it, so
    /// automatic placement cannot pick it; `None` (and nothing taken) unless all of it
    /// is free. Give it back with [`release_pa`](Self::release_pa).
    pub(crate) fn hold_pa(&mut self, pa: u64, size: u64) -> Option<Vec<(Interval, u32)>> {
        let r = Interval::new(pa, size)?;
        if !self.pa_free.contains(pa, size) {
            return None;
        }
        self.pa_free.remove_interval(r).ok()
    }

    /// Gives back the pieces taken by [`hold_pa`](Self::hold_pa), each with its pool.
    pub(crate) fn release_pa(&mut self, pieces: Vec<(Interval, u32)>) {
        for (r, pool) in pieces {
            let _ = self.pa_free.insert_interval(r, pool);
        }
    }

    /// Gives back a range taken by [`hold_va`](Self::hold_va).
    pub(crate) fn release_va(&mut self, table: TableId, va: u64, size: u64) {
        if let (Some(r), Some(t)) = (Interval::new(va, size), self.tables.get_mut(table.index())) {
            let _ = t.va_free.insert_interval(r, ());
            if let Some(k) = t.held.iter().position(|h| *h == r) {
                t.held.swap_remove(k);
            }
            if !t.guards.is_empty() {
                self.keep_gaps_unmapped(table);
            }
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

    /// Translates a VA through a table's pages: to a PA, or for a guest table
    /// ([`add_guest_table`](Self::add_guest_table)) to an IPA of its VM (translate that
    /// through the VM for the PA).
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

    /// Every page of every table.
    pub fn all_pages(&self) -> &[Page] {
        &self.pages
    }

    /// The PA range reserved with [`reserve_tables_range`](Self::reserve_tables_range).
    pub(crate) fn tables_range(&self) -> Option<Interval> {
        let i = self.tables_range?;
        self.reservations.get(i).map(|(_, r)| *r)
    }

    /// The pool the translation tables of `table` go in, when set with
    /// [`place_tables_in`](Self::place_tables_in).
    pub fn tables_pool(&self, table: TableId) -> Option<&str> {
        self.tables.get(table.index())?.tables_pool.as_deref()
    }

    /// Allows the translation tables of `table`, a table of a secure context, to sit in
    /// non-secure memory. Once the layout models security (any pool `non_secure`), the
    /// translation tables of a secure table otherwise go only in secure pools: a
    /// non-secure pool given with [`place_tables_in`](Self::place_tables_in) or
    /// [`TablePlacement::InPool`](crate::tables::TablePlacement::InPool), or a
    /// [`reserve_tables_range`](Self::reserve_tables_range) range in one, is
    /// [`Error::NonSecureForSecure`], and no room in the secure pools is a no-room error
    /// that names the non-secure pools it refused. Call it before placing the tables;
    /// it is the language's `non_secure_ok` on `tables in`/`tables at`, for a loader
    /// that cannot write secure memory, knowing the normal world could rewrite them.
    /// It lets a Realm table, or an EL3 table in Root state, put its tables in
    /// non-secure pools the same way (never in another space: a secure pool stays an
    /// error for those, [`Error::UntrustedPa`]).
    ///
    /// # Errors
    ///
    /// [`Error::Unknown`] for a table that does not exist.
    pub fn allow_non_secure_tables(&mut self, table: TableId) -> Result<(), Error> {
        match self.tables.get_mut(table.index()) {
            Some(t) => {
                t.non_secure_tables_ok = true;
                Ok(())
            }
            None => Err(Error::Unknown {
                what: Thing::Table,
                name: format!("#{}", table.index()),
                field: Field::Name,
            }),
        }
    }

    /// Whether the translation tables of `table` may sit in non-secure memory (see
    /// [`allow_non_secure_tables`](Self::allow_non_secure_tables)).
    pub fn non_secure_tables_ok(&self, table: TableId) -> bool {
        self.tables
            .get(table.index())
            .is_some_and(|t| t.non_secure_tables_ok)
    }

    /// Sets the pool of the translation tables of one table.
    pub(crate) fn set_tables_pool(&mut self, table: TableId, pool: &str) {
        if let Some(t) = self.tables.get_mut(table.index()) {
            t.tables_pool = Some(pool.to_string());
        }
    }

    /// Marks the last reservation as the range of the translation tables.
    pub(crate) fn mark_tables_range(&mut self) {
        self.tables_range = self.reservations.len().checked_sub(1);
    }

    /// PA ranges reserved with [`reserve`](Self::reserve), with their names.
    pub fn reservations(&self) -> &[(String, Interval)] {
        &self.reservations
    }

    /// The name of the owner of a PA range, and what it is.
    fn owner(&self, owner: PaOwner) -> (String, Party) {
        match owner {
            PaOwner::Mapping(m) => (
                self.mappings[m as usize].name.clone(),
                Party::Mapping(MappingId(m)),
            ),
            PaOwner::Reservation(r) => {
                let r = r as usize;
                let party = if self.tables_range == Some(r) {
                    Party::TranslationTables
                } else if self.gpt_range == Some(r) {
                    Party::Gpt
                } else {
                    Party::Reservation(r as u32)
                };
                (self.reservations[r].0.clone(), party)
            }
        }
    }

    /// `i` (the `field` of a request) below the PA limit.
    fn pa_limit(&self, i: Interval, field: Field) -> Result<(), Error> {
        let other = self.pa_bits_declared.then_some(Party::PaBits);
        limit_check(Addr::Pa, i, self.pa_bits, field, other)
    }

    /// Why the fixed PA range `r` (the `field` of a request) is not free.
    fn pa_collision(&self, r: Interval, field: Field) -> Error {
        match self.pa_used.first_overlap(&r) {
            Some((_, &owner)) => {
                let (with, other) = self.owner(owner);
                Error::Overlap {
                    space: Space::Physical,
                    range: range_of(r),
                    with,
                    field,
                    other,
                }
            }
            None => Error::OutsidePools {
                addr: Addr::Pa,
                range: range_of(r),
                space: Space::Physical,
                field,
            },
        }
    }

    /// Why the fixed VA range `r` (the `field` of request `name`) is not free in `t`.
    fn va_collision(&self, t: &Table, r: Interval, name: &str, field: Field) -> Error {
        // Past the largest lower range the table can have (48 bits, or its own size over
        // 48 in the 52-bit format); anything else outside the table's ranges (an upper VA
        // too) is simply outside every declared range.
        if r.start() >> 63 == 0
            && let Err(e) = limit_check(Addr::Va, r, t.va_bits.max(48), field, None)
        {
            return e;
        }
        match t.va_used.first_overlap(&r) {
            Some((_, &m)) => Error::Overlap {
                space: Space::Virtual(t.info.name().to_string()),
                range: range_of(r),
                with: self.mappings[m as usize].name.clone(),
                field,
                other: Party::Mapping(MappingId(m)),
            },
            None => match self.in_guard_gap(t, r, name, field) {
                Some(e) => e,
                None => Error::OutsidePools {
                    addr: Addr::Va,
                    range: range_of(r),
                    space: Space::Virtual(t.info.name().to_string()),
                    field,
                },
            },
        }
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

    /// The name of a mapping (the name of its page request).
    pub fn mapping_name(&self, mapping: MappingId) -> Option<&str> {
        self.mappings.get(mapping.index()).map(|m| m.name.as_str())
    }

    /// The mapping an alias maps the PA of.
    pub fn alias_of(&self, mapping: MappingId) -> Option<MappingId> {
        self.mappings.get(mapping.index())?.alias_of.map(MappingId)
    }
}
