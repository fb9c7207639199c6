/*
 * Entry point, exception vectors and semihosting glue of the QEMU
 * translation-table harness. The logic lives in harness.c.
 *
 * QEMU `virt` with `secure=on` starts a bare ELF at EL3 with every MMU off.
 * The harness stays at EL3 for its whole run: it loads the translation
 * registers of the regime under test and asks the address translation (AT)
 * instructions about it.
 */

    .equ SEMIHOST_SYS_WRITE0, 0x04
    .equ SEMIHOST_SYS_EXIT, 0x18
    .equ ADP_STOPPED_APPLICATIONEXIT, 0x20026
    .equ SCTLR_M, 1 << 0
    .equ SCTLR_C, 1 << 2

    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    mrs     x0, CurrentEL
    cmp     x0, #(3 << 2)
    b.ne    not_at_el3

    ldr     x0, =__stack_top
    mov     sp, x0
    ldr     x0, =vectors
    msr     vbar_el3, x0
    isb

    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:
    bl      harness_main
    b       semihost_exit

not_at_el3:
    adr     x1, not_at_el3_msg
    mov     x0, #SEMIHOST_SYS_WRITE0
    hlt     #0xf000
    mov     x0, #1
    b       semihost_exit

not_at_el3_msg:
    .asciz  "ERR harness did not start at EL3 (run QEMU with -M virt,secure=on)\n"
    .balign 4

/* u64 semihost_call(u64 op, u64 arg): AArch64 semihosting trap. */
    .text
    .global semihost_call
semihost_call:
    hlt     #0xf000
    ret

/*
 * void semihost_exit(u64 status): SYS_EXIT with ADP_Stopped_ApplicationExit
 * and `status` as the exit code of QEMU. Never returns.
 */
    .global semihost_exit
semihost_exit:
    adr     x1, exit_block
    mov     x2, #(ADP_STOPPED_APPLICATIONEXIT & 0xffff)
    movk    x2, #(ADP_STOPPED_APPLICATIONEXIT >> 16), lsl #16
    stp     x2, x0, [x1]
    mov     x0, #SEMIHOST_SYS_EXIT
    hlt     #0xf000
3:  wfi
    b       3b

    .data
    .balign 16
exit_block:
    .quad   0, 0

/*
 * Exception vectors of EL3. No exception is expected: an abort means the job
 * asked for something the tables do not allow (for example a write through a
 * read-only mapping) or the tables do not map the harness itself. Every entry
 * reports the exception and stops QEMU.
 */
    .macro  vector_entry index
    .balign 0x80
    mov     x0, #\index
    b       exception_common
    .endm

    .section .vectors, "ax"
    .global vectors
vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    vector_entry \i
    .endr

    .text
exception_common:
    /*
     * Turn the EL3 MMU off first: the harness runs identity mapped, so the
     * next instruction is fetched from the same address, and the report no
     * longer depends on the tables under test.
     */
    mrs     x9, sctlr_el3
    mov     x10, #(SCTLR_M | SCTLR_C)
    bic     x9, x9, x10
    msr     sctlr_el3, x9
    isb
    ldr     x9, =__stack_top
    mov     sp, x9
    mrs     x1, esr_el3
    mrs     x2, elr_el3
    mrs     x3, far_el3
    bl      harness_exception
    mov     x0, #2
    b       semihost_exit

    .ltorg
