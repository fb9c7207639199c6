memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +256K;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table k (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
        }
        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +256K;
            page view : code, alias k::text;
        }
    }
}

fn main() {}
