/*
 * Reset entry of both cores and the EL3 exception vectors, in the identity-mapped
 * `bsp_boot` segment (VA == PA in both EL3 tables), so it runs before and after the
 * MMU is turned on.
 *
 * QEMU `virt` with secure=on starts every core here at EL3 with the MMU off.
 * Core 0 turns on its EL3 table and jumps to the monitor at its VA; core 1 waits in a
 * pen on the mailbox (read at its PA, MMU off) until the kernel releases it, then turns
 * on its own EL3 table and jumps to its code at its VA; other cores park.
 */
#include "memlayout.h"
#include "platform.h"

    .section MEMLAYOUT_CORE0_EL3_BSP_BOOT_SECTION_NAME, "ax"

/*
 * EL3 vectors (VBAR_EL3 needs 2 KiB alignment: the segment is aligned so).
 * Every entry reports the exception; none is expected.
 */
    .balign 0x800
el3_vectors:
    .irp    i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    .balign 0x80
    b       el3_exception
    .endr

    .global _start
_start:
    msr     daifset, #0xf
    mrs     x19, mpidr_el1
    and     x19, x19, #0xff
    cbz     x19, core0
    cmp     x19, #1
    b.eq    core1_pen
park:
    wfe
    b       park

core0:
    adr     x20, _start             /* where we run: a PA, the MMU is off */
    mrs     x21, sctlr_el3          /* M (bit 0) is still clear */
    mrs     x22, CurrentEL
    ldr     x0, =MEMLAYOUT_CORE0_EL3_MAIR
    ldr     x1, =MEMLAYOUT_CORE0_EL3_TCR
    ldr     x2, =MEMLAYOUT_CORE0_EL3_TTBR0
    ldr     x3, =MEMLAYOUT_CORE0_EL3_SCTLR_SET
    bl      el3_mmu_on
    ldr     x0, =(MEMLAYOUT_CORE0_EL3_MONITOR_STACK_VA + MEMLAYOUT_CORE0_EL3_MONITOR_STACK_SIZE)
    mov     sp, x0
    mov     x0, x20
    mov     x1, x21
    mov     x2, x22
    ldr     x9, =monitor_main       /* linked at its VA in core0_el3 */
    br      x9

core1_pen:
    ldr     x1, =(MEMLAYOUT_CORE1_EL3_CROSS_CORE_PA + MAILBOX_RELEASE)
1:  ldr     x0, [x1]
    cbnz    x0, 2f
    wfe
    b       1b
2:  ldr     x0, =MEMLAYOUT_CORE1_EL3_MAIR
    ldr     x1, =MEMLAYOUT_CORE1_EL3_TCR
    ldr     x2, =MEMLAYOUT_CORE1_EL3_TTBR0
    ldr     x3, =MEMLAYOUT_CORE1_EL3_SCTLR_SET
    bl      el3_mmu_on
    ldr     x0, =(MEMLAYOUT_CORE1_EL3_SECONDARY_STACK_VA + MEMLAYOUT_CORE1_EL3_SECONDARY_STACK_SIZE)
    mov     sp, x0
    ldr     x9, =secondary_main     /* linked at its VA in core1_el3 */
    br      x9

/*
 * el3_mmu_on(mair, tcr, ttbr0, sctlr_set): loads the EL3 translation registers,
 * invalidates the EL3 TLB, points VBAR_EL3 at the vectors above and sets the
 * SCTLR_EL3 bits (M, C, I). Returns to the identity-mapped caller.
 */
el3_mmu_on:
    msr     mair_el3, x0
    msr     tcr_el3, x1
    msr     ttbr0_el3, x2
    isb
    tlbi    alle3
    dsb     sy
    isb
    adr     x4, el3_vectors
    msr     vbar_el3, x4
    mrs     x4, sctlr_el3
    orr     x4, x4, x3
    msr     sctlr_el3, x4
    isb
    ret

/*
 * An exception at EL3: turn the MMU off (this code is identity mapped, so the next
 * instruction is the same), print ESR_EL3.EC, FAR_EL3 and ELR_EL3 through the UART's PA
 * and exit through semihosting with EXIT_EXCEPTION. Uses no stack and no table.
 */
el3_exception:
    mrs     x9, sctlr_el3
    mov     x10, #1                 /* SCTLR_EL3.M */
    bic     x9, x9, x10
    msr     sctlr_el3, x9
    isb
    ldr     x20, =MEMLAYOUT_CORE0_EL3_UART_PA
    adr     x0, el3_exc_msg
    bl      el3_puts
    mrs     x0, esr_el3
    lsr     x0, x0, #ESR_EC_SHIFT
    and     x0, x0, #ESR_EC_MASK
    bl      el3_puthex
    adr     x0, el3_far_msg
    bl      el3_puts
    mrs     x0, far_el3
    bl      el3_puthex
    adr     x0, el3_elr_msg
    bl      el3_puts
    mrs     x0, elr_el3
    bl      el3_puthex
    mov     x0, #'\n'
    str     w0, [x20]
    ldr     x1, =(MEMLAYOUT_CORE0_EL3_CROSS_CORE_PA + MAILBOX_EXIT_BLOCK)
    ldr     x0, =ADP_STOPPED_APPLICATION_EXIT
    mov     x2, #EXIT_EXCEPTION
    stp     x0, x2, [x1]
    mov     x0, #SEMIHOST_SYS_EXIT
    hlt     #0xf000
    b       park

/* el3_puts(x0 = string): to the UART at x20. Clobbers x0, x1. */
el3_puts:
    ldrb    w1, [x0], #1
    cbz     w1, 1f
    str     w1, [x20]
    b       el3_puts
1:  ret

/* el3_puthex(x0): `0x` and all 16 hexadecimal digits to the UART at x20. Clobbers x0-x3. */
el3_puthex:
    mov     w1, #'0'
    str     w1, [x20]
    mov     w1, #'x'
    str     w1, [x20]
    mov     x2, #60
1:  lsr     x1, x0, x2
    and     x1, x1, #0xf
    cmp     x1, #10
    mov     x3, #'0'
    mov     x4, #('a' - 10)
    csel    x3, x3, x4, lo
    add     x1, x1, x3
    str     w1, [x20]
    subs    x2, x2, #4
    b.pl    1b
    ret

el3_exc_msg:
    .asciz  "[el3] exception: EC "
el3_far_msg:
    .asciz  " FAR "
el3_elr_msg:
    .asciz  " ELR "
    .balign 8
    .ltorg

/* The mailbox: zero at load time, so core 1 stays in its pen until released. */
    .section MEMLAYOUT_CORE0_EL3_CROSS_CORE_SECTION_NAME, "aw"
    .balign 16
    .space  MEMLAYOUT_CORE0_EL3_CROSS_CORE_SIZE
