//! Unit tests of the GPT builder: descriptors and register values worked out by hand from
//! the formats in the module documentation.

use alloc::format;
use alloc::vec::Vec;

use super::*;

const G: u64 = 1 << 30;
const K4: u64 = 0x1000;

fn word(image: &[u8], offset: u64) -> u64 {
    read_u64(&image[offset as usize..])
}

#[test]
fn encodings() {
    assert_eq!(Gpi::Realm.bits(), 0b1011);
    for gpi in Gpi::ALL {
        assert_eq!(Gpi::from_bits(gpi.bits()), Some(gpi));
    }
    for reserved in [1, 2, 7, 0b1100, 0b1101, 0b1110] {
        assert_eq!(Gpi::from_bits(reserved), None);
    }
    assert_eq!(format!("{}", Gpi::Root), "Root (0xA)");
    assert_eq!(GranuleSize::Size16K.encoding(), 0b10);
    assert_eq!(GranuleSize::Size64K.encoding(), 0b01);
    for pgs in GranuleSize::ALL {
        assert_eq!(GranuleSize::from_encoding(pgs.encoding()), Some(pgs));
    }
    assert_eq!(GranuleSize::from_encoding(0b11), None);
    assert_eq!(
        L0GptSize::ALL.map(L0GptSize::encoding),
        [0b0000, 0b0100, 0b0110, 0b1001]
    );
    for size in L0GptSize::ALL {
        assert_eq!(L0GptSize::from_encoding(size.encoding()), Some(size));
        assert_eq!(L0GptSize::from_bytes(size.bytes()), Some(size));
    }
    assert_eq!(L0GptSize::from_bytes(2 * G), None);
    assert_eq!(
        ProtectedSize::ALL.map(ProtectedSize::bits),
        [32, 36, 40, 42, 44, 48, 52]
    );
    assert_eq!(ProtectedSize::from_encoding(7), None);
    assert_eq!(ProtectedSize::covering(0), Some(ProtectedSize::Size4G));
    assert_eq!(
        ProtectedSize::covering(1 << 32),
        Some(ProtectedSize::Size4G)
    );
    assert_eq!(
        ProtectedSize::covering((1 << 32) + 1),
        Some(ProtectedSize::Size64G)
    );
    assert_eq!(
        ProtectedSize::covering(1 << 52),
        Some(ProtectedSize::Size4P)
    );
    assert_eq!(ProtectedSize::covering((1 << 52) + 1), None);
}

#[test]
fn descriptors() {
    assert_eq!(L0Descriptor::block(Gpi::Realm).bits(), 0xB1);
    assert_eq!(L0Descriptor::block(Gpi::NoAccess).bits(), 0x01);
    assert_eq!(
        L0Descriptor::block(Gpi::Any).kind(),
        L0Kind::Block(Gpi::Any)
    );
    assert_eq!(
        L0Descriptor::table(0x8002_0000).bits(),
        0x8002_0003,
        "type 0b0011, address in bits 51:12"
    );
    assert_eq!(
        L0Descriptor::table(0x8002_0000).kind(),
        L0Kind::Table(0x8002_0000)
    );
    assert_eq!(L0Descriptor::from_bits(0).kind(), L0Kind::Invalid);
    assert_eq!(L0Descriptor::from_bits(0xC1).kind(), L0Kind::Invalid);
    assert_eq!(
        L1Descriptor::uniform(Gpi::NonSecure).bits(),
        0x9999_9999_9999_9999
    );
    let d = L1Descriptor::default()
        .with_gpi(0, Gpi::Root)
        .with_gpi(15, Gpi::Realm);
    assert_eq!(d.bits(), 0xB000_0000_0000_000A);
    assert_eq!(d.gpi(15), Some(Gpi::Realm));
    assert_eq!(d.gpi(1), Some(Gpi::NoAccess));
    assert_eq!(d.with_gpi(15, Gpi::Secure).gpi_bits(15), 0b1000);
}

#[test]
fn registers() {
    // PPS 0, IRGN 01, ORGN 01, SH 11, PGS 00, GPC 1, L0GPTSZ 0.
    assert_eq!(
        gpccr(
            ProtectedSize::Size4G,
            GranuleSize::Size4K,
            L0GptSize::Size1G
        ),
        0x0001_3500
    );
    // PPS 0b101, PGS 0b01 (64K), L0GPTSZ 0b1001.
    assert_eq!(
        gpccr(
            ProtectedSize::Size256T,
            GranuleSize::Size64K,
            L0GptSize::Size512G
        ),
        0x0091_7505
    );
    assert_eq!(gptbr(0x8000_0000), 0x8_0000);
    assert_eq!(gptbr(0x000F_FFFF_FFFF_F000), 0xFF_FFFF_FFFF);
}

#[test]
fn table_sizes() {
    use GranuleSize::*;
    use L0GptSize::*;
    assert_eq!(level1_table_bytes(Size4K, Size1G), 128 << 10);
    assert_eq!(level1_table_bytes(Size16K, Size1G), 32 << 10);
    assert_eq!(level1_table_bytes(Size64K, Size1G), 8 << 10);
    assert_eq!(level1_table_bytes(Size4K, Size512G), 64 << 20);
    assert_eq!(level0_table_bytes(ProtectedSize::Size4G, Size1G), 4096);
    assert_eq!(level0_table_bytes(ProtectedSize::Size1T, Size1G), 8 << 10);
    assert_eq!(level0_table_bytes(ProtectedSize::Size4P, Size1G), 32 << 20);
    // L0GPTSZ larger than the PPS: one entry.
    assert_eq!(level0_table_bytes(ProtectedSize::Size4G, Size512G), 4096);
}

#[test]
fn l0gptsz_larger_than_pps_costs_a_whole_level1_table() {
    use GranuleSize::*;
    use L0GptSize::*;
    // Even a region that fills the whole 4 GB PPS leaves the rest of the one level 0
    // region without a GPI: a level 1 table for all of it.
    for region in [
        GptRegion::new(0, 0x1000_0000, Gpi::Root),
        GptRegion::new(0, 4 * G, Gpi::Root),
    ] {
        for (l0gptsz, l1) in [
            (Size16G, 2u64 << 20),
            (Size64G, 8 << 20),
            (Size512G, 64 << 20),
        ] {
            let size = table_size(&[region], GptConfig::new(Size4K, l0gptsz)).unwrap();
            assert_eq!(size.pps, ProtectedSize::Size4G);
            assert_eq!(size.level0_bytes, 4096);
            assert_eq!(size.level1_tables, 1, "{l0gptsz:?}");
            assert_eq!(size.level1_bytes, l1);
            // The level 1 table, then the level 0 table: no padding.
            assert_eq!(size.bytes, l1 + 4096);
            assert_eq!((size.level1_offset, size.level0_offset), (0, l1));
            assert_eq!(size.align, l1);
        }
    }
    let gpt = build(
        &[GptRegion::new(0, 4 * G, Gpi::Root)],
        GptConfig::new(Size4K, Size16G),
        0,
    )
    .unwrap();
    let l0: Vec<_> = gpt.level0().collect();
    assert_eq!(l0.len(), 1);
    assert_eq!(l0[0].kind(), L0Kind::Table(0));
    assert_eq!(gpt.level0_pa(), 2 << 20);
    assert_eq!(gpt.gptbr(), (2 << 20) >> 12);
}

#[test]
fn no_region_is_no_access() {
    let gpt = build(&[], GptConfig::default(), 0x8000_0000).unwrap();
    assert_eq!(gpt.pps(), ProtectedSize::Size4G);
    assert_eq!(gpt.image().len(), 4096);
    assert_eq!(gpt.size().align, 4096);
    assert_eq!(gpt.size().level1_tables, 0);
    let l0: Vec<u64> = gpt.level0().map(L0Descriptor::bits).collect();
    assert_eq!(l0, [0x01; 4]);
    assert!(gpt.image()[32..].iter().all(|&b| b == 0));
    assert_eq!(gpt.gptbr(), 0x8_0000);
    assert_eq!(gpt.gpccr(), 0x0001_3500);
}

#[test]
fn whole_level0_regions_are_blocks() {
    let regions = [
        GptRegion::new(G, G, Gpi::Realm),
        // Two regions of one GPI that together fill the third gigabyte.
        GptRegion::new(2 * G, G / 2, Gpi::NonSecure),
        GptRegion::new(2 * G + G / 2, G / 2, Gpi::NonSecure),
    ];
    let gpt = build(&regions, GptConfig::default(), 0).unwrap();
    let l0: Vec<u64> = gpt.level0().map(L0Descriptor::bits).collect();
    assert_eq!(l0, [0x01, 0xB1, 0x91, 0x01]);
    assert_eq!(gpt.size().bytes, 4096);
}

#[test]
fn granules_descriptors() {
    let regions = [
        GptRegion::new(G, K4, Gpi::Root),
        GptRegion::new(G + K4, 2 * K4, Gpi::NonSecure),
        // 17 granules of Realm from the second entry: one uniform entry and one GPI.
        GptRegion::new(G + 16 * K4, 17 * K4, Gpi::Realm),
        // Not granule aligned: takes its whole granule.
        GptRegion::new(2 * G - 0x800, 0x10, Gpi::Any),
    ];
    let base = 0x8000_0000;
    let gpt = build(&regions, GptConfig::default(), base).unwrap();
    let size = *gpt.size();
    assert_eq!(size.level1_tables, 1);
    // The 128 KiB level 1 table first, then the 4 KiB level 0 table.
    assert_eq!(size.level1_offset, 0);
    assert_eq!(size.level0_offset, 128 << 10);
    assert_eq!(size.bytes, (128 << 10) + 4096);
    assert_eq!(size.align, 128 << 10);
    assert_eq!(gpt.image_pa(), base);
    assert_eq!(gpt.level0_pa(), base + (128 << 10));
    assert_eq!(gpt.gptbr(), (base + (128 << 10)) >> 12);
    let l0: Vec<u64> = gpt.level0().map(L0Descriptor::bits).collect();
    assert_eq!(l0, [0x01, base | 0b11, 0x01, 0x01]);
    let img = gpt.image();
    assert_eq!(word(img, size.level0_offset + 8), base | 0b11);
    let l1 = size.level1_offset;
    assert_eq!(word(img, l1), 0x99A);
    assert_eq!(word(img, l1 + 8), 0xBBBB_BBBB_BBBB_BBBB);
    assert_eq!(word(img, l1 + 16), 0xB);
    assert_eq!(word(img, l1 + 24), 0);
    // The last granule of the gigabyte is granule 15 of the last entry.
    assert_eq!(word(img, l1 + (128 << 10) - 8), 0xF000_0000_0000_0000);
    // The level 0 table's unused entries, after its four.
    let l0_end = (size.level0_offset + size.level0_bytes) as usize;
    assert_eq!(l0_end, img.len());
    assert!(
        img[size.level0_offset as usize + 32..]
            .iter()
            .all(|&b| b == 0)
    );
}

#[test]
fn other_granule_sizes() {
    let config = GptConfig::new(GranuleSize::Size16K, L0GptSize::Size1G);
    let gpt = build(&[GptRegion::new(G, 16 << 10, Gpi::Realm)], config, 0x4_0000).unwrap();
    assert_eq!(gpt.size().level1_bytes, 32 << 10);
    assert_eq!(word(gpt.image(), gpt.size().level1_offset), 0xB);
    assert_eq!(gpt.gpccr() >> GPCCR_PGS_SHIFT & 0b11, 0b10);

    let config = GptConfig::new(GranuleSize::Size64K, L0GptSize::Size1G);
    let gpt = build(
        &[GptRegion::new(G, 17 << 16, Gpi::NonSecure)],
        config,
        0x4_0000,
    )
    .unwrap();
    assert_eq!(gpt.size().level1_bytes, 8 << 10);
    let l1 = gpt.size().level1_offset;
    assert_eq!(word(gpt.image(), l1), 0x9999_9999_9999_9999);
    assert_eq!(word(gpt.image(), l1 + 8), 0x9);

    // 16 GB level 0 entries: one entry covers the 4 GB PPS, its table is 2 MiB.
    let config = GptConfig::new(GranuleSize::Size4K, L0GptSize::Size16G);
    let gpt = build(&[GptRegion::new(G, K4, Gpi::Root)], config, 0x20_0000).unwrap();
    assert_eq!(gpt.level0().count(), 1);
    assert_eq!(gpt.size().level1_bytes, 2 << 20);
    assert_eq!(gpt.size().align, 2 << 20);
    let l1 = gpt.size().level1_offset;
    // Granule 2^18 of the region: entry 2^14.
    assert_eq!(word(gpt.image(), l1 + (1 << 14) * 8), 0xA);
    assert_eq!(gpt.gpccr() >> GPCCR_L0GPTSZ_SHIFT & 0xF, 0b0100);
}

#[test]
fn pps_covers_regions() {
    let at = |start: u64, size: u64| {
        table_size(
            &[GptRegion::new(start, size, Gpi::NonSecure)],
            GptConfig::default(),
        )
        .unwrap()
        .pps
    };
    assert_eq!(at(0, 1 << 32), ProtectedSize::Size4G);
    assert_eq!(at(1 << 32, K4), ProtectedSize::Size64G);
    assert_eq!(at((1 << 48) - K4, K4), ProtectedSize::Size256T);
    assert_eq!(at((1 << 52) - K4, K4), ProtectedSize::Size4P);
    // A 1 TB PPS has 1024 level 0 entries: 8 KiB.
    let size = table_size(
        &[GptRegion::new(1 << 39, K4, Gpi::NonSecure)],
        GptConfig::default(),
    )
    .unwrap();
    assert_eq!(size.level0_bytes, 8 << 10);
    assert_eq!(size.level1_offset, 0);
    assert_eq!(size.level0_offset, 128 << 10);
    assert_eq!(size.bytes, (128 << 10) + (8 << 10));
}

#[test]
fn table_size_matches_build() {
    let regions = [
        GptRegion::new(0x4000_0000, 0x20_0000, Gpi::Root),
        GptRegion::new(0x4020_0000, 0x3FE0_0000, Gpi::NonSecure),
        GptRegion::new(0x9000_0000, 0x1000, Gpi::Realm),
        GptRegion::new(0x1_0000_0000, 0x4000_0000, Gpi::Secure),
    ];
    let size = table_size(&regions, GptConfig::default()).unwrap();
    let gpt = build(&regions, GptConfig::default(), 0x4000_0000).unwrap();
    assert_eq!(*gpt.size(), size);
    assert_eq!(gpt.image().len() as u64, size.bytes);
    // The first gigabyte is untouched below 1 GB, the second is split, the third holds
    // the Realm granule, the fifth is all Secure.
    assert_eq!(size.pps, ProtectedSize::Size64G);
    assert_eq!(size.level1_tables, 2);
    let l0: Vec<L0Kind> = gpt.level0().take(5).map(L0Descriptor::kind).collect();
    assert_eq!(l0[0], L0Kind::Block(Gpi::NoAccess));
    assert!(matches!(l0[1], L0Kind::Table(_)));
    assert!(matches!(l0[2], L0Kind::Table(_)));
    assert_eq!(l0[3], L0Kind::Block(Gpi::NoAccess));
    assert_eq!(l0[4], L0Kind::Block(Gpi::Secure));
}

#[test]
fn plan_then_build_is_build() {
    // Granules of four GPIs in the second gigabyte, a whole Non-secure third one.
    let regions = [
        GptRegion::new(G, 0x2000, Gpi::Realm),
        GptRegion::new(G + 0x2000, 0x1000, Gpi::Root),
        GptRegion::new(G + 0x10_0000, 0x10_0000, Gpi::Secure),
        GptRegion::new(2 * G, G, Gpi::NonSecure),
    ];
    let config = GptConfig::default();
    let plan = plan(&regions, config).unwrap();
    assert_eq!(plan.config(), config);
    assert_eq!(*plan.size(), table_size(&regions, config).unwrap());
    assert_eq!(plan.size().level1_tables, 1);
    let (a, b) = (0x8000_0000, 0x8080_0000);
    let at_a = plan.build(a).unwrap();
    assert_eq!(at_a, build(&regions, config, a).unwrap());
    let at_b = plan.build(b).unwrap();
    assert_eq!(at_b, build(&regions, config, b).unwrap());
    // The same plan at another PA: only the table descriptor's address moves.
    let l1 = plan.size().level1_offset;
    let entry1 = (plan.size().level0_offset + 8) as usize;
    assert_eq!(word(at_a.image(), entry1 as u64), 0x3 | (a + l1));
    assert_eq!(word(at_b.image(), entry1 as u64), 0x3 | (b + l1));
    assert_eq!(at_a.image()[entry1 + 8..], at_b.image()[entry1 + 8..]);
    assert_eq!(at_a.image()[..entry1], at_b.image()[..entry1]);
    // Placement errors come from the second step.
    assert_eq!(
        plan.build(0x8000_1000),
        Err(GptError::MisalignedBase {
            image_pa: 0x8000_1000,
            align: 128 << 10,
        })
    );
    // Region errors from the first.
    assert!(matches!(
        super::plan(&[GptRegion::new(0, 0, Gpi::Root)], config),
        Err(GptError::EmptyRegion { region: 0, .. })
    ));
}

#[test]
fn order_does_not_matter() {
    let mut regions = alloc::vec![
        GptRegion::new(0x4000_0000, 0x3000, Gpi::Root),
        GptRegion::new(0x4000_3000, 0x1000, Gpi::Realm),
        GptRegion::new(0x4000_1000, 0x1000, Gpi::Root),
        GptRegion::new(0x8000_0000, 0x4000_0000, Gpi::Any),
    ];
    let a = build(&regions, GptConfig::default(), 0).unwrap();
    regions.reverse();
    let b = build(&regions, GptConfig::default(), 0).unwrap();
    assert_eq!(a, b);
}

#[test]
fn region_errors() {
    let config = GptConfig::default();
    assert_eq!(
        build(&[GptRegion::new(0x1000, 0, Gpi::Root)], config, 0),
        Err(GptError::EmptyRegion {
            region: 0,
            start: 0x1000
        })
    );
    let beyond = GptRegion::new((1 << 52) - K4, 2 * K4, Gpi::Root);
    assert!(matches!(
        table_size(&[GptRegion::new(0, K4, Gpi::Root), beyond], config),
        Err(GptError::BeyondPa { region: 1, .. })
    ));
    let wraps = GptRegion::new(u64::MAX - 0xFFF, 0x2000, Gpi::Root);
    assert!(matches!(
        table_size(&[wraps], config),
        Err(GptError::BeyondPa { region: 0, .. })
    ));
    // Two halves of one 4 KiB granule.
    let err = table_size(
        &[
            GptRegion::new(0x4000_1800, 0x800, Gpi::Realm),
            GptRegion::new(0x4000_0000, 0x1800, Gpi::Root),
        ],
        config,
    )
    .unwrap_err();
    assert_eq!(
        err,
        GptError::GranuleConflict {
            granule: 0x4000_1000,
            pgs: GranuleSize::Size4K,
            first: 0,
            first_gpi: Gpi::Realm,
            second: 1,
            second_gpi: Gpi::Root,
        }
    );
    // Fine with 4 KiB granules, a conflict with 64 KiB ones.
    let regions = [
        GptRegion::new(0x4000_0000, K4, Gpi::Root),
        GptRegion::new(0x4000_1000, K4, Gpi::NonSecure),
    ];
    assert!(table_size(&regions, config).is_ok());
    assert!(matches!(
        table_size(
            &regions,
            GptConfig::new(GranuleSize::Size64K, L0GptSize::Size1G)
        ),
        Err(GptError::GranuleConflict {
            granule: 0x4000_0000,
            ..
        })
    ));
    // Overlap of one GPI is no conflict.
    assert!(
        table_size(
            &[
                GptRegion::new(0x4000_0000, 0x3000, Gpi::Root),
                GptRegion::new(0x4000_1000, 0x3000, Gpi::Root),
            ],
            config
        )
        .is_ok()
    );
}

#[test]
fn base_errors() {
    let regions = [GptRegion::new(0x4000_0000, K4, Gpi::Root)];
    let config = GptConfig::default();
    assert_eq!(
        build(&regions, config, 0x8001_0000),
        Err(GptError::MisalignedBase {
            image_pa: 0x8001_0000,
            align: 128 << 10
        })
    );
    // 132 KiB on a 128 KiB boundary: the last boundary they fit below 4 GB is
    // 4 GB - 256 KiB; at 4 GB - 128 KiB they end 4 KiB above it.
    assert!(build(&regions, config, (1 << 32) - (256 << 10)).is_ok());
    assert_eq!(
        build(&regions, config, (1 << 32) - (128 << 10)),
        Err(GptError::ImageBeyondPps {
            image_pa: (1 << 32) - (128 << 10),
            bytes: (128 << 10) + 4096,
            pps: ProtectedSize::Size4G
        })
    );
}

#[test]
fn every_message_is_one_line() {
    let errors = [
        GptError::EmptyRegion {
            region: 0,
            start: 0x1000,
        },
        GptError::BeyondPa {
            region: 1,
            start: 1 << 52,
            size: 0x1000,
        },
        GptError::GranuleConflict {
            granule: 0x4000_1000,
            pgs: GranuleSize::Size16K,
            first: 0,
            first_gpi: Gpi::Realm,
            second: 1,
            second_gpi: Gpi::Root,
        },
        GptError::MisalignedBase {
            image_pa: 0x1000,
            align: 0x2_0000,
        },
        GptError::ImageBeyondPps {
            image_pa: 1 << 32,
            bytes: 0x1000,
            pps: ProtectedSize::Size4G,
        },
        GptError::TooLarge { bytes: 1 << 40 },
    ];
    for e in errors {
        let s = format!("{e}");
        assert!(!s.contains('\n') && !s.contains("  "), "{s}");
        assert!(s.contains("; "), "says how to fix it: {s}");
    }
    let conflict = GptError::GranuleConflict {
        granule: 0x4000_1000,
        pgs: GranuleSize::Size4K,
        first: 0,
        first_gpi: Gpi::Realm,
        second: 1,
        second_gpi: Gpi::Root,
    };
    let too_large = format!("{}", GptError::TooLarge { bytes: 1 << 40 });
    assert!(too_large.contains("L0GPTSZ is fixed"), "{too_large}");
    assert!(!too_large.contains("smaller L0GPTSZ"), "{too_large}");
    let beyond = GptError::ImageBeyondPps {
        image_pa: 1 << 32,
        bytes: 0x1000,
        pps: ProtectedSize::Size4G,
    };
    assert!(format!("{beyond}").contains("place it below 0x1_0000_0000, or add a region"));
    let empty = GptError::EmptyRegion {
        region: 3,
        start: 0x1000,
    };
    assert!(
        format!("{empty}").contains("GPT regions[3] at PA 0x1000"),
        "{empty}"
    );
    assert_eq!(
        format!("{conflict}"),
        "the 4K granule at PA 0x4000_1000 is claimed as Realm (0xB) by GPT regions[0] and as \
         Root (0xA) by GPT regions[1], and a granule has one GPI; align both regions to 4K"
    );
}

/// Checks a built image against the architecture's placement rules, worked out here
/// from the register and descriptor formats rather than read from [`GptSize`]: the
/// level 0 table at `GPTBR_EL3.BADDR << 12`, aligned to its size (2^(pps - l0gptsz + 3)
/// bytes, 4 KiB at least); each level 1 table a level 0 table descriptor points at,
/// aligned to its size (2^(l0gptsz - pgs - 1) bytes); every table inside the image, no
/// two overlapping, and nothing else in it: the image is exactly the tables.
fn check_no_padding_and_alignment(gpt: &Gpt) {
    let (pps, pgs, l0gptsz) = (
        gpt.pps().bits(),
        gpt.config().pgs.shift(),
        gpt.config().l0gptsz.shift(),
    );
    let level0_bytes = (8u64 << pps.saturating_sub(l0gptsz)).max(4096);
    let level1_bytes = 1u64 << (l0gptsz - pgs - 1);
    let (start, end) = (gpt.image_pa(), gpt.image_pa() + gpt.image().len() as u64);
    let level0_pa = (gpt.gptbr() & GPTBR_BADDR_MASK) << 12;
    assert_eq!(level0_pa, gpt.level0_pa());
    assert_eq!(
        level0_pa % level0_bytes,
        0,
        "level 0 table at {level0_pa:#x}"
    );
    let mut tables = alloc::vec![(level0_pa, level0_bytes)];
    for d in gpt.level0() {
        if let L0Kind::Table(pa) = d.kind() {
            assert_eq!(pa % level1_bytes, 0, "level 1 table at {pa:#x}");
            tables.push((pa, level1_bytes));
        }
    }
    let level1_tables = tables.len() as u64 - 1;
    assert_eq!(level1_tables, gpt.size().level1_tables as u64);
    // No padding: the image is the level 0 table and the level 1 tables, byte for byte.
    assert_eq!(
        gpt.image().len() as u64,
        level0_bytes + level1_tables * level1_bytes
    );
    assert_eq!(gpt.size().bytes, gpt.image().len() as u64);
    // Inside the image, disjoint: with the total equal to the image, they tile it.
    tables.sort();
    for &(pa, bytes) in &tables {
        assert!(
            pa >= start && pa + bytes <= end,
            "{pa:#x} in {start:#x}..{end:#x}"
        );
    }
    for pair in tables.windows(2) {
        assert!(pair[0].0 + pair[0].1 <= pair[1].0, "{pair:x?} overlap");
    }
    assert_eq!(gpt.image_pa() % gpt.size().align, 0);
}

#[test]
fn the_image_has_no_padding_and_every_table_is_aligned() {
    use GranuleSize::*;
    use L0GptSize::*;
    // Regions that need level 1 tables in several level 0 regions, up to `top`.
    let regions = |top: u64| {
        alloc::vec![
            GptRegion::new(G, K4, Gpi::Root),
            GptRegion::new(G + 0x10_0000, 0x10_0000, Gpi::Realm),
            GptRegion::new(2 * G + 0x20_0000, 0x1_0000, Gpi::NonSecure),
            GptRegion::new(top - 0x1_0000, 0x1_0000, Gpi::Secure),
        ]
    };
    let cases = [
        // 1 GB entries, 4 KiB granules, 4 GB PPS: level 1 tables (128 KiB) first.
        (Size4K, Size1G, 1u64 << 32, 3usize),
        (Size16K, Size1G, 1 << 32, 3),
        (Size64K, Size1G, 1 << 32, 3),
        // 1 TB PPS: the level 0 table is 8 KiB, a level 1 table 128 KiB.
        (Size4K, Size1G, 1 << 40, 3),
        // 1 TB PPS with 64 KiB granules: both tables 8 KiB.
        (Size64K, Size1G, 1 << 40, 3),
        // 4 TB PPS with 64 KiB granules: the level 0 table (32 KiB) first.
        (Size64K, Size1G, 1 << 42, 3),
        // 512 GB entries over a 4 GB PPS: one 64 MiB level 1 table, then 4 KiB.
        (Size4K, Size512G, 1 << 32, 1),
        (Size64K, Size512G, 1 << 32, 1),
        // 512 GB entries, 1 TB PPS: two level 0 entries, the first a table.
        (Size64K, Size512G, 1 << 40, 2),
    ];
    for (pgs, l0gptsz, top, level1_tables) in cases {
        let config = GptConfig::new(pgs, l0gptsz);
        let regions = regions(top);
        let size = table_size(&regions, config).unwrap();
        assert_eq!(size.pps.bytes(), top, "{pgs:?} {l0gptsz:?}");
        assert_eq!(
            size.level1_tables, level1_tables,
            "{pgs:?} {l0gptsz:?} {top:#x}"
        );
        assert_eq!(
            size.bytes,
            size.level0_bytes + level1_tables as u64 * size.level1_bytes
        );
        // Largest alignment first.
        if size.level1_bytes >= size.level0_bytes {
            assert_eq!(size.level1_offset, 0);
        } else {
            assert_eq!(size.level0_offset, 0);
        }
        // At the alignment itself and at an odd multiple of it (no larger alignment).
        for image_pa in [size.align, 3 * size.align] {
            let gpt = build(&regions, config, image_pa).unwrap();
            check_no_padding_and_alignment(&gpt);
        }
    }
    // The 1 GB case the layouts use: 128 KiB + 4 KiB, where the level 0 table first
    // took 256 KiB.
    let size = table_size(&regions(1 << 32)[..1], GptConfig::default()).unwrap();
    assert_eq!(size.bytes, (128 << 10) + (4 << 10));
    // 512 GB entries over a 4 GB PPS: 64 MiB + 4 KiB, where it took 128 MiB.
    let size = table_size(&regions(1 << 32)[..1], GptConfig::new(Size4K, Size512G)).unwrap();
    assert_eq!(size.bytes, (64 << 20) + (4 << 10));
    assert_eq!(size.align, 64 << 20);
}
