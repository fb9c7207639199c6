memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table shell (core 0, EL0_NS) {
            virtual 0x40_0000 .. +1G;
            page text : code, 4K * 8, x;
            segment start  : code, 0x100, in text;
            segment consts : rodata, 0x100, in text;
        }
    }
}

fn main() {}
