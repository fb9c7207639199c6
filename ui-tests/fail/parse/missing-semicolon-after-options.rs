memlayout_macros::memory_layout! {
    mod soc {
        seed = 5
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G
            page data : data, 2M, rw;
            va_bits = 39
            tables in ram
        }
    }
}

fn main() {}
