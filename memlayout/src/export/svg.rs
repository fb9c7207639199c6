//! An SVG picture of the layout: the physical address space and each selected table's
//! virtual address space side by side.
//!
//! * One column per address space: `physical` first, then the tables in declaration
//!   order. Addresses grow downwards; every block boundary is labelled on the left of
//!   its column, and brackets left of the labels show the pools (physical) or the
//!   virtual ranges (tables).
//! * Pages are boxes coloured by kind (code, data, device, system), a `* N` run one box
//!   with a divider per page; the translation tables sit in the physical column inside
//!   their reservation. Segments are boxes coloured by kind inside their page.
//! * A physical page mapped more than once (a shared page, or a page and its aliases) is
//!   joined by a coloured line to every box that maps it: it bends in the gutter next to
//!   the physical column and runs straight, over a white halo, across any column in
//!   between; a dot marks each end.
//! * Not to scale: a page's height grows with the logarithm of its size (a 4 KiB page is
//!   36 px, a 2 MiB page 144 px, a 1 GiB page 252 px) and every empty stretch is a band
//!   of fixed height labelled with its size, so a 4 KiB page next to a 1 GiB page stays
//!   visible.
//!
//! The picture is self-contained (no fonts, scripts, images or links), uses integer
//! coordinates only, escapes every name, and carries a `<title>` tooltip on every page,
//! segment and band; the same layout gives the same bytes.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::{Input, page_range};
use crate::model::{PageKind, SegmentKind};

/// The SVG picture of `input` (see the [module](self) docs): a complete, standalone
/// SVG 1.1 document.
pub fn svg(input: &Input<'_>) -> String {
    // The physical column in the middle, so joins cross as few columns as possible.
    let tables = input.tables();
    let pa_pos = tables.len() / 2;
    let mut columns = Vec::with_capacity(tables.len() + 1);
    for t in &tables[..pa_pos] {
        columns.push(table_column(input, t));
    }
    columns.push(physical_column(input));
    for t in &tables[pa_pos..] {
        columns.push(table_column(input, t));
    }
    let placed: Vec<Placed> = columns.iter().map(place).collect();
    render(input, &columns, &placed, pa_pos)
}

// ---------------------------------------------------------------------------------------
// What is drawn.

/// One address space.
struct Column {
    title: String,
    subtitle: String,
    /// Disjoint, sorted by start.
    blocks: Vec<Block>,
    /// Pools or virtual ranges, drawn as brackets.
    ranges: Vec<Bracket>,
}

/// A box: a page declaration (a run of pages) or a reservation.
struct Block {
    start: u128,
    end: u128,
    /// CSS class of the fill.
    class: &'static str,
    name: String,
    /// Right-aligned on the first line: kind, permissions, size.
    facts: String,
    /// Second line.
    detail: String,
    /// The whole description, for the tooltip.
    tip: String,
    /// The boundaries of its pages (a run) with their tooltips.
    pages: Vec<(u128, u128, String)>,
    /// Segments (or translation tables) inside, sorted by start.
    inner: Vec<Inner>,
    /// The PA of its first byte, to join the boxes that map one PA.
    join: Option<u64>,
    alias: bool,
}

/// A box inside a block: a segment, or one table's translation tables.
struct Inner {
    start: u128,
    end: u128,
    class: &'static str,
    label: String,
    /// Right-aligned: kind and size.
    facts: String,
    tip: String,
}

/// A pool or a virtual range.
struct Bracket {
    start: u128,
    end: u128,
    label: String,
    class: &'static str,
}

/// A table that maps a physical block, and the VA of each of its pages there.
type Mapped = (String, Vec<u64>);

fn physical_column(input: &Input<'_>) -> Column {
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
                label: format!(
                    "{}{}",
                    p.name(),
                    if p.is_non_secure() {
                        " (non-secure)"
                    } else {
                        ""
                    }
                ),
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

fn table_column(input: &Input<'_>, t: &super::TableView<'_>) -> Column {
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
        subtitle: format!(
            "VA, {}, {}, {} regime",
            t.info.cores(),
            t.info.el(),
            t.translation.regime()
        ),
        blocks,
        ranges,
    }
}

fn page_block(
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
        "{} {} {}{count}",
        kind.name(),
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

fn page_tip(name: &str, p: &crate::model::Page, run: usize) -> String {
    let name = if run > 1 {
        format!("{name}[{}]", p.index())
    } else {
        name.to_string()
    };
    format!(
        "page {name}: VA {}..{} PA {}..{}, {} {} {}",
        addr_text(u128::from(p.va())),
        addr_text(p.va_end()),
        addr_text(u128::from(p.pa())),
        addr_text(p.pa_end()),
        p.kind().name(),
        p.perms().name(),
        p.page_size().name()
    )
}

/// The tooltip of a page in the physical column (the VAs are appended).
fn page_pa_tip(name: &str, p: &crate::model::Page, run: usize) -> String {
    let name = if run > 1 {
        format!("{name}[{}]", p.index())
    } else {
        name.to_string()
    };
    format!(
        "page {name}: PA {}..{}, {} {} {}",
        addr_text(u128::from(p.pa())),
        addr_text(p.pa_end()),
        p.kind().name(),
        p.perms().name(),
        p.page_size().name()
    )
}

fn segment_inner(s: &crate::model::Segment, start: u128, virt: bool) -> Inner {
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
            hex(u128::from(s.size())),
            if virt { "VA" } else { "PA" },
            addr_text(start),
            s.align(),
            if s.is_shared() { ", shared" } else { "" },
            if s.is_identity() { ", identity" } else { "" },
        ),
    }
}

fn segment_class(k: SegmentKind) -> &'static str {
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

// ---------------------------------------------------------------------------------------
// Vertical placement: every column gets its own compressed axis.

/// Height of the page header (two text lines).
const HEADER: i64 = 32;
/// Height of a segment box and the space between two.
const SEG_H: i64 = 15;
const SEG_GAP: i64 = 2;
/// Height of an empty stretch inside a pool or virtual range, and outside them.
const GAP_IN: i64 = 26;
const GAP_OUT: i64 = 18;

/// A stretch of the axis: a block or an empty band.
struct Piece {
    start: u128,
    end: u128,
    y: i64,
    h: i64,
    /// The block drawn there.
    block: Option<usize>,
    /// For a band: whether it lies inside a pool or virtual range.
    inside: bool,
}

struct Placed {
    pieces: Vec<Piece>,
    height: i64,
}

impl Placed {
    /// The y of an address of the column (monotone; linear inside each piece).
    fn y_of(&self, addr: u128) -> i64 {
        for p in &self.pieces {
            if addr <= p.end {
                let span = (p.end - p.start).max(1);
                let off = addr.saturating_sub(p.start).min(span);
                return p.y + i64::try_from(off * p.h as u128 / span).unwrap_or(p.h);
            }
        }
        self.height
    }
}

/// The height of a block: 36 px for 4 KiB, 12 px more per doubling, and room for its
/// segments.
fn block_height(b: &Block) -> i64 {
    let units = ((b.end - b.start) / 0x1000).max(1);
    let log = i64::from(127 - units.leading_zeros() as i32);
    let by_size = 36 + 12 * log;
    let n = i64::try_from(b.inner.len()).unwrap_or(i64::MAX / 64);
    let by_segments = HEADER + n * (SEG_H + SEG_GAP) + 4;
    by_size.max(by_segments)
}

fn place(c: &Column) -> Placed {
    // Every boundary of a bracket splits the empty stretches, so brackets start and end
    // at band edges.
    let mut cuts: Vec<u128> = c.ranges.iter().flat_map(|r| [r.start, r.end]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let lo = c
        .blocks
        .iter()
        .map(|b| b.start)
        .chain(cuts.first().copied())
        .min()
        .unwrap_or(0);
    let hi = c
        .blocks
        .iter()
        .map(|b| b.end)
        .chain(cuts.last().copied())
        .max()
        .unwrap_or(0);
    let inside = |a: u128, b: u128| c.ranges.iter().any(|r| r.start <= a && b <= r.end);
    let mut pieces = Vec::new();
    let mut y = 0;
    let mut cursor = lo;
    let gap = |from: u128, to: u128, y: &mut i64, pieces: &mut Vec<Piece>| {
        let mut a = from;
        for &cut in cuts.iter().filter(|&&x| x > from && x < to).chain([&to]) {
            let ins = inside(a, cut);
            let h = if ins { GAP_IN } else { GAP_OUT };
            pieces.push(Piece {
                start: a,
                end: cut,
                y: *y,
                h,
                block: None,
                inside: ins,
            });
            *y += h;
            a = cut;
        }
    };
    for (i, b) in c.blocks.iter().enumerate() {
        if b.start > cursor {
            gap(cursor, b.start, &mut y, &mut pieces);
        }
        let h = block_height(b);
        pieces.push(Piece {
            start: b.start,
            end: b.end,
            y,
            h,
            block: Some(i),
            inside: true,
        });
        y += h;
        cursor = cursor.max(b.end);
    }
    if hi > cursor {
        gap(cursor, hi, &mut y, &mut pieces);
    }
    Placed { pieces, height: y }
}

/// The y and height of each inner box of a block drawn at `y` with height `h`: near
/// its offset in the block, in address order, never overlapping.
fn place_inner(b: &Block, y: i64, h: i64) -> Vec<(i64, i64)> {
    let top = y + HEADER;
    let bottom = y + h - 4;
    let room = (bottom - top).max(0);
    let span = (b.end - b.start).max(1);
    let mut out: Vec<(i64, i64)> = Vec::with_capacity(b.inner.len());
    let mut next_free = top;
    for s in &b.inner {
        let off = s.start.saturating_sub(b.start).min(span);
        let want = top + i64::try_from(off * room as u128 / span).unwrap_or(0);
        let prop = i64::try_from((s.end - s.start) * room as u128 / span).unwrap_or(room);
        let sh = prop.max(SEG_H);
        let sy = want.max(next_free);
        out.push((sy, sh));
        next_free = sy + sh + SEG_GAP;
    }
    if next_free - SEG_GAP > bottom {
        // Too tall at their offsets: stack them from the top.
        for (i, o) in out.iter_mut().enumerate() {
            *o = (top + i as i64 * (SEG_H + SEG_GAP), SEG_H);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// Drawing.

const MARGIN: i64 = 24;
const BRACKET_W: i64 = 16;
const LABELS_W: i64 = 100;
const BOX_W: i64 = 260;
const GUTTER: i64 = 72;
const COLUMN_W: i64 = BRACKET_W + LABELS_W + BOX_W;
/// Approximate advance of the monospace font, in tenths of a pixel per pixel of size.
const CHAR_W_TENTHS: i64 = 6;

const STYLE: &str = "
text { font-family: 'DejaVu Sans Mono', Menlo, Consolas, monospace; fill: #1f2430; }
.title { font-size: 20px; font-weight: bold; }
.sub { font-size: 12px; fill: #5a6070; }
.coltitle { font-size: 14px; font-weight: bold; }
.colsub { font-size: 11px; fill: #5a6070; }
.name { font-size: 11px; font-weight: bold; }
.facts { font-size: 10px; fill: #3a4050; }
.detail { font-size: 10px; fill: #5a6070; }
.addr { font-size: 10px; fill: #3a4050; }
.seg { font-size: 10px; fill: #2a3040; }
.segname { font-size: 10px; font-weight: bold; }
.gap { font-size: 10px; fill: #8a8f9c; font-style: italic; }
.legend { font-size: 11px; }
.brl { font-size: 10px; fill: #5a6070; }
.pg-code { fill: #dce8f8; stroke: #4a72a8; }
.pg-data { fill: #dcf0dc; stroke: #4a8a4a; }
.pg-device { fill: #fbe1c6; stroke: #b86e24; }
.pg-system { fill: #e8e2f2; stroke: #75609c; }
.alias { stroke-dasharray: 5 3; }
.div { stroke: #ffffff; stroke-width: 1; opacity: 0.9; }
.sg-bsp_boot_code { fill: #8db1e6; stroke: #3d6399; }
.sg-boot_code { fill: #a6c3ee; stroke: #3d6399; }
.sg-code { fill: #c0d6f5; stroke: #3d6399; }
.sg-rodata { fill: #cfc7ef; stroke: #5d4f9a; }
.sg-data { fill: #92d392; stroke: #367a36; }
.sg-bss { fill: #c2e8c2; stroke: #367a36; }
.sg-data_shared { fill: #8fd3cb; stroke: #2c7d74; }
.sg-data_preserve { fill: #f0d08a; stroke: #9a7420; }
.sg-stack { fill: #f0a99b; stroke: #a44a3a; }
.tt { fill: #c9bde3; stroke: #5d4f9a; }
.band { fill: #f6f7f9; stroke: #c9ccd4; stroke-dasharray: 3 3; }
.bandout { fill: #ffffff; stroke: none; }
.tick { stroke: #9aa0ac; }
.br-ram { stroke: #4a8a4a; fill: none; stroke-width: 2; }
.br-dev { stroke: #b86e24; fill: none; stroke-width: 2; }
.br-va { stroke: #4a72a8; fill: none; stroke-width: 2; }
.join { fill: none; stroke-width: 2; opacity: 0.8; }
.halo { fill: none; stroke: #ffffff; stroke-width: 5; opacity: 0.8; }
";

/// Colours of the joins, in turn.
const JOIN_COLOURS: [&str; 6] = [
    "#d1495b", "#00798c", "#edae49", "#6a4c93", "#30638e", "#66a182",
];

fn render(input: &Input<'_>, columns: &[Column], placed: &[Placed], pa_pos: usize) -> String {
    let n = i64::try_from(columns.len()).unwrap_or(1);
    let width = 2 * MARGIN + n * COLUMN_W + (n - 1) * GUTTER;
    let mut out = String::new();
    let mut body = String::new();

    // Title and legend.
    let layout = input.plan().layout();
    let _ = writeln!(
        body,
        "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\">memory layout {}</text>",
        MARGIN + 16,
        esc(input.module())
    );
    let tables = input.tables().len();
    let _ = writeln!(
        body,
        "<text class=\"sub\" x=\"{MARGIN}\" y=\"{}\">{tables} table{}, {}</text>\n<text class=\"sub\" x=\"{MARGIN}\" y=\"{}\">addresses grow downwards; not to scale: height grows with log(size), empty stretches are compressed</text>",
        MARGIN + 36,
        plural(tables),
        match layout.seed() {
            Some(s) => format!("seed {s:#x}"),
            None => String::from("deterministic placement"),
        },
        MARGIN + 52,
    );
    let legend_y = MARGIN + 76;
    let legend_h = legend(&mut body, legend_y, width);
    let top = legend_y + legend_h + 20;
    let col_top = top + 40;

    // Columns.
    let mut bottom = col_top;
    let col_x = |i: usize| MARGIN + i64::try_from(i).unwrap_or(0) * (COLUMN_W + GUTTER);
    let mut joins: BTreeMap<u64, Vec<(usize, i64, i64)>> = BTreeMap::new();
    for (i, (c, p)) in columns.iter().zip(placed).enumerate() {
        let x = col_x(i);
        let bx = x + BRACKET_W + LABELS_W;
        let _ = writeln!(
            body,
            "<text class=\"coltitle\" x=\"{bx}\" y=\"{}\">{}</text>\n<text class=\"colsub\" x=\"{bx}\" y=\"{}\">{}</text>",
            top + 14,
            esc(&c.title),
            top + 29,
            esc(&c.subtitle)
        );
        draw_column(&mut body, c, p, x, col_top, &mut joins, i, i == pa_pos);
        bottom = bottom.max(col_top + p.height);
    }

    // Joins: a PA mapped by more than one box.
    let mut joined = String::new();
    let mut k = 0;
    for ends in joins.values() {
        let Some(&(_, py, ph)) = ends.iter().find(|e| e.0 == pa_pos) else {
            continue;
        };
        let maps: Vec<_> = ends.iter().filter(|e| e.0 != pa_pos).collect();
        if maps.len() < 2 {
            continue;
        }
        let colour = JOIN_COLOURS[k % JOIN_COLOURS.len()];
        k += 1;
        let y1 = py + ph / 2;
        for &&(c, y, h) in &maps {
            // From the side of the physical box that faces the table's column.
            let (x1, x2, bend) = if c < pa_pos {
                (
                    col_x(pa_pos) + BRACKET_W + LABELS_W,
                    col_x(c) + COLUMN_W,
                    -GUTTER,
                )
            } else {
                (
                    col_x(pa_pos) + COLUMN_W,
                    col_x(c) + BRACKET_W + LABELS_W,
                    GUTTER,
                )
            };
            let y2 = y + h / 2;
            // The bend stays in the gutter next to the physical column; a join to a
            // farther column then runs straight across the columns between, over their
            // boxes (with a white halo), so it never seems to end in one of them.
            // Left of the physical column, first cross its address labels at the box's
            // middle (labels sit at box edges) to reach the gutter.
            let g0 = if c < pa_pos { col_x(pa_pos) } else { x1 };
            let d = format!(
                "M{x1},{y1} L{g0},{y1} C{},{y1} {},{y2} {},{y2} L{x2},{y2}",
                g0 + bend / 2,
                g0 + bend / 2,
                g0 + bend
            );
            let _ = writeln!(
                joined,
                "<path class=\"halo\" d=\"{d}\"/>\n<path class=\"join\" stroke=\"{colour}\" d=\"{d}\"/>\n<circle cx=\"{x1}\" cy=\"{y1}\" r=\"3.5\" fill=\"{colour}\"/>\n<circle cx=\"{x2}\" cy=\"{y2}\" r=\"3.5\" fill=\"{colour}\"/>"
            );
        }
    }

    let height = bottom + MARGIN;
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n<title>memory layout {}</title>\n<style>{STYLE}</style>\n<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>",
        esc(input.module())
    );
    // Joins last, over the columns they cross.
    out.push_str(&body);
    out.push_str(&joined);
    out.push_str("</svg>\n");
    out
}

/// Draws the legend from `y`, wrapping at `width`; returns its height.
fn legend(out: &mut String, y: i64, width: i64) -> i64 {
    let mut items: Vec<(&str, String, &str)> = Vec::new();
    items.push(("", String::from("pages:"), ""));
    for (class, label) in [
        ("pg-code", "code"),
        ("pg-data", "data"),
        ("pg-device", "device"),
        ("pg-system", "system, reserved"),
        ("tt", "translation tables"),
    ] {
        items.push((class, label.to_string(), "rect"));
    }
    items.push(("", String::from("segments:"), "break"));
    for k in SegmentKind::ALL {
        items.push((segment_class(k), k.name().to_string(), "rect"));
    }
    items.push(("", String::from("other:"), "break"));
    items.push(("band", String::from("empty stretch (compressed)"), "rect"));
    items.push((
        JOIN_COLOURS[0],
        String::from("one PA mapped by several pages"),
        "line",
    ));
    let mut x = MARGIN;
    let mut row = 0;
    for (class, label, what) in items {
        let w = 22 + text_w(&label, 11) + 18;
        if what == "break" || x + w > width - MARGIN {
            row += 1;
            x = MARGIN;
        }
        let ty = y + row * 22;
        match what {
            "rect" => {
                let _ = writeln!(
                    out,
                    "<rect class=\"{class}\" x=\"{x}\" y=\"{}\" width=\"16\" height=\"12\"/>",
                    ty - 10
                );
            }
            "line" => {
                let _ = writeln!(
                    out,
                    "<path class=\"join\" stroke=\"{class}\" d=\"M{x},{} L{},{}\"/>",
                    ty - 4,
                    x + 16,
                    ty - 4
                );
            }
            _ => {}
        }
        let tx = if what == "rect" || what == "line" {
            x + 22
        } else {
            x
        };
        let _ = writeln!(
            out,
            "<text class=\"legend\" x=\"{tx}\" y=\"{ty}\">{}</text>",
            esc(&label)
        );
        x += if what == "rect" || what == "line" {
            w
        } else {
            text_w(&label, 11) + 12
        };
    }
    (row + 1) * 22
}

#[allow(clippy::too_many_arguments)]
fn draw_column(
    out: &mut String,
    c: &Column,
    p: &Placed,
    x: i64,
    top: i64,
    joins: &mut BTreeMap<u64, Vec<(usize, i64, i64)>>,
    col: usize,
    physical: bool,
) {
    let bx = x + BRACKET_W + LABELS_W;
    // Brackets.
    for r in &c.ranges {
        let y1 = top + p.y_of(r.start);
        let y2 = top + p.y_of(r.end);
        if y2 <= y1 {
            continue;
        }
        let bxl = x + 4;
        let _ = writeln!(
            out,
            "<path class=\"{}\" d=\"M{},{y1} L{bxl},{y1} L{bxl},{y2} L{},{y2}\"><title>{}: {}..{}</title></path>",
            r.class,
            bxl + 6,
            bxl + 6,
            esc(&r.label),
            addr_text(r.start),
            addr_text(r.end)
        );
        let mid = (y1 + y2) / 2;
        if text_w(&r.label, 10) + 8 <= y2 - y1 {
            let _ = writeln!(
                out,
                "<text class=\"brl\" text-anchor=\"middle\" transform=\"translate({},{mid}) rotate(-90)\">{}</text>",
                bxl + 14,
                esc(&r.label)
            );
        }
    }
    // Pieces and address labels.
    let mut last_label: Option<i64> = None;
    let mut label = |out: &mut String, y: i64, addr: u128| {
        if last_label == Some(y) {
            return;
        }
        last_label = Some(y);
        let _ = writeln!(
            out,
            "<text class=\"addr\" text-anchor=\"end\" x=\"{}\" y=\"{}\">{}</text>\n<path class=\"tick\" d=\"M{},{y} L{bx},{y}\"/>",
            bx - 6,
            y + 3,
            addr_text(addr),
            bx - 4
        );
    };
    for piece in &p.pieces {
        let y = top + piece.y;
        let h = piece.h;
        match piece.block {
            None => {
                let size = piece.end - piece.start;
                let what = if piece.inside {
                    "free"
                } else if physical {
                    "no pool"
                } else {
                    "not in a virtual range"
                };
                let _ = writeln!(
                    out,
                    "<rect class=\"{}\" x=\"{bx}\" y=\"{}\" width=\"{BOX_W}\" height=\"{}\"><title>{what}: {}..{} ({})</title></rect>",
                    if piece.inside { "band" } else { "bandout" },
                    y + 2,
                    h - 4,
                    addr_text(piece.start),
                    addr_text(piece.end),
                    size_text(size)
                );
                let _ = writeln!(
                    out,
                    "<text class=\"gap\" text-anchor=\"middle\" x=\"{}\" y=\"{}\">\u{22ef} {} {what} \u{22ef}</text>",
                    bx + BOX_W / 2,
                    y + h / 2 + 3,
                    rough_size(size)
                );
                label(out, y, piece.start);
            }
            Some(i) => {
                let b = &c.blocks[i];
                label(out, y, piece.start);
                draw_block(out, b, bx, y, h);
                if let Some(pa) = b.join {
                    joins.entry(pa).or_default().push((col, y, h));
                }
            }
        }
    }
    if let Some(last) = p.pieces.last() {
        label(out, top + last.y + last.h, last.end);
    }
}

fn draw_block(out: &mut String, b: &Block, x: i64, y: i64, h: i64) {
    let _ = writeln!(
        out,
        "<g><rect class=\"{}{}\" x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{h}\" rx=\"3\"/>",
        b.class,
        if b.alias { " alias" } else { "" }
    );
    // One divider and one hover area per page of a run.
    let span = (b.end - b.start).max(1);
    for (i, (s, e, tip)) in b.pages.iter().enumerate() {
        let y1 = y + i64::try_from((s - b.start) * h as u128 / span).unwrap_or(0);
        let y2 = y + i64::try_from((e - b.start) * h as u128 / span).unwrap_or(h);
        if i > 0 {
            let _ = writeln!(
                out,
                "<path class=\"div\" d=\"M{},{y1} L{},{y1}\"/>",
                x + 1,
                x + BOX_W - 1
            );
        }
        let _ = writeln!(
            out,
            "<rect class=\"page\" x=\"{x}\" y=\"{y1}\" width=\"{BOX_W}\" height=\"{}\" fill=\"none\" pointer-events=\"all\"><title>{}</title></rect>",
            (y2 - y1).max(1),
            esc(tip)
        );
    }
    if b.pages.is_empty() {
        let _ = writeln!(
            out,
            "<rect x=\"{x}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{h}\" fill=\"none\" pointer-events=\"all\"><title>{}</title></rect>",
            esc(&b.tip)
        );
    }
    // Header: name left, facts right (or on the second line when the name is long),
    // detail below.
    let facts_w = text_w(&b.facts, 10);
    let beside = text_w(&b.name, 11) + 8 + facts_w <= BOX_W - 12;
    let (facts_y, detail_room) = if beside {
        (y + 13, BOX_W - 12)
    } else {
        (y + 26, BOX_W - 12 - facts_w - 8)
    };
    let name_room = if beside {
        BOX_W - 12 - facts_w - 8
    } else {
        BOX_W - 12
    };
    let _ = writeln!(
        out,
        "<text class=\"name\" x=\"{}\" y=\"{}\">{}</text>\n<text class=\"facts\" text-anchor=\"end\" x=\"{}\" y=\"{facts_y}\">{}</text>",
        x + 6,
        y + 13,
        esc(&fit(&b.name, 11, name_room)),
        x + BOX_W - 6,
        esc(&b.facts)
    );
    if !b.detail.is_empty() {
        let _ = writeln!(
            out,
            "<text class=\"detail\" x=\"{}\" y=\"{}\">{}</text>",
            x + 6,
            y + 26,
            esc(&fit(&b.detail, 10, detail_room))
        );
    }
    for (s, (sy, sh)) in b.inner.iter().zip(place_inner(b, y, h)) {
        let _ = writeln!(
            out,
            "<g class=\"segment\"><rect class=\"{}\" x=\"{}\" y=\"{sy}\" width=\"{}\" height=\"{sh}\" rx=\"2\"/><title>{}</title>",
            s.class,
            x + 10,
            BOX_W - 20,
            esc(&s.tip)
        );
        let facts_w = text_w(&s.facts, 10);
        let _ = writeln!(
            out,
            "<text class=\"segname\" x=\"{}\" y=\"{}\">{}</text><text class=\"seg\" text-anchor=\"end\" x=\"{}\" y=\"{}\">{}</text></g>",
            x + 15,
            sy + 11,
            esc(&fit(&s.label, 10, BOX_W - 30 - facts_w - 8)),
            x + BOX_W - 15,
            sy + 11,
            esc(&s.facts)
        );
    }
    out.push_str("</g>\n");
}

// ---------------------------------------------------------------------------------------
// Text.

/// The approximate width in pixels of `s` at `size` px in the monospace font.
fn text_w(s: &str, size: i64) -> i64 {
    i64::try_from(s.chars().count()).unwrap_or(i64::MAX / 100) * size * CHAR_W_TENTHS / 10
}

/// `s`, shortened with an ellipsis to fit `room` pixels at `size` px.
fn fit(s: &str, size: i64, room: i64) -> String {
    let max = usize::try_from(room * 10 / (size * CHAR_W_TENTHS)).unwrap_or(0);
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
    t.push('\u{2026}');
    t
}

/// Escapes text for XML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// An address in hexadecimal with `_` every four digits: `0x8020_0000`.
fn addr_text(a: u128) -> String {
    let digits = format!("{a:x}");
    let mut out = String::from("0x");
    let n = digits.len();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (n - i) % 4 == 0 {
            out.push('_');
        }
        out.push(ch);
    }
    out
}

/// A size rounded to one decimal of the largest binary unit it reaches: `4 KiB`,
/// `1.5 GiB`, `~4.4 GiB` (the `~` when rounded).
fn rough_size(bytes: u128) -> String {
    for (unit, name) in [
        (1u128 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ] {
        if bytes >= unit {
            let tenths = (bytes * 10 + unit / 2) / unit;
            let exact = tenths * unit == bytes * 10;
            let approx = if exact { "" } else { "~" };
            return if tenths.is_multiple_of(10) {
                format!("{approx}{} {name}", tenths / 10)
            } else {
                format!("{approx}{}.{} {name}", tenths / 10, tenths % 10)
            };
        }
    }
    format!("{bytes} B")
}

fn hex(v: u128) -> String {
    format!("{v:#x}")
}

/// A size in the largest binary unit that divides it exactly: `4 KiB`, `2 MiB`, `3 GiB`,
/// `0x200 B`.
fn size_text(bytes: u128) -> String {
    for (unit, name) in [
        (1u128 << 40, "TiB"),
        (1 << 30, "GiB"),
        (1 << 20, "MiB"),
        (1 << 10, "KiB"),
    ] {
        if bytes >= unit && bytes.is_multiple_of(unit) {
            return format!("{} {name}", bytes / unit);
        }
    }
    format!("{bytes:#x} B")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::testing::{page, plan_two_tables};
    use crate::model::PageSize;
    use crate::spec::{PoolSpec, RangeSpec, Spec, TableSpec};
    use alloc::vec;

    #[test]
    fn text_helpers() {
        assert_eq!(
            esc("a<b&c>\"d'\u{1}"),
            "a&lt;b&amp;c&gt;&quot;d&apos;\u{fffd}"
        );
        assert_eq!(addr_text(0), "0x0");
        assert_eq!(addr_text(0x8020_0000), "0x8020_0000");
        assert_eq!(addr_text(0x40_0000_0000), "0x40_0000_0000");
        assert_eq!(addr_text(1 << 64), "0x1_0000_0000_0000_0000");
        assert_eq!(size_text(0x1000), "4 KiB");
        assert_eq!(size_text(3 << 30), "3 GiB");
        assert_eq!(size_text(0x200), "0x200 B");
        assert_eq!(rough_size(0x600_0000), "96 MiB");
        assert_eq!(rough_size(0x6000_0000), "1.5 GiB");
        assert_eq!(rough_size(4_634_304 << 10), "~4.4 GiB");
        assert_eq!(rough_size(100), "100 B");
        assert_eq!(fit("abcdef", 10, 36), "abcdef");
        assert_eq!(fit("abcdefgh", 10, 36), "abcde\u{2026}");
    }

    #[test]
    fn names_are_escaped() {
        let spec = Spec {
            pools: vec![PoolSpec {
                decl: 0,
                name: "ram<&>".into(),
                start: 0x8000_0000,
                size: 1 << 30,
                device: false,
                non_secure: false,
            }],
            tables: vec![TableSpec {
                decl: 0,
                name: "t\"1'".into(),
                cores: crate::model::Cores::one(0),
                el: crate::model::ExecutionContext::EL3,
                virt: vec![RangeSpec {
                    decl: 0,
                    start: 0x8000_0000,
                    size: 1 << 30,
                }],
            }],
            pages: vec![page("a<b>&c", 0, PageKind::Data, PageSize::Size4K, 1)],
            ..Spec::default()
        };
        let plan = match crate::plan::plan(&spec) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let out = svg(&Input::new("m&m", &plan));
        assert!(out.contains("a&lt;b&gt;&amp;c"));
        assert!(out.contains("t&quot;1&apos;"));
        assert!(out.contains("ram&lt;&amp;&gt;"));
        assert!(out.contains("memory layout m&amp;m"));
        assert!(!out.contains("a<b") && !out.contains("m&m") && !out.contains("t\"1"));
    }

    #[test]
    fn segments_sit_inside_their_page_box_without_overlapping() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let columns = [physical_column(&input)];
        let placed = place(&columns[0]);
        for piece in &placed.pieces {
            let Some(i) = piece.block else { continue };
            let b = &columns[0].blocks[i];
            let boxes = place_inner(b, piece.y, piece.h);
            for w in boxes.windows(2) {
                assert!(w[0].0 + w[0].1 < w[1].0, "{} overlaps", b.name);
            }
            for (y, h) in boxes {
                assert!(
                    y >= piece.y + HEADER && y + h <= piece.y + piece.h,
                    "{}",
                    b.name
                );
            }
        }
        // The heap holds the stack and the bss segment.
        let heap = columns[0].blocks.iter().find(|b| b.name == "heap").unwrap();
        assert_eq!(heap.inner.len(), 2);
    }

    #[test]
    fn the_axis_is_monotone_and_compresses_empty_stretches() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let c = physical_column(&input);
        let p = place(&c);
        let mut last = (0, 0);
        for piece in &p.pieces {
            assert!(piece.start >= last.0 && piece.y >= last.1);
            assert!(piece.block.is_some() || piece.h <= GAP_IN);
            last = (piece.end, piece.y + piece.h);
        }
        assert_eq!(last.1, p.height);
        for piece in &p.pieces {
            assert_eq!(p.y_of(piece.start), piece.y);
            let mid = piece.start + (piece.end - piece.start) / 2;
            assert!(p.y_of(mid) >= piece.y && p.y_of(mid) <= piece.y + piece.h);
        }
    }
}
