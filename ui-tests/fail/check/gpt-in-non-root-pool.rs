// `gpt in` names a non-secure pool: the table must be Root memory.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        gpt in dram;
    }
}

fn main() {}
