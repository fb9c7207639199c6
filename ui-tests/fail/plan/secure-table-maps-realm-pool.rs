// A secure EL1 table takes a page from a realm pool, which Secure state never
// reaches: the error is on the pool's name.
memlayout_macros::memory_layout! {
    mod soc {
        physical tzram = 0x0400_0000 .. +1M;
        physical rmm   = 0x4800_0000 .. +256M, realm;
        table tos (core 0, EL1_S) {
            virtual 0x0400_0000 .. +1M, 0x4000_0000 .. +1G;
            page data : data, 4K, pool rmm;
        }
    }
}

fn main() {}
