// The granule protection table gives `dram` to the Non-secure space alone: the
// monitor's table walks (Root space) would fault there, so `non_secure_ok` on its
// tables cannot stand beside a `gpt`.
memlayout_macros::memory_layout! {
    mod soc {
        physical bl31 = 0x0E00_0000 .. +2M, root;
        physical dram = 0x4000_0000 .. +1G, non_secure;
        gpt in bl31;
        table mon (core 0, EL3) {
            tables in dram, non_secure_ok;
            virtual 0x0E00_0000 .. +2M;
            page text : code, 4K;
        }
    }
}

fn main() {}
