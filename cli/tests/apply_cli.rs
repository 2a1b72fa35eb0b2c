//! `kcfg apply`, `diff` and `hydrate` end to end, without an API server:
//! help text, bad input, an unreachable cluster, and hydrated branches.
//! (Against a real server, see apply/tests/k8s.rs.)

use std::path::Path;
use std::process::{Command, Output};

fn kcfg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .output()
        .expect("run kcfg")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

const CM: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: web}\ndata: {k: v}\n";

#[test]
fn help_teaches() {
    for command in ["apply", "diff", "hydrate"] {
        let out = kcfg(&[command, "--help"]);
        assert!(out.status.success());
        let help = text(&out);
        assert!(help.contains("Examples:"), "{command}: {help}");
    }
    let help = text(&kcfg(&["apply", "--help"]));
    assert!(
        help.contains("Exit status: 0 success, whether or not something changed"),
        "{help}"
    );
    assert!(help.contains("--exit-code"), "{help}");
    for command in ["apply", "diff", "hydrate"] {
        let help = text(&kcfg(&[command, "--help"]));
        for flag in ["--quiet", "--color <WHEN>", "Exit status:"] {
            assert!(help.contains(flag), "{command}: {flag}: {help}");
        }
    }
    let help = text(&kcfg(&["hydrate", "--help"]));
    assert!(
        help.contains("With --exit-code: 2 when a branch got a commit"),
        "{help}"
    );
}

#[test]
fn bad_input_names_the_file_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.yaml", "a: [1, 2\n");
    let out = kcfg(&["diff", dir.path().to_str().unwrap(), "--applyset", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let msg = text(&out);
    assert!(
        msg.contains("bad.yaml") && msg.starts_with("error: "),
        "{msg}"
    );

    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "x.yaml",
        &format!("{CM}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {{namespace: web}}\n"),
    );
    let out = kcfg(&["apply", dir.path().to_str().unwrap(), "--applyset", "x"]);
    assert_eq!(out.status.code(), Some(1));
    let msg = text(&out);
    assert!(
        msg.contains("x.yaml (document 2): ConfigMap has no metadata.name"),
        "{msg}"
    );

    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "x.yaml", CM);
    let out = kcfg(&["apply", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("pass --applyset NAME"),
        "{}",
        text(&out)
    );

    let out = kcfg(&[
        "apply",
        dir.path().to_str().unwrap(),
        "--applyset",
        "x",
        "--map-group",
        "nonsense",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out).contains("is not FROM=TO"), "{}", text(&out));

    // A single directory is one set: there are no applications to remove.
    let out = kcfg(&[
        "apply",
        dir.path().to_str().unwrap(),
        "--applyset",
        "x",
        "--prune-apps",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("--prune-apps needs a rendered fleet (<cluster>/<app>/...)"),
        "{}",
        text(&out)
    );
}

#[test]
fn unreachable_cluster_is_reported_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "manifests/x.yaml", CM);
    // Nothing listens on port 1.
    let kubeconfig = "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:1', insecure-skip-tls-verify: true}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\ncurrent-context: gone\n";
    write(dir.path(), "kubeconfig", kubeconfig);
    let manifests = dir.path().join("manifests");
    let config = dir.path().join("kubeconfig");
    let args = [
        "apply",
        manifests.to_str().unwrap(),
        "--kubeconfig",
        config.to_str().unwrap(),
        "--applyset",
        "web",
        "--attempts",
        "1",
        "--request-timeout",
        "2s",
    ];
    let out = kcfg(&args);
    assert_eq!(out.status.code(), Some(1));
    let msg = text(&out);
    assert!(msg.contains("cluster unreachable"), "{msg}");

    let mut json_args = args.to_vec();
    json_args.extend(["-o", "json"]);
    let out = kcfg(&json_args);
    assert_eq!(out.status.code(), Some(1));
    let records: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(records[0]["result"], "failed");
}

#[test]
fn hydrate_commits_only_changes() {
    let out_dir = tempfile::tempdir().unwrap();
    write(out_dir.path(), "edge-1/web/a.yaml", CM);
    write(out_dir.path(), "edge-2/web/a.yaml", CM);
    let repo = tempfile::tempdir().unwrap();
    let git = |args: &[&str]| {
        Command::new("git")
            .arg("-C")
            .arg(repo.path())
            .args(args)
            .output()
            .unwrap()
    };
    assert!(git(&["init", "-q"]).status.success());
    let run = || {
        kcfg(&[
            "hydrate",
            out_dir.path().to_str().unwrap(),
            "--repo",
            repo.path().to_str().unwrap(),
            "--dry-sha",
            "abc",
        ])
    };
    let first = run();
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("env/edge-1: committed "),
        "{}",
        text(&first)
    );
    let second = run();
    assert_eq!(
        String::from_utf8_lossy(&second.stdout),
        "env/edge-1: unchanged\nenv/edge-2: unchanged\n"
    );
}

/// Runs kcfg and kills it if it takes longer than `secs` seconds, so a
/// blocking read fails the test instead of hanging it.
fn kcfg_within(args: &[&str], secs: u64) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run kcfg");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait for kcfg").is_none() {
        if started.elapsed().as_secs() >= secs {
            let _ = child.kill();
            let _ = child.wait();
            panic!("kcfg {args:?} took more than {secs} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().expect("kcfg's output")
}

/// A kubeconfig whose only context is `gone`, for the cases below.
fn kubeconfig(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("kubeconfig");
    std::fs::write(&path, "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\ncurrent-context: gone\n").unwrap();
    path
}

#[test]
fn issue13_input_errors_come_before_any_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path());
    let out = dir.path().join("out");
    let apply = |extra: &[&str]| {
        let mut args = vec![
            "apply",
            out.to_str().unwrap(),
            "--kubeconfig",
            config.to_str().unwrap(),
            "--context",
            "nonexistent",
            "--applyset",
            "web",
            "--attempts",
            "1",
        ];
        args.extend(extra);
        kcfg_within(&args, 30)
    };
    // Valid input gets as far as the context, which does not exist: the
    // cases below would reach it too if their input were not refused.
    write(&out, "a.yaml", CM);
    let control = apply(&[]);
    assert_eq!(control.status.code(), Some(1));
    assert!(text(&control).contains("nonexistent"), "{}", text(&control));

    // An object defined twice, and a Secret whose data is not base64.
    write(&out, "b.yaml", CM);
    write(
        &out,
        "secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: web}\ndata: {password: hunter2}\n",
    );
    let result = apply(&["--dry-run"]);
    assert_eq!(result.status.code(), Some(1));
    let msg = text(&result);
    assert!(
        msg.starts_with("error: 2 problem(s) in the manifests, nothing was sent to a cluster:"),
        "{msg}"
    );
    assert!(
        msg.contains("b.yaml: ConfigMap web/a is defined twice: first in"),
        "{msg}"
    );
    assert!(msg.contains("a.yaml"), "{msg}");
    assert!(
        msg.contains("secret.yaml: Secret web/db: data.password is not base64"),
        "{msg}"
    );
    assert!(!msg.contains("hunter2"), "{msg}");
    assert!(!msg.contains("nonexistent"), "{msg}");
    std::fs::remove_file(out.join("b.yaml")).unwrap();
    std::fs::remove_file(out.join("secret.yaml")).unwrap();

    // A FIFO named like a manifest: refused at once, never opened for a
    // blocking read.
    let fifo = std::ffi::CString::new(out.join("x.yaml").to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    let result = apply(&[]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        text(&result).contains("x.yaml is a FIFO (named pipe), not a regular file"),
        "{}",
        text(&result)
    );
    std::fs::remove_file(out.join("x.yaml")).unwrap();

    // 100,000 levels of JSON: the depth limit, where, in the file.
    let deep = format!("{}1{}", "{\"a\": ".repeat(100_000), "}".repeat(100_000));
    write(&out, "deep.json", &deep);
    let started = std::time::Instant::now();
    let result = apply(&[]);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        text(&result)
            .contains("deep.json: document 1 at line 1 column 769: nested deeper than 128 levels"),
        "{}",
        text(&result)
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

/// `kcfg ARGS` with extra environment variables.
fn kcfg_env(args: &[&str], envs: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .envs(envs.iter().copied())
        .output()
        .expect("run kcfg")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Issue 16, item 3: a single directory's report names the context the
/// kubeconfig makes current (`gone`, never `current-context`), in the first
/// line, the table and `-o json`; a directory that holds manifests is one
/// target even with a fleet below it, and the first line says so. Item 2:
/// without a terminal, progress is plain lines on standard error.
#[test]
fn issue16_single_directory_names_its_context() {
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path());
    let out = dir.path().join("out");
    write(&out, "a.yaml", CM);
    write(&out, "edge-1/web/b.yaml", CM);
    let dir_arg = out.to_str().unwrap();
    let args = [
        "apply",
        dir_arg,
        "--kubeconfig",
        config.to_str().unwrap(),
        "--applyset",
        "web",
        "--attempts",
        "1",
    ];
    let run = kcfg_within(&args, 30);
    assert_eq!(run.status.code(), Some(1));
    let first = stdout(&run).lines().next().unwrap_or_default().to_string();
    assert_eq!(
        first,
        format!(
            "kcfg apply: {dir_arg} holds manifests directly: one target, ApplySet default/web on context gone; its subdirectories are not read: edge-1/"
        )
    );
    assert!(
        stdout(&run).contains("\n== context gone (ApplySet default/web)\n"),
        "{}",
        text(&run)
    );
    assert!(!text(&run).contains("current-context"), "{}", text(&run));
    // Plain progress lines: the target's end and the cluster's.
    let log = stderr(&run);
    assert!(
        log.lines()
            .any(|l| l.starts_with("gone: failed: cluster unreachable")),
        "{log}"
    );
    assert!(log.lines().any(|l| l == "gone: done: unreachable"), "{log}");

    // -o json: the first line goes to standard error, stdout is JSON only,
    // and every record names the context.
    let mut json_args = args.to_vec();
    json_args.extend(["-o", "json"]);
    let run = kcfg_within(&json_args, 30);
    assert_eq!(run.status.code(), Some(1));
    let records: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON on stdout");
    let records = records.as_array().unwrap();
    assert!(!records.is_empty());
    assert!(
        records.iter().all(|r| r["context"] == "gone"),
        "{records:?}"
    );
    assert!(
        stderr(&run).starts_with(&format!("kcfg apply: {dir_arg} holds manifests directly")),
        "{}",
        stderr(&run)
    );

    // --context names another context: that one is reported.
    let mut other = args.to_vec();
    other.extend(["--context", "nonexistent"]);
    let run = kcfg_within(&other, 30);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stdout(&run).starts_with(&format!(
            "kcfg apply: {dir_arg} holds manifests directly: one target, ApplySet default/web on context nonexistent"
        )),
        "{}",
        text(&run)
    );

    // A kubeconfig without a current context: an error before anything,
    // saying what to do.
    let bare = dir.path().join("bare-kubeconfig");
    std::fs::write(
        &bare,
        std::fs::read_to_string(&config)
            .unwrap()
            .replace("current-context: gone\n", ""),
    )
    .unwrap();
    let run = kcfg(&[
        "diff",
        dir_arg,
        "--kubeconfig",
        bare.to_str().unwrap(),
        "--applyset",
        "web",
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(
        text(&run).contains("sets no current-context: pass --context NAME"),
        "{}",
        text(&run)
    );

    // Without the manifest at the top, the same directory is a fleet.
    std::fs::remove_file(out.join("a.yaml")).unwrap();
    let run = kcfg_within(
        &[
            "diff",
            dir_arg,
            "--kubeconfig",
            config.to_str().unwrap(),
            "--context-for",
            "*=gone",
            "--attempts",
            "1",
        ],
        30,
    );
    assert_eq!(run.status.code(), Some(1));
    assert_eq!(
        stdout(&run).lines().next().unwrap_or_default(),
        format!(
            "kcfg diff: {dir_arg} is a rendered fleet (<cluster>/<app> directories): 1 target on 1 cluster"
        )
    );
    assert!(
        stdout(&run).contains("== edge-1/web (context gone, ApplySet default/web) [dry run]"),
        "{}",
        text(&run)
    );
}

/// Issue 16, item 5: `--quiet` prints errors and one summary line, nothing
/// on standard error; `--color` paints or not whatever the output is.
#[test]
fn issue16_quiet_and_color() {
    let dir = tempfile::tempdir().unwrap();
    let config = kubeconfig(dir.path());
    let out = dir.path().join("out");
    write(&out, "a.yaml", CM);
    let base = [
        "diff",
        out.to_str().unwrap(),
        "--kubeconfig",
        config.to_str().unwrap(),
        "--applyset",
        "web",
        "--attempts",
        "1",
    ];
    let with = |extra: &[&str], envs: &[(&str, &str)]| {
        let mut args = base.to_vec();
        args.extend(extra);
        kcfg_env(&args, envs)
    };
    let quiet = with(&["--quiet"], &[]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(stderr(&quiet), "");
    let quiet_out = stdout(&quiet);
    let lines: Vec<&str> = quiet_out.lines().collect();
    // The failed set's table (the error), then the one-line summary.
    assert!(
        lines[0].starts_with("== gone (context gone): cluster unreachable"),
        "{lines:?}"
    );
    assert_eq!(
        lines.last().copied(),
        Some("1 cluster: 1 unreachable; 1 set: 0 create, 0 update, 0 prune, 0 unchanged (dry run)")
    );
    assert!(!quiet_out.contains("holds manifests directly"));

    let escape = "\x1b[";
    assert!(
        !stdout(&with(&[], &[])).contains(escape),
        "a pipe: no colour"
    );
    assert!(stdout(&with(&["--color", "always"], &[])).contains(escape));
    assert!(!stdout(&with(&["--color", "never"], &[("CLICOLOR_FORCE", "1")])).contains(escape));
    // auto follows the conventions: CLICOLOR_FORCE colours a pipe, NO_COLOR wins.
    assert!(stdout(&with(&[], &[("CLICOLOR_FORCE", "1")])).contains(escape));
    assert!(!stdout(&with(&[], &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])).contains(escape));
    let bad = with(&["--color", "sometimes"], &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        stderr(&bad).contains("possible values: auto, always, never"),
        "{}",
        stderr(&bad)
    );
}

/// Issue 16, item 1: hydrate exits 0 whether or not it committed, 2 for a
/// commit only with --exit-code; --quiet prints one line.
#[test]
fn issue16_hydrate_exit_code_and_quiet() {
    let work = tempfile::tempdir().unwrap();
    let out_dir = work.path().join("out");
    let repo = work.path().join("repo");
    let sibling = work.path().join("sibling");
    write(&sibling, "keep.txt", "untouched\n");
    write(&out_dir, "edge-1/web/a.yaml", CM);
    write(&out_dir, "edge-2/web/a.yaml", CM);
    std::fs::create_dir_all(&repo).unwrap();
    let git_ok = Command::new("git")
        .arg("-C")
        .arg(&repo)
        .args(["init", "-q"])
        .status()
        .unwrap()
        .success();
    assert!(git_ok);
    let hydrate = |extra: &[&str]| {
        let mut args = vec![
            "hydrate",
            out_dir.to_str().unwrap(),
            "--repo",
            repo.to_str().unwrap(),
        ];
        args.extend(extra);
        kcfg(&args)
    };
    let first = hydrate(&["--exit-code", "--quiet"]);
    assert_eq!(first.status.code(), Some(2), "{}", text(&first));
    assert_eq!(stdout(&first), "2 branches: 2 committed, 0 unchanged\n");
    let again = hydrate(&["--exit-code", "--quiet"]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again));
    assert_eq!(stdout(&again), "2 branches: 0 committed, 2 unchanged\n");
    // Without --exit-code a commit is a success like any other.
    write(
        &out_dir,
        "edge-1/web/a.yaml",
        &CM.replace("{k: v}", "{k: w}"),
    );
    let changed = hydrate(&[]);
    assert_eq!(changed.status.code(), Some(0), "{}", text(&changed));
    assert!(
        stdout(&changed).starts_with("env/edge-1: committed "),
        "{}",
        text(&changed)
    );
    assert!(stdout(&changed).ends_with("env/edge-2: unchanged\n"));
    assert_eq!(
        std::fs::read_to_string(sibling.join("keep.txt")).unwrap(),
        "untouched\n"
    );
}
