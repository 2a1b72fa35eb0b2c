//! `kcfg fleet-diff` end to end (issue 18, item 2): a small fleet (six
//! clusters in two regions, two applications) committed to a temporary
//! git repository, changed commit by commit (one cluster, one region,
//! every cluster, an application added and one removed), and diffed
//! through the binary, with Markdown, JSON and text snapshots (`cargo insta
//! review` to update; commit names show as `[COMMIT]`). Every incremental
//! diff is held to the full one (`--no-incremental`, every target rendered
//! at both sides), and every run leaves the work tree, the repository's
//! status and a sacrificial sibling directory as they were. The edge-fleet
//! example's own history is diffed too.

use std::path::{Path, PathBuf};
use std::process::Command;

const KCFG: &str = env!("CARGO_BIN_EXE_kcfg");

/// A repository in a temporary directory, beside a sacrificial sibling.
struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    sibling: PathBuf,
}

const SIBLING_FILE: &str = "must stay";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().canonicalize().unwrap();
        let root = base.join("repo");
        let sibling = base.join("sibling");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(&sibling).unwrap();
        std::fs::write(sibling.join("keep"), SIBLING_FILE).unwrap();
        let repo = Repo {
            _dir: dir,
            root,
            sibling,
        };
        repo.git(&["init", "-q"]);
        repo
    }

    fn git(&self, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(&self.root)
            .args([
                "-c",
                "user.name=kcfg",
                "-c",
                "user.email=kcfg@example.com",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn write(&self, files: &[(&str, &str)]) {
        for (path, text) in files {
            let path = self.root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
    }

    fn remove(&self, path: &str) {
        std::fs::remove_dir_all(self.root.join(path)).unwrap();
    }

    /// Renders the plan (so the commit carries this build's input record)
    /// and commits everything.
    fn commit(&self, message: &str) -> String {
        self.commit_with(message, &[])
    }

    /// [`Repo::commit`], rendering with `render_args` (the plan's inputs).
    fn commit_with(&self, message: &str, render_args: &[&str]) -> String {
        let rendered = Command::new(KCFG)
            .env("KCFG_CACHE_DIR", "off")
            .current_dir(&self.root)
            .args(["render", "-q", "fleet"])
            .args(render_args)
            .output()
            .unwrap();
        assert!(
            rendered.status.success(),
            "{}",
            String::from_utf8_lossy(&rendered.stderr)
        );
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    fn kcfg(&self, args: &[&str]) -> Run {
        self.kcfg_in(&self.root, args)
    }

    fn kcfg_in(&self, dir: &Path, args: &[&str]) -> Run {
        let status_before = self.git(&["status", "--porcelain", "--ignored"]);
        let out = Command::new(KCFG)
            .env("KCFG_CACHE_DIR", "off")
            .current_dir(dir)
            .arg("fleet-diff")
            .args(args)
            .env_remove("PAGER")
            .output()
            .unwrap();
        // Nothing in the work tree, the index or beside the repository
        // changed.
        assert_eq!(
            self.git(&["status", "--porcelain", "--ignored"]),
            status_before
        );
        assert_eq!(
            std::fs::read_to_string(self.sibling.join("keep")).unwrap(),
            SIBLING_FILE
        );
        assert_eq!(std::fs::read_dir(&self.sibling).unwrap().count(), 1);
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: redact(&String::from_utf8(out.stdout).unwrap()),
            stderr: redact(&String::from_utf8(out.stderr).unwrap()),
        }
    }

    /// The diff in `format`, after checking that it equals the diff of
    /// full renders at both sides, and that it exits `code`.
    fn diff(&self, revisions: &[&str], format: &str, code: i32) -> String {
        self.diff_with(&[], revisions, format, code)
    }

    /// [`Repo::diff`] with more flags (the plan's inputs, `--only`).
    fn diff_with(&self, flags: &[&str], revisions: &[&str], format: &str, code: i32) -> String {
        let mut args = vec!["--plan", "fleet", "--format", format, "--color", "never"];
        args.extend(flags);
        args.extend(revisions);
        let incremental = self.kcfg(&args);
        assert_eq!(incremental.code, code, "{}", incremental.stderr);
        let mut full_args = args.clone();
        full_args.insert(0, "--no-incremental");
        let full = self.kcfg(&full_args);
        assert_eq!(full.code, code, "{}", full.stderr);
        let json_args: Vec<&str> = args
            .iter()
            .map(|arg| if *arg == format { "json" } else { arg })
            .collect();
        let mut full_json_args = json_args.clone();
        full_json_args.insert(0, "--no-incremental");
        let changes = |args: &[&str]| {
            let run = self.kcfg(args);
            let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            (report["targets"].clone(), report["summary"].clone())
        };
        let (incremental_targets, summary) = changes(&json_args);
        let (full_targets, full_summary) = changes(&full_json_args);
        assert_eq!(incremental_targets, full_targets, "incremental != full");
        // Every target in both plans was evaluated by the full diff, and
        // the incremental one proved the same number unchanged or
        // evaluated them.
        assert_eq!(full_summary["proven"], 0);
        assert_eq!(summary["unchanged"], full_summary["unchanged"]);
        assert_eq!(incremental.stderr, "");
        incremental.stdout
    }
}

/// Commit names (40 and 12 hex digits) as `[COMMIT]`.
fn redact(text: &str) -> String {
    let re = regex::Regex::new(r"\b[0-9a-f]{40}\b|\b[0-9a-f]{12}\b").unwrap();
    re.replace_all(text, "[COMMIT]").into_owned()
}

const PLAN: &str = r#"local kcfg = import 'kcfg/render.libsonnet';

kcfg.plan {
  generators: [
    kcfg.matrix([
      kcfg.clusters('inventory/clusters.yaml'),
      kcfg.directories('apps/*', entry='main.kcfg'),
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
- {name: eu-1, region: eu, size: small}
- {name: eu-2, region: eu, size: large}
- {name: eu-3, region: eu, size: small}
- {name: us-1, region: us, size: small}
- {name: us-2, region: us, size: small}
- {name: us-3, region: us, size: large}
";

const LIB: &str = r#"{
  image:: 'nginx:1.25',
  deployment(name, cluster, replicas):: [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: name, labels: { app: name, 'example.com/region': cluster.region } },
      spec: {
        replicas: replicas,
        template: { spec: { containers: [{ name: name, image: $.image }] } },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: name },
      spec: { ports: [{ name: 'http', port: 80 }] },
    },
  ],
}
"#;

const WEB: &str = r#"local lib = import '../../lib/app.libsonnet';

function(cluster)
  lib.deployment('web', cluster, replicas=if cluster.size == 'large' then 3 else 1)
"#;

const DB: &str = r#"function(cluster) {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'db' },
  data: { region: cluster.region },
}
"#;

/// The fleet at its first commit.
fn fleet() -> (Repo, String) {
    let repo = Repo::new();
    repo.write(&[
        ("fleet/render.kcfg", PLAN),
        ("fleet/inventory/clusters.yaml", CLUSTERS),
        ("fleet/lib/app.libsonnet", LIB),
        ("fleet/apps/web/main.kcfg", WEB),
        ("fleet/apps/db/main.kcfg", DB),
    ]);
    let first = repo.commit("a fleet of six clusters");
    (repo, first)
}

#[test]
fn issue18_one_cluster_changes() {
    let (repo, _) = fleet();
    repo.write(&[(
        "fleet/inventory/clusters.yaml",
        &CLUSTERS.replace(
            "eu-3, region: eu, size: small",
            "eu-3, region: eu, size: large",
        ),
    )]);
    // The work tree against HEAD (the default base).
    let markdown = repo.diff(&[], "markdown", 2);
    insta::assert_snapshot!(markdown);
    repo.commit("eu-3 is large");
    let json = repo.diff(&["HEAD~1", "HEAD"], "json", 2);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).unwrap());
}

#[test]
fn issue18_one_region_changes() {
    let (repo, _) = fleet();
    repo.write(&[(
        "fleet/apps/db/main.kcfg",
        &DB.replace(
            "data: { region: cluster.region },",
            "data: { region: cluster.region, [if cluster.region == 'eu' then 'gdpr']: 'true' },",
        ),
    )]);
    repo.commit("db: eu clusters say gdpr");
    insta::assert_snapshot!(repo.diff(&["HEAD~1", "HEAD"], "markdown", 2));
    insta::assert_snapshot!(repo.diff(&["HEAD~1", "HEAD"], "text", 2));
}

#[test]
fn issue18_every_cluster_changes() {
    let (repo, _) = fleet();
    repo.write(&[(
        "fleet/lib/app.libsonnet",
        &LIB.replace("nginx:1.25", "nginx:1.27"),
    )]);
    repo.commit("web: nginx 1.27");
    let json = repo.diff(&["HEAD~1", "HEAD"], "json", 2);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    // One group: the same change on every cluster, named by a glob.
    assert_eq!(json["groups"].as_array().unwrap().len(), 1);
    assert_eq!(json["groups"][0]["pattern"], "*/web");
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).unwrap());
    insta::assert_snapshot!(repo.diff(&["HEAD~1", "HEAD"], "markdown", 2));
}

/// Commits the application `cache` in place of `db`.
fn replace_db_with_cache(repo: &Repo) {
    repo.remove("fleet/apps/db");
    repo.write(&[(
        "fleet/apps/cache/main.kcfg",
        "function(cluster) { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cache' }, data: { size: cluster.size } }\n",
    )]);
    repo.commit("cache replaces db");
}

#[test]
fn issue18_an_application_added_and_one_removed() {
    let (repo, _) = fleet();
    replace_db_with_cache(&repo);
    let json = repo.diff(&["HEAD~1", "HEAD"], "json", 2);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["summary"]["added"], 6);
    assert_eq!(json["summary"]["removed"], 6);
    insta::assert_snapshot!(serde_json::to_string_pretty(&json).unwrap());
    insta::assert_snapshot!(repo.diff(&["HEAD~1", "HEAD"], "markdown", 2));
}

#[test]
fn issue18_nothing_changes_exit_0_and_the_record_proves_it() {
    let (repo, _) = fleet();
    repo.write(&[("fleet/README.md", "not read by the plan\n")]);
    repo.commit("a README");
    insta::assert_snapshot!(repo.diff(&["HEAD~1", "HEAD"], "text", 0), @r"
    Fleet diff of fleet: HEAD~1 ([COMMIT]) -> HEAD ([COMMIT])
    12 targets -> 12: 0 added, 0 removed, 0 changed, 12 unchanged (12 proven by the input record; evaluated 0 at the base, 0 at the head)
    No target changes.
    ");
    // The plan spelled otherwise than when it was rendered (from inside
    // its directory): a record spells paths from the plan's directory, so
    // it still proves every target.
    let run = repo.kcfg_in(
        &repo.root.join("fleet"),
        &["--format", "json", "HEAD~1", "HEAD"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["summary"]["proven"], 12);
    // An application's change: only its targets are evaluated.
    repo.write(&[("fleet/apps/db/main.kcfg", &DB.replace("'db'", "'database'"))]);
    let run = repo.kcfg(&["--plan", "fleet", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["summary"]["proven"], 6);
    assert_eq!(json["summary"]["evaluated"]["base"], 6);
    assert_eq!(json["summary"]["evaluated"]["head"], 6);
    assert_eq!(json["summary"]["changed"], 6);
    // Every application's change: the record proves nothing, because
    // every target's inputs changed, not because it does not fit; no note.
    repo.write(&[("fleet/apps/web/main.kcfg", &format!("{WEB}// edited\n"))]);
    let run = repo.kcfg(&["--plan", "fleet", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["summary"]["proven"], 0);
    assert_eq!(run.stderr, "");
}

#[test]
fn issue18_plan_absent_at_the_base_adds_every_target() {
    let repo = Repo::new();
    repo.write(&[("README.md", "before the fleet\n")]);
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "empty"]);
    repo.write(&[
        ("fleet/render.kcfg", PLAN),
        ("fleet/inventory/clusters.yaml", CLUSTERS),
        ("fleet/lib/app.libsonnet", LIB),
        ("fleet/apps/web/main.kcfg", WEB),
        ("fleet/apps/db/main.kcfg", DB),
    ]);
    repo.commit("the fleet");
    insta::assert_snapshot!(repo.diff(&["HEAD~1", "HEAD"], "markdown", 2));
    // And the other way round: every target removed.
    let json = repo.diff(&["HEAD", "HEAD~1"], "json", 2);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["summary"]["removed"], 12);
    assert_eq!(json["head"]["plan"], false);
}

#[test]
fn issue18_errors_name_what_is_wrong() {
    let (repo, _) = fleet();
    let run = repo.kcfg(&["--plan", "fleet", "no-such-branch"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr, @r#"error: unknown revision "no-such-branch": it names no commit of this repository"#);

    let outside = tempfile::tempdir().unwrap();
    let run = repo.kcfg_in(outside.path(), &["HEAD"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.starts_with("error: ") && run.stderr.contains("is not inside a git work tree"),
        "{}",
        run.stderr
    );

    // No git on PATH.
    let out = Command::new(KCFG)
        .env("KCFG_CACHE_DIR", "off")
        .current_dir(&repo.root)
        .args(["fleet-diff", "--plan", "fleet"])
        .env("PATH", outside.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: cannot run \"git\": ") && stderr.contains("install git"),
        "{stderr}"
    );

    // A target that fails at the head: exit 1, the error names it.
    repo.write(&[(
        "fleet/apps/db/main.kcfg",
        "function(cluster) error 'broken'\n",
    )]);
    let run = repo.kcfg(&["--plan", "fleet", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("error: eu-1/db at the head (work tree):"),
        "{}",
        run.stderr
    );
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["status"], "failed");
    assert_eq!(json["failures"].as_array().unwrap().len(), 6);
}

#[test]
fn issue18_markdown_is_capped_with_a_summary_of_what_was_cut() {
    let (repo, _) = fleet();
    repo.write(&[(
        "fleet/apps/db/main.kcfg",
        &DB.replace(
            "region: cluster.region",
            "region: cluster.region + '-' + cluster.name",
        ),
    )]);
    let full = repo.kcfg(&["--plan", "fleet", "--format", "markdown"]);
    assert_eq!(full.code, 2);
    let capped = repo.kcfg(&[
        "--plan",
        "fleet",
        "--format",
        "markdown",
        "--max-size",
        "700",
    ]);
    assert_eq!(capped.code, 2);
    assert!(capped.stdout.len() <= 700, "{}", capped.stdout.len());
    assert!(capped.stdout.len() < full.stdout.len());
    insta::assert_snapshot!(capped.stdout);
}

/// The edge-fleet example's own history: the commit that added the plan
/// adds every target; a commit that only reformatted kcfg files changes
/// none. Needs the repository's history (not a shallow clone).
#[test]
fn issue18_edge_fleet_history() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let has = |commit: &str| {
        Command::new("git")
            .current_dir(root)
            .args(["cat-file", "-e", &format!("{commit}^{{commit}}")])
            .status()
            .is_ok_and(|status| status.success())
    };
    if !has("55008fe") || !has("6f73ee0") {
        eprintln!("issue18_edge_fleet_history: the history is not here (a shallow clone?)");
        return;
    }
    let run = |args: &[&str]| {
        let out = Command::new(KCFG)
            .env("KCFG_CACHE_DIR", "off")
            .current_dir(root)
            .args([
                "fleet-diff",
                "--plan",
                "examples/edge-fleet",
                "--color",
                "never",
            ])
            .args(args)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            redact(&String::from_utf8(out.stdout).unwrap()),
        )
    };
    // `kcfg fmt` over the example changed no target.
    let (code, text) = run(&["e0eec88", "6f73ee0"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("683 targets -> 683: 0 added, 0 removed, 0 changed, 683 unchanged"),
        "{text}"
    );
    // The plan's first commit adds the fleet.
    let (code, markdown) = run(&[
        "--format",
        "markdown",
        "--max-size",
        "6000",
        "55008fe~1",
        "55008fe",
    ]);
    assert_eq!(code, 2);
    insta::assert_snapshot!(markdown);
}

// ----- the plan's inputs and --only (issue 18 follow-up) ---------------------------

/// A plan whose targets depend on an external variable (the clusters of a
/// region, or `all`) and a top-level argument (whether `db` is deployed).
const INPUT_PLAN: &str = r#"local kcfg = import 'kcfg/render.libsonnet';
local clusters = import 'inventory/clusters.libsonnet';

function(withDb=true)
  local region = std.extVar('region');
  kcfg.plan {
    targets: [
      {
        name: cluster.name + '/' + app,
        entry: 'apps/' + app + '/main.kcfg',
        tlas: { cluster: cluster },
        namespace: app,
      }
      for cluster in clusters
      if region == 'all' || cluster.region == region
      for app in ['web'] + (if withDb then ['db'] else [])
    ],
  }
"#;

const INPUT_CLUSTERS: &str = "[
  { name: 'eu-1', region: 'eu', size: 'small' },
  { name: 'eu-2', region: 'eu', size: 'large' },
  { name: 'us-1', region: 'us', size: 'small' },
]
";

/// The fleet of [`INPUT_PLAN`], committed, then a commit that changes
/// `eu-2/web` (eu-2 becomes small) and `us-1/db` (us clusters say ccpa).
fn input_fleet() -> Repo {
    let repo = Repo::new();
    repo.write(&[
        ("fleet/render.kcfg", INPUT_PLAN),
        ("fleet/inventory/clusters.libsonnet", INPUT_CLUSTERS),
        ("fleet/lib/app.libsonnet", LIB),
        ("fleet/apps/web/main.kcfg", WEB),
        ("fleet/apps/db/main.kcfg", DB),
    ]);
    repo.commit_with("a fleet of three clusters", &["-V", "region=all"]);
    repo.write(&[
        (
            "fleet/inventory/clusters.libsonnet",
            &INPUT_CLUSTERS.replace("'eu-2', region: 'eu', size: 'large'", "'eu-2', region: 'eu', size: 'small'"),
        ),
        (
            "fleet/apps/db/main.kcfg",
            &DB.replace(
                "data: { region: cluster.region },",
                "data: { region: cluster.region, [if cluster.region == 'us' then 'ccpa']: 'true' },",
            ),
        ),
    ]);
    repo.commit_with("eu-2 is small; us clusters say ccpa", &["-V", "region=all"]);
    repo
}

/// The JSON report of `flags`, held to the full diff by [`Repo::diff_with`].
fn input_json(repo: &Repo, flags: &[&str]) -> serde_json::Value {
    let json = repo.diff_with(flags, &["HEAD~1", "HEAD"], "json", 2);
    serde_json::from_str(&json).unwrap()
}

fn target_names(json: &serde_json::Value) -> Vec<&str> {
    json["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|target| target["target"].as_str().unwrap())
        .collect()
}

#[test]
fn issue18_plan_inputs_decide_the_targets_of_both_sides() {
    let repo = input_fleet();
    // The fleet the commits were rendered with.
    let all = input_json(&repo, &["-V", "region=all"]);
    assert_eq!(all["summary"]["base_targets"], 6);
    assert_eq!(target_names(&all), ["eu-2/web", "us-1/db"]);
    assert_eq!(all["selection"], serde_json::Value::Null);
    // The external variable and the top-level argument reach the plan at
    // both sides: Europe without db.
    let eu = input_json(&repo, &["-V", "region=eu", "--tla-code", "withDb=false"]);
    assert_eq!(eu["summary"]["base_targets"], 2);
    assert_eq!(eu["summary"]["head_targets"], 2);
    assert_eq!(target_names(&eu), ["eu-2/web"]);
    // The variable read from a file (outside the repository), once, for
    // both sides; an argument as a string is not code.
    let inputs = tempfile::tempdir().unwrap();
    let region = inputs.path().join("region.txt");
    std::fs::write(&region, "us").unwrap();
    let flag = format!("region={}", region.display());
    let us = input_json(&repo, &["--ext-str-file", &flag]);
    assert_eq!(us["summary"]["base_targets"], 2);
    assert_eq!(target_names(&us), ["us-1/db"]);
    assert_eq!(std::fs::read_to_string(&region).unwrap(), "us");

    // Without the variable the plan fails at the base, as kcfg render's
    // does, and says which variable.
    let run = repo.kcfg(&["--plan", "fleet", "--color", "never", "HEAD~1", "HEAD"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("RUNTIME ERROR: undefined external variable: region"),
        "{}",
        run.stderr
    );
}

#[test]
fn issue18_only_restricts_the_report_at_both_sides() {
    let repo = input_fleet();
    let flags = ["-V", "region=all", "--only", "eu-*/*", "--only", "*/db"];
    let json = input_json(&repo, &flags);
    assert_eq!(target_names(&json), ["eu-2/web", "us-1/db"]);
    assert_eq!(json["selection"], serde_json::json!(["eu-*/*", "*/db"]));
    // eu-1/db, eu-1/web, eu-2/db, eu-2/web and us-1/db; us-1/web is
    // neither evaluated nor counted.
    assert_eq!(json["summary"]["base_targets"], 5);
    assert_eq!(json["summary"]["unchanged"], 3);
    let evaluated = &json["summary"]["evaluated"];
    assert_eq!(
        evaluated["base"].as_u64().unwrap() + json["summary"]["proven"].as_u64().unwrap(),
        5
    );
    let only_eu = ["-V", "region=all", "--only", "eu-*/*"];
    insta::assert_snapshot!(repo.diff_with(&only_eu, &["HEAD~1", "HEAD"], "text", 2), @r"
    Fleet diff of fleet: HEAD~1 ([COMMIT]) -> HEAD ([COMMIT])
    Selection: only the targets --only 'eu-*/*' selects are compared and counted.
    4 targets -> 4: 0 added, 0 removed, 1 changed, 3 unchanged (1 proven by the input record; evaluated 3 at the base, 3 at the head)

    application    added  removed  changed
    web                0        0        1

    cluster    added  removed  changed
    eu-2           0        0        1

    ~ changed: eu-2/web
        ~ Deployment web
            spec.replicas: 3 -> 1
    ");
    let markdown = repo.diff_with(&only_eu, &["HEAD~1", "HEAD"], "markdown", 2);
    assert!(
        markdown.contains(
            "> Selection: only the targets --only 'eu-*/*' selects are compared and counted."
        ),
        "{markdown}"
    );
}

#[test]
fn issue18_only_matching_nothing_and_bad_inputs_exit_1() {
    let repo = input_fleet();
    let run = repo.kcfg(&[
        "--plan",
        "fleet",
        "-V",
        "region=all",
        "--only",
        "eu-1",
        "HEAD~1",
        "HEAD",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr, @"error: no target of the plan matches --only (6 targets in the plan); did you mean --only 'eu-1/*'?");
    assert_eq!(run.stdout, "");

    let run = repo.kcfg(&[
        "--plan",
        "fleet",
        "-V",
        "region=all",
        "--tla-code",
        "withDb=tru",
        "HEAD~1",
        "HEAD",
    ]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr, @r"
    error: fleet/render.kcfg: evaluating the plan's `targets` failed
    STATIC ERROR: <tla:withDb>:1:1-4: Unknown variable: tru
    ");

    let run = repo.kcfg(&["--plan", "fleet", "--tla-code", "=true"]);
    assert_eq!(run.code, 1);
    insta::assert_snapshot!(run.stderr, @r#"error: missing variable name in "=true""#);
}

#[test]
fn issue18_only_selecting_the_targets_of_one_side_is_no_error() {
    let (repo, _) = fleet();
    replace_db_with_cache(&repo);
    // `*/cache` selects nothing at the base and six targets at the head.
    let json = repo.diff_with(&["--only", "*/cache"], &["HEAD~1", "HEAD"], "json", 2);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["summary"]["base_targets"], 0);
    assert_eq!(json["summary"]["head_targets"], 6);
    assert_eq!(json["summary"]["added"], 6);
    assert_eq!(json["summary"]["removed"], 0);
    assert_eq!(json["groups"][0]["pattern"], "*/cache");
}

#[test]
fn issue18_the_default_cache_record_is_trusted() {
    let (repo, _) = fleet();
    // A base that carries no record: only the cache can prove targets.
    std::fs::remove_file(repo.root.join("fleet/rendered/.kcfg-inputs")).unwrap();
    repo.git(&["commit", "-q", "-a", "-m", "no record"]);
    let home = repo.root.parent().unwrap().join("home");
    std::fs::create_dir(&home).unwrap();
    // kcfg with a HOME of its own and its default cache there.
    let kcfg = |args: &[&str]| {
        Command::new(KCFG)
            .env("HOME", &home)
            .env_remove("XDG_CACHE_HOME")
            .env_remove("KCFG_CACHE_DIR")
            .env_remove("PAGER")
            .current_dir(&repo.root)
            .args(args)
            .output()
            .unwrap()
    };
    let rendered = kcfg(&["render", "-q", "fleet"]);
    assert!(rendered.status.success(), "{rendered:?}");
    assert!(home.join(".cache/kcfg").is_dir());
    let summary = |args: &[&str]| {
        let mut all = vec!["fleet-diff", "--plan", "fleet", "--format", "json"];
        all.extend(args);
        let run = kcfg(&all);
        assert_eq!(run.status.code(), Some(0), "{run:?}");
        let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        report["summary"].clone()
    };
    assert_eq!(summary(&["HEAD"])["proven"], 12);
    assert_eq!(summary(&["--no-cache", "HEAD"])["proven"], 0);
    assert_eq!(
        std::fs::read_to_string(repo.sibling.join("keep")).unwrap(),
        SIBLING_FILE
    );
}
