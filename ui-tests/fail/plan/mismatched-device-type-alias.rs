memlayout_macros::memory_layout! {
    mod soc {
        physical ram  = 0x8000_0000 .. +1G;
        physical mmio = 0x1000_0000 .. +16M, device;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page fb    : device, 2M, pa 0x1000_0000, GRE;
            page fb_rw : device, alias fb, nGnRnE;
        }
    }
}

fn main() {}
