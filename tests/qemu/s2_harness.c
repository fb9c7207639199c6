/*
 * QEMU stage 2 harness: loads a virtual machine's stage 2 (HCR_EL2, VTCR_EL2,
 * VTTBR_EL2) and its guest stage 1 (MAIR_EL1, TCR_EL1, TTBR0_EL1, SCTLR_EL1),
 * then asks the AT instructions about it from Non-secure EL2 and makes real
 * loads and stores from Non-secure EL1 (see s2_harness.S).
 *
 * Job descriptor at JOB_PA, little-endian 64-bit words:
 *   [0] JOB_MAGIC
 *   [1] HCR_EL2 (VM | RW at least)   [2] VTCR_EL2   [3] VTTBR_EL2
 *   [4] MAIR_EL1   [5] TCR_EL1   [6] TTBR0_EL1 (an IPA)
 *   [7] bits to set in SCTLR_EL1 (M at least)
 *   [8] VA of the VM's 4 KiB code page (0: none; EL1 probes need one)
 *   [9] PA of that page (where the EL1 probe is copied)
 *   [10] number of probes P, then P triples (address, kind, pa):
 *       kind 0 AT S12E1R, 1 AT S12E1W, 2 AT S12E0R, 3 AT S12E0W,
 *            4 AT S1E1R (stage 1 alone: the IPA), all run at EL2;
 *            5 load at EL1 from the VA `address`: first, when pa != 0,
 *              EL3 writes a marker at `pa` (physically);
 *            6 store at EL1 of a pattern through `address`, load back,
 *              then EL3 reads `pa` physically;
 *            7 TTBR0_EL1 = address, then TLBI ALLE1;
 *            8 VTTBR_EL2 = address, without TLB maintenance (a switch
 *              to another VM that relies on VMIDs);
 *            9 instruction fetch at EL1 from the VA `address`: first, when
 *              pa != 0, EL3 writes UDF #0 at `pa` (physically) and
 *              invalidates the instruction caches; a fetch both stages allow
 *              ends in an undefined instruction exception taken to EL1.
 *
 * Output lines (semihosting SYS_WRITE0), numbers in hexadecimal:
 *   RES <i> <status> <w0> <w1> <w2>   one per probe, in order:
 *       status 1: done; AT: w0 = PAR_EL1; load: w0 = value loaded,
 *                 w1 = marker written at pa; store: w0 = value loaded
 *                 back, w1 = pattern, w2 = value read at pa; 7, 8: zeros
 *       status 2..5: an exception (s2_harness.S), w0..w2 its registers
 *   DONE
 * or `ERR <text>` / `EXC <vector> <esr> <elr> <far>` and a non-zero exit.
 */

#include "harness_io.h"

#define JOB_MAGIC 0x3132535145544c4dUL /* "MLTEQS21" */

#define SCR_NS (1UL << 0)
#define SCR_RES1 (3UL << 4)
#define SCR_HCE (1UL << 8)
#define SCR_RW (1UL << 10)

#define HCR_VM (1UL << 0)
#define HCR_RW (1UL << 31)

/* RES1 bits of SCTLR_EL2 without VHE: 29, 28, 23, 22, 18, 16, 11, 5, 4. */
#define SCTLR_EL2_RES1 0x30c50830UL
/* RES1 bits of SCTLR_EL1: 29, 28, 23, 22, 20, 11. */
#define SCTLR_EL1_RES1 0x30d00800UL

#define SPSR_EL2H_MASKED 0x3c9UL
#define SPSR_EL1H_MASKED 0x3c5UL

#define EL1_VECTORS 0x800UL

extern char el1_probe_start[], el1_probe_end[], el2_vectors[], el2_at[];
u64 enter_lower(u64 va, u64 kind, u64 pattern, u64 out[3], u64 entry, u64 spsr);

#define WSYS(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((u64)(val)) : "memory")
#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB() __asm__ volatile("dsb sy" ::: "memory")
#define TLBI_ALLE1() __asm__ volatile("tlbi alle1\n\tdsb sy\n\tisb" ::: "memory")

static u64 marker(u64 index, u64 pa)
{
    return 0x5a3c000000000000UL ^ (index << 40) ^ (pa & 0xffffffffffUL);
}

static u64 pattern(u64 index, u64 va)
{
    return 0xc35a000000000000UL ^ (index << 40) ^ (va & 0xffffffffffUL);
}


u64 harness_main(void)
{
    if (job_word(0) != JOB_MAGIC)
        fail("bad job magic", job_word(0));
    u64 hcr = job_word(1), vtcr = job_word(2), vttbr = job_word(3);
    u64 mair = job_word(4), tcr = job_word(5), ttbr0 = job_word(6);
    u64 sctlr_set = job_word(7), code_va = job_word(8), code_pa = job_word(9);
    u64 count = job_word(10);
    if (count > (JOB_END - JOB_PA) / 24)
        fail("too many probes", count);
    (void)job_word(10 + 3 * count); /* the bounds check */
    if ((hcr & (HCR_VM | HCR_RW)) != (HCR_VM | HCR_RW))
        fail("HCR_EL2 must set VM and RW:", hcr);

    if (code_va != 0)
        install_code_page(code_pa, el1_probe_start, el1_probe_end);

    /* Non-secure lower ELs, EL2 and EL1 in AArch64, HVC enabled; SMC from
     * EL1 and EL2 comes to EL3 (HCR_EL2.TSC = 0, SCR_EL3.SMD = 0). */
    WSYS(scr_el3, SCR_RES1 | SCR_NS | SCR_HCE | SCR_RW);
    ISB();
    WSYS(sctlr_el2, SCTLR_EL2_RES1);
    WSYS(vbar_el2, el2_vectors);
    WSYS(sctlr_el1, SCTLR_EL1_RES1);
    ISB();
    WSYS(hcr_el2, hcr);
    WSYS(vtcr_el2, vtcr);
    WSYS(vttbr_el2, vttbr);
    WSYS(mair_el1, mair);
    WSYS(tcr_el1, tcr);
    WSYS(ttbr0_el1, ttbr0);
    WSYS(ttbr1_el1, 0);
    WSYS(vbar_el1, code_va + EL1_VECTORS);
    ISB();
    TLBI_ALLE1();
    WSYS(sctlr_el1, SCTLR_EL1_RES1 | sctlr_set);
    ISB();

    for (u64 i = 0; i < count; i++) {
        u64 addr = job_word(11 + 3 * i);
        u64 kind = job_word(12 + 3 * i);
        u64 pa = job_word(13 + 3 * i);
        u64 out[3] = {0, 0, 0};
        u64 status = 1;
        if (kind <= 4) {
            status = enter_lower(addr, kind, 0, out, (u64)el2_at, SPSR_EL2H_MASKED);
        } else if (kind == 5 || kind == 6) {
            if (code_va == 0)
                fail("EL1 probes need a code page, probe", i);
            u64 value = kind == 5 ? marker(i, pa) : pattern(i, addr);
            if (kind == 5 && pa != 0) {
                *(volatile u64 *)pa = value;
                DSB();
            }
            status = enter_lower(addr, kind, value, out, code_va, SPSR_EL1H_MASKED);
            if (status == 1) {
                out[1] = value;
                out[2] = kind == 6 && pa != 0 ? *(volatile const u64 *)pa : 0;
            }
        } else if (kind == 9) {
            if (code_va == 0)
                fail("EL1 probes need a code page, probe", i);
            if (pa != 0) {
                *(volatile u64 *)pa = 0; /* UDF #0, twice */
                DSB();
                __asm__ volatile("ic ialluis" ::: "memory");
                DSB();
                ISB();
            }
            status = enter_lower(addr, kind, 0, out, code_va, SPSR_EL1H_MASKED);
        } else if (kind == 7) {
            WSYS(ttbr0_el1, addr);
            ISB();
            TLBI_ALLE1();
        } else if (kind == 8) {
            WSYS(vttbr_el2, addr);
            ISB();
        } else {
            fail("unknown probe kind", kind);
        }
        put_str("RES");
        put_hex(i);
        put_hex(status);
        put_hex(out[0]);
        put_hex(out[1]);
        put_hex(out[2]);
        end_line();
    }
    put_str("DONE");
    end_line();
    return 0;
}
