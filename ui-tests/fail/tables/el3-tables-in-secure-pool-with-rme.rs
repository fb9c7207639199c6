// With a root pool, EL3's table walks are Root accesses: its translation tables go
// in Root memory, not in the secure pool `tables in` names.
memlayout_macros::memory_layout! {
    mod soc {
        physical tzram = 0x0400_0000 .. +1M;
        physical bl31  = 0x0E00_0000 .. +1M, root;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M;
            tables in tzram;
            page text : code, 4K;
        }
    }
}

fn main() {}
