//! The top-level arguments of an entry file, read from its syntax tree.
//!
//! `kcfg argocd parameters` announces them to the Argo CD UI, and
//! `generate` uses the same reading to decode `PARAM_*` variables (whose
//! names are escaped) and to convert parameter values, which Argo CD always
//! sends as strings, back to the numbers and booleans the defaults have.
//!
//! The file is parsed, not evaluated: the top-level function is found
//! through `local`s, `assert`s and parentheses, and a parameter's default
//! is reported only when it is a literal (a string, number, boolean, or an
//! array or object of them), so reading a signature runs no user code.
//! A comment just above a parameter, or after it on its line, is its
//! documentation (the tooltip in the UI):
//!
//! ```jsonnet
//! function(
//!   // How many pods.
//!   replicas=2,
//!   env='prod',  // Which environment's overlay to use.
//! ) ...
//! ```

use std::sync::Arc;

use kcfg_lang::ast::{self, ExprKind, FieldName, Member, UnaryOp};
use kcfg_lang::memory::MemoryLimit;
use kcfg_lang::span::SourceFile;
use serde_json::{Map, Value as Json};

/// How a parameter's value is shaped, as Argo CD's UI understands it
/// (`collectionType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    /// One value.
    String,
    /// A list of values.
    Array,
    /// Named values.
    Map,
}

impl Collection {
    /// Argo CD's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Collection::String => "string",
            Collection::Array => "array",
            Collection::Map => "map",
        }
    }
}

/// The type of one value (`itemType`): what a string from Argo CD is
/// converted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    /// Kept as a string.
    String,
    /// Parsed as a number.
    Number,
    /// `true` or `false`.
    Boolean,
}

impl Item {
    /// Argo CD's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Item::String => "string",
            Item::Number => "number",
            Item::Boolean => "boolean",
        }
    }
}

/// One top-level argument.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// Its name.
    pub name: String,
    /// Its default, when that is a literal.
    pub default: Option<Json>,
    /// Whether it has no default at all.
    pub required: bool,
    /// The shape of its value.
    pub collection: Collection,
    /// The type of its values.
    pub item: Item,
    /// The comment that documents it.
    pub doc: Option<String>,
}

/// The top-level arguments of the file, or `None` when its value is not a
/// function or it does not parse (the evaluation reports the syntax error).
/// Parsing and dropping a deep tree use native stack, which is charged to
/// `memory` when given (a budget must see it).
pub fn read(file: &SourceFile, memory: Option<&Arc<MemoryLimit>>) -> Option<Vec<Param>> {
    match memory {
        Some(memory) => kcfg_lang::memory::charging_stack(memory, || read_tree(file)),
        None => read_tree(file),
    }
}

fn read_tree(file: &SourceFile) -> Option<Vec<Param>> {
    let tree = kcfg_lang::syntax::parse(file).ok()?;
    let (function_start, params) = top_level_function(&tree.expr)?;
    let mut out = Vec::with_capacity(params.len());
    for (index, param) in params.iter().enumerate() {
        let default = param.default.as_ref().and_then(literal);
        let (collection, item) = match &default {
            Some(value) => shape(value),
            None => (Collection::String, Item::String),
        };
        let previous_end = match index {
            0 => function_start,
            _ => end_of(&params[index - 1]),
        };
        let next_start = params.get(index + 1).map(|next| next.name.span.start);
        out.push(Param {
            name: param.name.name.as_str().to_string(),
            default,
            required: param.default.is_none(),
            collection,
            item,
            doc: doc_comment(file, &tree.comments, param, previous_end, next_start),
        });
    }
    Some(out)
}

/// The top-level function's parameters and where it starts.
fn top_level_function(expr: &ast::Expr) -> Option<(u32, &[ast::Param])> {
    match &expr.kind {
        ExprKind::Function { params, .. } => Some((expr.span.start, params)),
        ExprKind::Local { body, .. } => top_level_function(body),
        ExprKind::Assert { rest, .. } => top_level_function(rest),
        ExprKind::Parens(inner) => top_level_function(inner),
        _ => None,
    }
}

fn end_of(param: &ast::Param) -> u32 {
    match &param.default {
        Some(default) => default.span.end,
        None => param.name.span.end,
    }
}

/// The value of a literal expression, or `None` when it computes anything.
fn literal(expr: &ast::Expr) -> Option<Json> {
    Some(match &expr.kind {
        ExprKind::Null => Json::Null,
        ExprKind::True => Json::Bool(true),
        ExprKind::False => Json::Bool(false),
        ExprKind::Num(n) => Json::from(serde_json::Number::from_f64(*n)?),
        ExprKind::Str { value, .. } => Json::String(value.clone()),
        ExprKind::Parens(inner) => literal(inner)?,
        ExprKind::Unary {
            op: UnaryOp::Neg,
            expr: inner,
        } => match &inner.kind {
            ExprKind::Num(n) => Json::from(serde_json::Number::from_f64(-*n)?),
            _ => return None,
        },
        ExprKind::Array { elems, .. } => {
            Json::Array(elems.iter().map(literal).collect::<Option<_>>()?)
        }
        ExprKind::Object { members, .. } => {
            let mut fields = Map::new();
            for member in members {
                let Member::Field(field) = member else {
                    return None;
                };
                if field.params.is_some() || field.plus {
                    return None;
                }
                let name = match &field.name {
                    FieldName::Ident(ident) => ident.name.as_str().to_string(),
                    FieldName::Str { value, .. } => value.clone(),
                    FieldName::Computed(_) => return None,
                };
                if field.visibility != ast::Visibility::Hidden {
                    fields.insert(name, literal(&field.value)?);
                }
            }
            Json::Object(fields)
        }
        _ => return None,
    })
}

/// Argo CD's view of a default: a scalar is a string parameter, an array a
/// list, an object a map; the item type comes from the values.
fn shape(value: &Json) -> (Collection, Item) {
    let item_of = |values: &mut dyn Iterator<Item = &Json>| {
        let mut item = None;
        for value in values {
            let this = scalar_item(value);
            if item.is_some_and(|seen| seen != this) {
                return Item::String;
            }
            item = Some(this);
        }
        item.unwrap_or(Item::String)
    };
    match value {
        Json::Array(items) => (Collection::Array, item_of(&mut items.iter())),
        Json::Object(fields) => (Collection::Map, item_of(&mut fields.values())),
        scalar => (Collection::String, scalar_item(scalar)),
    }
}

fn scalar_item(value: &Json) -> Item {
    match value {
        Json::Number(_) => Item::Number,
        Json::Bool(_) => Item::Boolean,
        _ => Item::String,
    }
}

/// The comments that document `param`: the block of comments on the
/// lines just above it (after the previous parameter, or the `function`
/// keyword), and one after it on its own line.
fn doc_comment(
    file: &SourceFile,
    comments: &[ast::Comment],
    param: &ast::Param,
    previous_end: u32,
    next_start: Option<u32>,
) -> Option<String> {
    let line = |offset: u32| file.line_col(offset).line;
    let start = param.name.span.start;
    let end = end_of(param);
    let mut above: Vec<&ast::Comment> = Vec::new();
    let mut top = line(start);
    for comment in comments.iter().rev() {
        let (from, to) = (comment.span.start, comment.span.end);
        if to > start || from <= previous_end {
            continue;
        }
        // A comment on the previous parameter's line is that one's; a blank
        // line ends the block.
        if line(from) == line(previous_end) || line(to) + 1 < top {
            break;
        }
        top = line(from);
        above.push(comment);
    }
    above.reverse();
    let after = comments.iter().find(|comment| {
        comment.span.start >= end
            && line(comment.span.start) == line(end)
            && next_start.is_none_or(|next| comment.span.start < next)
    });
    let doc = above
        .into_iter()
        .chain(after)
        .flat_map(|comment| comment.text.lines())
        .map(|text| text.trim().trim_start_matches(['*', '/', '#']).trim())
        .filter(|text| !text.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    (!doc.is_empty()).then_some(doc)
}

#[cfg(test)]
mod tests {
    use kcfg_lang::span::{SourceMap, SourceName};
    use serde_json::json;

    use super::*;

    fn check(code: &str) -> Option<Vec<Param>> {
        let sources = SourceMap::new();
        let file = sources.add(SourceName::Virtual("main.kcfg".into()), code);
        read(&file, None)
    }

    fn summary(params: &[Param]) -> Vec<String> {
        params
            .iter()
            .map(|param| {
                format!(
                    "{} default={} required={} {}/{} doc={:?}",
                    param.name,
                    param.default.as_ref().map_or("-".into(), Json::to_string),
                    param.required,
                    param.collection.as_str(),
                    param.item.as_str(),
                    param.doc.as_deref().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn literal_defaults_give_types() {
        let params = check(
            "local lib = {};\nfunction(name, replicas=2, debug=false, tags=['a', 'b'], ports=[80, 443], labels={team: 'x'}, limits={cpu: 1}, computed=lib.x, neg=-1)\n {}",
        )
        .unwrap();
        assert_eq!(
            summary(&params),
            [
                r#"name default=- required=true string/string doc="""#,
                r#"replicas default=2.0 required=false string/number doc="""#,
                r#"debug default=false required=false string/boolean doc="""#,
                r#"tags default=["a","b"] required=false array/string doc="""#,
                r#"ports default=[80.0,443.0] required=false array/number doc="""#,
                r#"labels default={"team":"x"} required=false map/string doc="""#,
                r#"limits default={"cpu":1.0} required=false map/number doc="""#,
                r#"computed default=- required=false string/string doc="""#,
                r#"neg default=-1.0 required=false string/number doc="""#,
            ]
        );
    }

    #[test]
    fn comments_document_parameters() {
        let params = check(
            "// The app.\nfunction(\n  // How many pods.\n  // At least one.\n  replicas=2,\n  env='prod',  // Which overlay.\n  plain,\n)\n{}",
        )
        .unwrap();
        let docs: Vec<_> = params.iter().map(|param| param.doc.clone()).collect();
        assert_eq!(
            docs,
            [
                Some("How many pods. At least one.".to_string()),
                Some("Which overlay.".to_string()),
                None
            ]
        );
    }

    #[test]
    fn values_that_are_not_functions_have_no_signature() {
        assert_eq!(check("{ a: 1 }"), None);
        assert_eq!(check("local f(x) = x; f(1)"), None);
        let params = check("assert true; (function(a={b: [1, null]}) a)").unwrap();
        assert_eq!(params[0].default, Some(json!({"b": [1.0, null]})));
    }
}
