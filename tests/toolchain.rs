//! The exports in a real AArch64 toolchain: the C header compiles from C and from a `.S`
//! file with the layout's values, and the ld fragment links a small freestanding program
//! whose symbols and sections `nm`, `readelf` and `objdump` show at the layout's
//! addresses (VMA = VA, LMA = PA); a segment whose contents are too large fails the link
//! with the fragment's `ASSERT` message.
//!
//! The files are the exports of `memlayout::export` (the bytes `memlayout export` writes)
//! of `layouts/board.memlayout`. The tests live in this package rather than the
//! command's so that a build script can look for the tools: they need `aarch64-linux-gnu-gcc` and its binutils (`ld`, `nm`, `readelf`,
//! `objdump`, `objcopy`), and when one is missing build.rs sets the cfg
//! `memlayout_no_aarch64_toolchain` and they are listed as ignored with the package to
//! install; with `MEMLAYOUT_REQUIRE_QEMU=1` (as CI sets) they run, and fail.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use memlayout::export::{self, Input};
use memlayout_macros::memory_layout;

memory_layout!(include "layouts/board.memlayout");

const BOARD: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/layouts/board.memlayout");

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("memlayout-toolchain-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes to `dir/name` the export `format` (`c`, `ld`, or `bin` of `table`) of the
/// layout file `layout`.
fn export_to(dir: &Path, name: &str, layout: &Path, format: &str, table: Option<&str>) {
    let text = std::fs::read_to_string(layout).unwrap();
    let planned = memlayout::dsl::file::plan_text(&text)
        .unwrap_or_else(|d| panic!("{}: {d:?}", layout.display()));
    let input = Input::new(planned.module(), planned.plan());
    let input = match table {
        Some(t) => input.only(t).unwrap(),
        None => input,
    };
    let bytes = match format {
        "c" => export::c::c(&input).into_bytes(),
        "ld" => export::ld::ld(&input).into_bytes(),
        "bin" => match input.tables() {
            [one] => export::bin::bin(one),
            _ => panic!("bin exports one table"),
        },
        _ => panic!("no export {format}"),
    };
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// Exports `format` of the board layout to `dir/name`.
fn export(dir: &Path, name: &str, format: &str, table: Option<&str>) {
    export_to(dir, name, Path::new(BOARD), format, table);
}

/// Runs a tool in `dir`; returns (success, stdout, stderr).
fn tool(dir: &Path, program: &str, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program}: {e}; install gcc-aarch64-linux-gnu (Debian)")
        });
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
#[cfg_attr(
    memlayout_no_aarch64_toolchain,
    ignore = "install gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc and binutils)"
)]
fn the_header_compiles_from_c_and_from_assembly_with_the_layout_values() {
    let dir = scratch("toolchain-header");
    export(&dir, "board.h", "c", None);
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
    // The section macros: a name that is also a macro stays itself.
    c.push_str(
        "#define core0_el3 not_a_table\n\
         MEMLAYOUT_SECTION(core0_el3, bsp_boot) unsigned long in_boot = 1;\n\
         MEMLAYOUT_CORE0_EL1_CROSS_CORE_SECTION unsigned long in_mailbox = 2;\n\
         MEMLAYOUT_SECTION(core0_el3, stack) void in_code(void) {}\n\
         static const char name[] = MEMLAYOUT_CORE0_EL3_CROSS_CORE_SECTION_NAME;\n\
         const char *section_name(void) { return name; }\n",
    );
    s.push_str(
        ".text\n.global load\nload:\n    ldr x0, =MEMLAYOUT_CORE0_EL3_TTBR0\n    ldr x1, =MEMLAYOUT_CORE0_EL3_TCR\n    ret\n.data\n.quad MEMLAYOUT_CORE0_EL3_BOOT_VA\n\
         .section MEMLAYOUT_CORE0_EL3_BSP_BOOT_SECTION_NAME, \"ax\"\n    nop\n",
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
    let section_names = |object: &str| -> Vec<String> {
        let (ok, out, err) = tool(&dir, "aarch64-linux-gnu-readelf", &["-SW", object]);
        assert!(ok, "{err}");
        out.lines()
            .filter_map(|l| l.split_once(']')?.1.split_whitespace().next())
            .map(String::from)
            .collect()
    };
    let c_sections = section_names("t.c.o");
    for name in [
        ".memlayout.core0_el3.bsp_boot",
        ".memlayout.core0_el1.cross_core",
        ".memlayout.core0_el3.stack",
    ] {
        assert!(
            c_sections.iter().any(|s| s == name),
            "{name} in {c_sections:?}"
        );
    }
    assert!(!c_sections.iter().any(|s| s.contains("not_a_table")));
    let s_sections = section_names("t.S.o");
    assert!(
        s_sections
            .iter()
            .any(|s| s == ".memlayout.core0_el3.bsp_boot"),
        "{s_sections:?}"
    );
}

const PROGRAM: &str = r#"
    // Boot code: the input section of segment bsp_boot of table core0_el3.
    .section .memlayout.core0_el3.bsp_boot, "ax"
    .global _start
_start:
    ldr x0, =memlayout_core0_el3_ttbr0
    ldr x1, =memlayout_core0_el3_tcr
    b .
BOOT_PAYLOAD

    // The stack (NOLOAD), by the header's name for its section.
    .section MEMLAYOUT_CORE0_EL3_STACK_SECTION_NAME, "aw", %nobits
    .global stack_bottom
stack_bottom:
    .space 0x800

    // The shared segment, by core0_el3's name for it and by core0_el1's: one output
    // section takes both.
    .section .memlayout.core0_el3.cross_core, "aw"
    .global mailbox_word
mailbox_word:
    .quad 0x1234
    .section .memlayout.core0_el1.cross_core, "aw"
    .global mailbox_word_el1
mailbox_word_el1:
    .quad 0x5678

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
    export(&dir, "board.ld", "ld", None);
    export(&dir, "board.h", "c", None);
    export(&dir, "core0_el3.bin", "bin", Some("core0_el3"));
    export(&dir, "core0_el1.bin", "bin", Some("core0_el1"));
    std::fs::write(
        dir.join("prog.S"),
        format!(
            "#include \"board.h\"\n{}",
            PROGRAM.replace("BOOT_PAYLOAD", payload)
        ),
    )
    .unwrap();
    std::fs::write(dir.join("link.ld"), SCRIPT).unwrap();
    let (ok, _, err) = tool(
        &dir,
        "aarch64-linux-gnu-gcc",
        &["-I.", "-c", "prog.S", "-o", "prog.o"],
    );
    assert!(ok, "{err}");
    let (ok, _, err) = tool(
        &dir,
        "aarch64-linux-gnu-ld",
        &["-n", "-T", "link.ld", "-L.", "prog.o", "-o", "prog.elf"],
    );
    (dir, ok, err)
}

#[test]
#[cfg_attr(
    memlayout_no_aarch64_toolchain,
    ignore = "install gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc and binutils)"
)]
fn the_ld_fragment_links_every_symbol_and_section_at_the_layout_address() {
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
    assert_eq!(symbols["mailbox_word_el1"], cross.va() + 8);
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
#[cfg_attr(
    memlayout_no_aarch64_toolchain,
    ignore = "install gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc and binutils)"
)]
fn a_segment_too_large_fails_the_link_with_the_assert_message() {
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

/// Two tables with segments of the same names (`code`, `vars`) and a shared segment
/// (`mbox`) in a mailbox page both map.
const NAMES_LAYOUT: &str = "mod fw {
    physical ram = 0x4000_0000 .. +16M;
    table el3 (core 0, EL3) {
        virtual 0x1000_0000 .. +16M;
        page text : code, 4K;
        page data : data, 4K, rw;
        segment code : code, 0x100, in text;
        segment vars : data, 0x100, in data;
    }
    table el1 (core 0, EL1_NS) {
        virtual 0x8000_0000 .. +16M;
        page text : code, 4K;
        page data : data, 4K, rw;
        segment code : code, 0x100, in text;
        segment vars : data, 0x100, in data;
    }
    shared page mailbox : data, 4K, rw;
    shared segment mbox : data_shared, 0x40, in mailbox;
}
";

/// Firmware built as firmware routinely is, with `-ffunction-sections -fdata-sections`:
/// a function and globals named like segments (`.text.code`, `.bss.vars`,
/// `.data.mbox`) that nothing puts in a segment, and definitions that each table puts
/// in its own segments with the header's macros.
const NAMES_PROGRAM: &str = r#"#include "fw.h"

/* Named like segments; placed by the firmware's own script. */
unsigned long mbox = 0x11;
unsigned long vars[4];
void code(void) {}

/* Each table's own segment of a shared name. */
MEMLAYOUT_SECTION(el3, vars) unsigned long el3_var = 3;
MEMLAYOUT_EL1_VARS_SECTION unsigned long el1_var = 1;
/* The shared segment, by each table's name for it. */
MEMLAYOUT_SECTION(el3, mbox) unsigned long mbox_el3_word = 5;
MEMLAYOUT_SECTION(el1, mbox) unsigned long mbox_el1_word = 6;
MEMLAYOUT_SECTION(el1, code) void el1_code(void) {}

MEMLAYOUT_SECTION(el3, code) void _start(void)
{
    code();
    el1_code();
    for (;;)
        ;
}
"#;

/// The firmware's own sections, after the fragment's, at an address outside the layout.
const NAMES_SCRIPT: &str = "ENTRY(_start)
INCLUDE fw.ld
SECTIONS
{
    . = 0x90000000;
    .text : { *(.text .text.*) }
    .rodata : { *(.rodata .rodata.*) }
    .data : { *(.data .data.*) }
    .bss : { *(.bss .bss.*) }
    /DISCARD/ : { *(.comment) *(.note .note.*) *(.eh_frame) }
}
";

/// Every section of `elf`: name to (VMA, LMA, size), from `objdump -h`.
fn sections_of(dir: &Path, elf: &str) -> BTreeMap<String, (u64, u64, u64)> {
    let (ok, objdump, err) = tool(dir, "aarch64-linux-gnu-objdump", &["-h", elf]);
    assert!(ok, "{err}");
    objdump
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            f.first()?.parse::<u32>().ok()?;
            let hex = |i: usize| u64::from_str_radix(f.get(i)?, 16).ok();
            Some((f.get(1)?.to_string(), (hex(3)?, hex(4)?, hex(2)?)))
        })
        .collect()
}

/// Every symbol of `elf` with its value, from `nm`.
fn symbols_of(dir: &Path, elf: &str) -> BTreeMap<String, u64> {
    let (ok, nm, err) = tool(dir, "aarch64-linux-gnu-nm", &[elf]);
    assert!(ok, "{err}");
    nm.lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let value = u64::from_str_radix(f.next()?, 16).ok()?;
            let _kind = f.next()?;
            Some((f.next()?.to_string(), value))
        })
        .collect()
}

#[test]
#[cfg_attr(
    memlayout_no_aarch64_toolchain,
    ignore = "install gcc-aarch64-linux-gnu (aarch64-linux-gnu-gcc and binutils)"
)]
fn a_segment_takes_only_what_names_its_table_and_itself() {
    let dir = scratch("toolchain-names");
    let layout = dir.join("fw.memlayout");
    std::fs::write(&layout, NAMES_LAYOUT).unwrap();
    for (format, file) in [("c", "fw.h"), ("ld", "fw.ld")] {
        export_to(&dir, file, &layout, format, None);
    }
    std::fs::write(dir.join("fw.c"), NAMES_PROGRAM).unwrap();
    std::fs::write(dir.join("link.ld"), NAMES_SCRIPT).unwrap();
    let (ok, _, err) = tool(
        &dir,
        "aarch64-linux-gnu-gcc",
        &[
            "-O2",
            "-Wall",
            "-Werror",
            "-ffreestanding",
            "-nostdlib",
            "-static",
            "-fno-pie",
            "-no-pie",
            "-ffunction-sections",
            "-fdata-sections",
            "-fno-asynchronous-unwind-tables",
            "-fno-unwind-tables",
            "-I.",
            "-Wl,-n",
            "-Wl,--no-warn-rwx-segments",
            "-Wl,--orphan-handling=error",
            "-Wl,--build-id=none",
            "-Wl,-L.",
            "-T",
            "link.ld",
            "fw.c",
            "-o",
            "fw.elf",
        ],
    );
    assert!(ok, "the program does not link:\n{err}");
    let symbols = symbols_of(&dir, "fw.elf");
    let sections = sections_of(&dir, "fw.elf");
    // A segment's VA range, from the fragment's own symbols.
    let segment = |table: &str, name: &str| {
        let va = symbols[&format!("memlayout_{table}_{name}_va")];
        va..va + symbols[&format!("memlayout_{table}_{name}_size")]
    };
    let in_segments = |address: u64| -> Vec<String> {
        let mut found = Vec::new();
        for table in ["el3", "el1"] {
            for name in ["code", "vars", "mbox"] {
                if segment(table, name).contains(&address) {
                    found.push(format!("{table}.{name}"));
                }
            }
        }
        found
    };

    // Named like a segment, placed by nobody: outside every segment, in the firmware's
    // own sections.
    for (symbol, own) in [("mbox", ".data"), ("vars", ".bss"), ("code", ".text")] {
        let address = symbols[symbol];
        assert!(
            in_segments(address).is_empty(),
            "`{symbol}` at {address:#x} fell into segment {:?}",
            in_segments(address)
        );
        let (vma, _, size) = sections[own];
        assert!(
            (vma..vma + size).contains(&address),
            "`{symbol}` at {address:#x} is not in {own} {vma:#x}+{size:#x}"
        );
    }
    // Same-named segments of two tables: each holds its own table's contents only.
    assert_eq!(in_segments(symbols["el3_var"]), ["el3.vars"]);
    assert_eq!(in_segments(symbols["el1_var"]), ["el1.vars"]);
    assert_eq!(in_segments(symbols["_start"]), ["el3.code"]);
    assert_eq!(in_segments(symbols["el1_code"]), ["el1.code"]);
    assert_eq!(sections[".memlayout.el3.vars"].2, 8);
    assert_eq!(sections[".memlayout.el1.vars"].2, 8);
    // The shared segment: one output section, at the first table's VA and the one PA,
    // taking both tables' names for it and nothing else.
    let (vma, lma, size) = sections[".memlayout.el3.mbox"];
    assert_eq!(
        (vma, lma, size),
        (
            symbols["memlayout_el3_mbox_va"],
            symbols["memlayout_el3_mbox_pa"],
            16
        )
    );
    assert_eq!(symbols["memlayout_el1_mbox_pa"], lma);
    assert!(!sections.contains_key(".memlayout.el1.mbox"));
    assert_eq!(in_segments(symbols["mbox_el3_word"])[0], "el3.mbox");
    assert_eq!(in_segments(symbols["mbox_el1_word"])[0], "el3.mbox");
    // Every vars section is loaded at its segment's PA.
    for table in ["el3", "el1"] {
        let (vma, lma, _) = sections[&format!(".memlayout.{table}.vars")];
        assert_eq!(vma, symbols[&format!("memlayout_{table}_vars_va")]);
        assert_eq!(lma, symbols[&format!("memlayout_{table}_vars_pa")]);
    }

    // With -n, every loadable segment of the ELF starts with one of its sections and
    // ends with one: nothing (no ELF header) is loaded below or after them, at a PA the
    // layout gave to something else.
    let (ok, readelf, err) = tool(&dir, "aarch64-linux-gnu-readelf", &["-lW", "fw.elf"]);
    assert!(ok, "{err}");
    let loads: Vec<(u64, u64)> = readelf
        .lines()
        .filter(|l| l.trim_start().starts_with("LOAD"))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            let hex = |s: &str| u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
            (hex(f[3]), hex(f[5]))
        })
        .collect();
    assert!(!loads.is_empty(), "{readelf}");
    for (pa, memsz) in loads {
        assert!(
            sections.values().any(|&(_, lma, _)| lma == pa)
                && sections
                    .values()
                    .any(|&(_, lma, size)| lma + size == pa + memsz),
            "a LOAD at PA {pa:#x}+{memsz:#x} that does not begin and end with a section:\n{readelf}"
        );
    }
}
