//! The engine's error type: every way a request can fail, with what a person needs to
//! act on it.
//!
//! Each failure is one variant whose sentence is written once, in its `Display`
//! (`error/display.rs`). Each variant also says (`error/location.rs`), from where the
//! engine detected it, which [`Field`] of the request is at fault ([`Error::field`]) and
//! which other declaration is involved ([`Error::other`]), so a front end only has to
//! locate them in its source; the text of a note on that other declaration is
//! [`Error::note`].
//!
//! A new failure touches: its variant here (with a `field` and an `other` when the
//! detecting code decides them, or an arm of [`Error::field`] in `error/location.rs`
//! when the variant fixes them), its sentence in `error/display.rs`, the code that
//! detects it (in `layout/` or `tables.rs`), and its UI case. The planner and the front
//! ends need no change; a front end may add a help in its own words (the layout
//! language's `help` in `dsl/lower.rs`).

use alloc::string::String;
use core::fmt;

use crate::aarch64::gpt::{Gpi, GptError};
use crate::aarch64::{BuildError, Granule};
use crate::model::{
    Cacheability, ExecutionContext, Hex, MemAttrs, PageKind, PageSize, Perms, PhysicalAddressSpace,
    SegmentKind,
};

mod display;
mod location;

pub use location::{Field, OtherPart, Party};

/// Why a page option has no effect ([`Error::OptionWithoutEffect`]).
///
/// Not exhaustive: options may gain reasons.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum NoEffect {
    /// No table of the Secure state maps the page (for `non_secure_ok`: none whose home
    /// is the Secure space, nor an EL3 table): the first table that maps it, and its
    /// context.
    NotSecure {
        /// The table.
        table: String,
        /// Its context.
        el: crate::ExecutionContext,
    },
    /// `non_secure_ok` on a page whose only table of the Secure state is an EL3 table
    /// in Root state: the layout has `realm` or `root` pools (FEAT_RME), so EL3 keeps
    /// its code and translation tables in Root memory and never executes from
    /// non-secure memory.
    RootState {
        /// The EL3 table.
        table: String,
    },
    /// The page is neither `code` nor has `x` permission.
    NotExecutable,
}

/// An address space: the physical space of the layout or the virtual space of a table.
///
/// Not exhaustive: stage 2 brings intermediate physical spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Space {
    /// The physical address space (all pools).
    Physical,
    /// The physical pool with this name.
    Pool(String),
    /// The virtual address space of the table with this name.
    Virtual(String),
    /// A page (or `* N` run) of a table, as the space a segment is placed in.
    Page {
        /// The table.
        table: String,
        /// The page.
        page: String,
    },
    /// A shared page, as the space a shared segment is placed in.
    SharedPage(String),
    /// The IPA space of the virtual machine with this name, as far as its stage 2 pages
    /// map it: where its guests' pages and translation tables are placed.
    Ipa(String),
    /// The non-secure physical pools: all a table of a non-secure context may use once
    /// the layout marks any pool `non_secure`.
    NonSecure {
        /// A secure pool of the same memory type with room for the request, if any: a
        /// pool that may lack its `non_secure` mark.
        secure_fit: Option<String>,
    },
    /// The secure pools of the request's memory type: all that an executable page of a
    /// secure table, or its translation tables, may use once the layout marks any pool
    /// `non_secure` (unless it opts in with `non_secure_ok`).
    Secure {
        /// The secure pools tried.
        tried: alloc::boxed::Box<[String]>,
        /// The non-secure pools of the same memory type, refused.
        refused: alloc::boxed::Box<[String]>,
    },
    /// The pools of the request's memory type in the space a table keeps its
    /// translation tables or executable pages in, when that space is Realm (a Realm
    /// table) or Root (an EL3 table once the layout has `realm` or `root` pools): all
    /// such a request may use (see [`Error::UntrustedPa`]).
    Trusted {
        /// The space.
        space: PhysicalAddressSpace,
        /// The pools of that space tried.
        tried: alloc::boxed::Box<[String]>,
    },
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Physical => f.write_str("the physical address space"),
            Space::Pool(p) => write!(f, "physical pool `{p}`"),
            Space::Virtual(t) => write!(f, "the virtual address space of table `{t}`"),
            Space::Page { table, page } => write!(f, "page `{page}` of table `{table}`"),
            Space::SharedPage(p) => write!(f, "shared page `{p}`"),
            Space::Ipa(vm) => write!(f, "the IPA space of VM `{vm}`"),
            Space::NonSecure { secure_fit: None } => f.write_str(
                "the non-secure physical pools (a non-secure regime reaches only non-secure PA)",
            ),
            Space::NonSecure {
                secure_fit: Some(pool),
            } => write!(
                f,
                "the non-secure physical pools (a non-secure regime reaches only non-secure PA; secure pool `{pool}` has room, so declare it `non_secure` if non-secure software may use it)"
            ),
            Space::Secure { tried, refused } => {
                f.write_str("the secure pools (")?;
                if tried.is_empty() {
                    f.write_str("none of this memory type is declared")?;
                } else {
                    f.write_str("tried: ")?;
                    names(f, tried)?;
                }
                if !refused.is_empty() {
                    f.write_str("; refused: ")?;
                    names(f, refused)?;
                    f.write_str(
                        ", non-secure memory the normal world could rewrite under a secure table; without a `gpt`, add `non_secure_ok` to allow it",
                    )?;
                }
                if tried.is_empty() {
                    f.write_str(
                        "; declare one, without a space or `secure`, for the secure tables' code and translation tables",
                    )?;
                }
                f.write_str(")")
            }
            Space::Trusted { space, tried } => {
                let (what, who) = match space {
                    PhysicalAddressSpace::Root => ("root", "EL3 runs in Root state with FEAT_RME"),
                    _ => (
                        "realm",
                        "a Realm table keeps its code and translation tables in Realm memory",
                    ),
                };
                write!(f, "the {what} pools (tried: ")?;
                names(f, tried)?;
                write!(f, "; {who}: declare a pool `{what}` with room)")
            }
        }
    }
}

/// `a`, `b` and `c` in backquotes, or `none`.
fn names(f: &mut fmt::Formatter<'_>, list: &[String]) -> fmt::Result {
    if list.is_empty() {
        return f.write_str("none");
    }
    for (i, n) in list.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "`{n}`")?;
    }
    Ok(())
}

/// Which address of a request an error is about.
///
/// Not exhaustive: stage 2 brings the intermediate physical address (IPA).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Addr {
    /// The virtual address.
    Va,
    /// The physical address.
    Pa,
}

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Addr::Va => "VA",
            Addr::Pa => "PA",
        })
    }
}

/// A half-open address range `start..end`, printed (`Display` and `Debug`) as [`Hex`]
/// writes addresses.
///
/// Exhaustive on purpose: a range is its two ends, built with a struct literal.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Range {
    /// First address.
    pub start: u64,
    /// One past the last address.
    pub end: u64,
}

impl Range {
    /// The true end: a range that ends at 2^64 has `end == 0` (it wrapped), and ends at
    /// `0x1_0000_0000_0000_0000` here.
    pub const fn end_u128(&self) -> u128 {
        if self.end == 0 {
            1 << 64
        } else {
            self.end as u128
        }
    }

    /// The number of bytes (2^64 for the whole space).
    pub const fn size(&self) -> u128 {
        self.end_u128() - self.start as u128
    }
}

/// `0xSTART..0xEND` (as [`Hex`] writes addresses) with the true end, so a range ending
/// at 2^64 prints as ending at `0x1_0000_0000_0000_0000`, not at 0.
impl fmt::Debug for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Range")
            .field("start", &format_args!("{}", Hex::from(self.start)))
            .field("end", &format_args!("{}", Hex::from(self.end)))
            .finish()
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", Hex::from(self.start), Hex(self.end_u128()))
    }
}

/// What holds an address a request needed: for errors that found no room.
///
/// Not exhaustive: the engine builds it; read its fields.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Taken {
    /// The space: VA (of the request's table) or PA.
    pub addr: Addr,
    /// The first address of the request's candidate range that it holds.
    pub at: u64,
    /// Its name.
    pub by: String,
    /// What it is: a mapping, or a PA reservation.
    pub party: Party,
}

impl fmt::Display for Taken {
    /// `VA 0x4008_0000 is taken by `fixmap``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} is taken by `{}`",
            self.addr,
            Hex::from(self.at),
            self.by
        )
    }
}

/// A kind of named thing, for errors about names.
///
/// Not exhaustive: the language may name more kinds of thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Thing {
    /// A table.
    Table,
    /// A physical pool.
    Pool,
    /// A page.
    Page,
    /// A shared page.
    SharedPage,
    /// A segment.
    Segment,
}

impl Thing {
    /// The word for it: `table`, `pool`, `page`, `shared page`, `segment`.
    pub const fn word(self) -> &'static str {
        match self {
            Thing::Table => "table",
            Thing::Pool => "pool",
            Thing::Page => "page",
            Thing::SharedPage => "shared page",
            Thing::Segment => "segment",
        }
    }

    /// Whether it is a page, shared or not.
    pub const fn is_page(self) -> bool {
        matches!(self, Thing::Page | Thing::SharedPage)
    }
}

impl fmt::Display for Thing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// `s` after a count that is not 1: `1 table`, `3 tables`.
pub(crate) fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Everything that can go wrong in the engine.
///
/// Each message is one sentence that says what is wrong and how to fix it.
///
/// Not exhaustive, and neither is any variant with fields: new failures become new
/// variants and a variant may gain fields, so match with a wildcard arm and `..`
/// (`Error::NoRoom { size, .. }`). The engine builds errors; read them with their fields,
/// [`field`](Self::field), [`other`](Self::other) and `Display`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A size of zero bytes.
    #[non_exhaustive]
    ZeroSize {
        /// What was being sized.
        what: String,
        /// The part of the request at fault.
        field: Field,
    },
    /// A count of zero pages.
    #[non_exhaustive]
    ZeroCount {
        /// The request's name.
        name: String,
    },
    /// An alignment that is not a power of two.
    #[non_exhaustive]
    AlignNotPowerOfTwo {
        /// The alignment given.
        align: u64,
    },
    /// An address not aligned as required.
    #[non_exhaustive]
    Misaligned {
        /// Which address.
        addr: Addr,
        /// The address given.
        value: u64,
        /// The alignment required.
        align: u64,
        /// The request's name.
        name: String,
        /// The part of the request at fault.
        field: Field,
    },
    /// A size that is not a multiple of the page size.
    #[non_exhaustive]
    SizeNotMultiple {
        /// The size given.
        size: u64,
        /// The page size it must be a multiple of.
        page_size: u64,
    },
    /// A range whose end passes 2^64.
    #[non_exhaustive]
    Wraps {
        /// Start of the range.
        start: u64,
        /// Size of the range.
        size: u64,
        /// The part of the request at fault.
        field: Field,
    },
    /// A range that passes the limit of an address space.
    #[non_exhaustive]
    BeyondLimit {
        /// Which address.
        addr: Addr,
        /// The range asked for.
        range: Range,
        /// The number of address bits of the space.
        bits: u8,
        /// The part of the request at fault.
        field: Field,
        /// The declared limit ([`Party::PaBits`]), when one was declared.
        other: Option<Party>,
    },
    /// A fixed address that lies outside every pool of the space.
    #[non_exhaustive]
    OutsidePools {
        /// Which address.
        addr: Addr,
        /// The range asked for.
        range: Range,
        /// The space.
        space: Space,
        /// The part of the request at fault.
        field: Field,
    },
    /// A fixed range that overlaps something already placed.
    #[non_exhaustive]
    Overlap {
        /// The space of the collision.
        space: Space,
        /// The range asked for.
        range: Range,
        /// The name of what is already there.
        with: String,
        /// The part of the request at fault.
        field: Field,
        /// What is already there.
        other: Party,
    },
    /// A pool range that overlaps another pool.
    #[non_exhaustive]
    PoolOverlap {
        /// The new pool's name.
        name: String,
        /// The existing pool's name.
        with: String,
        /// The existing pool.
        other: Party,
    },
    /// No free range fits a request.
    #[non_exhaustive]
    NoRoom {
        /// What was asked for, in words.
        what: alloc::boxed::Box<str>,
        /// Size asked for in bytes.
        size: u64,
        /// Alignment asked for.
        align: u64,
        /// Where it was looked for.
        space: Space,
        /// The largest free range there, if any.
        largest: Option<Range>,
        /// Up to three declarations at fixed addresses that hold part of the space.
        taken: alloc::boxed::Box<[Taken]>,
    },
    /// No range is free in VA and PA together for an identity request.
    #[non_exhaustive]
    IdentityImpossible {
        /// The request's name.
        name: String,
        /// Size asked for in bytes.
        size: u64,
        /// Alignment asked for.
        align: u64,
        /// The table.
        table: String,
        /// The largest range free in both spaces, if any.
        largest: Option<Range>,
        /// What holds the candidates: up to three declarations at VAs of the free PA,
        /// or at PAs of the free VA, that would otherwise fit.
        taken: alloc::boxed::Box<[Taken]>,
    },
    /// An identity request whose fixed VA and PA differ.
    #[non_exhaustive]
    IdentityConflict {
        /// The request's name.
        name: String,
        /// The fixed VA.
        va: u64,
        /// The fixed PA.
        pa: u64,
    },
    /// A VA or PA size the 4 KiB-granule translation registers cannot encode.
    #[non_exhaustive]
    UnsupportedBits {
        /// Which address.
        addr: Addr,
        /// The number of bits given.
        bits: u8,
        /// The part of the request at fault.
        field: Field,
    },
    /// A shared page declared as an alias.
    #[non_exhaustive]
    SharedAlias {
        /// The page's name.
        name: String,
    },
    /// A segment asked to sit in an alias, whose PA belongs to another page.
    #[non_exhaustive]
    SegmentInAlias {
        /// The segment's name.
        name: String,
        /// The alias.
        page: String,
        /// The page the alias maps the PA of.
        of: String,
        /// The part of the request at fault.
        field: Field,
        /// The alias, when named by the segment's `in_page`.
        other: Option<Party>,
    },
    /// No physical room for the translation tables of a table.
    #[non_exhaustive]
    NoRoomForTables {
        /// The table.
        table: String,
        /// How many tables it needs.
        count: u64,
        /// The bytes of one table: the table's granule.
        granule: u64,
        /// Where they were looked for.
        space: Space,
        /// The largest free range there, if any.
        largest: Option<Range>,
    },
    /// A declared range for the translation tables that is too small for them.
    #[non_exhaustive]
    TablesRangeTooSmall {
        /// The range.
        range: Range,
        /// How many tables all page tables need together.
        count: u64,
        /// The bytes they need: each table is its granule's size, and each page table's
        /// tables are aligned to its granule.
        bytes: u64,
    },
    /// A name used twice where names must be unique.
    #[non_exhaustive]
    Duplicate {
        /// What kind of thing.
        what: Thing,
        /// The name.
        name: String,
        /// The declaration already there, when the engine knows it (the checker does
        /// not).
        other: Option<Party>,
    },
    /// A name that does not exist.
    #[non_exhaustive]
    Unknown {
        /// What kind of thing.
        what: Thing,
        /// The name.
        name: String,
        /// The part of the request at fault.
        field: Field,
    },
    /// A segment asked to sit in a page of the wrong kind.
    #[non_exhaustive]
    SegmentKindMismatch {
        /// The segment's kind.
        segment: SegmentKind,
        /// The page's name.
        page: String,
        /// The page's kind.
        page_kind: PageKind,
        /// The page's permissions (`rodata` needs no write, `data` and `bss` need it).
        page_perms: Perms,
        /// The declaration already there, when the engine knows it (the checker does
        /// not).
        other: Option<Party>,
    },
    /// A `system` page asked for what its descriptors never give it: system pages
    /// (translation tables and other structures the hardware reads) are always Normal
    /// write-back and execute-never.
    #[non_exhaustive]
    SystemPageAttrs {
        /// The page's name.
        name: String,
        /// What was asked: [`Field::Perms`] (execute) or [`Field::Cache`] (a
        /// cacheability other than write-back).
        field: Field,
        /// The cacheability asked for.
        cache: Cacheability,
    },
    /// A `non_shareable` page mapped for more than one core: by a table several cores
    /// use, by tables of different cores, or through an alias in another core's table.
    /// Non-shareable memory is not kept coherent between the cores (Arm ARM B2.7
    /// "Memory types and attributes": a Non-shareable location is coherent only for
    /// the one observer that accesses it), so the cores would see different data.
    #[non_exhaustive]
    NonShareableAcrossCores {
        /// The page's name.
        name: String,
        /// Two of the cores that map it.
        cores: [u32; 2],
    },
    /// A segment whose page lacks the access its kind needs
    /// ([`SegmentKind::missing_access`]): a code segment in a page without execute
    /// permission (the first instruction fetch faults), a stack in a read-only page (the
    /// first push faults).
    #[non_exhaustive]
    SegmentAccess {
        /// The segment's name.
        name: String,
        /// The segment's kind.
        kind: SegmentKind,
        /// The page's name.
        page: String,
        /// The page's permissions.
        page_perms: Perms,
        /// The permissions the page needs: `rx` (execute) or `rw` (write).
        needs: Perms,
        /// The page's declaration, when the engine knows it (the checker does not).
        other: Option<Party>,
    },
    /// A segment larger than the pages it must sit in.
    #[non_exhaustive]
    SegmentTooLarge {
        /// The segment's name.
        name: String,
        /// The segment's size.
        size: u64,
        /// The page's name.
        page: String,
        /// The bytes the page (group) spans.
        page_bytes: u64,
        /// The declaration already there, when the engine knows it (the checker does
        /// not).
        other: Option<Party>,
    },
    /// A fixed segment address that is not inside mapped pages of the right kind.
    #[non_exhaustive]
    SegmentNotInPages {
        /// The segment's name.
        name: String,
        /// The range asked for.
        range: Range,
        /// The segment's kind (it decides which pages take it).
        kind: SegmentKind,
    },
    /// A shared segment in a page that is not shared, or the other way round.
    #[non_exhaustive]
    SharedMismatch {
        /// The segment's name.
        name: String,
        /// The page's name.
        page: String,
        /// Whether the segment is shared.
        segment_shared: bool,
        /// The declaration already there, when the engine knows it (the checker does
        /// not).
        other: Option<Party>,
    },
    /// Device memory asked to be executable.
    #[non_exhaustive]
    ExecutableDevice {
        /// The page's name.
        name: String,
    },
    /// An execute-only page ([`Perms::X`](crate::Perms::X)) mapped by a table that is
    /// not an EL0 table: the privileged level of a regime (EL1, EL2, EL3) always reads
    /// what it maps, so execute-only needs FEAT_PIE (permission indirection), which
    /// memlayout does not use (Arm ARM DDI 0487, D8.4.1.2.1 "Stage 1 data accesses using
    /// Direct permissions").
    #[non_exhaustive]
    ExecuteOnlyNotUser {
        /// The page's name.
        name: String,
        /// The table that maps it.
        table: String,
        /// The table's context.
        el: ExecutionContext,
    },
    /// The same PA mapped with conflicting memory attributes.
    #[non_exhaustive]
    MismatchedAlias {
        /// The PA range.
        range: Range,
        /// The attributes of the first mapping.
        first: MemAttrs,
        /// The attributes of the second mapping.
        second: MemAttrs,
        /// The first mapping's name.
        with: String,
        /// The first mapping.
        other: Party,
    },
    /// Memory of one type placed in a pool of another (Normal memory in a device window
    /// or Device memory in RAM).
    #[non_exhaustive]
    PoolKindMismatch {
        /// The page's name.
        name: String,
        /// The page's kind.
        kind: PageKind,
        /// The pool's name.
        pool: String,
        /// Whether the pool is a device window.
        pool_device: bool,
        /// The part of the request at fault.
        field: Field,
    },
    /// A shared page mapped into no table.
    #[non_exhaustive]
    NoTables {
        /// The page's name.
        name: String,
    },
    /// A fixed PA already mapped by a private page of another table with the same
    /// memory kind: one memory (a device, say) declared in two tables.
    #[non_exhaustive]
    SamePaInTwoTables {
        /// The new page.
        name: String,
        /// Its PA range.
        range: Range,
        /// The page already mapping it.
        with: String,
        /// That page's table.
        with_table: String,
        /// The part of the request at fault.
        field: Field,
        /// The page already mapping it.
        other: Party,
    },
    /// A device page without a fixed PA: device registers sit at fixed addresses.
    #[non_exhaustive]
    DeviceWithoutPa {
        /// The page's name.
        name: String,
    },
    /// A second table for a core in a regime that has one translation table base
    /// register per core: EL3, or EL2 in one security state.
    #[non_exhaustive]
    RegimeTaken {
        /// The new table.
        table: String,
        /// A core both tables are for.
        core: u32,
        /// The exception level of both.
        el: ExecutionContext,
        /// The table already declared for that core and regime.
        first: String,
        /// The declaration already there, when the engine knows it (the checker does
        /// not).
        other: Option<Party>,
    },
    /// A segment given an alignment below what its kind needs
    /// ([`SegmentKind::min_align`](crate::SegmentKind::min_align)): 16 bytes for stacks
    /// (the AArch64 SP alignment), 4 for code (A64 instructions).
    #[non_exhaustive]
    AlignTooSmall {
        /// The segment's name.
        name: String,
        /// The segment's kind.
        kind: SegmentKind,
        /// The alignment given, in bytes.
        align: u64,
    },
    /// A stack segment whose size is not a multiple of 16 bytes, so its top is not
    /// 16-byte aligned.
    #[non_exhaustive]
    StackSize {
        /// The segment's name.
        name: String,
        /// The size given.
        size: u64,
        /// The bytes of the page(s) it must sit in, when known: the size suggested is
        /// rounded down instead of up when rounding up would not fit.
        room: Option<u64>,
    },
    /// Secure PA put into a table of a non-secure context (`EL2_NS`, `EL1_NS`, `EL0_NS`),
    /// whose output addresses are always non-secure, once the layout marks any pool
    /// `non_secure` (unmarked pools are then secure).
    #[non_exhaustive]
    SecureInNonSecure {
        /// What needs the PA, in words (`page `peek``, `the translation tables of
        /// table `k``).
        what: String,
        /// The non-secure table.
        table: String,
        /// The secure pool the PA lies in.
        pool: String,
        /// The part of the request at fault.
        field: Field,
    },
    /// Non-secure PA for what a table of a secure context depends on, once the layout
    /// marks any pool `non_secure`: its translation tables, or an executable page (kind
    /// `code`, or execute permission), which the normal world could then rewrite. The
    /// opt-ins are [`PageRequest::non_secure_ok`](crate::PageRequest::non_secure_ok)
    /// and [`Layout::allow_non_secure_tables`](crate::Layout::allow_non_secure_tables).
    #[non_exhaustive]
    NonSecureForSecure {
        /// What needs the PA, in words (`executable page `boot``, `the translation
        /// tables`).
        what: String,
        /// The secure table.
        table: String,
        /// The non-secure pool the PA lies in.
        pool: String,
        /// The part of the request at fault.
        field: Field,
    },
    /// A pool declared in two physical address spaces that cannot hold one PA range
    /// together: only `secure` with `non_secure` (memory or a device both worlds reach) may.
    #[non_exhaustive]
    PoolSpaces {
        /// The pool.
        name: String,
        /// The first space declared.
        first: PhysicalAddressSpace,
        /// The second, which may not join it.
        second: PhysicalAddressSpace,
    },
    /// PA put into a table whose context never reaches the pool's physical address
    /// space (see [`PhysicalAddressSpace::reaches`]): Realm or Root PA in a secure or
    /// non-secure table, Secure or Root PA in a Realm table, or Realm or Root PA in a
    /// non-secure one. Secure PA in a non-secure table is [`Error::SecureInNonSecure`].
    #[non_exhaustive]
    UnreachablePa {
        /// What needs the PA, in words (`page `peek``, `the translation tables of
        /// table `k``).
        what: String,
        /// The table.
        table: String,
        /// Its context.
        el: ExecutionContext,
        /// The pool the PA lies in.
        pool: String,
        /// The pool's space.
        space: PhysicalAddressSpace,
        /// The part of the request at fault.
        field: Field,
    },
    /// PA of a pool outside the space a table keeps its translation tables and
    /// executable pages in, when the space is not Secure (that case is
    /// [`Error::NonSecureForSecure`]): a Realm table's in Realm memory, an EL3 table's in
    /// Root memory once the layout has `realm` or `root` pools (EL3 then runs in Root
    /// state). `non_secure_ok` lets translation tables use non-secure memory, never
    /// executable pages: Root and Realm state take a permission fault on an instruction
    /// fetched from another physical address space (Arm ARM DDI 0487, rules R_ZWRVD for
    /// Root, R_PKTDS for Realm EL2, R_YMCSL for the Realm EL1&0 stage 2).
    #[non_exhaustive]
    UntrustedPa {
        /// What needs the PA, in words (`executable page `boot``, `the translation
        /// tables`).
        what: String,
        /// The table.
        table: String,
        /// Its context.
        el: ExecutionContext,
        /// The pool the PA lies in.
        pool: String,
        /// The space the PA must be in.
        needs: PhysicalAddressSpace,
        /// Whether the request is for the translation tables (else an executable
        /// page).
        tables: bool,
        /// Whether `non_secure_ok` would allow the pool (translation tables in a
        /// non-secure pool).
        non_secure_ok: bool,
        /// The part of the request at fault.
        field: Field,
    },
    /// `non_secure_view` asked of a page whose PA lies in a pool that is not in both
    /// physical address spaces (declared `secure, non_secure`): a secure-only pool has
    /// no non-secure view, and a non-secure pool is mapped with NS = 1 anyway.
    #[non_exhaustive]
    NonSecureViewNotDual {
        /// The page.
        name: String,
        /// Its pool.
        pool: String,
        /// The part of the request at fault.
        field: Field,
    },
    /// A page option that changes nothing for this page, so it is most likely a mistake:
    /// `non_secure_view` or `non_secure_ok` on a page no table of the Secure state maps
    /// (only such a table selects a PAS with its NS bit for these options), or
    /// `non_secure_ok` on a page that is neither `code` nor has `x` permission (data pages of secure tables may
    /// take non-secure PA without it).
    #[non_exhaustive]
    OptionWithoutEffect {
        /// The page.
        name: String,
        /// The option, as the language writes it.
        option: &'static str,
        /// Why it has no effect.
        reason: NoEffect,
        /// The part of the request at fault.
        field: Field,
    },
    /// An error from the AArch64 table builder, nested as the
    /// [`source`](core::error::Error::source).
    #[non_exhaustive]
    Tables {
        /// The table.
        table: String,
        /// What the builder reported (boxed: it is large, and rare).
        source: alloc::boxed::Box<BuildError>,
    },
    /// A VA size asked for a table's lower or upper range that does not cover its
    /// virtual ranges.
    #[non_exhaustive]
    VaBitsTooSmall {
        /// The table.
        table: String,
        /// Whether it is the size of the upper range (TTBR1).
        upper: bool,
        /// The size asked for.
        bits: u8,
        /// The range that does not fit.
        range: Range,
        /// The size that range needs.
        needed: u8,
        /// That range ([`Party::VirtualRange`]).
        other: Party,
    },
    /// A virtual range that is neither in the lower nor in the upper range its table's
    /// regime translates.
    #[non_exhaustive]
    VaRangeNotTranslated {
        /// The table.
        table: String,
        /// The range.
        range: Range,
        /// Whether the regime has an upper range (EL1&0) or only a lower one (EL2, EL3).
        has_upper: bool,
        /// The part of the request at fault.
        field: Field,
    },
    /// An ASID over 65535, the largest 16-bit ASID.
    #[non_exhaustive]
    AsidTooLarge {
        /// The table.
        table: String,
        /// The ASID asked for.
        asid: u32,
    },
    /// An ASID for a table outside the EL1&0 regime (EL3, EL2), which has no ASIDs.
    #[non_exhaustive]
    AsidInRegime {
        /// The table.
        table: String,
        /// Its exception level.
        el: ExecutionContext,
    },
    /// Two processes under one kernel with one ASID: their TLB entries would mix.
    #[non_exhaustive]
    AsidTaken {
        /// The table given the ASID second.
        table: String,
        /// The ASID.
        asid: u16,
        /// The kernel both run under.
        kernel: String,
        /// The process that has it first.
        first: String,
        /// That process ([`Party::Table`]), when the engine knows it.
        other: Option<Party>,
    },
    /// An ASID on a kernel table: its pages are global and its `TTBR1` carries no ASID.
    #[non_exhaustive]
    AsidOnKernel {
        /// The kernel.
        kernel: String,
        /// A process that runs under it.
        process: String,
        /// That process ([`Party::Table`]), when the engine knows it.
        other: Option<Party>,
    },
    /// A process put under a table that cannot be its kernel.
    #[non_exhaustive]
    NotAKernel {
        /// The process.
        table: String,
        /// The table named as its kernel.
        kernel: String,
        /// The rule that fails.
        reason: KernelRule,
        /// The kernel ([`Party::Table`]), when the engine knows it.
        other: Option<Party>,
    },
    /// A process with an upper virtual range: the kernel's `TTBR1` maps the upper half.
    #[non_exhaustive]
    ProcessUpperRange {
        /// The process.
        table: String,
        /// Its kernel.
        kernel: String,
        /// The upper range.
        range: Range,
        /// The part of the request at fault.
        field: Field,
    },
    /// A kernel's lower virtual range that overlaps a virtual range of one of its
    /// processes: both go through `TTBR0`, which holds one of them at a time.
    #[non_exhaustive]
    KernelRangeOverlap {
        /// The process.
        table: String,
        /// The process's range.
        range: Range,
        /// The kernel.
        kernel: String,
        /// The kernel's lower range.
        kernel_range: Range,
        /// The part of the request at fault (the process's range).
        field: Field,
        /// The kernel ([`Party::Table`]), when the engine knows it.
        other: Option<Party>,
    },
    /// A guard that is not a non-zero multiple of the translation granule of a table
    /// the page goes in: the gap below and above a guarded page is made of whole
    /// unmapped pages.
    #[non_exhaustive]
    GuardNotGranule {
        /// The page's name.
        name: String,
        /// The guard given, in bytes.
        guard: u64,
        /// The granule, in bytes.
        granule: u64,
    },
    /// A page whose size a table it goes in cannot map with its granule: the size is
    /// none of the granule's pages, blocks or Contiguous groups
    /// ([`Format::page_leaves`](crate::aarch64::Format::page_leaves)).
    #[non_exhaustive]
    SizeNotInGranule {
        /// The page's name.
        name: String,
        /// Its size.
        size: PageSize,
        /// The table.
        table: String,
        /// The table's granule.
        granule: Granule,
    },
    /// A shared page listed for tables of different granules: one page has one size,
    /// valid for one granule's tables.
    #[non_exhaustive]
    GranulesDiffer {
        /// The page's name.
        name: String,
        /// A table it goes in, and that table's granule.
        first: (String, Granule),
        /// Another, with another granule.
        second: (String, Granule),
    },
    /// A table's granule set after pages or segments were put in it
    /// ([`Layout::set_granule`](crate::Layout::set_granule) must come first).
    #[non_exhaustive]
    GranuleAfterPages {
        /// The table.
        table: String,
    },
    /// A virtual range of a table that does not start and end on the table's granule.
    #[non_exhaustive]
    RangeNotGranuleAligned {
        /// The table.
        table: String,
        /// The range.
        range: Range,
        /// The table's granule.
        granule: Granule,
        /// The range's field ([`Field::VirtualRange`]).
        field: Field,
    },
    /// A process and the kernel it runs under with different granules: they share one
    /// `TCR_EL1`, whose TG0 and TG1 are written from one granule.
    #[non_exhaustive]
    KernelGranule {
        /// The process table.
        table: String,
        /// Its granule.
        granule: Granule,
        /// The kernel table.
        kernel: String,
        /// The kernel's granule.
        kernel_granule: Granule,
    },
    /// A page whose VA lies in the guard gap of a guarded page of the same table: the
    /// gap must stay unmapped, so an access past the guarded page faults.
    #[non_exhaustive]
    InGuardGap {
        /// The page in the gap.
        name: String,
        /// The part of the gap it takes (in the table the request maps it into).
        range: Range,
        /// The guarded page.
        guarded: String,
        /// The guard of the guarded page, in bytes.
        guard: u64,
        /// Whether the gap is the one above the guarded page (else below it).
        above: bool,
        /// The part of the request (the page in the gap) at fault.
        field: Field,
        /// The guarded page, when the engine knows it as a mapping.
        other: Option<Party>,
    },
    /// A guarded page whose guard gap holds a page already mapped: the request is the
    /// guarded page, the other party the page in its gap. The layout language reports it
    /// as [`Error::InGuardGap`] on the page in the gap.
    #[non_exhaustive]
    GuardGapTaken {
        /// The guarded page.
        name: String,
        /// The part of the gap the other page takes (in the table the request maps it
        /// into).
        range: Range,
        /// The page in the gap.
        with: String,
        /// The guard, in bytes.
        guard: u64,
        /// Whether it is the gap above the guarded page (else below it).
        above: bool,
        /// The field of the page in the gap that placed it there: [`Field::Va`] when its
        /// VA was fixed, [`Field::Identity`] for an identity page, else [`Field::Name`].
        with_field: Field,
        /// The page in the gap.
        other: Party,
    },
    /// A guarded page at an automatic VA that fits the table's free VA, but not with its
    /// guard gaps: the guard is why there is no room.
    #[non_exhaustive]
    GuardNoRoom {
        /// The guarded page.
        name: String,
        /// Its size in bytes (every page of a `* N` run).
        size: u64,
        /// Its guard, in bytes.
        guard: u64,
        /// The table.
        table: String,
        /// The largest free range of the table's VA, if any.
        largest: Option<Range>,
    },
    /// A process with ASID 0 under a kernel that runs another process without an ASID:
    /// that process's `TTBR0` carries ASID 0 too, so the two address spaces would share
    /// TLB entries. The engine checks it when the translation tables are built
    /// ([`Layout::build_translations`](crate::Layout::build_translations)), once every
    /// ASID and kernel is set.
    #[non_exhaustive]
    AsidZeroShared {
        /// The table with `asid 0`.
        table: String,
        /// The kernel both run under.
        kernel: String,
        /// The process without an ASID.
        first: String,
        /// That process ([`Party::Table`]), when the engine knows it.
        other: Option<Party>,
    },
    /// An ASID on a table without a lower VA range: the ASID is carried by `TTBR0`, which
    /// only a lower range uses.
    #[non_exhaustive]
    AsidWithoutLower {
        /// The table.
        table: String,
    },
    /// A kernel given its first process after it mapped a page at an automatic VA in its
    /// lower range: once a process is switched in, `TTBR0` holds the process's table and
    /// that page is no longer reachable. Only the run-time API can reach it: the language
    /// puts processes under their kernel before it maps any page.
    #[non_exhaustive]
    KernelLowerPage {
        /// The kernel.
        kernel: String,
        /// The process being put under it.
        process: String,
        /// The kernel's page at an automatic lower VA.
        page: String,
        /// Its VA range.
        range: Range,
        /// That page ([`Party::Mapping`]).
        other: Option<Party>,
    },
    /// A granule protection table placed in a pool that is not in the Root physical
    /// address space: the table must be Root memory, which only EL3 reaches.
    #[non_exhaustive]
    GptNotRoot {
        /// The pool named.
        pool: String,
        /// The pool's space as declared (`"non_secure"`, `"realm"`, ...), `None` for an
        /// unmarked (Secure) pool.
        space: Option<&'static str>,
    },
    /// A granule protection table in a device pool (`in` a `device` Root pool, or `at`
    /// a range of a device pool): the table is memory the granule protection check
    /// walks, so it must be RAM.
    #[non_exhaustive]
    GptInDevice {
        /// The device pool.
        pool: String,
        /// What put the table there: [`Field::Pool`] (`in`) or [`Field::Range`] (`at`).
        field: Field,
    },
    /// A granule protection table in a layout that has no Root pool to hold it.
    #[non_exhaustive]
    GptWithoutRoot,
    /// A granule protection table in a layout whose secure, Realm or Root table may
    /// keep its translation tables in non-secure memory (`non_secure_ok` on `tables`):
    /// the table gives those granules to the Non-secure space alone, and the table's
    /// walks are made in its own space, so every walk there takes a granule protection
    /// fault. (An executable page in non-secure memory is fetched through its
    /// descriptor's Non-secure PAS, which the Non-secure GPI allows.)
    #[non_exhaustive]
    GptNonSecureOk {
        /// The table.
        table: String,
        /// The table's own space.
        space: PhysicalAddressSpace,
        /// The table whose `non_secure_ok` is at fault ([`Party::Table`]). The other
        /// party ([`Error::other`]) is the granule protection table ([`Party::Gpt`]).
        at: Party,
    },
    /// A second granule protection table for a layout that already has one
    /// ([`Layout::build_gpt`](crate::Layout::build_gpt) called twice): a layout has one
    /// table, whose range stays reserved. Only the run-time API can reach it: the
    /// language accepts one `gpt` item.
    #[non_exhaustive]
    GptTwice {
        /// The range reserved for the first table.
        range: Range,
    },
    /// A fixed range for the granule protection table that does not lie inside one
    /// Root pool.
    #[non_exhaustive]
    GptOutsideRoot {
        /// The range.
        range: Range,
    },
    /// Two pools of different physical address spaces in one granule of the granule
    /// protection table: a granule has one GPI. Reached only through the run-time API
    /// ([`Layout::add_pool`](crate::Layout::add_pool) takes any start): the language
    /// aligns pools to the 4 KiB granule the table uses.
    #[non_exhaustive]
    GptGranuleShared {
        /// The granule's first byte.
        granule: u64,
        /// The granule size in bytes.
        granule_bytes: u64,
        /// The pool given later (at fault).
        pool: String,
        /// Its GPI.
        gpi: Gpi,
        /// The pool given first.
        with: String,
        /// Its GPI.
        with_gpi: Gpi,
        /// The pool given first.
        other: Party,
    },
    /// No room in the pool for the granule protection table.
    #[non_exhaustive]
    NoRoomForGpt {
        /// The pool.
        pool: String,
        /// The image size in bytes.
        bytes: u64,
        /// Its alignment.
        align: u64,
        /// The largest free range of the pool, if any.
        largest: Option<Range>,
    },
    /// The granule protection table builder refused the table, nested as the
    /// [`source`](core::error::Error::source) (two pools in one granule is
    /// [`Error::GptGranuleShared`]). Reached only through the run-time API: the
    /// language's pools and placements give the builder nothing to refuse.
    #[non_exhaustive]
    Gpt {
        /// What the builder reported.
        source: GptError,
        /// The pool of the region the builder names, if it names one (its message then
        /// names the pool, not the region's index).
        pool: Option<String>,
    },
    /// Two virtual machines with one VMID ([`Layout::add_vm`](crate::Layout::add_vm)):
    /// their stage 2 TLB entries, tagged with the VMID, would mix.
    #[non_exhaustive]
    VmidTaken {
        /// The VM given the VMID second.
        vm: String,
        /// The VMID.
        vmid: u16,
        /// The VM that has it first.
        first: String,
        /// That VM ([`Party::Table`]), when the engine knows it.
        other: Option<Party>,
    },
    /// A VM whose IPA size is over the layout's PA size: stage 2 cannot translate an IPA
    /// larger than the PA size (an IPA over PAMax is CONSTRAINED UNPREDICTABLE, and
    /// `VTCR_EL2` refuses it).
    #[non_exhaustive]
    IpaBeyondPa {
        /// The VM.
        vm: String,
        /// Its IPA size, in bits.
        ipa_bits: u8,
        /// The layout's PA size, in bits.
        pa_bits: u8,
        /// The IPA range that needs `ipa_bits`, when a range (not an explicit size)
        /// sets it.
        range: Option<Range>,
        /// The part of the request at fault.
        field: Field,
        /// The PA size ([`Party::PaBits`]) when declared, or the VM ([`Party::Table`])
        /// when `pa_bits` is the one at fault.
        other: Option<Party>,
    },
    /// A stage 1 feature asked of a VM's stage 2 table, which has none of it.
    #[non_exhaustive]
    NotInVm {
        /// The VM.
        vm: String,
        /// What was asked.
        feature: Stage1Feature,
        /// The part of the request at fault.
        field: Field,
        /// The other table involved (a kernel or a process), when the engine knows it.
        other: Option<Party>,
    },
    /// A page that would give a virtual machine PA owned by a page of another table
    /// (or give another table a VM's PA) without a declared sharing: the isolation a
    /// partitioning hypervisor exists for.
    #[non_exhaustive]
    VmIsolation {
        /// The new page.
        name: String,
        /// Its PA range.
        range: Range,
        /// The page that owns the PA.
        with: String,
        /// That page's table.
        with_table: String,
        /// The part of the request at fault.
        field: Field,
        /// The page that owns the PA.
        other: Party,
    },
    /// A guest table ([`Layout::add_guest_table`](crate::Layout::add_guest_table))
    /// asked inside a table that is not a virtual machine.
    #[non_exhaustive]
    NotAVm {
        /// The guest table.
        table: String,
        /// The table named as its VM.
        vm: String,
    },
    /// Something a guest's stage 1 table cannot have: its addresses are IPAs inside
    /// its VM, not PAs of the pools.
    #[non_exhaustive]
    NotInGuest {
        /// The guest table (or the page asked, for a page's request).
        table: String,
        /// Its VM.
        vm: String,
        /// What was asked.
        feature: GuestFeature,
        /// The part of the request at fault.
        field: Field,
    },
    /// A guest page whose IPA no stage 2 page of its VM maps: the guest would take a
    /// stage 2 translation fault on it.
    #[non_exhaustive]
    GuestIpaUnmapped {
        /// The guest page.
        name: String,
        /// Its guest table.
        table: String,
        /// The VM.
        vm: String,
        /// The IPA range not mapped (the first part of the page's range that is not).
        range: Range,
        /// The part of the request at fault.
        field: Field,
    },
    /// A guest page on a stage 2 page of a kind or permissions it cannot have: a guest
    /// `code` page on a stage 2 `device` page, a writable guest page on a read-only
    /// stage 2 page, ...
    #[non_exhaustive]
    GuestIpaIncompatible {
        /// The guest page.
        name: String,
        /// Its IPA range.
        range: Range,
        /// The stage 2 page that maps the IPA.
        with: String,
        /// The VM.
        vm: String,
        /// What the guest page needs of the stage 2 page and it lacks.
        needs: GuestNeed,
        /// The part of the request at fault.
        field: Field,
        /// The stage 2 page ([`Party::Mapping`]).
        other: Party,
    },
}

/// What a guest's stage 1 table cannot have ([`Error::NotInGuest`]).
///
/// Not exhaustive: guests may come to refuse more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestFeature {
    /// A context outside the Non-secure EL1&0 regime (stage 2 translates that regime
    /// only).
    Context {
        /// The context asked.
        el: ExecutionContext,
    },
    /// A pool for a guest page: its address is an IPA drawn from the VM's pages.
    Pool {
        /// The pool named.
        pool: String,
    },
    /// A pool for the guest's translation tables: they go in the VM's RAM.
    TablesPool {
        /// The pool named.
        pool: String,
    },
    /// An `identity` page with neither `va` nor `pa`: give one of them.
    AutoIdentity,
    /// A page shared with (or an alias of a page of) a table outside the VM's guests,
    /// whose addresses are not IPAs of the same VM.
    Sharing {
        /// The other table.
        other: String,
    },
    /// A table that has no VM, running under the guest table (or the other way round).
    Kernel {
        /// The other table.
        other: String,
    },
}

/// What a guest page needs of the stage 2 page under its IPA ([`Error::GuestIpaIncompatible`]).
///
/// Not exhaustive: more checks may come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestNeed {
    /// A device guest page needs a stage 2 device page.
    Device,
    /// A Normal memory guest page (`code`, `data`, `system`) needs a stage 2 Normal page.
    Normal,
    /// A readable guest page needs a readable stage 2 page.
    Read,
    /// A writable guest page needs a writable stage 2 page.
    Write,
    /// An executable guest page (`code`, or `x`) needs an executable stage 2 page.
    Execute,
}

/// A stage 1 feature that a VM's stage 2 table has not ([`Error::NotInVm`]).
///
/// Not exhaustive: stage 2 may come to refuse more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Stage1Feature {
    /// An ASID ([`Layout::set_asid`](crate::Layout::set_asid)): stage 2 entries are
    /// tagged with the VMID.
    Asid,
    /// Running as a process under a kernel table
    /// ([`Layout::put_under`](crate::Layout::put_under)).
    Process {
        /// The kernel named.
        kernel: String,
    },
    /// Being the kernel of a process table.
    Kernel {
        /// The process named.
        process: String,
    },
    /// An upper (TTBR1) range: stage 2 translates one range, from IPA 0.
    UpperRange {
        /// The range.
        range: Range,
    },
}

/// Why a table cannot be the kernel a process runs under ([`Error::NotAKernel`]).
///
/// Not exhaustive: a kernel may come to need more.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KernelRule {
    /// The process names itself.
    Itself,
    /// The process is an EL3 or EL2 table, outside the EL1&0 regime.
    ProcessRegime {
        /// The process's exception level.
        el: ExecutionContext,
    },
    /// The kernel is not an EL1 table.
    NotEl1 {
        /// The kernel's exception level.
        el: ExecutionContext,
    },
    /// The kernel is of another security state than the process.
    Security {
        /// The process's exception level and security state.
        process: ExecutionContext,
        /// The kernel's.
        kernel: ExecutionContext,
    },
    /// A core runs the process but not the kernel.
    Cores {
        /// The first such core.
        core: u32,
    },
    /// The kernel has no upper VA range for its `TTBR1`.
    NoUpperRange,
    /// The kernel runs under a kernel itself.
    IsProcess {
        /// Its own kernel.
        kernel: String,
    },
    /// The process is itself the kernel of another table.
    ProcessIsKernel {
        /// A table that runs under the process.
        process: String,
    },
}

/// [`Error::Tables`] has the builder's error as its source (its sentence also ends the
/// table's message, which front ends show alone).
impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Error::Tables { source, .. } => Some(&**source),
            Error::Gpt { source, .. } => Some(source),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    #[test]
    fn ranges_ending_at_2_64_print_their_true_end() {
        let top = Range {
            start: 0xFFFF_FFFF_FFFF_F000,
            end: 0,
        };
        assert_eq!(
            top.to_string(),
            "0xFFFF_FFFF_FFFF_F000..0x1_0000_0000_0000_0000"
        );
        assert_eq!(top.size(), 0x1000);
        let e = Error::BeyondLimit {
            addr: Addr::Pa,
            range: top,
            bits: 48,
            field: Field::Range,
            other: None,
        };
        assert_eq!(
            e.to_string(),
            "PA range 0xFFFF_FFFF_FFFF_F000..0x1_0000_0000_0000_0000 passes the 48-bit address limit 0x1_0000_0000_0000; keep it below the limit"
        );
        let low = Range {
            start: 0,
            end: 0x1000,
        };
        assert_eq!(low.to_string(), "0x0..0x1000");
    }

    #[test]
    fn the_builders_error_is_the_source_of_a_tables_error() {
        use core::error::Error as _;
        let e = Error::Tables {
            table: "t".to_string(),
            source: BuildError::VaBits { va_bits: 60 }.into(),
        };
        let source = e.source().map(|s| s.to_string());
        assert_eq!(source, Some(BuildError::VaBits { va_bits: 60 }.to_string()));
        assert_eq!(e.to_string(), format!("table `t`: {}", source.unwrap()));
        assert_eq!(e.field(), Field::Range);
        assert_eq!(e.other(), None);
    }

    #[test]
    fn notes_on_the_other_party_are_worded_by_the_error() {
        let overlap = |other| Error::Overlap {
            space: Space::Physical,
            range: Range {
                start: 0x1000,
                end: 0x2000,
            },
            with: "a".to_string(),
            field: Field::Pa,
            other,
        };
        assert_eq!(
            overlap(Party::TranslationTables).note("tables"),
            "the translation tables are reserved here"
        );
        assert_eq!(
            overlap(Party::Reservation(0)).note("a"),
            "`a` first mapped here"
        );
        assert_eq!(
            overlap(Party::Reservation(0)).other_part(),
            OtherPart::SameOr(Addr::Pa)
        );
        let limit = Error::BeyondLimit {
            addr: Addr::Pa,
            range: Range {
                start: 1 << 40,
                end: (1 << 40) + 0x1000,
            },
            bits: 40,
            field: Field::Pa,
            other: Some(Party::PaBits),
        };
        assert_eq!(
            limit.note("pa_bits"),
            "`pa_bits = 40` sets the limit; raise it to cover the range"
        );
        assert_eq!(plural(1), "");
        assert_eq!(plural(3), "s");
    }
}
