memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page frame : data, 2M, GRE;
        }
    }
}

fn main() {}
