memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
        }
        shared pgae mailbox : data, 4K;
        shared segment inbox : data_shared, 0x100, in mailbox;
    }
}

fn main() {}
