memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        tables at 0xA000_0000 .. +64K;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot : code, 2M, identity;
            page log : data, 4K, pa 0xA000_2000;
        }
    }
}

fn main() {}
