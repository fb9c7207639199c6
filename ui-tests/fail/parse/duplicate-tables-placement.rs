memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        tables in ram;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot : code, 2M, identity;
        }
        tables at 0x8000_0000 .. +64K;
    }
}

fn main() {}
