// 2G is not a level 0 GPT entry size (1G, 16G, 64G or 512G).
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        gpt in bl31, l0gptsz 2G;
    }
}

fn main() {}
