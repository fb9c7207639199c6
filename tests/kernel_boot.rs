//! The kernel example `examples/kernel` boots on QEMU `virt` through its `run.sh`: it
//! turns the MMU on with its upper half in `TTBR1_EL1`, runs its two processes at EL0
//! in turn, switching `TTBR0_EL1` with their ASIDs and never invalidating the TLB, lets
//! them print through a system call, and reports the data abort of the one that overruns
//! its stack into the guard gap below it; every line carries the layout's values.
//!
//! Needs `qemu-system-aarch64`, `aarch64-linux-gnu-gcc` and the Rust target
//! `aarch64-unknown-none`; without them the tests are ignored (see tests/build.rs),
//! unless `MEMLAYOUT_REQUIRE_QEMU=1` is set, in which case they run and fail.

use memlayout_tests::firmware::{
    Run, assert_lines, layout_addresses, run_example, tools_or_skip, workspace_root,
};

/// The kernel's exit status: that of its last process, killed by a fault (128 + SIGSEGV,
/// as a shell reports it).
const KILLED_BY_FAULT: i32 = 139;

/// The lines of a run, in order. `{T.S.top}` is the end of segment `S` of table `T`,
/// `{T.asid}` the ASID in `T`'s `TTBR0`, `{T.guard_start}` / `{T.guard_end}` the guard
/// gap below the stack of process `T`, `{T.overflow}` the first VA below its stack; the
/// other placeholders are those of `memlayout_tests::firmware::matches`.
const LINES: [&str; 24] = [
    "[kernel] boot: entered at EL1 with the MMU off, at PA {kernel.boot_code.pa}",
    "[kernel] mmu on: TCR_EL1 {kernel.tcr}, MAIR_EL1 {kernel.mair}, TTBR1_EL1 {kernel.ttbr1} (kernel, upper half), TTBR0_EL1 {kernel.ttbr0} (its identity boot page)",
    "[kernel] running at VA {va_in:kernel.code}, stack at VA {va_in:kernel.kernel_stack}, vectors at VA {kernel.vectors.va}",
    "[kernel] UART at VA {kernel.uart.va}: AT S1E1R gives PA {kernel.uart.pa}, attribute 0x0 (Device-nGnRnE)",
    "[kernel] ASIDs: ID_AA64MMFR0_EL1.ASIDBits 0x2, TCR_EL1.AS 1",
    "[kernel] boot page dropped: TTBR0_EL1 {init.ttbr0}; AT S1E1R of its VA {kernel.boot.va} now faults; TLB invalidated, the last time",
    "[kernel] init: eret to EL0 at VA {init.code.va}, SP_EL0 {init.user_stack.top}",
    "[init] write() of my own code returns 0xfffffffffffffff2 (-EFAULT): it is execute-only",
    "[init] hello from EL0, my code starts at VA {init.code.va}; yielding",
    "[kernel] init: sched_yield",
    "[kernel] TTBR0_EL1 {shell.ttbr0} (shell, ASID {shell.asid}), no TLB invalidation",
    "[kernel] shell: eret to EL0 at VA {shell.code.va}, SP_EL0 {shell.user_stack.top}",
    "[shell] hello from EL0, my code starts at VA {shell.code.va}; yielding",
    "[kernel] shell: sched_yield",
    "[kernel] TTBR0_EL1 {init.ttbr0} (init, ASID {init.asid}), no TLB invalidation",
    "[kernel] init: eret to EL0 at VA {va_in:init.code}, SP_EL0 {va_in:init.user_stack}",
    "[init] back, with my stack at VA {va_in:init.user_stack}; exiting with status 0",
    "[kernel] init: exit(0)",
    "[kernel] TTBR0_EL1 {shell.ttbr0} (shell, ASID {shell.asid}), no TLB invalidation",
    "[kernel] shell: eret to EL0 at VA {va_in:shell.code}, SP_EL0 {va_in:shell.user_stack}",
    "[shell] back, pushing onto my stack from VA {va_in:shell.user_stack} until it overflows",
    "[kernel] shell: data abort from EL0 (EC 0x24, DFSC {translation_fault}) on a write at VA {shell.overflow}, ELR {va_in:shell.code}",
    "[kernel] shell: VA {shell.overflow} is in the guard gap below its stack ({shell.guard_start}..{shell.guard_end}): stack overflow, killed",
    "[kernel] no process left; exiting with the last one's status, 139",
];

/// Adds the values the lines use that are not a single value of the layout (see
/// [`LINES`]).
fn derive(run: &mut Run) {
    let named = &mut run.addrs.named;
    for process in ["init", "shell"] {
        let ttbr0 = named[&format!("{process}.ttbr0")];
        named.insert(format!("{process}.asid"), ttbr0 >> 48);
        let stack = named[&format!("{process}.user_stack.va")];
        let size = named[&format!("{process}.user_stack.size")];
        named.insert(format!("{process}.user_stack.top"), stack + size);
        let (page, guard) = (
            named[&format!("{process}.stack.va")],
            named[&format!("{process}.stack.guard")],
        );
        named.insert(format!("{process}.guard_start"), page - guard);
        named.insert(format!("{process}.guard_end"), page);
        // The process pushes 16 bytes at a time.
        named.insert(format!("{process}.overflow"), stack - 16);
    }
}

fn assert_runs(name: &str, args: &[&str]) -> Run {
    let mut run = run_example("kernel", "kernel.memlayout", name, args);
    derive(&mut run);
    let what = format!("kernel {args:?}");
    assert_lines(&what, &run, &LINES);
    assert_eq!(
        run.status,
        Some(KILLED_BY_FAULT),
        "{what}: exit status\nUART output:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    let named = &run.addrs.named;
    // The kernel runs in the upper half, each process in the lower half.
    for key in [
        "kernel.code",
        "kernel.vectors",
        "kernel.uart",
        "kernel.kernel_stack",
    ] {
        assert!(
            named[&format!("{key}.va")] >> 63 == 1,
            "{key} in the upper half"
        );
    }
    for key in [
        "init.code",
        "shell.code",
        "init.user_stack",
        "shell.user_stack",
    ] {
        assert!(
            named[&format!("{key}.va")] >> 63 == 0,
            "{key} in the lower half"
        );
    }
    run
}

#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn kernel_runs_two_processes_and_catches_a_stack_overflow() {
    if !tools_or_skip() {
        return;
    }
    let run = assert_runs("plain", &[]);
    assert!(
        !run.layout.contains("seed"),
        "the checked-in layout has no seed"
    );
    // The layout gives the processes ASIDs 1 and 300 (16-bit ASIDs: TCR_EL1.AS).
    let named = &run.addrs.named;
    assert_eq!((named["init.asid"], named["shell.asid"]), (1, 300));
    assert_ne!(named["kernel.tcr"] & 1 << 36, 0, "TCR_EL1.AS");
    // Both processes' code and stacks are at the same VAs, at different PAs: the lines
    // above show that each ran its own code there, with its own ASID.
    for key in ["code", "user_stack"] {
        let (init, shell) = (format!("init.{key}"), format!("shell.{key}"));
        assert_eq!(
            named[&format!("{init}.va")],
            named[&format!("{shell}.va")],
            "{key}"
        );
        assert_ne!(
            named[&format!("{init}.pa")],
            named[&format!("{shell}.pa")],
            "{key}"
        );
    }
}

#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn kernel_runs_with_a_seed() {
    if !tools_or_skip() {
        return;
    }
    let seeded = assert_runs("seed", &["--seed", "7"]);
    assert!(
        seeded.layout.contains("seed = 7;"),
        "run.sh --seed adds the seed to the copy"
    );
    let plain = layout_addresses(&workspace_root().join("examples/kernel/kernel.memlayout"));
    let moved = ["kernel.code.va", "init.code.va", "shell.user_stack.va"]
        .iter()
        .filter(|k| plain.named[**k] != seeded.addrs.named[**k])
        .count();
    assert!(moved > 0, "the seed moved nothing");
}

/// The ASIDs are what makes a switch without TLB invalidation correct: with the same
/// kernel and both processes at ASID 0 (no `asid`), the TLB still holds `init`'s
/// translations, tagged ASID 0, when `TTBR0_EL1` switches to `shell` (the architecture
/// lets a core keep using them; QEMU's TLB does, as it is only flushed when the ASID
/// changes), so `shell`'s first instructions are `init`'s.
#[test]
#[cfg_attr(
    any(memlayout_no_qemu, memlayout_no_bare_metal),
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu and run `rustup target add aarch64-unknown-none`"
)]
fn without_asids_the_shell_runs_inits_stale_translations() {
    if !tools_or_skip() {
        return;
    }
    let mut layout =
        std::fs::read_to_string(workspace_root().join("examples/kernel/kernel.memlayout")).unwrap();
    for asid in ["asid 1, ", "asid 300, "] {
        assert!(layout.contains(asid), "kernel.memlayout declares `{asid}`");
        layout = layout.replace(asid, "");
    }
    let dir = workspace_root().join("target/tmp/firmware-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let edited = dir.join("kernel-no-asids.memlayout");
    std::fs::write(&edited, layout).unwrap();
    let mut run = run_example(
        "kernel",
        "kernel.memlayout",
        "no-asids",
        &["--layout", edited.to_str().unwrap()],
    );
    derive(&mut run);
    assert_eq!(
        (run.addrs.named["init.asid"], run.addrs.named["shell.asid"]),
        (0, 0)
    );
    assert_lines(
        "kernel without ASIDs",
        &run,
        &[
            "[kernel] TTBR0_EL1 {shell.ttbr0} (shell, ASID 0x0), no TLB invalidation",
            "[kernel] shell: eret to EL0 at VA {shell.code.va}, SP_EL0 {shell.user_stack.top}",
            "[init] hello from EL0, my code starts at VA {init.code.va}; yielding",
        ],
    );
    assert!(
        !run.stdout.contains("[shell] hello"),
        "the shell ran its own code:\n{}",
        run.stdout
    );
}
