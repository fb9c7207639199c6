memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table el3_core (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
        }
        table el3 (core 1, EL3) {
            virtual 0x8000_0000 .. +1G;
            page core_tables : data, 4K;
        }
    }
}

fn main() {}
