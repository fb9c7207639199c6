//! `memlayout::dsl::expand` never panics and is deterministic: thousands of truncated and
//! mutated versions of valid inputs, and random token soup, all give tokens, and the
//! same input twice gives the same output.

use std::panic::{AssertUnwindSafe, catch_unwind};

use memlayout::Rng;
use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

const VALID: &[&str] = &[
    r#"
    /// Memory map of the boot firmware.
    pub mod soc {
        seed = 0x5EED;
        physical ram  = 0x8020_0000 .. +8G;
        physical mmio = 0x0900_0000 .. +16M, device;
        table core0_el3 (core 0, EL3) {
            virtual 0x8020_0000 .. +8G;
            page boot  : code, 2M, identity;
            page uart  : device, 4K, pa 0x0900_0000, rw;
            page text  : code, 4K * 3, rx;
            page heap  : data, 2M, rw, write_back, inner, attrs { owner = "fw" };
            page fixed : data, 4K, va 0x9000_0000, pa 0x8100_0000, r;
            segment bsp_boot : bsp_boot_code, 0x200, align 16, identity;
            segment stack    : stack, 0x800, align 16, in heap;
        }
        table core0_el1 (core 0, EL1_NS) {
            virtual 0x8020_0000 .. +8G;
            page data : data, 4K, rw;
        }
        shared page mailbox : data, 2M, rw;
        shared page doorbell : device, 4K, pa 0x0900_1000, tables [core0_el3];
        shared segment cross_core : data_preserve, 2K, align 16, in mailbox;
    }
    "#,
    r#"
    mod small {
        physical ram = 0x4000_0000 .. 0x1_0000_0000, non_secure;
        table t (core 3, EL2_NS) {
            virtual 0x1000 .. +1G, 0x1_0000_0000 .. +1G;
            page a : code, 4K * 2, rwx, pool ram;
            page b : data, 2M, non_cacheable, outer;
            page c : system, 1G;
            page d : data, alias b, va 0x2000_0000, non_cacheable, outer;
            segment s : code, 0x100, align 64, in a;
            segment k : data_shared, 0x10, in b;
        }
    }
    "#,
    r#"
    pub mod tabled {
        pa_bits = 40;
        tables at 0x4000_0000 .. +64K;
        wxn;
        physical ram = 0x4000_0000 .. +1G;
        table t (core 0, EL1_S) {
            virtual 0x8000_0000 .. +1G;
            page a : code, 4K;
            page b : data, 4K * 2, rw;
        }
    }
    "#,
    r#"
    mod pooled {
        tables in ram;
        physical ram = 0x8000_0000 .. +1G;
        table t (core 0, EL0_NS) {
            virtual 0x1000 .. +1G;
            page a : data, 2M;
        }
    }
    "#,
];

/// Every word the language knows, and some it does not.
const WORDS: &[&str] = &[
    "seed",
    "physical",
    "table",
    "shared",
    "page",
    "segment",
    "virtual",
    "core",
    "pa_bits",
    "wxn",
    "at",
    "device",
    "non_secure",
    "code",
    "data",
    "system",
    "bsp_boot_code",
    "boot_code",
    "data_shared",
    "data_preserve",
    "stack",
    "identity",
    "va",
    "pa",
    "pool",
    "align",
    "attrs",
    "tables",
    "alias",
    "r",
    "rw",
    "rx",
    "rwx",
    "write_back",
    "write_through",
    "non_cacheable",
    "non_shareable",
    "inner",
    "outer",
    "in",
    "mod",
    "pub",
    "EL3",
    "EL1_NS",
    "EL0_Realm",
    "EL9",
    "info",
    "pages",
    "heap",
    "boot",
    "x",
    "true",
    "false",
    "self",
    "r#type",
    "é",
];

const LITERALS: &[&str] = &[
    "0",
    "1",
    "3",
    "16",
    "24",
    "0x200",
    "4K",
    "2M",
    "1G",
    "8G",
    "16M",
    "12K",
    "0x1000",
    "0xFFFF_FFFF_FFFF_F000",
    "0xFFFF_FFFF_FFFF_FFFF",
    "18446744073709551615",
    "99999999999999999999999",
    "17179869184G",
    "4KB",
    "4u64",
    "0x9000_0800",
    "\"fw\"",
    "1.5",
    "'c'",
    "b\"x\"",
];

fn pick<'a>(rng: &mut Rng, items: &'a [&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

fn word(rng: &mut Rng) -> TokenTree {
    let w = pick(rng, WORDS);
    let ident = if let Some(raw) = w.strip_prefix("r#") {
        Ident::new_raw(raw, Span::call_site())
    } else if w.is_ascii() {
        Ident::new(w, Span::call_site())
    } else {
        Ident::new("e", Span::call_site())
    };
    TokenTree::Ident(ident)
}

fn literal(rng: &mut Rng) -> TokenTree {
    let text = pick(rng, LITERALS);
    match text.parse::<TokenStream>() {
        Ok(ts) => ts
            .into_iter()
            .next()
            .unwrap_or_else(|| TokenTree::Literal(Literal::u64_unsuffixed(0))),
        Err(_) => TokenTree::Literal(Literal::u64_unsuffixed(rng.next_u64())),
    }
}

fn punct(rng: &mut Rng) -> Vec<TokenTree> {
    let p = |c, s| TokenTree::Punct(Punct::new(c, s));
    match rng.below(10) {
        0 => vec![p(':', Spacing::Alone)],
        1 => vec![p(',', Spacing::Alone)],
        2 => vec![p(';', Spacing::Alone)],
        3 => vec![p('.', Spacing::Joint), p('.', Spacing::Alone)],
        4 => vec![p('+', Spacing::Alone)],
        5 => vec![p('*', Spacing::Alone)],
        6 => vec![p('=', Spacing::Alone)],
        7 => vec![p(':', Spacing::Joint), p(':', Spacing::Alone)],
        8 => vec![p('-', Spacing::Alone)],
        _ => vec![p('#', Spacing::Alone)],
    }
}

fn soup(rng: &mut Rng, depth: u32) -> TokenStream {
    let len = rng.below(30);
    let mut out = Vec::new();
    for _ in 0..len {
        match rng.below(8) {
            0..=2 => out.push(word(rng)),
            3 | 4 => out.push(literal(rng)),
            5 | 6 => out.extend(punct(rng)),
            _ if depth < 3 => {
                let delim = match rng.below(3) {
                    0 => Delimiter::Brace,
                    1 => Delimiter::Parenthesis,
                    _ => Delimiter::Bracket,
                };
                out.push(TokenTree::Group(Group::new(delim, soup(rng, depth + 1))));
            }
            _ => out.push(word(rng)),
        }
    }
    out.into_iter().collect()
}

/// One random edit somewhere in the tree: drop, duplicate, swap, replace a literal or
/// a word, or insert punctuation.
fn mutate(rng: &mut Rng, ts: TokenStream) -> TokenStream {
    let mut trees: Vec<TokenTree> = ts.into_iter().collect();
    if trees.is_empty() {
        return soup(rng, 2);
    }
    let i = rng.below(trees.len() as u64) as usize;
    // Half the time, descend into a group at i.
    if let TokenTree::Group(g) = &trees[i]
        && rng.below(2) == 0
    {
        let inner = mutate(rng, g.stream());
        let mut ng = Group::new(g.delimiter(), inner);
        ng.set_span(g.span());
        trees[i] = TokenTree::Group(ng);
        return trees.into_iter().collect();
    }
    match rng.below(7) {
        0 => {
            trees.remove(i);
        }
        1 => {
            let t = trees[i].clone();
            trees.insert(i, t);
        }
        2 => {
            let j = rng.below(trees.len() as u64) as usize;
            trees.swap(i, j);
        }
        3 => trees[i] = literal(rng),
        4 => trees[i] = word(rng),
        5 => {
            let p = punct(rng);
            for (k, t) in p.into_iter().enumerate() {
                trees.insert(i + k, t);
            }
        }
        _ => trees.truncate(i),
    }
    trees.into_iter().collect()
}

/// The first `budget` tokens of a stream, depth first, with groups closed.
fn truncate(ts: TokenStream, budget: &mut usize) -> TokenStream {
    let mut out = Vec::new();
    for t in ts {
        if *budget == 0 {
            break;
        }
        *budget -= 1;
        match t {
            TokenTree::Group(g) => {
                let inner = truncate(g.stream(), budget);
                out.push(TokenTree::Group(Group::new(g.delimiter(), inner)));
            }
            other => out.push(other),
        }
    }
    out.into_iter().collect()
}

fn count(ts: &TokenStream) -> usize {
    ts.clone()
        .into_iter()
        .map(|t| match t {
            TokenTree::Group(g) => 1 + count(&g.stream()),
            _ => 1,
        })
        .sum()
}

/// Expands twice under `catch_unwind`; both must return the same, non-empty tokens.
fn check(input: &TokenStream) {
    let first = catch_unwind(AssertUnwindSafe(|| memlayout::dsl::expand(input.clone())));
    let Ok(first) = first else {
        panic!("expand panicked on: {input}");
    };
    assert!(!first.is_empty(), "no tokens for: {input}");
    let second = memlayout::dsl::expand(input.clone());
    assert_eq!(
        first.to_string(),
        second.to_string(),
        "not deterministic: {input}"
    );
    let diags = catch_unwind(AssertUnwindSafe(|| {
        memlayout::dsl::diagnostics(input.clone())
    }));
    assert!(diags.is_ok(), "diagnostics panicked on: {input}");
}

fn valid(i: usize) -> TokenStream {
    VALID[i].parse().expect("the valid inputs lex")
}

#[test]
fn valid_inputs_expand_without_errors() {
    for i in 0..VALID.len() {
        let out = memlayout::dsl::expand(valid(i)).to_string();
        assert!(!out.contains("compile_error"), "{out}");
        assert!(memlayout::dsl::diagnostics(valid(i)).is_empty());
    }
}

#[test]
fn every_truncation_gives_tokens() {
    for i in 0..VALID.len() {
        let input = valid(i);
        let n = count(&input);
        for k in 0..=n {
            let mut budget = k;
            check(&truncate(input.clone(), &mut budget));
        }
    }
}

#[test]
fn mutated_inputs_give_tokens() {
    let mut rng = Rng::new(0xD51);
    for round in 0..3000 {
        let mut input = valid(round % VALID.len());
        let edits = 1 + rng.below(4);
        for _ in 0..edits {
            input = mutate(&mut rng, input);
        }
        check(&input);
    }
}

#[test]
fn random_token_soup_gives_tokens() {
    let mut rng = Rng::new(0x50_0B);
    for _ in 0..2000 {
        let body = soup(&mut rng, 0);
        check(&body);
        // The same soup inside a module header reaches the declaration parser.
        let wrapped: TokenStream = [
            TokenTree::Ident(Ident::new("mod", Span::call_site())),
            TokenTree::Ident(Ident::new("m", Span::call_site())),
            TokenTree::Group(Group::new(Delimiter::Brace, body)),
        ]
        .into_iter()
        .collect();
        check(&wrapped);
    }
}

#[test]
fn edge_inputs_give_tokens() {
    for src in [
        "",
        "mod",
        "mod m",
        "mod m {}",
        "mod m {} trailing",
        "pub(crate) mod m { seed = 1; seed = 2; }",
        "mod m { physical ram = 0 .. 0; }",
        "mod m { physical ram = 0x2000 .. 0x1000; }",
        "mod m { physical ram = 0xFFFF_FFFF_FFFF_F000 .. +4K; }",
        "mod m { physical ram = 0 .. +4K; table t (core 0, EL3) { virtual 0 .. +4K; page p : data, 4K * 0; } }",
        "mod m { physical ram = 0 .. +4K; table t (core 0, EL3) { virtual 0 .. +4K; page p : data, 4K * 4294967295; } }",
        "mod m { physical ram = 0 .. +1G; table t (core 4294967296, EL3) { } }",
        "mod m { table t (core 0, EL3) { page p : data, alias p; } }",
        "mod m { table t (core 0, EL3) { virtual 0 .. +4K; page info : data, 4K; page pages : data, 4K; } }",
        "mod m { table t (core 0, EL3) { virtual 0 .. +4K; page Boot : data, 4K; page boot : data, 4K; } }",
        "mod m { shared segment s : stack, 0, align 0; }",
        "mod m { table t (core 0, EL3) { virtual 0 .. +4K; segment s : code, 1, va 0xFFFF_FFFF_FFFF_FFF8; } }",
        "mod m { table t (core 0, EL3) { } table t (core 0, EL3) { } }",
    ] {
        let input: TokenStream = src.parse().expect("edge inputs lex");
        check(&input);
    }
}
