//! Objects: the identity of a Kubernetes object and the step that turns
//! rendered documents into a checked list of objects.
//!
//! This is the first step of the apply flow (load → **object** → order → plan
//! → apply → wait → prune → report). Rendered manifests arrive as JSON values,
//! one per YAML document; this module drops empty documents, unwraps `List`
//! kinds, checks that each object has an `apiVersion`, a `kind` and a
//! `metadata.name`, and applies the explicit group mapping (`--map-group`).
//! A bad document becomes a [`Problem`] naming its source, never a panic.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

/// Where a document came from, for error messages: a file and the index of
/// the document in it, or a label chosen by the caller (e.g. a render target).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Source {
    /// A file path or a caller-chosen label.
    pub origin: String,
    /// Index of the YAML document in the file (0-based).
    pub doc: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.doc == 0 {
            write!(f, "{}", self.origin)
        } else {
            write!(f, "{} (document {})", self.origin, self.doc + 1)
        }
    }
}

/// A group and kind, as in `Deployment.apps` (the ApplySet annotation format).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct GroupKind {
    /// API group; empty for the core group.
    pub group: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
}

impl fmt::Display for GroupKind {
    /// `Kind.group`, or just `Kind` for the core group (KEP-3659 format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

impl GroupKind {
    /// Parses `Kind.group` or `Kind` (core group).
    pub fn parse(text: &str) -> Option<GroupKind> {
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let (kind, group) = match text.split_once('.') {
            Some((kind, group)) => (kind, group),
            None => (text, ""),
        };
        Some(GroupKind {
            group: group.to_string(),
            kind: kind.to_string(),
        })
    }
}

/// The identity of an object: group, version, kind, namespace and name.
///
/// Ordering and equality ignore nothing, but [`ObjectRef::same_object`]
/// ignores the version, since one object is served under several versions.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectRef {
    /// API group; empty for the core group.
    pub group: String,
    /// API version within the group, e.g. `v1`.
    pub version: String,
    /// Kind, e.g. `Deployment`.
    pub kind: String,
    /// Namespace; empty for cluster-scoped objects (and for namespaced
    /// objects that leave it to the default namespace).
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectRef {
    /// Reads the identity of an object; `None` when a field is missing.
    pub fn from_value(obj: &Value) -> Option<ObjectRef> {
        let api_version = obj.get("apiVersion")?.as_str()?;
        let kind = obj.get("kind")?.as_str()?;
        let meta = obj.get("metadata")?;
        let name = meta.get("name")?.as_str()?;
        let namespace = meta.get("namespace").and_then(Value::as_str).unwrap_or("");
        let (group, version) = split_api_version(api_version);
        Some(ObjectRef {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.to_string(),
            name: name.to_string(),
        })
    }

    /// The group and kind.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind {
            group: self.group.clone(),
            kind: self.kind.clone(),
        }
    }

    /// `group/version`, or `version` for the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// True when both name the same stored object (the version is ignored).
    pub fn same_object(&self, other: &ObjectRef) -> bool {
        self.group == other.group
            && self.kind == other.kind
            && self.namespace == other.namespace
            && self.name == other.name
    }

    /// The key that [`ObjectRef::same_object`] compares.
    pub fn key(&self) -> (String, String, String, String) {
        (
            self.group.clone(),
            self.kind.clone(),
            self.namespace.clone(),
            self.name.clone(),
        )
    }
}

impl fmt::Display for ObjectRef {
    /// `Kind.group/namespace/name`, as people read it in reports.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.group_kind())?;
        if !self.namespace.is_empty() {
            write!(f, " {}/{}", self.namespace, self.name)
        } else {
            write!(f, " {}", self.name)
        }
    }
}

/// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.split_once('/') {
        Some((group, version)) => (group, version),
        None => ("", api_version),
    }
}

/// One desired object with its identity and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Identity, read from `value` after group mapping.
    pub id: ObjectRef,
    /// The object as it will be sent (server-side apply body).
    pub value: Value,
    /// Where it was read from.
    pub source: Source,
}

/// A document that could not be turned into an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{at}: {message}")]
pub struct Problem {
    /// The document's origin.
    pub at: Source,
    /// What is wrong with it.
    pub message: String,
}

/// Maps API groups onto others before anything is sent, e.g. `apps` onto
/// `apps.kcfg.dev` for the test API server's stand-ins.
///
/// This is an explicit option (`--map-group FROM=TO`), never a guess: the
/// mapped object is what the server sees, so the ApplySet records the mapped
/// groups. Rules that are about built-in kinds (kind order, health, prune
/// guards) look through the map with [`GroupMap::canonical`], so a mapped
/// `Deployment.apps.kcfg.dev` is treated like `Deployment.apps`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GroupMap {
    forward: BTreeMap<String, String>,
}

impl GroupMap {
    /// An empty map (no group is rewritten).
    pub fn new() -> GroupMap {
        GroupMap::default()
    }

    /// Adds `from` → `to`. The core group is written `core` or ``.
    pub fn insert(&mut self, from: &str, to: &str) {
        let from = if from == "core" { "" } else { from };
        self.forward.insert(from.to_string(), to.to_string());
    }

    /// Parses `FROM=TO`.
    pub fn parse_rule(&mut self, rule: &str) -> Result<(), String> {
        let (from, to) = rule.split_once('=').ok_or_else(|| {
            format!("group mapping {rule:?} is not FROM=TO (e.g. apps=apps.kcfg.dev)")
        })?;
        if to.trim().is_empty() {
            return Err(format!("group mapping {rule:?} has an empty target group"));
        }
        self.insert(from.trim(), to.trim());
        Ok(())
    }

    /// True when nothing is mapped.
    pub fn is_empty(&self) -> bool {
        self.forward.is_empty()
    }

    /// The group that `group` is sent as.
    pub fn map<'a>(&'a self, group: &'a str) -> &'a str {
        self.forward.get(group).map(String::as_str).unwrap_or(group)
    }

    /// The original group of a mapped group (the inverse of [`GroupMap::map`]).
    pub fn canonical<'a>(&'a self, group: &'a str) -> &'a str {
        self.forward
            .iter()
            .find(|(_, to)| to.as_str() == group)
            .map(|(from, _)| from.as_str())
            .unwrap_or(group)
    }

    /// Rewrites the `apiVersion` of an object in place.
    pub fn apply_to(&self, obj: &mut Value) {
        if self.is_empty() {
            return;
        }
        let Some(api_version) = obj.get("apiVersion").and_then(Value::as_str) else {
            return;
        };
        let (group, version) = split_api_version(api_version);
        let mapped = self.map(group);
        if mapped != group {
            let new = if mapped.is_empty() {
                version.to_string()
            } else {
                format!("{mapped}/{version}")
            };
            obj["apiVersion"] = Value::String(new);
        }
    }
}

/// Turns rendered documents into objects: skips `null` documents (empty YAML
/// documents), unwraps `*List` kinds with `items`, applies the group map and
/// checks each object's identity. Returns the objects and the problems; the
/// caller decides whether problems are fatal (the CLI makes them so).
pub fn objects_from_documents(
    docs: impl IntoIterator<Item = (Source, Value)>,
    groups: &GroupMap,
) -> (Vec<Object>, Vec<Problem>) {
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    for (source, doc) in docs {
        collect(source, doc, groups, &mut objects, &mut problems);
    }
    (objects, problems)
}

fn collect(
    source: Source,
    doc: Value,
    groups: &GroupMap,
    objects: &mut Vec<Object>,
    problems: &mut Vec<Problem>,
) {
    let problem = |message: String| Problem {
        at: source.clone(),
        message,
    };
    match doc {
        Value::Null => {}
        Value::Object(ref map) => {
            let kind = map.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind.ends_with("List") && map.get("items").is_some_and(Value::is_array) {
                let Value::Object(mut map) = doc else { unreachable!("matched as object above") };
                if let Some(Value::Array(items)) = map.remove("items") {
                    for item in items {
                        collect(source.clone(), item, groups, objects, problems);
                    }
                }
                return;
            }
            match check_identity(&doc) {
                Err(message) => problems.push(problem(message)),
                Ok(()) => {
                    let mut value = doc;
                    groups.apply_to(&mut value);
                    let id = ObjectRef::from_value(&value).expect("identity checked above");
                    objects.push(Object { id, value, source });
                }
            }
        }
        other => problems.push(problem(format!(
            "expected a Kubernetes object (a mapping with apiVersion, kind and metadata.name), found {}",
            type_name(&other)
        ))),
    }
}

fn check_identity(obj: &Value) -> Result<(), String> {
    let field = |name: &str| {
        obj.get(name)
            .and_then(Value::as_str)
            .filter(|text| !text.is_empty())
    };
    let kind = field("kind");
    if field("apiVersion").is_none() {
        return Err(format!(
            "object{} has no apiVersion",
            kind.map(|k| format!(" of kind {k}")).unwrap_or_default()
        ));
    }
    let Some(kind) = kind else {
        return Err("object has no kind".to_string());
    };
    let meta = obj.get("metadata");
    if meta.is_some_and(|meta| !meta.is_object()) {
        return Err(format!("{kind}: metadata is not a mapping"));
    }
    let name = meta
        .and_then(|meta| meta.get("name"))
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty());
    if name.is_none() {
        if meta.and_then(|meta| meta.get("generateName")).is_some() {
            return Err(format!("{kind}: metadata.generateName is not supported by apply (objects need a fixed name)"));
        }
        return Err(format!("{kind} has no metadata.name"));
    }
    if let Some(ns) = meta.and_then(|meta| meta.get("namespace")) {
        if !ns.is_string() {
            return Err(format!(
                "{kind} {}: metadata.namespace is not a string",
                name.unwrap_or_default()
            ));
        }
    }
    Ok(())
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

/// Checks a target's objects together, before anything is sent to a
/// cluster (issue 13): an object defined twice, and a Secret whose `data`
/// or `stringData` the API server would refuse. Each problem names the
/// document it was found in; Secret values are never quoted.
///
/// Two objects are the same when their group (after mapping), kind,
/// namespace and name are. An object without a namespace and one in the
/// cluster's default namespace can be the same object too, but only the
/// cluster knows its default namespace and which kinds are namespaced, so
/// the engine checks that case again once connected.
pub fn check_objects(objects: &[Object], groups: &GroupMap) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut seen: BTreeMap<(String, String, String, String), &Source> = BTreeMap::new();
    for object in objects {
        match seen.get(&object.id.key()) {
            Some(first) => problems.push(Problem {
                at: object.source.clone(),
                message: format!("{} is defined twice: first in {first}", object.id),
            }),
            None => {
                seen.insert(object.id.key(), &object.source);
            }
        }
        if object.id.kind == "Secret" && groups.canonical(&object.id.group).is_empty() {
            for message in check_secret(&object.value) {
                problems.push(Problem {
                    at: object.source.clone(),
                    message: format!("{}: {message}", object.id),
                });
            }
        }
    }
    problems
}

/// What the API server would refuse in a Secret's `data` (base64 strings)
/// and `stringData` (strings). `null` values are accepted, as Go's JSON
/// decoder accepts them.
fn check_secret(secret: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    for field in ["data", "stringData"] {
        match secret.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(entries)) => {
                for (key, value) in entries {
                    let problem = match value {
                        Value::Null => None,
                        Value::String(text) if field == "data" => base64_problem(text),
                        Value::String(_) => None,
                        other if field == "data" => {
                            Some(format!("is {}, not a base64 string", type_name(other)))
                        }
                        other => Some(format!("is {}, not a string", type_name(other))),
                    };
                    if let Some(problem) = problem {
                        problems.push(format!("{field}.{key} {problem}"));
                    }
                }
            }
            Some(other) => problems.push(format!("{field} is {}, not a mapping", type_name(other))),
        }
    }
    problems
}

/// Why `text` is not what Kubernetes decodes a Secret's `data` value with
/// (Go's `base64.StdEncoding`, which the JSON decoder uses for `[]byte`:
/// the standard alphabet, padded, line breaks ignored, and the unused bits
/// of the last symbol not checked). The message gives positions, never
/// the value.
fn base64_problem(text: &str) -> Option<String> {
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    use base64::Engine as _;
    const GO_STD_ENCODING: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let compact: Vec<u8> = text
        .bytes()
        .filter(|byte| *byte != b'\r' && *byte != b'\n')
        .collect();
    let err = GO_STD_ENCODING.decode(&compact).err()?;
    let why = match err {
        base64::DecodeError::InvalidByte(offset, _) => {
            format!("a character that is not base64 at offset {offset}")
        }
        base64::DecodeError::InvalidLength(_) => {
            "a length that is not a whole number of base64 groups (4 characters each)".to_string()
        }
        base64::DecodeError::InvalidLastSymbol { offset, .. } => {
            format!("an impossible last symbol at offset {offset}")
        }
        base64::DecodeError::InvalidPadding => "missing or misplaced '=' padding".to_string(),
    };
    Some(format!(
        "is not base64 ({why}); Secret data values are base64-encoded: put plain text in stringData instead"
    ))
}

/// Reads a string at a path of keys, e.g. `["metadata", "annotations", "x"]`.
pub fn str_at<'a>(obj: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut at = obj;
    for key in path {
        at = at.get(*key)?;
    }
    at.as_str()
}

/// The annotation `key` of an object.
pub fn annotation<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("annotations")?.get(key)?.as_str()
}

/// The label `key` of an object.
pub fn label<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get("metadata")?.get("labels")?.get(key)?.as_str()
}

/// Sets `metadata.<field>.<key> = value`, creating the maps as needed.
pub fn set_meta_entry(obj: &mut Value, field: &str, key: &str, value: &str) {
    if !obj.get("metadata").is_some_and(Value::is_object) {
        obj["metadata"] = Value::Object(Default::default());
    }
    let meta = &mut obj["metadata"];
    if !meta.get(field).is_some_and(Value::is_object) {
        meta[field] = Value::Object(Default::default());
    }
    meta[field][key] = Value::String(value.to_string());
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn src() -> Source {
        Source {
            origin: "a.yaml".into(),
            doc: 1,
        }
    }

    fn check(docs: Vec<Value>) -> String {
        let mut groups = GroupMap::new();
        groups.insert("apps", "apps.kcfg.dev");
        let (objects, problems) =
            objects_from_documents(docs.into_iter().map(|d| (src(), d)), &groups);
        let mut out = String::new();
        for obj in objects {
            out.push_str(&format!("ok {} [{}]\n", obj.id, obj.id.api_version()));
        }
        for problem in problems {
            out.push_str(&format!("error {problem}\n"));
        }
        out
    }

    #[test]
    fn documents_to_objects() {
        let out = check(vec![
            Value::Null,
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": "n"}}),
            json!({"apiVersion": "v1", "kind": "List", "items": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}},
                {"kind": "Service", "metadata": {"name": "s"}},
            ]}),
            json!({"apiVersion": "v1", "metadata": {"name": "x"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"generateName": "x-"}}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": "oops"}),
            json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": 3}}),
            json!("just a string"),
        ]);
        insta::assert_snapshot!(out, @r"
        ok ConfigMap n/a [v1]
        ok Deployment.apps.kcfg.dev d [apps.kcfg.dev/v1]
        error a.yaml (document 2): object of kind Service has no apiVersion
        error a.yaml (document 2): object has no kind
        error a.yaml (document 2): Pod: metadata.generateName is not supported by apply (objects need a fixed name)
        error a.yaml (document 2): Pod: metadata is not a mapping
        error a.yaml (document 2): Pod p: metadata.namespace is not a string
        error a.yaml (document 2): expected a Kubernetes object (a mapping with apiVersion, kind and metadata.name), found a string
        ");
    }

    #[test]
    fn group_map_round_trip() {
        let mut groups = GroupMap::new();
        groups.parse_rule("core=core.kcfg.dev").unwrap();
        groups.parse_rule("apps=apps.kcfg.dev").unwrap();
        assert_eq!(groups.map(""), "core.kcfg.dev");
        assert_eq!(groups.canonical("core.kcfg.dev"), "");
        assert_eq!(groups.canonical("apps.kcfg.dev"), "apps");
        assert_eq!(groups.canonical("example.com"), "example.com");
        assert!(groups.parse_rule("nonsense").is_err());
        assert_eq!(
            GroupKind::parse("Deployment.apps").unwrap().to_string(),
            "Deployment.apps"
        );
        assert_eq!(GroupKind::parse("Secret").unwrap().group, "");
    }

    fn checked(docs: Vec<(&str, Value)>) -> String {
        let mut groups = GroupMap::new();
        groups.insert("core", "core.kcfg.dev");
        let docs = docs.into_iter().enumerate().map(|(doc, (origin, value))| {
            (
                Source {
                    origin: origin.to_string(),
                    doc,
                },
                value,
            )
        });
        let (objects, problems) = objects_from_documents(docs, &groups);
        assert!(problems.is_empty(), "{problems:?}");
        check_objects(&objects, &groups)
            .iter()
            .map(|problem| format!("{problem}\n"))
            .collect()
    }

    #[test]
    fn issue13_duplicates_are_found_without_a_cluster() {
        let cm = |ns: &str| json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a", "namespace": ns}});
        let out = checked(vec![
            ("a.yaml", cm("web")),
            ("b.yaml", cm("web")),
            // Another namespace, another version of the same kind, another group: not the same.
            ("c.yaml", cm("api")),
            (
                "d.yaml",
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "namespace": "web"}}),
            ),
            (
                "e.yaml",
                json!({"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {"name": "a", "namespace": "web"}}),
            ),
            (
                "f.yaml",
                json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "a", "namespace": "web"}}),
            ),
        ]);
        insta::assert_snapshot!(out, @r"
        b.yaml (document 2): ConfigMap.core.kcfg.dev web/a is defined twice: first in a.yaml
        e.yaml (document 5): Deployment.apps web/a is defined twice: first in d.yaml (document 4)
        ");
    }

    #[test]
    fn issue13_malformed_secret_data_is_found_without_a_cluster() {
        let secret = |name: &str, data: Value| json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "web"}, "data": data});
        let out = checked(vec![
            (
                "ok.yaml",
                secret(
                    "ok",
                    json!({"a": "aHVudGVyMg==", "b": "", "c": "aHVu\ndGVy\r\nMg==", "d": null, "e": "aQ=="}),
                ),
            ),
            (
                "bad.yaml",
                secret(
                    "db",
                    json!({"plain": "hunter2", "spaced": "aHVu dGVy", "unpadded": "aHVudGVyMg", "number": 5, "inner-pad": "aQ==aQ=="}),
                ),
            ),
            (
                "list.yaml",
                json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "l"}, "data": ["x"], "stringData": {"port": 5432, "user": "u", "none": null}}),
            ),
            // Not a Secret of the core group: not checked.
            (
                "other.yaml",
                json!({"apiVersion": "example.com/v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"a": "not base64"}}),
            ),
        ]);
        assert!(!out.contains("hunter2"), "{out}");
        insta::assert_snapshot!(out, @r"
        bad.yaml (document 2): Secret.core.kcfg.dev web/db: data.plain is not base64 (missing or misplaced '=' padding); Secret data values are base64-encoded: put plain text in stringData instead
        bad.yaml (document 2): Secret.core.kcfg.dev web/db: data.spaced is not base64 (a character that is not base64 at offset 4); Secret data values are base64-encoded: put plain text in stringData instead
        bad.yaml (document 2): Secret.core.kcfg.dev web/db: data.unpadded is not base64 (missing or misplaced '=' padding); Secret data values are base64-encoded: put plain text in stringData instead
        bad.yaml (document 2): Secret.core.kcfg.dev web/db: data.number is a number, not a base64 string
        bad.yaml (document 2): Secret.core.kcfg.dev web/db: data.inner-pad is not base64 (a character that is not base64 at offset 2); Secret data values are base64-encoded: put plain text in stringData instead
        list.yaml (document 3): Secret.core.kcfg.dev l: data is a list, not a mapping
        list.yaml (document 3): Secret.core.kcfg.dev l: stringData.port is a number, not a string
        ");
    }
}
