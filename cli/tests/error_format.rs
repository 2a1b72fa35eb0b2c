//! Issue 16, items 4 and 5: errors that read well in logs, and
//! suggestions where no argument parser has one.
//!
//! Every error format (`--error-format rich|plain|json`) of `kcfg eval`
//! and `kcfg render` on a syntax error, a runtime error with a trace, a
//! policy violation and the same error in several targets (grouped);
//! `kcfg render --output json`'s report (timings redacted); "did you mean"
//! for `--only` and plan fields. Runs are snapshotted with insta (`cargo
//! insta review`); the temporary directory shows as `[DIR]`.

use std::path::Path;
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
        for (path, text) in files {
            let path = fixture.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        fixture
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `kcfg ARGS` in the fixture's directory, standard error not a
    /// terminal, with `env` set.
    fn run_with(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_kcfg"));
        command.env("KCFG_CACHE_DIR", "off");
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("JSONNET_PATH")
            .env_remove("NO_COLOR")
            .env_remove("CLICOLOR_FORCE")
            .env_remove("CLICOLOR");
        for (name, value) in env {
            command.env(name, value);
        }
        let output = command.output().expect("run kcfg");
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

    fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, &[])
    }
}

// ----- a fleet whose targets fail alike ---------------------------------------

/// Five clusters in two regions, each with the apps `web` and `db`.
const PLAN: &str = r#"
local kcfg = import 'kcfg/render.libsonnet';
kcfg.plan {
  generators: [
    kcfg.matrix([
      kcfg.clusters('clusters.yaml'),
      kcfg.directories('apps/*'),
    ]),
  ],
  template(params):: {
    name: params.cluster.name + '/' + params.name,
    entry: params.path + '/' + params.entry,
    tlas: { cluster: params.cluster },
  },
  policies: ['policies/limits.kcfg'],
}
"#;

const CLUSTERS: &str = "\
- name: edge-eu-1
  region: eu
  replicas: 2
- name: edge-eu-2
  region: eu
  replicas: 2
- name: edge-eu-3
  region: eu
  replicas: 2
- name: edge-us-1
  region: us
  replicas: 1
- name: edge-us-2
  region: us
  replicas: 30
";

/// `web` fails alike in every `eu` cluster (a missing field of a library,
/// with a trace through it).
const WEB: &str = r#"
local lib = import '../../lib/app.libsonnet';
function(cluster) lib.deployment('web', cluster)
"#;

const DB: &str = r#"
function(cluster) {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'db', namespace: 'db' },
  data: { region: cluster.region },
}
"#;

const LIB: &str = r#"
{
  deployment(name, cluster):: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: name, namespace: name },
    spec: {
      replicas: if cluster.region == 'eu' then cluster.replicaCount else cluster.replicas,
    },
  },
}
"#;

/// At most 10 replicas (`edge-us-2/web` asks for 30), and every
/// ConfigMap labelled (no `db` is: the same violation in five targets).
const LIMITS: &str = r#"
{
  replicas(object, target):
    if object.kind == 'Deployment' && object.spec.replicas > 10 then
      ['at most 10 replicas, got %d' % object.spec.replicas]
    else [],
  labels(object, target):
    if object.kind == 'ConfigMap' && !std.objectHas(object.metadata, 'labels') then
      ['a ConfigMap needs labels']
    else [],
}
"#;

fn fleet() -> Fixture {
    Fixture::new(&[
        ("render.kcfg", PLAN),
        ("clusters.yaml", CLUSTERS),
        ("apps/web/main.kcfg", WEB),
        ("apps/db/main.kcfg", DB),
        ("lib/app.libsonnet", LIB),
        ("policies/limits.kcfg", LIMITS),
    ])
}

// ----- item 5: suggestions -------------------------------------------------------

#[test]
fn issue16_only_matching_nothing_suggests_a_near_glob() {
    let fixture = fleet();
    let mut report = String::new();
    for only in ["edge-eu-1", "edge-eu1", "web", "edge-*", "zzz"] {
        let run = fixture.run(&["render", "--only", only]);
        report.push_str(&format!("=== --only {only}\n{}", run.text()));
    }
    insta::assert_snapshot!(report);
}

// ----- item 4: render ------------------------------------------------------------

/// `kcfg render` in each error format: one runtime error with a trace in
/// the three `eu` targets of `web` (grouped as `edge-eu-*/web`), a policy
/// violation in five targets (`*/db`) and one in a single target.
#[test]
fn issue16_render_error_formats() {
    let mut report = String::new();
    for format in ["plain", "rich", "json"] {
        let run = fleet().run(&["render", "--error-format", format]);
        report.push_str(&format!("=== --error-format {format}\n{}", run.text()));
    }
    insta::assert_snapshot!(report);
}

/// A plan with a syntax error, in each format.
#[test]
fn issue16_render_plan_syntax_error_formats() {
    let fixture = Fixture::new(&[("render.kcfg", "{\n  targets: [\n}\n")]);
    let mut report = String::new();
    for format in ["plain", "rich", "json"] {
        let run = fixture.run(&["render", "--error-format", format]);
        report.push_str(&format!("=== --error-format {format}\n{}", run.text()));
    }
    insta::assert_snapshot!(report);
}

/// Replaces every `*_ms` number of a JSON report with `"[ms]"`.
fn redact_timings(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if name.ends_with("_ms") && field.is_number() {
                    *field = serde_json::Value::String("[ms]".into());
                } else {
                    redact_timings(field);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_timings),
        _ => {}
    }
}

fn json_report(run: &Run) -> String {
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "one JSON line: {}",
        run.stdout
    );
    let mut value: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    redact_timings(&mut value);
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn issue16_render_json_report() {
    let fixture = fleet();
    let run = fixture.run(&[
        "render",
        "--only",
        "edge-eu-[12]/*",
        "--only",
        "edge-us-1/web",
        "--output",
        "json",
        "--error-format",
        "json",
    ]);
    assert_eq!(run.code, 1);
    // Standard error holds only JSON lines.
    for line in run.stderr.lines() {
        serde_json::from_str::<serde_json::Value>(line).expect("a JSON line");
    }
    insta::assert_snapshot!("render_json_report", json_report(&run));

    // A check of what was just written: the same targets fail, and the
    // one that was written differs after a change to its file.
    let path = fixture
        .path()
        .join("rendered/edge-us-1/web/web_deployment-web.yaml");
    std::fs::write(&path, "changed\n").unwrap();
    let run = fixture.run(&[
        "render",
        "--check",
        "--only",
        "edge-*-1/web",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("render_json_check", json_report(&run));
}

#[test]
fn issue16_render_json_report_of_a_render_that_stopped() {
    let fixture = Fixture::new(&[(
        "render.kcfg",
        "{ targets: [ { name: 'a', entry: 'a.kcfg', tla: {} } ] }",
    )]);
    let run = fixture.run(&["render", "--output", "json"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("render_json_stopped", json_report(&run));
    // The reason is on standard error too, as text.
    assert!(run
        .stderr
        .starts_with("error: render.kcfg: targets[0]: unknown field `tla`"));
}

// ----- item 4: eval ----------------------------------------------------------------

const SYNTAX: &str = "{\n  a: 1,\n  b: [1, 2\n}\n";

const RUNTIME: &str = "local lib = {\n  port(config):: config.portt,\n};\n{\n  service: { port: lib.port({ port: 80 }) },\n}\n";

/// `kcfg eval` in each error format, on a syntax error and on a runtime
/// error with a trace and a "did you mean".
#[test]
fn issue16_eval_error_formats() {
    let fixture = Fixture::new(&[("syntax.jsonnet", SYNTAX), ("runtime.jsonnet", RUNTIME)]);
    let mut report = String::new();
    for file in ["syntax.jsonnet", "runtime.jsonnet"] {
        for format in ["plain", "rich", "json"] {
            let run = fixture.run(&["eval", "--error-format", format, file]);
            report.push_str(&format!(
                "=== {file} --error-format {format}\n{}",
                run.text()
            ));
        }
    }
    insta::assert_snapshot!(report);
}

/// Rich is a layout, not colours: asked for, it is printed without colour
/// into a pipe, with NO_COLOR and with --color never, and coloured with
/// --color always. Without the flag, `kcfg` prints plain text into a pipe
/// (rich only with --color always), and the `jsonnet` personality plain
/// text always.
#[test]
fn issue16_rich_without_colour_and_the_defaults() {
    let fixture = Fixture::new(&[("runtime.jsonnet", RUNTIME)]);
    let rich = fixture.run(&["eval", "--error-format", "rich", "runtime.jsonnet"]);
    assert!(rich.stderr.contains("╰── here"), "{}", rich.stderr);
    assert!(!rich.stderr.contains('\x1b'));
    let no_color = fixture.run_with(
        &[
            "eval",
            "--error-format",
            "rich",
            "--color",
            "auto",
            "runtime.jsonnet",
        ],
        &[("NO_COLOR", "1")],
    );
    assert_eq!(no_color.stderr, rich.stderr);
    let never = fixture.run(&[
        "eval",
        "--error-format",
        "rich",
        "--color",
        "never",
        "runtime.jsonnet",
    ]);
    assert_eq!(never.stderr, rich.stderr);
    let coloured = fixture.run(&[
        "eval",
        "--error-format",
        "rich",
        "--color",
        "always",
        "runtime.jsonnet",
    ]);
    assert!(coloured.stderr.contains('\x1b'));

    let plain = fixture.run(&["eval", "--error-format", "plain", "runtime.jsonnet"]);
    assert!(plain
        .stderr
        .starts_with("RUNTIME ERROR: field does not exist: portt\n\t"));
    let default = fixture.run(&["eval", "runtime.jsonnet"]);
    assert_eq!(default.stderr, plain.stderr);
    let forced = fixture.run(&["eval", "--color", "always", "runtime.jsonnet"]);
    assert!(forced.stderr.contains('\x1b') && forced.stderr.contains("here"));

    // The personality: a link named `jsonnet`.
    let link = fixture.path().join("jsonnet");
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kcfg"), &link).unwrap();
    let jsonnet = |args: &[&str]| {
        let output = Command::new(&link)
            .env("KCFG_CACHE_DIR", "off")
            .args(args)
            .current_dir(fixture.path())
            .env_remove("NO_COLOR")
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    assert_eq!(
        jsonnet(&["runtime.jsonnet"]),
        (Some(1), plain.stderr.clone())
    );
    assert_eq!(
        jsonnet(&["--color", "always", "runtime.jsonnet"]),
        (Some(1), plain.stderr.clone())
    );
    let (code, json) = jsonnet(&["--error-format", "json", "runtime.jsonnet"]);
    assert_eq!(code, Some(1));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["code"], "kcfg::eval::field_not_found");

    let bad = fixture.run(&["eval", "--error-format", "fancy", "runtime.jsonnet"]);
    assert_eq!(bad.code, 1);
    assert_eq!(
        bad.stderr,
        "ERROR: invalid --error-format value: fancy (expected rich, plain or json)\n"
    );
    let bad = fixture.run(&["render", "--error-format", "fancy"]);
    assert_eq!(bad.code, 1);
}

/// `--help` says which format is the default.
#[test]
fn issue16_help_names_the_default_error_format() {
    let fixture = Fixture::new(&[]);
    for args in [
        &["eval", "--help"][..],
        &["render", "--help"],
        &["argocd", "generate", "--help"],
    ] {
        let run = fixture.run(args);
        let help = run.stdout.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(help.contains("--error-format"), "{args:?}: {help}");
        assert!(
            help.contains("rich when standard error is a terminal")
                || help.contains("default: rich on a terminal, else plain"),
            "{args:?}: {help}"
        );
    }
}
