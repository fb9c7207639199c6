//! temporary: table images in their link sections
macro_rules! image {
    ($($t:ident),*) => {$(
        #[allow(non_upper_case_globals)]
        #[used]
        #[unsafe(link_section = concat!(".memlayout.tables.", stringify!($t)))]
        static $t: [u8; crate::board::$t::TRANSLATION.as_bytes().len()] =
            *crate::board::$t::TRANSLATION.as_bytes().first_chunk().unwrap();
    )*};
}
image!(core0_el3, core1_el3, core0_el1);
