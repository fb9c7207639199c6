memlayout_macros::memory_layout! {
    mod soc {
        physical tzram  = 0x0400_0000 .. +256K;
        physical nsdram = 0x8000_0000 .. +2G, non_secure;
        table k (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +2G;
            page peek : data, 4K, pa 0x0400_0000, rw;
        }
    }
}

fn main() {}
