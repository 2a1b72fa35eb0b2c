//! Integration tests against a real Kubernetes API server (the upstream
//! apiextensions-apiserver over etcd, built by `shared/k8s/setup.sh`).
//!
//! These tests are `#[ignore]`d so that a plain `cargo test` reports them as
//! ignored (with the reason) instead of failing on a machine without the
//! server; `apply/tests/run-k8s.sh` (and CI) runs them with
//! `--include-ignored`, and then a missing server is a loud failure. See
//! `tests/README.md`.
//!
//! The server has no built-in kinds: ConfigMap, Secret, Namespace, Service
//! and Deployment are stand-in CRDs under `core.kcfg.dev` and `apps.kcfg.dev`,
//! so every test maps the groups explicitly (`core=core.kcfg.dev`,
//! `apps=apps.kcfg.dev`), as `kcfg apply --map-group` does. No controller
//! runs: tests that wait for health play the controller by writing status.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kcfg_apply::applyset::{ARGOCD_TRACKING_ID, PART_OF_LABEL};
use kcfg_apply::cluster::kube::{ConnectOptions, KubeCluster};
use kcfg_apply::cluster::{ApplyOptions, Cluster, ClusterError};
use kcfg_apply::engine::{no_progress, run_set, Options, Progress, PRUNE_ANNOTATION};
use kcfg_apply::fleet::{load_dir, run_fleet, ContextMap, FleetOptions, KubeConnector, Target};
use kcfg_apply::object::{GroupMap, ObjectRef};
use kcfg_apply::progress::Event;
use kcfg_apply::report::{Action, Outcome, SetReport};
use kube::api::{Api, ApiResource, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::{json, Value};

mod support;

// ---------------------------------------------------------------------------
// Harness

fn scripts_dir() -> PathBuf {
    support::scripts_dir(&support::repo_root(env!("CARGO_MANIFEST_DIR")))
}

/// A running API server; stopped on drop.
struct TestServer {
    env: HashMap<String, String>,
    owned: bool,
}

impl TestServer {
    /// Starts a server with `start.sh`. Panics with instructions when that
    /// fails: these tests only run when asked to, so a missing server is an
    /// error, not a skip.
    fn start() -> TestServer {
        let env = support::start(&scripts_dir(), &[]);
        TestServer { env, owned: true }
    }

    /// The server `run-k8s.sh` started for the whole run, or a new one.
    fn shared() -> TestServer {
        match (std::env::var("KCFG_K8S_RUN"), std::env::var("KUBECONFIG")) {
            (Ok(run), Ok(kubeconfig)) if Path::new(&kubeconfig).exists() => TestServer {
                env: [
                    ("KCFG_K8S_RUN".to_string(), run),
                    ("KUBECONFIG".to_string(), kubeconfig),
                ]
                .into(),
                owned: false,
            },
            _ => TestServer::start(),
        }
    }

    fn kubeconfig(&self) -> PathBuf {
        PathBuf::from(&self.env["KUBECONFIG"])
    }

    fn stop(&mut self) {
        if self.owned {
            self.owned = false;
            let _ = Command::new(scripts_dir().join("stop.sh"))
                .arg(&self.env["KCFG_K8S_RUN"])
                .status();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A namespace name unique to this run, so that runs against a kept server
/// never see each other's objects.
fn unique_ns(base: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("{base}-{}-{nanos:x}", std::process::id())
}

fn groups() -> GroupMap {
    let mut groups = GroupMap::new();
    groups.insert("core", "core.kcfg.dev");
    groups.insert("apps", "apps.kcfg.dev");
    groups
}

async fn connect(server: &TestServer) -> KubeCluster {
    let options = ConnectOptions {
        kubeconfig: Some(server.kubeconfig()),
        ..ConnectOptions::default()
    };
    KubeCluster::connect("test", options).await.expect("client")
}

fn options(ns: &str) -> Options {
    Options {
        applyset: "set".into(),
        applyset_namespace: ns.into(),
        groups: groups(),
        timeout: Duration::from_secs(30),
        poll_interval: Duration::from_millis(200),
        ..Options::default()
    }
}

async fn run(cluster: &KubeCluster, objects: Vec<Value>, options: &Options) -> SetReport {
    run_progress(cluster, objects, options, no_progress()).await
}

async fn run_progress(
    cluster: &KubeCluster,
    objects: Vec<Value>,
    options: &Options,
    progress: Progress,
) -> SetReport {
    let (target, problems) = Target::from_values("test", objects, &options.groups);
    assert!(problems.is_empty(), "{problems:?}");
    run_set(cluster, "test", target.objects, options, progress).await
}

fn actions(report: &SetReport) -> Vec<String> {
    report
        .records
        .iter()
        .map(|r| {
            format!(
                "{:?} {:?} {}/{}",
                r.action, r.result, r.object.kind, r.object.name
            )
        })
        .collect()
}

fn cm(ns: &str, name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}, "data": {"color": value}})
}

fn secret(ns: &str, name: &str, value: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}, "stringData": {"password": value}})
}

fn deployment(ns: &str, name: &str, wave: &str) -> Value {
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": ns, "annotations": {"argocd.argoproj.io/sync-wave": wave}},
        "spec": {"replicas": 2, "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}},
                "spec": {"containers": [{"name": "main", "image": "example/app:1", "ports": [{"containerPort": 8080}]}]}}}})
}

fn oref(api_version: &str, kind: &str, ns: &str, name: &str) -> ObjectRef {
    kcfg_apply::cluster::fake::id(api_version, kind, ns, name)
}

fn deployments_api(client: kube::Client) -> Api<DynamicObject> {
    let resource = ApiResource {
        group: "apps.kcfg.dev".into(),
        version: "v1".into(),
        api_version: "apps.kcfg.dev/v1".into(),
        kind: "Deployment".into(),
        plural: "deployments".into(),
    };
    Api::all_with(client, &resource)
}

/// Plays the Deployment controller: every Deployment whose generation is not
/// yet observed gets a ready status (or `degraded` ones a failed one).
/// Returns a flag that stops it.
fn play_controller(client: kube::Client, degraded: &'static [&'static str]) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    tokio::spawn(async move {
        let all = deployments_api(client.clone());
        while !flag.load(Ordering::SeqCst) {
            if let Ok(list) = all.list(&ListParams::default()).await {
                for item in list.items {
                    let generation = item.metadata.generation.unwrap_or(0);
                    let observed = item
                        .data
                        .pointer("/status/observedGeneration")
                        .and_then(Value::as_i64)
                        .unwrap_or(0);
                    if observed >= generation {
                        continue;
                    }
                    let name = item.metadata.name.clone().unwrap_or_default();
                    let ns = item.metadata.namespace.clone().unwrap_or_default();
                    let replicas = item
                        .data
                        .pointer("/spec/replicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(1);
                    let status = if degraded.contains(&name.as_str()) {
                        json!({"observedGeneration": generation, "replicas": replicas, "updatedReplicas": 0,
                            "conditions": [{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                "message": "timed out"}]})
                    } else {
                        json!({"observedGeneration": generation, "replicas": replicas, "updatedReplicas": replicas,
                            "readyReplicas": replicas, "availableReplicas": replicas})
                    };
                    let api: Api<DynamicObject> =
                        Api::namespaced_with(client.clone(), &ns, &deployments_api_resource());
                    let _ = api
                        .patch_status(
                            &name,
                            &PatchParams::default(),
                            &Patch::Merge(json!({"status": status})),
                        )
                        .await;
                }
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    });
    stop
}

fn deployments_api_resource() -> ApiResource {
    ApiResource {
        group: "apps.kcfg.dev".into(),
        version: "v1".into(),
        api_version: "apps.kcfg.dev/v1".into(),
        kind: "Deployment".into(),
        plural: "deployments".into(),
    }
}

/// Defines `PersistentVolumeClaim` in `core.kcfg.dev` (no status, so it has
/// no phase: the prune test does not wait for health).
async fn define_pvc_standin(cluster: &KubeCluster) {
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "persistentvolumeclaims.core.kcfg.dev"},
        "spec": {"group": "core.kcfg.dev", "scope": "Namespaced",
            "names": {"kind": "PersistentVolumeClaim", "plural": "persistentvolumeclaims", "singular": "persistentvolumeclaim", "listKind": "PersistentVolumeClaimList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}});
    let id = oref(
        "apiextensions.k8s.io/v1",
        "CustomResourceDefinition",
        "",
        "persistentvolumeclaims.core.kcfg.dev",
    );
    cluster
        .apply(
            &id,
            &crd,
            ApplyOptions {
                dry_run: false,
                force: true,
            },
        )
        .await
        .expect("PVC stand-in CRD");
    for _ in 0..100 {
        cluster.refresh_discovery().await;
        if cluster
            .resource(&oref("core.kcfg.dev/v1", "PersistentVolumeClaim", "x", "x"))
            .await
            .unwrap()
            .is_some()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the PersistentVolumeClaim stand-in was not served within 10s");
}

// ---------------------------------------------------------------------------
// One cluster

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn apply_reapply_diff_and_prune() {
    let server = TestServer::shared();
    let cluster = connect(&server).await;
    let ns = &unique_ns("t-apply");
    let opts = Options {
        wait: false,
        ..options(ns)
    };
    let v1 = vec![
        cm(ns, "settings", "blue"),
        secret(ns, "creds", "s3cret"),
        cm(ns, "extra", "x"),
    ];

    let first = run(&cluster, v1.clone(), &opts).await;
    assert!(first.error.is_none(), "{:?}", first.error);
    assert_eq!(
        actions(&first),
        [
            "Create Done Secret/creds",
            "Create Done ConfigMap/extra",
            "Create Done ConfigMap/settings"
        ]
    );
    let stored = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "settings"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored["metadata"]["labels"][PART_OF_LABEL],
        json!(first.applyset_id)
    );
    let parent = cluster
        .get(&oref("core.kcfg.dev/v1", "Secret", ns, "set"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"],
        json!("ConfigMap.core.kcfg.dev,Secret.core.kcfg.dev")
    );
    let version = stored["metadata"]["resourceVersion"].clone();

    // Re-apply: nothing changes, not even a resource version.
    let again = run(&cluster, v1.clone(), &opts).await;
    assert!(
        again.records.iter().all(|r| r.action == Action::Unchanged),
        "{:?}",
        actions(&again)
    );
    let stored = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "settings"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["metadata"]["resourceVersion"], version);
    eprintln!(
        "re-apply of 3 unchanged objects: {} requests",
        again.requests
    );

    // Dry-run diff of a change: masked secret, readable config diff, nothing written.
    let v2 = vec![cm(ns, "settings", "green"), secret(ns, "creds", "n3w")];
    let plan = run(
        &cluster,
        v2.clone(),
        &Options {
            dry_run: true,
            ..opts.clone()
        },
    )
    .await;
    assert_eq!(
        actions(&plan),
        [
            "Update Planned Secret/creds",
            "Update Planned ConfigMap/settings",
            "Prune Planned ConfigMap/extra"
        ]
    );
    let secret_diff = plan.records[0].diff.clone().unwrap();
    assert!(
        secret_diff.contains("password: (masked, changed)") && !secret_diff.contains("n3w"),
        "{secret_diff}"
    );
    let cm_diff = plan.records[1].diff.clone().unwrap();
    assert!(
        cm_diff.contains("-  color: blue\n+  color: green"),
        "{cm_diff}"
    );
    assert!(
        !cm_diff.contains("managedFields") && !cm_diff.contains("resourceVersion"),
        "{cm_diff}"
    );
    let stored = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "settings"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["data"]["color"], json!("blue"));

    // Apply the change: updated, and the extra object pruned.
    let applied = run(&cluster, v2, &opts).await;
    assert!(applied.error.is_none(), "{:?}", applied.error);
    assert_eq!(
        actions(&applied),
        [
            "Update Done Secret/creds",
            "Update Done ConfigMap/settings",
            "Prune Done ConfigMap/extra"
        ]
    );
    assert!(cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "extra"))
        .await
        .unwrap()
        .is_none());
}

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn conflicts_are_reported_and_force_takes_over() {
    let server = TestServer::shared();
    let cluster = connect(&server).await;
    let ns = &unique_ns("t-conflict");
    // Another tool owns .data.color.
    let theirs = json!({"apiVersion": "core.kcfg.dev/v1", "kind": "ConfigMap", "metadata": {"name": "shared", "namespace": ns}, "data": {"color": "red"}});
    let api: Api<DynamicObject> = Api::namespaced_with(
        cluster.client(),
        ns,
        &ApiResource {
            group: "core.kcfg.dev".into(),
            version: "v1".into(),
            api_version: "core.kcfg.dev/v1".into(),
            kind: "ConfigMap".into(),
            plural: "configmaps".into(),
        },
    );
    api.patch(
        "shared",
        &PatchParams::apply("other-tool"),
        &Patch::Apply(&theirs),
    )
    .await
    .unwrap();

    let opts = Options {
        wait: false,
        ..options(ns)
    };
    let report = run(
        &cluster,
        vec![cm(ns, "shared", "blue"), cm(ns, "mine", "x")],
        &opts,
    )
    .await;
    let conflict = report
        .records
        .iter()
        .find(|r| r.action == Action::Conflict)
        .expect("a conflict");
    assert_eq!(
        conflict.message,
        "conflict: .data.color (owned by \"other-tool\"); pass --force-conflicts to take them over"
    );
    assert_eq!(
        report.error.as_deref(),
        Some("1 object(s) cannot be applied; nothing was changed")
    );
    assert!(cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "mine"))
        .await
        .unwrap()
        .is_none());

    let forced = run(
        &cluster,
        vec![cm(ns, "shared", "blue"), cm(ns, "mine", "x")],
        &Options {
            force_conflicts: true,
            ..opts
        },
    )
    .await;
    assert!(forced.error.is_none(), "{:?}", forced.error);
    let stored = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "shared"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["data"]["color"], json!("blue"));
    let managers: Vec<&str> = stored["metadata"]["managedFields"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["manager"].as_str())
        .collect();
    assert!(managers.contains(&"kcfg"), "{managers:?}");
}

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn prune_guards_on_a_real_server() {
    let server = TestServer::shared();
    let cluster = connect(&server).await;
    let ns = &unique_ns("t-prune");
    let opts = Options {
        wait: false,
        ..options(ns)
    };
    // The stand-in Namespace cannot be read by name on this server (its path
    // /apis/core.kcfg.dev/v1/namespaces/NAME is taken for namespaced paths),
    // so the protected-kind guard is checked with a PersistentVolumeClaim
    // stand-in that the test defines in the mapped core group.
    define_pvc_standin(&cluster).await;
    let namespace = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": ns}});
    let mut keep = cm(ns, "keep-kcfg", "1");
    keep["metadata"]["annotations"] = json!({PRUNE_ANNOTATION: "false"});
    let mut keep_argo = cm(ns, "keep-argo", "1");
    keep_argo["metadata"]["annotations"] =
        json!({"argocd.argoproj.io/sync-options": "Prune=false"});
    let stay: Vec<Value> = (0..6).map(|i| cm(ns, &format!("stay-{i}"), "1")).collect();
    let mut all = stay.clone();
    all.extend([
        namespace,
        keep,
        keep_argo,
        cm(ns, "gone-1", "1"),
        cm(ns, "gone-2", "1"),
    ]);
    let report = run(&cluster, all.clone(), &opts).await;
    assert!(
        report.error.is_none(),
        "{:?} {:#?}",
        report.error,
        report.records
    );

    // More than 50% of the set would go: refused, nothing deleted.
    let report = run(&cluster, stay[..1].to_vec(), &opts).await;
    assert!(
        report
            .error
            .as_deref()
            .unwrap()
            .starts_with("refusing to prune 7 of the set's 11 objects"),
        "{:?}",
        report.error
    );
    assert!(cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "stay-3"))
        .await
        .unwrap()
        .is_some());

    let report = run(&cluster, stay.clone(), &opts).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let mut outcome: Vec<String> = report
        .records
        .iter()
        .filter(|r| r.action != Action::Unchanged)
        .map(|r| {
            format!(
                "{:?} {:?} {}/{}",
                r.action, r.result, r.object.kind, r.object.name
            )
        })
        .collect();
    outcome.sort();
    assert_eq!(
        outcome,
        [
            "Keep Done ConfigMap/keep-argo",
            "Keep Done ConfigMap/keep-kcfg",
            "Keep Done PersistentVolumeClaim/data",
            "Prune Done ConfigMap/gone-1",
            "Prune Done ConfigMap/gone-2",
        ]
    );
    assert!(cluster
        .get(&oref(
            "core.kcfg.dev/v1",
            "PersistentVolumeClaim",
            ns,
            "data"
        ))
        .await
        .unwrap()
        .is_some());

    // Allowed by name, the claim goes too.
    let allow = Options {
        prune_allowed_kinds: ["PersistentVolumeClaim".to_string()].into(),
        max_prune_ratio: 1.0,
        ..opts.clone()
    };
    let report = run(&cluster, stay.clone(), &allow).await;
    assert!(report.records.iter().any(|r| r.action == Action::Prune
        && r.object.kind == "PersistentVolumeClaim"
        && r.result == Outcome::Done));

    // The UID precondition: a delete with a stale UID is refused by the server.
    let live = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "stay-0"))
        .await
        .unwrap()
        .unwrap();
    assert!(live["metadata"]["uid"].is_string());
    let err = cluster
        .delete(
            &oref("core.kcfg.dev/v1", "ConfigMap", ns, "stay-0"),
            "00000000-0000-0000-0000-000000000000",
            false,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ClusterError::Api { code: 409, .. }), "{err}");
    assert!(cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "stay-0"))
        .await
        .unwrap()
        .is_some());
}

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn adoption_is_refused_unless_asked() {
    let server = TestServer::shared();
    let cluster = connect(&server).await;
    let ns = &unique_ns("t-adopt");
    let opts = Options {
        wait: false,
        ..options(ns)
    };
    // Another set owns one object; Argo CD tracks another.
    let other = Options {
        applyset: "other".into(),
        ..opts.clone()
    };
    let report = run(&cluster, vec![cm(ns, "theirs", "1")], &other).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let mut argo = cm(ns, "argo", "1");
    argo["metadata"]["annotations"] =
        json!({ARGOCD_TRACKING_ID: "guestbook:/ConfigMap:adopt/argo"});
    let create = ApplyOptions::default();
    cluster
        .apply(
            &oref("core.kcfg.dev/v1", "ConfigMap", ns, "argo"),
            &{
                let mut v = argo.clone();
                v["apiVersion"] = json!("core.kcfg.dev/v1");
                v
            },
            create,
        )
        .await
        .unwrap();

    let wanted = vec![cm(ns, "theirs", "2"), cm(ns, "argo", "2")];
    let report = run(&cluster, wanted.clone(), &opts).await;
    let refused: Vec<_> = report
        .records
        .iter()
        .filter(|r| r.action == Action::Refuse)
        .map(|r| r.object.name.clone())
        .collect();
    assert_eq!(refused, ["argo", "theirs"]);
    let theirs = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "theirs"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(theirs["data"]["color"], json!("1"));

    let adopted = run(
        &cluster,
        wanted,
        &Options {
            adopt: true,
            ..opts
        },
    )
    .await;
    assert!(adopted.error.is_none(), "{:?}", adopted.error);
    let theirs = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "theirs"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        theirs["metadata"]["labels"][PART_OF_LABEL],
        json!(adopted.applyset_id)
    );

    // A parent managed by another tool is refused whole.
    let mut foreign = json!({"apiVersion": "core.kcfg.dev/v1", "kind": "Secret", "metadata": {"name": "kubectl-set", "namespace": ns,
        "annotations": {"applyset.kubernetes.io/tooling": "kubectl/v1.32"}}});
    foreign["type"] = json!("Opaque");
    cluster
        .apply(
            &oref("core.kcfg.dev/v1", "Secret", ns, "kubectl-set"),
            &foreign,
            create,
        )
        .await
        .unwrap();
    let report = run(
        &cluster,
        vec![cm(ns, "x", "1")],
        &Options {
            applyset: "kubectl-set".into(),
            ..options(ns)
        },
    )
    .await;
    assert!(report
        .error
        .unwrap()
        .contains("managed by \"kubectl/v1.32\""));
}

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn waves_wait_for_a_controller_and_degraded_fails_fast() {
    let server = TestServer::shared();
    let cluster = connect(&server).await;
    let ns = &unique_ns("t-waves");
    let controller = play_controller(cluster.client(), &["broken"]);
    // The ConfigMap in wave 1 may only be created once the wave-0 Deployment is healthy.
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let progress: Progress =
        Arc::new(move |_, message| log.lock().unwrap().push(message.to_string()));
    let started = Instant::now();
    let mut after = cm(ns, "after", "1");
    after["metadata"]["annotations"] = json!({"argocd.argoproj.io/sync-wave": "1"});
    let report = run_progress(
        &cluster,
        vec![after, deployment(ns, "web", "0")],
        &{
            let mut o = options(ns);
            o.applyset = "waves".into();
            o
        },
        progress,
    )
    .await;
    assert!(report.error.is_none(), "{:?}", report.error);
    assert_eq!(
        actions(&report),
        ["Create Done Deployment/web", "Create Done ConfigMap/after"]
    );
    assert_eq!(
        report.records[0]
            .health
            .as_ref()
            .unwrap()
            .status
            .to_string(),
        "Healthy"
    );
    let messages = seen.lock().unwrap().clone();
    let waited = messages
        .iter()
        .position(|m| m.starts_with("waiting for wave 0"));
    let wave1 = messages
        .iter()
        .position(|m| m == "applying wave 1 (1 object)");
    assert!(waited.is_some() && wave1 > waited, "{messages:?}");
    let web = cluster
        .get(&oref("apps.kcfg.dev/v1", "Deployment", ns, "web"))
        .await
        .unwrap()
        .unwrap();
    let after = cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "after"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        web["metadata"]["creationTimestamp"].as_str()
            <= after["metadata"]["creationTimestamp"].as_str()
    );
    eprintln!(
        "waves: applied and waited in {:.1}s",
        started.elapsed().as_secs_f64()
    );

    // A Degraded Deployment stops the run before the next wave.
    let mut never = cm(ns, "never", "1");
    never["metadata"]["annotations"] = json!({"argocd.argoproj.io/sync-wave": "1"});
    let report = run(&cluster, vec![never, deployment(ns, "broken", "0")], &{
        let mut o = options(ns);
        o.applyset = "broken".into();
        o
    })
    .await;
    assert_eq!(
        report.error,
        Some(format!(
            "Deployment.apps.kcfg.dev {ns}/broken is Degraded while waiting for wave 0"
        ))
    );
    assert!(cluster
        .get(&oref("core.kcfg.dev/v1", "ConfigMap", ns, "never"))
        .await
        .unwrap()
        .is_none());
    controller.store(true, Ordering::SeqCst);
}

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn custom_resources_wait_until_their_crd_is_established() {
    let server = TestServer::shared();
    let cluster = connect(&server).await;
    let ns = &unique_ns("t-crd");
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": format!("widgets.{ns}.kcfg.dev")},
        "spec": {"group": format!("{ns}.kcfg.dev"), "scope": "Namespaced",
            "names": {"kind": "Widget", "plural": "widgets", "singular": "widget", "listKind": "WidgetList"},
            "versions": [{"name": "v1", "served": true, "storage": true,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {"spec": {"type": "object", "x-kubernetes-preserve-unknown-fields": true}}}}}]}});
    let widget = json!({"apiVersion": format!("{ns}.kcfg.dev/v1"), "kind": "Widget", "metadata": {"name": "w1", "namespace": ns}, "spec": {"size": 3}});
    let opts = Options {
        wait: false,
        ..options(ns)
    };
    let plan = run(
        &cluster,
        vec![widget.clone(), crd.clone()],
        &Options {
            dry_run: true,
            ..opts.clone()
        },
    )
    .await;
    assert!(plan.error.is_none(), "{:?}", plan.error);
    assert_eq!(
        actions(&plan),
        [
            format!("Create Planned CustomResourceDefinition/widgets.{ns}.kcfg.dev"),
            "Create Planned Widget/w1".to_string()
        ]
    );
    let report = run(&cluster, vec![widget.clone(), crd.clone()], &opts).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let stored = cluster
        .get(&oref(&format!("{ns}.kcfg.dev/v1"), "Widget", ns, "w1"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored["spec"]["size"], json!(3));
    let again = run(&cluster, vec![widget, crd], &opts).await;
    assert!(
        again.records.iter().all(|r| r.action == Action::Unchanged),
        "{:?}",
        actions(&again)
    );
}

#[tokio::test]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn unreachable_cluster_is_a_clear_error() {
    let mut server = TestServer::start();
    let cluster = KubeCluster::connect(
        "gone",
        ConnectOptions {
            kubeconfig: Some(server.kubeconfig()),
            attempts: 2,
            timeout: Duration::from_secs(2),
            ..ConnectOptions::default()
        },
    )
    .await
    .unwrap();
    server.stop();
    let report = run(&cluster, vec![cm("x", "a", "1")], &options("x")).await;
    let error = report.error.unwrap();
    assert!(error.starts_with("cluster unreachable: "), "{error}");
}

// ---------------------------------------------------------------------------
// A fleet: the edge-fleet example on ten servers

/// Writes a rendered edge fleet: `clusters` clusters with two applications
/// each, in the layout `kcfg render` writes (`<cluster>/<app>/<files>`).
/// Version 2 changes one setting everywhere, adds an object on even
/// clusters and removes one on clusters divisible by three.
fn write_edge_fleet(root: &Path, clusters: usize, version: u32) {
    for index in 0..clusters {
        let cluster = format!("edge-{index:02}");
        let gw = root.join(&cluster).join("ingress-gateway");
        let dns = root.join(&cluster).join("dns");
        std::fs::create_dir_all(&gw).unwrap();
        std::fs::create_dir_all(&dns).unwrap();
        let ns = "edge";
        let level = if version == 1 { "info" } else { "debug" };
        // No Namespace object: the test server's stand-in cannot be read by
        // name (see prune_guards_on_a_real_server), and needs none.
        let mut gw_objects = vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gateway-config", "namespace": ns},
                "data": {"log-level": level, "cluster": cluster}}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "gateway-tls", "namespace": ns},
                "stringData": {"tls.key": format!("key-{cluster}")}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gateway", "namespace": ns},
                "spec": {"selector": {"app": "gateway"}, "ports": [{"port": 443, "targetPort": 8443}]}}),
            deployment(ns, "gateway", "1"),
        ];
        if !(version == 2 && index % 3 == 0) {
            gw_objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gateway-routes", "namespace": ns},
                "data": {"routes": "/api"}}));
        }
        if version == 2 && index % 2 == 0 {
            gw_objects.push(json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gateway-canary", "namespace": ns},
                "data": {"weight": "10"}}));
        }
        for obj in &gw_objects {
            let name = format!(
                "{}-{}.yaml",
                obj["kind"].as_str().unwrap().to_lowercase(),
                obj["metadata"]["name"].as_str().unwrap()
            );
            std::fs::write(gw.join(name), serde_norway::to_string(obj).unwrap()).unwrap();
        }
        let dns_stream = [
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns-custom", "namespace": "kube-dns"},
                "data": {"edge.server": format!("{cluster}.edge.example:53")}}),
            deployment("kube-dns", "dns-cache", "0"),
        ]
        .iter()
        .map(|o| serde_norway::to_string(o).unwrap())
        .collect::<Vec<_>>()
        .join("---\n");
        std::fs::write(dns.join("all.yaml"), dns_stream).unwrap();
    }
}

/// What `kcfg render` would call the diff between two rendered trees:
/// object keys with create, update or prune.
fn render_diff(old: &Path, new: &Path) -> BTreeMap<(String, String), &'static str> {
    let index = |root: &Path| -> BTreeMap<(String, String), Value> {
        load_dir(root, &groups())
            .unwrap()
            .into_iter()
            .flat_map(|t| {
                let name = t.name.clone();
                t.objects.into_iter().map(move |o| {
                    (
                        (
                            name.clone(),
                            format!("{}/{}/{}", o.id.kind, o.id.namespace, o.id.name),
                        ),
                        o.value,
                    )
                })
            })
            .collect()
    };
    let (old, new) = (index(old), index(new));
    let mut res = BTreeMap::new();
    for (key, value) in &new {
        match old.get(key) {
            None => {
                res.insert(key.clone(), "create");
            }
            Some(before) if before != value => {
                res.insert(key.clone(), "update");
            }
            _ => {}
        }
    }
    for key in old.keys().filter(|k| !new.contains_key(*k)) {
        res.insert(key.clone(), "prune");
    }
    res
}

fn changes(report: &kcfg_apply::report::FleetReport) -> BTreeMap<(String, String), &'static str> {
    let mut res = BTreeMap::new();
    for cluster in &report.clusters {
        for set in &cluster.sets {
            for r in &set.records {
                let word = match r.action {
                    Action::Create => "create",
                    Action::Update => "update",
                    Action::Prune => "prune",
                    _ => continue,
                };
                res.insert(
                    (
                        set.target.clone(),
                        format!("{}/{}/{}", r.object.kind, r.object.namespace, r.object.name),
                    ),
                    word,
                );
            }
        }
    }
    res
}

/// A kubeconfig with one context per server, named after the cluster.
fn merged_kubeconfig(servers: &[(String, TestServer)], path: &Path) {
    let mut clusters = Vec::new();
    let mut users = Vec::new();
    let mut contexts = Vec::new();
    for (name, server) in servers {
        let text = std::fs::read_to_string(server.kubeconfig()).unwrap();
        let config: Value = serde_norway::from_str(&text).unwrap();
        let mut cluster = config["clusters"][0].clone();
        cluster["name"] = json!(name);
        let mut user = config["users"][0].clone();
        user["name"] = json!(name);
        clusters.push(cluster);
        users.push(user);
        contexts.push(json!({"name": format!("ctx-{name}"), "context": {"cluster": name, "user": name, "namespace": "default"}}));
    }
    let merged = json!({"apiVersion": "v1", "kind": "Config", "clusters": clusters, "users": users, "contexts": contexts,
        "current-context": "ctx-edge-00"});
    std::fs::write(path, serde_norway::to_string(&merged).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the test API server: run apply/tests/run-k8s.sh (see apply/tests/README.md)"]
async fn edge_fleet_on_ten_servers_with_one_stopped_mid_run() {
    const CLUSTERS: usize = 10;
    let started = Instant::now();
    let servers: Vec<(String, TestServer)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..CLUSTERS)
            .map(|i| scope.spawn(move || (format!("edge-{i:02}"), TestServer::start())))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    eprintln!(
        "fleet: started {CLUSTERS} servers in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    let work = tempfile::tempdir().unwrap();
    let kubeconfig = work.path().join("kubeconfig");
    merged_kubeconfig(&servers, &kubeconfig);
    let (v1, v2) = (work.path().join("v1"), work.path().join("v2"));
    write_edge_fleet(&v1, CLUSTERS, 1);
    write_edge_fleet(&v2, CLUSTERS, 2);

    let mut controllers = Vec::new();
    for (_, server) in &servers {
        controllers.push(play_controller(connect(server).await.client(), &[]));
    }
    let mut contexts = ContextMap::default();
    contexts.add_rule("edge-*=ctx-{cluster}").unwrap();
    let connector = KubeConnector {
        kubeconfig: Some(kubeconfig.clone()),
        options: ConnectOptions::default(),
    };
    let engine = Options {
        applyset_namespace: "default".into(),
        poll_interval: Duration::from_millis(200),
        ..options("default")
    };
    let fleet = |dry_run: bool| FleetOptions {
        engine: Options {
            dry_run,
            ..engine.clone()
        },
        contexts: contexts.clone(),
        context: None,
        parallel: 10,
        prune_apps: false,
    };
    let targets = |root: &Path| load_dir(root, &groups()).unwrap();
    let objects: usize = targets(&v1).iter().map(|t| t.objects.len()).sum();

    // Plan, apply, re-apply (no change): timings and requests per object.
    let t = Instant::now();
    let plan = run_fleet(targets(&v1), &fleet(true), &connector, no_progress()).await;
    let plan_time = t.elapsed();
    assert_eq!(
        plan.exit_code(true),
        2,
        "{}",
        kcfg_apply::report::render_summary(&plan)
    );
    let t = Instant::now();
    let applied = run_fleet(targets(&v1), &fleet(false), &connector, no_progress()).await;
    let apply_time = t.elapsed();
    assert_eq!(
        applied.exit_code(true),
        2,
        "{}",
        kcfg_apply::report::render_summary(&applied)
    );
    let requests = |r: &kcfg_apply::report::FleetReport| {
        r.clusters
            .iter()
            .flat_map(|c| &c.sets)
            .map(|s| s.requests)
            .sum::<u64>()
    };
    let t = Instant::now();
    let again = run_fleet(targets(&v1), &fleet(false), &connector, no_progress()).await;
    let again_time = t.elapsed();
    assert_eq!(
        again.exit_code(true),
        0,
        "{}",
        kcfg_apply::report::render_summary(&again)
    );
    eprintln!(
        "edge fleet: {CLUSTERS} clusters, {objects} objects in {} sets\n  plan (dry run): {:.2}s, {} requests ({:.1} per object)\n  apply (waits for health): {:.2}s, {} requests ({:.1} per object)\n  re-apply, no change: {:.2}s, {} requests ({:.1} per object)",
        CLUSTERS * 2,
        plan_time.as_secs_f64(), requests(&plan), requests(&plan) as f64 / objects as f64,
        apply_time.as_secs_f64(), requests(&applied), requests(&applied) as f64 / objects as f64,
        again_time.as_secs_f64(), requests(&again), requests(&again) as f64 / objects as f64,
    );

    // The changed render: the plan and the apply change exactly what the render diff says.
    let expected = render_diff(&v1, &v2);
    let plan2 = run_fleet(targets(&v2), &fleet(true), &connector, no_progress()).await;
    assert_eq!(changes(&plan2), expected);

    // Apply it, stopping the last server once the first cluster is done.
    let victim = Arc::new(Mutex::new(Some(servers.into_iter().collect::<Vec<_>>())));
    let stopper = victim.clone();
    let stopped = Arc::new(AtomicBool::new(false));
    let flag = stopped.clone();
    let progress: Progress = Arc::new(move |cluster, message| {
        if matches!(message, Event::ClusterDone { .. })
            && cluster != "edge-09"
            && !flag.swap(true, Ordering::SeqCst)
        {
            if let Some(servers) = stopper.lock().unwrap().as_mut() {
                servers[CLUSTERS - 1].1.stop();
            }
        }
    });
    let fleet2 = FleetOptions {
        parallel: 4,
        ..fleet(false)
    };
    let applied2 = run_fleet(targets(&v2), &fleet2, &connector, progress).await;
    assert!(stopped.load(Ordering::SeqCst));
    let summary = kcfg_apply::report::render_summary(&applied2);
    eprintln!("{summary}");
    assert_eq!(applied2.exit_code(true), 1);
    let last = applied2.clusters.last().unwrap();
    assert_eq!(last.cluster, "edge-09");
    assert!(
        matches!(last.status(), "unreachable" | "failed"),
        "{summary}"
    );
    for cluster in &applied2.clusters[..CLUSTERS - 1] {
        assert_eq!(cluster.status(), "changed", "{summary}");
    }
    let expected_alive: BTreeMap<_, _> = expected
        .into_iter()
        .filter(|((target, _), _)| !target.starts_with("edge-09/"))
        .collect();
    let done: BTreeMap<_, _> = changes(&applied2)
        .into_iter()
        .filter(|((target, _), _)| !target.starts_with("edge-09/"))
        .collect();
    assert_eq!(done, expected_alive);

    for controller in controllers {
        controller.store(true, Ordering::SeqCst);
    }
    drop(victim);
    let _ = Target::from_values;
}
