//! `memlayout`: check a layout file, print its memory map, or export it for the rest of
//! a firmware build (JSON, C header, GNU ld fragment, raw translation tables, SVG picture).
//!
//! ```text
//! memlayout check FILE [--message-format human|json]
//! memlayout map FILE [--table NAME]
//! memlayout export FILE --format json|c|ld|bin|svg [--table NAME] [-o OUT]
//! ```
//!
//! Errors in the file are rendered like rustc's (or, with `check --message-format json`,
//! written as one JSON object per line, as rustc's JSON diagnostics) and the exit status
//! is 1; nothing is written then. Output files are written whole or not at all.

mod diagnostic_json;
mod json;
mod output;
mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use memlayout::dsl::file::{Planned, plan_text};
use memlayout::dsl::include::read_layout;
use memlayout::export::{self, Input};

/// Check, print and export memlayout layout files (`.memlayout`).
#[derive(Parser)]
#[command(name = "memlayout", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a layout file: report every error, exit 1 if there is one.
    Check {
        /// The layout file.
        file: PathBuf,
        /// How to print errors: rendered for people on standard error, or one JSON
        /// object per error on standard output (the shape of rustc's JSON
        /// diagnostics; nothing is printed for a valid file).
        #[arg(long, value_enum, default_value = "human")]
        message_format: MessageFormat,
    },
    /// Print the memory map and, per table, its translation tables and register values.
    Map {
        /// The layout file.
        file: PathBuf,
        /// Only this table.
        #[arg(long)]
        table: Option<String>,
    },
    /// Export the planned layout.
    Export {
        /// The layout file.
        file: PathBuf,
        /// The output format.
        #[arg(long, value_enum)]
        format: Format,
        /// Only this table (`bin` needs it when the layout has several tables).
        #[arg(long)]
        table: Option<String>,
        /// Write here instead of standard output (replaced whole, or left untouched on
        /// error).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
}

/// Export formats.
#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// The whole planned layout for tools (format_version 3; see the README).
    Json,
    /// A C and assembly header of `#define`s.
    C,
    /// A GNU ld script fragment to INCLUDE.
    Ld,
    /// The raw translation-table image of one table, to load at its TABLES_PA.
    Bin,
    /// A picture of the layout (SVG).
    Svg,
}

/// How `check` prints errors.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum MessageFormat {
    /// Rendered like rustc's errors, on standard error.
    Human,
    /// One JSON object per error and line, on standard output.
    Json,
}

/// A failure: either diagnostics already printed, or one message to print.
enum Failure {
    Reported,
    Message(String),
}

impl From<String> for Failure {
    fn from(m: String) -> Failure {
        Failure::Message(m)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let format = match cli.command {
        Command::Check { message_format, .. } => message_format,
        _ => MessageFormat::Human,
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::FAILURE,
        Err(Failure::Message(m)) => {
            match format {
                MessageFormat::Human => eprintln!("{}", render::message(&m)),
                MessageFormat::Json => {
                    // Standard output is gone: nothing else can be said.
                    let _ = output::stdout(diagnostic_json::message(&m).as_bytes());
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// Reads and plans `path`, printing every diagnostic on failure in `format`.
fn load(path: &Path, format: MessageFormat) -> Result<Planned, Failure> {
    let text = read_layout(path)?;
    let shown = path.display().to_string();
    plan_text(&text).map_err(|diagnostics| match format {
        MessageFormat::Human => {
            eprint!("{}", render::diagnostics(&shown, &text, &diagnostics));
            Failure::Reported
        }
        MessageFormat::Json => {
            match output::stdout(
                diagnostic_json::diagnostics(&shown, &text, &diagnostics).as_bytes(),
            ) {
                Ok(()) => Failure::Reported,
                Err(e) => Failure::Message(e),
            }
        }
    })
}

fn select<'a>(input: Input<'a>, table: Option<&str>) -> Result<Input<'a>, Failure> {
    match table {
        Some(t) => input.only(t).map_err(|e| Failure::Message(e.to_string())),
        None => Ok(input),
    }
}

fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Check {
            file,
            message_format,
        } => {
            let planned = load(&file, message_format)?;
            if message_format == MessageFormat::Json {
                return Ok(());
            }
            let layout = planned.plan().layout();
            let tables = layout.tables().count();
            let pages: usize = layout.tables().map(|t| layout.pages(t).len()).sum();
            let segments: usize = layout.tables().map(|t| layout.segments(t).len()).sum();
            let line = format!(
                "{}: ok, {tables} table{}, {pages} page mapping{}, {segments} segment placement{}\n",
                file.display(),
                plural(tables),
                plural(pages),
                plural(segments)
            );
            output::stdout(line.as_bytes())?;
            Ok(())
        }
        Command::Map { file, table } => {
            let planned = load(&file, MessageFormat::Human)?;
            let input = select(
                Input::new(planned.module(), planned.plan()),
                table.as_deref(),
            )?;
            output::stdout(export::map::map(&input).as_bytes())?;
            Ok(())
        }
        Command::Export {
            file,
            format,
            table,
            output,
        } => {
            let planned = load(&file, MessageFormat::Human)?;
            let input = select(
                Input::new(planned.module(), planned.plan()),
                table.as_deref(),
            )?;
            let bytes = match format {
                Format::Json => json::json(&input)
                    .map_err(|e| Failure::Message(format!("cannot write the JSON document: {e}")))?
                    .into_bytes(),
                Format::C => export::c::c(&input).into_bytes(),
                Format::Ld => export::ld::ld(&input).into_bytes(),
                Format::Svg => export::svg::svg(&input).into_bytes(),
                Format::Bin => match input.tables() {
                    [one] => export::bin::bin(one),
                    tables => {
                        let names: Vec<String> =
                            tables.iter().map(|t| format!("`{}`", t.name())).collect();
                        return Err(Failure::Message(format!(
                            "`--format bin` writes one table's image, and the layout has {}; pick one with `--table` ({})",
                            tables.len(),
                            names.join(", ")
                        )));
                    }
                },
            };
            if output.is_none()
                && matches!(format, Format::Bin)
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
            {
                return Err(Failure::Message(
                    "`--format bin` writes binary data, and standard output is a terminal; give `-o FILE` or redirect the output".into(),
                ));
            }
            match output {
                Some(path) => output::write_atomic(&path, &bytes)?,
                None => output::stdout(&bytes)?,
            }
            Ok(())
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
