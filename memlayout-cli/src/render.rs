//! Human output of diagnostics: the library's renderer (annotate-snippets, as rustc),
//! plain or in ANSI colours as `--color` asks, and the summary line.

use std::ffi::OsString;

use clap::{ColorChoice, ValueEnum};
use memlayout::dsl::file::{Diagnostic, Renderer};

/// The `--color` of the command line `args` (program name first), read before clap
/// parses it so that clap's own errors (an unknown option, a bad value) follow it too.
/// The last `--color WHEN` or `--color=WHEN` before a `--` counts; a value that is not a
/// choice is left for clap to report, coloured as `auto`.
pub fn requested(args: &[OsString]) -> ColorChoice {
    let mut choice = ColorChoice::Auto;
    let mut args = args.iter().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--" {
            break;
        }
        let value = if arg == "--color" {
            args.next().and_then(|v| v.to_str())
        } else {
            arg.to_str().and_then(|a| a.strip_prefix("--color="))
        };
        if let Some(c) = value.and_then(|v| ColorChoice::from_str(v, false).ok()) {
            choice = c;
        }
    }
    choice
}

/// The renderer for standard error under `choice`: `always` and `never` as said;
/// `auto` decides as clap does for its own errors (anstream): no colours when `NO_COLOR`
/// is set and not empty, colours when `CLICOLOR_FORCE` is set and not empty, none when
/// `CLICOLOR=0`, else colours when standard error is a terminal that has them.
pub fn renderer(choice: ColorChoice) -> Renderer {
    let styled = match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            anstream::AutoStream::choice(&std::io::stderr()) != anstream::ColorChoice::Never
        }
    };
    if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// Every diagnostic, then a summary line.
pub fn diagnostics(renderer: &Renderer, path: &str, text: &str, list: &[Diagnostic]) -> String {
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
