//! The checks of the fuzz campaign, shared by the fuzz targets in `fuzz/` (nightly,
//! cargo-fuzz) and by the stable replay of their checked-in corpus
//! (`tests/fuzz_corpus.rs`), so a fault the campaign found stays fixed without nightly.
//!
//! Every entry point takes the raw bytes a fuzz target gets and panics when a check
//! fails; a panic inside `memlayout` fails it the same way. On every input:
//!
//! * nothing panics;
//! * the same input gives byte-identical output twice (expansion, plan, diagnostics,
//!   placements and translation images);
//! * on every success, the invariants hold: pages aligned to their size in VA and PA,
//!   no two pages of a table overlapping in VA, no two mappings overlapping in PA (a
//!   shared page or an alias maps the same PA range as its original), segments aligned,
//!   disjoint and inside mapped pages, `translate` agreeing with every page, the
//!   translation tables outside every page, and a walk of the tables finding each page's
//!   first and last byte at its PA with its permissions;
//! * once a pool declares a space, every page lies in a pool its table reaches (a Realm
//!   table's never in Secure or Root memory) and in the space the page is mapped in; the
//!   executable pages of a table in Root or Realm state (an `EL3` table once a pool is
//!   `realm` or `root`; `EL2_Realm`, `EL1_Realm`, `EL0_Realm`) lie in pools of that
//!   space only, and the translation tables of every table in its own space (or, with
//!   `non_secure_ok` on them, in non-secure memory);
//! * with a granule protection table: it lies in a Root pool, clear of every page and
//!   every table's translation tables, and the independent walker
//!   ([`crate::gpt_walk`]) finds each pool's GPI in the pool's granules (first,
//!   last and some between), "no access" next to pools, and every page and translation
//!   table reachable in the space its table accesses it through.
//!
//! The generators cover every pool space (`secure`, `non_secure`, both, `realm`, `root`,
//! and pairs the language refuses), every context (with `EL3` and the Realm ones), the
//! page options `non_secure_ok` and `non_secure_view`, `tables in .., non_secure_ok`,
//! `gpt in`/`gpt at` with or without `l0gptsz` and, at run time, `PoolRequest` spaces
//! and `Layout::build_gpt`. Where a byte that used to be a `bool` now says more, its low
//! bit keeps the `bool`'s meaning, and new fields of a layout come last, so most of the
//! checked-in corpus decodes as it did.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use arbitrary::{Arbitrary, Unstructured};
use memlayout::aarch64::gpt::{Gpt, L0GptSize};
use memlayout::aarch64::{TableConfig, Translation};
use memlayout::dsl::file::plan_text;
use memlayout::interval::IntervalSet;
use memlayout::layout::GptRequest;
use memlayout::tables::TablePlacement;
use memlayout::{
    ExecutionContext, Layout, MappingId, PageKind, PageRequest, PageSize, Perms,
    PhysicalAddressSpace, Pool, Rng, SecurityState, SegmentKind, SegmentRequest, TableId,
};

use crate::gpt_walk::{self, Memory, Pas};

/// The most operations one run-time input performs, so one input stays fast.
const MAX_OPS: usize = 64;

/// Checks the invariants of a layout, and of its translation tables when given (one
/// per table, in table order). Returns a description of everything placed, for
/// comparing two runs.
pub fn check_layout(layout: &Layout, translations: Option<&[Translation]>) -> String {
    let mut out = String::new();
    let mut pa_ranges: BTreeSet<(u128, u128)> = BTreeSet::new();
    for (i, t) in layout.tables().enumerate() {
        let info = layout.table_info(t).expect("a listed table has its info");
        writeln!(
            out,
            "table {} core {} {}",
            info.name(),
            info.core(),
            info.el()
        )
        .unwrap();
        let mut pages = layout.pages(t);
        pages.sort_by_key(|p| p.va());
        for p in &pages {
            writeln!(out, "  {p:?}").unwrap();
            assert_eq!(
                p.va() % p.size(),
                0,
                "page VA not aligned to its size: {p:?}"
            );
            assert_eq!(
                p.pa() % p.size(),
                0,
                "page PA not aligned to its size: {p:?}"
            );
            let last = p.va() + (p.size() - 1);
            assert_eq!(layout.translate(t, p.va()), Some(p.pa()), "{p:?}");
            assert_eq!(
                layout.translate(t, last),
                Some(p.pa() + (p.size() - 1)),
                "{p:?}"
            );
            pa_ranges.insert((u128::from(p.pa()), p.pa_end()));
        }
        for w in pages.windows(2) {
            assert!(
                w[0].va_end() <= u128::from(w[1].va()),
                "pages overlap in VA: {:?} and {:?}",
                w[0],
                w[1]
            );
        }
        let mut segments = layout.segments(t);
        segments.sort_by_key(|s| s.va());
        for s in &segments {
            writeln!(out, "  {s:?}").unwrap();
            assert!(s.align().is_power_of_two(), "{s:?}");
            assert_eq!(s.va() % s.align(), 0, "segment not aligned: {s:?}");
            assert!(s.size() > 0, "{s:?}");
            let last = s.va() + (s.size() - 1);
            assert_eq!(layout.translate(t, s.va()), Some(s.pa()), "{s:?}");
            assert_eq!(
                layout.translate(t, last),
                Some(s.pa() + (s.size() - 1)),
                "segment not wholly mapped: {s:?}"
            );
        }
        for w in segments.windows(2) {
            assert!(
                w[0].va_end() <= u128::from(w[1].va()),
                "segments overlap: {:?} and {:?}",
                w[0],
                w[1]
            );
        }
        if let Some(tr) = translations.and_then(|trs| trs.get(i)) {
            writeln!(
                out,
                "  tables {:#x}..{:#x} {:?} {:x?}",
                tr.base_pa(),
                tr.end_pa(),
                tr.registers(),
                tr.bytes()
            )
            .unwrap();
            for p in layout.all_pages() {
                assert!(
                    p.pa_end() <= u128::from(tr.base_pa()) || p.pa() >= tr.end_pa(),
                    "translation tables of {} overlap page {p:?}",
                    info.name()
                );
            }
            for p in &pages {
                for off in [0, p.size() - 1] {
                    let va = p.va() + off;
                    let w = tr
                        .walk(va)
                        .unwrap_or_else(|e| panic!("walk of {va:#x} in {p:?}: {e}"));
                    assert_eq!(w.pa, p.pa() + off, "walk of {va:#x} in {p:?}");
                    // A user (EL0) table's permissions are EL0's; the others', the
                    // privileged level's.
                    let perms = if info.el().is_user() {
                        w.el0_perms()
                    } else {
                        Some(w.perms())
                    };
                    assert_eq!(perms, Some(p.perms()), "walk of {va:#x} in {p:?}");
                }
            }
        }
    }
    if let Some(r) = layout.gpt_range() {
        let (start, end) = (u128::from(r.start()), u128::from(r.start()) + r.size());
        for p in layout.all_pages() {
            assert!(
                p.pa_end() <= start || u128::from(p.pa()) >= end,
                "page {p:?} overlaps the granule protection table's range {start:#x}..{end:#x}"
            );
        }
        for tr in translations.unwrap_or_default() {
            assert!(
                u128::from(tr.end_pa()) <= start || u128::from(tr.base_pa()) >= end,
                "translation tables {:#x}..{:#x} overlap the granule protection table's range",
                tr.base_pa(),
                tr.end_pa()
            );
        }
    }
    // Distinct PA ranges are disjoint: only a shared page or an alias maps a range
    // already mapped, and then exactly the same range.
    let ranges: Vec<(u128, u128)> = pa_ranges.into_iter().collect();
    for w in ranges.windows(2) {
        assert!(
            w[0].1 <= w[1].0,
            "PA ranges overlap: {:#x}..{:#x} and {:#x}..{:#x}",
            w[0].0,
            w[0].1,
            w[1].0,
            w[1].1
        );
    }
    out
}

/// The spaces a pool lies in: an unmarked pool in Secure.
fn pool_spaces_of(pool: &Pool) -> &'static [PhysicalAddressSpace] {
    match pool.spaces() {
        [] => &[PhysicalAddressSpace::Secure],
        spaces => spaces,
    }
}

/// The pool holding all of `start .. start + size`, if one does.
fn pool_holding(pools: &[Pool], start: u64, size: u64) -> Option<&Pool> {
    let end = u128::from(start) + u128::from(size);
    pools.iter().find(|p| {
        let r = p.range();
        u128::from(r.start()) <= u128::from(start) && end <= u128::from(r.start()) + r.size()
    })
}

/// Whether a table of context `el` reaches PA in `space`, written from the language
/// reference's table (not from memlayout's own rule): EL3 every space; the other secure
/// contexts Secure and Non-secure; Realm contexts Realm and Non-secure; non-secure
/// contexts Non-secure.
fn reaches(el: ExecutionContext, space: PhysicalAddressSpace) -> bool {
    use PhysicalAddressSpace as P;
    if el == ExecutionContext::EL3 {
        return true;
    }
    match el.security() {
        SecurityState::Secure => matches!(space, P::Secure | P::NonSecure),
        SecurityState::Realm => matches!(space, P::Realm | P::NonSecure),
        _ => space == P::NonSecure,
    }
}

/// The space a table of context `el` walks its translation tables and fetches its
/// instructions in: Realm for Realm tables, Root for `EL3` once the layout has a `realm`
/// or `root` pool, Secure for other secure tables, Non-secure for non-secure ones.
fn home(el: ExecutionContext, rme: bool) -> PhysicalAddressSpace {
    match el.security() {
        SecurityState::Realm => PhysicalAddressSpace::Realm,
        SecurityState::Secure if el == ExecutionContext::EL3 && rme => PhysicalAddressSpace::Root,
        SecurityState::Secure => PhysicalAddressSpace::Secure,
        _ => PhysicalAddressSpace::NonSecure,
    }
}

/// The invariants of the pools' spaces, once any pool declares one (see the module
/// documentation); nothing without.
pub fn check_spaces(layout: &Layout, translations: Option<&[Translation]>) {
    let pools = layout.pools();
    let rme = pools.iter().any(|p| p.is_realm() || p.is_root());
    if !rme && !pools.iter().any(Pool::is_non_secure) {
        return;
    }
    for (i, t) in layout.tables().enumerate() {
        let info = layout.table_info(t).expect("a listed table has its info");
        let el = info.el();
        let home = home(el, rme);
        for p in layout.pages(t) {
            let Some(pool) = pool_holding(pools, p.pa(), p.size()) else {
                continue;
            };
            let spaces = pool_spaces_of(pool);
            assert!(
                spaces.iter().any(|&s| reaches(el, s)),
                "page {p:?} of {} ({el}) in pool {} ({spaces:?}), which it does not reach",
                info.name(),
                pool.name()
            );
            let pas = p.mem_attrs().pas;
            assert!(
                spaces.contains(&pas) && reaches(el, pas),
                "page {p:?} of {} ({el}) mapped in {pas:?}, in pool {} ({spaces:?})",
                info.name(),
                pool.name()
            );
            let executable = p.kind() == PageKind::Code || p.perms().execute();
            let strict = matches!(
                home,
                PhysicalAddressSpace::Root | PhysicalAddressSpace::Realm
            );
            if executable && strict {
                assert_eq!(
                    spaces,
                    [home],
                    "executable page {p:?} of {} ({el}, in {home:?} state) in pool {}",
                    info.name(),
                    pool.name()
                );
            }
        }
        let Some(tr) = translations.and_then(|trs| trs.get(i)) else {
            continue;
        };
        let mut pa = tr.base_pa();
        while pa < tr.end_pa() {
            let pool = pool_holding(pools, pa, 0x1000).unwrap_or_else(|| {
                panic!("translation table at {pa:#x} of {} in no pool", info.name())
            });
            let spaces = pool_spaces_of(pool);
            assert!(
                !pool.is_device(),
                "translation table at {pa:#x} in a device pool"
            );
            assert!(
                spaces == [home]
                    || (layout.non_secure_tables_ok(t)
                        && spaces.contains(&PhysicalAddressSpace::NonSecure)),
                "translation table at {pa:#x} of {} ({el}, in {home:?} state) in pool {} ({spaces:?})",
                info.name(),
                pool.name()
            );
            pa += 0x1000;
        }
    }
}

/// The walker's name for a space.
fn pas(space: PhysicalAddressSpace) -> Pas {
    match space {
        PhysicalAddressSpace::NonSecure => Pas::NonSecure,
        PhysicalAddressSpace::Root => Pas::Root,
        PhysicalAddressSpace::Realm => Pas::Realm,
        _ => Pas::Secure,
    }
}

/// The GPI every granule of a pool must have, from its spaces.
fn expected_gpi(pool: &Pool) -> u8 {
    use PhysicalAddressSpace as P;
    match pool.spaces() {
        [P::Secure, P::NonSecure] => gpt_walk::GPI_ANY,
        [P::NonSecure] => gpt_walk::GPI_NON_SECURE,
        [P::Root] => gpt_walk::GPI_ROOT,
        [P::Realm] => gpt_walk::GPI_REALM,
        _ => gpt_walk::GPI_SECURE,
    }
}

/// The granules of a pool a check looks up: the first, the last and up to 14 between.
fn sample_granules(pool: &Pool) -> Vec<u64> {
    let r = pool.range();
    let first = r.start() & !0xFFF;
    let last = r.last() & !0xFFF;
    let step = ((last - first) / 15) & !0xFFF;
    let mut pas: Vec<u64> = (0..15).map(|i| first + i * step).collect();
    pas.push(last);
    pas.dedup();
    pas
}

/// The invariants of a granule protection table built for the first `pools` pools of
/// `layout` (those it had when the table was built), with the translation tables when
/// given (see the module documentation). Returns a description of the table.
pub fn check_gpt(
    layout: &Layout,
    gpt: &Gpt,
    pools: usize,
    translations: Option<&[Translation]>,
) -> String {
    let all = layout.pools();
    let pools = &all[..pools.min(all.len())];
    let base = gpt.image_pa();
    let bytes = gpt.image();
    let range = layout
        .gpt_range()
        .expect("a layout with a granule protection table reserves its range");
    assert_eq!(base % gpt.size().align, 0, "GPT base {base:#x} misaligned");
    assert!(
        !bytes.is_empty()
            && range.contains(base)
            && range.contains(base + (bytes.len() as u64 - 1)),
        "GPT image {base:#x} + {:#x} outside its range {range:?}",
        bytes.len()
    );
    let room = u64::try_from(range.size()).unwrap_or(u64::MAX);
    assert!(
        pool_holding(all, range.start(), room).is_some_and(Pool::is_root),
        "GPT range {range:?} not inside one root pool"
    );
    let lookup =
        |pa: u64| gpt_walk::lookup(Memory { pa: base, bytes }, gpt.gptbr(), gpt.gpccr(), pa);
    let (pps, ..) = gpt_walk::geometry(gpt.gpccr()).expect("the GPCCR_EL3 value is valid");
    let below_pps = |pa: u64| pps >= 64 || pa >> pps == 0;
    let in_a_pool = |pa: u64| pools.iter().any(|p| p.range().contains(pa));
    for p in pools {
        let gpi = expected_gpi(p);
        for pa in sample_granules(p) {
            for at in [pa, pa + 0xFFF] {
                assert_eq!(
                    lookup(at).gpi(),
                    Some(gpi),
                    "granule {at:#x} of pool {} ({:?})",
                    p.name(),
                    p.spaces()
                );
            }
        }
        let r = p.range();
        let before = (r.start() & !0xFFF).checked_sub(0x1000);
        let after = u64::try_from((u128::from(r.last()) | 0xFFF) + 1).ok();
        for pa in [before, after].into_iter().flatten() {
            if below_pps(pa) && !in_a_pool(pa) && !in_a_pool(pa + 0xFFF) {
                assert_eq!(
                    lookup(pa).gpi(),
                    Some(gpt_walk::GPI_NO_ACCESS),
                    "granule {pa:#x} next to pool {} is in no pool",
                    p.name()
                );
            }
        }
    }
    let rme = all.iter().any(|p| p.is_realm() || p.is_root());
    for (i, t) in layout.tables().enumerate() {
        let info = layout.table_info(t).expect("a listed table has its info");
        for p in layout.pages(t) {
            if pool_holding(pools, p.pa(), p.size()).is_none() {
                continue;
            }
            let through = pas(p.mem_attrs().pas);
            for at in [p.pa(), p.pa() + (p.size() - 1)] {
                assert!(
                    lookup(at).allows(through),
                    "page {p:?} of {} not reachable in {through:?}: {:?}",
                    info.name(),
                    lookup(at)
                );
            }
        }
        if let Some(tr) = translations.and_then(|trs| trs.get(i)) {
            let through = pas(home(info.el(), rme));
            let mut pa = tr.base_pa();
            while pa < tr.end_pa() {
                if in_a_pool(pa) {
                    assert!(
                        lookup(pa).allows(through),
                        "translation table at {pa:#x} of {} not reachable in {through:?}: {:?}",
                        info.name(),
                        lookup(pa)
                    );
                }
                pa += 0x1000;
            }
        }
    }
    // The image can be tens of MiB (a level 1 table covers a whole level 0 entry): its
    // FNV-1a hash stands for it in the description.
    let hash = bytes.iter().fold(0xCBF2_9CE4_8422_2325u64, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01B3)
    });
    format!(
        "gpt {base:#x} {:#x} {:#x} {:#x} {hash:#018x}\n",
        gpt.gptbr(),
        gpt.gpccr(),
        bytes.len()
    )
}

/// Checks a plan, its translation tables and its granule protection table; returns its
/// description.
fn plan_description(plan: &memlayout::plan::Plan) -> String {
    let layout = plan.layout();
    let translations: Vec<Translation> = (0..layout.tables().count())
        .map(|i| {
            plan.translation(i)
                .expect("every table of a plan has translation tables")
                .clone()
        })
        .collect();
    let mut out = check_layout(layout, Some(&translations));
    check_spaces(layout, Some(&translations));
    if let Some(gpt) = plan.gpt() {
        out.push_str(&check_gpt(
            layout,
            gpt,
            layout.pools().len(),
            Some(&translations),
        ));
    }
    out
}

/// Layout text (a layout file, or the body of `memory_layout!`): planned twice and
/// expanded twice, with identical results; on success the invariants hold.
pub fn check_text(text: &str) {
    let first = plan_text(text);
    let second = plan_text(text);
    match (&first, &second) {
        (Ok(a), Ok(b)) => {
            assert_eq!(
                plan_description(a.plan()),
                plan_description(b.plan()),
                "two plans of one text differ"
            );
            assert_eq!(a.module(), b.module());
        }
        (Err(a), Err(b)) => {
            assert!(!a.is_empty(), "a failed plan reports an error");
            assert_eq!(a, b, "two plans of one text report different errors");
        }
        _ => panic!("one text planned once and failed once"),
    }
    // `include "PATH"` reads a file: what it finds depends on the machine, not the input.
    if !text.contains("include")
        && let Ok(tokens) = text.parse::<proc_macro2::TokenStream>()
    {
        let x = memlayout::dsl::expand(tokens.clone()).to_string();
        let y = memlayout::dsl::expand(tokens.clone()).to_string();
        assert_eq!(x, y, "two expansions of one text differ");
        assert_eq!(
            first.is_ok(),
            memlayout::dsl::diagnostics(tokens).is_empty(),
            "the file front end and the macro disagree on whether the text has errors"
        );
    }
}

/// The bytes of a DSL-text fuzz input: checked as text when they are UTF-8.
pub fn check_text_bytes(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        check_text(text);
    }
}

/// The bytes of a structured-layout fuzz input: decoded into a [`LayoutDesc`], rendered
/// in the grammar and checked as text.
pub fn check_structured_bytes(data: &[u8]) {
    if let Ok(desc) = LayoutDesc::arbitrary_take_rest(Unstructured::new(data)) {
        check_text(&desc.render());
    }
}

/// The bytes of a run-time API fuzz input: decoded into operations on a [`Layout`] and
/// an [`IntervalSet`], run twice with identical results.
pub fn check_ops_bytes(data: &[u8]) {
    if let Ok(ops) = Ops::arbitrary_take_rest(Unstructured::new(data)) {
        let a = ops.run();
        let b = ops.run();
        assert_eq!(a, b, "two runs of one operation sequence differ");
    }
}

/// An address biased towards the interesting places: small aligned offsets in a RAM
/// window, the top of the 64-bit space, raw values.
#[derive(Clone, Copy, Debug)]
pub struct Addr(pub u64);

impl<'a> Arbitrary<'a> for Addr {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let x = u64::arbitrary(u)?;
        let k = (x >> 3) & 0xffff;
        Ok(Addr(match x & 7 {
            0 | 1 => 0x4000_0000 + k * 0x1000,
            2 => 0x8000_0000 + k * 0x20_0000,
            3 => 0xFFFF_FFFF_FFFF_F000u64.wrapping_sub(k * 0x1000),
            4 => u64::MAX - k,
            5 => k * 0x1000,
            _ => x,
        }))
    }
}

/// A size biased towards page multiples, with small and raw values.
#[derive(Clone, Copy, Debug)]
pub struct Size(pub u64);

impl<'a> Arbitrary<'a> for Size {
    fn arbitrary(u: &mut Unstructured<'a>) -> arbitrary::Result<Self> {
        let x = u64::arbitrary(u)?;
        let k = (x >> 3) & 0xff;
        Ok(Size(match x & 7 {
            0 | 1 => (k + 1) * 0x1000,
            2 | 3 => (k + 1) * 0x20_0000,
            4 => (k + 1) << 30,
            5 => k,
            6 => u64::MAX - k,
            _ => x,
        }))
    }
}

fn pick<T: Copy>(all: &[T], i: u8) -> T {
    all[usize::from(i) % all.len()]
}

/// The page sizes older corpus inputs pick from (by the byte modulo 3).
const PAGE_SIZES: [PageSize; 3] = [PageSize::Size4K, PageSize::Size2M, PageSize::Size1G];
/// The sizes the 4 KiB granule writes as Contiguous groups of 16 entries.
const GROUP_SIZES: [PageSize; 3] = [PageSize::Size64K, PageSize::Size32M, PageSize::Size16G];

/// The page size for a byte of fuzz input: the top 16 values pick a Contiguous group
/// size, the others one of 4K, 2M and 1G as before those sizes existed, so the checked-in
/// corpus and regression inputs keep their meaning.
fn page_size(b: u8) -> PageSize {
    if b >= 0xF0 {
        pick(&GROUP_SIZES, b)
    } else {
        pick(&PAGE_SIZES, b)
    }
}

const PERMS: [Perms; 4] = [Perms::R, Perms::RW, Perms::RX, Perms::RWX];

/// The spaces a pool is declared in, from a byte whose low bit was the `non_secure`
/// bool of older inputs and keeps that meaning: bits 3:1 add `secure` (4; with the low
/// bit, both spaces), `realm` (5), `root` (6), or a pair the language refuses (7:
/// `realm, non_secure` with the low bit, `root, secure` without).
fn pool_spaces(b: u8) -> &'static [&'static str] {
    let non_secure = b & 1 == 1;
    match ((b >> 1) & 7, non_secure) {
        (4, false) => &["secure"],
        (4, true) => &["secure", "non_secure"],
        (5, _) => &["realm"],
        (6, _) => &["root"],
        (7, true) => &["realm", "non_secure"],
        (7, false) => &["root", "secure"],
        (_, true) => &["non_secure"],
        (_, false) => &[],
    }
}

/// The page flags of a byte whose low bit was the `identity` bool of older inputs and
/// keeps that meaning: `(identity, non_secure_ok, non_secure_view)`, the two options
/// when bits 3:1 are 1, 2 or 3 (so each is on for one byte in eight).
fn page_flags(b: u8) -> (bool, bool, bool) {
    let opts = (b >> 1) & 7;
    (b & 1 == 1, opts & 5 == 1, opts & 6 == 2)
}

/// The `l0gptsz` values of the language, and one it refuses; weighted towards the small
/// ones, as a level 1 table covers a whole level 0 entry (64 MiB of image for 512G),
/// which slows every run that builds one.
const L0GPTSZ: [&str; 8] = ["1G", "1G", "1G", "16G", "16G", "64G", "512G", "2G"];

/// A page declaration of a structured layout.
#[derive(Clone, Debug, Arbitrary)]
pub struct PageDesc {
    kind: u8,
    size: u8,
    count: Option<u8>,
    /// `identity` (bit 0), `non_secure_ok` and `non_secure_view` ([`page_flags`]).
    identity: u8,
    va: Option<Addr>,
    pa: Option<Addr>,
    perms: Option<u8>,
    pool: Option<u8>,
    alias: Option<u8>,
    tables: Option<Vec<u8>>,
}

/// A segment declaration of a structured layout.
#[derive(Clone, Debug, Arbitrary)]
pub struct SegmentDesc {
    kind: u8,
    size: u16,
    align: Option<u8>,
    in_page: Option<u8>,
    identity: bool,
    va: Option<Addr>,
}

/// A table of a structured layout.
#[derive(Clone, Debug, Arbitrary)]
pub struct TableDesc {
    core: u8,
    el: u8,
    virt: Vec<(Addr, Size)>,
    pages: Vec<PageDesc>,
    segments: Vec<SegmentDesc>,
    tables_in: Option<u8>,
}

/// The granule protection table of a structured layout: `gpt in POOL;` or `gpt at
/// RANGE;` (a range in a pool, aligned and sized from a few choices), with `l0gptsz`
/// sometimes.
///
/// With `tidy`, the layout is rendered as a machine that can plan: three pools at 4 KiB
/// aligned, disjoint addresses (pool `i` at `0x4000_0000 + i * 256M`, its size kept
/// when it is a multiple of 4K up to 256M, else 16M; those not generated secure, realm
/// and non-secure RAM), the pool the table names in Root RAM, every table's `virtual`
/// ranges `0x4000_0000 .. +1G` (over the pools, for `identity`) and `0x1_0000_0000 ..
/// +1G`, at most two tables of two pages and one segment, no fixed `va` or `pa` but a
/// device page's (a pool's start), no page of 1G or 16G, names of declared pools and
/// other pages only, the Secure state's page options only in its tables, and the Root
/// pool only in `EL3` tables. Raw addresses and sizes, which are seldom valid together,
/// otherwise stop nearly every such layout before the planner; the refusals that stay
/// are the rules of the spaces, the kinds and the room.
#[derive(Clone, Debug, Arbitrary)]
pub struct GptDesc {
    at: bool,
    pool: u8,
    align: u8,
    size: u8,
    l0gptsz: Option<u8>,
    tidy: bool,
}

/// The start of pool `i` of a tidy layout ([`GptDesc`]).
fn tidy_start(i: usize) -> u64 {
    0x4000_0000 + (i as u64) * 0x1000_0000
}

/// The size of a pool of a tidy layout ([`GptDesc`]).
fn tidy_size(size: Size) -> u64 {
    if size.0.is_multiple_of(0x1000) && (0x1000..=0x1000_0000).contains(&size.0) {
        size.0
    } else {
        0x100_0000
    }
}

/// A whole layout generated field by field and rendered in the grammar, so most inputs
/// parse and reach the checks and the planner. The fields after `tables_in` came later:
/// older inputs, whose bytes end before them, decode as they did.
#[derive(Clone, Debug, Arbitrary)]
pub struct LayoutDesc {
    seed: Option<u16>,
    /// `device`, spaces ([`pool_spaces`]), start and size.
    pools: Vec<(bool, u8, Addr, Size)>,
    tables: Vec<TableDesc>,
    shared_pages: Vec<PageDesc>,
    shared_segments: Vec<SegmentDesc>,
    tables_in: Option<u8>,
    /// `non_secure_ok` on the layout's `tables in`.
    tables_non_secure_ok: bool,
    gpt: Option<GptDesc>,
}

/// The index of the pool a byte names: one of three (declared or not), or in a tidy
/// layout ([`GptDesc`]) one of its `pools` declared pools.
fn pool_name(b: u8, tidy: Option<usize>) -> usize {
    match tidy {
        Some(pools) => usize::from(b) % pools.max(1),
        None => usize::from(b % 3),
    }
}

/// What renders a declaration needs of the layout around it.
#[derive(Clone, Copy)]
struct Around {
    /// The pages of the enclosing table (for `alias` and `in`).
    pages: usize,
    /// The tables of the layout (for `tables [..]`).
    tables: usize,
    /// The pools of a tidy layout ([`GptDesc`]), `None` for another layout.
    tidy: Option<usize>,
    /// The pool a tidy layout gives to Root (its `gpt` pool).
    root: usize,
    /// The context of the enclosing table (`None` for shared pages).
    el: Option<ExecutionContext>,
}

impl PageDesc {
    /// Writes the page `index`. A tidy layout leaves out fixed addresses, names only
    /// declared pools and other pages, and asks for at least one page.
    fn render(&self, s: &mut String, shared: bool, index: usize, around: Around) {
        let kind = pick(&PageKind::ALL, self.kind).name();
        let (prefix, name) = if shared {
            ("shared ", format!("sp{index}"))
        } else {
            ("", format!("p{index}"))
        };
        let tidy = around.tidy.is_some();
        let pages = around.pages;
        let alias = self
            .alias
            .filter(|_| pages > 0)
            .map(|a| usize::from(a) % pages)
            .filter(|&a| !tidy || (a != index && !shared));
        match alias {
            Some(a) => write!(s, "{prefix}page {name} : {kind}, alias p{a}").unwrap(),
            None => {
                // A tidy layout's pools are at most 256M: no 1G or 16G pages there.
                let size = match (page_size(self.size), tidy) {
                    (PageSize::Size1G, true) => PageSize::Size4K,
                    (PageSize::Size16G, true) => PageSize::Size64K,
                    (size, _) => size,
                }
                .name();
                write!(s, "{prefix}page {name} : {kind}, {size}").unwrap();
                match (self.count, tidy) {
                    (Some(n), false) => write!(s, " * {}", n % 5).unwrap(),
                    (Some(n), true) => write!(s, " * {}", n % 4 + 1).unwrap(),
                    (None, _) => {}
                }
            }
        }
        let (identity, mut non_secure_ok, mut non_secure_view) = page_flags(self.identity);
        // A tidy layout writes the options of the Secure state only in its tables.
        let secure = around
            .el
            .is_some_and(|el| el.security() == SecurityState::Secure);
        if tidy && !secure {
            (non_secure_ok, non_secure_view) = (false, false);
        }
        if identity {
            s.push_str(", identity");
        }
        if non_secure_ok {
            s.push_str(", non_secure_ok");
        }
        if non_secure_view {
            s.push_str(", non_secure_view");
        }
        if !tidy {
            if let Some(va) = self.va {
                write!(s, ", va {:#x}", va.0).unwrap();
            }
            if let Some(pa) = self.pa {
                write!(s, ", pa {:#x}", pa.0).unwrap();
            }
        } else if kind == "device" && alias.is_none() {
            // Device registers sit at fixed addresses: the start of a pool.
            let pool = pool_name(self.pool.unwrap_or(0), around.tidy);
            write!(s, ", pa {:#x}", tidy_start(pool)).unwrap();
        }
        if let Some(p) = self.perms {
            let perms = pick(&PERMS, p);
            if !(tidy && kind == "device" && perms.execute()) {
                write!(s, ", {}", perms.name()).unwrap();
            }
        }
        match (self.pool, around.tidy) {
            (Some(p), None) => write!(s, ", pool m{}", pool_name(p, None)).unwrap(),
            (Some(p), Some(pools)) if pools > 0 && alias.is_none() && kind != "device" => {
                // Only EL3 reaches the Root pool.
                let i = pool_name(p, Some(pools));
                if i != around.root || around.el == Some(ExecutionContext::EL3) {
                    write!(s, ", pool m{i}").unwrap();
                }
            }
            _ => {}
        }
        if let (true, Some(list)) = (shared, &self.tables)
            && around.tables > 0
        {
            let mut names: Vec<String> = list
                .iter()
                .take(4)
                .map(|t| format!("t{}", usize::from(*t) % around.tables))
                .collect();
            if tidy {
                names.sort();
                names.dedup();
            }
            if tidy && names.is_empty() {
                names.push(String::from("t0"));
            }
            write!(s, ", tables [{}]", names.join(", ")).unwrap();
        }
        s.push_str(";\n");
    }
}

impl SegmentDesc {
    /// Writes the segment `name`. A tidy layout leaves out a fixed `va` and rounds the
    /// size up to 16 bytes (a stack's multiple).
    fn render(&self, s: &mut String, shared: bool, name: &str, around: Around) {
        let kind = pick(&SegmentKind::ALL, self.kind).name();
        let prefix = if shared { "shared " } else { "" };
        let tidy = around.tidy.is_some();
        let size = if tidy {
            u32::from(self.size).next_multiple_of(16).max(16)
        } else {
            u32::from(self.size)
        };
        write!(s, "{prefix}segment {name} : {kind}, {size:#x}").unwrap();
        if let Some(a) = self.align {
            write!(s, ", align {}", 1u64 << (a % 14)).unwrap();
        }
        // A tidy layout's shared segments always name their page.
        let in_page = match (self.in_page, tidy && shared) {
            (None, true) => Some(0),
            (p, _) => p,
        };
        if let Some(p) = in_page.filter(|_| around.pages > 0) {
            let prefix = if shared { "sp" } else { "p" };
            write!(s, ", in {prefix}{}", usize::from(p) % around.pages).unwrap();
        }
        if self.identity {
            s.push_str(", identity");
        }
        if let (Some(va), false) = (self.va, tidy) {
            write!(s, ", va {:#x}", va.0).unwrap();
        }
        s.push_str(";\n");
    }
}

impl GptDesc {
    /// The index of the pool the table names, among `pools` pools.
    fn pool_index(&self, pools: usize) -> usize {
        usize::from(self.pool) % pools.max(1)
    }

    fn render(&self, s: &mut String, pools: &[(bool, u8, Addr, Size)]) {
        let pools = &pools[..pools.len().min(3)];
        let i = self.pool_index(pools.len());
        if self.at {
            // A range in the chosen pool (or at a fixed address without pools), its start
            // rounded up to 4K, 128K (a level 1 table with 1G level 0 entries) or 2M.
            let start = match pools.get(i) {
                Some(_) if self.tidy => tidy_start(i),
                Some(p) => p.2.0,
                None => 0x0E00_0000,
            };
            let align = [0x1000u64, 0x2_0000, 0x20_0000][usize::from(self.align) % 3];
            let start = start.checked_next_multiple_of(align).unwrap_or(start);
            let size = [0x1000u64, 0x4_0000, 0x10_0000, 0x40_0000][usize::from(self.size) % 4];
            write!(s, "gpt at {start:#x} .. +{size:#x}").unwrap();
        } else {
            write!(s, "gpt in m{i}").unwrap();
        }
        if let Some(l0) = self.l0gptsz {
            write!(s, ", l0gptsz {}", L0GPTSZ[usize::from(l0) % L0GPTSZ.len()]).unwrap();
        }
        s.push_str(";\n");
    }
}

impl LayoutDesc {
    /// The layout as text in the grammar of layout files.
    pub fn render(&self) -> String {
        let mut s = String::from("mod fuzz {\n");
        if let Some(seed) = self.seed {
            writeln!(s, "seed = {seed};").unwrap();
        }
        let tidy = self.gpt.as_ref().filter(|g| g.tidy);
        let mut pools = self.pools[..self.pools.len().min(3)].to_vec();
        if tidy.is_some() {
            // Three pools, those not generated secure, realm and non-secure RAM.
            for (i, spaces) in [0, 5 << 1, 1].into_iter().enumerate().skip(pools.len()) {
                pools.push((false, spaces, Addr(tidy_start(i)), Size(0x100_0000)));
            }
        }
        let pools = &pools[..];
        for (i, (device, spaces, start, size)) in pools.iter().enumerate() {
            match tidy {
                Some(g) if g.pool_index(pools.len()) == i => {
                    writeln!(
                        s,
                        "physical m{i} = {:#x} .. +{:#x}, root;",
                        tidy_start(i),
                        tidy_size(*size)
                    )
                    .unwrap();
                    continue;
                }
                Some(_) => write!(
                    s,
                    "physical m{i} = {:#x} .. +{:#x}",
                    tidy_start(i),
                    tidy_size(*size)
                ),
                None => write!(s, "physical m{i} = {:#x} .. +{:#x}", start.0, size.0),
            }
            .unwrap();
            if *device {
                s.push_str(", device");
            }
            for space in pool_spaces(*spaces) {
                write!(s, ", {space}").unwrap();
            }
            s.push_str(";\n");
        }
        // A tidy layout puts no translation tables in a device pool.
        let tables_pool = |p: Option<u8>| {
            let i = pool_name(p?, tidy.map(|_| pools.len()));
            match (tidy, pools.get(i)) {
                (Some(_), Some((true, ..))) => None,
                _ => Some(i),
            }
        };
        if let Some(i) = tables_pool(self.tables_in) {
            let ok = if self.tables_non_secure_ok {
                ", non_secure_ok"
            } else {
                ""
            };
            writeln!(s, "tables in m{i}{ok};").unwrap();
        }
        if let Some(g) = &self.gpt {
            g.render(&mut s, pools);
        }
        // How many tables, pages and segments of each list: fewer in a tidy layout, so
        // that more of them plan (each declaration is one more way to fail).
        let (max_tables, max_pages, max_segments) = match tidy {
            Some(_) => (2, 2, 1),
            None => (4, 8, 8),
        };
        let tables = self.tables.len().min(max_tables);
        for (i, t) in self.tables.iter().take(max_tables).enumerate() {
            let el = pick(&ExecutionContext::ALL, t.el).name();
            writeln!(s, "table t{i} (core {}, {el}) {{", t.core % 4).unwrap();
            if tidy.is_some() {
                // One range over the pools (for `identity`), another above when asked.
                s.push_str("virtual 0x40000000 .. +1G;\n");
                if t.virt.len() > 1 {
                    s.push_str("virtual 0x100000000 .. +1G;\n");
                }
            } else {
                for (start, size) in t.virt.iter().take(2) {
                    writeln!(s, "virtual {:#x} .. +{:#x};", start.0, size.0).unwrap();
                }
            }
            if let Some(i) = tables_pool(t.tables_in) {
                writeln!(s, "tables in m{i};").unwrap();
            }
            let around = Around {
                pages: t.pages.len().min(max_pages),
                tables,
                tidy: tidy.map(|_| pools.len()),
                root: tidy.map_or(0, |g| g.pool_index(pools.len())),
                el: Some(pick(&ExecutionContext::ALL, t.el)),
            };
            for (j, p) in t.pages.iter().take(max_pages).enumerate() {
                p.render(&mut s, false, j, around);
            }
            for (j, seg) in t.segments.iter().take(max_segments).enumerate() {
                seg.render(&mut s, false, &format!("s{j}"), around);
            }
            s.push_str("}\n");
        }
        // A tidy layout has shared pages only beside tables.
        let max_shared = match tidy {
            Some(_) if tables == 0 => 0,
            _ => max_tables.min(max_pages),
        };
        let shared = self.shared_pages.len().min(max_shared);
        let around = Around {
            pages: 0,
            tables,
            tidy: tidy.map(|_| pools.len()),
            root: tidy.map_or(0, |g| g.pool_index(pools.len())),
            el: None,
        };
        for (j, p) in self.shared_pages.iter().take(max_shared).enumerate() {
            p.render(&mut s, true, j, around);
        }
        // A tidy layout declares shared segments only beside shared pages.
        let segments = if tidy.is_some() && shared == 0 {
            0
        } else {
            max_segments.min(4)
        };
        for (j, seg) in self.shared_segments.iter().take(segments).enumerate() {
            seg.render(
                &mut s,
                true,
                &format!("ss{j}"),
                Around {
                    pages: shared,
                    ..around
                },
            );
        }
        s.push_str("}\n");
        s
    }
}

/// One operation of the run-time API.
#[derive(Clone, Debug, Arbitrary)]
pub enum Op {
    /// `Layout::add_pool`, in the spaces `spaces` names: bit 0 `non_secure`, bits 3:1
    /// `secure` (4), `realm` (5), `root` (6) or a refused pair (7).
    Pool {
        device: bool,
        spaces: u8,
        start: Addr,
        size: Size,
    },
    /// `Layout::add_table`.
    Table {
        core: u8,
        el: u8,
        virt: Vec<(Addr, Size)>,
    },
    /// `Layout::map`, `map_shared` (with `shared`) or `map_alias` (with `alias`).
    Map {
        table: u8,
        kind: u8,
        size: u8,
        count: u8,
        /// `identity` (bit 0), `non_secure_ok` (bits 3:1 = 1 or 3) and `non_secure_view`
        /// (2 or 3); bits 7:4, when not zero, pick a pool for `PageRequest::pool`.
        identity: u8,
        va: Option<Addr>,
        pa: Option<Addr>,
        perms: u8,
        shared: Option<Vec<u8>>,
        alias: Option<u8>,
    },
    /// `Layout::place_segment`, or `place_shared_segment` (with `shared`).
    Segment {
        table: u8,
        kind: u8,
        size: Size,
        align: u8,
        in_page: Option<u8>,
        identity: bool,
        va: Option<Addr>,
        shared: bool,
    },
    /// `Layout::build_translations`, with `wxn` (bit 0 of `wxn`); first
    /// `Layout::build_gpt` when bit 1 is set: at the start of a pool (rounded up to the
    /// table's alignment) when bit 2 is, else in a pool; bits 4:3 the `l0gptsz`, bits
    /// 7:5 the pool.
    Build { wxn: u8 },
    /// `IntervalSet::insert`.
    Insert { start: Addr, size: Size },
    /// `IntervalSet::remove`.
    Remove { start: Addr, size: Size },
    /// `IntervalSet::take_random` and `find_fit_random`.
    TakeRandom { size: Size, align: u8 },
    /// `IntervalSet::find_fit` and `find_fit_in`.
    FindFit {
        size: Size,
        align: u8,
        window: (Addr, Size),
    },
}

/// A run-time API input: a seed and operations.
#[derive(Clone, Debug, Arbitrary)]
pub struct Ops {
    seed: Option<u64>,
    ops: Vec<Op>,
}

impl Ops {
    /// The same operations after three that add a `root`, a `realm` and a `non_secure`
    /// RAM pool (2 MiB each from 0x4000_0000): random pools rarely land in free,
    /// representable ranges, so a test that must reach `Layout::build_gpt` starts here.
    pub fn after_rme_pools(mut self) -> Ops {
        let pool = |spaces: u8, start: u64| Op::Pool {
            device: false,
            spaces,
            start: Addr(start),
            size: Size(0x20_0000),
        };
        // `pool_spaces`: bits 3:1 = 6 is `root`, 5 `realm`; 1 alone is `non_secure`.
        let first = [
            pool(6 << 1, 0x4000_0000),
            pool(5 << 1, 0x4020_0000),
            pool(1, 0x4040_0000),
        ];
        self.ops.splice(0..0, first);
        self
    }

    /// Runs the operations, checking the invariants after each one that succeeds, and
    /// returns a description of every result.
    pub fn run(&self) -> String {
        let mut l = match self.seed {
            Some(s) => Layout::with_seed(s),
            None => Layout::new(),
        };
        let mut set: IntervalSet<u8> = IntervalSet::new();
        let mut rng = Rng::new(self.seed.unwrap_or(0));
        let mut tables: Vec<TableId> = Vec::new();
        let mut mappings: Vec<(MappingId, String)> = Vec::new();
        // The pools added (name and start), whether one came after a page was mapped
        // (the space checks then do not hold for the pages mapped before it), and the
        // granule protection table last built with the number of pools it covers.
        let mut pools: Vec<(String, u64)> = Vec::new();
        let mut pool_after_page = false;
        let mut gpt: Option<(Gpt, usize)> = None;
        let mut out = String::new();
        for (n, op) in self.ops.iter().take(MAX_OPS).enumerate() {
            let known = tables.clone();
            let table = |i: u8| known.get(usize::from(i) % known.len().max(1)).copied();
            let result: Result<String, String> = match op {
                Op::Pool {
                    device,
                    spaces,
                    start,
                    size,
                } => {
                    let name = format!("m{n}");
                    let mut req = if *device {
                        Pool::device(name.clone(), start.0, size.0)
                    } else {
                        Pool::ram(name.clone(), start.0, size.0)
                    };
                    for space in pool_spaces(*spaces) {
                        req = match *space {
                            "secure" => req.secure(),
                            "non_secure" => req.non_secure(),
                            "realm" => req.realm(),
                            _ => req.root(),
                        };
                    }
                    let r = l.add_pool(req);
                    if r.is_ok() {
                        pools.push((name, start.0));
                        pool_after_page |= !mappings.is_empty();
                    }
                    r.map(|i| format!("{i}")).map_err(|e| e.to_string())
                }
                Op::Table { core, el, virt } => {
                    let ranges: Vec<(u64, u64)> =
                        virt.iter().take(3).map(|(a, s)| (a.0, s.0)).collect();
                    let el = pick(&ExecutionContext::ALL, *el);
                    match l.add_table(format!("t{n}"), u32::from(*core % 4), el, &ranges) {
                        Ok(t) => {
                            tables.push(t);
                            Ok(format!("{t:?}"))
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
                Op::Map {
                    table: t,
                    kind,
                    size,
                    count,
                    identity,
                    va,
                    pa,
                    perms,
                    shared,
                    alias,
                } => {
                    let name = format!("p{n}");
                    let mut req = PageRequest::new(
                        name.clone(),
                        pick(&PageKind::ALL, *kind),
                        page_size(*size),
                    )
                    .count(u32::from(*count % 4))
                    .perms(pick(&PERMS, *perms));
                    let (identity_flag, non_secure_ok, non_secure_view) = page_flags(*identity);
                    if identity_flag {
                        req = req.identity();
                    }
                    if non_secure_ok {
                        req = req.non_secure_ok();
                    }
                    if non_secure_view {
                        req = req.non_secure_view();
                    }
                    if let Some(k) = (identity >> 4).checked_sub(1)
                        && !pools.is_empty()
                    {
                        req = req.pool(pools[usize::from(k) % pools.len()].0.clone());
                    }
                    if let Some(va) = va {
                        req = req.va(va.0);
                    }
                    if let Some(pa) = pa {
                        req = req.pa(pa.0);
                    }
                    let r = match (alias, shared, table(*t)) {
                        (Some(a), _, Some(t)) if !mappings.is_empty() => {
                            let of = mappings[usize::from(*a) % mappings.len()].0;
                            l.map_alias(t, of, &req).map_err(|e| e.to_string())
                        }
                        (_, Some(list), _) => {
                            let ts: Vec<TableId> =
                                list.iter().take(4).filter_map(|&i| table(i)).collect();
                            l.map_shared((!list.is_empty()).then_some(&ts[..]), &req)
                                .map_err(|e| e.to_string())
                        }
                        (_, None, Some(t)) => l.map(t, &req).map_err(|e| e.to_string()),
                        _ => Err(String::from("no table to map into")),
                    };
                    r.map(|m| {
                        mappings.push((m, name));
                        format!("{m:?}")
                    })
                }
                Op::Segment {
                    table: t,
                    kind,
                    size,
                    align,
                    in_page,
                    identity,
                    va,
                    shared,
                } => {
                    let mut req = SegmentRequest::new(
                        format!("s{n}"),
                        pick(&SegmentKind::ALL, *kind),
                        size.0,
                    )
                    .align(1 << (align % 16));
                    if *identity {
                        req = req.identity();
                    }
                    if let Some(va) = va {
                        req = req.va(va.0);
                    }
                    if let Some(p) = in_page
                        && !mappings.is_empty()
                    {
                        req = req.in_page(mappings[usize::from(*p) % mappings.len()].1.clone());
                    }
                    let r = match (shared, table(*t)) {
                        (true, _) => l.place_shared_segment(&req).map_err(|e| e.to_string()),
                        (false, Some(t)) => l.place_segment(t, &req).map_err(|e| e.to_string()),
                        (false, None) => Err(String::from("no table to place the segment in")),
                    };
                    r.map(|s| format!("{s:?}"))
                }
                Op::Build { wxn } => {
                    if wxn & 2 != 0 {
                        let built = build_gpt(&mut l, &pools, *wxn);
                        match built {
                            Ok(g) => {
                                out.push_str(&check_gpt(&l, &g, pools.len(), None));
                                gpt = Some((g, pools.len()));
                            }
                            Err(e) => writeln!(out, "{n}: gpt error {e}").unwrap(),
                        }
                    }
                    let config = TableConfig::new().with_wxn(wxn & 1 == 1);
                    match l.build_translations(&config, &TablePlacement::Anywhere) {
                        Ok(trs) => {
                            let mut desc = check_layout(&l, Some(&trs));
                            if !pool_after_page {
                                check_spaces(&l, Some(&trs));
                            }
                            if let Some((g, covered)) = &gpt {
                                desc.push_str(&check_gpt(&l, g, *covered, Some(&trs)));
                            }
                            Ok(desc)
                        }
                        Err(e) => Err(e.to_string()),
                    }
                }
                Op::Insert { start, size } => set
                    .insert(start.0, size.0, 0)
                    .map(|()| String::new())
                    .map_err(|e| e.to_string()),
                Op::Remove { start, size } => set
                    .remove(start.0, size.0)
                    .map(|v| format!("{v:?}"))
                    .map_err(|e| e.to_string()),
                Op::TakeRandom { size, align } => {
                    let align = 1u64 << (align % 64);
                    let mut probe = rng.clone();
                    let found = set.find_fit_random(size.0, align, |_| true, &mut probe);
                    let before = set.clone();
                    let taken = set.take_random(size.0, align, |_| true, &mut rng);
                    assert_eq!(
                        found,
                        taken.map(|i| i.start()),
                        "take_random and find_fit_random differ"
                    );
                    if let Some(i) = taken {
                        assert_eq!(i.start() % align, 0);
                        assert_eq!(i.size(), u128::from(size.0));
                        assert!(before.contains(i.start(), size.0));
                        assert_eq!(set.total_size() + i.size(), before.total_size());
                    }
                    Ok(format!("{taken:?}"))
                }
                Op::FindFit {
                    size,
                    align,
                    window,
                } => {
                    let align = 1u64 << (align % 64);
                    let fit = set.find_fit(size.0, align, |_| true);
                    if let Some(at) = fit {
                        assert_eq!(at % align, 0);
                        assert!(set.contains(at, size.0), "find_fit gave {at:#x}, not free");
                    }
                    let w = memlayout::Interval::new(window.0.0, window.1.0);
                    let inside = w.and_then(|w| set.find_fit_in(w, size.0, align, |_| true));
                    if let (Some(at), Some(w)) = (inside, w) {
                        assert!(set.contains(at, size.0));
                        assert!(w.contains(at) && w.contains(at + (size.0 - 1)));
                    }
                    Ok(format!("{fit:?} {inside:?}"))
                }
            };
            match result {
                Ok(s) => {
                    writeln!(out, "{n}: ok {s}").unwrap();
                    out.push_str(&check_layout(&l, None));
                    if !pool_after_page {
                        check_spaces(&l, None);
                    }
                }
                Err(e) => writeln!(out, "{n}: error {e}").unwrap(),
            }
            check_set(&set);
        }
        out
    }
}

/// `Layout::build_gpt` as bits 7:2 of `flags` say (see [`Op::Build`]).
fn build_gpt(l: &mut Layout, pools: &[(String, u64)], flags: u8) -> Result<Gpt, String> {
    let l0 = L0GptSize::ALL[usize::from((flags >> 3) & 3)];
    let Some((name, start)) = pools.get(usize::from(flags >> 5) % pools.len().max(1)) else {
        return l
            .build_gpt(&GptRequest::in_pool("none").l0gptsz(l0))
            .map_err(|e| e.to_string());
    };
    let request = if flags & 4 != 0 {
        // At the pool's start, rounded up to the table's alignment, with room for it.
        let size = l.gpt_size(l0).map_err(|e| e.to_string())?;
        let at = start.checked_next_multiple_of(size.align).unwrap_or(*start);
        GptRequest::at(at, size.bytes.next_multiple_of(0x1000))
    } else {
        GptRequest::in_pool(name.clone())
    };
    l.build_gpt(&request.l0gptsz(l0)).map_err(|e| e.to_string())
}

/// The invariants of an interval set: ranges in order, disjoint, the total their sum.
fn check_set(set: &IntervalSet<u8>) {
    let ranges: Vec<_> = set.iter().map(|(i, _)| i).collect();
    for w in ranges.windows(2) {
        assert!(
            w[0].last() < w[1].start(),
            "ranges out of order or overlapping"
        );
    }
    let total: u128 = ranges.iter().map(|i| i.size()).sum();
    assert_eq!(total, set.total_size());
}
