memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page t : code, 4K, rw;
            segment text : code, 0x800, in t;
        }
    }
}

fn main() {}
