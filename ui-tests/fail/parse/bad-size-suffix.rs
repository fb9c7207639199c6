memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1GB;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +17179869184G;
        }
    }
}

fn main() {}
