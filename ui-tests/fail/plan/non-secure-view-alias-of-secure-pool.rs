memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0E00_0000 .. +1M;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        physical gic  = 0x0800_0000 .. +16M, device, secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M, 0x1_0000_0000 .. +1G;
            page gicd : device, 4K, pa 0x0800_0000;
            page gicd_ns : device, alias gicd, non_secure_view;
        }
    }
}

fn main() {}
