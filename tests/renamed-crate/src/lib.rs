//! `memory_layout!` with `memlayout` renamed to `ml` (see `Cargo.toml`): through the
//! re-export `ml::memory_layout!`, which names the crate by `$crate`; through
//! `memlayout-macros` with `#[memlayout(crate = "::ml")]`; through a module that
//! re-exports the crate; and a layout file through `include`.
#![no_std]

ml::memory_layout! {
    /// Through the re-export: the expansion names `$crate`.
    pub mod reexported {
        physical ram = 0x4000_0000 .. +256M;
        physical mmio = 0x0900_0000 .. +16M, device;
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +256M;
            page text : code, 4K * 4, rx;
            page uart : device, 4K, pa 0x0900_0000;
            segment entry : code, 0x100, align 16, in text;
        }
    }
}

memlayout_macros::memory_layout! {
    #[memlayout(crate = "::ml")]
    /// Directly from `memlayout-macros`, told the crate's name.
    pub mod direct {
        physical ram = 0x4000_0000 .. +256M;
        physical mmio = 0x0900_0000 .. +16M, device;
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +256M;
            page text : code, 4K * 4, rx;
            page uart : device, 4K, pa 0x0900_0000;
            segment entry : code, 0x100, align 16, in text;
        }
    }
}

/// A crate that re-exports memlayout, as a HAL might.
pub mod hal {
    pub use ml as memlayout;
}

memlayout_macros::memory_layout! {
    #[memlayout(crate = "crate::hal::memlayout")]
    /// Through a re-export inside this crate.
    pub mod via_hal {
        physical ram = 0x4000_0000 .. +256M;
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +256M;
            page data : data, 2M, rw;
        }
    }
}

ml::memory_layout!(include "../layouts/board.memlayout");

#[cfg(test)]
mod tests {
    use super::*;
    use ml::{ExecutionContext, Page, PageKind, Segment};

    #[test]
    fn the_reexported_macro_names_the_renamed_crate() {
        let text: &[Page; 4] = reexported::el1::TEXT;
        assert_eq!(text[3].va(), text[0].va() + 3 * 4096);
        assert_eq!(text[0].kind(), PageKind::Code);
        assert_eq!(reexported::el1::UART.pa(), 0x0900_0000);
        let entry: &Segment = reexported::el1::ENTRY;
        assert!(entry.va() >= text[0].va() && entry.va() + 0x100 <= text[3].va() + 4096);
        assert_eq!(reexported::el1::INFO.el(), ExecutionContext::EL1_NS);
        assert_eq!(reexported::el1::TTBR0, reexported::el1::TABLES_PA);
        assert!(reexported::el1::TRANSLATION.as_bytes().len() >= 4096);
    }

    #[test]
    fn the_crate_option_names_the_renamed_crate() {
        // The same declarations plan to the same addresses, whichever path names the crate.
        assert_eq!(direct::el1::TEXT, reexported::el1::TEXT);
        assert_eq!(direct::el1::ENTRY.pa(), reexported::el1::ENTRY.pa());
        assert_eq!(
            direct::el1::TRANSLATION.as_bytes(),
            reexported::el1::TRANSLATION.as_bytes()
        );
        let data: &hal::memlayout::Page = via_hal::el1::DATA;
        assert_eq!(data.size(), 2 << 20);
        assert_eq!(via_hal::TABLES.len(), 1);
    }

    #[test]
    fn an_included_file_names_the_renamed_crate() {
        assert_eq!(soc::core0_el3::BOOT.va(), soc::core0_el3::BOOT.pa());
        assert!(!soc::MAP.is_empty());
    }
}
