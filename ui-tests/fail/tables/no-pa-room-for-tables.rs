memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        physical tables_ram = 0xC000_0000 .. +2M;
        tables at 0xC000_0000 .. +8K;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot : code, 2M, identity;
            page heap : data, 4K * 2;
        }
    }
}

fn main() {}
