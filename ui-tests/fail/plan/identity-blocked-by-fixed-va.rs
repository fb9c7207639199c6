memlayout_macros::memory_layout! {
    mod soc {
        physical boot = 0x4008_0000 .. +4K;
        physical ram  = 0x4010_0000 .. +255M;
        table t (core 0, EL2_NS) {
            virtual 0x4000_0000 .. +1G;
            page entry  : code, 4K, identity, pool boot;
            page fixmap : data, 4K, va 0x4008_0000, pa 0x4010_0000, rw;
        }
    }
}

fn main() {}
