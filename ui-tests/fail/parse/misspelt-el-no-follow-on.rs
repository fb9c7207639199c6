// A misspelt exception level is one error: the table still parses (with EL3 in its
// place), but neither "a second EL3 table of core 0" nor "`va_bits upper` in an EL3
// table" follows from the stand-in.
memlayout_macros::memory_layout! {
    mod soc {
        physical ram = 0x8000_0000 .. +1G;
        table core0_el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page boot : code, 2M, identity;
        }
        table core0_el1 (core 0, EL1) {
            virtual 0x8000_0000 .. +1G, 0xFFFF_FF80_0000_0000 .. +1G;
            va_bits upper = 39;
            page kernel : code, 2M;
        }
    }
}

fn main() {}
