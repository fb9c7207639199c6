// The secure pool is full: the monitor's code is not taken from non-secure DRAM.
memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +4K;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        tables in sram, non_secure_ok;
        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +1M;
            page text : code, 4K * 2;
        }
    }
}

fn main() {}
