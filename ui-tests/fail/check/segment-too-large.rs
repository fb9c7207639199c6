memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 4K;
            segment stack : stack, 0x2000, in heap;
        }
    }
}

fn main() {}
