//! The small pieces every declaration is made of: numbers and ranges, option lists and
//! the settings they fill, recovery after an error, and the "`x` is not a .." errors.

use std::format;
use std::prelude::rust_2024::*;

use proc_macro2::{Delimiter, TokenTree};
use syn::buffer::Cursor;
use syn::ext::IdentExt;
use syn::parse::{ParseBuffer, ParseStream};
use syn::{Ident, LitInt, Token};

use super::super::ctxt::{Ctxt, Sp};
use super::super::error::{DidYouMean, DslError, Note, Twice};
use super::suggest::{closest, synonym};
use super::{Num, RangeEnd, RangeExpr};
use crate::model::Hex;

/// "expected `a`", "expected `a` or `b`" or "expected one of: `a`, `b`, `c`", as
/// `syn`'s lookahead words it.
pub(super) fn expected(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [one] => format!("expected {one}"),
        [a, b] => format!("expected {a} or {b}"),
        all => format!("expected one of: {}", all.join(", ")),
    }
}

/// The error for a token that is none of `names`: "`x` is not WHAT; did you mean `y`?
/// expected one of: .." when it is a word, else "expected one of: ..".
pub(super) fn not_one_of(input: ParseStream, what: &'static str, names: &[&str]) -> syn::Error {
    let expected = expected(names);
    match input.fork().call(Ident::parse_any) {
        Ok(word) => not_a(&word, what, names, expected),
        Err(_) => input.error(expected),
    }
}

/// "`word` is not WHAT; did you mean `y`? EXPECTED" on `word`.
pub(super) fn not_a(
    word: &Ident,
    what: &'static str,
    candidates: &[&str],
    expected: String,
) -> syn::Error {
    let text = name_of_ident(word);
    let hint = DidYouMean::one(synonym(&text, candidates).or_else(|| closest(&text, candidates)));
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
pub(super) fn unknown(
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

pub(super) fn name_of_ident(i: &Ident) -> String {
    i.unraw().to_string()
}

/// `(, OPTION)* ;`: a comma-separated option list ended by `;`. A bad option is
/// reported and skipped up to the next `,` so the others are still checked.
///
/// `begin` is where the declaration's text after its name starts: a forgotten `;` is
/// reported after the last token of the declaration.
pub(super) fn parse_options<F>(
    input: ParseStream,
    cx: &mut Ctxt,
    begin: Cursor<'_>,
    mut option: F,
) -> syn::Result<()>
where
    F: FnMut(ParseStream, &mut Ctxt) -> syn::Result<()>,
{
    // The last token of the last option, where a forgotten `;` belongs.
    let mut last = last_span(begin, input.cursor());
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
            let start = input.cursor();
            if let Err(e) = option(input, cx) {
                cx.syn_error(e);
                skip_option(input);
            }
            last = last_span(start, input.cursor()).or(last);
        } else if forgotten_semicolon(input, cx, last, "`;` or `,`") {
            return Ok(());
        } else {
            return Err(la.error());
        }
    }
}

/// The `;` that ends a declaration whose text began at `begin` (its keyword). A
/// forgotten `;` before the next declaration or the end of the block is reported just
/// after the declaration's last token, and the declaration ends there (see
/// [`forgotten_semicolon`]); anything else is a syntax error.
pub(super) fn end_of_declaration(
    input: ParseStream,
    cx: &mut Ctxt,
    begin: Cursor<'_>,
    expected: &str,
) -> syn::Result<()> {
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        return Ok(());
    }
    let last = last_span(begin, input.cursor());
    if forgotten_semicolon(input, cx, last, expected) {
        return Ok(());
    }
    Err(input.error(format_args!("expected {expected}")))
}

/// Whether the declaration that ended with the token at `last` is followed by the next
/// declaration's keyword or by the end of its block: a forgotten `;`, reported after
/// `last` (`expected` names what was missing). The next declaration then still parses,
/// so its uses are no follow-on errors.
fn forgotten_semicolon(
    input: ParseStream,
    cx: &mut Ctxt,
    last: Option<proc_macro2::Span>,
    expected: &str,
) -> bool {
    let (before, at) = match starts_declaration(input) {
        Some(next) => (format!("the next `{next}`"), next.span()),
        None if input.is_empty() => (String::from("the end of the block"), input.span()),
        None => return false,
    };
    cx.error(
        Sp::one(last.unwrap_or(at)),
        format_args!(
            "expected {expected} after this; the declaration ends without its `;` before {before}"
        ),
    );
    true
}

/// The span of the last token tree from `from` up to (not including) `to`.
fn last_span(from: Cursor<'_>, to: Cursor<'_>) -> Option<proc_macro2::Span> {
    let mut c = from;
    let mut last = None;
    while c != to {
        let (tt, next) = c.token_tree()?;
        last = Some(tt.span());
        c = next;
    }
    last
}

/// The next token when it begins a declaration (`page`, `segment`, `shared`,
/// `virtual`, `va_bits`, `table`, `physical`, ...), which no option list continues with.
fn starts_declaration(input: ParseStream) -> Option<Ident> {
    const STARTS: [&str; 12] = [
        "page", "segment", "shared", "virtual", "va_bits", "table", "physical", "seed", "pa_bits",
        "tables", "wxn", "granule",
    ];
    let (i, _) = input.cursor().ident()?;
    STARTS.iter().any(|k| i == k).then_some(i)
}

/// Sets a flag, or reports it as given twice.
pub(super) fn set_flag(cx: &mut Ctxt, slot: &mut Option<Sp>, sp: Sp, flag: &'static str) {
    if let Some(first) = *slot {
        cx.error_with_note(
            sp,
            DslError::GivenTwice(Twice::Flag(flag)),
            first,
            Note::FirstGiven,
        );
    } else {
        *slot = Some(sp);
    }
}

/// Sets an option's value, or reports `what` as given twice.
pub(super) fn set_value<T>(cx: &mut Ctxt, slot: &mut Option<T>, value: T, sp: Sp, what: Twice) {
    if slot.is_some() {
        cx.error(sp, DslError::GivenTwice(what));
    } else {
        *slot = Some(value);
    }
}

/// Sets an option whose value carries its span, or reports `what` as given twice with
/// a note on the first.
pub(super) fn set_spanned<T>(
    cx: &mut Ctxt,
    slot: &mut Option<(T, Sp)>,
    value: (T, Sp),
    what: Twice,
) {
    match slot {
        Some((_, first)) => cx.error_with_note(
            value.1,
            DslError::GivenTwice(what),
            *first,
            Note::FirstGiven,
        ),
        None => *slot = Some(value),
    }
}

/// `start .. end` or `start .. +size`.
pub fn parse_range(input: ParseStream) -> syn::Result<RangeExpr> {
    let start = parse_num(input)?;
    if input.peek(Token![..=]) {
        let dots = input.parse::<Token![..=]>()?;
        // With the inclusive end written, show the two forms with its values.
        let forms = match input.fork().call(parse_num) {
            Ok(last) if last.value >= start.value && last.value < u64::MAX => {
                let (s, end) = (start.value, last.value + 1);
                let (s, end, size) = (Hex::from(s), Hex::from(end), Hex::from(end - s));
                format!("`{s} .. {end}` or `{s} .. +{size}`")
            }
            _ => "`START .. END` or `START .. +SIZE`".to_string(),
        };
        return Err(syn::Error::new_spanned(
            dots,
            format!(
                "ranges are half-open (the end is not included) and have no `..=` form; write {forms}"
            ),
        ));
    }
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

/// An integer literal with an optional `K`, `M`, `G` or `T` suffix.
pub fn parse_num(input: ParseStream) -> syn::Result<Num> {
    let lit: LitInt = input.parse()?;
    num_of(&lit)
}

/// The value of an integer literal with an optional `K`, `M`, `G` or `T` suffix.
pub fn num_of(lit: &LitInt) -> syn::Result<Num> {
    let shift = match lit.suffix() {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
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
pub(super) fn parse_count(input: ParseStream) -> syn::Result<Num> {
    parse_plain(input, "page count", "`4K * 3`")
}

/// A plain number below 2^32, without a size suffix; `what` and `example` word the error
/// (one with a suffix, or a larger one).
pub(super) fn parse_plain(
    input: ParseStream,
    what: &'static str,
    example: &'static str,
) -> syn::Result<Num> {
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
                suffix: !lit.suffix().is_empty(),
                example,
            },
        )),
    }
}

/// Skips the rest of a declaration that failed to parse: up to and including its `;`,
/// or up to and including a `{ .. }` body when the declaration has no `;` before it
/// (a table).
pub(super) fn skip_declaration(input: ParseStream) {
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
pub(super) fn skip_option(input: ParseStream) {
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
pub(super) fn drain_on_error<T>(content: &ParseBuffer, r: syn::Result<T>) -> syn::Result<T> {
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
}
