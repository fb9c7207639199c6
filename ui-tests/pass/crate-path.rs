// The expansion reaches `memlayout` by the path the layout gives: here through a module
// that re-exports it under another name, as a HAL crate that re-exports memlayout would.
mod hal {
    pub use memlayout as ml;
}

memlayout_macros::memory_layout! {
    #[memlayout(crate = "crate::hal::ml")]
    /// A layout whose expansion names the crate `crate::hal::ml`.
    mod board {
        physical ram = 0x4000_0000 .. +256M;
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +256M;
            page text : code, 4K * 2, rx;
        }
    }
}

// The same through `memlayout::memory_layout!`, which passes `$crate`.
memlayout::memory_layout! {
    mod board2 {
        physical ram = 0x4000_0000 .. +256M;
        table el1 (core 0, EL1_NS) {
            virtual 0x4000_0000 .. +256M;
            page text : code, 4K * 2, rx;
        }
    }
}

fn main() {
    let text: &hal::ml::Page = &board::el1::TEXT[1];
    assert_eq!(text.va(), board::el1::TEXT[0].va() + 4096);
    assert_eq!(board2::el1::TEXT[0].size(), 4096);
    assert_eq!(board::el1::TTBR0, board::el1::TABLES_PA);
}
