/*
 * The non-secure EL1 kernel: entered by the monitor's eret at its VA in the core0_el1
 * table with its stack (SP_EL1) and vectors (VBAR_EL1) already set. It reads the
 * monitor's value from the mailbox through its own VA, writes its own value back and
 * releases core 1.
 */
#include "memlayout.h"
#include "platform.h"

/* Code and strings go into their segments' input sections (memlayout.h). */
#define KERNEL_CODE MEMLAYOUT_SECTION(core0_el1, kernel_code)
#define KERNEL_VECTOR_CODE MEMLAYOUT_SECTION(core0_el1, kernel_vectors)
#define KERNEL_STR(name, text) \
    static const char name[] MEMLAYOUT_SECTION(core0_el1, kernel_strings) = text

KERNEL_STR(s_k1, "[el1] kernel: running at EL");
KERNEL_STR(s_k2, " (non-secure), read ");
KERNEL_STR(s_k3, " from the mailbox at VA ");
KERNEL_STR(s_w1, "[el1] kernel: wrote ");
KERNEL_STR(s_w2, " to the mailbox, releasing core 1\n");
KERNEL_STR(s_gic1, "[el1] gic: distributor at VA ");
KERNEL_STR(s_gic2, " (PA ");
KERNEL_STR(s_gic3, "), non-secure view (the layout's NS ");
KERNEL_STR(s_gic_same, "): GICD_IIDR reads as through the monitor's secure view\n");
KERNEL_STR(s_gic_diff, "): GICD_IIDR differs from the monitor's read\n");
KERNEL_STR(s_exc1, "[el1] exception: EC ");
KERNEL_STR(s_exc2, " FAR ");
KERNEL_STR(s_exc3, " ELR ");
KERNEL_STR(s_nl, "\n");

/* Cleans the cache line holding `va` to the point of coherency: core 1 reads the
 * mailbox with its MMU off, that is uncached. */
INLINE void clean_to_poc(volatile u64 *va)
{
    __asm__ volatile("dc cvac, %0\n\tdsb sy" ::"r"(va) : "memory");
}

KERNEL_CODE __attribute__((noreturn)) void kernel_main(void)
{
    const u64 uart = MEMLAYOUT_CORE0_EL1_UART_VA;
    const u64 mailbox = MEMLAYOUT_CORE0_EL1_CROSS_CORE_VA;

    u64 value = *mailbox_word(mailbox, MAILBOX_MONITOR_VALUE);
    put_str(uart, s_k1);
    put_char(uart, (char)('0' + ((RSYS(CurrentEL) >> 2) & 3)));
    put_str(uart, s_k2);
    put_hex(uart, value);
    put_str(uart, s_k3);
    put_hex(uart, mailbox);
    put_str(uart, s_nl);

    /* The same distributor PA through this table's non-secure view. */
    const u64 gicd = MEMLAYOUT_CORE0_EL1_GICD_VA;
    u64 iidr = *(volatile unsigned int *)(gicd + GICD_IIDR);
    put_str(uart, s_gic1);
    put_hex(uart, gicd);
    put_str(uart, s_gic2);
    put_hex(uart, MEMLAYOUT_CORE0_EL1_GICD_PA);
    put_str(uart, s_gic3);
    put_hex(uart, MEMLAYOUT_CORE0_EL1_GICD_NS);
    put_str(uart, iidr == *mailbox_word(mailbox, MAILBOX_GICD_IIDR) ? s_gic_same : s_gic_diff);

    *mailbox_word(mailbox, MAILBOX_KERNEL_VALUE) = KERNEL_VALUE;
    clean_to_poc(mailbox_word(mailbox, MAILBOX_KERNEL_VALUE));
    put_str(uart, s_w1);
    put_hex(uart, KERNEL_VALUE);
    put_str(uart, s_w2);

    /* Release core 1 from its pen; it prints the rest and ends the run. */
    *mailbox_word(mailbox, MAILBOX_RELEASE) = 1;
    clean_to_poc(mailbox_word(mailbox, MAILBOX_RELEASE));
    __asm__ volatile("sev");
    for (;;)
        __asm__ volatile("wfe");
}

/* Any exception taken to EL1: report it and stop. Lives in the vector segment, so it
 * still runs when the kernel's code page cannot be executed. */
KERNEL_VECTOR_CODE __attribute__((noreturn, used)) void kernel_exception(void)
{
    const u64 uart = MEMLAYOUT_CORE0_EL1_UART_VA;

    put_str(uart, s_exc1);
    put_hex(uart, (RSYS(esr_el1) >> ESR_EC_SHIFT) & ESR_EC_MASK);
    put_str(uart, s_exc2);
    put_hex(uart, RSYS(far_el1));
    put_str(uart, s_exc3);
    put_hex(uart, RSYS(elr_el1));
    put_str(uart, s_nl);
    semihost_exit(mailbox_word(MEMLAYOUT_CORE0_EL1_CROSS_CORE_VA, MAILBOX_EXIT_BLOCK),
                  EXIT_EXCEPTION);
}

/* VBAR_EL1: sixteen 128-byte entries, 2 KiB aligned (the segment is aligned so). */
__asm__(".pushsection " MEMLAYOUT_CORE0_EL1_KERNEL_VECTORS_SECTION_NAME ", \"ax\"\n"
        ".balign 0x800\n"
        ".global kernel_vectors\n"
        "kernel_vectors:\n"
        ".irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15\n"
        ".balign 0x80\n"
        "b kernel_exception\n"
        ".endr\n"
        ".popsection\n");
