memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +256K;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table sp (core 0, EL1_S) {
            virtual 0x0400_0000 .. +256K;
            page jit : data, 4K, rwx, pool dram;
        }
    }
}

fn main() {}
