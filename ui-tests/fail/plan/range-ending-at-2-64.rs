memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        physical top = 0xFFFF_FFFF_FFFF_F000 .. +4K;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
        }
    }
}

fn main() {}
