/*
 * Exception vectors of the QEMU translation-table harness. The logic lives in
 * harness.c; the entry point and the semihosting glue in boot.S, the console
 * and job descriptor helpers in harness_io.c.
 *
 * The harness stays at EL3 for its whole run: it loads the translation
 * registers of the regime under test and asks the address translation (AT)
 * instructions about it.
 */

    .equ SCTLR_M, 1 << 0
    .equ SCTLR_C, 1 << 2

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
    .global el3_vectors
el3_vectors:
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
