// Every form of the language in one layout.
memlayout_macros::memory_layout! {
    /// Outer docs are kept.
    #[allow(unused)]
    pub(crate) mod every {
        physical ram  = 0x4000_0000 .. 0x1_0000_0000, non_secure;
        physical low  = 0x1000_0000 .. +256M, non_secure;
        physical mmio = 0x0900_0000 .. +16M, device, non_secure;
        physical sram = 0x0400_0000 .. +256K;
        pa_bits = 40;
        tables in low, non_secure_ok;

        /// A hypervisor table with two virtual ranges.
        table hyp (core 3, EL2_NS) {
            virtual 0x1000 .. +1G, 0x1_0000_0000 .. +1G;
            virtual 0x2_0000_0000 .. 0x2_4000_0000;
            /// Code from the low pool.
            page text   : code, 4K * 2, rwx, pool low;
            page frame  : data, 2M, va 0x2000_0000, non_cacheable, outer;
            page view   : data, alias frame, non_cacheable, outer;
            page big    : system, 1G;
            page regs   : device, 4K, pa 0x0900_0000, r;
            page gicd   : device, 4K, pa 0x0900_2000, nGnRnE;
            page wc     : device, 4K, pa 0x0900_3000, nGRE, r;
            page fb     : device, 4K, pa 0x0900_4000, GRE;
            page tagged : data, 4K, write_through, non_shareable,
                attrs { owner = "hyp", level = -2, secure = false };
            segment entry : code, 0x100, align 64, in text;
            segment table : data_shared, 0x10, va 0x2000_0000;
        }
        table user (core 3, EL0_NS) {
            virtual 0x40_0000 .. +512M;
            page app : code, 4K;
            page heap : data, 4K * 4;
            page consts : data, 4K, r;
            page xonly : code, 4K, x;
            page ustack : data, 4K * 2, guard 8K;
            segment stack : stack, 4K, in heap;
            segment vars : data, 0x40, in heap;
            segment zeroed : bss, 0x400;
            segment strings : rodata, 0x80, in consts;
            segment tables_ro : rodata, 0x80, in app;
            segment preserved : data_preserve, 0x100;
        }
        /// One table for cores 0 to 3 (`cores [0, 1, 2, 3]` says the same).
        table monitor (cores 0..=3, EL3) {
            virtual 0x0400_0000 .. +1M;
            page fw : code, 4K, pool sram;
            page fw_ns : code, 4K, pool low, non_secure_ok;
        }
        table guest (cores [1, 3], EL1_S) {
            virtual 0x0400_0000 .. +1M;
        }
        shared page mailbox : data, 4K, tables [hyp, user];
        shared page shared_regs : device, 4K, pa 0x0900_1000, tables [hyp];
        shared segment inbox : data_shared, 0x100, in mailbox;
    }
}

fn main() {
    assert_eq!(every::hyp::TEXT.len(), 2);
    assert_eq!(every::user::USTACK[1].guard(), 0x2000);
    assert!(every::hyp::TEXT[0].pa() >= 0x1000_0000 && every::hyp::TEXT[0].pa() < 0x2000_0000);
    assert_eq!(every::hyp::VIEW.pa(), every::hyp::FRAME.pa());
    assert_eq!(every::hyp::FRAME.va(), 0x2000_0000);
    assert_ne!(every::hyp::VIEW.va(), every::hyp::FRAME.va());
    assert_eq!(every::hyp::TABLE.va(), 0x2000_0000);
    assert_eq!(every::hyp::REGS.perms(), memlayout::Perms::R);
    assert_eq!(every::hyp::REGS.device_type(), Some(memlayout::DeviceType::nGnRE));
    assert_eq!(every::hyp::GICD.device_type(), Some(memlayout::DeviceType::nGnRnE));
    assert_eq!(every::hyp::WC.device_type(), Some(memlayout::DeviceType::nGRE));
    assert_eq!(every::hyp::FB.device_type(), Some(memlayout::DeviceType::GRE));
    assert_eq!(every::user::XONLY.perms(), memlayout::Perms::X);
    assert_eq!(
        every::hyp::TAGGED.attr("level"),
        Some(&memlayout::AttrValue::Int(-2))
    );
    assert_eq!(every::hyp::INBOX.pa(), every::user::INBOX.pa());
    assert_eq!(every::user::HEAP.len(), 4);
    assert_eq!(every::user::VARS.kind(), memlayout::SegmentKind::Data);
    assert_eq!(every::user::ZEROED.kind(), memlayout::SegmentKind::Bss);
    assert_eq!(every::user::STRINGS.kind(), memlayout::SegmentKind::Rodata);
    assert!(every::user::CONSTS.contains_va(every::user::STRINGS.va()));
    assert!(every::user::APP.contains_va(every::user::TABLES_RO.va()));
    assert_eq!(every::TABLES.len(), 4);
    assert_eq!(every::monitor::INFO.cores().len(), 4);
    assert!(every::monitor::INFO.cores().contains(3));
    assert_eq!(every::guest::INFO.cores().iter().collect::<Vec<_>>(), [1, 3]);
    assert_eq!(every::monitor::FW.core(), 0);
    assert!(every::hyp::SHARED_REGS.is_shared());
    for (bytes, pa) in [
        (every::hyp::TRANSLATION.as_bytes(), every::hyp::TABLES_PA),
        (every::user::TRANSLATION.as_bytes(), every::user::TABLES_PA),
    ] {
        assert!(!bytes.is_empty() && bytes.len() % 4096 == 0);
        assert!((0x1000_0000..0x2000_0000).contains(&pa));
    }
    assert_eq!(every::hyp::TTBR0, every::hyp::TABLES_PA);
}
