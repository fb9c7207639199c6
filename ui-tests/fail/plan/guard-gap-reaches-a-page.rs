memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            // `log` clears the 4K gap of `small` but not the 64K gap of `big`.
            page small : data, 4K, va 0x8000_1000, guard 4K;
            page log : data, 4K, va 0x800F_8000;
            page big : data, 4K * 4, va 0x8010_0000, guard 64K;
        }
    }
}

fn main() {}
