memlayout_macros::memory_layout! {
    mod soc {
        physical gic = 0x0800_0000 .. +16M, device, secure, non_secure, secure;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x4000_0000 .. +1G;
        }
    }
}

fn main() {}
