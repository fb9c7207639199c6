//! Every granule, the `T` suffix and 52-bit VA and PA sizes.
memlayout_macros::memory_layout! {
    mod soc {
        granule = 16K;
        pa_bits = 52;
        physical ram = 0x8000_0000 .. +1G;
        physical far = 0x000F_0000_0000_0000 .. +1T;

        table el3 (core 0, EL3) {
            virtual 0x8000_0000 .. +1G;
            page text : code, 16K * 2, rx, identity;
            page heap : data, 2M;
            page big  : data, 32M, pool far;
        }
        table el2 (core 0, EL2_NS) {
            granule = 64K;
            virtual 0x8000_0000 .. +1G;
            page text : code, 64K, rx;
            page blk  : data, 512M;
        }
        table el1 (core 0, EL1_NS) {
            granule = 4K;
            va_bits = 52;
            virtual 0x000F_0000_0000_0000 .. +1G;
            page data : data, 4K * 2;
        }
    }
}

fn main() {
    assert_eq!(soc::el3::GRANULE, 0x4000);
    assert_eq!(soc::el2::GRANULE, 0x1_0000);
    assert_eq!(soc::el1::GRANULE, 0x1000);
}
