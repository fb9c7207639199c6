//! Layout files (`.memlayout`): the `memory_layout!` language outside a proc macro.
//!
//! A layout file holds what the macro's braces hold, `[VIS] mod NAME { .. }`, with the
//! same grammar (see the [`dsl`](super) docs). [`plan_text`] runs the same stages as the
//! macro (parse, check, plan) and returns the planned layout, or every error with the
//! same messages as a [`Diagnostic`]: the message, where it is (line, column and byte
//! offset, from proc-macro2's `span-locations`), the notes on the other places involved
//! and the help. [`Renderer`] shows one as rustc would; the `memlayout` command also
//! writes them as JSON.
//!
//! ```
//! let text = "mod soc {
//!     physical ram = 0x8000_0000 .. +1G;
//!     table el3 (core 0, EL3) {
//!         virtual 0x8000_0000 .. +1G;
//!         page boot : code, 2M, identity;
//!         page boot : data, 4K;
//!     }
//! }";
//! let errors = memlayout::dsl::file::plan_text(text).unwrap_err();
//! assert_eq!(errors[0].start.line, 6);
//! assert_eq!(errors[0].start.column, 13);
//! assert!(errors[0].message.contains("`boot`"));
//! assert_eq!(errors[0].notes[0].start.line, 5);
//! assert_eq!(&text[errors[0].start.offset..errors[0].end.offset], "boot");
//! let shown = memlayout::dsl::file::render("board.memlayout", text, &errors[0]);
//! assert!(shown.contains(" --> board.memlayout:6:14\n"));
//! ```

use std::fmt;
use std::prelude::rust_2024::*;
use std::{format, vec};

use proc_macro2::{Span, TokenStream};

use super::ast::Layout;
use super::check;
use super::ctxt::{Diag, Sp};
use super::driver::{self, Outcome};
use super::lower::Decls;
use crate::plan::Plan;

pub use super::render::Renderer;
pub use super::write::write_atomic;

/// A position in a layout file: `line` counts from 1, `column` from 0 in characters
/// (not bytes), as rustc's `file:line:col` shows `column + 1`; `offset` counts bytes
/// from the start of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 0.
    pub column: usize,
    /// Byte offset in the text, from 0.
    pub offset: usize,
}

/// A note on another place of the file (for example the first declaration of a
/// duplicate name): a secondary location with its label.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Note {
    /// What is at that place, as a label (no `note` level in front).
    pub message: String,
    /// Its first character.
    pub start: Location,
    /// One past its last character.
    pub end: Location,
}

/// One error in a layout file, with the message `memory_layout!` gives for it: the
/// structured form every edge renders (text with [`Renderer`], JSON in the `memlayout`
/// command, `cargo::error=` lines in build scripts).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Diagnostic {
    /// What is wrong, one sentence.
    pub message: String,
    /// The first character of the token(s) at fault.
    pub start: Location,
    /// One past the last character of the token(s) at fault.
    pub end: Location,
    /// Notes on the other declarations involved, in order.
    pub notes: Vec<Note>,
    /// How to fix it in the words of the language, when the language offers a fix.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    /// The short form: `LINE:COL: MESSAGE` (column from 1), then one
    /// `LINE:COL: note: NOTE` line per note and a `help: HELP` line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = |l: Location| format!("{}:{}", l.line, l.column + 1);
        write!(f, "{}: {}", at(self.start), self.message)?;
        for n in &self.notes {
            write!(f, "\n{}: note: {}", at(n.start), n.message)?;
        }
        if let Some(help) = &self.help {
            write!(f, "\nhelp: {help}")?;
        }
        Ok(())
    }
}

/// A layout file that planned without errors.
#[derive(Clone, Debug)]
pub struct Planned {
    module: String,
    plan: Plan,
}

impl Planned {
    /// The name of the layout's module (`soc` in `mod soc { .. }`).
    pub fn module(&self) -> &str {
        &self.module
    }

    /// The planned layout.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }
}

/// The message for text the Rust tokenizer rejects.
const LEX_ERROR: &str = "this is not valid layout text (an unterminated string or block comment, an unbalanced bracket or a character Rust does not allow); fix it";

/// Parses, checks and plans the text of a layout file.
///
/// # Errors
///
/// Every error found, in the order the macro reports them, each with its location.
pub fn plan_text(text: &str) -> Result<Planned, Vec<Diagnostic>> {
    run_text(text, |layout, _, plan| planned(layout, plan))
}

/// [`plan_text`], and the items `memory_layout!` emits for the same text, from one run
/// of the stages (for build scripts).
#[cfg(feature = "build")]
pub(crate) fn expand_text(text: &str) -> Result<(Planned, TokenStream), Vec<Diagnostic>> {
    run_text(text, |layout, decls, plan| {
        let (krate, mut items) = super::expand::crate_path(layout, None);
        items.extend(super::expand::expand(layout, &krate, decls, &plan));
        (planned(layout, plan), items)
    })
}

fn planned(layout: &Layout, plan: Plan) -> Planned {
    Planned {
        module: check::name_of(&layout.name),
        plan,
    }
}

/// Runs the stages on `text`; `finish` gets the layout that planned.
fn run_text<T>(
    text: &str,
    finish: impl FnOnce(&Layout, &Decls<'_>, Plan) -> T,
) -> Result<T, Vec<Diagnostic>> {
    let tokens: TokenStream = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let (start, end) = locate(Sp::one(e.span()), text);
            return Err(vec![Diagnostic {
                message: LEX_ERROR.into(),
                start,
                end,
                notes: Vec::new(),
                help: None,
            }]);
        }
    };
    driver::run(tokens, |cx, outcome| match outcome {
        Outcome::Planned(layout, decls, plan) => Ok(finish(layout, &decls, plan)),
        Outcome::Failed(_) | Outcome::Unparsed => {
            Err(cx.diags().iter().map(|d| located(d, text)).collect())
        }
    })
}

/// `d` with its tokens turned into places in `text`.
fn located(d: &Diag, text: &str) -> Diagnostic {
    let (start, end) = locate(d.at, text);
    let notes = d
        .notes
        .iter()
        .map(|(at, message)| {
            let (start, end) = locate(*at, text);
            Note {
                message: message.clone(),
                start,
                end,
            }
        })
        .collect();
    Diagnostic {
        message: d.message.clone(),
        start,
        end,
        notes,
        help: d.help.clone(),
    }
}

/// The start and end of `at` in `text`. Tokens with no place in the text (an error at
/// the end of the input is reported at the call site) are at the end of the text.
fn locate(at: Sp, text: &str) -> (Location, Location) {
    let nowhere = |s: Span| {
        let p = s.start();
        p.line == 0 || (s.byte_range().is_empty() && p.line == 1 && p.column == 0)
    };
    if nowhere(at.start) {
        let end = end_of(text);
        return (end, end);
    }
    let place = |p: proc_macro2::LineColumn, offset: usize| Location {
        line: p.line,
        column: p.column,
        offset: offset.min(text.len()),
    };
    let start = place(at.start.start(), at.start.byte_range().start);
    let end = if nowhere(at.end) {
        place(at.start.end(), at.start.byte_range().end)
    } else {
        place(at.end.end(), at.end.byte_range().end)
    };
    (start, end.max(start))
}

/// The location of the last character of `text` (of its last non-blank line).
fn end_of(text: &str) -> Location {
    let trimmed = text.trim_end();
    let offset = trimmed.char_indices().last().map_or(0, |(i, _)| i);
    let line_start = trimmed[..offset].rfind('\n').map_or(0, |i| i + 1);
    Location {
        line: trimmed[..offset].matches('\n').count() + 1,
        column: trimmed[line_start..offset].chars().count(),
        offset,
    }
}

/// Renders `d` the way rustc shows an error, without colours (see [`Renderer`]).
///
/// `path` is shown as given; `text` is the file's text the locations refer to.
pub fn render(path: &str, text: &str, d: &Diagnostic) -> String {
    Renderer::plain().diagnostic(path, text, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = "/// A board.
pub mod board {
    physical ram = 0x8000_0000 .. +1G;
    table el3 (core 0, EL3) {
        virtual 0x8000_0000 .. +1G;
        page boot : code, 2M, identity;
        segment entry : boot_code, 0x100, in boot;
    }
}
";

    fn errors(text: &str) -> Vec<Diagnostic> {
        match plan_text(text) {
            Ok(_) => std::panic!("the text planned"),
            Err(d) => d,
        }
    }

    #[test]
    fn offsets_count_bytes_and_columns_characters() {
        let text = OK
            .replace("/// A board.", "/// Éé board.")
            .replace("2M, identity", "2M, identity, bogus");
        let d = errors(&text);
        assert_eq!((d[0].start.line, d[0].start.column), (6, 40));
        let offset = text.find("bogus").unwrap();
        assert_eq!(d[0].start.offset, offset, "two 2-byte characters before");
        assert_eq!(d[0].end.offset, offset + 5);
        assert_eq!(&text[d[0].start.offset..d[0].end.offset], "bogus");
    }

    #[test]
    fn a_valid_file_plans() {
        let p = plan_text(OK).unwrap();
        assert_eq!(p.module(), "board");
        let t = p.plan().layout().table("el3").unwrap();
        assert_eq!(p.plan().layout().pages(t).len(), 1);
    }

    #[test]
    fn errors_carry_the_macro_messages_and_locations() {
        let text = OK.replace("2M, identity", "2M, identity, bogus");
        let d = errors(&text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            d[0].message,
            super::super::diagnostics(text.parse().unwrap())[0]
        );
        assert_eq!((d[0].start.line, d[0].start.column), (6, 40));
        assert_eq!((d[0].end.line, d[0].end.column), (6, 45));
        let r = render("b.memlayout", &text, &d[0]);
        assert_eq!(
            r,
            format!(
                "error: {}\n --> b.memlayout:6:41\n  |\n6 |         page boot : code, 2M, identity, bogus;\n  |                                         ^^^^^",
                d[0].message
            )
        );
    }

    #[test]
    fn planner_errors_have_notes() {
        let text = OK.replace(
            "        segment",
            "        page fixed : data, 4K, va 0x9000_0000;\n        page other : data, 4K, va 0x9000_0000;\n        segment",
        );
        let d = errors(&text);
        assert!(d[0].help.is_none());
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].start.line, 8);
        assert_eq!(d[0].notes.len(), 1);
        assert_eq!(d[0].notes[0].start.line, 7);
        assert!(d[0].to_string().contains("\n7:35: note: "), "{}", d[0]);
        let text_of = |start: Location, end: Location| &text[start.offset..end.offset];
        assert_eq!(text_of(d[0].start, d[0].end), "0x9000_0000");
        assert_eq!(
            text_of(d[0].notes[0].start, d[0].notes[0].end),
            "0x9000_0000"
        );
        // The note is a label in the same snippet.
        let r = render("b.memlayout", &text, &d[0]);
        assert_eq!(r.matches("-->").count(), 1, "{r}");
        assert!(
            r.contains(&format!("{} {}", "-".repeat(11), d[0].notes[0].message)),
            "{r}"
        );
    }

    #[test]
    fn the_file_and_the_macro_report_the_same_diagnostics_in_order() {
        let text = OK
            .replace("code, 2M", "code, 3M")
            .replace(
                "        segment",
                "        page boot : data, 4K;\n        page x : data, 4K, bogus;\n        segment",
            )
            .replace("EL3)", "EL9)");
        let d = errors(&text);
        assert!(d.len() >= 4, "{d:?}");
        assert!(d.iter().any(|d| !d.notes.is_empty()), "{d:?}");
        let as_the_macro_shows_them: Vec<String> = d
            .iter()
            .flat_map(|d| {
                let notes = d.notes.iter().map(|n| format!("note: {}", n.message));
                std::iter::once(d.message.clone()).chain(notes)
            })
            .collect();
        assert_eq!(
            as_the_macro_shows_them,
            super::super::diagnostics(text.parse().unwrap())
        );
    }

    #[test]
    fn bad_text_and_truncated_files_are_located() {
        let d = errors("mod m { page \"x }");
        assert_eq!(d[0].message, LEX_ERROR);
        let d = errors("mod m {\n  seed = 1;\n");
        assert_eq!(d.len(), 1);
        assert!(d[0].start.line >= 1 && d[0].start.line <= 2, "{d:?}");
        let d = errors("");
        assert_eq!((d[0].start.line, d[0].start.column), (1, 0));
        let d = errors("mod m {\n  seed = 1;\n  é\n");
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].start.line >= 1 && d[0].start.line <= 3, "{d:?}");
    }
}
