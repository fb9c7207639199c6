//! A seed never turns a valid layout into an error: whenever a layout plans without a
//! seed, it plans with every seed (pages and segments alike), and the same seed gives
//! the same layout.
#![cfg(feature = "alloc")]

use memlayout::plan::plan;
use memlayout::spec::{PageSpec, Placement, PoolSpec, RangeSpec, SegmentSpec, Spec, TableSpec};
use memlayout::{Cores, ExecutionContext, MemAttrs, PageKind, PageSize, SegmentKind};
use proptest::prelude::*;

const RAM: u64 = 0x8000_0000;

/// One page request: kind, 2 MiB (else 4 KiB), count, identity, shared.
type PageArgs = (bool, bool, u32, bool, bool);
/// One segment request: kind, size, alignment exponent, page it goes `in` (if any).
type SegArgs = (usize, u64, Option<u32>, Option<usize>);

/// A small layout where free space is tight: a pool of `pool_pages` 4 KiB pages (plus
/// 2 MiB of slack for translation tables), `tables` EL3 tables of one core each over the
/// same range, and the given pages and segments.
fn layout(pool_pages: u64, tables: usize, pages: &[PageArgs], segs: &[SegArgs]) -> Spec {
    let size = pool_pages * 0x1000;
    let mut spec = Spec::new();
    spec.pools.push(PoolSpec::new(0, "ram", RAM, size));
    // The translation tables' own pool, so they never decide the outcome.
    spec.pools
        .push(PoolSpec::new(0, "tables", RAM + (1 << 30), 2 << 20));
    spec.tables_at = Some((
        0,
        memlayout::tables::TablePlacement::InPool("tables".into()),
    ));
    for t in 0..tables {
        let mut table = TableSpec::new(
            0,
            format!("t{t}"),
            Cores::one(t as u32),
            ExecutionContext::EL3,
        );
        table.virt.push(RangeSpec::new(0, RAM, size.max(4 << 20)));
        spec.tables.push(table);
    }
    for (i, &(code, big, count, identity, shared)) in pages.iter().enumerate() {
        let kind = if code { PageKind::Code } else { PageKind::Data };
        let place = if shared {
            Placement::Shared(None)
        } else {
            Placement::Table(i % tables)
        };
        let size = if big {
            PageSize::Size2M
        } else {
            PageSize::Size4K
        };
        let mut page = PageSpec::new(0, format!("p{i}"), place, size, MemAttrs::new(kind));
        page.count = count;
        page.identity = identity;
        page.pool = Some("ram".into());
        spec.pages.push(page);
    }
    let code_kinds = [SegmentKind::Code, SegmentKind::BootCode];
    let data_kinds = [
        SegmentKind::DataShared,
        SegmentKind::DataPreserve,
        SegmentKind::Stack,
    ];
    for (i, &(kind, size, align, in_page)) in segs.iter().enumerate() {
        // Segments go in a page of their table (or a shared page, for shared ones), of a
        // kind the page takes, or anywhere in their table.
        let page = in_page
            .map(|k| k % pages.len().max(1))
            .filter(|_| !pages.is_empty());
        let code = page.map_or(kind % 2 == 0, |k| pages[k].0);
        let kind = if code {
            code_kinds[kind % code_kinds.len()]
        } else {
            data_kinds[kind % data_kinds.len()]
        };
        let (place, in_page) = match page {
            Some(k) if pages[k].4 => (Placement::Shared(None), Some(format!("p{k}"))),
            Some(k) => (Placement::Table(k % tables), Some(format!("p{k}"))),
            None => (Placement::Table(i % tables), None),
        };
        let size = if kind == SegmentKind::Stack {
            size.next_multiple_of(16)
        } else {
            size
        };
        let mut segment = SegmentSpec::new(0, format!("s{i}"), place, kind, size);
        segment.align = align.map(|e| 1 << e).map(|a: u64| a.max(kind.min_align()));
        segment.in_page = in_page;
        spec.segments.push(segment);
    }
    spec
}

fn pages() -> impl Strategy<Value = Vec<PageArgs>> {
    proptest::collection::vec(
        (
            any::<bool>(),
            prop::bool::weighted(0.05),
            1u32..4,
            prop::bool::weighted(0.2),
            prop::bool::weighted(0.2),
        ),
        0..7,
    )
}

fn segments() -> impl Strategy<Value = Vec<SegArgs>> {
    proptest::collection::vec(
        (
            0usize..5,
            1u64..0x1800,
            prop::option::of(0u32..13),
            prop::option::weighted(0.7, 0usize..7),
        ),
        0..8,
    )
}

/// Checks one layout: `None` if it does not plan without a seed (so it says nothing
/// about seeds), else whether every seed plans it, the same way twice.
fn check(mut spec: Spec, seeds: &[u64]) -> Result<bool, TestCaseError> {
    if plan(&spec).is_err() {
        return Ok(false);
    }
    for &seed in seeds {
        spec.seed = Some(seed);
        let planned = plan(&spec);
        prop_assert!(planned.is_ok(), "seed {seed:#x}: {:?}", planned.err());
        // Reproducible: the same seed gives the same layout.
        let again = plan(&spec).map(|p| p.layout().to_string());
        prop_assert_eq!(planned.map(|p| p.layout().to_string()).ok(), again.ok());
    }
    Ok(true)
}

/// At least 10,000 random layouts that plan without a seed, each planned with three
/// random seeds.
#[test]
fn every_seed_plans_what_plans_without_one() {
    use proptest::test_runner::{Config, TestRunner};
    let strategy = (
        prop_oneof![4u64..40, 512u64..1100],
        1usize..4,
        pages(),
        segments(),
        proptest::collection::vec(any::<u64>(), 3),
    );
    let valid = std::cell::Cell::new(0u32);
    let mut runner = TestRunner::new(Config::with_cases(40_000));
    let result = runner.run(&strategy, |(pool_pages, tables, pages, segs, seeds)| {
        if valid.get() >= 10_000 {
            return Ok(());
        }
        if check(layout(pool_pages, tables, &pages, &segs), &seeds)? {
            valid.set(valid.get() + 1);
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(
        valid.get() >= 10_000,
        "only {} of the random layouts planned without a seed",
        valid.get()
    );
}

/// The layout of the issue that found the rule: random placement put the first segment
/// at an odd offset and split the 8 KiB run, so the second 4 KiB segment had no room.
#[test]
fn two_segments_fill_an_8k_run_with_any_seed() {
    let spec = |seed: Option<u64>| {
        let mut s = layout(0, 1, &[], &[]);
        s.seed = seed;
        s.pools.truncate(1);
        s.tables_at = None;
        s.pools[0].start = 0x8020_0000;
        s.pools[0].size = 8 << 30;
        s.tables[0].cores = Cores::one(1);
        s.tables[0].virt[0] = RangeSpec::new(0, 0x8020_0000, 8 << 30);
        let mut boot = PageSpec::new(
            0,
            "boot",
            Placement::Table(0),
            PageSize::Size2M,
            MemAttrs::new(PageKind::Code),
        );
        boot.identity = true;
        s.pages.push(boot.clone());
        boot.name = "data".into();
        boot.size = PageSize::Size4K;
        boot.count = 2;
        boot.identity = false;
        boot.attrs = MemAttrs::new(PageKind::Data);
        s.pages.push(boot);
        for (name, kind) in [
            ("code0", SegmentKind::Code),
            ("shared_data", SegmentKind::DataShared),
            ("preserve", SegmentKind::DataPreserve),
        ] {
            let mut segment = SegmentSpec::new(0, name, Placement::Table(0), kind, 0x1000);
            segment.align = Some(16);
            s.segments.push(segment);
        }
        s
    };
    for seed in [0x5EED, 0, 1, 2, 3, u64::MAX] {
        let p = plan(&spec(Some(seed))).unwrap_or_else(|e| panic!("seed {seed:#x}: {e:?}"));
        let t = p.table_id(0).unwrap();
        let l = p.layout();
        let data = l
            .pages(t)
            .into_iter()
            .filter(|pg| pg.name() == "data")
            .collect::<Vec<_>>();
        for name in ["shared_data", "preserve"] {
            let s = l.segment(t, name).unwrap();
            // The two pages of `data` are consecutive in VA.
            assert!(
                data[0].va() <= s.va() && u128::from(s.va() + s.size()) <= data[1].va_end(),
                "seed {seed:#x}: `{name}` outside `data`"
            );
        }
        let again = plan(&spec(Some(seed))).unwrap();
        assert_eq!(l.to_string(), again.layout().to_string());
    }
}
