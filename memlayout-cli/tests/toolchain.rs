//! The exports in a real AArch64 toolchain: the C header compiles from C and from a `.S`
//! file with the layout's values, and the ld fragment links a small freestanding program
//! whose symbols and sections `nm`, `readelf` and `objdump` show at the layout's
//! addresses (VMA = VA, LMA = PA); a segment whose contents are too large fails the link
//! with the fragment's `ASSERT` message.
//!
//! Needs `aarch64-linux-gnu-gcc` and binutils; skips without them, unless
//! `MEMLAYOUT_REQUIRE_QEMU` is set (as CI does).

mod common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{have, memlayout, scratch};
use memlayout_macros::memory_layout;

memory_layout!(include "../tests/layouts/board.memlayout");

const BOARD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/layouts/board.memlayout"
);

/// Exports `format` of the board layout to `dir/name`.
fn export(dir: &Path, name: &str, args: &[&str]) {
    let out = dir.join(name);
    let mut all = vec!["export", BOARD];
    all.extend(args);
    all.extend(["-o", out.to_str().unwrap()]);
    let o = memlayout(&all);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Runs a tool in `dir`; returns (success, stdout, stderr).
fn tool(dir: &Path, program: &str, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// A table's info, pages, segments and TABLES_PA, TABLES_SIZE, MAIR, TCR, TTBR0,
/// SCTLR_SET, TTBR1.
type TableConsts = (
    &'static memlayout::TableInfo,
    &'static [memlayout::Page],
    &'static [memlayout::Segment],
    [u64; 7],
);

/// (NAME, value) for every value the header and the ld fragment hold, from the macro's
/// constants: NAME is `<TABLE>_<NAME>_<SUFFIX>` in upper case.
fn expected() -> Vec<(String, u64)> {
    let mut v = Vec::new();
    let tables: [TableConsts; 2] = [
        (
            soc::core0_el3::INFO,
            soc::core0_el3::PAGES,
            soc::core0_el3::SEGMENTS,
            [
                soc::core0_el3::TABLES_PA,
                soc::core0_el3::TRANSLATION.len() as u64,
                soc::core0_el3::MAIR,
                soc::core0_el3::TCR,
                soc::core0_el3::TTBR0,
                soc::core0_el3::SCTLR_SET,
                soc::core0_el3::TTBR1,
            ],
        ),
        (
            soc::core0_el1::INFO,
            soc::core0_el1::PAGES,
            soc::core0_el1::SEGMENTS,
            [
                soc::core0_el1::TABLES_PA,
                soc::core0_el1::TRANSLATION.len() as u64,
                soc::core0_el1::MAIR,
                soc::core0_el1::TCR,
                soc::core0_el1::TTBR0,
                soc::core0_el1::SCTLR_SET,
                soc::core0_el1::TTBR1,
            ],
        ),
    ];
    for (info, pages, segments, regs) in tables {
        let t = info.name().to_uppercase();
        for (suffix, value) in [
            "TABLES_PA",
            "TABLES_SIZE",
            "MAIR",
            "TCR",
            "TTBR0",
            "SCTLR_SET",
            "TTBR1",
        ]
        .iter()
        .zip(regs)
        {
            v.push((format!("{t}_{suffix}"), value));
        }
        for p in pages.iter().filter(|p| p.index() == 0) {
            let run: Vec<_> = pages.iter().filter(|q| q.name() == p.name()).collect();
            let n = p.name().to_uppercase();
            v.push((format!("{t}_{n}_VA"), p.va()));
            v.push((format!("{t}_{n}_PA"), p.pa()));
            v.push((format!("{t}_{n}_SIZE"), run.iter().map(|q| q.size()).sum()));
            if run.len() > 1 {
                v.push((format!("{t}_{n}_COUNT"), run.len() as u64));
            }
        }
        for s in segments {
            let n = s.name().to_uppercase();
            v.push((format!("{t}_{n}_VA"), s.va()));
            v.push((format!("{t}_{n}_PA"), s.pa()));
            v.push((format!("{t}_{n}_SIZE"), s.size()));
        }
    }
    v
}

#[test]
fn the_header_compiles_from_c_and_from_assembly_with_the_layout_values() {
    if !have("aarch64-linux-gnu-gcc") {
        return;
    }
    let dir = scratch("toolchain-header");
    export(&dir, "board.h", &["--format", "c"]);
    let values = expected();
    assert!(values.len() > 30);
    let mut c = String::from("#include \"board.h\"\n");
    let mut s = String::from("#include \"board.h\"\n");
    for (name, value) in &values {
        c.push_str(&format!(
            "_Static_assert(MEMLAYOUT_{name} == {value:#x}UL, \"{name}\");\n_Static_assert(sizeof(MEMLAYOUT_{name}) == 8, \"{name} is 64-bit\");\n"
        ));
        s.push_str(&format!(
            ".if MEMLAYOUT_{name} != {value:#x}\n.error \"{name}\"\n.endif\n"
        ));
    }
    c.push_str("unsigned long ttbr0(void) { return MEMLAYOUT_CORE0_EL3_TTBR0; }\n");
    s.push_str(
        ".text\n.global load\nload:\n    ldr x0, =MEMLAYOUT_CORE0_EL3_TTBR0\n    ldr x1, =MEMLAYOUT_CORE0_EL3_TCR\n    ret\n.data\n.quad MEMLAYOUT_CORE0_EL3_BOOT_VA\n",
    );
    std::fs::write(dir.join("t.c"), c).unwrap();
    std::fs::write(dir.join("t.S"), s).unwrap();
    for file in ["t.c", "t.S"] {
        let (ok, _, err) = tool(
            &dir,
            "aarch64-linux-gnu-gcc",
            &[
                "-std=c11",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-ffreestanding",
                "-I.",
                "-c",
                file,
                "-o",
                &format!("{file}.o"),
            ],
        );
        assert!(ok, "{file} does not compile:\n{err}");
    }
}

const PROGRAM: &str = r#"
    // Boot code: the conventional section of segment bsp_boot.
    .section .text.bsp_boot, "ax"
    .global _start
_start:
    ldr x0, =memlayout_core0_el3_ttbr0
    ldr x1, =memlayout_core0_el3_tcr
    b .
BOOT_PAYLOAD

    // The stack: the conventional bss section of segment stack (NOLOAD).
    .section .bss.stack, "aw", %nobits
    .global stack_bottom
stack_bottom:
    .space 0x800

    // The shared segment, by its memlayout input section.
    .section .memlayout.core0_el3.cross_core, "aw"
    .global mailbox_word
mailbox_word:
    .quad 0x1234

    // The translation tables, at TABLES_PA.
    .section .memlayout.tables.core0_el3, "a"
    .incbin "core0_el3.bin"
    .section .memlayout.tables.core0_el1, "a"
    .incbin "core0_el1.bin"

    // The program's own code, placed by its own linker script.
    .text
    .global main_code
main_code:
    ret
"#;

const SCRIPT: &str = "ENTRY(_start)
INCLUDE board.ld
SECTIONS
{
    . = memlayout_core0_el3_text_va;
    .text : AT(memlayout_core0_el3_text_pa) { *(.text .text.*) }
    /DISCARD/ : { *(.note.gnu.property) }
}
";

/// Builds the program in a fresh directory; `payload` goes after `_start`.
fn link(name: &str, payload: &str) -> (std::path::PathBuf, bool, String) {
    let dir = scratch(name);
    export(&dir, "board.ld", &["--format", "ld"]);
    export(
        &dir,
        "core0_el3.bin",
        &["--format", "bin", "--table", "core0_el3"],
    );
    export(
        &dir,
        "core0_el1.bin",
        &["--format", "bin", "--table", "core0_el1"],
    );
    std::fs::write(dir.join("prog.S"), PROGRAM.replace("BOOT_PAYLOAD", payload)).unwrap();
    std::fs::write(dir.join("link.ld"), SCRIPT).unwrap();
    let (ok, _, err) = tool(
        &dir,
        "aarch64-linux-gnu-gcc",
        &["-c", "prog.S", "-o", "prog.o"],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = tool(
        &dir,
        "aarch64-linux-gnu-ld",
        &["-T", "link.ld", "-L.", "prog.o", "-o", "prog.elf"],
    );
    (dir, ok, err)
}

#[test]
fn the_ld_fragment_links_every_symbol_and_section_at_the_layout_address() {
    if !have("aarch64-linux-gnu-gcc") || !have("aarch64-linux-gnu-ld") {
        return;
    }
    let (dir, ok, err) = link("toolchain-ld", "");
    assert!(ok, "the program does not link:\n{err}");

    // Every value is an absolute symbol at the layout's value.
    let (ok, nm, err) = tool(&dir, "aarch64-linux-gnu-nm", &["prog.elf"]);
    assert!(ok, "{err}");
    let symbols: BTreeMap<&str, u64> = nm
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let value = u64::from_str_radix(f.next()?, 16).ok()?;
            let _kind = f.next()?;
            Some((f.next()?, value))
        })
        .collect();
    for (name, value) in expected() {
        let sym = format!("memlayout_{}", name.to_lowercase());
        assert_eq!(symbols.get(sym.as_str()), Some(&value), "{sym} in\n{nm}");
    }
    let boot = soc::core0_el3::BSP_BOOT;
    let stack = soc::core0_el3::STACK;
    let cross = soc::core0_el3::CROSS_CORE;
    assert_eq!(symbols["_start"], boot.va());
    assert_eq!(symbols["stack_bottom"], stack.va());
    assert_eq!(symbols["mailbox_word"], cross.va());
    assert_eq!(symbols["main_code"], soc::core0_el3::TEXT[0].va());

    // Every section at the segment's VA (readelf), loaded at its PA (objdump's LMA).
    let (ok, readelf, err) = tool(&dir, "aarch64-linux-gnu-readelf", &["-SW", "prog.elf"]);
    assert!(ok, "{err}");
    let (ok, objdump, err) = tool(&dir, "aarch64-linux-gnu-objdump", &["-h", "prog.elf"]);
    assert!(ok, "{err}");
    let sections: BTreeMap<&str, (u64, u64)> = readelf
        .lines()
        .filter_map(|l| {
            let l = l.split_once(']')?.1;
            let f: Vec<&str> = l.split_whitespace().collect();
            Some((
                *f.first()?,
                (
                    u64::from_str_radix(f.get(2)?, 16).ok()?,
                    u64::from_str_radix(f.get(4)?, 16).ok()?,
                ),
            ))
        })
        .collect();
    let lma: BTreeMap<&str, (u64, u64)> = objdump
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.first()?.parse::<u32>().ok()?;
            Some((
                *f.get(1)?,
                (
                    u64::from_str_radix(f.get(3)?, 16).ok()?,
                    u64::from_str_radix(f.get(4)?, 16).ok()?,
                ),
            ))
        })
        .collect();
    let cases = [
        (".memlayout.core0_el3.bsp_boot", boot.va(), boot.pa()),
        (".memlayout.core0_el3.stack", stack.va(), stack.pa()),
        (".memlayout.core0_el3.cross_core", cross.va(), cross.pa()),
        (
            ".memlayout.tables.core0_el3",
            soc::core0_el3::TABLES_PA,
            soc::core0_el3::TABLES_PA,
        ),
        (
            ".memlayout.tables.core0_el1",
            soc::core0_el1::TABLES_PA,
            soc::core0_el1::TABLES_PA,
        ),
        (
            ".text",
            soc::core0_el3::TEXT[0].va(),
            soc::core0_el3::TEXT[0].pa(),
        ),
    ];
    for (name, va, pa) in cases {
        let (addr, _) = sections
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in\n{readelf}"));
        assert_eq!(*addr, va, "{name} VA in\n{readelf}");
        let (vma, load) = lma
            .get(name)
            .unwrap_or_else(|| panic!("no {name} in\n{objdump}"));
        assert_eq!((*vma, *load), (va, pa), "{name} VMA/LMA in\n{objdump}");
    }
    assert_ne!(
        cross.va(),
        cross.pa(),
        "the test needs a segment with VA != PA"
    );
    assert_eq!(
        sections[".memlayout.tables.core0_el3"].1,
        soc::core0_el3::TRANSLATION.len() as u64
    );
    // The table image in the ELF is the macro's TRANSLATION.
    let (ok, _, err) = tool(
        &dir,
        "aarch64-linux-gnu-objcopy",
        &[
            "-O",
            "binary",
            "-j",
            ".memlayout.tables.core0_el3",
            "prog.elf",
            "tables.bin",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        std::fs::read(dir.join("tables.bin")).unwrap(),
        soc::core0_el3::TRANSLATION.as_bytes()
    );
}

#[test]
fn a_segment_too_large_fails_the_link_with_the_assert_message() {
    if !have("aarch64-linux-gnu-gcc") || !have("aarch64-linux-gnu-ld") {
        return;
    }
    // bsp_boot is 0x200 bytes: 12 bytes of code plus 0x200 more do not fit.
    let (_, ok, err) = link("toolchain-assert", "    .space 0x200");
    assert!(!ok, "the link should fail");
    assert!(
        err.contains(
            "memlayout: segment bsp_boot of table core0_el3 holds more than its 0x200 bytes"
        ),
        "{err}"
    );
}
