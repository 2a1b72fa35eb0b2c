//! Health: is an applied object ready, still progressing, or broken?
//!
//! The rules are Argo CD's built-in health checks (gitops-engine
//! `pkg/health`, and the Lua check for Argo Rollouts), for Deployment,
//! StatefulSet, DaemonSet, Job, Service, Ingress, PersistentVolumeClaim,
//! HorizontalPodAutoscaler, CustomResourceDefinition and Rollout. Other kinds
//! fall back to a generic check of `status.observedGeneration` and the usual
//! conditions (`Ready`, `Available`, `Stalled`, `Reconciling`); a kind with
//! nothing to read is healthy, as in Argo CD.
//!
//! The engine waits between waves until every object is Healthy or
//! Suspended, and stops at once on Degraded. Rules match on the canonical
//! group (through the `--map-group` map), so the test server's stand-in
//! `apps.kcfg.dev` Deployment is checked like an `apps` one.
//!
//! One divergence, on purpose: Argo CD calls a CRD whose `Established`
//! condition is not yet true Degraded; kcfg calls it Progressing (unless its
//! names were rejected), because kcfg waits for a CRD it has just created and
//! must not fail fast during the second it takes to establish.

use std::fmt;

use serde::Serialize;
use serde_json::Value;

use crate::object::{split_api_version, str_at, GroupMap};

/// Health of one object, Argo CD's codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum HealthStatus {
    /// Ready.
    Healthy,
    /// Paused on purpose (a paused Deployment or Rollout, a suspended Job).
    Suspended,
    /// Not ready yet, with a chance of becoming ready.
    Progressing,
    /// Not in the cluster.
    Missing,
    /// Failed; waiting more will not help.
    Degraded,
    /// The status could not be read.
    Unknown,
}

impl fmt::Display for HealthStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl HealthStatus {
    /// True when a wave may go on past this object.
    pub fn is_ready(self) -> bool {
        matches!(self, HealthStatus::Healthy | HealthStatus::Suspended)
    }
}

/// A health status and its message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Health {
    /// The status.
    pub status: HealthStatus,
    /// Why, in the words of the rule (may be empty).
    pub message: String,
}

impl Health {
    fn new(status: HealthStatus, message: impl Into<String>) -> Health {
        Health {
            status,
            message: message.into(),
        }
    }
}

fn int(obj: &Value, path: &[&str]) -> Option<i64> {
    let mut at = obj;
    for key in path {
        at = at.get(*key)?;
    }
    at.as_i64()
}

fn int_or(obj: &Value, path: &[&str], default: i64) -> i64 {
    int(obj, path).unwrap_or(default)
}

fn conditions(obj: &Value) -> impl Iterator<Item = &Value> {
    obj.get("status")
        .and_then(|s| s.get("conditions"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

fn condition<'a>(obj: &'a Value, kind: &str) -> Option<&'a Value> {
    conditions(obj).find(|c| c.get("type").and_then(Value::as_str) == Some(kind))
}

fn field<'a>(cond: &'a Value, name: &str) -> &'a str {
    cond.get(name).and_then(Value::as_str).unwrap_or("")
}

/// The health of a live object.
pub fn health_of(obj: &Value, groups: &GroupMap) -> Health {
    if obj
        .get("metadata")
        .and_then(|m| m.get("deletionTimestamp"))
        .is_some()
    {
        return Health::new(HealthStatus::Progressing, "Pending deletion");
    }
    let api_version = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
    let group = groups.canonical(split_api_version(api_version).0);
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    match (group, kind) {
        ("apps" | "extensions", "Deployment") => deployment(obj),
        ("apps", "StatefulSet") => statefulset(obj),
        ("apps" | "extensions", "DaemonSet") => daemonset(obj),
        ("batch", "Job") => job(obj),
        ("", "Service") => service(obj),
        ("networking.k8s.io" | "extensions", "Ingress") => ingress(obj),
        ("", "PersistentVolumeClaim") => pvc(obj),
        ("autoscaling", "HorizontalPodAutoscaler") => hpa(obj),
        ("apiextensions.k8s.io", "CustomResourceDefinition") => crd(obj),
        ("argoproj.io", "Rollout") => rollout(obj),
        _ => generic(obj),
    }
}

fn deployment(obj: &Value) -> Health {
    use HealthStatus::*;
    if obj.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Health::new(Suspended, "Deployment is paused");
    }
    let generation = int_or(obj, &["metadata", "generation"], 0);
    let observed = int_or(obj, &["status", "observedGeneration"], 0);
    if generation > observed {
        return Health::new(Progressing, "Waiting for rollout to finish: observed deployment generation less than desired generation");
    }
    let name = str_at(obj, &["metadata", "name"]).unwrap_or("");
    if condition(obj, "Progressing")
        .is_some_and(|c| field(c, "reason") == "ProgressDeadlineExceeded")
    {
        return Health::new(
            Degraded,
            format!("Deployment {name:?} exceeded its progress deadline"),
        );
    }
    let updated = int_or(obj, &["status", "updatedReplicas"], 0);
    let replicas = int_or(obj, &["status", "replicas"], 0);
    let available = int_or(obj, &["status", "availableReplicas"], 0);
    if let Some(want) = int(obj, &["spec", "replicas"]) {
        if updated < want {
            return Health::new(
                Progressing,
                format!("Waiting for rollout to finish: {updated} out of {want} new replicas have been updated..."),
            );
        }
    }
    if replicas > updated {
        return Health::new(
            Progressing,
            format!(
                "Waiting for rollout to finish: {} old replicas are pending termination...",
                replicas - updated
            ),
        );
    }
    if available < updated {
        return Health::new(
            Progressing,
            format!("Waiting for rollout to finish: {available} of {updated} updated replicas are available..."),
        );
    }
    Health::new(Healthy, "")
}

fn statefulset(obj: &Value) -> Health {
    use HealthStatus::*;
    let observed = int_or(obj, &["status", "observedGeneration"], 0);
    if observed == 0 || int_or(obj, &["metadata", "generation"], 0) > observed {
        return Health::new(
            Progressing,
            "Waiting for statefulset spec update to be observed...",
        );
    }
    let ready = int_or(obj, &["status", "readyReplicas"], 0);
    let updated = int_or(obj, &["status", "updatedReplicas"], 0);
    let want = int(obj, &["spec", "replicas"]);
    if let Some(want) = want {
        if ready < want {
            return Health::new(
                Progressing,
                format!("Waiting for {} pods to be ready...", want - ready),
            );
        }
    }
    let strategy = str_at(obj, &["spec", "updateStrategy", "type"]).unwrap_or("RollingUpdate");
    let rolling = obj.pointer("/spec/updateStrategy/rollingUpdate");
    if strategy == "RollingUpdate" && rolling.is_some_and(|r| !r.is_null()) {
        if let (Some(want), Some(partition)) = (
            want,
            rolling
                .and_then(|r| r.get("partition"))
                .and_then(Value::as_i64),
        ) {
            if updated < want - partition {
                return Health::new(
                    Progressing,
                    format!(
                        "Waiting for partitioned roll out to finish: {updated} out of {} new pods have been updated...",
                        want - partition
                    ),
                );
            }
        }
        return Health::new(
            Healthy,
            format!("partitioned roll out complete: {updated} new pods have been updated..."),
        );
    }
    if strategy == "OnDelete" {
        return Health::new(Healthy, format!("statefulset has {ready} ready pods"));
    }
    let update_rev = str_at(obj, &["status", "updateRevision"]).unwrap_or("");
    let current_rev = str_at(obj, &["status", "currentRevision"]).unwrap_or("");
    if update_rev != current_rev {
        return Health::new(
            Progressing,
            format!("waiting for statefulset rolling update to complete {updated} pods at revision {update_rev}..."),
        );
    }
    let current = int_or(obj, &["status", "currentReplicas"], 0);
    Health::new(
        Healthy,
        format!("statefulset rolling update complete {current} pods at revision {current_rev}..."),
    )
}

fn daemonset(obj: &Value) -> Health {
    use HealthStatus::*;
    if int_or(obj, &["metadata", "generation"], 0)
        > int_or(obj, &["status", "observedGeneration"], 0)
    {
        return Health::new(Progressing, "Waiting for rollout to finish: observed daemon set generation less than desired generation");
    }
    let name = str_at(obj, &["metadata", "name"]).unwrap_or("");
    let updated = int_or(obj, &["status", "updatedNumberScheduled"], 0);
    let desired = int_or(obj, &["status", "desiredNumberScheduled"], 0);
    let available = int_or(obj, &["status", "numberAvailable"], 0);
    if str_at(obj, &["spec", "updateStrategy", "type"]) == Some("OnDelete") {
        return Health::new(
            Healthy,
            format!("daemon set {updated} out of {desired} new pods have been updated"),
        );
    }
    if updated < desired {
        return Health::new(
            Progressing,
            format!("Waiting for daemon set {name:?} rollout to finish: {updated} out of {desired} new pods have been updated..."),
        );
    }
    if available < desired {
        return Health::new(
            Progressing,
            format!("Waiting for daemon set {name:?} rollout to finish: {available} of {desired} updated pods are available..."),
        );
    }
    Health::new(Healthy, "")
}

fn job(obj: &Value) -> Health {
    use HealthStatus::*;
    let (mut failed, mut complete) = (None, None);
    for cond in conditions(obj) {
        match field(cond, "type") {
            "Failed" => failed = Some(field(cond, "message").to_string()),
            "Complete" => complete = Some(field(cond, "message").to_string()),
            _ => {}
        }
    }
    match (failed, complete) {
        (Some(message), _) => Health::new(Degraded, message),
        (None, Some(message)) => Health::new(Healthy, message),
        (None, None) if obj.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) => {
            Health::new(Suspended, "Job is suspended")
        }
        (None, None) => Health::new(Progressing, ""),
    }
}

fn lb_ingress(obj: &Value) -> bool {
    obj.pointer("/status/loadBalancer/ingress")
        .and_then(Value::as_array)
        .is_some_and(|list| !list.is_empty())
}

fn service(obj: &Value) -> Health {
    if str_at(obj, &["spec", "type"]) == Some("LoadBalancer") && !lb_ingress(obj) {
        return Health::new(
            HealthStatus::Progressing,
            "Waiting for the load balancer to get an address",
        );
    }
    Health::new(HealthStatus::Healthy, "")
}

fn ingress(obj: &Value) -> Health {
    if lb_ingress(obj) {
        Health::new(HealthStatus::Healthy, "")
    } else {
        Health::new(
            HealthStatus::Progressing,
            "Waiting for the ingress to get an address",
        )
    }
}

fn pvc(obj: &Value) -> Health {
    match str_at(obj, &["status", "phase"]) {
        Some("Lost") => Health::new(HealthStatus::Degraded, "claim lost its volume"),
        Some("Pending") => Health::new(HealthStatus::Progressing, "claim is pending"),
        Some("Bound") => Health::new(HealthStatus::Healthy, ""),
        _ => Health::new(HealthStatus::Unknown, "claim has no phase"),
    }
}

fn hpa(obj: &Value) -> Health {
    const DEGRADED: &[(&str, &str)] = &[
        ("AbleToScale", "FailedGetScale"),
        ("AbleToScale", "FailedUpdateScale"),
        ("ScalingActive", "FailedGetResourceMetric"),
        ("ScalingActive", "InvalidSelector"),
    ];
    const HEALTHY: &[(&str, &str)] = &[
        ("AbleToScale", "SucceededRescale"),
        ("ScalingLimited", "DesiredWithinRange"),
        ("ScalingLimited", "TooFewReplicas"),
        ("ScalingLimited", "TooManyReplicas"),
    ];
    // autoscaling/v1 keeps its conditions in an annotation.
    let from_annotation: Vec<Value> = str_at(
        obj,
        &[
            "metadata",
            "annotations",
            "autoscaling.alpha.kubernetes.io/conditions",
        ],
    )
    .and_then(|text| serde_json::from_str(text).ok())
    .unwrap_or_default();
    let all: Vec<&Value> = conditions(obj).chain(from_annotation.iter()).collect();
    for cond in all {
        let key = (field(cond, "type"), field(cond, "reason"));
        if DEGRADED.contains(&key) {
            return Health::new(HealthStatus::Degraded, field(cond, "message"));
        }
        if HEALTHY.contains(&key) {
            return Health::new(HealthStatus::Healthy, field(cond, "message"));
        }
    }
    Health::new(HealthStatus::Progressing, "Waiting to Autoscale")
}

fn crd(obj: &Value) -> Health {
    use HealthStatus::*;
    if conditions(obj).next().is_none() {
        return Health::new(Progressing, "Status conditions not found");
    }
    let is =
        |kind: &str, status: &str| condition(obj, kind).filter(|c| field(c, "status") == status);
    if let Some(c) = is("Terminating", "True") {
        return Health::new(
            Progressing,
            format!("CRD is being terminated: {}", field(c, "message")),
        );
    }
    if let Some(c) = is("NamesAccepted", "False") {
        return Health::new(
            Degraded,
            format!("CRD names have not been accepted: {}", field(c, "message")),
        );
    }
    if is("Established", "True").is_none() {
        // Argo CD says Degraded here; see the module comment.
        let message = condition(obj, "Established")
            .map(|c| field(c, "message"))
            .unwrap_or("");
        return Health::new(Progressing, format!("CRD is not established: {message}"));
    }
    if let Some(c) = is("NonStructuralSchema", "True") {
        return Health::new(
            Degraded,
            format!("Schema violations found: {}", field(c, "message")),
        );
    }
    Health::new(Healthy, "CRD is healthy")
}

/// Argo Rollouts, after Argo CD's `resource_customizations/argoproj.io/Rollout/health.lua`.
fn rollout(obj: &Value) -> Health {
    use HealthStatus::*;
    let observed = obj.pointer("/status/observedGeneration");
    let Some(observed) = observed.filter(|v| !v.is_null()) else {
        return Health::new(
            Progressing,
            "Waiting for rollout spec update to be observed",
        );
    };
    // Old controllers wrote a hash here; only a number is compared.
    let observed = observed
        .as_i64()
        .or_else(|| observed.as_str().and_then(|s| s.parse().ok()));
    if observed.is_some_and(|o| Some(o) != int(obj, &["metadata", "generation"])) {
        return Health::new(
            Progressing,
            "Waiting for rollout spec update to be observed",
        );
    }
    for cond in conditions(obj) {
        let (kind, reason) = (field(cond, "type"), field(cond, "reason"));
        if kind == "InvalidSpec"
            || (kind == "Progressing"
                && (reason == "RolloutAborted" || reason == "ProgressDeadlineExceeded"))
        {
            return Health::new(Degraded, field(cond, "message"));
        }
    }
    let paused_conditions = obj
        .pointer("/status/pauseConditions")
        .and_then(Value::as_array)
        .is_some_and(|l| !l.is_empty());
    if paused_conditions || obj.pointer("/spec/paused").and_then(Value::as_bool) == Some(true) {
        return Health::new(Suspended, "Rollout is paused");
    }
    let Some(pod_hash) = str_at(obj, &["status", "currentPodHash"]) else {
        return Health::new(
            Progressing,
            "Waiting for rollout to finish: status has not been reconciled.",
        );
    };
    let want = int_or(obj, &["spec", "replicas"], 1);
    let replicas = int_or(obj, &["status", "replicas"], 0);
    let updated = int_or(obj, &["status", "updatedReplicas"], 0);
    let available = int_or(obj, &["status", "availableReplicas"], 0);
    if updated < want {
        return Health::new(
            Progressing,
            "Waiting for roll out to finish: More replicas need to be updated",
        );
    }
    if available < updated {
        return Health::new(
            Progressing,
            "Waiting for roll out to finish: updated replicas are still becoming available",
        );
    }
    let stable = str_at(obj, &["status", "stableRS"])
        .or_else(|| str_at(obj, &["status", "canary", "stableRS"]))
        .unwrap_or("");
    if obj
        .pointer("/spec/strategy/blueGreen")
        .is_some_and(|v| !v.is_null())
    {
        if str_at(obj, &["status", "blueGreen", "activeSelector"]) != Some(pod_hash) {
            return Health::new(Progressing, "active service cutover pending");
        }
        if !stable.is_empty() && stable != pod_hash {
            return Health::new(Progressing, "waiting for analysis to complete");
        }
    } else if obj
        .pointer("/spec/strategy/canary")
        .is_some_and(|v| !v.is_null())
    {
        if replicas > updated {
            return Health::new(
                Progressing,
                "Waiting for roll out to finish: old replicas are pending termination",
            );
        }
        if stable.is_empty() || stable != pod_hash {
            return Health::new(Progressing, "Waiting for rollout to finish steps");
        }
    }
    Health::new(Healthy, "")
}

/// Kinds without a rule: observedGeneration and the common conditions, in
/// the spirit of kstatus; an object with nothing to read is healthy.
fn generic(obj: &Value) -> Health {
    use HealthStatus::*;
    if let (Some(generation), Some(observed)) = (
        int(obj, &["metadata", "generation"]),
        int(obj, &["status", "observedGeneration"]),
    ) {
        if observed < generation {
            return Health::new(
                Progressing,
                format!("Waiting for the controller to observe generation {generation}"),
            );
        }
    }
    let is_true = |c: &Value| field(c, "status") == "True";
    if let Some(c) = condition(obj, "Stalled").filter(|c| is_true(c)) {
        return Health::new(Degraded, field(c, "message"));
    }
    if let Some(c) = condition(obj, "Reconciling").filter(|c| is_true(c)) {
        return Health::new(Progressing, field(c, "message"));
    }
    for kind in ["Ready", "Available"] {
        if let Some(c) = condition(obj, kind) {
            return match field(c, "status") {
                "True" => Health::new(Healthy, field(c, "message")),
                "False"
                    if field(c, "reason").contains("Fail")
                        || field(c, "reason").contains("Error") =>
                {
                    Health::new(Degraded, field(c, "message"))
                }
                _ => Health::new(Progressing, field(c, "message")),
            };
        }
    }
    Health::new(Healthy, "")
}
