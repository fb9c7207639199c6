//! Side-by-side benchmark: builds the same page lists with memlayout and with the
//! `aarch64-paging` crate, in one process, checks that both images translate every
//! probed VA to the same PA, and prints how long each takes.
//!
//! Run with `cargo run --release --example bench_paging`. Each shape prints one line:
//!
//! ```text
//! shape=contiguous pages=100000 runs=1 build_us=.. pages_us=.. translations_us=.. paging_us=.. build_ratio=.. pages_ratio=.. translations_ratio=.. tables=.. paging_tables=..
//! ```
//!
//! * `build_us`: [`aarch64::build_runs`] given the table's runs of pages (as
//!   [`Layout::page_runs`] lists them, one per request);
//! * `pages_us`: [`aarch64::build`] given the table's pages (as [`Layout::pages`]
//!   lists them, in VA order);
//! * `translations_us`: [`Layout::build_translations`] (plan, reserve the tables' PA,
//!   build) on a copy of the unbuilt layout (the copies are made before the first
//!   round and not timed);
//! * `paging_us`: `aarch64-paging` given the same mappings in its best form, one
//!   `map_range` per run of pages consecutive in VA and PA with equal attributes, into
//!   a `RootTable` with a `TargetAllocator`, then its image (`as_bytes`);
//! * `build_ratio`, `pages_ratio` and `translations_ratio`: memlayout's time over
//!   `aarch64-paging`'s (below 1: memlayout is faster);
//! * `tables` and `paging_tables`: the 4 KiB tables of each image (memlayout sets
//!   Contiguous hints and counts its tables before building; `aarch64-paging` does
//!   neither).
//!
//! The figures are medians of [`ROUNDS`] rounds; each round runs every variant once,
//! in an order that alternates between rounds, so a change in the machine's load
//! weighs on all of them alike. Compare the ratios of one run, not the times of runs
//! on different machines.
//!
//! The shapes, all in one EL3 table with a 48-bit VA range:
//!
//! * `contiguous`: one request of 100 000 4 KiB pages (one run);
//! * `scattered`: 100 000 single 4 KiB pages at random VAs and PAs in 4 GiB;
//! * `mixed`: 1 000 single 2 MiB pages and 10 000 single 4 KiB pages at random
//!   addresses in 16 GiB;
//! * `seeded`: a seeded layout of about 100 000 pages in requests of 1 to 16 4 KiB
//!   pages, of 512 4 KiB pages aligned to 2 MiB, and of 1 to 4 2 MiB pages, as
//!   read-only or read-write data or code.

use std::hint::black_box;
use std::time::Instant;

use aarch64_paging::descriptor::{El23Attributes, PhysicalAddress};
use aarch64_paging::paging::{Constraints, El3, MemoryRegion, RootTable};
use aarch64_paging::target::TargetAllocator;
use memlayout::aarch64::{self, Format, Regime, TableConfig, Translation, WalkFault};
use memlayout::tables::TablePlacement;
use memlayout::{
    ExecutionContext, Layout, Page, PageKind, PageRequest, PageSize, Perms, Pool, Rng, TableId,
};

/// Rounds of each variant; the median counts.
const ROUNDS: usize = 7;
const GIB: u64 = 1 << 30;
const MIB2: u64 = 2 << 20;
const KIB4: u64 = 4096;
/// Where every shape's virtual range starts.
const VA_START: u64 = 64 * GIB;
/// Where every shape's RAM starts.
const PA_START: u64 = 128 * GIB;
/// Where memlayout's tables go.
const TABLES_START: u64 = 0x8000_0000;
/// Where `aarch64-paging`'s image is laid (it is never loaded, only walked).
const PAGING_BASE: u64 = 0x1_0000_0000;

/// A layout of one EL3 table with `va_size` bytes of virtual range, twice as much RAM
/// for the pages and a pool of its own for the translation tables (random placement
/// leaves no hole large enough for them in the pages' pool); `seed` makes placement
/// random.
fn table(seed: Option<u64>, va_size: u64) -> (Layout, TableId) {
    let mut l = match seed {
        Some(s) => Layout::with_seed(s),
        None => Layout::new(),
    };
    l.add_pool(Pool::ram("ram", PA_START, 2 * va_size))
        .expect("pool");
    l.add_pool(Pool::ram("tables", TABLES_START, 256 << 20))
        .expect("pool");
    let t = l
        .add_table("t", 0, ExecutionContext::EL3, &[(VA_START, va_size)])
        .expect("table");
    (l, t)
}

fn request(name: String, size: PageSize, count: u32) -> PageRequest {
    PageRequest::new(name, PageKind::Data, size)
        .count(count)
        .pool("ram")
}

fn contiguous() -> (Layout, TableId) {
    let (mut l, t) = table(None, 4 * GIB);
    l.map(t, &request("run".into(), PageSize::Size4K, 100_000))
        .expect("room");
    (l, t)
}

fn scattered() -> (Layout, TableId) {
    let (mut l, t) = table(Some(0x5CA7), 4 * GIB);
    for k in 0..100_000 {
        l.map(t, &request(format!("p{k}"), PageSize::Size4K, 1))
            .expect("room");
    }
    (l, t)
}

fn mixed() -> (Layout, TableId) {
    let (mut l, t) = table(Some(0x313D), 16 * GIB);
    for k in 0..1_000 {
        l.map(t, &request(format!("b{k}"), PageSize::Size2M, 1))
            .expect("room");
    }
    for k in 0..10_000 {
        l.map(t, &request(format!("p{k}"), PageSize::Size4K, 1))
            .expect("room");
    }
    (l, t)
}

fn seeded() -> (Layout, TableId) {
    let (mut l, t) = table(Some(0xBE7C), 16 * GIB);
    let styles = [
        (PageKind::Data, Perms::RW),
        (PageKind::Data, Perms::R),
        (PageKind::Code, Perms::RX),
    ];
    let mut rng = Rng::new(0x7AB1E5);
    let mut pages = 0;
    let mut k = 0;
    while pages < 100_000 {
        let (kind, perms) = styles[rng.below(styles.len() as u64) as usize];
        let (size, count, align) = match rng.below(100) {
            0..=3 => (PageSize::Size2M, 1 + rng.below(4) as u32, MIB2),
            4..=7 => (PageSize::Size4K, 512, MIB2),
            _ => (PageSize::Size4K, 1 + rng.below(16) as u32, KIB4),
        };
        let count = count.min(100_000 - pages);
        let req = PageRequest::new(format!("m{k}"), kind, size)
            .count(count)
            .align(align)
            .perms(perms)
            .pool("ram");
        l.map(t, &req).expect("room");
        pages += count;
        k += 1;
    }
    (l, t)
}

/// One `map_range` of `aarch64-paging`: VA, PA, length and descriptor attributes.
type PagingRun = (u64, u64, u64, El23Attributes);

/// The pages as `aarch64-paging` takes them best: runs of pages consecutive in VA and
/// PA with equal descriptor attributes, each one `map_range`. The attributes are
/// memlayout's encoding of each page, so both images hold the same permissions and
/// memory types.
fn paging_runs(pages: &[&Page], config: &TableConfig) -> Vec<PagingRun> {
    let mut runs: Vec<PagingRun> = Vec::new();
    for p in pages {
        let bits = aarch64::page_attributes(p.el(), p.mem_attrs(), config).bits();
        let flags = El23Attributes::from_bits_retain(bits as usize) | El23Attributes::VALID;
        if let Some(last) = runs.last_mut()
            && last.0 + last.2 == p.va()
            && last.1 + last.2 == p.pa()
            && last.3 == flags
        {
            last.2 += p.size();
            continue;
        }
        runs.push((p.va(), p.pa(), p.size(), flags));
    }
    runs
}

/// Builds `aarch64-paging`'s tables of `runs` and returns its image and table count.
fn paging_build(root_level: i8, runs: &[PagingRun]) -> (Vec<u8>, usize) {
    let mut root = RootTable::new(
        TargetAllocator::new(PAGING_BASE),
        usize::try_from(root_level).expect("a root level of 0 to 2"),
        El3,
    );
    for &(va, pa, len, flags) in runs {
        let range = MemoryRegion::new(va as usize, (va + len) as usize);
        root.map_range(
            &range,
            PhysicalAddress(pa as usize),
            flags,
            Constraints::empty(),
        )
        .expect("aarch64-paging maps the run");
    }
    let bytes = root.translation().as_bytes();
    let tables = bytes.len() / 4096;
    (bytes, tables)
}

/// The PA `aarch64-paging`'s image translates `va` to, walked with memlayout's
/// software walker.
fn paging_walk(root_level: i8, image: &[u8], va: u64) -> Result<u64, WalkFault> {
    // The largest VA size of that root level (aarch64-paging's table size).
    let va_bits = [48, 39, 30][usize::try_from(root_level).expect("a root level of 0 to 2")];
    aarch64::walk_image(
        image,
        PAGING_BASE,
        Format::DEFAULT,
        root_level,
        va_bits,
        Regime::El3,
        va,
    )
    .map(|w| w.pa)
}

/// The PA `aarch64-paging`'s own walk finds for `va`, from a table built anew.
fn paging_own_walk(root_level: i8, runs: &[PagingRun], va: u64) -> Option<u64> {
    let mut root = RootTable::new(
        TargetAllocator::new(PAGING_BASE),
        usize::try_from(root_level).expect("a root level of 0 to 2"),
        El3,
    );
    for &(rva, pa, len, flags) in runs {
        let range = MemoryRegion::new(rva as usize, (rva + len) as usize);
        root.map_range(
            &range,
            PhysicalAddress(pa as usize),
            flags,
            Constraints::empty(),
        )
        .expect("map");
    }
    let mut found = None;
    let probe = MemoryRegion::new(va as usize, va as usize + 1);
    root.walk_range(&probe, &mut |_, d, level| {
        if d.is_valid() {
            let offset = va & ((1 << (39 - 9 * level)) - 1);
            found = Some(d.output_address().0 as u64 + offset);
        }
        Ok(())
    })
    .expect("walk");
    found
}

/// Checks that both images translate the first and last byte of every page to the
/// same PA as the page says, and the byte after every page alike (mapped or not).
fn check(pages: &[&Page], ours: &Translation, theirs: &[u8], runs: &[PagingRun]) -> usize {
    let mut probed = 0;
    for p in pages {
        for off in [0, p.size() - 1] {
            let va = p.va() + off;
            assert_eq!(ours.walk(va).map(|w| w.pa), Ok(p.pa() + off), "{va:#x}");
            assert_eq!(
                paging_walk(ours.root_level(), theirs, va),
                Ok(p.pa() + off),
                "{va:#x}"
            );
            probed += 1;
        }
        let after = p.va() + p.size();
        let a = ours.walk(after).map(|w| w.pa).ok();
        let b = paging_walk(ours.root_level(), theirs, after).ok();
        assert_eq!(a, b, "{after:#x}");
        probed += 1;
    }
    // A sample through aarch64-paging's own walk, not only through its bytes.
    for p in pages.iter().step_by(pages.len().div_ceil(16)) {
        let va = p.va() + p.size() / 2;
        assert_eq!(
            paging_own_walk(ours.root_level(), runs, va),
            Some(p.pa() + p.size() / 2)
        );
    }
    probed
}

/// Where memlayout puts the translation tables.
fn placement() -> TablePlacement {
    TablePlacement::InPool("tables".into())
}

/// Builds the layout of one shape and names its table.
type Shape = fn() -> (Layout, TableId);

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn micros<T>(f: impl FnOnce() -> T) -> (f64, T) {
    let start = Instant::now();
    let v = black_box(f());
    (start.elapsed().as_secs_f64() * 1e6, v)
}

fn run(shape: &str, (layout, t): (Layout, TableId)) {
    let pages = layout.pages(t);
    let page_runs = layout.page_runs(t);
    let info = layout.table_info(t).expect("table").clone();
    let config = TableConfig::default();
    // The base and PA size `build_translations` chooses, so both builds agree.
    let built = layout
        .clone()
        .build_translations(&config, &placement())
        .expect("tables build");
    let base = built[0].base_pa();
    let config = config
        .with_va_bits(built[0].va_bits())
        .with_pa_bits(built[0].pa_bits());
    let root = built[0].root_level();
    let runs = paging_runs(&pages, &config);

    let (mut ours, mut listed, mut whole, mut theirs) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut images = None;
    // The copies `build_translations` reserves its tables in, made before any round so
    // that copying a large layout does not leave the caches cold for the timed call.
    let mut copies: Vec<Layout> = (0..ROUNDS).map(|_| layout.clone()).collect();
    for (round, copy) in copies.iter_mut().enumerate() {
        let mut ml = || {
            let (us, tr) =
                micros(|| aarch64::build_runs(&info, &page_runs, base, &config).expect("build"));
            ours.push(us);
            let (us, by_pages) = micros(|| {
                aarch64::build(&info, pages.iter().copied(), base, &config).expect("build")
            });
            listed.push(us);
            assert!(by_pages == tr, "runs and pages build alike");
            tr
        };
        let mut ap = || {
            let (us, image) = micros(|| paging_build(root, &runs));
            theirs.push(us);
            image
        };
        let (tr, image) = if round % 2 == 0 {
            let tr = ml();
            (tr, ap())
        } else {
            let image = ap();
            (ml(), image)
        };
        let (us, trs) = micros(|| {
            copy.build_translations(&TableConfig::default(), &placement())
                .expect("tables build")
        });
        whole.push(us);
        assert_eq!(
            trs[0].base_pa(),
            base,
            "the same layout gives the same base"
        );
        assert!(trs[0].bytes() == tr.bytes(), "both memlayout paths agree");
        images = Some((tr, image));
    }
    let (tr, (image, paging_tables)) = images.expect("ROUNDS > 0");
    assert!(tr.bytes() == built[0].bytes());
    let probed = check(&pages, &tr, &image, &runs);
    let (ours, listed, whole, theirs) =
        (median(ours), median(listed), median(whole), median(theirs));
    println!(
        "shape={shape} pages={} runs={} build_us={ours:.0} pages_us={listed:.0} \
         translations_us={whole:.0} paging_us={theirs:.0} build_ratio={:.2} \
         pages_ratio={:.2} translations_ratio={:.2} tables={} \
         paging_tables={paging_tables} probed={probed}",
        pages.len(),
        runs.len(),
        ours / theirs,
        listed / theirs,
        whole / theirs,
        tr.table_count(),
    );
}

fn main() {
    let only = std::env::args().nth(1);
    let shapes: [(&str, Shape); 4] = [
        ("contiguous", contiguous),
        ("scattered", scattered),
        ("mixed", mixed),
        ("seeded", seeded),
    ];
    for (name, make) in shapes {
        if only.as_deref().is_none_or(|o| o == name) {
            run(name, make());
        }
    }
}
