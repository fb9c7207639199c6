//! The non-secure EL1 kernel: entered by the monitor's `eret` at its VA in the
//! `core0_el1` table with its stack (`SP_EL1`) and vectors (`VBAR_EL1`) already set. It
//! reads the monitor's value from the mailbox through its own VA, writes its own value
//! back and releases core 1.

use core::arch::asm;

use crate::board::core0_el1;
use crate::platform::{
    ESR_EC_MASK, ESR_EC_SHIFT, EXIT_EXCEPTION, GICD_IIDR, KERNEL_VALUE, MAILBOX_EXIT_BLOCK,
    MAILBOX_GICD_IIDR, MAILBOX_KERNEL_VALUE, MAILBOX_MONITOR_VALUE, MAILBOX_RELEASE, mailbox_word,
    put_el, put_hex, put_str, read_sys, semihost_exit, text,
};

text! {
    core0_el1::kernel_strings::link_section!(),
    K1 = b"[el1] kernel: running at EL";
    K2 = b" (non-secure), read ";
    K3 = b" from the mailbox at VA ";
    W1 = b"[el1] kernel: wrote ";
    W2 = b" to the mailbox, releasing core 1\n";
    GIC1 = b"[el1] gic: distributor at VA ";
    GIC2 = b" (PA ";
    GIC3 = b"), non-secure view (the layout's NS ";
    GIC_SAME = b"): GICD_IIDR reads as through the monitor's secure view\n";
    GIC_DIFF = b"): GICD_IIDR differs from the monitor's read\n";
    EXC1 = b"[el1] exception: EC ";
    EXC2 = b" FAR ";
    EXC3 = b" ELR ";
    NL = b"\n";
}

/// Cleans the cache line holding `va` to the point of coherency: core 1 reads the
/// mailbox with its MMU off, that is uncached.
#[inline(always)]
fn clean_to_poc(va: *mut u64) {
    // SAFETY: cache maintenance by VA on a mapped address.
    unsafe { asm!("dc cvac, {}", "dsb sy", in(reg) va, options(nostack)) };
}

/// The kernel's entry point.
#[unsafe(link_section = core0_el1::kernel_code::link_section!())]
pub extern "C" fn kernel_main() -> ! {
    let uart = core0_el1::UART.va();
    let mailbox = core0_el1::CROSS_CORE.va();

    // SAFETY: the cross_core segment is mapped read/write in this table.
    let value = unsafe { mailbox_word(mailbox, MAILBOX_MONITOR_VALUE).read_volatile() };
    put_str(uart, &K1);
    put_el(uart, read_sys!("CurrentEL"));
    put_str(uart, &K2);
    put_hex(uart, value);
    put_str(uart, &K3);
    put_hex(uart, mailbox);
    put_str(uart, &NL);

    // The same distributor PA through this table's non-secure view.
    let gicd = core0_el1::GICD.va();
    // SAFETY: the gicd page is mapped read/write Device memory in this table, and the
    // cross_core segment read/write.
    let (iidr, monitors) = unsafe {
        (
            u64::from(((gicd + GICD_IIDR) as *const u32).read_volatile()),
            mailbox_word(mailbox, MAILBOX_GICD_IIDR).read_volatile(),
        )
    };
    put_str(uart, &GIC1);
    put_hex(uart, gicd);
    put_str(uart, &GIC2);
    put_hex(uart, core0_el1::GICD.pa());
    put_str(uart, &GIC3);
    put_hex(uart, u64::from(core0_el1::GICD.mem_attrs().is_non_secure()));
    put_str(
        uart,
        if iidr == monitors {
            &GIC_SAME
        } else {
            &GIC_DIFF
        },
    );

    let answer = mailbox_word(mailbox, MAILBOX_KERNEL_VALUE);
    // SAFETY: as above.
    unsafe { answer.write_volatile(KERNEL_VALUE) };
    clean_to_poc(answer);
    put_str(uart, &W1);
    put_hex(uart, KERNEL_VALUE);
    put_str(uart, &W2);

    // Release core 1 from its pen; it prints the rest and ends the run.
    let release = mailbox_word(mailbox, MAILBOX_RELEASE);
    // SAFETY: as above.
    unsafe { release.write_volatile(1) };
    clean_to_poc(release);
    // SAFETY: wakes the cores waiting in `wfe`, then waits for ever.
    unsafe {
        asm!("sev", options(nomem, nostack));
        loop {
            asm!("wfe", options(nomem, nostack));
        }
    }
}

/// Any exception taken to EL1: report it and stop. Lives in the vector segment, so it
/// still runs when the kernel's code page cannot be executed.
#[unsafe(link_section = core0_el1::kernel_vectors::link_section!())]
extern "C" fn kernel_exception() -> ! {
    let uart = core0_el1::UART.va();
    put_str(uart, &EXC1);
    put_hex(uart, (read_sys!("esr_el1") >> ESR_EC_SHIFT) & ESR_EC_MASK);
    put_str(uart, &EXC2);
    put_hex(uart, read_sys!("far_el1"));
    put_str(uart, &EXC3);
    put_hex(uart, read_sys!("elr_el1"));
    put_str(uart, &NL);
    semihost_exit(
        mailbox_word(core0_el1::CROSS_CORE.va(), MAILBOX_EXIT_BLOCK),
        EXIT_EXCEPTION,
    )
}

// VBAR_EL1: sixteen 128-byte entries, 2 KiB aligned (the segment is aligned so).
core::arch::global_asm!(
    // The segment's input section, written out: inside `global_asm!` a segment's
    // `link_section!()` cannot be expanded (rustc cannot resolve a macro of a module a
    // macro generated while it expands `global_asm!`'s arguments).
    ".pushsection .memlayout.core0_el1.kernel_vectors, \"ax\"",
    ".balign 0x800",
    ".irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15",
    ".balign 0x80",
    "b {handler}",
    ".endr",
    ".popsection",
    handler = sym kernel_exception,
);
