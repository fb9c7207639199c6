//! The error collector: every stage records its diagnostics here instead of stopping at
//! the first. A diagnostic stays data (message, location, notes, help) until an edge
//! renders it: `compile_error!`s for the macro ([`Ctxt::to_compile_errors`]), located
//! diagnostics for layout files ([`file`](mod@super::file)).

use std::format;
use std::prelude::rust_2024::*;

use proc_macro2::{Ident, Span, TokenStream, TokenTree};
use quote::ToTokens;

/// A source range: the first and the last token of what a diagnostic points at.
///
/// On stable Rust a proc macro cannot join spans, but an error built from two tokens
/// underlines everything from the first to the last, which is what `Sp` is for.
#[derive(Clone, Copy, Debug)]
pub struct Sp {
    /// The first token.
    pub start: Span,
    /// The last token.
    pub end: Span,
}

impl Sp {
    /// A range of one token.
    pub fn one(span: Span) -> Sp {
        Sp {
            start: span,
            end: span,
        }
    }

    /// A range from the first token of `a` to the last token of `b`.
    pub fn join(a: Sp, b: Sp) -> Sp {
        Sp {
            start: a.start,
            end: b.end,
        }
    }

    /// The range of every token of `t` (call site for no tokens).
    pub fn of<T: ToTokens + ?Sized>(t: &T) -> Sp {
        let mut tokens = t.to_token_stream().into_iter();
        let start = tokens.next().map_or_else(Span::call_site, |t| t.span());
        let end = tokens.last().map_or(start, |t| t.span());
        Sp { start, end }
    }

    /// A `syn::Error` with `message` spanning the range.
    pub fn error(self, message: impl std::fmt::Display) -> syn::Error {
        let mut marker = TokenStream::new();
        marker.extend([
            TokenTree::Ident(Ident::new("a", self.start)),
            TokenTree::Ident(Ident::new("b", self.end)),
        ]);
        syn::Error::new_spanned(marker, message)
    }
}

/// One diagnostic as data: the message, the tokens at fault, labelled notes on other
/// places, and an optional help line.
#[derive(Clone, Debug)]
pub struct Diag {
    /// What is wrong, one sentence.
    pub message: String,
    /// The tokens at fault.
    pub at: Sp,
    /// Notes on the other declarations involved: where, and what is there.
    pub notes: Vec<(Sp, String)>,
    /// A fix in the words of the language, shown after the message.
    pub help: Option<String>,
}

impl Diag {
    /// An error on `at`.
    pub fn new(at: Sp, message: impl std::fmt::Display) -> Diag {
        Diag {
            message: message.to_string(),
            at,
            notes: Vec::new(),
            help: None,
        }
    }

    /// Adds a note on `at`.
    pub fn note(mut self, at: Sp, note: impl std::fmt::Display) -> Diag {
        self.notes.push((at, note.to_string()));
        self
    }

    /// Sets the help line.
    pub fn help(mut self, help: impl std::fmt::Display) -> Diag {
        self.help = Some(help.to_string());
        self
    }

    /// What the macro shows for this diagnostic, one text per location, in order: the
    /// message (followed by the help after a blank line), then each note, labelled
    /// `note` as rustc labels one. A proc macro on stable Rust can only emit errors, so
    /// each note is an error of its own on the other party's tokens.
    fn macro_texts(&self) -> impl Iterator<Item = (Sp, String)> + '_ {
        let message = match &self.help {
            Some(help) => format!("{}\n\n{}", self.message, labelled("help", help)),
            None => self.message.clone(),
        };
        let notes = self
            .notes
            .iter()
            .map(|(at, note)| (*at, labelled("note", note)));
        std::iter::once((self.at, message)).chain(notes)
    }
}

/// `LEVEL: TEXT`, the way rustc writes a note or a help under an error.
fn labelled(level: &str, text: &str) -> String {
    format!("{level}: {text}")
}

/// Collects every diagnostic of an expansion, in the order found.
#[derive(Default)]
pub struct Ctxt {
    diags: Vec<Diag>,
}

impl Ctxt {
    /// An empty collector.
    pub fn new() -> Ctxt {
        Ctxt::default()
    }

    /// Records a parse error: one diagnostic per message it holds, each on the tokens
    /// it spans.
    pub fn syn_error(&mut self, error: syn::Error) {
        for message in error {
            // The first token of a message's `compile_error!` carries the start of its
            // range and the last one the end (syn keeps both, so that an error spans
            // several tokens on stable Rust, where spans cannot be joined).
            let at = Sp::of(&message.to_compile_error());
            self.diags.push(Diag::new(at, message));
        }
    }

    /// Records an error on `at`.
    pub fn error(&mut self, at: Sp, message: impl std::fmt::Display) {
        self.push(Diag::new(at, message));
    }

    /// Records an error on `at` with a note on the other party at `note_at`.
    pub fn error_with_note(
        &mut self,
        at: Sp,
        message: impl std::fmt::Display,
        note_at: Sp,
        note: impl std::fmt::Display,
    ) {
        self.push(Diag::new(at, message).note(note_at, note));
    }

    /// Records a diagnostic.
    pub fn push(&mut self, d: Diag) {
        self.diags.push(d);
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.diags.is_empty()
    }

    /// The diagnostics recorded, in order.
    pub fn diags(&self) -> &[Diag] {
        &self.diags
    }

    /// One `compile_error!` per location of every diagnostic, in the order recorded:
    /// the message on the tokens at fault, then each note on the tokens it names.
    pub fn to_compile_errors(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (at, text) in self.diags.iter().flat_map(Diag::macro_texts) {
            out.extend(at.error(text).to_compile_error());
        }
        out
    }

    /// The texts of [`to_compile_errors`](Ctxt::to_compile_errors), in order (for tests
    /// and tools).
    pub fn messages(&self) -> Vec<String> {
        self.diags
            .iter()
            .flat_map(Diag::macro_texts)
            .map(|(_, text)| text)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse::Parser;

    #[test]
    fn a_parse_error_keeps_the_range_it_spans() {
        let tokens: TokenStream = "a b c".parse().unwrap();
        let spans: Vec<Span> = tokens.clone().into_iter().map(|t| t.span()).collect();
        let mut error = syn::Error::new_spanned(&tokens, "first");
        error.combine(syn::Error::new(spans[1], "second"));
        let mut cx = Ctxt::new();
        cx.syn_error(error);
        let d = cx.diags();
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].message, "first");
        assert_eq!(d[0].at.start.start(), spans[0].start());
        assert_eq!(d[0].at.end.end(), spans[2].end());
        assert_eq!(d[1].at.start.start(), spans[1].start());
        assert_eq!(d[1].at.end.end(), spans[1].end());
        // An error from the parser itself, too.
        let parsed = <syn::parse::Nothing as syn::parse::Parse>::parse.parse2(tokens);
        cx.syn_error(parsed.err().unwrap());
        assert_eq!(cx.diags()[2].at.start.start(), spans[0].start());
    }

    #[test]
    fn the_macro_shows_notes_and_help_as_rustc_labels_them() {
        let at = Sp::one(Span::call_site());
        let mut cx = Ctxt::new();
        cx.push(Diag::new(at, "bad").note(at, "other").help("fix"));
        cx.error_with_note(at, "twice", at, "first");
        assert_eq!(
            cx.messages(),
            ["bad\n\nhelp: fix", "note: other", "twice", "note: first"]
        );
        let out = cx.to_compile_errors().to_string();
        assert_eq!(out.matches("compile_error").count(), 4, "{out}");
    }
}
