memlayout_macros::memory_layout! {
    mod soc {
        physical tzram  = 0x0400_0000 .. +256K;
        physical nsdram = 0x8000_0000 .. +2G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +256K;
            tables in tzram;
            page text : code, 4K, rx;
        }
        table k (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +2G;
            tables in tzram;
            page text : code, 4K, rx;
        }
    }
}

fn main() {}
