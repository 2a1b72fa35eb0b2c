//! `kcfg render` end to end: plans in temporary directories, run through
//! the binary, with the exit status, standard output and standard error
//! snapshotted (`cargo insta review` to update). Paths of the temporary
//! directory show as `[DIR]` and timings as `[TIME]`.
//!
//! Each test builds its plan with [`Fixture::new`] from `(path, text)`
//! pairs, so the whole case is visible in the test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Fixture {
    dir: tempfile::TempDir,
}

/// What a run printed, as one text for a snapshot.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn text(&self) -> String {
        let mut out = format!("exit: {}\n", self.code);
        if !self.stdout.is_empty() {
            out.push_str("--- stdout\n");
            out.push_str(&self.stdout);
        }
        if !self.stderr.is_empty() {
            out.push_str("--- stderr\n");
            out.push_str(&self.stderr);
        }
        out
    }
}

impl Fixture {
    fn new(files: &[(&str, &str)]) -> Fixture {
        let fixture = Fixture {
            dir: tempfile::tempdir().expect("temporary directory"),
        };
        fixture.write(files);
        fixture
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

    /// Runs `kcfg ARGS` in the fixture's directory.
    fn run(&self, args: &[&str]) -> Run {
        let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
            .env("KCFG_CACHE_DIR", "off")
            .args(args)
            .current_dir(self.path())
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

    /// Every file under `dir` (relative to the fixture), with its text;
    /// not the input record, which names the build that wrote it (issue
    /// 18: `render/tests/incremental.rs` tests it).
    fn tree(&self, dir: &str) -> BTreeMap<String, String> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else if path.file_name().is_some_and(|name| name == ".kcfg-inputs") {
                    continue;
                } else {
                    let relative = path.strip_prefix(root).unwrap();
                    out.insert(
                        relative.display().to_string(),
                        std::fs::read_to_string(&path).unwrap(),
                    );
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(&self.path().join(dir), &self.path().join(dir), &mut out);
        out
    }

    /// The tree as one text: each file's path, then its contents.
    fn listing(&self, dir: &str) -> String {
        let mut out = String::new();
        for (path, text) in self.tree(dir) {
            out.push_str(&format!("== {path}\n{text}"));
        }
        out
    }

    fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.path().join(path)).unwrap()
    }

    fn exists(&self, path: &str) -> bool {
        self.path().join(path).exists()
    }

    fn modified(&self, path: &str) -> std::time::SystemTime {
        std::fs::metadata(self.path().join(path))
            .unwrap()
            .modified()
            .unwrap()
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

// ----- a small fleet -----------------------------------------------------------

const FLEET_PLAN: &str = r#"
local kcfg = import 'kcfg/render.libsonnet';
kcfg.plan {
  generators: [
    kcfg.matrix([
      kcfg.clusters('inventory/clusters.yaml'),
      kcfg.directories('apps/*'),
    ]),
  ],
  template(params):: {
    name: params.cluster.name + '/' + params.name,
    entry: params.path + '/' + params.entry,
    tlas: { cluster: params.cluster },
    namespace: params.name,
  },
}
"#;

const CLUSTERS: &str = "\
- name: edge-eu-001
  replicas: 2
  region: eu
- name: edge-us-001
  replicas: 3
  region: us
";

const WEB: &str = r#"
function(cluster) {
  deployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'web', labels: { region: cluster.region } },
    spec: { replicas: cluster.replicas, paused: false },
  },
  service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'web' },
    spec: { ports: [{ port: 80, name: 'http' }] },
  },
  // Nested objects of objects, and null, are fine.
  extra: { monitoring: { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'web', namespace: 'monitoring' } }, off: null },
}
"#;

const API: &str = r#"
function(cluster) {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api', namespace: 'api' }, data: { region: cluster.region, enabled: 'yes', version: '1.10' } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'system:api' }, rules: [] },
  ],
}
"#;

fn fleet() -> Fixture {
    Fixture::new(&[
        ("render.kcfg", FLEET_PLAN),
        ("inventory/clusters.yaml", CLUSTERS),
        ("apps/web/main.kcfg", WEB),
        ("apps/api/main.kcfg", API),
        ("apps/docs/README.md", "not an app: no main.kcfg\n"),
    ])
}

#[test]
fn renders_a_matrix_of_clusters_and_apps() {
    let fixture = fleet();
    let run = fixture.run(&["render"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 0
    --- stderr
    rendered 4 targets into rendered: 10 objects, 1.1 kB in [TIME] (4 written)
    ");
    insta::assert_snapshot!(fixture.listing("rendered"));
}

#[test]
fn check_passes_on_fresh_output_and_writes_nothing() {
    let fixture = fleet();
    assert_eq!(fixture.run(&["render"]).code, 0);
    let before = fixture.modified("rendered/edge-eu-001/web/deployment-web.yaml");
    let run = fixture.run(&["render", "--check"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 0
    --- stderr
    checked 4 targets against rendered: 10 objects, 1.1 kB in [TIME] (4 identical)
    ");
    // Rendering again leaves identical targets alone, mtimes included.
    assert_eq!(fixture.run(&["render", "-q"]).code, 0);
    assert_eq!(
        fixture.modified("rendered/edge-eu-001/web/deployment-web.yaml"),
        before
    );
}

#[test]
fn check_reports_added_removed_and_changed_files_with_diffs() {
    let fixture = fleet();
    assert_eq!(fixture.run(&["render"]).code, 0);
    let before = fixture.listing("rendered");
    // A changed replica count, a removed Service, a new cluster, a cluster gone.
    fixture.write(&[(
        "inventory/clusters.yaml",
        "- name: edge-eu-001\n  replicas: 5\n  region: eu\n- name: edge-ap-001\n  replicas: 1\n  region: ap\n",
    )]);
    fixture.write(&[(
        "apps/web/main.kcfg",
        &WEB.replace("service: {", "service:: {"),
    )]);
    let run = fixture.run(&["render", "--check"]);
    insta::assert_snapshot!(run.text());
    assert_eq!(fixture.listing("rendered"), before, "--check wrote nothing");
}

#[test]
fn check_without_output_directory_fails() {
    let fixture = fleet();
    let run = fixture.run(&["render", "--check", "--only", "edge-eu-001/api"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 1
    --- stdout
    target edge-eu-001/api: not rendered yet (rendered/edge-eu-001/api does not exist)
      added   clusterrole-system_api.yaml
      added   configmap-api.yaml
    --- stderr
    checked 1 target against rendered: 2 objects, 222 B in [TIME] (1 differs)
    rendered does not match the plan; run `kcfg render` to update it
    ");
    assert!(!fixture.exists("rendered"));
}

#[test]
fn stale_files_and_targets_are_removed() {
    let fixture = fleet();
    assert_eq!(fixture.run(&["render"]).code, 0);
    assert!(fixture.exists("rendered/edge-us-001/web/service-web.yaml"));
    fixture.write(&[
        (
            "inventory/clusters.yaml",
            "- name: edge-eu-001\n  replicas: 2\n  region: eu\n",
        ),
        (
            "apps/web/main.kcfg",
            &WEB.replace("service: {", "service:: {"),
        ),
    ]);
    let run = fixture.run(&["render"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 0
    --- stderr
    removed rendered/edge-us-001/api: target edge-us-001/api is no longer in the plan
    removed rendered/edge-us-001/web: target edge-us-001/web is no longer in the plan
    rendered 2 targets into rendered: 4 objects, 463 B in [TIME] (1 written, 1 unchanged, 1 reused: inputs unchanged, 2 stale targets removed)
    ");
    assert!(!fixture.exists("rendered/edge-eu-001/web/service-web.yaml"));
    assert!(!fixture.exists("rendered/edge-us-001"));
    insta::assert_snapshot!(fixture.read("rendered/.kcfg-rendered"), @r"
    # Written by `kcfg render`: the targets rendered into this directory. Do not edit.
    edge-eu-001/api
    edge-eu-001/web
    ");
    assert_eq!(fixture.run(&["render", "--check"]).code, 0);
}

#[test]
fn a_failing_target_keeps_its_previous_files() {
    let fixture = fleet();
    assert_eq!(fixture.run(&["render"]).code, 0);
    let old_web = fixture.tree("rendered/edge-eu-001/web");
    fixture.write(&[(
        "apps/web/main.kcfg",
        "function(cluster) if cluster.region == 'eu' then error 'web is broken in eu' else { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web' } }",
    )]);
    let run = fixture.run(&["render"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 1
    --- stderr
    error: target edge-eu-001/web:
    RUNTIME ERROR: web is broken in eu
    	apps/web/main.kcfg:1:50-77	function <top_level>
    	Top-level function	
    rendered 4 targets into rendered: 5 objects, 497 B in [TIME] (1 written, 2 unchanged, 1 failed, 2 reused: inputs unchanged)
    ");
    assert_eq!(fixture.tree("rendered/edge-eu-001/web"), old_web);
    assert_eq!(
        fixture
            .tree("rendered/edge-us-001/web")
            .keys()
            .collect::<Vec<_>>(),
        ["configmap-web.yaml"]
    );
    // The failed target is still listed as kcfg's, and no temporary
    // directory is left behind.
    assert!(fixture
        .read("rendered/.kcfg-rendered")
        .contains("edge-eu-001/web\n"));
    let names: Vec<String> = std::fs::read_dir(fixture.path().join("rendered/edge-eu-001"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let fixture = Fixture::new(&[
        (
            "render.kcfg",
            "{ targets: [{ name: 't' + i, entry: 'main.kcfg', tlas: { i: i } } for i in ['1', '2', '3']] }",
        ),
        (
            "main.kcfg",
            "function(i) if i == '2' then error 'two' else { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' + i } }",
        ),
    ]);
    let run = fixture.run(&["render", "-j", "1", "--fail-fast"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 1
    --- stderr
    error: target t2:
    RUNTIME ERROR: two
    	main.kcfg:1:30-41	function <top_level>
    	Top-level function	
    rendered 3 targets into rendered: 1 object, 52 B in [TIME] (1 written, 1 failed, 1 skipped)
    ");
    let run = fixture.run(&["render", "-j", "1"]);
    assert!(
        run.stderr
            .contains("(1 written, 1 unchanged, 1 failed, 1 reused: inputs unchanged)"),
        "{}",
        run.stderr
    );
}

#[test]
fn only_restricts_both_modes() {
    let fixture = fleet();
    let run = fixture.run(&["render", "--only", "*/web"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        fixture
            .tree("rendered")
            .keys()
            .filter(|k| k.ends_with(".yaml"))
            .count(),
        6
    );
    assert!(!fixture.exists("rendered/edge-eu-001/api"));
    // Other targets are not stale just because they were not selected.
    let run = fixture.run(&["render", "--only", "edge-eu-001/*"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(fixture.exists("rendered/edge-us-001/web/deployment-web.yaml"));
    let run = fixture.run(&[
        "render",
        "--check",
        "--only",
        "edge-eu-001/*",
        "--only",
        "*/web",
    ]);
    assert_eq!(run.code, 0, "{}", run.text());
    let run = fixture.run(&["render", "--check", "--only", "nothing-*"]);
    insta::assert_snapshot!(run.text(), @r"
    exit: 1
    --- stderr
    error: no target of the plan matches --only (4 targets in the plan)
    ");
}

// ----- value to objects ------------------------------------------------------

#[test]
fn value_to_objects_errors_name_the_target_and_path() {
    let cases = [
        ("scalar", "{ a: { b: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }, 42] } }"),
        ("string", "{ 'my-app': 'not an object' }"),
        ("no-kind", "{ thing: { apiVersion: 'v1', metadata: { name: 'x' } } }"),
        ("no-api-version", "[{ kind: 'Secret' }]"),
        ("kind-not-string", "{ apiVersion: 'v1', kind: 3 }"),
        ("no-name", "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: {} }"),
        ("no-metadata", "{ apiVersion: 'v1', kind: 'ConfigMap' }"),
        ("empty-name", "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '' } }"),
        ("bad-namespace", "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 1 } }"),
        ("list-items", "{ apiVersion: 'v1', kind: 'List', items: {} }"),
        ("duplicate", "{ a: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' } }, b: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'n' } }] }"),
        ("same-file", "{ a: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a:b' } }, b: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a_b' } } }"),
        ("function", "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: function() 1 }"),
        ("top-number", "1"),
    ];
    let mut files = vec![(
        "render.kcfg".to_string(),
        format!(
            "{{ targets: [{}] }}",
            cases
                .iter()
                .map(|(name, _)| format!("{{ name: '{name}', entry: '{name}.kcfg' }}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )];
    for (name, code) in cases {
        files.push((format!("{name}.kcfg"), code.to_string()));
    }
    // What is fine: a List in an array, null, empty objects, the same name
    // in two namespaces or for two kinds, a Deployment in two groups.
    files.push(("ok.kcfg".into(), "[null, {}, { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'a' } }] }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'b' } }, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'b' } }, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, { apiVersion: 'extensions/v1beta1', kind: 'Deployment', metadata: { name: 'd' }, hidden:: 1 }]".into()));
    files[0].1 = files[0].1.replace(
        "] }",
        ", { name: 'ok', entry: 'ok.kcfg', output: { fileName: '{group}-{kind}-{name}.yaml' } }] }",
    );
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let fixture = Fixture::new(&refs);
    let run = fixture.run(&["render"]);
    insta::assert_snapshot!(run.text());
    insta::assert_snapshot!(
        fixture.tree("rendered/ok").keys().cloned().collect::<Vec<_>>().join("\n"),
        @"
    a_core-configmap-x.yaml
    apps-deployment-d.yaml
    b_core-configmap-x.yaml
    b_core-secret-x.yaml
    extensions-deployment-d.yaml
    "
    );
}

// ----- plans ---------------------------------------------------------------------

#[test]
fn plan_errors() {
    let cases: &[(&str, &str)] = &[
        ("not-object", "[]"),
        ("unknown-field", "{ generator: [] }"),
        ("bad-generator", "{ generators: [{ generator: 'lists', elements: [] }] }"),
        ("no-template", "(import 'kcfg/render.libsonnet').plan { generators: [{ generator: 'list', elements: [{ a: 1 }] }] }"),
        ("bad-target", "{ targets: [{ name: 'a', entry: 'x.kcfg', tla: {} }] }"),
        ("duplicate", "{ targets: [{ name: 'a', entry: 'x' }, { name: 'a', entry: 'y' }] }"),
        ("nested", "{ targets: [{ name: 'a', entry: 'x' }, { name: 'a/b', entry: 'y' }] }"),
        ("dot-name", "{ targets: [{ name: '../a', entry: 'x' }] }"),
        ("template-error", "local kcfg = import 'kcfg/render.libsonnet'; kcfg.plan { generators: [kcfg.list([{ n: 1 }])], template(p):: { name: p.missing } }"),
        ("bad-output", "{ output: { format: 'toml' } }"),
        ("output-typo", "{ output: { fromat: 'json' } }"),
        ("generator-typo", "{ generators: [{ generator: 'list', element: [] }] }"),
        ("bad-file-name", "{ output: { fileName: '{kind}.yaml' }, targets: [{ name: 'a', entry: 'x' }] }"),
        ("syntax", "{ targets: [ }"),
    ];
    let mut report = String::new();
    for (name, plan) in cases {
        let fixture = Fixture::new(&[("render.kcfg", plan)]);
        let run = fixture.run(&["render"]);
        report.push_str(&format!("=== {name}\n{}", run.text()));
    }
    let fixture = Fixture::new(&[]);
    report.push_str(&format!("=== missing\n{}", fixture.run(&["render"]).text()));
    insta::assert_snapshot!(report);
}

#[test]
fn plan_arguments_and_import_paths() {
    let fixture = Fixture::new(&[
        (
            "deploy/render.kcfg",
            r#"
local kcfg = import 'kcfg/render.libsonnet';
function(count, prefix='c')
  kcfg.plan {
    generators: [kcfg.list([{ n: i } for i in std.makeArray(count, function(i) i + 1)])],
    template(p):: if p.n == 2 then null else {
      name: prefix + p.n,
      entry: 'main.kcfg',
      tlas: { n: p.n, label: std.extVar('label') },
      extVars: { region: 'eu' },
      jpath: ['vendor'],
    },
  }
"#,
        ),
        (
            "deploy/main.kcfg",
            "local lib = import 'lib.libsonnet'; local shared = import 'shared.libsonnet'; function(n, label) lib.configMap('cm-%d' % n, { label: label, region: std.extVar('region'), shared: shared })",
        ),
        (
            "deploy/vendor/lib.libsonnet",
            "{ configMap(name, data):: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: name }, data: data } }",
        ),
        ("libs/shared.libsonnet", "'from -J'"),
    ]);
    let run = fixture.run(&[
        "render",
        "deploy",
        "--tla-code",
        "count=3",
        "-A",
        "prefix=t",
        "-V",
        "label=blue",
        "-J",
        "libs",
        "--out",
        "out",
    ]);
    insta::assert_snapshot!(run.text(), @"
    exit: 0
    --- stderr
    rendered 2 targets into out: 2 objects, 210 B in [TIME] (2 written)
    ");
    insta::assert_snapshot!(fixture.listing("out"), @r"
    == .kcfg-rendered
    # Written by `kcfg render`: the targets rendered into this directory. Do not edit.
    t1
    t3
    == t1/configmap-cm-1.yaml
    apiVersion: v1
    data:
      label: blue
      region: eu
      shared: from -J
    kind: ConfigMap
    metadata:
      name: cm-1
    == t3/configmap-cm-3.yaml
    apiVersion: v1
    data:
      label: blue
      region: eu
      shared: from -J
    kind: ConfigMap
    metadata:
      name: cm-3
    ");
}

#[test]
fn refuses_foreign_output_directories() {
    let fixture = fleet();
    fixture.write(&[("mine/notes.txt", "keep me\n")]);
    let run = fixture.run(&["render", "--out", "mine"]);
    insta::assert_snapshot!(run.text(), @r"
    exit: 1
    --- stderr
    error: mine is not empty and was not written by kcfg render (it has no .kcfg-rendered); refusing to write into it: choose another --out or empty it
    ");
    assert_eq!(fixture.read("mine/notes.txt"), "keep me\n");
}

// ----- output formats ------------------------------------------------------------

#[test]
fn formats_and_layouts() {
    let fixture = fleet();
    let mut report = String::new();
    for args in [
        &["--format", "json", "--only", "edge-eu-001/web"][..],
        &["--single-file", "--only", "edge-eu-001/*"][..],
        &[
            "--single-file",
            "--format",
            "json",
            "--only",
            "edge-eu-001/api",
        ][..],
        &[
            "--file-name",
            "{namespace}/{Kind}.{name}.yml",
            "--only",
            "edge-eu-001/api",
        ][..],
        &["--layout", "hydrator", "--only", "edge-eu-001/api"][..],
    ] {
        let out = format!("out-{}", report.len());
        let mut full = vec!["render", "-q", "--out", &out];
        full.extend_from_slice(args);
        let run = fixture.run(&full);
        assert_eq!(run.code, 0, "{}", run.text());
        report.push_str(&format!(
            "##### {}\n{}",
            args.join(" "),
            fixture.listing(&out)
        ));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn the_hydrator_layout_is_yaml_only() {
    let fixture = fleet();
    let run = fixture.run(&["render", "--layout", "hydrator", "--format", "json"]);
    // Issue 16: two flags that cannot go together are a usage error, exit 1
    // as the help says and as clap's own usage errors (main.rs maps clap's 2).
    insta::assert_snapshot!(run.text(), @"
    exit: 1
    --- stderr
    error: --layout hydrator writes YAML (manifest.yaml, as Argo CD's source hydrator does); it cannot be combined with --format json
    ");
    let run = fixture.run(&["render", "--layout", "hydrator", "--single-file"]);
    assert_eq!(run.code, 1, "{}", run.text());
}

#[test]
fn output_is_deterministic_across_job_counts() {
    let fixture = fleet();
    assert_eq!(fixture.run(&["render", "-j", "1", "--out", "one"]).code, 0);
    assert_eq!(
        fixture.run(&["render", "-j", "8", "--out", "eight"]).code,
        0
    );
    assert_eq!(fixture.tree("one"), fixture.tree("eight"));
}

// ----- policies ------------------------------------------------------------------

const POLICY_LIMITS: &str = r#"
// Every container needs limits; the object's name is checked against the
// cluster it is rendered for.
function(object, target)
  [
    'container %s has no resource limits' % c.name
    for c in (if object.kind == 'Deployment' then object.spec.template.spec.containers else [])
    if !('limits' in c.resources)
  ]
"#;

const POLICY_RULES: &str = r#"
{
  'no-latest'(object, target): [
    { message: 'image %s uses the latest tag' % c.image }
    for c in (if object.kind == 'Deployment' then object.spec.template.spec.containers else [])
    if c.image == 'nginx:latest'
  ],
  'replica-bounds'(object, target):
    if object.kind == 'Deployment' && object.spec.replicas > target.params.max
    then [{ rule: 'replicas', message: '%d replicas, at most %d on %s' % [object.spec.replicas, target.params.max, target.name] }]
    else [null],
}
"#;

fn policy_fleet() -> Fixture {
    let deployment = |image: &str, limits: bool| {
        format!(
            "function(replicas) {{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: {{ name: 'web' }}, spec: {{ replicas: replicas, template: {{ spec: {{ containers: [{{ name: 'web', image: '{image}', resources: {} }}] }} }} }} }}",
            if limits { "{ limits: { cpu: 1 } }" } else { "{}" }
        )
    };
    let plan = r#"
local kcfg = import 'kcfg/render.libsonnet';
kcfg.plan {
  generators: [kcfg.list([
    { name: 'small', app: 'good', replicas: 2, max: 4 },
    { name: 'tiny', app: 'bad', replicas: 3, max: 2 },
    { name: 'large', app: 'good', replicas: 9, max: 16 },
  ])],
  template(p):: { name: p.name, entry: p.app + '.kcfg', tlas: { replicas: p.replicas } },
  policies: ['policies/limits.kcfg', 'policies/rules.kcfg'],
}
"#;
    Fixture::new(&[
        ("render.kcfg", plan),
        ("good.kcfg", &deployment("nginx:1.27", true)),
        ("bad.kcfg", &deployment("nginx:latest", false)),
        ("policies/limits.kcfg", POLICY_LIMITS),
        ("policies/rules.kcfg", POLICY_RULES),
    ])
}

#[test]
fn policy_violations_of_all_targets_are_reported_together() {
    let fixture = policy_fleet();
    let run = fixture.run(&["render"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 1
    --- stderr
    error: 3 policy violations in 1 target:
      tiny: Deployment web: [limits] container web has no resource limits
      tiny: Deployment web: [no-latest] image nginx:latest uses the latest tag
      tiny: Deployment web: [replicas] 3 replicas, at most 2 on tiny
    rendered 3 targets into rendered: 3 objects, 625 B in [TIME] (2 written, 1 failed)
    ");
    assert!(
        !fixture.exists("rendered/tiny"),
        "a violating target is not written"
    );
    assert!(fixture.exists("rendered/small/deployment-web.yaml"));
    // --check fails on violations too, even when the files would match.
    let run = fixture.run(&["render", "--check"]);
    assert_eq!(run.code, 1);
    assert!(run
        .stderr
        .contains("error: 3 policy violations in 1 target:"));
    // A policy with a broken rule fails the targets with its diagnostic.
    fixture.write(&[(
        "policies/rules.kcfg",
        "{ broken(object, target): object.nope }",
    )]);
    let run = fixture.run(&["render", "--only", "small"]);
    insta::assert_snapshot!(run.text(), @"
    exit: 1
    --- stderr
    error: target small:
    RUNTIME ERROR: field does not exist: nope
    	policies/rules.kcfg:1:27-38	function <anonymous>
    rendered 1 target into rendered: 0 objects, 0 B in [TIME] (1 failed)
    ");
}

// ----- help --------------------------------------------------------------------------

#[test]
fn help_teaches_plans_layouts_and_check() {
    let fixture = Fixture::new(&[]);
    let run = fixture.run(&["render", "--help"]);
    assert_eq!(run.code, 0);
    for needle in [
        "render.kcfg",
        "kcfg.clusters",
        "kcfg.directories",
        "--single-file",
        "{kind}-{name}.yaml",
        "--check",
        "exit 0",
        "Examples:",
        "--allow-mass-delete",
        "--max-prune-ratio",
        ".kcfg-lock",
    ] {
        assert!(run.stdout.contains(needle), "--help lacks {needle:?}");
    }
}

#[test]
fn the_embedded_render_library_documents_itself() {
    let text =
        std::fs::read_to_string(repo_root().join("render/src/lib/render.libsonnet")).unwrap();
    assert!(text.starts_with("// kcfg/render.libsonnet"));
}

// ----- the benchmark fleet -------------------------------------------------------

#[test]
fn the_benchmark_fleet_plan_renders_and_checks() {
    let out = tempfile::tempdir().unwrap();
    let out_dir = out.path().join("fleet");
    let run = |extra: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
            .env("KCFG_CACHE_DIR", "off")
            .args([
                "render",
                "bench/fleet",
                "--tla-code",
                "clusters=3",
                "-q",
                "--out",
            ])
            .arg(&out_dir)
            .args(extra)
            .current_dir(repo_root())
            .output()
            .expect("run kcfg");
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(0), "{stderr}");
    let clusters: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.'))
        .collect();
    assert_eq!(clusters.len(), 3, "{clusters:?}");
    let files = std::fs::read_dir(out_dir.join("edge-eu-west-001"))
        .unwrap()
        .count();
    assert!(files > 100, "{files} files for one cluster");
    let (code, stderr) = run(&["--check"]);
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_target_may_take_the_place_of_a_stale_one() {
    let fixture = Fixture::new(&[
        (
            "render.kcfg",
            "{ targets: [{ name: 'a', entry: 'main.kcfg' }] }",
        ),
        (
            "main.kcfg",
            "{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }",
        ),
    ]);
    assert_eq!(fixture.run(&["render", "-q"]).code, 0);
    // The old target `a` leaves; `a/b` is written where it was. That
    // removes every listed target, which takes --allow-mass-delete.
    fixture.write(&[(
        "render.kcfg",
        "{ targets: [{ name: 'a/b', entry: 'main.kcfg' }] }",
    )]);
    let run = fixture.run(&["render", "-q", "--allow-mass-delete"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        fixture.tree("rendered").keys().collect::<Vec<_>>(),
        [".kcfg-rendered", "a/b/configmap-c.yaml"]
    );
    // And back.
    fixture.write(&[(
        "render.kcfg",
        "{ targets: [{ name: 'a', entry: 'main.kcfg' }] }",
    )]);
    let run = fixture.run(&["render", "-q", "--max-prune-ratio", "1"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(
        fixture.tree("rendered").keys().collect::<Vec<_>>(),
        [".kcfg-rendered", "a/configmap-c.yaml"]
    );
}

#[test]
fn issue18_incremental_renders_shards_and_their_flags() {
    let fixture = Fixture::new(&[
        (
            "render.kcfg",
            "{ targets: [{ name: 't' + i, entry: 'main.kcfg', tlas: { i: i } } for i in ['1', '2']] }",
        ),
        (
            "main.kcfg",
            "function(i) { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' + i } }",
        ),
    ]);
    let summary = |run: &Run| run.stderr.lines().last().unwrap_or("").to_string();
    let run = fixture.run(&["render"]);
    assert_eq!(run.code, 0, "{}", run.text());
    assert!(summary(&run).ends_with("(2 written)"), "{}", run.text());
    let run = fixture.run(&["render"]);
    assert!(
        summary(&run).ends_with("(2 unchanged, 2 reused: inputs unchanged)"),
        "{}",
        run.text()
    );
    let run = fixture.run(&["render", "--no-incremental"]);
    assert!(summary(&run).ends_with("(2 unchanged)"), "{}", run.text());
    // A check trusts only a cache's record.
    let run = fixture.run(&["render", "--check"]);
    assert!(summary(&run).ends_with("(2 identical)"), "{}", run.text());
    for reused in ["(2 identical)", "(2 identical, 2 reused: inputs unchanged)"] {
        let run = fixture.run(&["render", "--check", "--cache", "cache"]);
        assert_eq!(run.code, 0, "{}", run.text());
        assert!(summary(&run).ends_with(reused), "{}", run.text());
    }
    // A record from another build is named and not used.
    let record = fixture.read("rendered/.kcfg-inputs");
    let other = regex::Regex::new(r#""build": "[^"]*""#)
        .unwrap()
        .replace(&record, r#""build": "kcfg 0.0.0 (commit 000000000000)""#);
    fixture.write(&[("rendered/.kcfg-inputs", &other)]);
    let run = fixture.run(&["render"]);
    assert!(
        run.stderr.contains(
            "note: input record not used: rendered/.kcfg-inputs: written by another kcfg build \
             (kcfg 0.0.0 (commit 000000000000); this is kcfg "
        ),
        "{}",
        run.text()
    );
    assert!(summary(&run).ends_with("(2 unchanged)"), "{}", run.text());

    for (flag, message) in [
        (
            "2/2",
            "error: --shard 2/2: the index must be below the count: shards of 2 are 0/2 to 1/2 \
             (indexes count from 0, as JOB_COMPLETION_INDEX does)",
        ),
        ("/3", "error: --shard /3: the index \"\" is not a number"),
    ] {
        let run = fixture.run(&["render", "--shard", flag]);
        assert_eq!(run.code, 1, "{}", run.text());
        assert!(run.stderr.starts_with(message), "{}", run.text());
    }
    let shards: usize = (0..2)
        .map(|index| {
            let run = fixture.run(&["render", "--check", "--shard", &format!("{index}/2")]);
            assert_eq!(run.code, 0, "{}", run.text());
            let line = summary(&run);
            let count: usize = line
                .strip_prefix("checked ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{line}"));
            count
        })
        .sum();
    assert_eq!(shards, 2);
    let run = fixture.run(&["render", "--prune-shards", "--check"]);
    assert_eq!(run.code, 1, "{}", run.text());
}
