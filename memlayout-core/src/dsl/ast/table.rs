//! A `table` declaration: its header (cores, exception level, `asid`, `under`) and its body
//! (`virtual` ranges, `va_bits`, pages and segments).

use std::format;
use std::prelude::rust_2024::*;

use syn::parse::ParseStream;
use syn::{Attribute, Ident, LitInt, Token};

use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{CoresRule, DidYouMean, DslError, Listed, Misplaced, Note, Twice};
use super::super::kw;
use super::page::{parse_page_rest, parse_segment_rest};
use super::parse::{declared, parse_docs, parse_tables};
use super::suggest::suggestions;
use super::tokens::{
    drain_on_error, end_of_declaration, parse_plain, parse_range, skip_declaration, unknown,
};
use super::{AsidDecl, Layout, TableDecl, TablesPlace, UnderDecl, VaBitsDecl};
use crate::model::{Cores, ExecutionContext};

/// `table NAME (core N, EL [, asid N] [, under TABLE]) { .. }`.
pub(super) fn parse_table(
    input: ParseStream,
    cx: &mut Ctxt,
    docs: Vec<Attribute>,
    layout: &mut Layout,
) -> syn::Result<TableDecl> {
    input.parse::<kw::table>()?;
    let name: Ident = input.parse()?;
    let header = (|| {
        let args;
        syn::parenthesized!(args in input);
        let r = parse_table_args(&args, cx);
        drain_on_error(&args, r)
    })();
    let Header {
        cores,
        el,
        el_stand_in,
        asid,
        under,
    } = match header {
        Ok(h) => h,
        Err(e) => {
            layout.broken.push(name.to_string());
            return Err(e);
        }
    };
    let body;
    syn::braced!(body in input);
    let mut table = TableDecl {
        docs,
        name,
        cores,
        el,
        el_stand_in,
        asid,
        under,
        virt: Vec::new(),
        va_bits: None,
        upper_va_bits: None,
        granule: None,
        tables: None,
        pages: Vec::new(),
        segments: Vec::new(),
    };
    while !body.is_empty() {
        if let Err(e) = parse_table_item(&body, cx, &mut table, &mut layout.broken) {
            cx.syn_error(e);
            skip_declaration(&body);
        }
    }
    Ok(table)
}

/// What the parentheses of a table header hold.
pub(super) struct Header {
    cores: Cores,
    el: ExecutionContext,
    el_stand_in: bool,
    asid: Option<AsidDecl>,
    under: Option<UnderDecl>,
}

/// The options a table header may hold after its exception level.
const HEADER_OPTIONS: [&str; 2] = ["asid", "under"];

/// `core N, EL`, `cores A..=B, EL` or `cores [A, B, ..], EL` inside the parentheses of a
/// table, then the options `asid N` and `under TABLE` in any order. A bad exception
/// level is reported and replaced by `EL3`, so the table still exists for the rest of
/// the checks.
pub(super) fn parse_table_args(input: ParseStream, cx: &mut Ctxt) -> syn::Result<Header> {
    let cores = if input.peek(kw::cores) {
        parse_cores(input, cx)?
    } else {
        input.parse::<kw::core>()?;
        let lit: LitInt = input.parse()?;
        Cores::one(core_number(&lit, cx).unwrap_or(0))
    };
    input.parse::<Token![,]>()?;
    let el_ident: Ident = input.parse()?;
    let text = el_ident.to_string();
    let el = match ExecutionContext::from_name(&text) {
        Some(el) => (el, false),
        None => {
            let names = ExecutionContext::NAMES;
            let hint = suggestions(&text, &names).into_iter().map(String::from);
            let error = DslError::NotA {
                word: text,
                what: "an exception level",
                hint: DidYouMean(hint.collect()),
                expected: format!("write one of {}", names.join(", ")),
            };
            cx.error(Sp::one(el_ident.span()), error);
            (ExecutionContext::EL3, true)
        }
    };
    let (el, el_stand_in) = el;
    let mut header = Header {
        cores,
        el,
        el_stand_in,
        asid: None,
        under: None,
    };
    while input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        parse_header_option(input, cx, &mut header)?;
    }
    if !input.is_empty() {
        return Err(
            input.error("expected `)`, or `, asid N` or `, under TABLE` after the exception level")
        );
    }
    Ok(header)
}

/// `asid N` or `under TABLE` in a table header.
fn parse_header_option(input: ParseStream, cx: &mut Ctxt, header: &mut Header) -> syn::Result<()> {
    if input.peek(kw::asid) {
        let k: kw::asid = input.parse()?;
        let value = parse_plain(input, "ASID", "`asid 1`")?;
        let decl = AsidDecl {
            kw: Sp::one(k.span),
            value,
        };
        match &header.asid {
            Some(first) => cx.error_with_note(
                decl.kw,
                DslError::GivenTwice(Twice::Option("asid")),
                first.kw,
                Note::FirstGiven,
            ),
            None => header.asid = Some(decl),
        }
        Ok(())
    } else if input.peek(kw::under) {
        let k: kw::under = input.parse()?;
        let kernel: Ident = input.parse()?;
        let decl = UnderDecl {
            kw: Sp::one(k.span),
            kernel,
        };
        match &header.under {
            Some(first) => cx.error_with_note(
                decl.kw,
                DslError::GivenTwice(Twice::Option("under")),
                first.kw,
                Note::FirstGiven,
            ),
            None => header.under = Some(decl),
        }
        Ok(())
    } else {
        let word: Ident = input.parse()?;
        let text = word.to_string();
        let hint = suggestions(&text, &HEADER_OPTIONS)
            .into_iter()
            .map(String::from);
        Err(syn::Error::new(
            word.span(),
            DslError::NotA {
                word: text,
                what: "a table option",
                hint: DidYouMean(hint.collect()),
                expected: String::from(
                    "write `asid N` (the ASID of a process) or `under TABLE` (the kernel it runs under)",
                ),
            },
        ))
    }
}

/// A core number: a plain integer below 2^32, else reported (`None`).
pub(super) fn core_number(lit: &LitInt, cx: &mut Ctxt) -> Option<u32> {
    match lit.base10_parse::<u32>() {
        Ok(c) if lit.suffix().is_empty() => Some(c),
        _ => {
            cx.error(
                Sp::one(lit.span()),
                DslError::NotPlainNumber {
                    what: "core number",
                    lit: lit.to_string(),
                    suffix: !lit.suffix().is_empty(),
                    example: "`core 0`",
                },
            );
            None
        }
    }
}

/// `cores A..=B` (or `A..B`) or `cores [A, B, ..]`: at most 64 cores, from the lowest to
/// the lowest + 63. A mistake is reported and the cores written so far are kept.
pub(super) fn parse_cores(input: ParseStream, cx: &mut Ctxt) -> syn::Result<Cores> {
    let kw = input.parse::<kw::cores>()?;
    let mut list: Vec<(u32, Sp)> = Vec::new();
    let end_sp;
    if input.peek(syn::token::Bracket) {
        let content;
        let bracket = syn::bracketed!(content in input);
        end_sp = Sp::one(bracket.span.join());
        while !content.is_empty() {
            let lit: LitInt = content.parse()?;
            if let Some(c) = core_number(&lit, cx) {
                let sp = Sp::one(lit.span());
                if list.iter().any(|&(o, _)| o == c) {
                    cx.error(sp, DslError::ListedTwice(Listed::Core(c)));
                } else {
                    list.push((c, sp));
                }
            }
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        if list.is_empty() {
            cx.error(
                Sp::join(Sp::one(kw.span), end_sp),
                DslError::Cores(CoresRule::EmptyList),
            );
        }
    } else {
        let first: LitInt = input.parse()?;
        let inclusive = if input.peek(Token![..=]) {
            input.parse::<Token![..=]>()?;
            true
        } else {
            input.parse::<Token![..]>()?;
            false
        };
        let last: LitInt = input.parse()?;
        end_sp = Sp::one(last.span());
        let range_sp = Sp::join(Sp::one(first.span()), end_sp);
        if let (Some(a), Some(b)) = (core_number(&first, cx), core_number(&last, cx)) {
            let b = if inclusive { Some(b) } else { b.checked_sub(1) };
            match b {
                Some(b) if b >= a => list.extend((a..=b).map(|c| (c, range_sp))),
                _ => cx.error(range_sp, DslError::Cores(CoresRule::EmptyRange)),
            }
        }
    }
    let Some(lowest) = list.iter().map(|&(c, _)| c).min() else {
        return Ok(Cores::one(0));
    };
    let mut mask = 0u64;
    for &(c, csp) in &list {
        match c.checked_sub(lowest).filter(|&d| d < 64) {
            Some(d) => mask |= 1 << d,
            None => {
                cx.error(csp, DslError::Cores(CoresRule::TooFar { core: c, lowest }));
                break;
            }
        }
    }
    Ok(Cores::from_mask(lowest, mask))
}

/// One declaration inside a table body.
pub(super) fn parse_table_item(
    input: ParseStream,
    cx: &mut Ctxt,
    table: &mut TableDecl,
    broken: &mut Vec<String>,
) -> syn::Result<()> {
    let docs = parse_docs(input, cx)?;
    if input.peek(kw::shared) {
        let k: kw::shared = input.parse()?;
        let error = DslError::Misplaced(Misplaced::SharedInTable);
        return Err(syn::Error::new(k.span, error));
    }
    if input.peek(kw::pa_bits) || input.peek(kw::wxn) || input.peek(kw::seed) {
        let word: Ident = input.parse()?;
        let error = DslError::Misplaced(Misplaced::LayoutWide(word.to_string()));
        return Err(syn::Error::new(word.span(), error));
    }
    let la = input.lookahead1();
    if la.peek(Token![virtual]) {
        let begin = input.cursor();
        input.parse::<Token![virtual]>()?;
        loop {
            table.virt.push(parse_range(input)?);
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else {
                return end_of_declaration(input, cx, begin, "`,` or `;`");
            }
        }
    } else if la.peek(kw::va_bits) {
        parse_va_bits(input, cx, table)
    } else if la.peek(kw::granule) {
        let decl = super::parse::parse_granule(input, cx)?;
        super::parse::set_granule(cx, &mut table.granule, decl);
        Ok(())
    } else if la.peek(kw::tables) {
        parse_table_tables(input, cx, table)
    } else if la.peek(kw::page) {
        input.parse::<kw::page>()?;
        let name: Ident = input.parse()?;
        let decl = parse_page_rest(input, cx, docs, false, name.clone());
        table.pages.push(declared(decl, &name, broken)?);
        Ok(())
    } else if la.peek(kw::segment) {
        input.parse::<kw::segment>()?;
        let name: Ident = input.parse()?;
        let decl = parse_segment_rest(input, cx, docs, false, name.clone());
        table.segments.push(declared(decl, &name, broken)?);
        Ok(())
    } else {
        Err(unknown(
            input,
            la,
            "a table item",
            &["virtual", "va_bits", "granule", "tables", "page", "segment"],
        ))
    }
}

/// `tables in POOL;` inside a table: the pool of its translation tables.
fn parse_table_tables(input: ParseStream, cx: &mut Ctxt, table: &mut TableDecl) -> syn::Result<()> {
    let decl = parse_tables(input, cx)?;
    if let TablesPlace::At(_) = decl.place {
        cx.error(decl.sp, DslError::Misplaced(Misplaced::TablesAtInTable));
        return Ok(());
    }
    match &table.tables {
        Some(first) => cx.error_with_note(
            decl.kw,
            DslError::GivenTwice(Twice::TablesPlace),
            first.sp,
            Note::FirstGiven,
        ),
        None => table.tables = Some(decl),
    }
    Ok(())
}

/// `va_bits = N;` or `va_bits upper = N;` inside a table.
pub(super) fn parse_va_bits(
    input: ParseStream,
    cx: &mut Ctxt,
    table: &mut TableDecl,
) -> syn::Result<()> {
    let begin = input.cursor();
    let k: kw::va_bits = input.parse()?;
    let mut kw_sp = Sp::one(k.span);
    let upper = if input.peek(kw::upper) {
        let u: kw::upper = input.parse()?;
        kw_sp = Sp::join(kw_sp, Sp::one(u.span));
        true
    } else {
        false
    };
    input.parse::<Token![=]>()?;
    let bits = parse_plain(input, "VA size", "`va_bits = 39`")?;
    end_of_declaration(input, cx, begin, "`;`")?;
    let decl = VaBitsDecl { kw: kw_sp, bits };
    let slot = if upper {
        &mut table.upper_va_bits
    } else {
        &mut table.va_bits
    };
    match slot {
        Some(first) => cx.error_with_note(
            decl.kw,
            DslError::GivenTwice(Twice::VaBits(upper)),
            first.kw,
            Note::FirstGiven,
        ),
        None => *slot = Some(decl),
    }
    Ok(())
}
