memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        table kernel (core 0, EL1_NS, asid 3) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page text : code, 4K;
        }
    }
}

fn main() {}
