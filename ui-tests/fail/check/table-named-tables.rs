memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table tables (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page d : data, 2M, rw;
            segment x : data, 0x100, in d;
        }
        table x (core 1, EL3) {
            virtual 0x8000_0000 .. +1G;
            page d : data, 2M, rw;
        }
    }
}

fn main() {}
