memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page stack : data, 4K * 4, rw, va 0x8000_0000, guard 8K;
            page log : data, 4K, va 0x7FFF_F000;
        }
    }
}

fn main() {}
