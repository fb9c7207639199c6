memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            granule = 16K;
            virtual 0x8000_0000 .. +1G;
        }
        table core1_el1 (core 1, EL1_NS) {
            granule = 64K;
            virtual 0x8000_0000 .. +1G;
        }
        shared page mailbox : data, 2M, tables [core0_el1, core1_el1];
    }
}

fn main() {}
