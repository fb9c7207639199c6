memlayout_macros::memory_layout! {
    mod soc {
        physical ram  = 0x8000_0000 .. +1G;
        physical mmio = 0x0900_0000 .. +16M, device;
        table core0 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page uart : device, 4K, pa 0x0900_0000, rw;
        }
        table core1 (core 1, EL3) {
            virtual 0x8000_0000 .. +1G;
            page uart : device, 4K, pa 0x0900_0000, rw;
        }
    }
}

fn main() {}
