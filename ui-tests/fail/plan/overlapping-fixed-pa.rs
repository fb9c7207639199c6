memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page log : data, 4K, pa 0x8100_0000;
        }
        table core1_el3 (core 1, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K, pa 0x8100_0000;
        }
    }
}

fn main() {}
