memlayout_macros::memory_layout! {
    mod soc {
        physical dram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            tables at 0x8000_0000 .. +64K;
            tables in dram;
            tables in dram;
            page boot : code, 2M, identity;
        }
    }
}

fn main() {}
