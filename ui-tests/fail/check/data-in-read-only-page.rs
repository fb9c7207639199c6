memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page consts : data, 4K, r;
            segment vars : data, 0x100, in consts;
        }
    }
}

fn main() {}
