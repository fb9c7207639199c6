//! The build-script API (`memlayout::build::generate`, run by this package's build.rs):
//! the Rust items it writes to OUT_DIR equal what `memory_layout!(include ..)` gives for
//! the same file, and the fragment and header sit next to them; every segment module's
//! `LINK_SECTION` is a section the fragment places; `link_lines` names the linker script
//! and `-n`.

mod from_build {
    include!(concat!(env!("OUT_DIR"), "/soc.rs"));
}

mod from_macro {
    memlayout::memory_layout!(include "layouts/board.memlayout");
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

#[test]
fn each_segment_module_names_a_section_the_fragment_in_out_dir_places() {
    let out = std::path::Path::new(env!("OUT_DIR"));
    let ld = std::fs::read_to_string(out.join("soc.ld")).unwrap();
    let h = std::fs::read_to_string(out.join("soc.h")).unwrap();
    assert_eq!(
        b::core0_el3::bsp_boot::LINK_SECTION,
        m::core0_el3::bsp_boot::LINK_SECTION
    );
    // The shared segment's output section (in core0_el3) takes core0_el1's name too.
    for (section, output) in [
        (
            b::core0_el3::bsp_boot::LINK_SECTION,
            ".memlayout.core0_el3.bsp_boot",
        ),
        (
            b::core0_el3::stack::LINK_SECTION,
            ".memlayout.core0_el3.stack",
        ),
        (
            b::core0_el3::cross_core::LINK_SECTION,
            ".memlayout.core0_el3.cross_core",
        ),
        (
            b::core0_el1::cross_core::LINK_SECTION,
            ".memlayout.core0_el3.cross_core",
        ),
    ] {
        let block = ld
            .split(&format!("  {output} 0x"))
            .nth(1)
            .and_then(|rest| rest.split("  }\n").next())
            .unwrap_or_else(|| panic!("no output section {output} in\n{ld}"));
        assert!(
            block.contains(&format!("    KEEP(*({section} {section}.*))\n")),
            "{section} not taken by {output}:\n{block}"
        );
        // The header names the same section.
        assert!(
            h.contains(&format!("_SECTION_NAME \"{section}\"\n")),
            "{section}"
        );
    }
    assert_eq!(
        b::core0_el1::cross_core::link_section!(),
        ".memlayout.core0_el1.cross_core"
    );
}

#[test]
fn link_with_names_the_script_and_nmagic() {
    let dir = std::env::temp_dir().join(format!("memlayout-build-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let layout = dir.join("board.memlayout");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/layouts/board.memlayout"),
        &layout,
    )
    .unwrap();
    let g = memlayout::build::try_generate(&layout, &dir).unwrap();
    let script = dir.join("link.ld");
    std::fs::write(&script, "INCLUDE soc.ld\n").unwrap();
    assert_eq!(
        g.link_lines(&script).unwrap(),
        [
            format!("cargo::rustc-link-arg=-T{}", script.display()),
            "cargo::rustc-link-arg=-n".to_string(),
            format!("cargo::rerun-if-changed={}", script.display()),
        ]
    );
    let e = g.link_lines(&dir.join("nothing.ld")).unwrap_err();
    assert!(
        e.contains("nothing.ld` does not exist; pass the script that INCLUDEs `soc.ld`"),
        "{e}"
    );
}
