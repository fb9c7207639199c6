memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        // The EL2 regime has no ASIDs.
        table hyp (core 0, EL2_NS, asid 3) {
            virtual 0x4000_0000 .. +1G;
        }
    }
}

fn main() {}
