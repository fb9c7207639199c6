//! Rules across declarations that need no planning: names (duplicates, unknown names,
//! generated constants that would clash), sizes, alignments, address ranges, kinds and
//! permissions. Every rule reports into the [`Ctxt`]; nothing stops at the first error.
//!
//! Messages come from the engine's [`Error`] catalogue wherever one fits, so the same
//! mistake reads the same whether the macro or the planner finds it.

use std::format;
use std::prelude::rust_2024::*;

use std::collections::{BTreeMap, BTreeSet};

use syn::Ident;
use syn::ext::IdentExt;

use super::ast::{Layout, PageDecl, RangeEnd, RangeExpr, SegmentDecl, TableDecl, TablesPlace};
use super::ctxt::{Ctxt, Sp};
use crate::aarch64::regs::PA_BITS;
use crate::error::{Addr, Error, Field, Thing};
use crate::model::{PageKind, PageSize, Perms, STACK_ALIGN, SegmentKind};

/// The granule every range must be aligned to and a multiple of.
const GRANULE: u64 = 0x1000;

/// The prefix of the hidden items of a table module; no page or segment constant may
/// start with it.
pub const RESERVED_PREFIX: &str = "__MEMLAYOUT";

/// How many candidate names the "did you mean" suggestions for unknown pages of one
/// layout may compare in all; later unknown names get the plain hint.
pub const SUGGESTION_BUDGET: usize = 1 << 20;

/// The most pages one `* N` declaration may ask for (each becomes a `const` item).
pub const MAX_COUNT: u64 = 1 << 20;

/// Names of the items every table module has; a page or segment cannot take them.
pub const RESERVED: [&str; 10] = [
    "INFO",
    "PAGES",
    "SEGMENTS",
    "TRANSLATION",
    "TABLES_PA",
    "MAIR",
    "TCR",
    "TTBR0",
    "TTBR1",
    "SCTLR_SET",
];

/// A name as written, without a raw-identifier `r#` prefix.
pub fn name_of(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// The UPPER_SNAKE_CASE constant a page or segment name becomes, or `None` if the name
/// is not an ASCII identifier.
pub fn const_name(name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first = chars.next()?;
    if first.is_ascii_digit() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let mut out = String::with_capacity(name.len() + 4);
    let mut prev_lower = false;
    for c in name.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(c.to_ascii_uppercase());
    }
    (out != "_").then_some(out)
}

/// A size in the units people write: `4K`, `2M`, `1G`, or hex.
pub fn human(bytes: u64) -> String {
    const G: u64 = 1 << 30;
    const M: u64 = 1 << 20;
    const K: u64 = 1 << 10;
    if bytes != 0 && bytes.is_multiple_of(G) {
        format!("{}G", bytes / G)
    } else if bytes != 0 && bytes.is_multiple_of(M) {
        format!("{}M", bytes / M)
    } else if bytes != 0 && bytes.is_multiple_of(K) {
        format!("{}K", bytes / K)
    } else {
        format!("{bytes:#x}")
    }
}

/// The start and size of a range, if the range itself is well formed.
pub fn range_bounds(r: &RangeExpr) -> Option<(u64, u64)> {
    let start = r.start.value;
    let size = match r.end {
        RangeEnd::End(e) => e.value.checked_sub(start)?,
        RangeEnd::Size(n) => n.value,
    };
    Some((start, size))
}

/// Whether `start .. +size` ends past 2^64.
fn wraps(start: u64, size: u128) -> bool {
    u128::from(start) + size > 1u128 << 64
}

/// A page declaration together with the table it is declared in (`None`: shared).
#[derive(Clone, Copy)]
pub struct PageRef<'a> {
    /// The declaration.
    pub decl: &'a PageDecl,
    /// The table index, or `None` for a shared page.
    pub table: Option<usize>,
}

/// Suggestions computed for unknown page names: (table, word) to the suggestion.
type Suggested = BTreeMap<(Option<usize>, String), Option<String>>;

/// Name resolution shared by the checks, the lowering and the code generator.
///
/// Every index is built once, in [`Scope::new`], in time linear in the size of the
/// layout (times a logarithm), so resolving a name costs a map look-up and asking which
/// shared declarations a table holds costs nothing.
pub struct Scope<'a> {
    layout: &'a Layout,
    tables: BTreeMap<String, usize>,
    pools: BTreeSet<String>,
    /// Each table's pages by name (the first declaration of a name wins).
    table_pages: Vec<BTreeMap<String, &'a PageDecl>>,
    /// Names of the pages declared in any table.
    any_table_page: BTreeSet<String>,
    /// Shared pages by name: index into `layout.shared_pages` (the first one wins).
    shared_pages: BTreeMap<String, usize>,
    /// For each table, the indices of the shared pages mapped into it, ascending.
    shared_pages_in: Vec<Vec<usize>>,
    /// For each table, the indices of the shared segments it holds, ascending.
    shared_segments_in: Vec<Vec<usize>>,
    /// Suggestions already computed for unknown page names, by (table, word).
    suggested: std::cell::RefCell<Suggested>,
    /// Candidates the page suggestions may still compare (see [`SUGGESTION_BUDGET`]).
    suggestion_budget: std::cell::Cell<usize>,
}

impl<'a> Scope<'a> {
    /// Indexes the names of a layout (the first declaration of a name wins).
    pub fn new(layout: &'a Layout) -> Scope<'a> {
        let n = layout.tables.len();
        let mut tables = BTreeMap::new();
        let mut table_pages = Vec::with_capacity(n);
        let mut any_table_page = BTreeSet::new();
        for (i, t) in layout.tables.iter().enumerate() {
            tables.entry(name_of(&t.name)).or_insert(i);
            let mut pages = BTreeMap::new();
            for p in &t.pages {
                let name = name_of(&p.name);
                if !any_table_page.contains(&name) {
                    any_table_page.insert(name.clone());
                }
                pages.entry(name).or_insert(p);
            }
            table_pages.push(pages);
        }
        let pools = layout.pools.iter().map(|p| name_of(&p.name)).collect();
        let mut shared_pages = BTreeMap::new();
        // The tables of every shared page, computed once.
        let mut page_tables: Vec<Vec<usize>> = Vec::with_capacity(layout.shared_pages.len());
        let mut shared_pages_in = vec![Vec::new(); n];
        for (i, p) in layout.shared_pages.iter().enumerate() {
            shared_pages.entry(name_of(&p.name)).or_insert(i);
            let mut ts: Vec<usize> = match &p.tables {
                None => (0..n).collect(),
                Some((list, _)) => list
                    .iter()
                    .filter_map(|t| tables.get(&name_of(t)).copied())
                    .collect(),
            };
            ts.sort_unstable();
            ts.dedup();
            for &t in &ts {
                shared_pages_in[t].push(i);
            }
            page_tables.push(ts);
        }
        let mut shared_segments_in = vec![Vec::new(); n];
        for (i, s) in layout.shared_segments.iter().enumerate() {
            let page = s
                .in_page
                .as_ref()
                .and_then(|p| shared_pages.get(&name_of(p)));
            if let Some(&page) = page {
                for &t in &page_tables[page] {
                    shared_segments_in[t].push(i);
                }
            }
        }
        Scope {
            layout,
            tables,
            pools,
            table_pages,
            any_table_page,
            shared_pages,
            shared_pages_in,
            shared_segments_in,
            suggested: std::cell::RefCell::default(),
            suggestion_budget: std::cell::Cell::new(SUGGESTION_BUDGET),
        }
    }

    /// The index of the table with this name.
    pub fn table(&self, name: &str) -> Option<usize> {
        self.tables.get(name).copied()
    }

    /// The shared pages mapped into the table at `t`, in declaration order.
    pub fn shared_pages_in(&self, t: usize) -> impl Iterator<Item = &'a PageDecl> + '_ {
        let all = &self.layout.shared_pages;
        self.shared_pages_in
            .get(t)
            .into_iter()
            .flatten()
            .map(move |&i| &all[i])
    }

    /// The shared segments the table at `t` holds (those whose page is mapped into
    /// it), in declaration order.
    pub fn shared_segments_in(&self, t: usize) -> impl Iterator<Item = &'a SegmentDecl> + '_ {
        let all = &self.layout.shared_segments;
        self.shared_segments_in
            .get(t)
            .into_iter()
            .flatten()
            .map(move |&i| &all[i])
    }

    /// Whether some table declares a page with this name.
    fn table_declares(&self, name: &str) -> bool {
        self.any_table_page.contains(name)
    }

    /// Whether the shared page named `name` is mapped into the table at `t`.
    fn shared_page_in(&self, name: &str, t: usize) -> bool {
        self.shared_pages
            .get(name)
            .is_some_and(|i| self.shared_pages_in[t].binary_search(i).is_ok())
    }

    /// The page a segment of table `t` (or a shared segment, `None`) names with `in`.
    ///
    /// A table's own pages come first, then shared pages mapped into it.
    pub fn page_for(&self, t: Option<usize>, name: &str) -> Option<PageRef<'a>> {
        let shared = |i: &usize| PageRef {
            decl: &self.layout.shared_pages[*i],
            table: None,
        };
        match t {
            Some(t) => {
                if let Some(p) = self.table_pages.get(t).and_then(|m| m.get(name)) {
                    return Some(PageRef {
                        decl: p,
                        table: Some(t),
                    });
                }
                if t < self.shared_pages_in.len() && self.shared_page_in(name, t) {
                    return self.shared_pages.get(name).map(shared);
                }
                None
            }
            None => self.shared_pages.get(name).map(shared),
        }
    }

    /// How many names [`Self::page_candidates`] gives, without collecting them.
    fn page_candidate_count(&self, t: Option<usize>) -> usize {
        let own = t
            .and_then(|t| self.table_pages.get(t))
            .map_or(0, |p| p.len());
        own.saturating_add(self.shared_pages.len())
    }

    /// The names a segment of table `t` (or a shared segment) could put in `in`.
    fn page_candidates(&self, t: Option<usize>) -> Vec<&str> {
        let own = t
            .and_then(|t| self.table_pages.get(t))
            .into_iter()
            .flatten();
        own.map(|(name, _)| name.as_str())
            .chain(self.shared_pages.keys().map(String::as_str))
            .collect()
    }

    /// "did you mean `x`?" for a page name unknown to table `t` (or among shared pages),
    /// else `fallback`. Each (word, table) is looked up once, so many references to one
    /// missing name cost one search, and all searches of a layout together compare at
    /// most [`SUGGESTION_BUDGET`] candidates.
    fn suggest_page(&self, word: &str, t: Option<usize>, fallback: &str) -> String {
        let key = (t, word.to_string());
        let found = self.suggested.borrow().get(&key).cloned();
        let best = match found {
            Some(best) => best,
            None => {
                // Past the budget, unknown names get the plain hint: the work of all
                // suggestions of one layout stays bounded. The count is known without
                // collecting the names, so a search past the budget costs nothing.
                let left = self.suggestion_budget.get();
                let count = self.page_candidate_count(t);
                let best = if count <= left {
                    self.suggestion_budget.set(left - count);
                    super::ast::closest(word, &self.page_candidates(t)).map(str::to_string)
                } else {
                    None
                };
                self.suggested.borrow_mut().insert(key, best.clone());
                best
            }
        };
        match best {
            Some(c) => format!("did you mean `{c}`?"),
            None => fallback.to_string(),
        }
    }
}

/// "did you mean `x`?" for an unknown name, or a plain hint.
fn suggest(word: &str, candidates: &[String], fallback: &str) -> String {
    let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
    match super::ast::closest(word, &refs) {
        Some(c) => format!("did you mean `{c}`?"),
        None => fallback.to_string(),
    }
}

/// Runs every rule on a parsed layout.
pub fn check(layout: &Layout, cx: &mut Ctxt) {
    let scope = Scope::new(layout);
    let broken: BTreeSet<&str> = layout.broken.iter().map(String::as_str).collect();
    check_pools(layout, cx);
    check_tables(layout, &scope, cx);
    for (t, table) in layout.tables.iter().enumerate() {
        for p in &table.pages {
            check_page(&scope, &broken, p, Some(t), cx);
        }
        for s in &table.segments {
            check_segment(&scope, &broken, s, Some(t), cx);
        }
    }
    for p in &layout.shared_pages {
        check_page(&scope, &broken, p, None, cx);
    }
    for s in &layout.shared_segments {
        check_segment(&scope, &broken, s, None, cx);
    }
    check_names(layout, &scope, cx);
    check_translation(layout, &scope, &broken, cx);
}

/// `pa_bits`, `tables at`/`tables in` and `wxn`: the options of the translation tables.
fn check_translation(layout: &Layout, scope: &Scope<'_>, broken: &BTreeSet<&str>, cx: &mut Ctxt) {
    if let Some(decl) = &layout.pa_bits
        && !u8::try_from(decl.bits.value).is_ok_and(|b| PA_BITS.contains(&b))
    {
        cx.error(
            decl.bits.sp,
            format_args!(
                "{} bits is not a physical address size AArch64 tables can encode; use one of 32, 36, 40, 42, 44 or 48",
                decl.bits.value
            ),
        );
    }
    // A declaration that failed to parse may be the RAM pool: say nothing then.
    let has_ram = layout.pools.iter().any(|p| p.device.is_none()) || !broken.is_empty();
    if !layout.tables.is_empty() && layout.tables_at.is_none() && !has_ram {
        cx.error(
            Sp::one(layout.name.span()),
            "the translation tables need RAM, but no RAM pool is declared; declare one like `physical ram = 0x8000_0000 .. +1G;`",
        );
    }
    match &layout.tables_at {
        None => {}
        Some(decl) if layout.tables.is_empty() => cx.error(
            decl.kw,
            "there are no translation tables to place, as no `table` is declared; declare one or remove this line",
        ),
        Some(decl) => match &decl.place {
            TablesPlace::At(r) => {
                check_range(r, Addr::Pa, "tables", cx);
                if let Some((start, size)) = range_bounds(r)
                    && let Some(p) = layout.pools.iter().find(|p| {
                        p.device.is_some()
                            && range_bounds(&p.range).is_some_and(|(ps, pz)| {
                                u128::from(start) < u128::from(ps) + u128::from(pz)
                                    && u128::from(ps) < u128::from(start) + u128::from(size)
                            })
                    })
                {
                    let pname = name_of(&p.name);
                    cx.error_with_note(
                        r.sp,
                        format_args!(
                            "the translation tables must be in RAM, but this range overlaps device pool `{pname}`; pick a range in a RAM pool"
                        ),
                        Sp::one(p.name.span()),
                        format_args!("`{pname}` is declared here"),
                    );
                }
            }
            TablesPlace::In(pool) => {
                let pname = name_of(pool);
                let sp = Sp::one(pool.span());
                match layout.pools.iter().find(|p| name_of(&p.name) == pname) {
                    None if broken.contains(pname.as_str()) => {}
                    None => {
                        let candidates: Vec<String> = scope.pools.iter().cloned().collect();
                        cx.error(
                            sp,
                            format_args!(
                                "there is no pool named `{pname}`; {}",
                                suggest(
                                    &pname,
                                    &candidates,
                                    "declare it with `physical NAME = START .. +SIZE;`"
                                )
                            ),
                        );
                    }
                    Some(p) if p.device.is_some() => cx.error_with_note(
                        sp,
                        format_args!(
                            "the translation tables must be in RAM, but `{pname}` is a device pool; name a RAM pool"
                        ),
                        Sp::one(p.name.span()),
                        format_args!("`{pname}` is declared here"),
                    ),
                    Some(_) => {}
                }
            }
        },
    }
    if let Some(wxn) = layout.wxn {
        let pages = layout
            .tables
            .iter()
            .flat_map(|t| &t.pages)
            .chain(&layout.shared_pages);
        for p in pages {
            // The table builder's rule: code and data pages can execute; device and
            // system pages never do, whatever their permissions say.
            if let Some((perms, sp)) = p.perms
                && perms.write()
                && perms.execute()
                && matches!(p.kind, PageKind::Code | PageKind::Data)
            {
                cx.error_with_note(
                    sp,
                    format_args!(
                        "page `{}` is writable and executable, but `wxn` makes writable memory execute-never; use `rw` or `rx`, or remove `wxn`",
                        name_of(&p.name)
                    ),
                    wxn,
                    "`wxn` is set here",
                );
            }
        }
    }
}

fn check_range(r: &RangeExpr, addr: Addr, name: &str, cx: &mut Ctxt) {
    let start = r.start.value;
    if !start.is_multiple_of(GRANULE) {
        cx.error(
            r.start.sp,
            Error::Misaligned {
                addr,
                value: start,
                align: GRANULE,
                name: name.to_string(),
                field: Field::Range,
            },
        );
    }
    let (size, size_sp) = match r.end {
        RangeEnd::End(e) => {
            if e.value < start {
                cx.error(
                    r.sp,
                    format_args!(
                        "range {start:#x} .. {:#x} ends below its start; put the larger address second, or write `start .. +size`",
                        e.value
                    ),
                );
                return;
            }
            (e.value - start, e.sp)
        }
        RangeEnd::Size(n) => (n.value, n.sp),
    };
    if size == 0 {
        cx.error(
            r.sp,
            Error::ZeroSize {
                what: format!("the range of `{name}`"),
                field: Field::Range,
            },
        );
    } else if wraps(start, u128::from(size)) {
        let field = Field::Range;
        cx.error(r.sp, Error::Wraps { start, size, field });
    } else if size % GRANULE != 0 {
        cx.error(
            size_sp,
            Error::SizeNotMultiple {
                size,
                page_size: GRANULE,
            },
        );
    }
}

/// Records the declaration of `name` in `seen`, or reports it as a duplicate of the
/// first one.
fn first_declaration(
    seen: &mut BTreeMap<String, Sp>,
    what: Thing,
    name: &str,
    sp: Sp,
    cx: &mut Ctxt,
) {
    match seen.get(name) {
        Some(first) => cx.error_with_note(
            sp,
            Error::Duplicate {
                what,
                name: name.to_string(),
                other: None,
            },
            *first,
            format_args!("`{name}` first declared here"),
        ),
        None => {
            seen.insert(name.to_string(), sp);
        }
    }
}

fn check_pools(layout: &Layout, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, Sp> = BTreeMap::new();
    for p in &layout.pools {
        let name = name_of(&p.name);
        let sp = Sp::one(p.name.span());
        first_declaration(&mut seen, Thing::Pool, &name, sp, cx);
        check_range(&p.range, Addr::Pa, &name, cx);
    }
}

fn check_tables(layout: &Layout, scope: &Scope<'_>, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, Sp> = BTreeMap::new();
    for (t, table) in layout.tables.iter().enumerate() {
        let name = name_of(&table.name);
        let sp = Sp::one(table.name.span());
        first_declaration(&mut seen, Thing::Table, &name, sp, cx);
        for r in &table.virt {
            check_range(r, Addr::Va, &name, cx);
        }
        if table.el.has_one_table_per_core()
            && let Some((first, core)) = layout.tables[..t]
                .iter()
                .filter(|o| o.el == table.el)
                .find_map(|o| Some((o, o.cores.first_shared(table.cores)?)))
        {
            let first_name = name_of(&first.name);
            cx.error_with_note(
                sp,
                Error::RegimeTaken {
                    table: name.clone(),
                    core,
                    el: table.el,
                    first: first_name.clone(),
                    other: None,
                },
                Sp::one(first.name.span()),
                format_args!("`{first_name}` is the {} table of core {core}", table.el),
            );
        }
        check_va_bits(table, &name, cx);
        let hosts_pages = !table.pages.is_empty() || scope.shared_pages_in(t).next().is_some();
        if table.virt.is_empty() && hosts_pages {
            cx.error(
                sp,
                format_args!(
                    "table `{name}` has no virtual range to map its pages in; add one like `virtual 0x8000_0000 .. +1G;`"
                ),
            );
        }
    }
}

/// `va_bits` and `va_bits upper` of a table: each must name a range the table has
/// (whether the size covers the ranges is the planner's check).
fn check_va_bits(table: &TableDecl, name: &str, cx: &mut Ctxt) {
    let upper = |r: &&RangeExpr| r.start.value >> 63 == 1;
    let has_upper = table.virt.iter().any(|r| upper(&r));
    let has_lower = table.virt.iter().any(|r| !upper(&r));
    let two_ranges = !crate::aarch64::Regime::of(table.el).is_single_privilege();
    for v in [&table.va_bits, &table.upper_va_bits].into_iter().flatten() {
        let bits = v.bits.value;
        if !(25..=48).contains(&bits) {
            cx.error(
                v.bits.sp,
                format_args!(
                    "a {bits}-bit VA range cannot be translated with the 4 KiB granule; use 25 to 48 bits"
                ),
            );
        }
    }
    if let Some(v) = &table.upper_va_bits {
        if !two_ranges {
            cx.error(
                v.kw,
                format_args!(
                    "table `{name}` is an {} table, and EL3 and EL2 tables have no upper VA range (TTBR1); remove `va_bits upper`",
                    table.el
                ),
            );
        } else if !has_upper {
            cx.error(
                v.kw,
                format_args!(
                    "table `{name}` has no upper virtual range for `va_bits upper` to size; add one like `virtual 0xFFFF_8000_0000_0000 .. +1G;` or remove it"
                ),
            );
        }
    }
    if let Some(v) = &table.va_bits
        && has_upper
        && !has_lower
        && two_ranges
    {
        cx.error(
            v.kw,
            format_args!(
                "table `{name}` has only upper virtual ranges and `va_bits` sizes the lower one; write `va_bits upper = {};`",
                v.bits.value
            ),
        );
    }
}

fn check_page(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    p: &PageDecl,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let name = name_of(&p.name);
    let name_sp = Sp::one(p.name.span());
    let is_device = p.kind.is_device();

    // Size and count.
    let mut bytes: Option<u64> = None;
    if let Some(size) = p.size {
        match PageSize::from_bytes(size.value) {
            Some(ps) => {
                let count = p.count.map_or(1, |c| c.value);
                bytes = ps.bytes().checked_mul(count);
            }
            None => {
                let ps = [PageSize::Size1G, PageSize::Size2M, PageSize::Size4K]
                    .into_iter()
                    .find(|ps| size.value != 0 && size.value % ps.bytes() == 0);
                let msg = match ps {
                    Some(ps) if p.count.is_none() && size.value / ps.bytes() <= 64 => format!(
                        "{} is not a page size; write `{} * {}` for {} consecutive {} pages",
                        human(size.value),
                        ps.name(),
                        size.value / ps.bytes(),
                        size.value / ps.bytes(),
                        ps.name()
                    ),
                    _ => format!(
                        "{} is not a page size; use 4K, 2M or 1G (and `* N` for N consecutive pages)",
                        human(size.value)
                    ),
                };
                cx.error(size.sp, msg);
            }
        }
    }
    if let Some(c) = p.count {
        if c.value == 0 {
            cx.error(c.sp, Error::ZeroCount { name: name.clone() });
        } else if c.value > MAX_COUNT {
            cx.error(
                c.sp,
                format_args!(
                    "`{name}` asks for {} pages, more than the {MAX_COUNT} one declaration may emit; use larger pages",
                    c.value
                ),
            );
        }
    }

    // Fixed addresses.
    let align = p
        .size
        .and_then(|s| PageSize::from_bytes(s.value))
        .map(PageSize::bytes);
    for (num, addr, field) in [(p.va, Addr::Va, Field::Va), (p.pa, Addr::Pa, Field::Pa)] {
        let Some(num) = num else { continue };
        if let Some(align) = align
            && num.value % align != 0
        {
            cx.error(
                num.sp,
                Error::Misaligned {
                    addr,
                    value: num.value,
                    align,
                    name: name.clone(),
                    field,
                },
            );
        } else if let Some(bytes) = bytes
            && wraps(num.value, u128::from(bytes))
        {
            cx.error(
                num.sp,
                Error::Wraps {
                    start: num.value,
                    size: bytes,
                    field,
                },
            );
        }
    }
    // An upper VA (from 0xFFFF_0000_0000_0000) can never equal a PA (below 2^48).
    if let Some(id) = p.identity {
        let upper_va = p.va.is_some_and(|va| va.value >> 63 == 1);
        let only_upper = table
            .and_then(|t| scope.layout.tables.get(t))
            .is_some_and(|t| !t.virt.is_empty() && t.virt.iter().all(|r| r.start.value >> 63 == 1));
        if upper_va || only_upper {
            cx.error(
                id,
                format_args!(
                    "`identity` is impossible in the upper VA range (TTBR1): its addresses start at 0xffff000000000000 and no PA reaches them; map `{name}` in a lower range or drop `identity`"
                ),
            );
        }
    }
    if let (Some(id), Some(va), Some(pa)) = (p.identity, p.va, p.pa)
        && va.value != pa.value
    {
        cx.error(
            id,
            format_args!(
                "`identity` asks for VA == PA but `va` {:#x} and `pa` {:#x} differ; drop `identity` or make them equal",
                va.value, pa.value
            ),
        );
    }

    // Kind and attributes.
    if is_device && p.pa.is_none() && p.alias.is_none() && (p.identity.is_none() || p.va.is_none())
    {
        cx.error(name_sp, Error::DeviceWithoutPa { name: name.clone() });
    }
    if is_device {
        if let Some((perms, sp)) = p.perms
            && perms.execute()
        {
            cx.error(sp, Error::ExecutableDevice { name: name.clone() });
        }
        if let Some((c, sp)) = p.cache {
            cx.error(
                sp,
                format_args!(
                    "`{c}` does not apply to device memory, which is never cached; remove it or make `{name}` a data page"
                ),
            );
        }
        if let Some((s, sp)) = p.share {
            cx.error(
                sp,
                format_args!(
                    "`{s}` does not apply to device memory, which is always outer shareable; remove it"
                ),
            );
        }
    }

    // Pool.
    if let Some(pool) = &p.pool {
        let pname = name_of(pool);
        if !scope.pools.contains(&pname) && !broken.contains(pname.as_str()) {
            let layout = scope.layout;
            // What the page needs from its pool: its kind, and non-secure PA when a
            // table of a non-secure context maps it (once any pool is `non_secure`).
            let models_security = layout.pools.iter().any(|p| p.non_secure.is_some());
            let ns_table = |t: &super::ast::TableDecl| {
                t.el.security() == crate::model::SecurityState::NonSecure
            };
            let needs_ns = models_security
                && match table {
                    Some(t) => layout.tables.get(t).is_some_and(ns_table),
                    None => (0..layout.tables.len())
                        .filter(|&t| scope.shared_pages_in(t).any(|q| std::ptr::eq(q, p)))
                        .any(|t| ns_table(&layout.tables[t])),
                };
            let flags = match (p.kind.is_device(), needs_ns) {
                (true, true) => ", device, non_secure",
                (true, false) => ", device",
                (false, true) => ", non_secure",
                (false, false) => "",
            };
            let declare = format!("declare it with `physical {pname} = START .. +SIZE{flags};`");
            let candidates: Vec<&str> = scope.pools.iter().map(String::as_str).collect();
            let near = super::ast::closest(&pname, &candidates)
                .and_then(|c| layout.pools.iter().find(|q| name_of(&q.name) == c));
            let hint = match near {
                Some(q) => {
                    let qname = name_of(&q.name);
                    let mut differs = Vec::new();
                    if q.device.is_some() != p.kind.is_device() {
                        differs.push(if q.device.is_some() {
                            "a device pool while this page is Normal memory"
                        } else {
                            "a RAM pool while this is a device page"
                        });
                    }
                    if needs_ns && q.non_secure.is_none() {
                        differs.push("secure while a non-secure table maps this page");
                    }
                    if differs.is_empty() {
                        format!("did you mean `{qname}`?")
                    } else {
                        format!(
                            "`{qname}` is close but is {}; {declare}",
                            differs.join(", and ")
                        )
                    }
                }
                None => declare,
            };
            cx.error(
                Sp::one(pool.span()),
                format_args!("there is no pool named `{pname}`; {hint}"),
            );
        }
    }

    // Tables of a shared page.
    if let Some((list, list_sp)) = &p.tables {
        if !p.shared {
            cx.error(
                *list_sp,
                format_args!(
                    "`tables [..]` is only for shared pages; declare `{name}` as a `shared page` or remove the list"
                ),
            );
        } else if list.is_empty() {
            cx.error(*list_sp, Error::NoTables { name: name.clone() });
        }
        let mut seen: BTreeSet<String> = BTreeSet::new();
        for t in list {
            let tname = name_of(t);
            if scope.table(&tname).is_none() {
                if !broken.contains(tname.as_str()) {
                    let candidates: Vec<String> = scope.tables.keys().cloned().collect();
                    cx.error(
                        Sp::one(t.span()),
                        format_args!(
                            "there is no table named `{tname}`; {}",
                            suggest(&tname, &candidates, "check the spelling")
                        ),
                    );
                }
            } else if !seen.insert(tname.clone()) {
                cx.error(
                    Sp::one(t.span()),
                    format_args!("table `{tname}` is listed twice; list it once"),
                );
            }
        }
    }

    // Alias.
    if let Some(alias) = &p.alias {
        if p.shared {
            cx.error(
                alias.sp,
                "a shared page cannot be an alias; alias the shared page from inside a table instead",
            );
        }
        for (sp, what) in [
            (p.pa.map(|n| n.sp), "pa"),
            (p.pool.as_ref().map(|i| Sp::one(i.span())), "pool"),
            (p.count.map(|n| n.sp), "* N"),
        ] {
            if let Some(sp) = sp {
                cx.error(
                    sp,
                    format_args!(
                        "`{what}` cannot be combined with `alias`, which maps the PA of its target; remove it"
                    ),
                );
            }
        }
        let target_table = match &alias.table {
            Some(t) => {
                let tname = name_of(t);
                match scope.table(&tname) {
                    Some(i) => Some(Some(i)),
                    None => {
                        if !broken.contains(tname.as_str()) {
                            let candidates: Vec<String> = scope.tables.keys().cloned().collect();
                            cx.error(
                                Sp::one(t.span()),
                                format_args!(
                                    "there is no table named `{tname}`; {}",
                                    suggest(&tname, &candidates, "check the spelling")
                                ),
                            );
                        }
                        None
                    }
                }
            }
            None => Some(table),
        };
        if let Some(tt) = target_table {
            let pname = name_of(&alias.page);
            match scope.page_for(tt, &pname) {
                None => {
                    if !broken.contains(pname.as_str()) {
                        cx.error(
                            Sp::one(alias.page.span()),
                            format_args!(
                                "there is no page named `{pname}` to alias; {}",
                                scope.suggest_page(&pname, tt, "check the spelling")
                            ),
                        );
                    }
                }
                Some(target) => {
                    if std::ptr::eq(target.decl, p) {
                        // Without `TABLE::`, the name found the alias itself: the page
                        // meant is likely another table's.
                        let other = (0..scope.table_pages.len())
                            .filter(|&t| Some(t) != table)
                            .find(|&t| scope.table_pages[t].contains_key(&pname));
                        match other.and_then(|t| scope.layout.tables.get(t)) {
                            Some(t) if alias.table.is_none() => {
                                let tname = name_of(&t.name);
                                cx.error(
                                    Sp::one(alias.page.span()),
                                    format_args!(
                                        "`{pname}` here names this page itself, so it cannot be aliased; to alias the page `{pname}` of table `{tname}`, write `alias {tname}::{pname}`"
                                    ),
                                );
                            }
                            _ => cx.error(
                                Sp::one(alias.page.span()),
                                "a page cannot alias itself; name another page",
                            ),
                        }
                    } else if target.decl.alias.is_some() {
                        cx.error(
                            Sp::one(alias.page.span()),
                            format_args!(
                                "`{pname}` is an alias itself; alias the page it maps instead"
                            ),
                        );
                    } else if let (Some(size), Some(tsize)) = (p.size, target.decl.size)
                        && (size.value != tsize.value || target.decl.count.is_some())
                    {
                        cx.error_with_note(
                            size.sp,
                            format_args!(
                                "the size of alias `{name}` differs from the size of `{pname}`; remove the size, an alias takes its target's"
                            ),
                            tsize.sp,
                            format_args!("`{pname}` is sized here"),
                        );
                    }
                }
            }
        }
    }
    if p.size.is_none() && p.alias.is_none() {
        cx.error(
            name_sp,
            format_args!("page `{name}` has no size; give it one of 4K, 2M or 1G"),
        );
    }
}

fn check_segment(
    scope: &Scope<'_>,
    broken: &BTreeSet<&str>,
    s: &SegmentDecl,
    table: Option<usize>,
    cx: &mut Ctxt,
) {
    let name = name_of(&s.name);
    if s.size.value == 0 {
        cx.error(
            s.size.sp,
            Error::ZeroSize {
                what: format!("segment `{name}`"),
                field: Field::Size,
            },
        );
    }
    let mut align = s.kind.default_align();
    if let Some(a) = s.align {
        if !a.value.is_power_of_two() {
            cx.error(a.sp, Error::AlignNotPowerOfTwo { align: a.value });
        } else if a.value < s.kind.min_align() {
            cx.error(
                a.sp,
                Error::AlignTooSmall {
                    name: name.clone(),
                    kind: s.kind,
                    align: a.value,
                },
            );
        } else {
            align = a.value;
        }
    }
    if s.kind == SegmentKind::Stack && !s.size.value.is_multiple_of(STACK_ALIGN) {
        cx.error(
            s.size.sp,
            Error::StackSize {
                name: name.clone(),
                size: s.size.value,
            },
        );
    }
    if let Some(va) = s.va {
        if va.value % align != 0 {
            cx.error(
                va.sp,
                Error::Misaligned {
                    addr: Addr::Va,
                    value: va.value,
                    align,
                    name: name.clone(),
                    field: Field::Va,
                },
            );
        } else if wraps(va.value, u128::from(s.size.value)) {
            cx.error(
                va.sp,
                Error::Wraps {
                    start: va.value,
                    size: s.size.value,
                    field: Field::Va,
                },
            );
        }
    }
    match &s.in_page {
        None => {
            if s.shared {
                cx.error(
                    Sp::one(s.name.span()),
                    format_args!(
                        "shared segment `{name}` needs a shared page to sit in; add `in PAGE` naming a `shared page`"
                    ),
                );
            }
        }
        Some(pident) => {
            let pname = name_of(pident);
            let psp = Sp::one(pident.span());
            match scope.page_for(table, &pname) {
                None => {
                    let other_table_page = s.shared && scope.table_declares(&pname);
                    if other_table_page {
                        cx.error(
                            psp,
                            Error::SharedMismatch {
                                name: name.clone(),
                                page: pname,
                                segment_shared: true,
                                other: None,
                            },
                        );
                    } else if !broken.contains(pname.as_str()) {
                        let place = match table.and_then(|t| scope.layout.tables.get(t)) {
                            Some(t) => format!(" in table `{}`", name_of(&t.name)),
                            None => " among the shared pages".to_string(),
                        };
                        cx.error(
                            psp,
                            format_args!(
                                "there is no page named `{pname}`{place}; {}",
                                scope.suggest_page(
                                    &pname,
                                    table,
                                    "declare it or check the spelling"
                                )
                            ),
                        );
                    }
                }
                Some(target) => {
                    let page = target.decl;
                    let page_sp = Sp::one(page.name.span());
                    if page.shared != s.shared {
                        cx.error_with_note(
                            psp,
                            Error::SharedMismatch {
                                name: name.clone(),
                                page: pname.clone(),
                                segment_shared: s.shared,
                                other: None,
                            },
                            page_sp,
                            format_args!("`{pname}` is declared here"),
                        );
                    } else if !s.kind.fits_in(page.kind, page_perms(page)) {
                        let perms = page_perms(page);
                        let err = Error::SegmentKindMismatch {
                            segment: s.kind,
                            page: pname.clone(),
                            page_kind: page.kind,
                            page_perms: perms,
                            other: None,
                        };
                        // The kind fits, the permissions do not: point at them.
                        if s.kind.fits_in(page.kind, perms.with_write(!perms.write())) {
                            cx.error_with_note(
                                s.kind_sp,
                                err,
                                page.perms.map_or(page.kind_sp, |(_, sp)| sp),
                                format_args!(
                                    "`{pname}` is a {} page with `{perms}` permissions",
                                    page.kind
                                ),
                            );
                        } else {
                            cx.error_with_note(
                                s.kind_sp,
                                err,
                                page.kind_sp,
                                format_args!("`{pname}` is a {} page", page.kind),
                            );
                        }
                    } else if let Some(size) = page.size
                        && let Some(ps) = PageSize::from_bytes(size.value)
                    {
                        let page_bytes =
                            ps.bytes().saturating_mul(page.count.map_or(1, |c| c.value));
                        // A page of no bytes (`* 0`) is reported on its count already.
                        if s.size.value > page_bytes && page_bytes != 0 {
                            cx.error_with_note(
                                s.size.sp,
                                Error::SegmentTooLarge {
                                    name: name.clone(),
                                    size: s.size.value,
                                    page: pname.clone(),
                                    page_bytes,
                                    other: None,
                                },
                                size.sp,
                                format_args!("`{pname}` is sized here"),
                            );
                        }
                    }
                }
            }
        }
    }
}

/// The identity of a declaration for the name rules: (group, table, index).
type ItemKey = (u8, usize, usize);

/// Pairs of declarations whose clash was already reported.
type Reported = BTreeSet<(ItemKey, ItemKey)>;

/// One constant a table module gets, for the name rules.
struct Item<'a> {
    ident: &'a Ident,
    what: &'static str,
    shared: bool,
    /// Identity of the declaration, to report each clash once.
    key: ItemKey,
}

fn check_names(layout: &Layout, scope: &Scope<'_>, cx: &mut Ctxt) {
    let mut reported: Reported = BTreeSet::new();
    // Names must be ASCII identifiers and not take a generated constant's name.
    let mut all: Vec<(&Ident, &'static str)> = Vec::new();
    for t in &layout.tables {
        all.extend(t.pages.iter().map(|p| (&p.name, "page")));
        all.extend(t.segments.iter().map(|s| (&s.name, "segment")));
    }
    all.extend(layout.shared_pages.iter().map(|p| (&p.name, "page")));
    all.extend(layout.shared_segments.iter().map(|s| (&s.name, "segment")));
    for (ident, what) in all {
        let name = name_of(ident);
        match const_name(&name) {
            None => cx.error(
                Sp::one(ident.span()),
                format_args!(
                    "{what} name `{name}` is not an ASCII identifier; use letters, digits and `_`"
                ),
            ),
            Some(c) if RESERVED.contains(&c.as_str()) || c.starts_with(RESERVED_PREFIX) => cx.error(
                Sp::one(ident.span()),
                format_args!(
                    "{what} `{name}` would become the constant `{c}`, which every table module already has; rename it"
                ),
            ),
            // The exports name the table's values `<TABLE>_TABLES_PA` and
            // `<TABLE>_TABLES_SIZE`, which this name's `_PA` and `_SIZE` would repeat.
            Some(c) if c == "TABLES" => cx.error(
                Sp::one(ident.span()),
                format_args!(
                    "{what} `{name}` would give `TABLES_PA` and `TABLES_SIZE` in the C header and ld symbols, which name the translation tables; rename it"
                ),
            ),
            Some(_) => {}
        }
    }
    for t in &layout.tables {
        if !name_of(&t.name).is_ascii() {
            cx.error(
                Sp::one(t.name.span()),
                "table names must be ASCII identifiers; use letters, digits and `_`",
            );
        }
    }

    // Shared declarations among themselves, whatever tables they are mapped into.
    let shared_pages: Vec<Item<'_>> = layout
        .shared_pages
        .iter()
        .enumerate()
        .map(|(i, p)| Item {
            ident: &p.name,
            what: "page",
            shared: true,
            key: (2, 0, i),
        })
        .collect();
    let shared_segments: Vec<Item<'_>> = layout
        .shared_segments
        .iter()
        .enumerate()
        .map(|(i, s)| Item {
            ident: &s.name,
            what: "segment",
            shared: true,
            key: (3, 0, i),
        })
        .collect();
    clashes(&shared_pages, None, &mut reported, cx);
    clashes(&shared_segments, None, &mut reported, cx);

    // Everything one table module holds.
    let mut exports: Vec<(&Ident, Option<Item<'_>>)> = Vec::new();
    for (t, table) in layout.tables.iter().enumerate() {
        let mut items: Vec<Item<'_>> = Vec::new();
        items.extend(table.pages.iter().enumerate().map(|(i, p)| Item {
            ident: &p.name,
            what: "page",
            shared: false,
            key: (0, t, i),
        }));
        items.extend(table.segments.iter().enumerate().map(|(i, s)| Item {
            ident: &s.name,
            what: "segment",
            shared: false,
            key: (1, t, i),
        }));
        for &i in &scope.shared_pages_in[t] {
            items.push(Item {
                ident: &layout.shared_pages[i].name,
                what: "page",
                shared: true,
                key: (2, 0, i),
            });
        }
        for &i in &scope.shared_segments_in[t] {
            items.push(Item {
                ident: &layout.shared_segments[i].name,
                what: "segment",
                shared: true,
                key: (3, 0, i),
            });
        }
        clashes(&items, Some(&name_of(&table.name)), &mut reported, cx);
        exports.extend(items.into_iter().map(|item| (&table.name, Some(item))));
        exports.push((&table.name, None));
    }
    export_clashes(&exports, &reported, cx);
}

/// Reports names that the C header and the ld symbols would spell alike: they join the
/// table's and the item's names with `_`, case-insensitively (`MEMLAYOUT_<TABLE>_<NAME>_VA`,
/// `memlayout_<table>_<name>_va`), so table `a_b` with page `c` and table `a` with page
/// `b_c` would both define `MEMLAYOUT_A_B_C_VA`, and page `b_tables` of table `a` would
/// repeat table `a_b`'s `MEMLAYOUT_A_B_TABLES_PA`. An entry without an item stands for
/// the table's own `<TABLE>_TABLES_*` values. Pairs already reported as clashing
/// constants are not reported again.
fn export_clashes(entries: &[(&Ident, Option<Item<'_>>)], reported: &Reported, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, (&Ident, Option<&Item<'_>>)> = BTreeMap::new();
    let mut done: Reported = BTreeSet::new();
    for (table, item) in entries {
        let table_name = name_of(table);
        let item_name = item
            .as_ref()
            .map_or_else(|| String::from("tables"), |i| name_of(i.ident));
        let key = format!("{table_name}_{item_name}").to_ascii_uppercase();
        let Some(&(first_table, first_item)) = seen.get(&key) else {
            seen.insert(key, (table, item.as_ref()));
            continue;
        };
        let (Some(first), Some(item)) = (first_item, item.as_ref()) else {
            // A page of one table against another table's `TABLES_*` values.
            let (page_table, page, other) = match (first_item, item.as_ref()) {
                (Some(f), None) => (first_table, f, *table),
                (None, Some(i)) => (*table, i, first_table),
                _ => continue,
            };
            cx.error_with_note(
                Sp::one(page.ident.span()),
                format_args!(
                    "{} `{}` of table `{}` would export as `MEMLAYOUT_{key}_*`, which repeats the translation-table values of table `{}` in the C header and ld symbols; rename one of them",
                    page.what,
                    name_of(page.ident),
                    name_of(page_table),
                    name_of(other)
                ),
                Sp::one(other.span()),
                format_args!("table `{}` declared here", name_of(other)),
            );
            continue;
        };
        if first.key == item.key
            || reported.contains(&(first.key, item.key))
            || !done.insert((first.key, item.key))
        {
            continue;
        }
        let first_name = name_of(first.ident);
        let name = name_of(item.ident);
        cx.error_with_note(
            Sp::one(item.ident.span()),
            format_args!(
                "`{}::{name}` and `{}::{first_name}` both export as `MEMLAYOUT_{key}_*` in the C header and ld symbols (table and {} names are joined with `_`, case-insensitively); rename one of them",
                table_name,
                name_of(first_table),
                item.what
            ),
            Sp::one(first.ident.span()),
            format_args!("`{}::{first_name}` declared here", name_of(first_table)),
        );
    }
}

/// Reports every pair of items whose constants would clash.
fn clashes(items: &[Item<'_>], table: Option<&str>, reported: &mut Reported, cx: &mut Ctxt) {
    let mut seen: BTreeMap<String, &Item<'_>> = BTreeMap::new();
    for item in items {
        let name = name_of(item.ident);
        let Some(konst) = const_name(&name) else {
            continue;
        };
        let Some(first) = seen.get(&konst) else {
            seen.insert(konst, item);
            continue;
        };
        if !reported.insert((first.key, item.key)) {
            continue;
        }
        let first_name = name_of(first.ident);
        let sp = Sp::one(item.ident.span());
        let first_sp = Sp::one(first.ident.span());
        let place = match table {
            Some(t) if first.shared != item.shared => format!(" in table `{t}`"),
            _ => String::new(),
        };
        if first_name == name && first.what == item.what {
            cx.error_with_note(
                sp,
                format_args!(
                    "{} `{name}` is declared twice{place}; give each {} its own name",
                    item.what, item.what
                ),
                first_sp,
                format_args!("`{name}` first declared here"),
            );
        } else if first_name == name {
            cx.error_with_note(
                sp,
                format_args!(
                    "`{name}` names both a {} and a {}{place}; give each its own name",
                    first.what, item.what
                ),
                first_sp,
                format_args!("`{name}` first declared here"),
            );
        } else {
            cx.error_with_note(
                sp,
                format_args!(
                    "`{name}` and `{first_name}` both become the constant `{konst}`{place}; rename one of them"
                ),
                first_sp,
                format_args!("`{first_name}` declared here"),
            );
        }
    }
}

/// The permissions a page declaration ends up with: its own, or its kind's default.
fn page_perms(p: &PageDecl) -> Perms {
    p.perms.map_or(p.kind.default_perms(), |(perms, _)| perms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn const_names() {
        assert_eq!(const_name("boot").as_deref(), Some("BOOT"));
        assert_eq!(const_name("bsp_boot").as_deref(), Some("BSP_BOOT"));
        assert_eq!(const_name("bspBoot").as_deref(), Some("BSP_BOOT"));
        assert_eq!(const_name("uart0").as_deref(), Some("UART0"));
        assert_eq!(const_name("_").as_deref(), None);
        assert_eq!(const_name("é").as_deref(), None);
        assert_eq!(const_name("").as_deref(), None);
    }

    #[test]
    fn human_sizes() {
        assert_eq!(human(0x1000), "4K");
        assert_eq!(human(0x3000), "12K");
        assert_eq!(human(0x20_0000), "2M");
        assert_eq!(human(0x4000_0000), "1G");
        assert_eq!(human(0x200), "0x200");
        assert_eq!(human(0), "0x0");
    }

    #[test]
    fn wrapping() {
        assert!(!wraps(0, 1 << 63));
        assert!(!wraps(u64::MAX, 1));
        assert!(wraps(u64::MAX, 2));
    }
}
