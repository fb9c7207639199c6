memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +4M;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot : code, 2M, identity;
            page heap : data, 2M;
        }
    }
}

fn main() {}
