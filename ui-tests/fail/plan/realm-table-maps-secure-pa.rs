// A realm's EL1 table maps a PA of the secure pool: Realm state never reaches
// Secure PA, so the error is on the `pa`.
memlayout_macros::memory_layout! {
    mod soc {
        physical tzram = 0x0400_0000 .. +1M;
        physical rmm   = 0x4800_0000 .. +256M, realm;
        table guest (core 0, EL1_Realm) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
            page peek : data, 4K, pa 0x0400_0000, rw;
        }
    }
}

fn main() {}
