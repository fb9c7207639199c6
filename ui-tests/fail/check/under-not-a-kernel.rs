memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        table monitor (cores 0..=3, EL3) {
            virtual 0x4000_0000 .. +1G;
        }
        table kernel (cores 0..=1, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
        }
        table secure_kernel (cores 0..=3, EL1_S) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
        }
        table boot (cores 0..=3, EL1_NS) {
            virtual 0x4000_0000 .. +1G;
        }
        // Not an EL1 table.
        table a (cores 0..=3, EL0_NS, asid 1, under monitor) {
            virtual 0x40_0000 .. +1G;
        }
        // Cores 2 and 3 do not run `kernel`.
        table b (cores 0..=3, EL0_NS, asid 2, under kernel) {
            virtual 0x40_0000 .. +1G;
        }
        // Another security state.
        table c (core 0, EL0_NS, asid 3, under secure_kernel) {
            virtual 0x40_0000 .. +1G;
        }
        // No upper range: no kernel in TTBR1.
        table d (core 0, EL0_NS, asid 4, under boot) {
            virtual 0x40_0000 .. +1G;
        }
        // Itself.
        table e (core 0, EL1_NS, asid 5, under e) {
            virtual 0x40_0000 .. +1G;
        }
        // A process of a process.
        table f (core 0, EL1_NS, under g) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
        }
        table g (core 0, EL1_NS, under kernel) {
            virtual 0x40_0000 .. +1G;
        }
    }
}

fn main() {}
