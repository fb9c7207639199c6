// With realm and root pools, EL3 runs in Root state: its code stays in Root memory and
// it never executes from non-secure memory, so `non_secure_ok` changes nothing.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical rmm  = 0x4800_0000 .. +256M, realm;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M;
            page text : code, 4K, pool bl31, non_secure_ok;
        }
    }
}

fn main() {}
