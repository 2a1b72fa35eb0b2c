//! Issue 16, item 12: the small things a user noticed, each through the
//! binary: the README's plan example and its tree, the hydrator layout's
//! recorded command, plurals and wording of the render summary, kubeconfig
//! paths in messages, help text that clap does not break, and a bad flag
//! combination as a usage error. (The missing-`;` note is tested in
//! `lang/tests/diagnostics.rs`, the `1.0` default in the plugin's unit
//! tests.)
//!
//! Every case works in a temporary directory beside a sacrificial one whose
//! content is checked afterwards.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Dir {
    dir: tempfile::TempDir,
    sibling: tempfile::TempDir,
}

impl Dir {
    fn new(files: &[(&str, &str)]) -> Dir {
        let dir = Dir {
            dir: tempfile::tempdir().unwrap(),
            sibling: tempfile::tempdir().unwrap(),
        };
        std::fs::write(dir.sibling.path().join("keep.txt"), "keep").unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path))
            .unwrap_or_else(|err| panic!("{path}: {err}"))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        assert_eq!(
            std::fs::read_to_string(self.sibling.path().join("keep.txt")).unwrap(),
            "keep"
        );
    }
}

fn kcfg_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .current_dir(dir)
        .env_remove("JSONNET_PATH")
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run kcfg")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The files of a directory tree, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(current) = stack.pop() {
        for entry in std::fs::read_dir(&current).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md")).unwrap()
}

/// The first fenced block of `kind` after `after` in `text`.
fn block<'t>(text: &'t str, after: &str, kind: &str) -> &'t str {
    let start = text.find(after).expect("section");
    let rest = &text[start..];
    let open = format!("```{kind}\n");
    let begin = rest.find(&open).expect("block") + open.len();
    let end = rest[begin..].find("```").expect("end of block");
    &rest[begin..begin + end]
}

#[test]
fn issue16_readme_plan_example_renders_the_tree_it_shows() {
    let readme = readme();
    let plan = block(&readme, "## Rendering a fleet", "jsonnet");
    assert!(plan.contains("namespace: params.name"), "{plan}");
    let tree = block(&readme, "## Rendering a fleet", "text");
    let dir = Dir::new(&[
        ("render.kcfg", plan),
        (
            "inventory/clusters.yaml",
            "clusters:\n  - name: edge-eu-1\n    region: eu\n",
        ),
        (
            "apps/web/main.kcfg",
            "function(cluster) [\n  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'web' } },\n  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'web' } },\n]\n",
        ),
        ("policies/limits.kcfg", "function(object, target) []\n"),
    ]);
    let run = kcfg_in(dir.path(), &["render", "--quiet"]);
    assert!(run.status.success(), "{}", stderr(&run));
    // The tree's file names, from its drawing.
    let mut shown = Vec::new();
    let mut parents: Vec<String> = Vec::new();
    for line in tree.lines().skip(1) {
        let name_at = line
            .find(|c: char| c.is_ascii_alphanumeric() || c == '.')
            .unwrap();
        let depth = name_at / 4;
        let name = line[name_at..].trim_end_matches('/').to_string();
        parents.truncate(depth - 1);
        if line.ends_with('/') {
            parents.push(name);
        } else {
            let mut path = parents.clone();
            path.push(name);
            shown.push(path.join("/"));
        }
    }
    shown.sort();
    assert_eq!(files(&dir.path().join("rendered")), shown);
}

#[test]
fn issue16_hydrator_files_record_the_command_that_reproduces_them() {
    let dir = Dir::new(&[
        (
            "deploy/render.kcfg",
            "function(env) { targets: [{ name: 'edge-1/web', entry: 'web.kcfg', tlas: { env: env } }] }\n",
        ),
        (
            "deploy/web.kcfg",
            "function(env) [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' }, data: { env: env } }]\n",
        ),
    ]);
    let run = kcfg_in(
        dir.path(),
        &[
            "render",
            "deploy",
            "--quiet",
            "--layout",
            "hydrator",
            "--tla-str",
            "env=prod eu",
            "--out",
            "out",
        ],
    );
    assert!(run.status.success(), "{}", stderr(&run));
    let command =
        "kcfg render --out ../out --layout hydrator --tla-str 'env=prod eu' --only edge-1/web";
    assert_eq!(
        dir.read("out/edge-1/web/hydrator.metadata"),
        format!(
            "{{\n  \"commands\": [\n    \"{}\"\n  ]\n}}\n",
            command.replace('"', "\\\"")
        )
    );
    let readme = dir.read("out/edge-1/web/README.md");
    assert!(
        readme.contains(&format!(
            "\n1 object in `manifest.yaml`.\n\nRendered with:\n\n```shell\n{command}\n```\n"
        )),
        "{readme}"
    );
    // The same render asked from elsewhere records the same command, so
    // --check passes wherever it runs.
    let check = kcfg_in(
        &dir.path().join("deploy"),
        &[
            "render",
            "--check",
            "--quiet",
            "--layout",
            "hydrator",
            "--tla-str",
            "env=prod eu",
            "--out",
            "../out",
        ],
    );
    assert!(
        check.status.success(),
        "{}{}",
        stdout(&check),
        stderr(&check)
    );
    // Running the recorded command in the plan's directory reproduces the
    // files byte for byte.
    let before = dir.read("out/edge-1/web/manifest.yaml");
    std::fs::remove_dir_all(dir.path().join("out")).unwrap();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_kcfg"));
    let shell = Command::new("sh")
        .arg("-c")
        .arg(command.replacen("kcfg", &bin.display().to_string(), 1) + " --quiet")
        .current_dir(dir.path().join("deploy"))
        .env("NO_COLOR", "1")
        .env("KCFG_CACHE_DIR", "off")
        .output()
        .unwrap();
    assert!(shell.status.success(), "{}", stderr(&shell));
    assert_eq!(dir.read("out/edge-1/web/manifest.yaml"), before);
    assert!(dir.read("out/edge-1/web/README.md").contains(command));
}

#[test]
fn issue16_hydrator_and_json_together_are_a_usage_error() {
    let dir = Dir::new(&[("render.kcfg", "{ targets: [] }\n")]);
    let run = kcfg_in(
        dir.path(),
        &["render", "--layout", "hydrator", "--format", "json"],
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    assert_eq!(
        stderr(&run),
        "error: --layout hydrator writes YAML (manifest.yaml, as Argo CD's source hydrator does); it cannot be combined with --format json\n"
    );
    assert!(!dir.path().join("rendered").exists());
    // The help says so.
    let help = stdout(&kcfg_in(dir.path(), &["render", "--help"]));
    assert!(help.contains("or a flag is wrong."), "{help}");
}

#[test]
fn issue16_summary_counts_read_as_english() {
    let dir = Dir::new(&[
        (
            "render.kcfg",
            "{ targets: [{ name: 'one', entry: 'one.kcfg' }] }\n",
        ),
        (
            "one.kcfg",
            "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }\n",
        ),
    ]);
    let run = kcfg_in(dir.path(), &["render"]);
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).starts_with("rendered 1 target into rendered: 1 object, "),
        "{}",
        stderr(&run)
    );
    std::fs::write(
        dir.path().join("one.kcfg"),
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { k: 'v' } }\n",
    )
    .unwrap();
    let check = kcfg_in(dir.path(), &["render", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let text = stderr(&check);
    assert!(text.contains("(1 differs)\n"), "{text}");
    assert!(
        text.ends_with("rendered does not match the plan; run `kcfg render` to update it\n"),
        "{text}"
    );
}

#[test]
fn issue16_kubeconfig_paths_are_named_plainly() {
    let dir = Dir::new(&[(
        "out/edge-1/web/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: web\n",
    )]);
    let missing = dir.path().join("no such kubeconfig");
    let run = kcfg_in(
        dir.path(),
        &["diff", "out", "--kubeconfig", missing.to_str().unwrap()],
    );
    assert_eq!(run.status.code(), Some(1), "{}", stderr(&run));
    let text = stderr(&run) + &stdout(&run);
    assert!(
        text.contains(&format!(
            "cannot read kubeconfig {}: No such file or directory (os error 2)",
            missing.display()
        )),
        "{text}"
    );
    assert!(!text.contains("'\""), "{text}");
}

#[test]
fn issue16_help_is_not_broken_by_the_wrapper() {
    let dir = Dir::new(&[]);
    let hydrate = stdout(&kcfg_in(dir.path(), &["hydrate", "--help"]));
    assert!(
        hydrate.contains("\n      --repo-url https://git.example.com/fleet.git\n"),
        "{hydrate}"
    );
    let render = stdout(&kcfg_in(dir.path(), &["render", "--help"]));
    assert!(
        render
            .contains("\n<namespace>_); with --single-file one OUT/<target>/manifest.yaml; with\n"),
        "{render}"
    );
    assert!(
        render.contains("Each target is replaced atomically;"),
        "{render}"
    );
    // clap wraps lines longer than its width (100 without a terminal): a
    // hand-written line that long would be broken mid-sentence.
    for command in [
        &["render", "--help"][..],
        &["apply", "--help"],
        &["diff", "--help"],
        &["hydrate", "--help"],
        &["argocd", "--help"],
        &["argocd", "generate", "--help"],
        &["argocd", "parameters", "--help"],
        &["argocd", "discover", "--help"],
        &["argocd", "init", "--help"],
    ] {
        let help = stdout(&kcfg_in(dir.path(), command));
        for line in help.lines() {
            assert!(
                !line.trim_start().starts_with("https://"),
                "{command:?}: a URL wrapped onto its own line: {line:?}"
            );
        }
    }
}

#[test]
fn issue16_argocd_stats_count_one_object() {
    let dir = Dir::new(&[(
        "repo/app/main.kcfg",
        "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }\n",
    )]);
    let run = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["argocd", "generate", "--stats"])
        .current_dir(dir.path().join("repo/app"))
        .env_clear()
        .env("ARGOCD_APP_SOURCE_PATH", "app")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", stderr(&run));
    assert!(
        stderr(&run).starts_with("kcfg argocd generate: 1 object, "),
        "{}",
        stderr(&run)
    );
}

#[test]
fn bad_flags_exit_1_and_help_exits_0() {
    // 2 means "differences" for --check, --dry-run and diff; a typo in a
    // CI job's flags must not read as stale manifests.
    let dir = Dir::new(&[("render.kcfg", "{ targets: [] }\n")]);
    for args in [
        &["render", "--check", "--no-such-flag"][..],
        &["apply", "--no-such-flag"],
        &["diff", "--no-such-flag"],
        &["fleet-diff", "--no-such-flag"],
        &["hydrate", "--no-such-flag"],
        &["no-such-command"],
        &["render", "--shard", "x/y"],
    ] {
        let run = kcfg_in(dir.path(), args);
        assert_eq!(run.status.code(), Some(1), "{args:?}: {}", stderr(&run));
        assert!(
            stderr(&run).starts_with("error: "),
            "{args:?}: {}",
            stderr(&run)
        );
    }
    for args in [&["--help"][..], &["render", "--help"], &["--version"]] {
        let run = kcfg_in(dir.path(), args);
        assert_eq!(run.status.code(), Some(0), "{args:?}: {}", stderr(&run));
        assert!(!run.stdout.is_empty(), "{args:?}");
    }
}
