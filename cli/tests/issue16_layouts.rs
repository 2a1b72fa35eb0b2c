//! Issue 16, item 9: `kcfg render` on Tanka and jsonnet-bundler trees
//! without any `-J`: the project root is the nearest directory with a
//! `jsonnetfile.json` (or `tkrc.yaml`), and an entry searches its own
//! directory, `lib/`, its `vendor/` and the root's `vendor/`, in that
//! order, after the directories the user names. Files under `kcfg/` on
//! disk come before the built-in libraries, with a warning.
//!
//! Each case builds its tree in a temporary directory beside a sacrificial
//! one whose content is checked afterwards.

use std::path::Path;
use std::process::Command;

struct Tree {
    dir: tempfile::TempDir,
    sibling: tempfile::TempDir,
}

struct Run {
    code: i32,
    stderr: String,
}

impl Tree {
    fn new(files: &[(&str, &str)]) -> Tree {
        let tree = Tree {
            dir: tempfile::tempdir().unwrap(),
            sibling: tempfile::tempdir().unwrap(),
        };
        std::fs::write(tree.sibling.path().join("keep.txt"), "keep").unwrap();
        tree.write(files);
        tree
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = self.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    /// Writes files whose value is their own path.
    fn markers(&self, paths: &[&str]) {
        for path in paths {
            self.write(&[(path, &format!("'{path}'\n"))]);
        }
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
            .env("KCFG_CACHE_DIR", "off")
            .args(args)
            .current_dir(self.path())
            .env_remove("JSONNET_PATH")
            .env("NO_COLOR", "1")
            .output()
            .expect("run kcfg");
        Run {
            code: output.status.code().unwrap_or(-1),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path))
            .unwrap_or_else(|err| panic!("{path}: {err}"))
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        assert_eq!(
            std::fs::read_to_string(self.sibling.path().join("keep.txt")).unwrap(),
            "keep"
        );
    }
}

const ORDER_ENTRY: &str = "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'order' }, data: import 'probe/probe.libsonnet' }\n";

/// A vendored package that imports by name, so that every name is found
/// through the search path rather than next to the importing file.
const PROBE: &str =
    "{ a: import 'a.libsonnet', b: import 'b.libsonnet', c: import 'c.libsonnet', d: import 'd.libsonnet' }\n";

fn tanka() -> Tree {
    let tree = Tree::new(&[
        ("jsonnetfile.json", "{\"version\": 1, \"dependencies\": []}\n"),
        (
            "render.kcfg",
            "{ targets: [\n  { name: 'prod', entry: 'environments/prod/main.jsonnet' },\n  { name: 'dev', entry: 'environments/dev/main.jsonnet' },\n] }\n",
        ),
        ("environments/prod/main.jsonnet", ORDER_ENTRY),
        ("environments/dev/main.jsonnet", ORDER_ENTRY),
        ("vendor/probe/probe.libsonnet", PROBE),
    ]);
    tree.markers(&[
        // Tanka's precedence test, as files that name themselves: each
        // name exists in its winner and every place below it.
        "environments/prod/a.libsonnet",
        "lib/a.libsonnet",
        "lib/b.libsonnet",
        "environments/prod/vendor/b.libsonnet",
        "environments/prod/vendor/c.libsonnet",
        "vendor/c.libsonnet",
        "vendor/d.libsonnet",
    ]);
    tree
}

fn order(a: &str, b: &str, c: &str, d: &str) -> String {
    format!("apiVersion: v1\ndata:\n  a: {a}\n  b: {b}\n  c: {c}\n  d: {d}\nkind: ConfigMap\nmetadata:\n  name: order\n")
}

#[test]
fn issue16_tanka_tree_renders_in_tankas_order() {
    let tree = tanka();
    // The dev environment has no files of its own: lib/ and vendor/ answer.
    tree.markers(&["lib/dev-only.libsonnet"]);
    let run = tree.run(&["render", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        tree.read("rendered/prod/configmap-order.yaml"),
        order(
            "environments/prod/a.libsonnet",
            "lib/b.libsonnet",
            "environments/prod/vendor/c.libsonnet",
            "vendor/d.libsonnet"
        )
    );
    assert_eq!(
        tree.read("rendered/dev/configmap-order.yaml"),
        order(
            "lib/a.libsonnet",
            "lib/b.libsonnet",
            "vendor/c.libsonnet",
            "vendor/d.libsonnet"
        )
    );
}

#[test]
fn issue16_named_directories_come_before_the_project() {
    let tree = tanka();
    tree.markers(&["extra/a.libsonnet", "extra/d.libsonnet"]);
    let run = tree.run(&["render", "--quiet", "-J", "extra"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        tree.read("rendered/prod/configmap-order.yaml"),
        order(
            "extra/a.libsonnet",
            "lib/b.libsonnet",
            "environments/prod/vendor/c.libsonnet",
            "extra/d.libsonnet"
        )
    );
}

#[test]
fn issue16_tkrc_yaml_marks_the_root_too() {
    let tree = tanka();
    std::fs::remove_file(tree.path().join("jsonnetfile.json")).unwrap();
    tree.write(&[("tkrc.yaml", "")]);
    let run = tree.run(&["render", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(tree
        .read("rendered/prod/configmap-order.yaml")
        .contains("d: vendor/d.libsonnet\n"));
}

#[test]
fn issue16_without_a_marker_nothing_is_added() {
    let tree = tanka();
    std::fs::remove_file(tree.path().join("jsonnetfile.json")).unwrap();
    let run = tree.run(&["render", "--quiet"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("couldn't open import \"probe/probe.libsonnet\""),
        "{}",
        run.stderr
    );
}

#[test]
fn issue16_errors_in_project_libraries_show_relative_paths() {
    let tree = tanka();
    tree.write(&[("lib/d.libsonnet", "error 'broken library'\n")]);
    let run = tree.run(&["render", "--quiet", "--only", "dev"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("broken library"), "{}", run.stderr);
    assert!(
        run.stderr.contains("\n\tlib/d.libsonnet:1:1-"),
        "{}",
        run.stderr
    );
    let absolute = tree.path().canonicalize().unwrap();
    assert!(
        !run.stderr.contains(absolute.to_str().unwrap()),
        "{}",
        run.stderr
    );
}

#[test]
fn issue16_jsonnet_bundler_tree_with_a_plan_below_the_root() {
    let tree = Tree::new(&[
        (
            "jsonnetfile.json",
            r#"{"version": 1, "dependencies": [{"source": {"git": {"remote": "https://github.com/grafana/jsonnet-libs.git", "subdir": "ksonnet-util"}}, "version": "master"}], "legacyImports": true}"#,
        ),
        (
            "vendor/github.com/grafana/jsonnet-libs/ksonnet-util/kausal.libsonnet",
            "{ configMap(name):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name } } }\n",
        ),
        (
            "deploy/render.kcfg",
            "{ targets: [{ name: 'web', entry: 'web.jsonnet' }] }\n",
        ),
        (
            "deploy/web.jsonnet",
            "local full = import 'github.com/grafana/jsonnet-libs/ksonnet-util/kausal.libsonnet';\nlocal legacy = import 'ksonnet-util/kausal.libsonnet';\n[full.configMap('full'), legacy.configMap('legacy')]\n",
        ),
    ]);
    // jb's legacy import name is a link into the full path.
    std::os::unix::fs::symlink(
        "github.com/grafana/jsonnet-libs/ksonnet-util",
        tree.path().join("vendor/ksonnet-util"),
    )
    .unwrap();
    let run = tree.run(&["render", "deploy", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        tree.read("deploy/rendered/web/configmap-full.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: full\n"
    );
    assert!(tree
        .path()
        .join("deploy/rendered/web/configmap-legacy.yaml")
        .is_file());
}

#[test]
fn issue16_a_kcfg_file_on_disk_comes_before_the_built_in() {
    let tree = tanka();
    tree.write(&[
        ("lib/kcfg/kustomize.libsonnet", "{ name: 'from-disk' }\n"),
        (
            "environments/prod/main.jsonnet",
            "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: (import 'kcfg/kustomize.libsonnet').name } }\n",
        ),
        (
            "environments/dev/main.jsonnet",
            "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: (import 'kcfg/kustomize.libsonnet').name } }\n",
        ),
    ]);
    let run = tree.run(&["render", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(tree
        .path()
        .join("rendered/prod/configmap-from-disk.yaml")
        .is_file());
    // One warning for the file, however many targets import it.
    assert_eq!(run.stderr.matches("warning: ").count(), 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("lib/kcfg/kustomize.libsonnet, which hides kcfg's built-in library kcfg/kustomize.libsonnet"),
        "{}",
        run.stderr
    );
    // The plan's own import of the built-in still works.
    tree.write(&[(
        "render.kcfg",
        "local kcfg = import 'kcfg/render.libsonnet';\nkcfg.plan { targets: [{ name: 'prod', entry: 'environments/prod/main.jsonnet' }] }\n",
    )]);
    let run = tree.run(&["render", "--quiet"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
