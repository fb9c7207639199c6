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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsl::file::Note;

    const TEXT: &str = "mod m {\n    page a : data, 4K;\n    page a : code, 4K;\n}\n";

    fn at(line: usize, column: usize) -> Location {
        let offset = TEXT
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum::<usize>()
            + column;
        Location {
            line,
            column,
            offset,
        }
    }

    fn diagnostic() -> Diagnostic {
        Diagnostic {
            message: "the name `a` is used twice".into(),
            start: at(3, 9),
            end: at(3, 10),
            notes: vec![Note {
                message: "first declared here".into(),
                start: at(2, 9),
                end: at(2, 10),
            }],
            help: Some("rename one of them".into()),
        }
    }

    #[test]
    fn notes_are_labels_in_the_snippet_and_help_a_line() {
        let r = Renderer::plain().diagnostic("m.memlayout", TEXT, &diagnostic());
        assert_eq!(
            r,
            "error: the name `a` is used twice
 --> m.memlayout:3:10
  |
2 |     page a : data, 4K;
  |          - first declared here
3 |     page a : code, 4K;
  |          ^
  |
  = help: rename one of them"
        );
        let bare = Renderer::plain()
            .without_level()
            .diagnostic("m.memlayout", TEXT, &diagnostic());
        assert_eq!(Some(bare.as_str()), r.strip_prefix("error: "));
        let styled = Renderer::styled().diagnostic("m.memlayout", TEXT, &diagnostic());
        assert!(styled.contains('\u{1b}'), "{styled}");
    }

    #[test]
    fn errors_without_a_place_and_at_the_end_of_the_text() {
        assert_eq!(Renderer::plain().error("no file"), "error: no file");
        let mut d = diagnostic();
        d.notes.clear();
        d.help = None;
        d.start = at(4, 0);
        d.end = d.start;
        let r = Renderer::plain().diagnostic("m.memlayout", TEXT, &d);
        assert!(r.ends_with("4 | }\n  | ^"), "{r}");
    }
}
