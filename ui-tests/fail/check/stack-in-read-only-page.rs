memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page d : data, 4K, r;
            segment s : stack, 0x1000, in d;
        }
    }
}

fn main() {}
