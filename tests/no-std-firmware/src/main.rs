//! A minimal bare-metal EL3 firmware: `#![no_std]`, no allocator, `memlayout` without its
//! default features. It loads the layout's register values and turns the MMU on with the
//! translation tables where the linker put them, without copying them.
#![no_std]
#![no_main]

use memlayout::memory_layout;

memory_layout!(include "layout.memlayout");

// The layout's values in const context.
const ENTRY: u64 = fw::el3::BOOT.va();
const STACK_TOP: u64 = fw::el3::STACK.va() + fw::el3::STACK.size();
const UART: u64 = fw::el3::UART.va();
const BOOT_NAME: &str = fw::el3::BOOT.name();
const TABLE_BYTES: usize = fw::el3::TRANSLATION.len();
const _: () = assert!(ENTRY == fw::el3::BOOT.pa() && fw::el3::BOOT.is_identity());
const _: () = assert!(fw::el3::TTBR0 == fw::el3::TABLES_PA);
const _: () = assert!(TABLE_BYTES % 4096 == 0 && TABLE_BYTES > 0);
const _: () = assert!(BOOT_NAME.len() == 4);
const _: () = assert!(fw::el3::STACK.size() == 0x4000 && STACK_TOP % 16 == 0);

// The reset code, with the layout's constants as `const` operands.
core::arch::global_asm!(
    ".section .text.boot, \"ax\"",
    ".global _start",
    "_start:",
    "ldr x0, ={mair}",
    "msr mair_el3, x0",
    "ldr x0, ={tcr}",
    "msr tcr_el3, x0",
    "ldr x0, ={ttbr0}",
    "msr ttbr0_el3, x0",
    "tlbi alle3",
    "dsb sy",
    "isb",
    "mrs x0, sctlr_el3",
    "ldr x1, ={sctlr}",
    "orr x0, x0, x1",
    "msr sctlr_el3, x0",
    "isb",
    "ldr x0, ={stack_top}",
    "mov sp, x0",
    "b {main}",
    ".ltorg",
    mair = const fw::el3::MAIR,
    tcr = const fw::el3::TCR,
    ttbr0 = const fw::el3::TTBR0,
    sctlr = const fw::el3::SCTLR_SET,
    stack_top = const STACK_TOP,
    main = sym firmware_main,
);

/// Runs with the MMU on: writes "ok\n" to the UART at its mapped VA, then waits.
extern "C" fn firmware_main() -> ! {
    for b in *b"ok\n" {
        // SAFETY: the layout maps the UART's data register at this VA as Device memory.
        unsafe { core::ptr::write_volatile(UART as *mut u32, u32::from(b)) };
    }
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
