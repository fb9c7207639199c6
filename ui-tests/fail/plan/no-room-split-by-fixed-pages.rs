memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +16K;
            page a   : data, 4K, va 0x8000_1000;
            page b   : data, 4K, va 0x8000_3000;
            page big : data, 4K * 2;
        }
    }
}

fn main() {}
