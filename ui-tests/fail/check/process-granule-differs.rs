memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x4000_0000 .. +1G;
        table kernel (core 0, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page text : code, 4K;
        }
        table shell (core 0, EL0_NS, asid 1, under kernel) {
            granule = 16K;
            virtual 0x40_0000 .. +1G;
            page text : code, 16K, x;
        }
    }
}

fn main() {}
