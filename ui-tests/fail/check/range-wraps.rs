memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0xFFFF_FFFF_FFF0_0000 .. +2M;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 4K;
        }
    }
}

fn main() {}
