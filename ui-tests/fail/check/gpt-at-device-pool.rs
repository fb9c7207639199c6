// `gpt at` a range of a device pool: the granule protection table is memory the
// granule protection check walks, so it must be Root RAM.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical rot = 0x1000_0000 .. +1M, device, root;
        gpt at 0x1000_0000 .. +64K;
    }
}

fn main() {}
