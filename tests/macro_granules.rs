//! `granule = ..;` and 52-bit addresses in `memory_layout!`: each table module's
//! `GRANULE`, its image's alignment and table size, and every page walked through the
//! emitted `TRANSLATION`, `TCR`, `TTBR0` and `TTBR1` with the independent walker.

use memlayout::aarch64::{Granule, Regime, walk_registers};
use memlayout::memory_layout;
use memlayout::{ExecutionContext, Page};

memory_layout! {
    /// 16 KiB tables for the layout, 64 KiB for one table of its own.
    pub mod granules {
        granule = 16K;
        physical ram = 0x8000_0000 .. +2G;

        table el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text  : code, 16K * 3, rx;
            page heap  : data, 2M * 2;
            page big   : data, 32M, rw;
        }
        table el1 (core 0, EL1_NS) {
            granule = 64K;
            virtual 0x4000_0000 .. +1G, 0xFFFF_8000_0000_0000 .. +1G;
            page text  : code, 64K * 2, rx;
            page heap  : data, 2M;
            page block : data, 512M, va 0xFFFF_8000_0000_0000;
        }
    }
}

memory_layout! {
    /// 52-bit VAs: a 4 KiB table with FEAT_LPA2 (a level -1 root) and a 64 KiB one with
    /// FEAT_LVA, each mapping a page above 2^48.
    pub mod wide {
        physical ram = 0x8000_0000 .. +1G;

        table el2 (core 0, EL2_NS) {
            va_bits = 52;
            virtual 0x000F_0000_0000_0000 .. +1G;
            page data : data, 4K * 4;
            page big  : data, 2M;
        }
        table el1 (core 0, EL1_NS) {
            granule = 64K;
            va_bits upper = 52;
            virtual 0xFFF0_0000_0000_0000 .. +1G;
            page data : data, 64K;
        }
    }
}

/// Walks every page of a table module (first, middle and last byte) through its image
/// and registers and checks the PA.
fn walk_all(
    name: &str,
    image: &[u8],
    image_pa: u64,
    regime: Regime,
    regs: (u64, u64, u64),
    pages: &[Page],
) {
    let (tcr, ttbr0, ttbr1) = regs;
    assert!(!pages.is_empty(), "{name}");
    for p in pages {
        for off in [0, p.size() / 2, p.size() - 1] {
            let w = walk_registers(image, image_pa, regime, tcr, ttbr0, ttbr1, p.va() + off)
                .unwrap_or_else(|e| panic!("{name}: `{}` at {:#x}: {e}", p.name(), p.va() + off));
            assert_eq!(w.pa, p.pa() + off, "{name}: `{}`", p.name());
        }
    }
}

#[test]
fn each_table_has_its_granule() {
    assert_eq!(granules::el3::GRANULE, 16 << 10);
    assert_eq!(granules::el1::GRANULE, 64 << 10);
    let image = granules::el3::TRANSLATION.as_bytes();
    assert_eq!(image.as_ptr() as usize % (16 << 10), 0, "16 KiB aligned");
    assert_eq!(image.len() % (16 << 10), 0, "16 KiB tables");
    assert_eq!((granules::el3::TCR >> 14) & 0b11, Granule::Size16K.tg0());
    let image = granules::el1::TRANSLATION.as_bytes();
    assert_eq!(image.as_ptr() as usize % (64 << 10), 0, "64 KiB aligned");
    assert_eq!(image.len() % (64 << 10), 0, "64 KiB tables");
    assert_eq!((granules::el1::TCR >> 14) & 0b11, Granule::Size64K.tg0());
    assert_eq!((granules::el1::TCR >> 30) & 0b11, Granule::Size64K.tg1());
    walk_all(
        "el3",
        granules::el3::TRANSLATION.as_bytes(),
        granules::el3::TABLES_PA,
        Regime::of(ExecutionContext::EL3),
        (granules::el3::TCR, granules::el3::TTBR0, 0),
        granules::el3::PAGES,
    );
    walk_all(
        "el1",
        granules::el1::TRANSLATION.as_bytes(),
        granules::el1::TABLES_PA,
        Regime::of(ExecutionContext::EL1_NS),
        (
            granules::el1::TCR,
            granules::el1::TTBR0,
            granules::el1::TTBR1,
        ),
        granules::el1::PAGES,
    );
}

#[test]
fn fifty_two_bit_vas_walk() {
    // 4 KiB with DS = 1 (TCR_EL2 bit 32) and T0SZ = 12.
    assert_ne!(wide::el2::TCR & (1 << 32), 0, "DS");
    assert_eq!(wide::el2::TCR & 0x3F, 12, "T0SZ");
    assert!(wide::el2::PAGES.iter().all(|p| p.va() >= 1 << 48));
    walk_all(
        "el2",
        wide::el2::TRANSLATION.as_bytes(),
        wide::el2::TABLES_PA,
        Regime::of(ExecutionContext::EL2_NS),
        (wide::el2::TCR, wide::el2::TTBR0, 0),
        wide::el2::PAGES,
    );
    // 64 KiB, FEAT_LVA: T1SZ = 12, no DS.
    assert_eq!((wide::el1::TCR >> 16) & 0x3F, 12, "T1SZ");
    assert_eq!(wide::el1::TCR & (1 << 59), 0, "no DS with 64K");
    walk_all(
        "el1",
        wide::el1::TRANSLATION.as_bytes(),
        wide::el1::TABLES_PA,
        Regime::of(ExecutionContext::EL1_NS),
        (wide::el1::TCR, wide::el1::TTBR0, wide::el1::TTBR1),
        wide::el1::PAGES,
    );
}
