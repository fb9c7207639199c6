// `gpt at` a range that a fixed page of the monitor already holds.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M;
            page state : data, 4K, pa 0x0E04_0000;
        }
        tables in bl31;
        gpt at 0x0E00_0000 .. +512K;
    }
}

fn main() {}
