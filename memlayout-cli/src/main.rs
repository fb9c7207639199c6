//! `memlayout`: check layout files, print their memory map, or export them for the rest
//! of a firmware build (JSON, C header, GNU ld fragment, raw translation tables, SVG
//! picture).
//!
//! ```text
//! memlayout check FILE... [--message-format human|json]
//! memlayout map FILE [--table NAME]
//! memlayout export FILE --format json|c|ld|bin|svg|dts|memory-x [--table NAME] [-o OUT]
//! memlayout completions SHELL
//! memlayout man [--dir DIR]
//! (and everywhere: --color auto|always|never)
//! ```
//!
//! A FILE of `-` is standard input (`<stdin>` in diagnostics); no `-o`, or `-o -`, is
//! standard output. Errors in a file are rendered like rustc's (or, with `check
//! --message-format json`, written as one JSON object per line, as rustc's JSON
//! diagnostics) and the exit status is 1; nothing is written then. Output files are
//! written whole or not at all. Usage errors (clap's) exit with 2.

mod diagnostic_json;
mod generate;
mod input;
mod json;
mod output;
mod render;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::error::ErrorKind;
use clap::{ColorChoice, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use memlayout::dsl::file::{Diagnostic, Planned, Renderer, plan_text};
use memlayout::export::{self, Input};

use input::Source;

/// Check, print and export memlayout layout files (`.memlayout`).
///
/// A layout file holds one `mod NAME { .. }` in the language of the `memory_layout!`
/// macro. A FILE of `-` is read from standard input (diagnostics call it `<stdin>`);
/// output goes to standard output unless `-o FILE` names a file (`-o -` is standard
/// output too).
///
/// Exit status: 0 on success; 1 when a layout has errors or an input or output cannot be
/// read or written (after every file of `check` has been reported); 2 on a usage error.
///
/// Environment: with `--color auto` (the default), `NO_COLOR` (set and not empty) turns
/// the colours of errors off, and `CLICOLOR_FORCE` (set and not empty) turns them on
/// when standard error is not a terminal; `--color always` and `--color never` win over
/// both.
#[derive(Parser)]
#[command(name = "memlayout", version)]
struct Cli {
    /// When to colour errors: `auto` (when standard error is a terminal, unless NO_COLOR
    /// is set; CLICOLOR_FORCE forces them), `always` or `never`.
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorChoice::Auto
    )]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check layout files: report every error of each, exit 1 if any file has one.
    Check {
        /// The layout files (`-`: standard input).
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// How to print errors: rendered for people on standard error, or one JSON
        /// object per error on standard output (the shape of rustc's JSON
        /// diagnostics; nothing is printed for a valid file).
        #[arg(long, value_enum, default_value = "human")]
        message_format: MessageFormat,
    },
    /// Print the memory map and, per table, its translation tables and register values.
    Map {
        /// The layout file (`-`: standard input).
        file: PathBuf,
        /// Only this table.
        #[arg(long)]
        table: Option<String>,
    },
    /// Export the planned layout.
    Export {
        /// The layout file (`-`: standard input).
        file: PathBuf,
        /// The output format.
        #[arg(long, value_enum)]
        format: Format,
        /// Only this table (`bin` needs it when the layout has several tables).
        #[arg(long)]
        table: Option<String>,
        /// Write here instead of standard output (`-`: standard output); the file is
        /// replaced whole, or left untouched on error.
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
    },
    /// Print the completion script of a shell (e.g. `memlayout completions bash >
    /// /usr/share/bash-completion/completions/memlayout`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page memlayout(1) in roff, or write every page (memlayout.1,
    /// memlayout-check.1, ...) into a directory.
    Man {
        /// Write memlayout.1 and one page per subcommand into this existing directory.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
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
    /// A device-tree fragment: /memory and /reserved-memory nodes.
    Dts,
    /// A linker MEMORY block (memory.x): a region per pool and per page.
    MemoryX,
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

/// Where and how errors go: rendered on standard error (plain or coloured), or as JSON
/// lines on standard output.
struct Report {
    format: MessageFormat,
    renderer: Renderer,
}

impl Report {
    /// Prints the diagnostics of the layout shown as `shown`.
    fn diagnostics(&self, shown: &str, text: &str, list: &[Diagnostic]) -> Failure {
        match self.format {
            MessageFormat::Human => {
                eprint!("{}", render::diagnostics(&self.renderer, shown, text, list));
                Failure::Reported
            }
            MessageFormat::Json => {
                match output::stdout(diagnostic_json::diagnostics(shown, text, list).as_bytes()) {
                    Ok(()) => Failure::Reported,
                    Err(e) => Failure::Message(e),
                }
            }
        }
    }

    /// Prints one error without a place in a file.
    fn message(&self, m: &str) {
        match self.format {
            MessageFormat::Human => eprintln!("{}", self.renderer.error(m)),
            MessageFormat::Json => {
                // Standard output is gone: nothing else can be said.
                let _ = output::stdout(diagnostic_json::message(m).as_bytes());
            }
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().collect();
    // clap's own errors and help are coloured as `--color` asks, like the diagnostics.
    let mut command = Cli::command().color(render::requested(&args));
    let matches = command
        .try_get_matches_from_mut(args)
        .unwrap_or_else(|e| e.exit());
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.format(&mut command).exit());
    if let Command::Check { files, .. } = &cli.command
        && files
            .iter()
            .filter(|f| f.as_path() == Path::new("-"))
            .count()
            > 1
        && let Some(check) = command.find_subcommand_mut("check")
    {
        check
            .error(
                ErrorKind::ArgumentConflict,
                "standard input (`-`) can be read once; give `-` at most once",
            )
            .exit();
    }
    let report = Report {
        format: match cli.command {
            Command::Check { message_format, .. } => message_format,
            _ => MessageFormat::Human,
        },
        renderer: render::renderer(cli.color),
    };
    match run(cli.command, &report) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Reported) => ExitCode::FAILURE,
        Err(Failure::Message(m)) => {
            report.message(&m);
            ExitCode::FAILURE
        }
    }
}

/// Reads and plans `source`, printing every diagnostic on failure.
fn load(source: &Source, report: &Report) -> Result<Planned, Failure> {
    let text = source.read()?;
    plan_text(&text).map_err(|list| report.diagnostics(&source.shown(), &text, &list))
}

fn select<'a>(input: Input<'a>, table: Option<&str>) -> Result<Input<'a>, Failure> {
    match table {
        Some(t) => input.only(t).map_err(|e| Failure::Message(e.to_string())),
        None => Ok(input),
    }
}

/// `check` of one file: the summary line on standard output (human format), or the
/// diagnostics.
fn check(source: &Source, report: &Report) -> Result<(), Failure> {
    let planned = load(source, report)?;
    if report.format == MessageFormat::Json {
        return Ok(());
    }
    let layout = planned.plan().layout();
    let tables = layout.tables().count();
    let pages: usize = layout.tables().map(|t| layout.pages(t).len()).sum();
    let segments: usize = layout.tables().map(|t| layout.segments(t).len()).sum();
    let line = format!(
        "{}: ok, {tables} table{}, {pages} page mapping{}, {segments} segment placement{}\n",
        source.shown(),
        plural(tables),
        plural(pages),
        plural(segments)
    );
    output::stdout(line.as_bytes())?;
    Ok(())
}

fn run(command: Command, report: &Report) -> Result<(), Failure> {
    match command {
        Command::Check { files, .. } => {
            // Every file is reported, whatever the ones before it gave.
            let mut failed = false;
            for file in files {
                match check(&Source::new(file), report) {
                    Ok(()) => {}
                    Err(Failure::Reported) => failed = true,
                    Err(Failure::Message(m)) => {
                        report.message(&m);
                        failed = true;
                    }
                }
            }
            if failed {
                Err(Failure::Reported)
            } else {
                Ok(())
            }
        }
        Command::Map { file, table } => {
            let planned = load(&Source::new(file), report)?;
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
            let planned = load(&Source::new(file), report)?;
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
                Format::Dts => export::dts::dts(&input).into_bytes(),
                Format::MemoryX => export::memory_x::memory_x(&input)
                    .map_err(|e| Failure::Message(e.to_string()))?
                    .into_bytes(),
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
            // `-o -` is standard output, as no `-o` is.
            let path = output.filter(|p| p.as_path() != Path::new("-"));
            if path.is_none()
                && matches!(format, Format::Bin)
                && std::io::IsTerminal::is_terminal(&std::io::stdout())
            {
                return Err(Failure::Message(
                    "`--format bin` writes binary data, and standard output is a terminal; give `-o FILE` or redirect the output".into(),
                ));
            }
            match path {
                Some(path) => output::write_atomic(&path, &bytes)?,
                None => output::stdout(&bytes)?,
            }
            Ok(())
        }
        Command::Completions { shell } => {
            output::stdout(&generate::completions(Cli::command(), shell))?;
            Ok(())
        }
        Command::Man { dir } => {
            match dir {
                Some(dir) => generate::write_man_pages(Cli::command(), &dir)?,
                None => {
                    let pages = generate::man_pages(Cli::command())?;
                    output::stdout(&pages[0].1)?;
                }
            }
            Ok(())
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
