memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +8K;
        physical dram = 0x8000_0000 .. +1G;
        tables in dram;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            tables in sram;
            page boot : code, 4K, identity;
            page data : data, 4K * 600, rw;
        }
    }
}

fn main() {}
