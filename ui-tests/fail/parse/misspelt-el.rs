memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1NS) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
        }
    }
}

fn main() {
    // The table module and its named pages still exist, so these uses add no error.
    let _ = soc::core0_el1::INFO.core();
    let _ = soc::core0_el1::TEXT.va();
}
