// The kernel aliases a page of EL3's Root memory: a non-secure table reaches
// Non-secure PA only, so the error is on the alias.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M;
            page text : code, 4K;
            page state : data, 4K, pool bl31;
        }
        table kernel (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page peek : data, 4K, alias mon::state;
        }
    }
}

fn main() {}
