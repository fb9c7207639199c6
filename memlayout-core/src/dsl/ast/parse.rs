//! The top level of a layout: the module, its declarations (`seed`, `physical`,
//! `table`, `shared`, `pa_bits`, `tables`, `wxn`) and their doc comments.

use std::prelude::rust_2024::*;

use proc_macro2::TokenTree;
use syn::ext::IdentExt;
use syn::parse::ParseStream;
use syn::{Attribute, Ident, Token, Visibility};

use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{DslError, Misplaced, Note, Twice};
use super::super::kw;
use super::page::{parse_page_rest, parse_segment_rest};
use super::table::parse_table;
use super::tokens::{
    end_of_declaration, not_a, parse_num, parse_options, parse_plain, parse_range, set_flag,
    skip_declaration, unknown,
};
use super::{GptDecl, GranuleDecl, Layout, PaBitsDecl, PoolDecl, TablesDecl, TablesPlace};
use crate::model::PhysicalAddressSpace;

/// Splits the `#[memlayout(..)]` options off the module's attributes: `crate = "PATH"`,
/// the path the expansion names the crate by (as `#[serde(crate = "..")]`). An unknown
/// option, a second `crate` or a path that does not parse is an error on its tokens.
fn options(attrs: Vec<Attribute>, cx: &mut Ctxt) -> (Vec<Attribute>, Option<syn::Path>) {
    let mut krate: Option<syn::Path> = None;
    let mut kept = Vec::with_capacity(attrs.len());
    for attr in attrs {
        if !attr.path().is_ident("memlayout") {
            kept.push(attr);
            continue;
        }
        let parsed = attr.parse_nested_meta(|meta| {
            if !meta.path.is_ident("crate") {
                let expected =
                    "write `crate = \"PATH\"`, the path of the memlayout crate in the expansion"
                        .to_string();
                return Err(match meta.path.get_ident() {
                    Some(word) => not_a(word, "a `memlayout` option", &["crate"], expected),
                    None => meta.error(expected),
                });
            }
            let lit: syn::LitStr = meta.value()?.parse()?;
            let path: syn::Path = lit.parse().map_err(|_| {
                syn::Error::new(lit.span(), DslError::CratePath { text: lit.value() })
            })?;
            if krate.is_some() {
                let error = DslError::GivenTwice(Twice::Option("crate"));
                return Err(syn::Error::new(lit.span(), error));
            }
            krate = Some(path);
            Ok(())
        });
        if let Err(e) = parsed {
            cx.syn_error(e);
        }
    }
    (kept, krate)
}

/// Parses a whole invocation, recording recoverable errors in `cx`.
///
/// Returns `Err` only when not even the module header (`pub mod NAME { .. }`) parses.
pub fn parse_layout(input: ParseStream, cx: &mut Ctxt) -> syn::Result<Layout> {
    let (attrs, krate) = options(input.call(Attribute::parse_outer)?, cx);
    let vis: Visibility = input.parse()?;
    input.parse::<Token![mod]>()?;
    let name: Ident = input.parse()?;
    let content;
    syn::braced!(content in input);
    let mut layout = Layout {
        attrs,
        krate,
        vis,
        name,
        seed: None,
        pa_bits: None,
        granule: None,
        tables_at: None,
        wxn: None,
        gpt: None,
        pools: Vec::new(),
        tables: Vec::new(),
        shared_pages: Vec::new(),
        shared_segments: Vec::new(),
        broken: Vec::new(),
    };
    while !content.is_empty() {
        if let Err(e) = parse_item(&content, cx, &mut layout) {
            cx.syn_error(e);
            skip_declaration(&content);
        }
    }
    if !input.is_empty() {
        let rest: proc_macro2::TokenStream = input.parse()?;
        cx.error(
            Sp::of(&rest),
            "unexpected tokens after the module; declare everything inside `mod NAME { .. }`",
        );
    }
    Ok(layout)
}

/// One top-level declaration.
pub(super) fn parse_item(
    input: ParseStream,
    cx: &mut Ctxt,
    layout: &mut Layout,
) -> syn::Result<()> {
    let docs = parse_docs(input, cx)?;
    if input.peek(kw::page) || input.peek(kw::segment) || input.peek(Token![virtual]) {
        // A `virtual` range has no `shared` form.
        let shared = !input.peek(Token![virtual]);
        let tt: TokenTree = input.parse()?;
        let word = tt.to_string();
        let error = DslError::Misplaced(Misplaced::OutsideTable { word, shared });
        return Err(syn::Error::new(tt.span(), error));
    }
    let la = input.lookahead1();
    if la.peek(kw::seed) {
        let begin = input.cursor();
        let kw: kw::seed = input.parse()?;
        input.parse::<Token![=]>()?;
        let seed = parse_num(input)?;
        end_of_declaration(input, cx, begin, "`;`")?;
        if layout.seed.is_some() {
            cx.error(Sp::one(kw.span), DslError::GivenTwice(Twice::Seed));
        } else {
            layout.seed = Some(seed);
        }
        Ok(())
    } else if la.peek(kw::physical) {
        input.parse::<kw::physical>()?;
        let name: Ident = input.parse()?;
        let decl = parse_pool_rest(input, cx, name.clone());
        layout
            .pools
            .push(declared(decl, &name, &mut layout.broken)?);
        Ok(())
    } else if la.peek(kw::table) {
        let t = parse_table(input, cx, docs, layout)?;
        layout.tables.push(t);
        Ok(())
    } else if la.peek(kw::shared) {
        parse_shared(input, cx, docs, layout)
    } else if la.peek(kw::pa_bits) {
        parse_pa_bits(input, cx, layout)
    } else if la.peek(kw::granule) {
        let decl = parse_granule(input, cx)?;
        set_granule(cx, &mut layout.granule, decl);
        Ok(())
    } else if la.peek(kw::tables) {
        let decl = parse_tables(input, cx)?;
        match &layout.tables_at {
            Some(first) => cx.error_with_note(
                decl.kw,
                DslError::GivenTwice(Twice::TablesPlace),
                first.sp,
                Note::FirstGiven,
            ),
            None => layout.tables_at = Some(decl),
        }
        Ok(())
    } else if la.peek(kw::wxn) {
        parse_wxn(input, cx, layout)
    } else if la.peek(kw::gpt) {
        let decl = parse_gpt(input, cx)?;
        match &layout.gpt {
            Some(first) => cx.error_with_note(
                decl.kw,
                DslError::GivenTwice(Twice::Gpt),
                first.sp,
                Note::FirstGiven,
            ),
            None => layout.gpt = Some(decl),
        }
        Ok(())
    } else {
        Err(unknown(
            input,
            la,
            "a declaration",
            &[
                "seed", "physical", "table", "shared", "pa_bits", "granule", "tables", "wxn", "gpt",
            ],
        ))
    }
}

/// `shared page ..` or `shared segment ..`.
pub(super) fn parse_shared(
    input: ParseStream,
    cx: &mut Ctxt,
    docs: Vec<Attribute>,
    layout: &mut Layout,
) -> syn::Result<()> {
    input.parse::<kw::shared>()?;
    let la = input.lookahead1();
    if la.peek(kw::page) {
        input.parse::<kw::page>()?;
        let name: Ident = input.parse()?;
        let decl = parse_page_rest(input, cx, docs, true, name.clone());
        layout
            .shared_pages
            .push(declared(decl, &name, &mut layout.broken)?);
        Ok(())
    } else if la.peek(kw::segment) {
        input.parse::<kw::segment>()?;
        let name: Ident = input.parse()?;
        let decl = parse_segment_rest(input, cx, docs, true, name.clone());
        layout
            .shared_segments
            .push(declared(decl, &name, &mut layout.broken)?);
        Ok(())
    } else {
        // `shared pgae NAME`: NAME is declared, only misspelt; its uses are no
        // second error.
        let fork = input.fork();
        if fork.call(Ident::parse_any).is_ok()
            && let Ok(name) = fork.parse::<Ident>()
        {
            layout.broken.push(name.to_string());
        }
        Err(unknown(
            input,
            la,
            "a declaration after `shared`",
            &["page", "segment"],
        ))
    }
}

/// `granule = SIZE;`, at the top or inside a table.
pub(super) fn parse_granule(input: ParseStream, cx: &mut Ctxt) -> syn::Result<GranuleDecl> {
    let begin = input.cursor();
    let k: kw::granule = input.parse()?;
    input.parse::<Token![=]>()?;
    let size = parse_num(input)?;
    end_of_declaration(input, cx, begin, "`;`")?;
    Ok(GranuleDecl {
        kw: Sp::one(k.span),
        size,
    })
}

/// Sets a granule, or reports it as given twice.
pub(super) fn set_granule(cx: &mut Ctxt, slot: &mut Option<GranuleDecl>, decl: GranuleDecl) {
    match slot {
        Some(first) => cx.error_with_note(
            decl.kw,
            DslError::GivenTwice(Twice::Granule),
            first.kw,
            Note::FirstGiven,
        ),
        None => *slot = Some(decl),
    }
}

/// `pa_bits = N;`.
pub(super) fn parse_pa_bits(
    input: ParseStream,
    cx: &mut Ctxt,
    layout: &mut Layout,
) -> syn::Result<()> {
    let begin = input.cursor();
    let k: kw::pa_bits = input.parse()?;
    input.parse::<Token![=]>()?;
    let bits = parse_plain(input, "PA size", "`pa_bits = 40`")?;
    end_of_declaration(input, cx, begin, "`;`")?;
    let decl = PaBitsDecl {
        kw: Sp::one(k.span),
        bits,
    };
    match &layout.pa_bits {
        Some(first) => cx.error_with_note(
            decl.kw,
            DslError::GivenTwice(Twice::PaBits),
            first.kw,
            Note::FirstGiven,
        ),
        None => layout.pa_bits = Some(decl),
    }
    Ok(())
}

/// `wxn;`.
pub(super) fn parse_wxn(input: ParseStream, cx: &mut Ctxt, layout: &mut Layout) -> syn::Result<()> {
    let begin = input.cursor();
    let k: kw::wxn = input.parse()?;
    end_of_declaration(input, cx, begin, "`;`")?;
    let sp = Sp::one(k.span);
    match layout.wxn {
        Some(first) => cx.error_with_note(
            sp,
            DslError::GivenTwice(Twice::Flag("wxn")),
            first,
            Note::FirstGiven,
        ),
        None => layout.wxn = Some(sp),
    }
    Ok(())
}

/// `tables at RANGE;` or `tables in POOL;`.
pub(super) fn parse_tables(input: ParseStream, cx: &mut Ctxt) -> syn::Result<TablesDecl> {
    let begin = input.cursor();
    let k: kw::tables = input.parse()?;
    let la = input.lookahead1();
    let place = if la.peek(kw::at) {
        input.parse::<kw::at>()?;
        TablesPlace::At(parse_range(input)?)
    } else if la.peek(Token![in]) {
        input.parse::<Token![in]>()?;
        TablesPlace::In(input.parse()?)
    } else {
        return Err(la.error());
    };
    let kw = Sp::one(k.span);
    let mut sp = Sp::join(kw, place.sp());
    let mut non_secure_ok = None;
    if input.peek(Token![,]) && input.peek2(kw::non_secure_ok) {
        input.parse::<Token![,]>()?;
        let ok: kw::non_secure_ok = input.parse()?;
        non_secure_ok = Some(Sp::one(ok.span));
        sp = Sp::join(sp, Sp::one(ok.span));
    }
    end_of_declaration(input, cx, begin, "`, non_secure_ok` or `;`")?;
    Ok(TablesDecl {
        kw,
        place,
        non_secure_ok,
        sp,
    })
}

/// `gpt in POOL;` or `gpt at RANGE;`, with an optional `, l0gptsz SIZE`.
pub(super) fn parse_gpt(input: ParseStream, cx: &mut Ctxt) -> syn::Result<GptDecl> {
    let begin = input.cursor();
    let k: kw::gpt = input.parse()?;
    let la = input.lookahead1();
    let place = if la.peek(kw::at) {
        input.parse::<kw::at>()?;
        TablesPlace::At(parse_range(input)?)
    } else if la.peek(Token![in]) {
        input.parse::<Token![in]>()?;
        TablesPlace::In(input.parse()?)
    } else {
        return Err(la.error());
    };
    let kw = Sp::one(k.span);
    let mut sp = Sp::join(kw, place.sp());
    let mut l0gptsz = None;
    if input.peek(Token![,]) && input.peek2(kw::l0gptsz) {
        input.parse::<Token![,]>()?;
        input.parse::<kw::l0gptsz>()?;
        let size = parse_num(input)?;
        sp = Sp::join(sp, size.sp);
        l0gptsz = Some(size);
    }
    end_of_declaration(input, cx, begin, "`, l0gptsz SIZE` or `;`")?;
    Ok(GptDecl {
        kw,
        place,
        l0gptsz,
        sp,
    })
}

/// Doc comments before a declaration; any other attribute is an error.
pub(super) fn parse_docs(input: ParseStream, cx: &mut Ctxt) -> syn::Result<Vec<Attribute>> {
    let attrs = input.call(Attribute::parse_outer)?;
    let mut docs = Vec::with_capacity(attrs.len());
    for a in attrs {
        if a.path().is_ident("doc") {
            docs.push(a);
        } else {
            cx.error(
                Sp::of(&a),
                "only doc comments are allowed on declarations; remove this attribute",
            );
        }
    }
    Ok(docs)
}

/// `= RANGE (, device | , secure | , non_secure | , realm | , root)* ;` after
/// `physical NAME`.
pub(super) fn parse_pool_rest(
    input: ParseStream,
    cx: &mut Ctxt,
    name: Ident,
) -> syn::Result<PoolDecl> {
    let begin = input.cursor();
    input.parse::<Token![=]>()?;
    let range = parse_range(input)?;
    let mut pool = PoolDecl {
        name,
        range,
        device: None,
        non_secure: None,
        secure: None,
        realm: None,
        root: None,
    };
    // The spaces declared so far, in order: a second one that may not join the first
    // is an error on the second keyword.
    let mut spaces: Vec<PhysicalAddressSpace> = Vec::new();
    parse_options(input, cx, begin, |input, cx| {
        let la = input.lookahead1();
        let space = if la.peek(kw::device) {
            let k: kw::device = input.parse()?;
            set_flag(cx, &mut pool.device, Sp::one(k.span), "device");
            None
        } else if la.peek(kw::non_secure) {
            let k: kw::non_secure = input.parse()?;
            Some((PhysicalAddressSpace::NonSecure, Sp::one(k.span)))
        } else if la.peek(kw::secure) {
            let k: kw::secure = input.parse()?;
            Some((PhysicalAddressSpace::Secure, Sp::one(k.span)))
        } else if la.peek(kw::realm) {
            let k: kw::realm = input.parse()?;
            Some((PhysicalAddressSpace::Realm, Sp::one(k.span)))
        } else if la.peek(kw::root) {
            let k: kw::root = input.parse()?;
            Some((PhysicalAddressSpace::Root, Sp::one(k.span)))
        } else {
            return Err(unknown(
                input,
                la,
                "a pool option",
                &["device", "secure", "non_secure", "realm", "root"],
            ));
        };
        if let Some((space, sp)) = space {
            let slot = match space {
                PhysicalAddressSpace::NonSecure => &mut pool.non_secure,
                PhysicalAddressSpace::Secure => &mut pool.secure,
                PhysicalAddressSpace::Realm => &mut pool.realm,
                _ => &mut pool.root,
            };
            if slot.is_some() {
                set_flag(cx, slot, sp, space.name());
                return Ok(());
            }
            // Only `secure` and `non_secure` name one pool together.
            match spaces.iter().find(|&&first| !first.may_share_pool(space)) {
                Some(&first) => cx.error(
                    sp,
                    crate::Error::PoolSpaces {
                        name: super::tokens::name_of_ident(&pool.name),
                        first,
                        second: space,
                    },
                ),
                None => {
                    spaces.push(space);
                    *slot = Some(sp);
                }
            }
        }
        Ok(())
    })?;
    Ok(pool)
}

/// A declaration's parse result; on failure, its name is recorded as broken, so its uses
/// are not reported as unknown names a second time.
pub(super) fn declared<T>(
    decl: syn::Result<T>,
    name: &Ident,
    broken: &mut Vec<String>,
) -> syn::Result<T> {
    decl.inspect_err(|_| broken.push(name.to_string()))
}
