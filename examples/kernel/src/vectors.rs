//! The exception vectors (`VBAR_EL1`) and the way into and out of a process.
//!
//! A process's registers live in its [`Context`]; `TPIDR_EL1` points at the running
//! one. An exception from EL0 (a system call, a fault) saves the process's registers
//! there, resets the stack pointer to the top of the kernel stack (each exception from
//! EL0 starts on an empty kernel stack: the kernel keeps no state on it between two of
//! them) and calls [`crate::kernel::el0_sync`], which returns the context to resume:
//! the same process, or another one after it has loaded that one's `TTBR0_EL1`.
//! [`el0_resume`] loads a context and `eret`s to EL0; the kernel also enters its first
//! process through it. Any other exception is one the kernel does not expect: it
//! reports it and stops ([`crate::kernel::kernel_fault`]).
//!
//! Everything here is in the `vectors` segment, so the branches between the vectors and
//! the entry code stay short whatever the layout's placement; the Rust handlers are
//! reached through absolute addresses.

use core::mem::offset_of;

use crate::os::kernel;

/// A process's registers while the kernel runs: x0 to x30, `SP_EL0`, `ELR_EL1` (where it
/// resumes) and `SPSR_EL1` (its `PSTATE`).
#[repr(C, align(16))]
pub struct Context {
    /// x0 to x30.
    pub x: [u64; 31],
    /// `SP_EL0`.
    pub sp: u64,
    /// `ELR_EL1`.
    pub elr: u64,
    /// `SPSR_EL1`.
    pub spsr: u64,
}

impl Context {
    /// A process that has not run yet.
    pub const EMPTY: Context = Context {
        x: [0; 31],
        sp: 0,
        elr: 0,
        spsr: 0,
    };
}

unsafe extern "C" {
    /// Loads `ctx` (and points `TPIDR_EL1` at it) and `eret`s to the process it holds,
    /// whose `TTBR0_EL1` must be loaded.
    pub fn el0_resume(ctx: *mut Context) -> !;
}

core::arch::global_asm!(
    // The segment's input section, written out (see boot.rs).
    ".pushsection .memlayout.kernel.vectors, \"ax\"",
    // Sixteen 128-byte entries, 2 KiB aligned (the segment is aligned so): from the
    // current EL with SP_EL0 (0-3) and SP_EL1 (4-7), from a lower EL in AArch64 (8-11) and
    // AArch32 (12-15); in each group synchronous, IRQ, FIQ, SError. Only a synchronous
    // exception from EL0 is expected.
    ".balign 0x800",
    ".global kernel_vectors",
    "kernel_vectors:",
    ".irp i, 0, 1, 2, 3, 4, 5, 6, 7",
    ".balign 0x80",
    "mov x0, #\\i",
    "b kernel_fault_entry",
    ".endr",
    ".balign 0x80",
    "b el0_sync_entry",
    ".irp i, 9, 10, 11, 12, 13, 14, 15",
    ".balign 0x80",
    "mov x0, #\\i",
    "b kernel_fault_entry",
    ".endr",
    ".balign 0x80",
    // From EL0: save the process's registers in its context (TPIDR_EL1), x0 and x1 by
    // way of the kernel stack.
    "el0_sync_entry:",
    "stp x0, x1, [sp, #-16]!",
    "mrs x0, tpidr_el1",
    "stp x2, x3, [x0, #16]",
    "stp x4, x5, [x0, #32]",
    "stp x6, x7, [x0, #48]",
    "stp x8, x9, [x0, #64]",
    "stp x10, x11, [x0, #80]",
    "stp x12, x13, [x0, #96]",
    "stp x14, x15, [x0, #112]",
    "stp x16, x17, [x0, #128]",
    "stp x18, x19, [x0, #144]",
    "stp x20, x21, [x0, #160]",
    "stp x22, x23, [x0, #176]",
    "stp x24, x25, [x0, #192]",
    "stp x26, x27, [x0, #208]",
    "stp x28, x29, [x0, #224]",
    "ldp x2, x3, [sp], #16",
    "stp x2, x3, [x0]",
    "mrs x2, sp_el0",
    "stp x30, x2, [x0, #{sp} - 8]",
    "mrs x2, elr_el1",
    "mrs x3, spsr_el1",
    "stp x2, x3, [x0, #{elr}]",
    "ldr x1, ={stack_top}",
    "mov sp, x1",
    "ldr x9, ={handler}",
    "blr x9",
    // el0_resume(x0 = context): the way back to EL0.
    ".global el0_resume",
    "el0_resume:",
    "msr tpidr_el1, x0",
    "ldp x2, x3, [x0, #{elr}]",
    "msr elr_el1, x2",
    "msr spsr_el1, x3",
    "ldp x30, x2, [x0, #{sp} - 8]",
    "msr sp_el0, x2",
    "ldp x2, x3, [x0, #16]",
    "ldp x4, x5, [x0, #32]",
    "ldp x6, x7, [x0, #48]",
    "ldp x8, x9, [x0, #64]",
    "ldp x10, x11, [x0, #80]",
    "ldp x12, x13, [x0, #96]",
    "ldp x14, x15, [x0, #112]",
    "ldp x16, x17, [x0, #128]",
    "ldp x18, x19, [x0, #144]",
    "ldp x20, x21, [x0, #160]",
    "ldp x22, x23, [x0, #176]",
    "ldp x24, x25, [x0, #192]",
    "ldp x26, x27, [x0, #208]",
    "ldp x28, x29, [x0, #224]",
    "ldp x0, x1, [x0]",
    "eret",
    // Any other exception: the kernel's own stack may be what faulted, so the report
    // starts on an empty one. x0 holds the vector's number.
    "kernel_fault_entry:",
    "ldr x1, ={stack_top}",
    "mov sp, x1",
    "ldr x9, ={fault}",
    "br x9",
    ".balign 8",
    ".ltorg",
    ".popsection",
    sp = const offset_of!(Context, sp),
    elr = const offset_of!(Context, elr),
    stack_top = const kernel::KERNEL_STACK.va() + kernel::KERNEL_STACK.size(),
    handler = sym crate::kernel::el0_sync,
    fault = sym crate::kernel::kernel_fault,
);
