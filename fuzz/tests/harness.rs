//! The harness finds what it claims to find. Inputs call failures injected
//! through `std.native` (`--inject`): a panic, an abort, an allocation no
//! address space allows, and a native call that never returns (the
//! evaluator cannot interrupt it). Each must become a finding file of the
//! right kind whose header says what happened, and the run must go on past
//! it to the next input.

use std::path::Path;
use std::process::Command;

fn kcfg_fuzz() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kcfg-fuzz"))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn each_kind_of_failure_becomes_a_finding_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("findings");
    let files = [
        write(dir.path(), "a_ok.jsonnet", "{ a: [1, 2, 3] }\n"),
        write(dir.path(), "b_panic.jsonnet", "std.native('panic')(1)\n"),
        write(dir.path(), "c_abort.jsonnet", "std.native('abort')(1)\n"),
        write(dir.path(), "d_oom.jsonnet", "std.native('oom')(1)\n"),
        write(dir.path(), "e_hang.jsonnet", "std.native('hang')(1)\n"),
        write(dir.path(), "f_error.jsonnet", "error 'fine'\n"),
        write(
            dir.path(),
            "g_slow.jsonnet",
            "local f(n) = if n == 0 then 0 else f(n - 1) tailstrict; f(1e15)\n",
        ),
    ];
    let output = kcfg_fuzz()
        .args([
            "replay",
            "--inject",
            "--time-limit-ms",
            "300",
            "--grace-ms",
            "1500",
        ])
        .arg("--out")
        .arg(&out)
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let outcome = |name: &str| {
        stdout
            .lines()
            .find(|line| line.ends_with(name))
            .and_then(|line| line.split_whitespace().next())
            .unwrap_or("missing")
            .to_string()
    };
    assert_eq!(outcome("a_ok.jsonnet"), "ok", "{stdout}");
    assert_eq!(outcome("b_panic.jsonnet"), "panic", "{stdout}");
    assert_eq!(outcome("c_abort.jsonnet"), "signal", "{stdout}");
    assert_eq!(outcome("d_oom.jsonnet"), "signal", "{stdout}");
    assert_eq!(outcome("e_hang.jsonnet"), "hang", "{stdout}");
    assert_eq!(outcome("f_error.jsonnet"), "runtime-error", "{stdout}");
    // Slow but interruptible is not a finding.
    assert_eq!(outcome("g_slow.jsonnet"), "time-limit", "{stdout}");

    let findings: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonnet"))
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| !name.to_string_lossy().ends_with(".libsonnet"))
        })
        .map(|path| std::fs::read_to_string(path).unwrap())
        .filter(|text| text.starts_with("// kcfg-fuzz finding"))
        .collect();
    assert_eq!(findings.len(), 4, "{findings:#?}");
    let find = |needle: &str| {
        findings
            .iter()
            .find(|text| text.contains(needle))
            .unwrap_or_else(|| panic!("no finding with {needle:?} in {findings:#?}"))
    };
    let panic = find("std.native('panic')");
    assert!(panic.starts_with("// kcfg-fuzz finding: panic\n"));
    assert!(panic.contains("kcfg-fuzz: injected panic"), "{panic}");
    let abort = find("std.native('abort')");
    assert!(abort.starts_with("// kcfg-fuzz finding: signal\n"));
    assert!(abort.contains("SIGABRT"), "{abort}");
    let oom = find("std.native('oom')");
    assert!(oom.contains("memory allocation of"), "{oom}");
    let hang = find("std.native('hang')");
    assert!(hang.starts_with("// kcfg-fuzz finding: hang\n"));
    assert!(hang.contains("evaluation thread: S"), "{hang}");
    // Every finding says how to reproduce it, and the files it may import
    // are beside it.
    for finding in &findings {
        assert!(finding.contains("\n// reproduce: "), "{finding}");
    }
    assert!(out.join("lib.libsonnet").is_file());
}

#[test]
fn a_clean_run_reports_no_finding_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "fine.jsonnet",
        "std.manifestYamlDoc({a: [1]})\n",
    );
    let output = kcfg_fuzz()
        .args(["replay", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("no findings"), "{stderr}");
}

#[test]
fn the_minimizer_keeps_the_cause_and_drops_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "big.jsonnet",
        "local a = [x * 2 for x in std.range(1, 10)];\nlocal b = { k: a, l: 'text' };\n[b.k, std.native('panic')(b.l), a[3]]\n",
    );
    let output = kcfg_fuzz()
        .args(["minimize", "--inject", "--out"])
        .arg(dir.path().join("out"))
        .arg(&file)
        .args(["-o"])
        .arg(dir.path().join("small.jsonnet"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let small = std::fs::read_to_string(dir.path().join("small.jsonnet")).unwrap();
    let body = small
        .lines()
        .filter(|line| !line.starts_with("//"))
        .collect::<String>();
    assert!(
        small.starts_with("// kcfg-fuzz finding: panic\n"),
        "{small}"
    );
    assert!(body.contains("std.native('panic')"), "{small}");
    assert!(!body.contains("range"), "{small}");
    assert!(body.len() < 40, "{small}");
}

#[test]
fn a_seed_always_gives_the_same_inputs() {
    let print = || {
        kcfg_fuzz()
            .args(["print", "--seed", "42", "--index", "100", "--count", "20"])
            .output()
            .unwrap()
            .stdout
    };
    let first = print();
    assert!(first.len() > 100);
    assert_eq!(first, print());
}
