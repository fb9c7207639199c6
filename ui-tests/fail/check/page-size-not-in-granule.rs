memlayout_macros::memory_layout! {
    mod soc {
        granule = 16K;
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 16K * 4;
            page text : code, 4K, rx;
        }
        table core0_el2 (core 0, EL2_NS) {
            granule = 64K;
            virtual 0x8000_0000 .. +1G;
            page big : data, 32M;
        }
    }
}

fn main() {}
