//! The granule protection tables memlayout builds, read back by an independent walker
//! (`memlayout_tests::gpt_walk`, written from the architecture): every granule of every
//! region has the region's GPI, every granule outside the regions below the protected
//! physical size has no access, and addresses above it are not looked up.

use memlayout::aarch64::gpt::{Gpi, ProtectedSize};
use memlayout::aarch64::gpt::{
    GptConfig, GptError, GptRegion, GranuleSize, L0GptSize, build, table_size,
};
use memlayout_tests::gpt_walk::{self, Lookup, Memory, Pas};
use proptest::prelude::*;

const G: u64 = 1 << 30;

/// Walks `pa` in a built table.
fn walk(gpt: &memlayout::aarch64::gpt::Gpt, pa: u64) -> Lookup {
    gpt_walk::lookup(
        Memory {
            pa: gpt.image_pa(),
            bytes: gpt.image(),
        },
        gpt.gptbr(),
        gpt.gpccr(),
        pa,
    )
}

/// Checks every granule of every region, the granules just outside each region, and
/// the first granule above the PPS.
fn check_all(gpt: &memlayout::aarch64::gpt::Gpt, regions: &[GptRegion], pgs: u64) {
    let owner = |pa: u64| {
        regions.iter().find(|r| {
            let start = r.start / pgs * pgs;
            let end = r.end().div_ceil(u128::from(pgs)) * u128::from(pgs);
            u128::from(start) <= u128::from(pa) && u128::from(pa) < end
        })
    };
    for r in regions {
        let first = r.start / pgs * pgs;
        let mut pa = first;
        while u128::from(pa) < r.end() {
            assert_eq!(
                walk(gpt, pa).gpi(),
                Some(r.gpi.bits()),
                "granule {pa:#x} of region {r:x?}"
            );
            // The last byte of the granule too.
            assert_eq!(walk(gpt, pa + pgs - 1).gpi(), Some(r.gpi.bits()));
            pa += pgs;
        }
        for outside in [first.checked_sub(pgs), Some(pa)].into_iter().flatten() {
            if outside < gpt.pps().bytes() && owner(outside).is_none() {
                assert_eq!(
                    walk(gpt, outside),
                    Lookup::Gpi {
                        gpi: gpt_walk::GPI_NO_ACCESS,
                        level: expected_level(gpt, regions, outside)
                    },
                    "granule {outside:#x} next to region {r:x?}"
                );
            }
        }
    }
    assert_eq!(walk(gpt, gpt.pps().bytes()), Lookup::AbovePps);
    assert!(walk(gpt, gpt.pps().bytes()).allows(Pas::NonSecure));
    assert!(!walk(gpt, gpt.pps().bytes()).allows(Pas::Realm));
}

/// The level the lookup of `pa`, a granule in no region, must end at: a level 0 block
/// when no region touches its level 0 region (L0GPTSZ bytes, from `GPCCR_EL3`), and a
/// level 1 table as soon as one does (no region covers that level 0 region whole, as
/// `pa` is in none).
fn expected_level(gpt: &memlayout::aarch64::gpt::Gpt, regions: &[GptRegion], pa: u64) -> u8 {
    let (_, _, l0gptsz) = gpt_walk::geometry(gpt.gpccr()).expect("a valid GPCCR");
    let l0_start = u128::from(pa >> l0gptsz << l0gptsz);
    let l0_end = l0_start + (1u128 << l0gptsz);
    let touched = regions
        .iter()
        .any(|r| u128::from(r.start) < l0_end && l0_start < r.end());
    u8::from(touched)
}

/// A machine like QEMU `virt`: Root firmware with its GPT, a Realm pool, Secure memory,
/// a Non-secure pool, a device window both worlds see, and a gigabyte of Non-secure RAM
/// described by one level 0 block.
fn machine() -> Vec<GptRegion> {
    vec![
        GptRegion::new(0x0900_0000, 0x1000, Gpi::Any),
        GptRegion::new(0x4000_0000, 0x20_0000, Gpi::Any),
        GptRegion::new(0x4020_0000, 0x20_0000, Gpi::Root),
        GptRegion::new(0x4040_0000, 0x10_0000, Gpi::Realm),
        GptRegion::new(0x4050_0000, 0x8000, Gpi::Secure),
        GptRegion::new(0x4050_8000, 0x3FAF_8000, Gpi::NonSecure),
        GptRegion::new(0x8000_0000, G, Gpi::NonSecure),
    ]
}

#[test]
fn machine_layout_walks_back() {
    let regions = machine();
    let size = table_size(&regions, GptConfig::default()).unwrap();
    // Level 0 regions 0 (device) and 1 (firmware, Realm, Secure, RAM) need level 1
    // tables; region 2 is one block.
    assert_eq!(size.level1_tables, 2);
    assert_eq!(size.pps, ProtectedSize::Size4G);
    let gpt = build(&regions, GptConfig::default(), 0x4020_0000).unwrap();
    assert_eq!(gpt.image().len() as u64, size.bytes);
    check_all(&gpt, &regions, 0x1000);
    assert_eq!(
        walk(&gpt, 0x8000_0000),
        Lookup::Gpi {
            gpi: gpt_walk::GPI_NON_SECURE,
            level: 0
        }
    );
    assert_eq!(walk(&gpt, 0xC000_0000).gpi(), Some(gpt_walk::GPI_NO_ACCESS));
    for (pa, allowed) in [
        (0x4020_0000, [false, false, true, false]),
        (0x4040_0000, [false, false, false, true]),
        (0x4050_0000, [true, false, false, false]),
        (0x4050_8000, [false, true, false, false]),
        (0x4000_0000, [true, true, true, true]),
        (0xC000_0000, [false, false, false, false]),
    ] {
        let got = Pas::ALL.map(|pas| walk(&gpt, pa).allows(pas));
        assert_eq!(got, allowed, "{pa:#x} from Secure, Non-secure, Root, Realm");
    }
}

#[test]
fn every_granule_and_level0_size() {
    let regions = [
        GptRegion::new(0x4000_0000, 0x4_0000, Gpi::Root),
        GptRegion::new(0x4004_0000, 0x4_0000, Gpi::Realm),
        GptRegion::new(0x1_0000_0000, 0x10_0000, Gpi::NonSecure),
    ];
    for pgs in GranuleSize::ALL {
        for l0 in [L0GptSize::Size1G, L0GptSize::Size16G, L0GptSize::Size64G] {
            let config = GptConfig::new(pgs, l0);
            let size = table_size(&regions, config).unwrap();
            let base = (0x2_0000_0000u64).next_multiple_of(size.align);
            let gpt = build(&regions, config, base).unwrap();
            assert_eq!(gpt.pps(), ProtectedSize::Size64G);
            check_all(&gpt, &regions, pgs.bytes());
        }
    }
}

/// A region set: up to 6 regions, each some granules long, most small, in a 64 GB
/// space; one GPI each. Conflicting sets are filtered out by the builder's answer.
fn region_sets() -> impl Strategy<Value = (Vec<GptRegion>, GptConfig)> {
    let config = prop_oneof![
        Just(GptConfig::new(GranuleSize::Size4K, L0GptSize::Size1G)),
        Just(GptConfig::new(GranuleSize::Size4K, L0GptSize::Size16G)),
        Just(GptConfig::new(GranuleSize::Size16K, L0GptSize::Size1G)),
        Just(GptConfig::new(GranuleSize::Size16K, L0GptSize::Size64G)),
        Just(GptConfig::new(GranuleSize::Size64K, L0GptSize::Size1G)),
        Just(GptConfig::new(GranuleSize::Size64K, L0GptSize::Size512G)),
    ];
    let gpi = prop::sample::select(Gpi::ALL.to_vec());
    let region = (0u64..(64 << 30), 1u64..0x6_0000, gpi, any::<bool>()).prop_map(
        |(start, size, gpi, aligned)| {
            if aligned {
                GptRegion::new(start & !0xFFFF, (size + 0xFFFF) & !0xFFFF, gpi)
            } else {
                GptRegion::new(start, size, gpi)
            }
        },
    );
    (prop::collection::vec(region, 0..6), config)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn built_tables_walk_back((regions, config) in region_sets()) {
        let size = match table_size(&regions, config) {
            Ok(size) => size,
            Err(GptError::GranuleConflict { granule, first, second, .. }) => {
                // A real conflict: both regions touch the granule, with other GPIs.
                let pgs = config.pgs.bytes();
                let touches = |r: &GptRegion| {
                    u128::from(r.start / pgs * pgs) <= u128::from(granule)
                        && u128::from(granule) < r.end()
                };
                prop_assert!(touches(&regions[first]) && touches(&regions[second]));
                prop_assert_ne!(regions[first].gpi, regions[second].gpi);
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        };
        // The image right after the highest region, if it fits below the PPS.
        let top = regions.iter().map(GptRegion::end).max().unwrap_or(0) as u64;
        let base = top.next_multiple_of(size.align);
        match build(&regions, config, base) {
            Ok(gpt) => {
                prop_assert_eq!(gpt.size(), &size);
                prop_assert_eq!(gpt.image_pa() % size.align, 0);
                prop_assert_eq!(gpt.image_pa(), base);
                // GPTBR_EL3 points at the level 0 table inside the image.
                prop_assert_eq!(gpt.gptbr() << 12, gpt.level0_pa());
                prop_assert!(gpt.level0_pa() >= base);
                prop_assert!(gpt.level0_pa() + size.level0_bytes <= base + size.bytes);
                check_all(&gpt, &regions, config.pgs.bytes());
            }
            Err(GptError::ImageBeyondPps { .. }) => {
                prop_assert!(u128::from(base) + u128::from(size.bytes) > u128::from(size.pps.bytes()));
            }
            Err(e) => return Err(TestCaseError::fail(format!("{e}"))),
        }
    }

    /// Order of the regions never changes the image.
    #[test]
    fn order_independent((mut regions, config) in region_sets()) {
        let Ok(size) = table_size(&regions, config) else { return Ok(()) };
        let base = (1u64 << 36).next_multiple_of(size.align);
        let a = build(&regions, config, base);
        regions.reverse();
        let b = build(&regions, config, base);
        prop_assert_eq!(a.map(|g| g.image().to_vec()), b.map(|g| g.image().to_vec()));
    }
}
