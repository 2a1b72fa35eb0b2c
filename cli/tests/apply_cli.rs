//! `kcfg apply`, `diff` and `hydrate` end to end, without an API server:
//! help text, bad input, an unreachable cluster, and hydrated branches.
//! (Against a real server, see apply/tests/k8s.rs.)

use std::path::Path;
use std::process::{Command, Output};

fn kcfg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
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
        help.contains("Exit status: 0 nothing changed, 2 something changed"),
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
