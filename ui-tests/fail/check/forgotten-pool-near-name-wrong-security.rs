memlayout_macros::memory_layout! {
    mod soc {
        physical sram  = 0x0400_0000 .. +256K;
        physical nsdram = 0x8000_0000 .. +1G, non_secure;
        table k (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 4K, pool ram;
        }
    }
}

fn main() {}
