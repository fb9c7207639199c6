memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        physical mmio = 0x0900_0000 .. +16M, device;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page uart : device, 4K, pa 0x0900_0000, rw
            page text : code, 4K * 4, rx;
            segment entry : code, 0x100, in text;
        }
    }
}

fn main() {}
