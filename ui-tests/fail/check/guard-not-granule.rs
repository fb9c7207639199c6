memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page stack : data, 4K * 4, rw, guard 0x800;
            page irq_stack : data, 4K, rw, guard 0;
            page fiq_stack : data, 4K, rw, guard 100;
        }
    }
}

fn main() {}
