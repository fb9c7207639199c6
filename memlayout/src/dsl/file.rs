//! Layout files (`.memlayout`): the `memory_layout!` language outside a proc macro.
//!
//! A layout file holds what the macro's braces hold, `[VIS] mod NAME { .. }`, with the
//! same grammar (see the [`dsl`](super) docs). [`plan_text`] runs the same stages as the
//! macro (parse, check, plan) and returns the planned layout, or every error with the
//! same messages, each located by line and column (from proc-macro2's
//! `span-locations`).
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
//! ```

use std::fmt;
use std::prelude::rust_2024::*;

use proc_macro2::{Span, TokenStream};
use syn::parse::{ParseStream, Parser};

use super::ctxt::Ctxt;
use super::{ast, check, lower};
use crate::plan::Plan;

/// A position in a layout file: `line` counts from 1, `column` from 0 in characters
/// (not bytes), as rustc's `file:line:col` shows `column + 1`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// Line, from 1.
    pub line: usize,
    /// Column in characters, from 0.
    pub column: usize,
}

/// A note on another place of the file (for example the first declaration of a
/// duplicate name).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// The note, without the `note: ` prefix the macro writes before it.
    pub message: String,
    /// Its first character.
    pub start: Location,
    /// One past its last character.
    pub end: Location,
}

impl Location {
    /// The byte offset of this location in `text` (the text it was found in), clamped
    /// to the end of its line; for renderers that take byte ranges.
    pub fn byte_offset(self, text: &str) -> usize {
        let mut offset = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            if i + 1 == self.line {
                let content = line.trim_end_matches(['\n', '\r']);
                return offset
                    + content
                        .char_indices()
                        .nth(self.column)
                        .map_or(content.len(), |(b, _)| b);
            }
            offset += line.len();
        }
        text.len()
    }
}

/// One error in a layout file, with the message `memory_layout!` gives for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// What is wrong and how to fix it.
    pub message: String,
    /// The first character of the token(s) at fault.
    pub start: Location,
    /// One past the last character of the token(s) at fault.
    pub end: Location,
    /// Notes on the other declarations involved.
    pub notes: Vec<Note>,
}

impl fmt::Display for Diagnostic {
    /// `LINE:COL: MESSAGE` (column from 1), then one `note` line per note.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}",
            self.start.line,
            self.start.column + 1,
            self.message
        )?;
        for n in &self.notes {
            write!(
                f,
                "\n{}:{}: note: {}",
                n.start.line,
                n.start.column + 1,
                n.message
            )?;
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
    let tokens: TokenStream = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            let span = e.span();
            let (start, end) = locate(span, text);
            return Err(vec![Diagnostic {
                message: LEX_ERROR.into(),
                start,
                end,
                notes: Vec::new(),
            }]);
        }
    };
    let mut cx = Ctxt::new();
    let parsed = (|stream: ParseStream| ast::parse_layout(stream, &mut cx)).parse2(tokens);
    let layout = match parsed {
        Ok(layout) => layout,
        Err(e) => {
            cx.syn_error(e);
            return Err(diagnostics(&cx, text));
        }
    };
    check::check(&layout, &mut cx);
    if !cx.is_empty() {
        return Err(diagnostics(&cx, text));
    }
    let (spec, decls) = lower::lower(&layout);
    match crate::plan::plan(&spec) {
        Ok(plan) => Ok(Planned {
            module: check::name_of(&layout.name),
            plan,
        }),
        Err(errors) => {
            for e in &errors {
                decls.report(e, &mut cx);
            }
            Err(diagnostics(&cx, text))
        }
    }
}

/// The errors of `cx` as diagnostics: each recorded error is one diagnostic, the
/// `note: ` parts combined into it are its notes.
fn diagnostics(cx: &Ctxt, text: &str) -> Vec<Diagnostic> {
    let mut out: Vec<Diagnostic> = Vec::new();
    for error in cx.errors() {
        let mut parts = error.clone().into_iter();
        let Some(first) = parts.next() else {
            continue;
        };
        let (start, end) = locate(first.span(), text);
        let mut d = Diagnostic {
            message: first.to_string(),
            start,
            end,
            notes: Vec::new(),
        };
        for part in parts {
            let (start, end) = locate(part.span(), text);
            let message = part.to_string();
            d.notes.push(Note {
                message: message
                    .strip_prefix("note: ")
                    .map_or_else(|| message.clone(), String::from),
                start,
                end,
            });
        }
        out.push(d);
    }
    out
}

/// The start and end of `span` in `text`. A span with no place in the text (an error at
/// the end of the input is reported at the call site) is the end of the text.
fn locate(span: Span, text: &str) -> (Location, Location) {
    let s = span.start();
    let e = span.end();
    if s.line == 0 || (span.byte_range().is_empty() && s.line == 1 && s.column == 0) {
        let end = end_of(text);
        return (end, end);
    }
    let start = Location {
        line: s.line,
        column: s.column,
    };
    let end = Location {
        line: e.line.max(s.line),
        column: e.column,
    };
    (start, end)
}

/// The location of the last character of `text` (of its last non-blank line).
fn end_of(text: &str) -> Location {
    let trimmed = text.trim_end();
    let line = trimmed.lines().count().max(1);
    let column = trimmed
        .lines()
        .last()
        .map_or(0, |l| l.chars().count().saturating_sub(1));
    Location { line, column }
}

/// Renders `d` the way rustc shows an error, without colours:
///
/// ```text
/// error: MESSAGE
///  --> PATH:LINE:COL
///   |
/// 7 |             page second : data, 4K, va 0x9010_0000;
///   |                                        ^^^^^^^^^^^
///   |
/// note: NOTE
///  --> PATH:LINE:COL
/// ...
/// ```
///
/// `path` is shown as given; `text` is the file's text the locations refer to.
pub fn render(path: &str, text: &str, d: &Diagnostic) -> String {
    let mut out = String::new();
    snippet(&mut out, "error", &d.message, path, text, d.start, d.end);
    for n in &d.notes {
        snippet(&mut out, "note", &n.message, path, text, n.start, n.end);
    }
    out
}

fn snippet(
    out: &mut String,
    level: &str,
    message: &str,
    path: &str,
    text: &str,
    start: Location,
    end: Location,
) {
    use std::fmt::Write;
    let line = text.lines().nth(start.line.saturating_sub(1)).unwrap_or("");
    let number = start.line.to_string();
    let pad = " ".repeat(number.len());
    let chars: Vec<char> = line.chars().collect();
    let from = start.column.min(chars.len());
    let to = if end.line == start.line {
        end.column.clamp(from, chars.len())
    } else {
        chars.len()
    };
    let indent: String = chars[..from]
        .iter()
        .map(|&c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    let carets = "^".repeat((to - from).max(1));
    // Writing into a String cannot fail.
    let _ = write!(
        out,
        "{level}: {message}\n{pad}--> {path}:{}:{}\n{pad} |\n{number} | {line}\n{pad} | {indent}{carets}\n",
        start.line,
        start.column + 1,
    );
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
    fn byte_offsets_count_characters_per_line() {
        let text = "ab\néx y\n";
        let at = |line, column| Location { line, column }.byte_offset(text);
        assert_eq!(at(1, 0), 0);
        assert_eq!(at(2, 0), 3);
        assert_eq!(at(2, 1), 5, "é is two bytes");
        assert_eq!(at(2, 99), 8, "clamped to the end of the line");
        assert_eq!(at(9, 0), text.len());
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
        assert_eq!(
            d[0].start,
            Location {
                line: 6,
                column: 40
            }
        );
        assert_eq!(
            d[0].end,
            Location {
                line: 6,
                column: 45
            }
        );
        let r = render("b.memlayout", &text, &d[0]);
        assert_eq!(
            r,
            format!(
                "error: {}\n --> b.memlayout:6:41\n  |\n6 |         page boot : code, 2M, identity, bogus;\n  |                                         ^^^^^\n",
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
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].start.line, 8);
        assert_eq!(d[0].notes.len(), 1);
        assert_eq!(d[0].notes[0].start.line, 7);
        assert!(!d[0].notes[0].message.starts_with("note:"));
        assert!(d[0].to_string().contains("\n7:35: note: "), "{}", d[0]);
    }

    #[test]
    fn bad_text_and_truncated_files_are_located() {
        let d = errors("mod m { page \"x }");
        assert_eq!(d[0].message, LEX_ERROR);
        let d = errors("mod m {\n  seed = 1;\n");
        assert_eq!(d.len(), 1);
        assert!(d[0].start.line >= 1 && d[0].start.line <= 2, "{d:?}");
        let d = errors("");
        assert_eq!(d[0].start, Location { line: 1, column: 0 });
    }
}
