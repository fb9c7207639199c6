// A table named `gpt` would be module `gpt`, which the granule protection table takes.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        gpt in bl31;
        table gpt (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M;
            page text : code, 4K;
        }
    }
}

fn main() {}
