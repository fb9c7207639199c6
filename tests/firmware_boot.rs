//! The firmware examples `examples/firmware-c` and `examples/firmware-rust` boot on QEMU
//! `virt` through their `run.sh` and print every step with the addresses of their
//! layout; a seed moves the addresses but not the steps; a kernel (EL1) or monitor (EL3)
//! code page without execute permission ends in an instruction abort reported by that
//! level's vectors. The Rust example boots the same steps with the 16 KiB and 64 KiB
//! granule variants of its layout, and says so when the CPU lacks the layout's granule.
//!
//! Needs `qemu-system-aarch64`, `aarch64-linux-gnu-gcc` and, for the Rust example, the
//! target `aarch64-unknown-none`; without them the tests are ignored (see tests/build.rs),
//! unless `MEMLAYOUT_REQUIRE_QEMU=1` is set, in which case they run and fail.

use memlayout_tests::firmware::{
    Run, assert_lines, run_example, tools_or_skip, workspace_root as root,
};

/// Runs `examples/<example>/run.sh ARGS --out <fresh dir>`.
fn run(example: &str, name: &str, args: &[&str]) -> Run {
    run_example(example, "board.memlayout", name, args)
}

/// The lines a successful run prints, in order. `{key}` is the layout's value, printed
/// in hexadecimal; `{va_in:T.S}` / `{pa_in:T.S}` any address inside segment `S` of
/// table `T` (where code is running); `{iabort}` the EC of an instruction abort.
const BOOT_LINES: [&str; 6] = [
    "[el3] boot: core 0 started at EL3 with the MMU off, running from the identity segment at PA {pa_in:core0_el3.bsp_boot}",
    "[el3] mmu: MAIR/TCR/TTBR0_EL3 loaded, TLB invalidated, SCTLR_EL3 M/C/I set; tables at PA {core0_el3.tables_pa}",
    "[el3] monitor: running at VA {va_in:core0_el3.monitor_code} (PA {pa_in:core0_el3.monitor_code}), printing through the UART at VA {core0_el3.uart.va}",
    "[el3] mailbox: wrote 0xc0de at VA {core0_el3.cross_core.va} (PA {core0_el3.cross_core.pa})",
    // The GIC's pool is in both physical address spaces: the monitor's table maps the
    // distributor through the secure view, which the MMU confirms (PAR_EL1.NS = 0).
    "[el3] gic: distributor at VA {core0_el3.gicd.va} (PA {core0_el3.gicd.pa}), secure view: AT S1E3R gives PAR_EL1.NS 0x0, the layout's NS 0x0",
    "[el3] el1: SCR_EL3.NS/RW, HCR_EL2.RW and MAIR/TCR/TTBR0_EL1 set; eret to the kernel at VA {va_in:core0_el1.kernel_code}",
];

const REST_LINES: [&str; 6] = [
    "[el1] kernel: running at EL1 (non-secure), read 0xc0de from the mailbox at VA {core0_el1.cross_core.va}",
    // The kernel's table maps the same PA through the non-secure view (NS = 1) and
    // reads the register the monitor read through the secure one.
    "[el1] gic: distributor at VA {core0_el1.gicd.va} (PA {core0_el1.gicd.pa}), non-secure view (the layout's NS 0x1): GICD_IIDR reads as through the monitor's secure view",
    "[el1] kernel: wrote 0xbeef to the mailbox, releasing core 1",
    "[core1] released: EL3 table at PA {core1_el3.tables_pa} on, running at VA {va_in:core1_el3.secondary_code}",
    "[core1] read 0xbeef from the mailbox at VA {core1_el3.cross_core.va} (PA {core1_el3.cross_core.pa})",
    "done: both cores finished, exiting with status 0",
];

/// What the EL3 vectors print for an instruction abort in the monitor.
const EL3_ABORT_LINE: &str = "[el3] exception: EC {iabort} FAR {va_in:core0_el3.monitor_code} ELR {va_in:core0_el3.monitor_code}";

const ABORT_LINE: &str =
    "[el1] exception: EC {iabort} FAR {core0_el1.kernel_code.va} ELR {core0_el1.kernel_code.va}";

fn assert_boots(example: &str, name: &str, args: &[&str]) -> Run {
    let run = run(example, name, args);
    let what = format!("{example} {args:?}");
    let all: Vec<&str> = BOOT_LINES.iter().chain(&REST_LINES).copied().collect();
    assert_lines(&what, &run, &all);
    assert_eq!(
        run.status,
        Some(0),
        "{what}: exit status\nUART output:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    // The layout really puts the monitor's code, read-only data, data and stack, the
    // UART, the mailbox, core 1's code and the kernel at VAs that are not their PAs, so
    // the lines above prove the tables are live.
    for key in [
        "core0_el3.monitor_code",
        "core0_el3.monitor_strings",
        "core0_el3.monitor_vars",
        "core0_el3.monitor_stack",
        "core0_el3.uart",
        "core0_el3.cross_core",
        "core1_el3.secondary_code",
        "core1_el3.uart",
        "core0_el1.kernel_code",
        "core0_el1.uart",
        "core0_el3.gicd",
        "core0_el1.gicd",
    ] {
        assert_ne!(
            run.addrs.named[&format!("{key}.va")],
            run.addrs.named[&format!("{key}.pa")],
            "{key}"
        );
    }
    run
}

fn boots_and_boots_with_a_seed(example: &str) {
    if !tools_or_skip() {
        return;
    }
    let plain = assert_boots(example, "plain", &[]);
    assert!(
        !plain.layout.contains("seed"),
        "the checked-in layout has no seed"
    );
    let seeded = assert_boots(example, "seed", &["--seed", "7"]);
    assert!(
        seeded.layout.contains("seed = 7;"),
        "run.sh --seed adds the seed to the copy"
    );
    assert_ne!(
        plain.addrs.named, seeded.addrs.named,
        "{example}: the seed moved nothing"
    );
    // Same lines apart from the addresses.
    assert_eq!(
        without_addresses(&plain.stdout),
        without_addresses(&seeded.stdout)
    );
}

/// The lines of a run's output with every hexadecimal number but the mailbox values
/// (0xc0de, 0xbeef) replaced by `ADDR`.
fn without_addresses(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|l| {
            l.split(' ')
                .map(|w| {
                    if w.trim_start_matches('(').starts_with("0x")
                        && !w.contains("0xc0de")
                        && !w.contains("0xbeef")
                    {
                        "ADDR"
                    } else {
                        w
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The checked-in granule variants of the Rust example's layout: the file, its granule,
/// the granule's `TCR_ELx.TG0` encoding (bits 15:14: 0b00 4 KiB, 0b01 64 KiB, 0b10 16 KiB;
/// Arm ARM D23.2, "TCR_EL3") and the QEMU CPU that boots it (`None`: run.sh's default,
/// the Cortex-A57, which has the 4 KiB and 64 KiB granules but not 16 KiB).
const GRANULE_VARIANTS: [(&str, &str, u64, Option<&str>); 2] = [
    ("board-16k.memlayout", "16K", 0b10, Some("cortex-a76")),
    ("board-64k.memlayout", "64K", 0b01, None),
];

/// `examples/firmware-rust/<file>`, as a string for run.sh's `--layout`.
fn rust_layout(file: &str) -> String {
    root()
        .join("examples/firmware-rust")
        .join(file)
        .to_str()
        .unwrap()
        .to_string()
}

/// Each granule variant is board.memlayout with every `4K` made the granule's page size
/// (the pages, the identity range of the boot page, the UART's pool) and `granule = ..;`
/// at the top, under a comment: nothing else, so the variants follow the layout.
#[test]
fn the_granule_variants_are_the_layout_with_its_4k_widened() {
    for (file, granule, _, _) in GRANULE_VARIANTS {
        let expected = edited_layout(
            "firmware-rust",
            &[
                ("4K", granule),
                (
                    "mod board {\n",
                    &format!("mod board {{\n    granule = {granule};\n"),
                ),
            ],
        );
        let text = std::fs::read_to_string(rust_layout(file)).unwrap();
        // The variant's own comments (`//`; the layout's documentation is `///`).
        let without_comments: String = text
            .lines()
            .filter(|l| {
                let t = l.trim_start();
                !t.starts_with("//") || t.starts_with("///")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            without_comments, expected,
            "{file} is not board.memlayout with `granule = {granule};` and each 4K made {granule}"
        );
    }
}

/// The Rust firmware boots with the 16 KiB and the 64 KiB granule variants of its layout
/// and prints the same steps as with the 4 KiB layout, at the variant's addresses: the
/// TTBR0_EL3 it reads back is the variant's table base, it runs and prints at the
/// variant's VAs, `AT S1E3R` walks the variant's EL3 table, the kernel reads the mailbox
/// through the variant's EL1 table.
#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn firmware_rust_boots_with_the_16k_and_64k_granules() {
    if !tools_or_skip() {
        return;
    }
    let four_k = assert_boots("firmware-rust", "granule-4K", &[]);
    for table in ["core0_el3", "core1_el3", "core0_el1"] {
        assert_eq!(four_k.addrs.named[&format!("{table}.tcr")] >> 14 & 3, 0b00);
    }
    for (file, granule, tg0, cpu) in GRANULE_VARIANTS {
        let layout = rust_layout(file);
        let mut args = vec!["--layout", layout.as_str()];
        if let Some(cpu) = cpu {
            args.extend(["--cpu", cpu]);
        }
        let run = assert_boots("firmware-rust", &format!("granule-{granule}"), &args);
        let what = format!("firmware-rust with {file}");
        let bytes = if granule == "16K" { 0x4000 } else { 0x1_0000 };
        // Every table the firmware turns on has the granule, in its TCR and in the
        // alignment of its tables, and every page sits on a granule boundary.
        for table in ["core0_el3", "core1_el3", "core0_el1"] {
            let named = &run.addrs.named;
            assert_eq!(
                named[&format!("{table}.tcr")] >> 14 & 3,
                tg0,
                "{what}: {table}"
            );
            assert_eq!(
                named[&format!("{table}.tables_pa")] % bytes,
                0,
                "{what}: {table}"
            );
        }
        for page in [
            "core0_el3.uart",
            "core0_el3.gicd",
            "core0_el3.mailbox",
            "core0_el3.monitor_text",
            "core1_el3.secondary_text",
            "core0_el1.kernel_text",
            "core0_el1.gicd",
        ] {
            for end in ["va", "pa"] {
                let a = run.addrs.named[&format!("{page}.{end}")];
                assert_eq!(a % bytes, 0, "{what}: {page}.{end} {a:#x}");
            }
        }
        assert_ne!(
            four_k.addrs.named, run.addrs.named,
            "{what}: the granule moved nothing"
        );
        assert_eq!(
            without_addresses(&four_k.stdout),
            without_addresses(&run.stdout),
            "{what}: the steps differ from the 4K layout's"
        );
    }
}

/// On a CPU without the layout's granule (the Cortex-A57 has no 16 KiB granule) the
/// firmware turns no table on: core 0 reads `ID_AA64MMFR0_EL1` first, prints the granule
/// and the register, and exits with status 4.
#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn firmware_rust_says_when_the_cpu_lacks_the_granule() {
    if !tools_or_skip() {
        return;
    }
    let layout = rust_layout("board-16k.memlayout");
    let run = run(
        "firmware-rust",
        "granule-16K-cortex-a57",
        &["--layout", &layout, "--cpu", "cortex-a57"],
    );
    let what = "firmware-rust with board-16k.memlayout on a Cortex-A57";
    let lines: Vec<&str> = run.stdout.lines().collect();
    let prefix = "[el3] boot: a table's translation granule, 0x";
    let line = lines
        .iter()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("{what}: no line `{prefix}..`:\n{}", run.stdout));
    let (granule, rest) = line[prefix.len()..].split_at(16);
    let mmfr0 = rest
        .strip_prefix(" bytes, is not implemented by this CPU: ID_AA64MMFR0_EL1 0x")
        .unwrap_or_else(|| panic!("{what}: `{line}`"));
    assert_eq!(
        u64::from_str_radix(granule, 16),
        Ok(0x4000),
        "{what}: `{line}`"
    );
    let mmfr0 = u64::from_str_radix(mmfr0, 16).unwrap_or_else(|e| panic!("{what}: `{line}`: {e}"));
    // ID_AA64MMFR0_EL1.TGran16 (bits 23:20) reads 0b0000: no 16 KiB granule (Arm ARM
    // D23.2, "ID_AA64MMFR0_EL1").
    assert_eq!(mmfr0 >> 20 & 0xf, 0, "{what}: `{line}`");
    assert!(
        lines.iter().all(|l| l == line || !l.starts_with('[')),
        "{what}: a step after the granule's line:\n{}",
        run.stdout
    );
    assert_eq!(run.status, Some(4), "{what}: exit status\n{}", run.stderr);
}

/// The layout of `example` with each `(from, to)` of `edits` applied.
fn edited_layout(example: &str, edits: &[(&str, &str)]) -> String {
    let mut layout = std::fs::read_to_string(
        root()
            .join("examples")
            .join(example)
            .join("board.memlayout"),
    )
    .unwrap();
    for (from, to) in edits {
        assert!(
            layout.contains(from),
            "{example}: board.memlayout declares `{from}`"
        );
        layout = layout.replace(from, to);
    }
    layout
}

/// Runs `example` with `edits` applied to (a copy of) its layout.
fn run_edited(example: &str, name: &str, edits: &[(&str, &str)]) -> Run {
    let dir = root().join("target/tmp/firmware-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let edited = dir.join(format!("{example}-{name}.memlayout"));
    std::fs::write(&edited, edited_layout(example, edits)).unwrap();
    run(example, name, &["--layout", edited.to_str().unwrap()])
}

/// A code segment in a page made non-executable is refused before anything is built,
/// with the error on the segment's kind: the mistake never reaches the board.
fn refused_as_code_without_execute(example: &str, page: &str, segment: &str) {
    let layout = edited_layout(
        example,
        &[(
            &format!("page {page} : code, 4K;"),
            &format!("page {page} : code, 4K, r;"),
        )],
    );
    let errors = memlayout::dsl::file::plan_text(&layout).unwrap_err();
    assert_eq!(errors.len(), 1, "{example}: {errors:?}");
    assert_eq!(
        errors[0].message,
        format!(
            "code segment `{segment}` needs execute permission, but its page `{page}` is `r`, so the first instruction fetch from it faults; declare `{page}` with `rx`"
        )
    );
    let line = layout.lines().nth(errors[0].start.line - 1).unwrap();
    assert!(
        line.contains(&format!("segment {segment} : code")),
        "{line}"
    );
}

fn assert_failed(what: &str, run: &Run) {
    assert!(
        matches!(run.status, Some(s) if s != 0),
        "{what}: exit status {:?}\nUART output:\n{}",
        run.status,
        run.stdout
    );
}

/// The EL1 table's permissions are live: the kernel's first instruction faults, and
/// the kernel's vectors (in a page of their own) report it.
fn kernel_page_without_execute_aborts(example: &str) {
    if !tools_or_skip() {
        return;
    }
    refused_as_code_without_execute(example, "kernel_text", "kernel_code");
    // To see the MMU enforce it, the kernel's code goes in as read-only data, which a
    // read-only page takes.
    let run = run_edited(
        example,
        "kernel-no-execute",
        &[
            (
                "page kernel_text : code, 4K;",
                "page kernel_text : code, 4K, r;",
            ),
            (
                "segment kernel_code : code, 0x800,",
                "segment kernel_code : rodata, 0x800, align 8,",
            ),
        ],
    );
    let what = format!("{example} with a non-executable kernel page");
    let mut lines: Vec<&str> = BOOT_LINES.to_vec();
    lines.push(ABORT_LINE);
    assert_lines(&what, &run, &lines);
    assert!(
        !run.stdout.contains("[el1] kernel:"),
        "{what}: the kernel ran:\n{}",
        run.stdout
    );
    assert_failed(&what, &run);
}

/// The EL3 table's permissions are live too: the jump to the monitor faults, and the
/// EL3 vectors in the identity-mapped boot segment report it.
fn monitor_page_without_execute_aborts(example: &str) {
    if !tools_or_skip() {
        return;
    }
    refused_as_code_without_execute(example, "monitor_text", "monitor_code");
    let run = run_edited(
        example,
        "monitor-no-execute",
        &[
            (
                "page monitor_text : code, 4K;",
                "page monitor_text : code, 4K, r;",
            ),
            (
                "segment monitor_code : code, 0xC00,",
                "segment monitor_code : rodata, 0xC00, align 8,",
            ),
        ],
    );
    let what = format!("{example} with a non-executable monitor page");
    assert_lines(&what, &run, &[EL3_ABORT_LINE]);
    assert!(
        !run.stdout.contains("[el3] boot:"),
        "{what}: the monitor ran:\n{}",
        run.stdout
    );
    assert_failed(&what, &run);
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn firmware_c_boots_and_boots_with_a_seed() {
    boots_and_boots_with_a_seed("firmware-c");
}

#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn firmware_rust_boots_and_boots_with_a_seed() {
    boots_and_boots_with_a_seed("firmware-rust");
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn firmware_c_kernel_page_without_execute_aborts() {
    kernel_page_without_execute_aborts("firmware-c");
}

#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn firmware_rust_kernel_page_without_execute_aborts() {
    kernel_page_without_execute_aborts("firmware-rust");
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn firmware_c_monitor_page_without_execute_aborts() {
    monitor_page_without_execute_aborts("firmware-c");
}

#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn firmware_rust_monitor_page_without_execute_aborts() {
    monitor_page_without_execute_aborts("firmware-rust");
}
