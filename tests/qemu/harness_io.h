/*
 * What the QEMU harnesses share: the semihosting glue and entry of boot.S, the
 * console lines, the job descriptor reads and the granule protection check
 * switch of harness_io.c.
 *
 * Every harness defines harness_main (called by _start at EL3 with the stack
 * set and .bss cleared; its result is the exit status of QEMU) and an EL3
 * vector table named el3_vectors.
 */
#ifndef HARNESS_IO_H
#define HARNESS_IO_H

typedef unsigned long u64;

/* The job descriptor's region, placed with `-device loader` (harness.ld). */
#define JOB_PA 0x40100000UL
#define JOB_END 0x40200000UL

#define SEMIHOST_SYS_WRITE0 0x04

/* boot.S */
u64 semihost_call(u64 op, u64 arg);
void semihost_exit(u64 status) __attribute__((noreturn));

/* The harness's own code. */
u64 harness_main(void);

/* harness_io.c: one output line is built with put_str and put_hex (each number
 * in hexadecimal after a space) and written with end_line. */
void put_str(const char *s);
void put_hex(u64 v);
void end_line(void);
/* Prints `ERR <what> <value>` and exits QEMU with status 1. */
void fail(const char *what, u64 value) __attribute__((noreturn));
/* Prints `EXC <vector> <esr> <elr> <far>` (called from the EL3 vectors). */
void harness_exception(u64 vector, u64 esr, u64 elr, u64 far);
/* Word `index` of the job descriptor; fails past JOB_END. */
u64 job_word(u64 index);
/* Copies a probe's code [start, end), one 4 KiB page, to `pa` (a physical store:
 * the MMU off, or `pa` identity mapped) and makes it visible to instruction
 * fetches (DSB, IC IALLUIS, DSB, ISB); fails when the code is not one 4 KiB page
 * or `pa` is not 4 KiB aligned. */
void install_code_page(u64 pa, const char *start, const char *end);

/* GPCCR_EL3.GPC: granule protection checks enabled. */
#define GPCCR_GPC (1UL << 16)
/* Enables granule protection checks as Arm's trusted firmware does: GPTBR_EL3,
 * GPCCR_EL3 without GPC, TLBI PAALLOS, GPCCR_EL3 (with GPC), TLBI PAALLOS. */
void enable_gpc(u64 gptbr, u64 gpccr);
/* Clears GPCCR_EL3.GPC and invalidates the cached GPT information. */
void disable_gpc(u64 gpccr);
/* GPCCR_EL3 as the CPU reads it back. */
u64 read_gpccr(void);

#endif
