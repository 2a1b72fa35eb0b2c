//! Moving data between kcfg values and plain JSON (`serde_json::Value`).
//!
//! The renderer keeps plans, generator parameter sets and targets as plain
//! JSON: they cross threads and outlive the plan's evaluation, which values
//! cannot (they live in one evaluation's arena). A value becomes JSON
//! through the JSON manifester, so it follows the manifester's rules
//! (visible fields only, assertions checked, functions refused) and its
//! error messages; JSON becomes a value by building it directly in the
//! evaluation that needs it.

use kcfg_lang::eval::{Ctx, Lazy, Result, Value};
use kcfg_lang::manifest::json::{self, Style};
use kcfg_lang::sym::Sym;
use serde_json::Value as Json;

/// A value as JSON.
pub fn to_json<'a>(ctx: &mut Ctx<'a>, value: Value<'a>) -> Result<Json> {
    let mut text = String::new();
    json::write(ctx, value, &Style::SINGLE_LINE, &mut text)?;
    // The manifester writes valid JSON, and numbers in a form that reads back
    // as the same double, so parsing cannot fail.
    Ok(serde_json::from_str(&text).unwrap_or(Json::Null))
}

/// JSON as a value of the evaluation `ctx`.
pub fn from_json<'a>(ctx: &Ctx<'a>, data: &Json) -> Value<'a> {
    match data {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Bool(*b),
        Json::Number(n) => Value::Num(n.as_f64().unwrap_or(0.0)),
        Json::String(s) => ctx.str(s),
        Json::Array(items) => ctx.array(items.iter().map(|item| from_json(ctx, item))),
        Json::Object(fields) => ctx.object(
            fields
                .iter()
                .map(|(name, item)| (Sym::intern(name), Lazy::Val(from_json(ctx, item)))),
        ),
    }
}

/// JSON as the text of kcfg code (for top-level arguments and external
/// variables given as code): JSON is valid kcfg.
pub fn to_code(data: &Json) -> String {
    data.to_string()
}

/// The type name kcfg would use for a JSON value, for messages.
pub fn type_name(data: &Json) -> &'static str {
    match data {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
    }
}

/// The value at a dotted path (`labels.tier`) inside an object, if any.
pub fn lookup<'j>(data: &'j Json, path: &str) -> Option<&'j Json> {
    path.split('.')
        .try_fold(data, |node, key| node.as_object()?.get(key))
}

/// Merges `overlay` into `base`: objects field by field, recursively; any
/// other value of `overlay` replaces the one in `base`.
pub fn deep_merge(base: &mut Json, overlay: &Json) {
    match (base, overlay) {
        (Json::Object(base), Json::Object(overlay)) => {
            for (key, value) in overlay {
                match base.get_mut(key) {
                    Some(existing) => deep_merge(existing, value),
                    None => {
                        base.insert(key.clone(), value.clone());
                    }
                }
            }
        }
        (base, overlay) => *base = overlay.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lookup_follows_dots() {
        let data = json!({"a": {"b": {"c": 1}}, "x": 2});
        assert_eq!(lookup(&data, "a.b.c"), Some(&json!(1)));
        assert_eq!(lookup(&data, "x"), Some(&json!(2)));
        assert_eq!(lookup(&data, "x.y"), None);
        assert_eq!(lookup(&data, "nope"), None);
    }

    #[test]
    fn deep_merge_merges_objects_and_replaces_the_rest() {
        let mut base = json!({"a": {"b": 1, "c": [1, 2]}, "d": 1});
        deep_merge(
            &mut base,
            &json!({"a": {"c": [3], "e": true}, "d": {"x": 1}}),
        );
        assert_eq!(
            base,
            json!({"a": {"b": 1, "c": [3], "e": true}, "d": {"x": 1}})
        );
    }
}
