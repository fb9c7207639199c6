//! Every keyword of the `memory_layout!` language, in one place.
//!
//! Each is a [`syn::custom_keyword!`], so `lookahead1` can name it in "expected one of"
//! errors. `virtual`, `in` and `mod` are Rust keywords and come from `syn::Token!`.

// Declarations.
syn::custom_keyword!(seed);
syn::custom_keyword!(physical);
syn::custom_keyword!(table);
syn::custom_keyword!(shared);
syn::custom_keyword!(page);
syn::custom_keyword!(segment);
syn::custom_keyword!(core);
syn::custom_keyword!(cores);
syn::custom_keyword!(pa_bits);
syn::custom_keyword!(tables);
syn::custom_keyword!(wxn);
// `va_bits = N;` and `va_bits upper = N;` inside a table.
syn::custom_keyword!(va_bits);
syn::custom_keyword!(upper);

// Where the translation tables go: `tables at RANGE;` or `tables in POOL;`.
syn::custom_keyword!(at);

// Pool flags.
syn::custom_keyword!(device);
syn::custom_keyword!(non_secure);

// Page kinds (`device` above is one too).
syn::custom_keyword!(code);
syn::custom_keyword!(data);
syn::custom_keyword!(system);

// Segment kinds (`code` and `data` above are ones too).
syn::custom_keyword!(bsp_boot_code);
syn::custom_keyword!(rodata);
syn::custom_keyword!(bss);
syn::custom_keyword!(boot_code);
syn::custom_keyword!(data_shared);
syn::custom_keyword!(data_preserve);
syn::custom_keyword!(stack);

// Page and segment options.
syn::custom_keyword!(identity);
syn::custom_keyword!(va);
syn::custom_keyword!(pa);
syn::custom_keyword!(pool);
syn::custom_keyword!(align);
syn::custom_keyword!(attrs);
// `tables [..]` (declared above) is one too.
syn::custom_keyword!(alias);

// Permissions.
syn::custom_keyword!(r);
syn::custom_keyword!(rw);
syn::custom_keyword!(rx);
syn::custom_keyword!(rwx);

// Cacheability.
syn::custom_keyword!(write_back);
syn::custom_keyword!(write_through);
syn::custom_keyword!(non_cacheable);

// Shareability.
syn::custom_keyword!(non_shareable);
syn::custom_keyword!(inner);
syn::custom_keyword!(outer);
