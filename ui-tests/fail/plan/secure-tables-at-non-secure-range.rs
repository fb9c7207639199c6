memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +256K;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        tables at 0x8000_0000 .. +64K;
        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +256K;
            page text : code, 4K;
        }
    }
}

fn main() {}
