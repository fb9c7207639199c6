/*
 * Entry point and semihosting glue shared by the QEMU harnesses.
 *
 * QEMU `virt` with `secure=on` starts a bare ELF at EL3 with every MMU off.
 * _start checks that, sets the stack and VBAR_EL3 (each harness defines its
 * EL3 vector table as el3_vectors), clears .bss, calls harness_main and exits
 * QEMU with its result.
 */

    .equ SEMIHOST_SYS_WRITE0, 0x04
    .equ SEMIHOST_SYS_EXIT, 0x18
    .equ ADP_STOPPED_APPLICATIONEXIT, 0x20026

    .section .text.boot, "ax"
    .global _start
_start:
    msr     daifset, #0xf
    mrs     x0, CurrentEL
    cmp     x0, #(3 << 2)
    b.ne    not_at_el3

    ldr     x0, =__stack_top
    mov     sp, x0
    ldr     x0, =el3_vectors
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

    .ltorg

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
