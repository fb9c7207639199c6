//! Table building: pages to leaf mappings, block merging, table layout and the image.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;

use super::Regime;
use super::descriptor::{
    AF, AP1_EL0, AP2_READ_ONLY, CONTIGUOUS, Descriptor, ENTRIES_PER_TABLE, LEAF_LEVEL, NG, NS, PXN,
    SH_INNER, SH_NON_SHAREABLE, SH_OUTER, TABLE_BYTES, UXN, XN, level_index, level_shift,
    level_size, root_level,
};
use super::error::{BuildError, PageRef, TableRef};
use super::mair::MemoryType;
use super::regs::{self, Registers};
use super::walk::{Walk, WalkFault};
use crate::model::{
    ExecutionContext, MemAttrs, Page, PageKind, PageSize, SecurityState, Shareability, TableInfo,
};

/// Entries of one contiguous-hint run: 16 with the 4 KiB granule at levels 2 and 3
/// (DDI 0487 D8.3.1.2, "The Contiguous bit").
pub const CONTIGUOUS_ENTRIES: u64 = 16;

/// Which Device memory type `device` pages get.
///
/// Not exhaustive: the other Device types (Device-nGRE, Device-GRE) may join it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DeviceMemory {
    /// Device-nGnRnE: not even early write acknowledgement; for registers whose writes
    /// must complete at the device before the next access.
    NGnRnE,
    /// Device-nGnRE (the default): the usual type for memory-mapped I/O.
    #[default]
    NGnRE,
}

impl DeviceMemory {
    /// The memory type (and so the MAIR index) this choice selects.
    pub const fn memory_type(self) -> MemoryType {
        match self {
            DeviceMemory::NGnRnE => MemoryType::DeviceNGnRnE,
            DeviceMemory::NGnRE => MemoryType::DeviceNGnRE,
        }
    }
}

/// How to build a table: address sizes and options.
///
/// Not exhaustive (options such as the granule may join it): start from
/// [`new`](Self::new) (or [`DEFAULT`](Self::DEFAULT)) and chain the `with_*` setters,
/// which work in `const` context; the fields can be read and assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TableConfig {
    /// The VA size of the lower range: TTBR0 translates `0 .. 2^va_bits`. 25 to 48;
    /// default 48.
    pub va_bits: u8,
    /// Whether the table has a lower range (TTBR0); default true. Without one,
    /// `TCR_EL1.EPD0` is set, no lower tables are built and `TTBR0` is 0; the table then
    /// needs an upper range.
    pub lower: bool,
    /// The VA size of the upper range, when the table has one (EL1&0 tables only):
    /// TTBR1 translates `2^64 - 2^bits .. 2^64`. 25 to 48; default `None` (no upper
    /// range: `TCR_EL1.EPD1` is set).
    pub upper_va_bits: Option<u8>,
    /// The PA size: output addresses must lie below `2^pa_bits`. One of 32, 36, 40, 42,
    /// 44 or 48; default 40.
    pub pa_bits: u8,
    /// Whether to enable `SCTLR_ELx.WXN` (writable memory is execute-never); default
    /// false. With it, a writable and executable page is an error.
    pub wxn: bool,
    /// The memory type of `device` pages; default Device-nGnRE.
    pub device: DeviceMemory,
    /// Whether to set the Contiguous hint on runs of 16 suitable entries; default true.
    pub contiguous_hint: bool,
}

impl TableConfig {
    /// The defaults: a 48-bit lower VA range and no upper one, 40-bit PA, no WXN,
    /// Device-nGnRE, Contiguous hints on.
    pub const DEFAULT: TableConfig = TableConfig {
        va_bits: 48,
        lower: true,
        upper_va_bits: None,
        pa_bits: 40,
        wxn: false,
        device: DeviceMemory::NGnRE,
        contiguous_hint: true,
    };

    /// The defaults (see [`DEFAULT`](Self::DEFAULT)).
    pub const fn new() -> TableConfig {
        Self::DEFAULT
    }

    /// With another VA size.
    pub const fn with_va_bits(mut self, va_bits: u8) -> TableConfig {
        self.va_bits = va_bits;
        self
    }

    /// With an upper VA range of `bits` bits (`Some`), or without one (`None`).
    pub const fn with_upper_va_bits(mut self, bits: Option<u8>) -> TableConfig {
        self.upper_va_bits = bits;
        self
    }

    /// With or without a lower VA range.
    pub const fn with_lower(mut self, lower: bool) -> TableConfig {
        self.lower = lower;
        self
    }

    /// With another PA size.
    pub const fn with_pa_bits(mut self, pa_bits: u8) -> TableConfig {
        self.pa_bits = pa_bits;
        self
    }

    /// With WXN on or off.
    pub const fn with_wxn(mut self, wxn: bool) -> TableConfig {
        self.wxn = wxn;
        self
    }

    /// With another Device memory type.
    pub const fn with_device(mut self, device: DeviceMemory) -> TableConfig {
        self.device = device;
        self
    }

    /// With Contiguous hints on or off.
    pub const fn with_contiguous_hint(mut self, on: bool) -> TableConfig {
        self.contiguous_hint = on;
        self
    }

    /// Checks the address sizes, and that there is a lower or an upper range.
    pub fn validate(&self) -> Result<(), BuildError> {
        for va_bits in [Some(self.va_bits), self.upper_va_bits]
            .into_iter()
            .flatten()
        {
            if !regs::va_bits_supported(va_bits) {
                return Err(BuildError::VaBits { va_bits });
            }
        }
        if !self.lower && self.upper_va_bits.is_none() {
            return Err(BuildError::NoVaRange);
        }
        if regs::ps_encoding(self.pa_bits).is_none() {
            return Err(BuildError::PaBits {
                pa_bits: self.pa_bits,
            });
        }
        Ok(())
    }
}

impl Default for TableConfig {
    fn default() -> TableConfig {
        Self::DEFAULT
    }
}

/// The attribute bits of a leaf descriptor for a page of a table of context `el`: every
/// field except the valid and type bits and the output address (see the
/// [module documentation](super) for the rules).
pub const fn page_attributes(
    el: ExecutionContext,
    attrs: MemAttrs,
    config: &TableConfig,
) -> Descriptor {
    let (mem, executable_kind) = match attrs.kind {
        PageKind::Device => (config.device.memory_type(), false),
        PageKind::System => (MemoryType::NormalWriteBack, false),
        PageKind::Code | PageKind::Data => (MemoryType::normal(attrs.cache), true),
    };
    let sh = if mem.is_device() {
        SH_OUTER
    } else {
        match attrs.share {
            Shareability::NonShareable => SH_NON_SHAREABLE,
            Shareability::Outer => SH_OUTER,
            Shareability::Inner => SH_INNER,
        }
    };
    let execute = executable_kind && attrs.perms.execute();
    let mut bits = AF;
    if !attrs.perms.write() {
        bits |= AP2_READ_ONLY;
    }
    match Regime::of(el) {
        Regime::El2 | Regime::El3 => {
            // AP[1] is RES1 in a regime with one privilege level.
            bits |= AP1_EL0;
            if !execute {
                bits |= XN;
            }
        }
        Regime::El10 => {
            if el.is_user() {
                bits |= AP1_EL0 | NG | PXN;
                if !execute {
                    bits |= UXN;
                }
            } else {
                bits |= UXN;
                if !execute {
                    bits |= PXN;
                }
            }
        }
    }
    if attrs.non_secure && matches!(el.security(), SecurityState::Secure) {
        bits |= NS;
    }
    Descriptor::from_bits(bits)
        .with_attr_index(mem.index())
        .with_sh(sh)
}

/// One leaf mapping: a block or page descriptor to be written at `level` for `va`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Leaf {
    va: u64,
    pa: u64,
    level: u8,
    /// Attribute bits (see [`Descriptor::attributes`]).
    attrs: u64,
    /// The input page it came from (the first one, after merging).
    page: usize,
}

impl Leaf {
    fn size(&self) -> u64 {
        level_size(self.level)
    }
}

/// The leaves of one range (lower or upper), merged and hinted, with the table count
/// they need. Upper-range leaves hold their VA relative to the range's start (the VA
/// with the all-ones bits above the range cleared), which is what indexes the tables.
struct Tree {
    va_bits: u8,
    root_level: u8,
    leaves: Vec<Leaf>,
    tables: usize,
}

/// The trees of a table: lower (TTBR0) and upper (TTBR1), each present when the table
/// has that range.
struct Plan {
    lower: Option<Tree>,
    upper: Option<Tree>,
}

impl Plan {
    fn tables(&self) -> usize {
        self.lower.as_ref().map_or(0, |t| t.tables) + self.upper.as_ref().map_or(0, |t| t.tables)
    }
}

fn page_level(size: PageSize) -> u8 {
    match size {
        PageSize::Size4K => 3,
        PageSize::Size2M => 2,
        PageSize::Size1G => 1,
    }
}

/// Checks the pages and turns them into the final leaf lists, one per range.
fn plan(
    el: ExecutionContext,
    table: &TableRef,
    pages: &[&Page],
    config: &TableConfig,
) -> Result<Plan, BuildError> {
    config.validate()?;
    let upper_bits = config.upper_va_bits;
    if upper_bits.is_some() && Regime::of(el).is_single_privilege() {
        return Err(BuildError::UpperRangeInRegime {
            table: table.clone(),
            el,
        });
    }
    let lower_root = root_level(config.va_bits).unwrap_or(0);
    let upper_root = upper_bits.and_then(root_level).unwrap_or(0);
    let upper_start = upper_bits.and_then(regs::upper_range_start).unwrap_or(0);
    let va_limit = 1u64 << config.va_bits;
    let pa_limit = 1u64 << config.pa_bits;
    let mut lower = Vec::new();
    let mut upper = Vec::new();
    for (i, page) in pages.iter().enumerate() {
        if page.el() != el {
            return Err(BuildError::WrongContext {
                table: table.clone(),
                expected: el,
                page: PageRef::of(page),
                found: page.el(),
            });
        }
        let size = page.size();
        if !page.va().is_multiple_of(size) || !page.pa().is_multiple_of(size) {
            return Err(BuildError::Misaligned {
                table: table.clone(),
                page: PageRef::of(page),
            });
        }
        // A page's last byte: `va + size` is 2^64 for the top page of the upper range.
        let last = page.va().checked_add(size - 1);
        let is_upper = page.va() >> 63 == 1;
        let inside = if is_upper {
            upper_bits.is_some() && page.va() >= upper_start && last.is_some()
        } else {
            config.lower && last.is_some_and(|last| last < va_limit)
        };
        if !inside {
            return Err(if upper_bits.is_none() && config.lower {
                BuildError::VaOutOfRange {
                    table: table.clone(),
                    page: PageRef::of(page),
                    va_bits: config.va_bits,
                }
            } else {
                BuildError::VaOutsideRanges {
                    table: table.clone(),
                    page: PageRef::of(page),
                    lower: config.lower.then_some(config.va_bits),
                    upper: upper_bits,
                }
            });
        }
        if page.pa().checked_add(size).is_none_or(|end| end > pa_limit) {
            return Err(BuildError::PaOutOfRange {
                table: table.clone(),
                page: PageRef::of(page),
                pa_bits: config.pa_bits,
            });
        }
        let attrs = page.mem_attrs();
        if config.wxn && attrs.perms.write() && attrs.perms.execute() {
            let kind_can_execute = matches!(attrs.kind, PageKind::Code | PageKind::Data);
            if kind_can_execute {
                return Err(BuildError::WritableExecutable {
                    table: table.clone(),
                    page: PageRef::of(page),
                });
            }
        }
        let bits = page_attributes(el, attrs, config).attributes();
        let level = page_level(page.page_size());
        let (leaves, root, va) = if is_upper {
            (&mut upper, upper_root, page.va() - upper_start)
        } else {
            (&mut lower, lower_root, page.va())
        };
        if level < root {
            // A block larger than a root entry: write it as root-level blocks.
            let step = level_size(root);
            let mut off = 0;
            while off < size {
                leaves.push(Leaf {
                    va: va + off,
                    pa: page.pa() + off,
                    level: root,
                    attrs: bits,
                    page: i,
                });
                off += step;
            }
        } else {
            leaves.push(Leaf {
                va,
                pa: page.pa(),
                level,
                attrs: bits,
                page: i,
            });
        }
    }
    let lower = if config.lower {
        Some(tree(table, pages, config, config.va_bits, lower)?)
    } else {
        None
    };
    let upper = match upper_bits {
        Some(bits) => Some(tree(table, pages, config, bits, upper)?),
        None => None,
    };
    Ok(Plan { lower, upper })
}

/// Sorts, checks, merges and hints the leaves of one range of `va_bits` bits.
fn tree(
    table: &TableRef,
    pages: &[&Page],
    config: &TableConfig,
    va_bits: u8,
    mut leaves: Vec<Leaf>,
) -> Result<Tree, BuildError> {
    let root = root_level(va_bits).unwrap_or(0);
    leaves.sort_by_key(|l| (l.va, l.page));
    for pair in leaves.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if b.va < a.va + a.size() {
            let (first, second) = if a.page <= b.page { (a, b) } else { (b, a) };
            return Err(BuildError::Overlap {
                table: table.clone(),
                first: PageRef::of(pages[first.page]),
                second: PageRef::of(pages[second.page]),
            });
        }
    }
    // Merge bottom-up: level 3 runs into level 2 blocks, then level 2 runs into level 1
    // blocks (level 0 blocks do not exist with the 4 KiB granule and 48-bit OAs).
    for block_level in [2u8, 1] {
        if block_level < root {
            break;
        }
        leaves = merge(leaves, block_level);
    }
    if config.contiguous_hint {
        for level in [2u8, 3] {
            hint_contiguous(&mut leaves, level);
        }
    }
    let tables = count_tables(root, &leaves);
    Ok(Tree {
        va_bits,
        root_level: root,
        leaves,
        tables,
    })
}

/// Replaces every group of 512 leaves of level `block_level + 1` that fill one aligned
/// block of level `block_level`, with PAs contiguous from a block-aligned PA and equal
/// attributes, by one block leaf. `leaves` is sorted by VA and free of overlaps.
fn merge(leaves: Vec<Leaf>, block_level: u8) -> Vec<Leaf> {
    let child = block_level + 1;
    let block_shift = level_shift(block_level);
    let block_size = level_size(block_level);
    let child_size = level_size(child);
    let mut out = Vec::with_capacity(leaves.len());
    let mut i = 0;
    while i < leaves.len() {
        let first = leaves[i];
        let block = first.va >> block_shift;
        let mut j = i + 1;
        while j < leaves.len() && leaves[j].va >> block_shift == block {
            j += 1;
        }
        let run = &leaves[i..j];
        let mergeable = run.len() == ENTRIES_PER_TABLE
            && first.pa.is_multiple_of(block_size)
            && run.iter().enumerate().all(|(k, l)| {
                l.level == child
                    && l.attrs == first.attrs
                    && l.pa == first.pa + k as u64 * child_size
                    && l.va == first.va + k as u64 * child_size
            });
        if mergeable {
            out.push(Leaf {
                level: block_level,
                ..first
            });
        } else {
            out.extend_from_slice(run);
        }
        i = j;
    }
    out
}

/// Sets the Contiguous bit on every run of 16 leaves of `level` aligned to 16 entries in
/// VA and PA, consecutive in both, with equal attributes.
fn hint_contiguous(leaves: &mut [Leaf], level: u8) {
    let size = level_size(level);
    let span = size * CONTIGUOUS_ENTRIES;
    let n = CONTIGUOUS_ENTRIES as usize;
    let mut i = 0;
    while i + n <= leaves.len() {
        let first = leaves[i];
        let fits = first.level == level
            && first.va.is_multiple_of(span)
            && first.pa.is_multiple_of(span)
            && leaves[i..i + n].iter().enumerate().all(|(k, l)| {
                l.level == level
                    && l.attrs == first.attrs
                    && l.va == first.va + k as u64 * size
                    && l.pa == first.pa + k as u64 * size
            });
        if fits {
            for l in &mut leaves[i..i + n] {
                l.attrs |= CONTIGUOUS;
            }
            i += n;
        } else {
            i += 1;
        }
    }
}

/// The tables a leaf list needs: the root, plus one table at each level below the root
/// for every distinct region of the level above that holds a leaf at that level or
/// deeper.
fn count_tables(root: u8, leaves: &[Leaf]) -> usize {
    let mut count = 1;
    for level in root + 1..=LEAF_LEVEL {
        let parent_shift = level_shift(level - 1);
        let mut last = None;
        for l in leaves.iter().filter(|l| l.level >= level) {
            let region = l.va >> parent_shift;
            if last != Some(region) {
                count += 1;
                last = Some(region);
            }
        }
    }
    count
}

/// Writes the table of `level` covering `leaves` (all inside one entry of the level
/// above), then its next-level tables depth-first in VA order. Returns the index of the
/// table written.
fn emit(level: u8, leaves: &[Leaf], tables: &mut Vec<u64>, base_pa: u64) -> usize {
    let index = tables.len() / ENTRIES_PER_TABLE;
    tables.resize(tables.len() + ENTRIES_PER_TABLE, 0);
    let shift = level_shift(level);
    let mut i = 0;
    while i < leaves.len() {
        let leaf = leaves[i];
        let slot = index * ENTRIES_PER_TABLE + level_index(leaf.va, level);
        if leaf.level <= level {
            let d = Descriptor::leaf(level, leaf.pa).bits() | leaf.attrs;
            tables[slot] = d;
            i += 1;
        } else {
            let region = leaf.va >> shift;
            let mut j = i + 1;
            while j < leaves.len() && leaves[j].va >> shift == region {
                j += 1;
            }
            let child = emit(level + 1, &leaves[i..j], tables, base_pa);
            tables[slot] = Descriptor::table(base_pa + child as u64 * TABLE_BYTES).bits();
            i = j;
        }
    }
    index
}

/// The number of 4 KiB translation tables [`build`] will use for these pages, computed
/// without a base address so the space can be reserved first.
///
/// The pages must all belong to one table (same exception level and security state);
/// the error messages name that table by core and context.
pub fn table_count<'a, I>(pages: I, config: &TableConfig) -> Result<usize, BuildError>
where
    I: IntoIterator<Item = &'a Page>,
{
    let pages: Vec<&Page> = pages.into_iter().collect();
    let Some(first) = pages.first() else {
        config.validate()?;
        return Ok(usize::from(config.lower) + usize::from(config.upper_va_bits.is_some()));
    };
    let table = TableRef::of_page(first);
    plan(first.el(), &table, &pages, config).map(|p| p.tables())
}

/// Builds the translation tables of one table: the image laid out from `base_pa` (the
/// lower range's tables first, root first, then depth-first in VA order; then the upper
/// range's tables the same way) and the register values that load it.
///
/// Every page must belong to `info`'s exception level, be aligned to its size, lie in
/// the lower or upper VA range of `config` (a VA with bit 63 set is an upper VA) and in
/// its PA range, and not overlap another page in VA. The image holds exactly
/// [`table_count`] tables.
pub fn build<'a, I>(
    info: &TableInfo,
    pages: I,
    base_pa: u64,
    config: &TableConfig,
) -> Result<Translation, BuildError>
where
    I: IntoIterator<Item = &'a Page>,
{
    let table = TableRef::of_info(info);
    let pages: Vec<&Page> = pages.into_iter().collect();
    let plan = plan(info.el(), &table, &pages, config)?;
    if !base_pa.is_multiple_of(TABLE_BYTES) {
        return Err(BuildError::UnalignedBase { table, base_pa });
    }
    let count = plan.tables();
    let end = (count as u64)
        .checked_mul(TABLE_BYTES)
        .and_then(|len| base_pa.checked_add(len));
    if end.is_none_or(|end| end > 1u64 << config.pa_bits) {
        return Err(BuildError::TablesBeyondPa {
            table,
            base_pa,
            count,
            pa_bits: config.pa_bits,
        });
    }
    let mut descriptors = Vec::with_capacity(count * ENTRIES_PER_TABLE);
    let mut lower = None;
    if let Some(t) = &plan.lower {
        emit(t.root_level, &t.leaves, &mut descriptors, base_pa);
        lower = Some((t.va_bits, base_pa));
    }
    let mut upper = None;
    if let Some(t) = &plan.upper {
        let root_pa = base_pa + descriptors.len() as u64 * 8;
        emit(t.root_level, &t.leaves, &mut descriptors, base_pa);
        upper = Some((t.va_bits, root_pa));
    }
    let regime = Regime::of(info.el());
    let registers = Registers::with_ranges(regime, lower, upper, config.pa_bits, config.wxn)
        .ok_or(BuildError::PaBits {
            pa_bits: config.pa_bits,
        })?;
    let mut bytes = vec![0u8; descriptors.len() * 8];
    for (chunk, d) in bytes.chunks_exact_mut(8).zip(&descriptors) {
        chunk.copy_from_slice(&d.to_le_bytes());
    }
    Ok(Translation {
        name: String::from(info.name()),
        el: info.el(),
        base_pa,
        root_level: plan.lower.as_ref().map_or(0, |t| t.root_level),
        va_bits: config.va_bits,
        lower: plan.lower.as_ref().map(|t| t.tables),
        upper: plan
            .upper
            .as_ref()
            .zip(upper)
            .map(|(t, (bits, root_pa))| UpperRange {
                va_bits: bits,
                root_level: t.root_level,
                root_pa,
                tables: t.tables,
            }),
        pa_bits: config.pa_bits,
        descriptors,
        bytes,
        registers,
    })
}

/// The upper range of a built table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct UpperRange {
    va_bits: u8,
    root_level: u8,
    root_pa: u64,
    tables: usize,
}

/// A built translation table: the image of its 4 KiB tables and the register values
/// that load it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    name: String,
    el: ExecutionContext,
    base_pa: u64,
    root_level: u8,
    va_bits: u8,
    /// The lower range's table count, when the table has a lower range.
    lower: Option<usize>,
    upper: Option<UpperRange>,
    pa_bits: u8,
    descriptors: Vec<u64>,
    bytes: Vec<u8>,
    registers: Registers,
}

impl Translation {
    /// The name of the table it was built for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The exception level and security state of the table.
    pub const fn el(&self) -> ExecutionContext {
        self.el
    }

    /// The translation regime that loads it.
    pub const fn regime(&self) -> Regime {
        Regime::of(self.el)
    }

    /// The PA of the root table, the first byte of the image.
    pub const fn base_pa(&self) -> u64 {
        self.base_pa
    }

    /// The PA one past the last byte of the image.
    pub const fn end_pa(&self) -> u64 {
        self.base_pa + self.bytes.len() as u64
    }

    /// The number of 4 KiB tables in the image.
    pub const fn table_count(&self) -> usize {
        self.descriptors.len() / ENTRIES_PER_TABLE
    }

    /// The lookup level of the lower range's root table: 0, 1 or 2; 0 without a lower
    /// range (see [`has_lower`](Self::has_lower)).
    pub const fn root_level(&self) -> u8 {
        self.root_level
    }

    /// The VA size of the lower range (`0 .. 2^va_bits`, through TTBR0). Without a lower
    /// range this is the configured [`TableConfig::va_bits`], which no register uses.
    pub const fn va_bits(&self) -> u8 {
        self.va_bits
    }

    /// Whether the table has a lower range (TTBR0); without one, `TCR_EL1.EPD0` is set.
    pub const fn has_lower(&self) -> bool {
        self.lower.is_some()
    }

    /// The number of tables of the lower range (at the start of the image); 0 without
    /// a lower range.
    pub const fn lower_table_count(&self) -> usize {
        match self.lower {
            Some(n) => n,
            None => 0,
        }
    }

    /// The VA size of the upper range (`2^64 - 2^bits .. 2^64`, through TTBR1), if the
    /// table has one.
    pub const fn upper_va_bits(&self) -> Option<u8> {
        match self.upper {
            Some(u) => Some(u.va_bits),
            None => None,
        }
    }

    /// The lookup level of the upper range's root table, if the table has one.
    pub const fn upper_root_level(&self) -> Option<u8> {
        match self.upper {
            Some(u) => Some(u.root_level),
            None => None,
        }
    }

    /// The PA of the upper range's root table (after the lower range's tables), if the
    /// table has one.
    pub const fn upper_root_pa(&self) -> Option<u64> {
        match self.upper {
            Some(u) => Some(u.root_pa),
            None => None,
        }
    }

    /// The number of tables of the upper range (at the end of the image); 0 without an
    /// upper range.
    pub const fn upper_table_count(&self) -> usize {
        match self.upper {
            Some(u) => u.tables,
            None => 0,
        }
    }

    /// The PA size in the TCR.
    pub const fn pa_bits(&self) -> u8 {
        self.pa_bits
    }

    /// Every descriptor, table after table (512 per table).
    pub fn descriptors(&self) -> &[u64] {
        &self.descriptors
    }

    /// The descriptors of table `index` (0 is the root), if it exists.
    pub fn table(&self, index: usize) -> Option<&[u64]> {
        let start = index.checked_mul(ENTRIES_PER_TABLE)?;
        self.descriptors
            .get(start..start.checked_add(ENTRIES_PER_TABLE)?)
    }

    /// The PA of table `index` (0 is the root), if it exists.
    pub fn table_pa(&self, index: usize) -> Option<u64> {
        (index < self.table_count()).then(|| self.base_pa + index as u64 * TABLE_BYTES)
    }

    /// The image: the descriptors as little-endian bytes, to be placed at
    /// [`base_pa`](Self::base_pa).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A copy of the image.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The image length in bytes: 4096 per table.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: an image holds at least its root table.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// All four register values.
    pub const fn registers(&self) -> Registers {
        self.registers
    }

    /// `MAIR_ELx`.
    pub const fn mair(&self) -> u64 {
        self.registers.mair
    }

    /// `TCR_ELx` for the table's regime.
    pub const fn tcr(&self) -> u64 {
        self.registers.tcr
    }

    /// `TTBR0_ELx`: the lower range's root table PA; 0 without a lower range.
    pub const fn ttbr0(&self) -> u64 {
        self.registers.ttbr0
    }

    /// `TTBR1_EL1`: the upper range's root table PA; 0 without an upper range.
    pub const fn ttbr1(&self) -> u64 {
        self.registers.ttbr1
    }

    /// The `SCTLR_ELx` bits to set: M, C, I, and WXN if asked for.
    pub const fn sctlr_set(&self) -> u64 {
        self.registers.sctlr_set
    }

    /// Translates `va` by walking the image as the MMU would: a VA with bit 63 set
    /// through the upper range's root (TTBR1), any other through the lower range's
    /// (TTBR0); see [`walk_registers`](super::walk_registers).
    pub fn walk(&self, va: u64) -> Result<Walk, WalkFault> {
        super::walk_registers(
            &self.bytes,
            self.base_pa,
            self.regime(),
            self.registers.tcr,
            self.registers.ttbr0,
            self.registers.ttbr1,
            va,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aarch64::descriptor::{
        AP_MASK, ATTR_INDX_MASK, DescriptorKind, OA_MASK, SH_MASK, TABLE_OR_PAGE, VALID,
    };
    use crate::model::{Cacheability, Perms};
    use ExecutionContext::*;

    const GIB: u64 = 1 << 30;
    const MIB2: u64 = 2 << 20;
    const KIB4: u64 = 4096;

    fn info(el: ExecutionContext) -> TableInfo {
        TableInfo::new("t", 0, el)
    }

    fn attrs(kind: PageKind, perms: Perms) -> MemAttrs {
        MemAttrs {
            perms,
            ..MemAttrs::new(kind)
        }
    }

    fn page(el: ExecutionContext, va: u64, pa: u64, size: PageSize, a: MemAttrs) -> Page {
        Page::new("p", 0, &info(el), va, pa, size, a, false, Vec::new())
    }

    fn run(
        el: ExecutionContext,
        va: u64,
        pa: u64,
        n: u64,
        size: PageSize,
        a: MemAttrs,
    ) -> Vec<Page> {
        (0..n)
            .map(|i| {
                let off = i * size.bytes();
                Page::new(
                    "run",
                    i as u32,
                    &info(el),
                    va + off,
                    pa + off,
                    size,
                    a,
                    false,
                    Vec::new(),
                )
            })
            .collect()
    }

    fn attr_bits(el: ExecutionContext, a: MemAttrs) -> Descriptor {
        page_attributes(el, a, &TableConfig::DEFAULT)
    }

    fn data_rw() -> MemAttrs {
        MemAttrs::new(PageKind::Data)
    }

    // ----- encoding -----------------------------------------------------------------

    #[test]
    fn el3_and_el2_use_single_privilege_encoding() {
        for el in [EL3, EL2_NS, EL2_S] {
            let rw = attr_bits(el, data_rw());
            assert_eq!(rw.ap(), 0b01, "{el}: AP[2]=0 read/write, AP[1] RES1");
            assert!(rw.xn() && !rw.pxn() && !rw.not_global() && rw.af());
            let rx = attr_bits(el, MemAttrs::new(PageKind::Code));
            assert_eq!(rx.ap(), 0b11, "{el}: AP[2]=1 read-only, AP[1] RES1");
            assert!(!rx.xn() && !rx.pxn() && !rx.not_global());
            let r = attr_bits(el, attrs(PageKind::Data, Perms::R));
            assert_eq!(r.ap(), 0b11);
            assert!(r.xn());
            let rwx = attr_bits(el, attrs(PageKind::Code, Perms::RWX));
            assert_eq!(rwx.ap(), 0b01);
            assert!(!rwx.xn());
        }
    }

    #[test]
    fn el1_pages_are_privileged_only() {
        for el in [EL1_NS, EL1_S, EL1_Realm] {
            let rw = attr_bits(el, data_rw());
            assert_eq!(rw.ap(), 0b00, "{el}: EL1 rw, EL0 none");
            assert!(rw.pxn() && rw.uxn() && !rw.not_global());
            let rx = attr_bits(el, MemAttrs::new(PageKind::Code));
            assert_eq!(rx.ap(), 0b10, "{el}: EL1 ro, EL0 none");
            assert!(!rx.pxn() && rx.uxn());
            let rwx = attr_bits(el, attrs(PageKind::Data, Perms::RWX));
            assert_eq!(rwx.ap(), 0b00);
            assert!(!rwx.pxn() && rwx.uxn());
        }
    }

    #[test]
    fn el0_pages_are_user_pages() {
        for el in [EL0_NS, EL0_S, EL0_Realm] {
            let rw = attr_bits(el, data_rw());
            assert_eq!(rw.ap(), 0b01, "{el}: both rw");
            assert!(rw.pxn() && rw.uxn() && rw.not_global());
            let rx = attr_bits(el, MemAttrs::new(PageKind::Code));
            assert_eq!(rx.ap(), 0b11, "{el}: both ro");
            assert!(rx.pxn() && !rx.uxn() && rx.not_global());
            let rwx = attr_bits(el, attrs(PageKind::Data, Perms::RWX));
            assert_eq!(rwx.ap(), 0b01);
            assert!(rwx.pxn() && !rwx.uxn(), "user pages never run at EL1");
        }
    }

    #[test]
    fn device_memory_is_never_executable() {
        let dev = attrs(PageKind::Device, Perms::RWX);
        for el in ExecutionContext::ALL {
            let d = attr_bits(el, dev);
            assert_eq!(d.attr_index(), MemoryType::DeviceNGnRE.index(), "{el}");
            assert_eq!(
                d.sh(),
                SH_OUTER,
                "{el}: Device memory is written Outer Shareable"
            );
            assert!(d.uxn(), "{el}: bit 54 (XN/UXN)");
            if Regime::of(el) == Regime::El10 {
                assert!(d.pxn(), "{el}");
            } else {
                assert!(!d.pxn(), "{el}: PXN is RES0");
            }
        }
        let strict = TableConfig::DEFAULT.with_device(DeviceMemory::NGnRnE);
        let d = page_attributes(EL3, dev, &strict);
        assert_eq!(d.attr_index(), MemoryType::DeviceNGnRnE.index());
        let non_shareable = MemAttrs {
            share: Shareability::NonShareable,
            ..dev
        };
        assert_eq!(attr_bits(EL1_NS, non_shareable).sh(), SH_OUTER);
    }

    #[test]
    fn system_memory_is_write_back_and_never_executable() {
        let sys = MemAttrs {
            cache: Cacheability::NonCacheable,
            ..attrs(PageKind::System, Perms::RX)
        };
        for el in ExecutionContext::ALL {
            let d = attr_bits(el, sys);
            assert_eq!(d.attr_index(), MemoryType::NormalWriteBack.index(), "{el}");
            assert!(d.uxn(), "{el}");
            if Regime::of(el) == Regime::El10 {
                assert!(d.pxn(), "{el}");
            }
        }
    }

    #[test]
    fn normal_memory_follows_cacheability_and_shareability() {
        for (cache, index) in [
            (Cacheability::NonCacheable, 2),
            (Cacheability::WriteThrough, 3),
            (Cacheability::WriteBack, 4),
        ] {
            for (share, sh) in [
                (Shareability::NonShareable, 0b00),
                (Shareability::Outer, 0b10),
                (Shareability::Inner, 0b11),
            ] {
                let a = MemAttrs {
                    cache,
                    share,
                    ..MemAttrs::new(PageKind::Code)
                };
                let d = attr_bits(EL1_NS, a);
                assert_eq!(d.attr_index(), index);
                assert_eq!(d.sh(), sh);
            }
        }
    }

    #[test]
    fn ns_only_from_secure_tables() {
        let ns = MemAttrs {
            non_secure: true,
            ..data_rw()
        };
        for el in ExecutionContext::ALL {
            let secure = el.security() == SecurityState::Secure;
            assert_eq!(attr_bits(el, ns).ns(), secure, "{el}");
            assert!(!attr_bits(el, data_rw()).ns(), "{el}");
        }
    }

    #[test]
    fn attributes_hold_no_address_or_type_bits() {
        for el in ExecutionContext::ALL {
            for kind in PageKind::ALL {
                let d = attr_bits(el, MemAttrs::new(kind));
                assert_eq!(d.bits() & (OA_MASK | VALID | TABLE_OR_PAGE), 0);
                assert!(d.af());
                assert_eq!(
                    d.bits() & !(ATTR_INDX_MASK | AP_MASK | SH_MASK | AF | NG | NS | PXN | UXN),
                    0
                );
            }
        }
    }

    // ----- geometry -----------------------------------------------------------------

    #[test]
    fn single_pages_need_one_table_per_level() {
        let cfg = TableConfig::DEFAULT;
        let count = |size: PageSize, cfg: &TableConfig| {
            let p = page(EL3, size.bytes() * 3, size.bytes() * 5, size, data_rw());
            table_count([&p], cfg).unwrap()
        };
        assert_eq!(count(PageSize::Size4K, &cfg), 4);
        assert_eq!(count(PageSize::Size2M, &cfg), 3);
        assert_eq!(count(PageSize::Size1G, &cfg), 2);
        let cfg39 = cfg.with_va_bits(39);
        assert_eq!(count(PageSize::Size4K, &cfg39), 3);
        assert_eq!(count(PageSize::Size2M, &cfg39), 2);
        assert_eq!(count(PageSize::Size1G, &cfg39), 1);
        assert_eq!(table_count([], &cfg), Ok(1));
    }

    #[test]
    fn blocks_at_their_levels() {
        let pages = [
            page(EL3, GIB, 2 * GIB, PageSize::Size1G, data_rw()),
            page(EL3, 2 * GIB, 4 * GIB, PageSize::Size2M, data_rw()),
            page(
                EL3,
                2 * GIB + MIB2,
                0x1234_5000,
                PageSize::Size4K,
                data_rw(),
            ),
        ];
        let t = build(&info(EL3), &pages, 0x8000_0000, &TableConfig::DEFAULT).unwrap();
        // Root (L0), one L1, one L2 (for the 2 MiB block and the 4 KiB page), one L3.
        assert_eq!(t.table_count(), 4);
        let l1 = t.table(1).unwrap();
        let d = Descriptor::from_bits(l1[1]);
        assert_eq!(d.kind(1), DescriptorKind::Block);
        assert_eq!(d.output_address(), 2 * GIB);
        let l2 = t.table(2).unwrap();
        let d = Descriptor::from_bits(l2[0]);
        assert_eq!(d.kind(2), DescriptorKind::Block);
        assert_eq!(d.output_address(), 4 * GIB);
        let l3 = t.table(3).unwrap();
        let d = Descriptor::from_bits(l3[0]);
        assert_eq!(d.kind(3), DescriptorKind::Page);
        assert_eq!(d.output_address(), 0x1234_5000);
        assert_eq!(
            d.attributes(),
            attr_bits(EL3, data_rw()).attributes(),
            "attributes as encoded"
        );
    }

    #[test]
    fn gigabyte_page_under_a_level_2_root_becomes_2m_blocks() {
        let cfg = TableConfig::DEFAULT.with_va_bits(30);
        let p = page(EL1_NS, 0, 3 * GIB, PageSize::Size1G, data_rw());
        assert_eq!(table_count([&p], &cfg), Ok(1));
        let t = build(&info(EL1_NS), [&p], 0x1000, &cfg).unwrap();
        assert_eq!(t.root_level(), 2);
        let root = t.table(0).unwrap();
        for (i, &d) in root.iter().enumerate() {
            let d = Descriptor::from_bits(d);
            assert_eq!(d.kind(2), DescriptorKind::Block);
            assert_eq!(d.output_address(), 3 * GIB + i as u64 * MIB2);
        }
        assert_eq!(t.walk(GIB - 1).unwrap().pa, 4 * GIB - 1);
    }

    // ----- merging ------------------------------------------------------------------

    #[test]
    fn full_run_of_4k_pages_becomes_a_2m_block() {
        let pages = run(
            EL3,
            0x4000_0000,
            0x8020_0000,
            512,
            PageSize::Size4K,
            data_rw(),
        );
        let cfg = TableConfig::DEFAULT;
        assert_eq!(table_count(&pages, &cfg), Ok(3));
        let t = build(&info(EL3), &pages, 0, &cfg).unwrap();
        assert_eq!(t.table_count(), 3);
        let w = t.walk(0x4000_0000 + 0x1234).unwrap();
        assert_eq!(w.level, 2);
        assert_eq!(w.pa, 0x8020_1234);
        // The single 2 MiB page gives the same bytes.
        let one = page(EL3, 0x4000_0000, 0x8020_0000, PageSize::Size2M, data_rw());
        let t2 = build(&info(EL3), [&one], 0, &cfg).unwrap();
        assert_eq!(t.bytes(), t2.bytes());
    }

    #[test]
    fn no_merge_with_a_hole() {
        let mut pages = run(
            EL3,
            0x4000_0000,
            0x8020_0000,
            512,
            PageSize::Size4K,
            data_rw(),
        );
        pages.remove(200);
        assert_eq!(table_count(&pages, &TableConfig::DEFAULT), Ok(4));
        let t = build(&info(EL3), &pages, 0, &TableConfig::DEFAULT).unwrap();
        assert_eq!(t.table_count(), 4);
        assert_eq!(t.walk(0x4000_0000).unwrap().level, 3);
        assert!(t.walk(0x4000_0000 + 200 * KIB4).is_err());
    }

    #[test]
    fn no_merge_with_different_attributes() {
        let mut pages = run(
            EL3,
            0x4000_0000,
            0x8020_0000,
            512,
            PageSize::Size4K,
            data_rw(),
        );
        let p = &pages[511];
        pages[511] = page(
            EL3,
            p.va(),
            p.pa(),
            PageSize::Size4K,
            attrs(PageKind::Data, Perms::R),
        );
        assert_eq!(table_count(&pages, &TableConfig::DEFAULT), Ok(4));
    }

    #[test]
    fn attributes_that_encode_equally_do_merge() {
        // Two device pages differing only in cacheability encode identically.
        let mut pages = run(
            EL3,
            0,
            0x0900_0000 & !(MIB2 - 1),
            512,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Device),
        );
        let p = &pages[7];
        let nc = MemAttrs {
            cache: Cacheability::NonCacheable,
            ..MemAttrs::new(PageKind::Device)
        };
        pages[7] = page(EL3, p.va(), p.pa(), PageSize::Size4K, nc);
        assert_eq!(table_count(&pages, &TableConfig::DEFAULT), Ok(3));
    }

    #[test]
    fn no_merge_when_pa_is_not_contiguous_or_not_aligned() {
        let mut pages = run(
            EL3,
            0x4000_0000,
            0x8020_0000,
            512,
            PageSize::Size4K,
            data_rw(),
        );
        let (a, b) = (pages[3].pa(), pages[4].pa());
        pages[3] = page(EL3, pages[3].va(), b, PageSize::Size4K, data_rw());
        pages[4] = page(EL3, pages[4].va(), a, PageSize::Size4K, data_rw());
        assert_eq!(table_count(&pages, &TableConfig::DEFAULT), Ok(4));
        let shifted = run(
            EL3,
            0x4000_0000,
            0x8020_1000,
            512,
            PageSize::Size4K,
            data_rw(),
        );
        assert_eq!(table_count(&shifted, &TableConfig::DEFAULT), Ok(4));
    }

    #[test]
    fn full_run_of_2m_blocks_becomes_a_1g_block() {
        let pages = run(EL1_NS, 4 * GIB, 8 * GIB, 512, PageSize::Size2M, data_rw());
        assert_eq!(table_count(&pages, &TableConfig::DEFAULT), Ok(2));
        let t = build(&info(EL1_NS), &pages, 0, &TableConfig::DEFAULT).unwrap();
        let w = t.walk(4 * GIB + 12345).unwrap();
        assert_eq!((w.level, w.pa), (1, 8 * GIB + 12345));
    }

    #[test]
    fn merges_cascade_from_4k_to_1g() {
        let mut pages = run(EL3, GIB, GIB, 511, PageSize::Size2M, data_rw());
        pages.extend(run(
            EL3,
            GIB + 511 * MIB2,
            GIB + 511 * MIB2,
            512,
            PageSize::Size4K,
            data_rw(),
        ));
        let cfg = TableConfig::DEFAULT;
        assert_eq!(table_count(&pages, &cfg), Ok(2));
        let t = build(&info(EL3), &pages, 0x10_0000, &cfg).unwrap();
        assert_eq!(t.table_count(), 2);
        assert_eq!(t.walk(2 * GIB - 1).unwrap().level, 1);
    }

    #[test]
    fn no_1g_merge_under_a_level_2_root() {
        let cfg = TableConfig::DEFAULT.with_va_bits(30);
        let pages = run(EL3, 0, GIB, 512, PageSize::Size2M, data_rw());
        assert_eq!(table_count(&pages, &cfg), Ok(1));
        let t = build(&info(EL3), &pages, 0, &cfg).unwrap();
        assert_eq!(t.walk(0).unwrap().level, 2);
    }

    // ----- contiguous hint ----------------------------------------------------------

    #[test]
    fn contiguous_hint_on_16_aligned_entries() {
        let pages = run(
            EL3,
            0x4000_0000,
            0x8000_0000,
            16,
            PageSize::Size4K,
            data_rw(),
        );
        let t = build(&info(EL3), &pages, 0, &TableConfig::DEFAULT).unwrap();
        let l3 = t.table(3).unwrap();
        assert!(
            l3[..16]
                .iter()
                .all(|&d| Descriptor::from_bits(d).contiguous())
        );
        let off = TableConfig::DEFAULT.with_contiguous_hint(false);
        let t = build(&info(EL3), &pages, 0, &off).unwrap();
        assert!(
            t.table(3)
                .unwrap()
                .iter()
                .all(|&d| !Descriptor::from_bits(d).contiguous())
        );
        // 15 entries, or 16 whose PA is not aligned to 64 KiB: no hint.
        let t = build(&info(EL3), &pages[..15], 0, &TableConfig::DEFAULT).unwrap();
        assert!(
            t.table(3)
                .unwrap()
                .iter()
                .all(|&d| !Descriptor::from_bits(d).contiguous())
        );
        let shifted = run(
            EL3,
            0x4000_0000,
            0x8000_1000,
            16,
            PageSize::Size4K,
            data_rw(),
        );
        let t = build(&info(EL3), &shifted, 0, &TableConfig::DEFAULT).unwrap();
        assert!(
            t.table(3)
                .unwrap()
                .iter()
                .all(|&d| !Descriptor::from_bits(d).contiguous())
        );
    }

    #[test]
    fn contiguous_hint_on_2m_blocks_only_in_whole_groups() {
        let pages = run(
            EL3,
            0x4000_0000,
            0x8000_0000,
            40,
            PageSize::Size2M,
            data_rw(),
        );
        let t = build(&info(EL3), &pages, 0, &TableConfig::DEFAULT).unwrap();
        let l2 = t.table(2).unwrap();
        for (i, &d) in l2.iter().enumerate() {
            assert_eq!(Descriptor::from_bits(d).contiguous(), i < 32, "entry {i}");
        }
    }

    // ----- layout -------------------------------------------------------------------

    #[test]
    fn tables_are_laid_out_depth_first_by_va() {
        let far = 3u64 << 39;
        let pages = [
            page(EL3, far, 0x20_0000, PageSize::Size4K, data_rw()),
            page(EL3, 0x1000, 0x1000, PageSize::Size4K, data_rw()),
        ];
        let base = 0x4000_0000;
        let t = build(&info(EL3), &pages, base, &TableConfig::DEFAULT).unwrap();
        assert_eq!(t.table_count(), 7);
        assert_eq!(t.ttbr0(), base);
        let root = t.table(0).unwrap();
        assert_eq!(root[0], Descriptor::table(base + KIB4).bits());
        assert_eq!(root[3], Descriptor::table(base + 4 * KIB4).bits());
        assert_eq!(
            t.table(1).unwrap()[0],
            Descriptor::table(base + 2 * KIB4).bits()
        );
        assert_eq!(
            t.table(2).unwrap()[0],
            Descriptor::table(base + 3 * KIB4).bits()
        );
        assert_eq!(
            t.table(4).unwrap()[0],
            Descriptor::table(base + 5 * KIB4).bits()
        );
        assert_eq!(
            t.table(5).unwrap()[0],
            Descriptor::table(base + 6 * KIB4).bits()
        );
        assert_eq!(t.table_pa(6), Some(base + 6 * KIB4));
        assert_eq!(t.table_pa(7), None);
        assert_eq!(t.end_pa(), base + 7 * KIB4);
        assert_eq!(t.len(), 7 * 4096);
    }

    #[test]
    fn image_is_little_endian_descriptors() {
        let p = page(EL3, 0, 0x8000_0000, PageSize::Size1G, data_rw());
        let t = build(&info(EL3), [&p], 0x4000_0000, &TableConfig::DEFAULT).unwrap();
        assert_eq!(t.bytes().len(), t.descriptors().len() * 8);
        for (chunk, d) in t.bytes().chunks(8).zip(t.descriptors()) {
            assert_eq!(u64::from_le_bytes(chunk.try_into().unwrap()), *d);
        }
        assert_eq!(t.to_bytes(), t.bytes());
        assert_eq!(&t.bytes()[..8], &0x4000_1003u64.to_le_bytes());
    }

    #[test]
    fn empty_table_is_one_zero_root() {
        let t = build(&info(EL1_NS), [], 0, &TableConfig::DEFAULT).unwrap();
        assert_eq!(t.table_count(), 1);
        assert!(t.bytes().iter().all(|&b| b == 0));
        assert!(!t.is_empty());
    }

    #[test]
    fn deterministic_and_order_independent() {
        let mut pages = run(
            EL0_NS,
            0x10_0000,
            0x9000_0000,
            40,
            PageSize::Size4K,
            data_rw(),
        );
        pages.push(page(
            EL0_NS,
            0x4000_0000,
            0xC000_0000,
            PageSize::Size1G,
            MemAttrs::new(PageKind::Code),
        ));
        pages.push(page(
            EL0_NS,
            0x8000_0000,
            0x0900_0000 & !(MIB2 - 1),
            PageSize::Size2M,
            MemAttrs::new(PageKind::Device),
        ));
        let cfg = TableConfig::DEFAULT;
        let a = build(&info(EL0_NS), &pages, 0x7000_0000, &cfg).unwrap();
        let b = build(&info(EL0_NS), &pages, 0x7000_0000, &cfg).unwrap();
        pages.reverse();
        let c = build(&info(EL0_NS), &pages, 0x7000_0000, &cfg).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.bytes(), c.bytes());
        assert_eq!(a.registers(), c.registers());
    }

    #[test]
    fn registers_per_regime() {
        let t = build(&info(EL3), [], 0x4000_0000, &TableConfig::DEFAULT).unwrap();
        assert_eq!(t.tcr(), 0x8082_3510);
        assert_eq!(t.mair(), crate::aarch64::MAIR);
        assert_eq!(t.ttbr0(), 0x4000_0000);
        assert_eq!(t.sctlr_set(), 0x1005);
        let cfg = TableConfig::DEFAULT
            .with_wxn(true)
            .with_va_bits(39)
            .with_pa_bits(48);
        let t = build(&info(EL1_S), [], 0x4000_0000, &cfg).unwrap();
        assert_eq!(t.regime(), Regime::El10);
        assert_eq!(t.tcr() & 0x3f, 25);
        assert_eq!((t.tcr() >> 32) & 7, 5);
        assert_ne!(t.tcr() & (1 << 23), 0);
        assert_eq!(t.sctlr_set(), 0x8_1005);
        assert_eq!(t.va_bits(), 39);
        assert_eq!(t.pa_bits(), 48);
        assert_eq!(t.name(), "t");
        assert_eq!(t.el(), EL1_S);
    }

    // ----- errors -------------------------------------------------------------------

    #[test]
    fn config_errors() {
        let p = page(EL3, 0, 0, PageSize::Size4K, data_rw());
        for va_bits in [0, 24, 49, 64, 255] {
            let cfg = TableConfig::DEFAULT.with_va_bits(va_bits);
            assert_eq!(table_count([&p], &cfg), Err(BuildError::VaBits { va_bits }));
            assert_eq!(table_count([], &cfg), Err(BuildError::VaBits { va_bits }));
        }
        for pa_bits in [0, 31, 41, 52, 64] {
            let cfg = TableConfig::DEFAULT.with_pa_bits(pa_bits);
            assert_eq!(
                build(&info(EL3), [&p], 0, &cfg).unwrap_err(),
                BuildError::PaBits { pa_bits }
            );
        }
    }

    #[test]
    fn page_errors() {
        let cfg = TableConfig::DEFAULT.with_va_bits(32).with_pa_bits(32);
        let i = info(EL3);
        let check = |pages: &[Page], want: fn(&BuildError) -> bool| {
            let e = build(&i, pages, 0, &cfg).unwrap_err();
            assert!(want(&e), "{e:?}");
            assert_eq!(
                table_count(pages, &cfg).map_err(|e| alloc::format!("{e}").is_empty()),
                Err(false)
            );
        };
        check(
            &[page(EL3, 0x1000, 0x20_0000, PageSize::Size2M, data_rw())],
            |e| matches!(e, BuildError::Misaligned { .. }),
        );
        check(&[page(EL3, 1 << 32, 0, PageSize::Size4K, data_rw())], |e| {
            matches!(e, BuildError::VaOutOfRange { va_bits: 32, .. })
        });
        check(&[page(EL3, !0xfff, 0, PageSize::Size4K, data_rw())], |e| {
            matches!(e, BuildError::VaOutOfRange { .. })
        });
        check(
            &[page(
                EL3,
                0,
                0xFFFF_F000 + KIB4,
                PageSize::Size4K,
                data_rw(),
            )],
            |e| matches!(e, BuildError::PaOutOfRange { pa_bits: 32, .. }),
        );
        // table_count takes the context from the pages, so only mixed pages are wrong.
        let el1 = page(EL1_NS, 0, 0, PageSize::Size4K, data_rw());
        let el3 = page(EL3, 0x1000, 0, PageSize::Size4K, data_rw());
        assert!(matches!(
            build(&i, [&el1], 0, &cfg),
            Err(BuildError::WrongContext {
                found: EL1_NS,
                expected: EL3,
                ..
            })
        ));
        assert!(matches!(
            table_count([&el1, &el3], &cfg),
            Err(BuildError::WrongContext {
                found: EL3,
                expected: EL1_NS,
                ..
            })
        ));
        let big = page(EL3, 0, 0, PageSize::Size2M, data_rw());
        let small = Page::new(
            "small",
            0,
            &i,
            0x1000,
            0x1000,
            PageSize::Size4K,
            data_rw(),
            false,
            Vec::new(),
        );
        let e = build(&i, [&big, &small], 0, &cfg).unwrap_err();
        match e {
            BuildError::Overlap { first, second, .. } => {
                assert_eq!(first.name, "p");
                assert_eq!(second.name, "small");
            }
            e => panic!("{e:?}"),
        }
        // Listed the other way round, the later one is still `second`.
        let e = build(&i, [&small, &big], 0, &cfg).unwrap_err();
        assert!(
            matches!(e, BuildError::Overlap { ref second, .. } if second.name == "p"),
            "{e:?}"
        );
        let dup = [small.clone(), small.clone()];
        assert!(matches!(
            build(&i, &dup, 0, &cfg),
            Err(BuildError::Overlap { .. })
        ));
    }

    #[test]
    fn wxn_rejects_writable_executable_pages() {
        let cfg = TableConfig::DEFAULT.with_wxn(true);
        let rwx = page(
            EL1_NS,
            0,
            0,
            PageSize::Size4K,
            attrs(PageKind::Code, Perms::RWX),
        );
        assert!(matches!(
            table_count([&rwx], &cfg),
            Err(BuildError::WritableExecutable { .. })
        ));
        assert_eq!(table_count([&rwx], &TableConfig::DEFAULT), Ok(4));
        // Device and system pages are never executable, so WXN has nothing to reject.
        let dev = page(
            EL1_NS,
            0,
            0,
            PageSize::Size4K,
            attrs(PageKind::Device, Perms::RWX),
        );
        assert_eq!(table_count([&dev], &cfg), Ok(4));
    }

    #[test]
    fn base_address_errors() {
        let p = page(EL3, 0, 0, PageSize::Size4K, data_rw());
        let cfg = TableConfig::DEFAULT.with_pa_bits(32);
        assert_eq!(
            build(&info(EL3), [&p], 0x800, &cfg).unwrap_err(),
            BuildError::UnalignedBase {
                table: TableRef::Named("t".into()),
                base_pa: 0x800
            }
        );
        assert!(matches!(
            build(&info(EL3), [&p], 0xFFFF_E000, &cfg),
            Err(BuildError::TablesBeyondPa { count: 4, .. })
        ));
        assert!(build(&info(EL3), [&p], 0xFFFF_C000, &cfg).is_ok());
        assert!(matches!(
            build(&info(EL3), [&p], !0xfff, &cfg),
            Err(BuildError::TablesBeyondPa { .. })
        ));
    }
}

#[cfg(test)]
mod upper_tests {
    use super::*;
    use crate::aarch64::descriptor::TABLE_BYTES;
    use crate::aarch64::regs::{TCR_EL1_EPD0, TCR_EL1_EPD1, TCR_EL1_T1SZ_MASK, TCR_T0SZ_MASK};
    use crate::model::{MemAttrs, PageKind};
    use ExecutionContext::*;

    const KERNEL: u64 = 0xFFFF_8000_0000_0000;

    fn info(el: ExecutionContext) -> TableInfo {
        TableInfo::new("t", 0, el)
    }

    fn page(el: ExecutionContext, va: u64, pa: u64, size: PageSize) -> Page {
        Page::new(
            "p",
            0,
            &info(el),
            va,
            pa,
            size,
            MemAttrs::new(PageKind::Data),
            false,
            Vec::new(),
        )
    }

    #[test]
    fn lower_and_upper_trees_share_one_image() {
        let pages = [
            page(EL1_NS, 0x4000_0000, 0x8000_0000, PageSize::Size4K),
            page(EL1_NS, KERNEL, 0x8010_0000, PageSize::Size4K),
            page(EL1_NS, KERNEL + (1 << 30), 0xC000_0000, PageSize::Size1G),
            page(EL1_NS, u64::MAX - 0xFFF, 0x8020_0000, PageSize::Size4K),
        ];
        let cfg = TableConfig::DEFAULT
            .with_va_bits(31)
            .with_upper_va_bits(Some(47));
        let base = 0x4000_0000;
        let t = build(&info(EL1_NS), &pages, base, &cfg).unwrap();
        // Lower: a level 1 root, a level 2 and a level 3 table.
        assert_eq!(t.lower_table_count(), 3);
        // Upper (47 bits, level 0 root): root, level 1 for KERNEL (holding the 1G block),
        // level 2 and 3 for KERNEL's 4K page, and levels 1, 2, 3 for the top page.
        assert_eq!(t.upper_table_count(), 7);
        assert_eq!(t.table_count(), 10);
        assert_eq!(table_count(&pages, &cfg), Ok(10));
        assert_eq!(t.ttbr0(), base);
        assert_eq!(t.ttbr1(), base + 3 * TABLE_BYTES);
        assert_eq!(t.upper_root_pa(), Some(base + 3 * TABLE_BYTES));
        assert_eq!(t.upper_root_level(), Some(0));
        assert_eq!(t.tcr() & TCR_T0SZ_MASK, 33);
        assert_eq!((t.tcr() & TCR_EL1_T1SZ_MASK) >> 16, 17);
        assert_eq!(t.tcr() & (TCR_EL1_EPD0 | TCR_EL1_EPD1), 0);
        for p in &pages {
            for off in [0, p.size() - 1] {
                let w = t.walk(p.va() + off).unwrap();
                assert_eq!(w.pa, p.pa() + off, "{:#x}", p.va() + off);
                assert_eq!(w.va, p.va() + off);
            }
        }
        assert!(matches!(
            t.walk(KERNEL + (2 << 30)),
            Err(WalkFault::Translation { level: 1, .. })
        ));
        assert!(matches!(
            t.walk(KERNEL - 0x1000),
            Err(WalkFault::UpperOutOfRange { va_bits: 47, .. })
        ));
        assert!(matches!(
            t.walk(1 << 31),
            Err(WalkFault::OutOfRange { va_bits: 31, .. })
        ));
    }

    #[test]
    fn upper_only_table_sets_epd0() {
        let pages = [page(
            EL0_NS,
            0xFFFF_FFFF_C000_0000,
            0x8000_0000,
            PageSize::Size2M,
        )];
        let cfg = TableConfig::DEFAULT
            .with_lower(false)
            .with_upper_va_bits(Some(30));
        let t = build(&info(EL0_NS), &pages, 0x1000, &cfg).unwrap();
        assert_eq!(t.table_count(), 1, "a level 2 root holding the 2M block");
        assert!(!t.has_lower());
        assert_eq!((t.ttbr0(), t.ttbr1()), (0, 0x1000));
        assert_ne!(t.tcr() & TCR_EL1_EPD0, 0);
        assert_eq!(t.tcr() & TCR_EL1_EPD1, 0);
        assert_eq!(t.walk(0xFFFF_FFFF_C000_0123).unwrap().pa, 0x8000_0123);
        assert_eq!(t.walk(0x1000), Err(WalkFault::NoLowerRange { va: 0x1000 }));
        let lower = page(EL0_NS, 0x1000, 0, PageSize::Size4K);
        assert!(matches!(
            build(&info(EL0_NS), [&lower], 0, &cfg),
            Err(BuildError::VaOutsideRanges {
                lower: None,
                upper: Some(30),
                ..
            })
        ));
        assert_eq!(
            table_count([], &TableConfig::DEFAULT.with_lower(false)),
            Err(BuildError::NoVaRange)
        );
    }

    #[test]
    fn upper_range_errors() {
        let cfg = TableConfig::DEFAULT.with_upper_va_bits(Some(39));
        let p = page(EL3, KERNEL, 0, PageSize::Size4K);
        assert!(matches!(
            build(&info(EL3), [&p], 0, &cfg),
            Err(BuildError::UpperRangeInRegime { el: EL3, .. })
        ));
        // Below the 39-bit upper range.
        let low = page(EL1_S, 0xFFFF_FF00_0000_0000 - 0x1000, 0, PageSize::Size4K);
        assert!(matches!(
            build(&info(EL1_S), [&low], 0, &cfg),
            Err(BuildError::VaOutsideRanges {
                upper: Some(39),
                ..
            })
        ));
        assert_eq!(
            table_count([], &cfg.with_upper_va_bits(Some(50))),
            Err(BuildError::VaBits { va_bits: 50 })
        );
        assert_eq!(table_count([], &cfg), Ok(2), "two empty roots");
    }
}
