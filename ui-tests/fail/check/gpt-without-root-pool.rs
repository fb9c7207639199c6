// A `gpt` in a layout with no Root pool to hold it.
memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0E00_0000 .. +1M;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        gpt in sram;
    }
}

fn main() {}
