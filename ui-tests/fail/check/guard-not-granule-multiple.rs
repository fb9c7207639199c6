memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            granule = 64K;
            virtual 0x8000_0000 .. +1G;
            page stack : data, 64K, guard 16K;
        }
    }
}

fn main() {}
