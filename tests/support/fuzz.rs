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
//!   first and last byte at its PA with its permissions.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use arbitrary::{Arbitrary, Unstructured};
use memlayout::aarch64::{TableConfig, Translation};
use memlayout::dsl::file::plan_text;
use memlayout::interval::IntervalSet;
use memlayout::tables::TablePlacement;
use memlayout::{
    ExecutionContext, Layout, MappingId, PageKind, PageRequest, PageSize, Perms, Pool, Rng,
    SegmentKind, SegmentRequest, TableId,
};

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

/// Checks a plan and its translation tables; returns its description.
fn plan_description(plan: &memlayout::plan::Plan) -> String {
    let translations: Vec<Translation> = (0..plan.layout().tables().count())
        .map(|i| {
            plan.translation(i)
                .expect("every table of a plan has translation tables")
                .clone()
        })
        .collect();
    check_layout(plan.layout(), Some(&translations))
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

/// A page declaration of a structured layout.
#[derive(Clone, Debug, Arbitrary)]
pub struct PageDesc {
    kind: u8,
    size: u8,
    count: Option<u8>,
    identity: bool,
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

/// A whole layout generated field by field and rendered in the grammar, so most inputs
/// parse and reach the checks and the planner.
#[derive(Clone, Debug, Arbitrary)]
pub struct LayoutDesc {
    seed: Option<u16>,
    pools: Vec<(bool, bool, Addr, Size)>,
    tables: Vec<TableDesc>,
    shared_pages: Vec<PageDesc>,
    shared_segments: Vec<SegmentDesc>,
    tables_in: Option<u8>,
}

impl PageDesc {
    fn render(&self, s: &mut String, shared: bool, name: &str, pages: usize, tables: usize) {
        let kind = pick(&PageKind::ALL, self.kind).name();
        let prefix = if shared { "shared " } else { "" };
        match self.alias.filter(|_| pages > 0) {
            Some(a) => write!(
                s,
                "{prefix}page {name} : {kind}, alias p{}",
                usize::from(a) % pages
            )
            .unwrap(),
            None => {
                let size = page_size(self.size).name();
                write!(s, "{prefix}page {name} : {kind}, {size}").unwrap();
                if let Some(n) = self.count {
                    write!(s, " * {}", n % 5).unwrap();
                }
            }
        }
        if self.identity {
            s.push_str(", identity");
        }
        if let Some(va) = self.va {
            write!(s, ", va {:#x}", va.0).unwrap();
        }
        if let Some(pa) = self.pa {
            write!(s, ", pa {:#x}", pa.0).unwrap();
        }
        if let Some(p) = self.perms {
            write!(s, ", {}", pick(&PERMS, p).name()).unwrap();
        }
        if let Some(p) = self.pool {
            write!(s, ", pool m{}", p % 3).unwrap();
        }
        if let (true, Some(list)) = (shared, &self.tables)
            && tables > 0
        {
            let names: Vec<String> = list
                .iter()
                .take(4)
                .map(|t| format!("t{}", usize::from(*t) % tables))
                .collect();
            write!(s, ", tables [{}]", names.join(", ")).unwrap();
        }
        s.push_str(";\n");
    }
}

impl SegmentDesc {
    fn render(&self, s: &mut String, shared: bool, name: &str, pages: usize) {
        let kind = pick(&SegmentKind::ALL, self.kind).name();
        let prefix = if shared { "shared " } else { "" };
        write!(s, "{prefix}segment {name} : {kind}, {:#x}", self.size).unwrap();
        if let Some(a) = self.align {
            write!(s, ", align {}", 1u64 << (a % 14)).unwrap();
        }
        if let Some(p) = self.in_page.filter(|_| pages > 0) {
            let prefix = if shared { "sp" } else { "p" };
            write!(s, ", in {prefix}{}", usize::from(p) % pages).unwrap();
        }
        if self.identity {
            s.push_str(", identity");
        }
        if let Some(va) = self.va {
            write!(s, ", va {:#x}", va.0).unwrap();
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
        for (i, (device, non_secure, start, size)) in self.pools.iter().take(3).enumerate() {
            write!(s, "physical m{i} = {:#x} .. +{:#x}", start.0, size.0).unwrap();
            if *device {
                s.push_str(", device");
            }
            if *non_secure {
                s.push_str(", non_secure");
            }
            s.push_str(";\n");
        }
        if let Some(p) = self.tables_in {
            writeln!(s, "tables in m{};", p % 3).unwrap();
        }
        let tables = self.tables.len().min(4);
        for (i, t) in self.tables.iter().take(4).enumerate() {
            let el = pick(&ExecutionContext::ALL, t.el).name();
            writeln!(s, "table t{i} (core {}, {el}) {{", t.core % 4).unwrap();
            for (start, size) in t.virt.iter().take(2) {
                writeln!(s, "virtual {:#x} .. +{:#x};", start.0, size.0).unwrap();
            }
            if let Some(p) = t.tables_in {
                writeln!(s, "tables in m{};", p % 3).unwrap();
            }
            let pages = t.pages.len().min(8);
            for (j, p) in t.pages.iter().take(8).enumerate() {
                p.render(&mut s, false, &format!("p{j}"), pages, tables);
            }
            for (j, seg) in t.segments.iter().take(8).enumerate() {
                seg.render(&mut s, false, &format!("s{j}"), pages);
            }
            s.push_str("}\n");
        }
        let shared = self.shared_pages.len().min(4);
        for (j, p) in self.shared_pages.iter().take(4).enumerate() {
            p.render(&mut s, true, &format!("sp{j}"), 0, tables);
        }
        for (j, seg) in self.shared_segments.iter().take(4).enumerate() {
            seg.render(&mut s, true, &format!("ss{j}"), shared);
        }
        s.push_str("}\n");
        s
    }
}

/// One operation of the run-time API.
#[derive(Clone, Debug, Arbitrary)]
pub enum Op {
    /// `Layout::add_pool`.
    Pool {
        device: bool,
        non_secure: bool,
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
        identity: bool,
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
    /// `Layout::build_translations`.
    Build { wxn: bool },
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
        let mut out = String::new();
        for (n, op) in self.ops.iter().take(MAX_OPS).enumerate() {
            let known = tables.clone();
            let table = |i: u8| known.get(usize::from(i) % known.len().max(1)).copied();
            let result: Result<String, String> = match op {
                Op::Pool {
                    device,
                    non_secure,
                    start,
                    size,
                } => {
                    let name = format!("m{n}");
                    let req = if *device {
                        Pool::device(name, start.0, size.0)
                    } else {
                        Pool::ram(name, start.0, size.0)
                    };
                    let req = if *non_secure { req.non_secure() } else { req };
                    l.add_pool(req)
                        .map(|i| format!("{i}"))
                        .map_err(|e| e.to_string())
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
                    if *identity {
                        req = req.identity();
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
                    let config = TableConfig::new().with_wxn(*wxn);
                    match l.build_translations(&config, &TablePlacement::Anywhere) {
                        Ok(trs) => Ok(check_layout(&l, Some(&trs))),
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
                }
                Err(e) => writeln!(out, "{n}: error {e}").unwrap(),
            }
            check_set(&set);
        }
        out
    }
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
