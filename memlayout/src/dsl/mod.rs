//! The `memory_layout!` language: parse, check, plan and expand.
//!
//! The stages run in order, each in the file named after it:
//!
//! 1. [`ast`]: tokens to a syntax tree that keeps every span, recovering after each bad
//!    declaration or option so every syntax error is reported;
//! 2. [`check`]: rules across declarations that need no planning;
//! 3. [`lower`]: the tree to a plain-data [`Spec`](crate::spec::Spec) with a declaration
//!    id per declaration;
//! 4. [`plan`](crate::plan::plan): the engine places everything, or returns every error
//!    with the id and part of the declaration at fault;
//! 5. [`expand`](mod@expand): the planned layout to `const` items.
//!
//! Errors of every stage go to one [`ctxt::Ctxt`]; after a stage that found
//! errors, the expansion is the module skeleton plus one `compile_error!` per error.
//!
//! # Layout files
//!
//! The same language lives in files (extension `.memlayout`, holding the
//! `mod NAME { .. }` form): [`file::plan_text`] runs the stages on a file's text and
//! locates every error by line and column, and `memory_layout!(include "PATH")` expands
//! a file (see [`include`](mod@include)).
//!
//! # Grammar
//!
//! Keywords are in quotes; `NUM` is an integer literal, optionally suffixed `K`, `M` or
//! `G` (`0x8000_0000`, `4K`, `2M`, `1G`); `INT` is a plain integer; `{ x }` repeats,
//! `[ x ]` is optional. `///` doc comments may precede any declaration.
//!
//! ```text
//! layout     = { attribute } [ visibility ] "mod" IDENT "{" { item } "}" ;
//! item       = "seed" "=" NUM ";"
//!            | "pa_bits" "=" INT ";"                  (* 32, 36, 40, 42, 44 or 48; at most once *)
//!            | "tables" ( "at" range | "in" IDENT ) ";"  (* at most once *)
//!            | "wxn" ";"                              (* at most once *)
//!            | "physical" IDENT "=" range { "," ( "device" | "non_secure" ) } ";"
//!            | "table" IDENT "(" "core" INT "," EL [ "," ] ")" "{" { table_item } "}"
//!            | "shared" page
//!            | "shared" segment ;
//! table_item = "virtual" range { "," range } ";" | page | segment ;
//! page       = "page" IDENT ":" page_kind "," ( NUM [ "*" INT ] | alias )
//!              { "," page_opt } [ "," ] ";" ;
//! page_kind  = "code" | "data" | "device" | "system" ;
//! page_opt   = "identity" | "va" NUM | "pa" NUM | "pool" IDENT | alias
//!            | "r" | "rw" | "rx" | "rwx"
//!            | "write_back" | "write_through" | "non_cacheable"
//!            | "non_shareable" | "inner" | "outer"
//!            | "attrs" "{" [ attr { "," attr } [ "," ] ] "}"
//!            | "tables" "[" [ IDENT { "," IDENT } [ "," ] ] "]" ;   (* shared pages *)
//! alias      = "alias" [ IDENT "::" ] IDENT ;
//! attr       = IDENT "=" ( [ "-" ] INT | STRING | "true" | "false" ) ;
//! segment    = "segment" IDENT ":" segment_kind "," NUM { "," segment_opt } [ "," ] ";" ;
//! segment_kind = "bsp_boot_code" | "boot_code" | "code" | "rodata" | "data" | "bss"
//!            | "data_shared" | "data_preserve" | "stack" ;
//! segment_opt = "align" NUM | "identity" | "in" IDENT | "va" NUM ;
//! range      = NUM ".." ( NUM | "+" NUM ) ;
//! EL         = "EL3" | "EL2_NS" | "EL2_S" | "EL1_NS" | "EL1_S" | "EL1_Realm"
//!            | "EL0_NS" | "EL0_S" | "EL0_Realm" ;
//! ```
//!
//! * Segment kinds take these pages (see [`SegmentKind`](crate::SegmentKind)):
//!   `bsp_boot_code`, `boot_code` and `code` code pages; `rodata` code pages or data
//!   pages without write permission; `data` and `bss` data pages with write permission;
//!   `data_shared`, `data_preserve` and `stack` any data page. Device and system pages
//!   take no segments; a segment `in` a page that does not take its kind is an error on
//!   the kind, with a note on the page's kind or permissions.
//! * `pa_bits` sets the size of the physical address space (48 bits when absent): every
//!   pool and fixed `pa` must lie below `2^pa_bits`.
//! * `tables at START .. END` (or `.. +SIZE`) packs the translation tables of every table,
//!   in declaration order, from `START`; the range must be RAM inside a pool and large
//!   enough, and the whole of it is reserved before any page is placed, so no page can
//!   take it. `tables in POOL` puts them anywhere in that RAM pool. Without either, the
//!   allocator puts them in the RAM pools, preferring pools of each table's security
//!   state.
//! * `wxn` sets `SCTLR_ELx.WXN` in every table's `SCTLR_SET` (writable memory is
//!   execute-never); an `rwx` code or data page is then an error.
//!
//! # Output
//!
//! `VIS mod NAME { .. }` (with the module's attributes) holding
//! `TABLES: &[TableInfo; K]`, every table in declaration order, and one module per table
//! with:
//!
//! * `INFO: &TableInfo`; `PAGES: &[Page; N]`, every page mapped in the table (its shared
//!   pages included) in declaration order, a `* N` page giving `N` consecutive pages;
//!   `SEGMENTS: &[Segment; M]`;
//! * one constant per page (`&Page`, or `&[Page; N]` for `* N`) and per segment
//!   (`&Segment`), named in UPPER_SNAKE_CASE;
//! * `static TRANSLATION: TranslationImage<BYTES>`: the table's AArch64 translation
//!   tables (root first, 4 KiB each, little-endian), 4 KiB aligned, to be copied to
//!   `TABLES_PA` (or linked there); a `static` so it has one address and is not copied
//!   into every use, and readable in `const` code (`TRANSLATION.as_bytes()`);
//! * `TABLES_PA`, `MAIR`, `TCR`, `TTBR0`, `SCTLR_SET` (`u64`): where the tables go and
//!   the register values of the table's regime (`*_EL3`, `*_EL2` or `*_EL1`) that load
//!   them; `SCTLR_SET` holds the bits to set (M, C, I, and WXN with `wxn`).
//!
//! On errors, the same modules hold `INFO`, empty `PAGES` and `SEGMENTS`, a placeholder
//! per page and segment, one zeroed 4 KiB table as `TRANSLATION` and zero registers, so
//! code that uses them only sees the real errors.

use std::prelude::rust_2024::*;

pub mod ast;
pub mod check;
pub mod ctxt;
pub mod expand;
pub mod file;
pub mod include;
mod kw;
pub mod lower;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};

use ctxt::Ctxt;

/// Expands the body of a `memory_layout!` invocation: a layout, or `include "PATH"`
/// naming a layout file relative to the crate's manifest directory (see [`include`](mod@include)).
///
/// Never panics: any input gives tokens, either the generated module or
/// `compile_error!` invocations (next to the module skeleton when the module header
/// parsed) pointing at the tokens at fault.
pub fn expand(input: TokenStream) -> TokenStream {
    match include::request(&input) {
        Some(Ok(path)) => include::expand(&path),
        Some(Err(e)) => e.to_compile_error(),
        None => expand_with(input, Ctxt::to_compile_errors),
    }
}

/// Expands a layout; when it has errors, `errors` turns them into tokens, which go next
/// to the module skeleton.
pub(crate) fn expand_with(
    input: TokenStream,
    errors: impl FnOnce(&Ctxt) -> TokenStream,
) -> TokenStream {
    let mut cx = Ctxt::new();
    let parsed = (|stream: ParseStream| ast::parse_layout(stream, &mut cx)).parse2(input);
    let layout = match parsed {
        Ok(layout) => layout,
        Err(e) => {
            cx.syn_error(e);
            return errors(&cx);
        }
    };
    check::check(&layout, &mut cx);
    if !cx.is_empty() {
        return expand::skeleton(&layout, errors(&cx));
    }
    let (spec, decls) = lower::lower(&layout);
    match crate::plan::plan(&spec) {
        Ok(plan) => expand::expand(&layout, &decls, &plan),
        Err(plan_errors) => {
            for e in &plan_errors {
                decls.report(e, &mut cx);
            }
            expand::skeleton(&layout, errors(&cx))
        }
    }
}

/// The messages `expand` would report for `input`, in order (each note is its own
/// message); empty when the input is valid. For tests and tools.
pub fn diagnostics(input: TokenStream) -> Vec<String> {
    let mut cx = Ctxt::new();
    let parsed = (|stream: ParseStream| ast::parse_layout(stream, &mut cx)).parse2(input);
    let layout = match parsed {
        Ok(layout) => layout,
        Err(e) => {
            cx.syn_error(e);
            return cx.messages();
        }
    };
    check::check(&layout, &mut cx);
    if cx.is_empty() {
        let (spec, decls) = lower::lower(&layout);
        if let Err(errors) = crate::plan::plan(&spec) {
            for e in &errors {
                decls.report(e, &mut cx);
            }
        }
    }
    cx.messages()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    fn diags(src: &str) -> Vec<String> {
        diagnostics(src.parse().unwrap_or_default())
    }

    const OK: &str = "
        mod soc {
            physical ram = 0x8000_0000 .. +1G;
            table t (core 0, EL3) {
                virtual 0x8000_0000 .. +1G;
                page boot : code, 2M, identity;
                page heap : data, 4K * 2;
                segment stack : stack, 0x800, in heap;
            }
        }";

    #[test]
    fn valid_input_has_no_diagnostics() {
        assert!(diags(OK).is_empty());
        let out = expand(OK.parse().unwrap_or_default()).to_string();
        assert!(out.contains("pub const BOOT"));
        assert!(out.contains("pub const HEAP : & [__MemlayoutPage ; 2]"));
        assert!(!out.contains("compile_error"));
    }

    #[test]
    fn errors_in_several_declarations_are_all_reported() {
        let d = diags(
            "mod soc {
                physical ram = 0x8000_0000 .. +1G;
                table t (core 0, EL9) {
                    virtual 0x8000_0000 .. +1G;
                    page a : code, 4K, bogus;
                    page b : code 4K;
                    page c : data, 4K, rw, r;
                    segment s : stack, 0x10, align 3, in nowhere;
                }
                frobnicate;
            }",
        );
        let text = d.join("\n");
        for needle in [
            "`EL9` is not an exception level",
            "`bogus` is not a page option",
            "expected `,`",
            "permissions are given twice",
            "alignment 0x3 is not a power of two",
            "there is no page named `nowhere`",
            "`frobnicate` is not a declaration",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    #[test]
    fn a_failed_declaration_is_not_reported_again_as_unknown() {
        let d = diags(
            "mod soc {
                physical ram = 0x8000_0000 .. +1G;
                table t (core 0, EL3) {
                    virtual 0x8000_0000 .. +1G;
                    page heap : data 4K;
                    segment s : stack, 0x10, in heap;
                }
            }",
        );
        assert_eq!(d.len(), 1, "{d:?}");
    }

    #[test]
    fn errors_keep_the_module_skeleton() {
        let out = expand(
            "pub mod soc { table t (core 0, EL3) { page p : data, 5K; } }"
                .parse()
                .unwrap_or_default(),
        )
        .to_string();
        assert!(out.contains("compile_error"));
        assert!(out.contains("pub mod soc"));
        assert!(out.contains("pub mod t"));
        assert!(out.contains("pub const INFO"));
        assert!(out.contains("pub const P :"));
    }

    #[test]
    fn translation_items_are_emitted() {
        let out = expand(
            "mod soc {
                pa_bits = 40;
                physical ram = 0x8000_0000 .. +1G;
                tables in ram;
                wxn;
                table t (core 0, EL1_NS) {
                    virtual 0x8000_0000 .. +1G;
                    page text : code, 4K;
                }
            }"
            .parse()
            .unwrap_or_default(),
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        for item in [
            "pub static TRANSLATION : :: memlayout :: aarch64 :: TranslationImage < 16384 >",
            "TranslationImage (* b\"",
            "pub const TABLES_PA : u64",
            "pub const MAIR : u64",
            "pub const TCR : u64",
            "pub const TTBR0 : u64",
            "pub const SCTLR_SET : u64 = 528389",
            "`TCR_EL1`",
        ] {
            assert!(out.contains(item), "missing {item:?}");
        }
    }

    #[test]
    fn translation_options_are_checked() {
        let d = diags(
            "mod soc {
                pa_bits = 4K;
                physical ram = 0x8000_0000 .. +1G;
                tables on ram;
                table t (core 0, EL3) {
                    virtual 0x8000_0000 .. +1G;
                    wxn;
                    page translation : code, 4K;
                }
            }",
        );
        let text = d.join("\n");
        for needle in [
            "PA size `4K` is not a plain number",
            "expected `at` or `in`",
            "`wxn` applies to the whole layout",
            "would become the constant `TRANSLATION`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    #[test]
    fn a_broken_header_gives_only_errors() {
        let out = expand("struct X;".parse().unwrap_or_default()).to_string();
        assert!(out.starts_with(":: core :: compile_error !"), "{out}");
    }
}
