memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page walker : system, 4K, rx;
            page scratch : system, 4K, write_through;
        }
    }
}

fn main() {}
