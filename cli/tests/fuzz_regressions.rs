//! issue 13: every crash, hang and out-of-memory reproducer the fuzzer or
//! the issue found (`fuzz/corpus/regressions/`, plus the two that are too
//! big to commit, generated here) runs through the `kcfg` binary as a user
//! would, under `ulimit -v 2000000` (the issue's address-space limit) and
//! a time limit. No input may crash kcfg: the exit status is 0 or 1, never
//! a signal, a panic's 101 or a timeout, and the outcome is the one the
//! file's header states:
//!
//! ```text
//! // expect: ok                      exit 0
//! // expect: error PREFIX            exit 1, standard error's first line starts with PREFIX
//! // expect: any                     exit 0 or 1: for sizes that are valid but
//! //                                 huge, where an answer and a clean error
//! //                                 are both right
//! // stdout: TEXT                    optional: standard output, whitespace ignored
//! // args: FLAGS                     optional: `kcfg eval` flags before the file
//! // timeout: SECONDS                optional (default 120)
//! // ulimit-v: KIB                   optional (default 2000000)
//! ```
//!
//! `fuzz/README.md` says how a new finding becomes a case here.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The issue's address-space limit, as `ulimit -v` takes it (KiB).
const ULIMIT_V: u64 = 2_000_000;
/// Generous for a debug build on a shared machine; a case that ends at all
/// ends in seconds.
const TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Ok,
    Error(String),
    Any,
}

#[derive(Debug)]
struct Case {
    name: String,
    path: PathBuf,
    expect: Expect,
    stdout: Option<String>,
    args: Vec<String>,
    timeout: Duration,
    ulimit_v: u64,
}

fn header(text: &str, key: &str) -> Option<String> {
    let prefix = format!("// {key}:");
    text.lines()
        .take_while(|line| line.starts_with("//"))
        .find_map(|line| line.strip_prefix(&prefix).map(|v| v.trim().to_string()))
}

fn case(path: &Path) -> Case {
    let text = std::fs::read_to_string(path).expect("the case is readable");
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let expect = match header(&text, "expect").as_deref() {
        Some("ok") => Expect::Ok,
        Some("any") => Expect::Any,
        Some(error) if error.starts_with("error ") => Expect::Error(error[6..].to_string()),
        other => panic!("{name}: no `// expect: ok` or `// expect: error PREFIX` line ({other:?})"),
    };
    let number = |key: &str, default: u64| {
        header(&text, key).map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name}: `// {key}:` is not a number"))
        })
    };
    let timeout = Duration::from_secs(number("timeout", TIMEOUT.as_secs()));
    let ulimit_v = number("ulimit-v", ULIMIT_V);
    Case {
        name,
        path: path.to_path_buf(),
        expect,
        stdout: header(&text, "stdout"),
        args: header(&text, "args")
            .map(|args| args.split_whitespace().map(String::from).collect())
            .unwrap_or_default(),
        timeout,
        ulimit_v,
    }
}

/// Runs the case; `Err` says how it went wrong.
fn run(case: &Case) -> Result<(), String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let stdout_path = dir.path().join("stdout");
    let stderr_path = dir.path().join("stderr");
    let script = "ulimit -v \"$1\" && ulimit -c 0 && shift && exec \"$@\"";
    let mut child = Command::new("sh")
        .env("KCFG_CACHE_DIR", "off")
        .args(["-c", script, "sh"])
        .arg(case.ulimit_v.to_string())
        .arg(env!("CARGO_BIN_EXE_kcfg"))
        .arg("eval")
        .args(&case.args)
        .arg(&case.path)
        .current_dir(dir.path())
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout_path).map_err(|e| e.to_string())?)
        .stderr(std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?)
        .spawn()
        .map_err(|e| format!("cannot run kcfg: {e}"))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > case.timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("no result after {:?} (killed)", case.timeout));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let read = |path: &Path| {
        let mut text = String::new();
        let _ = std::fs::File::open(path).and_then(|mut f| f.read_to_string(&mut text));
        text
    };
    let (stdout, stderr) = (read(&stdout_path), read(&stderr_path));
    let first_line = stderr.lines().next().unwrap_or("").to_string();
    use std::os::unix::process::ExitStatusExt;
    if let Some(signal) = status.signal() {
        return Err(format!(
            "killed by signal {signal}; stderr: {}",
            first_lines(&stderr)
        ));
    }
    match (status.code(), &case.expect) {
        (Some(0), Expect::Ok) => {
            if let Some(expected) = &case.stdout {
                let squeeze = |s: &str| s.split_whitespace().collect::<String>();
                if squeeze(&stdout) != squeeze(expected) {
                    return Err(format!("stdout {stdout:?}, expected {expected:?}"));
                }
            }
            Ok(())
        }
        (Some(1), Expect::Error(prefix)) if first_line.starts_with(prefix.as_str()) => Ok(()),
        (Some(0 | 1), Expect::Any) => Ok(()),
        (Some(code), expect) => Err(format!(
            "exit {code}{}, expected {expect:?}; stderr: {}",
            if code == 101 { " (a panic)" } else { "" },
            first_lines(&stderr)
        )),
        (None, _) => Err("no exit status".to_string()),
    }
}

/// The start of standard error, where the message is.
fn first_lines(text: &str) -> String {
    let shown = text.lines().take(3).collect::<Vec<_>>().join(" | ");
    shown.chars().take(600).collect()
}

/// The corpus files, and the issue's two reproducers that are too big to
/// commit, written to `dir`.
fn cases(dir: &Path) -> Vec<Case> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/regressions");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .expect("fuzz/corpus/regressions exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonnet"))
        .collect();
    paths.sort();
    let generated = [
        (
            // Deep evaluation under the address-space limit panicked in
            // stacker ("mmap failed to allocate stack"), panicked again and
            // deadlocked. With the stack it needs it prints `false`; when
            // the stack cannot grow, a clean error is right too.
            "issue13_call_chain_1e6.jsonnet",
            format!(
                "// expect: any\nlocal f = function(x) f; f{} == null\n",
                "(1)".repeat(1_000_000)
            ),
        ),
        (
            // `+:` chains needed memory quadratic in their length: 1.97 GB
            // for 10,000 (a 100 KB file) to reach the reference's answer,
            // the stack limit. Linear memory fits in a quarter of it.
            "issue13_super_sugar_chain_1e4.jsonnet",
            format!(
                "// expect: error RUNTIME ERROR: max stack frames exceeded.\n// ulimit-v: 500000\n{{a: 1}}{}\n",
                " + {a+: 1}".repeat(10_000)
            ),
        ),
        (
            // The same chain with room on the stack evaluates.
            "issue13_super_sugar_chain_1e4_deep.jsonnet",
            format!(
                "// expect: ok\n// args: -s 30000\n// ulimit-v: 500000\n// stdout: {{\"a\": 10001}}\n{{a: 1}}{}\n",
                " + {a+: 1}".repeat(10_000)
            ),
        ),
    ];
    for (name, text) in generated {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("the generated case is written");
        paths.push(path);
    }
    paths.iter().map(|path| case(path)).collect()
}

#[test]
fn issue13_fuzz_regressions() {
    let dir = tempfile::tempdir().unwrap();
    let cases = cases(dir.path());
    assert!(cases.len() >= 30, "the corpus lost cases: {}", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| run(case).err().map(|why| format!("{}: {why}", case.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} regression cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The runner itself: a case that passes, a wrong first line, and a
/// process that dies of a signal are told apart.
#[test]
fn issue13_regression_runner_tells_outcomes_apart() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        case(&path)
    };
    let ok = write("ok.jsonnet", "// expect: ok\n// stdout: [1, 2]\n[1, 2]\n");
    assert_eq!(run(&ok), Ok(()));
    let wrong_output = write("out.jsonnet", "// expect: ok\n// stdout: [1]\n[1, 2]\n");
    assert!(run(&wrong_output).unwrap_err().contains("stdout"));
    let error = write(
        "error.jsonnet",
        "// expect: error RUNTIME ERROR: boom\nerror 'boom'\n",
    );
    assert_eq!(run(&error), Ok(()));
    let other_error = write(
        "other.jsonnet",
        "// expect: error RUNTIME ERROR: bang\nerror 'boom'\n",
    );
    assert!(run(&other_error).unwrap_err().starts_with("exit 1"));
    let not_ok = write("not_ok.jsonnet", "// expect: ok\nerror 'boom'\n");
    assert!(run(&not_ok).unwrap_err().starts_with("exit 1"));
    let any = write("any.jsonnet", "// expect: any\nerror 'boom'\n");
    assert_eq!(run(&any), Ok(()));
    let flags = write(
        "flags.jsonnet",
        "// expect: ok\n// args: -S\n// stdout: text\n'text'\n",
    );
    assert_eq!(run(&flags), Ok(()));
    // Too little address space to even start is a signal or an error
    // exit, never a pass.
    let starved = write(
        "starved.jsonnet",
        "// expect: ok\n// ulimit-v: 1000\n// timeout: 20\n1\n",
    );
    assert!(run(&starved).is_err());
}
