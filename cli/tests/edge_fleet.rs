//! The edge-fleet example (`examples/edge-fleet`) as CI uses it: its
//! committed output must be what `kcfg render` makes of it today, its
//! policies must catch a broken cluster, and the committed manifests must be
//! valid, consistent objects. This is the repository's own use of
//! `kcfg render --check` as a CI gate.
//!
//! When `committed_output_is_current` fails, re-render and commit:
//!
//! ```sh
//! cargo run --release -- render examples/edge-fleet
//! git add examples/edge-fleet/rendered
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;
use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .into()
}

fn rendered_dir() -> PathBuf {
    repo_root().join("examples/edge-fleet/rendered")
}

/// Runs `kcfg ARGS` from the repository's root: (exit code, stdout, stderr).
fn kcfg(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_kcfg"))
        .env("KCFG_CACHE_DIR", "off")
        .args(args)
        .current_dir(repo_root())
        .env_remove("JSONNET_PATH")
        .env("NO_COLOR", "1")
        .output()
        .expect("run kcfg");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// The first `limit` characters of a long text, for assertion messages.
fn head(text: &str, limit: usize) -> &str {
    match text.char_indices().nth(limit) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[test]
fn committed_output_is_current() {
    let (code, stdout, stderr) = kcfg(&["render", "examples/edge-fleet", "--check"]);
    assert_eq!(
        code,
        0,
        "examples/edge-fleet/rendered is stale: run `cargo run --release -- render examples/edge-fleet` and commit the result\n{}\n{}",
        head(&stderr, 4000),
        head(&stdout, 20000)
    );
}

#[test]
fn policy_demo_reports_every_violation_and_fails() {
    // render.kcfg's documented switch breaks edge-api on one small cluster;
    // --check writes nothing, so the committed output stays clean.
    let (code, stdout, stderr) = kcfg(&[
        "render",
        "examples/edge-fleet",
        "--check",
        "--tla-code",
        "policyDemo=true",
        "--only",
        "edge-eu-west-004/*",
    ]);
    assert_eq!(code, 1, "{stdout}\n{stderr}");
    let sizes = regex::Regex::new(r"\d+ objects, [\d.]+ [kM]?B in \d+\.\d+s").unwrap();
    insta::assert_snapshot!(sizes.replace_all(&stderr, "[SIZE]"), @"
    error: 3 policy violations in 1 target:
      edge-eu-west-004/edge-api: Rollout edge-api/edge-api: [resources] container edge-api has no limits.memory
      edge-eu-west-004/edge-api: Rollout edge-api/edge-api: [images] container edge-api: image registry.eu-west.edge.example.com/commerce/edge-api:latest uses the latest tag
      edge-eu-west-004/edge-api: Rollout edge-api/edge-api: [replicas] 5 replicas, a small cluster allows 1 to 3
    checked 5 targets against examples/edge-fleet/rendered: [SIZE] (4 identical, 1 failed)
    ");
}

/// Every file under `dir` (relative path → text), skipping hidden files.
fn files(dir: &Path) -> BTreeMap<String, String> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.file_name().unwrap().to_string_lossy();
            if name.starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(relative, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn text<'v>(object: &'v Value, pointer: &str) -> Option<&'v str> {
    object.pointer(pointer).and_then(Value::as_str)
}

const CLUSTER_SCOPED: &[&str] = &["Namespace", "ClusterRole", "ClusterRoleBinding"];
const WORKLOADS: &[&str] = &["Deployment", "DaemonSet", "StatefulSet", "Rollout"];

/// What is wrong with one object, as Kubernetes (or a reviewer) would see it.
fn problems(object: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for field in ["/apiVersion", "/kind", "/metadata/name"] {
        if text(object, field).is_none_or(str::is_empty) {
            found.push(format!("no {field}"));
        }
    }
    let kind = text(object, "/kind").unwrap_or("");
    let namespaced = !CLUSTER_SCOPED.contains(&kind);
    if namespaced != text(object, "/metadata/namespace").is_some() {
        found.push(format!(
            "a {kind} with namespaced = {namespaced} and metadata.namespace {:?}",
            object.pointer("/metadata/namespace")
        ));
    }
    if WORKLOADS.contains(&kind) {
        // The selector must select the pods of the template.
        let selector = object
            .pointer("/spec/selector/matchLabels")
            .and_then(Value::as_object);
        let labels = object
            .pointer("/spec/template/metadata/labels")
            .and_then(Value::as_object);
        match (selector, labels) {
            (Some(selector), Some(labels)) => {
                for (key, value) in selector {
                    if labels.get(key) != Some(value) {
                        found.push(format!(
                            "selector {key}={value} does not match the pod template"
                        ));
                    }
                }
            }
            _ => found.push("no selector or no pod template labels".into()),
        }
        let containers = object
            .pointer("/spec/template/spec/containers")
            .and_then(Value::as_array);
        if containers.is_none_or(Vec::is_empty) {
            found.push("no containers".into());
        }
    }
    found
}

#[test]
fn committed_manifests_are_valid_and_consistent() {
    let files = files(&rendered_dir());
    let mut objects_by_target: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut bytes = 0;
    for (path, content) in &files {
        bytes += content.len();
        let target = Path::new(path).parent().unwrap().display().to_string();
        for document in serde_norway::Deserializer::from_str(content) {
            let object = match Value::deserialize(document) {
                Ok(object) => object,
                Err(err) => {
                    failures.push(format!("{path}: not YAML: {err}"));
                    continue;
                }
            };
            for problem in problems(&object) {
                failures.push(format!("{path}: {problem}"));
            }
            objects_by_target
                .entry(target.clone())
                .or_default()
                .push(object);
        }
    }

    // Mounted ConfigMaps and Secrets from generators exist in the target.
    for (target, objects) in &objects_by_target {
        let names: BTreeSet<(&str, &str)> = objects
            .iter()
            .filter_map(|o| Some((text(o, "/kind")?, text(o, "/metadata/name")?)))
            .collect();
        for object in objects {
            let volumes = object
                .pointer("/spec/template/spec/volumes")
                .and_then(Value::as_array);
            for volume in volumes.into_iter().flatten() {
                if let Some(name) = text(volume, "/configMap/name") {
                    if !names.contains(&("ConfigMap", name)) {
                        failures.push(format!(
                            "{target}: mounts ConfigMap {name}, which it does not have"
                        ));
                    }
                }
            }
        }
    }

    // App of apps: exactly one Argo CD Application per edge target, whose
    // path is that target's directory and whose destination is its cluster.
    let edge_targets: BTreeSet<&str> = objects_by_target
        .keys()
        .map(String::as_str)
        .filter(|name| name.starts_with("edge-"))
        .collect();
    let mut synced = BTreeSet::new();
    for (target, objects) in &objects_by_target {
        if !target.starts_with("mgmt/argocd-") {
            continue;
        }
        for application in objects {
            let path = text(application, "/spec/source/path").unwrap_or("");
            let relative = path
                .strip_prefix("examples/edge-fleet/rendered/")
                .unwrap_or(path);
            let cluster = relative.split('/').next().unwrap_or("");
            if text(application, "/spec/destination/name") != Some(cluster) {
                failures.push(format!("{target}: {path} is synced to another cluster"));
            }
            if !synced.insert(relative.to_string()) {
                failures.push(format!("{target}: two Applications sync {relative}"));
            }
        }
    }
    let synced: BTreeSet<&str> = synced.iter().map(String::as_str).collect();
    for missing in edge_targets.difference(&synced) {
        failures.push(format!("{missing}: no Argo CD Application syncs it"));
    }
    for extra in synced.difference(&edge_targets) {
        failures.push(format!(
            "an Argo CD Application syncs {extra}, which is not rendered"
        ));
    }

    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // A size a git repository carries well; grow the example with care.
    assert!(files.len() < 5000, "{} files", files.len());
    assert!(bytes < 8_000_000, "{bytes} bytes");
}
