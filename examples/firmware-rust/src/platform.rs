//! Architectural constants, the mailbox protocol and the helpers every stage inlines.
//!
//! No address of the board is written here: they all come from `board.memlayout`.
//! Each stage (EL3 monitor, EL1 kernel, core 1) runs from its own pages at its own VAs,
//! so the helpers are `#[inline(always)]`: a stage never calls code placed elsewhere.

use core::arch::asm;

/// Mailbox words, byte offsets into the `cross_core` segment.
pub const MAILBOX_MONITOR_VALUE: u64 = 0;
/// Written by the kernel, read by core 1.
pub const MAILBOX_KERNEL_VALUE: u64 = 8;
/// Non-zero: core 1 may leave its pen.
pub const MAILBOX_RELEASE: u64 = 16;
/// The semihosting `SYS_EXIT` parameter block (two words).
pub const MAILBOX_EXIT_BLOCK: u64 = 32;
/// `GICD_IIDR` as the monitor read it through the secure view of the distributor.
pub const MAILBOX_GICD_IIDR: u64 = 48;

/// `GICD_IIDR`, the distributor's implementer identification: offset 0x8, one register
/// for both security states (GIC architecture specification, "GICD_IIDR").
pub const GICD_IIDR: u64 = 0x8;

/// The value the monitor passes to the kernel.
pub const MONITOR_VALUE: u64 = 0xc0de;
/// The value the kernel passes to core 1.
pub const KERNEL_VALUE: u64 = 0xbeef;

/// Exit status of a firmware that took an unexpected exception.
pub const EXIT_EXCEPTION: u64 = 3;
/// Exit status of a firmware whose layout gives a table a translation granule the CPU
/// does not implement (the Cortex-A57, for one, has no 16 KiB granule).
pub const EXIT_NO_GRANULE: u64 = 4;
/// `ESR_ELx.EC` is bits 31:26 (Arm ARM D23.2, "ESR_EL1").
pub const ESR_EC_SHIFT: u32 = 26;
/// Width mask of `ESR_ELx.EC`.
pub const ESR_EC_MASK: u64 = 0x3f;

/// Where `ID_AA64MMFR0_EL1` says whether the CPU implements the stage 1 translation
/// granule of `bytes` (a table's `GRANULE`: 4, 16 or 64 KiB): the field's shift (it is 4
/// bits wide) and the value that means "not implemented". TGran4 (bits 31:28) and TGran64
/// (bits 27:24) read 0b1111 without their granule, TGran16 (bits 23:20) reads 0b0000 (Arm
/// ARM D23.2, "ID_AA64MMFR0_EL1"). Another size does not compile.
pub const fn granule_field(bytes: u64) -> (u32, u64) {
    match bytes {
        0x1000 => (28, 0b1111),
        0x4000 => (20, 0b0000),
        0x1_0000 => (24, 0b1111),
        _ => panic!("a translation granule is 4, 16 or 64 KiB"),
    }
}

/// Semihosting `SYS_EXIT`.
pub const SEMIHOST_SYS_EXIT: u64 = 0x18;
/// Semihosting reason `ADP_Stopped_ApplicationExit`.
pub const ADP_STOPPED_APPLICATION_EXIT: u64 = 0x20026;

/// Writes one byte to the PL011 data register (offset 0) at `uart`; QEMU needs no setup.
#[inline(always)]
pub fn put_char(uart: u64, c: u8) {
    // SAFETY: `uart` is the VA of the UART's device page in the running table.
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
        let d = ((v >> shift) & 0xf) as u8;
        put_char(uart, if d < 10 { b'0' + d } else { b'a' + d - 10 });
        if shift == 0 {
            break;
        }
        shift -= 4;
    }
}

/// Writes the exception level held in a `CurrentEL` value as one digit.
#[inline(always)]
pub fn put_el(uart: u64, current_el: u64) {
    put_char(uart, b'0' + ((current_el >> 2) & 3) as u8);
}

/// A mailbox word at `offset` from the mailbox's VA.
#[inline(always)]
pub fn mailbox_word(mailbox_va: u64, offset: u64) -> *mut u64 {
    (mailbox_va + offset) as *mut u64
}

/// Ends the run: semihosting `SYS_EXIT` with `status` as QEMU's exit code, using the
/// parameter block at `block` (writable in the running table).
#[inline(always)]
pub fn semihost_exit(block: *mut u64, status: u64) -> ! {
    // SAFETY: `block` points at two writable words of the mailbox.
    unsafe {
        block.write_volatile(ADP_STOPPED_APPLICATION_EXIT);
        block.add(1).write_volatile(status);
        asm!("hlt #0xf000", in("x0") SEMIHOST_SYS_EXIT, in("x1") block, options(nostack));
        loop {
            asm!("wfi", options(nomem, nostack));
        }
    }
}

/// Defines a string in the given link section (the segment of the stage that prints it):
/// a literal or a macro that expands to one, such as a segment's `link_section!()`.
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
