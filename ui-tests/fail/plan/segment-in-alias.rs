memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
            page buf  : data, 4K;
            page view : data, alias buf, r;
            segment log : data_shared, 0x100, in view;
        }
    }
}

fn main() {}
