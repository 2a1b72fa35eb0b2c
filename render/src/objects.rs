//! From a target's value to its Kubernetes objects.
//!
//! The rules, in the order they apply while walking the value
//! (tanka `pkg/process/process.go` does the same walk for environments):
//!
//! * an object with visible `apiVersion` and `kind` fields is a Kubernetes
//!   object; both must be strings. If its kind ends in `List` and it has an
//!   `items` array, the items are walked instead (`v1/List`, `ConfigMapList`);
//! * any other object is walked into, field by field in field order (the
//!   order the manifester uses), and so is an array, element by element;
//! * `null` is skipped, so `if cond then {...}` (null when false) works;
//! * anything else where an object is expected is an error that names the
//!   path inside the value (`.deployment.spec`, `[3]`).
//!
//! Then every object must have `metadata.name` (a non-empty string) and, if
//! it has one, a string `metadata.namespace`; and no two objects of a target
//! may have the same group, kind, namespace and name.
//!
//! The walk works on values, not on JSON: objects stay lazy until they are
//! written, and are written straight from the value.

use std::collections::BTreeMap;

use kcfg_lang::eval::{Ctx, Error, Object, Site, Value};
use kcfg_lang::sym::Sym;

/// A Kubernetes object found in a target's value.
pub struct Found<'a> {
    /// Where it is in the value (`.deployment`, `[2].items[0]`).
    pub path: String,
    /// The object.
    pub object: Object<'a>,
    /// Its identity.
    pub id: ObjectId,
}

/// What identifies a Kubernetes object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectId {
    /// `apps/v1`.
    pub api_version: String,
    /// `Deployment`.
    pub kind: String,
    /// `metadata.namespace`, if set.
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
}

impl ObjectId {
    /// The API group: what comes before `/` in the apiVersion, empty for the
    /// core group (`v1`).
    pub fn group(&self) -> &str {
        match self.api_version.split_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }

    /// The API version without the group.
    pub fn version(&self) -> &str {
        match self.api_version.split_once('/') {
            Some((_, version)) => version,
            None => &self.api_version,
        }
    }
}

impl std::fmt::Display for ObjectId {
    /// `Deployment apps/web` (kind, then namespace/name), as people say it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(namespace) => write!(f, "{} {}/{}", self.kind, namespace, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// Why a target's value does not hold valid objects.
pub enum ObjectsError {
    /// Evaluating a part of the value failed.
    Eval(Error),
    /// The value is not shaped as the rules above ask.
    Shape(String),
}

impl From<Error> for ObjectsError {
    fn from(err: Error) -> ObjectsError {
        ObjectsError::Eval(err)
    }
}

/// The Kubernetes objects in `value`, in walk order.
pub fn collect<'a>(ctx: &mut Ctx<'a>, value: Value<'a>) -> Result<Vec<Found<'a>>, ObjectsError> {
    let mut found = Vec::new();
    let mut path = String::new();
    walk(ctx, value, &mut path, &mut found)?;
    check_unique(&found)?;
    Ok(found)
}

fn at(path: &str) -> String {
    if path.is_empty() {
        "the target's value".into()
    } else {
        path.to_string()
    }
}

fn walk<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    path: &mut String,
    found: &mut Vec<Found<'a>>,
) -> Result<(), ObjectsError> {
    match value {
        Value::Null => Ok(()),
        Value::Arr(array) => {
            let len = path.len();
            for (index, lazy) in array.iter().enumerate() {
                let element = ctx.force_from(lazy, Site::Manifest)?;
                path.push_str(&format!("[{index}]"));
                // One level of the value: counted and on counted stack.
                ctx.descend_at(Site::Manifest, |ctx| Ok(walk(ctx, element, path, found)))??;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Obj(object) => {
            let api_version = visible_field(ctx, object, "apiVersion")?;
            let kind = visible_field(ctx, object, "kind")?;
            match (api_version, kind) {
                (None, None) => {
                    let len = path.len();
                    let names: Vec<Sym> = object.visible_fields(ctx.bump).collect();
                    for name in names {
                        let child = ctx.get_field(object, name, Site::Manifest, None)?;
                        push_field(path, name.as_str());
                        ctx.descend_at(Site::Manifest, |ctx| Ok(walk(ctx, child, path, found)))??;
                        path.truncate(len);
                    }
                    Ok(())
                }
                (Some(api_version), Some(kind)) => {
                    let api_version = string(ctx, api_version, path, "apiVersion")?;
                    let kind = string(ctx, kind, path, "kind")?;
                    if kind.ends_with("List") {
                        if let Some(items) = visible_field(ctx, object, "items")? {
                            let len = path.len();
                            path.push_str(".items");
                            let result = match items {
                                Value::Arr(_) => walk(ctx, items, path, found),
                                other => Err(ObjectsError::Shape(format!(
                                    "{}: the items of a {kind} must be an array, got {}",
                                    at(path),
                                    other.type_name()
                                ))),
                            };
                            path.truncate(len);
                            return result;
                        }
                    }
                    let id = identify(ctx, object, path, api_version, kind)?;
                    found.push(Found {
                        path: at(path),
                        object,
                        id,
                    });
                    Ok(())
                }
                (Some(_), None) => Err(ObjectsError::Shape(format!(
                    "{}: the object has an apiVersion but no kind",
                    at(path)
                ))),
                (None, Some(_)) => Err(ObjectsError::Shape(format!(
                    "{}: the object has a kind but no apiVersion",
                    at(path)
                ))),
            }
        }
        other => Err(ObjectsError::Shape(format!(
            "{}: expected a Kubernetes object (with apiVersion and kind), an object or array of them, or null; got {}",
            at(path),
            describe(ctx, other)
        ))),
    }
}

fn describe<'a>(ctx: &Ctx<'a>, value: Value<'a>) -> String {
    match value {
        Value::Str(s) => {
            let text = ctx.text(s);
            if text.chars().count() > 40 {
                let short: String = text.chars().take(40).collect();
                format!("string {short:?}…")
            } else {
                format!("string {text:?}")
            }
        }
        Value::Num(n) => format!("number {}", kcfg_lang::text::format_number(n)),
        Value::Bool(b) => format!("boolean {b}"),
        other => other.type_name().to_string(),
    }
}

/// Appends `.name`, or `["name"]` when the name is not an identifier.
fn push_field(path: &mut String, name: &str) {
    let identifier = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if identifier {
        path.push('.');
        path.push_str(name);
    } else {
        path.push('[');
        path.push_str(&kcfg_lang::text::escape_string(name));
        path.push(']');
    }
}

/// The value of a visible field, if the object has one by that name.
fn visible_field<'a>(
    ctx: &mut Ctx<'a>,
    object: Object<'a>,
    name: &str,
) -> Result<Option<Value<'a>>, ObjectsError> {
    let name = Sym::intern(name);
    if object.is_hidden(name) != Some(false) {
        return Ok(None);
    }
    Ok(Some(ctx.get_field(object, name, Site::Manifest, None)?))
}

fn string<'a>(
    ctx: &Ctx<'a>,
    value: Value<'a>,
    path: &str,
    what: &str,
) -> Result<String, ObjectsError> {
    match value {
        Value::Str(s) => Ok(ctx.text(s).to_string()),
        other => Err(ObjectsError::Shape(format!(
            "{}: {what} must be a string, got {}",
            at(path),
            describe(ctx, other)
        ))),
    }
}

fn identify<'a>(
    ctx: &mut Ctx<'a>,
    object: Object<'a>,
    path: &str,
    api_version: String,
    kind: String,
) -> Result<ObjectId, ObjectsError> {
    let missing = || {
        ObjectsError::Shape(format!(
            "{}: the {kind} has no metadata.name (every object needs one)",
            at(path)
        ))
    };
    let Some(metadata) = visible_field(ctx, object, "metadata")? else {
        return Err(missing());
    };
    let Value::Obj(metadata) = metadata else {
        return Err(ObjectsError::Shape(format!(
            "{}: the {kind}'s metadata must be an object, got {}",
            at(path),
            describe(ctx, metadata)
        )));
    };
    let name = match visible_field(ctx, metadata, "name")? {
        Some(Value::Str(s)) if !s.is_empty() => ctx.text(s).to_string(),
        Some(Value::Str(_)) => {
            return Err(ObjectsError::Shape(format!(
                "{}: the {kind}'s metadata.name is empty",
                at(path)
            )))
        }
        Some(other) => {
            return Err(ObjectsError::Shape(format!(
                "{}: the {kind}'s metadata.name must be a string, got {}",
                at(path),
                describe(ctx, other)
            )))
        }
        None => return Err(missing()),
    };
    let namespace = match visible_field(ctx, metadata, "namespace")? {
        None | Some(Value::Null) => None,
        Some(Value::Str(s)) if s.is_empty() => None,
        Some(Value::Str(s)) => Some(ctx.text(s).to_string()),
        Some(other) => {
            return Err(ObjectsError::Shape(format!(
                "{}: the {kind} {name}'s metadata.namespace must be a string, got {}",
                at(path),
                describe(ctx, other)
            )))
        }
    };
    Ok(ObjectId {
        api_version,
        kind,
        namespace,
        name,
    })
}

fn check_unique(found: &[Found<'_>]) -> Result<(), ObjectsError> {
    let mut seen: BTreeMap<(&str, &str, Option<&str>, &str), &str> = BTreeMap::new();
    for object in found {
        let id = &object.id;
        let key = (
            id.group(),
            id.kind.as_str(),
            id.namespace.as_deref(),
            id.name.as_str(),
        );
        if let Some(first) = seen.insert(key, &object.path) {
            return Err(ObjectsError::Shape(format!(
                "two objects are the same {id}: {first} and {}",
                object.path
            )));
        }
    }
    Ok(())
}
