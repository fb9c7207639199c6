// Every mistake below is reported in one compilation.
memlayout_macros::memory_layout! {
    mod soc {
        physical ram  = 0x8000_0000 .. +1G;
        physical mmio = 0x0900_0000 .. +16M, device;
        table core0_el3 (core 0, EL_3) {
            virtual 0x8000_0000 .. +1G;
            page uart  : device, 4K, pa 0x0900_0800, rwx;
            page heap  : data, 2M, cached;
            page heap  : data, 4K;
            segment stack : stack, 0x800, align 12, in hep;
            segment boot  : boot_code, 0x200, in heap;
        }
        shared page mailbox : data, 2M, tables [core1_el3];
    }
}

fn main() {}
