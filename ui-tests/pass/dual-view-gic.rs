// A GIC both worlds reach: the monitor programs Group 0 through the secure view of the
// distributor, the hypervisor and the kernel reach the same PA with non-secure accesses.
memlayout_macros::memory_layout! {
    mod soc {
        physical sram = 0x0E00_0000 .. +1M;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        physical gic  = 0x0800_0000 .. +16M, device, secure, non_secure;
        table mon (core 0, EL3) {
            virtual 0x0E00_0000 .. +1M, 0x1_0000_0000 .. +1G;
            page text : code, 4K;
            /// The redistributor frame, reached with non-secure accesses on purpose.
            page gicr_ns : device, 4K, pa 0x080A_0000, non_secure_view;
        }
        table hyp (core 0, EL2_NS) {
            virtual 0x4000_0000 .. +1G;
            page data : data, 4K;
        }
        table kernel (core 0, EL1_NS) {
            virtual 0x8000_0000 .. +1G;
            page data : data, 4K;
        }
        /// The distributor, one PA in every table.
        shared page gicd : device, 4K * 16, pa 0x0800_0000;
    }
}

fn main() {
    // The monitor's secure view (NS = 0), its non-secure view on request, and the
    // non-secure tables' view (NS = 1) of the same PA.
    assert!(!soc::mon::GICD[0].mem_attrs().is_non_secure());
    assert!(soc::mon::GICR_NS.mem_attrs().is_non_secure());
    assert!(soc::hyp::GICD[0].mem_attrs().is_non_secure());
    assert!(soc::kernel::GICD[15].mem_attrs().is_non_secure());
    assert_eq!(soc::mon::GICD[0].pa(), soc::hyp::GICD[0].pa());
}
