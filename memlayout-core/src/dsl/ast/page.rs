//! Page and segment declarations: kinds, sizes and options.

use std::prelude::rust_2024::*;
use std::vec;

use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Ident, LitBool, LitInt, LitStr, Token};

use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{DslError, Twice};
use super::super::kw;
use super::tokens::{
    drain_on_error, not_one_of, parse_count, parse_num, parse_options, set_flag, set_spanned,
    set_value, unknown,
};
use super::{AliasRef, AttrKv, AttrVal, PageDecl, SegmentDecl};
use crate::model::{Cacheability, DeviceType, PageKind, Perms, SegmentKind, Shareability};

/// Every page option keyword, in the order the language lists them; the permissions,
/// cacheability, shareability and Device types come from their enums (cacheability from
/// the default, `write_back`, down).
pub(super) fn page_options() -> Vec<&'static str> {
    let mut all = vec!["identity", "va", "pa", "pool"];
    all.extend(Perms::NAMES);
    all.extend(Cacheability::NAMES.into_iter().rev());
    all.extend(Shareability::NAMES);
    all.extend(DeviceType::NAMES);
    all.extend(["attrs", "tables", "alias"]);
    all.push("guard");
    all.push("non_secure_ok");
    all.push("non_secure_view");
    all
}

/// A keyword of a model enum (its `NAMES` and `from_name`) and its span, else the
/// "`x` is not WHAT" error listing every keyword.
pub(super) fn parse_keyword<T>(
    input: ParseStream,
    what: &'static str,
    names: &[&str],
    from_name: fn(&str) -> Option<T>,
) -> syn::Result<(T, Sp)> {
    keyword(input, from_name).ok_or_else(|| not_one_of(input, what, names))
}

/// The value of a keyword of a model enum and its span, consumed, when the next token
/// is one.
pub(super) fn keyword<T>(input: ParseStream, from_name: fn(&str) -> Option<T>) -> Option<(T, Sp)> {
    let id = input.fork().parse::<Ident>().ok()?;
    let value = from_name(&id.to_string())?;
    input.parse::<Ident>().ok()?;
    Some((value, Sp::one(id.span())))
}

/// `: KIND, SIZE [* N] (, OPTION)* ;` after `page NAME`.
pub(super) fn parse_page_rest(
    input: ParseStream,
    cx: &mut Ctxt,
    docs: Vec<Attribute>,
    shared: bool,
    name: Ident,
) -> syn::Result<PageDecl> {
    let begin = input.cursor();
    input.parse::<Token![:]>()?;
    let (kind, kind_sp) = parse_page_kind(input)?;
    input.parse::<Token![,]>()?;
    // The size is optional only for an alias, which takes the size of its target.
    let (size, count) = if input.peek(kw::alias) {
        (None, None)
    } else {
        let size = parse_num(input)?;
        let count = if input.peek(Token![*]) {
            input.parse::<Token![*]>()?;
            Some(parse_count(input)?)
        } else {
            None
        };
        (Some(size), count)
    };
    let mut page = PageDecl {
        docs,
        shared,
        name,
        kind,
        kind_sp,
        size,
        count,
        identity: None,
        va: None,
        pa: None,
        pool: None,
        perms: None,
        cache: None,
        share: None,
        device: None,
        attrs: Vec::new(),
        tables: None,
        alias: None,
        guard: None,
        non_secure_ok: None,
        non_secure_view: None,
    };
    if page.size.is_none() {
        // `page x : data, alias y, ...`: the alias comes where the size would.
        parse_page_option(input, cx, &mut page)?;
    }
    parse_options(input, cx, begin, |input, cx| {
        parse_page_option(input, cx, &mut page)
    })?;
    Ok(page)
}

/// One option of a page.
pub(super) fn parse_page_option(
    input: ParseStream,
    cx: &mut Ctxt,
    page: &mut PageDecl,
) -> syn::Result<()> {
    if input.peek(kw::identity) {
        let k: kw::identity = input.parse()?;
        set_flag(cx, &mut page.identity, Sp::one(k.span), "identity");
    } else if input.peek(kw::va) {
        let k: kw::va = input.parse()?;
        let n = parse_num(input)?;
        set_value(cx, &mut page.va, n, Sp::one(k.span), Twice::Option("va"));
    } else if input.peek(kw::pa) {
        let k: kw::pa = input.parse()?;
        let n = parse_num(input)?;
        set_value(cx, &mut page.pa, n, Sp::one(k.span), Twice::Option("pa"));
    } else if input.peek(kw::pool) {
        let k: kw::pool = input.parse()?;
        let p: Ident = input.parse()?;
        set_value(
            cx,
            &mut page.pool,
            p,
            Sp::one(k.span),
            Twice::Option("pool"),
        );
    } else if let Some((perms, sp)) = keyword(input, Perms::from_name) {
        set_spanned(cx, &mut page.perms, (perms, sp), Twice::Permissions);
    } else if let Some((cache, sp)) = keyword(input, Cacheability::from_name) {
        set_spanned(cx, &mut page.cache, (cache, sp), Twice::Cacheability);
    } else if let Some((share, sp)) = keyword(input, Shareability::from_name) {
        set_spanned(cx, &mut page.share, (share, sp), Twice::Shareability);
    } else if let Some((device, sp)) = keyword(input, DeviceType::from_name) {
        set_spanned(cx, &mut page.device, (device, sp), Twice::DeviceType);
    } else if input.peek(kw::attrs) {
        let k: kw::attrs = input.parse()?;
        let content;
        syn::braced!(content in input);
        if !page.attrs.is_empty() {
            cx.error(Sp::one(k.span), DslError::GivenTwice(Twice::Attrs));
        }
        let r = parse_attr_list(&content, cx, &mut page.attrs);
        drain_on_error(&content, r)?;
    } else if input.peek(kw::tables) {
        let k: kw::tables = input.parse()?;
        let content;
        let bracket = syn::bracketed!(content in input);
        let r = content.parse_terminated(Ident::parse, Token![,]);
        let list: Vec<Ident> = drain_on_error(&content, r)?.into_iter().collect();
        let sp = Sp::join(Sp::one(k.span), Sp::one(bracket.span.close()));
        set_value(
            cx,
            &mut page.tables,
            (list, sp),
            sp,
            Twice::Option("tables"),
        );
    } else if input.peek(kw::alias) {
        let k: kw::alias = input.parse()?;
        let first: Ident = input.parse()?;
        let alias = if input.peek(Token![::]) {
            input.parse::<Token![::]>()?;
            let page_name: Ident = input.parse()?;
            let sp = Sp::join(Sp::one(first.span()), Sp::one(page_name.span()));
            AliasRef {
                table: Some(first),
                page: page_name,
                sp,
            }
        } else {
            let sp = Sp::one(first.span());
            AliasRef {
                table: None,
                page: first,
                sp,
            }
        };
        set_value(
            cx,
            &mut page.alias,
            alias,
            Sp::one(k.span),
            Twice::Option("alias"),
        );
    } else if input.peek(kw::guard) {
        let k: kw::guard = input.parse()?;
        let n = parse_num(input)?;
        set_value(
            cx,
            &mut page.guard,
            n,
            Sp::one(k.span),
            Twice::Option("guard"),
        );
    } else if input.peek(kw::non_secure_ok) {
        let k: kw::non_secure_ok = input.parse()?;
        set_flag(
            cx,
            &mut page.non_secure_ok,
            Sp::one(k.span),
            "non_secure_ok",
        );
    } else if input.peek(kw::non_secure_view) {
        let k: kw::non_secure_view = input.parse()?;
        set_flag(
            cx,
            &mut page.non_secure_view,
            Sp::one(k.span),
            "non_secure_view",
        );
    } else {
        return Err(not_one_of(input, "a page option", &page_options()));
    }
    Ok(())
}

/// `key = value, ...` inside `attrs { .. }`.
pub(super) fn parse_attr_list(
    input: ParseStream,
    cx: &mut Ctxt,
    out: &mut Vec<AttrKv>,
) -> syn::Result<()> {
    while !input.is_empty() {
        let key: Ident = input.call(Ident::parse_any)?;
        input.parse::<Token![=]>()?;
        let la = input.lookahead1();
        let value = if la.peek(LitStr) {
            AttrVal::Str(input.parse::<LitStr>()?.value())
        } else if la.peek(LitBool) {
            AttrVal::Bool(input.parse::<LitBool>()?.value)
        } else if la.peek(LitInt) || la.peek(Token![-]) {
            let neg = input.parse::<Option<Token![-]>>()?.is_some();
            let lit: LitInt = input.parse()?;
            let v: i128 = lit.base10_parse().map_err(|_| {
                syn::Error::new(
                    lit.span(),
                    format_args!(
                        "`{lit}` does not fit an attribute integer (128 bits); use a smaller number"
                    ),
                )
            })?;
            // `v` is parsed without its sign, so it is at least 0 and `-v` fits.
            AttrVal::Int(if neg { -v } else { v })
        } else {
            return Err(la.error());
        };
        let k = key.to_string();
        if out.iter().any(|a| a.key == k) {
            cx.error(
                Sp::one(key.span()),
                DslError::GivenTwice(Twice::Attribute(k)),
            );
        } else {
            out.push(AttrKv { key, value });
        }
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// `: KIND, SIZE (, OPTION)* ;` after `segment NAME`.
pub(super) fn parse_segment_rest(
    input: ParseStream,
    cx: &mut Ctxt,
    docs: Vec<Attribute>,
    shared: bool,
    name: Ident,
) -> syn::Result<SegmentDecl> {
    let begin = input.cursor();
    input.parse::<Token![:]>()?;
    let (kind, kind_sp) = parse_segment_kind(input)?;
    input.parse::<Token![,]>()?;
    let size = parse_num(input)?;
    let mut seg = SegmentDecl {
        docs,
        shared,
        name,
        kind,
        kind_sp,
        size,
        align: None,
        identity: None,
        in_page: None,
        va: None,
    };
    parse_options(input, cx, begin, |input, cx| {
        let la = input.lookahead1();
        if la.peek(kw::align) {
            let k: kw::align = input.parse()?;
            let n = parse_num(input)?;
            set_value(
                cx,
                &mut seg.align,
                n,
                Sp::one(k.span),
                Twice::Option("align"),
            );
        } else if la.peek(kw::identity) {
            let k: kw::identity = input.parse()?;
            set_flag(cx, &mut seg.identity, Sp::one(k.span), "identity");
        } else if la.peek(Token![in]) {
            let k: Token![in] = input.parse()?;
            let p: Ident = input.parse()?;
            set_value(
                cx,
                &mut seg.in_page,
                p,
                Sp::one(k.span),
                Twice::Option("in"),
            );
        } else if la.peek(kw::va) {
            let k: kw::va = input.parse()?;
            let n = parse_num(input)?;
            set_value(cx, &mut seg.va, n, Sp::one(k.span), Twice::Option("va"));
        } else {
            return Err(unknown(
                input,
                la,
                "a segment option",
                &["align", "identity", "in", "va"],
            ));
        }
        Ok(())
    })?;
    Ok(seg)
}

/// A page kind: `code`, `data`, `device` or `system`.
pub(super) fn parse_page_kind(input: ParseStream) -> syn::Result<(PageKind, Sp)> {
    parse_keyword(input, "a page kind", &PageKind::NAMES, PageKind::from_name)
}

/// A segment kind: `bsp_boot_code`, `boot_code`, `code`, `rodata`, `data`, `bss`,
/// `data_shared`, `data_preserve` or `stack`.
pub(super) fn parse_segment_kind(input: ParseStream) -> syn::Result<(SegmentKind, Sp)> {
    parse_keyword(
        input,
        "a segment kind",
        &SegmentKind::NAMES,
        SegmentKind::from_name,
    )
}
