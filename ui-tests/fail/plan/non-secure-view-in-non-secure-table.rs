memlayout_macros::memory_layout! {
    mod soc {
        physical gic  = 0x0800_0000 .. +16M, device, secure, non_secure;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        table kernel (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
            page gicd : device, 4K, pa 0x0800_0000, non_secure_view;
        }
    }
}

fn main() {}
