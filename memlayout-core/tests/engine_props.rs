//! Property tests: random operation sequences run against the engine and against a
//! deliberately naive model (plain vectors of ranges, checked pairwise).
#![cfg(feature = "alloc")]

use memlayout::interval::Interval;
use memlayout::{
    Error, ExecutionContext, IntervalSet, Layout, PageKind, PageRequest, PageSize, Perms, Pool,
    SegmentKind, SegmentRequest,
};
use proptest::prelude::*;

/// The naive model of an interval set: a bitmap over a small space.
#[derive(Clone, Debug)]
struct NaiveSet {
    bits: Vec<bool>,
}

impl NaiveSet {
    fn contains(&self, start: u64, size: u64) -> bool {
        (start..start + size).all(|a| self.bits.get(a as usize).copied().unwrap_or(false))
    }
    fn lowest_fit(&self, size: u64, align: u64) -> Option<u64> {
        (0..self.bits.len() as u64)
            .step_by(align as usize)
            .find(|&a| self.contains(a, size))
    }
    fn total(&self) -> u128 {
        self.bits.iter().filter(|b| **b).count() as u128
    }
}

#[derive(Clone, Debug)]
enum SetOp {
    Insert(u64, u64),
    Remove(u64, u64),
    Fit(u64, u32),
}

fn set_op() -> impl Strategy<Value = SetOp> {
    prop_oneof![
        (0u64..256, 1u64..64).prop_map(|(a, n)| SetOp::Insert(a, n)),
        (0u64..256, 1u64..64).prop_map(|(a, n)| SetOp::Remove(a, n)),
        (1u64..80, 0u32..6).prop_map(|(n, k)| SetOp::Fit(n, k)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The interval set agrees with a bitmap on membership, totals and lowest fits.
    #[test]
    fn interval_set_matches_bitmap(ops in prop::collection::vec(set_op(), 1..60)) {
        let mut set: IntervalSet<()> = IntervalSet::new();
        let mut naive = NaiveSet { bits: vec![false; 320] };
        for op in ops {
            match op {
                SetOp::Insert(a, n) => {
                    let free = (a..a + n).all(|x| !naive.bits[x as usize]);
                    let got = set.insert(a, n, ());
                    prop_assert_eq!(got.is_ok(), free);
                    if free {
                        for x in a..a + n { naive.bits[x as usize] = true; }
                    }
                }
                SetOp::Remove(a, n) => {
                    let covered = naive.contains(a, n);
                    let got = set.remove(a, n);
                    prop_assert_eq!(got.is_ok(), covered);
                    if covered {
                        for x in a..a + n { naive.bits[x as usize] = false; }
                    }
                }
                SetOp::Fit(n, k) => {
                    let align = 1u64 << k;
                    prop_assert_eq!(set.find_fit(n, align, |_| true), naive.lowest_fit(n, align));
                }
            }
            prop_assert_eq!(set.total_size(), naive.total());
            // Ranges stay disjoint, ordered, and merged (equal metadata never touches).
            let ranges: Vec<Interval> = set.iter().map(|(i, _)| i).collect();
            for w in ranges.windows(2) {
                prop_assert!(w[0].last() + 1 < w[1].start());
            }
        }
    }
}

#[derive(Clone, Debug)]
enum Op {
    Page {
        table: usize,
        size: usize,
        count: u32,
        kind: usize,
        identity: bool,
    },
    Shared {
        size: usize,
    },
    Fixed {
        table: usize,
        va_slot: u64,
        pa_slot: u64,
    },
    Segment {
        table: usize,
        kind: usize,
        size: u64,
        align_log: u32,
        identity: bool,
    },
    SharedSegment {
        size: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0usize..3, 0usize..3, 1u32..4, 0usize..3, any::<bool>())
            .prop_map(|(table, size, count, kind, identity)| Op::Page { table, size, count, kind, identity }),
        1 => (0usize..2).prop_map(|size| Op::Shared { size }),
        1 => (0usize..3, 0u64..64, 0u64..64).prop_map(|(table, va_slot, pa_slot)| Op::Fixed { table, va_slot, pa_slot }),
        2 => (0usize..3, 0usize..SegmentKind::ALL.len(), 1u64..0x3000, 0u32..8, any::<bool>())
            .prop_map(|(table, kind, size, align_log, identity)| Op::Segment { table, kind, size, align_log, identity }),
        1 => (1u64..0x1000).prop_map(|size| Op::SharedSegment { size }),
    ]
}

const RAM: u64 = 0x4000_0000;
const RAM_SIZE: u64 = 64 << 20;

fn check_invariants(l: &Layout) -> Result<(), TestCaseError> {
    // PA: no two mappings overlap, except the same shared page seen from several tables.
    let mut pa: Vec<(u128, u128, String, bool)> = Vec::new();
    for t in l.tables() {
        let pages = l.pages(t);
        // VA within one table: disjoint.
        for w in pages.windows(2) {
            prop_assert!(
                w[0].va_end() <= u128::from(w[1].va()),
                "VA overlap in a table"
            );
        }
        for p in &pages {
            prop_assert_eq!(p.va() % p.size(), 0);
            prop_assert_eq!(p.pa() % p.size(), 0);
            prop_assert!(p.pa() >= RAM && p.pa_end() <= u128::from(RAM + RAM_SIZE));
            pa.push((
                u128::from(p.pa()),
                p.pa_end(),
                p.name().to_string(),
                p.is_shared(),
            ));
            prop_assert_eq!(l.translate(t, p.va()), Some(p.pa()));
        }
        // Segments lie inside mapped pages that take their kind, consecutive in VA and PA.
        for s in l.segments(t) {
            prop_assert!(s.va() % s.align() == 0);
            let mut at = s.va();
            while u128::from(at) < s.va_end() {
                let page = pages.iter().find(|p| p.contains_va(at));
                prop_assert!(page.is_some(), "segment byte not mapped");
                let page = page.unwrap();
                prop_assert!(
                    s.kind().fits_in(page.kind(), page.perms()),
                    "{s:?} in {page:?}"
                );
                prop_assert_eq!(page.va_to_pa(at), Some(s.pa() + (at - s.va())));
                at = page.va() + page.size();
            }
        }
        let segs = l.segments(t);
        for w in segs.windows(2) {
            prop_assert!(w[0].va_end() <= u128::from(w[1].va()), "segments overlap");
        }
    }
    pa.sort();
    pa.dedup();
    for w in pa.windows(2) {
        let same_shared = w[0].3 && w[1].3 && w[0].0 == w[1].0 && w[0].2 == w[1].2;
        prop_assert!(
            w[0].1 <= w[1].0 || same_shared,
            "PA overlap: {:?} {:?}",
            w[0],
            w[1]
        );
    }
    // Conservation: free + allocated == pool size.
    let used: u128 = {
        let mut seen = std::collections::BTreeSet::new();
        for t in l.tables() {
            for p in l.pages(t) {
                seen.insert((p.pa(), p.size()));
            }
        }
        seen.iter().map(|&(_, s)| u128::from(s)).sum()
    };
    prop_assert_eq!(l.free_in_pool("ram").unwrap() + used, u128::from(RAM_SIZE));
    Ok(())
}

fn run_ops(seed: Option<u64>, ops: &[Op]) -> Result<Layout, TestCaseError> {
    let mut l = match seed {
        Some(s) => Layout::with_seed(s),
        None => Layout::new(),
    };
    l.add_pool(Pool::ram("ram", RAM, RAM_SIZE)).unwrap();
    let els = [
        ExecutionContext::EL3,
        ExecutionContext::EL1_NS,
        ExecutionContext::EL2_NS,
    ];
    let mut tables = Vec::new();
    for (i, el) in els.into_iter().enumerate() {
        // Overlapping VA windows so identity requests are sometimes possible.
        let t = l
            .add_table(
                format!("t{i}"),
                i as u32,
                el,
                &[(RAM - (8 << 20) * i as u64, RAM_SIZE)],
            )
            .unwrap();
        tables.push(t);
    }
    // 64K pages (16 level 3 pages with the Contiguous bit) must be aligned to 64 KiB.
    let sizes = [PageSize::Size4K, PageSize::Size2M, PageSize::Size64K];
    // Code, writable data and read-only data pages, so every segment kind has a home.
    let kinds = [
        (PageKind::Code, Perms::RX),
        (PageKind::Data, Perms::RW),
        (PageKind::Data, Perms::R),
    ];
    let mut shared = 0;
    for (n, op) in ops.iter().enumerate() {
        match op {
            Op::Page {
                table,
                size,
                count,
                kind,
                identity,
            } => {
                let (kind, perms) = kinds[*kind];
                let mut req = PageRequest::new(format!("p{n}"), kind, sizes[*size])
                    .perms(perms)
                    .count(*count);
                if *identity {
                    req = req.identity();
                }
                match l.map(tables[*table], &req) {
                    Ok(m) => {
                        let pages = l.mapping_pages(m, tables[*table]);
                        prop_assert_eq!(pages.len() as u32, *count);
                        for w in pages.windows(2) {
                            prop_assert_eq!(w[0].va_end(), u128::from(w[1].va()));
                            prop_assert_eq!(w[0].pa_end(), u128::from(w[1].pa()));
                        }
                        if *identity {
                            prop_assert!(pages.iter().all(|p| p.is_identity()));
                        }
                    }
                    Err(Error::NoRoom { .. } | Error::IdentityImpossible { .. }) => {}
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                }
            }
            Op::Shared { size } => {
                let req = PageRequest::new(format!("s{shared}"), PageKind::Data, sizes[*size]);
                if let Ok(m) = l.map_shared(None, &req) {
                    shared += 1;
                    let pa = l.mapping_pa(m).unwrap();
                    for &t in &tables {
                        prop_assert_eq!(l.mapping_pages(m, t)[0].pa(), pa);
                    }
                }
            }
            Op::Fixed {
                table,
                va_slot,
                pa_slot,
            } => {
                let req = PageRequest::new(format!("f{n}"), PageKind::Data, PageSize::Size4K)
                    .va(RAM + va_slot * 0x1000)
                    .pa(RAM + pa_slot * 0x1000);
                let free_before = l.free_in_pool("ram").unwrap();
                match l.map(tables[*table], &req) {
                    Ok(m) => {
                        prop_assert_eq!(l.mapping_pa(m), Some(RAM + pa_slot * 0x1000));
                        prop_assert_eq!(
                            l.mapping_va(m, tables[*table]),
                            Some(RAM + va_slot * 0x1000)
                        );
                    }
                    Err(
                        Error::Overlap { .. }
                        | Error::SamePaInTwoTables { .. }
                        | Error::OutsidePools { .. },
                    ) => {
                        prop_assert_eq!(l.free_in_pool("ram").unwrap(), free_before);
                    }
                    Err(e) => prop_assert!(false, "unexpected error {e}"),
                }
            }
            Op::Segment {
                table,
                kind,
                size,
                align_log,
                identity,
            } => {
                let mut req = SegmentRequest::new(format!("g{n}"), SegmentKind::ALL[*kind], *size)
                    .align(1 << align_log);
                if *identity {
                    req = req.identity();
                }
                if let Ok(id) = l.place_segment(tables[*table], &req) {
                    let s = l.segment_in(id, tables[*table]).unwrap();
                    prop_assert_eq!(s.size(), *size);
                    prop_assert!(s.align() >= SegmentKind::ALL[*kind].min_align());
                    if *identity {
                        prop_assert!(s.is_identity());
                    }
                }
            }
            Op::SharedSegment { size } => {
                if shared == 0 {
                    continue;
                }
                let req = SegmentRequest::new(format!("x{n}"), SegmentKind::DataShared, *size)
                    .in_page("s0");
                if let Ok(id) = l.place_shared_segment(&req) {
                    let pas: Vec<u64> = tables
                        .iter()
                        .map(|&t| l.segment_in(id, t).unwrap().pa())
                        .collect();
                    prop_assert!(
                        pas.windows(2).all(|w| w[0] == w[1]),
                        "shared segment has several PAs"
                    );
                }
            }
        }
        check_invariants(&l)?;
    }
    Ok(l)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Random operation sequences keep every invariant, deterministic or seeded.
    #[test]
    fn layout_invariants(seed in prop::option::of(any::<u64>()), ops in prop::collection::vec(op(), 1..40)) {
        run_ops(seed, &ops)?;
    }

    /// The same seed and requests give the same layout.
    #[test]
    fn same_seed_same_layout(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..30)) {
        let a = run_ops(Some(seed), &ops)?;
        let b = run_ops(Some(seed), &ops)?;
        prop_assert_eq!(a.all_pages(), b.all_pages());
        prop_assert_eq!(a.to_string(), b.to_string());
    }
}

#[test]
fn different_seeds_differ() {
    let ops: Vec<Op> = (0..10)
        .map(|i| Op::Page {
            table: i % 3,
            size: 0,
            count: 1,
            kind: i % 2,
            identity: false,
        })
        .collect();
    let layouts: Vec<String> = (1..6u64)
        .map(|s| run_ops(Some(s), &ops).unwrap().to_string())
        .collect();
    assert!(
        layouts.windows(2).any(|w| w[0] != w[1]),
        "five seeds gave one layout"
    );
    let det = run_ops(None, &ops).unwrap().to_string();
    assert_eq!(det, run_ops(None, &ops).unwrap().to_string());
}

/// One request of a random guarded layout: a run of 4 KiB or 2 MiB pages, its guard in
/// 4 KiB pages (0: none), and whether it is an identity request.
#[derive(Clone, Debug)]
struct GuardedReq {
    big: bool,
    count: u32,
    guard_pages: u64,
    identity: bool,
}

fn guarded_req() -> impl Strategy<Value = GuardedReq> {
    (
        prop::bool::weighted(0.15),
        1u32..6,
        prop_oneof![Just(0u64), 1u64..4, Just(512u64)],
        prop::bool::weighted(0.1),
    )
        .prop_map(|(big, count, guard_pages, identity)| GuardedReq {
            big,
            count,
            guard_pages,
            identity,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    /// Random guarded runs among other pages, with and without a seed: no page maps a
    /// VA of any guard gap, each guarded run has both its gaps, and no VA of a gap
    /// translates through the built translation tables.
    #[test]
    fn guard_gaps_stay_unmapped_in_the_built_tables(
        reqs in prop::collection::vec(guarded_req(), 1..14),
        seed in prop::option::of(any::<u64>()),
    ) {
        use memlayout::aarch64::TableConfig;
        use memlayout::tables::TablePlacement;
        const BASE: u64 = 0x4000_0000;
        let mut l = match seed {
            Some(s) => Layout::with_seed(s),
            None => Layout::new(),
        };
        l.add_pool(Pool::ram("ram", BASE, 0x4000_0000)).unwrap();
        let t = l
            .add_table("t", 0, ExecutionContext::EL1_NS, &[(BASE, 0x4000_0000)])
            .unwrap();
        for (i, r) in reqs.iter().enumerate() {
            let size = if r.big { PageSize::Size2M } else { PageSize::Size4K };
            let mut req = PageRequest::new(format!("p{i}"), PageKind::Data, size)
                .count(r.count)
                .guard(r.guard_pages * 0x1000);
            if r.identity {
                req = req.identity();
            }
            // The space is large enough for every request.
            l.map(t, &req).unwrap();
        }
        let gaps = l.guard_gaps(t);
        let guarded = reqs.iter().filter(|r| r.guard_pages > 0).count();
        prop_assert!(gaps.len() <= 2 * guarded);
        let pages: Vec<(u64, u64, String)> =
            l.pages(t).iter().map(|p| (p.va(), p.size(), p.name().to_string())).collect();
        for (g, _) in &gaps {
            for (va, size, name) in &pages {
                let r = Interval::new(*va, *size).unwrap();
                prop_assert!(!r.overlaps(g), "{} maps gap {:?}", name, g);
            }
        }
        let trs = l
            .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
            .unwrap();
        let tr = &trs[t.index()];
        for (g, m) in &gaps {
            // Every 4 KiB page of the gap (a 2 MiB gap: its first, last and a middle
            // page), at its first and last byte.
            let n = (g.size() / 0x1000) as u64;
            let picks: Vec<u64> = if n <= 8 { (0..n).collect() } else { vec![0, n / 2, n - 1] };
            for k in picks {
                for va in [g.start() + k * 0x1000, g.start() + k * 0x1000 + 0xFFF] {
                    prop_assert!(tr.walk(va).is_err(), "gap {:?} of {:?}: VA {:#x} translates", g, m, va);
                }
            }
        }
        // The pages themselves do translate.
        for (va, _, name) in &pages {
            prop_assert!(tr.walk(*va).is_ok(), "{} does not translate", name);
        }
    }
}
