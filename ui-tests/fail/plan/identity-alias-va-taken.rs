memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G, non_secure;
        table el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page ns_image : data, 2M, pa 0x8020_0000, rw;
        }
        table el1 (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page other  : data, 4K, va 0x8020_0000, pa 0x8000_0000;
            page kernel : data, alias el3::ns_image, identity, rw;
        }
    }
}

fn main() {}
