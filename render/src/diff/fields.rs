//! The fields that differ between two versions of one object, as paths
//! a reviewer reads (`spec.replicas`, `metadata.labels["app.kubernetes.io/name"]`,
//! `spec.template.spec.containers[name=web].image`).
//!
//! Objects are compared as data (the parsed YAML or JSON), not as text, so
//! a moved key is no change. Arrays whose elements are all objects with
//! distinct string `name`s (containers, volumes, ports, env) are matched by
//! name, which is how Kubernetes merges them and what survives an
//! inserted element; other arrays of the same length element by element;
//! arrays whose length changed are reported whole.

use serde::Serialize;
use serde_json::Value as Json;

/// One field that differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Where (`spec.replicas`).
    pub path: String,
    /// Its value before, `None` when the field is new.
    pub before: Option<Json>,
    /// Its value after, `None` when the field is gone.
    pub after: Option<Json>,
}

/// The value shown instead of a Secret's data.
pub const HIDDEN: &str = "(hidden)";

/// The fields that differ between `before` and `after`, in document order.
/// With `secret`, the values under `data` and `stringData` are replaced by
/// [`HIDDEN`], so that a diff posted to a pull request shows which keys of
/// a Secret changed and never their values.
pub fn changes(before: &Json, after: &Json, secret: bool) -> Vec<FieldChange> {
    let mut found = Vec::new();
    walk(&mut String::new(), before, after, &mut found);
    if secret {
        for change in &mut found {
            if change.path.starts_with("data") || change.path.starts_with("stringData") {
                let hide = |value: &mut Option<Json>| {
                    if value.is_some() {
                        *value = Some(Json::String(HIDDEN.into()));
                    }
                };
                hide(&mut change.before);
                hide(&mut change.after);
            }
        }
    }
    found
}

fn walk(path: &mut String, before: &Json, after: &Json, found: &mut Vec<FieldChange>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Json::Object(old), Json::Object(new)) => {
            for (key, old_value) in old {
                let len = path.len();
                push_key(path, key);
                match new.get(key) {
                    Some(new_value) => walk(path, old_value, new_value, found),
                    None => found.push(FieldChange {
                        path: path.clone(),
                        before: Some(old_value.clone()),
                        after: None,
                    }),
                }
                path.truncate(len);
            }
            for (key, new_value) in new {
                if !old.contains_key(key) {
                    let len = path.len();
                    push_key(path, key);
                    found.push(FieldChange {
                        path: path.clone(),
                        before: None,
                        after: Some(new_value.clone()),
                    });
                    path.truncate(len);
                }
            }
        }
        (Json::Array(old), Json::Array(new)) => {
            if let (Some(old_names), Some(new_names)) = (names(old), names(new)) {
                for (name, old_value) in old_names.iter().zip(old) {
                    let len = path.len();
                    path.push_str(&format!("[name={name}]"));
                    match new_names.iter().position(|other| other == name) {
                        Some(at) => walk(path, old_value, &new[at], found),
                        None => found.push(FieldChange {
                            path: path.clone(),
                            before: Some(old_value.clone()),
                            after: None,
                        }),
                    }
                    path.truncate(len);
                }
                for (name, new_value) in new_names.iter().zip(new) {
                    if !old_names.contains(name) {
                        let len = path.len();
                        path.push_str(&format!("[name={name}]"));
                        found.push(FieldChange {
                            path: path.clone(),
                            before: None,
                            after: Some(new_value.clone()),
                        });
                        path.truncate(len);
                    }
                }
            } else if old.len() == new.len() {
                for (index, (old_value, new_value)) in old.iter().zip(new).enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{index}]"));
                    walk(path, old_value, new_value, found);
                    path.truncate(len);
                }
            } else {
                found.push(whole(path, before, after));
            }
        }
        _ => found.push(whole(path, before, after)),
    }
}

fn whole(path: &str, before: &Json, after: &Json) -> FieldChange {
    FieldChange {
        path: if path.is_empty() {
            ".".into()
        } else {
            path.into()
        },
        before: Some(before.clone()),
        after: Some(after.clone()),
    }
}

/// The `name`s of an array of named objects, when every element has a
/// distinct one.
fn names(items: &[Json]) -> Option<Vec<&str>> {
    let names: Vec<&str> = items
        .iter()
        .map(|item| item.get("name").and_then(Json::as_str))
        .collect::<Option<_>>()?;
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == names.len() && !names.is_empty()).then_some(names)
}

/// Appends `.key`, or `["key"]` when the key is not a plain identifier.
fn push_key(path: &mut String, key: &str) {
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !key.starts_with(|c: char| c.is_ascii_digit());
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(key);
    } else {
        path.push('[');
        path.push_str(&Json::String(key.into()).to_string());
        path.push(']');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(before: Json, after: Json, expect: &str) {
        let shown: Vec<String> = changes(&before, &after, false)
            .iter()
            .map(|change| {
                let show = |value: &Option<Json>| {
                    value.as_ref().map_or("(none)".to_string(), Json::to_string)
                };
                format!(
                    "{}: {} -> {}",
                    change.path,
                    show(&change.before),
                    show(&change.after)
                )
            })
            .collect();
        assert_eq!(shown.join("\n"), expect);
    }

    #[test]
    fn issue18_field_paths() {
        check(
            json!({"spec": {"replicas": 2, "x": 1}}),
            json!({"spec": {"replicas": 3, "y": 1}}),
            "spec.replicas: 2 -> 3\nspec.x: 1 -> (none)\nspec.y: (none) -> 1",
        );
        check(
            json!({"metadata": {"labels": {"app.kubernetes.io/name": "a"}}}),
            json!({"metadata": {"labels": {"app.kubernetes.io/name": "b"}}}),
            r#"metadata.labels["app.kubernetes.io/name"]: "a" -> "b""#,
        );
        // Named elements are matched by name, wherever they are.
        check(
            json!({"c": [{"name": "web", "image": "a"}, {"name": "side", "image": "s"}]}),
            json!({"c": [{"name": "init", "image": "i"}, {"name": "web", "image": "b"}, {"name": "side", "image": "s"}]}),
            "c[name=web].image: \"a\" -> \"b\"\nc[name=init]: (none) -> {\"name\":\"init\",\"image\":\"i\"}",
        );
        check(json!({"a": [1, 2]}), json!({"a": [1, 3]}), "a[1]: 2 -> 3");
        check(json!({"a": [1, 2]}), json!({"a": [1]}), "a: [1,2] -> [1]");
        check(json!({"a": 1}), json!({"a": 1}), "");
    }

    #[test]
    fn issue18_secret_values_are_hidden() {
        let found = changes(
            &json!({"kind": "Secret", "data": {"k": "YQ=="}}),
            &json!({"kind": "Secret", "data": {"k": "Yg==", "n": "Yw=="}}),
            true,
        );
        assert_eq!(found.len(), 2);
        for change in found {
            assert_eq!(change.after, Some(Json::String(HIDDEN.into())));
        }
    }
}
