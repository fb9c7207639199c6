memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0E00_0000 .. +1M;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M, 0x4000_0000 .. +1G;
            page text : code, 4K;
            page shared_buf : data, 4K, pool dram, non_secure_ok;
        }
    }
}

fn main() {}
