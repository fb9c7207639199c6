memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table el3 (cores 0..=1, EL3) {
            virtual 0x8000_0000 .. +1G;
            page buffer : data, 4K, rw, non_shareable;
        }
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page scratch : data, 4K, rw, non_shareable;
        }
    }
}

fn main() {}
