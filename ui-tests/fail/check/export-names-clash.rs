memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table a_b (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page c : data, 4K;
        }
        table a (core 1, EL3) {
            virtual 0x8000_0000 .. +1G;
            page b_c : data, 4K;
        }
    }
}

fn main() {}
