memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table a (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
        }
        table b (cores 0..=1, EL3) {
            virtual 0x8000_0000 .. +1G;
        }
        // Several EL1 tables per core are fine: address spaces switched at run time.
        table p1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
        }
        table p2 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
        }
    }
}

fn main() {}
