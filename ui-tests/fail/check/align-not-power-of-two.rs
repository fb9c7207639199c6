memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 2M;
            segment stack : stack, 0x800, align 24, in heap;
        }
    }
}

fn main() {}
