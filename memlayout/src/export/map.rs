//! The readable memory map: the `Display` of the planned [`Layout`](crate::Layout),
//! then, per selected table, where its translation tables go and the register values
//! that load them.

use alloc::string::String;
use core::fmt::Write;

use super::Input;

/// The memory map of `input`: every pool, reservation, page and segment (the layout's
/// `Display`), then for each selected table a block like
///
/// ```text
/// translation el3 (EL3 regime): 2 tables of 4 KiB at PA 0x80400000..0x80402000, root level 1, 39-bit VA, 40-bit PA
///   MAIR      0x00000000ff440c0400
///   ...
/// ```
///
/// Addresses and register values are hexadecimal.
pub fn map(input: &Input<'_>) -> String {
    let mut out = alloc::format!("{}", input.plan().layout());
    for t in input.tables() {
        let tr = t.translation;
        // Writing into a String cannot fail.
        let _ = writeln!(
            out,
            "translation {} ({} regime): {} table{} of 4 KiB at PA {:#x}..{:#x}, root level {}, {}-bit VA, {}-bit PA",
            t.name(),
            tr.regime(),
            tr.table_count(),
            if tr.table_count() == 1 { "" } else { "s" },
            tr.base_pa(),
            tr.end_pa(),
            tr.root_level(),
            tr.va_bits(),
            tr.pa_bits(),
        );
        for (name, value) in [
            ("MAIR", tr.mair()),
            ("TCR", tr.tcr()),
            ("TTBR0", tr.ttbr0()),
            ("SCTLR_SET", tr.sctlr_set()),
        ] {
            let _ = writeln!(out, "  {name:<9} {value:#018x}");
        }
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
            assert!(text.contains(&alloc::format!("  TCR       {:#018x}\n", tr.tcr())));
            assert!(text.contains(&alloc::format!("  TTBR0     {:#018x}\n", tr.ttbr0())));
            assert!(text.contains(&alloc::format!("at PA {:#x}..", tr.base_pa())));
        }
        let only = map(&input.clone().only("el1").unwrap());
        assert!(only.contains("translation el1"));
        assert!(!only.contains("translation el3"));
    }
}
