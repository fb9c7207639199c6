// `#[memlayout(..)]` takes one option, `crate = "PATH"`, once, with a path.
memlayout_macros::memory_layout! {
    #[memlayout(krate = "::memlayout")]
    mod unknown_option {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) { virtual 0x8000_0000 .. +1G; page p : data, 4K; }
    }
}

memlayout_macros::memory_layout! {
    #[memlayout(crate = "not a path")]
    mod not_a_path {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) { virtual 0x8000_0000 .. +1G; page p : data, 4K; }
    }
}

memlayout_macros::memory_layout! {
    #[memlayout(crate = "::memlayout", crate = "::memlayout")]
    mod twice {
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL3) { virtual 0x8000_0000 .. +1G; page p : data, 4K; }
    }
}

fn main() {}
