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
