//! The `memory_layout!` language: parse, check, plan and expand.
//!
//! The stages run in order, each in the (crate-private) module named after it:
//!
//! 1. `ast`: tokens to a syntax tree that keeps every span, recovering after each bad
//!    declaration or option so every syntax error is reported;
//! 2. `check`: rules across declarations that need no planning;
//! 3. `lower`: the tree to a plain-data [`Spec`](crate::spec::Spec) with a declaration
//!    id per declaration;
//! 4. [`plan`](crate::plan::plan): the engine places everything, or returns every error
//!    with the id and part of the declaration at fault;
//! 5. `expand`: the planned layout to `const` items.
//!
//! One driver runs these stages for every front end (the macro, `include`, layout
//! files, build scripts, the `memlayout` command), so all report the same diagnostics
//! in the same order. Diagnostics of every stage go to one collector as data
//! (message, tokens at fault, labelled notes, help) and are rendered only at the edge:
//! after a stage that found errors, the macro's expansion is the module skeleton plus
//! one `compile_error!` per location (the message, then each note on its tokens), and
//! layout files get located [`file::Diagnostic`]s, rendered as rustc does by
//! [`file::Renderer`].
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
#![doc = crate::__grammar_doc!()]
//!
//! # Output
//!
#![doc = crate::__expansion_doc!()]

use std::prelude::rust_2024::*;

pub(crate) mod ast;
pub(crate) mod check;
pub(crate) mod ctxt;
mod driver;
mod error;
pub(crate) mod expand;
pub mod file;
pub mod include;
mod kw;
pub(crate) mod lower;
pub mod reference {
    //! The reference text of the language, as Markdown: the grammar and the expansion,
    //! the `# Grammar` and `# Output` sections above.
    pub use crate::reference::{EXPANSION, GRAMMAR};
}
mod render;
mod write;

use ctxt::Ctxt;
use driver::Outcome;
use proc_macro2::TokenStream;

/// Expands the body of a `memory_layout!` invocation: a layout, or `include "PATH"`
/// naming a layout file relative to the crate's manifest directory (see [`include`](mod@include)).
///
/// Never panics: any input gives tokens, either the generated module or
/// `compile_error!` invocations (next to the module skeleton when the module header
/// parsed) pointing at the tokens at fault.
///
/// The expansion names the `memlayout` crate `::memlayout`, unless the layout says
/// `#[memlayout(crate = "PATH")]`; [`expand_for_crate`] takes another default.
pub fn expand(input: TokenStream) -> TokenStream {
    expand_in(input, None)
}

/// [`expand`], naming the `memlayout` crate `krate` (a path: `::ml`, `$crate`, ...)
/// unless the layout names one with `#[memlayout(crate = "PATH")]`, which wins. This is
/// how `memlayout::memory_layout!` passes `$crate`, so its expansion works under any
/// name the dependency has.
pub fn expand_for_crate(krate: TokenStream, input: TokenStream) -> TokenStream {
    expand_in(input, Some(&krate))
}

/// [`expand`] with the default crate path `krate` (`None`: `::memlayout`).
fn expand_in(input: TokenStream, krate: Option<&TokenStream>) -> TokenStream {
    match include::request(&input) {
        Some(Ok(path)) => include::expand(&path, krate),
        Some(Err(e)) => e.to_compile_error(),
        None => expand_with(input, krate, Ctxt::to_compile_errors),
    }
}

/// Expands a layout, naming the crate as the layout says, else `krate`, else
/// `::memlayout` (with [`expand::dependency_check`]); when it has errors, `errors` turns
/// them into tokens, which go next to the module skeleton.
pub(crate) fn expand_with(
    input: TokenStream,
    krate: Option<&TokenStream>,
    errors: impl FnOnce(&Ctxt) -> TokenStream,
) -> TokenStream {
    driver::run(input, |cx, outcome| {
        let layout = match &outcome {
            Outcome::Planned(layout, ..) | Outcome::Failed(layout) => *layout,
            Outcome::Unparsed => return errors(cx),
        };
        let (krate, mut out) = expand::crate_path(layout, krate);
        out.extend(match outcome {
            Outcome::Planned(_, decls, plan) => expand::expand(layout, &krate, &decls, &plan),
            _ => expand::skeleton(layout, &krate, errors(cx)),
        });
        out
    })
}

/// The texts of the `compile_error!`s `expand` would emit for `input`, in order: each
/// diagnostic's message (with its help after a blank line), then each of its notes as
/// `note: NOTE`. Empty when the input is valid. For tests and tools; layout files get
/// located diagnostics from [`file::plan_text`].
pub fn diagnostics(input: TokenStream) -> Vec<String> {
    driver::run(input, |cx, _| cx.messages())
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
        // The map as a constant and as the module's rustdoc.
        // A raw literal, which the compiler only scans for its end.
        let map = out
            .split("pub const MAP : & str = ")
            .nth(1)
            .unwrap_or_default();
        assert!(
            map.trim_start_matches(['r', '#'])
                .starts_with("\"memory layout (deterministic)"),
            "{out}"
        );
        assert!(out.contains("# Memory map"));
        assert!(out.contains("## Table `t` (core 0, EL3)"));
        // A `* N` run is one row and one line.
        assert!(out.contains("| 2 x 4K | page: data rw | `heap` |"), "{out}");
        assert!(!out.contains("heap[1]"), "{out}");
        assert!(out.contains("| segment: stack | `stack` |"));
        // On errors, an empty map and no map in the docs.
        let bad = expand(OK.replace("2M,", "3M,").parse().unwrap_or_default()).to_string();
        assert!(bad.contains("pub const MAP : & str = \"\""));
        assert!(!bad.contains("# Memory map"));
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
    fn a_forgotten_semicolon_loses_no_declaration() {
        let d = diags(
            "mod soc {
                physical ram = 0x8000_0000 .. +1G;
                table t (core 0, EL3) {
                    virtual 0x8000_0000 .. +1G;
                    page heap : data, 4K, rw
                    page text : code, 4K;
                    segment entry : code, 0x100, in text;
                    segment stack : stack, 0x100, in heap
                }
            }",
        );
        assert_eq!(
            d,
            [
                "expected `;` or `,` after this; the declaration ends without its `;` before the next `page`",
                "expected `;` or `,` after this; the declaration ends without its `;` before the end of the block",
            ],
            "the pages stay declared, so `in text` and `in heap` are no errors"
        );
    }

    #[test]
    fn inclusive_ranges_and_other_tools_words_get_the_language_s_form() {
        let d = diags(
            "mod soc {
                physical ram = 0x8000_0000 .. +1G;
                table t (core 0, EL3) {
                    virtual 0x0E00_0000 ..= 0x0EFF_FFFF;
                    virtual 0x8000_0000 .. +1G;
                    page c : code, 4K;
                    page d : data, 4K;
                    segment s : text, 0x100, in c;
                    segment z : zero, 0x100, in d;
                }
            }",
        );
        let text = d.join("\n");
        for needle in [
            "ranges are half-open (the end is not included) and have no `..=` form; write `0xE00_0000 .. 0xF00_0000` or `0xE00_0000 .. +0x100_0000`",
            "`text` is not a segment kind; did you mean `code`?",
            "`zero` is not a segment kind; did you mean `bss`?",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        // A name the user chose is no synonym: no page `code` is suggested for `text`.
        let d = diags(
            "mod soc {
                physical ram = 0x8000_0000 .. +1G;
                table t (core 0, EL3) {
                    virtual 0x8000_0000 .. +1G;
                    page code : code, 4K;
                    segment s : code, 0x100, in text;
                }
            }",
        );
        assert_eq!(
            d,
            ["there is no page named `text` in table `t`; declare it or check the spelling"]
        );
    }

    #[test]
    fn a_shared_page_s_docs_name_the_tables_that_map_it() {
        let out = expand(
            "mod soc {
                physical ram = 0x8000_0000 .. +1G;
                table a (core 0, EL3) { virtual 0x8000_0000 .. +1G; }
                table b (core 1, EL3) { virtual 0x8000_0000 .. +1G; }
                table c (core 2, EL3) { virtual 0x8000_0000 .. +1G; }
                shared page mbox : data, 4K, tables [a, c];
            }"
            .parse()
            .unwrap_or_default(),
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(out.contains("shared by tables `a` and `c`"), "{out}");
        assert!(!out.contains("every core"), "{out}");
    }

    #[test]
    fn the_docs_say_identity_for_requests_and_va_eq_pa_for_chance() {
        let out = expand(
            "mod soc {
                physical ram = 0x4000_0000 .. +1G;
                table t (core 0, EL3) {
                    virtual 0x4000_0000 .. +1G;
                    page boot : code, 2M, identity;
                    page text : code, 2M;
                    segment entry : bsp_boot_code, 0x100, in boot;
                    segment code : code, 0x100, in text;
                }
            }"
            .parse()
            .unwrap_or_default(),
        )
        .to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains("VA 0x4000_0000, PA 0x4000_0000 (identity)."),
            "{out}"
        );
        let chance = "(VA == PA as placed, not requested: write `identity` to keep it)";
        assert!(
            out.contains(&format!("VA 0x4020_0000, PA 0x4020_0000 {chance}.")),
            "{out}"
        );
        assert!(
            out.contains("0x100 bytes aligned to 0x8, VA 0x4000_0000, PA 0x4000_0000 (identity)."),
            "{out}"
        );
        assert!(
            out.contains(&format!("VA 0x4020_0000, PA 0x4020_0000 {chance}.")),
            "{out}"
        );
        assert_eq!(out.matches(chance).count(), 2, "{out}");
        // `entry`, in the identity page, is built with the flag; `code` is not (pages
        // take theirs from the table's hidden kinds).
        assert_eq!(out.matches("with_identity (true)").count(), 1, "{out}");
    }

    #[test]
    fn a_stack_size_suggestion_fits_the_page() {
        let layout = |size: &str| {
            format!(
                "mod soc {{
                    physical ram = 0x8000_0000 .. +1G;
                    table t (core 0, EL3) {{
                        virtual 0x8000_0000 .. +1G;
                        page d : data, 4K;
                        segment s : stack, {size}, in d;
                    }}
                }}"
            )
        };
        // Rounding up would pass the page: the suggestion rounds down.
        let d = diags(&layout("0x1008"));
        assert!(d[0].ends_with("make it 0x1000"), "{d:?}");
        // Otherwise up, as before.
        let d = diags(&layout("0x108"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].ends_with("make it 0x110"), "{d:?}");
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
            "pub static TRANSLATION : __memlayout :: aarch64 :: TranslationImage < 12288 >",
            "3 for the lower range (32-bit VA, root at level 1, first)",
            "pub const TTBR1 : u64 = 0",
            "# [used]",
            "unsafe (link_section = \".memlayout.tables.t\")",
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
                    page tables : data, 4K;
                }
            }",
        );
        let text = d.join("\n");
        for needle in [
            "PA size `4K` is not a plain number",
            "expected `at` or `in`",
            "`wxn` applies to the whole layout",
            "`tables` would give `TABLES_PA` and `TABLES_SIZE`",
            "would become the constant `TRANSLATION`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
    }

    #[test]
    fn plain_numbers_say_what_is_wrong() {
        let d = diags(
            "mod os {
                physical ram = 0x4000_0000 .. +1G;
                table kernel (core 0, EL1_NS) { virtual 0xFFFF_8000_0000_0000 .. +1G; }
                table a (core 0, EL0_NS, asid 4K, under kernel) { virtual 0x40_0000 .. +1G; }
                table b (core 0, EL0_NS, asid 5000000000, under kernel) { virtual 0x40_0000 .. +1G; }
            }",
        );
        let text = d.join("\n");
        for needle in [
            "ASID `4K` is not a plain number: write it without a size suffix, like `asid 1`",
            "ASID `5000000000` is too large; write it like `asid 1`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        assert!(!text.contains("2^32"), "{text}");
    }

    #[test]
    fn device_types_and_execute_only_pages() {
        let src = "mod os {
            physical ram = 0x4000_0000 .. +1G;
            physical mmio = 0x0800_0000 .. +256M, device;
            table kernel (core 0, EL1_NS) {
                virtual 0x4000_0000 .. +1G;
                page gicd : device, 64K, pa 0x0800_0000, nGnRnE;
                page uart : device, 4K, pa 0x0900_0000;
                page fb : device, 2M, pa 0x0A00_0000, GRE;
                page wc : device, 4K, pa 0x0B00_0000, nGRE;
            }
            table shell (core 0, EL0_NS) {
                virtual 0x40_0000 .. +1G;
                page text : code, 4K * 8, x;
                segment start : code, 0x100, in text;
            }
        }";
        // `64K` is 16 pages of 4K.
        let src = src.replace("64K,", "4K * 16,");
        assert!(diags(&src).is_empty(), "{:?}", diags(&src));
        let out = expand(src.parse().unwrap_or_default()).to_string();
        assert!(
            out.contains(". with_device (__memlayout :: DeviceType :: nGnRnE)"),
            "{out}"
        );
        assert!(out.contains(". with_device (__memlayout :: DeviceType :: GRE)"));
        assert!(out.contains(". with_device (__memlayout :: DeviceType :: nGRE)"));
        // The default type is not written.
        assert!(!out.contains("DeviceType :: nGnRE)"));
        assert!(out.contains("__memlayout :: Perms :: X"));
        // The map shows the types and `x`.
        assert!(out.contains("page: device rw | `gicd` | nGnRnE"), "{out}");
        assert!(out.contains("page: code x | `text` |"), "{out}");
    }

    #[test]
    fn device_type_and_execute_only_mistakes() {
        let d = diags(
            "mod os {
                physical ram = 0x4000_0000 .. +1G;
                physical mmio = 0x0800_0000 .. +256M, device;
                table kernel (core 0, EL1_NS) {
                    virtual 0x4000_0000 .. +1G;
                    page heap : data, 4K, GRE;
                    page gicd : device, 4K, pa 0x0800_0000, nGnRnE, nGnRE;
                    page uart : device, 4K, pa 0x0900_0000, ngnrne;
                    page text : code, 4K, x;
                }
                table shell (core 0, EL0_NS) {
                    virtual 0x40_0000 .. +1G;
                    page text : code, 4K, x;
                    segment consts : rodata, 0x100, in text;
                }
                shared page vdso : code, 4K, x;
            }",
        );
        let text = d.join("\n");
        for needle in [
            "`GRE` is a Device memory type, for `device` pages only, but `heap` is a data page",
            "the Device memory type is given twice",
            "`ngnrne` is not a page option; did you mean `nGnRnE`?",
            "page `text` is execute-only (`x`), but table `kernel` is an EL1_NS table",
            "page `vdso` is execute-only (`x`), but table `kernel` is an EL1_NS table",
            "FEAT_PIE",
            "rodata segment `consts` needs read permission, but its page `text` is `x`",
        ] {
            assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
        }
        // Six errors, and notes on the first Device type and on the `x` page.
        assert_eq!(d.len(), 8, "{text}");
        assert!(
            text.contains(
                "the Device memory type is given twice; keep only one\nnote: first given here"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_broken_header_gives_only_errors() {
        let out = expand("struct X;".parse().unwrap_or_default()).to_string();
        assert!(out.starts_with(":: core :: compile_error !"), "{out}");
    }

    const GUARDED: &str = "
        mod soc {
            physical ram = 0x8000_0000 .. +1G;
            table t (cores 0..=3, EL3) {
                virtual 0x8000_0000 .. +1G;
                page stack : data, 4K * 4, rw, guard 4K;
                page heap : data, 4K;
            }
        }";

    #[test]
    fn guarded_pages_expand_with_their_guard() {
        assert!(diags(GUARDED).is_empty(), "{:?}", diags(GUARDED));
        let out = expand(GUARDED.parse().unwrap_or_default()).to_string();
        // Only the guarded run carries it: four pages.
        assert_eq!(out.matches(". with_guard (4096)").count(), 4);
        // The map and the docs say so.
        assert!(out.contains("va == pa guard 4K\n"));
        assert!(out.contains("4K of unmapped VA kept below and above (guard)."));
    }

    #[test]
    fn guard_errors_point_at_the_token() {
        let d = diags(&GUARDED.replace("guard 4K", "guard 0x800"));
        assert_eq!(d.len(), 1, "{d:?}");
        // Echoed in the units a layout writes: 2K, and 100 (not 0x64) for `guard 100`.
        assert!(
            d[0].starts_with("guard 2K of `stack` must be a non-zero multiple"),
            "{d:?}"
        );
        let d = diags(&GUARDED.replace("guard 4K", "guard 100"));
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with("guard 100 of `stack` must be"), "{d:?}");
        let d = diags(&GUARDED.replace("guard 4K", "guard 0"));
        assert_eq!(d.len(), 1, "{d:?}");
        let d = diags(&GUARDED.replace("guard 4K;", "guard 4K, guard 8K;"));
        assert_eq!(d.len(), 1, "{d:?}");
        // A fixed page in the gap: the error is the page's, the note the guard's.
        let d = diags(
            &GUARDED
                .replace(
                    "page heap : data, 4K;",
                    "page heap : data, 4K, va 0x8010_4000;",
                )
                .replace("guard 4K;", "guard 4K, va 0x8010_0000;"),
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].starts_with(
                "`heap` maps VA 0x8010_4000..0x8010_5000, in the 4K guard gap above `stack`"
            ),
            "{d:?}"
        );
        assert_eq!(
            d[1],
            "note: `stack` keeps 4K of unmapped VA below and above it"
        );
        // A larger guard that reaches a page placed first reads the same.
        let d = diags(
            &GUARDED
                .replace(
                    "page heap : data, 4K;",
                    "page heap : data, 4K, va 0x800F_E000;",
                )
                .replace("guard 4K;", "guard 16K, va 0x8010_0000;"),
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].starts_with(
                "`heap` maps VA 0x800F_E000..0x800F_F000, in the 16K guard gap below `stack`"
            ),
            "{d:?}"
        );
        // A guarded page placed second whose gap reaches a page placed first: still
        // the error of the page in the gap, on its `va`.
        let d = diags(
            &GUARDED
                .replace(
                    "page heap : data, 4K;",
                    "page heap : data, 4K * 8, va 0x800F_0000, guard 4K;",
                )
                .replace("4K * 4, rw, guard 4K;", "4K, va 0x8010_0000, guard 64K;"),
        );
        assert_eq!(d.len(), 2, "{d:?}");
        assert!(
            d[0].starts_with(
                "`heap` maps VA 0x800F_0000..0x800F_8000, in the 64K guard gap below `stack`"
            ),
            "{d:?}"
        );
        assert_eq!(
            d[1],
            "note: `stack` keeps 64K of unmapped VA below and above it"
        );
    }
}
