memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table kernel (core 0, EL1) {
            virtual 0x8000_0000 .. +1G;
        }
    }
}

fn main() {}
