//! Architectural constants and the helpers the kernel and the processes inline.
//!
//! No address of the machine is written here: they all come from `kernel.memlayout`.
//! The kernel and each process run from their own pages at their own VAs, so every helper
//! is `#[inline(always)]`: a process never calls code placed in another table's pages
//! (which it could not reach), nor the kernel code of a process.

use core::arch::asm;
use core::num::NonZeroU64;

/// `ESR_ELx.EC` is bits 31:26 (Arm ARM D24.2, "ESR_EL1").
pub const ESR_EC_SHIFT: u32 = 26;
/// Width mask of `ESR_ELx.EC`.
pub const ESR_EC_MASK: u64 = 0x3f;
/// `ESR_ELx.EC` of an `SVC` executed in AArch64 state.
pub const EC_SVC64: u64 = 0x15;
/// `ESR_ELx.EC` of a data abort taken from a lower exception level (EL0 here).
pub const EC_DATA_ABORT_LOWER: u64 = 0x24;
/// `ESR_ELx.ISS.DFSC`, bits 5:0 of a data abort's syndrome: the fault status code.
pub const ESR_DFSC_MASK: u64 = 0x3f;
/// `ESR_ELx.ISS.WnR`, bit 6 of a data abort's syndrome: the access was a write.
pub const ESR_WNR: u64 = 1 << 6;
/// A DFSC of `0b0001LL` is a translation fault at level LL.
pub const DFSC_TRANSLATION_FAULT: u64 = 0b00_0100;
/// Mask that keeps the fault type of a DFSC and drops its level.
pub const DFSC_TYPE_MASK: u64 = 0b11_1100;

/// The translation granule: 4 KiB, the smallest page.
pub const GRANULE: u64 = 0x1000;

/// `PAR_EL1.F`, bit 0: the `AT` instruction's translation faulted.
pub const PAR_FAULT: u64 = 1;
/// `PAR_EL1.PA`, bits 47:12, after a successful `AT`.
pub const PAR_PA_MASK: u64 = 0x0000_FFFF_FFFF_F000;
/// `PAR_EL1.ATTR`, bits 63:56, after a successful `AT`: the MAIR attribute byte of the
/// translation.
pub const PAR_ATTR_SHIFT: u32 = 56;
/// The MAIR attribute byte of Device-nGnRnE memory (Arm ARM D24.2, "MAIR_EL1").
pub const MAIR_DEVICE_NGNRNE: u64 = 0x00;
/// `TCR_EL1.AS`, bit 36: ASIDs are 16 bits wide (the layout sets it when an ASID is over
/// 255).
pub const TCR_AS: u64 = 1 << 36;
/// `TTBRn_EL1.ASID` is bits 63:48 (bits 55:48 with 8-bit ASIDs).
pub const TTBR_ASID_SHIFT: u32 = 48;
/// `ID_AA64MMFR0_EL1.ASIDBits`, bits 7:4: `0b0010` when 16-bit ASIDs are implemented.
pub const ID_MMFR0_ASIDBITS_SHIFT: u32 = 4;
/// Width mask of `ID_AA64MMFR0_EL1.ASIDBits`.
pub const ID_MMFR0_ASIDBITS_MASK: u64 = 0xf;
/// `ID_AA64MMFR0_EL1.ASIDBits` of a core with 16-bit ASIDs.
pub const ASID_BITS_16: u64 = 0b0010;

/// `CPACR_EL1.FPEN` (bits 21:20) = 0b01: FP/SIMD traps at EL0, not at EL1. The processes
/// have no FP/SIMD state for the kernel to switch; should one use it, the kernel hears of
/// it (EC 0x07) and stops the process.
pub const CPACR_FPEN_EL1_ONLY: u64 = 0b01 << 20;
/// `SCTLR_EL1.SPAN` (bit 23) = 1: taking an exception to EL1 leaves `PSTATE.PAN` alone.
pub const SCTLR_SPAN: u64 = 1 << 23;
/// `SPSR_EL1` for the `eret` into a process: EL0t (M\[3:0\] = 0), nothing masked.
pub const SPSR_EL0T: u64 = 0;

/// The kernel's exit status when it takes an exception it did not expect.
pub const EXIT_KERNEL_FAULT: u64 = 3;
/// The status a shell reports for a process killed by `SIGSEGV` (128 + 11): the kernel's
/// exit status when its last process was killed by a fault.
pub const EXIT_KILLED_BY_FAULT: u64 = 128 + 11;

/// Semihosting `SYS_EXIT`.
pub const SEMIHOST_SYS_EXIT: u64 = 0x18;
/// Semihosting reason `ADP_Stopped_ApplicationExit`.
pub const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// System call numbers, in `x8`, as Linux on AArch64 numbers them: `write(fd, buf,
/// count)`.
pub const SYS_WRITE: u64 = 64;
/// `exit(status)`.
pub const SYS_EXIT: u64 = 93;
/// `sched_yield()`: let the other process run.
pub const SYS_SCHED_YIELD: u64 = 124;
/// The file descriptor of the console.
pub const STDOUT: u64 = 1;
/// `-EFAULT`: the buffer is not readable by the process.
pub const EFAULT: u64 = 14;
/// `-EBADF`: no such file descriptor.
pub const EBADF: u64 = 9;
/// `-ENOSYS`: no such system call.
pub const ENOSYS: u64 = 38;

/// Writes one byte to the PL011 data register (offset 0) at `uart`; QEMU needs no setup.
#[inline(always)]
pub fn put_char(uart: u64, c: u8) {
    // SAFETY: `uart` is the VA of the UART's device page in the kernel's table.
    unsafe { (uart as *mut u32).write_volatile(u32::from(c)) }
}

/// Writes `s` to the UART at `uart`.
#[inline(always)]
pub fn put_str(uart: u64, s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        put_char(uart, s[i]);
        i += 1;
    }
}

/// The hexadecimal digit of the low four bits of `d`.
#[inline(always)]
pub fn hex_digit(d: u64) -> u8 {
    let d = (d & 0xf) as u8;
    if d < 10 { b'0' + d } else { b'a' + d - 10 }
}

/// Writes `0x` and `v` in hexadecimal without leading zeros.
#[inline(always)]
pub fn put_hex(uart: u64, v: u64) {
    put_char(uart, b'0');
    put_char(uart, b'x');
    let mut shift = 60;
    while shift > 0 && (v >> shift) & 0xf == 0 {
        shift -= 4;
    }
    loop {
        put_char(uart, hex_digit(v >> shift));
        if shift == 0 {
            break;
        }
        shift -= 4;
    }
}

/// Writes `v` in decimal.
#[inline(always)]
pub fn put_dec(uart: u64, v: u64) {
    let mut div = NonZeroU64::MIN;
    while v / div >= 10 {
        div = div.saturating_mul(NonZeroU64::new(10).unwrap_or(NonZeroU64::MIN));
    }
    loop {
        put_char(uart, b'0' + ((v / div) % 10) as u8);
        match NonZeroU64::new(div.get() / 10) {
            Some(d) => div = d,
            None => break,
        }
    }
}

/// Ends the run: semihosting `SYS_EXIT` with `status` as QEMU's exit code, using the
/// parameter block at `block` (two writable words).
#[inline(always)]
pub fn semihost_exit(block: *mut u64, status: u64) -> ! {
    // SAFETY: `block` points at two writable words of the kernel's data.
    unsafe {
        block.write_volatile(ADP_STOPPED_APPLICATION_EXIT);
        block.add(1).write_volatile(status);
        asm!("hlt #0xf000", in("x0") SEMIHOST_SYS_EXIT, in("x1") block, options(nostack));
        loop {
            asm!("wfi", options(nomem, nostack));
        }
    }
}

/// Defines byte strings in the given link section (the segment of the table whose code
/// prints them): a literal or a macro that expands to one, such as a segment's
/// `link_section!()`.
macro_rules! text {
    ($section:expr, $($name:ident = $s:literal;)*) => {$(
        #[unsafe(link_section = $section)]
        static $name: [u8; $s.len()] = *$s;
    )*};
}
pub(crate) use text;

/// Reads a system register.
macro_rules! read_sys {
    ($reg:literal) => {{
        let v: u64;
        // SAFETY: reading a system register has no side effect.
        unsafe { core::arch::asm!(concat!("mrs {}, ", $reg), out(reg) v, options(nomem, nostack)) };
        v
    }};
}
pub(crate) use read_sys;
