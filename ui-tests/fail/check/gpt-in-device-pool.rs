// `gpt in` a Root pool that is a device: the granule protection table must be Root RAM.
memlayout_macros::memory_layout! {
    mod soc {
        physical rot = 0x1000_0000 .. +1M, device, root;
        gpt in rot;
    }
}

fn main() {}
