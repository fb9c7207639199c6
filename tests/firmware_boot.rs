//! The firmware examples `examples/firmware-c` and `examples/firmware-rust` boot on QEMU
//! `virt` through their `run.sh` and print every step with the addresses of their
//! layout; a seed moves the addresses but not the steps; a kernel (EL1) or monitor (EL3)
//! code page without execute permission ends in an instruction abort reported by that
//! level's vectors.
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
    let strip = |s: &str| -> Vec<String> {
        s.lines()
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
    };
    assert_eq!(strip(&plain.stdout), strip(&seeded.stdout));
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
