//! Drawing: the document, title, legend, columns, blocks, segments and joins.

use alloc::collections::BTreeMap;
use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::axis::{Placed, place_inner};
use super::columns::{Block, Column, segment_class};
use super::text::{addr_text, esc, fit, plural, rough_size, size_text, text_w};
use crate::export::Input;
use crate::model::SegmentKind;

pub(super) const MARGIN: i64 = 24;
pub(super) const BRACKET_W: i64 = 16;
/// The least width of the address labels; wider when an address needs it.
pub(super) const LABELS_W: i64 = 100;
pub(super) const BOX_W: i64 = 260;
pub(super) const GUTTER: i64 = 72;

pub(super) const STYLE: &str = "
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
pub(super) const JOIN_COLOURS: [&str; 6] = [
    "#d1495b", "#00798c", "#edae49", "#6a4c93", "#30638e", "#66a182",
];

pub(super) fn render(
    input: &Input<'_>,
    columns: &[Column],
    placed: &[Placed],
    pa_pos: usize,
) -> String {
    let n = i64::try_from(columns.len()).unwrap_or(1);
    // Room for the longest address label of any column (upper-range VAs are long).
    let widest = placed
        .iter()
        .flat_map(|p| p.pieces.iter().flat_map(|x| [x.start, x.end]))
        .map(|a| text_w(&addr_text(a), 10))
        .max()
        .unwrap_or(0);
    let labels_w = LABELS_W.max(widest + 12);
    let column_w = BRACKET_W + labels_w + BOX_W;
    let width = 2 * MARGIN + n * column_w + (n - 1) * GUTTER;
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
    let col_x = |i: usize| MARGIN + i64::try_from(i).unwrap_or(0) * (column_w + GUTTER);
    let mut joins: BTreeMap<u64, Vec<(usize, i64, i64)>> = BTreeMap::new();
    for (i, (c, p)) in columns.iter().zip(placed).enumerate() {
        let x = col_x(i);
        let bx = x + BRACKET_W + labels_w;
        let _ = writeln!(
            body,
            "<text class=\"coltitle\" x=\"{bx}\" y=\"{}\">{}</text>\n<text class=\"colsub\" x=\"{bx}\" y=\"{}\">{}</text>",
            top + 14,
            esc(&c.title),
            top + 29,
            esc(&c.subtitle)
        );
        draw_column(
            &mut body,
            c,
            p,
            (x, labels_w),
            col_top,
            &mut joins,
            i,
            i == pa_pos,
        );
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
                    col_x(pa_pos) + BRACKET_W + labels_w,
                    col_x(c) + column_w,
                    -GUTTER,
                )
            } else {
                (
                    col_x(pa_pos) + column_w,
                    col_x(c) + BRACKET_W + labels_w,
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
pub(super) fn legend(out: &mut String, y: i64, width: i64) -> i64 {
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
pub(super) fn draw_column(
    out: &mut String,
    c: &Column,
    p: &Placed,
    (x, labels_w): (i64, i64),
    top: i64,
    joins: &mut BTreeMap<u64, Vec<(usize, i64, i64)>>,
    col: usize,
    physical: bool,
) {
    let bx = x + BRACKET_W + labels_w;
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

pub(super) fn draw_block(out: &mut String, b: &Block, x: i64, y: i64, h: i64) {
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
    let beside = fit(&b.name, 11, BOX_W - 12 - facts_w - 8) == b.name;
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
