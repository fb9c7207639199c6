memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            granule = 16K;
            virtual 0x8000_0000 .. +1G;
            granule = 64K;
            page heap : data, 2M;
        }
    }
}

fn main() {}
