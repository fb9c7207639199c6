//! The translation tables `memory_layout!` emits: each table module's `TRANSLATION`
//! image and register constants are what the run-time engine builds for the same
//! layout, translate every page to its PA with its permissions and memory type, sit
//! where `tables at` / `tables in` says, and are the same for the same input.

use memlayout::aarch64::{self, Format, Regime, TableConfig, TranslationImage, walk_image};
use memlayout::memory_layout;
use memlayout::tables::TablePlacement;
use memlayout::{ExecutionContext, Layout, Page, PageKind, PageRequest, Pool, TableInfo};
use static_assertions::const_assert;

memory_layout! {
    /// An EL3 monitor and a non-secure EL1 kernel sharing a mailbox; the tables go at the
    /// top of RAM, out of the allocator's way (it places pages lowest first).
    pub mod board {
        physical ram  = 0x8000_0000 .. +3G;
        physical mmio = 0x0900_0000 .. +16M, device;
        tables at 0xBFF0_0000 .. +64K;

        table el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot   : code, 2M, identity;
            page text   : code, 4K * 3, rx;
            page heap   : data, 2M, rw;
            page stacks : data, 4K * 2;
            page log    : data, 4K, non_cacheable;
            page ro     : data, 4K, va 0xA000_0000, pa 0x9000_0000, r;
            page uart    : device, 4K, pa 0x0900_0000, rw;
        }
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1G, 0x1_0000_0000 .. +1G;
            page kernel : code, 2M;
            page heap   : data, 4K * 4, write_through;
            page big    : data, 1G, va 0x1_0000_0000, pa 0x1_0000_0000;
        }
        shared page mailbox : data, 4K, rw;
    }
}

memory_layout! {
    /// The same input as `board`, under another name.
    pub mod board_again {
        physical ram  = 0x8000_0000 .. +3G;
        physical mmio = 0x0900_0000 .. +16M, device;
        tables at 0xBFF0_0000 .. +64K;

        table el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot   : code, 2M, identity;
            page text   : code, 4K * 3, rx;
            page heap   : data, 2M, rw;
            page stacks : data, 4K * 2;
            page log    : data, 4K, non_cacheable;
            page ro     : data, 4K, va 0xA000_0000, pa 0x9000_0000, r;
            page uart    : device, 4K, pa 0x0900_0000, rw;
        }
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1G, 0x1_0000_0000 .. +1G;
            page kernel : code, 2M;
            page heap   : data, 4K * 4, write_through;
            page big    : data, 1G, va 0x1_0000_0000, pa 0x1_0000_0000;
        }
        shared page mailbox : data, 4K, rw;
    }
}

memory_layout! {
    /// WXN, a 40-bit PA size and tables in a named pool, with an EL2 table.
    pub mod hyp {
        pa_bits = 40;
        physical ram    = 0x4000_0000 .. +1G;
        physical tables = 0x80_0000_0000 .. +1M;
        tables in tables;
        wxn;

        table el2 (core 1, EL2_NS) {
            virtual 0 .. +1G;
            page text : code, 4K * 2;
            page data : data, 2M;
        }
    }
}

memory_layout! {
    /// Five 4 KiB device pages, identity mapped, in four 2 MiB windows, all below 1 GiB:
    /// a 30-bit VA suffices, so the root is a level 2 table (T0SZ = 34) and the tables
    /// are that root and four level 3 tables.
    pub mod small {
        physical mmio = 0x0800_0000 .. +0x3800_0000, device;
        physical ram  = 0x4000_0000 .. +16M;

        table el1 (core 0, EL1_S) {
            virtual 0 .. +1G;
            page gic     : device, 4K, pa 0x0800_0000, identity;
            page gic_cpu : device, 4K, pa 0x0801_0000, identity;
            page uart    : device, 4K, pa 0x0900_0000, identity;
            page rtc     : device, 4K, pa 0x0920_0000, identity;
            page gpio    : device, 4K, pa 0x0A00_0000, identity;
        }
    }
}

memory_layout! {
    /// `va_bits = 39;` asks for a larger VA size than the ranges need.
    pub mod sized {
        physical ram = 0x4000_0000 .. +16M;
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1M;
            va_bits = 39;
            page data : data, 4K;
        }
    }
}

memory_layout! {
    /// Each table's translation tables where it says: the monitor's in its SRAM, the
    /// kernel's packed in the layout's `tables at` range, the hypervisor's in DRAM.
    pub mod split {
        physical sram = 0x0400_0000 .. +256K;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        tables at 0xBFF0_0000 .. +64K;

        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +256K;
            tables in sram;
            page text : code, 4K * 2, rx;
        }
        table hyp (core 0, EL2_NS) {
            virtual 0x8000_0000 .. +16M;
            tables in dram;
            page text : code, 4K, rx;
        }
        table k (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
            page text : code, 2M, rx;
        }
    }
}

// The image and the registers are usable in const context.
const_assert!(
    board::el3::TRANSLATION
        .as_bytes()
        .len()
        .is_multiple_of(4096)
);
const_assert!(board::el3::TRANSLATION.len() == board::el3::TRANSLATION.as_bytes().len());
const_assert!(board::el3::TTBR0 == board::el3::TABLES_PA);
const_assert!(board::el3::TABLES_PA == 0xBFF0_0000);
// `el3` spans 0x8000_0000..0xC000_0000, so a 32-bit VA (T0SZ = 32) with a level 1 root,
// whose entry 2 covers 0x8000_0000..0xC000_0000 and is a table descriptor.
const_assert!(board::el3::TCR & 0x3F == 32);
const ROOT_ENTRY2: u8 = board::el3::TRANSLATION.as_bytes()[2 * 8];
const_assert!(ROOT_ENTRY2 & 0b11 == 0b11);

/// The fixed `MAIR` of every table (Arm ARM D8.6, `MAIR_ELx`): Device-nGnRnE,
/// Device-nGnRE, Normal non-cacheable, write-through, write-back, Device-nGRE, Device-GRE.
const MAIR: u64 = 0x000C_08FF_BB44_0400;
/// `TCR_ELx.T0SZ`, bits 5:0.
const T0SZ_MASK: u64 = 0x3F;
/// `TCR_EL2`/`TCR_EL3` bits 31 and 23, RES1.
const TCR_EL23_RES1: u64 = 1 << 31 | 1 << 23;
/// `TCR_EL1.EPD1`, bit 23: no TTBR1 walks.
const TCR_EL1_EPD1: u64 = 1 << 23;
/// `SCTLR_ELx` M, C, I.
const SCTLR_MCI: u64 = 1 | 1 << 2 | 1 << 12;
/// `SCTLR_ELx.WXN`.
const SCTLR_WXN: u64 = 1 << 19;

/// One table module's output.
struct Emitted {
    info: &'static TableInfo,
    pages: &'static [Page],
    image: &'static [u8],
    tables_pa: u64,
    mair: u64,
    tcr: u64,
    ttbr0: u64,
    sctlr_set: u64,
}

macro_rules! emitted {
    ($($m:ident)::+) => {
        Emitted {
            info: $($m)::+::INFO,
            pages: $($m)::+::PAGES,
            image: $($m)::+::TRANSLATION.as_bytes(),
            tables_pa: $($m)::+::TABLES_PA,
            mair: $($m)::+::MAIR,
            tcr: $($m)::+::TCR,
            ttbr0: $($m)::+::TTBR0,
            sctlr_set: $($m)::+::SCTLR_SET,
        }
    };
}

fn board() -> [Emitted; 2] {
    [emitted!(board::el3), emitted!(board::el1)]
}

fn aligned<const N: usize>(image: &'static TranslationImage<N>) -> bool {
    (image.as_bytes().as_ptr() as usize).is_multiple_of(4096)
        && (image as *const TranslationImage<N> as usize).is_multiple_of(4096)
}

/// The MAIR attribute byte a page must get.
fn attr_byte(page: &Page) -> u8 {
    use memlayout::Cacheability::*;
    match page.kind() {
        PageKind::System => 0xFF,
        _ => match page.cacheability() {
            None => 0x04,
            Some(NonCacheable) => 0x44,
            Some(WriteThrough) => 0xBB,
            Some(WriteBack) => 0xFF,
            Some(other) => panic!("this test knows no MAIR byte for {other}"),
        },
    }
}

/// Walks every page of a table (first and last byte) through the emitted image.
fn check_walks(e: &Emitted) {
    let regime = Regime::of(e.info.el());
    // The VA size is the one the TCR gives the MMU: 64 - T0SZ.
    let va_bits = 64 - (e.tcr & T0SZ_MASK) as u8;
    let format = Format::DEFAULT;
    let root = format
        .granule
        .root_level(va_bits)
        .expect("a supported VA size has a root level");
    for page in e.pages {
        for off in [0, page.size() - 1] {
            let va = page.va() + off;
            let w = walk_image(e.image, e.tables_pa, format, root, va_bits, regime, va)
                .unwrap_or_else(|f| {
                    panic!(
                        "{}: page `{}` va {va:#x} does not translate: {f}",
                        e.info.name(),
                        page.name()
                    )
                });
            let what = format!("{}: page `{}` va {va:#x}", e.info.name(), page.name());
            assert_eq!(w.pa, page.pa() + off, "{what}: PA");
            assert_eq!(w.attr, attr_byte(page), "{what}: attribute byte");
            assert_eq!(
                w.writable(),
                page.perms().write(),
                "{what}: write permission"
            );
            let executable =
                page.perms().execute() && matches!(page.kind(), PageKind::Code | PageKind::Data);
            assert_eq!(w.executable(), executable, "{what}: execute permission");
        }
    }
}

#[test]
fn images_are_whole_aligned_tables() {
    assert!(aligned(&board::el3::TRANSLATION));
    assert!(aligned(&board::el1::TRANSLATION));
    assert!(aligned(&hyp::el2::TRANSLATION));
    for e in board() {
        assert!(!e.image.is_empty(), "{}", e.info.name());
        assert!(e.image.len().is_multiple_of(4096), "{}", e.info.name());
        assert_eq!(
            e.ttbr0,
            e.tables_pa,
            "{}: TTBR0 is the root's PA",
            e.info.name()
        );
    }
}

#[test]
fn every_page_translates_to_its_pa_with_its_permissions() {
    for e in board() {
        check_walks(&e);
    }
    check_walks(&emitted!(hyp::el2));
}

#[test]
fn registers_for_el3_el2_and_el1() {
    let [el3, el1] = board();
    // The smallest VA size that covers each table's ranges: el3 ends at 0xC000_0000 (32
    // bits), el1 at 0x1_4000_0000 (33 bits), hyp's el2 at 0x4000_0000 (30 bits).
    for (e, t0sz) in [(&el3, 32), (&el1, 31)] {
        assert_eq!(e.mair, MAIR, "{}", e.info.name());
        assert_eq!(e.tcr & T0SZ_MASK, t0sz, "{}: T0SZ", e.info.name());
        assert_eq!(e.sctlr_set, SCTLR_MCI, "{}", e.info.name());
    }
    assert_eq!(el3.tcr & TCR_EL23_RES1, TCR_EL23_RES1);
    assert_eq!(el1.tcr & TCR_EL1_EPD1, TCR_EL1_EPD1);
    assert_eq!(hyp::el2::MAIR, MAIR);
    assert_eq!(hyp::el2::TCR & T0SZ_MASK, 34);
    assert_eq!(hyp::el2::TCR & TCR_EL23_RES1, TCR_EL23_RES1);
    assert_eq!(
        hyp::el2::SCTLR_SET,
        SCTLR_MCI | SCTLR_WXN,
        "`wxn` sets SCTLR.WXN"
    );
}

#[test]
fn tables_at_is_honoured_and_no_page_overlaps_the_tables() {
    let [el3, el1] = board();
    // Packed from the start of the range, in table order.
    assert_eq!(el3.tables_pa, 0xBFF0_0000);
    assert_eq!(el1.tables_pa, el3.tables_pa + el3.image.len() as u64);
    let end = el1.tables_pa + el1.image.len() as u64;
    assert!(end <= 0xBFF0_0000 + (64 << 10));
    for e in [&el3, &el1] {
        for p in e.pages {
            assert!(
                p.pa_end() <= u128::from(el3.tables_pa) || p.pa() >= end,
                "page `{}` at PA {:#x} overlaps the tables {:#x}..{end:#x}",
                p.name(),
                p.pa(),
                el3.tables_pa
            );
        }
    }
    // `tables in tables`: the pool at 2^39.
    let range = 0x80_0000_0000..0x80_0010_0000;
    assert!(range.contains(&hyp::el2::TABLES_PA));
    assert!(range.contains(&(hyp::el2::TABLES_PA + hyp::el2::TRANSLATION.len() as u64 - 1)));
}

#[test]
fn a_tables_own_pool_overrides_the_layouts_placement() {
    let end = |pa: u64, len: usize| pa + len as u64;
    let (mon, mon_len) = (split::mon::TABLES_PA, split::mon::TRANSLATION.len());
    assert!(
        mon >= 0x0400_0000 && end(mon, mon_len) <= 0x0404_0000,
        "{mon:#x}"
    );
    // Only the table without a pool of its own is packed in the `tables at` range.
    assert_eq!(split::k::TABLES_PA, 0xBFF0_0000);
    let (hyp, hyp_len) = (split::hyp::TABLES_PA, split::hyp::TRANSLATION.len());
    assert!(
        hyp >= 0x8000_0000 && end(hyp, hyp_len) <= 0xC000_0000,
        "{hyp:#x}"
    );
    let at = 0xBFF0_0000..0xBFF1_0000;
    assert!(!at.contains(&hyp), "{hyp:#x} is in the `tables at` range");
}

/// The run-time engine: a table's pool must exist, be RAM, and be non-secure for a
/// non-secure table once the layout models security.
#[test]
fn place_tables_in_checks_the_pool() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("sram", 0x0400_0000, 0x4_0000))
        .unwrap();
    l.add_pool(Pool::ram("dram", 0x8000_0000, 0x4000_0000).non_secure())
        .unwrap();
    l.add_pool(Pool::device("mmio", 0x0900_0000, 0x100_0000))
        .unwrap();
    let k = l
        .add_table("k", 0, ExecutionContext::EL1_NS, &[(0x4000_0000, 1 << 30)])
        .unwrap();
    let unknown = l.place_tables_in(k, "sarm").unwrap_err();
    assert!(
        matches!(unknown, memlayout::Error::Unknown { .. }),
        "{unknown}"
    );
    let device = l.place_tables_in(k, "mmio").unwrap_err();
    assert!(
        matches!(device, memlayout::Error::PoolKindMismatch { .. }),
        "{device}"
    );
    let secure = l.place_tables_in(k, "sram").unwrap_err();
    assert!(
        matches!(secure, memlayout::Error::SecureInNonSecure { .. }),
        "{secure}"
    );
    assert_eq!(l.tables_pool(k), None);
    l.place_tables_in(k, "dram").unwrap();
    assert_eq!(l.tables_pool(k), Some("dram"));
    let page = PageRequest::new("text", PageKind::Code, memlayout::PageSize::Size4K);
    l.map(k, &page).unwrap();
    let at = TablePlacement::At {
        start: 0x0400_0000,
        size: 0x1_0000,
    };
    let tr = l.build_translations(&TableConfig::default(), &at).unwrap();
    assert!(tr[0].base_pa() >= 0x8000_0000, "{:#x}", tr[0].base_pa());
}

#[test]
fn same_input_gives_identical_tables() {
    assert_eq!(
        board::el3::TRANSLATION.as_bytes(),
        board_again::el3::TRANSLATION.as_bytes()
    );
    assert_eq!(
        board::el1::TRANSLATION.as_bytes(),
        board_again::el1::TRANSLATION.as_bytes()
    );
    assert_eq!(board::el3::TABLES_PA, board_again::el3::TABLES_PA);
    assert_eq!(board::el1::TCR, board_again::el1::TCR);
}

/// The same layout built with the run-time API: every page at the address the macro
/// gave it (the shared page as the first table's mapping plus an alias in the second),
/// then the tables at the same place with the same configuration.
#[test]
fn images_equal_what_the_run_time_engine_builds() {
    let emitted = board();
    let mut layout = Layout::new();
    layout
        .add_pool(Pool::ram("ram", 0x8000_0000, 3 << 30))
        .expect("ram");
    layout
        .add_pool(Pool::device("mmio", 0x0900_0000, 16 << 20))
        .expect("mmio");
    let virt: [&[(u64, u64)]; 2] = [
        &[(0x8000_0000, 1 << 30)],
        &[(0x4000_0000, 1 << 30), (0x1_0000_0000, 1 << 30)],
    ];
    let mut shared = None;
    for (e, virt) in emitted.iter().zip(&virt) {
        let t = layout
            .add_table(e.info.name(), e.info.core(), e.info.el(), virt)
            .expect("table");
        for p in e.pages {
            let req = PageRequest::new(p.name(), p.kind(), p.page_size())
                .va(p.va())
                .pa(p.pa())
                .perms(p.perms());
            let req = match (p.cacheability(), p.shareability()) {
                (Some(c), Some(s)) => req.cache(c).share(s),
                _ => req,
            };
            let mapped = match (p.is_shared(), shared) {
                (true, Some(of)) => layout.map_alias(t, of, &req),
                _ => layout.map(t, &req),
            };
            let m = mapped.unwrap_or_else(|e| panic!("page `{}`: {e}", p.name()));
            if p.is_shared() {
                shared.get_or_insert(m);
            }
        }
    }
    let built = layout
        .build_translations(
            &TableConfig::default(),
            &TablePlacement::At {
                start: 0xBFF0_0000,
                size: 64 << 10,
            },
        )
        .expect("the run-time engine builds the tables");
    for (e, tr) in emitted.iter().zip(&built) {
        let name = e.info.name();
        assert_eq!(tr.name(), name);
        assert_eq!(tr.bytes(), e.image, "{name}: image");
        assert_eq!(tr.base_pa(), e.tables_pa, "{name}: base PA");
        assert_eq!(tr.table_count() * 4096, e.image.len(), "{name}: length");
        assert_eq!(tr.mair(), e.mair, "{name}: MAIR");
        assert_eq!(tr.tcr(), e.tcr, "{name}: TCR");
        assert_eq!(tr.ttbr0(), e.ttbr0, "{name}: TTBR0");
        assert_eq!(tr.sctlr_set(), e.sctlr_set, "{name}: SCTLR bits");
    }
}

#[test]
fn contexts_are_as_declared() {
    assert_eq!(board::el3::INFO.el(), ExecutionContext::EL3);
    assert_eq!(board::el1::INFO.el(), ExecutionContext::EL1_NS);
    assert_eq!(hyp::el2::INFO.el(), ExecutionContext::EL2_NS);
}

/// The example of the smallest-regime rule: 5 tables (a level 2 root and four level 3
/// tables) instead of the 7 a 48-bit VA needs (levels 0 and 1 on top).
#[test]
fn the_smallest_va_size_that_covers_the_ranges() {
    let e = emitted!(small::el1);
    assert_eq!(e.tcr & T0SZ_MASK, 34, "30-bit VA");
    assert_eq!(
        e.image.len(),
        5 * 4096,
        "a level 2 root and four level 3 tables"
    );
    let pages: Vec<&Page> = e.pages.iter().collect();
    let wide = TableConfig::default().with_va_bits(48).with_pa_bits(40);
    assert_eq!(
        aarch64::table_count(pages.iter().copied(), &wide),
        Ok(7),
        "a 48-bit VA needs two more tables"
    );
    // The root has 2^(30 - 30) = 1 used entry: a table descriptor for the first GiB.
    let root: Vec<u64> = e.image[..4096]
        .chunks(8)
        .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect();
    let windows = [0x0800_0000u64, 0x0900_0000, 0x0920_0000, 0x0A00_0000];
    for (i, d) in root.iter().enumerate() {
        let is_window = windows.iter().any(|w| (w >> 21) as usize == i);
        assert_eq!(d & 0b11 == 0b11, is_window, "level 2 root entry {i}");
    }
    for p in e.pages {
        assert_eq!(p.va(), p.pa(), "`{}` is identity mapped", p.name());
    }
    check_walks(&e);
    assert_eq!(e.tcr & TCR_EL1_EPD1, TCR_EL1_EPD1);
}

/// `va_bits = 39;` gives a 39-bit VA (level 1 root) where 31 bits would do.
#[test]
fn va_bits_asks_for_a_larger_size() {
    let e = emitted!(sized::el1);
    assert_eq!(e.tcr & T0SZ_MASK, 64 - 39);
    assert_eq!(e.image.len(), 3 * 4096, "levels 1, 2 and 3");
    check_walks(&e);
}

memory_layout! {
    /// A kernel only in the upper range, its size raised with `va_bits upper`.
    pub mod upper_only {
        physical ram = 0x4000_0000 .. +64M;
        table kernel (core 0, EL1_NS) {
            virtual 0xFFFF_FFFF_C000_0000 .. +1G;
            va_bits upper = 39;
            page text : code, 4K * 2, va 0xFFFF_FFFF_C000_0000;
            page data : data, 2M;
        }
    }
}

/// `va_bits upper = 39;`: T1SZ = 25, EPD0 set (no lower range), `TTBR0` = 0, and the
/// emitted constants walk every page through TTBR1 while every lower VA faults.
#[test]
fn upper_only_table_through_its_constants() {
    use memlayout::aarch64::{WalkFault, walk_registers};
    let tcr = upper_only::kernel::TCR;
    assert_eq!((tcr >> 16) & 0x3F, 25, "T1SZ for 39 bits");
    assert_ne!(tcr & (1 << 7), 0, "EPD0");
    assert_eq!(tcr & TCR_EL1_EPD1, 0, "EPD1 clear");
    assert_eq!(upper_only::kernel::TTBR0, 0);
    assert_eq!(upper_only::kernel::TTBR1, upper_only::kernel::TABLES_PA);
    let walk = |va| {
        walk_registers(
            upper_only::kernel::TRANSLATION.as_bytes(),
            upper_only::kernel::TABLES_PA,
            Regime::El10,
            tcr,
            upper_only::kernel::TTBR0,
            upper_only::kernel::TTBR1,
            va,
        )
    };
    for p in upper_only::kernel::PAGES {
        for off in [0, p.size() - 1] {
            assert_eq!(walk(p.va() + off).map(|w| w.pa), Ok(p.pa() + off));
        }
    }
    assert!(matches!(
        walk(0x4000_0000),
        Err(WalkFault::NoLowerRange { .. })
    ));
    assert!(matches!(
        walk(0xFFFF_FF00_0000_0000 - 0x1000),
        Err(WalkFault::UpperOutOfRange { va_bits: 39, .. })
    ));
}
