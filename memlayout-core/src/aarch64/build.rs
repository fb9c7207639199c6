//! Table building: pages to leaf mappings, block merging, table layout and the image.

use alloc::string::String;
use alloc::vec::Vec;

use super::Regime;
use super::descriptor::{
    AF, AP1_EL0, AP2_READ_ONLY, CONTIGUOUS, Descriptor, NG, NS, NSE, PXN, SH_INNER,
    SH_NON_SHAREABLE, SH_OUTER, UXN, XN,
};
use super::error::{BuildError, PageRef, TableRef};
use super::granule::{Format, Granule};
use super::mair::MemoryType;
use super::regs::{self, Registers};
use super::runs::{self, Run};
use super::stage2::{self, Stage2Registers};
use super::walk::{Walk, WalkFault};
use crate::model::{
    ExecutionContext, MemAttrs, Page, PageKind, PageSize, PhysicalAddressSpace, Shareability,
    TableInfo,
};

/// Entries of one contiguous-hint run of the 4 KiB granule: 16, at levels 1, 2 and 3
/// (DDI 0487 D8.6.1, "The Contiguous bit": 16 pages of 4 KiB, 16 blocks of 2 MiB or 16
/// blocks of 1 GiB, aligned to the 64 KiB, 32 MiB or 16 GiB they map together). The
/// other granules' groups: [`Granule::contiguous_entries`].
pub const CONTIGUOUS_ENTRIES: u64 = 16;

/// The one `TCR_EL1` a kernel table and the process tables under it are loaded with,
/// so the kernel's `TTBR1` stays loaded while `TTBR0` switches between processes.
///
/// A table built with one gets [`regs::tcr_shared`] as its `TCR`: T0SZ from
/// `lower_va_bits` (the lower range every process, and the kernel's own lower range,
/// are built for), T1SZ from `upper_va_bits` (the kernel's upper range), EPD0 = EPD1 =
/// 0, A1 = 0 (`TTBR0` carries the ASID) and AS = `asid16`. The kernel and all its
/// processes then have equal `TCR` values.
///
/// Not exhaustive: build it with [`new`](Self::new) and read its fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SharedTcr {
    /// The VA size of the lower range (TTBR0): 25 to 52.
    pub lower_va_bits: u8,
    /// The VA size of the upper range (TTBR1): 25 to 52.
    pub upper_va_bits: u8,
    /// `TCR_EL1.AS`: 16-bit ASIDs, needed when an ASID is over 255 (the core must
    /// implement them: `ID_AA64MMFR0_EL1.ASIDBits` = 0b0010).
    pub asid16: bool,
}

impl SharedTcr {
    /// A shared TCR for a lower range of `lower_va_bits` and an upper one of
    /// `upper_va_bits`, with 16-bit ASIDs when `asid16`.
    pub const fn new(lower_va_bits: u8, upper_va_bits: u8, asid16: bool) -> SharedTcr {
        SharedTcr {
            lower_va_bits,
            upper_va_bits,
            asid16,
        }
    }
}

/// How to build a table: granule, address sizes and options.
///
/// Not exhaustive (more options may join it): start from
/// [`new`](Self::new) (or [`DEFAULT`](Self::DEFAULT)) and chain the `with_*` setters,
/// which work in `const` context; the fields can be read and assigned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TableConfig {
    /// The translation granule; default 4 KiB. With the PA and VA sizes it gives the
    /// descriptor format ([`format`](Self::format)).
    pub granule: Granule,
    /// The VA size of the lower range: TTBR0 translates `0 .. 2^va_bits`. 25 to 52
    /// (over 48 needs FEAT_LPA2 with the 4 KiB and 16 KiB granules, which this turns
    /// on, or FEAT_LVA with 64 KiB); default 48.
    pub va_bits: u8,
    /// Whether the table has a lower range (TTBR0); default true. Without one,
    /// `TCR_EL1.EPD0` is set, no lower tables are built and `TTBR0` is 0; the table then
    /// needs an upper range.
    pub lower: bool,
    /// The VA size of the upper range, when the table has one (EL1&0 tables only):
    /// TTBR1 translates `2^64 - 2^bits .. 2^64`. 25 to 52, as
    /// [`va_bits`](Self::va_bits); default `None` (no upper range: `TCR_EL1.EPD1` is
    /// set).
    pub upper_va_bits: Option<u8>,
    /// The PA size: output addresses must lie below `2^pa_bits`. One of 32, 36, 40, 42,
    /// 44, 48 or 52 (52 needs FEAT_LPA2 with the 4 KiB and 16 KiB granules, FEAT_LPA with
    /// 64 KiB; see [`Format::for_sizes`]); default 40.
    pub pa_bits: u8,
    /// Whether to enable `SCTLR_ELx.WXN` (writable memory is execute-never); default
    /// false. With it, a writable and executable page is an error.
    pub wxn: bool,
    /// Whether to set the Contiguous hint on runs of 16 suitable entries; default true.
    pub contiguous_hint: bool,
    /// The ASID of a process table (EL1&0 only); default `None`. With one, every leaf
    /// descriptor has nG = 1 (EL1 pages too, which are otherwise global), `TTBR0` is the
    /// root's PA | ASID << 48 and, without a [`shared_tcr`](Self::shared_tcr), an ASID
    /// over 255 sets `TCR_EL1.AS`.
    pub asid: Option<u16>,
    /// The `TCR_EL1` shared with a kernel or its processes (EL1&0 only); default `None`
    /// (the table's `TCR` follows its own ranges). See [`SharedTcr`].
    pub shared_tcr: Option<SharedTcr>,
    /// The VMID of a stage 2 table; default `None` (a stage 1 table). With one, the table
    /// is the stage 2 table of the virtual machine with that VMID
    /// ([`Regime::Stage2`]): its pages must be `EL1_NS` pages whose VA is the IPA and
    /// whose PA is the PA, [`va_bits`](Self::va_bits) is the IPA size (at most
    /// [`pa_bits`](Self::pa_bits)), the lower range is the only one, there is no
    /// ASID, shared TCR or WXN, and the registers are `VTCR_EL2` and `VTTBR_EL2` (the
    /// VMID in bits\[63:48\]; a VMID over 255 sets `VTCR_EL2.VS`, 16-bit VMIDs) with
    /// the `HCR_EL2` bits to set ([`Translation::stage2_registers`]).
    pub vmid: Option<u16>,
}

impl TableConfig {
    /// The defaults: a 48-bit lower VA range and no upper one, 40-bit PA, no WXN,
    /// Contiguous hints on.
    pub const DEFAULT: TableConfig = TableConfig {
        granule: Granule::Size4K,
        va_bits: 48,
        lower: true,
        upper_va_bits: None,
        pa_bits: 40,
        wxn: false,
        contiguous_hint: true,
        asid: None,
        shared_tcr: None,
        vmid: None,
    };

    /// The defaults (see [`DEFAULT`](Self::DEFAULT)).
    pub const fn new() -> TableConfig {
        Self::DEFAULT
    }

    /// With another granule.
    pub const fn with_granule(mut self, granule: Granule) -> TableConfig {
        self.granule = granule;
        self
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

    /// With Contiguous hints on or off.
    pub const fn with_contiguous_hint(mut self, on: bool) -> TableConfig {
        self.contiguous_hint = on;
        self
    }

    /// With an ASID (`Some`: a process table, non-global leaves, the ASID in `TTBR0`) or
    /// without one.
    pub const fn with_asid(mut self, asid: Option<u16>) -> TableConfig {
        self.asid = asid;
        self
    }

    /// With a `TCR_EL1` shared with a kernel or its processes (`Some`), or without.
    pub const fn with_shared_tcr(mut self, shared: Option<SharedTcr>) -> TableConfig {
        self.shared_tcr = shared;
        self
    }

    /// With a VMID (`Some`: the stage 2 table of that virtual machine; see
    /// [`vmid`](Self::vmid)) or without one (a stage 1 table).
    pub const fn with_vmid(mut self, vmid: Option<u16>) -> TableConfig {
        self.vmid = vmid;
        self
    }

    /// Whether the table is a stage 2 table (it has a [`vmid`](Self::vmid)).
    pub const fn is_stage2(&self) -> bool {
        self.vmid.is_some()
    }

    /// The level of the lower range's root table and how many tables it is made of: the
    /// stage 2 start level and its concatenated tables for a stage 2 table
    /// ([`stage2::start_level`]), else [`Granule::root_level`] and 1. `None` when
    /// [`va_bits`](Self::va_bits) is not 25 to 52.
    pub const fn lower_root(&self) -> Option<(i8, usize)> {
        self.root_for(self.va_bits)
    }

    /// The level of the root table of a range of `va_bits` bits (the lower or the upper
    /// one) and how many tables it is made of, as [`lower_root`](Self::lower_root)
    /// gives it for the lower range. `None` when `va_bits` is not 25 to 52.
    pub const fn root_for(&self, va_bits: u8) -> Option<(i8, usize)> {
        if self.is_stage2() {
            stage2::start_level(self.granule, va_bits)
        } else {
            match self.granule.root_level(va_bits) {
                Some(level) => Some((level, 1)),
                None => None,
            }
        }
    }

    /// The descriptor format of the table: [`Format::for_sizes`] with the granule, the
    /// largest VA size among the table's ranges (and a [`SharedTcr`]'s, which shares
    /// its `TCR_EL1.DS`) and the PA size.
    pub const fn format(&self) -> Format {
        let mut va_bits = if self.lower { self.va_bits } else { 0 };
        if let Some(bits) = self.upper_va_bits
            && bits > va_bits
        {
            va_bits = bits;
        }
        if let Some(shared) = self.shared_tcr {
            if shared.lower_va_bits > va_bits {
                va_bits = shared.lower_va_bits;
            }
            if shared.upper_va_bits > va_bits {
                va_bits = shared.upper_va_bits;
            }
        }
        Format::for_sizes(self.granule, va_bits, self.pa_bits)
    }

    /// Checks the address sizes, and that there is a lower or an upper range; for a
    /// stage 2 table, that it asks for nothing stage 2 lacks and that the IPA size is at
    /// most the PA size.
    pub fn validate(&self) -> Result<(), BuildError> {
        for va_bits in [Some(self.va_bits), self.upper_va_bits]
            .into_iter()
            .flatten()
        {
            if !regs::va_bits_supported(va_bits) {
                return Err(BuildError::VaBits { va_bits });
            }
        }
        if self.is_stage2() {
            let stage1_only = [
                (!self.lower, "lower"),
                (self.upper_va_bits.is_some(), "upper_va_bits"),
                (self.asid.is_some(), "asid"),
                (self.shared_tcr.is_some(), "shared_tcr"),
                (self.wxn, "wxn"),
            ];
            if let Some(&(_, option)) = stage1_only.iter().find(|(set, _)| *set) {
                return Err(BuildError::NotInStage2 { option });
            }
        }
        if !self.lower && self.upper_va_bits.is_none() {
            return Err(BuildError::NoVaRange);
        }
        if let Some(shared) = self.shared_tcr {
            for va_bits in [shared.lower_va_bits, shared.upper_va_bits] {
                if !regs::va_bits_supported(va_bits) {
                    return Err(BuildError::VaBits { va_bits });
                }
            }
        }

        if regs::ps_encoding(self.pa_bits).is_none() {
            return Err(BuildError::PaBits {
                pa_bits: self.pa_bits,
            });
        }
        if self.is_stage2() && self.va_bits > self.pa_bits {
            return Err(BuildError::IpaBeyondPa {
                ipa_bits: self.va_bits,
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
///
/// An execute-only page ([`Perms::X`](crate::Perms::X)) of an EL0 table gets
/// AP\[2:1\] = 0b10 (EL1 read-only, no EL0 data access), UXN = 0 and PXN = 1. The other
/// stage 1 regimes cannot express execute-only (their privileged level always reads);
/// for them the page reads as `rx`, and [`build`] refuses it with
/// [`BuildError::ExecuteOnly`](super::BuildError::ExecuteOnly).
///
/// A stage 2 table ([`TableConfig::vmid`]) gets [`stage2_attributes`] whatever `el`.
pub const fn page_attributes(
    el: ExecutionContext,
    attrs: MemAttrs,
    config: &TableConfig,
) -> Descriptor {
    if config.is_stage2() {
        return stage2_attributes(attrs, config.format());
    }
    let (mem, execute) = memory_type(attrs);
    let sh = shareability(attrs, mem);
    let mut bits = AF;
    if !attrs.perms.write() {
        bits |= AP2_READ_ONLY;
    }
    match Regime::of(el) {
        // `Regime::of` gives stage 1 regimes only; stage 2 returned above.
        Regime::El2 | Regime::El3 | Regime::Stage2 => {
            // AP[1] is RES1 in a regime with one privilege level.
            bits |= AP1_EL0;
            if !execute {
                bits |= XN;
            }
        }
        Regime::El10 => {
            if el.is_user() {
                bits |= NG | PXN;
                // Execute-only: AP[2:1] = 0b10 (AP[1] clear), so EL0 cannot load from it
                // (D8.4.1.2.1); UXN stays clear, so EL0 may fetch (D8.4.1.2.3).
                if !attrs.perms.execute_only() {
                    bits |= AP1_EL0;
                }
                if !execute {
                    bits |= UXN;
                }
            } else {
                bits |= UXN;
                if !execute {
                    bits |= PXN;
                }
            }
            // A process's pages belong to its ASID (DDI 0487 D8.16.2, "Global and
            // process-specific translation table entries").
            if config.asid.is_some() {
                bits |= NG;
            }
        }
    }
    bits |= pas_bits(el, attrs.pas);
    let d = Descriptor::from_bits(bits).with_attr_index(mem.index());
    // With TCR_ELx.DS = 1, bits[9:8] hold OA[51:50] and shareability comes from the TCR.
    if config.format().has_sh_field() {
        d.with_sh(sh)
    } else {
        d
    }
}

/// The memory type of a page with `attrs` and whether the page is executable: Device
/// pages have their Device type and `system` pages Normal Write-Back, neither ever
/// executable; `code` and `data` pages are Normal memory of their cacheability,
/// executable when their permissions say so.
const fn memory_type(attrs: MemAttrs) -> (MemoryType, bool) {
    match attrs.kind {
        PageKind::Device => (MemoryType::device(attrs.device), false),
        PageKind::System => (MemoryType::NormalWriteBack, false),
        PageKind::Code | PageKind::Data => (MemoryType::normal(attrs.cache), attrs.perms.execute()),
    }
}

/// The SH field of a page of memory type `mem`: Outer Shareable for Device memory (the
/// value the architecture treats every Device access as having), the page's own for
/// Normal memory.
const fn shareability(attrs: MemAttrs, mem: MemoryType) -> u8 {
    if mem.is_device() {
        SH_OUTER
    } else {
        match attrs.share {
            Shareability::NonShareable => SH_NON_SHAREABLE,
            Shareability::Outer => SH_OUTER,
            Shareability::Inner => SH_INNER,
        }
    }
}

/// The attribute bits of a leaf descriptor of a stage 2 table in `format` for a page with
/// `attrs` (every field except the valid and type bits and the output address):
///
/// * AF = 1;
/// * MemAttr\[3:0\] (bits\[5:2\]) from the memory type ([`stage2::memattr`]): the page's
///   Device type, Normal Write-Back for `system` pages, else Normal memory of the page's
///   cacheability (inner and outer alike);
/// * S2AP\[1:0\] (bits\[7:6\]): bit 6 when the page is readable, bit 7 when writable;
///   an execute-only page (`x`) has S2AP = 0b00: stage 2 grants instruction fetches
///   through XN alone, whatever S2AP says (DDI 0487 D8.4, "Stage 2 instruction
///   execution permissions": the stage 2 execute permission does not depend on the data
///   read permission when EL2 uses AArch64; QEMU's `get_S2prot` likewise), so the
///   virtual machine may run it but not load from it or store to it;
/// * XN\[1:0\] = 0b10 (bit 54) when the page is not executable (Device and `system`
///   pages never are), 0b00 otherwise; XN\[0\] (FEAT_XNX) is never set;
/// * SH (bits\[9:8\]) as at stage 1 (Outer Shareable for Device memory), except in the
///   FEAT_LPA2 format (`VTCR_EL2.DS` = 1), where those bits hold OA\[51:50\] and
///   shareability comes from `VTCR_EL2.SH0` (Inner Shareable);
/// * no nG (stage 2 entries are tagged with the VMID) and no NS bit (bit 5 is
///   MemAttr\[3\]: the Non-secure stage 2 outputs Non-secure PAs).
pub const fn stage2_attributes(attrs: MemAttrs, format: Format) -> Descriptor {
    let (mem, execute) = memory_type(attrs);
    let mut bits = AF | (stage2::memattr(mem) as u64) << stage2::S2_MEMATTR_SHIFT;
    if attrs.perms.read() {
        bits |= stage2::S2AP_READ;
    }
    if attrs.perms.write() {
        bits |= stage2::S2AP_WRITE;
    }
    if !execute {
        bits |= stage2::S2_XN;
    }
    let d = Descriptor::from_bits(bits);
    if format.has_sh_field() {
        d.with_sh(shareability(attrs, mem))
    } else {
        d
    }
}

/// The NS bit (and NSE at EL3) selecting physical address space `pas` in a stage-1 block
/// or page descriptor of a table of context `el`. Which contexts reach which space, and
/// the encodings with their Arm ARM sources, are in [`PhysicalAddressSpace::reaches`].
///
/// 0 where the context has no bit for the space: a Secure page of a non-secure table
/// (Secure is the default space when a layout does not model security) and the spaces
/// the context does not reach, which [`build`] refuses
/// ([`BuildError::UnreachableSpace`]).
pub(crate) const fn pas_bits(el: ExecutionContext, pas: PhysicalAddressSpace) -> u64 {
    use PhysicalAddressSpace as P;
    match (el, pas) {
        (ExecutionContext::EL3, P::NonSecure) => NS,
        (ExecutionContext::EL3, P::Root) => NSE,
        (ExecutionContext::EL3, P::Realm) => NSE | NS,
        (
            ExecutionContext::EL2_S | ExecutionContext::EL1_S | ExecutionContext::EL0_S,
            P::NonSecure,
        ) => NS,
        (ExecutionContext::EL2_Realm, P::NonSecure) => NS,
        _ => 0,
    }
}

/// Whether a page in space `pas` is refused in a table of context `el`: a Root or Realm
/// page the context does not reach. A Secure page stays allowed everywhere (see
/// [`pas_bits`]).
const fn unreachable_space(el: ExecutionContext, pas: PhysicalAddressSpace) -> bool {
    matches!(
        pas,
        PhysicalAddressSpace::Root | PhysicalAddressSpace::Realm
    ) && !pas.reaches(el)
}

/// A run of pages: `count` pages of one size, context and set of attributes, each
/// where the one before it ends in VA and in PA, named by the first one (page `k` is
/// the first page moved `k` pages on in VA and PA, with index `first.index() + k`, as
/// the pages of a `* N` request are).
///
/// A run is what [`build_runs`] and [`table_count_runs`] take: checking it and planning
/// its tables cost the same for one page as for a million, where [`build`] reads every
/// page. [`Layout::page_runs`](crate::Layout::page_runs) gives a table's runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageRun<'a> {
    first: &'a Page,
    count: u32,
    /// What the checks and the plan read of the first page, copied so that building
    /// reads the run alone.
    shape: Shape,
}

/// What the checks and the plan read of a page: context, addresses, size, attributes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Shape {
    el: ExecutionContext,
    va: u64,
    pa: u64,
    size: PageSize,
    attrs: MemAttrs,
}

impl Shape {
    #[inline]
    fn of(page: &Page) -> Shape {
        Shape {
            el: page.el(),
            va: page.va(),
            pa: page.pa(),
            size: page.page_size(),
            attrs: page.mem_attrs(),
        }
    }

    #[inline]
    fn bytes(&self) -> u64 {
        self.size.bytes()
    }
}

impl<'a> PageRun<'a> {
    /// The run of `count` pages starting with `first`, or `None` when its last page
    /// would end past 2^64 in VA or PA or its last index would pass `u32::MAX`. A run
    /// of 0 pages maps nothing.
    pub fn new(first: &'a Page, count: u32) -> Option<PageRun<'a>> {
        let bytes = u128::from(count) * u128::from(first.size());
        let fits = |start: u64| u128::from(start) + bytes <= 1u128 << 64;
        (fits(first.va())
            && fits(first.pa())
            && first.index().checked_add(count.saturating_sub(1)).is_some())
        .then_some(PageRun {
            first,
            count,
            shape: Shape::of(first),
        })
    }

    /// The run of one page.
    pub fn single(page: &'a Page) -> PageRun<'a> {
        PageRun {
            first: page,
            count: 1,
            shape: Shape::of(page),
        }
    }

    /// The first page, which names the run and gives its size, context and attributes.
    pub const fn first(&self) -> &'a Page {
        self.first
    }

    /// The number of pages.
    pub const fn count(&self) -> u32 {
        self.count
    }

    /// The VA of the first page.
    pub const fn va(&self) -> u64 {
        self.shape.va
    }

    /// The PA of the first page.
    pub const fn pa(&self) -> u64 {
        self.shape.pa
    }

    /// The bytes the run maps: its page count times its page size.
    pub const fn bytes(&self) -> u128 {
        self.count as u128 * self.shape.size.bytes() as u128
    }

    /// Page `k` of the run, if `k` is below [`count`](Self::count).
    pub fn page(&self, k: u32) -> Option<Page> {
        (k < self.count).then(|| self.first.nth(k))
    }
}

/// A run of a layout's pages as its table keeps it from the moment they are mapped: the
/// index of the first page in the layout's page list, the page count and what the
/// checks and the plan read of the first page, so that listing a table's runs reads
/// neither its mappings nor its pages.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeptRun {
    first: u32,
    count: u32,
    shape: Shape,
}

impl KeptRun {
    /// The run of `count` pages from `pages[first]`, when that page exists and
    /// [`PageRun::new`] accepts the run.
    pub(crate) fn new(pages: &[Page], first: u32, count: u32) -> Option<KeptRun> {
        let run = PageRun::new(pages.get(first as usize)?, count)?;
        Some(KeptRun {
            first,
            count,
            shape: run.shape,
        })
    }

    /// The run as [`PageRun::new`] makes it, from `pages`: the list it was made from,
    /// or that list with pages added after it (pages are only ever added). `None` only
    /// for a shorter list.
    #[inline]
    pub(crate) fn run<'a>(&self, pages: &'a [Page]) -> Option<PageRun<'a>> {
        Some(PageRun {
            first: pages.get(self.first as usize)?,
            count: self.count,
            shape: self.shape,
        })
    }
}

/// Input pages that can be checked and mapped as one: consecutive in VA and PA (each
/// page where the one before it ends), of one size, context and set of attributes, and
/// not empty.
#[derive(Clone, Copy, Debug)]
enum Source<'a, 'l> {
    /// Pages of a list given to [`build`] or [`table_count`].
    Listed(&'l [&'a Page]),
    /// A run given to [`build_runs`], or a request of a layout (a `* N` request is
    /// consecutive by construction).
    Run(&'l PageRun<'a>),
}

impl<'a> Source<'a, '_> {
    fn len(&self) -> usize {
        match self {
            Source::Listed(p) => p.len(),
            Source::Run(r) => r.count as usize,
        }
    }

    /// The first page.
    fn first(&self) -> &'a Page {
        match *self {
            Source::Listed(p) => p[0],
            Source::Run(r) => r.first,
        }
    }

    /// What the checks and the plan read of the first page.
    #[inline]
    fn shape(&self) -> Shape {
        match *self {
            Source::Listed(p) => Shape::of(p[0]),
            Source::Run(r) => r.shape,
        }
    }

    /// Page `k` (below [`len`](Self::len)), for an error that names it.
    fn page(&self, k: usize) -> Page {
        match *self {
            Source::Listed(p) => p[k].clone(),
            Source::Run(r) => r.first.nth(k as u32),
        }
    }

    /// The VA and PA of page `k` (below [`len`](Self::len)).
    fn addresses(&self, k: usize) -> (u64, u64) {
        match *self {
            Source::Listed(p) => (p[k].va(), p[k].pa()),
            Source::Run(&PageRun { first, .. }) => {
                // Inside the run, which ends by 2^64.
                let off = k as u64 * first.size();
                (first.va() + off, first.pa() + off)
            }
        }
    }
}

/// Whether `b` continues `a` as the next page of one [`Source`].
fn continues(a: &Page, b: &Page) -> bool {
    a.va().checked_add(a.size()) == Some(b.va())
        && a.page_size() == b.page_size()
        && a.pa().checked_add(a.size()) == Some(b.pa())
        && a.va() >> 63 == b.va() >> 63
        && a.el() == b.el()
        && a.mem_attrs() == b.mem_attrs()
}

/// The leaves of one range (lower or upper), merged and hinted, with the table count
/// they need. Upper-range leaves hold their VA relative to the range's start (the VA
/// with the all-ones bits above the range cleared), which is what indexes the tables.
#[derive(Clone, Debug)]
struct Tree {
    va_bits: u8,
    root_level: i8,
    /// The tables the root is made of: 1, or a stage 2 root's concatenated tables.
    root_tables: usize,
    leaves: Vec<Run>,
    tables: usize,
}

/// A table planned but not yet placed: the leaves of its lower (TTBR0) and upper (TTBR1)
/// ranges, each present when the table has that range, and the number of granule-sized tables
/// it needs. [`place`](Self::place) writes it at a base address.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    format: Format,
    lower: Option<Tree>,
    upper: Option<Tree>,
}

impl Plan {
    /// The number of granule-sized tables the image will hold.
    pub(crate) fn tables(&self) -> usize {
        self.lower.as_ref().map_or(0, |t| t.tables) + self.upper.as_ref().map_or(0, |t| t.tables)
    }

    /// Lays the tables out from `base_pa` (the lower range's tables first, root first,
    /// then depth-first in VA order; then the upper range's tables the same way) with the
    /// register values that load them. `config` is the one the plan was made with.
    pub(crate) fn place(
        &self,
        info: &TableInfo,
        base_pa: u64,
        config: &TableConfig,
    ) -> Result<Translation, BuildError> {
        let table = TableRef::of_info(info);
        let format = self.format;
        let table_bytes = format.granule.bytes();
        let root_tables = self.lower.as_ref().map_or(1, |t| t.root_tables);
        // Concatenated root tables are aligned to their total size.
        let align = table_bytes * root_tables as u64;
        if !base_pa.is_multiple_of(align) {
            return Err(BuildError::UnalignedBase {
                table,
                base_pa,
                align,
            });
        }
        let count = self.tables();
        let end = (count as u64)
            .checked_mul(table_bytes)
            .and_then(|len| base_pa.checked_add(len));
        if end.is_none_or(|end| end > 1u64 << config.pa_bits) {
            return Err(BuildError::TablesBeyondPa {
                table,
                base_pa,
                count,
                pa_bits: config.pa_bits,
            });
        }
        let mut descriptors = Vec::with_capacity(count * format.granule.entries());
        let mut lower = None;
        if let Some(t) = &self.lower {
            runs::emit(
                format,
                t.root_level,
                t.root_tables,
                &t.leaves,
                0,
                u64::MAX,
                &mut descriptors,
                base_pa,
            );
            lower = Some((t.va_bits, base_pa));
        }
        let mut upper = None;
        if let Some(t) = &self.upper {
            let root_pa = base_pa + descriptors.len() as u64 * 8;
            runs::emit(
                format,
                t.root_level,
                t.root_tables,
                &t.leaves,
                0,
                u64::MAX,
                &mut descriptors,
                base_pa,
            );
            upper = Some((t.va_bits, root_pa));
        }
        let pa_bits_error = BuildError::PaBits {
            pa_bits: config.pa_bits,
        };
        let stage2 = match config.vmid {
            Some(vmid) => Some(
                Stage2Registers::new(format, config.va_bits, config.pa_bits, base_pa, vmid)
                    .ok_or(pa_bits_error.clone())?,
            ),
            None => None,
        };
        let mut registers = if stage2.is_some() {
            Registers::NONE
        } else {
            let regime = Regime::of(info.el());
            Registers::with_ranges(regime, format, lower, upper, config.pa_bits, config.wxn)
                .ok_or(pa_bits_error)?
        };
        if let Some(shared) = config.shared_tcr {
            registers.tcr = regs::tcr_shared(
                format,
                shared.lower_va_bits,
                shared.upper_va_bits,
                config.pa_bits,
                shared.asid16,
            )
            .ok_or(BuildError::PaBits {
                pa_bits: config.pa_bits,
            })?;
        }
        if let (Some(asid), Some((_, root_pa))) = (config.asid, lower) {
            registers.ttbr0 = regs::ttbr0_with_asid(root_pa, asid);
            if config.shared_tcr.is_none() && asid > regs::ASID_MAX_8_BIT {
                registers.tcr |= regs::TCR_EL1_AS;
            }
        }
        // Written once, without zeroing first.
        let mut bytes = Vec::with_capacity(descriptors.len() * 8);
        bytes.extend(descriptors.iter().flat_map(|d| d.to_le_bytes()));
        Ok(Translation {
            name: String::from(info.name()),
            el: info.el(),
            format,
            base_pa,
            root_level: self.lower.as_ref().map_or(0, |t| t.root_level),
            root_tables,
            va_bits: config.va_bits,
            lower: self.lower.as_ref().map(|t| t.tables),
            upper: self
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
            asid: config.asid,
            stage2,
        })
    }
}

/// How `format` writes a page of `size` that [`Limits::fits`] accepted: the level of
/// its leaf descriptors and how many of them it takes ([`Format::page_leaves`]).
fn page_leaves(format: Format, size: PageSize) -> (i8, u64) {
    // Checked pages have sizes of the format.
    format.page_leaves(size).unwrap_or((3, 1))
}

/// What every page of a table is checked against.
struct Limits<'c> {
    el: ExecutionContext,
    table: &'c TableRef,
    config: &'c TableConfig,
    format: Format,
    /// Whether the table is a stage 2 table.
    stage2: bool,
    upper_start: u64,
    va_limit: u64,
    pa_limit: u64,
}

impl<'c> Limits<'c> {
    /// The limits of a table of context `el` built with `config`, once the
    /// configuration is checked (and fits the context); errors name the table `table`.
    fn new(
        el: ExecutionContext,
        table: &'c TableRef,
        config: &'c TableConfig,
    ) -> Result<Limits<'c>, BuildError> {
        config.validate()?;
        if config.is_stage2() && el != ExecutionContext::EL1_NS {
            return Err(BuildError::Stage2Context {
                table: table.clone(),
                el,
            });
        }
        let upper_bits = config.upper_va_bits;
        if upper_bits.is_some() && Regime::of(el).is_single_privilege() {
            return Err(BuildError::UpperRangeInRegime {
                table: table.clone(),
                el,
            });
        }
        if (config.asid.is_some() || config.shared_tcr.is_some())
            && Regime::of(el).is_single_privilege()
        {
            return Err(BuildError::AsidInRegime {
                table: table.clone(),
                el,
            });
        }
        if config.asid.is_some() && !config.lower {
            return Err(BuildError::AsidWithoutLower {
                table: table.clone(),
            });
        }
        if let Some(shared) = config.shared_tcr {
            let own = [
                (
                    false,
                    config.lower.then_some(config.va_bits),
                    shared.lower_va_bits,
                ),
                (true, upper_bits, shared.upper_va_bits),
            ];
            for (upper, bits, shared) in own {
                if let Some(bits) = bits
                    && bits != shared
                {
                    return Err(BuildError::SharedTcrMismatch {
                        table: table.clone(),
                        upper,
                        bits,
                        shared,
                    });
                }
            }
        }
        Ok(Limits {
            el,
            table,
            config,
            format: config.format(),
            stage2: config.is_stage2(),
            upper_start: upper_bits.and_then(regs::upper_range_start).unwrap_or(0),
            va_limit: 1u64 << config.va_bits,
            pa_limit: 1u64 << config.pa_bits,
        })
    }

    /// Cuts a page list into sources, in list order, checking the pages on the way as
    /// [`check_source`](Self::check_source) does (the first error in list order), and
    /// plans their tables.
    fn plan_list(&self, pages: &[&Page]) -> Result<Plan, BuildError> {
        let mut gathered = Gathered::new(self, 0);
        let mut sources = Vec::new();
        let mut start = 0;
        for i in 0..pages.len() {
            let page = pages[i];
            if i > start && continues(pages[i - 1], page) {
                continue;
            }
            // `page` starts a source: the one before it ends at `i`.
            if i > start {
                self.close(&pages[start..i])?;
                sources.push(Source::Listed(&pages[start..i]));
            }
            self.check(page)?;
            start = i;
        }
        if start < pages.len() {
            self.close(&pages[start..])?;
            sources.push(Source::Listed(&pages[start..]));
        }
        for source in &sources {
            gathered.add(self, source);
        }
        // The sources cover the list in order, so errors name pages by their place in
        // it.
        plan(self, gathered, &sources)
    }

    /// Checks the pages of a listed source after its first.
    fn close(&self, pages: &[&Page]) -> Result<(), BuildError> {
        self.check_rest(&Source::Listed(pages))
    }

    /// Checks one page: context, alignment, VA and PA ranges, PA space, execute-only,
    /// WXN.
    #[inline]
    fn check(&self, page: &Page) -> Result<(), BuildError> {
        if self.fits(&Shape::of(page)) {
            Ok(())
        } else {
            self.fault(page)
        }
    }

    /// Whether [`fault`](Self::fault) finds nothing wrong with a page of this shape.
    #[inline]
    fn fits(&self, page: &Shape) -> bool {
        let config = self.config;
        let (va, pa, size) = (page.va, page.pa, page.bytes());
        let last = va.checked_add(size - 1);
        let inside = if va >> 63 == 1 {
            config.upper_va_bits.is_some() && va >= self.upper_start && last.is_some()
        } else {
            config.lower && last.is_some_and(|last| last < self.va_limit)
        };
        let attrs = page.attrs;
        page.el == self.el
            && self.format.allows(page.size)
            && (va | pa) & (size - 1) == 0
            && inside
            && pa.checked_add(size).is_some_and(|end| end <= self.pa_limit)
            && !unreachable_space(self.el, attrs.pas)
            && !self.shareability_from_tcr(attrs)
            && (!attrs.perms.execute_only() || self.el.is_user() || self.stage2)
            && !(config.wxn
                && attrs.perms.write()
                && attrs.perms.execute()
                && matches!(attrs.kind, PageKind::Code | PageKind::Data))
    }

    /// Whether a page with `attrs` asks for a shareability the table's descriptors
    /// cannot hold: a Normal page that is not Inner Shareable under `TCR_ELx.DS` = 1.
    #[inline]
    fn shareability_from_tcr(&self, attrs: MemAttrs) -> bool {
        self.format.ds()
            && !matches!(attrs.kind, PageKind::Device)
            && attrs.share != Shareability::Inner
    }

    /// The first thing wrong with a page, in the order context, size in the format,
    /// alignment, VA range, PA range, PA space, shareability under `DS`, execute-only
    /// outside EL0 and stage 2, WXN.
    #[cold]
    #[inline(never)]
    fn fault(&self, page: &Page) -> Result<(), BuildError> {
        let (table, config) = (self.table, self.config);
        if page.el() != self.el {
            return Err(BuildError::WrongContext {
                table: table.clone(),
                expected: self.el,
                page: PageRef::of(page),
                found: page.el(),
            });
        }
        if !self.format.allows(page.page_size()) {
            return Err(BuildError::SizeNotInFormat {
                table: table.clone(),
                page: PageRef::of(page),
                format: self.format,
            });
        }
        let size = page.size();
        // Page sizes are powers of two.
        if (page.va() | page.pa()) & (size - 1) != 0 {
            return Err(BuildError::Misaligned {
                table: table.clone(),
                page: PageRef::of(page),
            });
        }
        // A page's last byte: `va + size` is 2^64 for the top page of the upper range.
        let last = page.va().checked_add(size - 1);
        let upper_bits = config.upper_va_bits;
        let inside = if page.va() >> 63 == 1 {
            upper_bits.is_some() && page.va() >= self.upper_start && last.is_some()
        } else {
            config.lower && last.is_some_and(|last| last < self.va_limit)
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
        if page
            .pa()
            .checked_add(size)
            .is_none_or(|end| end > self.pa_limit)
        {
            return Err(BuildError::PaOutOfRange {
                table: table.clone(),
                page: PageRef::of(page),
                pa_bits: config.pa_bits,
            });
        }
        let attrs = page.mem_attrs();
        if unreachable_space(self.el, attrs.pas) {
            return Err(BuildError::UnreachableSpace {
                table: table.clone(),
                page: PageRef::of(page),
                pas: attrs.pas,
                el: self.el,
            });
        }
        if self.shareability_from_tcr(attrs) {
            return Err(BuildError::ShareabilityFromTcr {
                table: table.clone(),
                page: PageRef::of(page),
                share: attrs.share,
            });
        }
        if attrs.perms.execute_only() && !self.el.is_user() && !self.stage2 {
            return Err(BuildError::ExecuteOnly {
                table: table.clone(),
                page: PageRef::of(page),
                el: self.el,
            });
        }
        if config.wxn
            && attrs.perms.write()
            && attrs.perms.execute()
            && matches!(attrs.kind, PageKind::Code | PageKind::Data)
        {
            return Err(BuildError::WritableExecutable {
                table: table.clone(),
                page: PageRef::of(page),
            });
        }
        Ok(())
    }

    /// Checks the pages of a source as [`check`](Self::check) checks each, in order.
    /// Its pages share context, size and attributes and follow each other in VA and PA,
    /// so when the first and last pass and lie in one VA half, every page does; else
    /// the pages are checked one by one for the first error.
    fn check_source(&self, source: &Source<'_, '_>) -> Result<(), BuildError> {
        if !self.fits(&source.shape()) {
            self.fault(source.first())?;
        }
        self.check_rest(source)
    }

    /// Checks the pages of a source after its first, which passed.
    fn check_rest(&self, source: &Source<'_, '_>) -> Result<(), BuildError> {
        if source.len() == 1 {
            return Ok(());
        }
        let first = source.shape();
        let (va, pa) = source.addresses(source.len() - 1);
        // The last page differs from the first only in its addresses.
        if self.fits(&Shape { va, pa, ..first }) && first.va >> 63 == va >> 63 {
            return Ok(());
        }
        match *source {
            Source::Listed(pages) => pages[1..].iter().try_for_each(|p| self.check(p)),
            Source::Run(r) => (1..r.count).try_for_each(|k| self.check(&r.first.nth(k))),
        }
    }
}

/// The runs of a table's checked sources, by range.
struct Gathered {
    lower: Vec<Run>,
    upper: Vec<Run>,
    /// The last attributes encoded, with their bits.
    encoded: Option<(MemAttrs, u64)>,
    /// The last page size, with its leaves ([`page_leaves`]).
    leaves: Option<(PageSize, (i8, u64))>,
    /// The root level of the lower and of the upper range ([`range_root`]).
    roots: (i8, i8),
}

impl Gathered {
    /// Runs of the ranges `limits` describes, with room for `capacity` lower ones.
    fn new(limits: &Limits<'_>, capacity: usize) -> Self {
        let config = limits.config;
        let upper_bits = config.upper_va_bits.unwrap_or(config.va_bits);
        Gathered {
            lower: Vec::with_capacity(if config.lower { capacity } else { 0 }),
            upper: Vec::new(),
            encoded: None,
            leaves: None,
            roots: (
                range_root(config, config.va_bits).0,
                range_root(config, upper_bits).0,
            ),
        }
    }

    /// Adds a checked, non-empty source as one run of its range.
    #[inline]
    fn add(&mut self, limits: &Limits<'_>, source: &Source<'_, '_>) {
        let (el, config) = (limits.el, limits.config);
        let first = source.shape();
        let attrs = first.attrs;
        let bits = match self.encoded {
            Some((a, bits)) if a == attrs => bits,
            _ => {
                let bits = page_attributes(el, attrs, config).attributes();
                self.encoded = Some((attrs, bits));
                bits
            }
        };
        let (runs, root, va) = if first.va >> 63 == 1 {
            (&mut self.upper, self.roots.1, first.va - limits.upper_start)
        } else {
            (&mut self.lower, self.roots.0, first.va)
        };
        let granule = limits.format.granule;
        let count = source.len() as u64;
        let (level, leaves) = match self.leaves {
            Some((size, leaves)) if size == first.size => leaves,
            _ => {
                let leaves = page_leaves(limits.format, first.size);
                self.leaves = Some((first.size, leaves));
                leaves
            }
        };
        // A block larger than a root entry is written as root-level blocks.
        let (level, count) = if level < root {
            (root, count * (first.bytes() / granule.level_size(root)))
        } else {
            (level, count * leaves)
        };
        // The Contiguous groups of level 1 (16 GiB pages of the 4 KiB granule) come only
        // from pages of that size, so tables of 1 GiB pages stay as they are. (Level 2
        // and 3 groups, those of pages of a group's size among them, are found when the
        // leaves are made.)
        let bits = if config.contiguous_hint && level < 2 && leaves > 1 {
            bits | CONTIGUOUS
        } else {
            bits
        };
        runs.push(Run::new(granule, va, first.pa, count, level, bits));
    }
}

/// Plans the tables of the gathered runs of `sources` (which name the pages in errors).
fn plan(
    limits: &Limits<'_>,
    gathered: Gathered,
    sources: &[Source<'_, '_>],
) -> Result<Plan, BuildError> {
    let config = limits.config;
    let tree = |bits: u8, runs: Vec<Run>, upper: bool| tree(limits, sources, bits, runs, upper);
    let lower = if config.lower {
        Some(tree(config.va_bits, gathered.lower, false)?)
    } else {
        None
    };
    let upper = match config.upper_va_bits {
        Some(bits) => Some(tree(bits, gathered.upper, true)?),
        None => None,
    };
    Ok(Plan {
        format: limits.format,
        lower,
        upper,
    })
}

/// Checks the sources, in order, and plans their tables.
fn plan_sources(limits: &Limits<'_>, sources: &[Source<'_, '_>]) -> Result<Plan, BuildError> {
    let mut gathered = Gathered::new(limits, sources.len());
    for source in sources {
        limits.check_source(source)?;
        gathered.add(limits, source);
    }
    plan(limits, gathered, sources)
}

/// Sorts and checks the runs of one range of `va_bits` bits (the upper one if `upper`)
/// and makes them the range's leaves.
fn tree(
    limits: &Limits<'_>,
    sources: &[Source<'_, '_>],
    va_bits: u8,
    mut runs: Vec<Run>,
    upper: bool,
) -> Result<Tree, BuildError> {
    let format = limits.format;
    let (root, root_tables) = range_root(limits.config, va_bits);
    // Runs at one VA overlap, and then the error is found page by page, so their order
    // does not matter.
    runs::sort_by_va(&mut runs);
    let Some(leaves) = runs::leaves(runs, root, limits.config.contiguous_hint, format) else {
        return Err(overlap(limits, sources, root, upper));
    };
    let tables = runs::count_tables(format.granule, root, root_tables, &leaves);
    Ok(Tree {
        va_bits,
        root_level: root,
        root_tables,
        leaves,
        tables,
    })
}

/// The root level and root tables of a range of `va_bits` bits of a table built with
/// `config` ([`TableConfig::root_for`]).
fn range_root(config: &TableConfig, va_bits: u8) -> (i8, usize) {
    // Checked configurations have supported sizes.
    config.root_for(va_bits).unwrap_or((0, 1))
}

/// The overlap error of one range (the upper one if `upper`): the pages as the leaf
/// entries they are written as (one per page, or one per entry for a Contiguous group
/// or a page larger than a root entry), sorted by VA (in input order at one VA), the
/// first leaf that starts before the one sorted before it ends, named with that one
/// (the earlier in the input first).
///
/// The leaves of a source follow each other at one step, so the pair is found on the
/// sources and the page indices computed: a run of any length costs the same.
fn overlap(limits: &Limits<'_>, sources: &[Source<'_, '_>], root: i8, upper: bool) -> BuildError {
    let (table, format) = (limits.table, limits.format);
    /// A source of the range: its leaves, `step` bytes each, cover `start .. end`; its
    /// first page has input position `position`, page `k` has `position + k`.
    struct Span {
        source: usize,
        start: u64,
        end: u128,
        step: u64,
        leaves_per_page: u64,
        position: usize,
    }
    let mut spans = Vec::new();
    let mut position = 0;
    for (s, source) in sources.iter().enumerate() {
        let len = source.len();
        let shape = source.shape();
        // Every page of a checked source lies in the VA half of its first.
        if len > 0 && (shape.va >> 63 == 1) == upper {
            let level = page_leaves(format, shape.size).0.max(root);
            let step = format.granule.level_size(level);
            spans.push(Span {
                source: s,
                start: shape.va,
                end: u128::from(shape.va) + len as u128 * u128::from(shape.bytes()),
                step,
                leaves_per_page: shape.bytes() / step,
                position,
            });
        }
        position += len;
    }
    spans.sort_unstable_by_key(|s| (s.start, s.position));
    // Sorted sources that do not overlap hold leaves that do not either; the first
    // source `b` that starts inside the one before it, `a`, meets it at `b.start`: its
    // first leaf comes right after the last leaf sorted before it, which is `a`'s.
    for (i, pair) in spans.windows(2).enumerate() {
        let (a, b) = (&pair[0], &pair[1]);
        if u128::from(b.start) >= a.end {
            continue;
        }
        // (source, page in it, input position)
        let leaf = (b.start - a.start) / a.step;
        let k = (leaf / a.leaves_per_page) as usize;
        let in_a = (a.source, k, a.position + k);
        let b_first = (b.source, 0, b.position);
        let (x, y) = if a.start + leaf * a.step < b.start || in_a.2 < b.position {
            // `a`'s leaf sorted before `b`'s first holds it.
            (in_a, b_first)
        } else {
            // `a`'s leaf starts where `b` does, later in the input: `a`'s leaf before it
            // ends there, and `b`'s first leaf meets the next at that VA, `a`'s or that
            // of a later source starting there earlier in the input.
            let next = spans
                .get(i + 2)
                .filter(|c| c.start == b.start && c.position < in_a.2)
                .map_or(in_a, |c| (c.source, 0, c.position));
            (b_first, next)
        };
        let (first, second) = if x.2 <= y.2 { (x, y) } else { (y, x) };
        return BuildError::Overlap {
            table: table.clone(),
            first: PageRef::of(&sources[first.0].page(first.1)),
            second: PageRef::of(&sources[second.0].page(second.1)),
        };
    }
    unreachable!("runs overlap only where their pages do")
}

/// The number of translation tables (of the configured granule) [`build`] will use for these pages, computed
/// without a base address so the space can be reserved first.
///
/// The pages must all belong to one table (same exception level and security state);
/// the error messages name that table by core and context.
pub fn table_count<'a, I>(pages: I, config: &TableConfig) -> Result<usize, BuildError>
where
    I: IntoIterator<Item = &'a Page>,
{
    let pages: Vec<&Page> = pages.into_iter().collect();
    count(pages.first().copied(), config, |limits| {
        limits.plan_list(&pages)
    })
}

/// The table count of [`table_count`] and [`table_count_runs`]: the roots alone without
/// pages, else what `plan` plans, with errors naming the table by `first`'s core and
/// context.
fn count(
    first: Option<&Page>,
    config: &TableConfig,
    plan: impl FnOnce(&Limits<'_>) -> Result<Plan, BuildError>,
) -> Result<usize, BuildError> {
    let Some(first) = first else {
        config.validate()?;
        if config.is_stage2() {
            return Ok(range_root(config, config.va_bits).1);
        }
        return Ok(usize::from(config.lower) + usize::from(config.upper_va_bits.is_some()));
    };
    let table = TableRef::of_page(first);
    plan(&Limits::new(first.el(), &table, config)?).map(|p| p.tables())
}

/// Builds the translation tables of one table: the image laid out from `base_pa` (the
/// lower range's tables first, root first, then depth-first in VA order; then the upper
/// range's tables the same way) and the register values that load it.
///
/// Every page must belong to `info`'s exception level, be aligned to its size, lie in
/// the lower or upper VA range of `config` (a VA with bit 63 set is an upper VA) and in
/// its PA range, lie in a physical address space the context reaches when it is Root
/// or Realm ([`BuildError::UnreachableSpace`]), and not overlap another page in VA. The
/// image holds exactly
/// [`table_count`] tables.
///
/// Pages that follow each other in the list and continue each other in VA and PA with
/// one size and set of attributes (the pages of a `* N` request) are checked and mapped
/// as one run, so the work grows with the runs and the descriptors written, plus one
/// comparison per page.
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
    let limits = Limits::new(info.el(), &table, config)?;
    limits.plan_list(&pages)?.place(info, base_pa, config)
}

/// The number of translation tables (of the configured granule) [`build_runs`] will use for these runs,
/// computed without a base address so the space can be reserved first (what
/// [`table_count`] gives for the runs' pages).
///
/// The runs must all belong to one table; the error messages name that table by the
/// core and context of the first run's first page.
pub fn table_count_runs(runs: &[PageRun<'_>], config: &TableConfig) -> Result<usize, BuildError> {
    let sources = run_sources(runs);
    count(sources.first().map(Source::first), config, |limits| {
        plan_sources(limits, &sources)
    })
}

/// Builds the translation tables of one table from runs of pages, as [`build`] does
/// from the runs' pages: the same image, table count and registers, at a cost that
/// grows with the runs and the descriptors written, not with the pages (one run of a
/// million 4 KiB pages is checked and planned as one).
///
/// The rules are [`build`]'s, for every page of every run. The runs are checked in the
/// order given, so the first error found is the first of the first run that has one; an
/// overlap names the two pages, the earlier one first.
pub fn build_runs(
    info: &TableInfo,
    runs: &[PageRun<'_>],
    base_pa: u64,
    config: &TableConfig,
) -> Result<Translation, BuildError> {
    let table = TableRef::of_info(info);
    let sources = run_sources(runs);
    let limits = Limits::new(info.el(), &table, config)?;
    plan_sources(&limits, &sources)?.place(info, base_pa, config)
}

/// The non-empty runs as sources (the one place runs of 0 pages are dropped).
fn run_sources<'a, 'l>(runs: &'l [PageRun<'a>]) -> Vec<Source<'a, 'l>> {
    runs.iter()
        .filter(|r| r.count > 0)
        .map(Source::Run)
        .collect()
}

/// Plans the tables of one table from its requests, each a run (as
/// [`Layout::page_runs`](crate::Layout::page_runs) gives them). The pages are checked in
/// VA order, and errors name the table by the core and context of its first page, as
/// [`table_count`] does for the pages in VA order; an empty table is named by `info`.
pub(crate) fn plan_requests(
    info: &TableInfo,
    requests: &[PageRun<'_>],
    config: &TableConfig,
) -> Result<Plan, BuildError> {
    let mut sources = run_sources(requests);
    // The plan does not depend on the order of the sources, only the first error does,
    // and the error's name of the table: on an error, the sources are planned again in
    // VA order, with the table named as the error must name it.
    let named = TableRef::of_info(info);
    let first_try = Limits::new(info.el(), &named, config).and_then(|l| plan_sources(&l, &sources));
    first_try.or_else(|_| {
        sources.sort_by_key(|s| s.first().va());
        let table = sources
            .first()
            .map_or(named, |s| TableRef::of_page(s.first()));
        plan_sources(&Limits::new(info.el(), &table, config)?, &sources)
    })
}

/// The upper range of a built table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct UpperRange {
    va_bits: u8,
    root_level: i8,
    root_pa: u64,
    tables: usize,
}

/// A built translation table: the image of its granule-sized tables and the register values
/// that load it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Translation {
    name: String,
    el: ExecutionContext,
    format: Format,
    base_pa: u64,
    root_level: i8,
    /// The tables the lower range's root is made of (concatenated at stage 2).
    root_tables: usize,
    va_bits: u8,
    /// The lower range's table count, when the table has a lower range.
    lower: Option<usize>,
    upper: Option<UpperRange>,
    pa_bits: u8,
    descriptors: Vec<u64>,
    bytes: Vec<u8>,
    registers: Registers,
    asid: Option<u16>,
    stage2: Option<Stage2Registers>,
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

    /// The translation regime that loads it: [`Regime::Stage2`] for a stage 2 table,
    /// else the regime of its context ([`Regime::of`]).
    pub const fn regime(&self) -> Regime {
        if self.stage2.is_some() {
            Regime::Stage2
        } else {
            Regime::of(self.el)
        }
    }

    /// The PA of the root table, the first byte of the image.
    pub const fn base_pa(&self) -> u64 {
        self.base_pa
    }

    /// The PA one past the last byte of the image.
    pub const fn end_pa(&self) -> u64 {
        self.base_pa + self.bytes.len() as u64
    }

    /// The table's descriptor format: its granule and whether it uses 52-bit output
    /// addresses.
    pub const fn format(&self) -> Format {
        self.format
    }

    /// The translation granule: the size of each table in the image.
    pub const fn granule(&self) -> Granule {
        self.format.granule
    }

    /// The number of granule-sized tables in the image.
    pub const fn table_count(&self) -> usize {
        self.descriptors.len() / self.format.granule.entries()
    }

    /// The lookup level of the lower range's root table (-1 to 3, see
    /// [`Granule::root_level`]; for a stage 2 table the start level of
    /// [`stage2::start_level`]); 0 without a lower range (see
    /// [`has_lower`](Self::has_lower)).
    pub const fn root_level(&self) -> i8 {
        self.root_level
    }

    /// The number of granule-sized tables the lower range's root is made of, at the start
    /// of the image: 1 for a stage 1 table; for a stage 2 table, its concatenated root
    /// tables (1 to 16, [`stage2::start_level`]), aligned together to their total size.
    pub const fn root_tables(&self) -> usize {
        self.root_tables
    }

    /// The VA size of the lower range (`0 .. 2^va_bits`, through TTBR0; the IPA size of
    /// a stage 2 table). Without a lower range this is the configured
    /// [`TableConfig::va_bits`], which no register uses.
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
    pub const fn upper_root_level(&self) -> Option<i8> {
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

    /// Every descriptor, table after table ([`Granule::entries`] per table: 512, 2048 or
    /// 8192).
    pub fn descriptors(&self) -> &[u64] {
        &self.descriptors
    }

    /// The descriptors of table `index` (0 is the root), if it exists.
    pub fn table(&self, index: usize) -> Option<&[u64]> {
        let entries = self.format.granule.entries();
        let start = index.checked_mul(entries)?;
        self.descriptors.get(start..start.checked_add(entries)?)
    }

    /// The PA of table `index` (0 is the root), if it exists.
    pub fn table_pa(&self, index: usize) -> Option<u64> {
        (index < self.table_count())
            .then(|| self.base_pa + index as u64 * self.format.granule.bytes())
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

    /// The stage 1 register values. A stage 2 table has none: every field is 0, and
    /// [`stage2_registers`](Self::stage2_registers) holds what loads it.
    pub const fn registers(&self) -> Registers {
        self.registers
    }

    /// The registers that load a stage 2 table (`VTCR_EL2`, `VTTBR_EL2`, the `HCR_EL2`
    /// bits to set), or `None` for a stage 1 table.
    pub const fn stage2_registers(&self) -> Option<Stage2Registers> {
        self.stage2
    }

    /// The VMID of a stage 2 table (in bits\[63:48\] of [`vttbr`](Self::vttbr)), or
    /// `None` for a stage 1 table.
    pub const fn vmid(&self) -> Option<u16> {
        match self.stage2 {
            Some(r) => Some(stage2::vttbr_vmid(r.vttbr)),
            None => None,
        }
    }

    /// Translates the IPA `ipa` through a stage 2 table as the MMU would with its
    /// [`vtcr`](Self::vtcr) and [`vttbr`](Self::vttbr) loaded
    /// ([`walk_stage2`](super::walk_stage2)). A stage 1 table gives
    /// [`WalkFault::NotStage2`].
    pub fn walk_stage2(&self, ipa: u64) -> Result<super::Stage2Walk, WalkFault> {
        match self.stage2 {
            Some(r) => super::walk_stage2(&self.bytes, self.base_pa, r.vtcr, r.vttbr, ipa),
            None => Err(WalkFault::NotStage2),
        }
    }

    /// `VTCR_EL2` of a stage 2 table ([`stage2::vtcr`]); 0 for a stage 1 table.
    pub const fn vtcr(&self) -> u64 {
        match self.stage2 {
            Some(r) => r.vtcr,
            None => 0,
        }
    }

    /// `VTTBR_EL2` of a stage 2 table: the root's PA and the VMID ([`stage2::vttbr`]);
    /// 0 for a stage 1 table.
    pub const fn vttbr(&self) -> u64 {
        match self.stage2 {
            Some(r) => r.vttbr,
            None => 0,
        }
    }

    /// The `HCR_EL2` bits to set to run on a stage 2 table ([`stage2::HCR_SET`]: VM and
    /// RW); 0 for a stage 1 table.
    pub const fn hcr_set(&self) -> u64 {
        match self.stage2 {
            Some(r) => r.hcr_set,
            None => 0,
        }
    }

    /// `MAIR_ELx` (0 for a stage 2 table, which has no MAIR).
    pub const fn mair(&self) -> u64 {
        self.registers.mair
    }

    /// `TCR_ELx` for the table's regime (0 for a stage 2 table: see
    /// [`vtcr`](Self::vtcr)).
    pub const fn tcr(&self) -> u64 {
        self.registers.tcr
    }

    /// `TTBR0_ELx`: the lower range's root table PA; 0 without a lower range and for a
    /// stage 2 table (see [`vttbr`](Self::vttbr)).
    pub const fn ttbr0(&self) -> u64 {
        self.registers.ttbr0
    }

    /// `TTBR1_EL1`: the upper range's root table PA; 0 without an upper range. For a
    /// process table built by [`Layout::build_translations`](crate::Layout::build_translations)
    /// under a kernel, the kernel's `TTBR1` (its image holds no upper range).
    pub const fn ttbr1(&self) -> u64 {
        self.registers.ttbr1
    }

    /// The ASID of a process table (in bits\[63:48\] of [`ttbr0`](Self::ttbr0)), if it
    /// was built with one.
    pub const fn asid(&self) -> Option<u16> {
        self.asid
    }

    /// Whether leaf descriptors are non-global (nG = 1): every EL0 table's, and an EL1
    /// table's built with an ASID.
    pub const fn non_global(&self) -> bool {
        self.asid.is_some() || self.el.is_user()
    }

    /// Sets `TTBR1` to the kernel's, for a process table run under a kernel (whose own
    /// image has no upper range).
    pub(crate) fn set_kernel_ttbr1(&mut self, ttbr1: u64) {
        self.registers.ttbr1 = ttbr1;
    }

    /// The `SCTLR_ELx` bits to set: M, C, I, and WXN if asked for (0 for a stage 2
    /// table: see [`hcr_set`](Self::hcr_set)).
    pub const fn sctlr_set(&self) -> u64 {
        self.registers.sctlr_set
    }

    /// Translates `va` by walking the image as the MMU would: a VA with bit 63 set
    /// through the upper range's root (TTBR1), any other through the lower range's
    /// (TTBR0); see [`walk_registers`](super::walk_registers).
    ///
    /// A stage 2 table is walked by the stage 2 walker ([`walk_stage2`](Self::walk_stage2))
    /// for the IPA `va`, its result read as a [`Walk`] of [`Regime::Stage2`]
    /// (`From<Stage2Walk>`).
    pub fn walk(&self, va: u64) -> Result<Walk, WalkFault> {
        if self.stage2.is_some() {
            return self.walk_stage2(va).map(Walk::from);
        }
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
    use crate::model::{Cacheability, DeviceType, Perms};
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
    fn an_asid_makes_every_leaf_non_global_and_goes_in_ttbr0() {
        let el1 = run(
            EL1_NS,
            0x40_0000,
            0x8000_0000,
            3,
            PageSize::Size4K,
            data_rw(),
        );
        let plain = build(&info(EL1_NS), &el1, 0x4000_0000, &TableConfig::new()).unwrap();
        assert!(
            !plain.walk(0x40_0000).unwrap().not_global(),
            "EL1 pages are global"
        );
        for asid in [1u16, 255, 256, 65535] {
            let config = TableConfig::new().with_va_bits(30).with_asid(Some(asid));
            let tr = build(&info(EL1_NS), &el1, 0x4000_0000, &config).unwrap();
            for k in 0..3 {
                assert!(tr.walk(0x40_0000 + k * KIB4).unwrap().not_global());
            }
            assert_eq!(tr.ttbr0(), 0x4000_0000 | u64::from(asid) << 48);
            assert_eq!(tr.asid(), Some(asid));
            // Without a shared TCR, the table's own TCR sets AS for ASIDs over 255.
            assert_eq!(tr.tcr() & regs::TCR_EL1_AS != 0, asid > 255);
        }
    }

    #[test]
    fn a_shared_tcr_is_the_tcr_of_both_ranges() {
        let shared = SharedTcr::new(39, 47, true);
        let user = run(
            EL0_NS,
            0x40_0000,
            0x8000_0000,
            2,
            PageSize::Size4K,
            data_rw(),
        );
        let config = TableConfig::new()
            .with_va_bits(39)
            .with_asid(Some(7))
            .with_shared_tcr(Some(shared));
        let tr = build(&info(EL0_NS), &user, 0x4000_0000, &config).unwrap();
        assert_eq!(
            tr.tcr(),
            regs::tcr_shared(Format::DEFAULT, 39, 47, 40, true).unwrap()
        );
        assert_eq!(tr.tcr() & (regs::TCR_EL1_EPD0 | regs::TCR_EL1_EPD1), 0);
        assert_eq!(
            tr.ttbr1(),
            0,
            "the builder leaves the kernel's TTBR1 to its caller"
        );
        // A kernel without a lower range of its own: TTBR0 0, EPD0 clear all the same.
        let kernel = run(
            EL1_NS,
            0xFFFF_8000_0000_0000,
            0x8000_0000,
            1,
            PageSize::Size4K,
            data_rw(),
        );
        let kconfig = TableConfig::new()
            .with_lower(false)
            .with_upper_va_bits(Some(47))
            .with_shared_tcr(Some(shared));
        let k = build(&info(EL1_NS), &kernel, 0x4010_0000, &kconfig).unwrap();
        assert_eq!((k.tcr(), k.ttbr0()), (tr.tcr(), 0));
        assert!(!k.walk(0xFFFF_8000_0000_0000).unwrap().not_global());
        // Sizes that differ from the shared ones, and contexts without ASIDs.
        let wrong = config.with_va_bits(48);
        assert_eq!(
            build(&info(EL0_NS), &user, 0x4000_0000, &wrong),
            Err(BuildError::SharedTcrMismatch {
                table: TableRef::Named("t".into()),
                upper: false,
                bits: 48,
                shared: 39,
            })
        );
        let wrong = kconfig.with_upper_va_bits(Some(48));
        assert!(matches!(
            build(&info(EL1_NS), &kernel, 0x4010_0000, &wrong),
            Err(BuildError::SharedTcrMismatch { upper: true, .. })
        ));
        let el3 = TableConfig::new().with_asid(Some(1));
        assert!(matches!(
            build(&info(EL3), &[], 0x4000_0000, &el3),
            Err(BuildError::AsidInRegime { .. })
        ));
        let no_lower = kconfig.with_asid(Some(1));
        assert!(matches!(
            build(&info(EL1_NS), &kernel, 0x4010_0000, &no_lower),
            Err(BuildError::AsidWithoutLower { .. })
        ));
    }

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
            // Execute-only: AP[2:1] = 0b10 (EL1 read-only, EL0 no data access), UXN = 0,
            // PXN = 1.
            let x = attr_bits(el, attrs(PageKind::Code, Perms::X));
            assert_eq!(x.ap(), 0b10, "{el}: EL1 ro, EL0 none");
            assert!(x.pxn() && !x.uxn() && x.not_global(), "{el}");
            assert_eq!(x.attr_index(), MemoryType::NormalWriteBack.index());
        }
    }

    #[test]
    fn execute_only_pages_build_only_in_el0_tables() {
        let text = |el| {
            page(
                el,
                0x40_0000,
                0x8000_0000,
                PageSize::Size4K,
                attrs(PageKind::Code, Perms::X),
            )
        };
        for el in ExecutionContext::ALL {
            let got = build(&info(el), &[text(el)], 0x1000, &TableConfig::DEFAULT);
            if el.is_user() {
                let t = got.unwrap();
                let w = t.walk(0x40_0000).unwrap();
                assert_eq!(w.el0_perms(), Some(Perms::X), "{el}");
                assert!(!w.readable_el0() && w.executable_el0() && !w.executable());
                assert_eq!(w.perms(), Perms::R, "{el}: EL1 reads it");
            } else {
                let e = got.unwrap_err();
                assert!(
                    matches!(&e, BuildError::ExecuteOnly { el: found, .. } if *found == el),
                    "{el}: {e:?}"
                );
                assert!(alloc::format!("{e}").contains("FEAT_PIE"), "{e}");
                // The count refuses it too.
                assert!(matches!(
                    table_count(&[text(el)], &TableConfig::DEFAULT),
                    Err(BuildError::ExecuteOnly { .. })
                ));
            }
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
        for (device, index) in [
            (DeviceType::nGnRnE, 0),
            (DeviceType::nGnRE, 1),
            (DeviceType::nGRE, 5),
            (DeviceType::GRE, 6),
        ] {
            let d = page_attributes(EL3, dev.with_device(device), &TableConfig::DEFAULT);
            assert_eq!(d.attr_index(), index, "{device}");
            assert_eq!(d.attr_index(), MemoryType::device(device).index());
        }
        // Normal memory ignores the Device type.
        let gre_data = data_rw().with_device(DeviceType::GRE);
        assert_eq!(attr_bits(EL1_NS, gre_data), attr_bits(EL1_NS, data_rw()));
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
    fn ns_only_from_secure_and_realm_el2_tables() {
        let ns = data_rw().with_non_secure(true);
        for el in ExecutionContext::ALL {
            let selects =
                el.security() == crate::SecurityState::Secure || el == ExecutionContext::EL2_Realm;
            assert_eq!(attr_bits(el, ns).ns(), selects, "{el}");
            assert!(!attr_bits(el, data_rw()).ns(), "{el}");
            if el.level() == 2 {
                assert!(!attr_bits(el, ns).nse(), "{el}: bit 11 is RES0 at EL2");
            }
        }
    }

    /// A Root or Realm page in a table that cannot reach its space is refused (its
    /// descriptor would map it in another space), by the page list and the run builders
    /// and by the count; a Secure page in any table still builds.
    #[test]
    fn root_and_realm_pages_build_only_where_their_space_is_reached() {
        use crate::PhysicalAddressSpace as P;
        for el in ExecutionContext::ALL {
            for pas in P::ALL {
                let pages = run(
                    el,
                    0x40_0000,
                    0x8000_0000,
                    3,
                    PageSize::Size4K,
                    data_rw().with_pas(pas),
                );
                let refused = matches!(pas, P::Root | P::Realm) && !pas.reaches(el);
                let listed = build(&info(el), &pages, 0x1000, &TableConfig::DEFAULT);
                let runs = [PageRun::new(&pages[0], 3).unwrap()];
                let by_run = build_runs(&info(el), &runs, 0x1000, &TableConfig::DEFAULT);
                let counted = table_count(&pages, &TableConfig::DEFAULT);
                if refused {
                    for got in [listed.map(|_| ()), by_run.map(|_| ()), counted.map(|_| ())] {
                        let e = got.unwrap_err();
                        assert!(
                            matches!(&e, BuildError::UnreachableSpace { pas: p, el: e2, page, .. }
                                if *p == pas && *e2 == el && page.index == 0),
                            "{el} {pas}: {e:?}"
                        );
                        let text = alloc::format!("{e}");
                        assert!(
                            text.contains(&alloc::format!("{pas} physical address space")),
                            "{text}"
                        );
                    }
                } else {
                    let t = listed.unwrap();
                    assert_eq!(t, by_run.unwrap(), "{el} {pas}");
                    assert_eq!(counted.unwrap(), t.table_count(), "{el} {pas}");
                }
            }
        }
        // The cases the check exists for: a Root page of a Secure EL1 table was mapped
        // Secure, and one of a Realm EL2 table Realm.
        for (el, pas) in [
            (EL1_S, P::Root),
            (EL2_S, P::Realm),
            (EL2_Realm, P::Root),
            (EL1_NS, P::Realm),
        ] {
            let p = page(
                el,
                0x40_0000,
                0x8000_0000,
                PageSize::Size4K,
                data_rw().with_pas(pas),
            );
            assert!(matches!(
                build(&info(el), &[p], 0x1000, &TableConfig::DEFAULT),
                Err(BuildError::UnreachableSpace { .. })
            ));
        }
        // Secure pages in a non-secure and a Realm table: the default space when
        // security is not modelled, mapped with NS = 0.
        for el in [EL1_NS, EL2_NS, EL0_NS, EL2_Realm] {
            let p = page(
                el,
                0x40_0000,
                0x8000_0000,
                PageSize::Size4K,
                data_rw().with_pas(P::Secure),
            );
            let t = build(&info(el), &[p], 0x1000, &TableConfig::DEFAULT).unwrap();
            assert!(!t.walk(0x40_0000).unwrap().ns(), "{el}");
        }
    }

    /// EL3 selects each of the four physical address spaces with {NSE, NS} (DDI 0487
    /// D8.3, R_GVZML and R_XTYPW).
    #[test]
    fn el3_selects_the_space_with_nse_and_ns() {
        use crate::PhysicalAddressSpace as P;
        for (pas, nse, ns) in [
            (P::Secure, false, false),
            (P::NonSecure, false, true),
            (P::Root, true, false),
            (P::Realm, true, true),
        ] {
            let d = attr_bits(EL3, data_rw().with_pas(pas));
            assert_eq!((d.nse(), d.ns()), (nse, ns), "{pas}");
            assert_eq!(d.bits() & (1 << 11) != 0, nse, "{pas}: NSE is bit 11");
            assert_eq!(d.bits() & (1 << 5) != 0, ns, "{pas}: NS is bit 5");
        }
    }

    /// Realm EL2 selects Realm (NS = 0) or Non-secure (NS = 1); the Realm EL1&0 stage-1
    /// NS bit is RES0, and stays clear whatever the page's space.
    #[test]
    fn realm_tables_set_ns_only_at_el2() {
        use crate::PhysicalAddressSpace as P;
        let realm = data_rw().with_pas(P::Realm);
        let ns = data_rw().with_pas(P::NonSecure);
        assert!(!attr_bits(ExecutionContext::EL2_Realm, realm).ns());
        assert!(attr_bits(ExecutionContext::EL2_Realm, ns).ns());
        for el in [ExecutionContext::EL1_Realm, ExecutionContext::EL0_Realm] {
            for a in [realm, ns] {
                let d = attr_bits(el, a);
                assert!(!d.ns(), "{el}");
            }
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

    /// The valid entries of table `index` of `t`: (entry index, descriptor).
    fn valid(t: &Translation, index: usize) -> Vec<(usize, Descriptor)> {
        t.table(index)
            .unwrap()
            .iter()
            .enumerate()
            .map(|(i, &d)| (i, Descriptor::from_bits(d)))
            .filter(|(_, d)| d.is_valid())
            .collect()
    }

    /// Checks that `t` writes one page of `size` at `va` -> `pa` as 16 leaves of `level`
    /// in table `index` (entries `first .. first + 16`), consecutive in PA, each with
    /// the Contiguous bit when `hint`, and that its first, middle and last bytes walk to
    /// their PAs through them.
    #[allow(clippy::too_many_arguments)]
    fn check_group(
        t: &Translation,
        index: usize,
        first: usize,
        level: i8,
        va: u64,
        pa: u64,
        size: PageSize,
        hint: bool,
    ) {
        let entries = valid(t, index);
        let entry = Granule::Size4K.level_size(level);
        assert_eq!(
            entries.len(),
            CONTIGUOUS_ENTRIES as usize,
            "{size}: {entries:x?}"
        );
        for (k, (i, d)) in entries.iter().enumerate() {
            assert_eq!(*i, first + k, "{size}: entry {k}");
            assert_eq!(d.output_address(), pa + k as u64 * entry, "{size}");
            assert_eq!(d.contiguous(), hint, "{size}: entry {k}");
            let expected = if level == 3 {
                DescriptorKind::Page
            } else {
                DescriptorKind::Block
            };
            assert_eq!(d.kind(level), expected, "{size}: entry {k}");
        }
        for off in [0, size.bytes() / 2 + 8, size.bytes() - 1] {
            let w = t.walk(va + off).unwrap();
            assert_eq!(
                (w.pa, i64::from(w.level), w.contiguous()),
                (pa + off, i64::from(level), hint)
            );
        }
    }

    #[test]
    fn a_64k_page_is_16_level_3_pages_with_the_contiguous_bit() {
        let (va, pa) = (0x4001_0000, 0x8003_0000);
        let p = [page(EL3, va, pa, PageSize::Size64K, data_rw())];
        for hint in [true, false] {
            let cfg = TableConfig::DEFAULT.with_contiguous_hint(hint);
            assert_eq!(table_count(&p, &cfg), Ok(4));
            let t = build(&info(EL3), &p, 0, &cfg).unwrap();
            check_group(&t, 3, 16, 3, va, pa, PageSize::Size64K, hint);
        }
        assert_eq!(t_walk_fault(&p, va + 0x1_0000), Some(3));
    }

    /// The level of the translation fault at `va` in a default EL3 table of `pages`.
    fn t_walk_fault(pages: &[Page], va: u64) -> Option<i8> {
        let t = build(&info(EL3), pages, 0, &TableConfig::DEFAULT).unwrap();
        match t.walk(va) {
            Err(WalkFault::Translation { level, .. }) => Some(level),
            _ => None,
        }
    }

    #[test]
    fn a_32m_page_is_16_level_2_blocks_with_the_contiguous_bit() {
        let (va, pa) = (0x4200_0000, 0x8600_0000);
        let p = [page(EL3, va, pa, PageSize::Size32M, data_rw())];
        for hint in [true, false] {
            let cfg = TableConfig::DEFAULT.with_contiguous_hint(hint);
            assert_eq!(table_count(&p, &cfg), Ok(3));
            let t = build(&info(EL3), &p, 0, &cfg).unwrap();
            check_group(&t, 2, 16, 2, va, pa, PageSize::Size32M, hint);
        }
        assert_eq!(t_walk_fault(&p, va + 0x200_0000), Some(2));
    }

    #[test]
    fn a_16g_page_is_16_level_1_blocks_with_the_contiguous_bit() {
        let (va, pa) = (16 * GIB, 32 * GIB);
        let p = [page(EL1_NS, va, pa, PageSize::Size16G, data_rw())];
        for hint in [true, false] {
            let cfg = TableConfig::DEFAULT.with_contiguous_hint(hint);
            assert_eq!(table_count(&p, &cfg), Ok(2));
            let t = build(&info(EL1_NS), &p, 0, &cfg).unwrap();
            check_group(&t, 1, 16, 1, va, pa, PageSize::Size16G, hint);
        }
        // With a 39-bit VA the root is level 1 and holds the group itself.
        let cfg = TableConfig::DEFAULT.with_va_bits(39);
        let t = build(&info(EL1_NS), &p, 0, &cfg).unwrap();
        assert_eq!(t.table_count(), 1);
        check_group(&t, 0, 16, 1, va, pa, PageSize::Size16G, true);
        // Too large for a 34-bit VA range past its start.
        let cfg = TableConfig::DEFAULT.with_va_bits(34);
        assert!(matches!(
            build(&info(EL1_NS), &p, 0, &cfg),
            Err(BuildError::VaOutOfRange { .. })
        ));
    }

    #[test]
    fn sixteen_1g_pages_keep_their_bytes_beside_a_16g_page() {
        // Level 1 groups are hinted only as 16 GiB pages: 16 aligned 1 GiB pages are
        // written as before the 16 GiB size existed, without the Contiguous bit.
        let ones = run(EL1_NS, 16 * GIB, 32 * GIB, 16, PageSize::Size1G, data_rw());
        let t = build(&info(EL1_NS), &ones, 0, &TableConfig::DEFAULT).unwrap();
        assert!(valid(&t, 1).iter().all(|(_, d)| !d.contiguous()));
        assert_eq!(valid(&t, 1).len(), 16);
        // Beside a 16 GiB page of equal attributes, in VA and PA, each keeps its own.
        let mut pages = ones;
        pages.push(page(
            EL1_NS,
            32 * GIB,
            48 * GIB,
            PageSize::Size16G,
            data_rw(),
        ));
        let t = build(&info(EL1_NS), &pages, 0, &TableConfig::DEFAULT).unwrap();
        let entries = valid(&t, 1);
        assert_eq!(entries.len(), 32);
        for (i, d) in entries {
            assert_eq!(d.contiguous(), i >= 32, "entry {i}");
        }
    }

    #[test]
    fn contiguous_group_pages_must_be_aligned_to_their_size() {
        for (size, va) in [
            (PageSize::Size64K, 0x4000_1000),
            (PageSize::Size32M, 0x4020_0000),
            (PageSize::Size16G, GIB),
        ] {
            let p = [page(EL1_NS, va, 0, size, data_rw())];
            assert!(
                matches!(
                    build(&info(EL1_NS), &p, 0, &TableConfig::DEFAULT),
                    Err(BuildError::Misaligned { .. })
                ),
                "{size}"
            );
            let p = [page(EL1_NS, 0, va, size, data_rw())];
            assert!(
                matches!(
                    table_count(&p, &TableConfig::DEFAULT),
                    Err(BuildError::Misaligned { .. })
                ),
                "{size}"
            );
        }
    }

    #[test]
    fn runs_of_64k_pages_merge_into_a_block_as_4k_pages_do() {
        // 32 pages of 64 KiB fill an aligned 2 MiB: one block, as 512 pages of 4 KiB.
        let big = run(
            EL3,
            0x4000_0000,
            0x8000_0000,
            32,
            PageSize::Size64K,
            data_rw(),
        );
        let small = run(
            EL3,
            0x4000_0000,
            0x8000_0000,
            512,
            PageSize::Size4K,
            data_rw(),
        );
        let a = build(&info(EL3), &big, 0, &TableConfig::DEFAULT).unwrap();
        let b = build(&info(EL3), &small, 0, &TableConfig::DEFAULT).unwrap();
        assert_eq!(a.bytes(), b.bytes());
        assert_eq!(a.walk(0x4000_0000).unwrap().level, 2);
        // And a lone 64 KiB page is written as the 16 aligned 4 KiB pages it covers.
        let one = [page(
            EL3,
            0x4001_0000,
            0x8001_0000,
            PageSize::Size64K,
            data_rw(),
        )];
        let sixteen = run(
            EL3,
            0x4001_0000,
            0x8001_0000,
            16,
            PageSize::Size4K,
            data_rw(),
        );
        let a = build(&info(EL3), &one, 0, &TableConfig::DEFAULT).unwrap();
        let b = build(&info(EL3), &sixteen, 0, &TableConfig::DEFAULT).unwrap();
        assert_eq!(a.bytes(), b.bytes());
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
        for va_bits in [0, 24, 53, 64, 255] {
            let cfg = TableConfig::DEFAULT.with_va_bits(va_bits);
            assert_eq!(table_count([&p], &cfg), Err(BuildError::VaBits { va_bits }));
            assert_eq!(table_count([], &cfg), Err(BuildError::VaBits { va_bits }));
        }
        for pa_bits in [0, 31, 41, 53, 64] {
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

    fn named(name: &'static str, el: ExecutionContext, va: u64, size: PageSize) -> Page {
        Page::new(
            name,
            0,
            &info(el),
            va,
            va,
            size,
            data_rw(),
            false,
            Vec::new(),
        )
    }

    /// A run of u32::MAX pages (16 TiB) overlapping another page is reported with the
    /// two pages, the page of the run found by its index, without a leaf per page.
    #[test]
    fn an_overlap_with_a_huge_run_names_its_page_without_expanding_it() {
        let cfg = TableConfig::DEFAULT.with_pa_bits(48);
        let first = named("huge", EL1_NS, 0, PageSize::Size4K);
        let huge = PageRun::new(&first, u32::MAX).unwrap();
        let small = named("small", EL1_NS, 0x1234_5000, PageSize::Size4K);
        let after = named("after", EL1_NS, 0x7000_0000_0000, PageSize::Size4K);
        for runs in [
            [huge, PageRun::single(&small), PageRun::single(&after)],
            [PageRun::single(&after), PageRun::single(&small), huge],
        ] {
            let huge_first = runs[0] == huge;
            for got in [
                build_runs(&info(EL1_NS), &runs, 0, &cfg).map(|_| ()),
                table_count_runs(&runs, &cfg).map(|_| ()),
            ] {
                let Err(BuildError::Overlap { first, second, .. }) = got else {
                    panic!("{got:?}");
                };
                let (a, b) = if huge_first {
                    (first, second)
                } else {
                    (second, first)
                };
                assert_eq!(
                    (a.name.as_str(), a.index, a.va),
                    ("huge", 0x12345, 0x1234_5000)
                );
                assert_eq!((b.name.as_str(), b.index), ("small", 0));
            }
        }
    }

    /// An overlap is the first pair of leaf entries that meet, in VA and then input
    /// order, with a Contiguous group as its 16 entries: a 64 KiB page listed last does
    /// not end before two 4 KiB pages that both start inside it, so the two are named.
    #[test]
    fn an_overlap_names_the_first_leaves_that_meet() {
        let cfg = TableConfig::DEFAULT;
        let group = named("group", EL1_NS, 0, PageSize::Size64K);
        let b = named("b", EL1_NS, 0x1000, PageSize::Size4K);
        let c = named("c", EL1_NS, 0x1000, PageSize::Size4K);
        let pair = |pages: &[&Page]| match build(&info(EL1_NS), pages.iter().copied(), 0, &cfg) {
            Err(BuildError::Overlap { first, second, .. }) => (first.name, second.name),
            got => panic!("{got:?}"),
        };
        assert_eq!(pair(&[&b, &c, &group]), ("b".into(), "c".into()));
        // Listed first, the group's entry at 0x1000 comes before `b` and `c` there.
        assert_eq!(pair(&[&group, &b, &c]), ("group".into(), "b".into()));
        // A page listed before the group at the start of one of its entries meets the
        // entry before it, and the next page there.
        let mid = named("mid", EL1_NS, 0x2000, PageSize::Size4K);
        assert_eq!(pair(&[&mid, &b, &group]), ("b".into(), "group".into()));
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
                base_pa: 0x800,
                align: 0x1000,
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
            table_count([], &cfg.with_upper_va_bits(Some(53))),
            Err(BuildError::VaBits { va_bits: 53 })
        );
        assert_eq!(table_count([], &cfg), Ok(2), "two empty roots");
    }
}

#[cfg(test)]
mod stage2_tests {
    use super::*;
    use crate::aarch64::descriptor::{OA_MASK, SH_MASK};
    use crate::aarch64::stage2::{
        HCR_SET, S2_MEMATTR_MASK, S2_XN, S2AP_MASK, S2AP_READ, S2AP_WRITE, VTCR_VS,
    };
    use crate::model::{Cacheability, DeviceType, Perms};
    use ExecutionContext::*;

    const GIB: u64 = 1 << 30;
    const VM: ExecutionContext = EL1_NS;

    fn info() -> TableInfo {
        TableInfo::new("vm", 0, VM)
    }

    fn page(va: u64, pa: u64, size: PageSize, a: MemAttrs) -> Page {
        Page::new("p", 0, &info(), va, pa, size, a, false, Vec::new())
    }

    /// A 4 KiB-granule stage 2 table with a 40-bit IPA and 40-bit PA for VMID 5.
    fn config() -> TableConfig {
        TableConfig::DEFAULT
            .with_va_bits(40)
            .with_pa_bits(40)
            .with_vmid(Some(5))
    }

    /// The leaf descriptor that maps `ipa` in `t`, found by walking the image by hand
    /// (4 KiB granule): the concatenated root is indexed by IPA\[39:30\].
    fn leaf(t: &Translation, ipa: u64) -> (i8, u64) {
        let mut index = (ipa >> 30) as usize;
        let mut table = 0;
        let mut level = t.root_level();
        loop {
            let d = t.descriptors()[table * 512 + index];
            assert_eq!(d & 1, 1, "{ipa:#x} invalid at level {level}");
            if level == 3 || d & 0b10 == 0 {
                return (level, d);
            }
            table = ((d & OA_MASK) - t.base_pa()) as usize / 4096;
            level += 1;
            index = ((ipa >> (12 + 9 * (3 - level) as u32)) & 511) as usize;
        }
    }

    #[test]
    fn a_4k_stage_2_table_with_a_40_bit_ipa_has_two_concatenated_level_1_roots() {
        let data = MemAttrs::new(PageKind::Data);
        let code = MemAttrs::new(PageKind::Code);
        let pages = [
            // In the first root table, and in the second (IPA bit 39 set).
            page(0x4000_0000, 0x8000_0000, PageSize::Size4K, data),
            page(0x80_4000_0000, 0x8000_1000, PageSize::Size4K, code),
            page(
                0x80_4000_1000,
                0x8000_2000,
                PageSize::Size4K,
                code.with_perms(Perms::X),
            ),
            page(
                0x0900_0000,
                0x0900_0000,
                PageSize::Size4K,
                MemAttrs::new(PageKind::Device),
            ),
            page(
                0x4000_2000,
                0x8000_3000,
                PageSize::Size4K,
                data.with_perms(Perms::R),
            ),
            page(
                0x4020_0000,
                0x8020_0000,
                PageSize::Size2M,
                data.with_cache(Cacheability::NonCacheable),
            ),
            page(3 * GIB, 3 * GIB, PageSize::Size1G, data),
        ];
        let base = 0x4010_0000;
        let t = build(&info(), &pages, base, &config()).unwrap();
        assert_eq!(t.regime(), Regime::Stage2);
        assert_eq!((t.root_level(), t.root_tables()), (1, 2));
        // 2 roots, a level 2 table for 0x4000_0000, one for 0x80_4000_0000 and one for
        // the device page at 0x0900_0000, and their level 3 tables.
        assert_eq!(t.table_count(), 2 + 3 + 3);
        assert_eq!(table_count(&pages, &config()), Ok(t.table_count()));
        assert_eq!(t.vmid(), Some(5));
        assert_eq!(t.asid(), None);
        assert!(!t.non_global());

        // VTCR_EL2: T0SZ 24, SL0 0b01 (level 1), IRGN0 = ORGN0 = 0b01, SH0 0b11, TG0 0b00,
        // PS 0b010 (40 bits), RES1 bit 31; 8-bit VMID.
        assert_eq!(t.vtcr(), 0x8002_3558);
        assert_eq!(t.vtcr() & 0x3F, 24);
        assert_eq!((t.vtcr() >> 6) & 0b11, 0b01, "SL0");
        assert_eq!((t.vtcr() >> 16) & 0b111, 0b010, "PS");
        assert_eq!(t.vtcr() & VTCR_VS, 0);
        assert_eq!(t.vttbr(), base | 5 << 48);
        assert_eq!(t.hcr_set(), HCR_SET);
        assert_eq!(t.hcr_set(), 1 | 1 << 31);
        assert_eq!(
            t.stage2_registers(),
            Some(Stage2Registers {
                vtcr: 0x8002_3558,
                vttbr: base | 5 << 48,
                hcr_set: HCR_SET,
            })
        );
        assert_eq!(t.registers(), Registers::NONE);
        assert_eq!((t.tcr(), t.ttbr0(), t.mair(), t.sctlr_set()), (0, 0, 0, 0));

        // The second root table holds IPA 2^39 and up.
        assert_eq!(
            t.descriptors()[512 + 1] & 0b11,
            0b11,
            "table at root entry 513"
        );
        assert_eq!(t.descriptors()[1] & 0b11, 0b11, "table at root entry 1");

        // Normal Write-Back read/write data: AF, S2AP 0b11, MemAttr 0b1111, SH inner,
        // XN[1]; no nG, no NS.
        let (level, d) = leaf(&t, 0x4000_0000);
        assert_eq!(level, 3);
        assert_eq!(d & 0b11, 0b11, "page descriptor");
        assert_eq!(d & OA_MASK, 0x8000_0000);
        assert_eq!(d & S2AP_MASK, S2AP_READ | S2AP_WRITE);
        assert_eq!((d & S2_MEMATTR_MASK) >> 2, 0b1111);
        assert_eq!(d & SH_MASK, 0b11 << 8);
        assert_ne!(d & AF, 0);
        assert_ne!(d & S2_XN, 0);
        assert_eq!(d & (NG | 1 << 53), 0);
        assert_eq!(
            d & !OA_MASK,
            0b11 | AF | 0b11 << 8 | S2AP_READ | S2AP_WRITE | 0b1111 << 2 | S2_XN
        );
        // Code: read-only, executable.
        let (_, d) = leaf(&t, 0x80_4000_0000);
        assert_eq!(d & OA_MASK, 0x8000_1000);
        assert_eq!(d & S2AP_MASK, S2AP_READ);
        assert_eq!(d & (S2_XN | 1 << 53), 0);
        // Execute-only: S2AP 0b00, XN 0.
        let (_, d) = leaf(&t, 0x80_4000_1000);
        assert_eq!(d & S2AP_MASK, 0);
        assert_eq!(d & (S2_XN | 1 << 53), 0);
        assert_eq!((d & S2_MEMATTR_MASK) >> 2, 0b1111);
        // Device-nGnRE (the default): MemAttr 0b0001, never executable, Outer Shareable.
        let (_, d) = leaf(&t, 0x0900_0000);
        assert_eq!((d & S2_MEMATTR_MASK) >> 2, 0b0001);
        assert_ne!(d & S2_XN, 0);
        assert_eq!(d & SH_MASK, 0b10 << 8);
        assert_eq!(d & S2AP_MASK, S2AP_READ | S2AP_WRITE);
        // Read-only.
        let (_, d) = leaf(&t, 0x4000_2000);
        assert_eq!(d & S2AP_MASK, S2AP_READ);
        // A 2 MiB block of Normal Non-cacheable memory: MemAttr 0b0101.
        let (level, d) = leaf(&t, 0x4020_0000);
        assert_eq!((level, d & 0b11), (2, 0b01));
        assert_eq!((d & S2_MEMATTR_MASK) >> 2, 0b0101);
        assert_eq!(d & OA_MASK, 0x8020_0000);
        // A 1 GiB block at the concatenated root.
        let (level, d) = leaf(&t, 3 * GIB);
        assert_eq!((level, d & 0b11), (1, 0b01));
        assert_eq!(d & OA_MASK, 3 * GIB);
    }

    /// The leaf a stage 2 table maps `ipa` with, by a hand walk in any granule: the
    /// start level's index takes every IPA bit above it.
    fn any_leaf(t: &Translation, ipa: u64) -> (i8, u64) {
        let (format, granule) = (t.format(), t.granule());
        let entries = granule.entries();
        let mut level = t.root_level();
        let mut slot = (ipa >> granule.level_shift(level)) as usize;
        assert!(slot < entries * t.root_tables());
        let mut table = 0;
        loop {
            let d = t.descriptors()[table * entries + slot];
            assert_eq!(d & 1, 1, "{ipa:#x} invalid at level {level}");
            if level == 3 || d & 0b10 == 0 {
                return (level, d);
            }
            table = ((format.decode_address(d) - t.base_pa()) / granule.bytes()) as usize;
            level += 1;
            slot = granule.level_index(ipa, level);
        }
    }

    #[test]
    fn concatenated_roots_in_every_granule_and_the_52_bit_formats() {
        let data = MemAttrs::new(PageKind::Data);
        // (granule, IPA, PA size, start level, root tables, a page size of the format,
        // VTCR SL0, DS)
        for (granule, ipa_bits, pa_bits, level, roots, size, sl0, ds) in [
            (Granule::Size4K, 52, 52, 0, 16, PageSize::Size4K, 0b10, true),
            (
                Granule::Size4K,
                34,
                36,
                2,
                16,
                PageSize::Size2M,
                0b00,
                false,
            ),
            (
                Granule::Size16K,
                29,
                32,
                3,
                16,
                PageSize::Size16K,
                0b00,
                false,
            ),
            (
                Granule::Size16K,
                48,
                48,
                1,
                2,
                PageSize::Size32M,
                0b10,
                false,
            ),
            (
                Granule::Size16K,
                52,
                52,
                0,
                1,
                PageSize::Size16K,
                0b11,
                true,
            ),
            (
                Granule::Size64K,
                33,
                36,
                3,
                16,
                PageSize::Size64K,
                0b00,
                false,
            ),
            (
                Granule::Size64K,
                46,
                48,
                2,
                16,
                PageSize::Size512M,
                0b01,
                false,
            ),
            (
                Granule::Size64K,
                52,
                52,
                1,
                1,
                PageSize::Size64K,
                0b10,
                false,
            ),
        ] {
            let config = TableConfig::DEFAULT
                .with_granule(granule)
                .with_va_bits(ipa_bits)
                .with_pa_bits(pa_bits)
                .with_vmid(Some(9));
            let bytes = size.bytes();
            // One page at the bottom, one in a later root table, one at the top.
            let top = (1u64 << ipa_bits) - bytes;
            let last_root = (1u64 << ipa_bits) - (1u64 << (ipa_bits - 1)).min(1 << 40);
            let pa_top = (1u64 << pa_bits) - bytes;
            let pages = [
                page(0, bytes, size, data),
                page(last_root, 2 * bytes, size, data.with_perms(Perms::R)),
                page(top, pa_top, size, data.with_perms(Perms::X)),
            ];
            let align = granule.bytes() * roots as u64;
            let base = align * 3;
            let t = build(&info(), &pages, base, &config).unwrap();
            let what = alloc::format!("{granule} {ipa_bits}-bit IPA");
            assert_eq!((t.root_level(), t.root_tables()), (level, roots), "{what}");
            assert_eq!(t.format().ds(), ds, "{what}");
            assert_eq!((t.vtcr() >> 6) & 0b11, sl0, "{what}");
            assert_eq!(t.vtcr() & 0x3F, 64 - u64::from(ipa_bits), "{what}");
            assert_eq!(t.vtcr() & stage2::VTCR_DS != 0, ds, "{what}");
            assert_eq!(
                (t.vtcr() & stage2::VTCR_TG0_MASK) >> stage2::VTCR_TG0_SHIFT,
                granule.tg0()
            );
            assert_eq!(
                regs::ttbr_baddr(t.vttbr() & 0xFFFF_FFFF_FFFF, t.format().oa52),
                base
            );
            assert_eq!(table_count(&pages, &config), Ok(t.table_count()), "{what}");
            for (p, s2ap, xn) in [
                (&pages[0], S2AP_READ | S2AP_WRITE, true),
                (&pages[1], S2AP_READ, true),
                (&pages[2], 0, false),
            ] {
                let (_, d) = any_leaf(&t, p.va());
                assert_eq!(t.format().decode_address(d), p.pa(), "{what} {:#x}", p.va());
                assert_eq!(d & S2AP_MASK, s2ap, "{what}");
                assert_eq!(d & S2_XN != 0, xn, "{what}");
                let sh = if ds { 0 } else { 0b11 << 8 };
                assert_eq!(d & SH_MASK & !t.format().address_bits(), sh, "{what}");
            }
            if roots > 1 {
                assert!(matches!(
                    build(&info(), &pages, base + granule.bytes(), &config),
                    Err(BuildError::UnalignedBase { align: a, .. }) if a == align
                ));
            }
        }
    }

    #[test]
    fn memory_types_and_permissions_at_stage_2() {
        let f = Format::DEFAULT;
        let memattr = |a: MemAttrs| (stage2_attributes(a, f).bits() & S2_MEMATTR_MASK) >> 2;
        let data = MemAttrs::new(PageKind::Data);
        for (device, want) in [
            (DeviceType::nGnRnE, 0b0000),
            (DeviceType::nGnRE, 0b0001),
            (DeviceType::nGRE, 0b0010),
            (DeviceType::GRE, 0b0011),
        ] {
            assert_eq!(
                memattr(MemAttrs::new(PageKind::Device).with_device(device)),
                want
            );
        }
        for (cache, want) in [
            (Cacheability::NonCacheable, 0b0101),
            (Cacheability::WriteThrough, 0b1010),
            (Cacheability::WriteBack, 0b1111),
        ] {
            assert_eq!(memattr(data.with_cache(cache)), want);
        }
        // System pages: Normal Write-Back, never executable.
        let system = MemAttrs::new(PageKind::System)
            .with_cache(Cacheability::NonCacheable)
            .with_perms(Perms::RWX);
        assert_eq!(memattr(system), 0b1111);
        assert_ne!(stage2_attributes(system, f).bits() & S2_XN, 0);
        // Device pages never execute, whatever their permissions.
        let device = MemAttrs::new(PageKind::Device).with_perms(Perms::RWX);
        assert_ne!(stage2_attributes(device, f).bits() & S2_XN, 0);
        for (perms, s2ap, xn) in [
            (Perms::R, S2AP_READ, true),
            (Perms::RW, S2AP_READ | S2AP_WRITE, true),
            (Perms::RX, S2AP_READ, false),
            (Perms::RWX, S2AP_READ | S2AP_WRITE, false),
            (Perms::X, 0, false),
        ] {
            let d = stage2_attributes(data.with_perms(perms), f).bits();
            assert_eq!(d & S2AP_MASK, s2ap, "{perms}");
            assert_eq!(d & S2_XN != 0, xn, "{perms}");
        }
        // page_attributes gives the stage 2 bits for a table with a VMID.
        let config = config();
        assert_eq!(
            page_attributes(VM, data, &config),
            stage2_attributes(data, config.format())
        );
        // DS = 1: no SH field.
        let ds = Format::for_sizes(Granule::Size4K, 52, 52);
        assert_eq!(stage2_attributes(data, ds).bits() & SH_MASK, 0);
    }

    #[test]
    fn a_stage_1_table_has_no_stage_2_walk() {
        let t = build(&info(), &[], 0x4000_0000, &config().with_vmid(None)).unwrap();
        assert_eq!((t.vmid(), t.regime()), (None, Regime::El10));
        let e = t.walk_stage2(0x1000).unwrap_err();
        assert_eq!(e, WalkFault::NotStage2);
        assert_eq!(
            alloc::format!("{e}"),
            "a stage 1 table has no stage 2 to walk; walk it with `Translation::walk`, or \
             build it as a VM's stage 2 table with `TableConfig::with_vmid`"
        );
    }

    #[test]
    fn sixteen_bit_vmids_set_vs() {
        let t = build(&info(), &[], 0x4000_0000, &config().with_vmid(Some(300))).unwrap();
        assert_ne!(t.vtcr() & VTCR_VS, 0);
        assert_eq!(t.vttbr(), 0x4000_0000 | 300 << 48);
        let t = build(&info(), &[], 0x4000_0000, &config().with_vmid(Some(255))).unwrap();
        assert_eq!(t.vtcr() & VTCR_VS, 0);
    }

    #[test]
    fn an_empty_stage_2_table_is_its_zeroed_roots() {
        let t = build(&info(), &[], 0x4000_0000, &config()).unwrap();
        assert_eq!((t.table_count(), t.root_tables()), (2, 2));
        assert!(t.descriptors().iter().all(|&d| d == 0));
        assert_eq!(table_count(core::iter::empty(), &config()), Ok(2));
        assert_eq!(table_count_runs(&[], &config()), Ok(2));
    }

    #[test]
    fn stage_2_errors() {
        let data = MemAttrs::new(PageKind::Data);
        let p = page(0x4000_0000, 0x8000_0000, PageSize::Size4K, data);
        let base = 0x4000_0000;
        // Concatenated roots are aligned to their total size: 2 × 4 KiB.
        assert_eq!(
            build(&info(), [&p], 0x4000_1000, &config()),
            Err(BuildError::UnalignedBase {
                table: TableRef::Named("vm".into()),
                base_pa: 0x4000_1000,
                align: 0x2000,
            })
        );
        // Only EL1_NS tables have a stage 2 here.
        let el2 = TableInfo::new("hyp", 0, EL2_NS);
        assert_eq!(
            build(&el2, [], base, &config()),
            Err(BuildError::Stage2Context {
                table: TableRef::Named("hyp".into()),
                el: EL2_NS,
            })
        );
        // Stage 1 options.
        for (config, option) in [
            (config().with_lower(false), "lower"),
            (config().with_upper_va_bits(Some(39)), "upper_va_bits"),
            (config().with_asid(Some(1)), "asid"),
            (
                config().with_shared_tcr(Some(SharedTcr::new(40, 39, false))),
                "shared_tcr",
            ),
            (config().with_wxn(true), "wxn"),
        ] {
            assert_eq!(
                build(&info(), [&p], base, &config),
                Err(BuildError::NotInStage2 { option })
            );
            assert_eq!(config.validate(), Err(BuildError::NotInStage2 { option }));
        }
        // An IPA larger than the PA.
        assert_eq!(
            config().with_va_bits(44).validate(),
            Err(BuildError::IpaBeyondPa {
                ipa_bits: 44,
                pa_bits: 40,
            })
        );
        assert!(
            config()
                .with_va_bits(44)
                .with_pa_bits(44)
                .validate()
                .is_ok()
        );
        // Root and Realm pages are refused; Secure and Non-secure ones are not.
        for pas in [PhysicalAddressSpace::Root, PhysicalAddressSpace::Realm] {
            let q = page(
                0x4000_0000,
                0x8000_0000,
                PageSize::Size4K,
                data.with_pas(pas),
            );
            assert!(matches!(
                build(&info(), [&q], base, &config()),
                Err(BuildError::UnreachableSpace { .. })
            ));
        }
        let ns = page(
            0x4000_0000,
            0x8000_0000,
            PageSize::Size4K,
            data.with_pas(PhysicalAddressSpace::NonSecure),
        );
        let t = build(&info(), [&ns], base, &config()).unwrap();
        assert_eq!(
            leaf(&t, 0x4000_0000).1 & (1 << 5),
            1 << 5,
            "MemAttr[3], not NS"
        );
        // Pages of another context.
        let q = Page::new(
            "p",
            0,
            &TableInfo::new("k", 0, EL1_S),
            0,
            0,
            PageSize::Size4K,
            data,
            false,
            Vec::new(),
        );
        assert!(matches!(
            build(&info(), [&q], base, &config()),
            Err(BuildError::WrongContext { .. })
        ));
        // The stage 2 walker walks it.
        let t = build(&info(), [&p], base, &config()).unwrap();
        assert_eq!(t.walk(0x4000_0123).map(|w| w.pa), Ok(0x8000_0123));
        assert_eq!(
            t.walk(0x4000_1000),
            Err(WalkFault::Translation {
                va: 0x4000_1000,
                level: 3
            })
        );
    }
}
