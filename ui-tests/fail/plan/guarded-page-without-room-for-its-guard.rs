memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +8K;
            page text : code, 4K, va 0x8000_0000;
            page stack : data, 4K, rw, guard 8K;
        }
    }
}

fn main() {}
