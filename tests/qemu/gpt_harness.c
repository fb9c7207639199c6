/*
 * QEMU granule protection harness: loads GPTBR_EL3 and GPCCR_EL3 from a job
 * descriptor, enables granule protection checks and probes physical
 * addresses from EL3 (Root PAS) and from Non-secure EL2 (Non-secure PAS).
 *
 * Job descriptor at JOB_PA, little-endian 64-bit words:
 *   [0] JOB_MAGIC   [1] GPTBR_EL3   [2] GPCCR_EL3 (GPC set)
 *   [3] number of probes P, then P pairs (pa, kind)
 *       kind: 0 load at EL3;
 *             1 load at Non-secure EL2 with SCR_EL3.GPF = 1 (granule
 *               protection faults are GPC exceptions taken to EL3);
 *             2 load at Non-secure EL2 with SCR_EL3.GPF = 0 (they are data
 *               aborts taken to EL2).
 *
 * Sequence, as Arm's trusted firmware enables checks: GPTBR_EL3, GPCCR_EL3
 * without GPC, TLBI PAALLOS + DSB + ISB, GPCCR_EL3 with GPC, TLBI PAALLOS +
 * DSB + ISB.
 *
 * Output lines (semihosting SYS_WRITE0), numbers in hexadecimal:
 *   GPCCR <value read back after enabling>
 *   PROBE <i> <status> <word0> <word1>    one per probe (see gpt_harness.S)
 *   DONE
 * or `ERR <text>` / `EXC <vector> <esr> <elr> <far>` and a non-zero exit.
 */

#include "harness_io.h"

#define JOB_MAGIC 0x3154504751454d4cUL /* "LMEQGPT1" */

#define SCR_NS (1UL << 0)
#define SCR_RES1 (3UL << 4)
#define SCR_HCE (1UL << 8)
#define SCR_RW (1UL << 10)
#define SCR_GPF (1UL << 48)

u64 probe_el3(u64 pa, u64 out[2]);
u64 probe_lower(u64 pa, u64 scr, u64 out[2]);

u64 harness_main(void)
{
    if (job_word(0) != JOB_MAGIC)
        fail("bad job magic", job_word(0));
    u64 gptbr = job_word(1);
    u64 gpccr = job_word(2);
    u64 count = job_word(3);

    enable_gpc(gptbr, gpccr);
    put_str("GPCCR");
    put_hex(read_gpccr());
    end_line();

    u64 scr = SCR_RES1 | SCR_NS | SCR_HCE | SCR_RW;
    for (u64 i = 0; i < count; i++) {
        u64 pa = job_word(4 + 2 * i);
        u64 kind = job_word(5 + 2 * i);
        u64 out[2] = {0, 0};
        u64 status;
        if (kind == 0)
            status = probe_el3(pa, out);
        else if (kind == 1)
            status = probe_lower(pa, scr | SCR_GPF, out);
        else if (kind == 2)
            status = probe_lower(pa, scr, out);
        else
            fail("unknown probe kind", kind);
        put_str("PROBE");
        put_hex(i);
        put_hex(status);
        put_hex(out[0]);
        put_hex(out[1]);
        end_line();
    }
    put_str("DONE");
    end_line();
    return 0;
}
