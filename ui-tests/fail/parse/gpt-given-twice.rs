// Two `gpt` declarations: the second is the error, with a note on the first.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        gpt in bl31;
        gpt at 0x0E04_0000 .. +256K;
    }
}

fn main() {}
