//! Tables of the 16 KiB and 64 KiB granules and of the 52-bit formats, built with the
//! run-time API ([`memlayout::aarch64::build`] and [`build_runs`]) and proven on QEMU's
//! MMU (`-cpu max`, which has FEAT_LPA2, FEAT_LVA and FEAT_LPA).
//!
//! Each table below is one QEMU run (the harness of `tests/support/qemu.rs`) that
//! probes, with the AT instructions:
//!
//! * every page at its first byte, in its middle and at its last 8 bytes (so in its
//!   first and last granule): a read translates to the page's PA with the `MAIR` byte of
//!   its memory type (and, for cacheable Normal memory, its shareability: the
//!   descriptor's SH in the 48-bit formats, `TCR_ELx.SH0`/`SH1` with `TCR_ELx.DS` = 1,
//!   which has no SH field), NS as its physical address space says; a write translates
//!   the same way on writable pages and takes a permission fault on read-only ones; in
//!   EL1&0 tables the EL0 reads and writes (AT S1E0R/W) as the page's context allows;
//! * unmapped addresses: just past each page that a hole follows, both ends and the
//!   middle of every hole, past the VA size, and the other range when a table has one
//!   range only;
//! * for the EL3 tables, on which the harness itself runs (they identity-map
//!   [`HARNESS_RESERVED`] with pages of their granule): stores through every writable
//!   Normal page in RAM, read back at the PA.
//!
//! 16 KiB and 64 KiB tables: an EL3 table, a Non-secure EL2 table, an EL1&0 kernel table
//! with a lower and an upper range, and a user (EL0) table, each with pages, level 2
//! blocks (32M, 512M) and Contiguous groups (2M of pages; but in the user tables, 1G of
//! 32M blocks, 16G of 512M blocks), and an EL2 table rooted at level 3 (the smallest VA
//! range). 52 bits, with each granule: an EL1&0 table whose lower and upper ranges have
//! 52 bits, with pages above 2^48 in VA and in PA (AT does not touch the output address, so PAs
//! beyond RAM are fine; `PAR_EL1.PA` is bits 51:12), with Contiguous groups and the
//! format's largest block (a 512G level 0 block with 4K and DS, a 64G level 1 block with
//! 16K and DS, a 4T level 1 block with 64K and FEAT_LPA), and an EL3 table with a 52-bit
//! VA range that runs the harness (4K and 16K with DS; 64K with FEAT_LVA and a 48-bit PA
//! size, so without FEAT_LPA); and two Non-secure EL2 tables with 52-bit PAs, 4K with a
//! 48-bit VA range (DS for the PA size alone) and 64K with a 52-bit one. The table
//! images lie in RAM at [`TABLES_PA`], outside the harness's memory. Seeded random
//! tables of each granule ([`random_spec`]: random contexts, Secure ones included, VA
//! and PA sizes up to 52 bits, runs of every page size the format allows) complete the
//! set. One QEMU start per table: 28 in all.
//!
//! QEMU's answers are compared with what this file's own walker reads in the image
//! ([`walk`], written from the Arm ARM, not from the crate's walker, which must agree
//! with it), and the leaf descriptors it finds with the encoding each page calls for. Those image and register
//! checks also run without QEMU ([`granule_tables_walk_as_built`],
//! [`granule_registers`], [`granule_tables_cover_the_formats`], and 100 random tables
//! per granule in [`random_granule_tables_walk_as_built`]), with the builder's refusals
//! of what a format cannot hold ([`granule_refusals`]).
//!
//! The QEMU tests skip (or fail with `MEMLAYOUT_REQUIRE_QEMU=1`) when
//! `qemu-system-aarch64` or `aarch64-linux-gnu-gcc` is missing.

use memlayout::aarch64::{Granule, PageRun, TableConfig, Translation, build, build_runs};
use memlayout::{
    Cacheability, DeviceType, ExecutionContext, MemAttrs, Page, PageKind, PageSize, Perms,
    Shareability, TableInfo,
};
use memlayout_tests::pages::{code, data, device, granule_page, level2_block};
use memlayout_tests::qemu::{self, HARNESS_RESERVED, RAM};
use memlayout_tests::table_checks::{
    Check, Expect, MAIR, Walked, crate_walk, describe, expected_attr, expected_sh, hole_checks,
    is_secure, job_regime, judge, offsets, page_checks, stores, table_job,
};

// Stage 1 descriptor bits (Arm ARM DDI 0487, D8.3 "Translation table descriptor
// formats"), written out here so the expected encoding does not come from the code
// under test.
const VALID: u64 = 1 << 0;
const TABLE_OR_PAGE: u64 = 1 << 1;
const NS: u64 = 1 << 5;
const AP1_EL0: u64 = 1 << 6;
const AP2_READ_ONLY: u64 = 1 << 7;
const SH_SHIFT: u32 = 8;
const AF: u64 = 1 << 10;
const NG: u64 = 1 << 11;
const CONTIGUOUS: u64 = 1 << 52;
const PXN: u64 = 1 << 53;
/// UXN in the EL1&0 regime, XN in the EL2 and EL3 regimes.
const XN: u64 = 1 << 54;

/// Where every table image of this file is placed: in RAM, just past the harness.
const TABLES_PA: u64 = 0x4040_0000;
/// The end of the space kept for the images: no page's PA lies in `TABLES_PA..TABLES_END`.
const TABLES_END: u64 = 0x4100_0000;

/// 32 MiB: the 16K granule's level 2 block.
const M32: u64 = 0x200_0000;
/// 2 MiB.
const M2: u64 = 0x20_0000;

// ---------------------------------------------------------------------------------------
// An independent walker.
// ---------------------------------------------------------------------------------------

/// The granule's log2 size from `TCR_ELx.TG0` (bits 15:14: 0b00 4K, 0b01 64K, 0b10 16K).
fn tg0_shift(tcr: u64) -> Option<u32> {
    match (tcr >> 14) & 3 {
        0b00 => Some(12),
        0b01 => Some(16),
        0b10 => Some(14),
        _ => None,
    }
}

/// The granule's log2 size from `TCR_EL1.TG1` (bits 31:30: 0b01 16K, 0b10 4K, 0b11 64K).
fn tg1_shift(tcr: u64) -> Option<u32> {
    match (tcr >> 30) & 3 {
        0b01 => Some(14),
        0b10 => Some(12),
        0b11 => Some(16),
        _ => None,
    }
}

/// What the walker needs of a table: its image and registers.
struct Regs<'a> {
    image: &'a [u8],
    base_pa: u64,
    el10: bool,
    tcr: u64,
    ttbr0: u64,
    ttbr1: u64,
    mair: u64,
}

impl<'a> Regs<'a> {
    fn of(tr: &'a Translation) -> Regs<'a> {
        Regs {
            image: tr.bytes(),
            base_pa: tr.base_pa(),
            el10: tr.el().is_el10_regime(),
            tcr: tr.tcr(),
            ttbr0: tr.ttbr0(),
            ttbr1: tr.ttbr1(),
            mair: tr.mair(),
        }
    }

    /// `TCR_ELx.DS`: bit 59 of `TCR_EL1`, bit 32 of `TCR_EL2` (E2H = 0) and `TCR_EL3`.
    fn ds(&self) -> bool {
        let bit = if self.el10 { 59 } else { 32 };
        self.tcr >> bit & 1 == 1
    }

    /// The PS / IPS field: `TCR_EL1.IPS` bits 34:32, `TCR_EL2/3.PS` bits 18:16.
    fn ps(&self) -> u64 {
        let shift = if self.el10 { 32 } else { 16 };
        (self.tcr >> shift) & 7
    }
}

/// A leaf the walker found.
#[derive(Clone, Copy, Debug)]
struct Leaf {
    pa: u64,
    level: i8,
    bits: u64,
    size: u64,
    attr: u8,
}

/// Walks `va` through the image as the MMU does (DDI 0487 D8.2 and D8.3): the range from
/// bit 63 (TTBR1 for upper VAs in the EL1&0 regime), its size from TxSZ, its granule from
/// TG0/TG1, the start level `3 - (va_bits - 1 - g) / (g - 3)` (g = log2 granule), 52-bit
/// output addresses with `DS` (bits 9:8 hold OA\[51:50\]) or with the 64K granule and PS =
/// 52 bits (bits 15:12 hold OA\[51:48\]), and `TTBR` BADDR\[51:48\] in bits 5:2 then.
/// Blocks are allowed from level 1 (4K), 2 (16K, 64K), one level higher with the 52-bit
/// format. A VA outside the range, or in a disabled one (EPD0/EPD1), is a level 0
/// translation fault.
fn walk(r: &Regs<'_>, va: u64) -> Result<Leaf, Walked> {
    let upper = r.el10 && va >> 63 == 1;
    let (txsz, g, epd, ttbr) = if upper {
        (
            (r.tcr >> 16) & 0x3F,
            tg1_shift(r.tcr),
            r.tcr >> 23 & 1,
            r.ttbr1,
        )
    } else {
        (
            r.tcr & 0x3F,
            tg0_shift(r.tcr),
            if r.el10 { r.tcr >> 7 & 1 } else { 0 },
            r.ttbr0,
        )
    };
    let g = g.ok_or_else(|| Walked::Other(format!("reserved granule in TCR {:#x}", r.tcr)))?;
    let va_bits = 64 - txsz as u32;
    let outside = if upper {
        !va >> va_bits != 0
    } else {
        va >> va_bits != 0
    };
    if epd == 1 || outside {
        return Err(Walked::Translation { level: 0 });
    }
    let oa52 = r.ds() || (g == 16 && r.ps() == 0b110);
    let stride = g - 3;
    let mut level = 3 - ((va_bits - 1 - g) / stride) as i8;
    let shift_of = |level: i8| g + stride * (3 - level) as u32;
    let mut table = if oa52 {
        (ttbr & 0x0000_FFFF_FFFF_FFC0) | ((ttbr >> 2) & 0xF) << 48
    } else {
        ttbr & 0x0000_FFFF_FFFF_FFFE
    };
    let address = |bits: u64| -> u64 {
        if r.ds() {
            (bits & ((1 << 50) - 1) & !((1 << g) - 1)) | ((bits >> 8) & 3) << 50
        } else if oa52 {
            (bits & 0x0000_FFFF_FFFF_0000) | ((bits >> 12) & 0xF) << 48
        } else {
            bits & 0x0000_FFFF_FFFF_F000 & !((1 << g) - 1)
        }
    };
    let first_block = match (g, oa52) {
        (12, false) => 1,
        (12, true) => 0,
        (_, false) => 2,
        (_, true) => 1,
    };
    let mut index_bits = va_bits - shift_of(level);
    loop {
        let shift = shift_of(level);
        let index = (va >> shift) & ((1 << index_bits) - 1);
        let offset = table
            .checked_sub(r.base_pa)
            .map(|o| o + index * 8)
            .filter(|&o| o + 8 <= r.image.len() as u64)
            .ok_or_else(|| {
                Walked::Other(format!(
                    "level {level} table at {table:#x} is outside the image"
                ))
            })?;
        let o = offset as usize;
        let bits = u64::from_le_bytes(r.image[o..o + 8].try_into().unwrap());
        if bits & VALID == 0 {
            return Err(Walked::Translation { level });
        }
        let is_table_or_page = bits & TABLE_OR_PAGE != 0;
        if level < 3 && is_table_or_page {
            table = address(bits);
            level += 1;
            index_bits = stride;
            continue;
        }
        if level < first_block || (level == 3 && !is_table_or_page) {
            // A block where the format has none, or the reserved level 3 encoding.
            return Err(Walked::Translation { level });
        }
        let size = 1u64 << shift;
        let pa = (address(bits) & !(size - 1)) | (va & (size - 1));
        let attr = (r.mair >> (8 * ((bits >> 2) & 7))) as u8;
        return Ok(Leaf {
            pa,
            level,
            bits,
            size,
            attr,
        });
    }
}

fn walked(r: &Regs<'_>, va: u64) -> Walked {
    match walk(r, va) {
        Ok(l) => Walked::Leaf {
            pa: l.pa,
            attr: l.attr,
            level: l.level,
        },
        Err(w) => w,
    }
}

// ---------------------------------------------------------------------------------------
// The tables.
// ---------------------------------------------------------------------------------------

/// One table to build and probe.
struct Spec {
    name: &'static str,
    el: ExecutionContext,
    config: TableConfig,
    pages: Vec<Page>,
}

/// Builds pages of one table.
struct Pages {
    info: TableInfo,
    pages: Vec<Page>,
}

impl Pages {
    fn new(name: &'static str, el: ExecutionContext) -> Pages {
        Pages {
            info: TableInfo::new(name, 0, el),
            pages: Vec::new(),
        }
    }

    /// `count` pages of `size` named `name` from `va` and `pa` on.
    fn add(
        mut self,
        name: &'static str,
        count: u32,
        va: u64,
        pa: u64,
        size: PageSize,
        attrs: MemAttrs,
    ) -> Pages {
        for k in 0..count {
            let off = u64::from(k) * size.bytes();
            self.pages.push(Page::new(
                name,
                k,
                &self.info,
                va + off,
                pa + off,
                size,
                attrs,
                false,
                Vec::new(),
            ));
        }
        self
    }

    fn spec(self, name: &'static str, config: TableConfig) -> Spec {
        Spec {
            name,
            el: self.info.el(),
            config,
            pages: self.pages,
        }
    }
}

/// Non-secure attributes, as the pages of a Non-secure table's layout have.
fn ns(attrs: MemAttrs) -> MemAttrs {
    attrs.with_non_secure(true)
}

/// The harness identity-mapped with `count` pages of `size` (rwx write-back code).
fn with_harness(p: Pages, size: PageSize) -> Pages {
    let count = (HARNESS_RESERVED.end - HARNESS_RESERVED.start) / size.bytes();
    p.add(
        "harness",
        count as u32,
        HARNESS_RESERVED.start,
        HARNESS_RESERVED.start,
        size,
        code(Perms::RWX),
    )
}

/// The Contiguous group of level 2 blocks of the 16K (1G) and 64K (16G) granules.
fn block_group_of(granule: Granule) -> PageSize {
    match granule {
        Granule::Size16K => PageSize::Size1G,
        _ => PageSize::Size16G,
    }
}

/// The EL3 table of a 16K or 64K granule (48-bit VA, 40-bit PA): it runs the harness
/// (identity-mapped with granule pages), and maps code, read-only, non-cacheable,
/// write-through outer shareable and Non-secure data pages, devices, a 2M Contiguous
/// group of pages, a level 2 block, a Contiguous group of level 2 blocks (read-only,
/// beyond RAM) and the last page of the VA range.
fn el3_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let block = level2_block(granule);
    let b = block.bytes();
    let el = ExecutionContext::EL3;
    // A level 2 block in RAM, above the small pages: 0x4200_0000 (32M) or 0x6000_0000
    // (512M); the group of blocks at 32 GiB, beyond RAM.
    let block_pa = if b == M32 { 0x4200_0000 } else { 0x6000_0000 };
    let base = 0x10_0000_0000;
    let pages = with_harness(Pages::new("el3", el), p)
        .add("text", 3, base, 0x4100_0000, p, code(Perms::RX))
        .add(
            "rodata",
            1,
            base + 4 * s,
            0x4100_0000 + 4 * s,
            p,
            data(Perms::R),
        )
        .add(
            "dma",
            2,
            base + 5 * s,
            0x4100_0000 + 5 * s,
            p,
            data(Perms::RW).with_cache(Cacheability::NonCacheable),
        )
        .add(
            "log",
            1,
            base + 8 * s,
            0x4100_0000 + 8 * s,
            p,
            data(Perms::RW)
                .with_cache(Cacheability::WriteThrough)
                .with_share(Shareability::Outer),
        )
        .add(
            "ns_buf",
            1,
            base + 9 * s,
            0x4100_0000 + 9 * s,
            p,
            ns(data(Perms::RW)),
        )
        .add(
            "uart",
            1,
            base + 0x100_0000,
            0x0900_0000,
            p,
            device(DeviceType::nGnRnE),
        )
        .add(
            "gicd",
            1,
            base + 0x100_0000 + 2 * s,
            0x0800_0000,
            p,
            device(DeviceType::nGnRE),
        )
        .add(
            "buf2m",
            1,
            base + 0x120_0000,
            0x4120_0000,
            PageSize::Size2M,
            data(Perms::RW).with_cache(Cacheability::WriteThrough),
        )
        .add("heap", 1, base + 2 * b, block_pa, block, data(Perms::RW))
        .add(
            "big",
            1,
            base + 32 * b,
            0x8_0000_0000,
            block_group_of(granule),
            data(Perms::R),
        )
        .add(
            "top",
            1,
            (1 << 48) - s,
            0x4100_0000 + 10 * s,
            p,
            data(Perms::RW),
        );
    pages.spec(
        if granule == Granule::Size16K {
            "el3_16k"
        } else {
            "el3_64k"
        },
        TableConfig::DEFAULT.with_granule(granule),
    )
}

/// The Non-secure EL2 table of a 16K or 64K granule, rooted at level 2 (36-bit VA with
/// 16K, 42-bit with 64K): pages, a 2M group, two level 2 blocks, a group of blocks and
/// the last page of the range.
fn el2_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let block = level2_block(granule);
    let b = block.bytes();
    let va_bits = if granule == Granule::Size16K { 36 } else { 42 };
    let group = block_group_of(granule);
    let pages = Pages::new("el2", ExecutionContext::EL2_NS)
        .add("text", 2, 0x1000_0000, 0x4100_0000, p, ns(code(Perms::RX)))
        .add(
            "data",
            4,
            0x1000_0000 + 3 * s,
            0x4100_0000 + 3 * s,
            p,
            ns(data(Perms::RW)),
        )
        .add(
            "ro",
            1,
            0x1000_0000 + 8 * s,
            0x4100_0000 + 8 * s,
            p,
            ns(data(Perms::R).with_cache(Cacheability::WriteThrough)),
        )
        .add(
            "uart",
            1,
            0x1000_0000 + 16 * s,
            0x0900_0000,
            p,
            ns(device(DeviceType::GRE)),
        )
        .add(
            "buf2m",
            1,
            0x1000_0000 + 0x60_0000,
            0x4160_0000,
            PageSize::Size2M,
            ns(data(Perms::RW)),
        )
        .add(
            "blocks",
            2,
            4 * b,
            8 * b,
            block,
            ns(data(Perms::RW).with_cache(Cacheability::NonCacheable)),
        )
        .add(
            "group",
            1,
            group.bytes(),
            4 * group.bytes(),
            group,
            ns(data(Perms::R)),
        )
        .add(
            "top",
            1,
            (1 << va_bits) - s,
            0x4100_0000 + 20 * s,
            p,
            ns(data(Perms::RW)),
        );
    pages.spec(
        if granule == Granule::Size16K {
            "el2_16k"
        } else {
            "el2_64k"
        },
        TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(va_bits),
    )
}

/// The EL1&0 kernel table of a 16K or 64K granule with a lower range (47 bits with 16K,
/// a level 1 root of 2048 entries; 42 with 64K, level 2) and an upper one (48 bits: a
/// level 0 root of 2 entries with 16K, level 1 of 64 entries with 64K): an identity boot
/// page and a 2M group below, code, read-only data, a level 2 block, a group of blocks,
/// a device and the last page below 2^64 above.
fn el1_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let block = level2_block(granule);
    let b = block.bytes();
    let group = block_group_of(granule);
    let lower = if granule == Granule::Size16K { 47 } else { 42 };
    let up: u64 = 0xFFFF_8000_0000_0000;
    let pages = Pages::new("el1", ExecutionContext::EL1_NS)
        .add("boot", 1, 0x4100_0000, 0x4100_0000, p, ns(code(Perms::RX)))
        .add(
            "boot_data",
            1,
            0x4120_0000,
            0x4120_0000,
            PageSize::Size2M,
            ns(data(Perms::RW)),
        )
        .add("text", 4, up, 0x4100_0000 + 4 * s, p, ns(code(Perms::RX)))
        .add(
            "rodata",
            2,
            up + 5 * s,
            0x4100_0000 + 9 * s,
            p,
            ns(data(Perms::R)),
        )
        .add(
            "heap",
            1,
            up + 4 * b,
            2 * b,
            block,
            ns(data(Perms::RW).with_share(Shareability::Outer)),
        )
        .add(
            "linear",
            1,
            up + 2 * group.bytes(),
            group.bytes(),
            group,
            ns(data(Perms::RW)),
        )
        .add(
            "uart",
            1,
            0xFFFF_FFFF_F000_0000,
            0x0900_0000,
            p,
            ns(device(DeviceType::nGnRE)),
        )
        .add(
            "last",
            1,
            0u64.wrapping_sub(s),
            0x4100_0000 + 12 * s,
            p,
            ns(data(Perms::RW)),
        );
    pages.spec(
        if granule == Granule::Size16K {
            "el1_16k"
        } else {
            "el1_64k"
        },
        TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(lower)
            .with_upper_va_bits(Some(48)),
    )
}

/// The user (EL0) table of a 16K or 64K granule (39-bit lower range, no upper one):
/// code, execute-only code, read-only data, read-write data, a 2M group and a level 2
/// block, which EL0 reaches as their permissions say.
fn el0_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let block = level2_block(granule);
    let b = block.bytes();
    let pages = Pages::new("el0", ExecutionContext::EL0_NS)
        .add("text", 2, 0x40_0000, 0x4200_0000, p, ns(code(Perms::RX)))
        .add(
            "xonly",
            1,
            0x40_0000 + 2 * s,
            0x4200_0000 + 2 * s,
            p,
            ns(code(Perms::X)),
        )
        .add(
            "consts",
            1,
            0x40_0000 + 4 * s,
            0x4200_0000 + 4 * s,
            p,
            ns(data(Perms::R)),
        )
        .add(
            "heap",
            3,
            0x40_0000 + 5 * s,
            0x4200_0000 + 5 * s,
            p,
            ns(data(Perms::RW)),
        )
        .add(
            "buf2m",
            1,
            0x80_0000,
            0x4220_0000,
            PageSize::Size2M,
            ns(data(Perms::RW)),
        )
        .add("arena", 1, 2 * b, 3 * b, block, ns(data(Perms::RW)));
    pages.spec(
        if granule == Granule::Size16K {
            "el0_16k"
        } else {
            "el0_64k"
        },
        TableConfig::DEFAULT.with_granule(granule).with_va_bits(39),
    )
}

/// The EL1&0 table of 52-bit VA ranges (lower and upper) and 52-bit PAs for `granule`
/// (4K and 16K: FEAT_LPA2, DS = 1; 64K: FEAT_LVA and FEAT_LPA): pages, a 2M page, a
/// Contiguous group of pages (64K with 4K, 2M otherwise) and of blocks (16G of 1G
/// blocks with 4K, 1G with 16K, 16G with 64K), the level 2 block, and the format's
/// largest block (512G at level 0, 64G or 4T at level
/// 1), at VAs and PAs above 2^48, and the first and last pages of the upper range.
fn el1_52_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let (block, big) = match granule {
        Granule::Size16K => (PageSize::Size32M, PageSize::Size64G),
        Granule::Size64K => (PageSize::Size512M, PageSize::Size4T),
        _ => (PageSize::Size2M, PageSize::Size512G),
    };
    let b = block.bytes();
    let big_bytes = big.bytes();
    // Contiguous groups of pages and of blocks: 64K and 16G with 4K, 2M and 1G with 16K,
    // 2M and 16G with 64K.
    let (small_group, block_group) = match granule {
        Granule::Size16K => (PageSize::Size2M, PageSize::Size1G),
        Granule::Size64K => (PageSize::Size2M, PageSize::Size16G),
        _ => (PageSize::Size64K, PageSize::Size16G),
    };
    let upper_start: u64 = 0xFFF0_0000_0000_0000;
    let pages = Pages::new("el1_52", ExecutionContext::EL1_NS)
        .add("low", 1, 0x4100_0000, 0x4100_0000, p, ns(code(Perms::RX)))
        .add(
            "high",
            2,
            0x000E_1234_5670_0000,
            0x000F_8765_4320_0000,
            p,
            ns(data(Perms::RW)),
        )
        .add(
            "high_ro",
            1,
            0x000E_1234_5670_0000 + 4 * s,
            0x0001_0000_0000_0000,
            p,
            ns(data(Perms::R).with_cache(Cacheability::WriteThrough)),
        )
        .add(
            "group2m",
            1,
            0x000E_0000_0020_0000,
            0x000F_0000_0040_0000,
            PageSize::Size2M,
            ns(data(Perms::RW)),
        )
        .add(
            "block",
            1,
            0x000E_0000_0000_0000 + 4 * b,
            0x000D_0000_0000_0000 + 2 * b,
            block,
            ns(data(Perms::RW).with_cache(Cacheability::NonCacheable)),
        )
        .add(
            "big",
            1,
            0x000C_0000_0000_0000,
            0x000C_0000_0000_0000 - big_bytes,
            big,
            ns(data(Perms::R)),
        )
        .add(
            "group_pages",
            1,
            0x000E_0000_0100_0000,
            0x000F_0000_0100_0000,
            small_group,
            ns(data(Perms::RW)),
        )
        .add(
            "group_blocks",
            1,
            0x000D_0000_0000_0000,
            0x0007_0000_0000_0000,
            block_group,
            ns(data(Perms::R).with_cache(Cacheability::WriteThrough)),
        )
        .add(
            "first_up",
            1,
            upper_start,
            0x000F_FFFF_FFFF_FFFF & !(s - 1),
            p,
            ns(code(Perms::RX)),
        )
        .add(
            "big_up",
            1,
            0xFFF8_0000_0000_0000,
            0x0008_0000_0000_0000,
            big,
            ns(data(Perms::RW)),
        )
        .add(
            "dev_up",
            1,
            0xFFFF_FFFF_F000_0000,
            0x000A_0000_0900_0000,
            p,
            ns(device(DeviceType::nGnRnE)),
        )
        .add(
            "last",
            1,
            0u64.wrapping_sub(s),
            0x000B_0000_0000_0000,
            p,
            ns(data(Perms::RW)),
        );
    let name = match granule {
        Granule::Size16K => "el1_52_16k",
        Granule::Size64K => "el1_52_64k",
        _ => "el1_52_4k",
    };
    pages.spec(
        name,
        TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(52)
            .with_upper_va_bits(Some(52))
            .with_pa_bits(52),
    )
}

/// The EL3 table with a 52-bit VA range for `granule`, which runs the harness: 4K and
/// 16K with a 52-bit PA size too (DS = 1: the harness runs on FEAT_LPA2 descriptors,
/// whose bits 9:8 are OA\[51:50\]), 64K with a 48-bit PA size (FEAT_LVA alone). Pages in
/// RAM at VAs above 2^48 (stored through and read back), a 2M group, a level 2 block,
/// and for DS a page at a PA above 2^48.
fn el3_52_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let block = match granule {
        Granule::Size16K => PageSize::Size32M,
        Granule::Size64K => PageSize::Size512M,
        _ => PageSize::Size2M,
    };
    let b = block.bytes();
    let el = ExecutionContext::EL3;
    let pa_bits = if granule == Granule::Size64K { 48 } else { 52 };
    let high_va = 0x000F_0000_0000_0000;
    let mut pages = with_harness(Pages::new("el3_52", el), p)
        .add("text", 2, high_va, 0x4100_0000, p, code(Perms::RX))
        .add(
            "data",
            2,
            high_va + 4 * s,
            0x4100_0000 + 4 * s,
            p,
            data(Perms::RW),
        )
        .add(
            "ro",
            1,
            high_va + 8 * s,
            0x4100_0000 + 8 * s,
            p,
            data(Perms::R),
        )
        .add(
            "buf2m",
            1,
            high_va + 0x40_0000,
            0x4140_0000,
            PageSize::Size2M,
            data(Perms::RW).with_cache(Cacheability::NonCacheable),
        )
        .add(
            "block",
            1,
            high_va + 4 * b,
            0x6000_0000,
            block,
            data(Perms::RW),
        )
        .add(
            "top",
            1,
            (1 << 52) - s,
            0x4100_0000 + 12 * s,
            p,
            data(Perms::RW),
        );
    if pa_bits == 52 {
        pages = pages.add(
            "far",
            1,
            high_va + 0x1_0000_0000,
            0x000F_0000_1234_0000,
            p,
            ns(data(Perms::R)),
        );
    }
    let name = match granule {
        Granule::Size16K => "el3_52_16k",
        Granule::Size64K => "el3_52_64k",
        _ => "el3_52_4k",
    };
    pages.spec(
        name,
        TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(52)
            .with_pa_bits(pa_bits),
    )
}

/// A Non-secure EL2 table with 52-bit PAs and a `va_bits` lower range: with 64K and 52
/// VA bits, FEAT_LVA and FEAT_LPA in `TCR_EL2`; with 4K and 48 VA bits, DS = 1 for the
/// PA size alone (a level 0 root, 512G level 0 blocks). Pages at PAs above 2^48 (at VAs
/// above 2^48 when the range has them), a level 2 block, a 2M page or group and the
/// format's largest block.
fn el2_52_spec(granule: Granule, va_bits: u8) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let (block, big) = match granule {
        Granule::Size16K => (PageSize::Size32M, PageSize::Size64G),
        Granule::Size64K => (PageSize::Size512M, PageSize::Size4T),
        _ => (PageSize::Size2M, PageSize::Size512G),
    };
    let b = block.bytes();
    // The high pages' VAs: above 2^48 with 52 bits, else at 2^47.
    let high = if va_bits > 48 {
        0x000E_0000_0000_0000
    } else {
        0x8000_0000_0000
    };
    let pages = Pages::new("el2_52", ExecutionContext::EL2_NS)
        .add("low", 2, 0x4100_0000, 0x4100_0000, p, ns(code(Perms::RX)))
        .add(
            "high",
            3,
            high,
            0x000F_0000_0010_0000,
            p,
            ns(data(Perms::RW)),
        )
        .add(
            "high_ro",
            1,
            high + 4 * s,
            0x0003_0000_0000_0000,
            p,
            ns(data(Perms::R)),
        )
        .add(
            "dev",
            1,
            high + 8 * s,
            0x000A_0000_0900_0000,
            p,
            ns(device(DeviceType::nGnRE)),
        )
        .add(
            "buf2m",
            1,
            high + 0x40_0000,
            0x0009_0000_0020_0000,
            PageSize::Size2M,
            ns(data(Perms::RW).with_cache(Cacheability::WriteThrough)),
        )
        .add(
            "block",
            1,
            high + 8 * b,
            0x000D_0000_0000_0000 + b,
            block,
            ns(data(Perms::RW)),
        )
        .add(
            "big",
            1,
            big.bytes(),
            0x0008_0000_0000_0000,
            big,
            ns(data(Perms::RW)),
        )
        .add(
            "top",
            1,
            (1 << va_bits) - s,
            0x000F_FFFF_FFFF_FFFF & !(s - 1),
            p,
            ns(data(Perms::R)),
        );
    let name = match granule {
        Granule::Size16K => "el2_52_16k",
        Granule::Size64K => "el2_52_64k",
        _ => "el2_52_4k",
    };
    pages.spec(
        name,
        TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(va_bits)
            .with_pa_bits(52),
    )
}

/// A Non-secure EL2 table rooted at level 3, the smallest VA range (25 bits with 16K,
/// 2048 root entries; 29 bits with 64K, 8192): pages only, among them a 2M Contiguous
/// group, and the first and last pages of the range.
fn el2_level3_root_spec(granule: Granule) -> Spec {
    let p = granule_page(granule);
    let s = p.bytes();
    let va_bits = if granule == Granule::Size16K { 25 } else { 29 };
    let pages = Pages::new("el2_l3", ExecutionContext::EL2_NS)
        .add("first", 1, 0, 0x4100_0000, p, ns(code(Perms::RX)))
        .add(
            "data",
            3,
            2 * s,
            0x4100_0000 + 2 * s,
            p,
            ns(data(Perms::RW)),
        )
        .add(
            "buf2m",
            1,
            M2,
            0x4120_0000,
            PageSize::Size2M,
            ns(data(Perms::RW).with_cache(Cacheability::NonCacheable)),
        )
        .add(
            "dev",
            1,
            3 * M2,
            0x0900_0000,
            p,
            ns(device(DeviceType::nGnRnE)),
        )
        .add(
            "last",
            1,
            (1 << va_bits) - s,
            0x4100_0000 + 8 * s,
            p,
            ns(data(Perms::R)),
        );
    let name = if granule == Granule::Size16K {
        "el2_l3root_16k"
    } else {
        "el2_l3root_64k"
    };
    pages.spec(
        name,
        TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(va_bits),
    )
}

/// A seeded random table of `granule`: a random context (Secure or Non-secure EL2,
/// EL1 or EL0), VA sizes (a lower range, and for EL1&0 maybe an upper one or only an
/// upper one; 52 bits among them), PA size (40, 48 or 52 bits) and 4 to 14 runs of
/// pages of every size the format allows (weighted to the small ones, runs of pages up
/// to a little over a Contiguous group, aligned to one half the time), at random
/// non-overlapping VAs and random PAs with random attributes. AT does not touch the
/// output, so the PAs need not be in RAM (the table image is).
fn random_spec(granule: Granule, seed: u64) -> Spec {
    use ExecutionContext::{EL0_NS, EL0_S, EL1_NS, EL1_S, EL2_NS, EL2_S};
    let mut rng = memlayout::Rng::new(seed ^ (granule.bytes() << 32));
    let mut pick = |n: usize| rng.below(n as u64) as usize;
    let el = [EL2_NS, EL2_S, EL1_NS, EL1_S, EL0_NS, EL0_S][pick(6)];
    let va_choices: &[u8] = match granule {
        Granule::Size16K => &[25, 30, 36, 37, 40, 47, 48, 52],
        Granule::Size64K => &[29, 30, 35, 42, 43, 48, 52],
        _ => &[25, 31, 39, 40, 48, 49, 52],
    };
    let lower_bits = va_choices[pick(va_choices.len())];
    let (lower, upper) = if el.is_el10_regime() {
        match pick(3) {
            0 => (true, None),
            1 => (true, Some(va_choices[pick(va_choices.len())])),
            _ => (false, Some(va_choices[pick(va_choices.len())])),
        }
    } else {
        (true, None)
    };
    let pa_bits = [40u8, 48, 52][pick(3)];
    let config = TableConfig::DEFAULT
        .with_granule(granule)
        .with_va_bits(lower_bits)
        .with_lower(lower)
        .with_upper_va_bits(upper)
        .with_pa_bits(pa_bits);
    let format = config.format();
    let ds = format.ds();
    let sizes: Vec<PageSize> = PageSize::ALL
        .into_iter()
        .filter(|&size| format.allows(size))
        .collect();
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    if lower {
        ranges.push((0, 1 << lower_bits));
    }
    if let Some(bits) = upper {
        ranges.push((0u64.wrapping_sub(1 << bits), 1 << bits));
    }
    let mut p = Pages::new("random", el);
    let mut taken: Vec<(u128, u128)> = Vec::new();
    let runs = 4 + pick(11);
    let mut attempts = 0;
    while p.pages.len() < 2000 && taken.len() < runs && attempts < 200 {
        attempts += 1;
        // Small sizes more often: the size at index i with weight len - i.
        let n = sizes.len();
        let mut w = pick(n * (n + 1) / 2);
        let mut i = 0;
        while w >= n - i {
            w -= n - i;
            i += 1;
        }
        let size = sizes[i];
        let bytes = size.bytes();
        let (start, len) = ranges[pick(ranges.len())];
        if bytes > len / 4 {
            continue;
        }
        let count = if i == 0 && pick(3) == 0 {
            1 + pick(if granule == Granule::Size16K { 140 } else { 40 })
        } else {
            1 + pick(3)
        } as u32;
        let total = bytes * u64::from(count);
        if total > len / 2 {
            continue;
        }
        // Half the time aligned to a Contiguous group of the size, so groups can form.
        let align = if pick(2) == 0 {
            bytes * if granule == Granule::Size16K { 128 } else { 32 }
        } else {
            bytes
        };
        let align = if align > len / 2 { bytes } else { align };
        let va = start + pick(((len - total) / align) as usize + 1) as u64 * align;
        let pa_span = (1u64 << pa_bits) - total;
        let pa = pick((pa_span / align) as usize + 1) as u64 * align;
        let range = (u128::from(va), u128::from(va) + u128::from(total));
        if taken.iter().any(|&(a, b)| range.0 < b && a < range.1) {
            continue;
        }
        taken.push(range);
        let kind = [
            PageKind::Code,
            PageKind::Data,
            PageKind::Data,
            PageKind::Device,
        ][pick(4)];
        let mut attrs = MemAttrs::new(kind);
        attrs = match kind {
            PageKind::Device => attrs
                .with_perms([Perms::R, Perms::RW][pick(2)])
                .with_device(
                    [
                        DeviceType::nGnRnE,
                        DeviceType::nGnRE,
                        DeviceType::nGRE,
                        DeviceType::GRE,
                    ][pick(4)],
                ),
            PageKind::Code if el.is_user() => {
                attrs.with_perms([Perms::RX, Perms::X, Perms::R][pick(3)])
            }
            PageKind::Code => attrs.with_perms([Perms::RX, Perms::RWX, Perms::R][pick(3)]),
            _ => attrs.with_perms([Perms::R, Perms::RW][pick(2)]),
        };
        if kind != PageKind::Device {
            attrs = attrs.with_cache(
                [
                    Cacheability::WriteBack,
                    Cacheability::WriteThrough,
                    Cacheability::NonCacheable,
                ][pick(3)],
            );
            if !ds {
                attrs = attrs.with_share(
                    [
                        Shareability::Inner,
                        Shareability::Outer,
                        Shareability::NonShareable,
                    ][pick(3)],
                );
            }
        }
        let non_secure = !is_secure(el) || pick(3) == 0;
        attrs = attrs.with_non_secure(non_secure);
        p = p.add("run", count, va, pa, size, attrs);
        // One name per run, as `* N` requests have.
        let first = p.pages.len() - count as usize;
        let run_name: &'static str = RUN_NAMES[taken.len() - 1];
        for (k, page) in p.pages[first..].iter_mut().enumerate() {
            *page = Page::new(
                run_name,
                k as u32,
                &p.info,
                page.va(),
                page.pa(),
                page.page_size(),
                page.mem_attrs(),
                false,
                Vec::new(),
            );
        }
    }
    let name = match granule {
        Granule::Size16K => "random_16k",
        Granule::Size64K => "random_64k",
        _ => "random_4k",
    };
    p.spec(name, config)
}

/// Names of the runs of a random table.
const RUN_NAMES: [&str; 14] = [
    "r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9", "r10", "r11", "r12", "r13",
];

/// Every table of this file.
fn all_specs() -> Vec<Spec> {
    let mut v = Vec::new();
    for g in [Granule::Size16K, Granule::Size64K] {
        v.extend([
            el3_spec(g),
            el2_spec(g),
            el1_spec(g),
            el0_spec(g),
            el2_level3_root_spec(g),
        ]);
    }
    for g in Granule::ALL {
        v.extend([el1_52_spec(g), el3_52_spec(g)]);
    }
    v.extend([
        el2_52_spec(Granule::Size4K, 48),
        el2_52_spec(Granule::Size64K, 52),
    ]);
    v
}

/// Builds a spec's table with [`build`], and with [`build_runs`] from its `* N` runs,
/// which must give the same table.
fn build_spec(spec: &Spec) -> Translation {
    let info = TableInfo::new(spec.name, 0, spec.el);
    let tr = build(&info, &spec.pages, TABLES_PA, &spec.config)
        .unwrap_or_else(|e| panic!("{}: build failed: {e}", spec.name));
    let runs: Vec<PageRun<'_>> = spec
        .pages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.index() == 0)
        .map(|(i, first)| {
            let n = spec.pages[i..]
                .iter()
                .take_while(|p| p.name() == first.name())
                .count();
            PageRun::new(first, n as u32).expect("a run")
        })
        .collect();
    let from_runs = build_runs(&info, &runs, TABLES_PA, &spec.config)
        .unwrap_or_else(|e| panic!("{}: build_runs failed: {e}", spec.name));
    assert_eq!(from_runs, tr, "{}: build_runs and build differ", spec.name);
    assert!(
        tr.end_pa() <= TABLES_END,
        "{}: the image ends at {:#x}, past {TABLES_END:#x}",
        spec.name,
        tr.end_pa()
    );
    tr
}

// ---------------------------------------------------------------------------------------
// Checks without QEMU.
// ---------------------------------------------------------------------------------------

/// The Contiguous group size of `level` (DDI 0487 D8.6.1): 4K 16 entries at levels 1 to
/// 3; 16K 128 at level 3, 32 at level 2; 64K 32 at levels 2 and 3.
fn contiguous_entries(granule_shift: u32, level: i8) -> Option<u64> {
    match (granule_shift, level) {
        (12, 1..=3) => Some(16),
        (14, 3) => Some(128),
        (14, 2) | (16, 2 | 3) => Some(32),
        _ => None,
    }
}

/// Checks the leaf descriptor the walker finds at each probed offset of `page` against
/// the encoding its attributes call for (AF, AP, XN/PXN/UXN, nG, NS, SH when the format
/// has it, the Contiguous bit on each leaf found of a group page) and its PA with the
/// page's (which covers the 52-bit formats' high address bits).
fn descriptor_check(r: &Regs<'_>, granule_shift: u32, page: &Page) -> Result<(), String> {
    let ds = r.ds();
    for off in offsets(page) {
        let leaf = walk(r, page.va() + off)
            .map_err(|e| format!("the walker does not translate offset {off:#x}: {e:?}"))?;
        if leaf.pa != page.pa() + off {
            return Err(format!(
                "the walker translates offset {off:#x} to {:#x}",
                leaf.pa
            ));
        }
        let bits = leaf.bits;
        let el = page.el();
        let mut want = AF;
        let mut mask = NS | AP1_EL0 | AP2_READ_ONLY | AF | NG | PXN | XN;
        if !ds {
            want |= u64::from(expected_sh(page)) << SH_SHIFT;
            mask |= 3 << SH_SHIFT;
        }
        if !page.perms().write() {
            want |= AP2_READ_ONLY;
        }
        if page.mem_attrs().is_non_secure() && is_secure(el) {
            want |= NS;
        }
        let x = matches!(page.kind(), PageKind::Code | PageKind::Data) && page.perms().execute();
        if !el.is_el10_regime() {
            want |= AP1_EL0 | if x { 0 } else { XN };
        } else if el.is_user() {
            let ap1 = if page.perms().read() { AP1_EL0 } else { 0 };
            want |= ap1 | NG | PXN | if x { 0 } else { XN };
        } else {
            want |= XN | if x { 0 } else { PXN };
        }
        if bits & mask != want {
            return Err(format!(
                "descriptor {bits:#018x} at level {} has permission/attribute bits {:#018x}, \
                 expected {want:#018x}",
                leaf.level,
                bits & mask
            ));
        }
        let attr = expected_attr(page);
        if leaf.attr != attr {
            return Err(format!(
                "descriptor {bits:#018x} selects attribute byte {:#04x}, expected {attr:#04x}",
                leaf.attr
            ));
        }
        if leaf.size < page.size() {
            let n = contiguous_entries(granule_shift, leaf.level);
            if n.map(|n| n * leaf.size) != Some(page.size()) {
                return Err(format!(
                    "a {} page is mapped by a level {} leaf of {:#x} bytes",
                    page.page_size(),
                    leaf.level,
                    leaf.size
                ));
            }
            if bits & CONTIGUOUS == 0 {
                return Err(format!(
                    "descriptor {bits:#018x} at level {} of a {} page lacks the Contiguous bit",
                    leaf.level,
                    page.page_size()
                ));
            }
        }
    }
    Ok(())
}

/// The image's walk of every page and of every unmapped address of the table, with
/// this file's walker, and the crate's walker agreeing with it.
fn image_failures(spec: &Spec, tr: &Translation) -> Vec<String> {
    let r = Regs::of(tr);
    let g = tr.granule().bytes().trailing_zeros();
    let mut failures = Vec::new();
    for page in &spec.pages {
        if let Err(e) = descriptor_check(&r, g, page) {
            failures.push(format!("{}: {e}", describe(spec.name, spec.el, page)));
        }
    }
    let holes = holes(spec, tr);
    for check in &holes {
        if let Ok(leaf) = walk(&r, check.probe.va) {
            failures.push(format!(
                "{}: the walker translates it to {:#x}",
                check.what, leaf.pa
            ));
        }
    }
    // The crate's walker (`Translation::walk`) must read the image as this file's does.
    let vas = spec
        .pages
        .iter()
        .flat_map(|p| offsets(p).into_iter().map(|off| p.va() + off))
        .chain(holes.iter().map(|c| c.probe.va));
    for va in vas {
        let ours = walked(&r, va);
        let theirs = crate_walk(tr, va);
        let same = match (&ours, &theirs) {
            (
                Walked::Leaf { pa, attr, level },
                Walked::Leaf {
                    pa: pa2,
                    attr: attr2,
                    level: level2,
                },
            ) => (pa, attr, level) == (pa2, attr2, level2),
            (Walked::Translation { level }, Walked::Translation { level: level2 }) => {
                level == level2
            }
            _ => false,
        };
        if !same {
            failures.push(format!(
                "table `{}`: va {va:#x}: this file's walker gives {ours:?}, \
                 Translation::walk {theirs:?}",
                spec.name
            ));
        }
    }
    failures
}

/// The unmapped addresses of a table ([`hole_checks`] on its pages in VA order).
fn holes(spec: &Spec, tr: &Translation) -> Vec<Check> {
    let mut by_va = spec.pages.clone();
    by_va.sort_by_key(Page::va);
    hole_checks(spec.name, spec.el, tr, &by_va)
}

/// Every table of this file builds, with [`build`] and [`build_runs`] alike, and its
/// image walks (with this file's walker, from the registers the table gives) to every
/// page's PA through a leaf encoded as the page asks, Contiguous groups included, and
/// to nothing else. Needs no QEMU.
#[test]
fn granule_tables_walk_as_built() {
    let mut failures = Vec::new();
    for spec in all_specs() {
        let tr = build_spec(&spec);
        failures.extend(image_failures(&spec, &tr));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The tables hold what the QEMU runs are meant to prove, as the walker finds it in
/// the images: in every 16K and 64K table, level 3 pages, level 2 blocks and Contiguous
/// leaves at level 3 (a 2M group of pages), and at level 2 (a group of blocks) except in
/// the user tables; in the 52-bit EL1&0 tables, the format's largest block (level 0
/// with 4K, level 1 with 16K and 64K), Contiguous groups of pages and of blocks, and
/// pages whose VA and PA both lie at or above
/// 2^48 in each range; in the 52-bit EL2 tables, the largest block and pages above 2^48
/// in PA; in the 52-bit EL3 tables, pages above 2^48 in VA; and holes whose walk stops
/// at level -1 in the tables rooted there (4K, 52-bit VA ranges). Needs no QEMU.
#[test]
fn granule_tables_cover_the_formats() {
    let mut level_minus_one_roots = 0;
    for spec in all_specs() {
        let tr = build_spec(&spec);
        let r = Regs::of(&tr);
        let name = spec.name;
        let leaves: Vec<(Leaf, &Page)> = spec
            .pages
            .iter()
            .map(|p| (walk(&r, p.va()).expect("mapped"), p))
            .collect();
        let has = |level: i8, contiguous: bool| {
            leaves
                .iter()
                .any(|(l, _)| l.level == level && (l.bits & CONTIGUOUS != 0) == contiguous)
        };
        if name.starts_with("el2_52") {
            let big = if tr.granule() == Granule::Size4K {
                0
            } else {
                1
            };
            assert!(has(big, false), "{name}: a level {big} block");
            assert!(leaves.iter().any(|(_, p)| p.pa() >= 1 << 48), "{name}");
        } else if name.starts_with("el1_52") {
            let big = if tr.granule() == Granule::Size4K {
                0
            } else {
                1
            };
            assert!(has(big, false), "{name}: a level {big} block");
            assert!(has(3, true), "{name}: a Contiguous group of pages");
            let groups = if tr.granule() == Granule::Size4K {
                1
            } else {
                2
            };
            assert!(has(groups, true), "{name}: a Contiguous group of blocks");
            for upper in [false, true] {
                assert!(
                    leaves.iter().any(|(_, p)| (p.va() >> 63 == 1) == upper
                        && p.va() & ((1 << 52) - 1) >= 1 << 48
                        && p.pa() >= 1 << 48),
                    "{name}: a page above 2^48 in VA and PA, upper range {upper}"
                );
            }
        } else if name.starts_with("el3_52") {
            assert!(leaves.iter().any(|(_, p)| p.va() >= 1 << 48), "{name}");
        } else if name.starts_with("el2_l3root") {
            assert_eq!(tr.root_level(), 3, "{name}: root level");
            assert!(has(3, true), "{name}: a Contiguous group of pages");
        } else {
            assert!(has(3, false) && has(2, false), "{name}: pages and blocks");
            assert!(has(3, true), "{name}: a Contiguous group of pages");
            if !name.starts_with("el0") {
                assert!(has(2, true), "{name}: a Contiguous group of blocks");
            }
        }
        if tr.root_level() == -1 {
            let minus_one = holes(&spec, &tr)
                .iter()
                .filter(|c| matches!(walk(&r, c.probe.va), Err(Walked::Translation { level: -1 })))
                .count();
            assert!(minus_one > 0, "{name}: a hole that faults at level -1");
            level_minus_one_roots += 1;
        }
    }
    assert_eq!(level_minus_one_roots, 2, "el1_52_4k and el3_52_4k");
}

/// Seeded random tables of every granule (see [`random_spec`]), 100 seeds each: each
/// builds, with [`build`] and [`build_runs`] alike, and its image walks to every page
/// and to nothing else. Needs no QEMU.
#[test]
fn random_granule_tables_walk_as_built() {
    let mut failures = Vec::new();
    for granule in Granule::ALL {
        for seed in 0..100 {
            let spec = random_spec(granule, seed);
            let tr = build_spec(&spec);
            failures.extend(
                image_failures(&spec, &tr)
                    .into_iter()
                    .map(|f| format!("seed {seed}, {:?}: {f}", spec.config)),
            );
        }
    }
    let shown: Vec<&str> = failures.iter().take(30).map(String::as_str).collect();
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        shown.join("\n")
    );
}

/// The builder refuses what a format cannot hold: a page size the granule lacks (a 4K
/// page or a 32M block in a 64K table, a 4K page or a 512M block in a 16K table), a block the 48-bit format lacks (64G with 16K, 4T with
/// 64K, 512G with 4K), and, with DS = 1, a Normal page that is not Inner Shareable (its
/// descriptor has no SH field). Needs no QEMU.
#[test]
fn granule_refusals() {
    let el = ExecutionContext::EL2_NS;
    let info = TableInfo::new("refused", 0, el);
    let cases = [
        (
            Granule::Size64K,
            48,
            40,
            PageSize::Size4K,
            Shareability::Inner,
        ),
        (
            Granule::Size64K,
            48,
            40,
            PageSize::Size32M,
            Shareability::Inner,
        ),
        (
            Granule::Size16K,
            48,
            40,
            PageSize::Size512M,
            Shareability::Inner,
        ),
        (
            Granule::Size16K,
            48,
            40,
            PageSize::Size4K,
            Shareability::Inner,
        ),
        (
            Granule::Size16K,
            48,
            48,
            PageSize::Size64G,
            Shareability::Inner,
        ),
        (
            Granule::Size64K,
            48,
            48,
            PageSize::Size4T,
            Shareability::Inner,
        ),
        (
            Granule::Size4K,
            48,
            48,
            PageSize::Size512G,
            Shareability::Inner,
        ),
        (
            Granule::Size4K,
            52,
            52,
            PageSize::Size4K,
            Shareability::Outer,
        ),
        (
            Granule::Size16K,
            48,
            52,
            PageSize::Size16K,
            Shareability::NonShareable,
        ),
    ];
    for (granule, va_bits, pa_bits, size, share) in cases {
        let config = TableConfig::DEFAULT
            .with_granule(granule)
            .with_va_bits(va_bits)
            .with_pa_bits(pa_bits);
        let bytes = size.bytes();
        let page = Page::new(
            "p",
            0,
            &info,
            bytes,
            bytes,
            size,
            ns(data(Perms::RW)).with_share(share),
            false,
            Vec::new(),
        );
        let got = build(&info, [&page], TABLES_PA, &config);
        let what =
            format!("{granule} granule, {va_bits}-bit VA, {pa_bits}-bit PA, {size} {share:?}");
        match got {
            Err(memlayout::aarch64::BuildError::SizeNotInFormat { .. })
                if share == Shareability::Inner => {}
            Err(memlayout::aarch64::BuildError::ShareabilityFromTcr { .. })
                if share != Shareability::Inner => {}
            other => panic!("{what}: expected a refusal, got {other:?}"),
        }
    }
}

/// The register values of each table, decoded field by field (DDI 0487, D19 `TCR_EL1`,
/// `TCR_EL2`, `TCR_EL3`, `TTBR0_ELx`): T0SZ/T1SZ from the VA sizes, TG0/TG1 from the
/// granule (encoded differently), DS for the FEAT_LPA2 formats only (bit 59 of
/// `TCR_EL1`, bit 32 of `TCR_EL2/3`), IPS/PS 0b110 for 52-bit PAs, EPD1 without an
/// upper range, the RES1 bits 31 and 23 of `TCR_EL2/3`, TTBR0 = the image's first table
/// and TTBR1 its upper root; granule-sized and -aligned tables. Needs no QEMU.
#[test]
fn granule_registers() {
    for spec in all_specs() {
        let tr = build_spec(&spec);
        let name = spec.name;
        let c = &spec.config;
        let tcr = tr.tcr();
        let el10 = spec.el.is_el10_regime();
        let (tg0, tg1, g) = match c.granule {
            Granule::Size16K => (0b10, 0b01, 0x4000),
            Granule::Size64K => (0b01, 0b11, 0x1_0000),
            _ => (0b00, 0b10, 0x1000),
        };
        assert_eq!(tr.granule(), c.granule, "{name}: granule");
        assert_eq!(tcr & 0x3F, 64 - u64::from(c.va_bits), "{name}: T0SZ");
        assert_eq!((tcr >> 14) & 3, tg0, "{name}: TG0");
        assert_eq!((tcr >> 10) & 0xF, 0b1101, "{name}: SH0, ORGN0");
        assert_eq!((tcr >> 8) & 3, 0b01, "{name}: IRGN0");
        let wide = c.va_bits > 48 || c.upper_va_bits.is_some_and(|b| b > 48) || c.pa_bits > 48;
        let ds = wide && c.granule != Granule::Size64K;
        let ps = match c.pa_bits {
            40 => 0b010,
            48 => 0b101,
            52 => 0b110,
            other => panic!("{name}: no PS for {other}"),
        };
        if el10 {
            assert_eq!((tcr >> 30) & 3, tg1, "{name}: TG1");
            assert_eq!((tcr >> 32) & 7, ps, "{name}: IPS");
            assert_eq!(tcr >> 59 & 1 == 1, ds, "{name}: DS");
            match c.upper_va_bits {
                Some(bits) => {
                    assert_eq!((tcr >> 16) & 0x3F, 64 - u64::from(bits), "{name}: T1SZ");
                    assert_eq!(tcr & (1 << 23), 0, "{name}: EPD1");
                    assert_eq!((tcr >> 24) & 0x3F, 0b11_01_01, "{name}: SH1, ORGN1, IRGN1");
                    let upper_root = tr.upper_root_pa().expect("an upper root");
                    assert_eq!(tr.ttbr1(), upper_root, "{name}: TTBR1");
                    assert_eq!(upper_root % g, 0, "{name}: upper root alignment");
                }
                None => assert_ne!(tcr & (1 << 23), 0, "{name}: EPD1"),
            }
        } else {
            assert_eq!((tcr >> 16) & 7, ps, "{name}: PS");
            assert_eq!(tcr >> 32 & 1 == 1, ds, "{name}: DS");
            assert_eq!(tcr & (1 << 31 | 1 << 23), 1 << 31 | 1 << 23, "{name}: RES1");
            assert_eq!(tr.ttbr1(), 0, "{name}: TTBR1");
        }
        assert_eq!(tr.ttbr0(), TABLES_PA, "{name}: TTBR0");
        assert_eq!(tr.mair(), MAIR, "{name}: MAIR");
        assert_eq!(tr.base_pa() % g, 0, "{name}: base alignment");
        assert_eq!(
            tr.bytes().len() as u64,
            tr.table_count() as u64 * g,
            "{name}: granule-sized tables"
        );
        assert_eq!(tr.sctlr_set() & 0x1005, 0x1005, "{name}: SCTLR M, C, I");
    }
}

// ---------------------------------------------------------------------------------------
// QEMU.
// ---------------------------------------------------------------------------------------

/// Builds, checks the image, probes the table in one QEMU run and panics with every
/// failure.
fn check_on_qemu(spec: &Spec) {
    let tr = build_spec(spec);
    let r = Regs::of(&tr);
    let name = spec.name;
    let el = spec.el;
    let mut failures = image_failures(spec, &tr);
    let runs_harness = el == ExecutionContext::EL3;
    let regime = job_regime(el, runs_harness);
    let mut checks = Vec::new();
    for page in &spec.pages {
        let first = checks.len();
        page_checks(name, el, page, &mut checks);
        if r.ds() {
            // No SH field: cacheable Normal memory is as shareable as the walks,
            // `TCR_ELx.SH0`/`SH1` = Inner Shareable.
            for check in &mut checks[first..] {
                if let Expect::Maps { sh: Some(sh), .. } = &mut check.expect {
                    *sh = 3;
                }
            }
        }
    }
    checks.extend(holes(spec, &tr));
    let (writes, write_what) = if runs_harness {
        stores(
            name,
            el,
            spec.pages.iter().filter(|p| {
                p.name() != "harness" && p.pa() >= RAM.start && p.pa_end() <= u128::from(RAM.end)
            }),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let job = table_job(regime, &tr, &checks, writes);
    match qemu::run(&job) {
        Ok(outcome) => failures.extend(judge(&checks, &outcome, |va| walked(&r, va), &write_what)),
        Err(e) => failures.push(format!(
            "table `{name}` ({el}) as {regime:?}: QEMU run failed: {e}"
        )),
    }
    if !failures.is_empty() {
        let shown: Vec<&str> = failures.iter().take(40).map(String::as_str).collect();
        panic!(
            "{name}: {} check(s) failed (TCR {:#x}, TTBR0 {:#x}, TTBR1 {:#x}):\n{}{}",
            failures.len(),
            tr.tcr(),
            tr.ttbr0(),
            tr.ttbr1(),
            shown.join("\n"),
            if failures.len() > shown.len() {
                "\n..."
            } else {
                ""
            }
        );
    }
}

macro_rules! qemu_tests {
    ($($(#[$doc:meta])* $name:ident: $spec:expr,)*) => {$(
        $(#[$doc])*
        #[test]
        #[cfg_attr(
            memlayout_no_qemu,
            ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
        )]
        fn $name() {
            if !qemu::require_tools_or_skip() {
                return;
            }
            check_on_qemu(&$spec);
        }
    )*};
}

qemu_tests! {
    /// 16K EL3 table; the harness runs on it.
    el3_16k: el3_spec(Granule::Size16K),
    /// 16K Non-secure EL2 table, level 2 root.
    el2_16k: el2_spec(Granule::Size16K),
    /// 16K EL1&0 table with lower and upper ranges.
    el1_16k: el1_spec(Granule::Size16K),
    /// 16K user table, probed from EL0.
    el0_16k: el0_spec(Granule::Size16K),
    /// 64K EL3 table; the harness runs on it.
    el3_64k: el3_spec(Granule::Size64K),
    /// 64K Non-secure EL2 table, level 2 root.
    el2_64k: el2_spec(Granule::Size64K),
    /// 64K EL1&0 table with lower and upper ranges.
    el1_64k: el1_spec(Granule::Size64K),
    /// 64K user table, probed from EL0.
    el0_64k: el0_spec(Granule::Size64K),
    /// 16K EL2 table rooted at level 3 (25-bit VA).
    el2_l3root_16k: el2_level3_root_spec(Granule::Size16K),
    /// 64K EL2 table rooted at level 3 (29-bit VA).
    el2_l3root_64k: el2_level3_root_spec(Granule::Size64K),
    /// 4K with DS: 52-bit VA ranges (level -1 roots) and PAs, a 512G level 0 block.
    el1_52_4k: el1_52_spec(Granule::Size4K),
    /// 16K with DS: 52-bit VA ranges and PAs, a 64G level 1 block.
    el1_52_16k: el1_52_spec(Granule::Size16K),
    /// 64K with FEAT_LVA and FEAT_LPA: 52-bit VA ranges and PAs, a 4T level 1 block.
    el1_52_64k: el1_52_spec(Granule::Size64K),
    /// 4K EL3 table with DS and a 52-bit VA range; the harness runs on it.
    el3_52_4k: el3_52_spec(Granule::Size4K),
    /// 16K EL3 table with DS and a 52-bit VA range; the harness runs on it.
    el3_52_16k: el3_52_spec(Granule::Size16K),
    /// 64K EL3 table with a 52-bit VA range (FEAT_LVA) and 48-bit PAs; the harness runs
    /// on it.
    el3_52_64k: el3_52_spec(Granule::Size64K),
    /// 4K Non-secure EL2 table with 52-bit PAs and a 48-bit VA range (DS = 1 for the PA
    /// size alone), a 512G level 0 block.
    el2_52_4k: el2_52_spec(Granule::Size4K, 48),
    /// 64K Non-secure EL2 table with a 52-bit VA range and 52-bit PAs (FEAT_LVA and
    /// FEAT_LPA in `TCR_EL2`), a 4T level 1 block.
    el2_52_64k: el2_52_spec(Granule::Size64K, 52),
    /// Seeded random 16K tables.
    random_16k_1: random_spec(Granule::Size16K, 1),
    random_16k_2: random_spec(Granule::Size16K, 2),
    random_16k_3: random_spec(Granule::Size16K, 3),
    random_16k_4: random_spec(Granule::Size16K, 4),
    /// Seeded random 64K tables.
    random_64k_1: random_spec(Granule::Size64K, 1),
    random_64k_2: random_spec(Granule::Size64K, 2),
    random_64k_3: random_spec(Granule::Size64K, 3),
    random_64k_4: random_spec(Granule::Size64K, 4),
    /// Seeded random 4K tables (52-bit sizes among the choices).
    random_4k_1: random_spec(Granule::Size4K, 1),
    random_4k_2: random_spec(Granule::Size4K, 2),
}
