/*
 * Core 1 after its pen: its own EL3 table is on, it runs at its VA in core1_el3, reads
 * the kernel's value from the same mailbox PA through its own VA, prints the last lines
 * and ends the run through semihosting.
 */
#include "memlayout.h"
#include "platform.h"

/* Code and strings go into their segments' input sections (memlayout.h). */
#define SECONDARY_CODE MEMLAYOUT_SECTION(core1_el3, secondary_code)
#define SECONDARY_STR(name, text) \
    static const char name[] MEMLAYOUT_SECTION(core1_el3, secondary_strings) = text

SECONDARY_STR(s_c1, "[core1] released: EL3 table at PA ");
SECONDARY_STR(s_c2, " on, running at VA ");
SECONDARY_STR(s_r1, "[core1] read ");
SECONDARY_STR(s_r2, " from the mailbox at VA ");
SECONDARY_STR(s_r3, " (PA ");
SECONDARY_STR(s_done, "done: both cores finished, exiting with status 0\n");
SECONDARY_STR(s_close, ")\n");
SECONDARY_STR(s_nl, "\n");

SECONDARY_CODE __attribute__((noreturn)) void secondary_main(void)
{
    const u64 uart = MEMLAYOUT_CORE1_EL3_UART_VA;
    const u64 mailbox = MEMLAYOUT_CORE1_EL3_CROSS_CORE_VA;
    u64 pc;
    __asm__ volatile("adr %0, ." : "=r"(pc));

    put_str(uart, s_c1);
    put_hex(uart, RSYS(ttbr0_el3));
    put_str(uart, s_c2);
    put_hex(uart, pc);
    put_str(uart, s_nl);

    put_str(uart, s_r1);
    put_hex(uart, *mailbox_word(mailbox, MAILBOX_KERNEL_VALUE));
    put_str(uart, s_r2);
    put_hex(uart, mailbox);
    put_str(uart, s_r3);
    put_hex(uart, MEMLAYOUT_CORE1_EL3_CROSS_CORE_PA);
    put_str(uart, s_close);

    put_str(uart, s_done);
    semihost_exit(mailbox_word(mailbox, MAILBOX_EXIT_BLOCK), 0);
}
