memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table kernel (core 0, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page text : code, 4K * 4, x;
        }
    }
}

fn main() {}
