//! The build-script API (`memlayout::build::generate`, run by this package's build.rs):
//! the Rust items it writes to OUT_DIR equal what `memory_layout!(include ..)` gives for
//! the same file, and the fragment and header sit next to them.

mod from_build {
    include!(concat!(env!("OUT_DIR"), "/soc.rs"));
}

mod from_macro {
    memlayout_macros::memory_layout!(include "layouts/board.memlayout");
}

use from_build::soc as b;
use from_macro::soc as m;

#[test]
fn build_items_equal_the_macro_items() {
    assert_eq!(b::TABLES, m::TABLES);
    assert_eq!(b::core0_el3::PAGES, m::core0_el3::PAGES);
    assert_eq!(b::core0_el3::SEGMENTS, m::core0_el3::SEGMENTS);
    assert_eq!(b::core0_el1::PAGES, m::core0_el1::PAGES);
    assert_eq!(
        b::core0_el3::TRANSLATION.as_bytes(),
        m::core0_el3::TRANSLATION.as_bytes()
    );
    assert_eq!(
        b::core0_el1::TRANSLATION.as_bytes(),
        m::core0_el1::TRANSLATION.as_bytes()
    );
    assert_eq!(
        [
            b::core0_el3::TABLES_PA,
            b::core0_el3::MAIR,
            b::core0_el3::TCR,
            b::core0_el3::TTBR0,
            b::core0_el3::SCTLR_SET
        ],
        [
            m::core0_el3::TABLES_PA,
            m::core0_el3::MAIR,
            m::core0_el3::TCR,
            m::core0_el3::TTBR0,
            m::core0_el3::SCTLR_SET
        ],
    );
    assert_eq!(b::core0_el3::BOOT, m::core0_el3::BOOT);
}

#[test]
fn the_fragment_and_the_header_are_in_out_dir() {
    let out = std::path::Path::new(env!("OUT_DIR"));
    let ld = std::fs::read_to_string(out.join("soc.ld")).unwrap();
    let h = std::fs::read_to_string(out.join("soc.h")).unwrap();
    let boot = m::core0_el3::BOOT;
    assert!(ld.contains(&format!(
        "memlayout_core0_el3_boot_va = {:#x};\n",
        boot.va()
    )));
    assert!(h.contains(&format!(
        "#define MEMLAYOUT_CORE0_EL3_BOOT_PA MEMLAYOUT_UL({:#x})\n",
        boot.pa()
    )));
}
