/*
 * Console lines through semihosting SYS_WRITE0 and reads of the job
 * descriptor, shared by the QEMU harnesses (see harness_io.h).
 */

#include "harness_io.h"

static char line[160];
static unsigned line_len;

void put_str(const char *s)
{
    while (*s != 0 && line_len < sizeof(line) - 2)
        line[line_len++] = *s++;
}

void put_hex(u64 v)
{
    static const char digits[] = "0123456789abcdef";
    put_str(" ");
    for (int shift = 60; shift >= 0; shift -= 4)
        if (line_len < sizeof(line) - 2)
            line[line_len++] = digits[(v >> shift) & 0xf];
}

void end_line(void)
{
    line[line_len++] = '\n';
    line[line_len] = 0;
    semihost_call(SEMIHOST_SYS_WRITE0, (u64)line);
    line_len = 0;
}

void fail(const char *what, u64 value)
{
    put_str("ERR ");
    put_str(what);
    put_hex(value);
    end_line();
    semihost_exit(1);
}

void harness_exception(u64 vector, u64 esr, u64 elr, u64 far)
{
    put_str("EXC");
    put_hex(vector);
    put_hex(esr);
    put_hex(elr);
    put_hex(far);
    end_line();
}

u64 job_word(u64 index)
{
    u64 addr = JOB_PA + 8 * index;
    if (addr >= JOB_END)
        fail("job descriptor runs past its region at word", index);
    return *(volatile const u64 *)addr;
}

void install_code_page(u64 pa, const char *start, const char *end)
{
    const u64 bytes = 0x1000;
    if ((u64)(end - start) != bytes)
        fail("the probe code is not one 4 KiB page:", (u64)(end - start));
    if ((pa & (bytes - 1)) != 0)
        fail("the probe code page PA is not 4 KiB aligned:", pa);
    const volatile u64 *from = (const volatile u64 *)start;
    volatile u64 *to = (volatile u64 *)pa;
    for (u64 i = 0; i < bytes / 8; i++)
        to[i] = from[i];
    __asm__ volatile("dsb sy\n\tic ialluis\n\tdsb sy\n\tisb" ::: "memory");
}

/*
 * Registers without a name in older assemblers, by encoding: GPTBR_EL3 =
 * S3_6_C2_C1_4, GPCCR_EL3 = S3_6_C2_C1_6; TLBI PAALLOS = SYS #6, C8, C1, #4.
 */
#define WRITE_GPTBR(v) __asm__ volatile("msr s3_6_c2_c1_4, %0\n\tisb" ::"r"((u64)(v)) : "memory")
#define WRITE_GPCCR(v) __asm__ volatile("msr s3_6_c2_c1_6, %0\n\tisb" ::"r"((u64)(v)) : "memory")
#define TLBI_PAALLOS() __asm__ volatile("sys #6, c8, c1, #4, xzr\n\tdsb sy\n\tisb" ::: "memory")

void enable_gpc(u64 gptbr, u64 gpccr)
{
    WRITE_GPTBR(gptbr);
    WRITE_GPCCR(gpccr & ~GPCCR_GPC);
    TLBI_PAALLOS();
    WRITE_GPCCR(gpccr);
    TLBI_PAALLOS();
}

void disable_gpc(u64 gpccr)
{
    WRITE_GPCCR(gpccr & ~GPCCR_GPC);
    TLBI_PAALLOS();
}

u64 read_gpccr(void)
{
    u64 v;
    __asm__ volatile("mrs %0, s3_6_c2_c1_6" : "=r"(v)::"memory");
    return v;
}
