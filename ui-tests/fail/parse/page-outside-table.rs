memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        page boot : code, 2M, identity;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
        }
    }
}

fn main() {}
