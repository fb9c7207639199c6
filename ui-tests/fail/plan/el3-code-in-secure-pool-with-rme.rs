// With realm and root pools, EL3 runs in Root state and faults on instructions
// fetched from any other space: its code cannot come from the secure pool.
memlayout_macros::memory_layout! {
    mod soc {
        physical tzram = 0x0400_0000 .. +1M;
        physical bl31  = 0x0E00_0000 .. +1M, root;
        physical rmm   = 0x4800_0000 .. +256M, realm;
        table mon (core 0, EL3) {
            virtual 0x0400_0000 .. +1M, 0x0E00_0000 .. +1M;
            page text : code, 4K, pool tzram;
        }
    }
}

fn main() {}
