//! Issue 16, item 5: `kcfg completions SHELL`, `kcfg manpages DIR` and
//! `kcfg --version` / `kcfg version`, run as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

fn kcfg(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .output()
        .expect("run kcfg")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `script` in bash after sourcing kcfg's bash completions; its stdout.
fn bash_with_completions(script: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let completions = dir.path().join("kcfg.bash");
    let out = kcfg(&["completions", "bash"]);
    assert!(out.status.success());
    std::fs::write(&completions, &out.stdout).unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("source {}\n{script}", completions.display()))
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out)
}

#[test]
fn issue16_completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = kcfg(&["completions", shell]);
        assert!(out.status.success(), "{shell}");
        let script = stdout(&out);
        // Every command, eval's jsonnet flags and apply's new ones.
        for word in [
            "render",
            "apply",
            "hydrate",
            "manpages",
            "jpath",
            "exit-code",
        ] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    // The bash script parses, and completes what a user types.
    let out = kcfg(&["completions", "bash"]);
    let check = Command::new("bash")
        .arg("-n")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write as _;
            child.stdin.take().unwrap().write_all(&out.stdout)?;
            child.wait_with_output()
        })
        .expect("bash -n");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    let complete = |words: &[&str]| {
        let line = words.join(" ");
        let current = words.last().unwrap();
        let previous = words[words.len() - 2];
        bash_with_completions(&format!(
            "COMP_WORDS=({line}); COMP_CWORD={}; COMP_LINE='{line}'; COMP_POINT=${{#COMP_LINE}}\n\
             _kcfg kcfg '{current}' '{previous}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            words.len() - 1
        ))
    };
    assert_eq!(complete(&["kcfg", "eval", "--jp"]), "--jpath\n");
    assert_eq!(complete(&["kcfg", "diff", "out", "--qu"]), "--quiet\n");
    assert!(complete(&["kcfg", "ma"]).contains("manpages"));
    // An unknown shell is a usage error naming the ones there are.
    let bad = kcfg(&["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bash, elvish, fish, powershell, zsh"));
}

#[test]
fn issue16_manpages_one_per_command() {
    let work = tempfile::tempdir().unwrap();
    let man = work.path().join("share/man/man1");
    // A sacrificial sibling, and a foreign page in the directory itself:
    // neither may change.
    let sibling = work.path().join("sibling");
    std::fs::create_dir_all(&sibling).unwrap();
    std::fs::write(sibling.join("kcfg.1"), "not ours\n").unwrap();
    std::fs::create_dir_all(&man).unwrap();
    std::fs::write(man.join("ls.1"), "foreign\n").unwrap();
    let out = kcfg(&["manpages", man.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = std::fs::read_dir(&man)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "kcfg-apply.1",
            "kcfg-argocd-discover.1",
            "kcfg-argocd-generate.1",
            "kcfg-argocd-init.1",
            "kcfg-argocd-parameters.1",
            "kcfg-argocd.1",
            "kcfg-completions.1",
            "kcfg-diff.1",
            "kcfg-eval.1",
            "kcfg-fleet-diff.1",
            "kcfg-fmt.1",
            "kcfg-hydrate.1",
            "kcfg-lsp.1",
            "kcfg-manpages.1",
            "kcfg-render.1",
            "kcfg-version.1",
            "kcfg.1",
            "ls.1",
        ]
    );
    // The written paths, one per line.
    let listed: Vec<String> = stdout(&out).lines().map(String::from).collect();
    assert_eq!(listed.len(), 17);
    assert!(listed.iter().all(|l| Path::new(l).starts_with(&man)));
    let page = |name: &str| std::fs::read_to_string(man.join(name)).unwrap();
    for name in names.iter().filter(|n| n.starts_with("kcfg")) {
        let text = page(name);
        let title = name.trim_end_matches(".1");
        assert!(
            text.contains(&format!(".TH {title} 1 ")),
            "{name}: {}",
            &text[..text.len().min(200)]
        );
        assert!(text.contains(".SH NAME"), "{name}");
    }
    // eval's page describes the jsonnet flags it takes; apply's its options
    // and exit status.
    let eval = page("kcfg-eval.1");
    for flag in ["jpath", "ext\\-str", "tla\\-code\\-file", "yaml\\-stream"] {
        assert!(eval.contains(flag), "kcfg-eval.1: {flag}");
    }
    let fmt = page("kcfg-fmt.1");
    for flag in [
        "in\\-place",
        "string\\-style",
        "no\\-sort\\-imports",
        "check",
    ] {
        assert!(fmt.contains(flag), "kcfg-fmt.1: {flag}");
    }
    assert!(page("kcfg-apply.1").contains("exit\\-code"));
    assert!(page("kcfg-apply.1").contains("Exit status"));
    assert_eq!(page("ls.1"), "foreign\n");
    assert_eq!(
        std::fs::read_to_string(sibling.join("kcfg.1")).unwrap(),
        "not ours\n"
    );

    // A path that cannot be a directory is an error naming it.
    let file = work.path().join("file");
    std::fs::write(&file, "x").unwrap();
    let out = kcfg(&["manpages", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let message = String::from_utf8_lossy(&out.stderr);
    assert!(
        message.starts_with("error: cannot create ") && message.contains("file"),
        "{message}"
    );
}

#[test]
fn issue16_version_names_commit_and_build_date() {
    let flag = stdout(&kcfg(&["--version"]));
    let command = stdout(&kcfg(&["version"]));
    assert_eq!(flag, command);
    let shape = regex::Regex::new(
        r"^kcfg (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}|unknown), built (\d{4}-\d{2}-\d{2})\)\n$",
    )
    .unwrap();
    let found = shape.captures(&flag).unwrap_or_else(|| panic!("{flag:?}"));
    assert_eq!(&found[1], env!("CARGO_PKG_VERSION"));
    // Built from this checkout: the commit is HEAD's (cargo builds the test
    // binary again when HEAD moves). Outside a git checkout it must say
    // unknown.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let head = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    let top = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["rev-parse", "--show-toplevel"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| std::path::PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let ours = top.is_some_and(|top| top.canonicalize().ok() == root.canonicalize().ok());
    match head {
        Some(head) if ours => assert_eq!(&found[2], head),
        _ => assert_eq!(&found[2], "unknown"),
    }

    // The jsonnet personality and `kcfg eval` keep their own version texts
    // (the conformance cases hold them byte for byte).
    let eval = stdout(&kcfg(&["eval", "--version"]));
    assert_eq!(
        eval,
        format!(
            "kcfg eval {} (Jsonnet v0.22.0 compatible)\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}
