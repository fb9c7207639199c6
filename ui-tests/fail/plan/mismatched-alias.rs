memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page frame : data, 2M, write_back;
            page frame_uc : data, alias frame, non_cacheable;
        }
    }
}

fn main() {}
