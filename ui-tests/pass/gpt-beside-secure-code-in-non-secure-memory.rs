// A secure kernel's code page in non-secure DRAM (`non_secure_ok`) beside a granule
// protection table: its descriptor selects the Non-secure PAS, which the Non-secure
// GPI of `dram` allows, so the fetches do not fault and the layout is accepted. Its
// translation tables stay in secure memory (walks are made in the Secure PAS).
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +2M, root;
        physical sram = 0x0E20_0000 .. +2M;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        gpt at 0x0E00_0000 .. +1M;
        table tos (core 0, EL1_S) {
            virtual 0x4000_0000 .. +1G;
            page text : code, 4K, pool dram, non_secure_ok;
        }
    }
}

fn main() {
    assert!(soc::tos::TEXT.pa() >= 0x4000_0000);
    assert!(soc::tos::TEXT.mem_attrs().is_non_secure());
    assert!((0x0E20_0000..0x0E40_0000).contains(&soc::tos::TABLES_PA));
    assert_eq!(soc::gpt::IMAGE_PA, 0x0E00_0000);
}
