memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
            segment entry : code, 0x40, align 2, in text;
        }
    }
}

fn main() {}
