//! The linker `MEMORY` export in a real AArch64 toolchain: a linker script that
//! `INCLUDE`s it places one output section in every page's regions
//! (`> MEMLAYOUT_<T>_<P>_VA AT> MEMLAYOUT_<T>_<P>_PA`, one through `REGION_ALIAS` as
//! `cortex-m-rt`-style runtimes do) and one in every table's `MEMLAYOUT_<T>_TABLES_PA`;
//! GNU ld links it, and `objdump -h` shows each section at its page's VA (VMA) and PA
//! (LMA). Contents one byte larger than a page fail the link with the linker's
//! "region ... overflowed".
//!
//! Needs `aarch64-linux-gnu-gcc` and its binutils (or the compiler named by
//! `MEMLAYOUT_AARCH64_GCC`, whose `objdump` sits beside it); ignored without them,
//! unless `MEMLAYOUT_REQUIRE_QEMU=1`.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use memlayout::PageKind;
use memlayout::dsl::file::plan_text;
use memlayout::export::{Input, memory_x::memory_x};

fn gcc() -> OsString {
    std::env::var_os("MEMLAYOUT_AARCH64_GCC").unwrap_or_else(|| "aarch64-linux-gnu-gcc".into())
}

/// The binutils program `tool` of the same toolchain as [`gcc`].
fn binutil(tool: &str) -> OsString {
    let gcc = gcc().to_string_lossy().into_owned();
    match gcc.strip_suffix("gcc") {
        Some(prefix) => format!("{prefix}{tool}").into(),
        None => format!("aarch64-linux-gnu-{tool}").into(),
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("memlayout-memory-x-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `program ARGS` in `dir`: (success, stdout, stderr).
fn run(dir: &Path, program: &OsString, args: &[&str]) -> (bool, String, String) {
    let o = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", program.to_string_lossy()));
    (
        o.status.success(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// One output section to place: its name, the regions (VMA, LMA), its expected VMA and
/// LMA, and the bytes it holds.
struct Placed {
    section: String,
    vma_region: String,
    lma_region: Option<String>,
    vma: u64,
    lma: u64,
    bytes: u64,
}

/// Every section the test places for `layout`: per table, one per page whose PA no
/// earlier section took (shared pages and aliases once; device pages hold nothing),
/// and its translation tables.
fn placements(text: &str) -> (String, Vec<Placed>) {
    let planned = plan_text(text).expect("the layout plans");
    let input = Input::new(planned.module(), planned.plan());
    let block = memory_x(&input).expect("the MEMORY block");
    let mut out = Vec::new();
    let mut pas = BTreeSet::new();
    for t in input.tables() {
        let tn = t.name().to_ascii_uppercase();
        for p in &t.pages {
            let first = p.pages[0];
            if first.kind() == PageKind::Device || !pas.insert(first.pa()) {
                continue;
            }
            let pn = p.name.to_ascii_uppercase();
            out.push(Placed {
                section: format!(".pg.{}.{}", t.name(), p.name),
                vma_region: format!("MEMLAYOUT_{tn}_{pn}_VA"),
                lma_region: Some(format!("MEMLAYOUT_{tn}_{pn}_PA")),
                vma: first.va(),
                lma: first.pa(),
                bytes: 16,
            });
        }
        out.push(Placed {
            section: format!(".tables.{}", t.name()),
            vma_region: format!("MEMLAYOUT_{tn}_TABLES_PA"),
            lma_region: None,
            vma: t.translation.base_pa(),
            lma: t.translation.base_pa(),
            bytes: 16,
        });
    }
    (block, out)
}

/// Writes the block, a script placing `placed` (the first through `REGION_ALIAS`) and
/// an assembly file with their contents into `dir`, and links them.
fn link(dir: &Path, block: &str, placed: &[Placed]) -> (bool, String) {
    std::fs::write(dir.join("layout-memory.x"), block).unwrap();
    let mut script = String::from("INCLUDE layout-memory.x\n");
    let mut asm = String::from(".section .note.GNU-stack,\"\",%progbits\n");
    for (k, p) in placed.iter().enumerate() {
        let (vma, lma) = if k == 0 {
            let _ = writeln!(script, "REGION_ALIAS(\"FLASH\", {});", p.vma_region);
            if let Some(l) = &p.lma_region {
                let _ = writeln!(script, "REGION_ALIAS(\"FLASH_LMA\", {l});");
            }
            (
                "FLASH".to_string(),
                p.lma_region.as_ref().map(|_| "FLASH_LMA".to_string()),
            )
        } else {
            (p.vma_region.clone(), p.lma_region.clone())
        };
        let _ = write!(
            script,
            "SECTIONS {{ {s} : {{ KEEP(*({s})) }} > {vma}",
            s = p.section
        );
        if let Some(l) = lma {
            let _ = write!(script, " AT> {l}");
        }
        script.push_str(" }\n");
        let _ = writeln!(
            asm,
            ".section {}, \"a\"\n.fill {:#x}, 1, 0x{:02x}",
            p.section,
            p.bytes,
            k % 256
        );
    }
    std::fs::write(dir.join("link.ld"), script).unwrap();
    std::fs::write(dir.join("contents.S"), asm).unwrap();
    let (ok, _, err) = run(dir, &gcc(), &["-c", "contents.S", "-o", "contents.o"]);
    assert!(ok, "{err}");
    let (ok, _, err) = run(
        dir,
        &gcc(),
        &[
            "-nostdlib",
            "-nostartfiles",
            "-static",
            "-Wl,-n",
            "-Wl,--build-id=none",
            "-Wl,-T,link.ld",
            "-Wl,-e,0",
            "contents.o",
            "-o",
            "out.elf",
        ],
    );
    (ok, err)
}

/// (VMA, LMA) of every section of `out.elf`, from `objdump -h`.
fn section_addresses(dir: &Path) -> Vec<(String, u64, u64)> {
    let (ok, out, err) = run(dir, &binutil("objdump"), &["-h", "out.elf"]);
    assert!(ok, "{err}");
    out.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 7 || f[0].parse::<u32>().is_err() {
                return None;
            }
            let hex = |s: &str| u64::from_str_radix(s, 16).ok();
            Some((f[1].to_string(), hex(f[3])?, hex(f[4])?))
        })
        .collect()
}

const LAYOUTS: [&str; 3] = [
    "tests/layouts/board.memlayout",
    "tests/layouts/virt4.memlayout",
    "memlayout-cli/tests/layouts/trustzone.memlayout",
];

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn sections_land_at_the_pages_vas_and_pas() {
    for path in LAYOUTS {
        let text = std::fs::read_to_string(root().join(path)).unwrap();
        let (block, placed) = placements(&text);
        let dir = scratch(&path.replace('/', "-"));
        let (ok, err) = link(&dir, &block, &placed);
        assert!(ok, "{path}: the link fails:\n{err}\n{block}");
        for word in ["overflow", "overlap", "region"] {
            assert!(!err.contains(word), "{path}: {err}");
        }
        let found = section_addresses(&dir);
        for p in &placed {
            let got = found.iter().find(|(n, ..)| *n == p.section);
            assert_eq!(
                got.map(|&(_, vma, lma)| (vma, lma)),
                Some((p.vma, p.lma)),
                "{path}: {} (VMA, LMA)",
                p.section
            );
        }
    }
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn contents_larger_than_a_page_fail_the_link() {
    let text = std::fs::read_to_string(root().join(LAYOUTS[0])).unwrap();
    let (block, mut placed) = placements(&text);
    let text_page = placed
        .iter_mut()
        .find(|p| p.section == ".pg.core0_el3.text")
        .expect("the text page");
    // `text` is `4K * 3`: one byte more than its three pages.
    text_page.bytes = 3 * 4096 + 1;
    let dir = scratch("overflow");
    let (ok, err) = link(&dir, &block, &placed);
    assert!(!ok, "the link succeeds");
    assert!(
        err.contains("region `MEMLAYOUT_CORE0_EL3_TEXT_VA' overflowed by 1 byte"),
        "{err}"
    );
}
