memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +256K;
        physical dram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            tables in srma;
            page boot : code, 2M, identity;
        }
    }
}

fn main() {}
