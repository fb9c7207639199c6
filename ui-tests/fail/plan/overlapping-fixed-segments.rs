memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page vars : data, 4K, va 0x9000_0000;
            segment first : data, 0x100, va 0x9000_0000;
            segment second : data, 0x100, va 0x9000_0080;
        }
    }
}

fn main() {}
