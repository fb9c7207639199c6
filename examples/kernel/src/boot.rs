//! The entry point, in the identity-mapped `boot_code` segment (VA == PA in the kernel
//! table's lower range), so it runs both before and after the MMU is turned on.
//!
//! QEMU `virt` without `secure=on` and `virtualization=on` has no EL3 and no EL2: it
//! enters the ELF's entry point at EL1 with the MMU off. The boot code loads the
//! translation registers from the layout (`const` operands): `MAIR_EL1`, `TCR_EL1`,
//! `TTBR1_EL1` with the kernel's upper half and `TTBR0_EL1` with the kernel's lower
//! range, which maps only this page, at its PA. It points `VBAR_EL1` at the vectors'
//! upper-half VA, turns the MMU on (the next instruction is fetched through the identity
//! mapping), sets the stack pointer to the top of the kernel stack's upper-half VA and
//! jumps to the kernel at its upper-half VA.

use crate::os::kernel;
use crate::platform::{CPACR_FPEN_EL1_ONLY, SCTLR_SPAN};

core::arch::global_asm!(
    // The segment's input section, written out: inside `global_asm!` a segment's
    // `link_section!()` cannot be expanded (rustc cannot resolve a macro of a module a
    // macro generated while it expands `global_asm!`'s arguments).
    ".pushsection .memlayout.kernel.boot_code, \"ax\"",
    ".global _start",
    "_start:",
    "msr daifset, #0xf",
    // Where the entry runs (a PA: the MMU is off), CurrentEL and SCTLR_EL1 as found, for
    // the kernel's first line.
    "adr x19, _start",
    "mrs x20, CurrentEL",
    "mrs x21, sctlr_el1",
    "ldr x0, ={mair}",
    "msr mair_el1, x0",
    "ldr x0, ={tcr}",
    "msr tcr_el1, x0",
    "ldr x0, ={ttbr1}",
    "msr ttbr1_el1, x0",
    "ldr x0, ={ttbr0}",
    "msr ttbr0_el1, x0",
    "ldr x0, ={cpacr}",
    "msr cpacr_el1, x0",
    "ldr x0, ={vectors}",
    "msr vbar_el1, x0",
    "isb",
    "tlbi vmalle1",
    "dsb nsh",
    "isb",
    "mrs x0, sctlr_el1",
    "ldr x1, ={sctlr}",
    "orr x0, x0, x1",
    "msr sctlr_el1, x0",
    "isb",
    // The MMU is on: this code still runs through the identity mapping; the stack and
    // the kernel are at their upper-half VAs.
    "ldr x0, ={stack_top}",
    "mov sp, x0",
    "mov x0, x19",
    "mov x1, x20",
    "mov x2, x21",
    "ldr x9, ={main}",
    "br x9",
    ".balign 8",
    ".ltorg",
    ".popsection",
    mair = const kernel::MAIR,
    tcr = const kernel::TCR,
    ttbr1 = const kernel::TTBR1,
    ttbr0 = const kernel::TTBR0,
    cpacr = const CPACR_FPEN_EL1_ONLY,
    vectors = const kernel::VECTORS.va(),
    sctlr = const kernel::SCTLR_SET | SCTLR_SPAN,
    stack_top = const kernel::KERNEL_STACK.va() + kernel::KERNEL_STACK.size(),
    main = sym crate::kernel::kernel_main,
);
