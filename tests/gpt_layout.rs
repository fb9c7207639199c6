//! The granule protection table a layout emits (`gpt in root_pool;` in
//! `tests/layouts/rme.memlayout`), decoded by the independent walker
//! (`memlayout_tests::gpt_walk`): every granule of every pool has its pool's GPI, and
//! addresses in no pool (below the protected size) have none.

use memlayout_tests::gpt_walk::{
    self, GPI_ANY, GPI_NO_ACCESS, GPI_NON_SECURE, GPI_REALM, GPI_ROOT, GPI_SECURE, Lookup, Memory,
};

use memlayout::aarch64::gpt::Gpi;
use memlayout_tests::layouts::RME_POOLS;

memlayout::memory_layout!(include "layouts/rme.memlayout");

/// The walker's encoding of `gpi`, written from the architecture's GPI values rather
/// than taken from [`Gpi::bits`].
fn walker_gpi(gpi: Gpi) -> u8 {
    match gpi {
        Gpi::NoAccess => GPI_NO_ACCESS,
        Gpi::Secure => GPI_SECURE,
        Gpi::NonSecure => GPI_NON_SECURE,
        Gpi::Root => GPI_ROOT,
        Gpi::Realm => GPI_REALM,
        Gpi::Any => GPI_ANY,
        other => panic!("no walker encoding for {other:?}"),
    }
}

/// The image where it is loaded: the walker finds the level 0 table in it through
/// `GPTBR`.
fn memory() -> Memory<'static> {
    Memory {
        pa: rme::gpt::IMAGE_PA,
        bytes: &rme::gpt::TRANSLATION.0,
    }
}

fn lookup(pa: u64) -> Lookup {
    gpt_walk::lookup(memory(), rme::gpt::GPTBR, rme::gpt::GPCCR, pa)
}

#[test]
fn every_granule_of_every_pool_has_its_spaces_gpi() {
    for (name, start, size, gpi) in RME_POOLS {
        let gpi = walker_gpi(gpi);
        let mut pa = start;
        while pa < start + size {
            assert_eq!(lookup(pa).gpi(), Some(gpi), "{name} at {pa:#x}");
            assert_eq!(lookup(pa + 0xFF8).gpi(), Some(gpi), "{name} at {pa:#x}");
            pa += 0x1000;
        }
    }
}

#[test]
fn memory_in_no_pool_has_no_access() {
    // Below the pools, and the gigabyte after `ram`, up to the 4 GB protected size.
    for pa in (0..0x4000_0000u64)
        .step_by(0x1000)
        .chain((0xC000_0000..0x1_0000_0000).step_by(0x1000))
    {
        assert_eq!(lookup(pa).gpi(), Some(GPI_NO_ACCESS), "{pa:#x}");
    }
    assert_eq!(lookup(0x1_0000_0000), Lookup::AbovePps);
}

#[test]
fn the_table_lies_in_root_memory_and_loads_as_gpccr_says() {
    let (start, size) = (RME_POOLS[1].1, RME_POOLS[1].2);
    let end = rme::gpt::IMAGE_PA + rme::gpt::TRANSLATION.0.len() as u64;
    assert!(rme::gpt::IMAGE_PA >= start && end <= start + size);
    assert_eq!(rme::gpt::GPTBR, rme::gpt::TABLES_PA >> 12);
    // One 128 KiB level 1 table (the pools below 0x8000_0000 share the second
    // gigabyte; `ram` is the third whole), then the 4 KiB level 0 table: no padding,
    // each aligned to its size.
    assert_eq!(rme::gpt::TRANSLATION.0.len(), (128 << 10) + (4 << 10));
    assert_eq!(rme::gpt::IMAGE_PA % (128 << 10), 0);
    assert_eq!(rme::gpt::TABLES_PA, rme::gpt::IMAGE_PA + (128 << 10));
    // PGS 4 KiB, L0GPTSZ 1 GB, PPS 4 GB, GPC set.
    assert_eq!(gpt_walk::geometry(rme::gpt::GPCCR), Ok((32, 12, 30)));
    assert_ne!(rme::gpt::GPCCR & (1 << 16), 0);
}

/// The exports of the same layout file carry the values the macro emits.
#[test]
fn exports_carry_the_emitted_table() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/layouts/rme.memlayout"
    ))
    .unwrap();
    let planned = memlayout::dsl::file::plan_text(&text).expect("plans");
    let gpt = planned.plan().gpt().expect("a GPT");
    assert_eq!(gpt.image(), &rme::gpt::TRANSLATION.0[..]);
    let input = memlayout::export::Input::new(planned.module(), planned.plan());
    let values = memlayout::export::gpt_values(gpt);
    let size = rme::gpt::TRANSLATION.0.len() as u64;
    assert_eq!(
        values.named(),
        [
            ("gpt_pa", rme::gpt::IMAGE_PA),
            ("gpt_size", size),
            ("gpt_level0_pa", rme::gpt::TABLES_PA),
            ("gptbr", rme::gpt::GPTBR),
            ("gpccr", rme::gpt::GPCCR),
        ]
    );
    let header = memlayout::export::c::c(&input);
    let ld = memlayout::export::ld::ld(&input);
    for (name, value) in [
        ("GPT_PA", rme::gpt::IMAGE_PA),
        ("GPT_SIZE", size),
        ("GPT_LEVEL0_PA", rme::gpt::TABLES_PA),
        ("GPTBR", rme::gpt::GPTBR),
        ("GPCCR", rme::gpt::GPCCR),
    ] {
        let line = format!("#define MEMLAYOUT_{name} MEMLAYOUT_UL({value:#x})");
        assert!(header.contains(&line), "{line} in\n{header}");
        let symbol = format!("memlayout_{} = {value:#x};", name.to_lowercase());
        assert!(ld.contains(&symbol), "{symbol} in\n{ld}");
    }
    let section = format!(
        ".memlayout.gpt {:#x} : AT({:#x})",
        rme::gpt::IMAGE_PA,
        rme::gpt::IMAGE_PA
    );
    assert!(ld.contains(&section), "{section} in\n{ld}");
    let map = memlayout::export::map::map(&input);
    assert!(
        map.contains(
            "gpt: granule protection table at PA 0x4020_0000..0x4022_1000, level 0 0x1000 \
             bytes at PA 0x4022_0000,"
        ),
        "{map}"
    );
}

mod runtime {
    use memlayout::aarch64::gpt::{Gpi, L0GptSize};
    use memlayout::layout::{GptRequest, Pool};
    use memlayout::{Error, Layout};

    fn layout() -> Layout {
        let mut l = Layout::new();
        l.add_pool(Pool::ram("bl31", 0x0E00_0000, 0x10_0000).root())
            .unwrap();
        l.add_pool(Pool::ram("rmm", 0x1000_0000, 0x10_0000).realm())
            .unwrap();
        l.add_pool(Pool::ram("dram", 0x8000_0000, 0x4000_0000).non_secure())
            .unwrap();
        l
    }

    #[test]
    fn build_gpt_reserves_root_memory_and_gives_each_pool_its_gpi() {
        let mut l = layout();
        let gpt = l.build_gpt(&GptRequest::in_pool("bl31")).unwrap();
        let range = l.gpt_range().unwrap();
        assert_eq!(range.start(), gpt.image_pa());
        assert_eq!(range.size(), gpt.image().len() as u128);
        assert!(gpt.image_pa() >= 0x0E00_0000 && gpt.image_pa() < 0x0E10_0000);
        // The level 0 table follows the 128 KiB level 1 table, inside the reservation.
        assert_eq!(gpt.level0_pa(), gpt.image_pa() + 0x2_0000);
        assert_eq!(gpt.gptbr(), gpt.level0_pa() >> 12);
        let gpis: Vec<Gpi> = l.gpt_regions().iter().map(|r| r.gpi).collect();
        assert_eq!(gpis, [Gpi::Root, Gpi::Realm, Gpi::NonSecure]);
        // A second reservation there cannot take the table's PA.
        assert!(
            l.reserve("other", 0x1000, 0x1000, Some(gpt.image_pa()), None)
                .is_err()
        );
        assert!(
            l.reserve("other", 0x1000, 0x1000, Some(gpt.level0_pa()), None)
                .is_err()
        );
    }

    #[test]
    fn level0_entry_size_shapes_the_table() {
        // 16G level 0 entries: each level 1 table is 2 MiB, more than a 1 MiB pool.
        let request = GptRequest::in_pool("bl31").l0gptsz(L0GptSize::Size16G);
        assert!(matches!(
            layout().build_gpt(&request),
            Err(Error::NoRoomForGpt {
                align: 0x20_0000,
                ..
            })
        ));
        let mut l = Layout::new();
        l.add_pool(Pool::ram("bl31", 0x0E00_0000, 0x80_0000).root())
            .unwrap();
        l.add_pool(Pool::ram("dram", 0x8000_0000, 0x4000_0000).non_secure())
            .unwrap();
        let gpt = l.build_gpt(&request).unwrap();
        assert_eq!(gpt.size().level1_bytes, 0x20_0000);
        assert_eq!(gpt.config().l0gptsz, L0GptSize::Size16G);
        assert_eq!((gpt.gpccr() >> 20) & 0xF, 0b0100);
    }

    #[test]
    fn refusals() {
        let mut l = layout();
        assert!(matches!(
            l.build_gpt(&GptRequest::in_pool("dram")),
            Err(Error::GptNotRoot { pool, space: Some("non_secure"), .. }) if pool == "dram"
        ));
        assert!(matches!(
            l.build_gpt(&GptRequest::in_pool("nowhere")),
            Err(Error::Unknown { .. })
        ));
        assert!(matches!(
            l.build_gpt(&GptRequest::at(0x8000_0000, 0x4_0000)),
            Err(Error::GptOutsideRoot { .. })
        ));
        assert!(matches!(
            l.build_gpt(&GptRequest::at(0x0E00_0000, 0x1000)),
            Err(Error::NoRoomForGpt { .. })
        ));
        let mut small = Layout::new();
        small
            .add_pool(Pool::ram("bl31", 0x0E00_0000, 0x1_0000).root())
            .unwrap();
        small
            .add_pool(Pool::ram("dram", 0x8000_0000, 0x1000).non_secure())
            .unwrap();
        assert!(matches!(
            small.build_gpt(&GptRequest::in_pool("bl31")),
            Err(Error::NoRoomForGpt { pool, .. }) if pool == "bl31"
        ));
        let mut none = Layout::new();
        none.add_pool(Pool::ram("dram", 0x8000_0000, 0x1000).non_secure())
            .unwrap();
        assert!(matches!(
            none.build_gpt(&GptRequest::in_pool("dram")),
            Err(Error::GptWithoutRoot { .. })
        ));
    }
}
