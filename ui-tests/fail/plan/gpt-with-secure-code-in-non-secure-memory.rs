// The granule protection table gives `dram` to the Non-secure space alone: the secure
// kernel's instruction fetches from `text` would fault there, so `non_secure_ok` on that
// page cannot stand beside a `gpt`, even one placed before the pages.
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

fn main() {}
