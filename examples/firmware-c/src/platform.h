/*
 * Architectural constants, the mailbox protocol and the helpers every stage of the
 * firmware inlines. No address of the board is written here: they all come from the
 * generated header memlayout.h.
 *
 * Usable from C and from assembly (.S files are preprocessed).
 */
#ifndef FIRMWARE_PLATFORM_H
#define FIRMWARE_PLATFORM_H

/* Semihosting (Arm "Semihosting for AArch32 and AArch64", version 2). */
#define SEMIHOST_SYS_EXIT 0x18
#define ADP_STOPPED_APPLICATION_EXIT 0x20026

/* Mailbox words, byte offsets into the cross_core segment. */
#define MAILBOX_MONITOR_VALUE 0 /* written by the EL3 monitor, read by the kernel */
#define MAILBOX_KERNEL_VALUE 8  /* written by the kernel, read by core 1 */
#define MAILBOX_RELEASE 16      /* non-zero: core 1 may leave its pen */
#define MAILBOX_EXIT_BLOCK 32   /* semihosting SYS_EXIT parameter block (two words) */
#define MAILBOX_GICD_IIDR 48    /* GICD_IIDR as the monitor read it (secure view) */

/* GICD_IIDR, the distributor's implementer identification: offset 0x8, one register
 * for both security states (GIC architecture specification, "GICD_IIDR"). */
#define GICD_IIDR 0x8
/* PAR_EL1.NS (bit 9) after an AT: the output address space of a secure translation
 * regime (Arm ARM D23.2 "PAR_EL1"). */
#define PAR_NS_SHIFT 9

/* The values passed through the mailbox. */
#define MONITOR_VALUE 0xc0de
#define KERNEL_VALUE 0xbeef

/* SCR_EL3 (Arm ARM D23.2 "SCR_EL3"): NS, RES1 bits 5:4, RW. */
#define SCR_NS (1 << 0)
#define SCR_RES1 (3 << 4)
#define SCR_RW (1 << 10)
/* HCR_EL2.RW (bit 31): EL1 is AArch64. */
#define HCR_RW_SHIFT 31
/* CPACR_EL1.FPEN (bits 21:20) = 0b11: no trap of FP/SIMD at EL1. */
#define CPACR_FPEN (3 << 20)
/* SPSR_EL3 for the eret: EL1h (M[3:0] = 0b0101), D, A, I, F masked. */
#define SPSR_EL1H_MASKED 0x3c5
/* ESR_ELx.EC: bits 31:26 (Arm ARM D23.2 "ESR_EL1"). */
#define ESR_EC_SHIFT 26
#define ESR_EC_MASK 0x3f
/* Exit status of a firmware that took an unexpected exception. */
#define EXIT_EXCEPTION 3

#ifndef __ASSEMBLER__

typedef unsigned long u64;
typedef unsigned int u32;

#define WSYS(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((u64)(val)) : "memory")
#define RSYS(reg)                                                 \
    ({                                                            \
        u64 v_;                                                   \
        __asm__ volatile("mrs %0, " #reg : "=r"(v_)::"memory");   \
        v_;                                                       \
    })

/*
 * The helpers are always inlined: each stage (EL3 monitor, EL1 kernel, core 1) runs
 * from its own pages at its own VAs, so it must not call code placed elsewhere.
 */
#define INLINE static inline __attribute__((always_inline))

/* PL011 data register at offset 0; QEMU needs no initialisation. */
INLINE void put_char(u64 uart, char c)
{
    *(volatile u32 *)uart = (u32)(unsigned char)c;
}

INLINE void put_str(u64 uart, const char *s)
{
    while (*s)
        put_char(uart, *s++);
}

/* `0x` and the value in hexadecimal without leading zeros. */
INLINE void put_hex(u64 uart, u64 v)
{
    int shift = 60;
    put_char(uart, '0');
    put_char(uart, 'x');
    while (shift > 0 && ((v >> shift) & 0xf) == 0)
        shift -= 4;
    for (; shift >= 0; shift -= 4) {
        u64 d = (v >> shift) & 0xf;
        put_char(uart, (char)(d < 10 ? '0' + d : 'a' + d - 10));
    }
}

INLINE volatile u64 *mailbox_word(u64 mailbox_va, u64 offset)
{
    return (volatile u64 *)(mailbox_va + offset);
}

/* Semihosting SYS_EXIT with ADP_Stopped_ApplicationExit and `status` (QEMU's exit code). */
INLINE __attribute__((noreturn)) void semihost_exit(volatile u64 *block, u64 status)
{
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = status;
    register u64 x0 __asm__("x0") = SEMIHOST_SYS_EXIT;
    register u64 x1 __asm__("x1") = (u64)block;
    __asm__ volatile("hlt #0xf000" ::"r"(x0), "r"(x1) : "memory");
    for (;;)
        __asm__ volatile("wfi");
}

#endif /* __ASSEMBLER__ */
#endif /* FIRMWARE_PLATFORM_H */
