//! The kernel: runs at EL1 at its upper-half VAs (`TTBR1_EL1`), prints through the UART's
//! device page, and runs the two processes at EL0 in turn, each in its own lower-half
//! address space (`TTBR0_EL1`, tagged with the process's ASID).
//!
//! It switches between processes by loading the next one's `TTBR0_EL1` (table base and
//! ASID in one write) and nothing else: the processes' pages are non-global, so the
//! TLB entries of one process never serve the other, and no TLB maintenance is needed.
//! The only TLB invalidation of the run is at boot, when the kernel drops the (global)
//! identity mapping it turned the MMU on through.

use core::arch::asm;

use crate::os::{init, kernel, shell};
use crate::platform::{
    ASID_BITS_16, DFSC_TRANSLATION_FAULT, DFSC_TYPE_MASK, EBADF, EC_DATA_ABORT_LOWER, EC_SVC64,
    EFAULT, ENOSYS, ESR_DFSC_MASK, ESR_EC_MASK, ESR_EC_SHIFT, ESR_WNR, EXIT_KERNEL_FAULT,
    EXIT_KILLED_BY_FAULT, GRANULE, ID_MMFR0_ASIDBITS_MASK, ID_MMFR0_ASIDBITS_SHIFT,
    MAIR_DEVICE_NGNRNE, PAR_ATTR_SHIFT, PAR_FAULT, PAR_PA_MASK, SPSR_EL0T, STDOUT, SYS_EXIT,
    SYS_SCHED_YIELD, SYS_WRITE, TCR_AS, TTBR_ASID_SHIFT, put_char, put_dec, put_hex, put_str,
    read_sys, semihost_exit, text,
};
use crate::vectors::{Context, el0_resume};

// One address space layout: the kernel and its processes load the same TCR_EL1 and
// MAIR_EL1, and each process's TTBR1 is the kernel's (the layout makes them so).
const _: () = assert!(init::TCR == kernel::TCR && shell::TCR == kernel::TCR);
const _: () = assert!(init::MAIR == kernel::MAIR && shell::MAIR == kernel::MAIR);
const _: () = assert!(init::TTBR1 == kernel::TTBR1 && shell::TTBR1 == kernel::TTBR1);

text! {
    kernel::strings::link_section!(),
    BOOT1 = b"[kernel] boot: entered at EL";
    BOOT2 = b" with the MMU ";
    BOOT3 = b", at PA ";
    ON = b"on";
    OFF = b"off";
    MMU1 = b"[kernel] mmu on: TCR_EL1 ";
    MMU2 = b", MAIR_EL1 ";
    MMU3 = b", TTBR1_EL1 ";
    MMU4 = b" (kernel, upper half), TTBR0_EL1 ";
    MMU5 = b" (its identity boot page)\n";
    RUN1 = b"[kernel] running at VA ";
    RUN2 = b", stack at VA ";
    RUN3 = b", vectors at VA ";
    UART1 = b"[kernel] UART at VA ";
    UART2 = b": AT S1E1R gives PA ";
    UART3 = b", attribute ";
    UART4 = b" (Device-nGnRnE)\n";
    ASID1 = b"[kernel] ASIDs: ID_AA64MMFR0_EL1.ASIDBits ";
    ASID2 = b", TCR_EL1.AS ";
    ASID3 = b": the layout needs 16-bit ASIDs, which this core lacks\n";
    DROP1 = b"[kernel] boot page dropped: TTBR0_EL1 ";
    DROP2 = b"; AT S1E1R of its VA ";
    DROP3 = b" now faults; TLB invalidated, the last time\n";
    SWITCH1 = b"[kernel] TTBR0_EL1 ";
    SWITCH2 = b" (";
    SWITCH3 = b", ASID ";
    SWITCH4 = b"), no TLB invalidation\n";
    ERET1 = b": eret to EL0 at VA ";
    ERET2 = b", SP_EL0 ";
    KERNEL = b"[kernel] ";
    YIELD = b": sched_yield\n";
    EXIT1 = b": exit(";
    EXIT2 = b")\n";
    ABORT1 = b": data abort from EL0 (EC ";
    ABORT2 = b", DFSC ";
    ABORT3 = b") on a ";
    READ = b"read";
    WRITE = b"write";
    ABORT4 = b" at VA ";
    ABORT5 = b", ELR ";
    GUARD1 = b": VA ";
    GUARD2 = b" is in the guard gap below its stack (";
    GUARD3 = b"): stack overflow, killed\n";
    SEGV = b": killed by the fault\n";
    UNEXPECTED1 = b": unexpected exception from EL0, EC ";
    DONE1 = b"[kernel] no process left; exiting with the last one's status, ";
    FAULT1 = b"[kernel] exception in the kernel: vector ";
    FAULT2 = b", EC ";
    FAULT3 = b", FAR ";
    DOTS = b"..";
    NL = b"\n";
}

/// The bytes of a table's name, for a `static` in the kernel's strings.
const fn name_bytes<const N: usize>(name: &str) -> [u8; N] {
    let bytes = name.as_bytes();
    let mut out = [0; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

#[unsafe(link_section = kernel::strings::link_section!())]
static INIT_NAME: [u8; init::INFO.name().len()] = name_bytes(init::INFO.name());
#[unsafe(link_section = kernel::strings::link_section!())]
static SHELL_NAME: [u8; shell::INFO.name().len()] = name_bytes(shell::INFO.name());

/// What the kernel knows of a process: all from the layout.
struct Process {
    /// Its table's name.
    name: &'static [u8],
    /// `TTBR0_EL1`: its tables and its ASID.
    ttbr0: u64,
    /// Where it starts.
    entry: extern "C" fn() -> !,
    /// The top of its stack (the stack grows down from here).
    stack_top: u64,
    /// The unmapped gap below its stack (the `guard` of its `stack` pages), `[start, end)`.
    guard: (u64, u64),
}

/// The processes, in the order they first run.
#[unsafe(link_section = kernel::strings::link_section!())]
static PROCESSES: [Process; 2] = [
    Process {
        name: &INIT_NAME,
        ttbr0: init::TTBR0,
        entry: crate::user::init_main,
        stack_top: init::USER_STACK.va() + init::USER_STACK.size(),
        guard: (
            init::STACK[0].va() - init::STACK[0].guard(),
            init::STACK[0].va(),
        ),
    },
    Process {
        name: &SHELL_NAME,
        ttbr0: shell::TTBR0,
        entry: crate::user::shell_main,
        stack_top: shell::USER_STACK.va() + shell::USER_STACK.size(),
        guard: (
            shell::STACK[0].va() - shell::STACK[0].guard(),
            shell::STACK[0].va(),
        ),
    },
];

/// The slot of process number `p`, always below the number of processes: the kernel's
/// process numbers are, and the `%` lets the compiler drop the bounds checks (and with
/// them the panic machinery, which this image does not link).
#[inline(always)]
fn slot(p: usize) -> usize {
    p % PROCESSES.len()
}

/// Process number `p`.
#[inline(always)]
fn process(p: usize) -> &'static Process {
    &PROCESSES[slot(p)]
}

/// A process that is still running: its status when it has ended.
const RUNNING: u64 = u64::MAX;

/// The kernel's mutable state (one core, exceptions masked at EL1: nothing runs
/// concurrently with the code that changes it).
struct State {
    /// The processes' registers while they do not run.
    contexts: [Context; 2],
    /// Each process's status: [`RUNNING`] or how it ended.
    status: [u64; 2],
    /// The running process.
    current: usize,
    /// The semihosting `SYS_EXIT` parameter block.
    exit_block: [u64; 2],
}

#[unsafe(link_section = kernel::vars::link_section!())]
static mut STATE: State = State {
    contexts: [Context::EMPTY, Context::EMPTY],
    status: [RUNNING, RUNNING],
    current: 0,
    exit_block: [0; 2],
};

/// The kernel's state. Taken once by each entry into the kernel (its first code, a
/// system call or fault from EL0, an unexpected exception) and passed down from there.
#[inline(always)]
fn state() -> &'static mut State {
    let state = &raw mut STATE;
    // SAFETY: one core, exceptions masked at EL1, and each entry into the kernel takes
    // the state once, when the previous entry's borrow is gone: it ended in an `eret`, or
    // was cut short by an unexpected exception, which never returns to it.
    unsafe { &mut *state }
}

#[inline(always)]
fn uart() -> u64 {
    kernel::UART.va()
}

/// Ends the run with `status`.
#[inline(always)]
fn exit(s: &mut State, status: u64) -> ! {
    semihost_exit(s.exit_block.as_mut_ptr(), status)
}

/// Whether EL0 may read `va` under the current `TTBR0_EL1`: `AT S1E1R`'s unprivileged
/// twin, `AT S1E0R`, asks the MMU exactly that.
#[inline(always)]
fn el0_can_read(va: u64) -> bool {
    let par: u64;
    // SAFETY: address translation only; PAR_EL1 is the kernel's to use.
    unsafe {
        asm!("at s1e0r, {va}", "isb", "mrs {par}, par_el1", va = in(reg) va, par = out(reg) par, options(nostack))
    };
    par & PAR_FAULT == 0
}

/// `PAR_EL1` after `AT S1E1R` of `va`: how EL1 reads it.
#[inline(always)]
fn el1_read_par(va: u64) -> u64 {
    let par: u64;
    // SAFETY: as above.
    unsafe {
        asm!("at s1e1r, {va}", "isb", "mrs {par}, par_el1", va = in(reg) va, par = out(reg) par, options(nostack))
    };
    par
}

/// `write(fd, buf, count)` for the running process: the bytes go to the UART, read with
/// unprivileged loads (`LDTRB`: with EL0's permissions) after `AT S1E0R` has checked
/// every page of the buffer.
#[unsafe(link_section = kernel::code::link_section!())]
fn sys_write(fd: u64, buf: u64, count: u64) -> u64 {
    if fd != STDOUT {
        return EBADF.wrapping_neg();
    }
    let Some(end) = buf.checked_add(count) else {
        return EFAULT.wrapping_neg();
    };
    let page_mask = !(GRANULE - 1);
    let mut page = buf & page_mask;
    while page < end {
        if !el0_can_read(page.max(buf)) {
            return EFAULT.wrapping_neg();
        }
        page += GRANULE;
    }
    let mut va = buf;
    while va < end {
        let c: u32;
        // SAFETY: EL0 can read this byte (checked above).
        unsafe {
            asm!("ldtrb {c:w}, [{va}]", c = out(reg) c, va = in(reg) va, options(nostack, readonly))
        };
        put_char(uart(), c as u8);
        va += 1;
    }
    count
}

/// Prints `[kernel] <name>`.
#[inline(always)]
fn put_process(p: usize) {
    put_str(uart(), &KERNEL);
    put_str(uart(), process(p).name);
}

/// Loads process `p`'s `TTBR0_EL1` (no TLB maintenance: its ASID keeps its TLB entries
/// apart) and returns its context.
#[unsafe(link_section = kernel::code::link_section!())]
fn switch_to(s: &mut State, p: usize) -> *mut Context {
    let ttbr0 = process(p).ttbr0;
    // SAFETY: the kernel runs from TTBR1; TTBR0 only maps the processes.
    unsafe { asm!("msr ttbr0_el1, {}", "isb", in(reg) ttbr0, options(nostack)) };
    s.current = p;
    put_str(uart(), &SWITCH1);
    put_hex(uart(), ttbr0);
    put_str(uart(), &SWITCH2);
    put_str(uart(), process(p).name);
    put_str(uart(), &SWITCH3);
    put_hex(uart(), ttbr0 >> TTBR_ASID_SHIFT);
    put_str(uart(), &SWITCH4);
    eret_line(s, p);
    &raw mut s.contexts[slot(p)]
}

/// Prints where process `p` resumes.
#[unsafe(link_section = kernel::code::link_section!())]
fn eret_line(s: &State, p: usize) {
    let ctx = &s.contexts[slot(p)];
    put_process(p);
    put_str(uart(), &ERET1);
    put_hex(uart(), ctx.elr);
    put_str(uart(), &ERET2);
    put_hex(uart(), ctx.sp);
    put_str(uart(), &NL);
}

/// The process after `p` that still runs, if any (`p` itself last).
#[unsafe(link_section = kernel::code::link_section!())]
fn next_running(s: &State, p: usize) -> Option<usize> {
    let other = slot(p + 1);
    if s.status[other] == RUNNING {
        Some(other)
    } else if s.status[slot(p)] == RUNNING {
        Some(p)
    } else {
        None
    }
}

/// Process `p` has ended with `status`: run the next one, or end the run.
#[unsafe(link_section = kernel::code::link_section!())]
fn end_process(s: &mut State, p: usize, status: u64) -> *mut Context {
    s.status[slot(p)] = status;
    match next_running(s, p) {
        Some(next) => switch_to(s, next),
        None => {
            put_str(uart(), &DONE1);
            put_dec(uart(), status);
            put_str(uart(), &NL);
            exit(s, status)
        }
    }
}

/// A data abort from EL0 at `elr`: reported, and the process killed.
#[unsafe(link_section = kernel::code::link_section!())]
fn data_abort(s: &mut State, p: usize, esr: u64, elr: u64) -> *mut Context {
    let far = read_sys!("far_el1");
    let dfsc = esr & ESR_DFSC_MASK;
    put_process(p);
    put_str(uart(), &ABORT1);
    put_hex(uart(), EC_DATA_ABORT_LOWER);
    put_str(uart(), &ABORT2);
    put_hex(uart(), dfsc);
    put_str(uart(), &ABORT3);
    put_str(uart(), if esr & ESR_WNR != 0 { &WRITE } else { &READ });
    put_str(uart(), &ABORT4);
    put_hex(uart(), far);
    put_str(uart(), &ABORT5);
    put_hex(uart(), elr);
    put_str(uart(), &NL);
    let (start, end) = process(p).guard;
    put_process(p);
    if dfsc & DFSC_TYPE_MASK == DFSC_TRANSLATION_FAULT && (start..end).contains(&far) {
        put_str(uart(), &GUARD1);
        put_hex(uart(), far);
        put_str(uart(), &GUARD2);
        put_hex(uart(), start);
        put_str(uart(), &DOTS);
        put_hex(uart(), end);
        put_str(uart(), &GUARD3);
    } else {
        put_str(uart(), &SEGV);
    }
    end_process(s, p, EXIT_KILLED_BY_FAULT)
}

/// A synchronous exception from EL0, with the running process's registers saved in its
/// context: returns the context to resume.
#[unsafe(link_section = kernel::code::link_section!())]
pub extern "C" fn el0_sync() -> *mut Context {
    let s = state();
    let p = s.current;
    let esr = read_sys!("esr_el1");
    let ec = (esr >> ESR_EC_SHIFT) & ESR_EC_MASK;
    let ctx = &mut s.contexts[slot(p)];
    if ec == EC_SVC64 {
        match ctx.x[8] {
            SYS_WRITE => {
                ctx.x[0] = sys_write(ctx.x[0], ctx.x[1], ctx.x[2]);
                ctx
            }
            SYS_SCHED_YIELD => {
                ctx.x[0] = 0;
                put_process(p);
                put_str(uart(), &YIELD);
                match next_running(s, p) {
                    Some(next) if next != p => switch_to(s, next),
                    _ => &raw mut s.contexts[slot(p)],
                }
            }
            SYS_EXIT => {
                let status = ctx.x[0];
                put_process(p);
                put_str(uart(), &EXIT1);
                put_dec(uart(), status);
                put_str(uart(), &EXIT2);
                end_process(s, p, status)
            }
            _ => {
                ctx.x[0] = ENOSYS.wrapping_neg();
                ctx
            }
        }
    } else if ec == EC_DATA_ABORT_LOWER {
        let elr = ctx.elr;
        data_abort(s, p, esr, elr)
    } else {
        put_process(p);
        put_str(uart(), &UNEXPECTED1);
        put_hex(uart(), ec);
        put_str(uart(), &ABORT5);
        put_hex(uart(), ctx.elr);
        put_str(uart(), &NL);
        end_process(s, p, EXIT_KILLED_BY_FAULT)
    }
}

/// Any exception the kernel does not expect (`vector`: the entry's number): reported,
/// and the run ends.
#[unsafe(link_section = kernel::code::link_section!())]
pub extern "C" fn kernel_fault(vector: u64) -> ! {
    put_str(uart(), &FAULT1);
    put_dec(uart(), vector);
    put_str(uart(), &FAULT2);
    put_hex(uart(), (read_sys!("esr_el1") >> ESR_EC_SHIFT) & ESR_EC_MASK);
    put_str(uart(), &FAULT3);
    put_hex(uart(), read_sys!("far_el1"));
    put_str(uart(), &ABORT5);
    put_hex(uart(), read_sys!("elr_el1"));
    put_str(uart(), &NL);
    exit(state(), EXIT_KERNEL_FAULT)
}

/// Entered from the boot code at the kernel's upper-half VA with the MMU on: `entry_pa`
/// is where the boot code ran, `current_el` and `sctlr_at_entry` the registers it read.
#[unsafe(link_section = kernel::code::link_section!())]
pub extern "C" fn kernel_main(entry_pa: u64, current_el: u64, sctlr_at_entry: u64) -> ! {
    let s = state();
    let u = uart();
    put_str(u, &BOOT1);
    put_char(u, b'0' + ((current_el >> 2) & 3) as u8);
    put_str(u, &BOOT2);
    put_str(u, if sctlr_at_entry & 1 != 0 { &ON } else { &OFF });
    put_str(u, &BOOT3);
    put_hex(u, entry_pa);
    put_str(u, &NL);

    put_str(u, &MMU1);
    put_hex(u, read_sys!("tcr_el1"));
    put_str(u, &MMU2);
    put_hex(u, read_sys!("mair_el1"));
    put_str(u, &MMU3);
    put_hex(u, read_sys!("ttbr1_el1"));
    put_str(u, &MMU4);
    put_hex(u, read_sys!("ttbr0_el1"));
    put_str(u, &MMU5);

    let pc: u64;
    let sp: u64;
    // SAFETY: reads this instruction's address and the stack pointer.
    unsafe { asm!("adr {}, .", "mov {}, sp", out(reg) pc, out(reg) sp, options(nomem, nostack)) };
    put_str(u, &RUN1);
    put_hex(u, pc);
    put_str(u, &RUN2);
    put_hex(u, sp);
    put_str(u, &RUN3);
    put_hex(u, read_sys!("vbar_el1"));
    put_str(u, &NL);

    // The UART's page: its PA and memory type as the MMU sees them.
    let par = el1_read_par(u);
    put_str(u, &UART1);
    put_hex(u, u);
    put_str(u, &UART2);
    put_hex(u, par & PAR_PA_MASK);
    put_str(u, &UART3);
    put_hex(u, par >> PAR_ATTR_SHIFT);
    if par & PAR_FAULT != 0 || par >> PAR_ATTR_SHIFT != MAIR_DEVICE_NGNRNE {
        put_str(u, &NL);
        exit(s, EXIT_KERNEL_FAULT);
    }
    put_str(u, &UART4);

    let tcr_as = read_sys!("tcr_el1") & TCR_AS != 0;
    let asid_bits =
        (read_sys!("id_aa64mmfr0_el1") >> ID_MMFR0_ASIDBITS_SHIFT) & ID_MMFR0_ASIDBITS_MASK;
    put_str(u, &ASID1);
    put_hex(u, asid_bits);
    put_str(u, &ASID2);
    put_char(u, if tcr_as { b'1' } else { b'0' });
    if tcr_as && asid_bits != ASID_BITS_16 {
        put_str(u, &ASID3);
        exit(s, EXIT_KERNEL_FAULT);
    }
    put_str(u, &NL);

    // Leave the identity page: TTBR0 now holds the first process. The boot page's
    // entries are global (kernel pages), so the TLB is invalidated this once.
    let first = process(0).ttbr0;
    // SAFETY: the kernel runs from TTBR1 from here on.
    unsafe {
        asm!(
            "msr ttbr0_el1, {}",
            "isb",
            "tlbi vmalle1",
            "dsb nsh",
            "isb",
            in(reg) first,
            options(nostack),
        )
    };
    let boot = kernel::BOOT.va();
    put_str(u, &DROP1);
    put_hex(u, first);
    put_str(u, &DROP2);
    put_hex(u, boot);
    if el1_read_par(boot) & PAR_FAULT == 0 {
        exit(s, EXIT_KERNEL_FAULT);
    }
    put_str(u, &DROP3);

    let mut p = 0;
    while p < PROCESSES.len() {
        let ctx = &mut s.contexts[slot(p)];
        ctx.elr = process(p).entry as usize as u64;
        ctx.sp = process(p).stack_top;
        ctx.spsr = SPSR_EL0T;
        p += 1;
    }
    s.current = 0;
    eret_line(s, 0);
    // SAFETY: TTBR0 holds process 0, whose context is ready.
    unsafe { el0_resume(&raw mut s.contexts[0]) }
}
