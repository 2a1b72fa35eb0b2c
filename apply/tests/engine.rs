//! The engine's logic against the in-memory fake cluster: planning, waves,
//! health waits, every prune guard, conflicts, adoption, hooks, CRDs and the
//! report. Server semantics (real server-side apply) are in `k8s.rs`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kcfg_apply::applyset::{ApplySet, ARGOCD_TRACKING_ID, GROUP_KINDS_ANNOTATION, PART_OF_LABEL};
use kcfg_apply::cluster::fake::{id, FakeCluster};
use kcfg_apply::cluster::{Cluster, ClusterError};
use kcfg_apply::engine::{no_progress, run_set, Options, ARGOCD_SYNC_OPTIONS, PRUNE_ANNOTATION};
use kcfg_apply::fleet::{run_fleet, Connector, ContextMap, FleetOptions, Target};
use kcfg_apply::object::{annotation, GroupMap};
use kcfg_apply::progress::LineLog;
use kcfg_apply::report::{render_set, render_summary, Action, Outcome, SetReport};
use serde_json::{json, Value};

fn cm(name: &str, data: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "web"}, "data": {"k": data}})
}

fn deploy(name: &str, wave: Option<&str>) -> Value {
    let mut obj = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": "web"},
        "spec": {"replicas": 2}});
    if let Some(wave) = wave {
        obj["metadata"]["annotations"] = json!({"argocd.argoproj.io/sync-wave": wave});
    }
    obj
}

fn ready_status() -> Value {
    json!({"observedGeneration": 99, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 2, "readyReplicas": 2})
}

fn options() -> Options {
    Options {
        applyset: "web".into(),
        applyset_namespace: "web".into(),
        poll_interval: Duration::from_millis(1),
        timeout: Duration::from_secs(5),
        ..Options::default()
    }
}

async fn run(cluster: &FakeCluster, objects: Vec<Value>, options: &Options) -> SetReport {
    let (target, problems) = Target::from_values(".", objects, &options.groups);
    assert!(problems.is_empty(), "{problems:?}");
    run_set(cluster, ".", target.objects, options, no_progress()).await
}

/// One line per record: action, result, object, message.
fn summary(report: &SetReport) -> String {
    let mut out = String::new();
    for r in &report.records {
        out.push_str(
            &format!("{:?} {:?} {} {}\n", r.action, r.result, r.object, r.message)
                .replace(" \n", "\n"),
        );
    }
    if let Some(error) = &report.error {
        out.push_str(&format!("error: {error}\n"));
    }
    out
}

#[tokio::test]
async fn apply_then_reapply_changes_nothing() {
    let cluster = FakeCluster::new("c1");
    cluster.script_status(
        &id("apps/v1", "Deployment", "web", "api"),
        vec![ready_status()],
    );
    let objects = vec![cm("settings", "1"), deploy("api", None)];
    let first = run(&cluster, objects.clone(), &options()).await;
    insta::assert_snapshot!(summary(&first), @r"
    Create Done ConfigMap web/settings
    Create Done Deployment.apps web/api
    ");
    let parent = cluster
        .stored(&ApplySet::new("web", "web", &GroupMap::new()).parent_ref())
        .unwrap();
    assert_eq!(
        annotation(&parent, GROUP_KINDS_ANNOTATION),
        Some("ConfigMap,Deployment.apps")
    );
    let stored = cluster
        .stored(&id("v1", "ConfigMap", "web", "settings"))
        .unwrap();
    assert_eq!(
        stored["metadata"]["labels"][PART_OF_LABEL],
        json!(first.applyset_id)
    );

    let writes = cluster.log().len();
    let second = run(&cluster, objects, &options()).await;
    insta::assert_snapshot!(summary(&second), @r"
    Unchanged Done ConfigMap web/settings
    Unchanged Done Deployment.apps web/api
    ");
    assert_eq!(
        cluster.log().len(),
        writes,
        "a re-apply without changes writes nothing"
    );
    assert!(!second.has_changes());
}

/// Found applying the edge-fleet example (every application has its
/// Namespace): the empty namespace of a cluster-scoped object made the
/// parent look changed, so every re-apply rewrote it.
#[tokio::test]
async fn reapply_with_cluster_scoped_objects_writes_nothing() {
    let cluster = FakeCluster::new("c1");
    let objects = vec![
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}}),
        cm("settings", "1"),
    ];
    let first = run(&cluster, objects.clone(), &options()).await;
    assert!(first.error.is_none(), "{:?}", first.error);
    let writes = cluster.log().len();
    let second = run(&cluster, objects, &options()).await;
    insta::assert_snapshot!(summary(&second), @r"
    Unchanged Done Namespace web
    Unchanged Done ConfigMap web/settings
    ");
    assert_eq!(cluster.log()[writes..], [] as [String; 0]);
}

#[tokio::test]
async fn dry_run_plans_without_writing() {
    let cluster = FakeCluster::new("c1");
    run(&cluster, vec![cm("a", "1"), cm("b", "1")], &options()).await;
    let writes = cluster.log().len();
    let plan = run(
        &cluster,
        vec![cm("a", "2"), cm("c", "1")],
        &Options {
            dry_run: true,
            ..options()
        },
    )
    .await;
    insta::assert_snapshot!(summary(&plan), @r"
    Update Planned ConfigMap web/a
    Create Planned ConfigMap web/c
    Prune Planned ConfigMap web/b
    ");
    assert_eq!(cluster.log().len(), writes);
    let update = &plan.records[0];
    insta::assert_snapshot!(update.diff.as_deref().unwrap(), @r"
    --- live/ConfigMap web/a
    +++ desired/ConfigMap web/a
    @@ -1,6 +1,6 @@
     apiVersion: v1
     data:
    -  k: '1'
    +  k: '2'
     kind: ConfigMap
     metadata:
       labels:
    ");
}

#[tokio::test]
async fn waves_wait_for_health_and_degraded_fails_fast() {
    let cluster = FakeCluster::new("c1");
    let api = id("apps/v1", "Deployment", "web", "api");
    // The "controller": not observed, then rolling out, then ready.
    cluster.script_status(
        &api,
        vec![
            json!({"observedGeneration": 0}),
            json!({"observedGeneration": 99, "replicas": 2, "updatedReplicas": 1}),
            ready_status(),
        ],
    );
    let report = run(
        &cluster,
        vec![cm("after", "1"), deploy("api", Some("-1"))],
        &options(),
    )
    .await;
    insta::assert_snapshot!(summary(&report), @r"
    Create Done Deployment.apps web/api
    Create Done ConfigMap web/after
    ");
    assert_eq!(
        report.records[0]
            .health
            .as_ref()
            .unwrap()
            .status
            .to_string(),
        "Healthy"
    );
    let log = cluster.log();
    let order: Vec<&str> = log
        .iter()
        .map(String::as_str)
        .filter(|l| !l.contains("Secret"))
        .collect();
    assert_eq!(
        order,
        ["apply Deployment web/api", "apply ConfigMap web/after"]
    );

    let cluster = FakeCluster::new("c2");
    let degraded = json!({"observedGeneration": 99, "conditions": [
        {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}]});
    cluster.script_status(&api, vec![degraded]);
    let report = run(
        &cluster,
        vec![cm("after", "1"), deploy("api", Some("-1"))],
        &options(),
    )
    .await;
    insta::assert_snapshot!(summary(&report), @r#"
    Create Failed Deployment.apps web/api Degraded: Deployment "api" exceeded its progress deadline
    Create NotRun ConfigMap web/after
    error: Deployment.apps web/api is Degraded while waiting for wave -1
    "#);
    assert!(cluster
        .stored(&id("v1", "ConfigMap", "web", "after"))
        .is_none());
}

#[tokio::test]
async fn health_timeout_names_what_it_waited_for() {
    let cluster = FakeCluster::new("c1");
    cluster.script_status(
        &id("apps/v1", "Deployment", "web", "api"),
        vec![json!({"observedGeneration": 0})],
    );
    let opts = Options {
        timeout: Duration::from_millis(50),
        ..options()
    };
    let report = run(&cluster, vec![deploy("api", None)], &opts).await;
    let error = report.error.unwrap();
    assert!(
        error.starts_with("timed out waiting for wave 0: Deployment.apps web/api (Progressing"),
        "{error}"
    );
    assert_eq!(report.records[0].result, Outcome::Failed);
}

#[tokio::test]
async fn every_prune_guard() {
    let cluster = FakeCluster::new("c1");
    let mut keep_annotated = cm("keep-kcfg", "1");
    keep_annotated["metadata"]["annotations"] = json!({PRUNE_ANNOTATION: "false"});
    let mut keep_argo = cm("keep-argo", "1");
    keep_argo["metadata"]["annotations"] =
        json!({ARGOCD_SYNC_OPTIONS: "ServerSideApply=true,Prune=false"});
    let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "web"}});
    let pvc = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data", "namespace": "web"}});
    let pv = json!({"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "disk"}});
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"}}});
    let mut all = vec![keep_annotated, keep_argo, ns, pvc, pv, crd, cm("gone", "1")];
    all.extend((0..10).map(|i| cm(&format!("stay-{i}"), "1")));
    cluster.script_status(
        &id("v1", "PersistentVolumeClaim", "web", "data"),
        vec![json!({"phase": "Bound"})],
    );
    let report = run(&cluster, all.clone(), &options()).await;
    assert!(report.error.is_none(), "{:?}", report.error);

    let stay: Vec<Value> = (0..10).map(|i| cm(&format!("stay-{i}"), "1")).collect();
    let report = run(&cluster, stay.clone(), &options()).await;
    let prunes: String = summary(&report)
        .lines()
        .filter(|l| !l.starts_with("Unchanged"))
        .map(|l| format!("{l}\n"))
        .collect();
    insta::assert_snapshot!(prunes, @r#"
    Keep Done CustomResourceDefinition.apiextensions.k8s.io widgets.example.com not pruned: CustomResourceDefinition objects are never pruned unless allowed (--allow-prune-kind CustomResourceDefinition)
    Keep Done PersistentVolumeClaim web/data not pruned: PersistentVolumeClaim objects are never pruned unless allowed (--allow-prune-kind PersistentVolumeClaim)
    Keep Done PersistentVolume disk not pruned: PersistentVolume objects are never pruned unless allowed (--allow-prune-kind PersistentVolume)
    Keep Done ConfigMap web/keep-kcfg not pruned: kcfg.dev/prune: "false"
    Keep Done ConfigMap web/keep-argo not pruned: argocd.argoproj.io/sync-options: Prune=false
    Prune Done ConfigMap web/gone
    Keep Done Namespace web not pruned: Namespace objects are never pruned unless allowed (--allow-prune-kind Namespace)
    "#);
    // Kept objects stay in the set, so the parent still lists their kinds.
    let parent = cluster
        .stored(&ApplySet::new("web", "web", &GroupMap::new()).parent_ref())
        .unwrap();
    assert!(annotation(&parent, GROUP_KINDS_ANNOTATION)
        .unwrap()
        .contains("Namespace"));

    // Allowed by name, a protected kind is pruned.
    let allow = Options {
        prune_allowed_kinds: ["PersistentVolume".to_string()].into(),
        ..options()
    };
    let report = run(&cluster, stay.clone(), &allow).await;
    assert!(
        summary(&report).contains("Prune Done PersistentVolume disk"),
        "{}",
        summary(&report)
    );
    assert!(cluster
        .stored(&id("v1", "PersistentVolume", "", "disk"))
        .is_none());

    // --prune=false keeps everything.
    run(&cluster, all.clone(), &options()).await;
    let report = run(
        &cluster,
        stay.clone(),
        &Options {
            prune: false,
            ..options()
        },
    )
    .await;
    assert!(
        summary(&report).contains("Keep Done ConfigMap web/gone not pruned: pruning is off"),
        "{}",
        summary(&report)
    );
    assert!(cluster
        .stored(&id("v1", "ConfigMap", "web", "gone"))
        .is_some());
}

#[tokio::test]
async fn prune_share_guard_refuses_the_whole_run() {
    let cluster = FakeCluster::new("c1");
    run(
        &cluster,
        vec![cm("a", "1"), cm("b", "1"), cm("c", "1")],
        &options(),
    )
    .await;
    let writes = cluster.log().len();
    let report = run(&cluster, vec![cm("a", "2")], &options()).await;
    insta::assert_snapshot!(summary(&report), @r"
    Update NotRun ConfigMap web/a
    Prune NotRun ConfigMap web/c
    Prune NotRun ConfigMap web/b
    error: refusing to prune 2 of the set's 3 objects (67%, limit 50%); if this is intended, raise --max-prune-ratio
    ");
    assert_eq!(
        cluster.log().len(),
        writes,
        "nothing changes when the guard trips"
    );
    let report = run(
        &cluster,
        vec![cm("a", "2")],
        &Options {
            max_prune_ratio: 1.0,
            ..options()
        },
    )
    .await;
    assert!(report.error.is_none());
    assert_eq!(cluster.inventory(), ["ConfigMap web/a", "Secret web/web"]);
}

#[tokio::test]
async fn conflicts_stop_the_run_unless_forced() {
    let cluster = FakeCluster::new("c1");
    cluster.insert(cm("shared", "theirs"));
    cluster.script_conflict(&id("v1", "ConfigMap", "web", "shared"), "helm", ".data.k");
    let report = run(
        &cluster,
        vec![cm("mine", "1"), cm("shared", "ours")],
        &options(),
    )
    .await;
    insta::assert_snapshot!(summary(&report), @r#"
    Create NotRun ConfigMap web/mine
    Conflict Failed ConfigMap web/shared conflict: .data.k (owned by "helm"); pass --force-conflicts to take them over
    error: 1 object(s) cannot be applied; nothing was changed
    "#);
    assert!(cluster
        .stored(&id("v1", "ConfigMap", "web", "mine"))
        .is_none());
    let forced = run(
        &cluster,
        vec![cm("mine", "1"), cm("shared", "ours")],
        &Options {
            force_conflicts: true,
            ..options()
        },
    )
    .await;
    assert!(forced.error.is_none(), "{:?}", forced.error);
    assert_eq!(
        cluster
            .stored(&id("v1", "ConfigMap", "web", "shared"))
            .unwrap()["data"]["k"],
        json!("ours")
    );
}

#[tokio::test]
async fn adoption_is_refused_unless_asked() {
    let cluster = FakeCluster::new("c1");
    let mut other_set = cm("theirs", "1");
    other_set["metadata"]["labels"] = json!({PART_OF_LABEL: "applyset-other-v1"});
    cluster.insert(other_set);
    let mut argo = cm("argo", "1");
    argo["metadata"]["annotations"] = json!({ARGOCD_TRACKING_ID: "guestbook:/ConfigMap:web/argo"});
    cluster.insert(argo);
    cluster.insert(cm("unowned", "1"));
    let objects = vec![cm("theirs", "2"), cm("argo", "2"), cm("unowned", "1")];
    let report = run(&cluster, objects.clone(), &options()).await;
    insta::assert_snapshot!(summary(&report), @r"
    Refuse Failed ConfigMap web/argo managed by Argo CD (tracking id guestbook:/ConfigMap:web/argo); pass --adopt to take it over
    Refuse Failed ConfigMap web/theirs owned by another ApplySet (applyset-other-v1); pass --adopt to take it over
    Update NotRun ConfigMap web/unowned
    error: 2 object(s) cannot be applied; nothing was changed
    ");
    let adopted = run(
        &cluster,
        objects,
        &Options {
            adopt: true,
            ..options()
        },
    )
    .await;
    assert!(adopted.error.is_none());
    let theirs = cluster
        .stored(&id("v1", "ConfigMap", "web", "theirs"))
        .unwrap();
    assert_eq!(
        theirs["metadata"]["labels"][PART_OF_LABEL],
        json!(adopted.applyset_id)
    );
}

#[tokio::test]
async fn hooks_are_skipped_and_foreign_parents_refused() {
    let cluster = FakeCluster::new("c1");
    let mut hook = json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "migrate", "namespace": "web",
        "annotations": {"argocd.argoproj.io/hook": "PreSync"}}});
    hook["spec"] = json!({});
    let report = run(&cluster, vec![hook, cm("a", "1")], &options()).await;
    insta::assert_snapshot!(summary(&report), @r"
    Skip Done Job.batch web/migrate hook (argocd.argoproj.io/hook: PreSync): not applied
    Create Done ConfigMap web/a
    ");
    assert!(cluster
        .stored(&id("batch/v1", "Job", "web", "migrate"))
        .is_none());

    let cluster = FakeCluster::new("c2");
    cluster.insert(
        json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "web", "namespace": "web",
        "annotations": {"applyset.kubernetes.io/tooling": "kubectl/v1.32"}}}),
    );
    let report = run(&cluster, vec![cm("a", "1")], &options()).await;
    assert!(report
        .error
        .unwrap()
        .contains("managed by \"kubectl/v1.32\", not by kcfg"));
    assert!(report.records.is_empty());
}

#[tokio::test]
async fn custom_resources_wait_for_their_crd() {
    let cluster = FakeCluster::new("c1");
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Widget", "plural": "widgets"}}});
    let widget = json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "web"}});
    let unknown = json!({"apiVersion": "nope.example.com/v1", "kind": "Gizmo", "metadata": {"name": "g", "namespace": "web"}});
    let report = run(
        &cluster,
        vec![widget.clone(), unknown, crd.clone()],
        &options(),
    )
    .await;
    insta::assert_snapshot!(summary(&report), @"
    Create NotRun CustomResourceDefinition.apiextensions.k8s.io widgets.example.com
    Error Failed Gizmo.nope.example.com web/g kind Gizmo.nope.example.com (nope.example.com/v1) is not served by the cluster
    Create NotRun Widget.example.com web/w its CRD is created earlier in this run; not checked by a dry run
    error: 1 object(s) cannot be applied; nothing was changed
    ");
    let report = run(&cluster, vec![widget, crd], &options()).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    let log = cluster.log();
    let order: Vec<&str> = log
        .iter()
        .map(String::as_str)
        .filter(|l| !l.contains("Secret"))
        .collect();
    assert_eq!(
        order,
        [
            "apply CustomResourceDefinition /widgets.example.com",
            "apply Widget web/w"
        ]
    );
}

#[tokio::test]
async fn custom_resources_in_a_later_wave_than_their_crd() {
    let cluster = FakeCluster::new("c1");
    let crd = json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": "gadgets.example.com", "annotations": {"argocd.argoproj.io/sync-wave": "-5"}},
        "spec": {"group": "example.com", "scope": "Namespaced", "names": {"kind": "Gadget", "plural": "gadgets"}}});
    let gadget = json!({"apiVersion": "example.com/v1", "kind": "Gadget",
        "metadata": {"name": "g", "annotations": {"argocd.argoproj.io/sync-wave": "3"}}});
    let report = run(&cluster, vec![gadget, crd], &options()).await;
    assert!(report.error.is_none(), "{:?}", report.error);
    insta::assert_snapshot!(summary(&report), @"
    Create Done CustomResourceDefinition.apiextensions.k8s.io gadgets.example.com
    Create Done Gadget.example.com default/g its CRD is created earlier in this run; not checked by a dry run
    ");
}

#[tokio::test]
async fn bad_input_is_reported_not_panicked() {
    let cluster = FakeCluster::new("c1");
    // An object defined twice as written is an input problem, found
    // without a cluster (issue 13).
    let (_, problems) =
        Target::from_values(".", vec![cm("dup", "1"), cm("dup", "2")], &GroupMap::new());
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].message.contains("is defined twice"),
        "{problems:?}"
    );
    // One that only the cluster's default namespace makes the same is
    // caught by the engine.
    let mut unqualified = cm("dup", "1");
    unqualified["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    let mut qualified = cm("dup", "2");
    qualified["metadata"]["namespace"] = json!("default");
    let report = run(&cluster, vec![unqualified, qualified], &options()).await;
    assert!(
        report.records[1].message.contains("is defined twice"),
        "{}",
        summary(&report)
    );
    assert!(report.error.is_some());

    cluster.set_unreachable(true);
    let report = run(&cluster, vec![cm("a", "1")], &options()).await;
    insta::assert_snapshot!(report.error.unwrap(), @"cluster unreachable: c1: connection refused");
}

#[tokio::test]
async fn report_table_and_summary() {
    let cluster = FakeCluster::new("edge-1");
    run(
        &cluster,
        vec![cm("a", "1"), cm("b", "1"), cm("c", "1")],
        &options(),
    )
    .await;
    let mut report = run(
        &cluster,
        vec![cm("a", "2"), cm("b", "1"), cm("d", "1")],
        &Options {
            dry_run: true,
            ..options()
        },
    )
    .await;
    report.duration = Duration::from_millis(1234);
    report.requests = 42;
    insta::assert_snapshot!(render_set(&report, false), @"
    == edge-1 (ApplySet web/web) [dry run]
    WAVE  ACTION     OBJECT           RESULT   HEALTH  MESSAGE
    0     update     ConfigMap web/a  dry-run  -
    0     unchanged  ConfigMap web/b  dry-run  -
    0     create     ConfigMap web/d  dry-run  -
    0     prune      ConfigMap web/c  dry-run  -
    1 create, 1 update, 1 unchanged, 1 prune, 0 keep, 0 skip; 42 requests in 1.2s
    ");
    // Issue 16: one request is "1 request".
    report.requests = 1;
    assert!(render_set(&report, false).ends_with("0 skip; 1 request in 1.2s\n"));
    report.requests = 42;
    let json = serde_json::to_value(&report.records[0]).unwrap();
    insta::assert_snapshot!(serde_json::to_string(&json).unwrap().split(",\"diff\"").next().unwrap(), @r#"{"group":"","version":"v1","kind":"ConfigMap","namespace":"web","name":"a","wave":0,"action":"update","result":"planned","source":".""#);
}

/// Connects each cluster name to the fake of that name.
struct Fakes(Vec<Arc<FakeCluster>>);

#[async_trait]
impl Connector for Fakes {
    async fn connect(
        &self,
        cluster: &str,
        _context: Option<&str>,
    ) -> Result<Arc<dyn Cluster>, ClusterError> {
        let found = self.0.iter().find(|c| c.name() == cluster).cloned();
        found
            .map(|c| c as Arc<dyn Cluster>)
            .ok_or_else(|| ClusterError::Other(format!("no context for {cluster}")))
    }
}

#[tokio::test]
async fn fleet_keeps_going_when_a_cluster_is_down() {
    let fakes: Vec<Arc<FakeCluster>> = ["edge-1", "edge-2", "edge-3"]
        .iter()
        .map(|n| Arc::new(FakeCluster::new(n)))
        .collect();
    fakes[1].set_unreachable(true);
    let mut targets = Vec::new();
    for cluster in ["edge-1", "edge-2", "edge-3", "edge-4"] {
        for app in ["web", "dns"] {
            let (target, _) = Target::from_values(
                &format!("{cluster}/{app}"),
                vec![cm(app, "1")],
                &GroupMap::new(),
            );
            targets.push(target);
        }
    }
    let options = FleetOptions {
        engine: options(),
        contexts: ContextMap::default(),
        context: None,
        parallel: 2,
        prune_apps: false,
    };
    let fleet = run_fleet(targets, &options, &Fakes(fakes.clone()), no_progress()).await;
    insta::assert_snapshot!(render_summary(&fleet), @r"
    CLUSTER  STATUS       SETS  CREATE  UPDATE  PRUNE  MESSAGE
    edge-1   changed         2       2       0      0
    edge-2   unreachable     1       0       0      0  cluster unreachable (context edge-2); its remaining applications were skipped
    edge-3   changed         2       2       0      0
    edge-4   failed          0       0       0      0  no context for edge-4
    4 clusters: 2 changed, 1 failed, 1 unreachable
    ");
    assert_eq!(fleet.exit_code(true), 1);
    assert_eq!(
        fakes[0].inventory(),
        [
            "ConfigMap web/dns",
            "ConfigMap web/web",
            "Secret web/dns",
            "Secret web/web"
        ]
    );
    // Four objects on the two good clusters, and one failure line per failed set or cluster.
    assert_eq!(fleet.json_records().len(), 7);
    let _ = Action::Create;
}

/// The targets `<cluster>/<app>` for `apps`: a ConfigMap each, and for
/// `dns` its Namespace too.
fn fleet_targets(cluster: &str, apps: &[&str]) -> Vec<Target> {
    apps.iter()
        .map(|app| {
            let mut objects = vec![cm(app, "1")];
            if *app == "dns" {
                objects.push(
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dns"}}),
                );
            }
            Target::from_values(&format!("{cluster}/{app}"), objects, &GroupMap::new()).0
        })
        .collect()
}

/// Each set's target and its records' actions and results.
fn fleet_actions(fleet: &kcfg_apply::report::FleetReport) -> Vec<String> {
    let mut res = Vec::new();
    for cluster in &fleet.clusters {
        if let Some(error) = &cluster.error {
            res.push(format!("{}: error: {error}", cluster.cluster));
        }
        for set in &cluster.sets {
            for r in &set.records {
                let line = format!(
                    "{}: {:?} {:?} {} {}",
                    set.target, r.action, r.result, r.object, r.message
                );
                res.push(line.trim_end().to_string());
            }
        }
    }
    res
}

#[tokio::test]
async fn removed_applications_are_pruned_only_when_asked() {
    let cluster = Arc::new(FakeCluster::new("edge-1"));
    let fakes = Fakes(vec![cluster.clone()]);
    let fleet_options = |prune_apps: bool, dry_run: bool| FleetOptions {
        engine: Options {
            dry_run,
            ..options()
        },
        contexts: ContextMap::default(),
        context: None,
        parallel: 1,
        prune_apps,
    };
    let all = ["web", "dns", "db", "cache"];
    let first = run_fleet(
        fleet_targets("edge-1", &all),
        &fleet_options(true, false),
        &fakes,
        no_progress(),
    )
    .await;
    assert_eq!(first.exit_code(true), 2);
    // Another tool's ApplySet parent in the same namespace is never counted or touched.
    let mut foreign = ApplySet::new("kubectl-set", "web", &GroupMap::new())
        .parent_object(&Default::default(), &Default::default());
    foreign["metadata"]["annotations"]["applyset.kubernetes.io/tooling"] = json!("kubectl/v1.32");
    cluster.insert(foreign);

    // dns is no longer rendered: left in place unless asked.
    let kept = ["web", "db", "cache"];
    let without = run_fleet(
        fleet_targets("edge-1", &kept),
        &fleet_options(false, false),
        &fakes,
        no_progress(),
    )
    .await;
    assert_eq!(without.exit_code(true), 0);
    assert_eq!(without.clusters[0].sets.len(), 3);
    assert!(cluster
        .inventory()
        .contains(&"ConfigMap web/dns".to_string()));

    // Planned, then done: its ConfigMap goes, its Namespace is kept (a
    // protected kind), so its parent stays to track the Namespace.
    let plan = run_fleet(
        fleet_targets("edge-1", &kept),
        &fleet_options(true, true),
        &fakes,
        no_progress(),
    )
    .await;
    assert_eq!(plan.exit_code(true), 2);
    let removed: Vec<String> = fleet_actions(&plan)
        .into_iter()
        .filter(|line| line.starts_with("edge-1/dns"))
        .collect();
    insta::assert_snapshot!(removed.join("\n"), @r"
    edge-1/dns: Prune Planned ConfigMap web/dns
    edge-1/dns: Keep Planned Namespace dns not pruned: Namespace objects are never pruned unless allowed (--allow-prune-kind Namespace)
    ");
    let log_before = cluster.log().len();
    let pruned = run_fleet(
        fleet_targets("edge-1", &kept),
        &fleet_options(true, false),
        &fakes,
        no_progress(),
    )
    .await;
    assert_eq!(pruned.exit_code(true), 2);
    assert_eq!(
        cluster.log()[log_before..],
        [
            "apply Secret web/dns",
            "delete ConfigMap web/dns",
            "apply Secret web/dns"
        ]
    );

    // cache goes too, wholly: its parent is deleted. dns is found again and
    // keeps its Namespace. Two of four applications is within the limit.
    let log_before = cluster.log().len();
    let second = run_fleet(
        fleet_targets("edge-1", &["web", "db"]),
        &fleet_options(true, false),
        &fakes,
        no_progress(),
    )
    .await;
    assert_eq!(second.exit_code(true), 2);
    assert_eq!(
        cluster.log()[log_before..],
        [
            "apply Secret web/cache",
            "delete ConfigMap web/cache",
            "apply Secret web/cache",
            "delete Secret web/cache"
        ]
    );
    insta::assert_snapshot!(render_summary(&second), @r"
    CLUSTER  STATUS       SETS  CREATE  UPDATE  PRUNE  MESSAGE
    edge-1   changed         4       0       0      1
    1 cluster: 1 changed
    ");

    // Two of the three sets left would go: refused before anything changes.
    let log_before = cluster.log().len();
    let refused = run_fleet(
        fleet_targets("edge-1", &["web"]),
        &fleet_options(true, false),
        &fakes,
        no_progress(),
    )
    .await;
    assert_eq!(refused.exit_code(true), 1);
    assert_eq!(fleet_actions(&refused), ["edge-1: error: refusing to remove 2 of the cluster's 3 applications (67%, limit 50%): db, dns; nothing was changed; if this is intended, raise --max-prune-ratio"]);
    assert_eq!(cluster.log().len(), log_before);
    assert!(cluster
        .inventory()
        .contains(&"Secret web/kubectl-set".to_string()));
}

/// Issue 16: without a terminal, a run says when each wave starts and ends,
/// and, every interval while it waits, what it waits for. The fake cluster
/// plays a Deployment that becomes healthy after 30 polls; the log's
/// interval (10 s in the CLI) is 40 ms here.
#[tokio::test]
async fn issue16_waiting_is_logged_every_interval() {
    let cluster = Arc::new(FakeCluster::new("edge-1"));
    let api = id("apps/v1", "Deployment", "web", "api");
    let rolling = json!({"observedGeneration": 99, "replicas": 2, "updatedReplicas": 2, "availableReplicas": 1});
    let mut statuses = vec![rolling; 30];
    statuses.push(ready_status());
    cluster.script_status(&api, statuses);
    let lines: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let sink = lines.clone();
    let log = LineLog::new(Duration::from_millis(40), move |line| {
        sink.lock().unwrap().push(line.to_string())
    });
    let mut wave1 = cm("after", "1");
    wave1["metadata"]["annotations"] = json!({"argocd.argoproj.io/sync-wave": "1"});
    let (target, _) = Target::from_values(
        "edge-1/web",
        vec![cm("settings", "1"), deploy("api", None), wave1],
        &GroupMap::new(),
    );
    let fleet_options = FleetOptions {
        engine: Options {
            poll_interval: Duration::from_millis(5),
            ..options()
        },
        contexts: ContextMap::default(),
        context: None,
        parallel: 1,
        prune_apps: false,
    };
    let started = std::time::Instant::now();
    let fleet = run_fleet(
        vec![target],
        &fleet_options,
        &Fakes(vec![cluster.clone()]),
        log.progress(),
    )
    .await;
    let elapsed = started.elapsed();
    // A plain apply that changed something succeeded: 0; 2 only when asked.
    assert_eq!(fleet.exit_code(false), 0);
    assert_eq!(fleet.exit_code(true), 2);

    let lines = lines.lock().unwrap().clone();
    let waits: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("still waiting"))
        .collect();
    // At least one line while the Deployment rolled out (30 polls of at
    // least 5 ms each, so longer than the interval), and far fewer than
    // one per poll: at most one per interval.
    assert!(!waits.is_empty(), "{lines:#?}");
    let most = (elapsed.as_millis() / 40 + 1) as usize;
    assert!(waits.len() <= most, "{} > {most}: {lines:#?}", waits.len());
    for wait in &waits {
        assert!(
            wait.starts_with("edge-1: edge-1/web: still waiting after ")
                && wait.contains("s for wave 0: Deployment.apps web/api (Progressing: "),
            "{wait}"
        );
    }
    // Everything else, in order, with times replaced.
    let others: Vec<String> = lines
        .iter()
        .filter(|l| !l.contains("still waiting"))
        .map(|l| seconds_replaced(l))
        .collect();
    assert_eq!(
        others,
        [
            "edge-1: edge-1/web: applying wave 0 (2 objects)",
            "edge-1: edge-1/web: wave 0 done (2 objects in N.Ns)",
            "edge-1: edge-1/web: applying wave 1 (1 object)",
            "edge-1: edge-1/web: wave 1 done (1 object in N.Ns)",
            "edge-1: edge-1/web: 3 create, 0 update, 0 prune, 0 unchanged in N.Ns",
            "edge-1: done: changed",
        ]
    );
    // The wave-0 lines come before the wave-1 ones, waits in between.
    let first_wait = lines
        .iter()
        .position(|l| l.contains("still waiting"))
        .unwrap();
    let wave0_done = lines
        .iter()
        .position(|l| l.contains("wave 0 done"))
        .unwrap();
    assert!(first_wait < wave0_done, "{lines:#?}");
}

/// `1.2s` → `N.Ns`.
fn seconds_replaced(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut number = c.to_string();
            while let Some(&next) = chars.peek() {
                if next.is_ascii_digit() || next == '.' {
                    number.push(next);
                    chars.next();
                } else {
                    break;
                }
            }
            if number.contains('.') && chars.peek() == Some(&'s') {
                out.push_str("N.N");
            } else {
                out.push_str(&number);
            }
        } else {
            out.push(c);
        }
    }
    out
}
