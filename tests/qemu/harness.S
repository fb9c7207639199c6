/*
 * Exception vectors of the QEMU translation-table harness. The logic lives in
 * harness.c; the entry point and the semihosting glue in boot.S, the console
 * and job descriptor helpers in harness_io.c.
 *
 * The harness stays at EL3 for its whole run: it loads the translation
 * registers of the regime under test and asks the address translation (AT)
 * instructions about it. The one exception is the Realm EL2 probe below,
 * which EL3 enters with ERET and which comes back with SMC #0.
 *
 * System registers without a name in older assemblers are written with
 * their encodings: MFAR_EL3 = S3_6_C6_C0_5.
 */

#include "context.inc"

    .equ SCTLR_M, 1 << 0
    .equ SCTLR_C, 1 << 2
    .equ SPSR_EL2H_MASKED, 0x3c9    /* EL2h, D, A, I, F masked */

/*
 * Exception vectors of EL3. No exception is expected at EL3: an abort means
 * the job asked for something the tables do not allow (for example a write
 * through a read-only mapping, or through a page whose physical address
 * space its granule does not accept) or the tables do not map the harness
 * itself. Every entry reports the exception and stops QEMU, but the lower
 * EL synchronous one while a Realm EL2 probe runs (el3_lower_sync).
 */
    .macro  vector_entry index
    .balign 0x80
    mov     x0, #\index
    b       exception_common
    .endm

    .section .vectors, "ax"
    .global el3_vectors
el3_vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7
    vector_entry \i
    .endr
    /* Lower EL, AArch64, synchronous: the Realm EL2 probe's SMC, or a fault. */
    .balign 0x80
    b       el3_lower_sync
    .irp    i, 9, 10, 11, 12, 13, 14, 15
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
    el3_fatal_report

    .ltorg

/*
 * u64 enter_realm(u64 va, u64 pattern, u64 out[2], u64 entry): ERET to
 * `entry` at EL2 (SPSR_EL3 = EL2h, exceptions masked) with x0 = va and
 * x1 = pattern. SCR_EL3 (NSE and NS set: Realm state) and the EL2 registers
 * are the caller's business. The call ends when the lower EL traps to EL3
 * (el3_lower_sync): the status goes to x0, two words to out[0] and out[1],
 * and the callee-saved registers and sp saved here are restored (a
 * setjmp/longjmp pair).
 */
    .global enter_realm
enter_realm:
    save_context x2
    mov     x11, #1
    str     x11, [x10, #112]        /* a probe is under way */
    msr     elr_el3, x3
    mov     x11, #SPSR_EL2H_MASKED
    msr     spsr_el3, x11
    isb
    eret

/*
 * A synchronous exception from a lower EL. Outside a Realm probe it is fatal.
 * Status (see harness.c): the SMC passes on x0..x2 of the probe (1 done, 2
 * exception at EL2); 3 a GPC exception (ESR_EL3, MFAR_EL3); 4 anything else
 * (ESR_EL3, ELR_EL3).
 */
el3_lower_sync:
    ldr     x10, =save_area
    ldr     x11, [x10, #112]
    cbnz    x11, 1f
    mov     x0, #8
    b       exception_common
1:  mrs     x10, esr_el3
    ubfx    x11, x10, #26, #6
    cmp     x11, #0x17              /* SMC from AArch64 */
    b.eq    realm_return
    cmp     x11, #0x1e              /* GPC exception */
    b.ne    2f
    mov     x0, #3
    mov     x1, x10
    mrs     x2, s3_6_c6_c0_5        /* MFAR_EL3 */
    b       realm_return
2:  mov     x0, #4
    mov     x1, x10
    mrs     x2, elr_el3
realm_return:
    ldr     x10, =save_area
    str     xzr, [x10, #112]
    restore_context_and_return

    .ltorg

/*
 * The Realm EL2 probe: position independent, one 4 KiB page that harness.c
 * copies to the PA of the Realm table's code page (before the granule
 * protection checks are on) and enters at that page's VA, with the Realm
 * table's registers loaded and VBAR_EL2 at the page's VA + 0x800. It runs
 * at EL2 in Realm state with x0 = the VA to probe and x1 = a pattern:
 * AT S1E2R of x0, a store of the pattern through x0, a load back and a
 * clean of the line, then SMC #0 with x0 = 1, x1 = PAR_EL1, x2 = the value
 * loaded. An exception taken to EL2 ends in SMC #0 with x0 = 2, x1 =
 * ESR_EL2, x2 = FAR_EL2. (A granule protection fault, with SCR_EL3.GPF = 1,
 * is a GPC exception taken to EL3 instead.)
 */
    .section .text.realm, "ax"
    .balign 4096
    .global realm_probe_start, realm_probe_end
realm_probe_start:
    at      s1e2r, x0
    isb
    mrs     x3, par_el1
    str     x1, [x0]
    dsb     sy
    ldr     x2, [x0]
    dc      civac, x0
    dsb     sy
    mov     x1, x3
    mov     x0, #1
    smc     #0
3:  b       3b

    .balign 0x800
realm_vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    mov     x0, #2
    mrs     x1, esr_el2
    mrs     x2, far_el2
    smc     #0
    .endr
    .balign 4096
realm_probe_end:

    .data
    .balign 16
save_area:
    .quad   0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
