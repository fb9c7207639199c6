memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        table kernel (cores 0..=3, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
        }
        table shell (cores 0..=3, EL0_NS, under kernel) {
            virtual 0x40_0000 .. +1G;
        }
        table init (cores 0..=3, EL0_NS, asid 0, under kernel) {
            virtual 0x40_0000 .. +1G;
        }
    }
}

fn main() {}
