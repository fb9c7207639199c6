// A kernel in the upper half (TTBR1) and two processes (TTBR0 with an ASID each), as in
// the language's example: one TCR and one MAIR for all three, and each process module
// exposes the kernel's TTBR1.
memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        table kernel (cores 0..=3, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page text  : code, 2M, rx;
            page stack : data, 4K * 4, rw;
        }
        table shell (cores 0..=3, EL0_NS, asid 1, under kernel) {  // a process
            virtual 0x40_0000 .. +1G;
            page text  : code, 4K * 8, rx;
            page heap  : data, 2M, rw;
        }
        table init (cores 0..=3, EL0_NS, asid 300, under kernel) { virtual 0x40_0000 .. +1G; page text : code, 4K, rx; }
    }
}

const _: () = {
    assert!(os::shell::TCR == os::kernel::TCR && os::init::TCR == os::kernel::TCR);
    assert!(os::shell::MAIR == os::kernel::MAIR && os::init::MAIR == os::kernel::MAIR);
    assert!(os::shell::TTBR1 == os::kernel::TTBR1 && os::init::TTBR1 == os::kernel::TTBR1);
    assert!(os::shell::TTBR0 >> 48 == 1 && os::init::TTBR0 >> 48 == 300);
    // ASID 300 needs 16-bit ASIDs: TCR_EL1.AS (bit 36); A1 (bit 22) stays 0.
    assert!(os::kernel::TCR & (1 << 36) != 0 && os::kernel::TCR & (1 << 22) == 0);
    // Both ranges walk: EPD0 (bit 7) and EPD1 (bit 23) clear.
    assert!(os::kernel::TCR & ((1 << 7) | (1 << 23)) == 0);
    assert!(os::kernel::TTBR0 == 0);
};

fn main() {}
