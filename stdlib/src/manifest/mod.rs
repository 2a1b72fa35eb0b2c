//! `std` functions: manifest. Turning a value into the text of another
//! format: `std.manifestJsonEx` and its variants, `std.manifestYamlDoc` and
//! `std.manifestYamlStream`, `std.manifestTomlEx`, `std.manifestIni`,
//! `std.manifestPython(Vars)` and `std.manifestXmlJsonml`.
//!
//! The reference (C++ jsonnet 0.22) writes all of these in Jsonnet, in its
//! `std.jsonnet`; here each is a hand-written writer that appends to one
//! `String` and produces the same bytes. Being Jsonnet code in the
//! reference has consequences the writers keep:
//!
//! * Parameters other than the value are not type-checked: they are
//!   concatenated to strings (`cindent + indent`), so an indent of `4`
//!   means `"4"`, and they are only evaluated once the output needs them
//!   (`std.manifestJsonEx(1, error "x")` is `"1"`). Such parameters are
//!   lazy here and converted with `+`'s rules on first use ([`TextParam`],
//!   [`BoolParam`]).
//! * Objects are read through `std.objectFields` and `o[k]`: hidden fields
//!   are skipped, and an object's assertions run when its first visible
//!   field is read (an object with no visible fields is never checked).
//! * Errors name the path to the offending value the way `'' + path`
//!   prints an array: `Tried to manifest function at ["a", 0]`.
//!
//! Nesting goes through [`Ctx::descend`], so a deeply nested value fails
//! with `max stack frames exceeded.` rather than overflowing the native
//! stack.

mod ini;
mod json;
mod python;
mod toml;
mod xml;
mod yaml;

use kcfg_lang::eval::builtin::{Args, Builtin};
use kcfg_lang::eval::{Ctx, Error, Lazy, Object, Result, Str, Value};
use kcfg_lang::span::Span;
use kcfg_lang::sym::Sym;
use kcfg_lang::text::{write_number, write_string};

/// The rows of this area.
pub static ROWS: &[Builtin] = &[
    Builtin::strict("manifestJson", &["value"], json::manifest_json),
    Builtin::strict(
        "manifestJsonMinified",
        &["value"],
        json::manifest_json_minified,
    ),
    Builtin::strict(
        "manifestJsonEx",
        &["value", "indent", "newline", "key_val_sep"],
        json::manifest_json_ex,
    )
    .optional_from(2)
    .lazy_param(1)
    .lazy_param(2)
    .lazy_param(3),
    Builtin::strict(
        "manifestYamlDoc",
        &["value", "indent_array_in_object", "quote_keys"],
        yaml::manifest_yaml_doc,
    )
    .optional_from(1)
    .lazy_param(1)
    .lazy_param(2),
    Builtin::strict(
        "manifestYamlStream",
        &[
            "value",
            "indent_array_in_object",
            "c_document_end",
            "quote_keys",
        ],
        yaml::manifest_yaml_stream,
    )
    .optional_from(1)
    .lazy_param(1)
    .lazy_param(2)
    .lazy_param(3),
    Builtin::strict("manifestToml", &["value"], toml::manifest_toml),
    Builtin::strict(
        "manifestTomlEx",
        &["value", "indent"],
        toml::manifest_toml_ex,
    )
    .lazy_param(1),
    Builtin::strict("manifestIni", &["ini"], ini::manifest_ini),
    Builtin::strict("manifestPython", &["v"], python::manifest_python),
    Builtin::strict(
        "manifestPythonVars",
        &["conf"],
        python::manifest_python_vars,
    ),
    Builtin::strict("manifestXmlJsonml", &["value"], xml::manifest_xml_jsonml),
];

/// A text parameter of a writer (an indent, a separator): lazy, evaluated
/// and converted to a string the way `+` converts (`4` is `"4"`) the first
/// time the output needs it.
pub(crate) enum TextParam<'a> {
    /// Not evaluated yet.
    Pending(Lazy<'a>),
    /// The text.
    Ready(&'a str),
}

impl<'a> TextParam<'a> {
    /// Parameter `index` of the call, or `default` if it was not given.
    pub(crate) fn new(args: &Args<'a>, index: usize, default: &'static str) -> TextParam<'a> {
        match args.get(index) {
            Some(lazy) => TextParam::Pending(lazy),
            None => TextParam::Ready(default),
        }
    }

    /// The text, evaluating the parameter on first use.
    #[inline]
    pub(crate) fn get(&mut self, ctx: &mut Ctx<'a>, span: Span) -> Result<&'a str> {
        match *self {
            TextParam::Ready(text) => Ok(text),
            TextParam::Pending(lazy) => {
                let value = ctx.force(lazy, span)?;
                let text = ctx.to_string_value(value, span)?;
                let text = ctx.flat_text(text, span)?;
                *self = TextParam::Ready(text);
                Ok(text)
            }
        }
    }
}

/// A boolean parameter used as an `if` condition: lazy, evaluated the first
/// time the output depends on it, with the reference's error for a
/// non-boolean.
pub(crate) enum BoolParam<'a> {
    /// Not evaluated yet.
    Pending(Lazy<'a>),
    /// The value.
    Ready(bool),
}

impl<'a> BoolParam<'a> {
    /// Parameter `index` of the call, or `default` if it was not given.
    pub(crate) fn new(args: &Args<'a>, index: usize, default: bool) -> BoolParam<'a> {
        match args.get(index) {
            Some(lazy) => BoolParam::Pending(lazy),
            None => BoolParam::Ready(default),
        }
    }

    /// The value, evaluating the parameter on first use.
    #[inline]
    pub(crate) fn get(&mut self, ctx: &mut Ctx<'a>, span: Span) -> Result<bool> {
        match *self {
            BoolParam::Ready(value) => Ok(value),
            BoolParam::Pending(lazy) => match ctx.force(lazy, span)? {
                Value::Bool(value) => {
                    *self = BoolParam::Ready(value);
                    Ok(value)
                }
                other => Err(ctx.error(
                    span,
                    format!("condition must be boolean, got {}.", other.type_name()),
                )),
            },
        }
    }
}

/// One step of the path from the manifested value to the one being
/// written: an array index or a field name.
#[derive(Clone, Copy)]
pub(crate) enum Step {
    /// An array element.
    Index(usize),
    /// An object field.
    Field(Sym),
}

/// The path as `'' + path` prints an array: `["a", 0]`, or `[ ]`.
pub(crate) fn path_text(path: &[Step]) -> String {
    if path.is_empty() {
        return "[ ]".to_string();
    }
    let mut out = String::from("[");
    for (index, step) in path.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        match step {
            Step::Index(i) => write_number(*i as f64, &mut out),
            Step::Field(name) => write_string(name.as_str(), &mut out),
        }
    }
    out.push(']');
    out
}

/// `Tried to manifest function at [...]`.
pub(crate) fn function_error(ctx: &Ctx<'_>, span: Span, path: &[Step]) -> Error {
    ctx.error(
        span,
        format!("Tried to manifest function at {}", path_text(path)),
    )
}

/// Whether an object has a visible field (`std.length(o) > 0`).
#[inline]
pub(crate) fn has_visible_fields<'a>(ctx: &Ctx<'a>, obj: Object<'a>) -> bool {
    obj.fields(ctx.bump).iter().any(|f| !f.hidden)
}

/// The reference's error for `std.objectFields` of a non-object.
pub(crate) fn object_fields_error(ctx: &Ctx<'_>, span: Span, value: Value<'_>) -> Error {
    ctx.error(
        span,
        format!(
            "Builtin function objectFieldsEx expected (object, boolean) but got ({}, boolean)",
            value.type_name()
        ),
    )
}

/// `'%s' % [value]`: strings as they are, anything else as single-line
/// JSON, appended to `out`.
pub(crate) fn write_to_string<'a>(
    ctx: &mut Ctx<'a>,
    value: Value<'a>,
    span: Span,
    out: &mut String,
) -> Result<()> {
    let text: Str<'a> = ctx.to_string_value(value, span)?;
    out.push_str(ctx.flat_text(text, span)?);
    Ok(())
}

/// Wraps a writer's output as a string value (copied fallibly: the output
/// can be as large as the memory allows).
pub(crate) fn string_result<'a>(ctx: &Ctx<'a>, out: &str, span: Span) -> Result<Value<'a>> {
    ctx.copy_str(out, span)
}
