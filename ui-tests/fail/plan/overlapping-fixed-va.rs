memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page first  : data, 2M, va 0x9000_0000;
            page second : data, 4K, va 0x9010_0000;
        }
    }
}

fn main() {}
