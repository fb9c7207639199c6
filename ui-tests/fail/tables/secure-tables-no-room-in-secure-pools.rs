// The secure pool is full: the monitor's translation tables are not moved to
// non-secure DRAM, where the normal world could rewrite them.
memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +8K;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +1M;
            page text : code, 4K, pool sram;
            page data : data, 4K, pool sram;
        }
    }
}

fn main() {}
