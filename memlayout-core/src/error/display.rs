//! The sentence of each [`Error`]: one per failure, written once, by subject.

use core::fmt::{self, Formatter, Result};

use super::{Addr, Error, Field, plural};
use crate::aarch64::descriptor::TABLE_BYTES;
use crate::model::{Bytes, Hex, MemAttrs, PageKind, SegmentKind};

fn mem_type(a: &MemAttrs) -> &'static str {
    match a.cacheability() {
        Some(c) => c.name(),
        None => "Device",
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut Formatter<'_>) -> Result {
        use Error::*;
        match self {
            ZeroSize { .. }
            | ZeroCount { .. }
            | AlignNotPowerOfTwo { .. }
            | Misaligned { .. }
            | SizeNotMultiple { .. }
            | Wraps { .. }
            | BeyondLimit { .. }
            | OutsidePools { .. }
            | UnsupportedBits { .. }
            | IdentityConflict { .. }
            | Duplicate { .. }
            | Unknown { .. } => request(self, f),
            Overlap { .. } | PoolOverlap { .. } => collision(self, f),
            NoRoom { .. }
            | IdentityImpossible { .. }
            | NoRoomForTables { .. }
            | TablesRangeTooSmall { .. } => room(self, f),
            SharedAlias { .. }
            | ExecutableDevice { .. }
            | MismatchedAlias { .. }
            | PoolKindMismatch { .. }
            | NoTables { .. }
            | SamePaInTwoTables { .. }
            | DeviceWithoutPa { .. }
            | NonShareableAcrossCores { .. }
            | SystemPageAttrs { .. }
            | SecureInNonSecure { .. } => page(self, f),
            GuardNotGranule { .. } | InGuardGap { .. } | GuardGapTaken { .. } => guard(self, f),
            SegmentInAlias { .. }
            | SegmentKindMismatch { .. }
            | SegmentAccess { .. }
            | SegmentTooLarge { .. }
            | SegmentNotInPages { .. }
            | SharedMismatch { .. }
            | AlignTooSmall { .. }
            | StackSize { .. } => segment(self, f),
            RegimeTaken { .. }
            | Tables { .. }
            | VaBitsTooSmall { .. }
            | VaRangeNotTranslated { .. } => table(self, f),
        }
    }
}

/// Guard gaps: their size, and what may not lie in them.
fn guard(e: &Error, f: &mut Formatter<'_>) -> Result {
    let side = |above: bool| if above { "above" } else { "below" };
    match e {
        Error::GuardNotGranule { name, guard } => write!(
            f,
            "guard {} of `{name}` must be a non-zero multiple of the 4 KiB translation granule; use 4K, 8K, 64K, 2M, ...",
            Hex::from(*guard)
        ),
        Error::InGuardGap {
            name,
            range,
            guarded,
            guard,
            above,
            ..
        } => write!(
            f,
            "`{name}` maps VA {range}, in the {} guard gap {} `{guarded}`, which stays unmapped so an access past `{guarded}` faults; move `{name}` out of the gap or make the guard smaller",
            Bytes(*guard),
            side(*above)
        ),
        Error::GuardGapTaken {
            name,
            range,
            with,
            guard,
            above,
            ..
        } => write!(
            f,
            "the {} guard gap {} `{name}` takes VA {range}, which `{with}` maps; move one of them or make the guard smaller",
            Bytes(*guard),
            side(*above)
        ),
        _ => Ok(()),
    }
}

/// Requests that are wrong in themselves: sizes, alignments, addresses, names.
fn request(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::ZeroSize { what, .. } => {
            write!(f, "{what} has size 0; give it a size of at least one byte")
        }
        Error::ZeroCount { name, .. } => {
            write!(f, "`{name}` asks for 0 pages; ask for at least one")
        }
        Error::AlignNotPowerOfTwo { align, .. } => {
            write!(
                f,
                "alignment {} is not a power of two; use 1, 2, 4, 8, ...",
                Hex::from(*align)
            )
        }
        Error::Misaligned {
            addr,
            value,
            align,
            name,
            ..
        } => {
            let (value, align) = (Hex::from(*value), Hex::from(*align));
            write!(
                f,
                "{addr} {value} of `{name}` is not aligned to {align}; use a multiple of {align}"
            )
        }
        Error::SizeNotMultiple {
            size, page_size, ..
        } => write!(
            f,
            "size {} is not a multiple of the page size {}; round it to a whole number of pages",
            Hex::from(*size),
            Hex::from(*page_size)
        ),
        Error::Wraps { start, size, .. } => write!(
            f,
            "range {} .. +{} ends past 2^64; make it smaller or start it lower",
            Hex::from(*start),
            Hex::from(*size)
        ),
        Error::BeyondLimit {
            addr, range, bits, ..
        } => write!(
            f,
            "{addr} range {range} passes the {bits}-bit address limit {}; keep it below the limit",
            Hex(1u128 << (*bits).min(64))
        ),
        Error::OutsidePools {
            addr, range, space, ..
        } => write!(
            f,
            "{addr} range {range} is not inside {space}; pick an address inside a declared range or declare one that covers it"
        ),
        Error::UnsupportedBits { addr, bits, .. } => match addr {
            Addr::Va => write!(
                f,
                "a {bits}-bit VA space cannot be translated with a 4 KiB granule; use 25 to 48 bits"
            ),
            Addr::Pa => write!(
                f,
                "a {bits}-bit PA space cannot be encoded in TCR.PS/IPS; use 32, 36, 40, 42, 44 or 48 bits"
            ),
        },
        Error::IdentityConflict { name, va, pa, .. } => write!(
            f,
            "`{name}` asks for VA == PA but its fixed VA {} differs from its fixed PA {}; make them equal or drop one",
            Hex::from(*va),
            Hex::from(*pa)
        ),
        Error::Duplicate { what, name, .. } => {
            write!(
                f,
                "{what} `{name}` is declared twice; give each {what} its own name"
            )
        }
        Error::Unknown { what, name, .. } => {
            write!(f, "there is no {what} named `{name}`; check the spelling")
        }
        _ => Ok(()),
    }
}

/// Requests that collide with what is placed.
fn collision(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::Overlap {
            space, range, with, ..
        } => write!(
            f,
            "range {range} overlaps `{with}` in {space}; move one of them"
        ),
        Error::PoolOverlap { name, with, .. } => write!(
            f,
            "range of `{name}` overlaps the range of `{with}`; ranges of one space must be disjoint"
        ),
        _ => Ok(()),
    }
}

/// Requests that find no room.
fn room(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::NoRoom {
            what,
            size,
            align,
            space,
            largest,
            taken,
            ..
        } => {
            write!(
                f,
                "no room for {what} ({} bytes, aligned to {}) in {space}; ",
                Hex::from(*size),
                Hex::from(*align)
            )?;
            match largest {
                Some(r) => write!(f, "the largest free range is {r} ({} bytes)", Hex(r.size()))?,
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
            ..
        } => {
            write!(
                f,
                "no range of {} bytes aligned to {} is free in both VA (table `{table}`) and PA for identity request `{name}`; ",
                Hex::from(*size),
                Hex::from(*align)
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
        Error::NoRoomForTables {
            table,
            count,
            space,
            largest,
            ..
        } => {
            write!(
                f,
                "no room for the translation tables of table `{table}` ({} bytes: {count} table{} of 4 KiB) in {space}; ",
                Hex::from(count.saturating_mul(TABLE_BYTES)),
                plural(*count)
            )?;
            match largest {
                Some(r) => write!(f, "the largest free range is {r} ({} bytes)", Hex(r.size()))?,
                None => f.write_str("it has no free range left")?,
            }
            f.write_str(", so enlarge the pool or put the tables elsewhere")
        }
        Error::TablesRangeTooSmall { range, count, .. } => {
            let need = Hex::from(count.saturating_mul(TABLE_BYTES));
            write!(
                f,
                "the translation tables need {need} bytes ({count} table{} of 4 KiB) but the range {range} for them holds only {}; make it at least {need} bytes",
                plural(*count),
                Hex(range.size()),
            )
        }
        _ => Ok(()),
    }
}

/// Rules of pages and their memory.
fn page(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::SharedAlias { name, .. } => write!(
            f,
            "shared page `{name}` cannot be an alias; alias the shared page from inside a table instead"
        ),
        Error::SystemPageAttrs {
            name,
            field: Field::Perms,
            ..
        } => write!(
            f,
            "system page `{name}` is executable, but system pages (translation tables and other structures the hardware reads) are always execute-never; use `r` or `rw`"
        ),
        Error::SystemPageAttrs { name, cache, .. } => write!(
            f,
            "system page `{name}` is `{cache}`, but system pages are always Normal write-back (the cacheability the table walks use); remove `{cache}`"
        ),
        Error::NonShareableAcrossCores { name, cores, .. } => write!(
            f,
            "page `{name}` is `non_shareable` but cores {} and {} both map it, and non-shareable memory is not kept coherent between cores; make it `inner` (the default), or map it for one core only",
            cores[0], cores[1]
        ),
        Error::ExecutableDevice { name, .. } => write!(
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
            ..
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
        Error::NoTables { name, .. } => write!(
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
        Error::DeviceWithoutPa { name, .. } => write!(
            f,
            "device page `{name}` has no fixed PA, but device registers sit at fixed addresses; give it the device's address with `pa ADDR`, or `alias` a page that has one"
        ),
        Error::SecureInNonSecure {
            what, table, pool, ..
        } => write!(
            f,
            "{what} would put secure PA of pool `{pool}` into table `{table}`, but a non-secure context reaches only non-secure PA; take the PA from a pool declared `non_secure`"
        ),
        _ => Ok(()),
    }
}

/// Rules of segments and the pages they sit in.
fn segment(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::SegmentInAlias { name, page, of, .. } => write!(
            f,
            "segment `{name}` cannot sit in `{page}`, an alias of `{of}` whose bytes belong to `{of}`; place it in `{of}`"
        ),
        Error::SegmentKindMismatch { .. } | Error::SegmentAccess { .. } => segment_page(e, f),
        Error::SegmentTooLarge {
            name,
            size,
            page,
            page_bytes,
            ..
        } => write!(
            f,
            "segment `{name}` ({} bytes) is larger than its page `{page}` ({} bytes); make the segment smaller or the page larger",
            Hex::from(*size),
            Hex::from(*page_bytes)
        ),
        Error::SegmentNotInPages {
            name, range, kind, ..
        } => write!(
            f,
            "{kind} segment `{name}` at VA {range} is not inside free space of mapped pages that take it; place it inside {}",
            kind.pages_taking()
        ),
        Error::SharedMismatch {
            name,
            page,
            segment_shared,
            ..
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
        Error::AlignTooSmall {
            name, kind, align, ..
        } => match kind {
            SegmentKind::Stack => write!(
                f,
                "stack segment `{name}` is aligned to {}, but the AArch64 stack pointer must be 16-byte aligned; use `align 16` or more",
                Hex::from(*align)
            ),
            // Only stacks and the code kinds have a minimum above 1.
            _ => write!(
                f,
                "{} segment `{name}` is aligned to {}, but A64 instructions are 4 bytes and must be 4-byte aligned; use `align 4` or more (8 when omitted)",
                kind.name(),
                Hex::from(*align)
            ),
        },
        Error::StackSize { name, size, room } => {
            // The nearest multiple of 16 that also fits its page, when that is known.
            let up = size.saturating_add(15) & !15;
            let down = size & !15;
            let fix = match room {
                Some(room) if up > *room && down > 0 => down,
                _ => up,
            };
            write!(
                f,
                "stack segment `{name}` has size {}, not a multiple of 16, so its top is not 16-byte aligned; make it {}",
                Hex::from(*size),
                Hex::from(fix)
            )
        }
        _ => Ok(()),
    }
}

/// Segments in a page that does not take them: the wrong kind, or missing access.
fn segment_page(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::SegmentKindMismatch {
            segment,
            page,
            page_kind,
            page_perms,
            ..
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
        Error::SegmentAccess {
            name,
            kind,
            page,
            page_perms,
            needs,
            ..
        } => {
            let (access, fault) = if needs.execute() {
                ("execute", "the first instruction fetch from it faults")
            } else {
                ("write", "the first store to it faults")
            };
            write!(
                f,
                "{kind} segment `{name}` needs {access} permission, but its page `{page}` is `{page_perms}`, so {fault}; declare `{page}` with `{needs}`"
            )
        }
        _ => Ok(()),
    }
}

/// Rules of tables and their translation.
fn table(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::RegimeTaken {
            table,
            core,
            el,
            first,
            ..
        } => write!(
            f,
            "table `{table}` is a second {} table of core {core}, but a core has one translation table base register at that level and `{first}` is already its table; merge the two (one table may serve several cores: `cores 0..=3`)",
            el.name()
        ),
        Error::Tables { table, source, .. } => write!(f, "table `{table}`: {source}"),
        Error::VaBitsTooSmall {
            table,
            upper,
            bits,
            range,
            needed,
            ..
        } => write!(
            f,
            "the {bits}-bit {} VA range of table `{table}` does not cover its virtual range {range}, which needs {needed} bits; ask for at least {needed} bits",
            if *upper { "upper" } else { "lower" }
        ),
        Error::VaRangeNotTranslated {
            table,
            range,
            has_upper,
            ..
        } => {
            if *has_upper {
                write!(
                    f,
                    "virtual range {range} of table `{table}` is neither a lower VA (below 0x1_0000_0000_0000, through TTBR0) nor an upper one (from 0xFFFF_0000_0000_0000 up, through TTBR1); move it into one of them"
                )
            } else {
                write!(
                    f,
                    "virtual range {range} of table `{table}` is not translated: EL3 and EL2 tables accept only lower VAs (below 0x1_0000_0000_0000) and have no upper range (TTBR1); move the range below 0x1_0000_0000_0000"
                )
            }
        }
        _ => Ok(()),
    }
}
