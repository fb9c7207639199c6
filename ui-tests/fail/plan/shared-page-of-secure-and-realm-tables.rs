// A page shared by a secure and a Realm table needs PA both reach: without a
// non-secure pool there is none, and the error names the Realm table that refuses
// the secure pool.
memlayout_macros::memory_layout! {
    mod soc {
        physical tzram = 0x0400_0000 .. +1M;
        physical rmm   = 0x4800_0000 .. +256M, realm;
        table tos (core 0, EL1_S) {
            virtual 0x4000_0000 .. +1G;
            page text : code, 4K;
        }
        table guest (core 0, EL1_Realm) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 4K;
        }
        shared page mbox : data, 4K, tables [tos, guest];
    }
}

fn main() {}
