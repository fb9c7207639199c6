//! Drawing: the document, title, legend, columns, blocks, segments and joins.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use super::axis::{HEADER, Placed, place_inner};
use super::columns::{Block, Column, segment_class};
use super::route::{TRACK, mid, nets, route};
use super::text::{addr_text, esc, fit, plural, rough_size, size_text, text_w};
use crate::export::Input;
use crate::model::SegmentKind;

pub(super) const MARGIN: i64 = 24;
pub(super) const BRACKET_W: i64 = 16;
/// The least width of the address labels; wider when an address needs it.
pub(super) const LABELS_W: i64 = 100;
pub(super) const BOX_W: i64 = 260;
/// The least height of a page's hover area in a run (pages are grouped below it).
pub(super) const MIN_SLOT: i64 = 6;
/// The length of the ticks between the pages of a run, inside the box's edges (below
/// the header, the only labels are those of segments, 15 px in).
pub(super) const TICK: i64 = 7;

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
.div { stroke: #3a4050; stroke-width: 1; opacity: 0.6; }
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
    // Room for the longest address label of any column (upper-range VAs are long).
    let widest = placed
        .iter()
        .flat_map(|p| p.pieces.iter().flat_map(|x| [x.start, x.end]))
        .map(|a| text_w(&addr_text(a), 10))
        .max()
        .unwrap_or(0);
    let labels_w = LABELS_W.max(widest + 12);
    let column_w = BRACKET_W + labels_w + BOX_W;
    let nets = nets(columns, pa_pos);
    let routes = route(&nets, placed, MARGIN, column_w);

    // Title and legend; the picture is at least as wide as its header.
    let layout = input.plan().layout();
    let tables = input.tables().len();
    let title = format!("memory layout {}", input.module());
    let sub = format!(
        "{tables} table{}, {}",
        plural(tables),
        match layout.seed() {
            Some(s) => format!("seed {}", crate::model::Hex::from(s)),
            None => String::from("deterministic placement"),
        }
    );
    let header_w = text_w(&title, 20)
        .max(text_w(&sub, 12))
        .max(text_w(NOTE, 12));
    let width = (routes.right + MARGIN).max(2 * MARGIN + header_w);
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<text class=\"title\" x=\"{MARGIN}\" y=\"{}\">{}</text>\n<text class=\"sub\" x=\"{MARGIN}\" y=\"{}\">{}</text>\n<text class=\"sub\" x=\"{MARGIN}\" y=\"{}\">{NOTE}</text>",
        MARGIN + 16,
        esc(&title),
        MARGIN + 36,
        esc(&sub),
        MARGIN + 52,
    );
    let legend_y = MARGIN + 76;
    let guards = columns
        .iter()
        .any(|c| c.blocks.iter().any(|b| b.class == GUARD_CLASS));
    let legend_h = legend(&mut body, legend_y, width, guards);
    // The channel of the connectors' tracks, then the column titles.
    let chan_top = legend_y + legend_h + 4;
    let top = chan_top + routes.channel_h() + 12;
    let col_top = top + 40;

    // Columns.
    let mut bottom = col_top;
    for (i, (c, p)) in columns.iter().zip(placed).enumerate() {
        let x = routes.col_x[i];
        let bx = x + BRACKET_W + labels_w;
        let _ = writeln!(body, "<g class=\"column\">");
        fitted(&mut body, "coltitle", bx, top + 14, &c.title, 14, BOX_W);
        fitted(&mut body, "colsub", bx, top + 29, &c.subtitle, 11, BOX_W);
        draw_column(&mut body, c, p, (x, labels_w), col_top, i == pa_pos);
        let _ = writeln!(body, "</g>");
        bottom = bottom.max(col_top + p.height);
    }

    // Connectors: each joins the physical page to one box that maps it, along the
    // gutters and the channel (see the `route` module).
    for (k, net) in nets.iter().enumerate() {
        let colour = JOIN_COLOURS[k % JOIN_COLOURS.len()];
        let track_y = chan_top + (routes.tracks[k] + 1) * TRACK;
        let end = |(c, b): (usize, usize)| {
            let y = col_top + mid(&placed[c], b);
            let x = routes.col_x[c] + column_w;
            let lane = routes.lanes.get(&(k, c)).copied().unwrap_or(x);
            (x, y, lane)
        };
        let (px, py, plane) = end(net.phys);
        let mut d = String::new();
        let mut dots = alloc::vec![(px, py)];
        let mut names = Vec::new();
        for &m in &net.maps {
            let (x, y, lane) = end(m);
            rounded(
                &mut d,
                &[
                    (px, py),
                    (plane, py),
                    (plane, track_y),
                    (lane, track_y),
                    (lane, y),
                    (x, y),
                ],
            );
            dots.push((x, y));
            names.push(columns[m.0].title.as_str());
        }
        names.dedup();
        let d = d.trim_end();
        let phys = &columns[net.phys.0].blocks[net.phys.1];
        let _ = writeln!(
            body,
            "<g class=\"net\"><path class=\"halo\" d=\"{d}\"/><path class=\"join\" stroke=\"{colour}\" d=\"{d}\"><title>{}: PA {}, mapped by {}</title></path>",
            esc(&phys.name),
            addr_text(phys.start),
            esc(&names.join(", "))
        );
        for (x, y) in dots {
            let _ = writeln!(
                body,
                "<circle cx=\"{x}\" cy=\"{y}\" r=\"3.5\" fill=\"{colour}\"/>"
            );
        }
        body.push_str("</g>\n");
    }

    let height = bottom + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n<title>memory layout {}</title>\n<style>{STYLE}{}</style>{}\n<rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>",
        esc(input.module()),
        if guards { GUARD_STYLE } else { "" },
        if guards { GUARD_DEFS } else { "" },
    );
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

/// The radius of a connector's corners.
const CORNER: i64 = 4;

/// Appends the subpath through `points` (each run horizontal or vertical) with its
/// corners rounded.
fn rounded(d: &mut String, points: &[(i64, i64)]) {
    let Some(&(x0, y0)) = points.first() else {
        return;
    };
    let _ = write!(d, "M{x0},{y0} ");
    for w in points.windows(3) {
        let ((ax, ay), (bx, by), (cx, cy)) = (w[0], w[1], w[2]);
        // How far the corner's curve starts before `b` and ends after it.
        let r_in = CORNER.min(((bx - ax).abs() + (by - ay).abs()) / 2);
        let r_out = CORNER.min(((cx - bx).abs() + (cy - by).abs()) / 2);
        let _ = write!(
            d,
            "L{},{} Q{bx},{by} {},{} ",
            bx - (bx - ax).signum() * r_in,
            by - (by - ay).signum() * r_in,
            bx + (cx - bx).signum() * r_out,
            by + (cy - by).signum() * r_out
        );
    }
    if let Some(&(x, y)) = points.last() {
        let _ = write!(d, "L{x},{y} ");
    }
}

/// The note under the title.
const NOTE: &str = "addresses grow downwards; not to scale: height grows with log(size), empty stretches are compressed";

/// Writes `text` at (`x`, `y`) in class `class` (`size` px), shortened to `room` px; a
/// shortened text carries the whole one as its tooltip.
fn fitted(out: &mut String, class: &str, x: i64, y: i64, text: &str, size: i64, room: i64) {
    let shown = fit(text, size, room);
    if shown == text {
        let _ = writeln!(
            out,
            "<text class=\"{class}\" x=\"{x}\" y=\"{y}\">{}</text>",
            esc(text)
        );
    } else {
        let _ = writeln!(
            out,
            "<g><title>{}</title><text class=\"{class}\" x=\"{x}\" y=\"{y}\">{}</text></g>",
            esc(text),
            esc(&shown)
        );
    }
}

/// The class of a guard gap's box (see `columns::guard_blocks`).
pub(super) const GUARD_CLASS: &str = "pg-guard";

/// The style of guard gaps, added only to a picture that has one (so the others stay
/// as they were): a hatched, dashed box.
const GUARD_STYLE: &str =
    ".pg-guard { fill: url(#guard-hatch); stroke: #a44a3a; stroke-dasharray: 2 2; }
";

/// The hatching of guard gaps.
const GUARD_DEFS: &str = "\n<defs><pattern id=\"guard-hatch\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\" patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#fbeeee\"/><path d=\"M0,0 L0,6\" stroke=\"#d08a80\" stroke-width=\"2\"/></pattern></defs>";

/// Draws the legend from `y`, wrapping at `width`, with the guard gaps' entry when
/// `guards`; returns its height.
pub(super) fn legend(out: &mut String, y: i64, width: i64, guards: bool) -> i64 {
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
    if guards {
        items.push((GUARD_CLASS, String::from("guard gap (unmapped)"), "rect"));
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

pub(super) fn draw_column(
    out: &mut String,
    c: &Column,
    p: &Placed,
    (x, labels_w): (i64, i64),
    top: i64,
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
                // The size and what the stretch is, as much as fits the band.
                let rough = rough_size(size);
                let full = format!("\u{22ef} {rough} {what} \u{22ef}");
                let plain = format!("{rough} {what}");
                let room = BOX_W - 12;
                let text = if text_w(&full, 10) <= room {
                    full
                } else {
                    fit(&plain, 10, room)
                };
                let _ = writeln!(
                    out,
                    "<text class=\"gap\" text-anchor=\"middle\" x=\"{}\" y=\"{}\">{}</text>",
                    bx + BOX_W / 2,
                    y + h / 2 + 3,
                    esc(&text)
                );
                label(out, y, piece.start);
            }
            Some(i) => {
                let b = &c.blocks[i];
                label(out, y, piece.start);
                draw_block(out, b, bx, y, h);
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
    // One hover area per page of a run, or per group of pages where a page would be
    // thinner than `MIN_SLOT`; between pages (not groups), below the header, a tick on
    // each edge, clear of the labels.
    let span = (b.end - b.start).max(1);
    let n = b.pages.len();
    let n_pages = i64::try_from(n).unwrap_or(i64::MAX / MIN_SLOT);
    let per = usize::try_from((MIN_SLOT * n_pages + h.max(1) - 1) / h.max(1))
        .unwrap_or(n)
        .max(1);
    let y_at = |a: u128| y + i64::try_from((a - b.start) * h as u128 / span).unwrap_or(h);
    for (g, group) in b.pages.chunks(per).enumerate() {
        let (Some(first), Some(last)) = (group.first(), group.last()) else {
            continue;
        };
        let (y1, y2) = (y_at(first.0), y_at(last.1));
        if g > 0 && per == 1 && y1 >= y + HEADER {
            let _ = writeln!(
                out,
                "<path class=\"div\" d=\"M{},{y1} L{},{y1} M{},{y1} L{},{y1}\"/>",
                x + 1,
                x + TICK,
                x + BOX_W - TICK,
                x + BOX_W - 1
            );
        }
        let tips: Vec<String> = group.iter().map(|p| esc(&p.2)).collect();
        let _ = writeln!(
            out,
            "<rect class=\"page\" x=\"{x}\" y=\"{y1}\" width=\"{BOX_W}\" height=\"{}\" fill=\"none\" pointer-events=\"all\"><title>{}</title></rect>",
            y2 - y1,
            tips.join("\n")
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
