// The example of the design document, exactly as written there.
memlayout_macros::memory_layout! {
    /// Memory map of the boot firmware.
    pub mod soc {
        seed = 0x5EED;                            // optional: reproducible random placement
        physical ram  = 0x8020_0000 .. +8G;       // PA pool(s) the allocator draws from
        physical mmio = 0x0900_0000 .. +16M, device;

        table core0_el3 (core 0, EL3) {
            virtual 0x8020_0000 .. +8G;           // VA pool(s) of this table
            page boot  : code, 2M, identity;                  // VA == PA
            page uart  : device, 4K, pa 0x0900_0000, rw;      // fixed PA, VA chosen
            page text  : code, 4K * 3, rx;                    // three consecutive pages
            page heap  : data, 2M, rw, write_back, inner, attrs { owner = "fw" };
            page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;
            segment bsp_boot : bsp_boot_code, 0x200, align 16, identity;
            segment stack    : stack, 0x800, align 16, in heap;
        }
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8020_0000 .. +8G;
            page data : data, 4K, rw;
        }

        shared page mailbox : data, 2M, rw;                   // one PA, in every table
        shared page doorbell : device, 4K, pa 0x0900_1000, tables [core0_el3];  // or in some
        shared segment cross_core : data_preserve, 2K, align 16, in mailbox;
    }
}

const ENTRY: u64 = soc::core0_el3::BOOT.va();
const TEXT_PAGES: usize = soc::core0_el3::TEXT.len();

fn main() {
    assert_eq!(soc::core0_el3::BOOT.va(), soc::core0_el3::BOOT.pa());
    assert_eq!(ENTRY, soc::core0_el3::BOOT.pa());
    assert_eq!(TEXT_PAGES, 3);
    assert_eq!(soc::TABLES.len(), 2);
    assert_eq!(soc::core0_el3::FIXED.va(), 0x9000_0000);
    assert_eq!(soc::core0_el3::FIXED.pa(), 0x8100_0000);
    assert_eq!(soc::core0_el3::UART.pa(), 0x0900_0000);
    assert_eq!(
        soc::core0_el3::CROSS_CORE.pa(),
        soc::core0_el1::CROSS_CORE.pa()
    );
    assert_eq!(soc::core0_el3::MAILBOX.pa(), soc::core0_el1::MAILBOX.pa());
    assert_eq!(soc::core0_el3::DOORBELL.pa(), 0x0900_1000);
    assert!(matches!(
        soc::core0_el3::HEAP.attr("owner"),
        Some(memlayout::AttrValue::Str(s)) if s == "fw"
    ));
}
