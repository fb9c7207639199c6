// A QEMU setup whose loader cannot write secure RAM: the monitor's translation tables
// and code sit in non-secure DRAM, knowingly (`non_secure_ok`).
memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0400_0000 .. +256K;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        table mon (core 0, EL3) {
            virtual 0x4000_0000 .. +1G;
            tables in dram, non_secure_ok;
            page text : code, 4K, identity, pool dram, non_secure_ok;
            page data : data, 4K;
        }
        table sp (core 0, EL1_S) {
            virtual 0x0400_0000 .. +256K;
            page text : code, 4K;
        }
    }
}

fn main() {
    // The monitor's code and tables are in DRAM; the secure partition's in SRAM.
    assert!(soc::mon::TEXT.pa() >= 0x4000_0000);
    assert!(soc::mon::TABLES_PA >= 0x4000_0000);
    assert!(soc::sp::TEXT.pa() < 0x0404_0000);
    assert!(soc::sp::TABLES_PA < 0x0404_0000);
    // Data of a secure table still prefers secure memory.
    assert!(soc::mon::DATA.pa() < 0x0404_0000);
}
