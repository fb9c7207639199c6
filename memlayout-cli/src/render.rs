//! Human output of diagnostics: the library's renderer (annotate-snippets, as rustc),
//! in colour when standard error is a terminal, and the summary line.

use std::io::IsTerminal;

use memlayout::dsl::file::{Diagnostic, Renderer};

fn renderer() -> Renderer {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// Every diagnostic, then a summary line.
pub fn diagnostics(path: &str, text: &str, list: &[Diagnostic]) -> String {
    let renderer = renderer();
    let mut out = String::new();
    for d in list {
        out.push_str(&renderer.diagnostic(path, text, d));
        out.push_str("\n\n");
    }
    let n = list.len();
    out.push_str(&renderer.error(&format!(
        "could not plan `{path}` because of {n} previous error{}",
        crate::plural(n)
    )));
    out.push('\n');
    out
}

/// One message without a source location.
pub fn message(m: &str) -> String {
    renderer().error(m)
}
