memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 12K;
            page blob : data, 3M;
            page odd  : data, 5K;
        }
    }
}

fn main() {}
