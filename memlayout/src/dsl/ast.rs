//! The syntax tree of a `memory_layout!` invocation, and its parser.
//!
//! Every value keeps the span of the token it came from, so later stages can point at
//! it. The parser recovers: a declaration that fails to parse is reported and skipped
//! (up to its `;`, or its `{ .. }` body for a table), a bad option is reported and
//! skipped (up to the next `,`), and parsing goes on, so one invocation reports every
//! syntax error at once.

use std::prelude::rust_2024::*;
use std::{format, vec};

use proc_macro2::{Delimiter, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseBuffer, ParseStream};
use syn::{Attribute, Ident, LitBool, LitInt, LitStr, Token, Visibility};

use super::ctxt::{Ctxt, Sp};
use super::error::{CoresRule, DidYouMean, DslError, Listed, Misplaced, Note, Twice};
use super::kw;
use crate::model::{
    Cacheability, Cores, ExecutionContext, PageKind, Perms, SegmentKind, Shareability,
};

/// A number as written: its value (suffix applied) and where it was written.
#[derive(Clone, Copy, Debug)]
pub struct Num {
    /// The value in bytes (or plain units for counts and seeds).
    pub value: u64,
    /// The literal.
    pub sp: Sp,
}

/// A range: `start .. end` or `start .. +size`.
#[derive(Clone, Copy, Debug)]
pub struct RangeExpr {
    /// The first address.
    pub start: Num,
    /// The end or the size.
    pub end: RangeEnd,
    /// The whole expression.
    pub sp: Sp,
}

/// The second half of a range.
#[derive(Clone, Copy, Debug)]
pub enum RangeEnd {
    /// `.. end`: one past the last address.
    End(Num),
    /// `.. +size`: the size in bytes.
    Size(Num),
}

/// The whole invocation: one module.
pub struct Layout {
    /// Attributes of the module (doc comments and anything else, passed through).
    pub attrs: Vec<Attribute>,
    /// Visibility of the module.
    pub vis: Visibility,
    /// The module's name.
    pub name: Ident,
    /// `seed = N;`.
    pub seed: Option<Num>,
    /// `pa_bits = N;`.
    pub pa_bits: Option<PaBitsDecl>,
    /// `tables at RANGE;` or `tables in POOL;`.
    pub tables_at: Option<TablesDecl>,
    /// `wxn;`: the keyword.
    pub wxn: Option<Sp>,
    /// `physical` pools, in declaration order.
    pub pools: Vec<PoolDecl>,
    /// Tables, in declaration order.
    pub tables: Vec<TableDecl>,
    /// `shared page` declarations.
    pub shared_pages: Vec<PageDecl>,
    /// `shared segment` declarations.
    pub shared_segments: Vec<SegmentDecl>,
    /// Names of declarations that failed to parse (so their uses are not reported as
    /// unknown names a second time).
    pub broken: Vec<String>,
}

/// `pa_bits = N;`: the size of the physical address space in bits.
#[derive(Clone, Copy, Debug)]
pub struct PaBitsDecl {
    /// The `pa_bits` keyword.
    pub kw: Sp,
    /// The number of bits and its literal.
    pub bits: Num,
}

/// `tables at RANGE;` or `tables in POOL;`: where the translation tables go.
pub struct TablesDecl {
    /// The `tables` keyword.
    pub kw: Sp,
    /// The place.
    pub place: TablesPlace,
    /// The whole declaration, `tables` to the end of the range or pool name.
    pub sp: Sp,
}

/// The place of [`TablesDecl`].
pub enum TablesPlace {
    /// `at START .. END` or `at START .. +SIZE`: packed from `START`, within the range.
    At(RangeExpr),
    /// `in POOL`: anywhere in that RAM pool.
    In(Ident),
}

impl TablesPlace {
    /// The range or the pool name.
    pub fn sp(&self) -> Sp {
        match self {
            TablesPlace::At(r) => r.sp,
            TablesPlace::In(pool) => Sp::one(pool.span()),
        }
    }
}

/// `physical NAME = RANGE (, device | , non_secure)* ;`
pub struct PoolDecl {
    /// The pool's name.
    pub name: Ident,
    /// Its range.
    pub range: RangeExpr,
    /// `device`.
    pub device: Option<Sp>,
    /// `non_secure`.
    pub non_secure: Option<Sp>,
}

/// `table NAME (core N, EL) { .. }`, or `(cores A..=B, EL)`, `(cores [A, B, ..], EL)`.
pub struct TableDecl {
    /// Doc comments.
    pub docs: Vec<Attribute>,
    /// The table's name.
    pub name: Ident,
    /// The cores that use the table.
    pub cores: Cores,
    /// `core N` or `cores ..` as written.
    pub cores_sp: Sp,
    /// The exception level.
    pub el: ExecutionContext,
    /// `virtual` ranges.
    pub virt: Vec<RangeExpr>,
    /// `va_bits = N;`: the size of the lower VA range.
    pub va_bits: Option<VaBitsDecl>,
    /// `va_bits upper = N;`: the size of the upper VA range.
    pub upper_va_bits: Option<VaBitsDecl>,
    /// Pages of this table.
    pub pages: Vec<PageDecl>,
    /// Segments of this table.
    pub segments: Vec<SegmentDecl>,
}

/// `va_bits [upper] = N;` inside a table: the VA size of its lower (or upper) range.
#[derive(Clone, Copy, Debug)]
pub struct VaBitsDecl {
    /// The `va_bits` keyword (through `upper` when written).
    pub kw: Sp,
    /// The number of bits and its literal.
    pub bits: Num,
}

/// `alias PAGE` or `alias TABLE::PAGE`.
pub struct AliasRef {
    /// The table, when given.
    pub table: Option<Ident>,
    /// The page.
    pub page: Ident,
    /// The reference as written.
    pub sp: Sp,
}

/// A custom attribute value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttrVal {
    /// An integer.
    Int(i128),
    /// A string.
    Str(String),
    /// A boolean.
    Bool(bool),
}

/// `key = value` inside `attrs { .. }`.
pub struct AttrKv {
    /// The key.
    pub key: Ident,
    /// The value.
    pub value: AttrVal,
}

/// `[shared] page NAME : KIND, SIZE [* N] (, OPTION)* ;`
pub struct PageDecl {
    /// Doc comments.
    pub docs: Vec<Attribute>,
    /// `shared page`.
    pub shared: bool,
    /// The page's name.
    pub name: Ident,
    /// The kind.
    pub kind: PageKind,
    /// The kind keyword.
    pub kind_sp: Sp,
    /// The page size (absent only for an alias).
    pub size: Option<Num>,
    /// `* N`.
    pub count: Option<Num>,
    /// `identity`.
    pub identity: Option<Sp>,
    /// `va ADDR`.
    pub va: Option<Num>,
    /// `pa ADDR`.
    pub pa: Option<Num>,
    /// `pool NAME`.
    pub pool: Option<Ident>,
    /// `r`, `rw`, `rx` or `rwx`.
    pub perms: Option<(Perms, Sp)>,
    /// `write_back`, `write_through` or `non_cacheable`.
    pub cache: Option<(Cacheability, Sp)>,
    /// `non_shareable`, `inner` or `outer`.
    pub share: Option<(Shareability, Sp)>,
    /// `attrs { .. }`.
    pub attrs: Vec<AttrKv>,
    /// `tables [..]` and the span of the list.
    pub tables: Option<(Vec<Ident>, Sp)>,
    /// `alias [TABLE::]PAGE`.
    pub alias: Option<AliasRef>,
}

/// `[shared] segment NAME : KIND, SIZE (, OPTION)* ;`
pub struct SegmentDecl {
    /// Doc comments.
    pub docs: Vec<Attribute>,
    /// `shared segment`.
    pub shared: bool,
    /// The segment's name.
    pub name: Ident,
    /// The kind.
    pub kind: SegmentKind,
    /// The kind keyword.
    pub kind_sp: Sp,
    /// The size in bytes.
    pub size: Num,
    /// `align N`.
    pub align: Option<Num>,
    /// `identity`.
    pub identity: Option<Sp>,
    /// `in PAGE`.
    pub in_page: Option<Ident>,
    /// `va ADDR`.
    pub va: Option<Num>,
}

/// Every page option keyword, in the order the language lists them; the permissions,
/// cacheability and shareability come from their enums (cacheability from the default,
/// `write_back`, down).
fn page_options() -> Vec<&'static str> {
    let mut all = vec!["identity", "va", "pa", "pool"];
    all.extend(Perms::NAMES);
    all.extend(Cacheability::NAMES.into_iter().rev());
    all.extend(Shareability::NAMES);
    all.extend(["attrs", "tables", "alias"]);
    all
}

/// "expected `a`", "expected `a` or `b`" or "expected one of: `a`, `b`, `c`", as
/// `syn`'s lookahead words it.
fn expected(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        all => format!("expected one of: {}", all.join(", ")),
    }
}

/// The error for a token that is none of `names`: "`x` is not WHAT; did you mean `y`?
/// expected one of: .." when it is a word, else "expected one of: ..".
fn not_one_of(input: ParseStream, what: &'static str, names: &[&str]) -> syn::Error {
    let expected = expected(names);
    match input.fork().call(Ident::parse_any) {
        Ok(word) => not_a(&word, what, names, expected),
        Err(_) => input.error(expected),
    }
}

/// "`word` is not WHAT; did you mean `y`? EXPECTED" on `word`.
fn not_a(word: &Ident, what: &'static str, candidates: &[&str], expected: String) -> syn::Error {
    let text = name_of_ident(word);
    let hint = DidYouMean::one(closest(&text, candidates));
    let error = DslError::NotA {
        word: text,
        what,
        hint,
        expected,
    };
    syn::Error::new(word.span(), error)
}

/// The error for a token that starts none of the forms a lookahead peeked: "`x` is not
/// WHAT; did you mean `y`? expected one of: ..." when it is a word, else the lookahead's
/// "expected one of" error.
fn unknown(
    input: ParseStream,
    la: syn::parse::Lookahead1<'_>,
    what: &'static str,
    candidates: &[&str],
) -> syn::Error {
    let expected = la.error();
    match input.fork().call(Ident::parse_any) {
        Ok(word) => not_a(&word, what, candidates, expected.to_string()),
        Err(_) => expected,
    }
}

/// A keyword of a model enum (its `NAMES` and `from_name`) and its span, else the
/// "`x` is not WHAT" error listing every keyword.
fn parse_keyword<T>(
    input: ParseStream,
    what: &'static str,
    names: &[&str],
    from_name: fn(&str) -> Option<T>,
) -> syn::Result<(T, Sp)> {
    keyword(input, from_name).ok_or_else(|| not_one_of(input, what, names))
}

/// The value of a keyword of a model enum and its span, consumed, when the next token
/// is one.
fn keyword<T>(input: ParseStream, from_name: fn(&str) -> Option<T>) -> Option<(T, Sp)> {
    let id = input.fork().parse::<Ident>().ok()?;
    let value = from_name(&id.to_string())?;
    input.parse::<Ident>().ok()?;
    Some((value, Sp::one(id.span())))
}

fn name_of_ident(i: &Ident) -> String {
    i.unraw().to_string()
}

/// Parses a whole invocation, recording recoverable errors in `cx`.
///
/// Returns `Err` only when not even the module header (`pub mod NAME { .. }`) parses.
pub fn parse_layout(input: ParseStream, cx: &mut Ctxt) -> syn::Result<Layout> {
    let attrs = input.call(Attribute::parse_outer)?;
    let vis: Visibility = input.parse()?;
    input.parse::<Token![mod]>()?;
    let name: Ident = input.parse()?;
    let content;
    syn::braced!(content in input);
    let mut layout = Layout {
        attrs,
        vis,
        name,
        seed: None,
        pa_bits: None,
        tables_at: None,
        wxn: None,
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
fn parse_item(input: ParseStream, cx: &mut Ctxt, layout: &mut Layout) -> syn::Result<()> {
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
        let kw: kw::seed = input.parse()?;
        input.parse::<Token![=]>()?;
        let seed = parse_num(input)?;
        input.parse::<Token![;]>()?;
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
    } else if la.peek(kw::tables) {
        let decl = parse_tables(input)?;
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
    } else {
        Err(unknown(
            input,
            la,
            "a declaration",
            &[
                "seed", "physical", "table", "shared", "pa_bits", "tables", "wxn",
            ],
        ))
    }
}

/// `shared page ..` or `shared segment ..`.
fn parse_shared(
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

/// `pa_bits = N;`.
fn parse_pa_bits(input: ParseStream, cx: &mut Ctxt, layout: &mut Layout) -> syn::Result<()> {
    let k: kw::pa_bits = input.parse()?;
    input.parse::<Token![=]>()?;
    let bits = parse_plain(input, "PA size", "`pa_bits = 40`")?;
    input.parse::<Token![;]>()?;
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
fn parse_wxn(input: ParseStream, cx: &mut Ctxt, layout: &mut Layout) -> syn::Result<()> {
    let k: kw::wxn = input.parse()?;
    input.parse::<Token![;]>()?;
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
fn parse_tables(input: ParseStream) -> syn::Result<TablesDecl> {
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
    let sp = Sp::join(kw, place.sp());
    input.parse::<Token![;]>()?;
    Ok(TablesDecl { kw, place, sp })
}

/// Doc comments before a declaration; any other attribute is an error.
fn parse_docs(input: ParseStream, cx: &mut Ctxt) -> syn::Result<Vec<Attribute>> {
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

/// `= RANGE (, device | , non_secure)* ;` after `physical NAME`.
fn parse_pool_rest(input: ParseStream, cx: &mut Ctxt, name: Ident) -> syn::Result<PoolDecl> {
    input.parse::<Token![=]>()?;
    let range = parse_range(input)?;
    let mut pool = PoolDecl {
        name,
        range,
        device: None,
        non_secure: None,
    };
    parse_options(input, cx, |input, cx| {
        let la = input.lookahead1();
        if la.peek(kw::device) {
            let k: kw::device = input.parse()?;
            set_flag(cx, &mut pool.device, Sp::one(k.span), "device");
        } else if la.peek(kw::non_secure) {
            let k: kw::non_secure = input.parse()?;
            set_flag(cx, &mut pool.non_secure, Sp::one(k.span), "non_secure");
        } else {
            return Err(unknown(
                input,
                la,
                "a pool option",
                &["device", "non_secure"],
            ));
        }
        Ok(())
    })?;
    Ok(pool)
}

/// `table NAME (core N, EL) { .. }`.
fn parse_table(
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
    let (cores, cores_sp, el) = match header {
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
        cores_sp,
        el,
        virt: Vec::new(),
        va_bits: None,
        upper_va_bits: None,
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

/// `core N, EL`, `cores A..=B, EL` or `cores [A, B, ..], EL` inside the parentheses of a
/// table. A bad exception level is reported and replaced by `EL3`, so the table still
/// exists for the rest of the checks.
fn parse_table_args(
    input: ParseStream,
    cx: &mut Ctxt,
) -> syn::Result<(Cores, Sp, ExecutionContext)> {
    let (cores, cores_sp) = if input.peek(kw::cores) {
        parse_cores(input, cx)?
    } else {
        let kw = input.parse::<kw::core>()?;
        let lit: LitInt = input.parse()?;
        let core = core_number(&lit, cx).unwrap_or(0);
        (
            Cores::one(core),
            Sp::join(Sp::one(kw.span), Sp::one(lit.span())),
        )
    };
    input.parse::<Token![,]>()?;
    let el_ident: Ident = input.parse()?;
    let text = el_ident.to_string();
    let el = match ExecutionContext::from_name(&text) {
        Some(el) => el,
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
            ExecutionContext::EL3
        }
    };
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    }
    if !input.is_empty() {
        return Err(input.error("expected `)` after the exception level"));
    }
    Ok((cores, cores_sp, el))
}

/// A core number: a plain integer below 2^32, else reported (`None`).
fn core_number(lit: &LitInt, cx: &mut Ctxt) -> Option<u32> {
    match lit.base10_parse::<u32>() {
        Ok(c) if lit.suffix().is_empty() => Some(c),
        _ => {
            cx.error(
                Sp::one(lit.span()),
                DslError::NotPlainNumber {
                    what: "core number",
                    lit: lit.to_string(),
                    example: "`core 0`",
                },
            );
            None
        }
    }
}

/// `cores A..=B` (or `A..B`) or `cores [A, B, ..]`: at most 64 cores, from the lowest to
/// the lowest + 63. A mistake is reported and the cores written so far are kept.
fn parse_cores(input: ParseStream, cx: &mut Ctxt) -> syn::Result<(Cores, Sp)> {
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
    let sp = Sp::join(Sp::one(kw.span), end_sp);
    let Some(lowest) = list.iter().map(|&(c, _)| c).min() else {
        return Ok((Cores::one(0), sp));
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
    Ok((Cores::from_mask(lowest, mask), sp))
}

/// One declaration inside a table body.
fn parse_table_item(
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
    if input.peek(kw::pa_bits)
        || input.peek(kw::wxn)
        || input.peek(kw::tables)
        || input.peek(kw::seed)
    {
        let word: Ident = input.parse()?;
        let error = DslError::Misplaced(Misplaced::LayoutWide(word.to_string()));
        return Err(syn::Error::new(word.span(), error));
    }
    let la = input.lookahead1();
    if la.peek(Token![virtual]) {
        input.parse::<Token![virtual]>()?;
        loop {
            table.virt.push(parse_range(input)?);
            let la = input.lookahead1();
            if la.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            } else if la.peek(Token![;]) {
                input.parse::<Token![;]>()?;
                return Ok(());
            } else {
                return Err(la.error());
            }
        }
    } else if la.peek(kw::va_bits) {
        parse_va_bits(input, cx, table)
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
            &["virtual", "va_bits", "page", "segment"],
        ))
    }
}

/// `va_bits = N;` or `va_bits upper = N;` inside a table.
fn parse_va_bits(input: ParseStream, cx: &mut Ctxt, table: &mut TableDecl) -> syn::Result<()> {
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
    input.parse::<Token![;]>()?;
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

/// A declaration's parse result; on failure, its name is recorded as broken, so its uses
/// are not reported as unknown names a second time.
fn declared<T>(decl: syn::Result<T>, name: &Ident, broken: &mut Vec<String>) -> syn::Result<T> {
    decl.inspect_err(|_| broken.push(name.to_string()))
}

/// `: KIND, SIZE [* N] (, OPTION)* ;` after `page NAME`.
fn parse_page_rest(
    input: ParseStream,
    cx: &mut Ctxt,
    docs: Vec<Attribute>,
    shared: bool,
    name: Ident,
) -> syn::Result<PageDecl> {
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
        attrs: Vec::new(),
        tables: None,
        alias: None,
    };
    if page.size.is_none() {
        // `page x : data, alias y, ...`: the alias comes where the size would.
        parse_page_option(input, cx, &mut page)?;
    }
    parse_options(input, cx, |input, cx| {
        parse_page_option(input, cx, &mut page)
    })?;
    Ok(page)
}

/// One option of a page.
fn parse_page_option(input: ParseStream, cx: &mut Ctxt, page: &mut PageDecl) -> syn::Result<()> {
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
        set_value(cx, &mut page.perms, (perms, sp), sp, Twice::Permissions);
    } else if let Some((cache, sp)) = keyword(input, Cacheability::from_name) {
        set_value(cx, &mut page.cache, (cache, sp), sp, Twice::Cacheability);
    } else if let Some((share, sp)) = keyword(input, Shareability::from_name) {
        set_value(cx, &mut page.share, (share, sp), sp, Twice::Shareability);
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
    } else {
        return Err(not_one_of(input, "a page option", &page_options()));
    }
    Ok(())
}

/// `key = value, ...` inside `attrs { .. }`.
fn parse_attr_list(input: ParseStream, cx: &mut Ctxt, out: &mut Vec<AttrKv>) -> syn::Result<()> {
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
fn parse_segment_rest(
    input: ParseStream,
    cx: &mut Ctxt,
    docs: Vec<Attribute>,
    shared: bool,
    name: Ident,
) -> syn::Result<SegmentDecl> {
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
    parse_options(input, cx, |input, cx| {
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
fn parse_page_kind(input: ParseStream) -> syn::Result<(PageKind, Sp)> {
    parse_keyword(input, "a page kind", &PageKind::NAMES, PageKind::from_name)
}

/// A segment kind: `bsp_boot_code`, `boot_code`, `code`, `rodata`, `data`, `bss`,
/// `data_shared`, `data_preserve` or `stack`.
fn parse_segment_kind(input: ParseStream) -> syn::Result<(SegmentKind, Sp)> {
    parse_keyword(
        input,
        "a segment kind",
        &SegmentKind::NAMES,
        SegmentKind::from_name,
    )
}

/// `(, OPTION)* ;`: a comma-separated option list ended by `;`. A bad option is
/// reported and skipped up to the next `,` so the others are still checked.
fn parse_options<F>(input: ParseStream, cx: &mut Ctxt, mut option: F) -> syn::Result<()>
where
    F: FnMut(ParseStream, &mut Ctxt) -> syn::Result<()>,
{
    loop {
        let la = input.lookahead1();
        if la.peek(Token![;]) {
            input.parse::<Token![;]>()?;
            return Ok(());
        } else if la.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if input.peek(Token![;]) {
                continue;
            }
            if let Err(e) = option(input, cx) {
                cx.syn_error(e);
                skip_option(input);
            }
        } else {
            return Err(la.error());
        }
    }
}

/// Sets a flag, or reports it as given twice.
fn set_flag(cx: &mut Ctxt, slot: &mut Option<Sp>, sp: Sp, flag: &'static str) {
    if slot.is_some() {
        cx.error(sp, DslError::GivenTwice(Twice::Flag(flag)));
    } else {
        *slot = Some(sp);
    }
}

/// Sets an option's value, or reports `what` as given twice.
fn set_value<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, sp: Sp, what: Twice) {
    if slot.is_some() {
        cx.error(sp, DslError::GivenTwice(what));
    } else {
        *slot = Some(value);
    }
}

/// `start .. end` or `start .. +size`.
pub fn parse_range(input: ParseStream) -> syn::Result<RangeExpr> {
    let start = parse_num(input)?;
    input.parse::<Token![..]>()?;
    let la = input.lookahead1();
    let end = if la.peek(Token![+]) {
        input.parse::<Token![+]>()?;
        RangeEnd::Size(parse_num(input)?)
    } else if la.peek(LitInt) {
        RangeEnd::End(parse_num(input)?)
    } else {
        return Err(la.error());
    };
    let last = match end {
        RangeEnd::End(n) | RangeEnd::Size(n) => n.sp,
    };
    Ok(RangeExpr {
        start,
        end,
        sp: Sp::join(start.sp, last),
    })
}

/// An integer literal with an optional `K`, `M` or `G` suffix.
pub fn parse_num(input: ParseStream) -> syn::Result<Num> {
    let lit: LitInt = input.parse()?;
    num_of(&lit)
}

/// The value of an integer literal with an optional `K`, `M` or `G` suffix.
pub fn num_of(lit: &LitInt) -> syn::Result<Num> {
    let shift = match lit.suffix() {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        other => {
            let error = DslError::UnknownSuffix {
                lit: lit.to_string(),
                suffix: other.to_string(),
            };
            return Err(syn::Error::new(lit.span(), error));
        }
    };
    let base: u64 = lit.base10_parse().map_err(|_| {
        syn::Error::new(
            lit.span(),
            DslError::Over64Bits {
                lit: lit.to_string(),
            },
        )
    })?;
    let value = base.checked_mul(1u64 << shift).ok_or_else(|| {
        syn::Error::new(
            lit.span(),
            DslError::Over2To64Bytes {
                lit: lit.to_string(),
            },
        )
    })?;
    Ok(Num {
        value,
        sp: Sp::one(lit.span()),
    })
}

/// The `N` of `* N`: a plain number of pages.
fn parse_count(input: ParseStream) -> syn::Result<Num> {
    parse_plain(input, "page count", "`4K * 3`")
}

/// A plain number below 2^32, without a size suffix; `what` and `example` word the error.
fn parse_plain(input: ParseStream, what: &'static str, example: &'static str) -> syn::Result<Num> {
    let lit: LitInt = input.parse()?;
    match lit.base10_parse::<u32>() {
        Ok(v) if lit.suffix().is_empty() => Ok(Num {
            value: u64::from(v),
            sp: Sp::one(lit.span()),
        }),
        _ => Err(syn::Error::new(
            lit.span(),
            DslError::NotPlainNumber {
                what,
                lit: lit.to_string(),
                example,
            },
        )),
    }
}

/// Skips the rest of a declaration that failed to parse: up to and including its `;`,
/// or up to and including a `{ .. }` body when the declaration has no `;` before it
/// (a table).
fn skip_declaration(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut c = *cursor;
        while let Some((tt, next)) = c.token_tree() {
            c = next;
            match &tt {
                TokenTree::Punct(p) if p.as_char() == ';' => break,
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace && !next.eof() => {
                    // A table body ends the declaration; `attrs { .. }` of a page does
                    // not, and is followed by `,` or `;`.
                    let followed_by_list_punct = matches!(
                        next.token_tree(),
                        Some((TokenTree::Punct(p), _)) if p.as_char() == ',' || p.as_char() == ';'
                    );
                    if !followed_by_list_punct {
                        break;
                    }
                }
                TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
                _ => {}
            }
        }
        Ok(((), c))
    });
}

/// Skips a bad option: up to (not including) the next `,` or `;`.
fn skip_option(input: ParseStream) {
    let _ = input.step(|cursor| {
        let mut c = *cursor;
        while let Some((tt, next)) = c.token_tree() {
            if let TokenTree::Punct(p) = &tt
                && (p.as_char() == ',' || p.as_char() == ';')
            {
                break;
            }
            c = next;
        }
        Ok(((), c))
    });
}

/// Consumes what is left of a delimited group when parsing it failed, so the group does
/// not report its leftover tokens a second time.
fn drain_on_error<T>(content: &ParseBuffer, r: syn::Result<T>) -> syn::Result<T> {
    if r.is_err() {
        let _ = content.step(|cursor| {
            let mut c = *cursor;
            while let Some((_, next)) = c.token_tree() {
                c = next;
            }
            Ok(((), c))
        });
    }
    r
}

/// Words longer than this get no suggestion: a "did you mean" only helps with short
/// names, and the edit distance of long strings costs time for nothing.
pub const MAX_SUGGESTION_CHARS: usize = 64;

/// The candidate closest to `word`, if close enough to be a likely misspelling (see
/// [`suggestions`]).
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    suggestions(word, candidates).into_iter().next()
}

/// What `word` was likely meant to be, case-insensitively: the candidates it is a prefix
/// of (`EL1` → `EL1_NS`, `EL1_S`; at most three, in the order given), else the one
/// nearest in edit distance if within a third of its length (plus one).
///
/// The work is bounded: a word of more than [`MAX_SUGGESTION_CHARS`] characters gets
/// none, a candidate whose length differs by more than the limit is skipped without a
/// distance, and a distance stops as soon as it passes the limit (or the best so far),
/// so a look-up costs `O(candidates * len * limit)`.
pub fn suggestions<'a>(word: &str, candidates: &[&'a str]) -> Vec<&'a str> {
    let w: Vec<char> = word.chars().map(|c| c.to_ascii_lowercase()).collect();
    if w.is_empty() || w.len() > MAX_SUGGESTION_CHARS {
        return Vec::new();
    }
    if w.len() >= 2 {
        let extending: Vec<&'a str> = candidates
            .iter()
            .copied()
            .filter(|c| {
                c.len() > word.len()
                    && c.get(..word.len())
                        .is_some_and(|p| p.eq_ignore_ascii_case(word))
            })
            .take(3)
            .collect();
        if !extending.is_empty() {
            return extending;
        }
    }
    let limit = (w.len() / 3).max(1) + 1;
    let mut best: Option<(usize, &'a str)> = None;
    for &c in candidates {
        let bound = best.map_or(limit, |(d, _)| d.saturating_sub(1));
        if let Some(d) = bounded_distance(&w, c, bound) {
            best = Some((d, c));
            if d == 0 {
                break;
            }
        }
    }
    best.map(|(_, c)| vec![c]).unwrap_or_default()
}

/// The case-insensitive Levenshtein distance of `a` (lower case already) and `b`, if it
/// is at most `limit`; `None` as soon as it must be more.
fn bounded_distance(a: &[char], b: &str, limit: usize) -> Option<usize> {
    let n = b.chars().count();
    if n.abs_diff(a.len()) > limit || n > MAX_SUGGESTION_CHARS + limit {
        return None;
    }
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, &ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        let mut row_min = cur[0];
        for (j, &cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
            row_min = row_min.min(cur[j + 1]);
        }
        if row_min > limit {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[b.len()]).filter(|&d| d <= limit)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    fn num(s: &str) -> syn::Result<u64> {
        let ts: proc_macro2::TokenStream = s
            .parse()
            .map_err(|_| syn::Error::new(proc_macro2::Span::call_site(), "lex"))?;
        parse_num.parse2(ts).map(|n| n.value)
    }

    fn range(s: &str) -> syn::Result<(u64, RangeEnd)> {
        let ts: proc_macro2::TokenStream = s
            .parse()
            .map_err(|_| syn::Error::new(proc_macro2::Span::call_site(), "lex"))?;
        parse_range.parse2(ts).map(|r| (r.start.value, r.end))
    }

    #[test]
    fn sizes_with_suffixes() {
        assert_eq!(num("4K").ok(), Some(0x1000));
        assert_eq!(num("2M").ok(), Some(0x20_0000));
        assert_eq!(num("1G").ok(), Some(0x4000_0000));
        assert_eq!(num("8G").ok(), Some(0x2_0000_0000));
        assert_eq!(num("16M").ok(), Some(0x100_0000));
        assert_eq!(num("0x200").ok(), Some(0x200));
        assert_eq!(num("0x8020_0000").ok(), Some(0x8020_0000));
        assert_eq!(num("0x10K").ok(), Some(0x4000));
    }

    #[test]
    fn bad_sizes_are_errors_not_panics() {
        let e = num("99999999999999999999G").unwrap_err().to_string();
        assert!(e.contains("does not fit in 64 bits"), "{e}");
        let e = num("17179869184G").unwrap_err().to_string();
        assert!(e.contains("more than 2^64"), "{e}");
        let e = num("4KB").unwrap_err().to_string();
        assert!(e.contains("unknown suffix `KB`"), "{e}");
        assert!(num("4u64").is_err());
        assert!(num("x").is_err());
    }

    #[test]
    fn ranges_both_forms() {
        let (s, e) = range("0x8020_0000 .. +8G").unwrap();
        assert_eq!(s, 0x8020_0000);
        assert!(matches!(e, RangeEnd::Size(n) if n.value == 8 << 30));
        let (s, e) = range("0x1000..0x3000").unwrap();
        assert_eq!(s, 0x1000);
        assert!(matches!(e, RangeEnd::End(n) if n.value == 0x3000));
        let (_, e) = range("0..+4K").unwrap();
        assert!(matches!(e, RangeEnd::Size(n) if n.value == 0x1000));
        let e = range("0x1000 .. foo").unwrap_err().to_string();
        assert!(e.contains("expected `+` or integer literal"), "{e}");
    }

    #[test]
    fn closest_names() {
        let names: Vec<&str> = ExecutionContext::ALL.iter().map(|e| e.name()).collect();
        assert_eq!(closest("EL1NS", &names), Some("EL1_NS"));
        assert_eq!(closest("el3", &names), Some("EL3"));
        assert_eq!(closest("EL1_realm", &names), Some("EL1_Realm"));
        assert_eq!(closest("banana_split", &names), None);
        // A prefix names every level it could be, before any edit distance.
        assert_eq!(suggestions("EL1", &names), ["EL1_NS", "EL1_S", "EL1_Realm"]);
        assert_eq!(suggestions("el2", &names), ["EL2_NS", "EL2_S"]);
    }

    #[test]
    fn suggestions_are_bounded() {
        // Long words get none, whatever the candidates.
        let long = "a".repeat(40_000);
        let other = "b".repeat(40_000);
        assert_eq!(closest(&long, &[other.as_str(), long.as_str()]), None);
        // Candidates far longer or shorter are skipped; near ones still found.
        assert_eq!(
            closest("mailbx", &[other.as_str(), "mailbox"]),
            Some("mailbox")
        );
        assert_eq!(bounded_distance(&['a', 'b'], "abcdef", 2), None);
        assert_eq!(
            bounded_distance(&['k', 'i', 't', 't', 'e', 'n'], "sitting", 3),
            Some(3)
        );
        assert_eq!(
            bounded_distance(&['k', 'i', 't', 't', 'e', 'n'], "sitting", 2),
            None
        );
    }
}
