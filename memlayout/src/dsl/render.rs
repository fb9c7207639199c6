//! The human rendering of located diagnostics, the way rustc shows them (with
//! annotate-snippets, the renderer rustc uses). Every edge that shows text renders
//! through here: the `memlayout` command, build scripts (`cargo::error=` lines) and the
//! `compile_error!` at an `include`.

use std::ops::Range;
use std::prelude::rust_2024::*;

use annotate_snippets::{AnnotationKind, Group, Level, Snippet};

use super::file::{Diagnostic, Location};

/// Renders diagnostics of a layout file as rustc renders errors:
///
/// ```text
/// error: MESSAGE
///  --> PATH:LINE:COL
///   |
/// 7 |         page fixed : data, 4K, va 0x9000_0000;
///   |                                -------------- NOTE
/// 8 |         page again : data, 4K, va 0x9000_0000;
///   |                                ^^^^^^^^^^^^^^
///   |
///   = help: HELP
/// ```
///
/// Notes are labels on their places in the same snippet, the help a `= help:` line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Renderer {
    styled: bool,
    no_level: bool,
}

impl Renderer {
    /// Plain text, without colours.
    pub fn plain() -> Renderer {
        Renderer::default()
    }

    /// Text with ANSI colours, as rustc writes to a terminal.
    pub fn styled() -> Renderer {
        Renderer {
            styled: true,
            ..Renderer::default()
        }
    }

    /// Leaves out the `error: ` before the first line, for an edge that writes its own
    /// (a `compile_error!`, a `cargo::error=` line).
    pub fn without_level(self) -> Renderer {
        Renderer {
            no_level: true,
            ..self
        }
    }

    fn level(&self) -> Level<'static> {
        if self.no_level {
            Level::ERROR.no_name()
        } else {
            Level::ERROR
        }
    }

    fn renderer(&self) -> annotate_snippets::Renderer {
        if self.styled {
            annotate_snippets::Renderer::styled()
        } else {
            annotate_snippets::Renderer::plain()
        }
    }

    /// `d`, found in the file shown as `path` whose text is `text`; no newline at the
    /// end.
    pub fn diagnostic(&self, path: &str, text: &str, d: &Diagnostic) -> String {
        let mut snippet = Snippet::source(text)
            .path(path)
            .fold(true)
            .annotation(AnnotationKind::Primary.span(range(text, d.start, d.end)));
        for n in &d.notes {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(range(text, n.start, n.end))
                    .label(n.message.as_str()),
            );
        }
        let mut group = self
            .level()
            .primary_title(d.message.as_str())
            .element(snippet);
        if let Some(help) = &d.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        self.renderer().render(&[group])
    }

    /// An error without a place in a file (`error: MESSAGE`); no newline at the end.
    pub fn error(&self, message: &str) -> String {
        self.renderer()
            .render(&[Group::with_title(self.level().primary_title(message))])
    }
}

/// The bytes from `start` to `end`; an empty range (an error at the end of the text)
/// still gets one caret when there is a character to put it under.
fn range(text: &str, start: Location, end: Location) -> Range<usize> {
    let s = start.offset.min(text.len());
    let e = end.offset.clamp(s, text.len());
    if e == s && s < text.len() {
        let len = text[s..].chars().next().map_or(1, char::len_utf8);
        s..s + len
    } else {
        s..e
    }
}
