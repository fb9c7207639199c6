//! Property tests: random page sets against the table count, the walker and the
//! encoding rules.

use crate::PhysicalAddressSpace;
use alloc::vec::Vec;

use proptest::prelude::*;

use super::by_page;
use super::{
    BuildError, Format, MemoryType, PageRun, Regime, TableConfig, TableRef, Translation, WalkFault,
    build, build_runs, plan_requests, table_count, table_count_runs,
};
use crate::model::{
    Cacheability, DeviceType, ExecutionContext, MemAttrs, Page, PageKind, PageSize, Perms,
    SecurityState, Shareability, TableInfo,
};

/// A few attribute sets, so that neighbouring runs often share attributes (and merge)
/// and sometimes do not: every Device type, an execute-only page (which only EL0 tables
/// take) and Root and Realm pages (which only tables that reach those spaces take);
/// [`for_context`] swaps the last ones for `rx` or Secure where they are errors.
fn attr_variants() -> [MemAttrs; 14] {
    let data = MemAttrs::new(PageKind::Data);
    [
        data,
        data,
        MemAttrs::new(PageKind::Code),
        MemAttrs {
            perms: Perms::R,
            cache: Cacheability::WriteThrough,
            ..data
        },
        MemAttrs {
            perms: Perms::RWX,
            share: Shareability::Outer,
            pas: PhysicalAddressSpace::NonSecure,
            ..data
        },
        MemAttrs::new(PageKind::Device),
        MemAttrs {
            cache: Cacheability::NonCacheable,
            share: Shareability::NonShareable,
            ..MemAttrs::new(PageKind::System)
        },
        MemAttrs {
            pas: PhysicalAddressSpace::NonSecure,
            ..MemAttrs::new(PageKind::Code)
        },
        data.with_pas(PhysicalAddressSpace::Realm),
        MemAttrs::new(PageKind::Code).with_pas(PhysicalAddressSpace::Root),
        MemAttrs::new(PageKind::Device).with_device(DeviceType::nGnRnE),
        MemAttrs::new(PageKind::Device).with_device(DeviceType::nGRE),
        MemAttrs::new(PageKind::Device).with_device(DeviceType::GRE),
        MemAttrs::new(PageKind::Code).with_perms(Perms::X),
    ]
}

/// The attributes a page of a table of context `el` may have: an execute-only page
/// becomes `rx` outside EL0 tables, and a Root or Realm page Secure in a table that does
/// not reach its space, where each is an error.
fn for_context(attrs: MemAttrs, el: ExecutionContext) -> MemAttrs {
    let attrs = if attrs.perms.execute_only() && !el.is_user() {
        attrs.with_perms(Perms::RX)
    } else {
        attrs
    };
    let pas = attrs.pas;
    if matches!(
        pas,
        PhysicalAddressSpace::Root | PhysicalAddressSpace::Realm
    ) && !pas.reaches(el)
    {
        attrs.with_pas(PhysicalAddressSpace::Secure)
    } else {
        attrs
    }
}

/// One request of the generator: `count` pages of one size and attribute set, after a
/// gap, aligned in VA and PA to `align` pages (1, 16 or 512, so that Contiguous hints and
/// block merges happen), with PAs either continuing the previous request or elsewhere.
#[derive(Clone, Debug)]
struct Run {
    size: PageSize,
    count: u64,
    align: u64,
    gap: u64,
    pa_continues: bool,
    pa_slot: u64,
    attrs: usize,
}

fn run_strategy() -> impl Strategy<Value = Run> {
    let size = prop_oneof![
        6 => Just(PageSize::Size4K),
        2 => Just(PageSize::Size64K),
        3 => Just(PageSize::Size2M),
        1 => Just(PageSize::Size32M),
        1 => Just(PageSize::Size1G),
        1 => Just(PageSize::Size16G),
    ];
    let align = prop_oneof![Just(1u64), Just(16), Just(512)];
    (
        size,
        0u64..40,
        prop::bool::weighted(0.2),
        align,
        0u64..3,
        any::<bool>(),
        any::<u64>(),
        0usize..attr_variants().len(),
    )
        .prop_map(
            |(size, count, full, align, gap, pa_continues, pa_slot, attrs)| {
                let (count, align) = match size {
                    PageSize::Size1G => (count % 3 + 1, 1),
                    PageSize::Size16G => (count % 2 + 1, 1),
                    // Enough pages to fill a block of the level above.
                    PageSize::Size64K | PageSize::Size32M if full => (32, 32),
                    _ if full => (512, 512),
                    _ => (count + 1, align),
                };
                Run {
                    size,
                    count,
                    align,
                    gap,
                    pa_continues,
                    pa_slot,
                    attrs,
                }
            },
        )
}

/// A random table: its context, configuration, pages, and the VA holes between them.
#[derive(Clone, Debug)]
struct Case {
    el: ExecutionContext,
    config: TableConfig,
    pages: Vec<Page>,
    holes: Vec<(u64, u64)>,
}

fn case_strategy() -> impl Strategy<Value = Case> {
    case_of(run_strategy())
}

/// Tables of Contiguous group pages (64K, 32M, 16G) only, so that they meet each other.
fn group_case_strategy() -> impl Strategy<Value = Case> {
    let size = prop_oneof![
        Just(PageSize::Size64K),
        Just(PageSize::Size32M),
        Just(PageSize::Size16G),
    ];
    case_of((run_strategy(), size).prop_map(|(run, size)| {
        Run {
            size,
            count: run
                .count
                .min(if size == PageSize::Size16G { 2 } else { 32 }),
            align: run.align.min(32),
            ..run
        }
    }))
}

/// A random table whose requests come from `runs`.
fn case_of(runs: impl Strategy<Value = Run>) -> impl Strategy<Value = Case> {
    let el = prop::sample::select(ExecutionContext::ALL.to_vec());
    let va_bits = prop::sample::select(alloc::vec![25u8, 30, 31, 32, 36, 39, 40, 42, 48]);
    let pa_bits = prop::sample::select(alloc::vec![36u8, 40, 48]);
    (
        el,
        va_bits,
        pa_bits,
        any::<bool>(),
        0u64..4096,
        prop::collection::vec(runs, 0..10),
    )
        .prop_map(|(el, va_bits, pa_bits, hint, start, runs)| {
            let config = TableConfig::DEFAULT
                .with_va_bits(va_bits)
                .with_pa_bits(pa_bits)
                .with_contiguous_hint(hint);
            let info = TableInfo::new("random", 1, el);
            let va_limit = 1u64 << va_bits;
            let pa_limit = 1u64 << pa_bits;
            let variants = attr_variants();
            let mut pages = Vec::new();
            let mut holes = Vec::new();
            // Start somewhere in the low part of the space, 4 KiB aligned.
            let mut va = (start << 12) % (va_limit / 2);
            let mut pa_cursor = 0u64;
            for (r, run) in runs.iter().enumerate() {
                let size = run.size.bytes();
                let align = size * run.align;
                let bytes = size * run.count;
                let at = (va + run.gap * size).next_multiple_of(align);
                if at.checked_add(bytes).is_none_or(|end| end > va_limit) || bytes > pa_limit {
                    break;
                }
                if at > va {
                    holes.push((va, at));
                }
                let pa =
                    if run.pa_continues && pa_cursor.next_multiple_of(align) + bytes <= pa_limit {
                        pa_cursor.next_multiple_of(align)
                    } else {
                        (run.pa_slot % (pa_limit - bytes + 1)) / align * align
                    };
                for i in 0..run.count {
                    pages.push(Page::new(
                        alloc::format!("run{r}"),
                        i as u32,
                        &info,
                        at + i * size,
                        pa + i * size,
                        run.size,
                        for_context(variants[run.attrs], el),
                        false,
                        Vec::new(),
                    ));
                }
                va = at + bytes;
                pa_cursor = pa + bytes;
            }
            if va < va_limit {
                holes.push((va, va_limit));
            }
            Case {
                el,
                config,
                pages,
                holes,
            }
        })
}

/// The bytes of one leaf a page is written as, and whether the page is a Contiguous
/// group of 16 such leaves (64K, 32M, 16G), from the page size alone.
fn leaf_of(size: PageSize) -> (u64, bool) {
    match size {
        PageSize::Size64K | PageSize::Size32M | PageSize::Size16G => (size.bytes() / 16, true),
        _ => (size.bytes(), false),
    }
}

/// What a walk must report for a page, derived from the rules rather than the encoder.
fn check_walk(t: &Translation, case: &Case, page: &Page, va: u64) -> Result<(), TestCaseError> {
    let w = t
        .walk(va)
        .map_err(|f| TestCaseError::fail(alloc::format!("{va:#x}: {f}")))?;
    let a = page.mem_attrs();
    prop_assert_eq!(w.pa, page.pa() + (va - page.va()));
    let (leaf, group) = leaf_of(page.page_size());
    prop_assert!(
        w.block_size() >= leaf,
        "resolved at a smaller block than the page's leaves"
    );
    // A Contiguous group page not merged into a larger block is its 16 leaves, with the
    // Contiguous bit exactly when the table sets hints.
    if group && w.block_size() == leaf {
        prop_assert_eq!(
            w.contiguous(),
            case.config.contiguous_hint,
            "{}",
            page.page_size()
        );
    }
    let mem = match a.kind {
        PageKind::Device => MemoryType::device(a.device),
        PageKind::System => MemoryType::NormalWriteBack,
        _ => MemoryType::normal(a.cache),
    };
    prop_assert_eq!(w.attr, mem.attr_byte());
    let share = if mem.is_device() {
        Shareability::Outer
    } else {
        a.share
    };
    prop_assert_eq!(w.shareability(), Some(share));
    // NS selects Non-secure from Secure state and Realm EL2, and with NSE the space at
    // EL3; Realm EL1&0 and Non-secure state leave both clear (RES0).
    let secure = case.el.security() == SecurityState::Secure;
    let (nse, ns) = match (case.el, a.pas) {
        (ExecutionContext::EL3, PhysicalAddressSpace::Root) => (true, false),
        (ExecutionContext::EL3, PhysicalAddressSpace::Realm) => (true, true),
        (ExecutionContext::EL2_Realm, pas) => (false, pas == PhysicalAddressSpace::NonSecure),
        (_, pas) => (false, secure && pas == PhysicalAddressSpace::NonSecure),
    };
    prop_assert_eq!(w.ns(), ns);
    if case.el == ExecutionContext::EL3 {
        prop_assert_eq!(w.nse(), nse);
    }
    prop_assert!(w.af());
    let exec = matches!(a.kind, PageKind::Code | PageKind::Data) && a.perms.execute();
    let want = Perms::new(a.perms.read(), a.perms.write(), exec);
    match Regime::of(case.el) {
        Regime::El2 | Regime::El3 => {
            prop_assert_eq!(w.perms(), want);
            prop_assert_eq!(w.el0_perms(), None);
            prop_assert_eq!(w.ap() & 1, 1, "AP[1] is RES1");
            // Bit 11 is NSE at EL3 (set for Root and Realm PA), RES0 at EL2.
            prop_assert!(!w.pxn());
            prop_assert_eq!(w.not_global(), nse);
        }
        Regime::El10 if case.el.is_user() => {
            prop_assert_eq!(w.el0_perms(), Some(want));
            prop_assert!(!w.executable(), "user pages never run at EL1");
            prop_assert_eq!(w.writable(), a.perms.write());
            prop_assert!(w.not_global());
            // EL0 reads all but execute-only pages; EL1 reads every user page.
            prop_assert_eq!(w.readable_el0(), a.perms.read());
            prop_assert!(w.perms().read());
        }
        Regime::El10 => {
            prop_assert_eq!(w.perms(), want);
            prop_assert_eq!(w.el0_perms(), None);
            prop_assert!(!w.executable_el0() && !w.not_global());
        }
    }
    Ok(())
}

/// Checks that the run builder gives what the page-by-page builder gives for `pages`:
/// the same descriptors, or the same error about the pages.
fn same_as_page_by_page(
    info: &TableInfo,
    pages: &[Page],
    base: u64,
    config: &TableConfig,
) -> Result<(), TestCaseError> {
    let refs: Vec<&Page> = pages.iter().collect();
    let want = by_page::descriptors(info.el(), &TableRef::of_info(info), &refs, base, config);
    let got = build(info, pages, base, config);
    match (&want, &got) {
        (Ok(d), Ok(t)) => prop_assert!(d.as_slice() == t.descriptors(), "descriptors differ"),
        (Err(a), Err(b)) => prop_assert_eq!(a, b),
        // Errors about the base address come after the pages are planned.
        (Ok(_), Err(BuildError::UnalignedBase { .. } | BuildError::TablesBeyondPa { .. })) => {}
        _ => prop_assert!(
            false,
            "page by page {:?}, by runs {:?}",
            want.map(|d| d.len()),
            got
        ),
    }
    let count = table_count(pages, config);
    if let Some(first) = pages.first() {
        let want = by_page::descriptors(first.el(), &TableRef::of_page(first), &refs, 0, config);
        prop_assert_eq!(want.map(|d| d.len() / 512), count);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Runs give the descriptors pages give one by one: for the pages in order, in
    /// another order, with one page mapped twice, and cut into requests.
    #[test]
    fn runs_match_the_page_by_page_builder(
        case in case_strategy(),
        rotate in 0usize..64,
        twice in any::<prop::sample::Index>(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..8),
    ) {
        let info = TableInfo::new("random", 1, case.el);
        same_as_page_by_page(&info, &case.pages, 0x4000_0000, &case.config)?;
        let mut shuffled = case.pages.clone();
        if !shuffled.is_empty() {
            let k = rotate % shuffled.len();
            shuffled.rotate_left(k);
            shuffled.reverse();
            same_as_page_by_page(&info, &shuffled, 0x4000_0000, &case.config)?;
            let mut again = case.pages.clone();
            let dup = twice.get(&case.pages).clone();
            again.insert(rotate % again.len(), dup);
            same_as_page_by_page(&info, &again, 0x4000_0000, &case.config)?;
        }
        // Requests: the pages cut where the next page does not continue the one before,
        // and at a few more places.
        let mut at: Vec<usize> = cuts.iter().map(|c| c.index(case.pages.len() + 1)).collect();
        at.extend((1..case.pages.len()).filter(|&i| {
            let (a, b) = (&case.pages[i - 1], &case.pages[i]);
            a.va() + a.size() != b.va()
                || a.pa() + a.size() != b.pa()
                || a.page_size() != b.page_size()
                || a.mem_attrs() != b.mem_attrs()
        }));
        at.extend([0, case.pages.len()]);
        at.sort_unstable();
        at.dedup();
        let mut requests: Vec<PageRun<'_>> = at
            .windows(2)
            .map(|w| PageRun::new(&case.pages[w[0]], (w[1] - w[0]) as u32).unwrap())
            .collect();
        requests.reverse();
        let planned = plan_requests(&info, &requests, &case.config).unwrap();
        let t = planned.place(&info, 0x4000_0000, &case.config).unwrap();
        let built = build(&info, &case.pages, 0x4000_0000, &case.config).unwrap();
        prop_assert_eq!(&t, &built);
        let from_runs = build_runs(&info, &requests, 0x4000_0000, &case.config);
        prop_assert_eq!(from_runs.as_ref(), Ok(&built));
        let count = table_count_runs(&requests, &case.config);
        prop_assert_eq!(count, Ok(built.table_count()));
    }

    /// The count computed without a base equals what the build uses, and the walker
    /// agrees with every page and faults in every hole.
    #[test]
    fn count_matches_and_walker_agrees(case in case_strategy(), base_slot in 0u64..1024) {
        let info = TableInfo::new("random", 1, case.el);
        let count = table_count(&case.pages, &case.config).unwrap();
        let base = base_slot * 0x1000;
        let t = build(&info, &case.pages, base, &case.config).unwrap();
        prop_assert_eq!(t.table_count(), count);
        prop_assert_eq!(t.bytes().len(), count * 4096);
        prop_assert_eq!(t.base_pa(), base);
        for page in &case.pages {
            check_walk(&t, &case, page, page.va())?;
            check_walk(&t, &case, page, page.va() + page.size() / 2 + 8)?;
            check_walk(&t, &case, page, page.va() + (page.size() - 1))?;
        }
        for &(start, end) in &case.holes {
            for va in [start, end - 1] {
                prop_assert!(
                    matches!(t.walk(va), Err(WalkFault::Translation { .. })),
                    "{:#x} in a hole translated: {:?}", va, t.walk(va)
                );
            }
        }
        let past = 1u64 << case.config.va_bits;
        prop_assert_eq!(t.walk(past), Err(WalkFault::OutOfRange { va: past, va_bits: case.config.va_bits }));
    }

    /// Pages of the Contiguous group sizes among themselves: every page walks to its PA
    /// (first, middle and last byte) with the Contiguous bit as configured, holes fault,
    /// and the runs and the page-by-page builder agree on descriptors and table counts.
    #[test]
    fn group_pages_walk_and_match_the_page_by_page_builder(case in group_case_strategy()) {
        let info = TableInfo::new("random", 1, case.el);
        same_as_page_by_page(&info, &case.pages, 0x4000_0000, &case.config)?;
        let count = table_count(&case.pages, &case.config).unwrap();
        let t = build(&info, &case.pages, 0x4000_0000, &case.config).unwrap();
        prop_assert_eq!(t.table_count(), count);
        for page in &case.pages {
            for off in [0, page.size() / 2 + 8, page.size() - 1] {
                check_walk(&t, &case, page, page.va() + off)?;
            }
        }
        for &(start, end) in &case.holes {
            for va in [start, end - 1] {
                prop_assert!(
                    matches!(t.walk(va), Err(WalkFault::Translation { .. })),
                    "{:#x} in a hole translated", va
                );
            }
        }
    }

    /// The same pages in another order, or built twice, give the same bytes.
    #[test]
    fn deterministic(case in case_strategy(), rotate in 0usize..64) {
        let info = TableInfo::new("random", 1, case.el);
        let a = build(&info, &case.pages, 0x8000_0000, &case.config).unwrap();
        let b = build(&info, &case.pages, 0x8000_0000, &case.config).unwrap();
        prop_assert_eq!(&a, &b);
        let mut shuffled = case.pages.clone();
        if !shuffled.is_empty() {
            let k = rotate % shuffled.len();
            shuffled.rotate_left(k);
            shuffled.reverse();
        }
        let c = build(&info, &shuffled, 0x8000_0000, &case.config).unwrap();
        prop_assert_eq!(a.bytes(), c.bytes());
    }

    /// The table count is minimal in one simple sense: no two leaves could have been
    /// merged, checked by rebuilding with every page split into 4 KiB pages, which must
    /// give the same count and the same bytes.
    #[test]
    fn splitting_pages_changes_nothing(case in case_strategy()) {
        // Keep the first pages, up to 64 MiB of them, so the split stays small.
        let mut total = 0;
        let pages: Vec<Page> = case
            .pages
            .iter()
            .take_while(|p| {
                total += p.size();
                // 1 GiB pages would make the split large, and 16 GiB pages are hinted as
                // level 1 groups, which split pages (merged into 1 GiB blocks) are not.
                p.size() < PageSize::Size1G.bytes() && total <= 64 << 20
            })
            .cloned()
            .collect();
        let info = TableInfo::new("random", 1, case.el);
        let mut split = Vec::new();
        for p in &pages {
            for off in (0..p.size()).step_by(4096) {
                split.push(Page::new(
                    "split", 0, &info, p.va() + off, p.pa() + off, PageSize::Size4K,
                    p.mem_attrs(), false, Vec::new(),
                ));
            }
        }
        let a = build(&info, &pages, 0x1000, &case.config).unwrap();
        let b = build(&info, &split, 0x1000, &case.config).unwrap();
        prop_assert_eq!(a.bytes(), b.bytes());
    }

    /// Arbitrary input never panics; when both calls succeed they agree.
    #[test]
    fn arbitrary_input_never_panics(
        raw in prop::collection::vec(
            (any::<u64>(), any::<u64>(), 0usize..PageSize::ALL.len(), 0usize..9, 0usize..attr_variants().len(), any::<bool>()),
            0..12,
        ),
        va_bits in prop_oneof![Just(48u8), Just(39u8), Just(30u8), any::<u8>()],
        pa_bits in prop_oneof![Just(40u8), Just(48u8), any::<u8>()],
        base in prop_oneof![Just(0u64), any::<u64>()],
        wxn in any::<bool>(),
    ) {
        let config = TableConfig::DEFAULT.with_va_bits(va_bits).with_pa_bits(pa_bits).with_wxn(wxn);
        let info = TableInfo::new("arbitrary", 0, ExecutionContext::EL1_S);
        let variants = attr_variants();
        let pages: Vec<Page> = raw
            .iter()
            .map(|&(va, pa, size, el, attrs, align)| {
                let size = PageSize::ALL[size];
                let (va, pa) = if align {
                    (va & !(size.bytes() - 1) & 0xFFFF_FFFF_FFFF, pa & !(size.bytes() - 1) & 0xFF_FFFF_FFFF)
                } else {
                    (va, pa)
                };
                let el = ExecutionContext::ALL[el];
                let el = if align { info.el() } else { el };
                let owner = TableInfo::new("arbitrary", 0, el);
                Page::new("x", 0, &owner, va, pa, size, variants[attrs], false, Vec::new())
            })
            .collect();
        same_as_page_by_page(&info, &pages, base, &config)?;
        let count = table_count(&pages, &config);
        let built = build(&info, &pages, base, &config);
        if let (Ok(count), Ok(t)) = (&count, &built) {
            prop_assert_eq!(*count, t.table_count());
            for p in &pages {
                let w = t.walk(p.va()).unwrap();
                prop_assert_eq!(w.pa, p.pa());
            }
        }
        if let Err(e) = &built {
            let message = alloc::format!("{e}");
            prop_assert!(!message.is_empty() && !message.contains('\n'));
            if matches!(e, BuildError::VaBits { .. } | BuildError::PaBits { .. }) {
                prop_assert_eq!(count.as_ref().err(), Some(e));
            }
        }
        for va in [0u64, u64::MAX, base, 1 << 47] {
            if let Ok(t) = &built {
                let _ = t.walk(va);
            }
            let _ = super::walk_image(&[0u8; 24], base, Format::DEFAULT, 0, va_bits, Regime::El10, va);
        }
    }
}
