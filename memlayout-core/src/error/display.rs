//! The sentence of each [`Error`]: one per failure, written once, by subject.

use core::fmt::{self, Formatter, Result};

use super::{Addr, Error, Field, Space, plural};
use crate::aarch64::descriptor::TABLE_BYTES;
use crate::aarch64::gpt::GptError;
use crate::aarch64::granule::SizesOf;
use crate::aarch64::{Format, Granule};
use crate::model::{
    Bytes, ExecutionContext, Hex, MemAttrs, PageKind, PhysicalAddressSpace, SecurityState,
    SegmentKind,
};

/// One side of a mismatched alias: `data write_back inner` for Normal memory, the kind
/// and Device type for Device memory (`device Device-nGnRE`: Device memory is always
/// Outer Shareable).
struct MemType<'a>(&'a MemAttrs);

impl fmt::Display for MemType<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> Result {
        let a = self.0;
        match (a.cacheability(), a.shareability(), a.device_type()) {
            (Some(c), Some(s), _) => write!(f, "{} {c} {s}", a.kind),
            (_, _, device) => write!(f, "{} Device-{}", a.kind, device.unwrap_or_default()),
        }
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
            PoolSpaces { .. } | UnreachablePa { .. } | UntrustedPa { .. } => space(self, f),
            NoRoom { .. }
            | IdentityImpossible { .. }
            | NoRoomForTables { .. }
            | TablesRangeTooSmall { .. } => room(self, f),
            SharedAlias { .. }
            | ExecutableDevice { .. }
            | ExecuteOnlyNotUser { .. }
            | MismatchedAlias { .. }
            | PoolKindMismatch { .. }
            | NoTables { .. }
            | SamePaInTwoTables { .. }
            | DeviceWithoutPa { .. }
            | NonShareableAcrossCores { .. }
            | SystemPageAttrs { .. }
            | SecureInNonSecure { .. }
            | NonSecureForSecure { .. }
            | NonSecureViewNotDual { .. }
            | OptionWithoutEffect { .. } => page(self, f),
            SizeNotInGranule { .. }
            | GranulesDiffer { .. }
            | GranuleAfterPages { .. }
            | RangeNotGranuleAligned { .. }
            | KernelGranule { .. } => granule(self, f),
            GuardNotGranule { .. }
            | InGuardGap { .. }
            | GuardGapTaken { .. }
            | GuardNoRoom { .. } => guard(self, f),
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
            AsidTooLarge { .. }
            | AsidInRegime { .. }
            | AsidTaken { .. }
            | AsidOnKernel { .. }
            | NotAKernel { .. }
            | ProcessUpperRange { .. }
            | KernelRangeOverlap { .. }
            | AsidZeroShared { .. }
            | AsidWithoutLower { .. }
            | KernelLowerPage { .. } => process(self, f),
            GptNotRoot { .. }
            | GptInDevice { .. }
            | GptWithoutRoot
            | GptNonSecureOk { .. }
            | GptOutsideRoot { .. }
            | GptTwice { .. }
            | GptGranuleShared { .. }
            | NoRoomForGpt { .. }
            | Gpt { .. } => gpt(self, f),
            VmidTaken { .. }
            | IpaBeyondPa { .. }
            | NotInVm { .. }
            | VmIsolation { .. }
            | NotAVm { .. }
            | NotInGuest { .. }
            | GuestIpaUnmapped { .. }
            | GuestIpaIncompatible { .. } => vm(self, f),
        }
    }
}

/// Guard gaps: their size, and what may not lie in them.
fn guard(e: &Error, f: &mut Formatter<'_>) -> Result {
    let side = |above: bool| if above { "above" } else { "below" };
    match e {
        Error::GuardNotGranule {
            name,
            guard,
            granule,
        } => write!(
            f,
            "guard {} of `{name}` must be a non-zero multiple of the {} KiB translation granule; use {}, {}, {}, ...",
            Bytes(*guard),
            *granule >> 10,
            Bytes(*granule),
            Bytes(*granule * 2),
            Bytes(*granule * 4)
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
        Error::GuardNoRoom {
            name,
            size,
            guard,
            table,
            largest,
        } => {
            write!(
                f,
                "no room for `{name}` ({}) with its guard {} in the virtual address space of table `{table}`: ",
                Bytes(*size),
                Bytes(*guard),
            )?;
            if let Some(r) = largest {
                write!(f, "the largest free range {r} holds the page ")?;
            } else {
                f.write_str("the free VA holds the page ")?;
            }
            write!(
                f,
                "but not the {} of unmapped VA it keeps below and above; enlarge the space or make the guard smaller",
                Bytes(*guard)
            )
        }
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
                "a {bits}-bit VA space cannot be translated; use 25 to 52 bits (over 48 needs FEAT_LPA2 with the 4K and 16K granules, FEAT_LVA with 64K)"
            ),
            Addr::Pa => write!(
                f,
                "a {bits}-bit PA space cannot be encoded in TCR.PS/IPS; use 32, 36, 40, 42, 44, 48 or 52 bits"
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
        } => {
            write!(
                f,
                "range {range} overlaps `{with}` in {space}; move one of them"
            )?;
            if matches!(space, Space::Ipa(_)) {
                // Guest pages of one VM share an IPA only when they say so.
                f.write_str(", or map an alias of it (`map_alias`) to share its IPA")?;
            }
            Ok(())
        }
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
                "no room for {what} ({} bytes, aligned to {}) in {space}",
                Hex::from(*size),
                Hex::from(*align)
            )?;
            // No pool of the space to enlarge: the space's own words say to declare one.
            if matches!(space, Space::Secure { tried, .. } | Space::Trusted { tried, .. } if tried.is_empty())
            {
                return Ok(());
            }
            f.write_str("; ")?;
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
            granule,
            space,
            largest,
            ..
        } => {
            write!(
                f,
                "no room for the translation tables of table `{table}` ({} bytes: {count} table{} of {} KiB) in {space}; ",
                Hex::from(count.saturating_mul(*granule)),
                plural(*count),
                granule >> 10
            )?;
            match largest {
                Some(r) => write!(f, "the largest free range is {r} ({} bytes)", Hex(r.size()))?,
                None => f.write_str("it has no free range left")?,
            }
            match space {
                Space::Ipa(vm) => write!(
                    f,
                    ", so map a larger writable `data` page in VM `{vm}` (a guest's tables go in its VM's RAM, off its guests' pages)"
                ),
                _ => f.write_str(", so enlarge the pool or put the tables elsewhere"),
            }
        }
        Error::TablesRangeTooSmall {
            range,
            count,
            bytes,
        } => {
            let need = Hex::from(*bytes);
            let each = if count.saturating_mul(TABLE_BYTES) == *bytes {
                " of 4 KiB"
            } else {
                ""
            };
            write!(
                f,
                "the translation tables need {need} bytes ({count} table{}{each}) but the range {range} for them holds only {}; make it at least {need} bytes",
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
        Error::ExecuteOnlyNotUser {
            name, table, el, ..
        } => write!(
            f,
            "page `{name}` is execute-only (`x`), but table `{table}` is an {el} table, and the architecture cannot make EL{} pages execute-only without FEAT_PIE (permission indirection), which memlayout does not use; `x` is for EL0 pages, use `rx` here",
            el.level()
        ),
        Error::MismatchedAlias {
            range,
            first,
            second,
            with,
            ..
        } => write!(
            f,
            "PA {range} is already mapped by `{with}` as {}, and mapping it as {} makes a mismatched alias; use the same memory type, cacheability and shareability",
            MemType(first),
            MemType(second),
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
        Error::NonSecureViewNotDual { name, pool, .. } => write!(
            f,
            "page `{name}` asks for the non-secure view of pool `{pool}`, which is not declared in both physical address spaces; declare the pool `secure, non_secure`, or remove `non_secure_view`"
        ),
        Error::OptionWithoutEffect {
            name,
            option,
            reason: crate::error::NoEffect::NotSecure { table, el },
            ..
        } => write!(
            f,
            "`{option}` on page `{name}` has no effect: only a table of the Secure state (EL3, EL2_S, EL1_S, EL0_S) uses it, and table `{table}` is {el}; remove `{option}`"
        ),
        Error::OptionWithoutEffect {
            name,
            option,
            reason: crate::error::NoEffect::RootState { table },
            ..
        } => write!(
            f,
            "`{option}` on page `{name}` has no effect: the layout has `realm` or `root` pools, so EL3 table `{table}` runs in Root state and never executes from non-secure memory; remove `{option}`"
        ),
        Error::OptionWithoutEffect {
            name,
            option,
            reason: crate::error::NoEffect::NotExecutable,
            ..
        } => write!(
            f,
            "`{option}` on page `{name}` has no effect: it lets an executable page of a secure table take non-secure PA, and `{name}` is neither `code` nor executable (a data page of a secure table may take non-secure PA without it); remove `{option}`"
        ),
        Error::NonSecureForSecure {
            what, table, pool, ..
        } => write!(
            f,
            "{what} of secure table `{table}` would sit in non-secure pool `{pool}`, which the normal world can write; take the PA from a secure pool, or, without a `gpt`, add `non_secure_ok` to allow it knowingly"
        ),
        _ => Ok(()),
    }
}

/// What each context reaches, in words: `secure, non-secure, root and realm`.
fn reachable(el: ExecutionContext) -> &'static str {
    match el.security() {
        SecurityState::Secure if el == ExecutionContext::EL3 => {
            "secure, non-secure, root and realm"
        }
        SecurityState::Secure => "secure and non-secure",
        SecurityState::Realm => "realm and non-secure",
        _ => "non-secure",
    }
}

/// Rules of physical address spaces (FEAT_RME).
fn space(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::PoolSpaces {
            name,
            first,
            second,
        } => write!(
            f,
            "pool `{name}` is declared `{first}` and `{second}`, but a pool lies in one physical address space; only `secure, non_secure` (memory or a device both worlds reach) names two: keep one of `{first}` and `{second}`, or declare two pools"
        ),
        Error::UnreachablePa {
            what,
            table,
            el,
            pool,
            space,
            ..
        } => write!(
            f,
            "{what} would put {} PA of pool `{pool}` into table `{table}`, but {el} reaches only {} PA; take the PA from a pool of one of those spaces",
            Pas(*space),
            reachable(*el)
        ),
        Error::UntrustedPa {
            what,
            table,
            el,
            pool,
            needs,
            tables,
            non_secure_ok,
            ..
        } => {
            write!(
                f,
                "{what} of {el} table `{table}` would sit in pool `{pool}`, outside {} memory",
                Pas(*needs)
            )?;
            let why = match (needs, tables) {
                (PhysicalAddressSpace::Root, true) => {
                    "EL3 runs in Root state once the layout has `realm` or `root` pools (FEAT_RME), and walks its tables with Root accesses"
                }
                (PhysicalAddressSpace::Root, false) => {
                    "EL3 runs in Root state once the layout has `realm` or `root` pools (FEAT_RME), and takes a permission fault on instructions fetched from another space"
                }
                (_, true) => "a Realm table walks its tables with Realm accesses",
                (_, false) => {
                    "Realm state takes a permission fault on instructions fetched from another space"
                }
            };
            write!(f, " ({why}); take the PA from a `{}` pool", needs)?;
            if *non_secure_ok {
                f.write_str(
                    ", or, without a `gpt`, add `non_secure_ok` to allow non-secure memory knowingly",
                )?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A physical address space in prose: `secure`, `non-secure`, `root`, `realm`.
struct Pas(PhysicalAddressSpace);

impl fmt::Display for Pas {
    fn fmt(&self, f: &mut Formatter<'_>) -> Result {
        f.write_str(match self.0 {
            PhysicalAddressSpace::NonSecure => "non-secure",
            other => other.name(),
        })
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
                PageKind::Data if page_perms.execute_only() => "an execute-only (`x`) data page",
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
            let (access, fault) = if !page_perms.read() && needs.read() {
                ("read", "the first load from it faults")
            } else if needs.execute() && !page_perms.execute() {
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
/// The sizes a granule's tables map, as prose: `16K, 2M, 32M, 1G or 64G`.
fn granule_sizes(granule: Granule) -> SizesOf {
    SizesOf(Some(Format {
        granule,
        oa52: true,
    }))
}

fn granule(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::SizeNotInGranule {
            name,
            size,
            table,
            granule,
        } => write!(
            f,
            "`{name}` is a {size} page, which the {granule} granule of table `{table}` cannot \
             map; use {} (the largest block needs 52-bit addresses)",
            granule_sizes(*granule)
        ),
        Error::GranulesDiffer {
            name,
            first,
            second,
        } => write!(
            f,
            "shared page `{name}` goes in table `{}` ({} granule) and table `{}` ({} granule); \
             a page has one size, so share it only between tables of one granule, or map it \
             in each with `alias` (a size both granules have, such as 2M)",
            first.0, first.1, second.0, second.1
        ),
        Error::GranuleAfterPages { table } => write!(
            f,
            "the granule of table `{table}` is set after pages or segments were put in it; set \
             the granule first"
        ),
        Error::RangeNotGranuleAligned {
            table,
            range,
            granule,
            ..
        } => write!(
            f,
            "virtual range {range} of table `{table}` does not start and end on its {granule} \
             granule; align both ends to {}",
            Bytes(granule.bytes())
        ),
        Error::KernelGranule {
            table,
            granule,
            kernel,
            kernel_granule,
        } => write!(
            f,
            "table `{table}` ({granule} granule) runs under kernel `{kernel}` ({kernel_granule} \
             granule), and the two share one TCR_EL1; give them one granule"
        ),
        _ => unreachable!("not a granule error"),
    }
}

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
                )?;
            } else {
                write!(
                    f,
                    "virtual range {range} of table `{table}` is not translated: EL3 and EL2 tables accept only lower VAs (below 0x1_0000_0000_0000) and have no upper range (TTBR1); move the range below 0x1_0000_0000_0000"
                )?;
            }
            // A range a 52-bit VA size (FEAT_LPA2 or FEAT_LVA) reaches.
            if range.start >> 52 == 0 {
                f.write_str(
                    ", or give the table `va_bits = 52;` for 52-bit VAs (FEAT_LPA2 or FEAT_LVA)",
                )?;
            } else if *has_upper && range.start >= 0xFFF0_0000_0000_0000 {
                f.write_str(", or give the table `va_bits upper = 52;` for 52-bit VAs (FEAT_LPA2 or FEAT_LVA)")?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Processes and the kernel they run under: ASIDs and `under`.
fn process(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::AsidTooLarge { table, asid } => write!(
            f,
            "ASID {asid} of table `{table}` is over 65535, the largest ASID (16 bits); use 0 to 65535"
        ),
        Error::AsidInRegime { table, el } => write!(
            f,
            "table `{table}` is an {} table, but only EL1 and EL0 tables (the EL1&0 regime) have ASIDs; remove `asid`",
            el.name()
        ),
        Error::AsidTaken {
            table,
            asid,
            kernel,
            first,
            ..
        } => write!(
            f,
            "table `{table}` has ASID {asid}, which `{first}` under the same kernel `{kernel}` already has, so their TLB entries would mix; give each process of a kernel its own ASID"
        ),
        Error::AsidOnKernel {
            kernel, process, ..
        } => write!(
            f,
            "table `{kernel}` has an ASID, but `{process}` runs under it, so it is a kernel: its pages are global and its TTBR1 carries no ASID; remove `asid` from `{kernel}`"
        ),
        Error::NotAKernel {
            table,
            kernel,
            reason,
            ..
        } => {
            write!(f, "table `{table}` cannot run under `{kernel}`: ")?;
            kernel_rule(table, kernel, reason, f)
        }
        Error::ProcessUpperRange {
            table,
            kernel,
            range,
            ..
        } => write!(
            f,
            "table `{table}` runs under kernel `{kernel}`, whose TTBR1 maps the upper half, but its virtual range {range} is an upper range; give a process lower ranges only (below 0x1_0000_0000_0000)"
        ),
        Error::KernelRangeOverlap {
            table,
            range,
            kernel,
            kernel_range,
            ..
        } => write!(
            f,
            "virtual range {range} of table `{table}` overlaps the lower range {kernel_range} of its kernel `{kernel}`, and TTBR0 holds one of them at a time; move one of the ranges"
        ),
        Error::AsidZeroShared {
            table,
            kernel,
            first,
            ..
        } => write!(
            f,
            "table `{table}` has ASID 0, which `{first}` under the same kernel `{kernel}` uses too (a process without `asid` runs with ASID 0 in TTBR0), so their TLB entries would mix; give `{table}` a non-zero ASID, or give `{first}` an ASID of its own"
        ),
        Error::AsidWithoutLower { table } => write!(
            f,
            "table `{table}` has an ASID but no lower virtual range, and the ASID is carried by TTBR0, which only a lower range uses; give it a lower range (below 0x1_0000_0000_0000) or remove `asid`"
        ),
        Error::KernelLowerPage {
            kernel,
            process,
            page,
            range,
            ..
        } => write!(
            f,
            "`{process}` cannot run under `{kernel}` yet: `{kernel}` already maps `{page}` at VA {range}, an automatic VA in its lower range, which TTBR0 stops translating once a process is switched in; put the processes under the kernel before mapping its pages (they then go to its upper range), or give `{page}` a fixed `va`"
        ),
        _ => Ok(()),
    }
}

/// Why `kernel` cannot be the kernel of `table`, and what to write instead.
fn kernel_rule(
    table: &str,
    kernel: &str,
    reason: &super::KernelRule,
    f: &mut Formatter<'_>,
) -> Result {
    use super::KernelRule::*;
    match reason {
        Itself => f.write_str("a table cannot run under itself; name the EL1 table of its kernel"),
        ProcessRegime { el } => write!(
            f,
            "`{table}` is an {} table, and only EL1 and EL0 tables (the EL1&0 regime) run under a kernel; remove `under`",
            el.name()
        ),
        NotEl1 { el } => write!(
            f,
            "`{kernel}` is an {} table, and a kernel is an EL1 table; name the EL1 table whose TTBR1 maps the kernel",
            el.name()
        ),
        Security { process, kernel: k } => write!(
            f,
            "`{table}` is {} but `{kernel}` is {}, and a process runs under a kernel of its own security state; name an EL1 table of that state",
            process.name(),
            k.name()
        ),
        Cores { core } => write!(
            f,
            "core {core} runs `{table}` but not `{kernel}`; give `{kernel}` every core of `{table}`"
        ),
        NoUpperRange => write!(
            f,
            "`{kernel}` has no upper virtual range for its TTBR1, so it maps no kernel; give it one like `virtual 0xFFFF_8000_0000_0000 .. +1G;`"
        ),
        IsProcess { kernel: k } => write!(
            f,
            "`{kernel}` runs under `{k}` itself, and a process runs under a kernel; name `{k}`"
        ),
        ProcessIsKernel { process } => write!(
            f,
            "`{process}` runs under `{table}`, so `{table}` is a kernel, and a kernel runs under no other table; remove one of the two `under`"
        ),
    }
}

/// Virtual machines: their VMIDs, IPA sizes, what stage 2 lacks, and their isolation.
fn vm(e: &Error, f: &mut Formatter<'_>) -> Result {
    use super::Stage1Feature;
    match e {
        Error::VmidTaken {
            vm, vmid, first, ..
        } => write!(
            f,
            "VM `{vm}` has VMID {vmid}, which VM `{first}` already has, so their stage 2 TLB entries would mix; give each VM its own VMID"
        ),
        Error::IpaBeyondPa {
            vm,
            ipa_bits,
            pa_bits,
            range,
            ..
        } => {
            write!(f, "VM `{vm}` has a {ipa_bits}-bit IPA space")?;
            if let Some(range) = range {
                write!(f, " (IPA range {range} needs it)")?;
            }
            let raise = crate::aarch64::regs::PA_BITS
                .into_iter()
                .find(|&b| b >= *ipa_bits)
                .unwrap_or(52);
            write!(
                f,
                ", over the layout's {pa_bits}-bit PA size, and stage 2 cannot translate an IPA larger than the PA size; raise `pa_bits` to {raise} or more, or keep the VM's IPA ranges below {}",
                Hex::from(1u64 << pa_bits)
            )
        }
        Error::NotInVm { vm, feature, .. } => {
            write!(f, "table `{vm}` is the stage 2 table of a VM (IPA -> PA), ")?;
            match feature {
                Stage1Feature::Asid => f.write_str(
                    "which has no ASID: stage 2 TLB entries are tagged with the VM's VMID; remove `asid`",
                ),
                Stage1Feature::Process { kernel } => write!(
                    f,
                    "so it cannot run under kernel `{kernel}`: stage 2 has no TTBR0/TTBR1 to share; give the guest's kernel and processes stage 1 tables of their own"
                ),
                Stage1Feature::Kernel { process } => write!(
                    f,
                    "so `{process}` cannot run under it: stage 2 has no TTBR1 for a kernel; name an EL1 stage 1 table as the kernel"
                ),
                Stage1Feature::UpperRange { range } => write!(
                    f,
                    "which translates one IPA range from 0 (VTTBR_EL2), but {range} is an upper range; give the VM IPA ranges below 0x10_0000_0000_0000"
                ),
            }
        }
        Error::VmIsolation {
            name,
            range,
            with,
            with_table,
            ..
        } => write!(
            f,
            "PA {range} of page `{name}` is already owned by `{with}` of table `{with_table}`, but a VM may reach only the memory it is given, and no other table a VM's memory; to share it, declare it once as a `shared page` listing both tables, or write `alias {with_table}::{with}` here; otherwise give the page other PA"
        ),
        Error::NotAVm { table, vm } => write!(
            f,
            "guest table `{table}` is asked inside `{vm}`, which is not a virtual machine; name a VM (`add_vm`), or add `{table}` as an ordinary table"
        ),
        Error::NotInGuest {
            table, vm, feature, ..
        } => guest_feature(f, table, vm, feature),
        Error::GuestIpaUnmapped {
            name,
            table,
            vm,
            range,
            ..
        } => write!(
            f,
            "guest page `{name}` of table `{table}` is at IPA {range}, which no stage 2 page of VM `{vm}` maps, so the guest would take a stage 2 fault there; give it the IPA of a page of `{vm}` (its `pa` in a guest is an IPA), or map a stage 2 page there"
        ),
        Error::GuestIpaIncompatible {
            name,
            range,
            with,
            vm,
            needs,
            ..
        } => {
            use super::GuestNeed;
            let (what, fix) = match needs {
                GuestNeed::Device => (
                    "a device page needs a stage 2 device page",
                    "map it on a stage 2 `device` page",
                ),
                GuestNeed::Normal => (
                    "Normal memory (`code`, `data`, `system`) needs a stage 2 Normal page, not a device one",
                    "map it on a stage 2 `code` or `data` page",
                ),
                GuestNeed::Read => (
                    "a readable page needs a readable stage 2 page",
                    "add `r` to the stage 2 page's permissions (`rx` where it is `x`)",
                ),
                GuestNeed::Write => (
                    "a writable page needs a writable stage 2 page",
                    "add `w` to the stage 2 page's permissions (`rw` or `rwx`), or make the guest page `r`",
                ),
                GuestNeed::Execute => (
                    "an executable page (`code` or `x`) needs an executable stage 2 page",
                    "add `x` to the stage 2 page's permissions (`rx` or `rwx`), or put the guest page on an executable one",
                ),
            };
            write!(
                f,
                "guest page `{name}` is at IPA {range}, on stage 2 page `{with}` of VM `{vm}`, but {what}; {fix}"
            )
        }
        _ => Ok(()),
    }
}

/// [`Error::NotInGuest`]: what a guest table cannot have.
fn guest_feature(
    f: &mut Formatter<'_>,
    table: &str,
    vm: &str,
    feature: &super::GuestFeature,
) -> Result {
    use super::GuestFeature;
    match feature {
        GuestFeature::Context { el } => write!(
            f,
            "guest table `{table}` of VM `{vm}` is asked for {el}, but a VM's stage 2 translates the Non-secure EL1&0 regime only; make it EL1_NS or EL0_NS"
        ),
        GuestFeature::Pool { pool } => write!(
            f,
            "page `{table}` is in a guest of VM `{vm}`, whose page addresses are IPAs drawn from the VM's pages, so it cannot name pool `{pool}`; remove `pool`"
        ),
        GuestFeature::TablesPool { pool } => write!(
            f,
            "the translation tables of guest table `{table}` go in the RAM of VM `{vm}` (at an IPA), not in pool `{pool}`; remove `tables in`"
        ),
        GuestFeature::AutoIdentity => write!(
            f,
            "page `{table}` is an `identity` page of a guest of VM `{vm}` with neither `va` nor `pa`; give it a `va` or a `pa` (an IPA of the VM)"
        ),
        GuestFeature::Sharing { other } => write!(
            f,
            "`{table}` is shared by a guest of VM `{vm}` and table `{other}`, which is not a guest of `{vm}`, so their addresses are not the same IPAs; share pages only among the guests of one VM (a page the VM shares with the host is a stage 2 page: map it in the VM and in the guest at its IPA)"
        ),
        GuestFeature::Kernel { other } => write!(
            f,
            "guest table `{table}` of VM `{vm}` and table `{other}` are not guests of one VM, so one cannot run under the other; make both guests of `{vm}`"
        ),
    }
}

/// The granule protection table: where it goes, and the one GPI of each granule.
fn gpt(e: &Error, f: &mut Formatter<'_>) -> Result {
    match e {
        Error::GptNotRoot { pool, space } => write!(
            f,
            "the granule protection table must be Root memory, but pool `{pool}` is {}; name a pool declared `root`",
            match space {
                Some(space) => space,
                None => "secure",
            }
        ),
        Error::GptInDevice { pool, .. } => write!(
            f,
            "the granule protection table must be in Root RAM, not in device pool `{pool}`; place it in a RAM pool declared `root`"
        ),
        Error::GptWithoutRoot => f.write_str(
            "the granule protection table must be Root memory, but no pool is declared `root`; declare one like `physical root_ram = 0x4000_0000 .. +1M, root;`",
        ),
        Error::GptNonSecureOk { table, space, .. } => write!(
            f,
            "the granule protection table gives non-secure pools to the Non-secure space alone, but the translation tables of table `{table}` may sit in non-secure memory (`non_secure_ok`): every table walk there from the {space} space would take a granule protection fault; place them in a pool of {space} memory and remove `non_secure_ok`, or leave out the `gpt`"
        ),
        Error::GptTwice { range } => write!(
            f,
            "the layout already has a granule protection table at {range}, and a layout has one; build it once"
        ),
        Error::GptOutsideRoot { range } => write!(
            f,
            "the granule protection table at {range} does not lie inside a pool declared `root`; place it in Root memory"
        ),
        Error::GptGranuleShared {
            granule,
            granule_bytes,
            pool,
            gpi,
            with,
            with_gpi,
            ..
        } => write!(
            f,
            "pool `{pool}` ({}) shares the {} granule at {} with pool `{with}` ({}), and a granule has one GPI; align both pools to {}",
            gpi.name(),
            Bytes(*granule_bytes),
            Hex::from(*granule),
            with_gpi.name(),
            Bytes(*granule_bytes)
        ),
        Error::NoRoomForGpt {
            pool,
            bytes,
            align,
            largest,
        } => {
            write!(
                f,
                "no room for the granule protection table ({} bytes, aligned to {}) in pool `{pool}`; ",
                Hex::from(*bytes),
                Bytes(*align)
            )?;
            match largest {
                Some(r) => write!(f, "its largest free range is {r}; enlarge the pool"),
                None => f.write_str("it is full; enlarge the pool"),
            }
        }
        Error::Gpt {
            source: GptError::EmptyRegion { start, .. },
            pool: Some(pool),
        } => write!(
            f,
            "pool `{pool}` at PA {} has no bytes, so the granule protection table cannot describe it; give it a size",
            Hex::from(*start)
        ),
        Error::Gpt {
            source: GptError::BeyondPa { start, size, .. },
            pool: Some(pool),
        } => write!(
            f,
            "pool `{pool}` at PA {}..{} ends beyond the 52-bit physical address space a granule protection table describes; move it below 0x10_0000_0000_0000",
            Hex::from(*start),
            Hex(u128::from(*start) + u128::from(*size))
        ),
        Error::Gpt { source, .. } => fmt::Display::fmt(source, f),
        _ => Ok(()),
    }
}
