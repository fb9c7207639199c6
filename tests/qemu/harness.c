/*
 * QEMU translation-table harness: reads a job descriptor, loads the
 * translation registers of one regime, probes virtual addresses with the AT
 * instructions and prints PAR_EL1 through semihosting.
 *
 * Job descriptor at JOB_PA, little-endian 64-bit words:
 *   [0] JOB_MAGIC
 *   [1] regime: exception level (1, 2 or 3) | secure << 8
 *   [2] MAIR_ELx   [3] TCR_ELx   [4] TTBR0_ELx
 *   [5] bits to set in SCTLR_ELx (M at least, to translate)
 *   [6] number of probes P, then P pairs (va, access)
 *       access: 0 read, 1 write, 2 EL0 read, 3 EL0 write,
 *               4 load `va` into TTBR0_EL1 (EL1&0 only; no TLB flush: a
 *                 process switch that relies on ASIDs), reported as PAR 0
 *   [..] number of writes W, then W pairs (va, pa)        (EL3 only)
 *   [..] TTBR1_EL1 (EL1&0 only; 0 otherwise)
 *   [..] GPTBR_EL3, GPCCR_EL3 (EL3 only, on a core with FEAT_RME; both 0, or
 *        absent, for no granule protection table: QEMU starts with RAM
 *        zeroed and the loader writes only the descriptor). GPCCR_EL3 has
 *        GPC set: the harness enables granule protection checks with these
 *        values before it turns its MMU on.
 *   [..] number of Realm EL2 probes R (0, or absent, for none); when R > 0:
 *        MAIR_EL2, TCR_EL2, TTBR0_EL2, bits to set in SCTLR_EL2 of a Realm
 *        EL2 table, the VA and the PA of its 4 KiB code page, then R pairs
 *        (va, pa) of data pages (EL3 only, FEAT_RME).
 *
 * Output lines (semihosting SYS_WRITE0), numbers in hexadecimal:
 *   GPCCR <gpccr_el3>                 read back after enabling (GPT jobs only)
 *   PAR <i> <par_el1>                 one per probe, in order
 *   WRITE <i> <written> <read_at_pa>  one per write, in order
 *   REALM <i> <status> <w0> <w1>      one per Realm probe, in order:
 *       status 1: done, w0 = PAR_EL1 after AT S1E2R, w1 = value loaded back
 *       status 2: exception taken to Realm EL2, w0 = ESR_EL2, w1 = FAR_EL2
 *       status 3: GPC exception taken to EL3, w0 = ESR_EL3, w1 = MFAR_EL3
 *       status 4: other exception taken to EL3, w0 = ESR_EL3, w1 = ELR_EL3
 *   REALMPA <i> <written> <read_at_pa> one per Realm probe, in order
 *   DONE
 * or `ERR <text>` / `EXC <vector> <esr> <elr> <far>` followed by a non-zero
 * exit status.
 *
 * EL3 translation tables have the same descriptor and TCR format as EL2
 * tables without VHE (HCR_EL2.E2H = 0): one VA range, one privilege level.
 *
 * With a granule protection table, every access is checked against the GPI
 * of its granule: the harness's own memory, its translation tables and the
 * table itself must be Root (or any access) granules, and a store through a
 * page whose descriptor selects another physical address space than its
 * granule's takes a granule protection fault (a data abort at EL3, DFSC
 * 0b101000), reported as EXC. The physical reads of the writes run with the
 * MMU off, in the Root PAS, so the harness disables the checks first.
 *
 * Realm EL2 probes: Realm EL2 must fetch its code from Realm memory, so the
 * harness copies a small position-independent probe (realm_probe_start in
 * harness.S, one 4 KiB page) to the PA of the Realm table's code page while
 * its MMU and the checks are off, and after the EL3 stores enters it for
 * each data page: SCR_EL3 with NSE, NS (Realm state), RW and GPF (granule
 * protection faults at EL2 are GPC exceptions taken to EL3), the Realm
 * table's MAIR_EL2, TCR_EL2, TTBR0_EL2, SCTLR_EL2, VBAR_EL2 at the code
 * page's VA + 0x800, TLBI ALLE2, then ERET to the code page's VA at EL2h.
 * The probe runs AT S1E2R, stores a pattern through the data page, loads it
 * back, and returns with SMC #0. The PAs are read back with the other
 * writes, physically.
 */

#include "harness_io.h"

#define HARNESS_BASE 0x40000000UL
#define JOB_MAGIC 0x314a5551454d4c4dUL /* "MLMEQUJ1" */

#define SCTLR_M (1UL << 0)
#define SCTLR_C (1UL << 2)
/* RES1 bits of SCTLR_EL3 and of SCTLR_EL2 without VHE: 29, 28, 23, 22, 18, 16, 11, 5, 4. */
#define SCTLR_EL2_EL3_RES1 0x30c50830UL
/* RES1 bits of SCTLR_EL1 (without FEAT_* that would turn them into fields): 29, 28, 23, 22, 20, 11. */
#define SCTLR_EL1_RES1 0x30d00800UL

#define SCR_NS (1UL << 0)
#define SCR_RES1 (3UL << 4)
#define SCR_RW (1UL << 10)
#define SCR_EEL2 (1UL << 18)
#define SCR_GPF (1UL << 48)
#define SCR_NSE (1UL << 62)

#define HCR_RW (1UL << 31)

/* From harness.ld. */
extern char __data_start[], __image_end[], __stack_bottom[], __stack_top[];

/* harness.S: the Realm EL2 probe (one 4 KiB page) and its entry. */
extern char realm_probe_start[], realm_probe_end[];
u64 enter_realm(u64 va, u64 pattern, u64 out[2], u64 entry);
#define REALM_VECTORS 0x800UL

#define WSYS(reg, val) __asm__ volatile("msr " #reg ", %0" ::"r"((u64)(val)) : "memory")
#define RSYS(reg)                                                      \
    ({                                                                 \
        u64 v_;                                                        \
        __asm__ volatile("mrs %0, " #reg : "=r"(v_)::"memory");        \
        v_;                                                            \
    })
#define ISB() __asm__ volatile("isb" ::: "memory")
#define DSB() __asm__ volatile("dsb sy" ::: "memory")
#define AT(op, va) __asm__ volatile("at " #op ", %0" ::"r"((u64)(va)) : "memory")

/* ID_AA64PFR0_EL1.RME, bits 55:52: non-zero with FEAT_RME. */
static int has_rme(void)
{
    return ((RSYS(id_aa64pfr0_el1) >> 52) & 0xf) != 0;
}


/* Runs the AT instruction for `el` and `access`; returns PAR_EL1. */
static u64 probe(u64 el, u64 access, u64 va)
{
    switch (el * 4 + access) {
    case 3 * 4 + 0: AT(s1e3r, va); break;
    case 3 * 4 + 1: AT(s1e3w, va); break;
    case 2 * 4 + 0: AT(s1e2r, va); break;
    case 2 * 4 + 1: AT(s1e2w, va); break;
    case 1 * 4 + 0: AT(s1e1r, va); break;
    case 1 * 4 + 1: AT(s1e1w, va); break;
    case 1 * 4 + 2: AT(s1e0r, va); break;
    case 1 * 4 + 3: AT(s1e0w, va); break;
    default: fail("access not available for this regime:", access);
    }
    ISB();
    return RSYS(par_el1);
}

static u64 write_pattern(u64 index, u64 va)
{
    return 0xa5c3000000000000UL ^ (index << 40) ^ (va & 0xffffffffffUL);
}

static u64 realm_pattern(u64 index, u64 va)
{
    return 0x3c5a000000000000UL ^ (index << 40) ^ (va & 0xffffffffffUL);
}

/* A "TAG i written read" line: what was stored through a page, and the word
 * read back at its PA (with the MMU off). */
static void report_readback(const char *tag, u64 index, u64 written, u64 pa)
{
    u64 got = *(volatile const u64 *)pa;
    put_str(tag);
    put_hex(index);
    put_hex(written);
    put_hex(got);
    end_line();
}


/*
 * Runs the Realm EL2 probe on each of the job's Realm data pages and prints
 * one REALM line per page. Loads the Realm table's EL2 registers first;
 * restores SCR_EL3 after.
 */
static void run_realm_probes(u64 at, u64 count)
{
    u64 mair = job_word(at), tcr = job_word(at + 1), ttbr0 = job_word(at + 2);
    u64 sctlr_set = job_word(at + 3), code_va = job_word(at + 4);
    u64 scr = RSYS(scr_el3);
    WSYS(scr_el3, SCR_RES1 | SCR_RW | SCR_NS | SCR_NSE | SCR_GPF);
    WSYS(hcr_el2, HCR_RW);
    WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1);
    ISB();
    WSYS(mair_el2, mair);
    WSYS(tcr_el2, tcr);
    WSYS(ttbr0_el2, ttbr0);
    WSYS(vbar_el2, code_va + REALM_VECTORS);
    ISB();
    /* With SCR_EL3.{NSE, NS} = {1, 1}: the Realm EL2 regime's entries. */
    __asm__ volatile("tlbi alle2" ::: "memory");
    DSB();
    ISB();
    WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1 | sctlr_set);
    ISB();
    for (u64 i = 0; i < count; i++) {
        u64 va = job_word(at + 6 + 2 * i);
        u64 out[2] = {0, 0};
        u64 status = enter_realm(va, realm_pattern(i, va), out, code_va);
        put_str("REALM");
        put_hex(i);
        put_hex(status);
        put_hex(out[0]);
        put_hex(out[1]);
        end_line();
    }
    WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1);
    WSYS(scr_el3, scr);
    ISB();
}

#define PAGE 0x1000UL

/*
 * Checks the pages of [start, end) with AT S1E2R (and AT S1E2W if `write`):
 * each must translate to itself, as Normal memory.
 */
static void check_identity(u64 start, u64 end, int write)
{
    for (u64 va = start & ~(PAGE - 1); va < end; va += PAGE) {
        u64 par = probe(2, 0, va);
        if ((par & 1) == 0 && write)
            par = probe(2, 1, va);
        u64 pa = par & 0x000ffffffffff000UL;
        u64 attr = par >> 56;
        if ((par & 1) != 0 || pa != va || (attr >> 4) == 0) {
            put_str("ERR the EL3 tables must identity-map the harness as Normal memory");
            put_str(write ? " (read-write):" : ":");
            put_hex(va);
            put_hex(par);
            end_line();
            semihost_exit(1);
        }
    }
}

/*
 * Before EL3 runs through the tables under test, walk them as Secure EL2
 * tables (same format as EL3 tables) and check that they map the harness.
 * Otherwise the first instruction fetch with the MMU on would fault, and so
 * would the exception vector fetch, forever.
 */
static void preflight_el3(u64 mair, u64 tcr, u64 ttbr0, u64 job_words)
{
    WSYS(scr_el3, SCR_RES1 | SCR_RW | SCR_EEL2);
    WSYS(mair_el2, mair);
    WSYS(tcr_el2, tcr);
    WSYS(ttbr0_el2, ttbr0);
    ISB();
    __asm__ volatile("tlbi alle2" ::: "memory");
    DSB();
    WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1 | SCTLR_M);
    ISB();
    check_identity(HARNESS_BASE, (u64)__data_start, 0);
    check_identity((u64)__data_start, (u64)__image_end, 1);
    check_identity((u64)__stack_bottom, (u64)__stack_top, 1);
    check_identity(JOB_PA, JOB_PA + 8 * job_words, 0);
    WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1);
    ISB();
    __asm__ volatile("tlbi alle2" ::: "memory");
    DSB();
    WSYS(scr_el3, SCR_RES1 | SCR_RW);
    ISB();
}

u64 harness_main(void)
{
    if (job_word(0) != JOB_MAGIC)
        fail("bad job magic", job_word(0));
    u64 regime = job_word(1);
    u64 el = regime & 0xff;
    u64 secure = (regime >> 8) & 1;
    if (el < 1 || el > 3 || (regime & ~0x1ffUL) != 0 || (el == 3 && !secure))
        fail("bad regime", regime);
    u64 mair = job_word(2), tcr = job_word(3), ttbr0 = job_word(4);
    u64 sctlr_set = job_word(5);
    u64 n_probes = job_word(6);
    if (n_probes > (JOB_END - JOB_PA) / 16)
        fail("too many probes", n_probes);
    u64 writes_at = 7 + 2 * n_probes;
    u64 n_writes = job_word(writes_at);
    if (n_writes > (JOB_END - JOB_PA) / 16)
        fail("too many writes", n_writes);
    if (n_writes != 0 && el != 3)
        fail("writes need the EL3 regime, regime", regime);
    u64 ttbr1_at = writes_at + 1 + 2 * n_writes;
    u64 ttbr1 = job_word(ttbr1_at); /* also the bounds check */
    u64 gptbr = job_word(ttbr1_at + 1), gpccr = job_word(ttbr1_at + 2);
    u64 realm_at = ttbr1_at + 3;
    u64 n_realm = job_word(realm_at);
    if (n_realm > (JOB_END - JOB_PA) / 16)
        fail("too many Realm probes", n_realm);
    u64 job_words = realm_at + 1 + (n_realm != 0 ? 6 + 2 * n_realm : 0);
    if (n_realm != 0)
        (void)job_word(job_words - 1); /* the bounds check */
    if (n_realm != 0 && el != 3)
        fail("Realm probes need the EL3 regime, regime", regime);
    if (n_realm != 0 && !has_rme())
        fail("Realm probes need FEAT_RME, ID_AA64PFR0_EL1", RSYS(id_aa64pfr0_el1));
    int gpt = gptbr != 0 || gpccr != 0;
    if (gpt && el != 3)
        fail("a granule protection table needs the EL3 regime, regime", regime);
    if (gpt && !has_rme())
        fail("a granule protection table needs FEAT_RME, ID_AA64PFR0_EL1", RSYS(id_aa64pfr0_el1));
    if (gpt && (gpccr & GPCCR_GPC) == 0)
        fail("GPCCR_EL3 of the job does not set GPC:", gpccr);

    /*
     * Lower exception levels are AArch64 (SCR_EL3.RW, HCR_EL2.RW). SCR_EL3.NS
     * selects the security state that AT S1E2x/S1E1x/S1E0x and the TLB
     * maintenance below act on; Secure EL2 exists only with SCR_EL3.EEL2.
     * HCR_EL2 = RW only: no VHE (E2H = 0), no TGE, and stage 2 off (VM = 0),
     * so that AT S1E1x/S1E0x walk the EL1&0 stage 1 tables alone.
     */
    u64 scr = SCR_RES1 | SCR_RW;
    if (!secure)
        scr |= SCR_NS;
    if (el == 2 && secure)
        scr |= SCR_EEL2;
    WSYS(scr_el3, scr);
    WSYS(hcr_el2, HCR_RW);
    WSYS(vttbr_el2, 0);
    WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1);
    WSYS(sctlr_el1, SCTLR_EL1_RES1);
    ISB();

    if (n_realm != 0)
        install_code_page(job_word(realm_at + 6), realm_probe_start, realm_probe_end);

    switch (el) {
    case 3:
        /* The preflight walks the tables as Secure EL2 tables, in the Secure
         * PAS: before the checks are on. */
        preflight_el3(mair, tcr, ttbr0, job_words);
        if (gpt) {
            enable_gpc(gptbr, gpccr);
            put_str("GPCCR");
            put_hex(read_gpccr());
            end_line();
        }
        WSYS(mair_el3, mair);
        WSYS(tcr_el3, tcr);
        WSYS(ttbr0_el3, ttbr0);
        ISB();
        __asm__ volatile("tlbi alle3" ::: "memory");
        DSB();
        ISB();
        /*
         * From here on the harness itself (code, stack, job) runs through
         * the tables under test and must be identity mapped by them.
         */
        WSYS(sctlr_el3, SCTLR_EL2_EL3_RES1 | sctlr_set);
        ISB();
        break;
    case 2:
        WSYS(mair_el2, mair);
        WSYS(tcr_el2, tcr);
        WSYS(ttbr0_el2, ttbr0);
        ISB();
        __asm__ volatile("tlbi alle2" ::: "memory");
        DSB();
        ISB();
        WSYS(sctlr_el2, SCTLR_EL2_EL3_RES1 | sctlr_set);
        ISB();
        break;
    default:
        WSYS(mair_el1, mair);
        WSYS(tcr_el1, tcr);
        WSYS(ttbr0_el1, ttbr0);
        WSYS(ttbr1_el1, ttbr1);
        ISB();
        __asm__ volatile("tlbi alle1" ::: "memory");
        DSB();
        ISB();
        WSYS(sctlr_el1, SCTLR_EL1_RES1 | sctlr_set);
        ISB();
        break;
    }

    for (u64 i = 0; i < n_probes; i++) {
        u64 va = job_word(7 + 2 * i);
        u64 access = job_word(8 + 2 * i);
        u64 par = 0;
        if (access == 4) {
            if (el != 1)
                fail("a TTBR0 switch needs the EL1&0 regime, not EL", el);
            WSYS(ttbr0_el1, va);
            ISB();
        } else {
            par = probe(el, access, va);
        }
        put_str("PAR");
        put_hex(i);
        put_hex(par);
        end_line();
    }

    /* Store through the virtual addresses while EL3's MMU is on. */
    for (u64 i = 0; i < n_writes; i++) {
        u64 va = job_word(writes_at + 1 + 2 * i);
        *(volatile u64 *)va = write_pattern(i, va);
    }
    DSB();
    for (u64 i = 0; i < n_writes; i++) {
        u64 va = job_word(writes_at + 1 + 2 * i);
        __asm__ volatile("dc civac, %0" ::"r"(va) : "memory");
    }
    DSB();

    if (n_realm != 0)
        run_realm_probes(realm_at + 1, n_realm);

    if (n_writes != 0 || n_realm != 0) {
        /*
         * MMU off: the reads below are physical. At EL3 they are in the Root
         * PAS, which the other spaces' granules do not accept, so granule
         * protection checks go off first (the stores above were checked).
         */
        if (gpt)
            disable_gpc(gpccr);
        WSYS(sctlr_el3, RSYS(sctlr_el3) & ~(SCTLR_M | SCTLR_C));
        ISB();
        for (u64 i = 0; i < n_writes; i++) {
            u64 va = job_word(writes_at + 1 + 2 * i);
            u64 pa = job_word(writes_at + 2 + 2 * i);
            report_readback("WRITE", i, write_pattern(i, va), pa);
        }
        for (u64 i = 0; i < n_realm; i++) {
            u64 va = job_word(realm_at + 7 + 2 * i);
            u64 pa = job_word(realm_at + 8 + 2 * i);
            report_readback("REALMPA", i, realm_pattern(i, va), pa);
        }
    }

    put_str("DONE");
    end_line();
    return 0;
}
