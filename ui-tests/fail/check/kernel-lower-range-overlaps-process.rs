memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        // A kernel may keep an identity map it boots through, clear of its processes.
        table kernel (cores 0..=3, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
            virtual 0xFFFF_8000_0000_0000 .. +1G;
        }
        table shell (cores 0..=3, EL0_NS, asid 1, under kernel) {
            virtual 0x40_0000 .. +16M;
        }
        table init (cores 0..=3, EL0_NS, asid 2, under kernel) {
            virtual 0x4000_0000 .. +2M;
        }
    }
}

fn main() {}
