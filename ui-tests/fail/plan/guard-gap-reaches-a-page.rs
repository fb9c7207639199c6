memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            // `log` keeps clear of its own 4K gaps, but lies in the 64K gap below `big`.
            page log : data, 4K * 8, va 0x800F_0000, guard 4K;
            page big : data, 4K, va 0x8010_0000, guard 64K;
        }
    }
}

fn main() {}
