// `gpt at` a range that overlaps the range declared for the translation tables.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M;
            page text : code, 4K;
        }
        tables at 0x0E00_0000 .. +64K;
        gpt at 0x0E00_0000 .. +512K;
    }
}

fn main() {}
