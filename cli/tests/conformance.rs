//! The reference implementation's test suites, run against `kcfg`.
//!
//! * `conformance/jsonnet/`: google/jsonnet's `test_suite/`, 173 programs
//!   with expected output. A case passes when its output equals the
//!   golden as JSON (or, for `error.*` cases, when it fails). Separately,
//!   the first line of each error must equal the golden's. Cases that do not
//!   pass yet are listed, each with its reason, in
//!   `conformance/expected_failures.toml`; the list may only shrink: a
//!   listed case that passes fails the test until it is removed from the
//!   list.
//! * `conformance/cmd/`: google/jsonnet's command-line cases (`cases.json`):
//!   flags, outputs, exit statuses and messages, byte for byte. The
//!   `jsonnet` cases run twice, through `kcfg eval` and through a link
//!   named `jsonnet`; the `jsonnetfmt` cases through `kcfg fmt` and a link
//!   named `jsonnetfmt`. The cases whose goldens name the reference's binary
//!   (help, version, the usage after "must give filename") are compared
//!   with kcfg's own texts under `conformance/cmd-kcfg/`, one per way of
//!   invoking it (`NAME.golden.stdout.kcfg`, `.jsonnet`, `.jsonnetfmt`).
//! * `conformance/cmd-extra/`: more command-line cases in the same format
//!   (issue 16), recorded from C++ jsonnet 0.22: Tanka's command shapes,
//!   which also run as `kcfg ARGS` without `eval`, the `--*-file` flags,
//!   `-y -S`, numeric flags, write errors and stack traces.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("cli/ has a parent")
        .to_path_buf()
}

fn kcfg() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kcfg"))
}

// ----- the evaluation suite ------------------------------------------------

/// What a case of the suite did.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Pass,
    Fail(String),
}

fn parse_expected_failures() -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let path = repo_root().join("conformance/expected_failures.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let mut failures = BTreeMap::new();
    let mut mismatches = BTreeMap::new();
    let mut section = "";
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        if line == "[failures]" {
            section = "failures";
            continue;
        }
        if line == "[message_mismatches]" {
            section = "message_mismatches";
            continue;
        }
        let Some((name, reason)) = line.split_once('=') else {
            panic!("bad line in expected_failures.toml: {line}");
        };
        let name = name.trim().trim_matches('"').to_string();
        let reason = reason.trim().trim_matches('"').to_string();
        assert!(
            !reason.is_empty(),
            "{name}: every expected failure needs a reason"
        );
        match section {
            "failures" => failures.insert(name, reason),
            "message_mismatches" => mismatches.insert(name, reason),
            _ => panic!("entry outside a section in expected_failures.toml: {line}"),
        };
    }
    (failures, mismatches)
}

fn first_error_line(text: &str) -> String {
    text.lines()
        .find(|line| !line.starts_with("TRACE:"))
        .unwrap_or_default()
        .to_string()
}

fn run_suite_case(dir: &Path, name: &str) -> (Verdict, Option<(String, String)>) {
    let flags: &[&str] = if name.starts_with("tla.") {
        &["--tla-str", "var1=test", "--tla-code", "var2={x:1,y:2}"]
    } else {
        &["--ext-str", "var1=test", "--ext-code", "var2={x:1,y:2}"]
    };
    let output = Command::new(kcfg())
        .env("KCFG_CACHE_DIR", "off")
        .arg("eval")
        .args(flags)
        .arg(name)
        .current_dir(dir)
        .env_remove("JSONNET_PATH")
        .stdin(Stdio::null())
        .output()
        .expect("kcfg runs");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    if stderr.contains("panicked at") {
        return (Verdict::Fail(format!("panic: {stderr}")), None);
    }
    let golden = std::fs::read_to_string(dir.join(format!("{name}.golden"))).ok();
    if name.starts_with("error.") {
        if output.status.success() {
            return (
                Verdict::Fail("expected an error, it succeeded".into()),
                None,
            );
        }
        if output.status.code() != Some(1) {
            return (
                Verdict::Fail(format!(
                    "exit status {:?}, expected 1",
                    output.status.code()
                )),
                None,
            );
        }
        let expected = golden.map(|g| first_error_line(&g)).unwrap_or_default();
        let actual = first_error_line(&stderr);
        let mismatch = (expected != actual).then_some((expected, actual));
        return (Verdict::Pass, mismatch);
    }
    if !output.status.success() {
        return (
            Verdict::Fail(format!("unexpected error: {}", first_error_line(&stderr))),
            None,
        );
    }
    let expected_text = match golden {
        Some(golden) => golden
            .lines()
            .filter(|line| !line.starts_with("TRACE:"))
            .collect::<Vec<_>>()
            .join("\n"),
        None => "true".to_string(),
    };
    let expected: Value = match serde_json::from_str(&expected_text) {
        Ok(value) => value,
        Err(err) => return (Verdict::Fail(format!("golden is not JSON: {err}")), None),
    };
    match serde_json::from_str::<Value>(&stdout) {
        Ok(actual) if json_equal(&actual, &expected) => (Verdict::Pass, None),
        Ok(_) => (Verdict::Fail("output differs from the golden".into()), None),
        Err(err) => (Verdict::Fail(format!("output is not JSON: {err}")), None),
    }
}

/// JSON equality with numbers compared as doubles.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn reference_test_suite() {
    let dir = repo_root().join("conformance/jsonnet");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("conformance/jsonnet exists")
        .flatten()
        .filter_map(|entry| entry.file_name().to_str().map(str::to_string))
        .filter(|name| name.ends_with(".jsonnet"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 173, "the suite has 173 cases");
    let (expected_failures, expected_mismatches) = parse_expected_failures();
    let mut problems = Vec::new();
    let (mut passed, mut matched) = (0, 0);
    for name in &names {
        let (verdict, mismatch) = run_suite_case(&dir, name);
        match (&verdict, expected_failures.get(name)) {
            (Verdict::Pass, None) => passed += 1,
            (Verdict::Pass, Some(_)) => problems.push(format!(
                "{name}: passes now; remove it from [failures] in expected_failures.toml"
            )),
            (Verdict::Fail(why), None) => problems.push(format!("{name}: {why}")),
            (Verdict::Fail(_), Some(_)) => {}
        }
        if name.starts_with("error.") && verdict == Verdict::Pass {
            match (&mismatch, expected_mismatches.get(name)) {
                (None, None) => matched += 1,
                (None, Some(_)) => problems.push(format!(
                    "{name}: error message matches now; remove it from [message_mismatches] in expected_failures.toml"
                )),
                (Some((expected, actual)), None) => {
                    problems.push(format!("{name}: first line differs\n  expected: {expected}\n  actual:   {actual}"))
                }
                (Some(_), Some(_)) => {}
            }
        }
    }
    for name in expected_failures.keys().chain(expected_mismatches.keys()) {
        if !names.contains(name) {
            problems.push(format!(
                "{name}: listed in expected_failures.toml but not in the suite"
            ));
        }
    }
    eprintln!(
        "reference suite: {passed} of {} pass, {matched} error messages match",
        names.len()
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ----- the command-line cases ----------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Invocation {
    KcfgEval,
    JsonnetLink,
    KcfgFmt,
    JsonnetfmtLink,
    /// `kcfg ARGS` without a command (issue 16: kcfg as Tanka's binary).
    KcfgBare,
}

impl Invocation {
    /// The command line up to the case's arguments; links live in `links`.
    /// kcfg keeps no cache (issue 18: no test writes the user's).
    fn command(self, links: &Path) -> Command {
        let mut command = self.program(links);
        command.env("KCFG_CACHE_DIR", "off");
        command
    }

    /// The program [`Invocation::command`] runs, before its environment.
    fn program(self, links: &Path) -> Command {
        match self {
            Invocation::KcfgEval | Invocation::KcfgFmt => {
                let mut command = Command::new(kcfg());
                command.arg(if self == Invocation::KcfgEval {
                    "eval"
                } else {
                    "fmt"
                });
                command
            }
            Invocation::JsonnetLink => Command::new(link(links, "jsonnet")),
            Invocation::JsonnetfmtLink => Command::new(link(links, "jsonnetfmt")),
            Invocation::KcfgBare => Command::new(kcfg()),
        }
    }

    /// The suffix of kcfg's own goldens for implementation-specific cases.
    fn golden_suffix(self) -> &'static str {
        match self {
            Invocation::KcfgEval | Invocation::KcfgFmt | Invocation::KcfgBare => "kcfg",
            Invocation::JsonnetLink => "jsonnet",
            Invocation::JsonnetfmtLink => "jsonnetfmt",
        }
    }
}

/// A symbolic link named `name` to the binary, in `dir`.
fn link(dir: &Path, name: &str) -> PathBuf {
    let link = dir.join(name);
    if !link.exists() {
        #[cfg(unix)]
        std::os::unix::fs::symlink(kcfg(), &link).expect("can create the link");
    }
    link
}

fn read_golden(dir: &Path, name: Option<&str>) -> Vec<u8> {
    match name {
        Some(name) => {
            std::fs::read(dir.join(name)).unwrap_or_else(|_| panic!("missing golden {name}"))
        }
        None => Vec::new(),
    }
}

/// Replaces every occurrence of `out` by `out` (`stderr_out_paths`).
fn replace_out_paths(text: &[u8], out: &Path) -> Vec<u8> {
    String::from_utf8_lossy(text)
        .replace(out.to_string_lossy().as_ref(), "out")
        .into_bytes()
}

fn replace_out_prefix(text: &[u8], out: &Path) -> Vec<u8> {
    let text = String::from_utf8_lossy(text);
    let prefix = out.to_string_lossy();
    text.lines()
        .map(|line| match line.strip_prefix(prefix.as_ref()) {
            Some(rest) => format!("out{rest}\n"),
            None => format!("{line}\n"),
        })
        .collect::<String>()
        .into_bytes()
}

/// `fmt_inplace`'s `setup`: copy the inputs into the case's directory,
/// check them, and date them in the past.
fn setup_case(case: &Value, dir: &Path, out: &Path) -> Result<(), String> {
    let setup = &case["setup"];
    if setup.is_null() {
        return Ok(());
    }
    let to = PathBuf::from(
        setup["to"]
            .as_str()
            .unwrap_or_default()
            .replace("{out}", &out.to_string_lossy()),
    );
    for file in setup["copy"].as_array().into_iter().flatten() {
        let file = file.as_str().unwrap_or_default();
        std::fs::copy(dir.join(file), to.join(file))
            .map_err(|err| format!("copy {file}: {err}"))?;
    }
    for check in setup["check_before"].as_array().into_iter().flatten() {
        let path = check["path"]
            .as_str()
            .unwrap_or_default()
            .replace("{out}", &out.to_string_lossy());
        let expected = read_golden(dir, check["golden"].as_str());
        if std::fs::read(&path).ok() != Some(expected) {
            return Err(format!("setup: {path} is not as its golden"));
        }
    }
    if setup["set_mtime"].is_string() {
        // 1991-08-25 20:57:08; the case needs a time in the past, not a zone.
        let past = std::time::UNIX_EPOCH + std::time::Duration::from_secs(683_153_828);
        for entry in std::fs::read_dir(&to).map_err(|err| err.to_string())? {
            let path = entry.map_err(|err| err.to_string())?.path();
            let file = std::fs::File::options()
                .write(true)
                .open(&path)
                .map_err(|err| err.to_string())?;
            file.set_modified(past).map_err(|err| err.to_string())?;
        }
    }
    Ok(())
}

fn modified(path: &str) -> Option<std::time::SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

fn run_cmd_case(
    dir: &Path,
    case: &Value,
    invocation: Invocation,
    out: &Path,
    links: &Path,
) -> Option<String> {
    let own = repo_root().join("conformance/cmd-kcfg");
    let name = case["name"].as_str().unwrap_or_default();
    std::fs::create_dir_all(out.join(name)).ok()?;
    let args: Vec<String> = case["args"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|arg| {
            arg.replace("{out}", &out.to_string_lossy())
                .replace("{dir}", &dir.to_string_lossy())
        })
        .collect();
    if let Err(problem) = setup_case(case, dir, out) {
        return Some(format!("{name} ({invocation:?}): {problem}"));
    }
    let mtimes: Vec<(String, Option<std::time::SystemTime>)> = case["mtime_unchanged"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|path| {
            let path = path.replace("{out}", &out.to_string_lossy());
            let time = modified(&path);
            (path, time)
        })
        .collect();
    let mut command = invocation.command(links);
    command
        .args(&args)
        .current_dir(dir)
        .env_remove("JSONNET_PATH")
        .env("NO_COLOR", "1");
    if let Some(env) = case["env"].as_object() {
        for (key, value) in env {
            command.env(key, value.as_str().unwrap_or_default());
        }
    }
    command.stdin(match case["stdin"].as_str() {
        Some(file) => Stdio::from(std::fs::File::open(dir.join(file)).ok()?),
        None => Stdio::null(),
    });
    let output = command.output().ok()?;
    let mut problems = Vec::new();
    let expected_exit = case["exit"].as_i64().unwrap_or(0) as i32;
    if output.status.code() != Some(expected_exit) {
        problems.push(format!(
            "exit status {:?}, expected {expected_exit}",
            output.status.code()
        ));
    }
    let impl_specific = case["impl_specific"].as_bool().unwrap_or(false);
    let golden_dir = |file: &str| -> PathBuf {
        if impl_specific {
            own.join(format!("{file}.{}", invocation.golden_suffix()))
        } else {
            dir.join(file)
        }
    };
    for (stream, actual) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        let expected = match case[stream].as_str() {
            Some(file) => {
                std::fs::read(golden_dir(file)).unwrap_or_else(|_| panic!("missing {file}"))
            }
            None => Vec::new(),
        };
        let actual = if stream == "stdout" && case["stdout_out_prefix"].as_bool().unwrap_or(false) {
            replace_out_prefix(actual, out)
        } else if stream == "stderr" && case["stderr_out_paths"].as_bool().unwrap_or(false) {
            replace_out_paths(actual, out)
        } else {
            actual.clone()
        };
        if actual != expected {
            problems.push(format!(
                "{stream} differs\n--- expected\n{}--- actual\n{}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&actual)
            ));
        }
    }
    if problems.is_empty() {
        for file in case["files"].as_array().into_iter().flatten() {
            let path = file["path"]
                .as_str()
                .unwrap_or_default()
                .replace("{out}", &out.to_string_lossy());
            let actual = std::fs::read(&path).unwrap_or_default();
            let actual = if file["out_prefix"].as_bool().unwrap_or(false) {
                replace_out_prefix(&actual, out)
            } else {
                actual
            };
            let expected = read_golden(dir, file["golden"].as_str());
            if actual != expected {
                problems.push(format!(
                    "file {path} differs\n--- expected\n{}--- actual\n{}",
                    String::from_utf8_lossy(&expected),
                    String::from_utf8_lossy(&actual)
                ));
            }
        }
        for (path, before) in &mtimes {
            if modified(path) != *before || before.is_none() {
                problems.push(format!(
                    "{path} was rewritten (its modification time changed)"
                ));
            }
        }
    }
    (!problems.is_empty()).then(|| format!("{name} ({invocation:?}): {}", problems.join("\n")))
}

/// Runs the cases of `tool` in `dir`'s `cases.json` through each of
/// `invocations`; cases marked `bare` also through `kcfg ARGS`.
fn run_cmd_cases(dir: &str, tool: &str, invocations: [Invocation; 2], expected_count: usize) {
    let dir = repo_root().join(dir);
    let cases: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cases.json")).expect("cases.json"))
            .expect("JSON");
    let out = tempfile::tempdir().expect("temp dir");
    let link_dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    let (mut count, mut runs) = (0, 0);
    let selected: Vec<&Value> = cases["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .filter(|case| case["tool"] == tool)
        .collect();
    for invocation in invocations.into_iter().chain([Invocation::KcfgBare]) {
        let run_out = out.path().join(format!("{invocation:?}"));
        std::fs::create_dir_all(&run_out).expect("out dir");
        for case in &selected {
            if invocation == Invocation::KcfgBare && case["bare"] != true {
                continue;
            }
            if invocation != Invocation::KcfgBare {
                count += 1;
            }
            runs += 1;
            if let Some(problem) = run_cmd_case(&dir, case, invocation, &run_out, link_dir.path()) {
                failures.push(problem);
            }
        }
    }
    assert_eq!(
        count,
        2 * expected_count,
        "{} has {expected_count} {tool} cases",
        dir.display()
    );
    assert!(
        failures.is_empty(),
        "{} of {runs} command-line runs fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn reference_command_line_cases() {
    run_cmd_cases(
        "conformance/cmd",
        "jsonnet",
        [Invocation::KcfgEval, Invocation::JsonnetLink],
        68,
    );
}

#[test]
fn reference_jsonnetfmt_cases() {
    run_cmd_cases(
        "conformance/cmd",
        "jsonnetfmt",
        [Invocation::KcfgFmt, Invocation::JsonnetfmtLink],
        20,
    );
}

/// Issue 16: Tanka's command shapes (also as `kcfg ARGS`), the `--*-file`
/// flags, `-y -S`, numeric flags, write errors, `-c` and stack traces,
/// against bytes recorded from C++ jsonnet 0.22 (`conformance/cmd-extra/`).
#[test]
fn issue16_command_line_cases() {
    run_cmd_cases(
        "conformance/cmd-extra",
        "jsonnet",
        [Invocation::KcfgEval, Invocation::JsonnetLink],
        48,
    );
}
