//! `memlayout`: check a layout file, print its memory map, or export it for the rest of
//! a firmware build (JSON, C header, GNU ld fragment, raw translation tables, SVG picture).
//!
//! ```text
//! memlayout check FILE
//! memlayout map FILE [--table NAME]
//! memlayout export FILE --format json|c|ld|bin|svg [--table NAME] [-o OUT]
//! ```
//!
//! Errors in the file are rendered like rustc's and the exit status is 1; nothing is
//! written then. Output files are written whole or not at all.

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
    /// The whole planned layout for tools (format_version 1; see the README).
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
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::FAILURE,
        Err(Failure::Message(m)) => {
            eprintln!("{}", render::message(&m));
            ExitCode::FAILURE
        }
    }
}

/// Reads and plans `path`, printing every diagnostic on failure.
fn load(path: &Path) -> Result<Planned, Failure> {
    let text = read_layout(path)?;
    plan_text(&text).map_err(|diagnostics| {
        eprint!(
            "{}",
            render::diagnostics(&path.display().to_string(), &text, &diagnostics)
        );
        Failure::Reported
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
        Command::Check { file } => {
            let planned = load(&file)?;
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
            let planned = load(&file)?;
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
            let planned = load(&file)?;
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
