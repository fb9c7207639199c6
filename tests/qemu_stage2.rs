//! Stage 2 on QEMU: bring-up of the stage 2 harness with hand-written tables.

use memlayout_tests::qemu::{self, par_attr, par_fault, par_pa};
use memlayout_tests::qemu_s2::{self, HCR_RW, HCR_VM, S2Job, S2Kind, S2Probe, S2Result};

fn words_to_bytes(words: &[u64]) -> Vec<u8> {
    words.iter().flat_map(|w| w.to_le_bytes()).collect()
}

#[test]
#[cfg_attr(
    memlayout_no_qemu,
    ignore = "install qemu-system-arm gcc-aarch64-linux-gnu"
)]
fn bring_up() {
    if !qemu::require_tools_or_skip() {
        return;
    }
    // Stage 2: 4K granule, 39-bit IPA, start level 1.
    let s2_base = 0x4180_0000u64;
    let mut l1 = [0u64; 512];
    let mut l2 = [0u64; 512];
    l1[1] = (s2_base + 0x1000) | 3;
    let af = 1 << 10;
    let rw = 3 << 6;
    let ro = 1 << 6;
    let wb = 0xf << 2;
    let xn = 1 << 54;
    l2[0] = 0x4200_0000 | 1 | af | 3 << 8 | rw | wb;
    l2[1] = 0x4300_0000 | 1 | af | 3 << 8 | ro | wb | xn;
    l2[2] = 0x4400_0000 | 1 | af | rw | 1 << 2 | xn;
    let mut s2 = words_to_bytes(&l1);
    s2.extend(words_to_bytes(&l2));
    let vtcr = 25 | 1 << 6 | 1 << 8 | 1 << 10 | 3 << 12 | 2 << 16 | 1 << 31;
    let vttbr = s2_base | 5 << 48;
    // Guest stage 1 at IPA 0x4010_0000 (PA 0x4210_0000): identity 2M blocks.
    let mut g1 = [0u64; 512];
    let mut g2 = [0u64; 512];
    g1[1] = 0x4010_1000 | 3;
    for (i, e) in g2.iter_mut().take(4).enumerate() {
        *e = (0x4000_0000 + i as u64 * 0x20_0000) | 1 | af;
    }
    let mut s1 = words_to_bytes(&g1);
    s1.extend(words_to_bytes(&g2));
    let tcr = 25 | 1 << 8 | 1 << 10 | 3 << 12 | 1 << 23 | 2 << 32;
    let probes = vec![
        S2Probe::new(0x4000_0000, S2Kind::AtS12E1R),
        S2Probe::new(0x4000_1008, S2Kind::AtS12E1W),
        S2Probe::new(0x4020_0010, S2Kind::AtS12E1R),
        S2Probe::new(0x4040_0000, S2Kind::AtS12E1R),
        S2Probe::new(0x4060_0000, S2Kind::AtS1E1R),
        S2Probe::access(0x4020_0100, S2Kind::Load, 0x4300_0100),
        S2Probe::access(0x4000_8000, S2Kind::Store, 0x4200_8000),
        S2Probe::new(0x4020_0000, S2Kind::Store),
        S2Probe::new(0x4060_0000, S2Kind::Load),
        S2Probe::access(0x4040_0008, S2Kind::Load, 0x4400_0008),
    ];
    let job = S2Job {
        hcr: HCR_VM | HCR_RW,
        vtcr,
        vttbr,
        mair: 0xff,
        tcr,
        ttbr0: 0x4010_0000,
        sctlr_set: qemu::SCTLR_M,
        code: Some((0x4000_0000, 0x4200_0000)),
        images: vec![(s2_base, s2), (0x4210_0000, s1)],
        probes,
    };
    let out = qemu_s2::run(&job).unwrap_or_else(|e| panic!("{e}"));
    for (p, r) in job.probes.iter().zip(&out) {
        match r {
            S2Result::Par(par) => eprintln!(
                "{p:x?}: par {par:#x} fault {} pa {:#x} attr {:#x}",
                par_fault(*par),
                par_pa(*par),
                par_attr(*par)
            ),
            other => eprintln!("{p:x?}: {other:x?}"),
        }
    }
}
