// A 64 KiB Root pool cannot hold the 256 KiB granule protection table.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +64K, root;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        gpt in bl31;
    }
}

fn main() {}
