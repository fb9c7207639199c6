//! A GNU ld script fragment: the layout's values as symbols and one output section per
//! segment, linked at the segment's VA and loaded at its PA.
//!
//! # Using it
//!
//! `INCLUDE` the fragment at the top level of the firmware's linker script, *before*
//! its own `SECTIONS` block, and start that block by setting the location counter:
//!
//! ```text
//! ENTRY(_start)
//! INCLUDE soc.ld              /* memlayout export soc.memlayout --format ld -o soc.ld */
//! SECTIONS
//! {
//!     . = 0x80000000;         /* the fragment leaves `.` after its last section */
//!     .text : { *(.text .text.*) }
//!     ...
//! }
//! ```
//!
//! and put code or data into a segment by naming its input section,
//! `.memlayout.<table>.<segment>` (names as declared, case kept): in C
//! `MEMLAYOUT_SECTION(core0_el3, bsp_boot)` from the [header](super::c), in assembly
//! `.section .memlayout.core0_el3.bsp_boot, "ax"`, in Rust
//! `#[unsafe(link_section = soc::core0_el3::bsp_boot::link_section!())]` (the segment's
//! module also holds the name as `LINK_SECTION`).
//!
//! GNU ld accepts several `SECTIONS` commands and reads them in order, so the fragment's
//! own `SECTIONS` block comes first and its input-section patterns win over the
//! firmware's wildcards. Every output section of the fragment has an explicit address,
//! so where the fragment is included does not move it.
//!
//! Link with `-n` (`--nmagic`). Without it the linker page-aligns the output's
//! segments and loads the ELF and program headers at a page boundary below the
//! sections: GNU ld in the first segment, from the first section's PA rounded down;
//! `rust-lld` (`ld.lld`) in a segment of their own at the lowest VA rounded down, taken
//! as a PA too. Either is memory the layout may have given to something else, and an ELF
//! loader (QEMU's, a boot ROM's) writes the headers there. With `-n` every loadable
//! segment of the output is a section of the fragment (or of the firmware's own script).
//!
//! # What it holds
//!
//! * Absolute symbols (lower case): `memlayout_<table>_<name>_va`, `_pa`, `_size` for
//!   every page declaration (a `* N` run as one range, plus `_count`) and every segment;
//!   `memlayout_<table>_tables_pa`, `_tables_size`, `_mair`, `_tcr`, `_ttbr0`, `_ttbr1`,
//!   `_sctlr_set` (for a virtual machine's stage 2 table `_vtcr`, `_vttbr`, `_hcr_set`
//!   and `_vmid` instead: [`register_values`](super::register_values)).
//! * Per segment, an output section `.memlayout.<table>.<segment>` whose VMA is the
//!   segment's VA and whose LMA is its PA (`AT(PA)`; equal for identity segments). It
//!   takes only the input sections whose names say both its table and its segment,
//!   `.memlayout.<table>.<segment>` and `.memlayout.<table>.<segment>.*`, in link order,
//!   kept even under `--gc-sections`.
//!   Nothing else falls in by accident: a C global or function named like a segment,
//!   built with `-fdata-sections` or `-ffunction-sections` (`.data.<name>`,
//!   `.text.<name>`, ...), stays with the firmware's own sections, and two tables with a
//!   segment of the same name each get their own contents. An `ASSERT` after it fails
//!   the link with `memlayout: segment ... holds more than its N bytes` when the
//!   contents do not fit. A `stack` or `bss` segment's section is `NOLOAD` (nothing to
//!   load; the firmware zeroes `bss` itself).
//! * A shared segment (one PA, a VA in each table) gets its output section once, in the
//!   first exported table that maps it, named after that table; it takes the input
//!   sections `.memlayout.<table>.<segment>` of *every* table of the layout that maps
//!   the segment (each table's code may use its own name for it), and every exported
//!   table still gets its symbols. Contents are linked at that first table's VA.
//! * Segments of different tables may have the same VA (each table is its own address
//!   space): GNU ld accepts output sections whose VMAs overlap as long as their LMAs
//!   (the PAs, which the planner keeps apart) do not.
//! * Per table, a section `.memlayout.tables.<table>` at `TABLES_PA` (VMA and LMA) for
//!   the translation-table image (`--format bin`, or the macro's `TRANSLATION`), with an
//!   `ASSERT` that it fits `TABLES_SIZE`.
//! * For a layout with a granule protection table: the symbols `memlayout_gpt_pa` and
//!   `memlayout_gpt_size` (the image), `memlayout_gpt_level0_pa` (its level 0 table,
//!   which `GPTBR_EL3` points at), `memlayout_gptbr`, `memlayout_gpccr`, and a section
//!   `.memlayout.gpt` at the image's PA (VMA and LMA) for the image (the macro's
//!   `gpt::TRANSLATION`, placed at `gpt::IMAGE_PA`), with an `ASSERT` that it fits.
//!
//! Empty output sections are dropped by the linker, so unused segments cost nothing.

use alloc::collections::BTreeSet;
use alloc::string::String;
use core::fmt::Write;

use super::{Input, lower, page_range};
use crate::model::SegmentKind;

/// The ld fragment for the selected tables of `input` (see the [module](self) docs).
pub fn ld(input: &Input<'_>) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail.
    let _ = writeln!(
        out,
        "/* Generated by memlayout from layout `{}`; do not edit.\n \
         * INCLUDE it before your own SECTIONS and set `.` at the start of them.\n \
         * Put contents in input sections .memlayout.<table>.<segment> (names as declared):\n \
         * each goes to the segment's VA, loaded at its PA. Link with -n (--nmagic). */",
        input.module()
    );
    for t in input.tables() {
        let tn = lower(t.name());
        let tr = t.translation;
        let sym = |out: &mut String, name: &str, value: u64| {
            let _ = writeln!(out, "memlayout_{tn}_{name} = {value:#x};");
        };
        let _ = writeln!(
            out,
            "\n/* Table {} ({}, {}) */",
            t.name(),
            t.info.cores(),
            t.info.el()
        );
        sym(&mut out, "tables_pa", tr.base_pa());
        sym(&mut out, "tables_size", tr.len() as u64);
        for (name, value) in super::register_values(tr) {
            sym(&mut out, &lower(name), value);
        }
        for p in &t.pages {
            let (va, pa, size) = page_range(p);
            let n = lower(p.name);
            sym(&mut out, &alloc::format!("{n}_va"), va);
            sym(&mut out, &alloc::format!("{n}_pa"), pa);
            sym(&mut out, &alloc::format!("{n}_size"), size);
            if p.pages.len() > 1 {
                sym(&mut out, &alloc::format!("{n}_count"), p.pages.len() as u64);
            }
        }
        for s in &t.segments {
            let s = s.segment;
            let n = lower(s.name());
            sym(&mut out, &alloc::format!("{n}_va"), s.va());
            sym(&mut out, &alloc::format!("{n}_pa"), s.pa());
            sym(&mut out, &alloc::format!("{n}_size"), s.size());
        }
    }
    if let Some(g) = input.gpt() {
        let _ = writeln!(out, "\n/* Granule protection table */");
        for (name, value) in super::gpt_values(g).named() {
            let _ = writeln!(out, "memlayout_{name} = {value:#x};");
        }
    }
    out.push_str("\nSECTIONS\n{\n");
    if let Some(g) = input.gpt() {
        let sec = crate::aarch64::gpt::GPT_SECTION;
        let values = super::gpt_values(g);
        let _ = writeln!(
            out,
            "  /* granule protection table */\n  \
             {sec} {pa:#x} : AT({pa:#x})\n  {{\n    KEEP(*({sec}))\n  }}\n  \
             ASSERT(SIZEOF({sec}) <= {size:#x}, \"memlayout: the granule protection table holds more than its {size:#x} bytes\")",
            pa = values.pa,
            size = values.size,
        );
    }
    let mut shared_done = BTreeSet::new();
    for t in input.tables() {
        let tn = t.name();
        for s in &t.segments {
            let s = s.segment;
            if s.is_shared() && !shared_done.insert(s.name()) {
                continue;
            }
            let sn = s.name();
            let sec = input_section(tn, sn);
            // A shared segment takes every mapping table's name for it, its own first.
            let mut names = alloc::vec![sec.clone()];
            if s.is_shared() {
                names.extend(
                    tables_mapping_shared(input, sn)
                        .into_iter()
                        .filter(|other| other != tn)
                        .map(|other| input_section(&other, sn)),
                );
            }
            let keep: String = names
                .iter()
                .map(|n| alloc::format!("    KEEP(*({n} {n}.*))\n"))
                .collect();
            let noload = if matches!(s.kind(), SegmentKind::Stack | SegmentKind::Bss) {
                " (NOLOAD)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  /* segment {sn} of table {tn}: {kind}, {size:#x} bytes{shared} */\n  \
                 {sec} {va:#x}{noload} : AT({pa:#x})\n  {{\n\
                 {keep}  }}\n  \
                 ASSERT(SIZEOF({sec}) <= {size:#x}, \"memlayout: segment {sn} of table {tn} holds more than its {size:#x} bytes\")",
                kind = s.kind(),
                size = s.size(),
                shared = if s.is_shared() { ", shared" } else { "" },
                va = s.va(),
                pa = s.pa(),
            );
        }
        let tr = t.translation;
        let sec = alloc::format!("{}{tn}", crate::aarch64::TABLES_SECTION_PREFIX);
        let _ = writeln!(
            out,
            "  /* translation tables of table {tn} */\n  \
             {sec} {pa:#x} : AT({pa:#x})\n  {{\n    KEEP(*({sec}))\n  }}\n  \
             ASSERT(SIZEOF({sec}) <= {size:#x}, \"memlayout: the translation tables of table {tn} hold more than their {size:#x} bytes\")",
            pa = tr.base_pa(),
            size = tr.len(),
        );
    }
    out.push_str("}\n");
    out
}

/// The input section of segment `segment` as table `table` names it,
/// `.memlayout.<table>.<segment>` (names as declared): the section the fragment places
/// in the segment, which the C header's `MEMLAYOUT_SECTION` and the macro's
/// `LINK_SECTION` name too.
pub fn input_section(table: &str, segment: &str) -> String {
    alloc::format!(".memlayout.{table}.{segment}")
}

/// The names of every table of the layout (selected or not) that maps the shared
/// segment `segment`, in declaration order.
fn tables_mapping_shared(input: &Input<'_>, segment: &str) -> alloc::vec::Vec<String> {
    let plan = input.plan();
    let layout = plan.layout();
    (0..layout.tables().count())
        .filter(|&i| {
            plan.segments(i)
                .iter()
                .any(|s| s.segment.is_shared() && s.segment.name() == segment)
        })
        .filter_map(|i| {
            let info = layout.table_info(plan.table_id(i)?)?;
            Some(String::from(info.name()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::testing::plan_two_tables;
    use alloc::format;

    #[test]
    fn fragment_has_symbols_sections_and_asserts() {
        let plan = plan_two_tables();
        let input = Input::new("soc", &plan);
        let f = ld(&input);
        let el3 = &input.tables()[0];
        let boot = el3
            .segments
            .iter()
            .find(|s| s.segment.name() == "bsp_boot")
            .unwrap()
            .segment;
        assert!(f.contains(&format!("memlayout_el3_bsp_boot_va = {:#x};\n", boot.va())));
        assert!(f.contains(&format!("memlayout_el3_bsp_boot_pa = {:#x};\n", boot.pa())));
        assert!(f.contains("memlayout_el3_bsp_boot_size = 0x200;\n"));
        assert!(f.contains("memlayout_el3_text_count = 0x3;\n"));
        assert!(f.contains(&format!(
            "memlayout_el3_ttbr0 = {:#x};\n",
            el3.translation.ttbr0()
        )));
        assert!(f.contains(&format!(
            "  .memlayout.el3.bsp_boot {:#x} : AT({:#x})\n",
            boot.va(),
            boot.pa()
        )));
        assert!(f.contains(
            "  {\n    KEEP(*(.memlayout.el3.bsp_boot .memlayout.el3.bsp_boot.*))\n  }\n"
        ));
        // Only the table's and segment's own names: no conventional `.text.<segment>`.
        for conventional in [".text.", ".rodata.", ".data.", ".bss."] {
            assert!(
                !f.contains(&format!("{conventional}bsp_boot")),
                "{conventional} in\n{f}"
            );
        }
        assert!(f.contains(
            "ASSERT(SIZEOF(.memlayout.el3.bsp_boot) <= 0x200, \"memlayout: segment bsp_boot of table el3 holds more than its 0x200 bytes\")"
        ));
        let stack = el3
            .segments
            .iter()
            .find(|s| s.segment.name() == "stack")
            .unwrap()
            .segment;
        assert!(f.contains(&format!(
            "  .memlayout.el3.stack {:#x} (NOLOAD) : AT({:#x})\n",
            stack.va(),
            stack.pa()
        )));
        let zeroed = el3
            .segments
            .iter()
            .find(|s| s.segment.name() == "zeroed")
            .unwrap()
            .segment;
        assert!(f.contains(&format!(
            "  .memlayout.el3.zeroed {:#x} (NOLOAD) : AT({:#x})\n",
            zeroed.va(),
            zeroed.pa()
        )));
        assert!(!f.contains(&format!(
            "  .memlayout.el3.bsp_boot {:#x} (NOLOAD)",
            boot.va()
        )));
        for t in input.tables() {
            let pa = t.translation.base_pa();
            assert!(f.contains(&format!(
                "  .memlayout.tables.{} {pa:#x} : AT({pa:#x})\n",
                t.name()
            )));
        }
        // One SECTIONS block, balanced braces, every statement line ends its statement.
        assert_eq!(
            f.matches("SECTIONS").count(),
            2,
            "once in the comment, once as a command"
        );
        assert_eq!(f.matches('{').count(), f.matches('}').count());
        let only = ld(&input.clone().only("el1").unwrap());
        assert!(!only.contains("memlayout_el3_"));
        assert!(only.contains(".memlayout.tables.el1"));
    }

    /// Tables `el3` and `el1`, each with a segment `buf` of its own, and a mailbox page
    /// shared by both holding the shared segment `mbox`.
    fn plan_shared() -> crate::plan::Plan {
        use crate::export::testing::{page, segment};
        use crate::model::{ExecutionContext, PageKind, PageSize, SegmentKind};
        use crate::spec::{Placement, PoolSpec, RangeSpec, Spec, TableSpec};
        let table = |name: &str, el, start| {
            let mut t = TableSpec::new(0, name, crate::model::Cores::one(0), el);
            t.virt.push(RangeSpec::new(0, start, 1 << 30));
            t
        };
        let mut mailbox = page("mailbox", 0, PageKind::Data, PageSize::Size4K, 1);
        mailbox.place = Placement::Shared(None);
        let mut mbox = segment("mbox", 0, SegmentKind::DataShared, 0x40, "mailbox");
        mbox.place = Placement::Shared(None);
        let mut spec = Spec::new();
        spec.pools = alloc::vec![PoolSpec::new(0, "ram", 0x8000_0000, 1 << 30)];
        spec.tables = alloc::vec![
            table("el3", ExecutionContext::EL3, 0x8000_0000),
            table("el1", ExecutionContext::EL1_NS, 0x40_0000_0000),
        ];
        spec.pages = alloc::vec![
            page("d3", 0, PageKind::Data, PageSize::Size4K, 1),
            page("d1", 1, PageKind::Data, PageSize::Size4K, 1),
            mailbox,
        ];
        spec.segments = alloc::vec![
            segment("buf", 0, SegmentKind::Data, 0x100, "d3"),
            segment("buf", 1, SegmentKind::Data, 0x100, "d1"),
            mbox,
        ];
        match crate::plan::plan(&spec) {
            Ok(p) => p,
            Err(e) => panic!("test layout does not plan: {e:?}"),
        }
    }

    #[test]
    fn each_segment_takes_only_its_tables_names_and_a_shared_one_every_tables() {
        let plan = plan_shared();
        let input = Input::new("soc", &plan);
        let f = ld(&input);
        // Same-named segments of two tables: each its own input sections only.
        for t in ["el3", "el1"] {
            assert!(f.contains(&format!("  .memlayout.{t}.buf 0x")), "{f}");
            assert_eq!(
                f.matches(&format!(
                    "  {{\n    KEEP(*(.memlayout.{t}.buf .memlayout.{t}.buf.*))\n  }}\n"
                ))
                .count(),
                1,
                "{f}"
            );
        }
        // The shared segment: one output section, in the first table, taking both names.
        assert_eq!(f.matches(" .memlayout.el3.mbox 0x").count(), 1, "{f}");
        assert!(!f.contains(" .memlayout.el1.mbox 0x"), "{f}");
        assert!(f.contains(
            "  {\n    KEEP(*(.memlayout.el3.mbox .memlayout.el3.mbox.*))\n    KEEP(*(.memlayout.el1.mbox .memlayout.el1.mbox.*))\n  }\n"
        ), "{f}");
        // Every KEEP line names only `.memlayout.` sections.
        for l in f.lines().filter(|l| l.contains("KEEP(")) {
            let inner = l
                .trim()
                .trim_start_matches("KEEP(*(")
                .trim_end_matches("))");
            for name in inner.split(' ') {
                assert!(name.starts_with(".memlayout."), "{l}");
            }
        }
        // Narrowed to el1, the shared segment is placed there and still takes el3's name.
        let only = ld(&input.clone().only("el1").unwrap());
        assert!(only.contains(
            "  {\n    KEEP(*(.memlayout.el1.mbox .memlayout.el1.mbox.*))\n    KEEP(*(.memlayout.el3.mbox .memlayout.el3.mbox.*))\n  }\n"
        ), "{only}");
        assert!(!only.contains(".memlayout.el3.buf"), "{only}");
        assert_eq!(
            input_section("core0_EL3", "Boot"),
            ".memlayout.core0_EL3.Boot"
        );
    }
}
