memlayout_macros::memory_layout! {
    mod soc {
        granule = 8K;
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 16K;
        }
    }
}

fn main() {}
