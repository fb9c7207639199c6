// The realm pool is full: the RMM's translation tables stay in Realm memory and are
// not moved to non-secure DRAM.
memlayout_macros::memory_layout! {
    mod soc {
        physical rmm  = 0x4800_0000 .. +8K, realm;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table rmm_el2 (core 0, EL2_Realm) {
            virtual 0x4800_0000 .. +1M;
            page text : code, 4K, pool rmm;
            page data : data, 4K, pool rmm;
        }
    }
}

fn main() {}
