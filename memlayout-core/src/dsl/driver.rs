//! The one pipeline every front end runs: parse, check, lower, plan.
//!
//! The macro, `include`, layout files, build scripts and the `memlayout` command all
//! call [`run`], so they report the same diagnostics in the same order; each renders
//! them at its own edge.

use std::prelude::rust_2024::*;

use proc_macro2::TokenStream;
use syn::parse::{ParseStream, Parser};

use super::ast::{self, Layout};
use super::check;
use super::ctxt::Ctxt;
use super::lower::{self, Decls};
use crate::plan::Plan;

/// How far a layout got.
// Built once per run and handed straight to the caller: boxing the plan would buy
// nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Outcome<'a> {
    /// Not even the module header (`[VIS] mod NAME { .. }`) parsed.
    Unparsed,
    /// The layout parsed, and the collector holds its errors.
    Failed(&'a Layout),
    /// The layout planned without errors.
    Planned(&'a Layout, Decls<'a>, Plan),
}

/// Runs the stages on `tokens` and hands `finish` the collector (every diagnostic, in
/// order) and the outcome. The checks run only on a parsed layout, and planning only on
/// a layout without errors, as each stage needs clean input from the one before.
pub(crate) fn run<R>(tokens: TokenStream, finish: impl FnOnce(&Ctxt, Outcome<'_>) -> R) -> R {
    let mut cx = Ctxt::new();
    let parsed = (|stream: ParseStream| ast::parse_layout(stream, &mut cx)).parse2(tokens);
    let layout = match parsed {
        Ok(layout) => layout,
        Err(e) => {
            cx.syn_error(e);
            return finish(&cx, Outcome::Unparsed);
        }
    };
    check::check(&layout, &mut cx);
    if !cx.is_empty() {
        return finish(&cx, Outcome::Failed(&layout));
    }
    let (spec, decls) = lower::lower(&layout);
    match crate::plan::plan(&spec) {
        Ok(plan) => finish(&cx, Outcome::Planned(&layout, decls, plan)),
        Err(errors) => {
            for e in &errors {
                decls.report(e, &mut cx);
            }
            finish(&cx, Outcome::Failed(&layout))
        }
    }
}
