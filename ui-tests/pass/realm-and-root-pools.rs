// A machine with the four physical address spaces of FEAT_RME: EL3 in Root memory,
// the RMM (Realm EL2) and a realm's EL1 in Realm memory, a GIC both the secure and the
// normal world reach, and non-secure DRAM.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +1M, root;
        physical tzram = 0x0E10_0000 .. +1M;
        physical rmm  = 0x4800_0000 .. +256M, realm;
        physical dram = 0x8000_0000 .. +1G, non_secure;
        physical gic  = 0x0800_0000 .. +16M, device, secure, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +2M, 0x4000_0000 .. +1G;
            page text : code, 4K;
            page spm : data, 4K, pool tzram;
            page rmm_shared : data, 4K, pool rmm;
            page ns_buf : data, 4K, pool dram;
            page gicd : device, 4K, pa 0x0800_0000;
        }
        table rmm_el2 (core 0, EL2_Realm) {
            virtual 0x4800_0000 .. +256M, 0x8000_0000 .. +1G;
            page text : code, 4K;
            page data : data, 4K;
            page ns_buf : data, 4K, alias mon::ns_buf;
        }
        table guest (core 0, EL1_Realm) {
            virtual 0x4000_0000 .. +1G;
            page text : code, 4K;
            page shared_ns : data, 4K, pool dram;
        }
        table kernel (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page data : data, 4K;
            page gicd : device, 4K, alias mon::gicd;
        }
    }
}

use memlayout::PhysicalAddressSpace as Pas;

fn main() {
    // EL3's code is Root memory; each page reaches its pool's space.
    assert_eq!(soc::mon::TEXT.mem_attrs().pas, Pas::Root);
    assert_eq!(soc::mon::SPM.mem_attrs().pas, Pas::Secure);
    assert_eq!(soc::mon::RMM_SHARED.mem_attrs().pas, Pas::Realm);
    assert_eq!(soc::mon::NS_BUF.mem_attrs().pas, Pas::NonSecure);
    assert_eq!(soc::mon::GICD.mem_attrs().pas, Pas::Secure);
    // The RMM's code is Realm memory, and it reaches the monitor's non-secure buffer.
    assert_eq!(soc::rmm_el2::TEXT.mem_attrs().pas, Pas::Realm);
    assert_eq!(soc::rmm_el2::NS_BUF.mem_attrs().pas, Pas::NonSecure);
    assert_eq!(soc::rmm_el2::NS_BUF.pa(), soc::mon::NS_BUF.pa());
    assert_eq!(soc::guest::TEXT.mem_attrs().pas, Pas::Realm);
    assert_eq!(soc::guest::SHARED_NS.mem_attrs().pas, Pas::NonSecure);
    // The kernel sees the GIC through its non-secure view.
    assert_eq!(soc::kernel::GICD.mem_attrs().pas, Pas::NonSecure);
    // Translation tables: EL3's in Root memory, the Realm tables' in Realm memory.
    let inside = |pa: u64, start: u64, size: u64| (start..start + size).contains(&pa);
    assert!(inside(soc::mon::TABLES_PA, 0x0E00_0000, 1 << 20));
    assert!(inside(soc::rmm_el2::TABLES_PA, 0x4800_0000, 256 << 20));
    assert!(inside(soc::guest::TABLES_PA, 0x4800_0000, 256 << 20));
    assert!(inside(soc::kernel::TABLES_PA, 0x8000_0000, 1 << 30));
}
