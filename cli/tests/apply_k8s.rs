//! `kcfg apply` on the real edge-fleet example (`examples/edge-fleet`)
//! against ten test API servers (the kit in `apply/tests/k8s`): render ten
//! of its edge clusters with the `kcfg` binary, plan and apply them, change
//! the example's sources, render again, and check that the second run
//! changes exactly what the render diff says.
//!
//! Like `apply/tests/k8s.rs`, the test is `#[ignore]`d so that a plain
//! `cargo test` reports it as ignored; `apply/tests/run-k8s.sh` (and CI) runs
//! it with `--include-ignored`, and then a server that cannot start is a
//! loud failure. What the servers serve, and the choices made here (group
//! mapping, the Namespace stand-in, no health waits, counting requests), are
//! described in `apply/tests/README.md`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::{json, Value};

#[path = "../../apply/tests/support/mod.rs"]
mod support;

const CLUSTERS: [&str; 10] = [
    "edge-eu-west-001",
    "edge-eu-west-002",
    "edge-eu-west-003",
    "edge-eu-west-004",
    "edge-eu-west-005",
    "edge-eu-west-006",
    "edge-eu-west-007",
    "edge-eu-west-008",
    "edge-eu-west-009",
    "edge-eu-west-010",
];

/// The built-in groups the example uses, sent to the servers' stand-ins.
const GROUP_MAP: [&str; 4] = [
    "core=core.kcfg.dev",
    "apps=apps.kcfg.dev",
    "rbac.authorization.k8s.io=rbac.kcfg.dev",
    "policy=policy.kcfg.dev",
];

/// The user in the servers' kubeconfigs; the audit log counts its requests.
const TEST_USER: &str = "kcfg-test";

fn repo_root() -> PathBuf {
    support::repo_root(env!("CARGO_MANIFEST_DIR"))
}

fn scripts_dir() -> PathBuf {
    support::scripts_dir(&repo_root())
}

// ---------------------------------------------------------------------------
// Servers

/// A running API server whose audit log records every request; stopped on drop.
struct TestServer {
    env: HashMap<String, String>,
    audit_log: PathBuf,
}

impl TestServer {
    /// Starts a server with `start.sh`, serving the CRDs in `crds` and
    /// writing its audit log to `audit_log`. Panics with instructions when
    /// that fails: the test only runs when asked to.
    fn start(crds: &Path, audit_policy: &Path, audit_log: &Path) -> TestServer {
        let args = format!(
            "{} --audit-log-path={} --audit-policy-file={}",
            std::env::var("KCFG_K8S_APISERVER_ARGS").unwrap_or_default(),
            audit_log.display(),
            audit_policy.display()
        );
        let crds = crds.to_string_lossy();
        let env = support::start(
            &scripts_dir(),
            &[
                ("KCFG_K8S_CRDS", crds.as_ref()),
                ("KCFG_K8S_APISERVER_ARGS", args.trim()),
            ],
        );
        TestServer {
            env,
            audit_log: audit_log.to_path_buf(),
        }
    }

    fn kubeconfig(&self) -> PathBuf {
        PathBuf::from(&self.env["KUBECONFIG"])
    }

    /// The audit events of the test user's requests so far, one per
    /// request. The audit backend blocks each response until its event is
    /// written, so a finished `kcfg` run is fully recorded.
    fn requests(&self) -> Vec<Value> {
        let text = std::fs::read_to_string(&self.audit_log).unwrap_or_default();
        text.lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|event| event.pointer("/user/username") == Some(&json!(TEST_USER)))
            .collect()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(scripts_dir().join("stop.sh"))
            .arg(&self.env["KCFG_K8S_RUN"])
            .status();
    }
}

/// The CRDs the servers serve: the kit's stand-ins except its Namespace,
/// which cannot be read by name, and `apply/tests/k8s/fleet-crds` (see its
/// README) with a Namespace stand-in that can.
fn assemble_crds(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let sources = [
        scripts_dir().join("crds"),
        repo_root().join("apply/tests/k8s/fleet-crds"),
    ];
    for source in sources {
        for entry in std::fs::read_dir(&source).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".yaml") && name != "namespaces.core.kcfg.dev.yaml" {
                std::fs::copy(&path, dir.join(name)).unwrap();
            }
        }
    }
}

/// A kubeconfig with one context per server, named `test-<cluster>`.
fn merged_kubeconfig(servers: &[(&str, TestServer)], path: &Path) {
    let (mut clusters, mut users, mut contexts) = (Vec::new(), Vec::new(), Vec::new());
    for (name, server) in servers {
        let text = std::fs::read_to_string(server.kubeconfig()).unwrap();
        let config: Value = serde_norway::from_str(&text).unwrap();
        let mut cluster = config["clusters"][0].clone();
        cluster["name"] = json!(name);
        let mut user = config["users"][0].clone();
        user["name"] = json!(name);
        clusters.push(cluster);
        users.push(user);
        contexts.push(json!({"name": format!("test-{name}"),
            "context": {"cluster": name, "user": name, "namespace": "default"}}));
    }
    let merged = json!({"apiVersion": "v1", "kind": "Config", "clusters": clusters,
        "users": users, "contexts": contexts, "current-context": format!("test-{}", CLUSTERS[0])});
    std::fs::write(path, serde_norway::to_string(&merged).unwrap()).unwrap();
}

// ---------------------------------------------------------------------------
// The example, rendered

/// Copies a directory tree, leaving out the top-level entries in `skip`.
fn copy_tree(from: &Path, to: &Path, skip: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (path, name) = (entry.path(), entry.file_name());
        if skip.iter().any(|s| name == *s) {
            continue;
        }
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&path, &to.join(&name), &[]);
        } else {
            std::fs::copy(&path, to.join(&name)).unwrap();
        }
    }
}

/// Replaces `from` (which must occur exactly once) in a source file.
fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{}: expected {from:?} once",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
}

/// Runs `kcfg ARGS`: (exit code, stdout, stderr).
fn kcfg(args: &[String]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .env_remove("JSONNET_PATH")
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .output()
        .expect("run kcfg");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `kcfg render SRC --only '<cluster>/*'... --out OUT`.
fn render(src: &Path, out: &Path) {
    let mut args = vec!["render".to_string(), src.display().to_string()];
    for cluster in CLUSTERS {
        args.extend(["--only".to_string(), format!("{cluster}/*")]);
    }
    args.extend(["--out".to_string(), out.display().to_string()]);
    let (code, stdout, stderr) = kcfg(&args);
    assert_eq!(code, 0, "kcfg render failed:\n{stdout}\n{stderr}");
}

/// An object as reports name it: (target, `Kind namespace/name`).
type Key = (String, String);

fn key(target: &str, kind: &str, namespace: &str, name: &str) -> Key {
    let object = if namespace.is_empty() {
        format!("{kind} {name}")
    } else {
        format!("{kind} {namespace}/{name}")
    };
    (target.to_string(), object)
}

/// Every object of a rendered tree (`<cluster>/<app>/<files>`), by key.
fn rendered_objects(root: &Path) -> BTreeMap<Key, Value> {
    let mut res = BTreeMap::new();
    for cluster in std::fs::read_dir(root).unwrap() {
        let cluster = cluster.unwrap();
        if !cluster.file_type().unwrap().is_dir() {
            continue;
        }
        for app in std::fs::read_dir(cluster.path()).unwrap() {
            let app = app.unwrap();
            let target = format!(
                "{}/{}",
                cluster.file_name().to_string_lossy(),
                app.file_name().to_string_lossy()
            );
            for file in std::fs::read_dir(app.path()).unwrap() {
                let path = file.unwrap().path();
                if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for doc in serde_norway::Deserializer::from_str(&text) {
                    let obj = Value::deserialize(doc).unwrap();
                    if obj.is_null() {
                        continue;
                    }
                    let meta = &obj["metadata"];
                    let k = key(
                        &target,
                        obj["kind"].as_str().unwrap(),
                        meta["namespace"].as_str().unwrap_or(""),
                        meta["name"].as_str().unwrap(),
                    );
                    assert!(res.insert(k.clone(), obj).is_none(), "{k:?} twice");
                }
            }
        }
    }
    res
}

/// What the render diff says about each object: added objects are created,
/// changed ones updated, removed ones pruned, except those of the kinds kcfg
/// never prunes unless allowed (here Namespaces), which are kept.
fn render_diff(
    old: &BTreeMap<Key, Value>,
    new: &BTreeMap<Key, Value>,
) -> BTreeMap<Key, &'static str> {
    let mut res = BTreeMap::new();
    for (k, value) in new {
        match old.get(k) {
            None => {
                res.insert(k.clone(), "create");
            }
            Some(before) if before != value => {
                res.insert(k.clone(), "update");
            }
            Some(_) => {}
        }
    }
    for (k, value) in old {
        if !new.contains_key(k) {
            let protected = value["kind"] == "Namespace";
            res.insert(k.clone(), if protected { "keep" } else { "prune" });
        }
    }
    res
}

// ---------------------------------------------------------------------------
// Runs

/// One `kcfg apply -o json` run.
struct Run {
    code: i32,
    records: Vec<Value>,
    time: Duration,
    /// Requests the servers answered, by what they did.
    requests: BTreeMap<&'static str, usize>,
    stderr: String,
}

impl Run {
    /// Records whose action is not `unchanged`, by object.
    fn changes(&self) -> BTreeMap<Key, String> {
        self.records
            .iter()
            .filter(|r| r["action"] != "unchanged")
            .map(|r| {
                (
                    key(
                        r["target"].as_str().unwrap_or(""),
                        r["kind"].as_str().unwrap_or(""),
                        r["namespace"].as_str().unwrap_or(""),
                        r["name"].as_str().unwrap_or(""),
                    ),
                    r["action"].as_str().unwrap_or("?").to_string(),
                )
            })
            .collect()
    }

    /// Every record's (action, result), counted.
    fn tally(&self) -> BTreeMap<(String, String), usize> {
        let mut res = BTreeMap::new();
        for r in &self.records {
            let pair = (
                r["action"].as_str().unwrap_or("-").to_string(),
                r["result"].as_str().unwrap_or("-").to_string(),
            );
            *res.entry(pair).or_default() += 1;
        }
        res
    }

    fn explain(&self) -> String {
        let failed: Vec<&Value> = self
            .records
            .iter()
            .filter(|r| r["result"] == "failed" || r.get("action").is_none())
            .take(10)
            .collect();
        format!(
            "exit {}; tally {:?}\nfailed: {failed:#?}\nstderr: {}",
            self.code,
            self.tally(),
            self.stderr
        )
    }
}

struct Fleet {
    kubeconfig: PathBuf,
    servers: Vec<(&'static str, TestServer)>,
}

impl Fleet {
    /// How many requests each server has recorded so far.
    fn recorded(&self) -> Vec<usize> {
        self.servers
            .iter()
            .map(|(_, s)| s.requests().len())
            .collect()
    }

    /// The requests recorded since `before`, counted by what they did.
    fn requests_since(&self, before: &[usize]) -> BTreeMap<&'static str, usize> {
        let mut res = BTreeMap::new();
        for ((_, server), skip) in self.servers.iter().zip(before) {
            for event in server.requests().into_iter().skip(*skip) {
                let uri = event["requestURI"].as_str().unwrap_or("");
                let what = match event["verb"].as_str().unwrap_or("") {
                    _ if event.get("objectRef").is_none() => "discovery",
                    "get" => "get",
                    "list" => "list",
                    "patch" if uri.contains("dryRun=All") => "dry-run apply",
                    "patch" => "apply",
                    "delete" => "delete",
                    _ => "other",
                };
                *res.entry(what).or_default() += 1;
            }
        }
        res
    }

    /// `kcfg apply DIR` to the ten servers, with `extra` flags.
    fn apply(&self, dir: &Path, extra: &[&str]) -> Run {
        let mut args: Vec<String> = vec![
            "apply".into(),
            dir.display().to_string(),
            "--kubeconfig".into(),
            self.kubeconfig.display().to_string(),
            "--context-for".into(),
            "edge-*=test-{cluster}".into(),
            "--parallel".into(),
            CLUSTERS.len().to_string(),
            // Nothing runs controllers on the test servers: no workload
            // would ever become healthy (see apply/tests/README.md).
            "--wait=false".into(),
            // Applications removed from a cluster go too (the whole fleet
            // directory is applied, so nothing is missing by accident).
            "--prune-apps".into(),
            "-o".into(),
            "json".into(),
        ];
        for rule in GROUP_MAP {
            args.extend(["--map-group".to_string(), rule.to_string()]);
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        let before = self.recorded();
        let started = Instant::now();
        let (code, stdout, stderr) = kcfg(&args);
        let time = started.elapsed();
        let records: Vec<Value> = serde_json::from_str(&stdout)
            .unwrap_or_else(|err| panic!("-o json: {err}\n{stdout}\n{stderr}"));
        Run {
            code,
            records,
            time,
            requests: self.requests_since(&before),
            stderr,
        }
    }
}

fn per_object(run: &Run, objects: usize) -> String {
    let total: usize = run.requests.values().sum();
    format!(
        "{:.2}s, {total} requests ({:.2} per object: {})",
        run.time.as_secs_f64(),
        total as f64 / objects as f64,
        run.requests
            .iter()
            .map(|(what, n)| format!("{n} {what}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
fn edge_fleet_example_on_ten_servers_then_changed() {
    let work = tempfile::tempdir().unwrap();
    let work = work.path();

    // Render ten clusters of the example, as a user would.
    let src = work.join("edge-fleet");
    // The committed output is left out: the test renders its own.
    copy_tree(
        &repo_root().join("examples/edge-fleet"),
        &src,
        &["rendered"],
    );
    let (v1, v2) = (work.join("v1"), work.join("v2"));
    render(&src, &v1);
    let old = rendered_objects(&v1);
    let objects = old.len();
    let targets: std::collections::BTreeSet<&str> = old.keys().map(|(t, _)| t.as_str()).collect();
    let mut kinds: BTreeMap<&str, usize> = BTreeMap::new();
    for value in old.values() {
        *kinds.entry(value["kind"].as_str().unwrap()).or_default() += 1;
    }

    // Ten servers, each serving the stand-ins and the example's custom resources.
    let crds = work.join("crds");
    assemble_crds(&crds);
    let policy = work.join("audit-policy.yaml");
    std::fs::write(
        &policy,
        "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n",
    )
    .unwrap();
    let started = Instant::now();
    let servers: Vec<(&str, TestServer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = CLUSTERS
            .iter()
            .map(|&cluster| {
                let (crds, policy) = (&crds, &policy);
                let audit = work.join(format!("audit-{cluster}.log"));
                scope.spawn(move || (cluster, TestServer::start(crds, policy, &audit)))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!(
        "edge-fleet example: started {} servers in {:.1}s",
        servers.len(),
        started.elapsed().as_secs_f64()
    );
    let kubeconfig = work.join("kubeconfig");
    merged_kubeconfig(&servers, &kubeconfig);
    let fleet = Fleet {
        kubeconfig,
        servers,
    };

    // Plan, apply, re-apply.
    let plan = fleet.apply(&v1, &["--dry-run"]);
    assert_eq!(plan.code, 2, "{}", plan.explain());
    assert_eq!(
        plan.tally(),
        [(("create".into(), "planned".into()), objects)].into(),
        "{}",
        plan.explain()
    );
    // A successful apply exits 0 though it changed everything (issue 16).
    let first = fleet.apply(&v1, &[]);
    assert_eq!(first.code, 0, "{}", first.explain());
    assert_eq!(
        first.tally(),
        [(("create".into(), "done".into()), objects)].into(),
        "{}",
        first.explain()
    );
    let created: BTreeMap<Key, String> = old.keys().map(|k| (k.clone(), "create".into())).collect();
    assert_eq!(first.changes(), created);
    // The report names each cluster's context; standard error (not a
    // terminal here) starts with what the directory is, then has a line
    // per wave and per target and cluster done (issue 16).
    assert!(
        first
            .records
            .iter()
            .all(|r| r["context"] == format!("test-{}", r["cluster"].as_str().unwrap())),
        "{}",
        first.explain()
    );
    let first_line = first.stderr.lines().next().unwrap_or_default();
    assert_eq!(
        first_line,
        format!(
            "kcfg apply: {} is a rendered fleet (<cluster>/<app> directories): {} targets on {} clusters",
            v1.display(),
            targets.len(),
            CLUSTERS.len()
        )
    );
    for cluster in CLUSTERS {
        let lines: Vec<&str> = first
            .stderr
            .lines()
            .filter(|l| l.starts_with(&format!("{cluster}: ")))
            .collect();
        assert!(
            lines.iter().any(|l| l.contains(": applying wave ")),
            "{cluster}: {lines:#?}"
        );
        assert!(
            lines.iter().any(|l| l.contains(" done (")),
            "{cluster}: {lines:#?}"
        );
        assert_eq!(
            lines.last().copied(),
            Some(format!("{cluster}: done: changed").as_str())
        );
    }
    let again = fleet.apply(&v1, &[]);
    assert_eq!(again.code, 0, "{}", again.explain());
    assert_eq!(
        again.tally(),
        [(("unchanged".into(), "done".into()), objects)].into()
    );

    // Change the sources: a release, a configuration file (the ConfigMap
    // generator renames the ConfigMap, so one object is created, one pruned
    // and the Deployment updated), an application added to one cluster and
    // one removed from another (its Namespace is kept: kcfg never prunes
    // Namespaces unless allowed).
    edit(
        &src.join("releases.yaml"),
        "image: mirror/eclipse-mosquitto\n  version: 2.0.18",
        "image: mirror/eclipse-mosquitto\n  version: 2.0.19",
    );
    edit(
        &src.join("apps/dns-cache/Corefile"),
        "serve_stale 1h",
        "serve_stale 2h",
    );
    edit(
        &src.join("inventory/clusters.yaml"),
        "    externalIPs: 198.18.0.16/28\n",
        "    externalIPs: 198.18.0.16/28\n    exceptions:\n      extraApps: [video-analytics]\n",
    );
    edit(
        &src.join("inventory/clusters.yaml"),
        "    externalIPs: 198.18.0.0/28\n",
        "    externalIPs: 198.18.0.0/28\n    exceptions:\n      disabledApps: [content-cache]\n",
    );
    render(&src, &v2);
    let new = rendered_objects(&v2);
    let expected = render_diff(&old, &new);
    let count = |action: &str| expected.values().filter(|a| **a == action).count();
    let summary = format!(
        "{} create, {} update, {} prune, {} keep",
        count("create"),
        count("update"),
        count("prune"),
        count("keep")
    );
    assert!(
        count("create") > 0 && count("update") > 0 && count("prune") > 0 && count("keep") > 0,
        "{summary}"
    );
    let prunes = count("prune");
    let expected: BTreeMap<Key, String> = expected
        .into_iter()
        .map(|(k, a)| (k, a.to_string()))
        .collect();

    let plan2 = fleet.apply(&v2, &["--dry-run"]);
    assert_eq!(plan2.code, 2, "{}", plan2.explain());
    assert_eq!(plan2.changes(), expected);
    assert!(plan2
        .records
        .iter()
        .all(|r| r["result"] == "planned" || r["action"] == "keep"));
    // --exit-code: 2 for changes, as a plan.
    let second = fleet.apply(&v2, &["--exit-code"]);
    assert_eq!(second.code, 2, "{}", second.explain());
    assert_eq!(second.changes(), expected);
    assert!(
        second.records.iter().all(|r| r["result"] == "done"),
        "{}",
        second.explain()
    );
    // The servers saw one delete per pruned object, and no other.
    assert_eq!(second.requests.get("delete"), Some(&prunes));
    let third = fleet.apply(&v2, &["--exit-code"]);
    assert_eq!(third.code, 0, "{}", third.explain());
    // How much of the time is the per-cluster rate limit (default 50/s).
    let unlimited = fleet.apply(&v2, &["--dry-run", "--qps", "0"]);
    assert_eq!(unlimited.code, 0, "{}", unlimited.explain());

    eprintln!(
        "edge-fleet example on {} servers: {} targets, {objects} objects ({})\n  \
         plan (--dry-run):          {}\n  \
         apply:                     {}\n  \
         re-apply, no change:       {}\n  \
         changed sources, render diff of {} objects: {summary}\n  \
         plan of the change:        {}\n  \
         apply of the change:       {}\n  \
         re-apply, no change:       {}\n  \
         plan, no change, --qps 0:  {}",
        CLUSTERS.len(),
        targets.len(),
        kinds
            .iter()
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect::<Vec<_>>()
            .join(", "),
        per_object(&plan, objects),
        per_object(&first, objects),
        per_object(&again, objects),
        expected.len(),
        per_object(&plan2, new.len()),
        per_object(&second, new.len()),
        per_object(&third, new.len()),
        per_object(&unlimited, new.len()),
    );
}

// ---------------------------------------------------------------------------
// Issue 16: a single directory on one server, as a script in CI runs it

/// The server `run-k8s.sh` started (`KCFG_K8S_RUN`, `KUBECONFIG`), or one of
/// our own, stopped on drop.
struct OneServer {
    kubeconfig: PathBuf,
    run: Option<String>,
}

impl OneServer {
    fn get() -> OneServer {
        match (std::env::var("KCFG_K8S_RUN"), std::env::var("KUBECONFIG")) {
            (Ok(_), Ok(kubeconfig)) if Path::new(&kubeconfig).exists() => OneServer {
                kubeconfig: kubeconfig.into(),
                run: None,
            },
            _ => {
                let env = support::start(&scripts_dir(), &[]);
                OneServer {
                    kubeconfig: env["KUBECONFIG"].clone().into(),
                    run: Some(env["KCFG_K8S_RUN"].clone()),
                }
            }
        }
    }
}

impl Drop for OneServer {
    fn drop(&mut self) {
        if let Some(run) = &self.run {
            let _ = Command::new("bash")
                .arg(scripts_dir().join("stop.sh"))
                .arg(run)
                .status();
        }
    }
}

#[test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
fn issue16_single_directory_exit_codes_context_and_log() {
    let server = OneServer::get();
    let work = tempfile::tempdir().unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let ns = format!("t-issue16-{}-{nanos:x}", std::process::id());
    let dir = work.path().join("web");
    std::fs::create_dir_all(&dir).unwrap();
    let configmap = |value: &str| {
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: settings, namespace: {ns}}}\ndata: {{mode: {value}}}\n")
    };
    std::fs::write(dir.join("settings.yaml"), configmap("a")).unwrap();
    let kubeconfig = server.kubeconfig.display().to_string();
    let dir_arg = dir.display().to_string();
    let args = |command: &str, extra: &[&str]| -> Vec<String> {
        let mut args: Vec<String> = [
            command,
            &dir_arg,
            "--kubeconfig",
            &kubeconfig,
            "--applyset",
            "web",
            "--applyset-namespace",
            &ns,
            "--map-group",
            "core=core.kcfg.dev",
            "--map-group",
            "apps=apps.kcfg.dev",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };

    // diff: 2 for changes, and the first line and the table name the
    // kubeconfig's current context (kcfg-test), not a placeholder.
    let (code, stdout, stderr) = kcfg(&args("diff", &[]));
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(
        stdout.lines().next().unwrap_or_default(),
        format!("kcfg diff: {dir_arg} holds manifests directly: one target, ApplySet {ns}/web on context kcfg-test")
    );
    assert!(
        stdout.contains("\n== context kcfg-test (ApplySet "),
        "{stdout}"
    );
    // apply creates: 0 all the same; its log says what happened.
    let (code, stdout, stderr) = kcfg(&args("apply", &[]));
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    let log: Vec<&str> = stderr.lines().collect();
    assert_eq!(log[0], "kcfg-test: applying wave 0 (1 object)", "{stderr}");
    assert!(
        log[1].starts_with("kcfg-test: wave 0 done (1 object in "),
        "{stderr}"
    );
    assert!(
        log[2].starts_with("kcfg-test: 1 create, 0 update, 0 prune, 0 unchanged in "),
        "{stderr}"
    );
    assert_eq!(log[3..], ["kcfg-test: done: changed"], "{stderr}");
    // --exit-code: 0 without changes, 2 with.
    let (code, _, stderr) = kcfg(&args("apply", &["--exit-code"]));
    assert_eq!(code, 0, "{stderr}");
    std::fs::write(dir.join("settings.yaml"), configmap("b")).unwrap();
    let (code, stdout, stderr) = kcfg(&args("apply", &["--exit-code", "--quiet"]));
    assert_eq!(code, 2, "{stdout}\n{stderr}");
    assert_eq!(stderr, "");
    assert_eq!(
        stdout,
        "1 cluster: 1 changed; 1 set: 0 create, 1 update, 0 prune, 0 unchanged\n"
    );

    // $KUBECONFIG instead of --kubeconfig: the same context, in -o json.
    let mut json_args = args("apply", &["-o", "json", "--dry-run"]);
    json_args.drain(2..4);
    let out = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(&json_args)
        .env("KUBECONFIG", &kubeconfig)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!records.is_empty());
    for record in &records {
        assert_eq!(record["context"], "kcfg-test", "{record}");
        assert_eq!(record["cluster"], "kcfg-test", "{record}");
    }

    // A Deployment nothing rolls out: without a terminal the log says, at
    // least every 10 s, what the run waits for, until the time-out.
    std::fs::write(
        dir.join("web.yaml"),
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web, namespace: {ns}}}\n\
             spec:\n  replicas: 1\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    \
             metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: main, image: example/app:1}}]}}\n"
        ),
    )
    .unwrap();
    let started = Instant::now();
    let (code, stdout, stderr) = kcfg(&args(
        "apply",
        &["--timeout", "13s", "--poll-interval", "1s"],
    ));
    let took = started.elapsed();
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let waits: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("still waiting"))
        .collect();
    assert!(
        !waits.is_empty() && waits.len() <= (took.as_secs() / 10 + 1) as usize,
        "{took:?}: {stderr}"
    );
    assert!(
        waits[0].starts_with("kcfg-test: still waiting after ")
            && waits[0].contains(&format!(
                "s for wave 0: Deployment.apps.kcfg.dev {ns}/web (Progressing"
            )),
        "{stderr}"
    );
    assert!(stdout.contains("timed out waiting for wave 0"), "{stdout}");
    eprintln!(
        "issue16: the time-out run took {:.1}s; its log:\n{stderr}",
        took.as_secs_f64()
    );
}
