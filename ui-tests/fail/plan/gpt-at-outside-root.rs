// `gpt at` a range of non-secure memory: the table must lie in a Root pool.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        gpt at 0x8000_0000 .. +256K;
    }
}

fn main() {}
