memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page p : data, 4K;
            segment stack : stack, 0x108, in p;
        }
    }
}

fn main() {}
