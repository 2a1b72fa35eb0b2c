//! `kcfg eval` evaluates on the process's main thread: deep programs and
//! deep values must work there, or fail with the reference's message, under
//! small, default and unlimited stack limits (`ulimit -s`), never abort.

use std::io::Write;
use std::process::{Command, Stdio};

/// Runs `kcfg eval [flags] -` under `ulimit -s stack_kib`, the code on
/// standard input.
fn eval(stack_kib: &str, flags: &str, code: &str) -> (Option<i32>, String, String) {
    let script = format!("ulimit -s {stack_kib} && exec \"$KCFG\" eval {flags} -");
    let mut child = Command::new("sh")
        .arg("-c")
        .arg(script)
        .env("KCFG", env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sh runs");
    let mut stdin = child.stdin.take().expect("piped");
    stdin.write_all(code.as_bytes()).expect("code written");
    drop(stdin);
    let out = child.wait_with_output().expect("kcfg finishes");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn deep_programs_on_the_main_thread() {
    let sum = format!("1{}", " + 1".repeat(100_000));
    let fields = format!("local o = {{a: self, n: 1}}; o{}.n", ".a".repeat(100_000));
    let nested = "local mk(n) = std.foldl(function(acc, i) [acc], std.range(1, n), []);";
    let equal = format!("{nested} mk(50000) == mk(50000)");
    let sorted = format!("{nested} std.length(std.sort([mk(30000), mk(30000)]))");
    for stack in ["1024", "8192", "unlimited"] {
        for (flags, code, expected) in [
            ("", sum.as_str(), "100001\n"),
            ("", fields.as_str(), "1\n"),
            ("-s 1000000", equal.as_str(), "true\n"),
            ("-s 1000000", sorted.as_str(), "2\n"),
        ] {
            let (status, stdout, stderr) = eval(stack, flags, code);
            assert_eq!(
                (status, stdout.as_str()),
                (Some(0), expected),
                "ulimit -s {stack}, {}…: {stderr}",
                &code[..40]
            );
        }
        // The reference's limit, the reference's message.
        let (status, stdout, stderr) = eval(stack, "", &format!("{nested} mk(2000) == mk(2000)"));
        assert_eq!(status, Some(1), "ulimit -s {stack}: {stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.starts_with("RUNTIME ERROR: max stack frames exceeded."),
            "ulimit -s {stack}: {stderr}"
        );
    }
}
