/*
 * Exception vectors and trampolines of the QEMU stage 2 harness. The logic
 * lives in s2_harness.c; the entry point and the semihosting glue in boot.S,
 * the console and job descriptor helpers in harness_io.c; the link script is
 * harness.ld (the same memory as the translation-table harness).
 *
 * EL3 stays in control with its MMU off. Each probe leaves EL3 with ERET and
 * comes back with SMC #0 (a setjmp/longjmp pair, see context.inc):
 *
 *  - el2_at: Non-secure EL2 (MMU off, physical), runs one AT instruction
 *    (S12E1R, S12E1W, S12E0R, S12E0W or S1E1R) with HCR_EL2.VM set and
 *    returns PAR_EL1;
 *  - the EL1 probe page (el1_probe_start, one 4 KiB page that s2_harness.c
 *    copies to the PA of the VM's code page): Non-secure EL1 with stage 1
 *    and stage 2 on, loads from (or stores to and loads back from, or
 *    branches to) a VA.
 *
 * Status in x0 on the way back, words in x1, x2, x3:
 *
 *   1  done                        x1 = PAR_EL1 (AT) or the value loaded
 *   2  exception taken to EL1      x1 = ESR_EL1, x2 = FAR_EL1, x3 = ELR_EL1
 *   3  exception from EL1 taken    x1 = ESR_EL2, x2 = FAR_EL2, x3 = HPFAR_EL2
 *      to EL2 (a stage 2 abort)
 *   4  exception taken to EL3      x1 = ESR_EL3, x2 = ELR_EL3, x3 = FAR_EL3
 *      (other than the SMC)
 *   5  exception of EL2 itself     x1 = ESR_EL2, x2 = ELR_EL2, x3 = FAR_EL2
 */

#include "context.inc"

    .text
/*
 * u64 enter_lower(u64 va, u64 kind, u64 pattern, u64 out[3], u64 entry,
 *                 u64 spsr): ERET to `entry` with SPSR_EL3 = spsr and x0..x2 =
 * va, kind, pattern. Returns the status; out[0..2] get x1..x3.
 */
    .global enter_lower
enter_lower:
    save_context x3
    msr     elr_el3, x4
    msr     spsr_el3, x5
    isb
    eret

/* Back to the caller of enter_lower: x0 status, x1..x3 to out[0..2]. */
lower_return:
    ldr     x10, =save_area
    ldr     x9, [x10, #104]
    str     x3, [x9, #16]
    restore_context_and_return

el3_lower_sync:
    mrs     x10, esr_el3
    ubfx    x11, x10, #26, #6
    cmp     x11, #0x17              /* SMC from AArch64: status and words */
    b.eq    lower_return
    mov     x0, #4
    mov     x1, x10
    mrs     x2, elr_el3
    mrs     x3, far_el3
    b       lower_return

el3_fatal_common:
    el3_fatal_report

/* Runs at Non-secure EL2, MMU off: x0 = address, x1 = AT kind (0..4). */
    .global el2_at
el2_at:
    cmp     x1, #0
    b.eq    1f
    cmp     x1, #1
    b.eq    2f
    cmp     x1, #2
    b.eq    3f
    cmp     x1, #3
    b.eq    4f
    at      s1e1r, x0
    b       5f
1:  at      s12e1r, x0
    b       5f
2:  at      s12e1w, x0
    b       5f
3:  at      s12e0r, x0
    b       5f
4:  at      s12e0w, x0
5:  isb
    mrs     x1, par_el1
    mov     x2, xzr
    mov     x3, xzr
    mov     x0, #1
    smc     #0
6:  b       6b

    .ltorg

    .macro  el2_entry status, w1, w2, w3
    .balign 0x80
    mov     x0, #\status
    mrs     x1, \w1
    mrs     x2, \w2
    mrs     x3, \w3
    smc     #0
    .endm

    .macro  el3_fatal index
    .balign 0x80
    mov     x0, #\index
    b       el3_fatal_common
    .endm

    .section .vectors, "ax"
    .balign 2048
    .global el2_vectors
el2_vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7
    el2_entry 5, esr_el2, elr_el2, far_el2
    .endr
    /* Lower EL, AArch64, synchronous: a stage 2 abort of the EL1 probe. */
    el2_entry 3, esr_el2, far_el2, hpfar_el2
    .irp    i, 9, 10, 11, 12, 13, 14, 15
    el2_entry 5, esr_el2, elr_el2, far_el2
    .endr

    .balign 2048
    .global el3_vectors
el3_vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7
    el3_fatal \i
    .endr
    /* Lower EL, AArch64, synchronous: the SMC of a probe, or a fault. */
    .balign 0x80
    b       el3_lower_sync
    .irp    i, 9, 10, 11, 12, 13, 14, 15
    el3_fatal \i
    .endr

/*
 * The EL1 probe: position independent, one 4 KiB page copied to the PA of
 * the VM's code page and entered at its VA, with VBAR_EL1 at that VA +
 * 0x800. x0 = VA, x1 = kind (5 load, 6 store then load, 9 branch to the VA),
 * x2 = pattern.
 */
    .section .text.el1, "ax"
    .balign 4096
    .global el1_probe_start, el1_probe_end
el1_probe_start:
    cmp     x1, #9
    b.eq    3f
    cmp     x1, #6
    b.ne    1f
    str     x2, [x0]
    dsb     sy
1:  ldr     x1, [x0]
    dsb     sy
    mov     x2, xzr
    mov     x3, xzr
    mov     x0, #1
    smc     #0
2:  b       2b
    /* Kind 9: an instruction fetch from x0, which holds UDF #0 (the harness
     * wrote it): the undefined instruction exception taken to EL1 (status 2,
     * ELR_EL1 = x0) shows that both stages let EL1 execute there. */
3:  br      x0

    .balign 0x800
el1_vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #2
    mrs     x1, esr_el1
    mrs     x2, far_el1
    mrs     x3, elr_el1
    smc     #0
    .endr
    .balign 4096
el1_probe_end:

    .data
    .balign 16
save_area:
    .quad   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
