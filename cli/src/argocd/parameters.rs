//! Plugin parameters: from Argo CD's two encodings to the program's
//! top-level arguments and external variables.
//!
//! # What Argo CD sends
//!
//! An Application sets parameters in `spec.source.plugin.parameters`, each
//! `{name, string}`, `{name, array}` or `{name, map}`. The repo server hands
//! them to the plugin twice (`ApplicationSourcePluginParameters.Environ` in
//! `pkg/apis/application/v1alpha1/types.go`; the CMP guide,
//! `docs/operator-manual/config-management-plugins.md`, "Using environment
//! variables in your plugin"):
//!
//! * `ARGOCD_APP_PARAMETERS`: the list as JSON,
//!   `[{"name": "values-files", "array": ["values-dev.yaml"]}, …]`;
//! * one variable per value: `PARAM_<NAME>` for a string,
//!   `PARAM_<NAME>_<i>` for the i-th array item and `PARAM_<NAME>_<KEY>`
//!   for a map entry, where names and keys are upper-cased and every
//!   character other than `A-Z`, `0-9` and `_` becomes `_`.
//!
//! Only parameters the Application sets are sent: the defaults announced to
//! the UI ([`announce`]) are the program's own defaults, which apply when a
//! parameter is absent. Values are always strings, whatever `itemType` the
//! announcement gave; kcfg converts them back (below).
//!
//! # Precedence
//!
//! The JSON form is exact; the variables are not (names lose case and
//! punctuation, and the CMP server drops variables whose value is empty).
//! So a parameter named in `ARGOCD_APP_PARAMETERS` is taken from there, and
//! `PARAM_*` variables only supply parameters the JSON does not name — which
//! happens when the plugin is run by hand or by a CMP server that sets only
//! the variables. `PARAM_*` names are matched against the entry's
//! top-level arguments and the reserved names below, longest first.
//!
//! # What the program sees
//!
//! Reserved names configure the render, as the fields of Argo CD's built-in
//! Jsonnet source (`spec.source.directory.jsonnet`) do, so moving an
//! application from it to kcfg changes nothing else:
//!
//! | parameter | form | meaning |
//! |---|---|---|
//! | `tlas` | string: the built-in's list `[{name, value, code}]` as JSON or YAML; or map of strings | top-level arguments |
//! | `tlaCode` | map | top-level arguments, as code |
//! | `extVars` | like `tlas` | external variables |
//! | `extCode` | map | external variables, as code |
//! | `libs` | array (or string) | library directories, relative to the repository root |
//! | `entry` | string | the file to evaluate, relative to the application's directory |
//! | `target` | string or array | with a render plan: globs of the targets to render |
//!
//! Values in `tlas`, `tlaCode`, `extVars` and `extCode` get `$VAR` and
//! `${VAR}` substituted with Argo CD's build variables, as the built-in
//! support does ([`super::env::Environment::envsubst`]).
//!
//! Every other parameter is a top-level argument of its name: a string, an
//! array of strings or an object of strings. When the entry's default for
//! that argument is a number or a boolean (or an array or object of them),
//! the strings are converted to that type ([`super::signature`]).
//!
//! Top-level arguments, from lowest to highest precedence: `PARAM_*`
//! variables, parameters in `ARGOCD_APP_PARAMETERS`, `tlas`, `tlaCode`.
//! External variables: `ARGOCD_ENV_<NAME>` as `<NAME>`, then `extVars`,
//! then `extCode`; `argocd` is reserved for the application's metadata.

use std::collections::BTreeMap;

use kcfg_lang::eval::ExtValue;
use kcfg_lang::span::SourceName;
use kcfg_render::json::to_code;
use kcfg_render::signature::{Collection, Item, Param};
use serde::Deserialize;
use serde_json::{Map, Value as Json};

use super::env::Environment;

/// The parameters that configure the render instead of being passed to
/// the program.
pub const RESERVED: &[&str] = &[
    "tlas", "tlaCode", "extVars", "extCode", "libs", "entry", "target",
];

/// The external variable holding the application's metadata.
pub const ARGOCD_EXT_VAR: &str = "argocd";

/// A parameter's value as Argo CD sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// `string: …`
    String(String),
    /// `array: […]`
    Array(Vec<String>),
    /// `map: {…}`
    Map(BTreeMap<String, String>),
}

impl Value {
    fn form(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Map(_) => "a map",
        }
    }
}

/// One element of `ARGOCD_APP_PARAMETERS`.
#[derive(Debug, Deserialize)]
struct Wire {
    name: String,
    #[serde(default)]
    string: Option<String>,
    #[serde(default)]
    array: Option<Vec<String>>,
    #[serde(default)]
    map: Option<BTreeMap<String, String>>,
}

/// The parameters of one request, by name, in the order they came.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parameters {
    /// From `ARGOCD_APP_PARAMETERS`.
    pub json: Vec<(String, Value)>,
    /// From `PARAM_*` variables, for names the JSON does not have.
    pub env: Vec<(String, Value)>,
    /// `PARAM_*` variables no known name claimed.
    pub unclaimed: Vec<String>,
}

/// Reads `ARGOCD_APP_PARAMETERS` (`null`, empty or unset mean none).
pub fn read_json(env: &Environment) -> Result<Vec<(String, Value)>, String> {
    let text = env.get("ARGOCD_APP_PARAMETERS").unwrap_or("").trim();
    if text.is_empty() || text == "null" {
        return Ok(Vec::new());
    }
    let wire: Vec<Wire> = serde_json::from_str(text).map_err(|err| {
        format!("ARGOCD_APP_PARAMETERS is not a JSON list of {{name, string|array|map}}: {err}")
    })?;
    let mut out = Vec::with_capacity(wire.len());
    for parameter in wire {
        // A parameter may carry more than one form; Argo CD's UI sets one.
        let value = match (parameter.string, parameter.array, parameter.map) {
            (Some(text), _, _) => Value::String(text),
            (None, Some(items), _) => Value::Array(items),
            (None, None, Some(entries)) => Value::Map(entries),
            (None, None, None) => continue,
        };
        out.push((parameter.name, value));
    }
    Ok(out)
}

/// Argo CD's escaping of a parameter name or map key in `PARAM_*`
/// variables: upper case, and `_` for anything but `A-Z`, `0-9`, `_`
/// (`escaped` in `types.go`; Go's `strings.ToUpper` maps `ı` to `I` and
/// `ſ` to `S`, the only non-ASCII letters that become ASCII).
pub fn escape(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' | '0'..='9' | '_' => c,
            'ı' => 'I',
            'ſ' => 'S',
            _ => '_',
        })
        .collect()
}

/// Reads both forms. `known` names the parameters `PARAM_*` variables may
/// stand for (the entry's top-level arguments and [`RESERVED`]).
pub fn read(env: &Environment, known: &[&str]) -> Result<Parameters, String> {
    let json = read_json(env)?;
    let in_json: Vec<String> = json.iter().map(|(name, _)| escape(name)).collect();
    let mut variables: BTreeMap<&str, &str> = env
        .with_prefix("PARAM_")
        .map(|(name, value)| (&name["PARAM_".len()..], value))
        .collect();
    // Longest names first, so PARAM_A_B is `a_b`'s before it is a key of `a`.
    let mut candidates: Vec<(&str, String)> =
        known.iter().map(|name| (*name, escape(name))).collect();
    candidates.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    candidates.dedup_by(|a, b| a.1 == b.1);
    let mut decoded = Vec::new();
    for (name, escaped) in candidates {
        let string = variables.remove(escaped.as_str());
        let prefix = format!("{escaped}_");
        let parts: Vec<(String, String)> = variables
            .range(prefix.as_str()..)
            .take_while(|(key, _)| key.starts_with(&prefix))
            .map(|(key, value)| (key[prefix.len()..].to_string(), value.to_string()))
            .collect();
        for (suffix, _) in &parts {
            variables.remove(format!("{prefix}{suffix}").as_str());
        }
        if in_json.contains(&escaped) {
            continue;
        }
        let value = if !parts.is_empty() {
            let mut indexed: Vec<(usize, String)> = parts
                .iter()
                .filter_map(|(suffix, value)| Some((suffix.parse().ok()?, value.clone())))
                .collect();
            indexed.sort();
            let is_array = indexed.len() == parts.len()
                && indexed
                    .iter()
                    .enumerate()
                    .all(|(at, (index, _))| at == *index);
            if is_array {
                Value::Array(indexed.into_iter().map(|(_, value)| value).collect())
            } else {
                Value::Map(parts.into_iter().collect())
            }
        } else if let Some(text) = string {
            Value::String(text.to_string())
        } else {
            continue;
        };
        decoded.push((name.to_string(), value));
    }
    // Keep the order of names for stable output.
    decoded.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Parameters {
        json,
        env: decoded,
        unclaimed: variables.keys().map(|key| format!("PARAM_{key}")).collect(),
    })
}

impl Parameters {
    /// A parameter by name: the JSON form first, then the variables.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.json
            .iter()
            .rev()
            .chain(self.env.iter().rev())
            .find(|(candidate, _)| candidate == name)
            .map(|(_, value)| value)
    }

    /// Every parameter, lowest precedence first.
    fn all(&self) -> impl Iterator<Item = &(String, Value)> {
        self.env.iter().chain(self.json.iter())
    }
}

/// The entry named by the `entry` parameter, read from
/// `ARGOCD_APP_PARAMETERS` or `PARAM_ENTRY` before the entry's signature is
/// known.
pub fn entry_parameter(env: &Environment) -> Result<Option<String>, String> {
    let json = read_json(env)?;
    if let Some((_, value)) = json.iter().rev().find(|(name, _)| name == "entry") {
        return match value {
            Value::String(text) => Ok(Some(text.clone())),
            other => Err(format!(
                "parameter `entry` must be a string, got {}",
                other.form()
            )),
        };
    }
    Ok(env.get("PARAM_ENTRY").map(str::to_string))
}

/// What the parameters ask of the render.
#[derive(Debug, Default)]
pub struct Inputs {
    /// Top-level arguments.
    pub tlas: Vec<(String, ExtValue)>,
    /// External variables.
    pub ext_vars: Vec<(String, ExtValue)>,
    /// Library directories, relative to the repository root.
    pub libs: Vec<String>,
    /// Target globs (plans only).
    pub targets: Vec<String>,
    /// Things worth saying on standard error.
    pub warnings: Vec<String>,
}

/// Maps parameters and the environment to the render's inputs.
/// `signature` is the entry's top-level arguments (`None`: not a function).
pub fn inputs(
    parameters: &Parameters,
    signature: Option<&[Param]>,
    env: &Environment,
    entry: &str,
) -> Result<Inputs, String> {
    let mut inputs = Inputs::default();
    for (name, value) in env.user_env() {
        set(&mut inputs.ext_vars, name, ExtValue::Str(value.to_string()));
    }
    for (name, value) in parameters.all() {
        match name.as_str() {
            "tlas" | "tlaCode" | "extVars" | "extCode" => {}
            "entry" => {}
            "libs" => {
                inputs.libs = match value {
                    Value::Array(items) => items.clone(),
                    Value::String(text) => vec![text.clone()],
                    Value::Map(_) => {
                        return Err("parameter `libs` must be an array of directories".into())
                    }
                }
            }
            "target" => {
                inputs.targets = match value {
                    Value::Array(items) => items.clone(),
                    Value::String(text) => vec![text.clone()],
                    Value::Map(_) => {
                        return Err("parameter `target` must be a glob or an array of globs".into())
                    }
                }
            }
            _ => {
                let param =
                    signature.and_then(|params| params.iter().find(|param| param.name == *name));
                if signature.is_some() && param.is_none() {
                    let known: Vec<&str> = signature
                        .unwrap_or_default()
                        .iter()
                        .map(|param| param.name.as_str())
                        .collect();
                    return Err(format!(
                        "parameter `{name}`: {entry} has no top-level argument of that name (it has: {}; reserved parameters: {})",
                        if known.is_empty() { "none".to_string() } else { known.join(", ") },
                        RESERVED.join(", ")
                    ));
                }
                let converted = convert(name, value, param, entry)?;
                set(&mut inputs.tlas, name, converted);
            }
        }
    }
    for (kind, code) in [("tlas", false), ("tlaCode", true)] {
        if let Some(value) = parameters.get(kind) {
            for (name, text, is_code) in variables(kind, value, code)? {
                let text = env.envsubst(&text);
                set(
                    &mut inputs.tlas,
                    &name,
                    ext_value("tla", &name, text, is_code),
                );
            }
        }
    }
    for (kind, code) in [("extVars", false), ("extCode", true)] {
        if let Some(value) = parameters.get(kind) {
            for (name, text, is_code) in variables(kind, value, code)? {
                if name == ARGOCD_EXT_VAR {
                    return Err(format!(
                        "parameter `{kind}`: the external variable `{ARGOCD_EXT_VAR}` is reserved for the application's metadata"
                    ));
                }
                let text = env.envsubst(&text);
                set(
                    &mut inputs.ext_vars,
                    &name,
                    ext_value("ext", &name, text, is_code),
                );
            }
        }
    }
    set(
        &mut inputs.ext_vars,
        ARGOCD_EXT_VAR,
        ExtValue::Code {
            name: SourceName::Virtual(format!("<ext:{ARGOCD_EXT_VAR}>")),
            text: to_code(&env.argocd_object()),
        },
    );
    if signature.is_none() && !inputs.tlas.is_empty() {
        let names: Vec<&str> = inputs.tlas.iter().map(|(name, _)| name.as_str()).collect();
        inputs.warnings.push(format!(
            "warning: {entry} is not a function, so its top-level arguments {} are ignored",
            names.join(", ")
        ));
        inputs.tlas.clear();
    }
    Ok(inputs)
}

/// Sets `name`, replacing an earlier value (later wins).
fn set(into: &mut Vec<(String, ExtValue)>, name: &str, value: ExtValue) {
    into.retain(|(existing, _)| existing != name);
    into.push((name.to_string(), value));
}

fn ext_value(kind: &str, name: &str, text: String, code: bool) -> ExtValue {
    if code {
        ExtValue::Code {
            name: SourceName::Virtual(format!("<{kind}:{name}>")),
            text,
        }
    } else {
        ExtValue::Str(text)
    }
}

/// An entry of the built-in Jsonnet source's `tlas` or `extVars`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonnetVar {
    name: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    code: bool,
}

/// The `(name, text, code)` triples of a `tlas`-like parameter.
fn variables(kind: &str, value: &Value, code: bool) -> Result<Vec<(String, String, bool)>, String> {
    match value {
        Value::Map(entries) => Ok(entries
            .iter()
            .map(|(name, text)| (name.clone(), text.clone(), code))
            .collect()),
        Value::String(text) if !code => {
            let list: Vec<JsonnetVar> = serde_norway::from_str(text).map_err(|err| {
                format!(
                    "parameter `{kind}`: expected Argo CD's Jsonnet list [{{name, value, code}}] as JSON or YAML, or a map: {err}"
                )
            })?;
            Ok(list
                .into_iter()
                .map(|var| (var.name, var.value, var.code))
                .collect())
        }
        other => Err(format!(
            "parameter `{kind}` must be {}, got {}",
            if code {
                "a map"
            } else {
                "a map or a list [{name, value, code}]"
            },
            other.form()
        )),
    }
}

/// A parameter as a top-level argument, converted to the type of its
/// default.
fn convert(
    name: &str,
    value: &Value,
    param: Option<&Param>,
    entry: &str,
) -> Result<ExtValue, String> {
    let item = param.map_or(Item::String, |param| param.item);
    let collection = param.map(|param| param.collection);
    let one = |text: &str| -> Result<Json, String> {
        scalar(text, item).ok_or_else(|| {
            format!(
                "parameter `{name}`: expected {} (the default of `{name}` in {entry} is {}), got {text:?}",
                match item {
                    Item::Number => "a number",
                    Item::Boolean => "true or false",
                    Item::String => "a string",
                },
                param
                    .and_then(|param| param.default.as_ref())
                    .map_or_else(|| "not a literal".to_string(), json_text)
            )
        })
    };
    let code = |data: Json| ExtValue::Code {
        name: SourceName::Virtual(format!("<parameter:{name}>")),
        text: to_code(&data),
    };
    Ok(match value {
        Value::String(text) if item == Item::String || collection != Some(Collection::String) => {
            ExtValue::Str(text.clone())
        }
        Value::String(text) => code(one(text)?),
        Value::Array(items) => code(Json::Array(
            items
                .iter()
                .map(|text| one(text))
                .collect::<Result<_, _>>()?,
        )),
        Value::Map(entries) => code(Json::Object(
            entries
                .iter()
                .map(|(key, text)| Ok((key.clone(), one(text)?)))
                .collect::<Result<Map<_, _>, String>>()?,
        )),
    })
}

fn scalar(text: &str, item: Item) -> Option<Json> {
    match item {
        Item::String => Some(Json::String(text.to_string())),
        Item::Number => {
            let number: f64 = text.trim().parse().ok()?;
            if number.fract() == 0.0 && number.abs() < 9e15 {
                return Some(Json::from(number as i64));
            }
            serde_json::Number::from_f64(number).map(Json::Number)
        }
        Item::Boolean => match text.trim() {
            "true" => Some(Json::Bool(true)),
            "false" => Some(Json::Bool(false)),
            _ => None,
        },
    }
}

// ----- the announcement ------------------------------------------------------

/// The parameter announcement `kcfg argocd parameters` prints: Argo CD's
/// `ParameterAnnouncement` list (`reposerver/apiclient`; fields `name`,
/// `title`, `tooltip`, `required`, `itemType`, `collectionType`, `string`,
/// `array`, `map`), one per top-level argument, with the default when it is
/// a literal, then the reserved parameters a user sets in the UI (issue
/// 16): `entry` (showing the entry in use), `tlaCode` and `extCode`. Values
/// in announcements are strings, as the UI edits them.
pub fn announce(signature: &[Param], plan: bool, entry: &str) -> Json {
    let mut out: Vec<Json> = Vec::new();
    if plan {
        out.push(serde_json::json!({
            "name": "target",
            "title": "Targets",
            "tooltip": "Which targets of the render plan to render: a glob of target names, such as 'edge-eu-001/*'. Empty: every target.",
            "collectionType": "string",
            "itemType": "string",
        }));
    }
    for param in signature {
        let mut announcement = Map::new();
        announcement.insert("name".into(), Json::String(param.name.clone()));
        if let Some(doc) = &param.doc {
            announcement.insert("tooltip".into(), Json::String(doc.clone()));
        }
        if param.required {
            announcement.insert("required".into(), Json::Bool(true));
        }
        announcement.insert("itemType".into(), Json::String(param.item.as_str().into()));
        announcement.insert(
            "collectionType".into(),
            Json::String(param.collection.as_str().into()),
        );
        match (&param.default, param.collection) {
            (Some(Json::Array(items)), Collection::Array) => {
                announcement.insert(
                    "array".into(),
                    Json::Array(items.iter().map(as_string).collect()),
                );
            }
            (Some(Json::Object(fields)), Collection::Map) => {
                announcement.insert(
                    "map".into(),
                    Json::Object(
                        fields
                            .iter()
                            .map(|(key, value)| (key.clone(), as_string(value)))
                            .collect(),
                    ),
                );
            }
            (Some(Json::Null), _) | (None, _) => {}
            (Some(scalar), _) => {
                announcement.insert("string".into(), as_string(scalar));
            }
        }
        out.push(Json::Object(announcement));
    }
    out.push(serde_json::json!({
        "name": "entry",
        "title": "Entry",
        "tooltip": "The file to evaluate, relative to the application's directory (default: main.kcfg, else render.kcfg, else main.jsonnet or the only *.jsonnet file). A render.kcfg is a render plan.",
        "collectionType": "string",
        "itemType": "string",
        "string": entry,
    }));
    for (name, title, what) in [
        (
            "tlaCode",
            "Top-level arguments as code",
            "a top-level argument",
        ),
        (
            "extCode",
            "External variables as code",
            "an external variable",
        ),
    ] {
        out.push(serde_json::json!({
            "name": name,
            "title": title,
            "tooltip": format!("Each key is {what}; its value is kcfg code (like Argo CD's built-in Jsonnet `code: true`), so numbers, booleans and objects keep their type. $ARGOCD_APP_* variables are substituted."),
            "collectionType": "map",
            "itemType": "string",
        }));
    }
    Json::Array(out)
}

/// A default as the UI shows it: strings as they are, the rest as kcfg
/// writes it (`1`, not `1.0`).
fn as_string(value: &Json) -> Json {
    match value {
        Json::String(text) => Json::String(text.clone()),
        other => Json::String(json_text(other)),
    }
}

/// A literal as kcfg writes it: JSON, with numbers as the reference prints
/// them (serde_json writes a default read as `1` as `1.0`).
fn json_text(value: &Json) -> String {
    match value {
        Json::Number(number) => number
            .as_f64()
            .map_or_else(|| number.to_string(), kcfg_lang::text::format_number),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn param(name: &str, default: Option<Json>) -> Param {
        let (collection, item) = match &default {
            Some(Json::Number(_)) => (Collection::String, Item::Number),
            Some(Json::Bool(_)) => (Collection::String, Item::Boolean),
            Some(Json::Array(_)) => (Collection::Array, Item::Number),
            Some(Json::Object(_)) => (Collection::Map, Item::String),
            _ => (Collection::String, Item::String),
        };
        Param {
            name: name.into(),
            required: default.is_none(),
            default,
            collection,
            item,
            doc: None,
        }
    }

    fn shown(values: &[(String, ExtValue)]) -> Vec<String> {
        values
            .iter()
            .map(|(name, value)| match value {
                ExtValue::Str(text) => format!("{name}={text:?}"),
                ExtValue::Code { text, .. } => format!("{name}=<code {text}>"),
            })
            .collect()
    }

    #[test]
    fn names_are_escaped_as_argo_cd_escapes_them() {
        assert_eq!(escape("values-files"), "VALUES_FILES");
        assert_eq!(escape("image.tag"), "IMAGE_TAG");
        assert_eq!(escape("ünï_9"), "_N__9");
        assert_eq!(escape("ıſ"), "IS");
    }

    #[test]
    fn both_forms_decode_and_the_json_wins() {
        let env = Environment::from_pairs([
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"replicas","string":"3"},{"name":"tags","array":["a","b"]},{"name":"empty","string":""}]"#,
            ),
            ("PARAM_REPLICAS", "999"),
            ("PARAM_TAGS_0", "stale"),
            ("PARAM_REGION", "eu"),
            ("PARAM_PORTS_0", "80"),
            ("PARAM_PORTS_1", "443"),
            ("PARAM_LABELS_TEAM", "web"),
            ("PARAM_LABELS_0", "x"),
            ("PARAM_STRAY", "?"),
        ]);
        let known = ["replicas", "tags", "region", "ports", "labels", "empty"];
        let parameters = read(&env, &known).unwrap();
        assert_eq!(parameters.get("replicas"), Some(&Value::String("3".into())));
        assert_eq!(parameters.get("empty"), Some(&Value::String(String::new())));
        assert_eq!(
            parameters.get("tags"),
            Some(&Value::Array(vec!["a".into(), "b".into()]))
        );
        assert_eq!(parameters.get("region"), Some(&Value::String("eu".into())));
        assert_eq!(
            parameters.get("ports"),
            Some(&Value::Array(vec!["80".into(), "443".into()]))
        );
        assert_eq!(
            parameters.get("labels"),
            Some(&Value::Map(BTreeMap::from([
                ("0".into(), "x".into()),
                ("TEAM".into(), "web".into())
            ])))
        );
        assert_eq!(parameters.unclaimed, ["PARAM_STRAY"]);
    }

    #[test]
    fn longer_names_claim_their_variables_first() {
        let env = Environment::from_pairs([("PARAM_A_B", "1"), ("PARAM_A_C", "2")]);
        let parameters = read(&env, &["a", "a_b"]).unwrap();
        assert_eq!(parameters.get("a_b"), Some(&Value::String("1".into())));
        assert_eq!(
            parameters.get("a"),
            Some(&Value::Map(BTreeMap::from([("C".into(), "2".into())])))
        );
    }

    #[test]
    fn parameters_become_typed_top_level_arguments() {
        let env = Environment::from_pairs([
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[{"name":"replicas","string":"3"},{"name":"ports","array":["80","443"]},{"name":"labels","map":{"team":"web"}},{"name":"debug","string":"true"},{"name":"name","string":"web"}]"#,
            ),
            ("ARGOCD_ENV_REGION", "eu"),
            ("ARGOCD_APP_NAME", "web-prod"),
        ]);
        let signature = [
            param("name", None),
            param("replicas", Some(json!(1))),
            param("ports", Some(json!([8080]))),
            param("labels", Some(json!({}))),
            param("debug", Some(json!(false))),
        ];
        let parameters = read(&env, &["name"]).unwrap();
        let inputs = inputs(&parameters, Some(&signature), &env, "main.kcfg").unwrap();
        assert_eq!(
            shown(&inputs.tlas),
            [
                "replicas=<code 3>",
                "ports=<code [80,443]>",
                r#"labels=<code {"team":"web"}>"#,
                "debug=<code true>",
                r#"name="web""#,
            ]
        );
        let ext = shown(&inputs.ext_vars);
        assert_eq!(ext[0], r#"REGION="eu""#);
        assert!(ext[1].starts_with("argocd=<code {"), "{}", ext[1]);
        assert!(ext[1].contains(r#""name":"web-prod""#), "{}", ext[1]);
    }

    #[test]
    fn bad_values_and_unknown_names_are_errors() {
        let signature = [param("replicas", Some(json!(1)))];
        let env = Environment::from_pairs([(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"replicas","string":"many"}]"#,
        )]);
        let err = inputs(
            &read(&env, &[]).unwrap(),
            Some(&signature),
            &env,
            "main.kcfg",
        )
        .unwrap_err();
        assert_eq!(
            err,
            r#"parameter `replicas`: expected a number (the default of `replicas` in main.kcfg is 1), got "many""#
        );
        let env = Environment::from_pairs([(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"replica","string":"2"}]"#,
        )]);
        let err = inputs(
            &read(&env, &[]).unwrap(),
            Some(&signature),
            &env,
            "main.kcfg",
        )
        .unwrap_err();
        assert!(
            err.starts_with("parameter `replica`: main.kcfg has no top-level argument"),
            "{err}"
        );
        let env = Environment::from_pairs([("ARGOCD_APP_PARAMETERS", "{")]);
        assert!(read(&env, &[])
            .unwrap_err()
            .starts_with("ARGOCD_APP_PARAMETERS is not"));
    }

    #[test]
    fn the_built_in_jsonnet_forms_are_accepted_with_envsubst() {
        let env = Environment::from_pairs([
            (
                "ARGOCD_APP_PARAMETERS",
                r#"[
                  {"name":"replicas","string":"1"},
                  {"name":"tlas","string":"[{\"name\": \"replicas\", \"value\": \"2 + 1\", \"code\": true}, {\"name\": \"rev\", \"value\": \"r-$ARGOCD_APP_REVISION_SHORT\"}]"},
                  {"name":"extVars","string":"- name: env\n  value: prod\n"},
                  {"name":"extCode","map":{"size":"{ n: 1 }"}},
                  {"name":"libs","array":["vendor","lib"]}
                ]"#,
            ),
            ("ARGOCD_APP_REVISION_SHORT", "abc1234"),
        ]);
        let signature = [param("replicas", Some(json!(1))), param("rev", None)];
        let inputs = inputs(
            &read(&env, &[]).unwrap(),
            Some(&signature),
            &env,
            "main.kcfg",
        )
        .unwrap();
        assert_eq!(
            shown(&inputs.tlas),
            ["replicas=<code 2 + 1>", r#"rev="r-abc1234""#]
        );
        let ext = shown(&inputs.ext_vars);
        assert_eq!(&ext[..2], [r#"env="prod""#, "size=<code { n: 1 }>"]);
        assert_eq!(inputs.libs, ["vendor", "lib"]);
        let env = Environment::from_pairs([(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"extVars","map":{"argocd":"x"}}]"#,
        )]);
        assert!(
            super::inputs(&read(&env, &[]).unwrap(), None, &env, "main.kcfg")
                .unwrap_err()
                .contains("reserved")
        );
    }

    #[test]
    fn announcements_carry_literal_defaults_as_strings() {
        let signature = [
            param("name", None),
            param("replicas", Some(json!(2))),
            param("ports", Some(json!([80, 443]))),
            param("labels", Some(json!({"team": "web"}))),
        ];
        let announced = announce(&signature, false, "main.kcfg");
        assert_eq!(
            Json::Array(announced.as_array().unwrap()[..4].to_vec()),
            json!([
                {"name": "name", "required": true, "itemType": "string", "collectionType": "string"},
                {"name": "replicas", "itemType": "number", "collectionType": "string", "string": "2"},
                {"name": "ports", "itemType": "number", "collectionType": "array", "array": ["80", "443"]},
                {"name": "labels", "itemType": "string", "collectionType": "map", "map": {"team": "web"}},
            ])
        );
    }

    #[test]
    fn issue16_reserved_parameters_are_announced() {
        let announced = announce(&[], true, "render.kcfg");
        let names: Vec<&str> = announced
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["target", "entry", "tlaCode", "extCode"]);
        assert_eq!(announced[1]["string"], "render.kcfg");
        assert_eq!(announced[2]["collectionType"], "map");
        assert_eq!(announced[3]["collectionType"], "map");
    }

    #[test]
    fn issue16_defaults_are_written_as_kcfg_writes_numbers() {
        // The signature reads `replicas=1` as the float 1.0.
        let one = Json::Number(serde_json::Number::from_f64(1.0).unwrap());
        let big = Json::Number(serde_json::Number::from_f64(1e20).unwrap());
        assert_eq!(json_text(&one), "1");
        assert_eq!(json_text(&big), "100000000000000000000");
        assert_eq!(as_string(&json!(0.5)), "0.5");
        let signature = [param("replicas", Some(one))];
        let announced = announce(&signature, false, "main.kcfg");
        assert_eq!(announced[0]["string"], "1");
        let env = Environment::from_pairs([(
            "ARGOCD_APP_PARAMETERS",
            r#"[{"name":"replicas","string":"x"}]"#,
        )]);
        let err = inputs(
            &read(&env, &[]).unwrap(),
            Some(&signature),
            &env,
            "main.kcfg",
        )
        .unwrap_err();
        assert!(
            err.contains("the default of `replicas` in main.kcfg is 1)"),
            "{err}"
        );
    }
}
