//! The readable memory map: the `Display` of the planned [`Layout`](crate::Layout),
//! then, per selected table, where its translation tables go and the register values
//! that load them; and the same map as markdown tables for rustdoc
//! ([`markdown`]).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write;

use super::Input;
use crate::model::{Hex, Page, Segment, identity_note};

/// The memory map of `input`: every pool and reservation, the selected tables' pages
/// and segments (the layout's `Display`, narrowed by [`Layout::map_of`](crate::Layout::map_of)
/// when `input` is narrowed), then for each selected table a block like
///
/// ```text
/// translation el3 (EL3 regime): 2 tables of 4 KiB at PA 0x8040_0000..0x8040_2000, root level 1, 39-bit VA, 40-bit PA
///   MAIR             0xFF_440C_0400
///   ...
/// ```
///
/// Addresses and register values are written as [`Hex`] writes them; a page or segment
/// the layout asks for at VA == PA is marked `identity`, one that only happens to be
/// there `va == pa`.
pub fn map(input: &Input<'_>) -> String {
    let layout = input.plan().layout();
    let ids: Vec<_> = input
        .tables()
        .iter()
        .filter_map(|t| input.plan().table_id(t.index))
        .collect();
    let mut out = if ids.len() == layout.tables().count() {
        alloc::format!("{layout}")
    } else {
        alloc::format!("{}", layout.map_of(&ids))
    };
    for t in input.tables() {
        let tr = t.translation;
        // The lower range's root level and VA size, when the table has a lower range
        // (without one, its TCR fields are defaults that describe nothing).
        let lower = if tr.has_lower() {
            alloc::format!(", root level {}, {}-bit VA", tr.root_level(), tr.va_bits())
        } else {
            String::new()
        };
        // Writing into a String cannot fail.
        let _ = writeln!(
            out,
            "translation {} ({} regime): {} table{} of {} KiB at PA {}..{}{lower}, {}-bit PA",
            t.name(),
            tr.regime(),
            tr.table_count(),
            if tr.table_count() == 1 { "" } else { "s" },
            tr.granule().bytes() >> 10,
            Hex::from(tr.base_pa()),
            Hex::from(tr.end_pa()),
            tr.pa_bits(),
        );
        if !tr.has_lower() && t.processes.is_empty() {
            let _ = writeln!(out, "  no lower range (TCR_EL1.EPD0 set)");
        } else if !tr.has_lower() {
            let _ = writeln!(
                out,
                "  no lower range of its own (TTBR0 0: a process's TTBR0 is loaded with it)"
            );
        }
        if !t.processes.is_empty() {
            let _ = writeln!(
                out,
                "  kernel of {}: one TCR and MAIR for all, their lower ranges {}-bit",
                t.processes.join(", "),
                tr.va_bits(),
            );
        }
        if let Some(kernel) = t.kernel {
            let _ = writeln!(
                out,
                "  process under {kernel}: TCR, MAIR and TTBR1 are {kernel}'s{}",
                match t.asid {
                    Some(a) => alloc::format!(", ASID {a} (in TTBR0), non-global pages"),
                    None => String::new(),
                }
            );
        } else if let Some(a) = t.asid {
            let _ = writeln!(out, "  ASID {a} (in TTBR0), non-global pages");
        }
        if let (Some(bits), Some(level)) = (tr.upper_va_bits(), tr.upper_root_level()) {
            let _ = writeln!(
                out,
                "  upper range {}..2^64: {} table{}, root level {level}, {bits}-bit VA",
                Hex::from(crate::aarch64::regs::upper_range_start(bits).unwrap_or(0)),
                tr.upper_table_count(),
                if tr.upper_table_count() == 1 { "" } else { "s" },
            );
        }
        if tr.vmid().is_some() && tr.root_tables() > 1 {
            let _ = writeln!(
                out,
                "  {} concatenated root tables (IPA -> PA; VA above is the IPA)",
                tr.root_tables()
            );
        } else if tr.vmid().is_some() {
            let _ = writeln!(out, "  IPA -> PA (VA above is the IPA)");
        }
        for (name, value) in super::register_values(tr) {
            // Right-aligned in the width of a 64-bit value, so the digits line up.
            let _ = writeln!(out, "  {name:<9} {:>21}", Hex::from(value));
        }
    }
    if let Some(g) = input.gpt() {
        let size = g.size();
        let cfg = g.config();
        let values = super::gpt_values(g);
        let _ = writeln!(
            out,
            "gpt: granule protection table at PA {}..{}, level 0 {} bytes at PA {}, {} level 1 table{} of {} bytes, {} granules, {} level 0 entries, {}-bit PPS",
            Hex::from(values.pa),
            Hex::from(values.pa + values.size),
            Hex::from(size.level0_bytes),
            Hex::from(values.level0_pa),
            size.level1_tables,
            if size.level1_tables == 1 { "" } else { "s" },
            Hex::from(size.level1_bytes),
            crate::model::Bytes(cfg.pgs.bytes()),
            crate::model::Bytes(cfg.l0gptsz.bytes()),
            g.pps().bits(),
        );
        for (name, value) in [("GPTBR", g.gptbr()), ("GPCCR", g.gpccr())] {
            let _ = writeln!(out, "  {name:<9} {:>21}", Hex::from(value));
        }
    }
    out
}

/// The head of a markdown table of pages and segments.
const TABLE_HEAD: &str = "| VA | PA | size | what | name | attributes |\n\
                          |----|----|------|------|------|------------|\n";

/// The memory map of `input` as markdown, for rustdoc: per selected table a heading, where
/// its translation tables go, and one table of every page and segment in VA order (a
/// segment after the page it starts in), with the same columns as [`map`]:
///
/// ```text
/// ## Table `el3` (core 0, EL3)
///
/// Translation tables: 2 of 4 KiB at PA `0x8040_0000..0x8040_2000`, `TTBR0` = `0x8040_0000`, `TTBR1` = `0x0`.
///
/// | VA | PA | size | what | name | attributes |
/// |----|----|------|------|------|------------|
/// | `0x8000_0000..0x8020_0000` | `0x8000_0000` | 2M | page: code rx | `boot` | write_back inner identity |
/// | `0x8000_0000..0x8000_0200` | `0x8000_0000` | 0x200 | segment: bsp_boot_code | `bsp_boot` | align 16, identity |
/// ```
///
/// Names are code spans; text that markdown would read as markup (`|`, `<`, `[`, `*`,
/// quotes, ...) is escaped, so the output renders as written (no links, HTML or curly
/// quotes).
pub fn markdown(input: &Input<'_>) -> String {
    let layout = input.plan().layout();
    let mut out = String::new();
    for t in input.tables() {
        let Some(id) = layout.table(t.name()) else {
            continue;
        };
        let tr = t.translation;
        // A VM's stage 2 is loaded by VTTBR_EL2; its TTBRs would be 0.
        let bases = match tr.stage2_registers() {
            Some(r) => alloc::format!(
                "VM stage 2 (IPA -> PA), `VTTBR` = `{}`, `VTCR` = `{}`",
                Hex::from(r.vttbr),
                Hex::from(r.vtcr)
            ),
            None => alloc::format!(
                "`TTBR0` = `{}`, `TTBR1` = `{}`",
                Hex::from(tr.ttbr0()),
                Hex::from(tr.ttbr1())
            ),
        };
        let _ = write!(
            out,
            "## Table {} ({}, {})\n\nTranslation tables: {} of 4 KiB at PA `{}..{}`, {bases}.\n\n{TABLE_HEAD}",
            code(t.name()),
            t.info.cores(),
            t.info.el(),
            tr.table_count(),
            Hex::from(tr.base_pa()),
            Hex::from(tr.end_pa()),
        );
        if t.kernel.is_some() || t.asid.is_some() || !t.processes.is_empty() {
            // Before the table rows: a paragraph of its own.
            out.truncate(out.len() - TABLE_HEAD.len());
            if let Some(kernel) = t.kernel {
                let _ = write!(out, "Process under kernel {}", code(kernel));
                if let Some(a) = t.asid {
                    let _ = write!(out, ", ASID {a}");
                }
                out.push_str(": `TCR`, `MAIR` and `TTBR1` are the kernel's.\n\n");
            } else if let Some(a) = t.asid {
                let _ = write!(out, "ASID {a}.\n\n");
            }
            if !t.processes.is_empty() {
                let names: Vec<String> = t.processes.iter().map(|p| code(p)).collect();
                let _ = write!(
                    out,
                    "Kernel of {}: one `TCR` and `MAIR` for all.\n\n",
                    names.join(", ")
                );
            }
            out.push_str(TABLE_HEAD);
        }
        let pages = layout.pages(id);
        let segments = layout.segments(id);
        let mut rows: Vec<(u64, u8, Row<'_>)> = crate::layout::page_runs(&pages)
            .into_iter()
            .filter_map(|run| Some((run.first()?.va(), 0, Row::Page(run))))
            .chain(segments.into_iter().map(|s| (s.va(), 1, Row::Segment(s))))
            .collect();
        rows.sort_by_key(|(va, order, _)| (*va, *order));
        for (_, _, row) in rows {
            match row {
                Row::Page(run) => {
                    let (Some(p), Some(last)) = (run.first(), run.last()) else {
                        continue;
                    };
                    let size = if run.len() > 1 {
                        alloc::format!("{} x {}", run.len(), p.page_size().name())
                    } else {
                        String::from(p.page_size().name())
                    };
                    let _ = writeln!(
                        out,
                        "| `{}..{}` | `{}` | {size} | page: {} {} | {} | {} |",
                        Hex::from(p.va()),
                        Hex(last.va_end()),
                        Hex::from(p.pa()),
                        p.kind().name(),
                        p.perms().name(),
                        code(&page_label(p)),
                        escape(&page_attributes(p)),
                    );
                }
                Row::Segment(s) => {
                    let _ = writeln!(
                        out,
                        "| `{}..{}` | `{}` | {} | segment: {} | {} | align {}{}{} |",
                        Hex::from(s.va()),
                        Hex(s.va_end()),
                        Hex::from(s.pa()),
                        Hex::from(s.size()),
                        s.kind(),
                        code(s.name()),
                        s.align(),
                        if s.is_shared() { ", shared" } else { "" },
                        match identity_note(s.is_identity(), s.va_equals_pa()) {
                            Some(note) => alloc::format!(", {note}"),
                            None => String::new(),
                        },
                    );
                }
            }
        }
        out.push('\n');
    }
    out
}

/// A page as the text map names it: `[i]` after the name for the second and later pages
/// of a `* N` run.
fn page_label(p: &Page) -> String {
    if p.index() > 0 {
        alloc::format!("{}[{}]", p.name(), p.index())
    } else {
        String::from(p.name())
    }
}

/// The attribute columns of the text map in one cell: memory type (the Device type, or
/// cacheability and shareability), `shared`, `identity` or `va == pa`, `guard SIZE`,
/// `{key = value, ..}`.
fn page_attributes(p: &Page) -> String {
    let mut out = match (p.cacheability(), p.shareability()) {
        (Some(c), Some(s)) => alloc::format!("{} {}", c.name(), s.name()),
        _ => String::from(p.device_type().unwrap_or_default().name()),
    };
    if p.is_shared() {
        out.push_str(" shared");
    }
    if let Some(note) = identity_note(p.is_identity(), p.va_equals_pa()) {
        out.push(' ');
        out.push_str(note);
    }
    if p.guard() != 0 {
        let _ = write!(out, " guard {}", crate::model::Bytes(p.guard()));
    }
    if !p.attrs().is_empty() {
        out.push_str(" {");
        for (i, a) in p.attrs().iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            let _ = write!(out, "{} = {}", a.key, a.value);
        }
        out.push('}');
    }
    out
}

enum Row<'a> {
    Page(&'a [&'a Page]),
    Segment(&'a Segment),
}

/// `s` as a code span (`|` escaped, as tables need), or escaped text when it holds a
/// backtick.
fn code(s: &str) -> String {
    if s.contains('`') {
        escape(s)
    } else {
        alloc::format!("`{}`", s.replace('|', "\\|"))
    }
}

/// `s` with every ASCII punctuation character markdown may read as markup escaped by a
/// backslash.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '!'
                | '|'
                | '&'
                | '~'
                | '"'
                | '\''
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::testing::plan_two_tables;

    #[test]
    fn map_holds_the_layout_and_the_registers_of_every_table() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let text = map(&input);
        assert!(text.starts_with(&alloc::format!("{}", plan.layout())));
        for t in input.tables() {
            let tr = t.translation;
            let head = alloc::format!(
                "translation {} ({} regime): {} table",
                t.name(),
                tr.regime(),
                tr.table_count()
            );
            assert!(text.contains(&head), "{head} in\n{text}");
            let tcr = alloc::format!("  TCR       {:>21}\n", Hex::from(tr.tcr()));
            assert!(text.contains(&tcr), "{tcr} in\n{text}");
            let ttbr0 = alloc::format!("  TTBR0     {:>21}\n", Hex::from(tr.ttbr0()));
            assert!(text.contains(&ttbr0), "{ttbr0} in\n{text}");
            assert!(text.contains(&alloc::format!("at PA {}..", Hex::from(tr.base_pa()))));
        }
        let only = map(&input.clone().only("el1").unwrap());
        assert!(only.contains("translation el1"));
        assert!(!only.contains("translation el3"));
    }

    #[test]
    fn markdown_lists_every_page_and_segment_in_va_order() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let md = markdown(&input);
        for t in input.tables() {
            let head = alloc::format!("## Table `{}` (core 0, {})", t.name(), t.info.el());
            assert!(md.contains(&head), "{head} in\n{md}");
            // A `* N` run is one row.
            for pp in &t.pages {
                let (Some(p), Some(last)) = (pp.pages.first(), pp.pages.last()) else {
                    continue;
                };
                let size = match pp.pages.len() {
                    1 => String::from(p.page_size().name()),
                    n => alloc::format!("{n} x {}", p.page_size().name()),
                };
                let row = alloc::format!(
                    "| `{}..{}` | `{}` | {size} | page: {} {} | `{}` |",
                    Hex::from(p.va()),
                    Hex(last.va_end()),
                    Hex::from(p.pa()),
                    p.kind().name(),
                    p.perms().name(),
                    page_label(p)
                );
                assert!(md.contains(&row), "{row} in\n{md}");
            }
            for s in &t.segments {
                let s = s.segment;
                let row = alloc::format!(
                    "| `{}..{}` | `{}` | {} | segment: {} | `{}` | align {}",
                    Hex::from(s.va()),
                    Hex(s.va_end()),
                    Hex::from(s.pa()),
                    Hex::from(s.size()),
                    s.kind(),
                    s.name(),
                    s.align()
                );
                assert!(md.contains(&row), "{row} in\n{md}");
            }
        }
        // Rows are in VA order within each table.
        for table in md.split("## Table").skip(1) {
            let vas: Vec<u64> = table
                .lines()
                .filter_map(|l| l.strip_prefix("| `0x"))
                .map(|l| {
                    let digits = l[..l.find('.').unwrap()].replace('_', "");
                    u64::from_str_radix(&digits, 16).unwrap()
                })
                .collect();
            assert!(!vas.is_empty());
            assert!(vas.windows(2).all(|w| w[0] <= w[1]), "{vas:?}");
        }
    }

    #[test]
    fn markdown_escapes_markup() {
        assert_eq!(escape("{a = \"x|<y>\"}"), "\\{a = \\\"x\\|\\<y\\>\\\"\\}");
        assert_eq!(code("a|b"), "`a\\|b`");
        assert_eq!(code("a`b"), "a\\`b");
    }
}
