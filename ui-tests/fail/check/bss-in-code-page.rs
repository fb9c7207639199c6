memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
            segment zeroed : bss, 0x100, in text;
        }
    }
}

fn main() {}
