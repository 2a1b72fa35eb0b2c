//! Diff normalisation: what a person should see when kcfg compares the live
//! object with what the server would make of the desired one.
//!
//! Both sides are normalised the same way before they are compared or shown:
//! fields the server owns (managed fields, resource version, UID, generation,
//! timestamps, `status`, the last-applied annotation) are dropped, object keys
//! are sorted so that server field order never shows as a change, and the
//! values of a Secret's `data` and `stringData` are masked. A masked value
//! reads `(masked)`; when it differs between the two sides the new one reads
//! `(masked, changed)`, so a diff shows *that* a secret changed, never what
//! it holds.

use serde_json::{Map, Value};
use similar::TextDiff;

/// `metadata` fields the server sets; never part of a diff.
const SERVER_METADATA: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionGracePeriodSeconds",
];

/// Annotations that tools write for themselves.
const TOOL_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

/// Returns the object without server-owned fields, with keys sorted.
/// Secret values are *not* masked here; see [`normalize_pair`].
pub fn normalize(obj: &Value) -> Value {
    let mut obj = obj.clone();
    if let Some(map) = obj.as_object_mut() {
        map.remove("status");
        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
            for field in SERVER_METADATA {
                meta.remove(*field);
            }
            if let Some(Value::Object(annotations)) = meta.get_mut("annotations") {
                for key in TOOL_ANNOTATIONS {
                    annotations.remove(*key);
                }
                if annotations.is_empty() {
                    meta.remove("annotations");
                }
            }
        }
    }
    // Sorting last: removing from an order-preserving map may reorder it.
    sort_keys(&obj)
}

fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut sorted = Map::new();
            for key in keys {
                sorted.insert(key.clone(), sort_keys(&map[key]));
            }
            Value::Object(sorted)
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

fn is_secret(obj: &Value) -> bool {
    obj.get("kind").and_then(Value::as_str) == Some("Secret")
}

/// Normalises both sides of a change (either may be absent: a create or a
/// delete) and masks Secret values, marking the ones that changed.
pub fn normalize_pair(
    before: Option<&Value>,
    after: Option<&Value>,
) -> (Option<Value>, Option<Value>) {
    let mut before = before.map(normalize);
    let mut after = after.map(normalize);
    let secret = before.as_ref().is_some_and(is_secret) || after.as_ref().is_some_and(is_secret);
    if secret {
        for field in ["data", "stringData"] {
            let old = before.as_ref().and_then(|b| b.get(field)).cloned();
            if let Some(b) = before.as_mut() {
                mask(b, field, None);
            }
            if let Some(a) = after.as_mut() {
                mask(a, field, old.as_ref());
            }
        }
    }
    (before, after)
}

fn mask(obj: &mut Value, field: &str, compare_with: Option<&Value>) {
    let Some(Value::Object(entries)) = obj.get_mut(field) else {
        return;
    };
    for (key, value) in entries.iter_mut() {
        let changed = compare_with.is_some_and(|old| old.get(key) != Some(&*value));
        *value = Value::String(
            if changed {
                "(masked, changed)"
            } else {
                "(masked)"
            }
            .to_string(),
        );
    }
}

/// Renders a normalised object as YAML for a diff.
pub fn to_yaml(obj: &Value) -> String {
    serde_norway::to_string(obj).unwrap_or_else(|err| format!("# cannot render as YAML: {err}\n"))
}

/// A unified diff of two normalised objects (absent = empty), or `None` when
/// they are the same.
pub fn unified_diff(before: Option<&Value>, after: Option<&Value>, label: &str) -> Option<String> {
    if before == after {
        return None;
    }
    let old = before.map(to_yaml).unwrap_or_default();
    let new = after.map(to_yaml).unwrap_or_default();
    let diff = TextDiff::from_lines(&old, &new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{label}"), &format!("desired/{label}"))
        .to_string();
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn drops_server_fields_and_sorts() {
        let live = json!({
            "kind": "ConfigMap", "apiVersion": "v1",
            "metadata": {
                "name": "a", "namespace": "n", "uid": "1234", "resourceVersion": "7", "generation": 2,
                "creationTimestamp": "2024-01-01T00:00:00Z",
                "managedFields": [{"manager": "kcfg"}],
                "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"},
                "labels": {"z": "1", "a": "2"},
            },
            "status": {"phase": "x"},
            "data": {"b": "1", "a": "2"},
        });
        insta::assert_snapshot!(to_yaml(&normalize(&live)), @"
        apiVersion: v1
        data:
          a: '2'
          b: '1'
        kind: ConfigMap
        metadata:
          labels:
            a: '2'
            z: '1'
          name: a
          namespace: n
        ");
    }

    #[test]
    fn masks_secrets_and_marks_changes() {
        let live = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"same": "c2FtZQ==", "old": "b2xk"}});
        let desired = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
            "data": {"same": "c2FtZQ==", "old": "bmV3", "added": "eA=="}});
        let (before, after) = normalize_pair(Some(&live), Some(&desired));
        let diff = unified_diff(before.as_ref(), after.as_ref(), "Secret/s").unwrap();
        assert!(!diff.contains("c2FtZQ") && !diff.contains("bmV3"), "{diff}");
        insta::assert_snapshot!(diff, @"
        --- live/Secret/s
        +++ desired/Secret/s
        @@ -1,6 +1,7 @@
         apiVersion: v1
         data:
        -  old: (masked)
        +  added: (masked, changed)
        +  old: (masked, changed)
           same: (masked)
         kind: Secret
         metadata:
        ");
        let (before, after) = normalize_pair(Some(&live), Some(&live));
        assert_eq!(unified_diff(before.as_ref(), after.as_ref(), "x"), None);
        let (before, after) = normalize_pair(None, Some(&desired));
        assert!(before.is_none());
        assert!(unified_diff(before.as_ref(), after.as_ref(), "x")
            .unwrap()
            .contains("+  added: (masked)"));
    }
}
