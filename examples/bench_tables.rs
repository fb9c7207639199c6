//! Translation table benchmark: builds the AArch64 tables of a layout with 100 000 pages
//! (mostly 4 KiB, some 2 MiB, in four tables) and prints how long that takes and how
//! many table bytes it needs, next to the minimum computed here independently.
//!
//! Run with `cargo run --release --example bench_tables`. Each line reads
//!
//! ```text
//! pages=100000 mode=seeded build_ms=.. table_count_ms=.. aarch64_build_ms=.. tables=4 table_bytes=.. min_table_bytes=.. ratio=..
//! ```
//!
//! * `build_ms`: [`Layout::build_translations`] (plan each table once from its
//!   requests, reserve the PA, write the tables), all tables;
//! * `table_count_ms` and `aarch64_build_ms`: [`aarch64::table_count`] and
//!   [`aarch64::build`] alone, given each table's pages, summed over the tables;
//! * `tables`: page tables of the layout; `table_bytes`: the size of their images;
//! * `min_table_bytes`: the fewest bytes of 4 KiB tables that can express the mappings
//!   (see [`min_tables`]); `ratio` is `table_bytes / min_table_bytes`.
//!
//! `mode=deterministic` places pages at the lowest free addresses (densely packed);
//! `mode=seeded` places them at random, which spreads them over the whole VA range and
//! needs many more tables. Compare the figures of one run with each other, not with
//! another machine's.
//!
//! Then the same mappings under each translation granule, built with
//! [`aarch64::build_runs`] (one run per mapping):
//!
//! ```text
//! granule=16K regions=4000 bytes_mapped=.. build_ms=.. tables=.. table_bytes=..
//! ```
//!
//! The regions are 64 KiB to 1 MiB at 64 KiB aligned VAs and PAs spread over 1 TiB, and
//! 2 MiB ones at 2 MiB aligned addresses, so every granule maps exactly the same bytes:
//! with 4K pages, 16K pages or 64K pages (2 MiB regions as 2 MiB pages: a block with the
//! 4 KiB granule, a Contiguous group with the others). Every region's first and last
//! byte is walked through each image.

use std::collections::{BTreeMap, BTreeSet};
use std::hint::black_box;
use std::time::Instant;

use memlayout::aarch64::{self, Granule, PageRun, TableConfig};
use memlayout::tables::TablePlacement;
use memlayout::{
    Cacheability, ExecutionContext, Layout, MemAttrs, Page, PageKind, PageRequest, PageSize, Perms,
    Pool, Rng, SecurityState, Shareability, TableInfo,
};

const PAGES: u32 = 100_000;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;
const MIB2: u64 = 2 << 20;
/// Timed runs of each step; the fastest counts.
const REPEAT: usize = 5;

/// The layout: 1 TiB of RAM, four tables (two EL1_NS ones, 48 and 39 VA bits, an EL2_NS
/// and an EL3 one), and requests drawn from a fixed seed until there are [`PAGES`]
/// pages: runs of 1 to 16 4 KiB pages (92 %), runs of 512 4 KiB pages aligned to 2 MiB
/// (4 %, they can become 2 MiB blocks) and 1 to 4 2 MiB pages (4 %), as read-only or
/// read-write data or code.
fn layout(seeded: bool) -> Layout {
    let mut l = if seeded {
        Layout::with_seed(0xBE7C)
    } else {
        Layout::new()
    };
    l.add_pool(Pool::ram("ram", TIB, TIB)).expect("pool");
    let tables = [
        l.add_table("core0_el1", 0, ExecutionContext::EL1_NS, &[(TIB, TIB)]),
        l.add_table_with_bits(
            "core1_el1",
            1,
            ExecutionContext::EL1_NS,
            &[(0x40_0000_0000, 256 * GIB)],
            39,
        ),
        l.add_table("core0_el2", 0, ExecutionContext::EL2_NS, &[(TIB, TIB)]),
        l.add_table("core0_el3", 0, ExecutionContext::EL3, &[(TIB, TIB)]),
    ]
    .map(|t| t.expect("table"));
    let styles = [
        (PageKind::Data, Perms::RW),
        (PageKind::Data, Perms::R),
        (PageKind::Code, Perms::RX),
    ];
    let mut rng = Rng::new(0x7AB1E5);
    let mut pages = 0;
    let mut k = 0;
    while pages < PAGES {
        let t = tables[rng.below(tables.len() as u64) as usize];
        let (kind, perms) = styles[rng.below(styles.len() as u64) as usize];
        let left = PAGES - pages;
        let (size, count, align) = match rng.below(100) {
            0..=3 => (PageSize::Size2M, 1 + rng.below(4) as u32, MIB2),
            4..=7 => (PageSize::Size4K, 512, MIB2),
            _ => (PageSize::Size4K, 1 + rng.below(16) as u32, 0x1000),
        };
        let count = count.min(left);
        let req = PageRequest::new(format!("m{k}"), kind, size)
            .count(count)
            .align(align)
            .perms(perms);
        l.map(t, &req).expect("room");
        pages += count;
        k += 1;
    }
    l
}

/// What a leaf descriptor of a page holds besides its output address, derived here
/// from the page attributes by the encoding rules (memory type, shareability, write
/// and execute permission, NS; the other bits depend only on the table's context):
/// pages of one table with equal keys get equal attributes, so they can share a
/// block.
fn encoding_key(el: ExecutionContext, a: MemAttrs) -> (u8, u8, bool, bool, bool) {
    let attr = match (a.kind, a.cache) {
        (PageKind::Device, _) => 0x04,
        (PageKind::System, _) | (_, Cacheability::WriteBack) => 0xFF,
        (_, Cacheability::WriteThrough) => 0xBB,
        (_, Cacheability::NonCacheable) => 0x44,
        (_, other) => panic!("this model knows no MAIR byte for {other}"),
    };
    let sh = match (a.kind, a.share) {
        (PageKind::Device, _) | (_, Shareability::Outer) => 2,
        (_, Shareability::Inner) => 3,
        (_, Shareability::NonShareable) => 0,
    };
    let exec = matches!(a.kind, PageKind::Code | PageKind::Data) && a.perms.execute();
    let ns = a.is_non_secure() && el.security() == SecurityState::Secure;
    (attr, sh, a.perms.write(), exec, ns)
}

/// A mapping of one naturally aligned block: VA, PA and encoding key.
type Leaf = (u64, u64, (u8, u8, bool, bool, bool));

/// The fewest 4 KiB translation tables that express `pages` in a table whose root is
/// at `root_level`.
///
/// Stage 1 with the 4 KiB granule: an entry at level 1 covers 1 GiB, at level 2
/// 2 MiB, at level 3 4 KiB; levels 1 and 2 may hold blocks, level 0 only tables. The
/// root table is always needed. Below it, one table of level `L` is needed for every
/// region covered by one entry of level `L - 1` that holds some mapping and cannot be
/// written as a single entry there: it is not one block, that is, the region is not
/// fully mapped by a run with contiguous PAs from a region-aligned PA and equal
/// descriptor attributes (or level `L - 1` is level 0, which holds no blocks).
/// Merging goes bottom-up: 512 such 4 KiB pages become a 2 MiB block, 512 such 2 MiB
/// blocks a 1 GiB block. No encoding of these VA-to-PA mappings can do with fewer
/// tables: every counted region needs its own next-level table, as no entry can
/// express it and one table serves one entry. The minimum is for the given placement;
/// another placement of the same pages (denser in VA) may need fewer.
fn min_tables(root_level: u8, pages: &[&Page]) -> u64 {
    const SHIFT: [u32; 4] = [39, 30, 21, 12];
    // Leaves by level, starting from each page's own size. A 1 GiB page under a level 2
    // root is 512 level 2 blocks.
    let mut by_level: [Vec<Leaf>; 4] = Default::default();
    for p in pages {
        let key = encoding_key(p.el(), p.mem_attrs());
        // A 64K, 32M or 16G page is 16 leaves of the level below its size (a
        // Contiguous group).
        let (level, leaves): (usize, u64) = match p.page_size() {
            PageSize::Size4K => (3, 1),
            PageSize::Size64K => (3, 16),
            PageSize::Size2M => (2, 1),
            PageSize::Size32M => (2, 16),
            PageSize::Size1G => (1, 1),
            PageSize::Size16G => (1, 16),
            other => panic!("this model knows no level for {other} pages"),
        };
        if level < usize::from(root_level) {
            for k in 0..512 {
                let off = k * MIB2;
                by_level[2].push((p.va() + off, p.pa() + off, key));
            }
        } else {
            let entry = 1u64 << SHIFT[level];
            for k in 0..leaves {
                by_level[level].push((p.va() + k * entry, p.pa() + k * entry, key));
            }
        }
    }
    let mut tables = 1;
    // From level 3 up to the level below the root: group the leaves of `level` by the
    // region of one entry of `level - 1`; each group either merges into one block of
    // `level - 1` or needs a table of `level`. Regions that need a table at `level`
    // also need their parent regions split, which the next iteration sees as "holds
    // something that is not a block" through `needs_table`.
    let mut split: Vec<u64> = Vec::new(); // VA regions (of `level`) that hold a table
    for level in (root_level + 1..=3).rev() {
        let parent_shift = SHIFT[level as usize - 1];
        let child_size = 1u64 << SHIFT[level as usize];
        let mut groups: BTreeMap<u64, Vec<Leaf>> = BTreeMap::new();
        for &leaf in &by_level[level as usize] {
            groups.entry(leaf.0 >> parent_shift).or_default().push(leaf);
        }
        let mut needs_table: BTreeSet<u64> = BTreeSet::new();
        for &region in &split {
            needs_table.insert(region >> (parent_shift - SHIFT[level as usize]));
        }
        let mut merged = Vec::new();
        for (region, mut leaves) in groups {
            leaves.sort_unstable();
            let first = leaves[0];
            let block = level >= 2
                && !needs_table.contains(&region)
                && leaves.len() == 512
                && first.1.is_multiple_of(child_size * 512)
                && leaves.iter().enumerate().all(|(k, l)| {
                    l.0 == first.0 + k as u64 * child_size
                        && l.1 == first.1 + k as u64 * child_size
                        && l.2 == first.2
                });
            if block {
                merged.push(first);
            } else {
                needs_table.insert(region);
            }
        }
        tables += needs_table.len() as u64;
        by_level[level as usize - 1].extend(merged);
        split = needs_table.into_iter().collect();
    }
    tables
}

/// Milliseconds of the fastest of [`REPEAT`] runs of `f`.
fn fastest_ms<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..REPEAT {
        let start = Instant::now();
        let v = black_box(f());
        best = best.min(start.elapsed().as_secs_f64() * 1e3);
        out = Some(v);
    }
    (best, out.expect("REPEAT > 0"))
}

fn run(seeded: bool) {
    let layout = layout(seeded);
    let ids: Vec<_> = layout.tables().collect();
    let pages: usize = ids.iter().map(|&t| layout.pages(t).len()).sum();

    // Each run starts from the unbuilt layout: building reserves the tables' PA.
    let mut build_ms = f64::INFINITY;
    let mut built = None;
    for _ in 0..REPEAT {
        let mut l = layout.clone();
        let start = Instant::now();
        let translations = l
            .build_translations(&TableConfig::default(), &TablePlacement::Anywhere)
            .expect("tables build");
        build_ms = build_ms.min(start.elapsed().as_secs_f64() * 1e3);
        built = Some(black_box(translations));
    }
    let translations = built.expect("REPEAT > 0");

    let mut count_ms = 0.0;
    let mut aarch64_ms = 0.0;
    let mut table_bytes = 0;
    let mut min_bytes = 0;
    for (&t, tr) in ids.iter().zip(&translations) {
        let pages = layout.pages(t);
        let info = layout.table_info(t).expect("table").clone();
        let config = TableConfig::default()
            .with_va_bits(layout.va_bits(t).expect("table"))
            .with_lower(layout.has_lower_range(t))
            .with_upper_va_bits(layout.upper_va_bits(t))
            .with_pa_bits(tr.pa_bits());
        let (ms, n) =
            fastest_ms(|| aarch64::table_count(pages.iter().copied(), &config).expect("count"));
        count_ms += ms;
        let (ms, again) = fastest_ms(|| {
            aarch64::build(&info, pages.iter().copied(), tr.base_pa(), &config).expect("build")
        });
        aarch64_ms += ms;
        assert_eq!(n, tr.table_count(), "table `{}`", tr.name());
        assert_eq!(again.bytes(), tr.bytes(), "table `{}`", tr.name());
        table_bytes += tr.len() as u64;
        // Each range (lower through TTBR0, upper through TTBR1) is its own tree.
        let (upper, lower): (Vec<&Page>, Vec<&Page>) =
            pages.iter().copied().partition(|p| p.va() >> 63 == 1);
        let mut min = 0;
        if tr.has_lower() {
            min += min_tables(tr.root_level() as u8, &lower);
        }
        if let Some(level) = tr.upper_root_level() {
            min += min_tables(level as u8, &upper);
        }
        min_bytes += min * 4096;
    }
    println!(
        "pages={pages} mode={} build_ms={build_ms:.1} table_count_ms={count_ms:.1} \
         aarch64_build_ms={aarch64_ms:.1} tables={} table_bytes={table_bytes} \
         min_table_bytes={min_bytes} ratio={:.3}",
        if seeded { "seeded" } else { "deterministic" },
        translations.len(),
        table_bytes as f64 / min_bytes as f64
    );
}

/// Checks [`min_tables`] on small cases whose minimum is known, and the builder's
/// count on them.
fn check_min_tables() {
    let attrs = MemAttrs::new(PageKind::Data);
    let ro = attrs.with_perms(Perms::R);
    let info = TableInfo::new("check", 0, ExecutionContext::EL1_NS);
    let page = |va: u64, pa: u64, size: PageSize, attrs: MemAttrs| {
        Page::new("p", 0, &info, va, pa, size, attrs, false, Vec::new())
    };
    let run_of = |n: u64, ro_at: Option<u64>| -> Vec<Page> {
        (0..n)
            .map(|k| {
                let a = if ro_at == Some(k) { ro } else { attrs };
                page(TIB + k * 0x1000, TIB + k * 0x1000, PageSize::Size4K, a)
            })
            .collect()
    };
    let cases: [(&str, u8, Vec<Page>, u64); 7] = [
        ("one 4K page", 48, run_of(1, None), 4),
        ("512 mergeable 4K pages", 48, run_of(512, None), 3),
        ("512 4K pages, one read-only", 48, run_of(512, Some(7)), 4),
        ("513 mergeable 4K pages", 48, run_of(513, None), 4),
        (
            "a 1G page, level 0 root",
            48,
            vec![page(TIB, TIB, PageSize::Size1G, attrs)],
            2,
        ),
        (
            "a 1G page, level 1 root",
            39,
            vec![page(GIB, TIB, PageSize::Size1G, attrs)],
            1,
        ),
        (
            "a 1G page, level 2 root",
            30,
            vec![page(0, TIB, PageSize::Size1G, attrs)],
            1,
        ),
    ];
    for (what, va_bits, pages, want) in cases {
        let refs: Vec<&Page> = pages.iter().collect();
        let root = aarch64::root_level(va_bits).expect("VA size");
        assert_eq!(min_tables(root, &refs), want, "min_tables: {what}");
        let config = TableConfig::default()
            .with_va_bits(va_bits)
            .with_pa_bits(48);
        let n = aarch64::table_count(refs.iter().copied(), &config).expect("count");
        assert_eq!(n as u64, want, "table_count: {what}");
    }
}

/// Regions for [`run_granules`]: (VA, PA, bytes), not overlapping in VA or PA.
fn granule_regions() -> Vec<(u64, u64, u64)> {
    const REGIONS: u64 = 4_000;
    const KIB64: u64 = 64 << 10;
    let mut rng = Rng::new(0x6A4);
    // Each region gets its own 64 MiB slot of VA and of PA (shuffled apart), so none
    // overlap; inside its slot it starts at a random 64 KiB (or 2 MiB) boundary.
    let slot = 64 << 20;
    let mut pa_slots: Vec<u64> = (0..REGIONS).collect();
    for i in (1..pa_slots.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        pa_slots.swap(i, j);
    }
    (0..REGIONS)
        .map(|k| {
            let (bytes, align) = if rng.below(10) == 0 {
                (MIB2 * (1 + rng.below(4)), MIB2)
            } else {
                (KIB64 * (1 + rng.below(16)), KIB64)
            };
            let va = TIB + k * slot + rng.below((slot - bytes) / align) * align;
            let pa = TIB + pa_slots[k as usize] * slot + rng.below((slot - bytes) / align) * align;
            (va, pa, bytes)
        })
        .collect()
}

/// The same regions mapped with each granule: build time and table bytes.
fn run_granules() {
    let regions = granule_regions();
    let info = TableInfo::new("granules", 0, ExecutionContext::EL1_NS);
    let attrs = MemAttrs::new(PageKind::Data);
    let mapped: u64 = regions.iter().map(|r| r.2).sum();
    for granule in Granule::ALL {
        let page_size = PageSize::from_bytes(granule.bytes()).expect("a granule is a page size");
        let firsts: Vec<(Page, u32)> = regions
            .iter()
            .enumerate()
            .map(|(k, &(va, pa, bytes))| {
                let size = if bytes % MIB2 == 0 {
                    PageSize::Size2M
                } else {
                    page_size
                };
                let count = (bytes / size.bytes()) as u32;
                let page = Page::new(
                    format!("r{k}"),
                    0,
                    &info,
                    va,
                    pa,
                    size,
                    attrs,
                    false,
                    Vec::new(),
                );
                (page, count)
            })
            .collect();
        let runs: Vec<PageRun<'_>> = firsts
            .iter()
            .map(|(p, n)| PageRun::new(p, *n).expect("the run fits"))
            .collect();
        let config = TableConfig::default()
            .with_granule(granule)
            .with_va_bits(48)
            .with_pa_bits(48);
        let (ms, tr) =
            fastest_ms(|| aarch64::build_runs(&info, &runs, 0x4000_0000, &config).expect("build"));
        for &(va, pa, bytes) in &regions {
            for off in [0, bytes - 1] {
                let walk = tr.walk(va + off).expect("a mapped VA translates");
                assert_eq!(walk.pa, pa + off, "{granule}: VA {:#x}", va + off);
            }
        }
        println!(
            "granule={granule} regions={} bytes_mapped={mapped} build_ms={ms:.1} tables={} \
             table_bytes={}",
            regions.len(),
            tr.table_count(),
            tr.len()
        );
    }
}

fn main() {
    check_min_tables();
    run(false);
    run(true);
    run_granules();
}
