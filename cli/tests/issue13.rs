//! Issue 13: `kcfg eval` never panics, aborts, hangs or deadlocks, and its
//! memory has a limit (`--max-memory`) that covers the evaluator's stack.
//! Each reproducer of the issue runs as a process; the ones the issue ran
//! under `ulimit -v 2000000` run under it here too.

use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `kcfg eval ARGS` with no input; under `ulimit -v KiB` when given.
fn eval(limit_kib: Option<u64>, args: &[&str]) -> Output {
    let mut command = match limit_kib {
        Some(kib) => {
            let mut command = Command::new("sh");
            command
                .arg("-c")
                .arg(format!("ulimit -v {kib}; exec \"$KCFG\" eval \"$@\""))
                .arg("sh")
                .args(args)
                .env("KCFG", env!("CARGO_BIN_EXE_kcfg"))
                .env("KCFG_CACHE_DIR", "off");
            command
        }
        None => {
            let mut command = Command::new(env!("CARGO_BIN_EXE_kcfg"));
            command.env("KCFG_CACHE_DIR", "off");
            command.arg("eval").args(args);
            command
        }
    };
    command
        .env_remove("JSONNET_PATH")
        .env_remove("RUST_BACKTRACE")
        .stdin(Stdio::null())
        .output()
        .expect("kcfg runs")
}

/// Checks a clean failure: exit status 1, nothing on standard output, a
/// first line of standard error equal to `first_line`, no panic. Returns
/// standard error.
fn assert_error(output: &Output, first_line: &str) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty(), "{stderr}");
    assert_eq!(stderr.lines().next(), Some(first_line), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

fn stdout(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn out_of_memory(limit: &str) -> String {
    format!("RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of {limit}")
}

#[test]
fn issue13_capacity_overflows_are_errors() {
    let output = eval(None, &["-e", r#""%99999999999999999999d" % [1]"#]);
    let stderr = assert_error(&output, "RUNTIME ERROR: max stack frames exceeded.");
    assert!(stderr.contains("<cmdline>:1:1-31"), "{stderr}");
    let output = eval(None, &["-e", "std.decodeUTF8(std.range(1e308, 0))"]);
    assert_eq!(stdout(&output), "\"\"\n");
}

#[test]
fn issue13_range_beyond_2_63() {
    let started = Instant::now();
    assert_eq!(stdout(&eval(None, &["-e", "std.range(1e308, 1)"])), "[ ]\n");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        stdout(&eval(None, &["-e", "std.length(std.range(1e100, -1))"])),
        "0\n"
    );
    assert_eq!(
        stdout(&eval(None, &["-e", "std.range(1e308, 1e308)"])),
        "[\n   -9223372036854775808\n]\n"
    );
}

#[test]
fn issue13_make_array_out_of_memory() {
    let code = "std.makeArray(1e12, function(i) i)";
    let output = eval(None, &["--max-memory", "64Mi", "-e", code]);
    let stderr = assert_error(&output, &out_of_memory("64 MiB"));
    assert!(stderr.contains("<cmdline>:1:1-35"), "{stderr}");
    // With the default limit, and under an address-space limit.
    let output = eval(None, &["-e", code]);
    assert!(String::from_utf8_lossy(&output.stderr)
        .starts_with("RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of"));
    let output = eval(Some(2_000_000), &["-e", code]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    // The default limit is half of the address space allowed (at most).
    assert!(
        stderr.starts_with(
            "RUNTIME ERROR: out of memory: the evaluation exceeded its memory limit of "
        ),
        "{stderr}"
    );
}

#[test]
fn issue13_growing_memory_stops_at_the_limit() {
    // Memory that grows one element at a time, in a comprehension, in the
    // manifester and in a builtin: stopped with a trace, not aborted.
    for code in [
        "[x for x in std.range(1, 1e9)]",
        "std.range(1, 1e9)",
        "std.length(std.manifestJson(std.range(1, 1e9)))",
        "local f(n, acc) = if n == 0 then acc else f(n - 1, acc + [n]) tailstrict; std.length(f(1e8, []))",
    ] {
        let output = eval(None, &["--max-memory", "64Mi", "-e", code]);
        let stderr = assert_error(&output, &out_of_memory("64 MiB"));
        assert!(stderr.lines().count() > 1, "no trace: {stderr}");
    }
}

#[test]
fn issue13_deep_evaluation_under_an_address_space_limit() {
    // Panicked in stacker, panicked again, then deadlocked for ever.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cc.jsonnet");
    let code = format!(
        "local f = function(x) f; f{} == null",
        "(1)".repeat(1_000_000)
    );
    std::fs::write(&file, code).unwrap();
    let started = Instant::now();
    let output = eval(Some(2_000_000), &[file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(started.elapsed() < Duration::from_secs(240));
    // Enough memory for all of it, or a clean stop: never a crash.
    match output.status.code() {
        Some(0) => assert_eq!(String::from_utf8_lossy(&output.stdout), "false\n"),
        Some(1) => {
            assert!(
                stderr
                    .lines()
                    .next()
                    .is_some_and(|line| line.ends_with("max stack frames exceeded.")),
                "{stderr}"
            );
            assert!(output.stdout.is_empty());
        }
        other => panic!("exit {other:?}: {stderr}"),
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    // A limit too small for the program stops it cleanly too: in the
    // evaluation or the analysis (the stack cannot grow), or while the
    // tree is built.
    let output = eval(None, &["--max-memory", "128Mi", file.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(output.stdout.is_empty());
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.ends_with("max stack frames exceeded.")
            || first
                .ends_with("out of memory: the evaluation exceeded its memory limit of 128 MiB"),
        "{stderr}"
    );
}

#[test]
fn issue13_plus_chains_use_linear_memory() {
    // 10,000 `+ {a+: 1}` needed 1.97 GB.
    let code = format!("({{a: 1}}{}).a", " + {a+: 1}".repeat(10_000));
    let output = eval(
        None,
        &["--max-memory", "256Mi", "-s", "100000", "-e", &code],
    );
    assert_eq!(stdout(&output), "10001\n");
}

#[test]
fn issue13_tailstrict_evaluates_defaults() {
    let output = eval(
        None,
        &["-e", r#"local foo(x, y=error "xxx")=x; foo(42) tailstrict"#],
    );
    let stderr = assert_error(&output, "RUNTIME ERROR: xxx");
    assert_eq!(
        stderr,
        "RUNTIME ERROR: xxx\n\t<cmdline>:1:16-27\tthunk <y>\n\t<cmdline>:1:32-39\tfunction <foo>\n\t<cmdline>:1:32-39\t\n"
    );
}

#[test]
fn issue13_max_memory_flag() {
    let output = eval(None, &["--max-memory", "lots", "-e", "1"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "ERROR: invalid --max-memory value: \"lots\" is not a size like 512Mi, 1Gi or 100MB\n"
    );
    assert_eq!(
        stdout(&eval(None, &["--max-memory", "1Gi", "-e", "1 + 1"])),
        "2\n"
    );
    let help = stdout(&eval(None, &["--help"]));
    assert!(help.contains("--max-memory <size>"), "{help}");
}

#[test]
fn issue13_render_max_memory() {
    // One target that allocates without end and one that does not: the
    // first fails with its trace, the second is rendered.
    let dir = tempfile::tempdir().unwrap();
    let plan = r#"
local kcfg = import 'kcfg/render.libsonnet';
kcfg.plan {
  generators: [kcfg.list([{ name: 'small' }, { name: 'huge' }])],
  template(params):: { name: 'c/' + params.name, entry: params.name + '.kcfg' },
}
"#;
    for (name, text) in [
        ("render.kcfg", plan),
        (
            "small.kcfg",
            "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'small' } }",
        ),
        (
            "huge.kcfg",
            "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'huge' }, data: { n: std.toString(std.makeArray(1e12, function(i) i)) } }",
        ),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["render", "--max-memory", "64Mi"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("kcfg runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("error: target c/huge:\n") && stderr.contains(&out_of_memory("64 MiB")),
        "{stderr}"
    );
    assert!(dir
        .path()
        .join("rendered/c/small/configmap-small.yaml")
        .is_file());
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["render", "--max-memory", "nonsense"])
        .current_dir(dir.path())
        .output()
        .expect("kcfg runs");
    assert_eq!(output.status.code(), Some(1));
}
