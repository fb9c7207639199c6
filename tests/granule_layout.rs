//! Layouts with 16 KiB and 64 KiB granules through the run-time API: the sizes each
//! granule maps, the tables it builds (granule-sized, aligned, walked page by page), and
//! the errors of every granule rule.

use memlayout::aarch64::{Granule, TableConfig};
use memlayout::tables::TablePlacement;
use memlayout::{Error, ExecutionContext, Layout, PageKind, PageRequest, PageSize, Pool, TableId};

const RAM: u64 = 0x8000_0000;
const GIB: u64 = 1 << 30;

/// A layout with 4 GiB of RAM and one EL1 table per granule, each over 4 GiB of VA.
fn layout(seed: Option<u64>) -> (Layout, [TableId; 3]) {
    let mut l = seed.map_or_else(Layout::new, Layout::with_seed);
    l.add_pool(Pool::ram("ram", RAM, 4 * GIB)).unwrap();
    let tables = Granule::ALL.map(|g| {
        let t = l
            .add_table(
                format!("t{g}"),
                0,
                ExecutionContext::EL1_NS,
                &[(0x10_0000_0000, 4 * GIB)],
            )
            .unwrap();
        l.set_granule(t, g).unwrap();
        t
    });
    (l, tables)
}

fn req(name: &str, size: PageSize, count: u32) -> PageRequest {
    PageRequest::new(name, PageKind::Data, size).count(count)
}

#[test]
fn every_granule_builds_its_pages_and_walks_them() {
    for seed in [None, Some(7)] {
        let (mut l, [t4, t16, t64]) = layout(seed);
        let plan: [(TableId, &[(PageSize, u32)]); 3] = [
            (
                t4,
                &[
                    (PageSize::Size4K, 9),
                    (PageSize::Size64K, 2),
                    (PageSize::Size2M, 1),
                ],
            ),
            (
                t16,
                &[
                    (PageSize::Size16K, 9),
                    (PageSize::Size2M, 2),
                    (PageSize::Size32M, 1),
                ],
            ),
            (
                t64,
                &[
                    (PageSize::Size64K, 9),
                    (PageSize::Size2M, 2),
                    (PageSize::Size512M, 1),
                ],
            ),
        ];
        let mut mapped = Vec::new();
        for (t, reqs) in plan {
            for (k, &(size, n)) in reqs.iter().enumerate() {
                let m = l.map(t, &req(&format!("p{k}"), size, n)).unwrap();
                mapped.push((t, m, size.bytes() * u64::from(n)));
            }
        }
        let trs = l
            .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
            .unwrap();
        for (tr, g) in trs.iter().zip(Granule::ALL) {
            assert_eq!(tr.granule(), g);
            assert_eq!(tr.base_pa() % g.bytes(), 0, "{g}: tables aligned");
            assert_eq!(tr.len() as u64, tr.table_count() as u64 * g.bytes());
            // TG0 of the granule.
            assert_eq!((tr.tcr() >> 14) & 0b11, g.tg0(), "{g}");
        }
        for (t, m, bytes) in mapped {
            let tr = &trs[t.index()];
            let (va, pa) = (l.mapping_va(m, t).unwrap(), l.mapping_pa(m).unwrap());
            for off in [0, bytes / 2, bytes - 8] {
                let w = tr.walk(va + off).unwrap();
                assert_eq!(w.pa, pa + off, "{}: {:#x}", tr.name(), va + off);
            }
        }
    }
}

#[test]
fn a_size_the_granule_has_not_is_refused() {
    let (mut l, [t4, t16, t64]) = layout(None);
    for (t, size, granule) in [
        (t4, PageSize::Size16K, Granule::Size4K),
        (t16, PageSize::Size4K, Granule::Size16K),
        (t16, PageSize::Size64K, Granule::Size16K),
        (t64, PageSize::Size32M, Granule::Size64K),
        (t64, PageSize::Size1G, Granule::Size64K),
    ] {
        let e = l.map(t, &req("p", size, 1)).unwrap_err();
        let name = l.table_info(t).unwrap().name().to_string();
        assert!(
            matches!(&e, Error::SizeNotInGranule { size: s, table, granule: g, .. }
                if *s == size && *table == name && *g == granule),
            "{e:?}"
        );
    }
    let e = l.map(t16, &req("p", PageSize::Size4K, 1)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`p` is a 4K page, which the 16K granule of table `t16K` cannot map; use 16K, 2M, \
         32M, 1G or 64G (the largest block needs 52-bit addresses)"
    );
}

#[test]
fn granule_rules() {
    let (mut l, [t4, t16, t64]) = layout(None);
    // A shared page listed for tables of two granules.
    let e = l
        .map_shared(Some(&[t16, t64]), &req("s", PageSize::Size2M, 1))
        .unwrap_err();
    assert!(
        matches!(&e, Error::GranulesDiffer { name, first, second, .. }
            if name == "s" && first.1 == Granule::Size16K && second.1 == Granule::Size64K),
        "{e:?}"
    );
    // Guards are multiples of the granule.
    let e = l
        .map(t64, &req("g", PageSize::Size64K, 1).guard(0x4000))
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::GuardNotGranule {
                guard: 0x4000,
                granule: 0x1_0000,
                ..
            }
        ),
        "{e:?}"
    );
    l.map(t64, &req("g", PageSize::Size64K, 1).guard(0x1_0000))
        .unwrap();
    // The granule comes before the pages.
    l.map(t4, &req("a", PageSize::Size4K, 1)).unwrap();
    let e = l.set_granule(t4, Granule::Size16K).unwrap_err();
    assert!(
        matches!(&e, Error::GranuleAfterPages { table, .. } if table == "t4K"),
        "{e:?}"
    );
    // Virtual ranges on the granule.
    let t = l
        .add_table("odd", 1, ExecutionContext::EL1_NS, &[(0x1000, 0x10_0000)])
        .unwrap();
    let e = l.set_granule(t, Granule::Size64K).unwrap_err();
    assert!(
        matches!(
            e,
            Error::RangeNotGranuleAligned {
                granule: Granule::Size64K,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(l.granule(t), Some(Granule::Size4K), "unchanged on error");
}

#[test]
fn a_process_takes_its_kernels_granule() {
    let mut l = Layout::new();
    l.add_pool(Pool::ram("ram", RAM, GIB)).unwrap();
    let k = l
        .add_table(
            "kernel",
            0,
            ExecutionContext::EL1_NS,
            &[(0xFFFF_8000_0000_0000, GIB)],
        )
        .unwrap();
    let p = l
        .add_table("proc", 0, ExecutionContext::EL0_NS, &[(0x40_0000, GIB)])
        .unwrap();
    l.set_granule(k, Granule::Size64K).unwrap();
    l.set_granule(p, Granule::Size16K).unwrap();
    l.set_asid(p, 1).unwrap();
    l.put_under(p, k).unwrap();
    let e = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap_err();
    assert!(
        matches!(&e, Error::KernelGranule { table, granule: Granule::Size16K, kernel, kernel_granule: Granule::Size64K, .. }
            if table == "proc" && kernel == "kernel"),
        "{e:?}"
    );
    l.set_granule(p, Granule::Size64K).unwrap();
    let trs = l
        .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
        .unwrap();
    assert_eq!(trs[0].tcr(), trs[1].tcr(), "one TCR_EL1");
    assert_eq!((trs[0].tcr() >> 30) & 0b11, Granule::Size64K.tg1());
}
