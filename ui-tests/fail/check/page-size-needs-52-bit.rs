memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x80_0000_0000 .. +1T;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x80_0000_0000 .. +1T;
            page huge : data, 512G;
        }
        table core0_el2 (core 0, EL2_NS) {
            granule = 64K;
            virtual 0x400_0000_0000 .. +4T;
            page huge : data, 4T;
        }
    }
}

fn main() {}
