//! Diagnostics rendered the way rustc renders them (annotate-snippets, the renderer
//! rustc uses), in colour when standard error is a terminal.

use std::io::IsTerminal;

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use memlayout::dsl::file::{Diagnostic, Location};

fn renderer() -> Renderer {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

fn range(text: &str, start: Location, end: Location) -> std::ops::Range<usize> {
    let s = start.byte_offset(text);
    let e = end.byte_offset(text).max(s);
    // An empty range (an error at the end of the text) still gets one caret.
    if e == s && s < text.len() {
        s..s + 1
    } else {
        s..e
    }
}

/// Every diagnostic, then a summary line.
pub fn diagnostics(path: &str, text: &str, list: &[Diagnostic]) -> String {
    let renderer = renderer();
    let mut out = String::new();
    for d in list {
        let mut report: Vec<Group<'_>> = vec![
            Level::ERROR.primary_title(d.message.as_str()).element(
                Snippet::source(text)
                    .path(path)
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(range(text, d.start, d.end))),
            ),
        ];
        for n in &d.notes {
            report.push(
                Level::NOTE.secondary_title(n.message.as_str()).element(
                    Snippet::source(text)
                        .path(path)
                        .fold(true)
                        .annotation(AnnotationKind::Primary.span(range(text, n.start, n.end))),
                ),
            );
        }
        out.push_str(&renderer.render(&report));
        out.push_str("\n\n");
    }
    let n = list.len();
    out.push_str(
        &renderer.render(&[Group::with_title(Level::ERROR.primary_title(format!(
            "could not plan `{path}` because of {n} previous error{}",
            crate::plural(n)
        )))]),
    );
    out.push('\n');
    out
}

/// One message without a source location.
pub fn message(m: &str) -> String {
    renderer().render(&[Group::with_title(Level::ERROR.primary_title(m))])
}
