//! Issue 13: `kcfg render` touches only what it owns. Each attack of the
//! issue runs the `kcfg` binary as a user (or a CI job on a pull request)
//! would, in a temporary directory that also holds sacrificial directories
//! beside and around the output; the whole temporary directory (names,
//! kinds, bytes, link destinations) is compared before and after, so a test
//! fails if anything outside the output changed, or anything at all when
//! the run is refused. They pass as root and as any other user: nothing
//! here depends on permissions, and a marker line `/` is refused before any
//! file system call.
//!
//! The kill test renders a copy of `examples/edge-fleet` (never the real
//! one) and kills it at random moments; `KCFG_KILLS` sets how many times
//! (15 by default) and `KCFG_KILL_SEED` the random seed it prints.

use std::collections::BTreeMap;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a run printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A temporary directory holding a plan in `work/` and sacrificial
/// directories: `work/sib`, `work/x`, and `sacrificial` beside `work`.
struct Sandbox {
    dir: tempfile::TempDir,
}

const PLAN: &str = r#"
local kcfg = import 'kcfg/render.libsonnet';
kcfg.plan {
  generators: [
    kcfg.matrix([kcfg.clusters('clusters.yaml'), kcfg.directories('apps/*')]),
    kcfg.matrix([kcfg.clusters('clusters.yaml'), kcfg.directories('addons/*')]),
  ],
  template(p):: {
    name: p.cluster.name + '/' + p.name,
    entry: p.path + '/main.kcfg',
    tlas: { cluster: p.cluster.name },
  },
}
"#;

const APP: &str = "function(cluster) { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'NAME' }, data: { cluster: cluster, version: '1' } }";

fn clusters(count: usize) -> String {
    (1..=count).map(|n| format!("- name: c{n}\n")).collect()
}

impl Sandbox {
    /// Four clusters, each with the apps `web` and `api` and the addon
    /// `mon`: twelve targets.
    fn new() -> Sandbox {
        let sandbox = Sandbox {
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        sandbox.write("work/render.kcfg", PLAN);
        sandbox.write("work/clusters.yaml", &clusters(4));
        for app in ["apps/web", "apps/api", "addons/mon"] {
            let name = app.rsplit('/').next().unwrap();
            sandbox.write(&format!("work/{app}/main.kcfg"), &APP.replace("NAME", name));
        }
        for sacrificial in ["sacrificial", "work/sib", "work/x"] {
            sandbox.write(&format!("{sacrificial}/keep.txt"), "precious\n");
            sandbox.write(&format!("{sacrificial}/x/deep/file.yaml"), "a: 1\n");
            sandbox.write(&format!("{sacrificial}/web/configmap-web.yaml"), "mine\n");
        }
        sandbox
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn work(&self) -> PathBuf {
        self.path().join("work")
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Runs `kcfg ARGS` in `work/`.
    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
            .env("KCFG_CACHE_DIR", "off")
            .args(args)
            .current_dir(self.work())
            .env_remove("JSONNET_PATH")
            .env("NO_COLOR", "1")
            .output()
            .expect("run kcfg");
        let clean = |bytes: &[u8]| {
            let text = String::from_utf8_lossy(bytes).into_owned();
            let text = text.replace(&self.path().display().to_string(), "[DIR]");
            let time = regex::Regex::new(r"in \d+\.\d+s").unwrap();
            time.replace_all(&text, "in [TIME]").into_owned()
        };
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: clean(&output.stdout),
            stderr: clean(&output.stderr),
        }
    }

    /// Renders, and asserts it worked.
    fn render(&self, args: &[&str]) -> Run {
        let mut full = vec!["render", "-q"];
        full.extend_from_slice(args);
        let run = self.run(&full);
        assert_eq!(run.code, 0, "{}", run.text());
        run
    }

    fn snapshot(&self) -> BTreeMap<String, String> {
        snapshot(self.path())
    }

    fn marker_with(&self, line: &str) {
        let marker = self.work().join("rendered/.kcfg-rendered");
        let mut text = std::fs::read_to_string(&marker).unwrap();
        text.push_str(line);
        text.push('\n');
        std::fs::write(marker, text).unwrap();
    }
}

/// Every entry under `root`, not following links: its path → its kind and
/// content (a file's bytes, a link's destination).
fn snapshot(root: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let relative = path.strip_prefix(root).unwrap().display().to_string();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let to = std::fs::read_link(&path).unwrap();
                out.insert(relative, format!("link -> {}", to.display()));
            } else if meta.is_dir() {
                out.insert(relative, "dir".into());
                walk(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(
                    relative,
                    format!("file {}", String::from_utf8_lossy(&bytes)),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Asserts that `before` and `after` are equal, showing what changed.
fn assert_unchanged(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) {
    let mut changes = Vec::new();
    for (path, was) in before {
        match after.get(path) {
            None => changes.push(format!("removed {path}")),
            Some(now) if now != was => changes.push(format!("changed {path}")),
            Some(_) => {}
        }
    }
    for path in after.keys() {
        if !before.contains_key(path) {
            changes.push(format!("added {path}"));
        }
    }
    assert!(changes.is_empty(), "changed:\n{}", changes.join("\n"));
}

/// The sacrificial directories of a snapshot: `sacrificial`, `work/sib`
/// and `work/x`, with everything in them.
fn sacrificial(snapshot: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    snapshot
        .iter()
        .filter(|(path, _)| {
            ["sacrificial", "work/sib", "work/x"]
                .iter()
                .any(|root| path == root || path.starts_with(&format!("{root}/")))
        })
        .map(|(path, what)| (path.clone(), what.clone()))
        .collect()
}

// ----- the marker -------------------------------------------------------------------

#[test]
fn issue13_marker_lines_outside_the_output_are_refused() {
    let outside = tempfile::tempdir().unwrap();
    let absolute = outside.path().join("victim");
    std::fs::create_dir_all(absolute.join("inner")).unwrap();
    std::fs::write(absolute.join("inner/keep.txt"), "keep").unwrap();
    let lines = [
        "..".to_string(),
        "../sib".to_string(),
        "c3/../../x".to_string(),
        absolute.display().to_string(),
        "/".to_string(),
        ".".to_string(),
        "./c1".to_string(),
        "c1//web".to_string(),
        ".git".to_string(),
        "c1/web\\..\\..".to_string(),
    ];
    for line in &lines {
        let sandbox = Sandbox::new();
        sandbox.render(&[]);
        sandbox.marker_with(line);
        // A change that a render would write, to see that it writes nothing.
        sandbox.write("work/apps/web/main.kcfg", &APP.replace("NAME", "changed"));
        let before = sandbox.snapshot();
        let outside_before = snapshot(outside.path());
        for check in [false, true] {
            let args: &[&str] = if check {
                &["render", "--check"]
            } else {
                &["render"]
            };
            let run = sandbox.run(args);
            assert_eq!(run.code, 1, "{line:?}: {}", run.text());
            assert!(
                run.stderr
                    .contains(&format!("rendered/.kcfg-rendered:14: {line:?}: "))
                    && run.stderr.contains("nothing was deleted or written"),
                "{line:?}: {}",
                run.text()
            );
            assert_unchanged(&before, &sandbox.snapshot());
            assert_unchanged(&outside_before, &snapshot(outside.path()));
        }
    }
}

#[test]
fn issue13_marker_errors_name_file_line_and_text() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    sandbox.marker_with("../sib");
    sandbox.marker_with("c2/api");
    sandbox.marker_with("/");
    let run = sandbox.run(&["render"]);
    insta::assert_snapshot!(run.text(), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: rendered/.kcfg-rendered: 2 lines are not a target kcfg render could have written; nothing was deleted or written:
      rendered/.kcfg-rendered:14: "../sib": empty, `.` and `..` path components are not allowed
      rendered/.kcfg-rendered:16: "/": an absolute path is not a target name
    The marker lists the target directories kcfg render replaces and removes; restore it from version control (or delete those lines) and render again.
    "#);
}

#[test]
fn issue13_corrupt_markers_are_refused() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    let marker = sandbox.work().join("rendered/.kcfg-rendered");
    for bytes in [
        &b"\x7fELF\x02\x01\x01\x00\x00\xff\xfe"[..],
        &b"c1/web\n\x00\x00\x00\n"[..],
        &b"c1/web\r\nc1/api\r\n"[..],
    ] {
        std::fs::write(&marker, bytes).unwrap();
        let before = sandbox.snapshot();
        let run = sandbox.run(&["render", "--allow-mass-delete"]);
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(
            run.stderr.contains("nothing was deleted or written"),
            "{}",
            run.text()
        );
        assert_unchanged(&before, &sandbox.snapshot());
    }
}

#[test]
fn issue13_marker_paths_through_a_symlink_are_refused() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    symlink(
        sandbox.path().join("sacrificial"),
        sandbox.work().join("rendered/link"),
    )
    .unwrap();
    sandbox.marker_with("link/x");
    let before = sandbox.snapshot();
    for args in [&["render"][..], &["render", "--check"]] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(
            run.stderr.contains(
                "rendered/.kcfg-rendered:14: \"link/x\": its path passes through the symbolic link rendered/link"
            ),
            "{}",
            run.text()
        );
        assert_unchanged(&before, &sandbox.snapshot());
    }
}

// ----- symbolic links in the output -------------------------------------------------

#[test]
fn issue13_a_committed_symlink_for_a_cluster_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    // rendered/c1 -> ../../sacrificial, as a pull request could commit it;
    // the marker still lists c1/web and c1/api.
    std::fs::remove_dir_all(sandbox.work().join("rendered/c1")).unwrap();
    symlink("../../sacrificial", sandbox.work().join("rendered/c1")).unwrap();
    sandbox.write("work/apps/web/main.kcfg", &APP.replace("NAME", "changed"));
    let before = sandbox.snapshot();
    for args in [
        &["render"][..],
        &["render", "--check"],
        &["render", "--only", "c1/*"],
    ] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 1, "{args:?}: {}", run.text());
        assert!(
            run.stderr
                .contains("its path passes through the symbolic link rendered/c1"),
            "{args:?}: {}",
            run.text()
        );
        assert_unchanged(&before, &sandbox.snapshot());
    }
    // Not listed in the marker, the link is still never written through.
    let marker = sandbox.work().join("rendered/.kcfg-rendered");
    let text = std::fs::read_to_string(&marker).unwrap();
    std::fs::write(
        &marker,
        text.replace("c1/api\n", "")
            .replace("c1/mon\n", "")
            .replace("c1/web\n", ""),
    )
    .unwrap();
    let before = sandbox.snapshot();
    let run = sandbox.run(&["render"]);
    insta::assert_snapshot!(run.text(), @r"
    exit: 1
    --- stdout
    --- stderr
    error: target c1/api: rendered/c1 is a symbolic link; kcfg render never writes, reads or deletes through a symbolic link inside its output directory (remove the link)
    target c1/web: rendered/c1 is a symbolic link; kcfg render never writes, reads or deletes through a symbolic link inside its output directory (remove the link)
    target c1/mon: rendered/c1 is a symbolic link; kcfg render never writes, reads or deletes through a symbolic link inside its output directory (remove the link)
    nothing was deleted or written
    ");
    assert_unchanged(&before, &sandbox.snapshot());
}

#[test]
fn issue13_a_symlinked_target_directory_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    std::fs::remove_dir_all(sandbox.work().join("rendered/c2/web")).unwrap();
    symlink(
        sandbox.path().join("sacrificial/web"),
        sandbox.work().join("rendered/c2/web"),
    )
    .unwrap();
    let before = sandbox.snapshot();
    for args in [&["render"][..], &["render", "--check"]] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(
            run.stderr.contains(
                "rendered/.kcfg-rendered:7: \"c2/web\": its path passes through the symbolic link rendered/c2/web"
            ),
            "{}",
            run.text()
        );
        assert_unchanged(&before, &sandbox.snapshot());
    }
}

#[test]
fn issue13_a_target_named_through_a_committed_symlink_is_refused() {
    let sandbox = Sandbox::new();
    sandbox.write(
        "work/render.kcfg",
        "{ targets: [{ name: 'link/app', entry: 'apps/web/main.kcfg', tlas: { cluster: 'x' } }] }",
    );
    sandbox.write("work/rendered/.kcfg-rendered", "# a committed output\n");
    symlink("../sib", sandbox.work().join("rendered/link")).unwrap();
    let before = sandbox.snapshot();
    for args in [&["render"][..], &["render", "--check"]] {
        let run = sandbox.run(args);
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(
            run.stderr
                .contains("error: target link/app: rendered/link is a symbolic link"),
            "{}",
            run.text()
        );
        assert_unchanged(&before, &sandbox.snapshot());
    }
}

#[test]
fn issue13_the_output_directory_may_be_a_link_only_when_named_with_out() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.work().join("real")).unwrap();
    symlink("real", sandbox.work().join("rendered")).unwrap();
    let before = sandbox.snapshot();
    let run = sandbox.run(&["render"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains(
            "error: rendered is a symbolic link; kcfg render does not follow a link it finds in the plan's directory"
        ),
        "{}",
        run.text()
    );
    assert_unchanged(&before, &sandbox.snapshot());
    // Named on the command line, it is the user's word.
    sandbox.render(&["--out", "rendered"]);
    assert!(sandbox
        .work()
        .join("real/c1/web/configmap-web.yaml")
        .is_file());
    let run = sandbox.run(&["render", "--check", "--out", "rendered"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_unchanged(&sacrificial(&before), &sacrificial(&sandbox.snapshot()));
}

#[test]
fn issue13_links_inside_a_target_are_reported_and_removed_as_links() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    let target = sandbox.work().join("rendered/c1/web");
    // The right name and the right content, but a link; and a link to a
    // directory outside.
    std::fs::remove_file(target.join("configmap-web.yaml")).unwrap();
    std::fs::copy(
        sandbox.work().join("rendered/c2/web/configmap-web.yaml"),
        sandbox.path().join("sacrificial/copy.yaml"),
    )
    .unwrap();
    symlink(
        sandbox.path().join("sacrificial/copy.yaml"),
        target.join("configmap-web.yaml"),
    )
    .unwrap();
    symlink(sandbox.path().join("sacrificial"), target.join("outside")).unwrap();
    symlink(
        sandbox.path().join("sacrificial"),
        sandbox.work().join("rendered/c4/api/outside"),
    )
    .unwrap();
    let outside = sacrificial(&sandbox.snapshot());
    let run = sandbox.run(&["render", "--check"]);
    insta::assert_snapshot!(run.text(), @r"
    exit: 1
    --- stdout
    target c1/web: 1 added, 0 removed, 0 changed, 2 not written by kcfg
      added   configmap-web.yaml
      foreign configmap-web.yaml (a symbolic link; kcfg render never writes one)
      foreign outside (a symbolic link; kcfg render never writes one)
    target c4/api: 0 added, 0 removed, 0 changed, 1 not written by kcfg
      foreign outside (a symbolic link; kcfg render never writes one)
    --- stderr
    checked 12 targets against rendered: 12 objects, 1.1 kB in [TIME] (10 identical, 2 differ)
    rendered does not match the plan; run `kcfg render` to update it
    ");
    // A render rewrites c1/web and prunes c4 (its cluster left), removing
    // the links, not what they point to.
    sandbox.write("work/clusters.yaml", &clusters(3));
    sandbox.render(&[]);
    assert!(!sandbox.work().join("rendered/c4").exists());
    let meta = std::fs::symlink_metadata(target.join("configmap-web.yaml")).unwrap();
    assert!(meta.is_file());
    assert!(!target.join("outside").exists());
    assert_unchanged(&outside, &sacrificial(&sandbox.snapshot()));
    let run = sandbox.run(&["render", "--check"]);
    assert_eq!(run.code, 0, "{}", run.text());
}

// ----- leftovers and the lock -------------------------------------------------------------

/// Names kcfg uses only while it renders, anywhere under `root`.
fn leftovers(root: &Path) -> Vec<String> {
    snapshot(root)
        .into_keys()
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap();
            name.contains(".kcfg-new-")
                || name.contains(".kcfg-old-")
                || (name.starts_with(".kcfg-rendered.") && name.ends_with(".tmp"))
                || name == ".kcfg-lock"
        })
        .collect()
}

#[test]
fn issue13_check_reports_leftovers_and_a_render_removes_them() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    sandbox.write(
        "work/rendered/c1/.web.kcfg-new-4242-0/configmap-web.yaml",
        "",
    );
    sandbox.write(
        "work/rendered/c2/.api.kcfg-old-4242-1/configmap-api.yaml",
        "x",
    );
    sandbox.write("work/rendered/.kcfg-rendered.4242.tmp", "c1/web\n");
    sandbox.write("work/rendered/.kcfg-lock", "4242\n");
    let run = sandbox.run(&["render", "--check"]);
    insta::assert_snapshot!(run.text(), @r"
    exit: 1
    --- stdout
    leftover of an interrupted kcfg render: rendered/.kcfg-lock (the next kcfg render removes it)
    leftover of an interrupted kcfg render: rendered/.kcfg-rendered.4242.tmp (the next kcfg render removes it)
    leftover of an interrupted kcfg render: rendered/c1/.web.kcfg-new-4242-0 (the next kcfg render removes it)
    leftover of an interrupted kcfg render: rendered/c2/.api.kcfg-old-4242-1 (the next kcfg render removes it)
    --- stderr
    checked 12 targets against rendered: 12 objects, 1.1 kB in [TIME] (12 identical, 4 leftovers of an interrupted render)
    rendered does not match the plan; run `kcfg render` to update it
    ");
    let run = sandbox.run(&["render"]);
    insta::assert_snapshot!(run.text(), @r"
    exit: 0
    --- stdout
    --- stderr
    removed rendered/.kcfg-rendered.4242.tmp: left by an interrupted kcfg render
    removed rendered/c1/.web.kcfg-new-4242-0: left by an interrupted kcfg render
    removed rendered/c2/.api.kcfg-old-4242-1: left by an interrupted kcfg render
    rendered 12 targets into rendered: 12 objects, 1.1 kB in [TIME] (12 unchanged, 12 reused: inputs unchanged, 3 leftovers of an interrupted render removed)
    ");
    assert_eq!(leftovers(&sandbox.work()), Vec::<String>::new());
    assert_eq!(sandbox.run(&["render", "--check"]).code, 0);
}

#[test]
fn issue13_concurrent_renders_wait_for_each_other() {
    let sandbox = Sandbox::new();
    sandbox.write("work/clusters.yaml", &clusters(60));
    for round in 0..4 {
        sandbox.write(
            "work/apps/web/main.kcfg",
            &APP.replace("NAME", "web")
                .replace("'1'", &format!("'{round}'")),
        );
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_kcfg"))
                .env("KCFG_CACHE_DIR", "off")
                .args(["render", "-q", "-j", "2"])
                .current_dir(sandbox.work())
                .env_remove("JSONNET_PATH")
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("run kcfg")
        };
        let (first, second) = (spawn(), spawn());
        for child in [first, second] {
            let output = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "round {round}: {stderr}");
            assert!(!stderr.contains("not empty"), "round {round}: {stderr}");
        }
        assert_eq!(leftovers(&sandbox.work()), Vec::<String>::new());
        let run = sandbox.run(&["render", "--check", "-q"]);
        assert_eq!(run.code, 0, "round {round}: {}", run.text());
    }
}

// ----- mass deletes -------------------------------------------------------------------------

#[test]
fn issue13_a_glob_that_matches_nothing_removes_nothing() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    let before = sandbox.snapshot();
    // `addon/*` for `addons/*`: 4 of 12 targets would go.
    sandbox.write("work/render.kcfg", &PLAN.replace("'addons/*'", "'addon/*'"));
    let before_plan = sandbox.snapshot();
    let run = sandbox.run(&["render"]);
    insta::assert_snapshot!(run.text(), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: refusing to remove 4 targets (c1/mon, c2/mon, c3/mon, c4/mon) while a generator made no target; nothing was changed
    these generators of the plan made no target (a typo in a glob, a file or a selector?):
      generators[1].generators[1]: kcfg.directories("addon/*") matched no directory holding main.kcfg
    if this is intended, pass --allow-mass-delete
    "#);
    assert_unchanged(&before_plan, &sandbox.snapshot());
    // `app/*` for `apps/*`: 8 of 12, over the share.
    sandbox.write("work/render.kcfg", &PLAN.replace("'apps/*'", "'app/*'"));
    let before_plan = sandbox.snapshot();
    let run = sandbox.run(&["render"]);
    insta::assert_snapshot!(run.text(), @r#"
    exit: 1
    --- stdout
    --- stderr
    error: refusing to remove 8 of the 12 targets listed in rendered/.kcfg-rendered (67%, limit 50%): c1/api, c1/web, c2/api, c2/web, c3/api, … (3 more); nothing was changed
    these generators of the plan made no target (a typo in a glob, a file or a selector?):
      generators[0].generators[1]: kcfg.directories("app/*") matched no directory holding main.kcfg
    if this is intended, pass --allow-mass-delete (or raise --max-prune-ratio)
    "#);
    assert_unchanged(&before_plan, &sandbox.snapshot());
    // --check reports the stale targets and the generator.
    let run = sandbox.run(&["render", "--check", "-q"]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains(
        "note: generators[0].generators[1]: kcfg.directories(\"app/*\") matched no directory holding main.kcfg: it made no target"
    ), "{}", run.text());
    // Intended: the flag removes them.
    sandbox.render(&["--allow-mass-delete"]);
    assert!(!sandbox.work().join("rendered/c1/web").exists());
    assert!(sandbox.work().join("rendered/c1/mon").exists());
    assert_unchanged(&sacrificial(&before), &sacrificial(&sandbox.snapshot()));
}

#[test]
fn issue13_removing_more_than_the_share_takes_a_flag() {
    let sandbox = Sandbox::new();
    sandbox.render(&[]);
    // 3 of 4 clusters leave: 9 of 12 targets.
    sandbox.write("work/clusters.yaml", &clusters(1));
    let before = sandbox.snapshot();
    let run = sandbox.run(&["render"]);
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.stderr.contains("refusing to remove 9 of the 12 targets listed in rendered/.kcfg-rendered (75%, limit 50%)"),
        "{}",
        run.text()
    );
    assert_unchanged(&before, &sandbox.snapshot());
    // --only: targets it does not select are not removed, so not counted.
    let run = sandbox.run(&["render", "--only", "c1/*"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(sandbox.work().join("rendered/c4/web").exists());
    // A higher limit lets it through.
    let run = sandbox.run(&["render", "--max-prune-ratio", "0.8"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(!sandbox.work().join("rendered/c2").exists());
    assert_eq!(sandbox.run(&["render", "--check"]).code, 0);
    let run = sandbox.run(&["render", "--max-prune-ratio", "1.5"]);
    assert_eq!(run.code, 1, "{}", run.text());
}

// ----- kill -9 ------------------------------------------------------------------------------

/// A small, seeded random number generator (xorshift64*).
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn issue13_killed_renders_leave_nothing_the_next_render_keeps() {
    let kills: u64 = std::env::var("KCFG_KILLS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(15);
    let seed: u64 = std::env::var("KCFG_KILL_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
                | 1
        });
    eprintln!("KCFG_KILL_SEED={seed}");
    let mut random = Random(seed);
    let sandbox = Sandbox::new();
    let fleet = sandbox.path().join("fleet");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/edge-fleet");
    std::fs::create_dir_all(&fleet).unwrap();
    for part in std::fs::read_dir(&source).unwrap() {
        let part = part.unwrap();
        if part.file_name() != "rendered" {
            let to = fleet.join(part.file_name());
            if part.file_type().unwrap().is_dir() {
                copy_tree(&part.path(), &to);
            } else {
                std::fs::copy(part.path(), to).unwrap();
            }
        }
    }
    let releases = std::fs::read_to_string(fleet.join("releases.yaml")).unwrap();
    let render = || {
        Command::new(env!("CARGO_BIN_EXE_kcfg"))
            .env("KCFG_CACHE_DIR", "off")
            .args(["render", "-q"])
            .current_dir(&fleet)
            .env_remove("JSONNET_PATH")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run kcfg")
    };
    let started = Instant::now();
    assert!(render().wait().unwrap().success());
    let full = started.elapsed();
    let before = sacrificial(&snapshot(sandbox.path()));
    let signals = [libc::SIGKILL, libc::SIGTERM, libc::SIGINT];
    let (mut killed, mut with_leftovers, mut with_temp_dirs, mut checked) = (0, 0, 0, false);
    for round in 0..kills {
        // Every round changes every application's image, so every target
        // is written again.
        let version = if round % 2 == 0 {
            "version: 1"
        } else {
            "version: "
        };
        std::fs::write(
            fleet.join("releases.yaml"),
            releases.replace("version: ", version),
        )
        .unwrap();
        let mut child = render();
        let at = Duration::from_micros(random.below(full.as_micros() as u64 + 1));
        std::thread::sleep(at);
        let signal = signals[random.below(3) as usize];
        // SAFETY: `kill` with a child's pid and a signal number.
        unsafe { libc::kill(child.id() as libc::pid_t, signal) };
        let status = child.wait().unwrap();
        if !status.success() {
            killed += 1;
        }
        let found = leftovers(&fleet.join("rendered"));
        if found
            .iter()
            .any(|path| path.contains(".kcfg-new-") || path.contains(".kcfg-old-"))
        {
            with_temp_dirs += 1;
        }
        if !found.is_empty() {
            with_leftovers += 1;
            if !checked {
                // --check reports every leftover a killed render left.
                checked = true;
                let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
                    .env("KCFG_CACHE_DIR", "off")
                    .args(["render", "--check", "-q"])
                    .current_dir(&fleet)
                    .output()
                    .unwrap();
                let stdout = String::from_utf8_lossy(&output.stdout);
                assert_eq!(output.status.code(), Some(1), "{stdout}");
                for path in &found {
                    assert!(
                        stdout.contains(&format!(
                            "leftover of an interrupted kcfg render: rendered/{path}"
                        )),
                        "{path} not reported:\n{stdout}"
                    );
                }
            }
        }
    }
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["render", "-q"])
        .current_dir(&fleet)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    eprintln!(
        "{kills} rounds, {killed} renders killed, {with_leftovers} left something behind \
         ({with_temp_dirs} a temporary directory); a full render took {full:?}"
    );
    assert_eq!(leftovers(&fleet.join("rendered")), Vec::<String>::new());
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(["render", "--check", "-q"])
        .current_dir(&fleet)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_unchanged(&before, &sacrificial(&snapshot(sandbox.path())));
}
