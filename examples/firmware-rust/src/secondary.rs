//! Core 1 after its pen: its own EL3 table is on, it runs at its VA in `core1_el3`,
//! reads the kernel's value from the same mailbox PA through its own VA, prints the last
//! lines and ends the run through semihosting.

use core::arch::asm;

use crate::board::core1_el3;
use crate::platform::{
    MAILBOX_EXIT_BLOCK, MAILBOX_KERNEL_VALUE, mailbox_word, put_hex, put_str, read_sys,
    semihost_exit, text,
};

text! {
    core1_el3::secondary_strings::link_section!(),
    C1 = b"[core1] released: EL3 table at PA ";
    C2 = b" on, running at VA ";
    R1 = b"[core1] read ";
    R2 = b" from the mailbox at VA ";
    R3 = b" (PA ";
    DONE = b"done: both cores finished, exiting with status 0\n";
    CLOSE = b")\n";
    NL = b"\n";
}

/// Entered from the pen with core 1's EL3 MMU on and its stack at its VA.
#[unsafe(link_section = core1_el3::secondary_code::link_section!())]
pub extern "C" fn secondary_main() -> ! {
    let uart = core1_el3::UART.va();
    let mailbox = core1_el3::CROSS_CORE.va();
    let pc: u64;
    // SAFETY: reads the address of this instruction.
    unsafe { asm!("adr {}, .", out(reg) pc, options(nomem, nostack)) };

    put_str(uart, &C1);
    put_hex(uart, read_sys!("ttbr0_el3"));
    put_str(uart, &C2);
    put_hex(uart, pc);
    put_str(uart, &NL);

    // SAFETY: the cross_core segment is mapped read/write in this table.
    let value = unsafe { mailbox_word(mailbox, MAILBOX_KERNEL_VALUE).read_volatile() };
    put_str(uart, &R1);
    put_hex(uart, value);
    put_str(uart, &R2);
    put_hex(uart, mailbox);
    put_str(uart, &R3);
    put_hex(uart, core1_el3::CROSS_CORE.pa());
    put_str(uart, &CLOSE);

    put_str(uart, &DONE);
    semihost_exit(mailbox_word(mailbox, MAILBOX_EXIT_BLOCK), 0)
}
