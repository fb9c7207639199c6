//! The EL3 monitor of core 0: runs at its VA in the `core0_el3` table, prints through
//! the UART's VA, writes the mailbox and starts the non-secure EL1 kernel.

use core::arch::asm;

use crate::board::{core0_el1, core0_el3};
use crate::platform::{
    GICD_IIDR, MAILBOX_GICD_IIDR, MAILBOX_MONITOR_VALUE, MONITOR_VALUE, mailbox_word, put_el,
    put_hex, put_str, read_sys, text,
};

text! {
    core0_el3::monitor_strings::link_section!(),
    BOOT1 = b"[el3] boot: core 0 started at EL";
    BOOT2 = b" with the MMU ";
    BOOT3 = b", running from the identity segment at PA ";
    ON = b"on";
    OFF = b"off";
    MMU = b"[el3] mmu: MAIR/TCR/TTBR0_EL3 loaded, TLB invalidated, SCTLR_EL3 M/C/I set; tables at PA ";
    MON1 = b"[el3] monitor: running at VA ";
    MON2 = b" (PA ";
    MON3 = b"), printing through the UART at VA ";
    MB1 = b"[el3] mailbox: wrote ";
    MB2 = b" at VA ";
    GIC1 = b"[el3] gic: distributor at VA ";
    GIC2 = b"), secure view: AT S1E3R gives PAR_EL1.NS ";
    GIC3 = b", the layout's NS ";
    EL1 = b"[el3] el1: SCR_EL3.NS/RW, HCR_EL2.RW and MAIR/TCR/TTBR0_EL1 set; eret to the kernel at VA ";
    CLOSE = b")\n";
    NL = b"\n";
}

/// The value for the kernel, in the monitor's data segment (read through its VA).
#[unsafe(link_section = core0_el3::monitor_vars::link_section!())]
static mut MONITOR_DATA: u64 = MONITOR_VALUE;

/// `PAR_EL1.NS` (bit 9) after an `AT`: the output address space of a secure translation
/// regime (Arm ARM D23.2, "PAR_EL1").
const PAR_NS_SHIFT: u32 = 9;

/// `SCR_EL3` (Arm ARM D23.2, "SCR_EL3"): NS (bit 0), RES1 bits 5:4, RW (bit 10).
const SCR_NS_RW: u64 = 1 | 3 << 4 | 1 << 10;
/// `HCR_EL2.RW` (bit 31): EL1 is AArch64.
const HCR_RW: u64 = 1 << 31;
/// `CPACR_EL1.FPEN` (bits 21:20) = 0b11: FP/SIMD does not trap at EL1.
const CPACR_FPEN: u64 = 3 << 20;
/// `SPSR_EL3` for the `eret`: EL1h (M[3:0] = 0b0101) with D, A, I and F masked.
const SPSR_EL1H_MASKED: u64 = 0x3c5;

/// Entered from the boot code with the EL3 MMU on and the stack at its VA: `entry_pa`
/// is where the reset code ran, `sctlr_at_reset` and `current_el` the registers read
/// there.
#[unsafe(link_section = core0_el3::monitor_code::link_section!())]
pub extern "C" fn monitor_main(entry_pa: u64, sctlr_at_reset: u64, current_el: u64) -> ! {
    let uart = core0_el3::UART.va();

    put_str(uart, &BOOT1);
    put_el(uart, current_el);
    put_str(uart, &BOOT2);
    put_str(uart, if sctlr_at_reset & 1 != 0 { &ON } else { &OFF });
    put_str(uart, &BOOT3);
    put_hex(uart, entry_pa);
    put_str(uart, &NL);

    put_str(uart, &MMU);
    put_hex(uart, read_sys!("ttbr0_el3"));
    put_str(uart, &NL);

    let pc: u64;
    // SAFETY: reads the address of this instruction.
    unsafe { asm!("adr {}, .", out(reg) pc, options(nomem, nostack)) };
    put_str(uart, &MON1);
    put_hex(uart, pc);
    put_str(uart, &MON2);
    put_hex(
        uart,
        pc - core0_el3::MONITOR_CODE.va() + core0_el3::MONITOR_CODE.pa(),
    );
    put_str(uart, &MON3);
    put_hex(uart, uart);
    put_str(uart, &NL);

    // Step 4: the mailbox through this table's VA.
    let mailbox = core0_el3::CROSS_CORE.va();
    // SAFETY: only this core runs the monitor; the cross_core segment is mapped
    // read/write in this table.
    let value = unsafe { (&raw const MONITOR_DATA).read_volatile() };
    unsafe { mailbox_word(mailbox, MAILBOX_MONITOR_VALUE).write_volatile(value) };
    put_str(uart, &MB1);
    put_hex(uart, value);
    put_str(uart, &MB2);
    put_hex(uart, mailbox);
    put_str(uart, &MON2);
    put_hex(uart, core0_el3::CROSS_CORE.pa());
    put_str(uart, &CLOSE);

    // The GIC distributor through the secure view of its pool: AT reports the output
    // address space, and GICD_IIDR goes to the kernel, which reads it through the
    // non-secure view of the same PA.
    let gicd = core0_el3::GICD.va();
    // SAFETY: an address translation of a mapped VA; it only writes PAR_EL1.
    unsafe { asm!("at s1e3r, {}", "isb", in(reg) gicd, options(nostack)) };
    let par_ns = (read_sys!("par_el1") >> PAR_NS_SHIFT) & 1;
    // SAFETY: the gicd page is mapped read/write Device memory in this table, and the
    // cross_core segment read/write.
    unsafe {
        let iidr = ((gicd + GICD_IIDR) as *const u32).read_volatile();
        mailbox_word(core0_el3::CROSS_CORE.va(), MAILBOX_GICD_IIDR).write_volatile(u64::from(iidr));
    }
    put_str(uart, &GIC1);
    put_hex(uart, gicd);
    put_str(uart, &MON2);
    put_hex(uart, core0_el3::GICD.pa());
    put_str(uart, &GIC2);
    put_hex(uart, par_ns);
    put_str(uart, &GIC3);
    put_hex(uart, u64::from(core0_el3::GICD.mem_attrs().is_non_secure()));
    put_str(uart, &NL);

    // Step 5: the non-secure EL1&0 regime of the kernel, from the layout.
    let entry = crate::kernel::kernel_main as *const () as u64;
    put_str(uart, &EL1);
    put_hex(uart, entry);
    put_str(uart, &NL);
    // SAFETY: sets up EL1 and leaves EL3 for good.
    unsafe {
        asm!(
            "ldr x9, ={mair}",
            "msr mair_el1, x9",
            "ldr x9, ={tcr}",
            "msr tcr_el1, x9",
            "ldr x9, ={ttbr0}",
            "msr ttbr0_el1, x9",
            "mrs x9, sctlr_el1",
            "ldr x10, ={sctlr}",
            "orr x9, x9, x10",
            "msr sctlr_el1, x9",
            "ldr x9, ={vectors}",
            "msr vbar_el1, x9",
            "ldr x9, ={stack}",
            "msr sp_el1, x9",
            "ldr x9, ={cpacr}",
            "msr cpacr_el1, x9",
            "ldr x9, ={hcr}",
            "msr hcr_el2, x9",
            "ldr x9, ={scr}",
            "msr scr_el3, x9",
            "isb",
            "tlbi vmalle1",
            "dsb sy",
            "isb",
            "ldr x9, ={spsr}",
            "msr spsr_el3, x9",
            "msr elr_el3, x0",
            "eret",
            mair = const core0_el1::MAIR,
            tcr = const core0_el1::TCR,
            ttbr0 = const core0_el1::TTBR0,
            sctlr = const core0_el1::SCTLR_SET,
            vectors = const core0_el1::KERNEL_VECTORS.va(),
            stack = const core0_el1::KERNEL_STACK.va() + core0_el1::KERNEL_STACK.size(),
            cpacr = const CPACR_FPEN,
            hcr = const HCR_RW,
            scr = const SCR_NS_RW,
            spsr = const SPSR_EL1H_MASKED,
            in("x0") entry,
            options(noreturn),
        )
    }
}
