memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table a (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page mine : data, 4K, outer;
        }
        table b (core 1, EL1_NS) {
            va_bits = 52;
            virtual 0x8000_0000 .. +1G;
            page view : data, 4K, alias a::mine;
        }
    }
}

fn main() {}
