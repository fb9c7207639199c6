memlayout_macros::memory_layout! {
    mod soc {
        physical ram   = 0x8000_0000 .. +1G;
        physical nsram = 0x8000_0000 .. +4K, non_secure;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page a : data, 4K, pool nsram;
            page b : data, 4K, pool nsram;
        }
    }
}

fn main() {}
