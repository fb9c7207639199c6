memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page heap : data, 4K * 0;
            segment s : data_shared, 0x100, in heap;
        }
    }
}

fn main() {}
