/*
 * Exception vectors and probe trampolines of the QEMU granule protection
 * harness. The logic lives in gpt_harness.c; the entry point and the
 * semihosting glue in boot.S, the console and job descriptor helpers in
 * harness_io.c; the link script is harness.ld (the same memory as the
 * translation-table harness).
 *
 * QEMU `virt` with `secure=on,virtualization=on` and `-cpu max,x-rme=on`
 * starts the ELF at EL3 (Root state with FEAT_RME) with every MMU off. EL3
 * loads the GPT registers and then probes physical addresses in two ways:
 *
 *  - probe_el3: a load at EL3 itself (MMU off: the Root PAS);
 *  - probe_lower: an ERET to Non-secure EL2 (SCR_EL3.NS = 1, NSE = 0, MMU
 *    off: the Non-secure PAS), which loads and comes back with SMC #0.
 *
 * A probe that faults does not return to the faulting code: the vector
 * records the syndrome and resumes the C caller from the registers saved by
 * the trampoline (a setjmp/longjmp pair). Every probe returns a status in x0
 * and writes two words to `out`:
 *
 *   1  the load completed          out = { value, 0 }
 *   2  exception at EL3 (its own   out = { ESR_EL3, FAR_EL3 }
 *      load faulted)
 *   3  data abort taken to EL2     out = { ESR_EL2, FAR_EL2 }
 *   4  unexpected EL2 exception    out = { ESR_EL2, ELR_EL2 }
 *   5  GPC exception at EL3        out = { ESR_EL3, MFAR_EL3 }
 *   6  unexpected exception from   out = { ESR_EL3, ELR_EL3 }
 *      the lower EL
 *
 * System registers without a name in older assemblers are written with
 * their encodings: GPTBR_EL3 = S3_6_C2_C1_4, GPCCR_EL3 = S3_6_C2_C1_6,
 * MFAR_EL3 = S3_6_C6_C0_5, TLBI PAALLOS = SYS #6, C8, C1, #4.
 */

#include "context.inc"

    .equ SPSR_EL2H_MASKED, 0x3c9    /* EL2h, D, A, I, F masked */

    .text
/* u64 probe_el3(u64 pa, u64 out[2]): a load of `pa` at EL3. */
    .global probe_el3
probe_el3:
    mov     x9, x1
    save_context x9
    ldr     x1, [x0]
    mov     x2, xzr
    mov     x0, #1
    b       probe_return

/*
 * u64 probe_lower(u64 pa, u64 scr, u64 out[2]): a load of `pa` at EL2 with
 * SCR_EL3 = scr (Non-secure: NS set, NSE clear).
 */
    .global probe_lower
probe_lower:
    mov     x9, x2
    save_context x9
    msr     scr_el3, x1
    ldr     x10, =el2_vectors
    msr     vbar_el2, x10
    ldr     x10, =el2_probe
    msr     elr_el3, x10
    mov     x10, #SPSR_EL2H_MASKED
    msr     spsr_el3, x10
    isb
    eret

/* Back to the caller of probe_*: x0 status, x1 and x2 to out[0] and out[1]. */
probe_return:
    restore_context_and_return

/* Runs at Non-secure EL2, MMU off. */
el2_probe:
    ldr     x1, [x0]
    mov     x2, xzr
    mov     x0, #1
    smc     #0

    .macro  el2_entry status, esr, second
    .balign 0x80
    mov     x0, #\status
    mrs     x1, \esr
    mrs     x2, \second
    smc     #0
    .endm

    .section .vectors, "ax"
    .balign 2048
el2_vectors:
    .irp    i, 0, 1, 2, 3
    el2_entry 4, esr_el2, elr_el2
    .endr
    /* Current EL with SP_ELx, synchronous: the data abort of the probe. */
    el2_entry 3, esr_el2, far_el2
    .irp    i, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    el2_entry 4, esr_el2, elr_el2
    .endr

    .macro  el3_fatal index
    .balign 0x80
    mov     x0, #\index
    b       el3_fatal_common
    .endm

    .balign 2048
    .global el3_vectors
el3_vectors:
    .irp    i, 0, 1, 2, 3
    el3_fatal \i
    .endr
    /* Current EL with SP_ELx, synchronous: the EL3 probe's load faulted. */
    .balign 0x80
    mov     x0, #2
    mrs     x1, esr_el3
    mrs     x2, far_el3
    b       probe_return
    .irp    i, 5, 6, 7
    el3_fatal \i
    .endr
    /* Lower EL, AArch64, synchronous: SMC from the probe, or a GPC exception. */
    .balign 0x80
    b       el3_lower_sync
    .irp    i, 9, 10, 11, 12, 13, 14, 15
    el3_fatal \i
    .endr

    .text
el3_lower_sync:
    mrs     x10, esr_el3
    ubfx    x11, x10, #26, #6
    cmp     x11, #0x17              /* SMC: status and words from EL2 */
    b.eq    probe_return
    cmp     x11, #0x1e              /* GPC exception */
    b.ne    1f
    mov     x0, #5
    mov     x1, x10
    mrs     x2, s3_6_c6_c0_5        /* MFAR_EL3 */
    b       probe_return
1:  mov     x0, #6
    mov     x1, x10
    mrs     x2, elr_el3
    b       probe_return

el3_fatal_common:
    el3_fatal_report

    .ltorg

    .data
    .balign 16
save_area:
    .quad   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
