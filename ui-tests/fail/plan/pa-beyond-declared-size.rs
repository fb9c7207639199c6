memlayout_macros::memory_layout! {
    mod soc {
        pa_bits = 32;
        physical ram = 0x8000_0000 .. +4G;
        physical low = 0x4000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x4000_0000 .. +1G;
            page boot : code, 2M, identity;
            page high : data, 4K, pa 0x1_2000_0000;
        }
    }
}

fn main() {}
