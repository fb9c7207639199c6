//! Why a table cannot be built.

use alloc::string::String;
use core::fmt;

use super::granule::{Format, SizesOf};
use crate::model::{
    ExecutionContext, Hex, Page, PageSize, PhysicalAddressSpace, Shareability, TableInfo,
};

/// The table an error is about.
///
/// Not exhaustive: tables may come to be known in other ways.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TableRef {
    /// A table known by name (errors of [`build`](super::build)).
    Named(String),
    /// A table known only by the core and context of its pages (errors of
    /// [`table_count`](super::table_count), which has no [`TableInfo`]).
    Of {
        /// The core.
        core: u32,
        /// The exception level and security state.
        el: ExecutionContext,
    },
}

impl TableRef {
    /// The reference for a named table.
    pub fn of_info(info: &TableInfo) -> TableRef {
        TableRef::Named(String::from(info.name()))
    }

    /// The reference for the table a page belongs to.
    pub fn of_page(page: &Page) -> TableRef {
        TableRef::Of {
            core: page.core(),
            el: page.el(),
        }
    }
}

impl fmt::Display for TableRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TableRef::Named(name) => write!(f, "table `{name}`"),
            TableRef::Of { core, el } => write!(f, "the {el} table of core {core}"),
        }
    }
}

/// The page an error is about: its name, its index within a `* N` request, and where it
/// is mapped.
///
/// Not exhaustive: build it with [`of`](Self::of) and read its fields.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct PageRef {
    /// The page's name.
    pub name: String,
    /// The index within its request (0 for a single page).
    pub index: u32,
    /// The page's VA.
    pub va: u64,
    /// The page's PA.
    pub pa: u64,
    /// The page's size.
    pub size: PageSize,
}

impl PageRef {
    /// The reference for a page.
    pub fn of(page: &Page) -> PageRef {
        PageRef {
            name: String::from(page.name()),
            index: page.index(),
            va: page.va(),
            pa: page.pa(),
            size: page.page_size(),
        }
    }
}

impl fmt::Display for PageRef {
    /// `` `name` `` for the first page of a request, `` `name[i]` `` for the others.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.index == 0 {
            write!(f, "`{}`", self.name)
        } else {
            write!(f, "`{}[{}]`", self.name, self.index)
        }
    }
}

/// Why a set of pages cannot become a translation table.
///
/// Not exhaustive: new checks become new variants, so match with a wildcard arm.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BuildError {
    /// The VA size is not 25 to 52 bits.
    VaBits {
        /// The VA size asked for.
        va_bits: u8,
    },
    /// The PA size is not one of 32, 36, 40, 42, 44, 48 or 52 bits.
    PaBits {
        /// The PA size asked for.
        pa_bits: u8,
    },
    /// The base PA of the tables is not aligned to the table's granule (for a stage 2
    /// table, to the total size of its concatenated root tables).
    UnalignedBase {
        /// The table.
        table: TableRef,
        /// The base PA given.
        base_pa: u64,
        /// The alignment the tables need: the granule's bytes, times the root tables of
        /// a stage 2 table ([`Translation::root_tables`](super::Translation::root_tables)).
        align: u64,
    },
    /// The tables would end beyond the physical address space (or past 2^64).
    TablesBeyondPa {
        /// The table.
        table: TableRef,
        /// The base PA given.
        base_pa: u64,
        /// How many granule-sized tables the image holds.
        count: usize,
        /// The PA size.
        pa_bits: u8,
    },
    /// A page was made for a table of another exception level or security state.
    WrongContext {
        /// The table.
        table: TableRef,
        /// The table's context.
        expected: ExecutionContext,
        /// The page.
        page: PageRef,
        /// The page's context.
        found: ExecutionContext,
    },
    /// A page's VA or PA is not a multiple of its size.
    Misaligned {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
    },
    /// A page ends beyond the table's VA range.
    VaOutOfRange {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The VA size.
        va_bits: u8,
    },
    /// A page ends beyond the physical address space.
    PaOutOfRange {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The PA size.
        pa_bits: u8,
    },
    /// Two pages share VA.
    Overlap {
        /// The table.
        table: TableRef,
        /// The page given first.
        first: PageRef,
        /// The page given later, which overlaps `first`.
        second: PageRef,
    },
    /// A page is writable and executable while the table asks for `SCTLR_ELx.WXN`.
    WritableExecutable {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
    },
    /// The configuration has neither a lower nor an upper VA range.
    NoVaRange,
    /// An upper VA range asked for an EL3 or EL2 table, whose regime has none.
    UpperRangeInRegime {
        /// The table.
        table: TableRef,
        /// Its exception level.
        el: ExecutionContext,
    },
    /// An ASID or a shared `TCR_EL1` asked for an EL3 or EL2 table: only the EL1&0
    /// regime tags translations with ASIDs and has two VA ranges.
    AsidInRegime {
        /// The table.
        table: TableRef,
        /// Its exception level.
        el: ExecutionContext,
    },
    /// An ASID asked for a table without a lower range: the ASID travels in `TTBR0`.
    AsidWithoutLower {
        /// The table.
        table: TableRef,
    },
    /// A table built for a shared `TCR_EL1` ([`SharedTcr`](super::SharedTcr)) whose own
    /// range has another size than the shared one.
    SharedTcrMismatch {
        /// The table.
        table: TableRef,
        /// Whether it is the upper range (TTBR1) that differs.
        upper: bool,
        /// The table's own size of that range.
        bits: u8,
        /// The shared size.
        shared: u8,
    },
    /// An execute-only page ([`Perms::X`](crate::Perms::X)) in a stage 1 table whose
    /// context is not EL0 (stage 2 tables take them): the privileged level of a regime can always read what it maps, so
    /// execute-only needs FEAT_PIE (permission indirection), which this crate does not
    /// use (Arm ARM DDI 0487, D8.4.1.2.1 "Stage 1 data accesses using Direct
    /// permissions").
    ExecuteOnly {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The table's context.
        el: ExecutionContext,
    },
    /// A Root or Realm page in a table whose context cannot reach that physical address
    /// space ([`PhysicalAddressSpace::reaches`](crate::PhysicalAddressSpace::reaches)):
    /// its descriptor has no encoding for the space, so the page would be mapped in
    /// another one (Secure, or Realm for a Root page at Realm EL2). A Secure page in a
    /// non-secure table is not refused: Secure is the default space when a layout does
    /// not model security. A [`Layout`](crate::Layout) refuses such a mapping before it
    /// builds, so only [`build`](super::build) and [`build_runs`](super::build_runs)
    /// given pages directly report it.
    UnreachableSpace {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The page's space.
        pas: PhysicalAddressSpace,
        /// The table's context.
        el: ExecutionContext,
    },
    /// A page whose size the table's granule and format cannot map
    /// ([`Format::page_leaves`]): a 16 KiB page in a 4 KiB-granule table, a 512 GiB page
    /// without the 52-bit format, ...
    SizeNotInFormat {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The table's format.
        format: Format,
    },
    /// A Normal page whose shareability is not Inner Shareable in a table with the
    /// FEAT_LPA2 52-bit format (`TCR_ELx.DS` = 1): its descriptors have no shareability
    /// field (bits\[9:8\] hold OA\[51:50\]), so every Normal page takes the TCR's SH0/SH1,
    /// which [`build`](super::build) sets to Inner Shareable (DDI 0487 D8.3, "Output
    /// address with 52-bit formats").
    ShareabilityFromTcr {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The page's shareability.
        share: Shareability,
    },
    /// A page outside both VA ranges of a table that has an upper range or lacks a
    /// lower one (see [`VaOutOfRange`](Self::VaOutOfRange) for the plain case).
    VaOutsideRanges {
        /// The table.
        table: TableRef,
        /// The page.
        page: PageRef,
        /// The size of the lower range, if the table has one.
        lower: Option<u8>,
        /// The size of the upper range, if the table has one.
        upper: Option<u8>,
    },
    /// A stage 2 table (one built with a VMID) asks for something only stage 1 has: an
    /// upper VA range, an ASID, a shared TCR or WXN, or no lower range.
    NotInStage2 {
        /// The [`TableConfig`](super::TableConfig) field: `lower` (turned off),
        /// `upper_va_bits`, `asid`, `shared_tcr` or `wxn`.
        option: &'static str,
    },
    /// A stage 2 table's IPA size is over its PA size. An IPA size over the core's PA
    /// size (PAMax) is CONSTRAINED UNPREDICTABLE, and some start levels need a PA size of
    /// 42 or 44 bits (AArch64.S2InvalidSL), so the IPA size must be at most the PA size.
    IpaBeyondPa {
        /// The IPA size ([`TableConfig::va_bits`](super::TableConfig::va_bits)).
        ipa_bits: u8,
        /// The PA size.
        pa_bits: u8,
    },
    /// A stage 2 table (one built with a VMID) for a context other than `EL1_NS`: stage 2
    /// here is the Non-secure EL1&0 regime's.
    Stage2Context {
        /// The table.
        table: TableRef,
        /// The table's context.
        el: ExecutionContext,
    },
}

/// `va .. va + size` written as `0xVA..0xEND` with the true end (past 2^64 if it is).
struct Range(u64, u64);

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}..{}",
            Hex::from(self.0),
            Hex(u128::from(self.0) + u128::from(self.1))
        )
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::VaBits { va_bits } => write!(
                f,
                "a {va_bits}-bit virtual address space cannot be translated; use 25 to 52 \
                 bits (over 48 needs FEAT_LPA2 with the 4 KiB and 16 KiB granules, FEAT_LVA \
                 with 64 KiB)"
            ),
            BuildError::PaBits { pa_bits } => write!(
                f,
                "a {pa_bits}-bit physical address space cannot be encoded in TCR; use 32, \
                 36, 40, 42, 44, 48 or 52 bits"
            ),
            BuildError::UnalignedBase {
                table,
                base_pa,
                align,
            } => write!(
                f,
                "the translation tables of {table} start at PA {}, which is not a \
                 multiple of {} (the table's granule, or the total size of a stage 2 \
                 table's concatenated root tables); place them on a {} boundary",
                Hex::from(*base_pa),
                Hex::from(*align),
                Hex::from(*align)
            ),
            BuildError::SizeNotInFormat {
                table,
                page,
                format,
            } => {
                write!(
                    f,
                    "page {page} of {table} is {}, which tables of the {format} cannot map; \
                     use ",
                    page.size
                )?;
                write!(f, "{}", SizesOf(Some(*format)))?;
                if !format.oa52 {
                    f.write_str(" (the 52-bit format adds a larger block)")?;
                }
                Ok(())
            }
            BuildError::ShareabilityFromTcr { table, page, share } => write!(
                f,
                "page {page} of {table} asks for `{share}` shareability, but {table} uses 52-bit \
                 descriptors (FEAT_LPA2, TCR.DS = 1), which have no shareability field: \
                 every Normal page is Inner Shareable; make the page inner shareable, or \
                 use 48-bit VA and PA sizes"
            ),
            BuildError::TablesBeyondPa {
                table,
                base_pa,
                count,
                pa_bits,
            } => write!(
                f,
                "the {count} translation table(s) of {table} at PA {} end beyond \
                 the {pa_bits}-bit physical address space; place them lower or raise the PA \
                 size",
                Hex::from(*base_pa)
            ),
            BuildError::WrongContext {
                table,
                expected,
                page,
                found,
            } => write!(
                f,
                "page {page} was made for an {found} table but {table} is {expected}; build \
                 each table from its own pages"
            ),
            BuildError::Misaligned { table, page } => write!(
                f,
                "page {page} of {table} has VA {} and PA {}, which are not both \
                 multiples of its size {}; align both to {}",
                Hex::from(page.va),
                Hex::from(page.pa),
                page.size,
                page.size
            ),
            BuildError::VaOutOfRange {
                table,
                page,
                va_bits,
            } => write!(
                f,
                "page {page} at VA {} lies beyond the {va_bits}-bit address space of \
                 {table}; move it below {} or raise the VA size",
                Range(page.va, page.size.bytes()),
                Hex::from(1u64 << (*va_bits).min(63))
            ),
            BuildError::PaOutOfRange {
                table,
                page,
                pa_bits,
            } => write!(
                f,
                "page {page} of {table} at PA {} lies beyond the {pa_bits}-bit physical \
                 address space; move it below {} or raise the PA size",
                Range(page.pa, page.size.bytes()),
                Hex::from(1u64 << (*pa_bits).min(63))
            ),
            BuildError::Overlap {
                table,
                first,
                second,
            } => write!(
                f,
                "page {second} at VA {} overlaps page {first} at VA {} in {table}; move one \
                 of them",
                Range(second.va, second.size.bytes()),
                Range(first.va, first.size.bytes())
            ),
            BuildError::WritableExecutable { table, page } => write!(
                f,
                "page {page} of {table} is writable and executable, but the table enables \
                 WXN, which makes writable memory execute-never; drop `w` or `x`, or turn \
                 WXN off"
            ),
            BuildError::ExecuteOnly { table, page, el } => write!(
                f,
                "page {page} of {table} is execute-only (`x`), but {el} cannot read-protect \
                 what it executes without FEAT_PIE (permission indirection), which memlayout \
                 does not use; execute-only is for EL0 pages and stage 2 tables, so use \
                 `rx` here"
            ),
            BuildError::UnreachableSpace {
                table,
                page,
                pas,
                el,
            } => write!(
                f,
                "page {page} of {table} is in the {pas} physical address space, which an {el} \
                 table cannot reach (its descriptor would map the page in another space); map \
                 it from a table that reaches it (EL3 for root; EL3 or a Realm table for \
                 realm) or give the page another space"
            ),
            BuildError::NoVaRange => f.write_str(
                "the table has neither a lower nor an upper VA range; give it a lower range \
                 or an upper VA size",
            ),
            BuildError::UpperRangeInRegime { table, el } => write!(
                f,
                "{table} is an {el} table, and EL3 and EL2 (without VHE) have no upper VA \
                 range (TTBR1); drop the upper VA size"
            ),
            BuildError::AsidInRegime { table, el } => write!(
                f,
                "{table} is an {el} table, and only the EL1&0 regime tags translations with \
                 an ASID or shares one TCR between two VA ranges; drop the ASID and the shared TCR"
            ),
            BuildError::AsidWithoutLower { table } => write!(
                f,
                "{table} has an ASID but no lower VA range, and the ASID is carried by \
                 TTBR0; give it a lower range or drop the ASID"
            ),
            BuildError::SharedTcrMismatch {
                table,
                upper,
                bits,
                shared,
            } => write!(
                f,
                "{table} has a {bits}-bit {} range, but the shared TCR gives that range \
                 {shared} bits; build it with the shared size",
                if *upper { "upper" } else { "lower" }
            ),
            BuildError::VaOutsideRanges {
                table,
                page,
                lower,
                upper,
            } => {
                write!(
                    f,
                    "page {page} at VA {} lies outside the VA ranges of {table} (",
                    Range(page.va, page.size.bytes())
                )?;
                match lower {
                    Some(bits) => write!(f, "lower 0x0..{}", Hex::from(1u64 << (*bits).min(63)))?,
                    None => f.write_str("no lower range")?,
                }
                match upper.and_then(super::regs::upper_range_start) {
                    Some(start) => write!(f, ", upper {}..2^64", Hex::from(start))?,
                    None => f.write_str(", no upper range")?,
                }
                f.write_str("); move it into one of them")
            }
            BuildError::NotInStage2 { option } => {
                let (what, fix) = match *option {
                    "lower" => (
                        "has no lower range, but stage 2 translates IPAs 0..2^ipa_bits \
                         through VTTBR_EL2, its only range",
                        "turn the lower range on",
                    ),
                    "upper_va_bits" => (
                        "has an upper VA range, but stage 2 has no TTBR1",
                        "drop the upper VA size",
                    ),
                    "asid" => (
                        "has an ASID, but stage 2 entries are tagged with the VMID",
                        "drop the ASID",
                    ),
                    "shared_tcr" => (
                        "shares a TCR_EL1, but stage 2 is controlled by VTCR_EL2",
                        "drop the shared TCR",
                    ),
                    _ => (
                        "enables WXN, a stage 1 control (SCTLR_ELx.WXN)",
                        "turn WXN off and drop `x` from writable pages instead",
                    ),
                };
                write!(
                    f,
                    "a stage 2 table (one built with a VMID) {what}; {fix}, or build a \
                     stage 1 table without the VMID"
                )
            }
            BuildError::IpaBeyondPa { ipa_bits, pa_bits } => {
                let enough = super::regs::PA_BITS
                    .into_iter()
                    .find(|&bits| bits >= *ipa_bits)
                    .unwrap_or(52);
                write!(
                    f,
                    "a stage 2 table with a {ipa_bits}-bit IPA space needs a PA size of at \
                     least {ipa_bits} bits, but its PA size is {pa_bits} (an IPA larger \
                     than the core's PA size is CONSTRAINED UNPREDICTABLE); raise the PA \
                     size to {enough} bits on a core that implements it, or lower the IPA \
                     size to {pa_bits} bits"
                )
            }
            BuildError::Stage2Context { table, el } => write!(
                f,
                "{table} is an {el} table with a VMID, but stage 2 here translates the IPAs \
                 of the Non-secure EL1&0 regime, whose pages are EL1_NS; build it from \
                 EL1_NS pages, or drop the VMID"
            ),
        }
    }
}

impl core::error::Error for BuildError {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemAttrs, PageKind};
    use alloc::{format, vec::Vec};

    fn page(name: &'static str, index: u32) -> PageRef {
        let info = TableInfo::new("t", 0, ExecutionContext::EL3);
        let p = Page::new(
            name,
            index,
            &info,
            0x4000_0000,
            0x8000_1000,
            PageSize::Size4K,
            MemAttrs::new(PageKind::Data),
            false,
            Vec::new(),
        );
        PageRef::of(&p)
    }

    #[test]
    fn messages_name_page_and_table() {
        let table = TableRef::Named("core0_el3".into());
        let e = BuildError::VaOutOfRange {
            table: table.clone(),
            page: page("uart", 0),
            va_bits: 30,
        };
        assert_eq!(
            format!("{e}"),
            "page `uart` at VA 0x4000_0000..0x4000_1000 lies beyond the 30-bit address space \
             of table `core0_el3`; move it below 0x4000_0000 or raise the VA size"
        );
        let e = BuildError::Overlap {
            table,
            first: page("a", 0),
            second: page("b", 2),
        };
        let s = format!("{e}");
        assert!(s.starts_with("page `b[2]` at VA 0x4000_0000..0x4000_1000 overlaps page `a`"));
        let t = TableRef::Of {
            core: 1,
            el: ExecutionContext::EL1_NS,
        };
        assert_eq!(format!("{t}"), "the EL1_NS table of core 1");
    }

    #[test]
    fn every_message_is_one_line() {
        let table = TableRef::Named("t".into());
        let errors = [
            BuildError::VaBits { va_bits: 50 },
            BuildError::PaBits { pa_bits: 41 },
            BuildError::UnalignedBase {
                table: table.clone(),
                base_pa: 0x10,
                align: 0x1000,
            },
            BuildError::SizeNotInFormat {
                table: table.clone(),
                page: page("p", 0),
                format: Format::DEFAULT,
            },
            BuildError::ShareabilityFromTcr {
                table: table.clone(),
                page: page("p", 0),
                share: Shareability::Outer,
            },
            BuildError::TablesBeyondPa {
                table: table.clone(),
                base_pa: 0xffff_f000,
                count: 3,
                pa_bits: 32,
            },
            BuildError::WrongContext {
                table: table.clone(),
                expected: ExecutionContext::EL3,
                page: page("p", 0),
                found: ExecutionContext::EL1_NS,
            },
            BuildError::Misaligned {
                table: table.clone(),
                page: page("p", 0),
            },
            BuildError::PaOutOfRange {
                table: table.clone(),
                page: page("p", 0),
                pa_bits: 32,
            },
            BuildError::WritableExecutable {
                table: table.clone(),
                page: page("p", 1),
            },
            BuildError::ExecuteOnly {
                table: table.clone(),
                page: page("p", 0),
                el: ExecutionContext::EL1_NS,
            },
            BuildError::UnreachableSpace {
                table: table.clone(),
                page: page("p", 0),
                pas: PhysicalAddressSpace::Root,
                el: ExecutionContext::EL1_S,
            },
            BuildError::NoVaRange,
            BuildError::UpperRangeInRegime {
                table: table.clone(),
                el: ExecutionContext::EL3,
            },
            BuildError::AsidInRegime {
                table: table.clone(),
                el: ExecutionContext::EL2_NS,
            },
            BuildError::AsidWithoutLower {
                table: table.clone(),
            },
            BuildError::SharedTcrMismatch {
                table: table.clone(),
                upper: false,
                bits: 39,
                shared: 48,
            },
            BuildError::VaOutsideRanges {
                table: table.clone(),
                page: page("p", 0),
                lower: None,
                upper: Some(39),
            },
            BuildError::IpaBeyondPa {
                ipa_bits: 41,
                pa_bits: 40,
            },
            BuildError::Stage2Context {
                table,
                el: ExecutionContext::EL2_NS,
            },
        ];
        let stage2 = ["lower", "upper_va_bits", "asid", "shared_tcr", "wxn"]
            .map(|option| BuildError::NotInStage2 { option });
        for e in errors.into_iter().chain(stage2) {
            let s = format!("{e}");
            assert!(!s.contains('\n') && !s.contains("  "), "{s}");
            assert!(s.contains("; "), "says how to fix it: {s}");
        }
    }
}
