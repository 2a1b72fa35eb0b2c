//! ApplySet tracking (KEP-3659): which objects one apply run owns, so that
//! the next run can prune what is no longer desired.
//!
//! A set has a *parent* object — here a Secret named after the set — that
//! carries the set's ID as a label and, as annotations, the tooling that
//! manages it and the group-kinds and namespaces its members live in. Every
//! member carries the label `applyset.kubernetes.io/part-of: <id>`. The ID is
//! kubectl's: `applyset-` + unpadded URL-safe base64 of
//! SHA-256(`<name>.<namespace>.<Kind>.<group>`) + `-v1`, so kubectl and kcfg
//! agree on which objects belong to a set (and kubectl refuses a kcfg set,
//! since its tooling annotation names kcfg).
//!
//! The parent is updated twice per run: before applying, to the *superset*
//! of old and new group-kinds (so a crash mid-run never hides members from
//! the next prune), and after pruning, to exactly what remains.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::object::{annotation, label, GroupKind, GroupMap, ObjectRef};

/// Label on the parent: the set's ID.
pub const ID_LABEL: &str = "applyset.kubernetes.io/id";
/// Label on each member: the ID of the set it belongs to.
pub const PART_OF_LABEL: &str = "applyset.kubernetes.io/part-of";
/// Annotation on the parent: `<tool>/<version>` of the manager.
pub const TOOLING_ANNOTATION: &str = "applyset.kubernetes.io/tooling";
/// Annotation on the parent: comma-separated `Kind.group` of members.
pub const GROUP_KINDS_ANNOTATION: &str = "applyset.kubernetes.io/contains-group-kinds";
/// Annotation on the parent: namespaces of members other than the parent's.
pub const NAMESPACES_ANNOTATION: &str = "applyset.kubernetes.io/additional-namespaces";
/// Argo CD's annotation tracking method: an object with it belongs to an
/// Argo CD application.
pub const ARGOCD_TRACKING_ID: &str = "argocd.argoproj.io/tracking-id";
/// The tool name in the tooling annotation.
pub const TOOL: &str = "kcfg";

/// The field manager of every server-side apply kcfg sends.
pub const FIELD_MANAGER: &str = "kcfg";

/// One ApplySet: a parent Secret `name` in `namespace`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplySet {
    /// Name of the parent Secret.
    pub name: String,
    /// Namespace of the parent Secret.
    pub namespace: String,
    /// API group of the parent's kind after group mapping (`` for a real
    /// Secret, `core.kcfg.dev` on the test server).
    pub parent_group: String,
}

impl ApplySet {
    /// A set whose parent is the Secret `namespace/name`, with the core group
    /// mapped through `groups`.
    pub fn new(name: &str, namespace: &str, groups: &GroupMap) -> ApplySet {
        ApplySet {
            name: name.to_string(),
            namespace: namespace.to_string(),
            parent_group: groups.map("").to_string(),
        }
    }

    /// kubectl's ApplySet ID for this parent.
    pub fn id(&self) -> String {
        applyset_id(&self.name, &self.namespace, "Secret", &self.parent_group)
    }

    /// The parent's identity.
    pub fn parent_ref(&self) -> ObjectRef {
        ObjectRef {
            group: self.parent_group.clone(),
            version: "v1".to_string(),
            kind: "Secret".to_string(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    /// The parent object to apply, listing `group_kinds` and the namespaces.
    pub fn parent_object(
        &self,
        group_kinds: &BTreeSet<GroupKind>,
        namespaces: &BTreeSet<String>,
    ) -> Value {
        let mut kinds = group_kinds
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>();
        kinds.sort();
        let kinds = kinds.join(",");
        let extra = namespaces
            .iter()
            .filter(|ns| **ns != self.namespace && !ns.is_empty())
            .cloned()
            .collect::<Vec<_>>();
        let mut annotations = json!({
            TOOLING_ANNOTATION: tooling(),
            GROUP_KINDS_ANNOTATION: kinds,
        });
        if !extra.is_empty() {
            annotations[NAMESPACES_ANNOTATION] = json!(extra.join(","));
        }
        json!({
            "apiVersion": self.parent_ref().api_version(),
            "kind": "Secret",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": { ID_LABEL: self.id() },
                "annotations": annotations,
            },
            "type": "Opaque",
        })
    }

    /// Reads a live parent, refusing one that kcfg does not manage or whose
    /// ID label does not match.
    pub fn read_parent(&self, live: &Value) -> Result<ParentState, String> {
        let tooling = annotation(live, TOOLING_ANNOTATION).unwrap_or("");
        if tooling.split('/').next() != Some(TOOL) {
            return Err(format!(
                "ApplySet parent Secret {}/{} is managed by {:?}, not by kcfg; refusing to take it over",
                self.namespace,
                self.name,
                if tooling.is_empty() { "an unknown tool (no tooling annotation)" } else { tooling }
            ));
        }
        let id = self.id();
        match label(live, ID_LABEL) {
            Some(found) if found == id => {}
            found => {
                return Err(format!(
                    "ApplySet parent Secret {}/{} has id {:?}, expected {id:?}",
                    self.namespace,
                    self.name,
                    found.unwrap_or("")
                ))
            }
        }
        let group_kinds = annotation(live, GROUP_KINDS_ANNOTATION)
            .unwrap_or("")
            .split(',')
            .filter_map(GroupKind::parse)
            .collect();
        let mut namespaces: BTreeSet<String> = annotation(live, NAMESPACES_ANNOTATION)
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|ns| !ns.is_empty())
            .map(String::from)
            .collect();
        namespaces.insert(self.namespace.clone());
        Ok(ParentState {
            group_kinds,
            namespaces,
        })
    }
}

/// What a live parent says about its members.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParentState {
    /// Group-kinds of members.
    pub group_kinds: BTreeSet<GroupKind>,
    /// Namespaces of members, including the parent's.
    pub namespaces: BTreeSet<String>,
}

/// The tooling annotation value, `kcfg/v<version>`.
pub fn tooling() -> String {
    format!("{TOOL}/v{}", env!("CARGO_PKG_VERSION"))
}

/// kubectl's ApplySet ID formula (KEP-3659):
/// `applyset-<base64url(sha256(name.namespace.kind.group))>-v1`.
pub fn applyset_id(name: &str, namespace: &str, kind: &str, group: &str) -> String {
    let digest = Sha256::digest(format!("{name}.{namespace}.{kind}.{group}").as_bytes());
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

/// Who owns a live object, as far as adoption is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// Nobody claims it, or this set does.
    Free,
    /// Another ApplySet's part-of label.
    OtherSet(String),
    /// An Argo CD application's tracking annotation.
    ArgoCd(String),
}

/// Checks whether a live object may be taken into the set `id`.
pub fn owner_of(live: &Value, id: &str) -> Owner {
    if let Some(other) = label(live, PART_OF_LABEL).filter(|other| *other != id) {
        return Owner::OtherSet(other.to_string());
    }
    if let Some(tracking) = annotation(live, ARGOCD_TRACKING_ID) {
        return Owner::ArgoCd(tracking.to_string());
    }
    Owner::Free
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubectl_test_vector() {
        // The ID kubectl computes for a Secret parent "my-set" in namespace "test".
        assert_eq!(
            applyset_id("my-set", "test", "Secret", ""),
            "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"
        );
        let set = ApplySet::new("my-set", "test", &GroupMap::new());
        assert_eq!(
            set.id(),
            "applyset-0eFHV8ySqp7XoShsGvyWFQD3s96yqwHmzc4e0HR1dsY-v1"
        );
    }

    #[test]
    fn parent_object_and_reading_it_back() {
        let mut groups = GroupMap::new();
        groups.insert("core", "core.kcfg.dev");
        let set = ApplySet::new("web", "apps", &groups);
        let kinds: BTreeSet<_> = [
            "Deployment.apps.kcfg.dev",
            "ConfigMap.core.kcfg.dev",
            "Namespace.core.kcfg.dev",
        ]
        .into_iter()
        .filter_map(GroupKind::parse)
        .collect();
        let namespaces: BTreeSet<_> = ["apps", "web", ""].into_iter().map(String::from).collect();
        let parent = set.parent_object(&kinds, &namespaces);
        let mut parent_text = serde_json::to_string_pretty(&parent).unwrap();
        parent_text = parent_text.replace(&tooling(), "kcfg/v[VERSION]");
        insta::assert_snapshot!(parent_text, @r#"
        {
          "apiVersion": "core.kcfg.dev/v1",
          "kind": "Secret",
          "metadata": {
            "name": "web",
            "namespace": "apps",
            "labels": {
              "applyset.kubernetes.io/id": "applyset-Cw_kKYlJ4DgmRrplRYWJVUyrmFs2ejR-HNAvwDuSJ00-v1"
            },
            "annotations": {
              "applyset.kubernetes.io/tooling": "kcfg/v[VERSION]",
              "applyset.kubernetes.io/contains-group-kinds": "ConfigMap.core.kcfg.dev,Deployment.apps.kcfg.dev,Namespace.core.kcfg.dev",
              "applyset.kubernetes.io/additional-namespaces": "web"
            }
          },
          "type": "Opaque"
        }
        "#);
        let state = set.read_parent(&parent).unwrap();
        assert_eq!(state.group_kinds, kinds);
        assert_eq!(state.namespaces.iter().collect::<Vec<_>>(), ["apps", "web"]);
    }

    #[test]
    fn refuses_foreign_parents() {
        let set = ApplySet::new("web", "apps", &GroupMap::new());
        let mut parent = set.parent_object(&BTreeSet::new(), &BTreeSet::new());
        parent["metadata"]["annotations"][TOOLING_ANNOTATION] = json!("kubectl/v1.32");
        let err = set.read_parent(&parent).unwrap_err();
        assert!(err.contains("managed by \"kubectl/v1.32\""), "{err}");
        parent["metadata"]["annotations"] = json!({});
        assert!(set
            .read_parent(&parent)
            .unwrap_err()
            .contains("no tooling annotation"));
        let mut parent = set.parent_object(&BTreeSet::new(), &BTreeSet::new());
        parent["metadata"]["labels"][ID_LABEL] = json!("applyset-other-v1");
        assert!(set
            .read_parent(&parent)
            .unwrap_err()
            .contains("has id \"applyset-other-v1\""));
    }

    #[test]
    fn ownership() {
        let id = "applyset-mine-v1";
        assert_eq!(owner_of(&json!({"metadata": {}}), id), Owner::Free);
        assert_eq!(
            owner_of(&json!({"metadata": {"labels": {PART_OF_LABEL: id}}}), id),
            Owner::Free
        );
        assert_eq!(
            owner_of(
                &json!({"metadata": {"labels": {PART_OF_LABEL: "applyset-x-v1"}}}),
                id
            ),
            Owner::OtherSet("applyset-x-v1".into())
        );
        assert_eq!(
            owner_of(
                &json!({"metadata": {"annotations": {ARGOCD_TRACKING_ID: "app:/ConfigMap:ns/x"}}}),
                id
            ),
            Owner::ArgoCd("app:/ConfigMap:ns/x".into())
        );
    }
}
