memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x8000_0000 .. +1G;
        physical mmio = 0x0900_0000 .. +16M, device;
        tables in sarm;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot : code, 2M, identity;
        }
    }
}

fn main() {}
