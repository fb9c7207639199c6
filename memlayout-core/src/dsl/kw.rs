//! The keywords of the `memory_layout!` language's declarations and options.
//!
//! Each is a [`syn::custom_keyword!`], so `lookahead1` can name it in "expected one of"
//! errors. `virtual`, `in` and `mod` are Rust keywords and come from `syn::Token!`. The
//! keywords that name a value of a model enum (exception levels, page and segment kinds,
//! permissions, cacheability, shareability) are not here: each is spelt once, next to
//! its variant, and the parser reads them from the enum's `NAMES` and `from_name`.

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
// `granule = 4K | 16K | 64K;` at the top or inside a table.
syn::custom_keyword!(granule);
// `va_bits = N;` and `va_bits upper = N;` inside a table.
syn::custom_keyword!(va_bits);
syn::custom_keyword!(upper);
// `asid N` and `under TABLE` in a table header.
syn::custom_keyword!(asid);
syn::custom_keyword!(under);

// Where the translation tables go: `tables at RANGE;` or `tables in POOL;`.
syn::custom_keyword!(at);
// The granule protection table: `gpt in POOL;` or `gpt at RANGE;`, `, l0gptsz SIZE`.
syn::custom_keyword!(gpt);
syn::custom_keyword!(l0gptsz);

// Pool flags.
syn::custom_keyword!(device);
syn::custom_keyword!(non_secure);
syn::custom_keyword!(secure);
syn::custom_keyword!(realm);
syn::custom_keyword!(root);
// The opt-in for non-secure memory under a secure table (`tables ..`, pages).
syn::custom_keyword!(non_secure_ok);
// A secure table's view of a pool in both spaces.
syn::custom_keyword!(non_secure_view);

// Page and segment options.
syn::custom_keyword!(identity);
syn::custom_keyword!(va);
syn::custom_keyword!(pa);
syn::custom_keyword!(pool);
syn::custom_keyword!(align);
syn::custom_keyword!(attrs);
// `tables [..]` (declared above) is one too.
syn::custom_keyword!(alias);
// `guard SIZE` on a page.
syn::custom_keyword!(guard);
