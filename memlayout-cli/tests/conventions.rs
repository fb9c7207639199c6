//! The command follows the conventions of cargo, ripgrep and most Unix tools: `-` reads
//! the layout from standard input and `-o -` writes to standard output; `--color`
//! (with `NO_COLOR` and `CLICOLOR_FORCE`) colours the diagnostics and clap's own errors
//! alike; `check` takes several files and reports each; `completions` and `man` generate
//! what packagers install.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{data, scratch};

/// `memlayout ARGS`, with no colour variable from the environment running the tests.
fn cmd(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_memlayout"));
    c.args(args);
    for var in ["NO_COLOR", "CLICOLOR_FORCE", "CLICOLOR"] {
        c.env_remove(var);
    }
    c
}

/// Runs `c` with `input` on its standard input.
fn run_with_stdin(mut c: Command, input: &[u8]) -> Output {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().expect("the memlayout binary runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // A command that does not read its input closes the pipe: not this test's concern.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn run(args: &[&str]) -> Output {
    cmd(args).output().expect("the memlayout binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn board() -> String {
    data("board.memlayout")
}

fn board_text() -> String {
    std::fs::read_to_string(board()).unwrap()
}

/// The board layout with an unknown page option (one error), written into `dir/name`.
fn bad_board(dir: &Path, name: &str) -> String {
    let text = board_text();
    assert!(text.contains("2M, identity;"));
    let path = dir.join(name);
    std::fs::write(
        &path,
        text.replacen("2M, identity;", "2M, identity, bogus;", 1),
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

/// `text` without its ANSI escape sequences (`ESC [ ... letter`).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn coloured(text: &str) -> bool {
    text.contains("\x1b[")
}

#[test]
fn a_dash_reads_the_layout_from_standard_input() {
    let text = board_text();
    let o = run_with_stdin(cmd(&["check", "-"]), text.as_bytes());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        stdout(&o),
        "<stdin>: ok, 2 tables, 12 page mappings, 4 segment placements\n"
    );
    assert!(o.stderr.is_empty(), "{}", stderr(&o));

    // Every output is the one of the same file named on the command line.
    let board: &'static str = Box::leak(board().into_boxed_str());
    let cases: Vec<Vec<&'static str>> = vec![
        vec!["map"],
        vec!["map", "--table", "core0_el1"],
        vec!["export", "--format", "json"],
        vec!["export", "--format", "c"],
        vec!["export", "--format", "ld"],
        vec!["export", "--format", "svg"],
        vec!["export", "--format", "bin", "--table", "core0_el3"],
    ];
    for args in cases {
        let with = |file: &'static str| -> Vec<&'static str> {
            let mut all = vec![args[0], file];
            all.extend(&args[1..]);
            all
        };
        let from_file = run(&with(board));
        let from_stdin = run_with_stdin(cmd(&with("-")), text.as_bytes());
        assert_eq!(from_file.status.code(), Some(0), "{args:?}");
        assert_eq!(from_stdin.status.code(), Some(0), "{args:?}");
        assert!(!from_file.stdout.is_empty(), "{args:?}");
        assert_eq!(from_stdin.stdout, from_file.stdout, "{args:?}");
    }
}

#[test]
fn diagnostics_of_standard_input_name_it_stdin() {
    let dir = scratch("stdin-errors");
    let bad = bad_board(&dir, "bad.memlayout");
    let text = std::fs::read(&bad).unwrap();

    // The same rendering as for the file, with `<stdin>` for its name.
    let from_file = run(&["check", &bad]);
    let from_stdin = run_with_stdin(cmd(&["check", "-"]), &text);
    assert_eq!(from_file.status.code(), Some(1));
    assert_eq!(from_stdin.status.code(), Some(1));
    let err = stderr(&from_stdin);
    assert!(err.contains("`bogus` is not a page option"), "{err}");
    assert!(err.contains(" --> <stdin>:"), "{err}");
    assert!(
        err.contains("error: could not plan `<stdin>` because of 1 previous error"),
        "{err}"
    );
    assert_eq!(err, stderr(&from_file).replace(&bad, "<stdin>"));
    assert!(from_stdin.stdout.is_empty());

    // In JSON too.
    let o = run_with_stdin(cmd(&["check", "--message-format", "json", "-"]), &text);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["spans"][0]["file_name"], "<stdin>");
    assert!(
        lines[0]["rendered"]
            .as_str()
            .unwrap()
            .contains(" --> <stdin>:")
    );

    // Text that is not UTF-8.
    let o = run_with_stdin(cmd(&["export", "-", "--format", "c"]), b"mod m { \xff }");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "error: the layout on standard input is not valid UTF-8 (byte 8); give it as UTF-8\n"
    );
    assert!(o.stdout.is_empty());

    // Standard input can be read once: a second `-` is a usage error, before anything
    // is read or written.
    let o = run_with_stdin(cmd(&["check", "-", &board(), "-"]), &text);
    assert_eq!(o.status.code(), Some(2));
    assert!(o.stdout.is_empty());
    assert!(
        stderr(&o).contains("standard input (`-`) can be read once; give `-` at most once"),
        "{}",
        stderr(&o)
    );

    // A file named `-` is `./-`.
    std::fs::copy(board(), dir.join("-")).unwrap();
    let o = cmd(&["check", "./-"]).current_dir(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("./-: ok, 2 tables"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn dash_o_dash_writes_to_standard_output() {
    let dir = scratch("o-dash");
    let board = board();
    for format in ["json", "c", "ld", "svg", "bin"] {
        let mut args = vec!["export", board.as_str(), "--format", format];
        if format == "bin" {
            args.extend(["--table", "core0_el1"]);
        }
        let plain = cmd(&args).current_dir(&dir).output().unwrap();
        assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
        assert!(!plain.stdout.is_empty());
        for o_dash in [&["-o", "-"][..], &["--output", "-"], &["--output=-"]] {
            let mut all = args.clone();
            all.extend(o_dash);
            let o = cmd(&all).current_dir(&dir).output().unwrap();
            assert_eq!(o.status.code(), Some(0), "{all:?}: {}", stderr(&o));
            assert_eq!(o.stdout, plain.stdout, "{all:?}");
        }
    }
    // No file named `-` was created.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    // `./-` is a file of that name.
    let o = cmd(&["export", &board, "--format", "c", "-o", "./-"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let c = run(&["export", &board, "--format", "c"]);
    assert_eq!(std::fs::read(dir.join("-")).unwrap(), c.stdout);
}

#[test]
fn check_reports_every_file_and_fails_if_any_fails() {
    let dir = scratch("check-many");
    let board = board();
    let readme = data("readme.memlayout");
    let soc = data("soc.memlayout");
    let bad = bad_board(&dir, "bad.memlayout");
    let missing = dir.join("missing.memlayout");
    let missing = missing.to_str().unwrap();

    let o = run(&["check", &board, &readme, &soc]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let lines: Vec<String> = stdout(&o).lines().map(String::from).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    for (line, file) in lines.iter().zip([&board, &readme, &soc]) {
        // Each line is the one `check` prints for that file alone.
        assert_eq!(format!("{line}\n"), stdout(&run(&["check", file])));
    }

    // A bad file and a missing one among good ones: every file is reported, in order,
    // and the status is 1.
    let o = run(&["check", &board, &bad, missing, &readme]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stdout(&o),
        stdout(&run(&["check", &board])) + &stdout(&run(&["check", &readme]))
    );
    let err = stderr(&o);
    let bad_err = stderr(&run(&["check", &bad]));
    let missing_err = stderr(&run(&["check", missing]));
    assert!(
        bad_err.contains(&format!("could not plan `{bad}`")),
        "{bad_err}"
    );
    assert!(
        missing_err.starts_with(&format!("error: cannot read the layout file `{missing}`")),
        "{missing_err}"
    );
    assert_eq!(err, bad_err + &missing_err);

    // The same in JSON: one line per error, each naming its file.
    let bad2 = bad_board(&dir, "bad2.memlayout");
    let o = run(&["check", "--message-format", "json", &bad, &board, &bad2]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stderr.is_empty(), "{}", stderr(&o));
    let files: Vec<String> = stdout(&o)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            v["spans"][0]["file_name"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(files, [bad.clone(), bad2.clone()]);

    // At least one file.
    let o = run(&["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<FILE>..."), "{}", stderr(&o));
}

/// A `--color` case: the flag's arguments, the environment, whether colours are expected.
type ColourCase = (
    &'static [&'static str],
    &'static [(&'static str, &'static str)],
    bool,
);

/// The error output of `args` with the environment variables `env` set.
fn errors_with(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let mut c = cmd(args);
    c.envs(env.iter().copied());
    let o = c.output().unwrap();
    (o.status.code(), stderr(&o))
}

#[test]
fn color_colours_the_diagnostics_as_asked() {
    let dir = scratch("color");
    let bad = bad_board(&dir, "bad.memlayout");
    let missing = dir.join("missing.memlayout");
    let missing = missing.to_str().unwrap();
    for file in [bad.as_str(), missing] {
        let (status, plain) = errors_with(&["check", file], &[]);
        assert_eq!(status, Some(1));
        // Standard error is a pipe here: no colours unless asked.
        assert!(!coloured(&plain), "{plain}");
        assert!(plain.starts_with("error: "), "{plain}");
        let cases: &[ColourCase] = &[
            (&["--color", "always"], &[], true),
            (&["--color=always"], &[], true),
            (&["--color", "never"], &[], false),
            (&["--color", "auto"], &[], false),
            // `auto` honours CLICOLOR_FORCE and NO_COLOR, NO_COLOR first, as clap does.
            (&[], &[("CLICOLOR_FORCE", "1")], true),
            (&["--color", "auto"], &[("CLICOLOR_FORCE", "1")], true),
            (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
            // An empty variable is unset.
            (&[], &[("CLICOLOR_FORCE", "")], false),
            (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")], true),
            // The flag wins over both.
            (&["--color", "never"], &[("CLICOLOR_FORCE", "1")], false),
            (&["--color", "always"], &[("NO_COLOR", "1")], true),
        ];
        for &(flag, env, want) in cases {
            // The flag is global: before the subcommand or after it.
            for before in [true, false] {
                let mut args: Vec<&str> = Vec::new();
                if before {
                    args.extend(flag);
                }
                args.extend(["check", file]);
                if !before {
                    args.extend(flag);
                }
                let (status, err) = errors_with(&args, env);
                assert_eq!(status, Some(1), "{args:?} {env:?}");
                assert_eq!(coloured(&err), want, "{args:?} {env:?}:\n{err}");
                // Colours change nothing but the colours.
                assert_eq!(strip_ansi(&err), plain, "{args:?} {env:?}");
            }
        }
    }
    // Output on standard output is never coloured.
    let board = board();
    let plain = run(&["map", &board]);
    let always = run(&["--color", "always", "map", &board]);
    assert_eq!(always.status.code(), Some(0));
    assert_eq!(always.stdout, plain.stdout);
}

#[test]
fn clap_errors_follow_the_same_color_choice() {
    let board = board();
    let usage = ["export", board.as_str(), "--format", "pdf"];
    let (status, plain) = errors_with(&usage, &[]);
    assert_eq!(status, Some(2));
    assert!(
        plain.contains("invalid value 'pdf' for '--format <FORMAT>'"),
        "{plain}"
    );
    assert!(!coloured(&plain), "{plain}");
    let cases: &[ColourCase] = &[
        (&["--color", "always"], &[], true),
        (&["--color=always"], &[], true),
        (&["--color", "never"], &[("CLICOLOR_FORCE", "1")], false),
        (&[], &[("CLICOLOR_FORCE", "1")], true),
        (&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")], false),
        (&["--color", "always"], &[("NO_COLOR", "1")], true),
    ];
    for &(flag, env, want) in cases {
        let mut args: Vec<&str> = flag.to_vec();
        args.extend(usage);
        let (status, err) = errors_with(&args, env);
        assert_eq!(status, Some(2), "{args:?} {env:?}");
        assert_eq!(coloured(&err), want, "{args:?} {env:?}:\n{err}");
        assert_eq!(strip_ansi(&err), plain, "{args:?} {env:?}");
    }
    // After the subcommand too, and for an unknown option.
    let (status, err) = errors_with(&["check", "--color=always", "--bogus", &board], &[]);
    assert_eq!(status, Some(2));
    assert!(coloured(&err), "{err}");
    assert!(
        strip_ansi(&err).contains("unexpected argument '--bogus'"),
        "{err}"
    );
    // A value that is not a choice: clap's error, listing the choices.
    let (status, err) = errors_with(&["--color", "sometimes", "check", &board], &[]);
    assert_eq!(status, Some(2));
    assert!(
        err.contains("[possible values: auto, always, never]"),
        "{err}"
    );
}

#[test]
fn completions_are_generated_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(&["completions", shell]);
        assert_eq!(o.status.code(), Some(0), "{shell}: {}", stderr(&o));
        let script = stdout(&o);
        for word in ["check", "export", "completions", "message-format", "color"] {
            assert!(script.contains(word), "{shell}: no {word} in\n{script}");
        }
        assert_eq!(run(&["completions", shell]).stdout, o.stdout, "{shell}");
    }
    let o = run(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2));
}

/// Bash completes subcommands and the values of `--format` with the script.
#[cfg(unix)]
#[test]
fn the_bash_completion_script_completes_subcommands_and_formats() {
    let script = stdout(&run(&["completions", "bash"]));
    let dir = scratch("bash-completion");
    let file = dir.join("memlayout.bash");
    std::fs::write(&file, script).unwrap();
    // COMP_WORDS as bash sets it for `memlayout export x --format <TAB>`, then for
    // `memlayout <TAB>`; the function gets the command, the word and the previous word.
    let probe = format!(
        "source '{}'\n\
         COMP_WORDS=(memlayout export x --format ''); COMP_CWORD=4\n\
         _memlayout memlayout '' --format; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(memlayout ''); COMP_CWORD=1\n\
         _memlayout memlayout '' memlayout; echo \"${{COMPREPLY[*]}}\"\n\
         COMP_WORDS=(memlayout --color ''); COMP_CWORD=2\n\
         _memlayout memlayout '' --color; echo \"${{COMPREPLY[*]}}\"\n",
        file.display()
    );
    let o = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("bash runs");
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let lines: Vec<Vec<&str>> = out.lines().map(|l| l.split(' ').collect()).collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        ["json", "c", "ld", "bin", "svg", "dts", "memory-x"],
        "{out}"
    );
    for word in ["check", "map", "export", "completions", "man", "--color"] {
        assert!(lines[1].contains(&word), "{word} in {out}");
    }
    assert_eq!(lines[2], ["auto", "always", "never"], "{out}");
}

#[test]
fn man_prints_the_page_and_writes_every_page() {
    let o = run(&["man"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let page = stdout(&o);
    assert!(
        page.contains(&format!(
            ".TH memlayout 1  \"memlayout {}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{page}"
    );
    for section in [".SH NAME", ".SH SYNOPSIS", ".SH DESCRIPTION", ".SH OPTIONS"] {
        assert!(page.contains(section), "{section} in\n{page}");
    }
    assert!(page.contains("\\-\\-color"), "{page}");
    assert!(page.contains("NO_COLOR") && page.contains("CLICOLOR_FORCE"));
    assert_eq!(run(&["man"]).stdout, o.stdout);

    let dir = scratch("man");
    let o = run(&["man", "--dir", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "memlayout-check.1",
            "memlayout-completions.1",
            "memlayout-export.1",
            "memlayout-man.1",
            "memlayout-map.1",
            "memlayout.1",
        ]
    );
    // memlayout.1 is the page `man` prints, and every page it refers to was written.
    assert_eq!(
        std::fs::read_to_string(dir.join("memlayout.1")).unwrap(),
        page
    );
    let referred: Vec<&str> = page
        .lines()
        .filter_map(|l| l.strip_prefix("memlayout\\-")?.strip_suffix("(1)"))
        .collect();
    assert_eq!(referred.len(), 5, "{page}");
    for sub in referred {
        assert!(dir.join(format!("memlayout-{sub}.1")).is_file(), "{sub}");
    }
    // A subcommand's page has its options.
    let export = std::fs::read_to_string(dir.join("memlayout-export.1")).unwrap();
    assert!(
        export.contains(&format!(
            ".TH memlayout-export 1  \"memlayout {}\"",
            env!("CARGO_PKG_VERSION")
        )),
        "{export}"
    );
    for word in [
        "\\-\\-format",
        "\\-\\-table",
        "\\-\\-output",
        "json",
        "svg",
        "bin",
    ] {
        assert!(export.contains(word), "{word} in\n{export}");
    }

    let o = run(&["man", "--dir", dir.join("missing").to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is not a directory; give `--dir` an existing directory"),
        "{}",
        stderr(&o)
    );
}
