//! The two processes, each in the code segment of its own table and run at EL0.
//!
//! A process reaches nothing but its own pages: its code, its strings and its stack. It
//! prints through the `write` system call (`svc`), passing buffers by their VA in its
//! own address space, lets the other process run with `sched_yield` and ends with `exit`.
//! Both processes' pages are at the same VAs (at different PAs): each prints where its
//! code starts, the same VA in both (its entry point is all its code segment holds), and
//! runs its own code and reads its own text there, because the kernel switches
//! `TTBR0_EL1` with the process's ASID.

use core::arch::asm;
use core::mem::MaybeUninit;

use crate::os::{init, shell};
use crate::platform::{EFAULT, STDOUT, SYS_EXIT, SYS_SCHED_YIELD, SYS_WRITE, hex_digit, text};

text! {
    init::strings::link_section!(),
    INIT_HELLO = b"[init] hello from EL0, my code starts at VA ";
    INIT_YIELD = b"; yielding\n";
    INIT_XO1 = b"[init] write() of my own code returns ";
    INIT_XO2 = b" (-EFAULT): it is execute-only\n";
    INIT_XO3 = b": it is readable\n";
    INIT_BACK = b"[init] back, with my stack at VA ";
    INIT_EXIT = b"; exiting with status 0\n";
}

text! {
    shell::strings::link_section!(),
    SHELL_HELLO = b"[shell] hello from EL0, my code starts at VA ";
    SHELL_YIELD = b"; yielding\n";
    SHELL_PUSH = b"[shell] back, pushing onto my stack from VA ";
    SHELL_UNTIL = b" until it overflows\n";
}

/// `write(1, buf, count)`: the number of bytes written, or minus an error number.
#[inline(always)]
fn write_raw(buf: u64, count: u64) -> u64 {
    let ret: u64;
    // SAFETY: a system call; the kernel preserves every register but x0 and only reads
    // the buffer.
    unsafe {
        asm!(
            "svc #0",
            inlateout("x0") STDOUT => ret,
            in("x1") buf,
            in("x2") count,
            in("x8") SYS_WRITE,
            options(nostack, readonly),
        )
    };
    ret
}

/// `write(1, s)`.
#[inline(always)]
fn write(s: &[u8]) {
    write_raw(s.as_ptr() as u64, s.len() as u64);
}

/// `write(1, ..)` of `0x` and `v` in hexadecimal without leading zeros, formatted on
/// the stack.
#[inline(always)]
fn write_hex(v: u64) {
    let mut buf = MaybeUninit::<[u8; 18]>::uninit();
    let p = buf.as_mut_ptr().cast::<u8>();
    let mut digits = 1;
    while digits < 16 && v >> (4 * digits) != 0 {
        digits += 1;
    }
    // SAFETY: the first `2 + digits` of the 18 bytes of `buf`, written one by one
    // (volatile: no library call), then read by the kernel.
    unsafe {
        p.write_volatile(b'0');
        p.add(1).write_volatile(b'x');
        let mut i = 0;
        while i < digits {
            p.add(2 + i)
                .write_volatile(hex_digit(v >> (4 * (digits - 1 - i))));
            i += 1;
        }
        write(core::slice::from_raw_parts(p, 2 + digits));
    }
}

/// The stack pointer.
#[inline(always)]
fn sp() -> u64 {
    let sp: u64;
    // SAFETY: reads the stack pointer.
    unsafe { asm!("mov {}, sp", out(reg) sp, options(nomem, nostack)) };
    sp
}

/// `sched_yield()`.
#[inline(always)]
fn sched_yield() {
    // SAFETY: a system call that changes no register but x0.
    unsafe {
        asm!("svc #0", inlateout("x0") 0u64 => _, in("x8") SYS_SCHED_YIELD, options(nostack))
    };
}

/// `exit(status)`.
#[inline(always)]
fn exit(status: u64) -> ! {
    // SAFETY: the kernel does not return to a process that exits.
    unsafe { asm!("svc #0", in("x0") status, in("x8") SYS_EXIT, options(nostack, noreturn)) };
}

/// The first process: finds its code execute-only, greets, yields to the shell, greets
/// again when it is back and exits.
#[unsafe(link_section = init::code::link_section!())]
pub extern "C" fn init_main() -> ! {
    let entry = init_main as *const () as u64;
    let ret = write_raw(entry, 4);
    write(&INIT_XO1);
    write_hex(ret);
    write(if ret == EFAULT.wrapping_neg() {
        &INIT_XO2
    } else {
        &INIT_XO3
    });
    write(&INIT_HELLO);
    write_hex(entry);
    write(&INIT_YIELD);
    sched_yield();
    write(&INIT_BACK);
    write_hex(sp());
    write(&INIT_EXIT);
    exit(0)
}

/// The second process: greets, yields to init, then pushes onto its stack until it
/// runs into the unmapped guard gap below it.
#[unsafe(link_section = shell::code::link_section!())]
pub extern "C" fn shell_main() -> ! {
    write(&SHELL_HELLO);
    write_hex(shell_main as *const () as u64);
    write(&SHELL_YIELD);
    sched_yield();
    write(&SHELL_PUSH);
    write_hex(sp());
    write(&SHELL_UNTIL);
    // SAFETY: a runaway push; the first store below the stack faults and the kernel
    // ends the process.
    unsafe { asm!("1: str xzr, [sp, #-16]!", "b 1b", options(noreturn)) }
}
