// Realm EL2 takes a permission fault on instructions fetched from Non-secure PA:
// `non_secure_ok` does not lift that for an executable page.
memlayout_macros::memory_layout! {
    mod soc {
        physical rmm  = 0x4800_0000 .. +256M, realm;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        table rmm_el2 (core 0, EL2_Realm) {
            virtual 0x4800_0000 .. +256M, 0x8000_0000 .. +1G;
            page text : code, 4K, pool dram, non_secure_ok;
        }
    }
}

fn main() {}
