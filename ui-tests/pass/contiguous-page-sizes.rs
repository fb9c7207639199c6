// Page sizes that are Contiguous groups with the 4 KiB granule: the kernel table of the
// operating-system example, whose interrupt distributor is one 64K page (16 level 3
// pages with the Contiguous bit), and a table with a 32M page and a run of 64K pages.
memlayout_macros::memory_layout! {
    mod os {
        physical ram = 0x4000_0000 .. +1G;
        physical mmio = 0x0800_0000 .. +0x0900_0000, device;
        table kernel (cores 0..=3, EL1_NS) {
            virtual 0xFFFF_8000_0000_0000 .. +1G;
            page text  : code, 2M, rx;
            page stack : data, 4K * 4, rw, guard 4K;        // 4 KiB unmapped on each side of the run
            page gicd  : device, 64K, pa 0x0800_0000, nGnRnE;
            page fb    : device, 2M, pa 0x1000_0000, GRE;
        }
        table shell (cores 0..=3, EL0_NS, asid 1, under kernel) {  // a process: TTBR0 with ASID 1, under `kernel`'s TTBR1
            virtual 0x40_0000 .. +1G;
            page text  : code, 4K * 8, x;                   // execute-only at EL0
            page heap  : data, 2M, rw;
        }
        table init (cores 0..=3, EL0_NS, asid 300, under kernel) { virtual 0x40_0000 .. +1G; page text : code, 4K, rx; }
        table fw (core 0, EL3) {
            virtual 0x4000_0000 .. +1G;
            page heap : data, 32M, rw;
            page bufs : data, 64K * 3, rw;
        }
    }
}

use memlayout::PageSize;
use memlayout::aarch64::{Regime, walk_registers};

const _: () = {
    // One page: one constant, its size, aligned to it in VA and PA.
    assert!(os::kernel::GICD.size() == 0x1_0000);
    assert!(matches!(os::kernel::GICD.page_size(), PageSize::Size64K));
    assert!(os::kernel::GICD.pa() == 0x0800_0000);
    assert!(os::kernel::GICD.va() % 0x1_0000 == 0);
    assert!(os::fw::HEAP.size() == 0x200_0000);
    assert!(os::fw::HEAP.va() % 0x200_0000 == 0 && os::fw::HEAP.pa() % 0x200_0000 == 0);
    assert!(os::fw::BUFS.len() == 3);
};

fn main() {
    let k = os::kernel::TRANSLATION.as_bytes();
    let walk = |va: u64| {
        walk_registers(
            k,
            os::kernel::TABLES_PA,
            Regime::El10,
            os::kernel::TCR,
            os::kernel::TTBR0,
            os::kernel::TTBR1,
            va,
        )
        .unwrap()
    };
    let gicd = os::kernel::GICD;
    for off in [0, 0x8000, 0xFFFF] {
        let w = walk(gicd.va() + off);
        assert_eq!((w.pa, w.level, w.attr), (0x0800_0000 + off, 3, 0x00));
        assert!(w.contiguous(), "the 16 pages of a 64K page are one Contiguous group");
    }
    let f = os::fw::TRANSLATION.as_bytes();
    let heap = os::fw::HEAP;
    for off in [0, 0x100_0008, 0x1FF_FFFF] {
        let w = walk_registers(
            f,
            os::fw::TABLES_PA,
            Regime::El3,
            os::fw::TCR,
            os::fw::TTBR0,
            0,
            heap.va() + off,
        )
        .unwrap();
        assert_eq!((w.pa, w.level), (heap.pa() + off, 2));
        assert!(w.contiguous());
    }
    for page in os::fw::BUFS {
        assert_eq!(page.va() % 0x1_0000, 0);
        assert_eq!(page.pa() % 0x1_0000, 0);
    }
}
