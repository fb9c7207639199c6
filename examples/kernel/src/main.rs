//! A kernel for QEMU `virt` (`-cpu max`) that runs two processes, every address from
//! `kernel.memlayout`.
//!
//! The image is entered at EL1 with the MMU off in the identity-mapped `boot_code`
//! segment ([`boot`]), which turns the MMU on with the kernel's upper half in
//! `TTBR1_EL1` and its identity boot page in `TTBR0_EL1`, and jumps to the kernel at its
//! upper-half VA ([`kernel`]). The kernel drops the boot page by loading the first
//! process's `TTBR0_EL1`, then runs the processes ([`user`]) at EL0 in turn, switching
//! `TTBR0_EL1` (tables and ASID) between them without TLB maintenance; they print
//! through a system call. The second one overruns its stack into the unmapped guard gap
//! below it; the kernel's exception handler ([`vectors`]) reports the data abort, kills
//! it and, with no process left, ends the run through semihosting.
#![no_std]
#![no_main]

memlayout::memory_layout!(include "kernel.memlayout");

mod boot;
mod kernel;
mod platform;
mod user;
mod vectors;

/// Nothing in the kernel can panic; should it, the core stops here.
#[panic_handler]
#[unsafe(link_section = os::kernel::code::link_section!())]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
