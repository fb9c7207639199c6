//! What the picture shows: one column per address space, its blocks (pages and
//! reservations) with the boxes inside them (segments, translation tables), and the
//! brackets of its pools or virtual ranges.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::text::{addr_text, plural, size_text};
use crate::export::{Input, TableView, page_range};
use crate::model::{PageKind, SegmentKind};

/// One address space.
pub(super) struct Column {
    pub(super) title: String,
    pub(super) subtitle: String,
    /// Disjoint, sorted by start.
    pub(super) blocks: Vec<Block>,
    /// Pools or virtual ranges, drawn as brackets.
    pub(super) ranges: Vec<Bracket>,
}

/// A box: a page declaration (a run of pages) or a reservation.
pub(super) struct Block {
    pub(super) start: u128,
    pub(super) end: u128,
    /// CSS class of the fill.
    pub(super) class: &'static str,
    pub(super) name: String,
    /// Right-aligned on the first line: kind, permissions, size.
    pub(super) facts: String,
    /// Second line.
    pub(super) detail: String,
    /// The whole description, for the tooltip.
    pub(super) tip: String,
    /// The boundaries of its pages (a run) with their tooltips.
    pub(super) pages: Vec<(u128, u128, String)>,
    /// Segments (or translation tables) inside, sorted by start.
    pub(super) inner: Vec<Inner>,
    /// The PA of its first byte, to join the boxes that map one PA.
    pub(super) join: Option<u64>,
    pub(super) alias: bool,
}

/// A box inside a block: a segment, or one table's translation tables.
pub(super) struct Inner {
    pub(super) start: u128,
    pub(super) end: u128,
    pub(super) class: &'static str,
    pub(super) label: String,
    /// Right-aligned: kind and size.
    pub(super) facts: String,
    pub(super) tip: String,
}

/// A pool or a virtual range.
pub(super) struct Bracket {
    pub(super) start: u128,
    pub(super) end: u128,
    pub(super) label: String,
    pub(super) class: &'static str,
}

/// A table that maps a physical block, and the VA of each of its pages there.
pub(super) type Mapped = (String, Vec<u64>);

pub(super) fn physical_column(input: &Input<'_>) -> Column {
    let layout = input.plan().layout();
    // Pages by PA (aliases map a PA another page owns), with the tables mapping them and
    // the VA of each page there.
    let mut by_pa: BTreeMap<u64, (Block, Vec<Mapped>)> = BTreeMap::new();
    for t in input.tables() {
        for pp in &t.pages {
            if input.alias_of(pp).is_some() {
                continue;
            }
            let Some(first) = pp.pages.first() else {
                continue;
            };
            let (_, pa, size) = page_range(pp);
            let entry = by_pa.entry(pa).or_insert_with(|| {
                let mut b = page_block(pp.name, &pp.pages, u128::from(pa), size, false);
                b.join = Some(pa);
                b.pages = pp
                    .pages
                    .iter()
                    .map(|p| {
                        (
                            u128::from(p.pa()),
                            p.pa_end(),
                            page_pa_tip(p.name(), p, pp.pages.len()),
                        )
                    })
                    .collect();
                b.detail = if first.is_identity() {
                    String::from("identity")
                } else if first.va_equals_pa() {
                    String::from("va == pa")
                } else {
                    String::new()
                };
                (b, Vec::new())
            });
            let vas = pp.pages.iter().map(|p| p.va()).collect();
            entry.1.push((t.name().to_string(), vas));
        }
    }
    let mut blocks: Vec<Block> = Vec::with_capacity(by_pa.len());
    for (_, (mut b, tables)) in by_pa {
        let names: Vec<&str> = tables.iter().map(|(n, _)| n.as_str()).collect();
        let who = if names.len() > 1 {
            format!("shared: {}", names.join(", "))
        } else {
            format!("in {}", names.join(", "))
        };
        b.detail = if b.detail.is_empty() {
            who
        } else {
            format!("{who}, {}", b.detail)
        };
        b.tip = format!("{} ({})", b.tip, b.detail);
        for (k, page) in b.pages.iter_mut().enumerate() {
            for (i, (table, vas)) in tables.iter().enumerate() {
                let va = vas.get(k).copied().unwrap_or(0);
                page.2.push_str(if i == 0 { ", at VA " } else { ", VA " });
                page.2.push_str(&addr_text(u128::from(va)));
                page.2.push_str(" in ");
                page.2.push_str(table);
            }
        }
        blocks.push(b);
    }
    // Segments by PA, once each (a shared segment is seen from every table).
    let mut segs: BTreeMap<(u64, String), Inner> = BTreeMap::new();
    for t in input.tables() {
        for s in &t.segments {
            let s = s.segment;
            segs.entry((s.pa(), s.name().to_string()))
                .or_insert_with(|| segment_inner(s, u128::from(s.pa()), false));
        }
    }
    for ((pa, _), inner) in segs {
        if let Some(b) = blocks
            .iter_mut()
            .find(|b| b.start <= u128::from(pa) && u128::from(pa) < b.end)
        {
            b.inner.push(inner);
        }
    }
    // Reservations (the translation tables), with each selected table's tables inside.
    for (name, r) in layout.reservations() {
        let start = u128::from(r.start());
        let end = u128::from(r.last()) + 1;
        let mut b = Block {
            start,
            end,
            class: "pg-system",
            name: name.clone(),
            facts: size_text(end - start),
            detail: String::new(),
            tip: format!(
                "reserved `{name}`: PA {}..{}",
                addr_text(start),
                addr_text(end)
            ),
            pages: Vec::new(),
            inner: Vec::new(),
            join: None,
            alias: false,
        };
        for t in input.tables() {
            let tr = t.translation;
            let (ts, te) = (u128::from(tr.base_pa()), u128::from(tr.end_pa()));
            if ts >= start && te <= end && te > ts {
                let n = tr.table_count();
                b.inner.push(Inner {
                    start: ts,
                    end: te,
                    class: "tt",
                    label: t.name().to_string(),
                    facts: format!("{n} table{}", plural(n)),
                    tip: format!(
                        "translation tables of {}: {n} of 4 KiB at PA {}..{}",
                        t.name(),
                        addr_text(ts),
                        addr_text(te)
                    ),
                });
            }
        }
        blocks.push(b);
    }
    for b in &mut blocks {
        b.inner.sort_by_key(|i| i.start);
    }
    blocks.sort_by_key(|b| b.start);
    let ranges = layout
        .pools()
        .iter()
        .map(|p| {
            let r = p.range();
            Bracket {
                start: u128::from(r.start()),
                end: u128::from(r.last()) + 1,
                label: match p.space_label() {
                    Some(space) => format!("{} ({space})", p.name()),
                    None => p.name().to_string(),
                },
                class: if p.is_device() { "br-dev" } else { "br-ram" },
            }
        })
        .collect();
    Column {
        title: String::from("physical"),
        subtitle: format!("PA, {}-bit", layout.pa_bits()),
        blocks,
        ranges,
    }
}

pub(super) fn table_column(input: &Input<'_>, t: &TableView<'_>) -> Column {
    let layout = input.plan().layout();
    let mut blocks = Vec::with_capacity(t.pages.len());
    for pp in &t.pages {
        let Some(first) = pp.pages.first() else {
            continue;
        };
        let (va, pa, size) = page_range(pp);
        let alias = input.alias_of(pp);
        let mut b = page_block(pp.name, &pp.pages, u128::from(va), size, alias.is_some());
        b.join = Some(pa);
        b.pages = pp
            .pages
            .iter()
            .map(|p| {
                (
                    u128::from(p.va()),
                    p.va_end(),
                    page_tip(p.name(), p, pp.pages.len()),
                )
            })
            .collect();
        let mut detail = format!("PA {}", addr_text(u128::from(pa)));
        if first.is_identity() {
            detail.push_str(", identity");
        } else if first.va_equals_pa() {
            detail.push_str(", va == pa");
        }
        if first.is_shared() {
            detail.push_str(", shared");
        }
        if let Some(of) = alias {
            detail.push_str(&format!(", alias of {of}"));
        }
        b.tip = format!("{} ({detail})", b.tip);
        b.detail = detail;
        for s in &t.segments {
            let s = s.segment;
            let at = u128::from(s.va());
            if at >= b.start && at < b.end {
                b.inner.push(segment_inner(s, at, true));
            }
        }
        b.inner.sort_by_key(|i| i.start);
        blocks.push(b);
    }
    blocks.extend(guard_blocks(t));
    blocks.sort_by_key(|b| b.start);
    let ranges = layout
        .table(t.name())
        .map(|id| layout.virtual_ranges(id))
        .unwrap_or_default()
        .iter()
        .map(|r| Bracket {
            start: u128::from(r.start()),
            end: u128::from(r.last()) + 1,
            label: String::from("virtual"),
            class: "br-va",
        })
        .collect();
    Column {
        title: t.name().to_string(),
        // A process's or kernel's role replaces the regime (which its EL already
        // says), so the subtitle fits its box.
        subtitle: match process_role(t) {
            role if role.is_empty() => format!(
                "VA, {}, {}, {} regime",
                t.info.cores(),
                t.info.el(),
                t.translation.regime()
            ),
            role => format!("VA, {}, {}{role}", t.info.cores(), t.info.el()),
        },
        blocks,
        ranges,
    }
}

/// A process's ASID and kernel (`, ASID 1 under kernel`), or a kernel's processes
/// (`, kernel of shell, init`), for a column's subtitle; empty for other tables.
fn process_role(t: &TableView<'_>) -> String {
    let mut role = String::new();
    if let Some(asid) = t.asid {
        role.push_str(&format!(", ASID {asid}"));
    }
    if let Some(kernel) = t.kernel {
        let sep = if t.asid.is_some() { " " } else { ", " };
        role.push_str(&format!("{sep}under {kernel}"));
    }
    if !t.processes.is_empty() {
        role.push_str(&format!(", kernel of {}", t.processes.join(", ")));
    }
    role
}

/// The guard gaps of a table's guarded pages as boxes: VA below and above each guarded
/// run that no page maps, clipped to the 64-bit space; gaps that meet or overlap (two
/// guarded runs sharing a gap) are one box.
fn guard_blocks(t: &TableView<'_>) -> Vec<Block> {
    let mut gaps: Vec<(u128, u128, String)> = Vec::new();
    for pp in &t.pages {
        let (Some(first), Some(last)) = (pp.pages.first(), pp.pages.last()) else {
            continue;
        };
        let g = u128::from(first.guard());
        if g == 0 {
            continue;
        }
        let (start, end) = (u128::from(first.va()), last.va_end());
        let size = size_text(g);
        if start > 0 {
            let below = start.saturating_sub(g);
            gaps.push((below, start, format!("{size} below {}", pp.name)));
        }
        if end < 1 << 64 {
            let above = (end + g).min(1 << 64);
            gaps.push((end, above, format!("{size} above {}", pp.name)));
        }
    }
    gaps.sort();
    let mut merged: Vec<(u128, u128, Vec<String>)> = Vec::new();
    for (start, end, what) in gaps {
        match merged.last_mut() {
            Some(m) if start <= m.1 => {
                m.1 = m.1.max(end);
                m.2.push(what);
            }
            _ => merged.push((start, end, alloc::vec![what])),
        }
    }
    merged
        .into_iter()
        .map(|(start, end, what)| Block {
            start,
            end,
            class: super::draw::GUARD_CLASS,
            name: String::from("guard"),
            facts: format!("unmapped {}", size_text(end - start)),
            detail: what.join(", "),
            tip: format!(
                "guard gap {}..{}: unmapped VA ({}), an access here takes a translation fault",
                addr_text(start),
                addr_text(end),
                what.join(", ")
            ),
            pages: Vec::new(),
            inner: Vec::new(),
            join: None,
            alias: false,
        })
        .collect()
}

pub(super) fn page_block(
    name: &str,
    pages: &[&crate::model::Page],
    start: u128,
    size: u64,
    alias: bool,
) -> Block {
    let first = pages[0];
    let n = pages.len();
    let kind = first.kind();
    let count = if n > 1 {
        format!(" \u{d7} {n}")
    } else {
        String::new()
    };
    let facts = format!(
        "{}{} {} {}{count}",
        kind.name(),
        device_note(first),
        first.perms().name(),
        first.page_size().name()
    );
    Block {
        start,
        end: start + u128::from(size),
        class: match kind {
            PageKind::Code => "pg-code",
            PageKind::Data => "pg-data",
            PageKind::Device => "pg-device",
            PageKind::System => "pg-system",
        },
        name: name.to_string(),
        tip: format!("page {name}: {facts}, {}", size_text(u128::from(size))),
        facts,
        detail: String::new(),
        pages: Vec::new(),
        inner: Vec::new(),
        join: None,
        alias,
    }
}

/// ` nGnRE` (the Device type, after the kind) for a device page; nothing otherwise.
fn device_note(p: &crate::model::Page) -> String {
    p.device_type()
        .map_or(String::new(), |d| format!(" {}", d.name()))
}

pub(super) fn page_tip(name: &str, p: &crate::model::Page, run: usize) -> String {
    let name = if run > 1 {
        format!("{name}[{}]", p.index())
    } else {
        name.to_string()
    };
    format!(
        "page {name}: VA {}..{} PA {}..{}, {}{} {} {}",
        addr_text(u128::from(p.va())),
        addr_text(p.va_end()),
        addr_text(u128::from(p.pa())),
        addr_text(p.pa_end()),
        p.kind().name(),
        device_note(p),
        p.perms().name(),
        p.page_size().name()
    )
}

/// The tooltip of a page in the physical column (the VAs are appended).
pub(super) fn page_pa_tip(name: &str, p: &crate::model::Page, run: usize) -> String {
    let name = if run > 1 {
        format!("{name}[{}]", p.index())
    } else {
        name.to_string()
    };
    format!(
        "page {name}: PA {}..{}, {}{} {} {}",
        addr_text(u128::from(p.pa())),
        addr_text(p.pa_end()),
        p.kind().name(),
        device_note(p),
        p.perms().name(),
        p.page_size().name()
    )
}

pub(super) fn segment_inner(s: &crate::model::Segment, start: u128, virt: bool) -> Inner {
    let other = if virt {
        format!("PA {}", addr_text(u128::from(s.pa())))
    } else {
        format!("VA {}", addr_text(u128::from(s.va())))
    };
    Inner {
        start,
        end: start + u128::from(s.size()),
        class: segment_class(s.kind()),
        label: s.name().to_string(),
        facts: format!("{} {}", s.kind(), size_text(u128::from(s.size()))),
        tip: format!(
            "segment {}: {}, {} bytes at {} {}, {other}, align {}{}{}",
            s.name(),
            s.kind(),
            addr_text(u128::from(s.size())),
            if virt { "VA" } else { "PA" },
            addr_text(start),
            s.align(),
            if s.is_shared() { ", shared" } else { "" },
            if s.is_identity() {
                ", identity"
            } else if s.va_equals_pa() {
                ", va == pa"
            } else {
                ""
            },
        ),
    }
}

pub(super) fn segment_class(k: SegmentKind) -> &'static str {
    match k {
        SegmentKind::BspBootCode => "sg-bsp_boot_code",
        SegmentKind::BootCode => "sg-boot_code",
        SegmentKind::Code => "sg-code",
        SegmentKind::Rodata => "sg-rodata",
        SegmentKind::Data => "sg-data",
        SegmentKind::Bss => "sg-bss",
        SegmentKind::DataShared => "sg-data_shared",
        SegmentKind::DataPreserve => "sg-data_preserve",
        SegmentKind::Stack => "sg-stack",
    }
}
