// A pool lies in one physical address space: only `secure, non_secure` names two.
memlayout_macros::memory_layout! {
    mod soc {
        physical rmm = 0x4800_0000 .. +256M, realm, root;
    }
}

fn main() {}
