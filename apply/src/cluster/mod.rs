//! The cluster boundary: everything the engine asks of an API server, as one
//! trait, so that the engine's logic is tested against an in-memory fake
//! ([`fake::FakeCluster`]) and runs against kube-rs ([`kube::KubeCluster`]).
//!
//! The trait speaks in JSON values and [`ObjectRef`]s; discovery (kind →
//! resource) is part of it because the engine must notice when a CRD it has
//! just applied becomes served.

pub mod fake;
pub mod kube;

use std::fmt;

use async_trait::async_trait;
use serde_json::Value;

use crate::object::{GroupKind, ObjectRef};

/// How a kind is served: its plural resource name and scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Plural, e.g. `deployments`.
    pub plural: String,
    /// True for namespaced kinds.
    pub namespaced: bool,
}

/// Options of one server-side apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ApplyOptions {
    /// `dryRun=All`: the server runs admission and merging, stores nothing.
    pub dry_run: bool,
    /// `force=true`: take over fields other managers own.
    pub force: bool,
}

/// A field another manager owns, from a server-side apply conflict.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldConflict {
    /// The other field manager.
    pub manager: String,
    /// The field path, e.g. `.spec.replicas`.
    pub field: String,
}

/// What can go wrong talking to a cluster.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClusterError {
    /// The server could not be reached (connection refused, DNS, TLS, timeout).
    #[error("cluster unreachable: {0}")]
    Unreachable(String),
    /// A server-side apply conflict (HTTP 409 with field-manager causes).
    #[error("conflict: {}", describe_conflicts(.0))]
    Conflict(Vec<FieldConflict>),
    /// The kind is not served (no such resource in discovery).
    #[error("kind {0} is not served by the cluster")]
    UnknownKind(String),
    /// Any other API error.
    #[error("{code} {reason}: {message}")]
    Api {
        /// HTTP status code.
        code: u16,
        /// Kubernetes reason, e.g. `Invalid`.
        reason: String,
        /// The server's message.
        message: String,
    },
    /// Something else (client set-up, decoding).
    #[error("{0}")]
    Other(String),
}

impl ClusterError {
    /// True for errors worth retrying: 429, 5xx, time-outs and lost connections.
    pub fn is_transient(&self) -> bool {
        match self {
            ClusterError::Unreachable(_) => true,
            ClusterError::Api { code, .. } => *code == 429 || *code >= 500,
            _ => false,
        }
    }

    /// True for a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ClusterError::Api { code: 404, .. })
    }
}

fn describe_conflicts(conflicts: &[FieldConflict]) -> String {
    conflicts
        .iter()
        .map(|c| format!("{} is owned by {:?}", c.field, c.manager))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses the causes of a server-side apply conflict. The server sends one
/// cause per field, `reason: FieldManagerConflict`, `message: conflict with
/// "<manager>"` (sometimes with ` using <apiVersion>`) and `field: .a.b`.
pub fn conflicts_from_causes<'a>(
    causes: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
) -> Vec<FieldConflict> {
    causes
        .into_iter()
        .filter(|(reason, _, _)| *reason == "FieldManagerConflict")
        .map(|(_, message, field)| {
            let manager = message.split('"').nth(1).unwrap_or(message).to_string();
            FieldConflict {
                manager,
                field: field.to_string(),
            }
        })
        .collect()
}

/// What one cluster can do for the engine.
#[async_trait]
pub trait Cluster: Send + Sync {
    /// A name for reports (the kubeconfig context, or a test name).
    fn name(&self) -> &str;

    /// Looks a kind up in discovery; `Ok(None)` when it is not served.
    async fn resource(&self, id: &ObjectRef) -> Result<Option<Resource>, ClusterError>;

    /// The preferred version of a group-kind, for kinds known only from an
    /// ApplySet annotation (which records no version); `Ok(None)` when the
    /// kind is not served.
    async fn preferred_version(
        &self,
        group_kind: &GroupKind,
    ) -> Result<Option<String>, ClusterError>;

    /// Forgets cached discovery, after CRDs were applied.
    async fn refresh_discovery(&self);

    /// Reads one object; `Ok(None)` when it does not exist.
    async fn get(&self, id: &ObjectRef) -> Result<Option<Value>, ClusterError>;

    /// Server-side apply with field manager `kcfg`; returns the object as the
    /// server made it.
    async fn apply(
        &self,
        id: &ObjectRef,
        obj: &Value,
        opts: ApplyOptions,
    ) -> Result<Value, ClusterError>;

    /// Lists objects of `id`'s group-kind (version, name ignored) in
    /// `namespace` (or cluster-wide for `None`) with a label selector.
    async fn list(
        &self,
        id: &ObjectRef,
        namespace: Option<&str>,
        selector: &str,
    ) -> Result<Vec<Value>, ClusterError>;

    /// Deletes an object if its UID is still `uid` (a precondition, so a
    /// re-created object of the same name is never deleted by mistake).
    async fn delete(&self, id: &ObjectRef, uid: &str, dry_run: bool) -> Result<(), ClusterError>;

    /// How many API requests were sent so far (for measurements).
    fn requests(&self) -> u64;

    /// The namespace for namespaced objects that name none (the kubeconfig
    /// context's namespace).
    fn default_namespace(&self) -> &str {
        "default"
    }
}

impl fmt::Debug for dyn Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cluster({})", self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_conflict_causes() {
        let causes = [
            (
                "FieldManagerConflict",
                "conflict with \"other\" using core.kcfg.dev/v1",
                ".data.color",
            ),
            (
                "FieldManagerConflict",
                "conflict with \"helm\"",
                ".spec.replicas",
            ),
            ("FieldValueInvalid", "bad", ".x"),
        ];
        let err = ClusterError::Conflict(conflicts_from_causes(causes));
        assert_eq!(
            err.to_string(),
            "conflict: .data.color is owned by \"other\", .spec.replicas is owned by \"helm\""
        );
        assert!(ClusterError::Api {
            code: 429,
            reason: "TooManyRequests".into(),
            message: String::new()
        }
        .is_transient());
        assert!(!ClusterError::Api {
            code: 422,
            reason: "Invalid".into(),
            message: String::new()
        }
        .is_transient());
    }
}
