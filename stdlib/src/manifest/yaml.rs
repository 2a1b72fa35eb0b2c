//! `std.manifestYamlDoc(value, indent_array_in_object=false,
//! quote_keys=true)` and `std.manifestYamlStream(value,
//! indent_array_in_object=false, c_document_end=true, quote_keys=true)`.
//!
//! The reference's YAML is block style throughout, two spaces per level:
//!
//! * Scalars are written as in JSON: strings double-quoted and escaped,
//!   except a string ending in a newline, which becomes a literal block
//!   (`|`, then each line indented two more spaces; the empty string is
//!   `""`).
//! * Array elements start with `-`; a non-empty array element starts on
//!   the next line, a non-empty object element on the same line.
//! * Object fields are `key: value`; a non-empty array or object value
//!   starts on the next line, the array indented only with
//!   `indent_array_in_object`. Empty containers are `[]` and `{}`.
//! * Keys are JSON strings, or with `quote_keys=false` bare when YAML 1.1
//!   could not read them as anything but a string ([`bare_safe`]).

use kcfg_lang::eval::builtin::Args;
use kcfg_lang::eval::{Ctx, Result, Site, Value};
use kcfg_lang::span::Span;
use kcfg_lang::text::{write_number, write_string};

use super::{function_error, has_visible_fields, string_result, BoolParam, Step};

/// `std.manifestYamlDoc(value, indent_array_in_object, quote_keys)`.
pub(crate) fn manifest_yaml_doc<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let mut writer = YamlWriter {
        span: args.site,
        indent_array_in_object: BoolParam::new(args, 1, false),
        quote_keys: BoolParam::new(args, 2, true),
        cindent: String::new(),
        path: Vec::new(),
    };
    let mut out = String::new();
    writer.value(ctx, args.value(0), &mut out)?;
    string_result(ctx, &out, args.site)
}

/// `std.manifestYamlStream(value, indent_array_in_object, c_document_end,
/// quote_keys)`: `---` before each document, `...` after the last one.
pub(crate) fn manifest_yaml_stream<'a>(ctx: &mut Ctx<'a>, args: &Args<'a>) -> Result<Value<'a>> {
    let span = args.site;
    let Value::Arr(docs) = args.value(0) else {
        return Err(ctx.error(
            span,
            format!(
                "manifestYamlStream only takes arrays, got {}",
                args.value(0).type_name()
            ),
        ));
    };
    let mut writer = YamlWriter {
        span,
        indent_array_in_object: BoolParam::new(args, 1, false),
        quote_keys: BoolParam::new(args, 3, true),
        cindent: String::new(),
        path: Vec::new(),
    };
    let mut out = String::from("---\n");
    for (index, lazy) in docs.iter().enumerate() {
        ctx.check_limits(span)?;
        if index > 0 {
            out.push_str("\n---\n");
        }
        let doc = ctx.force(lazy, span)?;
        writer.value(ctx, doc, &mut out)?;
    }
    let mut c_document_end = BoolParam::new(args, 2, true);
    out.push_str(if c_document_end.get(ctx, span)? {
        "\n...\n"
    } else {
        "\n"
    });
    string_result(ctx, &out, span)
}

/// How a container's child is laid out: whether it is a non-empty array,
/// a non-empty object, or anything else (written on the same line).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Array,
    Object,
    Inline,
}

fn kind<'a>(ctx: &Ctx<'a>, value: Value<'a>) -> Kind {
    match value {
        Value::Arr(array) if !array.is_empty() => Kind::Array,
        Value::Obj(obj) if has_visible_fields(ctx, obj) => Kind::Object,
        _ => Kind::Inline,
    }
}

struct YamlWriter<'a> {
    span: Span,
    indent_array_in_object: BoolParam<'a>,
    quote_keys: BoolParam<'a>,
    /// The indent of the container being written.
    cindent: String,
    path: Vec<Step>,
}

impl<'a> YamlWriter<'a> {
    fn value(&mut self, ctx: &mut Ctx<'a>, value: Value<'a>, out: &mut String) -> Result<()> {
        let span = self.span;
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(true) => out.push_str("true"),
            Value::Bool(false) => out.push_str("false"),
            Value::Num(n) => write_number(n, out),
            Value::Str(s) => self.string(ctx.flat_text(s, span)?, out),
            Value::Func(_) => return Err(function_error(ctx, span, &self.path)),
            Value::Arr(array) => {
                if array.is_empty() {
                    out.push_str("[]");
                    return Ok(());
                }
                ctx.descend(span, |ctx| {
                    for (index, lazy) in array.iter().enumerate() {
                        // The output grows with no frame entered.
                        ctx.check_limits(span)?;
                        if index > 0 {
                            out.push('\n');
                            out.push_str(&self.cindent);
                        }
                        let element = ctx.force(lazy, span)?;
                        let outer = self.cindent.len();
                        match kind(ctx, element) {
                            Kind::Array => {
                                self.cindent.push_str("  ");
                                out.push_str("-\n");
                                out.push_str(&self.cindent);
                            }
                            Kind::Object => {
                                self.cindent.push_str("  ");
                                out.push_str("- ");
                            }
                            Kind::Inline => out.push_str("- "),
                        }
                        self.path.push(Step::Index(index));
                        self.value(ctx, element, out)?;
                        self.path.pop();
                        self.cindent.truncate(outer);
                    }
                    Ok(())
                })
            }?,
            Value::Obj(obj) => {
                let fields = obj.fields(ctx.bump);
                if !fields.iter().any(|f| !f.hidden) {
                    out.push_str("{}");
                    return Ok(());
                }
                ctx.descend(span, |ctx| {
                    let mut first = true;
                    for field in fields.iter().filter(|f| !f.hidden) {
                        if !first {
                            out.push('\n');
                            out.push_str(&self.cindent);
                        }
                        first = false;
                        let name = field.name.as_str();
                        if self.quote_keys.get(ctx, span)? || !bare_safe(name) {
                            write_string(name, out);
                        } else {
                            out.push_str(name);
                        }
                        out.push(':');
                        let value = ctx.get_field(obj, field.name, Site::At(span), None)?;
                        let outer = self.cindent.len();
                        match kind(ctx, value) {
                            Kind::Array => {
                                if self.indent_array_in_object.get(ctx, span)? {
                                    self.cindent.push_str("  ");
                                }
                                out.push('\n');
                                out.push_str(&self.cindent);
                            }
                            Kind::Object => {
                                self.cindent.push_str("  ");
                                out.push('\n');
                                out.push_str(&self.cindent);
                            }
                            Kind::Inline => out.push(' '),
                        }
                        self.path.push(Step::Field(field.name));
                        self.value(ctx, value, out)?;
                        self.path.pop();
                        self.cindent.truncate(outer);
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    /// A string: `""`, a literal block if it ends in a newline, else a JSON
    /// string.
    fn string(&self, text: &str, out: &mut String) {
        match text.strip_suffix('\n') {
            _ if text.is_empty() => out.push_str("\"\""),
            Some(body) => {
                out.push('|');
                for line in body.split('\n') {
                    out.push('\n');
                    out.push_str(&self.cindent);
                    out.push_str("  ");
                    out.push_str(line);
                }
            }
            None => write_string(text, out),
        }
    }
}

/// Words YAML 1.1 reads as booleans, null or special floats, compared
/// without regard to ASCII case, plus keys that are not plain scalars.
const RESERVED: &[&str] = &[
    "true", "false", "yes", "no", "on", "off", "y", "n", ".nan", "-.inf", "+.inf", ".inf", "null",
    "-", "---", "",
];

/// Whether `key` can be written without quotes: only `[a-zA-Z0-9_/.-]`,
/// not a reserved word (see [`RESERVED`]), and not something YAML 1.1
/// might read as a date (digits with exactly two dashes), an integer
/// (digits, `_` and at most one dash), a binary or hexadecimal integer
/// (`0b…`, `0x…`, optionally negative) or a float (digits, `e`, `_`, at
/// most two dashes and exactly one dot). The tests are the reference's,
/// deliberately conservative: `_` and `.` are quoted too.
pub(crate) fn bare_safe(key: &str) -> bool {
    let bytes = key.as_bytes();
    let safe = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'/' | b'.');
    if !bytes.iter().all(|&b| safe(b)) {
        return false;
    }
    if RESERVED.iter().any(|word| key.eq_ignore_ascii_case(word)) {
        return false;
    }
    let count = |target: u8| bytes.iter().filter(|&&b| b == target).count();
    let only =
        |allowed: &dyn Fn(u8) -> bool| bytes.iter().all(|&b| allowed(b.to_ascii_lowercase()));
    let dashes = count(b'-');
    let digit = |b: u8| b.is_ascii_digit();
    let prefixed = |prefix: &str| {
        key.starts_with(prefix) || (key.starts_with('-') && key[1..].starts_with(prefix))
    };
    // A date: YYYY-MM-DD and the like.
    if only(&|b| digit(b) || b == b'-') && dashes == 2 {
        return false;
    }
    // An integer.
    if only(&|b| digit(b) || b == b'_' || b == b'-') && dashes < 2 {
        return false;
    }
    // A binary integer.
    if only(&|b| digit(b) || matches!(b, b'_' | b'-' | b'b')) && bytes.len() > 2 && prefixed("0b") {
        return false;
    }
    // A float.
    let lower_e = bytes
        .iter()
        .filter(|b| b.eq_ignore_ascii_case(&b'e'))
        .count();
    if only(&|b| digit(b) || matches!(b, b'e' | b'.' | b'_' | b'-'))
        && count(b'.') == 1
        && dashes < 3
        && lower_e < 2
    {
        return false;
    }
    // A hexadecimal integer.
    if only(&|b| digit(b) || matches!(b, b'a'..=b'f' | b'x' | b'_' | b'-'))
        && dashes < 2
        && bytes.len() > 2
        && prefixed("0x")
    {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::bare_safe;

    #[test]
    fn bare_keys() {
        let bare = [
            "abc", "a/b", "1e5", "e", "..", "1.2.3", "0B1", "1e5e5", "a-b-c", "x_y",
        ];
        let quoted = [
            "", "1", "-1", "1.5", "_", ".", "a b", "true", "True", "Y", "nO", "~", "-", "---",
            "0x1f", "-0x1", "0b1", "1-2", "1-2-3", "1_000", "é", ".inf", "-.Inf",
        ];
        for key in bare {
            assert!(bare_safe(key), "{key:?} should be bare");
        }
        for key in quoted {
            assert!(!bare_safe(key), "{key:?} should be quoted");
        }
    }
}
