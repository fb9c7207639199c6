//! The engine's error type: every way a request can fail, with what a person needs to
//! act on it.

use alloc::string::String;
use core::fmt;

use crate::model::{ExecutionContext, MemAttrs, PageKind, Perms, SegmentKind};

/// An address space: the physical space of the layout or the virtual space of a table.
#[derive(Clone, Debug, PartialEq, Eq)]
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
    /// The non-secure physical pools: all a table of a non-secure context may use once
    /// the layout marks any pool `non_secure`.
    NonSecure,
}

impl fmt::Display for Space {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Space::Physical => f.write_str("the physical address space"),
            Space::Pool(p) => write!(f, "physical pool `{p}`"),
            Space::Virtual(t) => write!(f, "the virtual address space of table `{t}`"),
            Space::Page { table, page } => write!(f, "page `{page}` of table `{table}`"),
            Space::SharedPage(p) => write!(f, "shared page `{p}`"),
            Space::NonSecure => f.write_str(
                "the non-secure physical pools (a non-secure regime reaches only non-secure PA)",
            ),
        }
    }
}

/// Which address of a request an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// A half-open address range `start..end`, printed in hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

/// `0xSTART..0xEND` with the true end, so a range ending at 2^64 prints as ending at
/// `0x10000000000000000`, not at 0.
impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}..{:#x}", self.start, self.end_u128())
    }
}

/// What holds an address a request needed: for errors that found no room.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    /// The space: VA (of the request's table) or PA.
    pub addr: Addr,
    /// The first address of the request's candidate range that it holds.
    pub at: u64,
    /// Its name.
    pub by: String,
    /// The engine's id of it (a mapping), if it is one.
    pub id: Option<u32>,
}

impl fmt::Display for Taken {
    /// `VA 0x40080000 is taken by `fixmap``.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:#x} is taken by `{}`", self.addr, self.at, self.by)
    }
}

/// Everything that can go wrong in the engine.
///
/// Each message is one sentence that says what is wrong and how to fix it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// A size of zero bytes.
    ZeroSize {
        /// What was being sized.
        what: String,
    },
    /// A count of zero pages.
    ZeroCount {
        /// The request's name.
        name: String,
    },
    /// An alignment that is not a power of two.
    AlignNotPowerOfTwo {
        /// The alignment given.
        align: u64,
    },
    /// An address not aligned as required.
    Misaligned {
        /// Which address.
        addr: Addr,
        /// The address given.
        value: u64,
        /// The alignment required.
        align: u64,
        /// The request's name.
        name: String,
    },
    /// A size that is not a multiple of the page size.
    SizeNotMultiple {
        /// The size given.
        size: u64,
        /// The page size it must be a multiple of.
        page_size: u64,
    },
    /// A range whose end passes 2^64.
    Wraps {
        /// Start of the range.
        start: u64,
        /// Size of the range.
        size: u64,
    },
    /// A range that passes the limit of an address space.
    BeyondLimit {
        /// Which address.
        addr: Addr,
        /// The range asked for.
        range: Range,
        /// The number of address bits of the space.
        bits: u8,
    },
    /// A fixed address that lies outside every pool of the space.
    OutsidePools {
        /// Which address.
        addr: Addr,
        /// The range asked for.
        range: Range,
        /// The space.
        space: Space,
    },
    /// A fixed range that overlaps something already placed.
    Overlap {
        /// The space of the collision.
        space: Space,
        /// The range asked for.
        range: Range,
        /// The name of what is already there.
        with: String,
        /// The engine's id of what is already there (a page or a segment).
        with_id: Option<u32>,
    },
    /// A pool range that overlaps another pool.
    PoolOverlap {
        /// The new pool's name.
        name: String,
        /// The existing pool's name.
        with: String,
    },
    /// No free range fits a request.
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
    IdentityConflict {
        /// The request's name.
        name: String,
        /// The fixed VA.
        va: u64,
        /// The fixed PA.
        pa: u64,
    },
    /// A VA or PA size the 4 KiB-granule translation registers cannot encode.
    UnsupportedBits {
        /// Which address.
        addr: Addr,
        /// The number of bits given.
        bits: u8,
    },
    /// A shared page declared as an alias.
    SharedAlias {
        /// The page's name.
        name: String,
    },
    /// A segment asked to sit in an alias, whose PA belongs to another page.
    SegmentInAlias {
        /// The segment's name.
        name: String,
        /// The alias.
        page: String,
        /// The page the alias maps the PA of.
        of: String,
    },
    /// No physical room for the translation tables of a table.
    NoRoomForTables {
        /// The table.
        table: String,
        /// How many 4 KiB tables it needs.
        count: u64,
        /// Where they were looked for.
        space: Space,
        /// The largest free range there, if any.
        largest: Option<Range>,
    },
    /// A declared range for the translation tables that is too small for them.
    TablesRangeTooSmall {
        /// The range.
        range: Range,
        /// How many 4 KiB tables all page tables need together.
        count: u64,
    },
    /// A name used twice where names must be unique.
    Duplicate {
        /// What kind of thing (`table`, `pool`, `page`, `segment`).
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A name that does not exist.
    Unknown {
        /// What kind of thing (`table`, `pool`, `page`).
        what: &'static str,
        /// The name.
        name: String,
    },
    /// A segment asked to sit in a page of the wrong kind.
    SegmentKindMismatch {
        /// The segment's kind.
        segment: SegmentKind,
        /// The page's name.
        page: String,
        /// The page's kind.
        page_kind: PageKind,
        /// The page's permissions (`rodata` needs no write, `data` and `bss` need it).
        page_perms: Perms,
    },
    /// A segment larger than the pages it must sit in.
    SegmentTooLarge {
        /// The segment's name.
        name: String,
        /// The segment's size.
        size: u64,
        /// The page's name.
        page: String,
        /// The bytes the page (group) spans.
        page_bytes: u64,
    },
    /// A fixed segment address that is not inside mapped pages of the right kind.
    SegmentNotInPages {
        /// The segment's name.
        name: String,
        /// The range asked for.
        range: Range,
        /// The segment's kind (it decides which pages take it).
        kind: SegmentKind,
    },
    /// A shared segment in a page that is not shared, or the other way round.
    SharedMismatch {
        /// The segment's name.
        name: String,
        /// The page's name.
        page: String,
        /// Whether the segment is shared.
        segment_shared: bool,
    },
    /// Device memory asked to be executable.
    ExecutableDevice {
        /// The page's name.
        name: String,
    },
    /// The same PA mapped with conflicting memory attributes.
    MismatchedAlias {
        /// The PA range.
        range: Range,
        /// The attributes of the first mapping.
        first: MemAttrs,
        /// The attributes of the second mapping.
        second: MemAttrs,
        /// The first mapping's name.
        with: String,
        /// The engine's id of the first mapping's page.
        with_id: Option<u32>,
    },
    /// Memory of one type placed in a pool of another (Normal memory in a device window
    /// or Device memory in RAM).
    PoolKindMismatch {
        /// The page's name.
        name: String,
        /// The page's kind.
        kind: PageKind,
        /// The pool's name.
        pool: String,
        /// Whether the pool is a device window.
        pool_device: bool,
    },
    /// A shared page mapped into no table.
    NoTables {
        /// The page's name.
        name: String,
    },
    /// A fixed PA already mapped by a private page of another table with the same
    /// memory kind: one memory (a device, say) declared in two tables.
    SamePaInTwoTables {
        /// The new page.
        name: String,
        /// Its PA range.
        range: Range,
        /// The page already mapping it.
        with: String,
        /// That page's table.
        with_table: String,
        /// The engine's id of that page.
        with_id: Option<u32>,
    },
    /// A device page without a fixed PA: device registers sit at fixed addresses.
    DeviceWithoutPa {
        /// The page's name.
        name: String,
    },
    /// A second table for a core in a regime that has one translation table base
    /// register per core: EL3, or EL2 in one security state.
    RegimeTaken {
        /// The new table.
        table: String,
        /// A core both tables are for.
        core: u32,
        /// The exception level of both.
        el: ExecutionContext,
        /// The table already declared for that core and regime.
        first: String,
    },
    /// A segment given an alignment below what its kind needs
    /// ([`SegmentKind::min_align`](crate::SegmentKind::min_align)): 16 bytes for stacks
    /// (the AArch64 SP alignment), 4 for code (A64 instructions).
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
    StackSize {
        /// The segment's name.
        name: String,
        /// The size given.
        size: u64,
    },
    /// Secure PA put into a table of a non-secure context (`EL2_NS`, `EL1_NS`, `EL0_NS`),
    /// whose output addresses are always non-secure, once the layout marks any pool
    /// `non_secure` (unmarked pools are then secure).
    SecureInNonSecure {
        /// What needs the PA, in words (`page `peek``, `the translation tables of
        /// table `k``).
        what: String,
        /// The non-secure table.
        table: String,
        /// The secure pool the PA lies in.
        pool: String,
    },
    /// An error from the AArch64 table builder.
    Tables {
        /// The table.
        table: String,
        /// The builder's message.
        message: String,
    },
    /// A VA size asked for a table's lower or upper range that does not cover its
    /// virtual ranges.
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
    },
    /// A virtual range that is neither in the lower nor in the upper range its table's
    /// regime translates.
    VaRangeNotTranslated {
        /// The table.
        table: String,
        /// The range.
        range: Range,
        /// Whether the regime has an upper range (EL1&0) or only a lower one (EL2, EL3).
        has_upper: bool,
    },
}

fn mem_type(a: &MemAttrs) -> &'static str {
    match a.cacheability() {
        Some(c) => c.name(),
        None => "Device",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ZeroSize { what } => {
                write!(f, "{what} has size 0; give it a size of at least one byte")
            }
            Error::ZeroCount { name } => {
                write!(f, "`{name}` asks for 0 pages; ask for at least one")
            }
            Error::AlignNotPowerOfTwo { align } => {
                write!(
                    f,
                    "alignment {align:#x} is not a power of two; use 1, 2, 4, 8, ..."
                )
            }
            Error::Misaligned {
                addr,
                value,
                align,
                name,
            } => write!(
                f,
                "{addr} {value:#x} of `{name}` is not aligned to {align:#x}; use a multiple of {align:#x}"
            ),
            Error::SizeNotMultiple { size, page_size } => write!(
                f,
                "size {size:#x} is not a multiple of the page size {page_size:#x}; round it to a whole number of pages"
            ),
            Error::Wraps { start, size } => write!(
                f,
                "range {start:#x} .. +{size:#x} ends past 2^64; make it smaller or start it lower"
            ),
            Error::BeyondLimit { addr, range, bits } => write!(
                f,
                "{addr} range {range} passes the {bits}-bit address limit {:#x}; keep it below the limit",
                1u128 << (*bits).min(64)
            ),
            Error::OutsidePools { addr, range, space } => write!(
                f,
                "{addr} range {range} is not inside {space}; pick an address inside a declared range or declare one that covers it"
            ),
            Error::Overlap {
                space, range, with, ..
            } => write!(
                f,
                "range {range} overlaps `{with}` in {space}; move one of them"
            ),
            Error::PoolOverlap { name, with } => write!(
                f,
                "range of `{name}` overlaps the range of `{with}`; ranges of one space must be disjoint"
            ),
            Error::NoRoom {
                what,
                size,
                align,
                space,
                largest,
                taken,
            } => {
                write!(
                    f,
                    "no room for {what} ({size:#x} bytes, aligned to {align:#x}) in {space}; "
                )?;
                match largest {
                    Some(r) => write!(f, "the largest free range is {r} ({:#x} bytes)", r.size())?,
                    None => f.write_str("it has no free range left")?,
                }
                // Fixed declarations that split or fill the space.
                for (i, t) in taken.iter().enumerate() {
                    f.write_str(if i == 0 {
                        "; fixed declarations hold part of it: "
                    } else {
                        ", "
                    })?;
                    write!(f, "{t}")?;
                }
                if taken.is_empty() {
                    f.write_str(", so enlarge the space or ask for less")
                } else {
                    f.write_str(", so move them, enlarge the space or ask for less")
                }
            }
            Error::IdentityImpossible {
                name,
                size,
                align,
                table,
                largest,
                taken,
            } => {
                write!(
                    f,
                    "no range of {size:#x} bytes aligned to {align:#x} is free in both VA (table `{table}`) and PA for identity request `{name}`; "
                )?;
                if !taken.is_empty() {
                    for (i, t) in taken.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{t}")?;
                    }
                    return f.write_str(", so move what takes it or give the request other room");
                }
                match largest {
                    Some(r) => write!(
                        f,
                        "the largest range free in both is {r}, so overlap the virtual and physical ranges more"
                    ),
                    None => f.write_str(
                        "no range is free in both, so make the virtual and physical ranges overlap",
                    ),
                }
            }
            Error::IdentityConflict { name, va, pa } => write!(
                f,
                "`{name}` asks for VA == PA but its fixed VA {va:#x} differs from its fixed PA {pa:#x}; make them equal or drop one"
            ),
            Error::UnsupportedBits { addr, bits } => match addr {
                Addr::Va => write!(
                    f,
                    "a {bits}-bit VA space cannot be translated with a 4 KiB granule; use 25 to 48 bits"
                ),
                Addr::Pa => write!(
                    f,
                    "a {bits}-bit PA space cannot be encoded in TCR.PS/IPS; use 32, 36, 40, 42, 44 or 48 bits"
                ),
            },
            Error::SharedAlias { name } => write!(
                f,
                "shared page `{name}` cannot be an alias; alias the shared page from inside a table instead"
            ),
            Error::SegmentInAlias { name, page, of } => write!(
                f,
                "segment `{name}` cannot sit in `{page}`, an alias of `{of}` whose bytes belong to `{of}`; place it in `{of}`"
            ),
            Error::NoRoomForTables {
                table,
                count,
                space,
                largest,
            } => {
                write!(
                    f,
                    "no room for the translation tables of table `{table}` ({count} of 4 KiB, {:#x} bytes) in {space}; ",
                    count.saturating_mul(4096)
                )?;
                match largest {
                    Some(r) => write!(
                        f,
                        "the largest free range is {r} ({:#x} bytes), so enlarge the pool or put the tables elsewhere",
                        r.size()
                    ),
                    None => f.write_str(
                        "it has no free range left, so enlarge the pool or put the tables elsewhere",
                    ),
                }
            }
            Error::TablesRangeTooSmall { range, count } => write!(
                f,
                "the translation tables need {:#x} bytes ({count} of 4 KiB) but the range {range} for them holds only {:#x}; make it at least {:#x} bytes",
                count.saturating_mul(4096),
                range.size(),
                count.saturating_mul(4096)
            ),
            Error::Duplicate { what, name } => {
                write!(
                    f,
                    "{what} `{name}` is declared twice; give each {what} its own name"
                )
            }
            Error::Unknown { what, name } => {
                write!(f, "there is no {what} named `{name}`; check the spelling")
            }
            Error::SegmentKindMismatch {
                segment,
                page,
                page_kind,
                page_perms,
            } => {
                let needs = segment.pages_taking();
                let is = match page_kind {
                    PageKind::Data if page_perms.write() => "a writable data page",
                    PageKind::Data => "a read-only data page",
                    PageKind::Code => "a code page",
                    PageKind::Device => "a device page",
                    PageKind::System => "a system page",
                };
                write!(
                    f,
                    "a {segment} segment needs {needs} but `{page}` is {is}; "
                )?;
                match (segment, page_kind) {
                    (SegmentKind::Rodata, PageKind::Data) => write!(
                        f,
                        "declare `{page}` with `r` or put the segment in a code page"
                    ),
                    (SegmentKind::Data | SegmentKind::Bss, PageKind::Data) => write!(
                        f,
                        "declare `{page}` with `rw` or put the segment in a writable data page"
                    ),
                    _ => write!(f, "put it in {needs}"),
                }
            }
            Error::SegmentTooLarge {
                name,
                size,
                page,
                page_bytes,
            } => write!(
                f,
                "segment `{name}` ({size:#x} bytes) is larger than its page `{page}` ({page_bytes:#x} bytes); make the segment smaller or the page larger"
            ),
            Error::SegmentNotInPages { name, range, kind } => write!(
                f,
                "{kind} segment `{name}` at VA {range} is not inside free space of mapped pages that take it; place it inside {}",
                kind.pages_taking()
            ),
            Error::SharedMismatch {
                name,
                page,
                segment_shared,
            } => {
                if *segment_shared {
                    write!(
                        f,
                        "shared segment `{name}` must sit in a shared page, but `{page}` is not shared; declare it as a `shared page`"
                    )
                } else {
                    write!(
                        f,
                        "segment `{name}` sits in shared page `{page}`; declare it as a `shared segment`"
                    )
                }
            }
            Error::ExecutableDevice { name } => write!(
                f,
                "device page `{name}` is executable, but device memory is never executable; use `r` or `rw`"
            ),
            Error::MismatchedAlias {
                range,
                first,
                second,
                with,
                ..
            } => write!(
                f,
                "PA {range} is already mapped by `{with}` as {} {} {}, and mapping it as {} {} {} makes a mismatched alias; use the same memory type, cacheability and shareability",
                first.kind,
                mem_type(first),
                first.share,
                second.kind,
                mem_type(second),
                second.share
            ),
            Error::PoolKindMismatch {
                name,
                kind,
                pool,
                pool_device,
            } => {
                if *pool_device {
                    write!(
                        f,
                        "{kind} page `{name}` is Normal memory but pool `{pool}` is a device window; map it as `device` or take it from a RAM pool"
                    )
                } else {
                    write!(
                        f,
                        "device page `{name}` lies in RAM pool `{pool}`; take it from a pool declared `device`"
                    )
                }
            }
            Error::NoTables { name } => write!(
                f,
                "shared page `{name}` is mapped into no table; declare a table or name one in `tables [..]`"
            ),
            Error::SamePaInTwoTables {
                name,
                range,
                with,
                with_table,
                ..
            } => write!(
                f,
                "PA {range} of `{name}` is already mapped by `{with}` of table `{with_table}`; to map the same memory in both tables, declare it once as a `shared page` listing them in `tables [..]`, or write `alias {with_table}::{with}` here"
            ),
            Error::DeviceWithoutPa { name } => write!(
                f,
                "device page `{name}` has no fixed PA, but device registers sit at fixed addresses; give it the device's address with `pa ADDR`, or `alias` a page that has one"
            ),
            Error::RegimeTaken {
                table,
                core,
                el,
                first,
            } => write!(
                f,
                "table `{table}` is a second {} table of core {core}, but a core has one translation table base register at that level and `{first}` is already its table; merge the two (one table may serve several cores: `cores 0..=3`)",
                el.name()
            ),
            Error::AlignTooSmall { name, kind, align } => match kind {
                SegmentKind::Stack => write!(
                    f,
                    "stack segment `{name}` is aligned to {align:#x}, but the AArch64 stack pointer must be 16-byte aligned; use `align 16` or more"
                ),
                // Only stacks and the code kinds have a minimum above 1.
                _ => write!(
                    f,
                    "{} segment `{name}` is aligned to {align:#x}, but A64 instructions are 4 bytes and must be 4-byte aligned; use `align 4` or more (8 when omitted)",
                    kind.name()
                ),
            },
            Error::StackSize { name, size } => write!(
                f,
                "stack segment `{name}` has size {size:#x}, not a multiple of 16, so its top is not 16-byte aligned; make it {:#x}",
                size.saturating_add(15) & !15
            ),
            Error::SecureInNonSecure { what, table, pool } => write!(
                f,
                "{what} would put secure PA of pool `{pool}` into table `{table}`, but a non-secure context reaches only non-secure PA; take the PA from a pool declared `non_secure`"
            ),
            Error::Tables { table, message } => write!(f, "table `{table}`: {message}"),
            Error::VaBitsTooSmall {
                table,
                upper,
                bits,
                range,
                needed,
            } => write!(
                f,
                "the {bits}-bit {} VA range of table `{table}` does not cover its virtual range {range}, which needs {needed} bits; ask for at least {needed} bits",
                if *upper { "upper" } else { "lower" }
            ),
            Error::VaRangeNotTranslated {
                table,
                range,
                has_upper,
            } => {
                if *has_upper {
                    write!(
                        f,
                        "virtual range {range} of table `{table}` is neither a lower VA (below 0x1000000000000, through TTBR0) nor an upper one (from 0xffff000000000000 up, through TTBR1); move it into one of them"
                    )
                } else {
                    write!(
                        f,
                        "virtual range {range} of table `{table}` is not translated: EL3 and EL2 tables accept only lower VAs (below 0x1000000000000) and have no upper range (TTBR1); move the range below 0x1000000000000"
                    )
                }
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn ranges_ending_at_2_64_print_their_true_end() {
        let top = Range {
            start: 0xFFFF_FFFF_FFFF_F000,
            end: 0,
        };
        assert_eq!(top.to_string(), "0xfffffffffffff000..0x10000000000000000");
        assert_eq!(top.size(), 0x1000);
        let e = Error::BeyondLimit {
            addr: Addr::Pa,
            range: top,
            bits: 48,
        };
        assert_eq!(
            e.to_string(),
            "PA range 0xfffffffffffff000..0x10000000000000000 passes the 48-bit address limit 0x1000000000000; keep it below the limit"
        );
        let low = Range {
            start: 0,
            end: 0x1000,
        };
        assert_eq!(low.to_string(), "0x0..0x1000");
    }
}
