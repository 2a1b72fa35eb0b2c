//! Ordering, the way Argo CD orders a sync, so manifests written for Argo CD
//! behave the same here.
//!
//! Objects are sorted by sync wave (`argocd.argoproj.io/sync-wave`, default
//! 0), then by Argo CD's kind order (Namespaces, then policies, then
//! configuration, storage, CRDs, RBAC, Services, workloads, Ingress — custom
//! resources after every known kind), then by name. Two moves follow, as in
//! gitops-engine's `syncTasks.Sort`: a Namespace moves in front of the first
//! object in it, and a CRD in front of the first custom resource of its
//! kind, each taking that object's wave. Deletion runs in the reverse order.
//!
//! Hook objects (`argocd.argoproj.io/hook`, `helm.sh/hook`) are never
//! applied as plain objects; they are split off and reported as skipped.

use crate::object::{annotation, str_at, GroupMap, Object};

/// Argo CD's sync-wave annotation.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
/// Argo CD's hook annotation.
pub const ARGO_HOOK: &str = "argocd.argoproj.io/hook";
/// Helm's hook annotation.
pub const HELM_HOOK: &str = "helm.sh/hook";

/// Argo CD's kind order (gitops-engine `pkg/sync/sync_tasks.go`, itself from
/// Helm's install order). Kinds not listed sort after all of these.
const KIND_ORDER: &[&str] = &[
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "SecretList",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleList",
    "ClusterRoleBinding",
    "ClusterRoleBindingList",
    "Role",
    "RoleList",
    "RoleBinding",
    "RoleBindingList",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicationController",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
    "APIService",
];

/// The rank of a kind: its index in Argo CD's list, or the list's length for
/// any other kind (custom resources go last).
pub fn kind_rank(kind: &str) -> usize {
    KIND_ORDER
        .iter()
        .position(|known| *known == kind)
        .unwrap_or(KIND_ORDER.len())
}

/// The sync wave of an object. Like Argo CD, a value that is not an integer
/// counts as wave 0.
pub fn wave_of(obj: &Object) -> i64 {
    annotation(&obj.value, SYNC_WAVE)
        .and_then(|text| text.trim().parse().ok())
        .unwrap_or(0)
}

/// The hook annotation of an object, if it is a hook.
pub fn hook_of(obj: &Object) -> Option<String> {
    annotation(&obj.value, ARGO_HOOK)
        .map(|hook| format!("{ARGO_HOOK}: {hook}"))
        .or_else(|| annotation(&obj.value, HELM_HOOK).map(|hook| format!("{HELM_HOOK}: {hook}")))
}

/// An object with the wave it will be applied in.
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered {
    /// The wave, after the Namespace and CRD moves.
    pub wave: i64,
    /// The object.
    pub object: Object,
}

/// The result of ordering: the objects to apply, in order, and the hooks
/// that were split off.
#[derive(Debug, Clone, Default)]
pub struct Ordering {
    /// Objects in apply order.
    pub objects: Vec<Ordered>,
    /// Hook objects with their hook annotation, never applied.
    pub hooks: Vec<(Object, String)>,
}

fn is_namespace(obj: &Object, groups: &GroupMap) -> bool {
    obj.id.kind == "Namespace" && groups.canonical(&obj.id.group).is_empty()
}

/// True for a CustomResourceDefinition (in any version of apiextensions).
pub fn is_crd(obj: &Object) -> bool {
    obj.id.kind == "CustomResourceDefinition" && obj.id.group == "apiextensions.k8s.io"
}

/// The `group/Kind` a CRD defines.
pub fn crd_defines(obj: &Object) -> Option<String> {
    let group = str_at(&obj.value, &["spec", "group"])?;
    let kind = str_at(&obj.value, &["spec", "names", "kind"])?;
    Some(format!("{group}/{kind}"))
}

/// Sorts objects into apply order and splits off hooks.
pub fn order(objects: Vec<Object>, groups: &GroupMap) -> Ordering {
    let mut res = Ordering::default();
    for object in objects {
        match hook_of(&object) {
            Some(hook) => res.hooks.push((object, hook)),
            None => res.objects.push(Ordered {
                wave: wave_of(&object),
                object,
            }),
        }
    }
    res.objects.sort_by(|a, b| {
        (
            a.wave,
            kind_rank(&a.object.id.kind),
            &a.object.id.name,
            &a.object.id.namespace,
        )
            .cmp(&(
                b.wave,
                kind_rank(&b.object.id.kind),
                &b.object.id.name,
                &b.object.id.namespace,
            ))
    });
    // A Namespace goes in front of the first object in it.
    move_dependencies(
        &mut res.objects,
        |obj| is_namespace(obj, groups).then(|| obj.id.name.clone()),
        |obj| (!obj.id.namespace.is_empty()).then(|| obj.id.namespace.clone()),
    );
    // A CRD goes in front of the first custom resource of its kind.
    move_dependencies(
        &mut res.objects,
        |obj| if is_crd(obj) { crd_defines(obj) } else { None },
        |obj| Some(format!("{}/{}", obj.id.group, obj.id.kind)),
    );
    res
}

/// Moves each dependency (an object for which `provides` answers a key) in
/// front of the first object that `needs` that key, giving it that wave.
fn move_dependencies(
    objects: &mut Vec<Ordered>,
    provides: impl Fn(&Object) -> Option<String>,
    needs: impl Fn(&Object) -> Option<String>,
) {
    let mut first_user: Vec<(String, usize)> = Vec::new();
    let mut index = 0;
    while index < objects.len() {
        if let Some(key) = provides(&objects[index].object) {
            if let Some(&(_, at)) = first_user.iter().find(|(k, _)| *k == key) {
                let mut dep = objects.remove(index);
                dep.wave = objects[at].wave;
                objects.insert(at, dep);
                for (_, later) in first_user.iter_mut() {
                    if *later >= at {
                        *later += 1;
                    }
                }
            }
        } else if let Some(key) = needs(&objects[index].object) {
            if !first_user.iter().any(|(k, _)| *k == key) {
                first_user.push((key, index));
            }
        }
        index += 1;
    }
}

/// Groups consecutive objects of the same wave.
pub fn waves(objects: &[Ordered]) -> Vec<(i64, Vec<&Ordered>)> {
    let mut res: Vec<(i64, Vec<&Ordered>)> = Vec::new();
    for obj in objects {
        match res.last_mut() {
            Some((wave, items)) if *wave == obj.wave => items.push(obj),
            _ => res.push((obj.wave, vec![obj])),
        }
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{objects_from_documents, Source};
    use serde_json::{json, Value};

    fn obj(api_version: &str, kind: &str, ns: &str, name: &str, wave: Option<&str>) -> Value {
        let mut value =
            json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}});
        if !ns.is_empty() {
            value["metadata"]["namespace"] = json!(ns);
        }
        if let Some(wave) = wave {
            value["metadata"]["annotations"] = json!({ SYNC_WAVE: wave });
        }
        value
    }

    fn check(docs: Vec<Value>, groups: &GroupMap) -> String {
        let (objects, problems) = objects_from_documents(
            docs.into_iter().map(|d| {
                (
                    Source {
                        origin: "t".into(),
                        doc: 0,
                    },
                    d,
                )
            }),
            groups,
        );
        assert!(problems.is_empty());
        let ordering = order(objects, groups);
        let mut out = String::new();
        for item in &ordering.objects {
            out.push_str(&format!("{:>3} {}\n", item.wave, item.object.id));
        }
        for (hook, why) in &ordering.hooks {
            out.push_str(&format!("hook {} ({why})\n", hook.id));
        }
        out
    }

    #[test]
    fn waves_then_kinds_then_names() {
        let out = check(
            vec![
                obj("apps/v1", "Deployment", "web", "b", None),
                obj("apps/v1", "Deployment", "web", "a", None),
                obj("v1", "Service", "web", "a", None),
                obj("example.com/v1", "Widget", "web", "w", None),
                obj("v1", "ConfigMap", "web", "late", Some("5")),
                obj("v1", "ConfigMap", "web", "early", Some("-1")),
                obj("v1", "ConfigMap", "web", "bad-wave", Some("soon")),
                obj("batch/v1", "Job", "web", "migrate", None),
                obj("networking.k8s.io/v1", "Ingress", "web", "i", None),
                obj("v1", "Secret", "web", "s", None),
            ],
            &GroupMap::new(),
        );
        insta::assert_snapshot!(out, @r"
         -1 ConfigMap web/early
          0 Secret web/s
          0 ConfigMap web/bad-wave
          0 Service web/a
          0 Deployment.apps web/a
          0 Deployment.apps web/b
          0 Job.batch web/migrate
          0 Ingress.networking.k8s.io web/i
          0 Widget.example.com web/w
          5 ConfigMap web/late
        ");
    }

    #[test]
    fn namespaces_and_crds_move_in_front_of_their_users() {
        let mut crd = obj(
            "apiextensions.k8s.io/v1",
            "CustomResourceDefinition",
            "",
            "widgets.example.com",
            Some("3"),
        );
        crd["spec"] = json!({"group": "example.com", "names": {"kind": "Widget"}});
        let mut hook = obj("batch/v1", "Job", "web", "pre", None);
        hook["metadata"]["annotations"] = json!({ARGO_HOOK: "PreSync"});
        let mut helm_hook = obj("batch/v1", "Job", "web", "helm-pre", None);
        helm_hook["metadata"]["annotations"] = json!({HELM_HOOK: "pre-install"});
        let out = check(
            vec![
                obj("example.com/v1", "Widget", "web", "w", Some("1")),
                crd,
                obj("v1", "ConfigMap", "web", "c", Some("-2")),
                obj("v1", "Namespace", "", "web", Some("2")),
                hook,
                helm_hook,
            ],
            &GroupMap::new(),
        );
        insta::assert_snapshot!(out, @r"
         -2 Namespace web
         -2 ConfigMap web/c
          1 CustomResourceDefinition.apiextensions.k8s.io widgets.example.com
          1 Widget.example.com web/w
        hook Job.batch web/pre (argocd.argoproj.io/hook: PreSync)
        hook Job.batch web/helm-pre (helm.sh/hook: pre-install)
        ");
    }

    #[test]
    fn mapped_core_namespace_still_moves() {
        let mut groups = GroupMap::new();
        groups.insert("core", "core.kcfg.dev");
        let out = check(
            vec![
                obj("v1", "ConfigMap", "web", "c", Some("-1")),
                obj("v1", "Namespace", "", "web", None),
            ],
            &groups,
        );
        insta::assert_snapshot!(out, @r"
         -1 Namespace.core.kcfg.dev web
         -1 ConfigMap.core.kcfg.dev web/c
        ");
    }
}
