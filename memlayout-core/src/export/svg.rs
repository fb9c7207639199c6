//! An SVG picture of the layout: the physical address space and each selected table's
//! virtual address space side by side.
//!
//! * One column per address space: `physical` in the middle, the tables in declaration
//!   order on both sides of it. Addresses grow downwards; every block boundary is
//!   labelled on the left of its column, and brackets left of the labels show the pools
//!   (physical) or the virtual ranges (tables).
//! * Pages are boxes coloured by kind (code, data, device, system), a `* N` run one box
//!   with a tick on each edge between its pages (below the header, clear of the labels;
//!   where a page would be thinner than 6 px, none, and one tooltip per group of pages);
//!   the translation tables sit in the physical column inside their reservation.
//!   Segments are boxes coloured by kind inside their page.
//! * A physical page mapped by more than one box (a shared page, or a page and its
//!   aliases) is joined by a coloured connector to every box that maps it. Connectors
//!   are routed around the columns, never across them: from the right edge of a box
//!   (its left edge faces the address labels) along a lane of the gutter right of its
//!   column, up to a track of a channel above the column titles, along it to the gutter
//!   of the other column and down to the other box. Each gutter is as wide as its lanes
//!   need; in a gutter, the connector that reaches lowest has the lane farthest from the
//!   boxes, so no stub into a box crosses another connector's lane there. Connectors of
//!   one physical page share their run along the channel; two pages share a track only
//!   where their runs are far apart; a white halo marks where connectors cross. So no
//!   connector crosses a column, a box or a label, whatever the number of tables; a dot
//!   marks each end.
//! * Not to scale: a page's height grows with the logarithm of its size (a 4 KiB page is
//!   36 px, a 2 MiB page 144 px, a 1 GiB page 252 px) and every empty stretch is a band
//!   of fixed height labelled with its size, so a 4 KiB page next to a 1 GiB page stays
//!   visible.
//! * Every label fits its room at [`CHAR_ADVANCE_PERMILLE`] thousandths of its font size
//!   per character: a name too long for its box (or a column title for its column) is
//!   shortened with an ellipsis and shown whole in its tooltip, so no label overlaps
//!   another label, a box it does not belong to, or a connector. The picture is at least
//!   as wide as its title.
//!
//! The picture is self-contained (no fonts, scripts, images or links), uses integer
//! coordinates only, escapes every name, and carries a `<title>` tooltip on every page,
//! segment, band and connector; the same layout gives the same bytes.

use alloc::string::String;
use alloc::vec::Vec;

use super::Input;

mod axis;
mod columns;
mod draw;
mod route;
mod text;

use axis::{Placed, place};
use columns::{physical_column, table_column};
use draw::render;
pub use text::CHAR_ADVANCE_PERMILLE;

/// The SVG picture of `input` (see the [module](self) docs): a complete, standalone
/// SVG 1.1 document.
pub fn svg(input: &Input<'_>) -> String {
    // The physical column in the middle, so connectors run along the channel for as
    // short a way as they can.
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

#[cfg(test)]
mod tests {
    use super::axis::{self, GAP_IN, HEADER, place, place_inner};
    use super::columns::physical_column;
    use super::text::{addr_text, esc, fit, rough_size, size_text, text_w};
    use super::*;
    use crate::export::testing::{page, plan_two_tables};
    use crate::model::PageKind;
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
        assert_eq!(fit("abcdef", 10, 38), "abcdef");
        assert_eq!(fit("abcdefgh", 10, 38), "abcde\u{2026}");
        assert_eq!(fit("abcdef", 10, 5), "");
        assert_eq!(text_w("abcdef", 10), 38);
    }

    #[test]
    fn names_are_escaped() {
        let mut table = TableSpec::new(
            0,
            "t\"1'",
            crate::model::Cores::one(0),
            crate::model::ExecutionContext::EL3,
        );
        table.virt.push(RangeSpec::new(0, 0x8000_0000, 1 << 30));
        let mut spec = Spec::new();
        spec.pools = vec![PoolSpec::new(0, "ram<&>", 0x8000_0000, 1 << 30)];
        spec.tables = vec![table];
        spec.pages = vec![page("a<b>&c", 0, PageKind::Data, PageSize::Size4K, 1)];
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
    fn process_subtitles_keep_the_asid_and_kernel() {
        let cores = crate::model::Cores::one(0);
        let mut kernel = TableSpec::new(0, "kernel", cores, crate::model::ExecutionContext::EL1_NS);
        kernel
            .virt
            .push(RangeSpec::new(0, 0xFFFF_8000_0000_0000, 1 << 30));
        let mut shell = TableSpec::new(1, "shell", cores, crate::model::ExecutionContext::EL0_NS);
        shell.virt.push(RangeSpec::new(1, 0x40_0000, 1 << 30));
        shell.asid = Some(300);
        shell.under = Some(0);
        let mut spec = Spec::new();
        spec.pools = vec![PoolSpec::new(0, "ram", 0x4000_0000, 1 << 30)];
        spec.tables = vec![kernel, shell];
        let plan = match crate::plan::plan(&spec) {
            Ok(p) => p,
            Err(e) => panic!("{e:?}"),
        };
        let out = svg(&Input::new("os", &plan));
        assert!(
            out.contains(">VA, core 0, EL0_NS, ASID 300 under kernel<"),
            "{out}"
        );
        assert!(
            out.contains(">VA, core 0, EL1_NS, kernel of shell<"),
            "{out}"
        );
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

    /// A column of blocks whose middles sit at `mids`.
    fn at(mids: &[i64]) -> Placed {
        let pieces = mids
            .iter()
            .enumerate()
            .map(|(i, &m)| axis::Piece {
                start: i as u128 * 0x1000,
                end: (i as u128 + 1) * 0x1000,
                y: m - 18,
                h: 36,
                block: Some(i),
                inside: true,
            })
            .collect();
        Placed {
            pieces,
            height: 1000,
        }
    }

    #[test]
    fn lanes_keep_apart_and_the_deepest_lies_farthest_from_the_boxes() {
        use route::{GUTTER_MIN, GUTTER_PAD, LANE, Net, route};
        // Columns: a table, the physical space, a table. Net 0 reaches y 300 in column
        // 0, net 1 only y 100 there.
        let nets = [
            Net {
                phys: (1, 0),
                maps: vec![(0, 0), (2, 0)],
            },
            Net {
                phys: (1, 1),
                maps: vec![(0, 1), (2, 1), (2, 2)],
            },
        ];
        let placed = [at(&[300, 100]), at(&[50, 400]), at(&[100, 500, 600])];
        let w = 400;
        let r = route(&nets, &placed, 24, w);
        assert!(r.lanes[&(1, 0)] < r.lanes[&(0, 0)], "shallower nearer");
        assert!(r.lanes[&(0, 1)] < r.lanes[&(1, 1)]);
        for c in 0..3 {
            let right_edge = r.col_x[c] + w;
            let next = r.col_x.get(c + 1).copied().unwrap_or(r.right);
            let mut xs: Vec<i64> = (0..2)
                .filter_map(|k| r.lanes.get(&(k, c)).copied())
                .collect();
            xs.sort_unstable();
            for x in &xs {
                assert!(
                    *x >= right_edge + GUTTER_PAD && *x <= next - GUTTER_PAD,
                    "{c}"
                );
            }
            for p in xs.windows(2) {
                assert!(p[1] - p[0] >= LANE);
            }
            assert!(next - right_edge >= GUTTER_MIN);
        }
        // Both runs cross the whole picture: one track each.
        assert_eq!(r.track_count, 2);
        assert_ne!(r.tracks[0], r.tracks[1]);
        // No connector: no channel, and no gutter after the last column.
        let r = route(&[], &placed, 24, w);
        assert_eq!((r.track_count, r.channel_h()), (0, 0));
        assert_eq!(r.right, r.col_x[2] + w);
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
