// `root` and `secure` are two spaces: the error is on the second keyword.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root, secure;
    }
}

fn main() {}
