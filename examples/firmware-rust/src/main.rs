//! A two-core firmware for QEMU `virt` (`-M virt,secure=on,virtualization=on -smp 2`)
//! whose every address comes from `board.memlayout`.
//!
//! Core 0 starts at EL3 with the MMU off in the identity-mapped `bsp_boot` segment
//! ([`boot`]), turns on its EL3 table, jumps to the monitor at its VA ([`monitor`]),
//! writes the mailbox and `eret`s to the non-secure EL1 kernel ([`kernel`]), which
//! answers through the mailbox and releases core 1 from its pen; core 1 turns on its own
//! EL3 table and reads the kernel's answer ([`secondary`]), prints the last line and ends
//! the run through semihosting.
#![no_std]
#![no_main]

memlayout::memory_layout!(include "board.memlayout");

mod boot;
mod kernel;
mod monitor;
mod platform;
mod secondary;

/// Nothing in the firmware can panic; should it, the core stops here.
#[panic_handler]
#[unsafe(link_section = board::core0_el3::monitor_code::link_section!())]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
