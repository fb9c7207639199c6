memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table monitor (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
        }
        table shell (core 0, EL0_NS) {
            virtual 0x40_0000 .. +1G;
        }
        shared page vdso : code, 4K, x;
    }
}

fn main() {}
