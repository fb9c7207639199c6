memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el1 (core 0, EL1_NS) {
            va_bits = 52;
            virtual 0x8000_0000 .. +1G;
            page dma : data, 4K, outer;
            page log : data, 4K, non_shareable;
            page ok  : data, 4K, inner;
        }
    }
}

fn main() {}
