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

/// At most 10 replicas: `edge-us-2/web` asks for 30.
const LIMITS: &str = r#"
function(object, target)
  if object.kind == 'Deployment' && object.spec.replicas > 10 then
    ['at most 10 replicas, got %d' % object.spec.replicas]
  else []
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
