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

use std::prelude::rust_2024::*;

pub mod ast;
pub mod check;
pub mod ctxt;
pub mod expand;
mod kw;
pub mod lower;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};

use ctxt::Ctxt;

/// Expands the body of a `memory_layout!` invocation.
///
/// Never panics: any input gives tokens, either the generated module or
/// `compile_error!` invocations (next to the module skeleton when the module header
/// parsed) pointing at the tokens at fault.
pub fn expand(input: TokenStream) -> TokenStream {
    let mut cx = Ctxt::new();
    let parsed = (|stream: ParseStream| ast::parse_layout(stream, &mut cx)).parse2(input);
    let layout = match parsed {
        Ok(layout) => layout,
        Err(e) => {
            cx.syn_error(e);
            return cx.to_compile_errors();
        }
    };
    check::check(&layout, &mut cx);
    if !cx.is_empty() {
        return expand::skeleton(&layout, cx.to_compile_errors());
    }
    let (spec, decls) = lower::lower(&layout);
    match crate::plan::plan(&spec) {
        Ok(plan) => expand::expand(&layout, &decls, &plan),
        Err(errors) => {
            for e in follow_on_filtered(&errors, &decls) {
                decls.report(e, &mut cx);
            }
            expand::skeleton(&layout, cx.to_compile_errors())
        }
    }
}

/// The planner's errors without the follow-on ones: a page that names another page
/// (an alias) which failed to map gets no second "there is no page" error.
fn follow_on_filtered<'e>(
    errors: &'e [crate::spec::PlanError],
    decls: &lower::Decls<'_>,
) -> impl Iterator<Item = &'e crate::spec::PlanError> {
    let failed: std::collections::BTreeSet<String> = errors
        .iter()
        .filter_map(|e| match decls.get(e.decl) {
            Some(lower::Decl::Page(p)) => Some(check::name_of(&p.name)),
            _ => None,
        })
        .collect();
    errors.iter().filter(move |e| {
        !matches!(&e.error, crate::Error::Unknown { what: "page", name } if failed.contains(name))
    })
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
            for e in follow_on_filtered(&errors, &decls) {
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
        assert!(out.contains("pub const HEAP : & [:: memlayout :: Page ; 2]"));
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
    fn a_broken_header_gives_only_errors() {
        let out = expand("struct X;".parse().unwrap_or_default()).to_string();
        assert!(out.starts_with(":: core :: compile_error !"), "{out}");
    }
}
