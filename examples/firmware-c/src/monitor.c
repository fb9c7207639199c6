/*
 * The EL3 monitor of core 0: runs at its VA in the core0_el3 table, prints through the
 * UART's VA, writes the mailbox and starts the non-secure EL1 kernel.
 */
#include "memlayout.h"
#include "platform.h"

/* Code and strings go into their segments' input sections (memlayout.h). */
#define MONITOR_CODE MEMLAYOUT_SECTION(core0_el3, monitor_code)
#define MONITOR_STR(name, text) \
    static const char name[] MEMLAYOUT_SECTION(core0_el3, monitor_strings) = text

MONITOR_STR(s_boot1, "[el3] boot: core 0 started at EL");
MONITOR_STR(s_boot2, " with the MMU ");
MONITOR_STR(s_boot3, ", running from the identity segment at PA ");
MONITOR_STR(s_on, "on");
MONITOR_STR(s_off, "off");
MONITOR_STR(s_mmu, "[el3] mmu: MAIR/TCR/TTBR0_EL3 loaded, TLB invalidated, SCTLR_EL3 M/C/I set; tables at PA ");
MONITOR_STR(s_mon1, "[el3] monitor: running at VA ");
MONITOR_STR(s_mon2, " (PA ");
MONITOR_STR(s_mon3, "), printing through the UART at VA ");
MONITOR_STR(s_mb1, "[el3] mailbox: wrote ");
MONITOR_STR(s_mb2, " at VA ");
MONITOR_STR(s_gic1, "[el3] gic: distributor at VA ");
MONITOR_STR(s_gic2, "), secure view: AT S1E3R gives PAR_EL1.NS ");
MONITOR_STR(s_gic3, ", the layout's NS ");
MONITOR_STR(s_el1, "[el3] el1: SCR_EL3.NS/RW, HCR_EL2.RW and MAIR/TCR/TTBR0_EL1 set; eret to the kernel at VA ");
MONITOR_STR(s_close, ")\n");
MONITOR_STR(s_nl, "\n");

void kernel_main(void);

/* The value for the kernel, in the monitor's data segment (read through its VA). */
static volatile u64 monitor_value MEMLAYOUT_SECTION(core0_el3, monitor_vars) = MONITOR_VALUE;

/* Where this code runs: the address of the current instruction. */
INLINE u64 here(void)
{
    u64 pc;
    __asm__ volatile("adr %0, ." : "=r"(pc));
    return pc;
}

/*
 * Entered from boot.S with the EL3 MMU on and the stack at its VA: `entry_pa` is where
 * the reset code ran, `sctlr_at_reset` and `current_el` the registers read there.
 */
MONITOR_CODE __attribute__((noreturn)) void monitor_main(u64 entry_pa, u64 sctlr_at_reset,
                                                         u64 current_el)
{
    const u64 uart = MEMLAYOUT_CORE0_EL3_UART_VA;

    put_str(uart, s_boot1);
    put_char(uart, (char)('0' + ((current_el >> 2) & 3)));
    put_str(uart, s_boot2);
    put_str(uart, (sctlr_at_reset & 1) ? s_on : s_off);
    put_str(uart, s_boot3);
    put_hex(uart, entry_pa);
    put_str(uart, s_nl);

    put_str(uart, s_mmu);
    put_hex(uart, RSYS(ttbr0_el3));
    put_str(uart, s_nl);

    u64 pc = here();
    put_str(uart, s_mon1);
    put_hex(uart, pc);
    put_str(uart, s_mon2);
    put_hex(uart, pc - MEMLAYOUT_CORE0_EL3_MONITOR_CODE_VA + MEMLAYOUT_CORE0_EL3_MONITOR_CODE_PA);
    put_str(uart, s_mon3);
    put_hex(uart, uart);
    put_str(uart, s_nl);

    /* Step 4: the mailbox through this table's VA. */
    u64 value = monitor_value;
    *mailbox_word(MEMLAYOUT_CORE0_EL3_CROSS_CORE_VA, MAILBOX_MONITOR_VALUE) = value;
    put_str(uart, s_mb1);
    put_hex(uart, value);
    put_str(uart, s_mb2);
    put_hex(uart, MEMLAYOUT_CORE0_EL3_CROSS_CORE_VA);
    put_str(uart, s_mon2);
    put_hex(uart, MEMLAYOUT_CORE0_EL3_CROSS_CORE_PA);
    put_str(uart, s_close);

    /* The GIC distributor through the secure view of its pool: AT reports the output
     * address space, and GICD_IIDR goes to the kernel, which reads it through the
     * non-secure view of the same PA. */
    const u64 gicd = MEMLAYOUT_CORE0_EL3_GICD_VA;
    __asm__ volatile("at s1e3r, %0\n\tisb" ::"r"(gicd) : "memory");
    u64 par_ns = (RSYS(par_el1) >> PAR_NS_SHIFT) & 1;
    *mailbox_word(MEMLAYOUT_CORE0_EL3_CROSS_CORE_VA, MAILBOX_GICD_IIDR) =
        *(volatile unsigned int *)(gicd + GICD_IIDR);
    put_str(uart, s_gic1);
    put_hex(uart, gicd);
    put_str(uart, s_mon2);
    put_hex(uart, MEMLAYOUT_CORE0_EL3_GICD_PA);
    put_str(uart, s_gic2);
    put_hex(uart, par_ns);
    put_str(uart, s_gic3);
    put_hex(uart, MEMLAYOUT_CORE0_EL3_GICD_NS);
    put_str(uart, s_nl);

    /* Step 5: the non-secure EL1&0 regime of the kernel, from the layout. */
    WSYS(mair_el1, MEMLAYOUT_CORE0_EL1_MAIR);
    WSYS(tcr_el1, MEMLAYOUT_CORE0_EL1_TCR);
    WSYS(ttbr0_el1, MEMLAYOUT_CORE0_EL1_TTBR0);
    WSYS(sctlr_el1, RSYS(sctlr_el1) | MEMLAYOUT_CORE0_EL1_SCTLR_SET);
    WSYS(vbar_el1, MEMLAYOUT_CORE0_EL1_KERNEL_VECTORS_VA);
    WSYS(sp_el1, MEMLAYOUT_CORE0_EL1_KERNEL_STACK_VA + MEMLAYOUT_CORE0_EL1_KERNEL_STACK_SIZE);
    WSYS(cpacr_el1, CPACR_FPEN);
    WSYS(hcr_el2, 1UL << HCR_RW_SHIFT);
    WSYS(scr_el3, SCR_NS | SCR_RES1 | SCR_RW);
    __asm__ volatile("isb\n\ttlbi vmalle1\n\tdsb sy\n\tisb" ::: "memory");

    u64 entry = (u64)&kernel_main;
    put_str(uart, s_el1);
    put_hex(uart, entry);
    put_str(uart, s_nl);

    WSYS(spsr_el3, SPSR_EL1H_MASKED);
    WSYS(elr_el3, entry);
    __asm__ volatile("eret");
    __builtin_unreachable();
}
