//! `memory_layout!(include "layouts/board.memlayout");`: a layout read from a file.
//!
//! The path is relative to the crate's manifest directory (`CARGO_MANIFEST_DIR`). The
//! expansion is the file's layout, followed by
//! `const _: &[u8] = include_bytes!("/absolute/path");`, so cargo rebuilds the crate
//! when the file changes. An error inside the file is a compile error on the path
//! literal that shows `file:line:col`, the offending line and a caret under the token,
//! with the same message as the macro gives for the same text inline.
//!
//! How the locations are found: inside a proc macro, tokens parsed from a string carry
//! no position, so when the layout has errors the file is checked again with
//! proc-macro2's own (fallback) implementation, which records lines and columns, and
//! those diagnostics are rendered into the messages.

use std::format;
use std::path::{Path, PathBuf};
use std::prelude::rust_2024::*;

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::quote;
use syn::LitStr;

use super::ctxt::Ctxt;
use super::file::{self, Renderer};

/// A parsed `include "PATH"` request.
pub struct Request {
    path: String,
    span: Span,
}

/// `Some` when `input` is `include ...`: the path, or an error on the malformed request.
pub fn request(input: &TokenStream) -> Option<syn::Result<Request>> {
    let mut tokens = input.clone().into_iter();
    match tokens.next() {
        Some(TokenTree::Ident(i)) if i == "include" => {
            let rest: Vec<TokenTree> = tokens.collect();
            let lit = match rest.as_slice() {
                [TokenTree::Literal(l)] => {
                    syn::parse2::<LitStr>(TokenTree::Literal(l.clone()).into()).ok()
                }
                _ => None,
            };
            Some(match lit {
                Some(lit) => Ok(Request {
                    path: lit.value(),
                    span: lit.span(),
                }),
                None => Err(syn::Error::new(
                    rest.first().map_or_else(|| i.span(), TokenTree::span),
                    "expected a file path in quotes after `include`, as in `include \"layouts/board.memlayout\"`",
                )),
            })
        }
        _ => None,
    }
}

/// Reads a layout file as UTF-8 text.
///
/// # Errors
///
/// One sentence naming the file: it does not exist or cannot be read, is a directory, or
/// is not UTF-8.
pub fn read_layout(path: &Path) -> Result<String, String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!(
            "`{shown}` is a directory; name a layout file (`.memlayout`)"
        ));
    }
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read the layout file `{shown}`: {e}; check the path"))?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "the layout file `{shown}` is not valid UTF-8 (byte {}); save it as UTF-8",
            e.utf8_error().valid_up_to()
        )
    })
}

/// The expansion of a request.
///
/// The expansion names the `memlayout` crate `krate` unless the file says
/// `#[memlayout(crate = "PATH")]` before its `mod`.
pub fn expand(req: &Request, krate: Option<&TokenStream>) -> TokenStream {
    let error = |msg: String| syn::Error::new(req.span, msg).to_compile_error();
    let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") else {
        return error(
            "`include` needs CARGO_MANIFEST_DIR, which cargo sets; build the crate with cargo"
                .into(),
        );
    };
    let path: PathBuf = Path::new(&dir).join(&req.path);
    let text = match read_layout(&path) {
        Ok(t) => t,
        Err(e) => {
            return error(format!(
                "{e} (`include` paths are relative to the crate's manifest directory)"
            ));
        }
    };
    let Some(abs) = path.to_str() else {
        return error(format!(
            "the path of the layout file `{}` is not valid UTF-8; rename it",
            path.display()
        ));
    };
    let track = quote! { const _: &[u8] = ::core::include_bytes!(#abs); };
    // Tokens are lexed with proc-macro2's own implementation first: inside a proc
    // macro, the compiler's lexer reports bad text itself, without a position in the
    // file.
    proc_macro2::fallback::force();
    let lexes = text.parse::<TokenStream>().is_ok();
    proc_macro2::fallback::unforce();
    let located = |_: &Ctxt| located_errors(req, &text);
    let body = if lexes {
        match text.parse::<TokenStream>() {
            Ok(tokens) => super::expand_with(respan(tokens, req.span), krate, located),
            Err(_) => located_errors(req, &text),
        }
    } else {
        located_errors(req, &text)
    };
    quote! { #body #track }
}

/// The file's errors, located with proc-macro2's fallback implementation and rendered
/// into messages on the path literal (the `error: ` is the compiler's).
fn located_errors(req: &Request, text: &str) -> TokenStream {
    proc_macro2::fallback::force();
    let diagnostics = file::plan_text(text).err().unwrap_or_default();
    proc_macro2::fallback::unforce();
    let renderer = Renderer::plain().without_level();
    let mut out = TokenStream::new();
    for d in &diagnostics {
        let message = renderer.diagnostic(&req.path, text, d);
        out.extend(syn::Error::new(req.span, message.trim_end()).to_compile_error());
    }
    if out.is_empty() {
        out = syn::Error::new(
            req.span,
            "the layout file has errors that could not be located; run `memlayout check` on it",
        )
        .to_compile_error();
    }
    out
}

/// The tokens with every span set to `span` (the path literal), so the items the
/// layout becomes resolve where the macro is called.
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut t| {
            if let TokenTree::Group(g) = &t {
                let mut n = proc_macro2::Group::new(g.delimiter(), respan(g.stream(), span));
                n.set_span(span);
                t = TokenTree::Group(n);
            } else {
                t.set_span(span);
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::ToString;

    /// Writes `text` to a fresh file and expands `include` of its absolute path.
    fn expand_file(name: &str, text: &[u8]) -> (String, String) {
        let dir = std::env::temp_dir().join(format!("memlayout-include-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let p = path.to_str().unwrap().to_string();
        let out = super::super::expand(quote!(include #p)).to_string();
        (p, out)
    }

    const OK: &str = "pub mod board {
    physical ram = 0x8000_0000 .. +1G;
    table el3 (core 0, EL3) {
        virtual 0x8000_0000 .. +1G;
        page boot : code, 2M, identity;
    }
}
";

    #[test]
    fn a_file_expands_like_the_inline_layout_and_is_tracked() {
        let (path, out) = expand_file("ok.memlayout", OK.as_bytes());
        let inline = super::super::expand(OK.parse().unwrap()).to_string();
        assert!(out.starts_with(&inline), "{out}");
        assert!(out.ends_with(&format!(
            "const _ : & [u8] = :: core :: include_bytes ! ({path:?}) ;"
        )));
    }

    #[test]
    fn an_error_in_the_file_shows_file_line_column_and_a_caret() {
        let text = OK.replace("2M, identity", "2M, identity, bogus");
        let (path, out) = expand_file("bad.memlayout", text.as_bytes());
        assert!(out.contains("compile_error"), "{out}");
        // The rendered message, as a string literal in the compile_error! call.
        let diags = super::super::diagnostics(text.parse().unwrap());
        assert!(diags[0].starts_with("`bogus` is not a page option"));
        let expected = format!(
            "{}\n --> {path}:5:41\n  |\n5 |         page boot : code, 2M, identity, bogus;\n  |                                         ^^^^^",
            diags[0]
        );
        assert!(out.contains(&format!("{expected:?}")), "{out}");
        // The module skeleton is still there, and the file is still tracked.
        assert!(out.contains("pub mod board"));
        assert!(out.contains("include_bytes"));
    }

    #[test]
    fn a_note_is_a_label_in_the_same_message() {
        let text = OK.replace(
            "        page boot",
            "        page a : data, 4K, va 0x9000_0000;\n        page b : data, 4K, va 0x9000_0000;\n        page boot",
        );
        let (path, out) = expand_file("note.memlayout", text.as_bytes());
        assert_eq!(out.matches("compile_error").count(), 1, "{out}");
        let expected = format!(
            "overlaps `a` in the virtual address space of table `el3`; move one of them\n --> {path}:6:31\n  |\n5 |         page a : data, 4K, va 0x9000_0000;\n  |                               ----------- `a` first mapped here\n6 |         page b : data, 4K, va 0x9000_0000;\n  |                               ^^^^^^^^^^^"
        );
        // The end of the message, as it stands escaped in the string literal.
        let literal = format!("{expected:?}");
        assert!(out.contains(&literal[1..]), "{out}");
    }

    #[test]
    fn bad_files_and_requests_are_clear_errors() {
        let (_, out) = expand_file("latin1.memlayout", b"mod m { \xff }");
        assert!(
            out.contains("is not valid UTF-8 (byte 8); save it as UTF-8"),
            "{out}"
        );
        let (_, out) = expand_file("lex.memlayout", b"mod m { page \"x }");
        assert!(out.contains(":1:"), "{out}");
        let dir = std::env::temp_dir().to_str().unwrap().to_string();
        let out = super::super::expand(quote!(include #dir)).to_string();
        assert!(out.contains("is a directory"), "{out}");
        let out = super::super::expand(quote!(include "no/such/file.memlayout")).to_string();
        assert!(out.contains("cannot read the layout file"), "{out}");
        assert!(
            out.contains("relative to the crate's manifest directory"),
            "{out}"
        );
        let out = super::super::expand(quote!(include board)).to_string();
        assert!(
            out.contains("expected a file path in quotes after `include`"),
            "{out}"
        );
    }
}
