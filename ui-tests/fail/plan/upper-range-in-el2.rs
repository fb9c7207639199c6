memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table hyp (core 0, EL2_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page heap : data, 4K;
        }
    }
}

fn main() {}
