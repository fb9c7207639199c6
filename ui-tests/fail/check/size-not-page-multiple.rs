memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +0x1800;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 4K;
        }
    }
}

fn main() {}
