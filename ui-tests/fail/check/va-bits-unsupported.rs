memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            va_bits = 53;
            page heap : data, 4K;
        }
    }
}

fn main() {}
