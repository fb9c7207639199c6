//! `check --message-format json`: one JSON object per diagnostic, one per line, shaped
//! like rustc's JSON diagnostics (`rustc --error-format=json`), so tools that read those
//! read these:
//!
//! ```text
//! { "$message_type": "diagnostic", "message", "code": null, "level": "error",
//!   "spans": [ { "file_name", "byte_start", "byte_end" (exclusive),
//!                "line_start", "line_end", "column_start", "column_end" (from 1, in
//!                characters, end exclusive), "is_primary",
//!                "text": [ { "text" (the whole line), "highlight_start", "highlight_end" } ],
//!                "label" (null on the primary span, the note on the others),
//!                "suggested_replacement": null, "suggestion_applicability": null,
//!                "expansion": null } ],
//!   "children": [ { "message" (the help), "code": null, "level": "help", "spans": [],
//!                   "children": [], "rendered": null } ],
//!   "rendered": the human rendering, as `check` prints it without colours }
//! ```
//!
//! The first span is the primary one (the tokens at fault); each note is a secondary
//! span with the note as its label. An error with no place in a file (the file cannot
//! be read) has no spans.

use memlayout::dsl::file::{Diagnostic, Location, Renderer};
use serde::Serialize;

#[derive(Serialize)]
struct Message {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<()>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<Child>,
    rendered: String,
}

#[derive(Serialize)]
struct Span {
    file_name: String,
    byte_start: usize,
    byte_end: usize,
    line_start: usize,
    line_end: usize,
    column_start: usize,
    column_end: usize,
    is_primary: bool,
    text: Vec<Line>,
    label: Option<String>,
    suggested_replacement: Option<()>,
    suggestion_applicability: Option<()>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct Line {
    text: String,
    highlight_start: usize,
    highlight_end: usize,
}

#[derive(Serialize)]
struct Child {
    message: String,
    code: Option<()>,
    level: &'static str,
    spans: Vec<Span>,
    children: Vec<Child>,
    rendered: Option<()>,
}

/// The lines of `text` from `start` to `end`, each with the highlighted columns (from
/// 1, end exclusive), as rustc lists them.
fn lines(text: &str, start: Location, end: Location) -> Vec<Line> {
    text.lines()
        .enumerate()
        .skip(start.line.saturating_sub(1))
        .take(end.line.saturating_sub(start.line) + 1)
        .map(|(i, line)| {
            let n = i + 1;
            let from = if n == start.line { start.column } else { 0 };
            let to = if n == end.line {
                end.column
            } else {
                line.chars().count()
            };
            Line {
                text: line.to_string(),
                highlight_start: from + 1,
                highlight_end: to.max(from) + 1,
            }
        })
        .collect()
}

fn span(path: &str, text: &str, start: Location, end: Location, label: Option<&str>) -> Span {
    Span {
        file_name: path.to_string(),
        byte_start: start.offset,
        byte_end: end.offset,
        line_start: start.line,
        line_end: end.line,
        column_start: start.column + 1,
        column_end: end.column + 1,
        is_primary: label.is_none(),
        text: lines(text, start, end),
        label: label.map(str::to_string),
        suggested_replacement: None,
        suggestion_applicability: None,
        expansion: None,
    }
}

fn line(m: &Message) -> String {
    // Serializing these plain structs cannot fail; an empty line would still be a
    // line per diagnostic.
    serde_json::to_string(m).unwrap_or_default() + "\n"
}

/// One line per diagnostic of the file shown as `path` with text `text`.
pub fn diagnostics(path: &str, text: &str, list: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in list {
        let mut spans = vec![span(path, text, d.start, d.end, None)];
        for n in &d.notes {
            spans.push(span(path, text, n.start, n.end, Some(&n.message)));
        }
        let children = d
            .help
            .iter()
            .map(|h| Child {
                message: h.clone(),
                code: None,
                level: "help",
                spans: Vec::new(),
                children: Vec::new(),
                rendered: None,
            })
            .collect();
        out.push_str(&line(&Message {
            message_type: "diagnostic",
            message: d.message.clone(),
            code: None,
            level: "error",
            spans,
            children,
            rendered: Renderer::plain().diagnostic(path, text, d) + "\n",
        }));
    }
    out
}

/// One line for an error with no place in a file.
pub fn message(m: &str) -> String {
    line(&Message {
        message_type: "diagnostic",
        message: m.to_string(),
        code: None,
        level: "error",
        spans: Vec::new(),
        children: Vec::new(),
        rendered: Renderer::plain().error(m) + "\n",
    })
}
