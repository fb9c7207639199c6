//! The error collector: every stage records its errors here instead of stopping at the
//! first, and the collector turns them into one `compile_error!` per error.

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
}

/// Collects every error of an expansion, in the order found.
#[derive(Default)]
pub struct Ctxt {
    errors: Vec<syn::Error>,
}

impl Ctxt {
    /// An empty collector.
    pub fn new() -> Ctxt {
        Ctxt::default()
    }

    /// Records a parse error.
    pub fn syn_error(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Records an error on `at`.
    pub fn error(&mut self, at: Sp, message: impl std::fmt::Display) {
        self.errors.push(at.error(message));
    }

    /// Records an error on `at` with a note on the other party at `note_at`.
    ///
    /// A proc macro on stable Rust cannot attach a real note, so the note is a second
    /// error placed on the related token, its message starting with "note:".
    pub fn error_with_note(
        &mut self,
        at: Sp,
        message: impl std::fmt::Display,
        note_at: Sp,
        note: impl std::fmt::Display,
    ) {
        let mut e = at.error(message);
        e.combine(note_at.error(format_args!("note: {note}")));
        self.errors.push(e);
    }

    /// Records a diagnostic.
    pub fn push(&mut self, d: Diag) {
        let message = match &d.help {
            Some(h) => format!("{}\n\nhelp: {h}", d.message),
            None => d.message.clone(),
        };
        let mut e = d.at.error(message);
        for (at, note) in &d.notes {
            e.combine(at.error(format_args!("note: {note}")));
        }
        self.errors.push(e);
    }

    /// Whether nothing has been recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// How many errors have been recorded.
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// One `compile_error!` per recorded error, in the order recorded.
    pub fn to_compile_errors(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for e in &self.errors {
            out.extend(e.to_compile_error());
        }
        out
    }

    /// The errors recorded, in order; an error with a note holds the note as its
    /// second message.
    pub fn errors(&self) -> &[syn::Error] {
        &self.errors
    }

    /// The messages recorded, in order (for tests).
    pub fn messages(&self) -> Vec<String> {
        self.errors
            .iter()
            .flat_map(|e| e.clone().into_iter().map(|e| e.to_string()))
            .collect()
    }
}
