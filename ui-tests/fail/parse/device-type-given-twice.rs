memlayout_macros::memory_layout! {
    mod soc {
        physical ram  = 0x8000_0000 .. +1G;
        physical mmio = 0x0800_0000 .. +16M, device;
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page gicd : device, 4K, pa 0x0800_0000, nGnRnE, nGnRE;
        }
    }
}

fn main() {}
