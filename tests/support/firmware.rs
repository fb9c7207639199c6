//! The addresses of a firmware example's layout file, and running an example's `run.sh`
//! and checking what it prints, for the tests of `examples/firmware-c`,
//! `examples/firmware-rust` and `examples/kernel`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use memlayout::dsl::file::plan_text;
use memlayout::plan::Plan;

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests package sits in the workspace")
        .to_path_buf()
}

/// What a layout file places where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LayoutAddresses {
    /// `<table>.<page or segment>.va`, `.pa` (of the first page of a `* N` run) and, for
    /// segments, `.size`; `.guard` for pages with a guard gap; `<table>.tables_pa`, and
    /// the table's register values
    /// `<table>.mair`, `.tcr`, `.ttbr0`, `.ttbr1`.
    pub named: BTreeMap<String, u64>,
    /// Every declared pool and virtual range as `(start, last inclusive, description)`.
    pub pools: Vec<(u64, u64, String)>,
}

impl LayoutAddresses {
    /// The value of `key`, or a message naming what the layout lacks.
    pub fn get(&self, key: &str) -> Result<u64, String> {
        self.named
            .get(key)
            .copied()
            .ok_or_else(|| format!("the layout has no `{key}`"))
    }
}

/// Parses, checks and plans a layout file as the macro and the `memlayout` command do.
///
/// # Panics
///
/// When the file cannot be read or has errors: the examples' layouts have none.
pub fn layout_addresses(path: &Path) -> LayoutAddresses {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let planned = plan_text(&text).unwrap_or_else(|errors| {
        let list: Vec<String> = errors.iter().map(ToString::to_string).collect();
        panic!("{} has errors:\n{}", path.display(), list.join("\n"))
    });
    addresses(planned.plan())
}

fn addresses(plan: &Plan) -> LayoutAddresses {
    let layout = plan.layout();
    let mut named = BTreeMap::new();
    let mut pools = Vec::new();
    for p in layout.pools() {
        let r = p.range();
        pools.push((r.start(), r.last(), format!("in pool `{}`", p.name())));
    }
    let mut t = 0;
    while let Some(id) = plan.table_id(t) {
        let tn = layout
            .table_info(id)
            .expect("a planned table")
            .name()
            .to_string();
        for r in layout.virtual_ranges(id) {
            pools.push((r.start(), r.last(), format!("in a virtual range of `{tn}`")));
        }
        let tr = plan.translation(t).expect("every table has a translation");
        named.insert(format!("{tn}.tables_pa"), tr.base_pa());
        named.insert(format!("{tn}.mair"), tr.mair());
        named.insert(format!("{tn}.tcr"), tr.tcr());
        named.insert(format!("{tn}.ttbr0"), tr.ttbr0());
        named.insert(format!("{tn}.ttbr1"), tr.ttbr1());
        for p in plan.pages(t) {
            let first = p.pages[0];
            named.insert(format!("{tn}.{}.va", p.name), first.va());
            named.insert(format!("{tn}.{}.pa", p.name), first.pa());
            if first.guard() != 0 {
                named.insert(format!("{tn}.{}.guard", p.name), first.guard());
            }
        }
        for s in plan.segments(t) {
            let s = s.segment;
            named.insert(format!("{tn}.{}.va", s.name()), s.va());
            named.insert(format!("{tn}.{}.pa", s.name()), s.pa());
            named.insert(format!("{tn}.{}.size", s.name()), s.size());
        }
        t += 1;
    }
    LayoutAddresses { named, pools }
}

/// Whether the tests that build and boot a Rust example can run here: QEMU and the
/// cross compiler ([`crate::qemu::require_tools_or_skip`]) and the Rust target
/// `aarch64-unknown-none`. Panics under `MEMLAYOUT_REQUIRE_QEMU=1` when something is
/// missing.
pub fn tools_or_skip() -> bool {
    if !crate::qemu::require_tools_or_skip() {
        return false;
    }
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .current_dir(workspace_root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let has_target =
        sysroot.is_some_and(|s| s.join("lib/rustlib/aarch64-unknown-none/lib").is_dir());
    if !has_target {
        let msg = "the Rust target aarch64-unknown-none is missing; install it with `rustup target add aarch64-unknown-none`";
        if std::env::var_os("MEMLAYOUT_REQUIRE_QEMU").is_some_and(|v| v == "1") {
            panic!("MEMLAYOUT_REQUIRE_QEMU=1 but {msg}");
        }
        eprintln!("skipped: {msg}");
        return false;
    }
    true
}

/// What a run of an example's `run.sh` gave.
pub struct Run {
    /// The UART output.
    pub stdout: String,
    /// `run.sh`'s and QEMU's messages.
    pub stderr: String,
    /// QEMU's exit status: the firmware's semihosting exit code.
    pub status: Option<i32>,
    /// The addresses of the layout the firmware was built from (the copy in the build
    /// directory, seed included).
    pub addrs: LayoutAddresses,
    /// That layout's text.
    pub layout: String,
}

/// Runs `examples/<example>/run.sh ARGS --out <fresh dir>`; the example's layout file
/// (its copy in the build directory) is named `layout_file`, `name` tells the runs of
/// one example apart.
pub fn run_example(example: &str, layout_file: &str, name: &str, args: &[&str]) -> Run {
    let root = workspace_root();
    let out = root
        .join("target/tmp/firmware-tests")
        .join(format!("{example}-{name}"));
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let script = root.join("examples").join(example).join("run.sh");
    let output = Command::new(&script)
        .args(args)
        .arg("--out")
        .arg(&out)
        .current_dir(&root)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let layout_path = out.join(layout_file);
    let layout = std::fs::read_to_string(&layout_path).unwrap_or_else(|e| {
        panic!(
            "{example} {args:?}: no layout copy {} ({e}); stderr:\n{}",
            layout_path.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        status: output.status.code(),
        addrs: layout_addresses(&layout_path),
        layout,
    }
}

/// Whether `line` matches `template` under `addrs`. `{key}` in a template is the
/// layout's value, printed in hexadecimal; `{va_in:T.S}` / `{pa_in:T.S}` any address
/// inside segment `S` of table `T` (where code is running); `{iabort}` the EC of an
/// instruction abort; `{translation_fault}` the DFSC of a translation fault at any level.
pub fn matches(template: &str, line: &str, addrs: &LayoutAddresses) -> Result<(), String> {
    let mut t = template;
    let mut l = line;
    while let Some(open) = t.find('{') {
        let (lit, rest) = t.split_at(open);
        l = l
            .strip_prefix(lit)
            .ok_or_else(|| format!("expected `{lit}` at `{l}`"))?;
        let close = rest.find('}').expect("closed placeholder");
        let key = &rest[1..close];
        t = &rest[close + 1..];
        let digits = l
            .strip_prefix("0x")
            .ok_or_else(|| format!("expected a hexadecimal number at `{l}`"))?;
        let end = digits
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(digits.len());
        let value = u64::from_str_radix(&digits[..end], 16)
            .map_err(|e| format!("bad number at `{l}`: {e}"))?;
        l = &digits[end..];
        let get = |k: &str| addrs.get(k);
        let ok = if key == "iabort" {
            value == 0x20 || value == 0x21
        } else if key == "translation_fault" {
            // DFSC 0b0001LL (Arm ARM D24.2, "ESR_EL1": ISS encoding for a data abort).
            (0x04..=0x07).contains(&value)
        } else if let Some(seg) = key.strip_prefix("va_in:") {
            let (start, size) = (get(&format!("{seg}.va"))?, get(&format!("{seg}.size"))?);
            (start..start + size).contains(&value)
        } else if let Some(seg) = key.strip_prefix("pa_in:") {
            let (start, size) = (get(&format!("{seg}.pa"))?, get(&format!("{seg}.size"))?);
            (start..start + size).contains(&value)
        } else {
            value == get(key)?
        };
        if !ok {
            return Err(format!("{value:#x} is not {{{key}}}"));
        }
    }
    if l == t {
        Ok(())
    } else {
        Err(format!("expected `{t}` at `{l}`"))
    }
}

/// Asserts that the run printed `templates` as its lines, in order (other lines, such
/// as QEMU warnings, may come between); see [`matches()`].
pub fn assert_lines(what: &str, run: &Run, templates: &[&str]) {
    let lines: Vec<&str> = run.stdout.lines().collect();
    let mut next = 0;
    for template in templates {
        let mut why = Vec::new();
        let found =
            lines[next..]
                .iter()
                .position(|line| match matches(template, line, &run.addrs) {
                    Ok(()) => true,
                    Err(e) => {
                        why.push(format!("  `{line}`: {e}"));
                        false
                    }
                });
        match found {
            Some(i) => next += i + 1,
            None => panic!(
                "{what}: no line after line {next} matches\n  {template}\n{}\nUART output:\n{}\nstderr:\n{}",
                why.join("\n"),
                run.stdout,
                run.stderr
            ),
        }
    }
}
